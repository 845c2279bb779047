"""The jobs history: filters by account and status, keyset paging, opening a job."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Select, Static
from ui_support import NOW, ListingSpec, Seeder, fixed_clock, wait_until

from airbnb_tui.config import Settings
from airbnb_tui.db.engine import Database
from airbnb_tui.ui.app import AirbnbTuiApp
from airbnb_tui.ui.screens.job import JobScreen
from airbnb_tui.ui.screens.jobs import JobsScreen
from airbnb_tui.ui.widgets.tables import KeyedTable
from tests.ui.ui_support import app_queue

LAKES, CITY = "987894846", "123456789"


def seed_history(seed: Seeder) -> None:
    seed.account(LAKES, "Lake houses")
    seed.account(CITY, "City flats")
    for day in range(6):
        account = LAKES if day % 2 == 0 else CITY
        status = "failed" if day == 3 else "succeeded"
        seed.job(
            account,
            status,
            [ListingSpec("1", "a", "succeeded", 4, 4, 10)],
            created_at=NOW - timedelta(days=6 - day),
            finished_at=NOW - timedelta(days=6 - day) + timedelta(minutes=4),
            error_message="All 1 listings failed." if status == "failed" else None,
        )


def jobs_table(app: AirbnbTuiApp) -> KeyedTable:
    return app.screen.query_one("#jobs-table", KeyedTable)


async def open_history(app: AirbnbTuiApp, pilot: object) -> JobsScreen:
    screen = JobsScreen(app.ctx, page_size=2)
    await app.push_screen(screen)
    return screen


async def test_paging_goes_through_older_and_newer_jobs(
    settings: Settings, ui_db: Database, seed: Seeder
) -> None:
    seed_history(seed)
    app = AirbnbTuiApp(settings, ui_db, queue=app_queue(settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_history(app, pilot)
        table = jobs_table(app)
        await wait_until(pilot, lambda: table.row_keys == ["6", "5"], 5)
        page = screen.query_one("#jobs-page", Static)
        assert str(page.render()) == "page 1 · 2 jobs, newest first · n: older"
        await pilot.press("n")
        await wait_until(pilot, lambda: table.row_keys == ["4", "3"], 5)
        assert [str(c) for c in table.get_row("4")][2] == "failed"
        await pilot.press("n")
        await wait_until(pilot, lambda: table.row_keys == ["2", "1"], 5)
        assert str(page.render()) == "page 3 · 2 jobs, newest first · p: newer"
        await pilot.press("p")
        await wait_until(pilot, lambda: table.row_keys == ["4", "3"], 5)
        table.move_cursor(row=table.get_row_index("3"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobScreen), 5)
        assert isinstance(app.screen, JobScreen)
        assert app.screen.job_id == 3


async def test_filters_narrow_the_history_by_account_and_status(
    settings: Settings, ui_db: Database, seed: Seeder
) -> None:
    seed_history(seed)
    app = AirbnbTuiApp(settings, ui_db, queue=app_queue(settings), clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = JobsScreen(app.ctx)
        await app.push_screen(screen)
        table = jobs_table(app)
        await wait_until(pilot, lambda: table.row_count == 6, 5)
        accounts: Select[str] = screen.query_one("#jobs-account", Select)
        await wait_until(pilot, lambda: len(accounts._options) == 3, 5)
        accounts.value = CITY
        await wait_until(pilot, lambda: table.row_keys == ["6", "4", "2"], 5)
        statuses: Select[str] = screen.query_one("#jobs-status", Select)
        statuses.value = "failed"
        await wait_until(pilot, lambda: table.row_keys == ["4"], 5)
        assert [str(c) for c in table.get_row("4")][-1] == "All 1 listings failed."
        accounts.clear()
        await wait_until(pilot, lambda: table.row_keys == ["4"], 5)
        statuses.value = "succeeded"
        await wait_until(pilot, lambda: table.row_keys == ["6", "5", "3", "2", "1"], 5)


async def test_history_opened_for_one_account_starts_filtered(
    settings: Settings, ui_db: Database, seed: Seeder
) -> None:
    seed_history(seed)
    app = AirbnbTuiApp(settings, ui_db, queue=app_queue(settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = JobsScreen(app.ctx, account_id=LAKES)
        await app.push_screen(screen)
        table = jobs_table(app)
        await wait_until(pilot, lambda: table.row_keys == ["5", "3", "1"], 5)
        accounts: Select[str] = screen.query_one("#jobs-account", Select)
        await wait_until(pilot, lambda: len(accounts._options) == 3, 5)
        assert accounts.value == LAKES
        assert table.row_keys == ["5", "3", "1"]
