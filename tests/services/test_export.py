"""Streaming export of synced metrics: exact CSV and JSON Lines, filters, atomic files, memory."""

from __future__ import annotations

import csv
import io
import json
import os
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from airbnb_tui.db.engine import Database
from airbnb_tui.db.migrate import upgrade
from airbnb_tui.db.models import Account, ChartQuery, ChartSummary, ListOfMetrics
from airbnb_tui.errors import AccountNotFound, UserError
from airbnb_tui.hints import describe
from airbnb_tui.services import export as export_service
from airbnb_tui.services.export import (
    ExportFormat,
    ExportRequest,
    export_columns,
    export_to_file,
    export_to_stream,
)

SYNCED = datetime(2025, 2, 5, 6, 0, tzinfo=UTC)


@pytest.fixture
def sqlite_db(sqlite_url: str) -> Iterator[Database]:
    database = Database(sqlite_url)
    upgrade(database)
    try:
        yield database
    finally:
        database.dispose()


def add_account(db: Database, account_id: str) -> None:
    with db.write() as session:
        session.add(Account(account_id=account_id, cookie_encrypted="x"))


def chart_row(account_id: str, listing: str, day: date, yours: int) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "airbnb_listing_id": listing,
        "metric_date": day,
        "airbnb_internal_name": f"Home {listing}",
        "p3_impressions_your_value": yours,
        "p3_impressions_your_value_string": str(yours),
        "p3_impressions_similar_value": yours // 2,
        "p3_impressions_similar_value_string": str(yours // 2),
        "synced_at": SYNCED,
    }


def window_row(
    account_id: str, listing: str, start: date, days: int, rate: float
) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "airbnb_listing_id": listing,
        "window_start": start,
        "window_end": start + timedelta(days=days - 1),
        "airbnb_internal_name": f"Home {listing}",
        "conversion_rate_value": rate,
        "conversion_rate_value_string": f"{rate:.2%}",
        "synced_at": SYNCED,
    }


@pytest.fixture
def metrics(sqlite_db: Database) -> Database:
    """Two listings of account 1 (and a row of account 2 that must never leak in)."""
    add_account(sqlite_db, "1")
    add_account(sqlite_db, "2")
    rows = [
        chart_row("1", listing, date(2025, 1, 12) + timedelta(days=d), 10 * d + n)
        for n, listing in enumerate(("200", "100"))
        for d in range(4)
    ] + [chart_row("2", "300", date(2025, 1, 12), 99)]
    weekly = [
        window_row("1", "100", date(2025, 1, 5) + timedelta(weeks=w), 7, 0.01 * (w + 1))
        for w in range(3)
    ]
    summary = [window_row("1", "100", date(2024, 12, 15), 28, 0.02)]
    with sqlite_db.write() as session:
        session.execute(insert(ChartQuery), rows)
        session.execute(insert(ListOfMetrics), weekly)
        session.execute(insert(ChartSummary), summary)
    return sqlite_db


def export_text(db: Database, request: ExportRequest, fmt: ExportFormat) -> str:
    out = io.StringIO()
    export_to_stream(db, request, fmt, out)
    return out.getvalue()


def test_csv_has_header_and_rows_in_listing_then_date_order(metrics: Database) -> None:
    text = export_text(metrics, ExportRequest("1", "chart_query"), ExportFormat.CSV)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == export_columns("chart_query")
    assert rows[0][:4] == ["account_id", "airbnb_listing_id", "metric_date", "airbnb_internal_name"]
    assert [(r[1], r[2]) for r in rows[1:]] == [
        ("100", "2025-01-12"),
        ("100", "2025-01-13"),
        ("100", "2025-01-14"),
        ("100", "2025-01-15"),
        ("200", "2025-01-12"),
        ("200", "2025-01-13"),
        ("200", "2025-01-14"),
        ("200", "2025-01-15"),
    ]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["p3_impressions_your_value"] == "1"
    assert first["conversion_rate_your_value"] == ""  # NULL is an empty cell
    assert first["synced_at"] == "2025-02-05T06:00:00+00:00"
    assert text.count("\r") == 0


def test_json_lines_one_object_per_row(metrics: Database) -> None:
    text = export_text(metrics, ExportRequest("1", "list_of_metrics"), ExportFormat.JSON)
    lines = text.splitlines()
    assert len(lines) == 3
    records = [json.loads(line) for line in lines]
    assert list(records[0]) == export_columns("list_of_metrics")
    assert records[0]["window_start"] == "2025-01-05"
    assert records[0]["window_end"] == "2025-01-11"
    assert records[0]["conversion_rate_value"] == 0.01
    assert records[0]["conversion_rate_value_string"] == "1.00%"
    assert records[0]["p3_impressions_value"] is None
    assert [r["window_start"] for r in records] == ["2025-01-05", "2025-01-12", "2025-01-19"]


def test_chart_query_date_range_is_inclusive(metrics: Database) -> None:
    request = ExportRequest("1", "chart_query", date(2025, 1, 13), date(2025, 1, 14))
    records = [json.loads(x) for x in export_text(metrics, request, ExportFormat.JSON).splitlines()]
    assert [(r["airbnb_listing_id"], r["metric_date"]) for r in records] == [
        ("100", "2025-01-13"),
        ("100", "2025-01-14"),
        ("200", "2025-01-13"),
        ("200", "2025-01-14"),
    ]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2025, 1, 11), None, ["2025-01-05", "2025-01-12", "2025-01-19"]),  # touches week 1
        (date(2025, 1, 12), date(2025, 1, 12), ["2025-01-12"]),
        (None, date(2025, 1, 4), []),
        (date(2025, 1, 26), None, []),
    ],
)
def test_windows_overlapping_the_range_are_included(
    metrics: Database, start: date | None, end: date | None, expected: list[str]
) -> None:
    request = ExportRequest("1", "list_of_metrics", start, end)
    records = [json.loads(x) for x in export_text(metrics, request, ExportFormat.JSON).splitlines()]
    assert [r["window_start"] for r in records] == expected


def test_chart_summary_export(metrics: Database) -> None:
    text = export_text(metrics, ExportRequest("1", "chart_summary"), ExportFormat.CSV)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["window_start"], r["window_end"], r["conversion_rate_value"]) for r in rows] == [
        ("2024-12-15", "2025-01-11", "0.02")
    ]


def test_empty_export_still_has_a_csv_header(metrics: Database) -> None:
    add_account(metrics, "3")
    text = export_text(metrics, ExportRequest("3", "chart_query"), ExportFormat.CSV)
    assert text == ",".join(export_columns("chart_query")) + "\n"
    assert export_text(metrics, ExportRequest("3", "chart_query"), ExportFormat.JSON) == ""


def test_unknown_account(metrics: Database) -> None:
    with pytest.raises(AccountNotFound) as caught:
        export_text(metrics, ExportRequest("9", "chart_query"), ExportFormat.CSV)
    assert describe(caught.value) == "No account 9; see `airbnb-tui accounts list`."


def test_bad_requests() -> None:
    with pytest.raises(UserError, match="--start 2025-02-01 is after --end 2025-01-01"):
        ExportRequest("1", "chart_query", date(2025, 2, 1), date(2025, 1, 1))
    with pytest.raises(UserError, match="Unknown table 'accounts'"):
        ExportRequest("1", "accounts")


def test_export_to_file_replaces_atomically(metrics: Database, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "out.csv"
    target.write_text("old contents\n")
    count = export_to_file(metrics, ExportRequest("1", "chart_query"), ExportFormat.CSV, target)
    assert count == 8
    assert target.read_text().splitlines()[0] == ",".join(export_columns("chart_query"))
    assert len(target.read_text().splitlines()) == 9
    assert sorted(p.name for p in folder.iterdir()) == ["out.csv"]
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()


def test_failed_export_leaves_no_partial_file(
    metrics: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = export_service.iter_rows

    def failing(db: Database, request: ExportRequest) -> Iterator[tuple[Any, ...]]:
        rows = real(db, request)
        yield next(rows)
        yield next(rows)
        raise RuntimeError("database went away")

    monkeypatch.setattr(export_service, "iter_rows", failing)
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "out.json"
    with pytest.raises(RuntimeError, match="database went away"):
        export_to_file(metrics, ExportRequest("1", "chart_query"), ExportFormat.JSON, target)
    assert not target.exists()
    existing = folder / "keep.json"
    existing.write_text("previous export\n")
    with pytest.raises(RuntimeError):
        export_to_file(metrics, ExportRequest("1", "chart_query"), ExportFormat.JSON, existing)
    assert existing.read_text() == "previous export\n"
    assert sorted(p.name for p in folder.iterdir()) == ["keep.json"]


def test_export_to_a_missing_directory(metrics: Database, tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"the directory .* does not exist"):
        export_to_file(
            metrics, ExportRequest("1", "chart_query"), ExportFormat.CSV, tmp_path / "no" / "x.csv"
        )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _Sink:
    """A text stream that keeps nothing, so only the export's own memory is measured."""

    def __init__(self) -> None:
        self.chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)


def _peak_bytes(db: Database, account_id: str) -> tuple[int, int]:
    sink = _Sink()
    tracemalloc.start()
    try:
        count = export_service.write_rows(
            export_service.iter_rows(db, ExportRequest(account_id, "chart_query")),
            export_columns("chart_query"),
            ExportFormat.JSON,
            sink,  # type: ignore[arg-type]
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, peak


def test_memory_stays_flat_as_rows_grow(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten times the rows must not take (anywhere near) ten times the memory: rows are fetched
    a batch at a time and written as they come. Reading them all first would fail this."""
    monkeypatch.setattr(export_service, "BATCH_ROWS", 100)
    add_account(sqlite_db, "1")
    add_account(sqlite_db, "2")
    start = date(2020, 1, 1)
    with sqlite_db.write() as session:
        for account_id, listings in (("1", 2), ("2", 20)):
            session.execute(
                insert(ChartQuery),
                [
                    chart_row(account_id, str(1000 + n), start + timedelta(days=d), d)
                    for n in range(listings)
                    for d in range(300)
                ],
            )
    small_count, small_peak = _peak_bytes(sqlite_db, "1")
    large_count, large_peak = _peak_bytes(sqlite_db, "2")
    assert (small_count, large_count) == (600, 6000)
    assert large_peak < small_peak * 1.3, (small_peak, large_peak)
