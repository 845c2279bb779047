"""Seeding sync jobs for tests that read them (CLI output, dashboard screens): a job whose
totals agree with its listing rows, as the runner keeps them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy.orm import Session

from airbnb_tui.db.models import SyncJob, SyncJobListing


class ListingRow(Protocol):
    """What a test says of one sync_job_listings row."""

    @property
    def listing_id(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def requests_done(self) -> int: ...
    @property
    def requests_total(self) -> int: ...
    @property
    def rows_written(self) -> int: ...
    @property
    def error_type(self) -> str | None: ...
    @property
    def error_message(self) -> str | None: ...


def add_job(session: Session, listings: Sequence[ListingRow], **job_fields: Any) -> int:
    """Add a job (``job_fields`` as SyncJob takes them) with totals summed from ``listings``,
    and one listing row each in order; returns the job id."""
    job = SyncJob(
        listings_total=len(listings),
        listings_completed=sum(1 for item in listings if item.status == "succeeded"),
        listings_failed=sum(1 for item in listings if item.status == "failed"),
        requests_made=sum(item.requests_done for item in listings),
        rows_written=sum(item.rows_written for item in listings),
        **job_fields,
    )
    session.add(job)
    session.flush()
    for position, item in enumerate(listings):
        session.add(
            SyncJobListing(
                job_id=job.job_id,
                listing_id=item.listing_id,
                listing_name=item.name or f"Listing {item.listing_id}",
                position=position,
                status=item.status,
                requests_done=item.requests_done,
                requests_total=item.requests_total,
                rows_written=item.rows_written,
                error_type=item.error_type,
                error_message=item.error_message,
            )
        )
    return job.job_id
