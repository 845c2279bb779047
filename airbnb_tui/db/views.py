"""What an account, a sync job and a listing's progress look like to everyone who reads them.

One model per concept, built from its row and shared by the dashboard, the CLI (its ``--json``
documents nest these models as they are) and the worker. They never carry a cookie. Their
fields are a published contract (``airbnb-tui json-schema``): fields are only ever added, and
statuses are published as plain strings, their values.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from airbnb_tui.db.models import CredentialStatus, JobStatus, JobTrigger, ListingStatus

VIEW_CONFIG = ConfigDict(extra="forbid", from_attributes=True, frozen=True)

AS_TEXT = WithJsonSchema({"type": "string"})
"""A status field's schema: a plain string, as it has been published from the start."""


class AccountView(BaseModel):
    """An account as ``accounts list/show`` report it (never the cookie)."""

    model_config = VIEW_CONFIG

    account_id: str
    label: str | None
    customer_id: str | None
    is_active: bool
    credential_status: Annotated[CredentialStatus, AS_TEXT, Field(title="Credential Status")]
    credential_checked_at: datetime | None
    credential_message: str | None
    listing_count: int | None
    last_sync_at: datetime | None
    created_at: datetime
    updated_at: datetime
    x_client_version: str | None
    user_agent: str | None

    @property
    def syncable(self) -> bool:
        """Whether the daily schedule (and "sync all") syncs it: enabled, and credentials
        Airbnb has not refused."""
        return self.is_active and self.credential_status.usable

    @property
    def name(self) -> str:
        """How the operator knows the account: its label, else its id."""
        return self.label or self.account_id


class Job(BaseModel):
    """A sync job: status is queued, running, succeeded, partial, failed, interrupted or
    cancelled."""

    model_config = VIEW_CONFIG

    job_id: int
    account_id: str
    status: Annotated[JobStatus, AS_TEXT, Field(title="Status")]
    trigger: Annotated[JobTrigger, AS_TEXT, Field(title="Trigger")]
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

    @field_validator("window_start", "window_end", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        return value.isoformat() if isinstance(value, date) else value

    @property
    def is_active(self) -> bool:
        return self.status.is_active

    @property
    def listings_done(self) -> int:
        """Listings finished either way, succeeded or failed."""
        return self.listings_completed + self.listings_failed


class ListingProgress(BaseModel):
    """One listing of a job: status is pending, running, succeeded, failed or skipped."""

    model_config = VIEW_CONFIG

    listing_id: str
    listing_name: str | None
    position: int
    status: Annotated[ListingStatus, AS_TEXT, Field(title="Status")]
    requests_done: int
    requests_total: int
    rows_written: int
    error_type: str | None
    error_message: str | None
    started_at: datetime | None
    finished_at: datetime | None
