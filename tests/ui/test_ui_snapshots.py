"""Snapshots of the main screens at 80x24 and 120x40, from fixed data and a fixed clock.

Update after an intended change with ``pytest tests/ui/test_ui_snapshots.py --snapshot-update``
and review the SVGs (``snapshot_report.html`` shows the differences when one fails).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from textual import events
from textual.pilot import Pilot
from ui_support import NOW, ListingSpec, Seeder, fixed_clock, wait_until

from airbnb_tui.config import Settings
from airbnb_tui.db.engine import Database
from airbnb_tui.sandbox import demo_sandbox_accounts
from airbnb_tui.ui.app import AirbnbTuiApp
from airbnb_tui.ui.screens.account_form import AccountFormScreen
from airbnb_tui.ui.screens.accounts import AccountsScreen
from airbnb_tui.ui.screens.help import HelpScreen
from airbnb_tui.ui.screens.job import JobScreen
from airbnb_tui.ui.screens.jobs import JobsScreen
from airbnb_tui.ui.screens.metrics import MetricsScreen
from airbnb_tui.ui.widgets.tables import KeyedTable
from airbnb_tui.ui.widgets.worker_status import WorkerStatusLine
from tests.ui.ui_support import app_queue

LAKES, CITY, OFF = "987894846", "123456789", "555000111"
SMALL, LARGE = (80, 24), (120, 40)

SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[None]], Awaitable[None]]


def seed_demo(seed: Seeder) -> None:
    seed.account(LAKES, "Lake houses", last_sync_at=NOW - timedelta(hours=3))
    seed.account(CITY, "City flats near the old harbour", status="rejected", listing_count=3)
    seed.account(OFF, None, status="unchecked", active=False, listing_count=None)
    seed.listings(LAKES, [("1001", "417 Cedar Court"), ("1002", "713 Maple Row Apt 5")])
    seed.metrics(LAKES, "1001", "417 Cedar Court")
    seed.job(
        LAKES,
        "running",
        [
            ListingSpec("1001", "417 Cedar Court", "succeeded", 12, 12, 340),
            ListingSpec("1002", "713 Maple Row Apt 5", "running", 5, 12),
            ListingSpec(
                "1003",
                "919 Vine Street",
                "failed",
                3,
                12,
                0,
                "server_error",
                "HTTP 503 after 5 attempts",
            ),
            ListingSpec("1004", "656 Cedar Court", "pending", 0, 12),
        ],
    )
    seed.job(
        CITY,
        "failed",
        error_type="credentials_rejected",
        error_message="Airbnb rejected the credentials (HTTP 401).",
        created_at=NOW - timedelta(days=2),
        finished_at=NOW - timedelta(days=2) + timedelta(minutes=1),
    )
    seed.worker()


@pytest.fixture
def app(settings: Settings, ui_db: Database, seed: Seeder) -> AirbnbTuiApp:
    seed_demo(seed)
    # Snapshots are taken at a fixed rate: the ETA reads as an operator's default would.
    settings = settings.with_overrides(requests_per_minute=8)
    return AirbnbTuiApp(settings, ui_db, queue=app_queue(settings), clock=fixed_clock)


def loaded(screen: AccountsScreen | JobScreen) -> bool:
    statuses = screen.query(WorkerStatusLine)
    return screen.poller.loads >= 1 and bool(statuses) and statuses.first().poller.loads >= 1


async def accounts_ready(pilot: Pilot[None]) -> None:
    screen = pilot.app.screen
    assert isinstance(screen, AccountsScreen)
    await wait_until(pilot, lambda: loaded(screen))


async def open_lakes(pilot: Pilot[None], key: str) -> None:
    await accounts_ready(pilot)
    table = pilot.app.screen.query_one("#accounts-table", KeyedTable)
    table.move_cursor(row=table.get_row_index(LAKES))
    await pilot.press(key)


async def job_ready(pilot: Pilot[None]) -> None:
    await open_lakes(pilot, "enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, JobScreen))
    screen = pilot.app.screen
    assert isinstance(screen, JobScreen)
    await wait_until(pilot, lambda: loaded(screen))


async def metrics_ready(pilot: Pilot[None]) -> None:
    await open_lakes(pilot, "m")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, MetricsScreen))
    screen = pilot.app.screen
    assert isinstance(screen, MetricsScreen)
    await wait_until(pilot, lambda: screen.metrics is not None)
    await pilot.pause(0.2)


async def jobs_ready(pilot: Pilot[None]) -> None:
    await accounts_ready(pilot)
    await pilot.press("j")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, JobsScreen))
    screen = pilot.app.screen
    assert isinstance(screen, JobsScreen)
    await wait_until(pilot, lambda: screen.poller.loads >= 1)


async def form_ready(pilot: Pilot[None]) -> None:
    await accounts_ready(pilot)
    await pilot.press("a")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, AccountFormScreen))
    snippet = demo_sandbox_accounts()[0].curl_snippet("http://127.0.0.1:1")
    pilot.app.post_message(events.Paste(snippet))
    await pilot.pause()
    await pilot.press("tab", "tab", "tab", *"Lake houses")


async def help_ready(pilot: Pilot[None]) -> None:
    await accounts_ready(pilot)
    await pilot.press("question_mark")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))


SCENES: dict[str, RunBefore] = {
    "accounts": accounts_ready,
    "job": job_ready,
    "jobs": jobs_ready,
    "metrics": metrics_ready,
    "form": form_ready,
    "help": help_ready,
}


@pytest.mark.parametrize(
    ("scene", "size"),
    [
        ("accounts", SMALL),
        ("accounts", LARGE),
        ("job", SMALL),
        ("job", LARGE),
        ("jobs", SMALL),
        ("metrics", SMALL),
        ("metrics", LARGE),
        ("form", SMALL),
        ("help", SMALL),
    ],
    ids=lambda value: value if isinstance(value, str) else f"{value[0]}x{value[1]}",
)
def test_screen_snapshot(
    snap_compare: SnapCompare, app: AirbnbTuiApp, scene: str, size: tuple[int, int]
) -> None:
    assert snap_compare(app, terminal_size=size, run_before=SCENES[scene])
