"""A sync environment: a migrated database, the sandbox, an account, and a runner."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from airbnb_tui.airbnb.credentials import parse_credentials
from airbnb_tui.airbnb.rate_limit import rate_limiter_from_url
from airbnb_tui.config import Settings, load_settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import CredentialStatus
from airbnb_tui.sandbox import SandboxAccount, SandboxServer, demo_sandbox_accounts
from airbnb_tui.secrets import CookieCipher
from airbnb_tui.services import accounts
from airbnb_tui.sync.control import StopControl
from airbnb_tui.sync.runner import JobRunner

TODAY = date(2025, 2, 5)


def sync_settings(data_dir: Path, base_url: str, **extra: object) -> Settings:
    return load_settings(
        data_dir=data_dir,
        airbnb_base_url=base_url,
        requests_per_minute=100_000,
        request_jitter_seconds="0",
        listing_pause_seconds="0",
        retry_base_seconds=0.001,
        max_attempts=2,
        first_run_lookback_weeks=2,
        lookback_weeks=1,
        lookahead_weeks=1,
        heartbeat_interval_seconds=0.2,
        secret_key="test-secret",
        **extra,
    )


@dataclass
class SyncEnv:
    settings: Settings
    db: Database
    sandbox: SandboxServer
    account: SandboxAccount
    cipher: CookieCipher

    @property
    def account_id(self) -> str:
        return self.account.account_id

    def runner(
        self,
        control: StopControl | None = None,
        *,
        worker_id: str = "test-worker",
        pause: Callable[[threading.Event], None] | None = None,
    ) -> JobRunner:
        limiter = rate_limiter_from_url("memory://", limit=100_000, per_seconds=60)
        return JobRunner(
            self.settings,
            self.db,
            worker_id=worker_id,
            cipher=self.cipher,
            limiter=limiter,
            control=control,
            today=lambda: TODAY,
            pause=pause,
        )

    def listing_ids(self) -> tuple[str, ...]:
        return self.account.listing_ids


@pytest.fixture
def sync_env(db: Database, tmp_path: Path) -> Iterator[SyncEnv]:
    sandbox_accounts = demo_sandbox_accounts(n_accounts=1, listings=4)
    with SandboxServer(accounts=sandbox_accounts, today=lambda: TODAY) as sandbox:
        settings = sync_settings(tmp_path / "data", sandbox.base_url)
        cipher = CookieCipher.from_settings(settings)
        account = sandbox_accounts[0]
        accounts.add_account(
            db,
            cipher,
            parse_credentials(account.cookie_header()),
            account_id=account.account_id,
            label="Test host",
            status=CredentialStatus.VALID,
        )
        yield SyncEnv(settings, db, sandbox, account, cipher)
