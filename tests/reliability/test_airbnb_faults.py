"""Airbnb misbehaving at high rates: 5xx, 429 storms, timeouts, bot walls, malformed JSON and
credentials expiring mid-job, each alone and all at once, with several seeds.

Every job must end in a truthful state with nothing half-written; then a retry of the failed
listings (faults cleared, as an operator would after fixing the cause) must complete the
account with every row stored exactly once. The runner runs in this process: what is under test
is how it handles answers, and a worker process adds nothing here but start-up time.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import update

from airbnb_tui.db.models import Account, CredentialStatus
from airbnb_tui.sandbox import Expiry, Fault, FaultConfig
from airbnb_tui.sync import jobs
from tests.reliability.conftest import Rig
from tests.reliability.harness import (
    Plan,
    Verdict,
    check_job,
    check_listings_complete,
    job_and_listings,
    record,
    runs,
    succeeded_listings,
)

SEEDS = max(1, runs(10) // 5)


def _expiry(seed: int, rig: Rig) -> FaultConfig:
    # somewhere from discovery to the last listing
    return FaultConfig.of(expiries=[Expiry(after=(seed * 7) % 20, account_id=rig.account_id)])


SCENARIOS: dict[str, Callable[[int, Rig], FaultConfig]] = {
    "30% 5xx": lambda seed, rig: FaultConfig.of(
        Fault.server_error(0.3, status=(500, 502, 503)[seed % 3]), seed=seed
    ),
    "429 storm, tiny Retry-After": lambda seed, rig: FaultConfig.of(
        Fault.rate_limit(next_n=4, retry_after=0.01),
        Fault.rate_limit(0.5, retry_after=0.01),
        seed=seed,
    ),
    "timeouts 20%": lambda seed, rig: FaultConfig.of(Fault.timeout(0.2, delay=0.4), seed=seed),
    "bot walls 20%": lambda seed, rig: FaultConfig.of(
        Fault.bot_wall(0.2, status=(200, 403)[seed % 2]), seed=seed
    ),
    "malformed JSON 30%": lambda seed, rig: FaultConfig.of(Fault.malformed(0.3), seed=seed),
    "credentials expiring": _expiry,
    "all of them at once": lambda seed, rig: FaultConfig.of(
        Fault.server_error(0.1),
        Fault.rate_limit(0.1, retry_after=0.01),
        Fault.timeout(0.05, delay=0.4),
        Fault.bot_wall(0.05),
        Fault.malformed(0.1),
        expiries=[Expiry(after=15 + seed, account_id=rig.account_id)] if seed % 2 else [],
        seed=seed,
    ),
}

# Requests time out at 0.2 s so a "timeout" fault (the sandbox holding the answer) costs little.
FAST = {"AIRBNB_TUI_REQUEST_TIMEOUT_SECONDS": "0.2"}


def _repair(rig: Rig, job_id: int) -> int | None:
    """What an operator does next: fix the cause, then retry the failed listings."""
    rig.sandbox.clear_faults()
    with rig.db.write() as session:
        session.execute(update(Account).values(credential_status=CredentialStatus.VALID.value))
    if rig.status(job_id) == "succeeded":
        return None
    if job_and_listings(rig.db, job_id)[1]:
        again = jobs.retry_failed(rig.db, job_id)
    else:  # discovery itself failed: nothing to retry but the whole sync
        again = jobs.request_sync(rig.db, rig.account_id)
    rig.runner(worker_id="retry", env=FAST).run(again.job_id)
    return again.job_id


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_sandbox_faults_at_high_rates(rig: Rig, name: str) -> None:
    scenario = f"{name}{rig.scenario_suffix}"
    problems: list[str] = []
    for seed in range(1, SEEDS + 1):
        faults = SCENARIOS[name](seed, rig)
        rig.new_run(faults)
        job_id = jobs.request_sync(rig.db, rig.account_id).job_id
        outcome = rig.runner(env=FAST).run(job_id)
        verdict = Verdict()
        if outcome is None:
            verdict.add("the runner did not run the job")
        verdict.merge(check_job(rig.db, job_id, rig.plan))
        job = rig.job(job_id)
        clean = rig.plan.requests_per_job
        statuses = set(rig.sandbox.status_counts())
        if rig.sandbox.total_requests == clean and statuses == {200}:
            verdict.add("no fault fired: the run proves nothing")
        if faults.expiries and job.error_type == "credentials_rejected":
            # The dead cookie is sent once, never again.
            rejected = rig.sandbox.status_counts().get(401, 0)
            if rejected != 1:
                verdict.add(f"the rejected cookie was sent {rejected} times")
            allowed = faults.expiries[0].after
            served = rig.sandbox.total_requests
            if not faults.faults and served != allowed + 1:  # no other fault: exact count
                verdict.add(f"{served} requests when the cookie died at {allowed + 1}")
            with rig.db.read() as session:
                account = session.get(Account, rig.account_id)
                assert account is not None
                if account.credential_status != "expired":
                    verdict.add(f"account left {account.credential_status}")
        retry_id = _repair(rig, job_id)
        if retry_id is not None:
            verdict.merge(
                check_job(
                    rig.db,
                    retry_id,
                    _plan_of(rig, retry_id),
                    must_succeed=True,
                    other_jobs_rows=sum(succeeded_listings(rig.db, job_id).values()),
                )
            )
        verdict.merge(check_listings_complete(rig.db, rig.plan))
        record(scenario, verdict)
        problems.extend(f"seed {seed}: {p}" for p in verdict.problems)
    assert problems == []


def _plan_of(rig: Rig, job_id: int) -> Plan:
    """A retry covers the failed listings only."""
    _, rows = job_and_listings(rig.db, job_id)
    return Plan(tuple(r.listing_id for r in rows), rig.plan.sync_range)
