"""Writes of one job's progress: small, frequent, throttled; and the per-listing commit.

A listing's metric rows and its final progress row commit in ONE transaction, so a listing is
either wholly stored and marked succeeded, or not stored at all. In-flight counters
(``requests_done``) are separate tiny transactions, throttled so a fast sync does not spend its
time committing counters, yet a reader sees movement within a second.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import (
    ChartQuery,
    ChartSummary,
    JobStatus,
    ListingStatus,
    ListOfMetrics,
    SyncJob,
    SyncJobListing,
)
from airbnb_tui.db.types import utcnow
from airbnb_tui.db.upsert import upsert

PROGRESS_INTERVAL_SECONDS = 0.4


class ListingRecorder:
    """Records one listing as it runs: its requests counted and flushed now and then, then its
    rows and final state committed together."""

    def __init__(self, db: Database, job_id: int, listing_id: str, worker_id: str) -> None:
        self.db = db
        self.job_id = job_id
        self.worker_id = worker_id
        self.listing_id = listing_id
        self.done = 0
        self._flushed = 0
        self._last_flush = time.monotonic()

    def start(self) -> None:
        with self.db.write() as session:
            session.execute(
                update(SyncJobListing)
                .where(_listing(self.job_id, self.listing_id))
                .values(
                    status=ListingStatus.RUNNING,
                    started_at=utcnow(),
                    requests_done=0,
                    error_type=None,
                    error_message=None,
                )
                .execution_options(synchronize_session=False)
            )
            self._touch_job(session)

    def tick(self) -> None:
        self.done += 1
        if time.monotonic() - self._last_flush >= PROGRESS_INTERVAL_SECONDS:
            self.flush()

    def flush(self) -> None:
        delta = self.done - self._flushed
        if delta <= 0:
            return
        with self.db.write() as session:
            session.execute(
                update(SyncJobListing)
                .where(_listing(self.job_id, self.listing_id))
                .values(requests_done=self.done)
                .execution_options(synchronize_session=False)
            )
            self._touch_job(session, requests=delta)
        self._flushed = self.done
        self._last_flush = time.monotonic()

    def unflushed(self) -> int:
        return self.done - self._flushed

    def commit_success(
        self,
        chart_rows: Sequence[Mapping[str, Any]],
        summary_rows: Sequence[Mapping[str, Any]],
        lom_rows: Sequence[Mapping[str, Any]],
    ) -> int:
        """Store the listing's rows and mark it succeeded, all in one transaction."""
        written = 0
        delta = self.unflushed()
        with self.db.write() as session:
            written += upsert(session, ChartQuery.__table__, chart_rows)  # type: ignore[arg-type]
            written += upsert(session, ChartSummary.__table__, summary_rows)  # type: ignore[arg-type]
            written += upsert(session, ListOfMetrics.__table__, lom_rows)  # type: ignore[arg-type]
            session.execute(
                update(SyncJobListing)
                .where(_listing(self.job_id, self.listing_id))
                .values(
                    status=ListingStatus.SUCCEEDED,
                    requests_done=self.done,
                    rows_written=written,
                    finished_at=utcnow(),
                )
                .execution_options(synchronize_session=False)
            )
            self._touch_job(session, requests=delta, completed=1, rows=written)
        self._flushed = self.done
        return written

    def commit_failure(self, error_type: str, message: str) -> None:
        delta = self.unflushed()
        with self.db.write() as session:
            session.execute(
                update(SyncJobListing)
                .where(_listing(self.job_id, self.listing_id))
                .values(
                    status=ListingStatus.FAILED,
                    requests_done=self.done,
                    error_type=error_type,
                    error_message=message[:2000],
                    finished_at=utcnow(),
                )
                .execution_options(synchronize_session=False)
            )
            self._touch_job(session, requests=delta, failed=1)
        self._flushed = self.done

    def roll_back(self, status: ListingStatus) -> None:
        """Forget the in-flight listing: nothing of it was stored; back to pending / skipped."""
        delta = self.unflushed()
        with self.db.write() as session:
            session.execute(
                update(SyncJobListing)
                .where(_listing(self.job_id, self.listing_id))
                .values(status=status, requests_done=0, rows_written=0, started_at=None)
                .execution_options(synchronize_session=False)
            )
            self._touch_job(session, requests=delta)
        self._flushed = self.done

    def _touch_job(
        self,
        session: Session,
        *,
        requests: int = 0,
        completed: int = 0,
        failed: int = 0,
        rows: int = 0,
    ) -> None:
        result = session.execute(
            update(SyncJob)
            .where(
                SyncJob.job_id == self.job_id,
                SyncJob.worker_id == self.worker_id,
                SyncJob.status == JobStatus.RUNNING,
            )
            .values(
                requests_made=SyncJob.requests_made + requests,
                listings_completed=SyncJob.listings_completed + completed,
                listings_failed=SyncJob.listings_failed + failed,
                rows_written=SyncJob.rows_written + rows,
                heartbeat_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 1) != 1:
            raise JobLost(f"job {self.job_id} is no longer run by {self.worker_id}")


def _listing(job_id: int, listing_id: str) -> Any:
    return (SyncJobListing.job_id == job_id) & (SyncJobListing.listing_id == listing_id)


class JobLost(Exception):
    """The job was taken back from this runner (its heartbeat went stale while it still ran).

    Raised inside the write, so the listing's rows roll back with it: whoever owns the job now
    writes that listing, never two runners.
    """
