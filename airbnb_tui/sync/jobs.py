"""Job bookkeeping in the database: the ``sync_jobs`` row is the source of truth.

The queue only carries job ids. Claiming a job is one conditional UPDATE (``queued`` ->
``running``), so however many workers receive the same id, exactly one runs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Date, String, and_, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import (
    ACTIVE_JOB_STATUSES,
    USABLE_CREDENTIALS,
    Account,
    JobStatus,
    JobTrigger,
    ListingStatus,
    SyncJob,
    SyncJobListing,
)
from airbnb_tui.db.types import UTCDateTime, utcnow
from airbnb_tui.errors import AccountNotFound, JobNotFound, UserError
from airbnb_tui.sync.repository import skip_unfinished


@dataclass(frozen=True)
class JobRequest:
    """The outcome of asking for a sync: the job, and whether this call created it."""

    job_id: int
    created: bool
    status: JobStatus


def active_job(session: Session, account_id: str) -> SyncJob | None:
    return session.scalars(
        select(SyncJob).where(
            SyncJob.account_id == account_id, SyncJob.status.in_(ACTIVE_JOB_STATUSES)
        )
    ).first()


def request_sync(
    db: Database,
    account_id: str,
    *,
    trigger: JobTrigger = JobTrigger.MANUAL,
    full_backfill: bool = False,
    listing_ids: Sequence[tuple[str, str | None]] | None = None,
    retry_of: int | None = None,
) -> JobRequest:
    """Create a queued job for ``account_id``, or return the one already queued or running.

    ``listing_ids`` pre-creates the job's listing rows (a retry of failed listings) so the run
    skips discovery. The partial unique index makes this safe against a concurrent caller.
    """
    try:
        with db.write() as session:
            account = session.get(Account, account_id)
            if account is None or account.deleted_at is not None:
                raise AccountNotFound(account_id)
            existing = active_job(session, account_id)
            if existing is not None:
                return JobRequest(existing.job_id, False, existing.status)
            if listing_ids is None:
                resumable = _latest_interrupted(session, account_id)
                if resumable is not None:
                    # Resume instead of starting over: finished listings are not fetched again.
                    resumable.status = JobStatus.QUEUED
                    resumable.worker_id = None
                    resumable.finished_at = None
                    resumable.full_backfill = resumable.full_backfill or full_backfill
                    return JobRequest(resumable.job_id, True, resumable.status)
            job = SyncJob(
                account_id=account_id,
                status=JobStatus.QUEUED,
                trigger=trigger,
                full_backfill=full_backfill,
                retry_of_job_id=retry_of,
            )
            session.add(job)
            session.flush()
            if listing_ids:
                session.add_all(
                    SyncJobListing(
                        job_id=job.job_id,
                        listing_id=listing_id,
                        listing_name=name,
                        position=position,
                        status=ListingStatus.PENDING,
                    )
                    for position, (listing_id, name) in enumerate(listing_ids)
                )
                job.listings_total = len(listing_ids)
            return JobRequest(job.job_id, True, job.status)
    except IntegrityError:
        # Another process created the active job between our check and our insert: theirs is
        # the job.
        with db.read() as session:
            existing = active_job(session, account_id)
            if existing is not None:
                return JobRequest(existing.job_id, False, existing.status)
        raise


def request_scheduled_sync(
    db: Database, account_id: str, slot: datetime, *, trigger: JobTrigger
) -> int | None:
    """Create the job of the daily ``slot`` for ``account_id`` if the account is still due;
    returns the new job's id, or None when nothing was created.

    One conditional INSERT decides, so its conditions and the write see the same state: the
    account is syncable and has not synced since the slot (a manual job that just finished
    records ``last_sync_at`` in the same transaction that ends it), it has no active job, and
    the slot has no job yet. The unique indexes settle two schedulers inserting at once.
    """
    day = slot.date()
    account_due = (
        select(Account.account_id)
        .where(
            Account.account_id == account_id,
            Account.is_active.is_(True),
            Account.deleted_at.is_(None),
            Account.credential_status.in_(USABLE_CREDENTIALS),
            or_(Account.last_sync_at.is_(None), Account.last_sync_at < slot),
        )
        .exists()
    )
    busy = (
        select(SyncJob.job_id)
        .where(
            SyncJob.account_id == account_id,
            or_(SyncJob.status.in_(ACTIVE_JOB_STATUSES), SyncJob.scheduled_for == day),
        )
        .exists()
    )
    values = select(
        literal(account_id, String()),
        literal(JobStatus.QUEUED.value, String()),
        literal(trigger.value, String()),
        literal(day, Date()),
        literal(utcnow(), UTCDateTime()),
    ).where(account_due, ~busy)
    stmt = (
        insert(SyncJob)
        .from_select(["account_id", "status", "trigger", "scheduled_for", "created_at"], values)
        .returning(SyncJob.job_id)
    )
    try:
        with db.write() as session:
            return session.scalar(stmt)
    except IntegrityError:
        return None  # another scheduler created it, or another job became active, just now


def _latest_interrupted(session: Session, account_id: str) -> SyncJob | None:
    return session.scalars(
        select(SyncJob)
        .where(SyncJob.account_id == account_id, SyncJob.status == JobStatus.INTERRUPTED)
        .order_by(SyncJob.job_id.desc())
        .limit(1)
    ).first()


def claim(db: Database, job_id: int, worker_id: str) -> bool:
    """Move a queued job to running for ``worker_id``; False when someone else has it."""
    now = utcnow()
    with db.write() as session:
        result = session.execute(
            update(SyncJob)
            .where(SyncJob.job_id == job_id, SyncJob.status == JobStatus.QUEUED)
            .values(
                status=JobStatus.RUNNING,
                worker_id=worker_id,
                started_at=func.coalesce(SyncJob.started_at, now),
                heartbeat_at=now,
                attempts=SyncJob.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)


def request_cancel(db: Database, job_id: int) -> SyncJob:
    """Ask a job to stop. A queued job (or an interrupted one, waiting to be resumed) is
    cancelled at once; a running one between requests.

    The row is locked so that a worker recording ``interrupted`` at this moment either sees the
    request or is seen by it: a job never ends up interrupted with a cancel pending, which a
    later worker or the next sync would resume.
    """
    with db.write() as session:
        job = session.get(SyncJob, job_id, with_for_update=True)
        if job is None:
            raise JobNotFound(job_id)
        if job.status in (JobStatus.QUEUED, JobStatus.INTERRUPTED):
            job.status = JobStatus.CANCELLED
            job.cancel_requested = True
            job.finished_at = utcnow()
            skip_unfinished(session, job_id)
        elif job.status == JobStatus.RUNNING:
            job.cancel_requested = True
        elif job.status != JobStatus.CANCELLED:
            raise UserError(f"Job {job_id} already finished ({job.status}); nothing to cancel.")
        return job


def retry_failed(db: Database, job_id: int) -> JobRequest:
    """A new job for the failed (and never-reached) listings of ``job_id`` only."""
    with db.read() as session:
        job = session.get(SyncJob, job_id)
        if job is None:
            raise JobNotFound(job_id)
        if job.status in ACTIVE_JOB_STATUSES:
            raise UserError(f"Job {job_id} is still {job.status}; wait for it or cancel it.")
        rows = session.execute(
            select(SyncJobListing.listing_id, SyncJobListing.listing_name)
            .where(
                SyncJobListing.job_id == job_id,
                SyncJobListing.status != ListingStatus.SUCCEEDED,
            )
            .order_by(SyncJobListing.position)
        ).all()
        account_id = job.account_id
        full = job.full_backfill
        window = (job.window_start, job.window_end)
    if not rows:
        raise UserError(f"Job {job_id} has no failed listings to retry.")
    request = request_sync(
        db,
        account_id,
        trigger=JobTrigger.RETRY,
        full_backfill=full,
        listing_ids=[(r.listing_id, r.listing_name) for r in rows],
        retry_of=job_id,
    )
    if request.created and window[0] is not None:
        # The retry covers the same dates as the run it repairs.
        with db.write() as session:
            session.execute(
                update(SyncJob)
                .where(SyncJob.job_id == request.job_id)
                .values(window_start=window[0], window_end=window[1])
                .execution_options(synchronize_session=False)
            )
    return request


def take_back(db: Database, *, stale_seconds: float, now: datetime | None = None) -> list[int]:
    """Re-queue interrupted jobs and running jobs whose worker stopped heartbeating.

    Each job moves in its own conditional UPDATE, so two workers starting together never both
    take the same job, and a job whose account meanwhile got a new active job stays as it is.
    A listing that was running when its worker stopped was rolled back: it runs again.
    """
    cutoff = (now or utcnow()) - timedelta(seconds=stale_seconds)
    with db.read() as session:
        candidates = list(
            session.scalars(
                select(SyncJob.job_id).where(_takeable(cutoff)).order_by(SyncJob.job_id)
            )
        )
    taken: list[int] = []
    for job_id in candidates:
        try:
            with db.write() as session:
                result = session.execute(
                    update(SyncJob)
                    .where(SyncJob.job_id == job_id, _takeable(cutoff))
                    .values(status=JobStatus.QUEUED, worker_id=None, finished_at=None)
                    .execution_options(synchronize_session=False)
                )
                if getattr(result, "rowcount", 0) != 1:
                    continue
                session.execute(
                    update(SyncJobListing)
                    .where(
                        SyncJobListing.job_id == job_id,
                        SyncJobListing.status == ListingStatus.RUNNING,
                    )
                    .values(status=ListingStatus.PENDING, requests_done=0, started_at=None)
                    .execution_options(synchronize_session=False)
                )
        except IntegrityError:
            continue  # the account already has another active job
        taken.append(job_id)
    return taken


def _takeable(cutoff: datetime) -> ColumnElement[bool]:
    return or_(
        SyncJob.status == JobStatus.INTERRUPTED,
        and_(
            SyncJob.status == JobStatus.RUNNING,
            func.coalesce(SyncJob.heartbeat_at, SyncJob.started_at) < cutoff,
        ),
    )


def queued_jobs(db: Database) -> list[int]:
    with db.read() as session:
        return list(
            session.scalars(
                select(SyncJob.job_id)
                .where(SyncJob.status == JobStatus.QUEUED)
                .order_by(SyncJob.job_id)
            )
        )
