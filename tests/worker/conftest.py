"""Real ``airbnb-worker`` processes against the sandbox, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from airbnb_tui.airbnb.credentials import parse_credentials
from airbnb_tui.config import Settings, load_settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.migrate import upgrade
from airbnb_tui.db.models import CredentialStatus
from airbnb_tui.sandbox import SandboxAccount, SandboxServer, demo_sandbox_accounts
from airbnb_tui.secrets import CookieCipher
from airbnb_tui.services import accounts
from tests.processes import popen


@dataclass
class WorkerEnv:
    env: dict[str, str]
    settings: Settings
    db: Database
    sandbox: SandboxServer
    sandbox_accounts: list[SandboxAccount]
    tmp: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def add_accounts(self) -> None:
        cipher = CookieCipher.from_settings(self.settings)
        for account in self.sandbox_accounts:
            accounts.add_account(
                self.db,
                cipher,
                parse_credentials(account.cookie_header()),
                account_id=account.account_id,
                status=CredentialStatus.VALID,
            )

    def start_worker(self, **extra_env: str) -> subprocess.Popen[bytes]:
        log = open(self.tmp / f"worker-{len(self.procs)}.log", "wb")  # noqa: SIM115
        proc = popen(
            [sys.executable, "-m", "worker", "--verbose"],
            env={**self.env, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def log(self, index: int) -> str:
        return (self.tmp / f"worker-{index}.log").read_text(errors="replace")


def _stop_all(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def worker_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[WorkerEnv]:
    data_dir = tmp_path / "data"
    if request.param == "sqlite":
        database_url = f"sqlite:///{data_dir / 'airbnb.db'}"
        queue_url = ""
    else:
        database_url = str(request.getfixturevalue("postgres_url"))
        queue_url = database_url.replace("postgresql+psycopg://", "postgresql://")
    sandbox_accounts = demo_sandbox_accounts(n_accounts=1, listings=4)
    with SandboxServer(accounts=sandbox_accounts) as sandbox:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRBNB_TUI_")}
        env.update(
            {
                "AIRBNB_TUI_DATA_DIR": str(data_dir),
                "AIRBNB_TUI_CONFIG_FILE": str(tmp_path / "none.toml"),
                "AIRBNB_TUI_AIRBNB_BASE_URL": sandbox.base_url,
                "AIRBNB_TUI_SECRET_KEY": "worker-test-key",
                "AIRBNB_TUI_REQUESTS_PER_MINUTE": "100000",
                "AIRBNB_TUI_REQUEST_JITTER_SECONDS": "0",
                "AIRBNB_TUI_LISTING_PAUSE_SECONDS": "0",
                "AIRBNB_TUI_RETRY_BASE_SECONDS": "0.01",
                "AIRBNB_TUI_FIRST_RUN_LOOKBACK_WEEKS": "2",
                "AIRBNB_TUI_LOOKBACK_WEEKS": "1",
                "AIRBNB_TUI_LOOKAHEAD_WEEKS": "1",
                "AIRBNB_TUI_HEARTBEAT_INTERVAL_SECONDS": "0.3",
                "AIRBNB_TUI_HEARTBEAT_STALE_SECONDS": "3",
                "AIRBNB_TUI_SHUTDOWN_GRACE_SECONDS": "30",
                "AIRBNB_TUI_QUEUE_NAME": f"test-{os.getpid()}-{tmp_path.name}",
            }
        )
        if request.param == "postgres":
            env["AIRBNB_TUI_DATABASE_URL"] = database_url
            env["AIRBNB_TUI_QUEUE_URL"] = queue_url
        saved = dict(os.environ)
        os.environ.update(env)
        try:
            settings = load_settings()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        db = Database(database_url) if request.param == "postgres" else None
        if db is None:
            from airbnb_tui.db.open import open_database

            db = open_database(settings)
        else:
            upgrade(db)
        worker_env = WorkerEnv(env, settings, db, sandbox, sandbox_accounts, tmp_path)
        try:
            yield worker_env
        finally:
            _stop_all(worker_env.procs)
            db.dispose()
