"""``airbnb-tui export``: an account's synced metrics as CSV or JSON Lines."""

from __future__ import annotations

import contextlib
import os
import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from airbnb_tui.commands.context import CliContext, pass_ctx
from airbnb_tui.db.models import METRIC_TABLES
from airbnb_tui.services.accounts import check_account_id
from airbnb_tui.services.export import (
    ExportFormat,
    ExportRequest,
    export_to_file,
    export_to_stream,
)

_YYYY_MM_DD = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


class IsoDate(click.ParamType[date, Any]):
    """A calendar date written ``YYYY-MM-DD``, nothing looser (no times, no other orders)."""

    name = "YYYY-MM-DD"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> date:
        if isinstance(value, date):
            return value
        text = str(value).strip()
        try:
            # fromisoformat also takes week dates (2025-W05-1) and compact forms; the
            # pattern keeps the option to the one spelling the help text promises.
            if not _YYYY_MM_DD.fullmatch(text):
                raise ValueError(text)
            return date.fromisoformat(text)
        except ValueError:
            self.fail(f"{text!r} is not a date like 2025-01-31 (YYYY-MM-DD).", param, ctx)


@click.command("export")
@click.argument("account_id")
@click.option(
    "--table",
    type=click.Choice(list(METRIC_TABLES)),
    required=True,
    help="Which metrics: daily chart_query, 28-day chart_summary or 7-day list_of_metrics.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in ExportFormat]),
    default=ExportFormat.CSV.value,
    show_default=True,
    help="csv (header row first) or json (JSON Lines: one object per row).",
)
@click.option("--start", type=IsoDate(), help="First day to include (inclusive).")
@click.option("--end", type=IsoDate(), help="Last day to include (inclusive).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (atomically) instead of stdout.",
)
@pass_ctx
def export_cmd(
    ctx: CliContext,
    account_id: str,
    table: str,
    fmt: str,
    start: date | None,
    end: date | None,
    output: Path | None,
) -> None:
    """Export an account's synced metrics, streamed row by row.

    Rows are ordered by listing, then date. --start/--end select chart_query's metric_date;
    for chart_summary and list_of_metrics a window is included when it overlaps the range.
    With -o the file appears only once complete: a failed export leaves no partial file.

    \b
    Example:
      airbnb-tui export 123456789 --table chart_query --format csv --start 2025-01-01 -o q.csv
    """
    request = ExportRequest(check_account_id(account_id), table, start, end)
    export_format = ExportFormat(fmt)
    db = ctx.database()
    if output is not None and str(output) != "-":
        count = export_to_file(db, request, export_format, output)
        click.echo(f"Wrote {count} {table} rows to {output}.", err=True)
        return
    try:
        export_to_stream(db, request, export_format, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, and keep Python from complaining
        # about the unflushable stdout at exit.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
