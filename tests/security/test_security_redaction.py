"""Sentinel cookies and a sentinel API key go through everything — adding accounts, syncs with
every kind of failure (bot walls, 5xx, malformed JSON, 429s, timeouts, expired credentials,
rotated cookies), ``--debug`` runs, every read command with and without ``--json``, a real
``airbnb-worker`` process — and then nothing anywhere holds them: not a log line, not a
command's output, not a column of the database as stored, not a file in the data dir."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from airbnb_tui.config import load_settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import SyncJob
from airbnb_tui.db.open import open_database
from airbnb_tui.sandbox import Expiry, Fault, FaultConfig, SandboxAccount, SandboxServer
from tests.cli.cli_helpers import Outcome, run_main
from tests.cli.conftest import FAST_SYNC_ENV
from tests.reliability.launcher import ExecWorker, wait_ready
from tests.security.leaks import (
    SENTINEL,
    SENTINEL_API_KEY,
    data_dir_files,
    find_leaks,
    needles,
    raw_database_files,
    sentinel_accounts,
    spy_on_logs,
    stored_database_text,
)

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "postgres":
        url = str(request.getfixturevalue("postgres_url"))
        monkeypatch.setenv("AIRBNB_TUI_DATABASE_URL", url)
        monkeypatch.setenv(
            "AIRBNB_TUI_QUEUE_URL", url.replace("postgresql+psycopg://", "postgresql://")
        )
    return str(request.param)


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxServer]:
    with SandboxServer(accounts=sentinel_accounts(2, listings=4), api_key=SENTINEL_API_KEY) as sb:
        for name, value in FAST_SYNC_ENV.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("AIRBNB_TUI_AIRBNB_BASE_URL", sb.base_url)
        monkeypatch.setenv("AIRBNB_TUI_AIRBNB_API_KEY", SENTINEL_API_KEY)
        monkeypatch.setenv("AIRBNB_TUI_REQUEST_TIMEOUT_SECONDS", "0.3")
        monkeypatch.setenv("AIRBNB_TUI_MAX_ATTEMPTS", "3")
        monkeypatch.setenv("AIRBNB_TUI_QUEUE_NAME", f"redaction-{os.getpid()}")
        yield sb


def _failures(a: SandboxAccount) -> FaultConfig:
    """One listing behind a bot wall, one answering 500, one with broken JSON, one that gets
    through a 429 and a timeout; Airbnb rotates the auth cookie every third answer."""
    bot, broken, garbled, flaky = a.listing_ids
    return FaultConfig.of(
        listing_faults={
            bot: [Fault.bot_wall(1.0, status=200)],
            broken: [Fault.server_error(1.0, status=500)],
            garbled: [Fault.malformed(1.0)],
            flaky: [Fault.rate_limit(next_n=1, retry_after=0.01), Fault.timeout(next_n=1, delay=1)],
        },
        rotate_every=3,
    )


class Session:
    """Runs commands and keeps everything they printed."""

    def __init__(self) -> None:
        self.outputs: dict[str, str] = {}

    def run(self, *args: str, code: int | None = 0) -> Outcome:
        result = run_main(list(args))
        self.outputs[f"`airbnb-tui {' '.join(args)}`"] = result.stdout + result.stderr
        if code is not None:
            assert result.code == code, result
        return result


def test_no_secret_reaches_logs_output_database_or_files(
    backend: str, sandbox: SandboxServer, tmp_path: Path
) -> None:
    first, second = sandbox.accounts
    cookie_files = []
    for account in (first, second):
        path = tmp_path / f"cookie-{account.account_id}.txt"
        path.write_text(account.cookie_header() + "\n")
        cookie_files.append(str(path))
    cli = Session()
    if backend == "postgres":
        cli.run("db", "upgrade")

    with spy_on_logs() as spy:
        cli.run("accounts", "add", "--cookie-file", cookie_files[0], "--label", "First")
        cli.run("accounts", "add", "--cookie-file", cookie_files[1], "--json")
        sandbox.set_fault_config(_failures(first))
        cli.run("--debug", "sync", first.account_id, "--inline", "--json", code=5)
        cli.run("sync", first.account_id, "--inline", code=5)
        sandbox.set_fault_config(FaultConfig.of(expiries=[Expiry(after=7)], rotate_every=2))
        cli.run("--debug", "sync", second.account_id, "--inline", code=3)
        cli.run("--debug", "accounts", "validate", second.account_id, "--json", code=None)
        sandbox.clear_faults()
        for args in (
            ["accounts", "list"],
            ["accounts", "list", "--json"],
            ["accounts", "show", first.account_id],
            ["accounts", "show", first.account_id, "--json"],
            ["accounts", "show", second.account_id, "--json"],
            ["jobs"],
            ["jobs", "--json"],
            ["jobs", "show", "1"],
            ["jobs", "show", "1", "--json"],
            ["jobs", "show", "3", "--json"],
            ["export", first.account_id, "--table", "chart_query", "--format", "json"],
            ["export", first.account_id, "--table", "list_of_metrics"],
        ):
            cli.run(*args)
        cli.run("--debug", "jobs", "show", "999", code=2)
        cli.run("db", "rotate-key")
        cli.run("accounts", "update", second.account_id, "--cookie-file", cookie_files[1])

    # A real worker process syncs the second account through failures, then loses its cookie.
    worker_log = _sync_in_a_worker(cli, sandbox, second, tmp_path)

    # The run did what it claims: the sentinel cookies were accepted, logs were written, every
    # kind of failure happened, and Airbnb rotated cookies.
    assert sandbox.counts(account_id=first.account_id) > 20
    assert "listing" in spy.text
    assert "failed" in spy.text
    assert "finished: partial" in worker_log
    assert "finished: failed" in worker_log
    db = open_database(load_settings())
    try:
        errors = _error_types(db)
        assert {"bot_wall", "server_error", "bad_response", "credentials_rejected"} <= errors
        rotated = [t for a in (first, second) for t in sandbox.tokens(a.account_id)[1:]]
        assert rotated, "Airbnb never rotated a cookie: rotation went untested"

        secrets = needles(sandbox.accounts, rotated)
        places: dict[str, str | bytes] = {
            **cli.outputs,
            "log records": spy.text,
            "worker log": worker_log,
            **stored_database_text(db),
            **raw_database_files(db),
            **data_dir_files(load_settings().data_dir),
        }
        assert find_leaks(places, secrets) == []
        # The search itself works: it finds the sentinel where it is.
        assert find_leaks({"here": f"x{SENTINEL}x"}, secrets) == [f"here: {SENTINEL[:6]}…"]
    finally:
        db.dispose()


def _sync_in_a_worker(
    cli: Session, sandbox: SandboxServer, account: SandboxAccount, tmp_path: Path
) -> str:
    env = dict(os.environ.items())
    worker = ExecWorker(env, tmp_path / "worker.log", ["--debug"])
    try:
        wait_ready(worker, timeout=60)
        sandbox.set_fault_config(_failures(account))
        job_id = _enqueue(cli, account)
        _wait_finished(job_id, "partial")
        sandbox.set_fault_config(
            FaultConfig.of(expiries=[Expiry(after=3, account_id=account.account_id)])
        )
        cli.run("accounts", "update", account.account_id, "--label", "Second")
        job_id = _enqueue(cli, account, full=True)
        _wait_finished(job_id, "failed")
    finally:
        worker.terminate()
        worker.wait(60)
        worker.stop()
    return worker.log()


def _enqueue(cli: Session, account: SandboxAccount, *, full: bool = False) -> int:
    args = ["sync", account.account_id, "--json", *(["--full"] if full else [])]
    result = cli.run(*args)
    import json

    return int(json.loads(result.stdout)["jobs"][0]["job"]["job_id"])


def _wait_finished(job_id: int, status: str) -> None:
    db = open_database(load_settings())
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with db.read() as session:
                job = session.get(SyncJob, job_id)
                if job is not None and job.status not in ("queued", "running"):
                    assert job.status == status, (job.status, job.error_type)
                    return
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} did not finish")
    finally:
        db.dispose()


def _error_types(db: Database) -> set[str]:
    from airbnb_tui.db.models import SyncJobListing

    with db.read() as session:
        kinds = set(session.scalars(select(SyncJobListing.error_type)).all())
        kinds |= set(session.scalars(select(SyncJob.error_type)).all())
    return {k for k in kinds if k}
