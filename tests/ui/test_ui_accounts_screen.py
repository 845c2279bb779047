"""The accounts screen: its rows, and what each key does to the database."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from textual.widgets import Static
from ui_support import (
    NOW,
    ListingSpec,
    Seeder,
    fixed_clock,
    notifications,
    wait_until,
)

from airbnb_tui.airbnb.credentials import parse_credentials
from airbnb_tui.config import Settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import CredentialStatus
from airbnb_tui.errors import NotFound
from airbnb_tui.sandbox import Expiry, SandboxServer
from airbnb_tui.secrets import CookieCipher
from airbnb_tui.services import accounts as account_service
from airbnb_tui.services import jobs as job_service
from airbnb_tui.ui.app import AirbnbTuiApp
from airbnb_tui.ui.screens.accounts import AccountsScreen
from airbnb_tui.ui.screens.confirm import ConfirmScreen
from airbnb_tui.ui.screens.job import JobScreen
from airbnb_tui.ui.screens.jobs import JobsScreen
from airbnb_tui.ui.screens.metrics import MetricsScreen
from airbnb_tui.ui.widgets.tables import KeyedTable
from tests.ui.ui_support import app_queue

LAKES, CITY, OFF = "987894846", "123456789", "555000111"


def seed_three(seed: Seeder) -> None:
    seed.account(LAKES, "Lake houses", last_sync_at=NOW - timedelta(hours=3))
    seed.account(CITY, "City flats", status="rejected", listing_count=3)
    seed.account(OFF, None, status="unchecked", active=False, listing_count=None)


def row(table: KeyedTable, key: str) -> list[str]:
    return [str(value) for value in table.get_row(key)]


def accounts_table(app: AirbnbTuiApp) -> KeyedTable:
    return app.screen.query_one("#accounts-table", KeyedTable)


async def select(app: AirbnbTuiApp, key: str) -> None:
    table = accounts_table(app)
    table.move_cursor(row=table.get_row_index(key))


async def test_rows_show_status_last_sync_job_progress_and_next_sync(
    settings: Settings, ui_db: Database, seed: Seeder
) -> None:
    seed_three(seed)
    seed.job(
        LAKES,
        "running",
        [
            ListingSpec("1", "a", "succeeded", 10, 10, 100),
            ListingSpec("2", "b", "running", 5, 10),
            ListingSpec("3", "c", "pending", 0, 20),
        ],
    )
    app = AirbnbTuiApp(settings, ui_db, queue=app_queue(settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        table = accounts_table(app)
        await wait_until(pilot, lambda: table.row_count == 3, 5)
        assert table.row_keys == [CITY, OFF, LAKES]
        # 15 of 40 requests done; next daily slot is 05:00 UTC tomorrow, 15 hours away.
        assert row(table, LAKES) == [
            "Lake houses",
            LAKES,
            "✓ valid",
            "       7",
            "3h ago",
            "██░░░ 38%",
            "in 15h",
        ]
        assert row(table, CITY) == ["City flats", CITY, "✗ rejected", "       3", "never", "—", "—"]
        assert row(table, OFF) == ["—", OFF, "⏸ disabled", "       —", "never", "—", "—"]
        status = app.screen.query_one("#worker-status", Static)
        await wait_until(pilot, lambda: "no worker is running" in str(status.render()), 5)
        assert str(status.render()) == "no worker is running; start it with airbnb-worker"
        assert str(app.screen.query_one("#accounts-page", Static).render()) == "3 accounts"


async def test_status_line_names_the_running_worker(
    settings: Settings, ui_db: Database, seed: Seeder
) -> None:
    seed.worker(pid=4242, heartbeat_age=3)
    app = AirbnbTuiApp(settings, ui_db, queue=app_queue(settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        status = app.screen.query_one("#worker-status", Static)
        await wait_until(pilot, lambda: "worker running" in str(status.render()), 5)
        assert str(status.render()) == "worker running: pid 4242 on host-a, heartbeat 3s ago"
        assert status.has_class("-running")


async def test_disable_enable_and_remove_with_confirmation(
    settings: Settings, ui_db: Database, seed: Seeder
) -> None:
    seed_three(seed)
    app = AirbnbTuiApp(settings, ui_db, queue=app_queue(settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        table = accounts_table(app)
        await wait_until(pilot, lambda: table.row_count == 3, 5)
        await select(app, LAKES)
        await pilot.press("d")
        await wait_until(pilot, lambda: row(table, LAKES)[2] == "⏸ disabled", 5)
        assert row(table, LAKES)[6] == "—"
        assert not account_service.get_account(ui_db, LAKES).is_active
        await pilot.press("d")
        await wait_until(pilot, lambda: row(table, LAKES)[2] == "✓ valid", 5)
        assert account_service.get_account(ui_db, LAKES).is_active

        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 5)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen), 5)
        assert account_service.get_account(ui_db, LAKES).label == "Lake houses"

        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 5)
        await pilot.press("y")
        await wait_until(pilot, lambda: table.row_count == 2, 5)
        assert table.row_keys == [CITY, OFF]
        # The cursor stayed on a real row and the table was not left empty.
        assert table.cursor_key in (CITY, OFF)
    with pytest.raises(NotFound):
        account_service.get_account(ui_db, LAKES)
    assert notifications(app)[-1] == "Removed account Lake houses."


async def test_sync_refuses_unusable_credentials_and_sync_all_skips_them(
    settings: Settings, ui_db: Database, seed: Seeder
) -> None:
    seed_three(seed)
    app = AirbnbTuiApp(settings, ui_db, queue=app_queue(settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        table = accounts_table(app)
        await wait_until(pilot, lambda: table.row_count == 3, 5)
        await select(app, CITY)
        await pilot.press("s")
        await pilot.pause()
        assert notifications(app) == [
            "City flats's credentials are rejected; press e to paste a fresh cookie first."
        ]
        await pilot.press("S")
        await wait_until(pilot, lambda: len(notifications(app)) == 2, 5)
        assert notifications(app)[1] == "Queued 1 sync."
        await wait_until(pilot, lambda: row(table, LAKES)[5] == "queued", 5)
    jobs = job_service.list_jobs(ui_db)
    assert [(job.account_id, job.status, job.trigger) for job in jobs] == [
        (LAKES, "queued", "manual")
    ]


async def test_enter_opens_the_current_job_or_the_accounts_history(
    settings: Settings, ui_db: Database, seed: Seeder
) -> None:
    seed_three(seed)
    job_id = seed.job(LAKES, "succeeded", [ListingSpec("1", "a", "succeeded", 4, 4, 10)])
    app = AirbnbTuiApp(settings, ui_db, queue=app_queue(settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        table = accounts_table(app)
        await wait_until(pilot, lambda: table.row_count == 3, 5)
        await select(app, LAKES)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobScreen), 5)
        assert isinstance(app.screen, JobScreen)
        assert app.screen.job_id == job_id
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen), 5)
        await select(app, CITY)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobsScreen), 5)
        assert isinstance(app.screen, JobsScreen)
        assert app.screen.account_id == CITY
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen), 5)
        await select(app, LAKES)
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, MetricsScreen), 5)
        assert isinstance(app.screen, MetricsScreen)
        assert app.screen.account_id == LAKES


async def test_a_huge_database_paints_one_page_at_a_time(
    settings: Settings, ui_db: Database, seed: Seeder
) -> None:
    seed.many_accounts(2_500, jobs_each=8)
    started = time.monotonic()
    app = AirbnbTuiApp(settings, ui_db, queue=app_queue(settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, AccountsScreen)
        await wait_until(pilot, lambda: screen.poller.loads >= 1, 5)
        first_paint = time.monotonic() - started
        table = accounts_table(app)
        assert table.row_count == 100
        assert table.row_keys[0] == "100000001"
        page = app.screen.query_one("#accounts-page", Static)
        assert str(page.render()) == "accounts 1-100 · n: next"
        await pilot.press("n")
        await wait_until(pilot, lambda: table.row_keys[0] == "100000101", 5)
        assert str(page.render()) == "accounts 101-200 · n: next · p: previous"
        await pilot.press("p")
        await wait_until(pilot, lambda: table.row_keys[0] == "100000001", 5)
    assert first_paint < 3.0


async def test_validate_checks_stored_credentials_with_airbnb(
    sb_settings: Settings, ui_db: Database, sandbox: SandboxServer
) -> None:
    account = sandbox.accounts[0]
    account_service.add_account(
        ui_db,
        CookieCipher.from_settings(sb_settings),
        parse_credentials(account.cookie_header()),
        account_id=account.account_id,
        label="Lakes",
        status=CredentialStatus.UNCHECKED,
    )
    app = AirbnbTuiApp(sb_settings, ui_db, queue=app_queue(sb_settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        table = accounts_table(app)
        await wait_until(pilot, lambda: table.row_count == 1, 5)
        assert row(table, account.account_id)[2] == "? unchecked"
        await pilot.press("v")
        await wait_until(pilot, lambda: row(table, account.account_id)[2] == "✓ valid", 10)
        assert row(table, account.account_id)[3] == "       3"
        assert notifications(app) == [
            "Lakes: valid — 3 listings: 417 Cedar Court, 919 Vine Street, 92 S Wilbur Ave"
        ]
        # Airbnb stops accepting the cookie: the next check marks the account rejected.
        sandbox.set_faults(expiries=[Expiry(after=0, account_id=account.account_id)])
        await pilot.press("v")
        await wait_until(pilot, lambda: row(table, account.account_id)[2] == "✗ rejected", 10)
        assert row(table, account.account_id)[6] == "—"
    stored = account_service.get_account(ui_db, account.account_id)
    assert stored.credential_status == "rejected"
    assert notifications(app)[1].startswith(
        "Lakes: rejected — Airbnb did not accept these credentials"
    )
