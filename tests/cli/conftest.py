"""Fixtures for the headless commands: run ``main()`` like the console script, a migrated
database in the isolated data dir, and the sandbox standing in for Airbnb."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from airbnb_tui.config import load_settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.open import open_database
from airbnb_tui.sandbox import SandboxAccount, SandboxServer, demo_sandbox_accounts
from tests.cli.cli_helpers import Run, run_main

FAST_SYNC_ENV = {
    "AIRBNB_TUI_REQUEST_JITTER_SECONDS": "0",
    "AIRBNB_TUI_LISTING_PAUSE_SECONDS": "0",
    "AIRBNB_TUI_REQUESTS_PER_MINUTE": "10000",
    "AIRBNB_TUI_RETRY_BASE_SECONDS": "0",
    "AIRBNB_TUI_MAX_ATTEMPTS": "2",
    "AIRBNB_TUI_FIRST_RUN_LOOKBACK_WEEKS": "2",
    "AIRBNB_TUI_LOOKBACK_WEEKS": "1",
    "AIRBNB_TUI_LOOKAHEAD_WEEKS": "1",
    "AIRBNB_TUI_HEARTBEAT_INTERVAL_SECONDS": "0.2",
    "AIRBNB_TUI_REQUEST_TIMEOUT_SECONDS": "5",
}


@pytest.fixture
def run() -> Run:
    return run_main


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def app_db() -> Iterator[Database]:
    """The database the commands use (the embedded SQLite in the test's data dir)."""
    db = open_database(load_settings())
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def fast_sync(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings that make a sync against the sandbox take well under a second."""
    for name, value in FAST_SYNC_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch, fast_sync: None) -> Iterator[SandboxServer]:
    """The sandbox with one 3-listing account, and every command pointed at it."""
    with SandboxServer(accounts=demo_sandbox_accounts(1, listings=3)) as server:
        monkeypatch.setenv("AIRBNB_TUI_AIRBNB_BASE_URL", server.base_url)
        yield server


@pytest.fixture
def sandbox_account(sandbox: SandboxServer) -> SandboxAccount:
    return sandbox.accounts[0]


@pytest.fixture
def cookie_file(tmp_path: Path, sandbox_account: SandboxAccount) -> Path:
    path = tmp_path / "cookie.txt"
    path.write_text(sandbox_account.cookie_header() + "\n")
    return path
