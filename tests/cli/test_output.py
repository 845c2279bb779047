"""The --json schemas are a contract: their fields are pinned here, and the table helpers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from airbnb_tui.commands.output import (
    SCHEMAS,
    AccountRemoveOut,
    AccountSaveOut,
    AccountShowOut,
    JobShowOut,
    SyncedJobOut,
    format_duration,
    json_schema,
    render_fields,
    render_table,
)
from airbnb_tui.db.views import AccountView, Job, ListingProgress
from tests.cli.cli_helpers import run_main

PUBLISHED_SCHEMAS = Path(__file__).with_name("json_schemas.json")

TOP_LEVEL = {
    "accounts add": ["saved", "account", "validation"],
    "accounts update": ["saved", "account", "validation"],
    "accounts list": ["accounts"],
    "accounts show": ["account"],
    "accounts validate": ["stored", "account", "validation"],
    "accounts enable": ["account"],
    "accounts disable": ["account"],
    "accounts remove": ["removed", "account"],
    "jobs": ["jobs"],
    "jobs show": ["job", "listings", "requests_done", "requests_total"],
    "jobs cancel": ["job"],
    "jobs retry": ["retry_of", "created", "job"],
    "sync": ["jobs", "skipped", "exit_code"],
}


@pytest.mark.parametrize("command", sorted(TOP_LEVEL))
def test_top_level_fields_are_pinned(command: str) -> None:
    schema = json_schema(command)
    assert list(schema["properties"]) == TOP_LEVEL[command]
    assert schema["required"] == TOP_LEVEL[command]
    assert schema["additionalProperties"] is False


def test_every_command_with_json_has_a_schema() -> None:
    assert set(SCHEMAS) == set(TOP_LEVEL)


def test_nested_models_are_the_service_views() -> None:
    """The documents nest the very views the services hand out, so every field of a view is
    in the JSON, with its type, and nothing else; no view carries the cookie."""
    assert AccountShowOut.model_fields["account"].annotation is AccountView
    assert AccountRemoveOut.model_fields["account"].annotation is AccountView
    assert AccountSaveOut.model_fields["account"].annotation == AccountView | None
    assert JobShowOut.model_fields["job"].annotation is Job
    assert JobShowOut.model_fields["listings"].annotation == list[ListingProgress]
    assert SyncedJobOut.model_fields["job"].annotation is Job
    assert not any("cookie" in name for name in AccountView.model_fields)


def test_published_schemas_never_change() -> None:
    """The schema of every --json document, as published: a change here breaks scripts that
    validate what they read (fields may only be added, and then this file with them)."""
    published = json.loads(PUBLISHED_SCHEMAS.read_text())
    assert {command: json_schema(command) for command in SCHEMAS} == published


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        SCHEMAS["jobs"].model_validate({"jobs": [], "next": 5})


def test_render_table_aligns_and_right_aligns_numbers() -> None:
    text = render_table(
        ["ID", "NAME", "ROWS", "ACTIVE", "ERROR"],
        [
            [1, "Sleek Loft", 1200, True, None],
            [22, None, 5, False, "x" * 60],
        ],
    )
    assert text.splitlines() == [
        "ID  NAME        ROWS  ACTIVE  ERROR",
        " 1  Sleek Loft  1200  yes     -",
        "22  -              5  no      " + "x" * 60,
    ]


def test_render_table_cuts_long_cells_except_the_last() -> None:
    text = render_table(["A", "B"], [["y" * 60, "z" * 60]])
    assert text.splitlines()[1] == "y" * 47 + "…  " + "z" * 60


def test_render_fields_and_durations() -> None:
    when = datetime(2025, 2, 5, 10, 31, 2, tzinfo=UTC)
    assert render_fields([("job", 4), ("started", when), ("error", None), ("ok", True)]) == (
        "job:     4\nstarted: 2025-02-05 10:31:02 UTC\nerror:   -\nok:      yes"
    )
    assert [format_duration(s) for s in (None, 0.4, 59, 61, 3725)] == [
        "-",
        "0s",
        "59s",
        "1m01s",
        "1h02m",
    ]


@pytest.mark.parametrize("command", sorted(SCHEMAS))
def test_json_schema_prints_the_schema_each_command_keeps_to(command: str) -> None:
    outcome = run_main(["json-schema", *command.split()])
    assert outcome.code == 0, outcome
    assert json.loads(outcome.stdout) == json_schema(command)


def test_json_schema_of_a_command_without_json_output_is_bad_input() -> None:
    outcome = run_main(["json-schema", "export"])
    assert outcome.code == 2, outcome
    assert "has no --json output" in outcome.stderr
    assert "jobs show" in outcome.stderr
    assert outcome.stdout == ""
