"""Everything airbnb-tui writes to the data dir is private: the dir 0700, every file 0600 —
under a generous umask, after accounts, syncs (inline and by a real worker) and a key rotation."""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from airbnb_tui.config import load_settings
from airbnb_tui.db.models import SyncJob
from airbnb_tui.db.open import open_database
from airbnb_tui.sandbox import SandboxServer, demo_sandbox_accounts
from tests.cli.cli_helpers import run_main
from tests.cli.conftest import FAST_SYNC_ENV
from tests.reliability.launcher import ExecWorker, wait_ready

pytestmark = pytest.mark.slow

EXPECTED_FILES = {
    "airbnb.db",
    "airbnb.db-wal",
    "airbnb.db-shm",
    "secret.key",
    "secret.key.old",
    "ratelimit.db",
    "queue.db",
}


@pytest.fixture
def generous_umask() -> Iterator[None]:
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def _wait_succeeded(job_id: int) -> None:
    db = open_database(load_settings())
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with db.read() as session:
                job = session.get(SyncJob, job_id)
                if job is not None and job.status == "succeeded":
                    return
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} did not succeed")
    finally:
        db.dispose()


def test_data_dir_is_0700_and_every_file_0600(
    generous_umask: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    account = demo_sandbox_accounts(1, listings=2)[0]
    cookie = tmp_path / "cookie.txt"
    cookie.write_text(account.cookie_header())
    with SandboxServer(accounts=[account]) as sandbox:
        for name, value in FAST_SYNC_ENV.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("AIRBNB_TUI_AIRBNB_BASE_URL", sandbox.base_url)
        for args in (
            ["accounts", "add", "--cookie-file", str(cookie)],
            ["sync", account.account_id, "--inline"],
            ["db", "rotate-key"],
            ["sync", account.account_id, "--full", "--json"],  # queued for the worker
        ):
            result = run_main(args)
            assert result.code == 0, result
        job_id = json.loads(result.stdout)["jobs"][0]["job"]["job_id"]
        worker = ExecWorker(dict(os.environ), tmp_path / "worker.log", [])
        try:
            wait_ready(worker, timeout=60)
            _wait_succeeded(job_id)
        finally:
            worker.terminate()
            assert worker.wait(60) == 0, worker.log()

    data_dir = load_settings().data_dir
    db = open_database(load_settings())  # an open connection keeps -wal and -shm in place
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM accounts")).scalar_one()
            modes = {
                str(path.relative_to(data_dir)): stat.S_IMODE(path.stat().st_mode)
                for path in data_dir.rglob("*")
            }
    finally:
        db.dispose()
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert set(modes) >= EXPECTED_FILES, sorted(modes)
    wrong = {
        name: oct(mode)
        for name, mode in modes.items()
        if mode != (0o700 if (data_dir / name).is_dir() else 0o600)
    }
    assert wrong == {}
