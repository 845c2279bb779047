"""Exporting an account's synced metrics as CSV or JSON Lines, streamed row by row.

Rows come from the database in batches (``yield_per``: a server-side cursor on PostgreSQL, the
sqlite3 cursor's own stepping on SQLite) and are written as they arrive, so memory stays flat
however many rows a table holds. Exports to a file go to a temporary file beside it that is
renamed into place only when the last row is written: a failed export never leaves half a file.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Select, select

from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import METRIC_TABLES, Account
from airbnb_tui.errors import AccountNotFound, UserError

BATCH_ROWS = 1000


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


@dataclass(frozen=True)
class ExportRequest:
    """What to export: one account's rows of one table, optionally limited to a date range.

    ``start``/``end`` are inclusive and apply to ``metric_date`` for chart_query; for the
    windowed tables (chart_summary, list_of_metrics) a window is included when it overlaps the
    range.
    """

    account_id: str
    table: str
    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        if self.table not in METRIC_TABLES:
            raise UserError(
                f"Unknown table {self.table!r}; choose one of {', '.join(METRIC_TABLES)}."
            )
        if self.start is not None and self.end is not None and self.start > self.end:
            raise UserError(
                f"--start {self.start.isoformat()} is after --end {self.end.isoformat()}."
            )


def export_columns(table: str) -> list[str]:
    """The columns of an export, in table order: the CSV header, the JSON object keys."""
    return [column.name for column in METRIC_TABLES[table].__table__.columns]


def _statement(request: ExportRequest) -> Select[Any]:
    table = METRIC_TABLES[request.table].__table__
    stmt = select(*table.columns).where(table.c.account_id == request.account_id)
    if request.table == "chart_query":
        day = table.c.metric_date
        if request.start is not None:
            stmt = stmt.where(day >= request.start)
        if request.end is not None:
            stmt = stmt.where(day <= request.end)
        order = [table.c.airbnb_listing_id, day]
    else:
        if request.start is not None:
            stmt = stmt.where(table.c.window_end >= request.start)
        if request.end is not None:
            stmt = stmt.where(table.c.window_start <= request.end)
        order = [table.c.airbnb_listing_id, table.c.window_start]
    # Primary-key order: the index serves it, no sort of the whole result is needed.
    return stmt.order_by(*order)


def check_account(db: Database, account_id: str) -> None:
    """Raise NotFound unless the account exists (a removed account's metrics still export)."""
    with db.read() as session:
        if session.get(Account, account_id) is None:
            raise AccountNotFound(account_id)


def iter_rows(db: Database, request: ExportRequest) -> Iterator[tuple[Any, ...]]:
    """The rows of ``request`` one at a time, fetched ``BATCH_ROWS`` at a time."""
    with db.read() as session:
        # Core rows straight off the session's connection: no ORM identity work per row.
        result = (
            session.connection()
            .execution_options(yield_per=BATCH_ROWS)
            .execute(_statement(request))
        )
        for partition in result.partitions():
            for row in partition:
                yield tuple(row)


def _iso(value: object) -> str:
    """JSON has no date type: dates and timestamps are written as ISO 8601 strings."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot export a {type(value).__name__}")


def write_rows(
    rows: Iterator[tuple[Any, ...]], columns: list[str], fmt: ExportFormat, out: TextIO
) -> int:
    """Write ``rows`` to ``out`` as CSV (header first) or JSON Lines; returns the row count.

    The per-row work is kept small (millions of rows): CSV writes NULL as an empty cell by
    itself and ``str(date)`` is already ISO, so only timestamps are converted; JSON goes
    through one reusable C-accelerated encoder.
    """
    count = 0
    if fmt == ExportFormat.CSV:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([v.isoformat() if isinstance(v, datetime) else v for v in row])
            count += 1
        return count
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_iso)
    for row in rows:
        out.write(encoder.encode(dict(zip(columns, row, strict=True))) + "\n")
        count += 1
    return count


def export_to_stream(db: Database, request: ExportRequest, fmt: ExportFormat, out: TextIO) -> int:
    """Stream the export to an open text stream (stdout); returns the number of rows."""
    check_account(db, request.account_id)
    return write_rows(iter_rows(db, request), export_columns(request.table), fmt, out)


def export_to_file(db: Database, request: ExportRequest, fmt: ExportFormat, path: Path) -> int:
    """Write the export to ``path`` atomically; returns the number of rows.

    The rows go to a hidden temporary file in the same directory, renamed over ``path`` only
    once complete; on any error the temporary file is removed and ``path`` is left as it was.
    """
    check_account(db, request.account_id)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"Cannot write {path}: the directory {folder} does not exist.")
    if path.is_dir():
        raise UserError(f"Cannot write {path}: it is a directory; name a file.")
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise UserError(f"Cannot write in {folder}: {exc.strerror}.") from None
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            count = write_rows(iter_rows(db, request), export_columns(request.table), fmt, out)
            out.flush()
            os.fsync(out.fileno())
        # mkstemp makes the file 0600; give the export the permissions a new file would get.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return count
