"""The installed ``airbnb-tui`` script as a real process (exit codes, streams, Ctrl+C), and a
real ``airbnb-worker`` process running what ``sync --wait`` queued."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import ChartQuery, SyncJobListing, Worker
from airbnb_tui.sandbox import Fault, SandboxServer
from airbnb_tui.services import jobs as job_service
from tests.cli.cli_helpers import Run
from tests.processes import popen
from tests.waiting import wait_for

BIN = Path(sys.executable).parent
AIRBNB_TUI = str(BIN / "airbnb-tui")
AIRBNB_WORKER = str(BIN / "airbnb-worker")

pytestmark = pytest.mark.slow


def script(
    *args: str, input: str | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AIRBNB_TUI, *args],
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ.copy(),
        check=False,
    )


def test_bad_input_is_one_sentence_and_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "cookie.txt"
    result = script("accounts", "add", "--cookie-file", str(missing))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: Cannot read the cookie file {missing}: it does not exist. Save the cookie to a "
        "file first, or pass --cookie-file - to read it from stdin.\n"
    )


def test_ctrl_c_during_an_inline_sync_interrupts_the_job(
    run: Run, cookie_file: Path, sandbox: SandboxServer, app_db: Database
) -> None:
    assert run(["accounts", "add", "--cookie-file", str(cookie_file), "--no-validate"]).code == 0
    account_id = sandbox.accounts[0].account_id
    sandbox.set_faults(Fault.slow(0.25))
    proc = popen(
        [AIRBNB_TUI, "sync", account_id, "--inline"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:

        def listing_running() -> bool:
            with app_db.read() as session:
                return (
                    session.scalar(
                        select(SyncJobListing.listing_id).where(SyncJobListing.status == "running")
                    )
                    is not None
                )

        wait_for(listing_running, "a listing to be running")
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 5, (stdout, stderr)
    assert stderr == (
        "Error: Job 1 ended interrupted; it resumes with the next sync or when a worker starts.\n"
    )
    job = job_service.job_progress(app_db, 1)
    assert job.job.status == "interrupted"
    assert [item.status for item in job.listings] == ["pending", "pending", "pending"]
    with app_db.read() as session:
        assert session.scalar(select(func.count()).select_from(ChartQuery)) == 0


@pytest.fixture
def worker(sandbox: SandboxServer, app_db: Database) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [AIRBNB_WORKER, "--threads", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:

        def registered() -> bool:
            with app_db.read() as session:
                return session.scalar(select(func.count()).select_from(Worker)) == 1

        wait_for(registered, "the worker to register")
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_sync_wait_follows_a_real_worker(
    run: Run,
    cookie_file: Path,
    sandbox: SandboxServer,
    app_db: Database,
    worker: subprocess.Popen[str],
) -> None:
    assert run(["accounts", "add", "--cookie-file", str(cookie_file), "--no-validate"]).code == 0
    account_id = sandbox.accounts[0].account_id
    result = run(["sync", account_id, "--wait"])
    assert result.code == 0, result
    lines = result.stdout.splitlines()
    # The worker's once-a-minute schedule may have queued this new account's first sync
    # already; either way `sync` names the job it follows.
    first = re.fullmatch(
        rf"(?:Job (\d+) queued|Already (?:queued|running): job (\d+)) for account {account_id}\.",
        lines[0],
    )
    assert first is not None, lines[0]
    job_id = int(first.group(1) or first.group(2))
    assert re.search(r"succeeded: 3/3 listings, 0 failed, \d+ rows", lines[-1]), lines[-1]
    assert "No worker is running" not in result.stdout
    job = job_service.get_job(app_db, job_id)
    assert job.status == "succeeded"
    assert job.worker_id is not None
    assert not job.worker_id.startswith("cli-")
