"""The read side behind the metrics screen (airbnb_tui.services.metrics and .overview)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from ui_support import TODAY, ListingSpec, Seeder

from airbnb_tui.db.engine import Database
from airbnb_tui.errors import UserError
from airbnb_tui.services import metrics
from airbnb_tui.services.metrics import DailyPageViews, ListingMetrics, WeeklyConversion
from airbnb_tui.services.overview import accounts_page

LAKES = "987894846"


def test_default_range_is_eight_weeks_ending_today() -> None:
    assert metrics.default_range(date(2025, 2, 5)) == (date(2024, 12, 12), date(2025, 2, 5))


def test_ranges_must_be_ordered_and_bounded() -> None:
    with pytest.raises(UserError, match="ends"):
        metrics.check_range(date(2025, 2, 5), date(2025, 2, 4))
    with pytest.raises(UserError, match="at most 731 days"):
        metrics.check_range(date(2023, 1, 1), date(2025, 1, 2))
    metrics.check_range(date(2023, 1, 2), date(2025, 1, 1))


def test_listing_metrics_reads_only_the_listing_and_range(seed: Seeder, ui_db: Database) -> None:
    seed.account(LAKES, "Lakes")
    seed.account("111", "Other")
    seed.metrics(LAKES, "1001", "a", days=30)
    seed.metrics(LAKES, "1002", "b", days=30)
    seed.metrics("111", "1001", "c", days=30)
    start, end = TODAY - timedelta(days=9), TODAY - timedelta(days=3)
    found = metrics.listing_metrics(ui_db, LAKES, "1001", start, end)
    assert [p.day for p in found.daily] == [start + timedelta(days=i) for i in range(7)]
    # Offset 20 from the first seeded day: yours = 20 + (20*7) % 15, similar = 25 + (20*3) % 9.
    assert found.daily[0] == DailyPageViews(start, 25, 31)
    # Weeks overlapping the range, including the one that began before its start.
    assert [(w.window_start, w.window_end) for w in found.weekly] == [
        (date(2025, 1, 26), date(2025, 2, 1)),
        (date(2025, 2, 2), date(2025, 2, 8)),
    ]
    assert not found.empty


def test_account_listings_pages_by_id(seed: Seeder, ui_db: Database) -> None:
    seed.account(LAKES, "Lakes")
    seed.listings(LAKES, [("3", "c"), ("1", "a"), ("2", "b")])
    first = metrics.account_listings(ui_db, LAKES, limit=2)
    assert [(o.listing_id, o.name) for o in first] == [("1", "a"), ("2", "b")]
    rest = metrics.account_listings(ui_db, LAKES, after="2", limit=2)
    assert [o.listing_id for o in rest] == ["3"]


def test_export_writes_long_format_rows(tmp_path: Path) -> None:
    data = ListingMetrics(
        LAKES,
        "1001",
        date(2025, 1, 5),
        date(2025, 1, 6),
        (DailyPageViews(date(2025, 1, 5), 123456789, None),),
        (WeeklyConversion(date(2025, 1, 5), date(2025, 1, 11), 0.0011021307861866275),),
    )
    path = metrics.export_csv(data, tmp_path / "deep" / "out.csv")
    assert path.read_text(encoding="utf-8").splitlines() == [
        "account_id,listing_id,metric,period_start,period_end,yours,similar",
        f"{LAKES},1001,page_views,2025-01-05,2025-01-05,123456789,",
        f"{LAKES},1001,conversion_rate,2025-01-05,2025-01-11,0.001102130786,",
    ]


def test_accounts_page_sums_request_progress_of_active_jobs(seed: Seeder, ui_db: Database) -> None:
    seed.account("1", "a")
    seed.account("2", "b")
    seed.account("3", "c")
    seed.job("1", "succeeded", [ListingSpec("x", "x", "succeeded", 9, 9)])
    seed.job("1", "running", [ListingSpec("x", "x", "succeeded", 9, 9), ListingSpec("y", "y")])
    seed.job("2", "queued")
    page = accounts_page(ui_db, limit=2)
    assert [row.account.account_id for row in page.rows] == ["1", "2"]
    assert page.has_more
    running = page.rows[0].current_job
    assert running is not None
    assert (running.job.status, running.requests_done, running.requests_total) == (
        "running",
        9,
        9,
    )
    queued = page.rows[1].current_job
    assert queued is not None
    assert queued.fraction is None
    rest = accounts_page(ui_db, after=page.last_id, limit=2)
    assert [row.account.account_id for row in rest.rows] == ["3"]
    assert not rest.has_more
    assert rest.rows[0].current_job is None
