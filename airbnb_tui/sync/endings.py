"""How a sync job ends: the status, error type and message its row is recorded with.

A job that ran to the end is settled by its listings' counters (all succeeded, some failed, all
failed); one that stopped early carries the reason it stopped. ``error_type`` is the short name
scripts and the dashboard match on; ``message`` the sentence shown to the operator.
"""

from __future__ import annotations

from dataclasses import dataclass

from airbnb_tui.db.models import JobStatus, SyncJob


@dataclass(frozen=True)
class Ending:
    status: JobStatus
    error_type: str | None = None
    message: str | None = None


SUCCEEDED = Ending(JobStatus.SUCCEEDED)
INTERRUPTED = Ending(JobStatus.INTERRUPTED, "interrupted", "The worker stopped; it resumes.")
CANCELLED = Ending(JobStatus.CANCELLED, "cancelled", "Cancelled by the operator.")
DATABASE_UNAVAILABLE = Ending(
    JobStatus.INTERRUPTED,
    "database_unavailable",
    "The database connection failed mid-sync; the job resumes.",
)


def failed(error_type: str, message: str) -> Ending:
    return Ending(JobStatus.FAILED, error_type, message)


def settle(job: SyncJob, stopped: Ending | None) -> Ending:
    """The ending recorded for ``job``: how it stopped early, else what its listings came to.

    Cancelled as the worker was stopping, the operator's word wins: left interrupted, the job
    would be resumed by the next worker (or the next sync) only to cancel itself.
    """
    if stopped is not None:
        if stopped.status == JobStatus.INTERRUPTED and job.cancel_requested:
            return CANCELLED
        return stopped
    if job.listings_failed == 0:
        return SUCCEEDED
    if job.listings_completed == 0:
        return failed("all_listings_failed", f"All {job.listings_failed} listings failed.")
    return Ending(
        JobStatus.PARTIAL,
        "some_listings_failed",
        f"{job.listings_failed} of {job.listings_total} listings failed.",
    )
