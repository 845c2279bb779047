"""Sync jobs as the dashboard and CLI see them: start, list, follow, cancel, retry.

Reads are small indexed queries (a page of jobs, one job's listing rows), cheap enough to poll
several times a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from airbnb_tui.config import Settings
from airbnb_tui.db import queries
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import (
    ACTIVE_JOB_STATUSES,
    JobStatus,
    JobTrigger,
    SyncJob,
    SyncJobListing,
)
from airbnb_tui.errors import NotFound
from airbnb_tui.sync import jobs as job_store
from airbnb_tui.sync.jobs import JobRequest


@dataclass(frozen=True)
class JobView:
    job_id: int
    account_id: str
    status: str
    trigger: str
    full_backfill: bool
    window_start: str | None
    window_end: str | None
    listings_total: int
    listings_completed: int
    listings_failed: int
    requests_made: int
    rows_written: int
    error_type: str | None
    error_message: str | None
    worker_id: str | None
    attempts: int
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    heartbeat_at: datetime | None
    finished_at: datetime | None
    retry_of_job_id: int | None

    @classmethod
    def of(cls, job: SyncJob) -> JobView:
        return cls(
            job_id=job.job_id,
            account_id=job.account_id,
            status=job.status,
            trigger=job.trigger,
            full_backfill=job.full_backfill,
            window_start=job.window_start.isoformat() if job.window_start else None,
            window_end=job.window_end.isoformat() if job.window_end else None,
            listings_total=job.listings_total,
            listings_completed=job.listings_completed,
            listings_failed=job.listings_failed,
            requests_made=job.requests_made,
            rows_written=job.rows_written,
            error_type=job.error_type,
            error_message=job.error_message,
            worker_id=job.worker_id,
            attempts=job.attempts,
            cancel_requested=job.cancel_requested,
            created_at=job.created_at,
            started_at=job.started_at,
            heartbeat_at=job.heartbeat_at,
            finished_at=job.finished_at,
            retry_of_job_id=job.retry_of_job_id,
        )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_JOB_STATUSES

    @property
    def is_finished(self) -> bool:
        return self.status in job_store.FINISHED_STATUSES and self.status != "interrupted"


@dataclass(frozen=True)
class ListingProgressView:
    listing_id: str
    listing_name: str | None
    position: int
    status: str
    requests_done: int
    requests_total: int
    rows_written: int
    error_type: str | None
    error_message: str | None
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, row: SyncJobListing) -> ListingProgressView:
        return cls(
            listing_id=row.listing_id,
            listing_name=row.listing_name,
            position=row.position,
            status=row.status,
            requests_done=row.requests_done,
            requests_total=row.requests_total,
            rows_written=row.rows_written,
            error_type=row.error_type,
            error_message=row.error_message,
            started_at=row.started_at,
            finished_at=row.finished_at,
        )


@dataclass(frozen=True)
class JobProgress:
    """One job and its listing rows: what the job screen and `sync --wait` draw."""

    job: JobView
    listings: tuple[ListingProgressView, ...]

    @property
    def requests_done(self) -> int:
        return sum(item.requests_done for item in self.listings)

    @property
    def requests_total(self) -> int:
        return sum(item.requests_total for item in self.listings)

    @property
    def requests_remaining(self) -> int:
        return sum(
            max(0, item.requests_total - item.requests_done)
            for item in self.listings
            if item.status in ("pending", "running")
        )

    def eta_seconds(self, requests_per_minute: int) -> float | None:
        """Time left at the account's rate limit, the bound a sync actually runs at."""
        if not self.job.is_active:
            return None
        remaining = self.requests_remaining
        if self.job.listings_total == 0 and self.job.status == JobStatus.QUEUED.value:
            return None
        return remaining * 60.0 / max(1, requests_per_minute)


# Starting syncs -----------------------------------------------------------------------------


def start_sync(
    settings: Settings,
    db: Database,
    account_id: str,
    *,
    full_backfill: bool = False,
    trigger: JobTrigger = JobTrigger.MANUAL,
    enqueue: bool = True,
) -> JobRequest:
    """Ask for a sync of ``account_id`` and hand its id to the worker queue."""
    request = job_store.request_sync(db, account_id, trigger=trigger, full_backfill=full_backfill)
    if enqueue and request.created:
        enqueue_jobs(settings, [request.job_id])
    return request


def retry_job(settings: Settings, db: Database, job_id: int, *, enqueue: bool = True) -> JobRequest:
    request = job_store.retry_failed(db, job_id)
    if enqueue and request.created:
        enqueue_jobs(settings, [request.job_id])
    return request


def cancel_job(db: Database, job_id: int) -> JobView:
    return JobView.of(job_store.request_cancel(db, job_id))


def enqueue_jobs(settings: Settings, job_ids: Sequence[int]) -> None:
    from worker.tasks import Queue

    Queue(settings).enqueue_jobs(list(job_ids))


# Reading ------------------------------------------------------------------------------------


def get_job(db: Database, job_id: int) -> JobView:
    with db.read() as session:
        job = session.get(SyncJob, job_id)
        if job is None:
            raise NotFound(f"No job {job_id}; see `airbnb-tui jobs`.")
        return JobView.of(job)


def job_progress(db: Database, job_id: int) -> JobProgress:
    with db.read() as session:
        job = session.get(SyncJob, job_id)
        if job is None:
            raise NotFound(f"No job {job_id}; see `airbnb-tui jobs`.")
        rows = session.scalars(queries.job_progress(job_id)).all()
        return JobProgress(JobView.of(job), tuple(ListingProgressView.of(r) for r in rows))


def list_jobs(
    db: Database,
    *,
    account_id: str | None = None,
    status: str | None = None,
    limit: int = 50,
    before_job_id: int | None = None,
) -> list[JobView]:
    """Newest first, a page at a time (keyset: pass the last job id seen)."""
    stmt = select(SyncJob)
    if account_id is not None:
        stmt = stmt.where(SyncJob.account_id == account_id)
    if status is not None:
        stmt = stmt.where(SyncJob.status == status)
    if before_job_id is not None:
        stmt = stmt.where(SyncJob.job_id < before_job_id)
    stmt = stmt.order_by(SyncJob.job_id.desc()).limit(limit)
    with db.read() as session:
        return [JobView.of(job) for job in session.scalars(stmt)]


def active_jobs_by_account(db: Database, account_ids: Sequence[str]) -> dict[str, JobView]:
    if not account_ids:
        return {}
    with db.read() as session:
        found = session.scalars(
            select(SyncJob).where(
                SyncJob.account_id.in_(account_ids), SyncJob.status.in_(ACTIVE_JOB_STATUSES)
            )
        )
        return {job.account_id: JobView.of(job) for job in found}


def count_queued(db: Database) -> int:
    with db.read() as session:
        return int(
            session.scalar(select(func.count()).where(SyncJob.status == JobStatus.QUEUED.value))
            or 0
        )
