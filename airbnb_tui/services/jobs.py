"""Sync jobs as the dashboard and CLI see them: start, list, follow, cancel, retry.

Reads are small indexed queries (a page of jobs, one job's listing rows), cheap enough to poll
several times a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from airbnb_tui.db import queries
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import (
    ACTIVE_JOB_STATUSES,
    JobStatus,
    JobTrigger,
    ListingStatus,
    SyncJob,
)
from airbnb_tui.db.views import Job, ListingProgress
from airbnb_tui.errors import JobNotFound
from airbnb_tui.services.queue import JobQueue
from airbnb_tui.sync import jobs as job_store
from airbnb_tui.sync.jobs import JobRequest


@dataclass(frozen=True)
class JobProgress:
    """A job and how far along it is: what the job screen, the accounts table and
    ``sync --wait`` draw. ``listings`` is empty where only the totals were read."""

    job: Job
    requests_done: int
    requests_total: int
    listings: tuple[ListingProgress, ...] = ()

    @classmethod
    def of(cls, job: Job, listings: Sequence[ListingProgress]) -> JobProgress:
        return cls(
            job,
            sum(item.requests_done for item in listings),
            sum(item.requests_total for item in listings),
            tuple(listings),
        )

    @property
    def fraction(self) -> float | None:
        """How far along the job is (0..1), or None before its listings are known."""
        if self.requests_total > 0:
            return min(1.0, self.requests_done / self.requests_total)
        if self.job.listings_total > 0:
            return min(1.0, self.job.listings_done / self.job.listings_total)
        return None

    @property
    def requests_remaining(self) -> int:
        return sum(
            max(0, item.requests_total - item.requests_done)
            for item in self.listings
            if item.status in (ListingStatus.PENDING, ListingStatus.RUNNING)
        )

    def eta_seconds(self, requests_per_minute: int) -> float | None:
        """Time left at the account's rate limit, the bound a sync actually runs at."""
        if not self.job.is_active:
            return None
        remaining = self.requests_remaining
        if self.job.listings_total == 0 and self.job.status == JobStatus.QUEUED:
            return None
        return remaining * 60.0 / max(1, requests_per_minute)


# Starting syncs -----------------------------------------------------------------------------


def start_sync(
    db: Database,
    queue: JobQueue | None,
    account_id: str,
    *,
    full_backfill: bool = False,
    trigger: JobTrigger = JobTrigger.MANUAL,
) -> JobRequest:
    """Ask for a sync of ``account_id`` and put a new job on ``queue`` for a worker (None: the
    caller runs it itself, ``sync --inline``)."""
    request = job_store.request_sync(db, account_id, trigger=trigger, full_backfill=full_backfill)
    if queue is not None and request.created:
        queue.enqueue_jobs([request.job_id])
    return request


def retry_job(db: Database, queue: JobQueue, job_id: int) -> JobRequest:
    """A new job for the listings of ``job_id`` that failed or were never reached."""
    request = job_store.retry_failed(db, job_id)
    if request.created:
        queue.enqueue_jobs([request.job_id])
    return request


def cancel_job(db: Database, job_id: int) -> Job:
    return Job.model_validate(job_store.request_cancel(db, job_id))


# Reading ------------------------------------------------------------------------------------


def get_job(db: Database, job_id: int) -> Job:
    with db.read() as session:
        job = session.get(SyncJob, job_id)
        if job is None:
            raise JobNotFound(job_id)
        return Job.model_validate(job)


def job_progress(db: Database, job_id: int) -> JobProgress:
    with db.read() as session:
        job = session.get(SyncJob, job_id)
        if job is None:
            raise JobNotFound(job_id)
        rows = session.scalars(queries.job_progress(job_id)).all()
        return JobProgress.of(
            Job.model_validate(job), [ListingProgress.model_validate(row) for row in rows]
        )


def list_jobs(
    db: Database,
    *,
    account_id: str | None = None,
    status: JobStatus | None = None,
    limit: int = 50,
    before_job_id: int | None = None,
) -> list[Job]:
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
        return [Job.model_validate(job) for job in session.scalars(stmt)]


def active_jobs_by_account(db: Database, account_ids: Sequence[str]) -> dict[str, Job]:
    if not account_ids:
        return {}
    with db.read() as session:
        found = session.scalars(
            select(SyncJob).where(
                SyncJob.account_id.in_(account_ids), SyncJob.status.in_(ACTIVE_JOB_STATUSES)
            )
        )
        return {job.account_id: Job.model_validate(job) for job in found}


def count_queued(db: Database) -> int:
    with db.read() as session:
        return int(
            session.scalar(select(func.count()).where(SyncJob.status == JobStatus.QUEUED)) or 0
        )
