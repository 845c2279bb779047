"""The ``airbnb-tui`` command: the dashboard by default, subcommands for headless use."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from airbnb_tui import __version__
from airbnb_tui.commands.accounts import accounts_group
from airbnb_tui.commands.context import CliContext
from airbnb_tui.commands.db import db_group
from airbnb_tui.commands.demo import demo_cmd
from airbnb_tui.commands.export import export_cmd
from airbnb_tui.commands.jobs import jobs_group
from airbnb_tui.commands.sandbox import sandbox_cmd
from airbnb_tui.commands.schema import json_schema_cmd
from airbnb_tui.commands.sync import sync_cmd
from airbnb_tui.errors import UserError
from airbnb_tui.exit_codes import ExitCode
from airbnb_tui.hints import describe
from airbnb_tui.logs import configure_logging, redact

if TYPE_CHECKING:
    from airbnb_tui.config import Settings
    from airbnb_tui.services.queue import JobQueue

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT_SETTINGS, invoke_without_command=True)
@click.option("--data-dir", type=click.Path(path_type=Path), help="Where data lives.")
@click.option("--database-url", help="SQLite or postgresql+psycopg:// URL.")
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.version_option(__version__, prog_name="airbnb-tui")
@click.pass_context
def cli(
    click_ctx: click.Context, data_dir: Path | None, database_url: str | None, debug: bool
) -> None:
    """Sync Airbnb listing performance into your own database.

    Run without a command to open the dashboard; the subcommands do the same things
    headlessly (over SSH, from cron). Exit codes: 0 success, 1 unexpected error, 2 bad input,
    3 credentials rejected by Airbnb, 4 Airbnb unreachable or rate-limited, 5 a sync did not
    fully succeed.

    \b
    Shell completion (bash; zsh and fish likewise):
      eval "$(_AIRBNB_TUI_COMPLETE=bash_source airbnb-tui)"

    \b
    Example:
      airbnb-tui demo
    """
    overrides: dict[str, Any] = {"data_dir": data_dir, "database_url": database_url}
    ctx = CliContext(
        overrides={k: v for k, v in overrides.items() if v}, debug=debug, open_queue=worker_queue
    )
    click_ctx.obj = ctx
    click_ctx.call_on_close(ctx.close)
    if click_ctx.invoked_subcommand is None:
        from airbnb_tui.commands.dashboard import run_dashboard

        run_dashboard(ctx)


cli.add_command(db_group)
cli.add_command(accounts_group)
cli.add_command(jobs_group)
cli.add_command(sync_cmd)
cli.add_command(export_cmd)
cli.add_command(sandbox_cmd)
cli.add_command(demo_cmd)
cli.add_command(json_schema_cmd)


def worker_queue(settings: Settings) -> JobQueue:
    """The queue the workers consume: huey's, with the worker's tasks (built on first use)."""
    from worker.tasks import Queue

    return Queue(settings)


def _print_redacted_traceback() -> None:
    # A traceback repeats exception messages and may quote a header; it goes through the
    # same redaction as log lines.
    sys.stderr.write(redact(traceback.format_exc()))


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: maps errors to exit codes and one-line messages."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    # Through the redacting formatter: a cookie or the API key never reaches a log line.
    configure_logging(logging.DEBUG if debug else logging.WARNING)
    try:
        cli.main(args=argv, prog_name="airbnb-tui", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.BAD_INPUT)
    except UserError as exc:
        if debug:
            _print_redacted_traceback()
        click.echo(f"Error: {redact(describe(exc))}", err=True)
        sys.exit(int(exc.exit_code))
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:
        if debug:
            _print_redacted_traceback()
        else:
            click.echo(
                f"Error: unexpected {type(exc).__name__}: {redact(str(exc))}. Run again with "
                "--debug for details.",
                err=True,
            )
        sys.exit(ExitCode.UNEXPECTED)
