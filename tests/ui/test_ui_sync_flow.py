"""Starting a sync from the dashboard and following it live: queued with no worker, then run
in-process (JobRunner in a thread) against the sandbox while the job screen watches; cancel;
retry of the failed listings."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Static
from textual.widgets.data_table import RowKey
from ui_support import TODAY, fixed_clock, notifications, wait_until

from airbnb_tui.airbnb.credentials import parse_credentials
from airbnb_tui.airbnb.rate_limit import make_rate_limiter
from airbnb_tui.config import Settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import CredentialStatus
from airbnb_tui.db.views import Job
from airbnb_tui.sandbox import Fault, SandboxServer
from airbnb_tui.secrets import CookieCipher
from airbnb_tui.services import accounts as account_service
from airbnb_tui.services import jobs as job_service
from airbnb_tui.sync.runner import JobRunner
from airbnb_tui.ui.app import AirbnbTuiApp
from airbnb_tui.ui.screens.accounts import AccountsScreen
from airbnb_tui.ui.screens.job import JobScreen
from airbnb_tui.ui.widgets.tables import KeyedTable
from tests.ui.ui_support import app_queue
from worker.tasks import Queue


@pytest.fixture
def sb_settings(sb_settings: Settings) -> Settings:
    """The sandbox settings of conftest.py, with a short window that keeps each listing to a
    handful of requests."""
    return sb_settings.with_overrides(
        first_run_lookback_weeks=1, lookahead_weeks=1, heartbeat_interval_seconds=0.2
    )


@pytest.fixture
def account_id(sb_settings: Settings, ui_db: Database, sandbox: SandboxServer) -> str:
    account = sandbox.accounts[0]
    account_service.add_account(
        ui_db,
        CookieCipher.from_settings(sb_settings),
        parse_credentials(account.curl_snippet(sandbox.base_url)),
        account_id=account.account_id,
        label="Lakes",
        status=CredentialStatus.VALID,
        listing_count=3,
    )
    return account.account_id


class InProcessWorker:
    """Runs one job with the real JobRunner in a thread, as airbnb-worker would."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.runner = JobRunner(
            settings,
            db,
            worker_id="test-worker",
            cipher=CookieCipher.from_settings(settings),
            limiter=make_rate_limiter(settings),
            today=lambda: TODAY,
            pause=lambda _event: None,
        )
        self.outcome: Job | None = None
        self._thread: threading.Thread | None = None

    def start(self, job_id: int) -> None:
        def run() -> None:
            self.outcome = self.runner.run(job_id)

        self._thread = threading.Thread(target=run, name=f"test-job-{job_id}", daemon=True)
        self._thread.start()

    def join(self) -> Job:
        assert self._thread is not None
        self._thread.join(timeout=30)
        assert self.outcome is not None
        return self.outcome


def cell(table: KeyedTable, row: str, column: str) -> str:
    return str(table.get_cell(row, column))


def job_table(app: AirbnbTuiApp) -> KeyedTable:
    return app.screen.query_one("#job-listings", KeyedTable)


def title(app: AirbnbTuiApp) -> str:
    return str(app.screen.query_one("#job-title", Static).render())


async def test_a_sync_waits_for_a_worker_then_its_listings_move_live(
    sb_settings: Settings, ui_db: Database, sandbox: SandboxServer, account_id: str
) -> None:
    listing_ids = list(sandbox.accounts[0].listing_ids)
    app = AirbnbTuiApp(sb_settings, ui_db, queue=app_queue(sb_settings), clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        accounts = app.screen.query_one("#accounts-table", KeyedTable)
        await wait_until(pilot, lambda: accounts.row_count == 1, 5)
        await pilot.press("s")
        await wait_until(pilot, lambda: cell(accounts, account_id, "job") == "queued", 5)
        assert notifications(app) == ["Sync of Lakes queued as job 1."]
        status = app.screen.query_one("#worker-status", Static)
        await wait_until(
            pilot,
            lambda: (
                str(status.render())
                == "1 job(s) queued but no worker is running; start it with airbnb-worker"
            ),
            5,
        )

        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobScreen), 5)
        eta = app.screen.query_one("#job-eta", Static)
        await wait_until(pilot, lambda: str(eta.render()) == "queued: waiting for a worker", 5)
        assert title(app) == f"Job 1 · Lakes ({account_id}) · queued · manual"

        sandbox.set_faults(Fault.slow(0.15))
        worker = InProcessWorker(sb_settings, ui_db)
        worker.start(1)
        table = job_table(app)
        await wait_until(pilot, lambda: table.row_count == 3, 10)
        first_keys = {key.value: key for key in table.rows}
        seen: dict[str, set[str]] = {listing: set() for listing in listing_ids}

        def observe() -> bool:
            for listing in listing_ids:
                seen[listing].add(cell(table, listing, "state"))
            return "succeeded" in title(app)

        await wait_until(pilot, observe, 20)
        outcome = worker.join()
        await pilot.pause(0.6)

        assert outcome.status == "succeeded"
        for listing in listing_ids:
            # Every listing was seen running, then done, in the same table row.
            assert {"▶ running", "✓ done"} <= seen[listing], seen[listing]
            assert cell(table, listing, "state") == "✓ done"
            done, total = cell(table, listing, "requests").split("/")
            assert int(done.strip()) == int(total) > 0
        assert {key.value: key for key in table.rows} == first_keys
        assert all(
            table.rows[RowKey(listing)].key is first_keys[listing] for listing in listing_ids
        )

        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen), 5)
        await wait_until(pilot, lambda: cell(accounts, account_id, "job") == "—", 5)


async def test_cancel_stops_a_running_job_from_the_job_screen(
    sb_settings: Settings, ui_db: Database, sandbox: SandboxServer, account_id: str
) -> None:
    request = job_service.start_sync(ui_db, Queue(sb_settings), account_id)
    sandbox.set_faults(Fault.slow(0.25))
    worker = InProcessWorker(sb_settings, ui_db)
    app = AirbnbTuiApp(sb_settings, ui_db, queue=app_queue(sb_settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        accounts = app.screen.query_one("#accounts-table", KeyedTable)
        await wait_until(pilot, lambda: accounts.row_count == 1, 5)
        worker.start(request.job_id)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobScreen), 5)
        table = job_table(app)
        await wait_until(
            pilot,
            lambda: (
                table.row_count == 3
                and any(cell(table, key, "state") == "▶ running" for key in table.row_keys)
            ),
            10,
        )
        await pilot.press("c")
        await wait_until(pilot, lambda: "cancelled" in title(app), 10)
        outcome = worker.join()
        await pilot.pause(0.6)
        states = [cell(table, key, "state") for key in table.row_keys]

    assert outcome.status == "cancelled"
    assert job_service.get_job(ui_db, request.job_id).status == "cancelled"
    assert "- skipped" in states
    assert "▶ running" not in states
    assert notifications(app)[0].startswith(f"Cancel requested for job {request.job_id}")


async def test_retry_opens_a_new_job_with_only_the_failed_listing(
    sb_settings: Settings, ui_db: Database, sandbox: SandboxServer, account_id: str
) -> None:
    failing = sandbox.accounts[0].listing_ids[1]
    sandbox.set_faults(listing_faults={failing: [Fault.server_error(rate=1.0)]})
    request = job_service.start_sync(ui_db, Queue(sb_settings), account_id)
    first = InProcessWorker(sb_settings, ui_db)
    first.start(request.job_id)
    assert first.join().status == "partial"

    app = AirbnbTuiApp(sb_settings, ui_db, queue=app_queue(sb_settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        accounts = app.screen.query_one("#accounts-table", KeyedTable)
        await wait_until(pilot, lambda: accounts.row_count == 1, 5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobScreen), 5)
        table = job_table(app)
        await wait_until(pilot, lambda: cell(table, failing, "state") == "✗ failed", 5)
        assert cell(table, failing, "error").startswith("server_error")
        await pilot.press("r")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, JobScreen) and app.screen.job_id != request.job_id,
            5,
        )
        retry_screen = app.screen
        assert isinstance(retry_screen, JobScreen)
        table = job_table(app)
        await wait_until(pilot, lambda: table.row_count == 1, 5)
        assert table.row_keys == [failing]
        assert cell(table, failing, "state") == "· pending"

        sandbox.clear_faults()
        second = InProcessWorker(sb_settings, ui_db)
        second.start(retry_screen.job_id)
        await wait_until(pilot, lambda: cell(table, failing, "state") == "✓ done", 10)
        assert second.join().status == "succeeded"
        await wait_until(pilot, lambda: "succeeded" in title(app), 5)
        # The retry replaced the first job's screen: escape goes back to the accounts.
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen), 5)

    retry = job_service.get_job(ui_db, retry_screen.job_id)
    assert (retry.trigger, retry.retry_of_job_id, retry.listings_total) == (
        "retry",
        request.job_id,
        1,
    )
