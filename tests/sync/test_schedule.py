"""The daily schedule: one scheduled job per account per day and never a second active job,
kept by the database however the schedulers and finishing jobs interleave."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from airbnb_tui.config import Settings, load_settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import Account, JobStatus, JobTrigger, SyncJob
from airbnb_tui.db.types import utcnow
from airbnb_tui.sync import jobs, schedule

SLOT_HOUR, SLOT_MINUTE = 5, 0
NOW = datetime(2025, 2, 5, 9, 30, tzinfo=UTC)
SLOT = schedule.last_slot(NOW, SLOT_HOUR, SLOT_MINUTE)


def _add_accounts(db: Database, count: int, first: int = 10_000) -> list[str]:
    ids = [str(first + n) for n in range(count)]
    with db.write() as session:
        session.add_all(
            Account(account_id=i, cookie_encrypted="sealed", credential_status="valid") for i in ids
        )
    return ids


def _jobs(db: Database) -> list[SyncJob]:
    with db.read() as session:
        return list(session.scalars(select(SyncJob).order_by(SyncJob.job_id)))


def _finish(db: Database, job_id: int, *, at: datetime) -> None:
    """End a job the way the runner does: status and the account's last sync together."""
    with db.write() as session:
        job = session.get(SyncJob, job_id, with_for_update=True)
        assert job is not None
        job.status = JobStatus.SUCCEEDED.value
        job.finished_at = at
        session.execute(
            update(Account).where(Account.account_id == job.account_id).values(last_sync_at=at)
        )


def test_a_job_that_finished_after_the_due_check_is_not_followed_by_a_scheduled_one(
    db: Database,
) -> None:
    """The scheduler saw the account due while its manual job ran; by the time it writes, that
    job has finished: no second, "scheduled" job."""
    (account_id,) = _add_accounts(db, 1)
    manual = jobs.request_sync(db, account_id).job_id
    assert schedule.due_accounts(db, SLOT) == [account_id]
    _finish(db, manual, at=SLOT + timedelta(minutes=1))

    assert jobs.request_scheduled_sync(db, account_id, SLOT, trigger=JobTrigger.SCHEDULED) is None
    assert [j.job_id for j in _jobs(db)] == [manual]


def test_no_scheduled_job_while_another_job_is_active(db: Database) -> None:
    (account_id,) = _add_accounts(db, 1)
    manual = jobs.request_sync(db, account_id).job_id
    assert jobs.request_scheduled_sync(db, account_id, SLOT, trigger=JobTrigger.SCHEDULED) is None
    assert [j.job_id for j in _jobs(db)] == [manual]


def test_one_scheduled_job_per_slot_even_after_it_failed(db: Database) -> None:
    (account_id,) = _add_accounts(db, 1)
    first = jobs.request_scheduled_sync(db, account_id, SLOT, trigger=JobTrigger.SCHEDULED)
    assert first is not None
    with db.write() as session:
        session.execute(
            update(SyncJob).where(SyncJob.job_id == first).values(status=JobStatus.FAILED.value)
        )
    assert jobs.request_scheduled_sync(db, account_id, SLOT, trigger=JobTrigger.SCHEDULED) is None
    later = SLOT + timedelta(days=1)
    second = jobs.request_scheduled_sync(db, account_id, later, trigger=JobTrigger.SCHEDULED)
    assert second is not None
    assert [(j.job_id, j.scheduled_for, j.trigger) for j in _jobs(db)] == [
        (first, SLOT.date(), "scheduled"),
        (second, later.date(), "scheduled"),
    ]


def test_accounts_that_cannot_sync_get_no_scheduled_job(db: Database) -> None:
    disabled, expired, removed, synced = _add_accounts(db, 4)
    with db.write() as session:
        session.execute(
            update(Account).where(Account.account_id == disabled).values(is_active=False)
        )
        session.execute(
            update(Account).where(Account.account_id == expired).values(credential_status="expired")
        )
        session.execute(
            update(Account).where(Account.account_id == removed).values(deleted_at=utcnow())
        )
        session.execute(
            update(Account)
            .where(Account.account_id == synced)
            .values(last_sync_at=SLOT + timedelta(seconds=1))
        )
    for account_id in (disabled, expired, removed, synced, "999"):
        assert (
            jobs.request_scheduled_sync(db, account_id, SLOT, trigger=JobTrigger.SCHEDULED) is None
        )
    assert _jobs(db) == []


def test_threads_scheduling_at_once_create_one_job_per_account(db: Database) -> None:
    accounts = _add_accounts(db, 5)
    settings = _settings()
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def scheduler() -> None:
        try:
            barrier.wait()
            schedule.enqueue_due(db, settings, NOW)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=scheduler) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    made = _jobs(db)
    assert sorted(j.account_id for j in made) == accounts
    assert {j.scheduled_for for j in made} == {SLOT.date()}


def test_schedulers_racing_a_finishing_job_never_make_a_second_one(db: Database) -> None:
    """Threads schedule over and over while the account's manual job finishes at a random
    moment: whichever side wins, the account ends with exactly one job."""
    settings = _settings()
    rng = random.Random(7)
    for round_number in range(8):
        (account_id,) = _add_accounts(db, 1, first=20_000 + round_number)
        manual = jobs.request_sync(db, account_id).job_id
        stop = threading.Event()

        def scheduler(stop: threading.Event = stop) -> None:
            while not stop.is_set():
                schedule.enqueue_due(db, settings, NOW)

        threads = [threading.Thread(target=scheduler) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(0.0, 0.05))
        _finish(db, manual, at=SLOT + timedelta(minutes=1))
        time.sleep(0.05)
        stop.set()
        for thread in threads:
            thread.join(60)
        with db.read() as session:
            count = session.scalar(
                select(func.count()).select_from(SyncJob).where(SyncJob.account_id == account_id)
            )
        assert count == 1


def _settings() -> Settings:
    return load_settings(sync_hour_utc=SLOT_HOUR, sync_minute_utc=SLOT_MINUTE)


_PROCESS_SCHEDULER = """
import sys, time
from datetime import datetime
from airbnb_tui.config import load_settings
from airbnb_tui.db.engine import Database
from airbnb_tui.sync import schedule

settings = load_settings(sync_hour_utc=int(sys.argv[2]), sync_minute_utc=int(sys.argv[3]))
db = Database(sys.argv[1])
now = datetime.fromisoformat(sys.argv[4])
time.sleep(max(0.0, float(sys.argv[5]) - time.time()))
print(len(schedule.enqueue_due(db, settings, now)))
db.dispose()
"""


def test_processes_scheduling_at_once_create_one_job_per_account(
    db: Database, tmp_path: Path
) -> None:
    accounts = _add_accounts(db, 6)
    start_at = time.time() + 2.0
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _PROCESS_SCHEDULER,
                db.url,
                str(SLOT_HOUR),
                str(SLOT_MINUTE),
                NOW.isoformat(),
                str(start_at),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for _ in range(4)
    ]
    created = 0
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode(errors="replace")
        created += int(out.strip())
    made = _jobs(db)
    assert created == len(made) == len(accounts)
    assert sorted(j.account_id for j in made) == accounts


@pytest.mark.parametrize("minutes_after_slot", [-1, 0, 1])
def test_due_is_strictly_before_the_slot(db: Database, minutes_after_slot: int) -> None:
    """An account last synced exactly at the slot is not due; a minute before it, it is."""
    (account_id,) = _add_accounts(db, 1)
    with db.write() as session:
        session.execute(
            update(Account)
            .where(Account.account_id == account_id)
            .values(last_sync_at=SLOT + timedelta(minutes=minutes_after_slot))
        )
    expected = [account_id] if minutes_after_slot < 0 else []
    assert schedule.due_accounts(db, SLOT) == expected
    made = jobs.request_scheduled_sync(db, account_id, SLOT, trigger=JobTrigger.SCHEDULED)
    assert (made is not None) == (minutes_after_slot < 0)
