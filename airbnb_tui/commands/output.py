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
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import core_schema

from airbnb_tui.db.views import AccountView, Job, ListingProgress

SCHEMA_CONFIG = ConfigDict(extra="forbid", from_attributes=True)

JSON_HELP = "Print JSON (its schema: airbnb-tui json-schema COMMAND)."
"""The ``--json`` option's help on the ``accounts`` and ``jobs`` commands."""

# Cells wider than this are cut with an ellipsis so a long listing name never wraps a table.
MAX_CELL_WIDTH = 48
NONE_CELL = "-"


# JSON models ----------------------------------------------------------------------------------

PUBLISHED_NAMES = {
    AccountView.__name__: "AccountOut",
    Job.__name__: "JobOut",
    ListingProgress.__name__: "ListingProgressOut",
}
"""The names the schema has always given the shared views it nests (titles and ``$defs``)."""


class PublishedSchema(GenerateJsonSchema):
    """JSON Schema generation that keeps the published names of the nested views."""

    def normalize_name(self, name: str) -> str:
        return super().normalize_name(PUBLISHED_NAMES.get(name, name))

    def model_schema(self, schema: core_schema.ModelSchema) -> dict[str, Any]:
        json_schema = super().model_schema(schema)
        published = PUBLISHED_NAMES.get(schema["cls"].__name__)
        if published is not None:
            json_schema["title"] = published
        return json_schema


class Document(BaseModel):
    """A ``--json`` document, or a part of one that is not a shared view."""

    model_config = SCHEMA_CONFIG


class ValidationOut(Document):
    """One live credential check: ``verdict`` is valid, rejected, bot_wall, unreachable,
    rate_limited or cancelled; ``exit_code`` the code the command exits with for it."""

    verdict: str
    message: str
    listing_count: int | None
    listing_names: list[str]
    exit_code: int


class AccountSaveOut(Document):
    """``accounts add`` / ``accounts update``: whether anything was written, and the check."""

    saved: bool
    account: AccountView | None
    validation: ValidationOut | None


class AccountListOut(Document):
    accounts: list[AccountView]


class AccountShowOut(Document):
    account: AccountView


class AccountValidateOut(Document):
    """``stored`` is false when the check was inconclusive and the status was left as it was."""

    stored: bool
    account: AccountView
    validation: ValidationOut


class AccountRemoveOut(Document):
    removed: bool
    account: AccountView


class JobListOut(Document):
    jobs: list[Job]


class JobShowOut(Document):
    job: Job
    listings: list[ListingProgress]
    requests_done: int
    requests_total: int


class JobCancelOut(Document):
    job: Job


class JobRetryOut(Document):
    """``created`` is false when the account already had a job queued or running."""

    retry_of: int
    created: bool
    job: Job


class SyncedJobOut(Document):
    """One account's job; ``listings`` is filled when the command followed the job."""

    account_id: str
    created: bool
    job: Job
    listings: list[ListingProgress]


class SkippedAccountOut(Document):
    account_id: str
    reason: str


class SyncOut(Document):
    jobs: list[SyncedJobOut]
    skipped: list[SkippedAccountOut]
    exit_code: int


SCHEMAS: dict[str, type[Document]] = {
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
    return SCHEMAS[command].model_json_schema(schema_generator=PublishedSchema)


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
