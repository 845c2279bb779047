"""airbnb-worker as a real process: shutdown, crash recovery, races and the schedule."""

from __future__ import annotations

import signal
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from airbnb_tui.db.models import ChartQuery, SyncJob, SyncJobListing
from airbnb_tui.sandbox import Fault
from airbnb_tui.services import jobs as job_service
from airbnb_tui.sync.windows import plan
from tests.waiting import wait_for
from tests.worker.conftest import WorkerEnv
from worker.tasks import Queue


def _days() -> int:
    return plan(date.today(), 2, 1).days


def _listings(env: WorkerEnv, job_id: int) -> list[SyncJobListing]:
    with env.db.read() as session:
        return list(
            session.scalars(
                select(SyncJobListing)
                .where(SyncJobListing.job_id == job_id)
                .order_by(SyncJobListing.position)
            )
        )


def _job(env: WorkerEnv, job_id: int) -> SyncJob:
    with env.db.read() as session:
        job = session.get(SyncJob, job_id)
        assert job is not None
        return job


def _chart_rows(env: WorkerEnv, listing_id: str | None = None) -> int:
    stmt = select(func.count()).select_from(ChartQuery)
    if listing_id is not None:
        stmt = stmt.where(ChartQuery.airbnb_listing_id == listing_id)
    with env.db.read() as session:
        return int(session.scalar(stmt) or 0)


def _status_of(env: WorkerEnv, job_id: int) -> str:
    return _job(env, job_id).status


def _running_position(env: WorkerEnv, job_id: int) -> int | None:
    for row in _listings(env, job_id):
        if row.status == "running" and row.requests_done >= 1:
            return row.position
    return None


def test_sigterm_finishes_the_listing_then_a_second_worker_resumes(worker_env: WorkerEnv) -> None:
    env = worker_env
    env.add_accounts()
    env.sandbox.set_faults(Fault.slow(0.08, rate=1.0))
    account_id = env.sandbox_accounts[0].account_id
    job_id = job_service.start_sync(env.db, Queue(env.settings), account_id).job_id
    first = env.start_worker()
    wait_for(lambda: _running_position(env, job_id) == 1, "the second listing to start")
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=60) == 0, env.log(0)
    assert _status_of(env, job_id) == "interrupted"
    rows = _listings(env, job_id)
    assert [r.status for r in rows] == ["succeeded", "succeeded", "pending", "pending"]
    done_ids = [r.listing_id for r in rows[:2]]
    before = {i: env.sandbox.counts(listing_id=i) for i in done_ids}
    assert all(before.values())

    env.sandbox.clear_faults()
    second = env.start_worker()
    wait_for(lambda: _status_of(env, job_id) == "succeeded", "the resumed job to finish")
    assert {i: env.sandbox.counts(listing_id=i) for i in done_ids} == before  # zero repeats
    assert _chart_rows(env) == 4 * _days()
    assert _job(env, job_id).listings_completed == 4
    second.send_signal(signal.SIGINT)
    assert second.wait(timeout=60) == 0


def test_sigterm_past_the_grace_period_rolls_the_listing_back(worker_env: WorkerEnv) -> None:
    env = worker_env
    env.add_accounts()
    env.sandbox.set_faults(Fault.slow(0.25, rate=1.0))
    account_id = env.sandbox_accounts[0].account_id
    job_id = job_service.start_sync(env.db, Queue(env.settings), account_id).job_id
    worker = env.start_worker(AIRBNB_TUI_SHUTDOWN_GRACE_SECONDS="0.5")
    wait_for(lambda: _running_position(env, job_id) == 0, "the first listing to start")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0, env.log(0)
    assert _status_of(env, job_id) == "interrupted"
    rows = _listings(env, job_id)
    assert [r.status for r in rows] == ["pending"] * 4
    assert all(r.rows_written == 0 for r in rows)
    assert _chart_rows(env) == 0  # nothing half-written


def test_kill_9_leaves_a_stale_job_that_the_next_worker_takes_back(worker_env: WorkerEnv) -> None:
    env = worker_env
    env.add_accounts()
    env.sandbox.set_faults(Fault.slow(0.08, rate=1.0))
    account_id = env.sandbox_accounts[0].account_id
    job_id = job_service.start_sync(env.db, Queue(env.settings), account_id).job_id
    victim = env.start_worker()
    wait_for(lambda: _running_position(env, job_id) == 1, "the second listing to start")
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    assert _status_of(env, job_id) == "running"  # the dead worker could not say otherwise
    env.sandbox.clear_faults()
    env.start_worker()
    wait_for(lambda: _status_of(env, job_id) == "succeeded", "the job to be taken back")
    job = _job(env, job_id)
    assert job.attempts == 2
    assert job.listings_completed == 4
    assert _chart_rows(env) == 4 * _days()  # the killed listing left nothing behind, no duplicates


def test_two_workers_one_account_run_one_job(worker_env: WorkerEnv) -> None:
    env = worker_env
    env.add_accounts()
    account_id = env.sandbox_accounts[0].account_id
    first = job_service.start_sync(env.db, Queue(env.settings), account_id)
    again = job_service.start_sync(env.db, Queue(env.settings), account_id)
    assert again.job_id == first.job_id
    assert not again.created
    env.start_worker()
    env.start_worker()
    wait_for(lambda: _status_of(env, first.job_id) == "succeeded", "the job to finish")
    with env.db.read() as session:
        assert session.scalar(select(func.count()).select_from(SyncJob)) == 1
    assert _job(env, first.job_id).attempts == 1
    # discovery once, each listing's windows once
    assert env.sandbox.counts(operation="ListingsSectionQuery") == 1


def test_schedule_creates_one_job_per_day_whichever_worker_fires(worker_env: WorkerEnv) -> None:
    env = worker_env
    env.add_accounts()
    slot = datetime.now(UTC) - timedelta(minutes=5)
    hours = {
        "AIRBNB_TUI_SYNC_HOUR_UTC": str(slot.hour),
        "AIRBNB_TUI_SYNC_MINUTE_UTC": str(slot.minute),
    }
    env.start_worker(**hours)
    env.start_worker(**hours)

    def scheduled() -> list[SyncJob]:
        with env.db.read() as session:
            return list(session.scalars(select(SyncJob).where(SyncJob.scheduled_for.is_not(None))))

    wait_for(
        lambda: [j.status for j in scheduled()] == ["succeeded"], "the scheduled job to finish"
    )
    for proc in env.procs:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    # A restart the same day schedules nothing new.
    env.start_worker(**hours)
    wait_for(lambda: "waiting for jobs" in env.log(2), "the third worker to start")
    assert len(scheduled()) == 1
    assert scheduled()[0].trigger == "startup"
