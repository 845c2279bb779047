"""The sync engine end to end over real HTTP against the sandbox, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from airbnb_tui.db.models import (
    Account,
    ChartQuery,
    ChartSummary,
    JobTrigger,
    ListOfMetrics,
    SyncJob,
    SyncJobListing,
)
from airbnb_tui.sandbox import Expiry, Fault, FaultConfig
from airbnb_tui.sync import jobs
from airbnb_tui.sync.control import StopControl
from airbnb_tui.sync.windows import chart_windows, list_of_metrics_windows, plan
from tests.sync.conftest import TODAY, SyncEnv

RANGE = plan(TODAY, 2, 1)
CHART_WINDOWS = chart_windows(RANGE)
LOM_WINDOWS = list_of_metrics_windows(RANGE)
REQUESTS_PER_LISTING = len(CHART_WINDOWS) + 2 * len(LOM_WINDOWS)


def _count(env: SyncEnv, model: type, listing_id: str | None = None) -> int:
    stmt = select(func.count()).select_from(model)
    if listing_id is not None:
        stmt = stmt.where(model.airbnb_listing_id == listing_id)  # type: ignore[attr-defined]
    with env.db.read() as session:
        return int(session.scalar(stmt) or 0)


def _listing_rows(env: SyncEnv, job_id: int) -> list[SyncJobListing]:
    with env.db.read() as session:
        return list(
            session.scalars(
                select(SyncJobListing)
                .where(SyncJobListing.job_id == job_id)
                .order_by(SyncJobListing.position)
            )
        )


def _job(env: SyncEnv, job_id: int) -> SyncJob:
    with env.db.read() as session:
        job = session.get(SyncJob, job_id)
        assert job is not None
        return job


def _assert_totals_consistent(env: SyncEnv, job_id: int) -> None:
    job = _job(env, job_id)
    rows = _listing_rows(env, job_id)
    assert job.listings_completed == sum(r.status == "succeeded" for r in rows)
    assert job.listings_failed == sum(r.status == "failed" for r in rows)
    assert job.rows_written == sum(r.rows_written for r in rows)
    assert job.requests_made >= sum(r.requests_done for r in rows)


def test_a_sync_stores_every_listing_exactly_once(sync_env: SyncEnv) -> None:
    env = sync_env
    request = jobs.request_sync(env.db, env.account_id, trigger=JobTrigger.CLI)
    outcome = env.runner().run(request.job_id)
    assert outcome is not None
    assert outcome.status == "succeeded"
    listings = env.listing_ids()
    assert outcome.listings_completed == len(listings)
    assert _count(env, ChartQuery) == len(listings) * RANGE.days
    assert _count(env, ChartSummary) == len(listings) * len(CHART_WINDOWS)
    assert _count(env, ListOfMetrics) == len(listings) * len(LOM_WINDOWS)
    # one discovery request, then the windows of every listing
    assert env.sandbox.total_requests == 1 + len(listings) * REQUESTS_PER_LISTING
    rows = _listing_rows(env, request.job_id)
    assert [r.status for r in rows] == ["succeeded"] * len(listings)
    assert all(r.requests_done == r.requests_total == REQUESTS_PER_LISTING for r in rows)
    _assert_totals_consistent(env, request.job_id)
    with env.db.read() as session:
        account = session.get(Account, env.account_id)
        assert account is not None
        assert account.last_sync_at is not None
        assert account.listing_count == len(listings)
        first = session.scalars(
            select(ChartQuery).order_by(ChartQuery.airbnb_listing_id, ChartQuery.metric_date)
        ).first()
        assert first is not None
        assert isinstance(first.p3_impressions_your_value, int)
        assert first.p3_impressions_your_value_string == str(first.p3_impressions_your_value)

    # A second full sync rewrites the same rows: nothing is duplicated.
    again = jobs.request_sync(env.db, env.account_id, full_backfill=True)
    second = env.runner().run(again.job_id)
    assert second is not None
    assert second.status == "succeeded"
    assert _count(env, ChartQuery) == len(listings) * RANGE.days
    assert _count(env, ListOfMetrics) == len(listings) * len(LOM_WINDOWS)


def test_one_failing_listing_makes_the_job_partial(sync_env: SyncEnv) -> None:
    env = sync_env
    bad = env.listing_ids()[1]
    env.sandbox.set_fault_config(
        FaultConfig.of(listing_faults={bad: [Fault.server_error(rate=1.0, status=500)]})
    )
    request = jobs.request_sync(env.db, env.account_id)
    outcome = env.runner().run(request.job_id)
    assert outcome is not None
    assert outcome.status == "partial"
    assert (outcome.listings_completed, outcome.listings_failed) == (3, 1)
    rows = {r.listing_id: r for r in _listing_rows(env, request.job_id)}
    assert rows[bad].status == "failed"
    assert rows[bad].error_type == "server_error"
    assert "500" in (rows[bad].error_message or "")
    assert _count(env, ChartQuery, bad) == 0
    for good in env.listing_ids():
        if good != bad:
            assert _count(env, ChartQuery, good) == RANGE.days
            assert _count(env, ListOfMetrics, good) == len(LOM_WINDOWS)
    _assert_totals_consistent(env, request.job_id)


def test_all_listings_failing_fails_the_job(sync_env: SyncEnv) -> None:
    env = sync_env
    env.sandbox.set_fault_config(
        FaultConfig.of(listing_faults={i: [Fault.bot_wall(rate=1.0)] for i in env.listing_ids()})
    )
    request = jobs.request_sync(env.db, env.account_id)
    outcome = env.runner().run(request.job_id)
    assert outcome is not None
    assert outcome.status == "failed"
    assert outcome.listings_failed == len(env.listing_ids())
    assert _count(env, ChartQuery) == 0
    _assert_totals_consistent(env, request.job_id)


def test_expiring_credentials_stop_the_job_and_mark_the_account(sync_env: SyncEnv) -> None:
    env = sync_env
    # discovery + the first listing + a few requests of the second
    allowed = 1 + REQUESTS_PER_LISTING + 2
    env.sandbox.set_fault_config(
        FaultConfig.of(expiries=[Expiry(account_id=env.account_id, after=allowed)])
    )
    request = jobs.request_sync(env.db, env.account_id)
    outcome = env.runner().run(request.job_id)
    assert outcome is not None
    assert outcome.status == "failed"
    assert outcome.error_type == "credentials_rejected"
    served = env.sandbox.total_requests
    assert served == allowed + 1  # the one rejected request, and not one more
    rows = _listing_rows(env, request.job_id)
    assert [r.status for r in rows] == ["succeeded", "failed", "skipped", "skipped"]
    with env.db.read() as session:
        account = session.get(Account, env.account_id)
        assert account is not None
        assert account.credential_status == "expired"
    # No request is made for that account again until its credentials change.
    later = jobs.request_sync(env.db, env.account_id)
    again = env.runner().run(later.job_id)
    assert again is not None
    assert again.status == "failed"
    assert env.sandbox.total_requests == served
    _assert_totals_consistent(env, request.job_id)


def test_graceful_stop_interrupts_between_listings_and_resume_skips_done_ones(
    sync_env: SyncEnv,
) -> None:
    env = sync_env
    control = StopControl()
    stopped_after: list[int] = []

    def pause(_stop: threading.Event) -> None:
        # Called between listings: ask for a stop once the first listing is stored.
        stopped_after.append(1)
        control.request_graceful()

    request = jobs.request_sync(env.db, env.account_id)
    outcome = env.runner(control, pause=pause).run(request.job_id)
    assert outcome is not None
    assert outcome.status == "interrupted"
    rows = _listing_rows(env, request.job_id)
    assert [r.status for r in rows] == ["succeeded", "pending", "pending", "pending"]
    first = rows[0].listing_id
    requests_for_first = env.sandbox.counts(listing_id=first)
    assert requests_for_first == REQUESTS_PER_LISTING

    taken = jobs.take_back(env.db, stale_seconds=60)
    assert taken == [request.job_id]
    resumed = env.runner(worker_id="second-worker").run(request.job_id)
    assert resumed is not None
    assert resumed.status == "succeeded"
    assert env.sandbox.counts(listing_id=first) == requests_for_first  # zero repeats
    assert _count(env, ChartQuery) == len(env.listing_ids()) * RANGE.days
    _assert_totals_consistent(env, request.job_id)


def _during_second_listing(env: SyncEnv, action: Callable[[], object]) -> threading.Thread:
    """Run ``action`` once the second listing (by job position) has made two requests."""
    threshold = 1 + REQUESTS_PER_LISTING + 2

    def watch() -> None:
        while env.sandbox.total_requests < threshold:
            threading.Event().wait(0.005)
        action()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_abort_mid_listing_rolls_it_back(sync_env: SyncEnv) -> None:
    env = sync_env
    control = StopControl()
    # Slow responses so the abort lands while the second listing is in flight.
    env.sandbox.set_faults(Fault.slow(0.03, rate=1.0))
    request = jobs.request_sync(env.db, env.account_id)
    watcher = _during_second_listing(env, control.request_abort)
    outcome = env.runner(control).run(request.job_id)
    watcher.join(timeout=10)
    assert outcome is not None
    assert outcome.status == "interrupted"
    rows = _listing_rows(env, request.job_id)
    assert [r.status for r in rows] == ["succeeded", "pending", "pending", "pending"]
    assert rows[1].rows_written == 0
    assert _count(env, ChartQuery, rows[1].listing_id) == 0
    assert _count(env, ListOfMetrics, rows[1].listing_id) == 0
    assert _count(env, ChartSummary, rows[1].listing_id) == 0
    assert _count(env, ChartQuery, rows[0].listing_id) == RANGE.days
    _assert_totals_consistent(env, request.job_id)


def test_cancel_stops_between_requests_and_rolls_back(sync_env: SyncEnv) -> None:
    env = sync_env
    env.sandbox.set_faults(Fault.slow(0.03, rate=1.0))
    request = jobs.request_sync(env.db, env.account_id)
    watcher = _during_second_listing(env, lambda: jobs.request_cancel(env.db, request.job_id))
    outcome = env.runner().run(request.job_id)
    watcher.join(timeout=10)
    assert outcome is not None
    assert outcome.status == "cancelled"
    rows = _listing_rows(env, request.job_id)
    assert [r.status for r in rows] == ["succeeded", "skipped", "skipped", "skipped"]
    assert _count(env, ChartQuery, rows[1].listing_id) == 0
    for later in rows[2:]:
        assert env.sandbox.counts(listing_id=later.listing_id) == 0
    _assert_totals_consistent(env, request.job_id)


def test_retry_runs_only_the_failed_listings(sync_env: SyncEnv) -> None:
    env = sync_env
    bad = env.listing_ids()[2]
    env.sandbox.set_fault_config(
        FaultConfig.of(listing_faults={bad: [Fault.server_error(rate=1.0)]})
    )
    first = jobs.request_sync(env.db, env.account_id)
    assert env.runner().run(first.job_id) is not None
    env.sandbox.clear_faults()
    env.sandbox.reset_counts()
    retry = jobs.retry_failed(env.db, first.job_id)
    assert retry.created
    outcome = env.runner().run(retry.job_id)
    assert outcome is not None
    assert outcome.status == "succeeded"
    assert [r.listing_id for r in _listing_rows(env, retry.job_id)] == [bad]
    assert env.sandbox.total_requests == REQUESTS_PER_LISTING  # no discovery, one listing
    assert _count(env, ChartQuery, bad) == RANGE.days


def test_a_second_request_returns_the_active_job(sync_env: SyncEnv) -> None:
    env = sync_env
    first = jobs.request_sync(env.db, env.account_id)
    second = jobs.request_sync(env.db, env.account_id)
    assert first.created
    assert not second.created
    assert second.job_id == first.job_id


def test_stale_running_job_is_taken_back_and_finished(sync_env: SyncEnv) -> None:
    env = sync_env
    request = jobs.request_sync(env.db, env.account_id)
    assert jobs.claim(env.db, request.job_id, "dead-worker")
    with env.db.write() as session:
        job = session.get(SyncJob, request.job_id)
        assert job is not None
        assert job.heartbeat_at is not None
        job.heartbeat_at = job.heartbeat_at - timedelta(seconds=600)
    assert jobs.take_back(env.db, stale_seconds=60) == [request.job_id]
    outcome = env.runner().run(request.job_id)
    assert outcome is not None
    assert outcome.status == "succeeded"
    assert _job(env, request.job_id).attempts == 2


def test_a_database_outage_mid_sync_interrupts_the_job_and_it_resumes(
    sync_env: SyncEnv,
) -> None:
    """Every statement fails for half a second after the first listing is stored (as when the
    server restarts): the job is recorded interrupted as soon as the database answers, not
    left running until its heartbeat goes stale, and resumes without refetching."""
    env = sync_env
    outage = threading.Event()
    failed_statements: list[str] = []

    def fail_while_out(*_args: object) -> None:
        if outage.is_set():
            failed_statements.append("x")
            raise OperationalError(
                "SELECT 1", None, ConnectionError("server closed the connection")
            )

    def pause(_stop: threading.Event) -> None:
        if not outage.is_set() and not failed_statements:
            outage.set()
            threading.Timer(0.5, outage.clear).start()

    event.listen(env.db.engine, "before_cursor_execute", fail_while_out)
    try:
        request = jobs.request_sync(env.db, env.account_id)
        outcome = env.runner(pause=pause).run(request.job_id)
    finally:
        event.remove(env.db.engine, "before_cursor_execute", fail_while_out)
    assert failed_statements, "the outage never touched the runner"
    assert outcome is not None
    assert outcome.status == "interrupted"
    assert outcome.error_type == "database_unavailable"
    job = _job(env, request.job_id)
    assert job.status == "interrupted"
    assert job.error_type == "database_unavailable"
    first = _listing_rows(env, request.job_id)[0]
    assert first.status == "succeeded"
    requests_for_first = env.sandbox.counts(listing_id=first.listing_id)

    assert jobs.take_back(env.db, stale_seconds=60) == [request.job_id]
    resumed = env.runner(worker_id="second-worker").run(request.job_id)
    assert resumed is not None
    assert resumed.status == "succeeded"
    assert env.sandbox.counts(listing_id=first.listing_id) == requests_for_first
    assert _count(env, ChartQuery) == len(env.listing_ids()) * RANGE.days
    _assert_totals_consistent(env, request.job_id)
