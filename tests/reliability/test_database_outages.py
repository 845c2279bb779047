"""The database held or cut off for seconds in the middle of a sync.

SQLite: another connection holds ``BEGIN EXCLUSIVE`` for about three seconds, so every write of
the worker (progress, heartbeat, the listing's commit) waits. PostgreSQL: every connection to the
test database but ours is terminated, again and again for about three seconds — what a server
restart looks like to the worker (restarting the shared server itself is not an option here).
Either way the job must end succeeded, with nothing half-written and no finished listing lost.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from airbnb_tui.db.engine import sqlite_path
from airbnb_tui.sandbox import Fault, FaultConfig
from tests.reliability.conftest import Rig
from tests.reliability.harness import Verdict, check_job, record, runs, succeeded_listings
from tests.waiting import wait_for

OUTAGE_RUNS = max(1, runs(10) // 10)
OUTAGE_SECONDS = 3.0
ENDED = ("succeeded", "partial", "failed", "cancelled")

pytestmark = pytest.mark.slow


def _hold_sqlite(rig: Rig, seconds: float) -> None:
    """Hold SQLite's write lock for ``seconds`` from another connection."""
    path = sqlite_path(rig.db.url)
    assert path is not None
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        conn.execute("BEGIN EXCLUSIVE")
        time.sleep(seconds)
    finally:
        conn.execute("COMMIT")
        conn.close()


def _cut_postgres(rig: Rig, seconds: float) -> int:
    """Terminate every other backend on the test database, every 50 ms, for ``seconds``;
    returns how many were terminated."""
    engine = create_engine(rig.db.url, isolation_level="AUTOCOMMIT")
    killed = 0
    try:
        with engine.connect() as conn:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                killed += int(
                    conn.execute(
                        text(
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        )
                    ).scalar_one()
                )
                time.sleep(0.05)
    finally:
        engine.dispose()
    return killed


def test_database_unavailable_for_seconds_mid_sync(rig: Rig) -> None:
    scenario = (
        "SQLite write-locked 3 s mid-sync"
        if rig.backend == "sqlite"
        else "PostgreSQL connections killed for 3 s"
    ) + rig.scenario_suffix
    rng = random.Random(f"outage {rig.backend}")
    problems: list[str] = []
    for number in range(OUTAGE_RUNS):
        verdict = _one_outage(rig, rng)
        record(scenario, verdict)
        problems.extend(f"run {number}: {p}" for p in verdict.problems)
    assert problems == []


def _one_outage(rig: Rig, rng: random.Random) -> Verdict:
    rig.new_run(FaultConfig.of(Fault.slow(0.02)))
    job_id = rig.start_job()
    # The SQLite lock stays shorter than the staleness threshold, as in production (60 s
    # against a 30 s busy timeout): a stall past it makes the worker take back its own live
    # job (see test_races.py). A PostgreSQL cut fails the runner's next write: it records the
    # job interrupted once the database answers, and the worker's housekeeping (every half
    # threshold) re-queues it; a short threshold keeps the run short.
    stale = "10" if rig.backend == "sqlite" else "4"
    worker = rig.start_worker(AIRBNB_TUI_HEARTBEAT_STALE_SECONDS=stale)
    wanted = rng.randint(1, len(rig.plan.listing_ids) - 1)
    wait_for(
        lambda: len(succeeded_listings(rig.db, job_id)) >= wanted,
        f"{wanted} listings to succeed",
    )
    verdict = Verdict()
    if rig.backend == "sqlite":
        seen: list[str] = []
        # WAL readers are not blocked: halfway through, the job must still be running.
        watcher = threading.Timer(OUTAGE_SECONDS / 2, lambda: seen.append(rig.status(job_id)))
        watcher.start()
        _hold_sqlite(rig, OUTAGE_SECONDS)
        watcher.join()
        if seen != ["running"]:
            verdict.add(f"the lock did not hold the job back: {seen}")
    elif not _cut_postgres(rig, OUTAGE_SECONDS):
        verdict.add("no connection was terminated")
    done = succeeded_listings(rig.db, job_id)
    fetched = rig.listing_requests(list(done))
    try:
        wait_for(lambda: rig.status(job_id) in ENDED, "the job to end", timeout=60)
    except AssertionError as exc:
        verdict.add(f"{exc}: {rig.status(job_id)}\n{worker.log()[-3000:]}")
    verdict.merge(
        check_job(rig.db, job_id, rig.plan, must_succeed=True, finished_before=list(done))
    )
    for listing_id, before in fetched.items():
        if rig.sandbox.counts(listing_id=listing_id) != before:
            verdict.add(f"finished listing {listing_id} was fetched again")
    if not worker.alive():
        verdict.add(f"the worker died:\n{worker.log()[-3000:]}")
    return verdict
