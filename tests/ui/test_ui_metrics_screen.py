"""The metrics screen: charts of the chosen listing and range, and the CSV export."""

from __future__ import annotations

import csv
from datetime import date

from textual.widgets import Input, Select, Static
from ui_support import Seeder, fixed_clock, wait_until

from airbnb_tui.config import Settings
from airbnb_tui.db.engine import Database
from airbnb_tui.services.metrics import ListingMetrics
from airbnb_tui.ui.app import AirbnbTuiApp
from airbnb_tui.ui.screens.metrics import MetricsScreen
from tests.ui.ui_support import app_queue

LAKES = "987894846"


def seed_metrics(seed: Seeder) -> None:
    seed.account(LAKES, "Lake houses")
    seed.listings(LAKES, [("1001", "417 Cedar Court"), ("1002", "713 Maple Row")])
    seed.metrics(LAKES, "1001", "417 Cedar Court", days=70)
    seed.metrics(LAKES, "1002", "713 Maple Row", days=14)


def note(screen: MetricsScreen) -> str:
    return str(screen.query_one("#metrics-note", Static).render())


def loaded(screen: MetricsScreen) -> ListingMetrics:
    assert screen.metrics is not None
    return screen.metrics


async def test_charts_follow_the_listing_and_the_date_range(
    settings: Settings, ui_db: Database, seed: Seeder
) -> None:
    seed_metrics(seed)
    app = AirbnbTuiApp(settings, ui_db, queue=app_queue(settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = MetricsScreen(app.ctx, LAKES)
        await app.push_screen(screen)
        await wait_until(pilot, lambda: screen.metrics is not None, 5)
        # Default range: the last 8 weeks up to today (2025-02-05).
        assert (loaded(screen).start, loaded(screen).end) == (date(2024, 12, 12), date(2025, 2, 5))
        assert loaded(screen).listing_id == "1001"
        assert len(loaded(screen).daily) == 56
        assert note(screen) == "56 days · 9 weeks · 2024-12-12 → 2025-02-05"

        listing: Select[str] = screen.query_one("#metrics-listing", Select)
        listing.value = "1002"
        await wait_until(pilot, lambda: loaded(screen).listing_id == "1002", 5)
        assert len(loaded(screen).daily) == 14

        start = screen.query_one("#metrics-start", Input)
        start.focus()
        await pilot.press("ctrl+a", "ctrl+k", *"2025-02-01", "enter")
        await wait_until(pilot, lambda: loaded(screen).start == date(2025, 2, 1), 5)
        assert loaded(screen).daily[0].day == date(2025, 2, 1)
        assert len(loaded(screen).daily) == 5

        await pilot.press("ctrl+a", "ctrl+k", *"2025-13-01", "enter")
        await pilot.pause()
        assert note(screen) == "The start date must look like 2025-01-31."
        assert loaded(screen).start == date(2025, 2, 1)


async def test_export_writes_what_is_shown_to_csv(
    settings: Settings, ui_db: Database, seed: Seeder
) -> None:
    seed_metrics(seed)
    app = AirbnbTuiApp(settings, ui_db, queue=app_queue(settings), clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = MetricsScreen(app.ctx, LAKES)
        await app.push_screen(screen)
        await wait_until(pilot, lambda: screen.metrics is not None, 5)
        listing: Select[str] = screen.query_one("#metrics-listing", Select)
        listing.value = "1002"
        await wait_until(pilot, lambda: loaded(screen).listing_id == "1002", 5)
        screen.query_one("#metrics-views").focus()
        await pilot.press("e")
        await wait_until(pilot, lambda: screen.last_export is not None, 5)
        path = screen.last_export
        assert path is not None
        assert note(screen) == f"Wrote {path}"

    assert path == settings.data_dir / "exports" / (
        f"metrics_{LAKES}_1002_2024-12-12_2025-02-05.csv"
    )
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0] == [
        "account_id",
        "listing_id",
        "metric",
        "period_start",
        "period_end",
        "yours",
        "similar",
    ]
    daily = [r for r in rows[1:] if r[2] == "page_views"]
    weekly = [r for r in rows[1:] if r[2] == "conversion_rate"]
    assert len(daily) == 14
    assert daily[0] == [LAKES, "1002", "page_views", "2025-01-23", "2025-01-23", "20", "25"]
    assert weekly[0] == [LAKES, "1002", "conversion_rate", "2025-01-19", "2025-01-25", "0.01", ""]
    assert len(rows) == 1 + 14 + len(weekly)


async def test_an_account_without_listings_says_what_to_do(
    settings: Settings, ui_db: Database, seed: Seeder
) -> None:
    seed.account(LAKES, "Lake houses")
    app = AirbnbTuiApp(settings, ui_db, queue=app_queue(settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = MetricsScreen(app.ctx, LAKES)
        await app.push_screen(screen)
        await wait_until(pilot, lambda: note(screen) != "", 5)
        assert note(screen) == "No listings known for this account yet: sync it first."
        assert screen.check_action("export", ()) is None
