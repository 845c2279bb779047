"""What the headless commands print: aligned tables for people, fixed-schema JSON for scripts.

Every ``--json`` output is one of the pydantic models below, dumped as one JSON document on
stdout (``export --format json`` is the exception: JSON Lines, one row object per line). The
models are the documentation and the contract: fields are only ever added, never renamed or
removed, and unknown fields are forbidden so a test notices any drift. ``SCHEMAS`` maps each
command to its model; ``json_schema(command)`` gives the JSON Schema of one.

Conventions: timestamps are ISO 8601 in UTC (``2025-02-05T10:31:02Z``), dates ``YYYY-MM-DD``,
absent values ``null``. Cookie values never appear in any of them.

==========================  ==================================================================
command                     top-level object
==========================  ==================================================================
accounts add / update       ``{"saved", "account", "validation"}``
accounts list               ``{"accounts": [Account]}``
accounts show               ``{"account": Account}``
accounts validate           ``{"stored", "account", "validation"}``
accounts enable / disable   ``{"account": Account}``
accounts remove             ``{"removed", "account"}``
jobs                        ``{"jobs": [Job]}``
jobs show                   ``{"job": Job, "listings": [ListingProgress], ...request totals}``
jobs cancel                 ``{"job": Job}``
jobs retry                  ``{"retry_of", "created", "job": Job}``
sync                        ``{"jobs": [SyncedJob], "skipped": [SkippedAccount], "exit_code"}``
==========================  ==================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import click
from pydantic import BaseModel, ConfigDict

SCHEMA_CONFIG = ConfigDict(extra="forbid", from_attributes=True)

JSON_HELP = "Print JSON (its schema: airbnb-tui json-schema COMMAND)."
"""The ``--json`` option's help on the ``accounts`` and ``jobs`` commands."""

# Cells wider than this are cut with an ellipsis so a long listing name never wraps a table.
MAX_CELL_WIDTH = 48
NONE_CELL = "-"


# JSON models ----------------------------------------------------------------------------------


class AccountOut(BaseModel):
    """An account as ``accounts list/show`` report it (never the cookie)."""

    model_config = SCHEMA_CONFIG

    account_id: str
    label: str | None
    customer_id: str | None
    is_active: bool
    credential_status: str
    credential_checked_at: datetime | None
    credential_message: str | None
    listing_count: int | None
    last_sync_at: datetime | None
    created_at: datetime
    updated_at: datetime
    x_client_version: str | None
    user_agent: str | None


class ValidationOut(BaseModel):
    """One live credential check: ``verdict`` is valid, rejected, bot_wall, unreachable,
    rate_limited or cancelled; ``exit_code`` the code the command exits with for it."""

    model_config = SCHEMA_CONFIG

    verdict: str
    message: str
    listing_count: int | None
    listing_names: list[str]
    exit_code: int


class AccountSaveOut(BaseModel):
    """``accounts add`` / ``accounts update``: whether anything was written, and the check."""

    model_config = SCHEMA_CONFIG

    saved: bool
    account: AccountOut | None
    validation: ValidationOut | None


class AccountListOut(BaseModel):
    model_config = SCHEMA_CONFIG

    accounts: list[AccountOut]


class AccountShowOut(BaseModel):
    model_config = SCHEMA_CONFIG

    account: AccountOut


class AccountValidateOut(BaseModel):
    """``stored`` is false when the check was inconclusive and the status was left as it was."""

    model_config = SCHEMA_CONFIG

    stored: bool
    account: AccountOut
    validation: ValidationOut


class AccountRemoveOut(BaseModel):
    model_config = SCHEMA_CONFIG

    removed: bool
    account: AccountOut


class JobOut(BaseModel):
    """A sync job: status is queued, running, succeeded, partial, failed, interrupted or
    cancelled."""

    model_config = SCHEMA_CONFIG

    job_id: int
    account_id: str
    status: str
    trigger: str
    full_backfill: bool
    window_start: str | None
    window_end: str | None
    listings_total: int
    listings_completed: int
    listings_failed: int
    requests_made: int
    rows_written: int
    error_type: str | None
    error_message: str | None
    worker_id: str | None
    attempts: int
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    heartbeat_at: datetime | None
    finished_at: datetime | None
    retry_of_job_id: int | None


class ListingProgressOut(BaseModel):
    """One listing of a job: status is pending, running, succeeded, failed or skipped."""

    model_config = SCHEMA_CONFIG

    listing_id: str
    listing_name: str | None
    position: int
    status: str
    requests_done: int
    requests_total: int
    rows_written: int
    error_type: str | None
    error_message: str | None
    started_at: datetime | None
    finished_at: datetime | None


class JobListOut(BaseModel):
    model_config = SCHEMA_CONFIG

    jobs: list[JobOut]


class JobShowOut(BaseModel):
    model_config = SCHEMA_CONFIG

    job: JobOut
    listings: list[ListingProgressOut]
    requests_done: int
    requests_total: int


class JobCancelOut(BaseModel):
    model_config = SCHEMA_CONFIG

    job: JobOut


class JobRetryOut(BaseModel):
    """``created`` is false when the account already had a job queued or running."""

    model_config = SCHEMA_CONFIG

    retry_of: int
    created: bool
    job: JobOut


class SyncedJobOut(BaseModel):
    """One account's job; ``listings`` is filled when the command followed the job."""

    model_config = SCHEMA_CONFIG

    account_id: str
    created: bool
    job: JobOut
    listings: list[ListingProgressOut]


class SkippedAccountOut(BaseModel):
    model_config = SCHEMA_CONFIG

    account_id: str
    reason: str


class SyncOut(BaseModel):
    model_config = SCHEMA_CONFIG

    jobs: list[SyncedJobOut]
    skipped: list[SkippedAccountOut]
    exit_code: int


SCHEMAS: dict[str, type[BaseModel]] = {
    "accounts add": AccountSaveOut,
    "accounts update": AccountSaveOut,
    "accounts list": AccountListOut,
    "accounts show": AccountShowOut,
    "accounts validate": AccountValidateOut,
    "accounts enable": AccountShowOut,
    "accounts disable": AccountShowOut,
    "accounts remove": AccountRemoveOut,
    "jobs": JobListOut,
    "jobs show": JobShowOut,
    "jobs cancel": JobCancelOut,
    "jobs retry": JobRetryOut,
    "sync": SyncOut,
}


def json_schema(command: str) -> dict[str, Any]:
    """The JSON Schema of ``command``'s ``--json`` output (e.g. ``"jobs show"``)."""
    return SCHEMAS[command].model_json_schema()


def emit_json(model: BaseModel) -> None:
    """Print one ``--json`` document on stdout."""
    click.echo(model.model_dump_json(indent=2))


# Human output ---------------------------------------------------------------------------------


def format_time(value: datetime | None) -> str:
    """A timestamp for a table cell: UTC, to the minute."""
    if value is None:
        return NONE_CELL
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return NONE_CELL
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def cell(value: object, *, limit: int | None = MAX_CELL_WIDTH) -> str:
    """A table cell: ``-`` for nothing, long text cut to ``limit`` characters."""
    if value is None or value == "":
        return NONE_CELL
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return format_time(value)
    text = " ".join(str(value).split())
    if limit is not None and len(text) > limit:
        return text[: limit - 1] + "…"
    return text


def render_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Columns aligned with two spaces, headers first; numbers right-aligned.

    Long cells are cut, except in the last column (an error message), which nothing follows.
    """
    last = len(headers) - 1
    cells = [
        [cell(value, limit=None if i == last else MAX_CELL_WIDTH) for i, value in enumerate(row)]
        for row in rows
    ]
    numeric = [_is_numeric_column([row[i] for row in rows]) for i in range(len(headers))]
    widths = [
        max([len(header)] + [len(row[i]) for row in cells]) for i, header in enumerate(headers)
    ]

    def line(values: Sequence[str]) -> str:
        parts = [
            value.rjust(width) if numeric[i] else value.ljust(width)
            for i, (value, width) in enumerate(zip(values, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), *(line(row) for row in cells)])


def _is_numeric_column(values: Sequence[object]) -> bool:
    present = [value for value in values if value is not None]
    return bool(present) and all(
        isinstance(value, int | float) and not isinstance(value, bool) for value in present
    )


def render_fields(pairs: Sequence[tuple[str, object]]) -> str:
    """``name: value`` lines with the values aligned, for ``show`` commands."""
    width = max(len(name) for name, _ in pairs) + 1
    lines = []
    for name, value in pairs:
        text = NONE_CELL if value is None or value == "" else value
        if isinstance(text, datetime):
            text = text.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        elif isinstance(text, bool):
            text = "yes" if text else "no"
        lines.append(f"{(name + ':').ljust(width)} {text}")
    return "\n".join(lines)
