"""The reads and writes of a job being run: every statement the runner sends to ``sync_jobs``,
``sync_job_listings`` and ``workers``.

The writes of one listing in flight (its progress, its rows) are :mod:`airbnb_tui.sync.progress`;
the transitions asked for from outside (request, cancel, retry, take back) are
:mod:`airbnb_tui.sync.jobs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from airbnb_tui.airbnb.parsing import ListingInfo
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import (
    Account,
    CredentialStatus,
    JobStatus,
    ListingStatus,
    SyncJob,
    SyncJobListing,
    Worker,
)
from airbnb_tui.db.types import utcnow
from airbnb_tui.db.views import Job
from airbnb_tui.sync.endings import Ending, settle
from airbnb_tui.sync.progress import JobLost
from airbnb_tui.sync.windows import SyncRange

UNFINISHED = (ListingStatus.PENDING, ListingStatus.RUNNING)


@dataclass(frozen=True)
class ClaimedJob:
    """What the runner needs to know of a job it has just claimed, and of its account."""

    job_id: int
    account_id: str
    account_removed: bool
    credential_status: CredentialStatus
    first_run: bool
    stored_range: SyncRange | None
    has_listings: bool


def claimed_job(db: Database, job_id: int) -> ClaimedJob:
    with db.read() as session:
        job = session.get(SyncJob, job_id)
        assert job is not None
        account = session.get(Account, job.account_id)
        has_listings = (
            session.scalar(
                select(SyncJobListing.job_id).where(SyncJobListing.job_id == job_id).limit(1)
            )
            is not None
        )
        return ClaimedJob(
            job_id=job_id,
            account_id=job.account_id,
            account_removed=account is None or account.deleted_at is not None,
            credential_status=(
                account.credential_status if account is not None else CredentialStatus.UNCHECKED
            ),
            first_run=account is None or account.last_sync_at is None or job.full_backfill,
            stored_range=(
                SyncRange(job.window_start, job.window_end)
                if job.window_start is not None and job.window_end is not None
                else None
            ),
            has_listings=has_listings,
        )


def store_range(db: Database, job_id: int, sync_range: SyncRange) -> None:
    with db.write() as session:
        session.execute(
            update(SyncJob)
            .where(SyncJob.job_id == job_id)
            .values(window_start=sync_range.start, window_end=sync_range.end)
            .execution_options(synchronize_session=False)
        )


def add_listings(
    db: Database, job_id: int, listings: Sequence[ListingInfo], requests_each: int
) -> None:
    """The listings discovery found become the job's pending rows, in Airbnb's order; the
    discovery request itself is counted."""
    with db.write() as session:
        session.add_all(
            SyncJobListing(
                job_id=job_id,
                listing_id=item.listing_id,
                listing_name=item.internal_name or item.listing_name,
                position=position,
                status=ListingStatus.PENDING,
                requests_total=requests_each,
            )
            for position, item in enumerate(listings)
        )
        session.execute(
            update(SyncJob)
            .where(SyncJob.job_id == job_id)
            .values(listings_total=len(listings), requests_made=SyncJob.requests_made + 1)
            .execution_options(synchronize_session=False)
        )


def fill_request_totals(db: Database, job_id: int, requests_each: int) -> None:
    """Listing rows created without a request count (a retry's) get the plan's."""
    with db.write() as session:
        session.execute(
            update(SyncJobListing)
            .where(SyncJobListing.job_id == job_id, SyncJobListing.requests_total == 0)
            .values(requests_total=requests_each)
            .execution_options(synchronize_session=False)
        )


def listings_to_run(db: Database, job_id: int) -> list[tuple[str, str | None]]:
    """The job's listings not yet done, in order: (listing_id, the name it is stored under)."""
    with db.read() as session:
        rows = session.execute(
            select(SyncJobListing.listing_id, SyncJobListing.listing_name)
            .where(SyncJobListing.job_id == job_id, SyncJobListing.status.in_(UNFINISHED))
            .order_by(SyncJobListing.position)
        ).all()
    return [(listing_id, name) for listing_id, name in rows]


def skip_unfinished(session: Session, job_id: int) -> None:
    """Mark the listings a stopped job never finished as skipped (a retry picks them up)."""
    session.execute(
        update(SyncJobListing)
        .where(SyncJobListing.job_id == job_id, SyncJobListing.status.in_(UNFINISHED))
        .values(status=ListingStatus.SKIPPED)
        .execution_options(synchronize_session=False)
    )


def skip_rest(db: Database, job_id: int) -> None:
    with db.write() as session:
        skip_unfinished(session, job_id)


def cancel_requested(db: Database, job_id: int) -> bool:
    with db.read() as session:
        return bool(
            session.scalar(select(SyncJob.cancel_requested).where(SyncJob.job_id == job_id))
        )


def finish(db: Database, job_id: int, worker_id: str, stopped: Ending | None) -> Job:
    """Record how the job ended, if ``worker_id`` still runs it (else JobLost); a job that
    synced (fully or partly) moves its account's last sync time on."""
    now = utcnow()
    with db.write() as session:
        job = session.get(SyncJob, job_id, with_for_update=True)
        assert job is not None
        if job.worker_id != worker_id or job.status != JobStatus.RUNNING:
            raise JobLost(f"job {job_id} is no longer run by {worker_id}")
        ending = settle(job, stopped)
        if ending.status == JobStatus.CANCELLED:
            skip_unfinished(session, job_id)
        job.status = ending.status
        job.error_type = ending.error_type
        job.error_message = ending.message
        job.heartbeat_at = now
        job.finished_at = None if ending.status == JobStatus.INTERRUPTED else now
        if ending.status in (JobStatus.SUCCEEDED, JobStatus.PARTIAL):
            session.execute(
                update(Account)
                .where(Account.account_id == job.account_id)
                .values(last_sync_at=now)
                .execution_options(synchronize_session=False)
            )
        session.flush()
        return Job.model_validate(job)


def clear_worker_job(db: Database, worker_id: str) -> None:
    with db.write() as session:
        session.execute(
            update(Worker)
            .where(Worker.worker_id == worker_id)
            .values(current_job_id=None)
            .execution_options(synchronize_session=False)
        )
