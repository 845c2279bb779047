"""The fault-injection rig: one sandbox for the whole session, a database per test on SQLite
and PostgreSQL, an account, real worker processes, and the summary table at the end."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import delete, update

from airbnb_tui.airbnb.credentials import parse_credentials
from airbnb_tui.airbnb.rate_limit import rate_limiter_from_url
from airbnb_tui.config import Settings, load_settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.migrate import upgrade
from airbnb_tui.db.models import (
    Account,
    ChartQuery,
    ChartSummary,
    CredentialStatus,
    ListOfMetrics,
    SyncJob,
    SyncJobListing,
    Worker,
)
from airbnb_tui.db.open import open_database
from airbnb_tui.db.types import utcnow
from airbnb_tui.sandbox import FaultConfig, SandboxAccount, SandboxServer, demo_sandbox_accounts
from airbnb_tui.secrets import CookieCipher
from airbnb_tui.services import accounts
from airbnb_tui.services import jobs as job_service
from airbnb_tui.sync.control import StopControl
from airbnb_tui.sync.runner import JobRunner
from airbnb_tui.sync.windows import plan
from tests.reliability.harness import Plan
from tests.reliability.launcher import ForkedWorker, WorkerProcess, wait_ready
from worker.tasks import Queue

LISTINGS = 4
SECRET_KEY = "reliability-suite-key"


@pytest.fixture(scope="session")
def reliability_sandbox() -> Iterator[SandboxServer]:
    """One sandbox for every run: faults and counters are reset per run, not the server."""
    with SandboxServer(accounts=demo_sandbox_accounts(n_accounts=1, listings=LISTINGS)) as server:
        yield server


@dataclass
class Rig:
    """Everything one fault-injection test drives."""

    backend: str
    base_env: dict[str, str]
    db: Database
    sandbox: SandboxServer
    account: SandboxAccount
    tmp: Path
    workers: list[WorkerProcess] = field(default_factory=list)
    run_number: int = 0

    @property
    def account_id(self) -> str:
        return self.account.account_id

    @property
    def plan(self) -> Plan:
        settings = self.settings()
        return Plan(
            self.account.listing_ids,
            plan(date.today(), settings.lookback_weeks, settings.lookahead_weeks),
        )

    @property
    def scenario_suffix(self) -> str:
        return f" ({self.backend})"

    def env(self, **extra: str) -> dict[str, str]:
        queue = f"rel-{os.getpid()}-{self.tmp.name[-12:]}-{self.run_number}"
        return {**self.base_env, "AIRBNB_TUI_QUEUE_NAME": queue, **extra}

    def settings(self, **extra: str) -> Settings:
        return settings_from_env(self.env(**extra))

    def new_run(self, faults: FaultConfig | None = None) -> None:
        """A clean slate: no jobs or metrics, a valid account, the given sandbox faults."""
        for worker in self.workers:
            worker.stop()
        self.workers.clear()
        self.run_number += 1
        with self.db.write() as session:
            for model in (SyncJobListing, SyncJob, ChartQuery, ChartSummary, ListOfMetrics, Worker):
                session.execute(delete(model))
            session.execute(
                update(Account).values(
                    credential_status=CredentialStatus.VALID.value,
                    credential_message=None,
                    is_active=True,
                    rate_limited_until=None,
                    # a fresh sync date keeps the daily schedule from adding jobs of its own
                    last_sync_at=utcnow(),
                )
            )
        self.sandbox.set_fault_config(faults or FaultConfig())
        self.sandbox.reset_counts()

    def start_job(self) -> int:
        """Ask for a sync and put its id on this run's queue, as the CLI does."""
        return job_service.start_sync(self.db, Queue(self.settings()), self.account_id).job_id

    def start_worker(self, **extra_env: str) -> WorkerProcess:
        log = self.tmp / f"worker-{self.run_number}-{len(self.workers)}.log"
        worker = ForkedWorker(self.env(**extra_env), log, ["--verbose"])
        self.workers.append(worker)
        return worker

    def ready_worker(self, **extra_env: str) -> WorkerProcess:
        worker = self.start_worker(**extra_env)
        wait_ready(worker)
        return worker

    def runner(
        self,
        *,
        worker_id: str = "in-process",
        control: StopControl | None = None,
        pause: Callable[[threading.Event], None] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> JobRunner:
        """The sync engine in this process, with this rig's settings (``env`` on top)."""
        settings = self.settings(**(env or {}))
        return JobRunner(
            settings,
            self.db,
            worker_id=worker_id,
            cipher=CookieCipher.from_settings(settings),
            limiter=rate_limiter_from_url("memory://", limit=100_000, per_seconds=60),
            control=control,
            pause=pause,
        )

    def job(self, job_id: int) -> SyncJob:
        with self.db.read() as session:
            job = session.get(SyncJob, job_id)
            assert job is not None
            return job

    def status(self, job_id: int) -> str:
        return self.job(job_id).status

    def listing_requests(self, listing_ids: list[str] | tuple[str, ...]) -> dict[str, int]:
        return {i: self.sandbox.counts(listing_id=i) for i in listing_ids}


def settings_from_env(env: dict[str, str]) -> Settings:
    """The Settings a worker started with ``env`` reads."""
    values = {
        name.removeprefix("AIRBNB_TUI_").lower(): value
        for name, value in env.items()
        if name.startswith("AIRBNB_TUI_") and name != "AIRBNB_TUI_CONFIG_FILE"
    }
    return load_settings(**values)


def _base_env(tmp_path: Path, sandbox: SandboxServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRBNB_TUI_")}
    env.update(
        {
            "AIRBNB_TUI_DATA_DIR": str(tmp_path / "data"),
            "AIRBNB_TUI_CONFIG_FILE": str(tmp_path / "none.toml"),
            "AIRBNB_TUI_AIRBNB_BASE_URL": sandbox.base_url,
            "AIRBNB_TUI_SECRET_KEY": SECRET_KEY,
            "AIRBNB_TUI_REQUESTS_PER_MINUTE": "100000",
            "AIRBNB_TUI_REQUEST_JITTER_SECONDS": "0",
            "AIRBNB_TUI_LISTING_PAUSE_SECONDS": "0",
            "AIRBNB_TUI_RETRY_BASE_SECONDS": "0.01",
            "AIRBNB_TUI_RETRY_MAX_SECONDS": "0.05",
            "AIRBNB_TUI_MAX_ATTEMPTS": "3",
            "AIRBNB_TUI_REQUEST_TIMEOUT_SECONDS": "5",
            "AIRBNB_TUI_FIRST_RUN_LOOKBACK_WEEKS": "1",
            "AIRBNB_TUI_LOOKBACK_WEEKS": "1",
            "AIRBNB_TUI_LOOKAHEAD_WEEKS": "0",
            "AIRBNB_TUI_HEARTBEAT_INTERVAL_SECONDS": "0.2",
            "AIRBNB_TUI_HEARTBEAT_STALE_SECONDS": "3",
            "AIRBNB_TUI_SHUTDOWN_GRACE_SECONDS": "10",
            "AIRBNB_TUI_WORKER_THREADS": "2",
        }
    )
    return env


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def rig(
    request: pytest.FixtureRequest, tmp_path: Path, reliability_sandbox: SandboxServer
) -> Iterator[Rig]:
    env = _base_env(tmp_path, reliability_sandbox)
    if request.param == "postgres":
        database_url = str(request.getfixturevalue("postgres_url"))
        env["AIRBNB_TUI_DATABASE_URL"] = database_url
        env["AIRBNB_TUI_QUEUE_URL"] = database_url.replace("postgresql+psycopg://", "postgresql://")
        db = Database(database_url)
        upgrade(db)
    else:
        db = open_database(settings_from_env(env))  # the embedded default, as workers open it
    account = reliability_sandbox.accounts[0]
    rig = Rig(request.param, env, db, reliability_sandbox, account, tmp_path)
    settings = rig.settings()
    accounts.add_account(
        rig.db,
        CookieCipher.from_settings(settings),
        parse_credentials(account.cookie_header()),
        account_id=account.account_id,
        status=CredentialStatus.VALID,
    )
    try:
        yield rig
    finally:
        for worker in rig.workers:
            worker.stop()
        reliability_sandbox.clear_faults()
        reliability_sandbox.reset_counts()
        rig.db.dispose()
