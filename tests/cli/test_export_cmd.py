"""``airbnb-tui export``: flags, exit codes and messages (the streaming itself is tested in
tests/services/test_export.py)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import ChartQuery
from tests.cli.cli_helpers import Run, seed_account


@pytest.fixture
def account(app_db: Database) -> str:
    seed_account(app_db, "555")
    rows = [
        {
            "account_id": "555",
            "airbnb_listing_id": listing,
            "metric_date": date(2025, 1, 12) + timedelta(days=d),
            "airbnb_internal_name": "Lake house",
            "p3_impressions_your_value": d,
            "synced_at": datetime(2025, 2, 5, tzinfo=UTC),
        }
        for listing in ("1", "2")
        for d in range(3)
    ]
    with app_db.write() as session:
        session.execute(insert(ChartQuery), rows)
    return "555"


def test_csv_to_stdout(run: Run, account: str) -> None:
    result = run(["export", account, "--table", "chart_query", "--start", "2025-01-13"])
    assert result.code == 0, result
    lines = result.stdout.splitlines()
    assert lines[0].startswith("account_id,airbnb_listing_id,metric_date,airbnb_internal_name,")
    assert [line.split(",")[1:3] for line in lines[1:]] == [
        ["1", "2025-01-13"],
        ["1", "2025-01-14"],
        ["2", "2025-01-13"],
        ["2", "2025-01-14"],
    ]
    assert result.stderr == ""


def test_json_lines_to_a_file(run: Run, account: str, tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    result = run(
        ["export", account, "--table", "chart_query", "--format", "json", "--end", "2025-01-12",
         "-o", str(target)]
    )  # fmt: skip
    assert result.code == 0, result
    assert result.stdout == ""
    assert result.stderr == f"Wrote 2 chart_query rows to {target}.\n"
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert [(r["airbnb_listing_id"], r["metric_date"]) for r in records] == [
        ("1", "2025-01-12"),
        ("2", "2025-01-12"),
    ]
    assert records[0]["synced_at"] == "2025-02-05T00:00:00+00:00"


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--start", "2025-13-01"), ("--end", "01/02/2025"), ("--start", "2025-1-5"), ("--end", "x")],
)
def test_bad_date_names_the_flag(run: Run, flag: str, value: str, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    result = run(["export", "555", "--table", "chart_query", flag, value, "-o", str(target)])
    assert result.code == 2
    assert f"Invalid value for '{flag}': {value!r} is not a date like 2025-01-31" in result.stderr
    assert not target.exists()


def test_start_after_end(run: Run, account: str) -> None:
    result = run(
        [
            "export",
            account,
            "--table",
            "chart_query",
            "--start",
            "2025-02-01",
            "--end",
            "2025-01-01",
        ]
    )
    assert result.code == 2
    assert result.stderr == "Error: --start 2025-02-01 is after --end 2025-01-01.\n"


def test_unknown_account(run: Run, app_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "out.csv"
    result = run(["export", "999", "--table", "chart_query", "-o", str(target)])
    assert (result.code, result.stderr) == (
        2,
        "Error: No account 999; see `airbnb-tui accounts list`.\n",
    )
    assert list(folder.iterdir()) == []


def test_removed_account_still_exports(run: Run, account: str) -> None:
    assert run(["accounts", "remove", account, "--yes"]).code == 0
    result = run(["export", account, "--table", "chart_query", "--format", "json"])
    assert result.code == 0
    assert len(result.stdout.splitlines()) == 6


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ([], "Missing option '--table'"),
        (["--table", "accounts"], "Invalid value for '--table'"),
        (["--table", "chart_query", "--format", "xml"], "Invalid value for '--format'"),
    ],
)
def test_bad_options(run: Run, args: list[str], needle: str) -> None:
    result = run(["export", "555", *args])
    assert result.code == 2
    assert needle in result.stderr


def test_output_directory_must_exist(run: Run, account: str, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "out.csv"
    result = run(["export", account, "--table", "chart_query", "-o", str(target)])
    assert result.code == 2
    assert result.stderr == (
        f"Error: Cannot write {target}: the directory {target.parent} does not exist.\n"
    )


def test_malformed_account_id(run: Run) -> None:
    result = run(["export", "12-3", "--table", "chart_query"])
    assert (result.code, result.stderr) == (
        2,
        "Error: '12-3' is not an Airbnb account id (digits only).\n",
    )
