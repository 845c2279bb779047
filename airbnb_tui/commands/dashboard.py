"""Opening the Textual dashboard from the command line."""

from __future__ import annotations

from airbnb_tui.commands.context import CliContext


def run_dashboard(ctx: CliContext) -> None:
    """Open the dashboard on the configured database."""
    from airbnb_tui.ui.app import run_app

    run_app(ctx.settings, ctx.database(), ctx.queue())
