"""Scale-out: several ``airbnb-worker`` processes on PostgreSQL, with the queue and the shared
rate-limit buckets in Redis — the deployment for more than one machine.

One worker syncs a few accounts alone (the baseline); then three workers sync 30 other accounts.
Every one of the 30 is synced exactly once (one job, one claim, each request once), no account
ever gets more than its limit of requests in any window (measured where Airbnb would count: at
the sandbox), and three workers move at least 2.5 times the requests per second one does.

The limiter is what paces each account, as in production (where REQUESTS_PER_MINUTE and the
jitter keep one account far below what one worker could send), so the work is waiting on
per-account budgets and more workers mean more accounts at once. Its window is one second
instead of a minute (see windowed_worker.py) so the test takes under a minute. Only counts and
ratios are asserted, never durations.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import func, select, update

from airbnb_tui.airbnb.credentials import parse_credentials
from airbnb_tui.airbnb.operations import DEFAULT_CHART_METRICS, DEFAULT_LIST_OF_METRICS
from airbnb_tui.config import Settings, load_settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.migrate import upgrade
from airbnb_tui.db.models import Account, ChartQuery, CredentialStatus, SyncJob
from airbnb_tui.db.types import utcnow
from airbnb_tui.sandbox import SandboxAccount, SandboxServer, demo_sandbox_accounts
from airbnb_tui.secrets import CookieCipher
from airbnb_tui.services import accounts
from airbnb_tui.services import jobs as job_service
from airbnb_tui.sync.windows import chart_windows, list_of_metrics_windows, plan
from tests.scale.windowed_worker import WINDOW_ENV
from tests.waiting import wait_for
from worker.tasks import Queue

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

BASELINE_ACCOUNTS = 6
SCALED_ACCOUNTS = 30
WORKERS = 3
LISTINGS = 2
LIMIT = 5  # requests per account per window
WINDOW_SECONDS = 1.0
READY_LINE = "waiting for jobs"
WAIT_SECONDS = 120.0


def max_in_window(times: Sequence[float], seconds: float) -> int:
    """The most requests in any ``seconds``-long window ``[t, t + seconds)``."""
    ordered = sorted(times)
    best = end = 0
    for start, first in enumerate(ordered):
        while end < len(ordered) and ordered[end] - first < seconds:
            end += 1
        best = max(best, end - start)
    return best


@dataclass
class Cluster:
    """A sandbox, a PostgreSQL database, a Redis queue and bucket prefix, and the workers."""

    env: dict[str, str]
    settings: Settings
    db: Database
    sandbox: SandboxServer
    tmp: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start_worker(self) -> int:
        index = len(self.procs)
        with open(self.tmp / f"worker-{index}.log", "wb") as log:
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "tests.scale.windowed_worker", "--threads", "1"],
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            )
        return index

    def log(self, index: int) -> str:
        return (self.tmp / f"worker-{index}.log").read_text(errors="replace")

    def ready(self, index: int) -> bool:
        return READY_LINE in self.log(index)

    def wait_ready(self, indexes: Sequence[int]) -> None:
        for index in indexes:
            wait_for(functools.partial(self.ready, index), f"worker {index} to start", WAIT_SECONDS)

    def stop(self, index: int) -> None:
        proc = self.procs[index]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, self.log(index)

    def sync(self, group: Sequence[SandboxAccount]) -> list[int]:
        """Queue a sync of each account and wait until none is queued or running."""
        job_ids = [
            job_service.start_sync(self.db, Queue(self.settings), account.account_id).job_id
            for account in group
        ]
        wait_for(lambda: not self._active(job_ids), f"{len(job_ids)} jobs to finish", WAIT_SECONDS)
        return job_ids

    def _active(self, job_ids: Sequence[int]) -> int:
        with self.db.read() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(SyncJob)
                    .where(SyncJob.job_id.in_(job_ids), SyncJob.status.in_(("queued", "running")))
                )
                or 0
            )

    def jobs(self, account_ids: Sequence[str]) -> list[SyncJob]:
        with self.db.read() as session:
            return list(session.scalars(select(SyncJob).where(SyncJob.account_id.in_(account_ids))))

    def times(self, group: Sequence[SandboxAccount]) -> list[float]:
        return [t for account in group for t in self.sandbox.request_times(account.account_id)]


@pytest.fixture
def cluster(postgres_url: str, redis_url: str, tmp_path: Path) -> Iterator[Cluster]:
    run = uuid.uuid4().hex[:10]
    queue_name = f"scale_{run}"
    bucket_prefix = f"airbnb_tui_test:{run}"
    sandbox_accounts = demo_sandbox_accounts(
        n_accounts=BASELINE_ACCOUNTS + SCALED_ACCOUNTS, listings=LISTINGS
    )
    db = Database(postgres_url)
    upgrade(db)
    with SandboxServer(accounts=sandbox_accounts) as sandbox:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRBNB_TUI_")}
        env.update(
            {
                "AIRBNB_TUI_DATA_DIR": str(tmp_path / "data"),
                "AIRBNB_TUI_CONFIG_FILE": str(tmp_path / "none.toml"),
                "AIRBNB_TUI_DATABASE_URL": postgres_url,
                "AIRBNB_TUI_QUEUE_URL": redis_url,
                "AIRBNB_TUI_QUEUE_NAME": queue_name,
                "AIRBNB_TUI_RATE_LIMIT_URL": f"{redis_url}?prefix={bucket_prefix}",
                "AIRBNB_TUI_AIRBNB_BASE_URL": sandbox.base_url,
                "AIRBNB_TUI_SECRET_KEY": "scale-test-key",
                "AIRBNB_TUI_REQUESTS_PER_MINUTE": str(LIMIT),
                WINDOW_ENV: str(WINDOW_SECONDS),
                "AIRBNB_TUI_REQUEST_JITTER_SECONDS": "0",
                "AIRBNB_TUI_LISTING_PAUSE_SECONDS": "0",
                "AIRBNB_TUI_FIRST_RUN_LOOKBACK_WEEKS": "1",
                "AIRBNB_TUI_LOOKBACK_WEEKS": "1",
                "AIRBNB_TUI_LOOKAHEAD_WEEKS": "1",
                "AIRBNB_TUI_HEARTBEAT_INTERVAL_SECONDS": "0.5",
                "AIRBNB_TUI_SHUTDOWN_GRACE_SECONDS": "20",
            }
        )
        settings = load_settings(
            **{
                key.removeprefix("AIRBNB_TUI_").lower(): value
                for key, value in env.items()
                if key.startswith("AIRBNB_TUI_") and key != WINDOW_ENV
            }
        )
        cipher = CookieCipher.from_settings(settings)
        for account in sandbox_accounts:
            accounts.add_account(
                db,
                cipher,
                parse_credentials(account.cookie_header()),
                account_id=account.account_id,
                status=CredentialStatus.VALID,
            )
        # Today's scheduled sync already ran: the workers' schedule leaves these accounts
        # alone, and only the syncs this test asks for run.
        with db.write() as session:
            session.execute(update(Account).values(last_sync_at=utcnow()))
        cluster = Cluster(env, settings, db, sandbox, tmp_path)
        try:
            yield cluster
        finally:
            for proc in cluster.procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(timeout=10)
            db.dispose()
            client = Redis.from_url(redis_url)
            try:
                for pattern in (f"huey.*{queue_name}*", f"{bucket_prefix}:*"):
                    for key in client.scan_iter(pattern):
                        client.delete(key)
            finally:
                client.close()


def test_three_workers_sync_30_accounts_once_each_within_limits_and_faster(
    cluster: Cluster,
) -> None:
    sync_range = plan(date.today(), 1, 1)
    per_listing = len(chart_windows(sync_range)) * len(DEFAULT_CHART_METRICS) + len(
        list_of_metrics_windows(sync_range)
    ) * len(DEFAULT_LIST_OF_METRICS)
    per_account = 1 + LISTINGS * per_listing
    assert per_account > 2 * LIMIT  # each account waits on its budget at least twice
    baseline = cluster.sandbox.accounts[:BASELINE_ACCOUNTS]
    scaled = cluster.sandbox.accounts[BASELINE_ACCOUNTS:]

    # One worker alone.
    first = cluster.start_worker()
    cluster.wait_ready([first])
    cluster.sync(baseline)
    cluster.stop(first)

    # Three workers, all started and idle before the jobs arrive.
    cluster.procs.clear()
    started = [cluster.start_worker() for _ in range(WORKERS)]
    cluster.wait_ready(started)
    job_ids = cluster.sync(scaled)
    for index in started:
        cluster.stop(index)

    # Every account synced exactly once: one job, claimed once, each request sent once.
    scaled_ids = [account.account_id for account in scaled]
    jobs = cluster.jobs(scaled_ids)
    assert sorted(job.job_id for job in jobs) == sorted(job_ids)
    assert [(job.status, job.attempts, job.trigger) for job in jobs] == [
        ("succeeded", 1, "manual")
    ] * SCALED_ACCOUNTS
    assert len({job.worker_id for job in jobs}) == WORKERS
    for account in scaled:
        assert cluster.sandbox.counts(account_id=account.account_id) == per_account
        assert cluster.sandbox.counts(account.account_id, operation="ListingsSectionQuery") == 1
        for listing_id in account.listing_ids:
            assert cluster.sandbox.counts(listing_id=listing_id) == per_listing
    with cluster.db.read() as session:
        stored = session.scalar(
            select(func.count())
            .select_from(ChartQuery)
            .where(ChartQuery.account_id.in_(scaled_ids))
        )
    assert stored == SCALED_ACCOUNTS * LISTINGS * sync_range.days

    # No account ever got more than its limit in any window, alone or with three workers.
    busiest = {
        account.account_id: max_in_window(
            cluster.sandbox.request_times(account.account_id), WINDOW_SECONDS
        )
        for account in cluster.sandbox.accounts
    }
    assert max(busiest.values()) <= LIMIT, busiest
    assert max(busiest.values()) == LIMIT  # the budget was used, not just never reached

    # Three workers move at least 2.5 times the requests per second one does.
    def throughput(times: list[float]) -> float:
        return len(times) / (max(times) - min(times))

    one = throughput(cluster.times(baseline))
    three = throughput(cluster.times(scaled))
    # Shown with `pytest -rP`: the figure the README's scale-out section quotes.
    print(f"one worker {one:.1f} req/s, three workers {three:.1f} req/s: {three / one:.2f}x")
    assert three / one >= 2.5, (three, one)
