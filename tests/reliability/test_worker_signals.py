"""Workers killed (-9) or stopped (SIGTERM) at random moments of a sync, then recovered.

Each run starts a fresh job and a real worker process, lets it get a random number of requests
into the job (discovery, mid-listing, mid-commit, or done), sends the signal, checks the state
the worker left behind, recovers (a new worker, or the runner in this process), and checks the
end state: every listing stored exactly once, finished listings neither lost nor fetched again.
"""

from __future__ import annotations

import random
import signal
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from airbnb_tui.db.models import Worker
from airbnb_tui.db.types import utcnow
from airbnb_tui.sandbox import Fault, FaultConfig
from airbnb_tui.sync import jobs
from tests.reliability.conftest import Rig
from tests.reliability.harness import Verdict, check_job, record, runs, succeeded_listings
from tests.reliability.launcher import WorkerProcess, wait_ready
from tests.waiting import wait_for

KILL_RUNS = runs(10)
TERM_RUNS = max(4, runs(10) // 2)
FINISHED = ("succeeded", "partial", "failed", "cancelled", "interrupted")
ENDED = ("succeeded", "partial", "failed", "cancelled")
RECOVERY_STALE_SECONDS = "1.5"

pytestmark = pytest.mark.slow


def _wait_for_moment(rig: Rig, job_id: int, worker: WorkerProcess, threshold: int) -> None:
    """Until the sandbox has served ``threshold`` requests, the job ended, or the worker died."""
    wait_for(
        lambda: (
            rig.sandbox.total_requests >= threshold
            or rig.status(job_id) in FINISHED
            or not worker.alive()
        ),
        f"{threshold} requests",
    )


def _recover(rig: Rig, job_id: int, *, with_worker: bool) -> None:
    """Bring the job to its end the way production would: a worker taking it back, or (faster)
    the same take-back and runner in this process."""
    rig.sandbox.clear_faults()
    if with_worker:
        worker = rig.start_worker(AIRBNB_TUI_HEARTBEAT_STALE_SECONDS=RECOVERY_STALE_SECONDS)
        wait_for(lambda: rig.status(job_id) in ENDED, "the new worker to finish the job")
        wait_ready(worker)
        worker.terminate()
        assert worker.wait(30) == 0, worker.log()
        return
    jobs.take_back(rig.db, stale_seconds=0, now=utcnow() + timedelta(seconds=1))
    rig.runner(worker_id="recovery").run(job_id)


def _after_recovery(
    rig: Rig, job_id: int, done: dict[str, int], fetched: dict[str, int]
) -> Verdict:
    verdict = check_job(rig.db, job_id, rig.plan, must_succeed=True, finished_before=list(done))
    again = rig.listing_requests(list(done))
    for listing_id, before in fetched.items():
        if again[listing_id] != before:
            verdict.add(
                f"listing {listing_id} had succeeded and was fetched again "
                f"({before} -> {again[listing_id]} requests)"
            )
    return verdict


def test_kill_9_at_random_moments(rig: Rig) -> None:
    scenario = f"kill -9 at a random moment{rig.scenario_suffix}"
    rng = random.Random(f"kill-9 {rig.backend}")
    total = rig.plan.requests_per_job
    problems: list[str] = []
    for number in range(KILL_RUNS):
        rig.new_run(FaultConfig.of(Fault.slow(0.01)))
        job_id = rig.start_job()
        worker = rig.start_worker()
        _wait_for_moment(rig, job_id, worker, rng.randint(0, total))
        time.sleep(rng.uniform(0, 0.02))  # between requests, mid-request or mid-commit
        worker.kill()
        code = worker.wait(10)
        verdict = Verdict()
        if code != -signal.SIGKILL:
            verdict.add(f"the worker ended {code} before the kill:\n{worker.log()[-2000:]}")
        verdict.merge(check_job(rig.db, job_id, rig.plan, allow_running=True))
        done = succeeded_listings(rig.db, job_id)
        fetched = rig.listing_requests(list(done))
        _recover(rig, job_id, with_worker=number % 3 == 2)
        verdict.merge(_after_recovery(rig, job_id, done, fetched))
        record(scenario, verdict)
        problems.extend(f"run {number}: {p}" for p in verdict.problems)
    assert problems == []


def test_sigterm_at_random_moments(rig: Rig) -> None:
    """Half the runs with a long grace (the listing in flight finishes), half with a grace
    shorter than a listing (it is rolled back)."""
    scenario = f"SIGTERM at a random moment{rig.scenario_suffix}"
    rng = random.Random(f"sigterm {rig.backend}")
    total = rig.plan.requests_per_job
    problems: list[str] = []
    for number in range(TERM_RUNS):
        short_grace = number % 2 == 1
        rig.new_run(FaultConfig.of(Fault.slow(0.03 if short_grace else 0.01)))
        job_id = rig.start_job()
        worker = rig.start_worker(AIRBNB_TUI_SHUTDOWN_GRACE_SECONDS="0.05" if short_grace else "10")
        _wait_for_moment(rig, job_id, worker, rng.randint(1, total))
        time.sleep(rng.uniform(0, 0.02))
        worker.terminate()
        code = worker.wait(30)
        verdict = Verdict()
        if code != 0:
            verdict.add(f"the worker exited {code} on SIGTERM:\n{worker.log()[-2000:]}")
        verdict.merge(check_job(rig.db, job_id, rig.plan))  # never left running
        status = rig.status(job_id)
        if status not in ("queued", "interrupted", "succeeded"):
            verdict.add(f"a stopped worker left the job {status}")
        done = succeeded_listings(rig.db, job_id)
        fetched = rig.listing_requests(list(done))
        _recover(rig, job_id, with_worker=number % 2 == 0)
        verdict.merge(_after_recovery(rig, job_id, done, fetched))
        record(scenario, verdict)
        problems.extend(f"run {number}: {p}" for p in verdict.problems)
    assert problems == []


def test_a_worker_stopped_as_soon_as_it_is_ready_stops_gracefully(rig: Rig) -> None:
    """A supervisor that waits for the ready line and then stops the worker (a quick restart)
    gets a graceful stop: exit 0 and the worker marked stopped, every time."""
    outcomes = []
    for _ in range(6):
        rig.new_run()
        worker = rig.start_worker()
        wait_ready(worker)
        worker.terminate()
        outcomes.append(worker.wait(30))
    with rig.db.read() as session:
        stopped = [w.stopped_at is not None for w in session.scalars(select(Worker))]
    assert outcomes == [0] * 6
    assert stopped == [True]  # new_run() clears the table, so the last worker's row is left
