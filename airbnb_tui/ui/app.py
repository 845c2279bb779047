"""The dashboard application: themes, global keys, the command palette, and navigation.

Screens ask to go somewhere with messages (:mod:`airbnb_tui.ui.messages`); the app decides which
screen that is. The accounts screen is the base of the stack and paints before any query runs:
every read happens in thread workers, a page at a time.
"""

from __future__ import annotations

import sys
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from airbnb_tui.config import Settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.types import utcnow
from airbnb_tui.services.queue import JobQueue
from airbnb_tui.ui.commands import ActionsProvider
from airbnb_tui.ui.context import AppContext, Clock
from airbnb_tui.ui.failures import write_crash_log
from airbnb_tui.ui.keymap import available_actions
from airbnb_tui.ui.messages import OpenJob, OpenJobs, OpenMetrics
from airbnb_tui.ui.screens.accounts import AccountsScreen
from airbnb_tui.ui.screens.help import HelpScreen
from airbnb_tui.ui.screens.job import JobScreen
from airbnb_tui.ui.screens.jobs import JobsScreen
from airbnb_tui.ui.screens.metrics import MetricsScreen
from airbnb_tui.ui.themes import DEFAULT_THEME, THEMES, toggled


class AirbnbTuiApp(App[None]):
    """The airbnb-tui dashboard over ``db``; ``clock`` is injectable so tests get fixed times."""

    TITLE = "airbnb-tui"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {ActionsProvider}
    BINDINGS: ClassVar[list[Any]] = [
        Binding(
            "q",
            "quit",
            "Quit",
            id="app.quit",
            tooltip="Leave the dashboard; the worker keeps syncing.",
        ),
        Binding(
            "question_mark", "help", "Help", id="app.help", tooltip="List every key of this screen."
        ),
        Binding(
            "t",
            "toggle_theme",
            "Theme",
            id="app.theme",
            tooltip="Switch between the dark and light themes.",
            show=False,
        ),
    ]

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        queue: JobQueue,
        clock: Clock | None = None,
        open_job: int | None = None,
    ) -> None:
        super().__init__()
        self.ctx = AppContext(settings, db, queue, clock=clock or utcnow)
        self.open_job = open_job
        self.crash_message: str | None = None
        self._error: BaseException | None = None
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = DEFAULT_THEME

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    @property
    def db(self) -> Database:
        return self.ctx.db

    def get_default_screen(self) -> Screen[Any]:
        return AccountsScreen(self.ctx)

    def on_mount(self) -> None:
        if self.open_job is not None:
            self.push_screen(JobScreen(self.ctx, self.open_job))

    def on_unmount(self) -> None:
        self.ctx.close()

    # Global actions -----------------------------------------------------------------------------

    def action_toggle_theme(self) -> None:
        self.theme = toggled(self.theme)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        title = self.screen.sub_title or self.title
        self.push_screen(
            HelpScreen(title, available_actions(self.screen, self, enabled_only=False))
        )

    # Navigation ---------------------------------------------------------------------------------

    def on_open_job(self, message: OpenJob) -> None:
        screen = JobScreen(self.ctx, message.job_id)
        if message.replace:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def on_open_jobs(self, message: OpenJobs) -> None:
        self.push_screen(JobsScreen(self.ctx, account_id=message.account_id))

    def on_open_metrics(self, message: OpenMetrics) -> None:
        self.push_screen(MetricsScreen(self.ctx, message.account_id))

    # Crashes ------------------------------------------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        self._error = error
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """Exit with a short message naming the log file, instead of Textual's traceback with
        local variables (which could hold a pasted cookie)."""
        error = self._error or sys.exc_info()[1]
        if error is None:
            super()._fatal_error()
            return
        path = write_crash_log(self.settings, error)
        self.bell()
        # Printed by run_app once the terminal is restored, unwrapped so the path stays whole.
        self.crash_message = (
            f"airbnb-tui stopped on an unexpected {type(error).__name__}.\n"
            f"The details are in {path}"
        )
        self._close_messages_no_wait()


def run_app(
    settings: Settings, db: Database, queue: JobQueue, *, open_job: int | None = None
) -> None:
    """Run the dashboard in this terminal until the operator quits.

    ``open_job`` opens that job's live screen over the accounts (``airbnb-tui demo`` does).
    """
    app = AirbnbTuiApp(settings, db, queue=queue, open_job=open_job)
    app.run()
    if app.crash_message is not None:
        print(app.crash_message, file=sys.stderr)
        raise SystemExit(app.return_code or 1)
