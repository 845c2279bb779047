"""``airbnb-tui sync``: queueing, following and running syncs inline against the sandbox."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from airbnb_tui.commands.output import SyncOut
from airbnb_tui.commands.progress import LogView, ProgressView
from airbnb_tui.commands.sync import WorkerHint, follow
from airbnb_tui.config import load_settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import ChartQuery, CredentialStatus, SyncJob
from airbnb_tui.sandbox import Expiry, Fault, SandboxServer
from airbnb_tui.services import accounts as account_service
from airbnb_tui.services import jobs as job_service
from airbnb_tui.services.jobs import JobProgress
from tests.cli.cli_helpers import ListingSeed, Run, seed_account, seed_job
from worker import registry
from worker.tasks import Queue


def pending_in_queue() -> int:
    return int(Queue(load_settings()).huey.pending_count())


def job_count(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(SyncJob)) or 0)


@pytest.fixture
def synced_account(run: Run, cookie_file: Path, sandbox: SandboxServer) -> str:
    """The sandbox account, added (and validated) through the CLI."""
    result = run(["accounts", "add", "--cookie-file", str(cookie_file)])
    assert result.code == 0, result
    sandbox.reset_counts()
    return sandbox.accounts[0].account_id


# Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [[], ["123", "--all"]])
def test_needs_exactly_one_target(run: Run, args: list[str]) -> None:
    result = run(["sync", *args])
    assert result.code == 2
    assert "Give an ACCOUNT_ID or --all (not both)." in result.stderr


def test_unknown_and_malformed_account(run: Run, app_db: Database) -> None:
    unknown = run(["sync", "999"])
    assert (unknown.code, unknown.stderr) == (
        2,
        "Error: No account 999; see `airbnb-tui accounts list`.\n",
    )
    malformed = run(["sync", "abc"])
    assert malformed.code == 2
    assert job_count(app_db) == 0


def test_expired_credentials_are_refused_with_exit_3(run: Run, app_db: Database) -> None:
    seed_account(app_db, "111", status=CredentialStatus.EXPIRED)
    result = run(["sync", "111"])
    assert result.code == 3
    assert result.stderr == (
        "Error: Account 111 cannot sync: its credentials are expired; update the cookie with "
        "`airbnb-tui accounts update 111 --cookie-file PATH`.\n"
    )
    assert job_count(app_db) == 0


# Queueing ---------------------------------------------------------------------------------


def test_sync_queues_once(run: Run, app_db: Database) -> None:
    seed_account(app_db, "111")
    first = run(["sync", "111"])
    assert (first.code, first.stdout) == (0, "Job 1 queued for account 111.\n")
    assert pending_in_queue() == 1
    again = run(["sync", "111", "--json"])
    assert again.code == 0
    out = SyncOut.model_validate_json(again.stdout)
    assert [(j.account_id, j.created, j.job.job_id, j.job.status) for j in out.jobs] == [
        ("111", False, 1, "queued")
    ]
    assert (out.skipped, out.exit_code) == ([], 0)
    assert run(["sync", "111"]).stdout == "Already queued: job 1 for account 111.\n"
    assert pending_in_queue() == 1
    assert job_service.get_job(app_db, 1).trigger == "cli"


def test_sync_full_flag_reaches_the_job(run: Run, app_db: Database) -> None:
    seed_account(app_db, "111")
    assert run(["sync", "111", "--full"]).code == 0
    assert job_service.get_job(app_db, 1).full_backfill is True


def test_sync_all_skips_disabled_and_expired(run: Run, app_db: Database) -> None:
    seed_account(app_db, "111")
    seed_account(app_db, "222", status=CredentialStatus.REJECTED)
    seed_account(app_db, "333")
    seed_account(app_db, "444")
    account_service.set_active(app_db, "333", False)
    result = run(["sync", "--all", "--json"])
    assert result.code == 3
    out = SyncOut.model_validate_json(result.stdout)
    assert [j.account_id for j in out.jobs] == ["111", "444"]
    assert [(s.account_id, s.reason.split(";")[0]) for s in out.skipped] == [
        ("222", "its credentials are rejected")
    ]
    assert out.exit_code == 3
    assert result.stderr.startswith("Error: Account 222 was not synced: its credentials are")
    assert pending_in_queue() == 2


def test_sync_all_without_accounts(run: Run, app_db: Database) -> None:
    result = run(["sync", "--all"])
    assert (result.code, result.stdout) == (0, "No active accounts to sync.\n")


# Running inline against the sandbox -------------------------------------------------------


def test_inline_sync_runs_to_the_end(
    run: Run, app_db: Database, synced_account: str, sandbox: SandboxServer
) -> None:
    result = run(["sync", synced_account, "--inline"])
    assert result.code == 0, result
    lines = result.stdout.splitlines()
    assert lines[0] == f"Job 1 running here for account {synced_account}."
    assert (
        lines[-1]
        .split(" ", 1)[1]
        .startswith(f"job 1 (account {synced_account}) succeeded: 3/3 listings, 0 failed,")
    )
    succeeded = [line for line in lines if "succeeded: 9 requests" in line]
    assert len(succeeded) == 3
    assert pending_in_queue() == 0  # --inline never hands the job to the queue
    job = job_service.get_job(app_db, 1)
    assert (job.status, job.listings_completed, job.rows_written) == ("succeeded", 3, 99)
    assert job.worker_id is not None
    assert job.worker_id.startswith("cli-")
    with app_db.read() as session:
        rows = session.scalar(select(func.count()).select_from(ChartQuery))
    assert rows == 3 * 28  # 2 weeks back and 1 ahead, in whole 28-day chart windows
    for listing_id in sandbox.accounts[0].listing_ids:
        assert sandbox.counts(listing_id=listing_id) == 9


def test_inline_sync_json(run: Run, synced_account: str) -> None:
    result = run(["sync", synced_account, "--inline", "--json"])
    assert result.code == 0, result
    out = SyncOut.model_validate_json(result.stdout)
    assert out.exit_code == 0
    [entry] = out.jobs
    assert (entry.created, entry.job.status, entry.job.rows_written) == (True, "succeeded", 99)
    assert [item.status for item in entry.listings] == ["succeeded"] * 3
    assert [item.requests_done for item in entry.listings] == [9, 9, 9]


def test_inline_sync_with_a_failing_listing_exits_5(
    run: Run, synced_account: str, sandbox: SandboxServer
) -> None:
    bad = sandbox.accounts[0].listing_ids[1]
    sandbox.set_faults(listing_faults={bad: [Fault.server_error(rate=1.0)]})
    result = run(["sync", synced_account, "--inline"])
    assert result.code == 5, result
    assert result.stderr == (
        "Error: Job 1 ended partial; see the errors with `airbnb-tui jobs show 1` and retry the "
        "failed listings with `airbnb-tui jobs retry 1`.\n"
    )
    assert f"listing 2/3 {bad}" in result.stdout
    assert "failed: server_error:" in result.stdout


def test_inline_sync_with_expiring_credentials_exits_3(
    run: Run, app_db: Database, synced_account: str, sandbox: SandboxServer
) -> None:
    sandbox.set_faults(expiries=[Expiry(after=4)])
    result = run(["sync", synced_account, "--inline", "--json"])
    assert result.code == 3, result
    assert result.stderr == (
        f"Error: Airbnb rejected account {synced_account}'s credentials (job 1). Update the "
        f"cookie with `airbnb-tui accounts update {synced_account} --cookie-file PATH`.\n"
    )
    out = SyncOut.model_validate_json(result.stdout)
    assert out.jobs[0].job.error_type == "credentials_rejected"
    assert account_service.get_account(app_db, synced_account).credential_status == "expired"


# Following ---------------------------------------------------------------------------------


class RecordingView:
    def __init__(self) -> None:
        self.updates: list[list[str]] = []
        self.notes: list[str] = []

    def update(self, snapshots: Sequence[JobProgress]) -> None:
        self.updates.append([s.job.status for s in snapshots])

    def note(self, text: str) -> None:
        self.notes.append(text)


def test_follow_polls_until_every_job_is_done(app_db: Database) -> None:
    seed_account(app_db, "111")
    seed_account(app_db, "222")
    first = seed_job(app_db, "111", "running", [ListingSeed("1", "running", 3)])
    second = seed_job(app_db, "222", "queued")
    view = RecordingView()
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        with app_db.write() as session:
            if len(sleeps) == 1:
                session.execute(
                    update(SyncJob).where(SyncJob.job_id == first).values(status="succeeded")
                )
            if len(sleeps) == 2:
                session.execute(
                    update(SyncJob).where(SyncJob.job_id == second).values(status="interrupted")
                )

    final = follow(app_db, [first, second], view, sleep=sleep)
    assert view.updates == [
        ["running", "queued"],
        ["succeeded", "queued"],
        ["succeeded", "interrupted"],
    ]
    assert sleeps == [0.5, 0.5]
    assert [s.job.status for s in final] == ["succeeded", "interrupted"]


def test_follow_stops_when_told(app_db: Database) -> None:
    seed_account(app_db, "111")
    job_id = seed_job(app_db, "111", "queued")
    view = RecordingView()
    final = follow(app_db, [job_id], view, sleep=lambda s: None, keep_going=lambda: False)
    assert [s.job.status for s in final] == ["queued"]
    assert len(view.updates) == 1


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_worker_hint_once_after_a_few_seconds_without_a_worker(app_db: Database) -> None:
    seed_account(app_db, "111")
    job_id = seed_job(app_db, "111", "queued")
    snapshots = [job_service.job_progress(app_db, job_id)]
    clock = FakeClock()
    out = io.StringIO()
    view = LogView(out)
    hint = WorkerHint(app_db, view, stale_seconds=60, after=3.0, clock=clock)
    hint(snapshots)
    assert out.getvalue() == ""
    clock.now += 3.5
    hint(snapshots)
    hint(snapshots)
    assert out.getvalue().count("No worker is running") == 1
    assert "start `airbnb-worker`" in out.getvalue()


def test_worker_hint_silent_when_a_worker_runs(app_db: Database) -> None:
    seed_account(app_db, "111")
    job_id = seed_job(app_db, "111", "queued")
    registry.register(app_db, "w-1")
    clock = FakeClock()
    view = RecordingView()
    hint = WorkerHint(app_db, view, stale_seconds=60, after=0.0, clock=clock)
    hint([job_service.job_progress(app_db, job_id)])
    assert view.notes == []


def test_wait_exit_code_follows_the_job(
    run: Run, app_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a job that is already running elsewhere, --wait follows it to its end."""
    seed_account(app_db, "111")
    job_id = seed_job(app_db, "111", "running", [ListingSeed("1", "running", 2)])
    from airbnb_tui.commands import sync as sync_module

    real_follow = sync_module.follow

    def finishing_follow(
        db: Database, job_ids: Sequence[int], view: ProgressView, **kw: Any
    ) -> list[JobProgress]:
        with db.write() as session:
            session.execute(
                update(SyncJob).where(SyncJob.job_id == job_id).values(status="cancelled")
            )
        return real_follow(db, job_ids, view, **kw)

    monkeypatch.setattr(sync_module, "follow", finishing_follow)
    result = run(["sync", "111", "--wait"])
    assert result.code == 5
    assert result.stdout.splitlines()[0] == f"Already running: job {job_id} for account 111."
    assert (
        result.stderr
        == f"Error: Job {job_id} ended cancelled; see `airbnb-tui jobs show {job_id}`.\n"
    )


def test_inline_without_the_secret_key_creates_no_job(
    run: Run, app_db: Database, data_dir: Path
) -> None:
    seed_account(app_db, "111")
    (data_dir / "secret.key").unlink()
    result = run(["sync", "111", "--inline"])
    assert result.code == 2
    assert result.stderr.startswith("Error: No secret key:")
    assert job_count(app_db) == 0
