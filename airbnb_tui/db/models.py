"""Typed SQLAlchemy models for every table of the schema.

Metric column names (``{metric}_your_value`` …) are kept compatible with existing Airbnb sync
setups, so dashboards written against those tables keep working.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from airbnb_tui.db.types import StrEnumText, UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class CredentialStatus(StrEnum):
    UNCHECKED = "unchecked"
    VALID = "valid"
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def usable(self) -> bool:
        """Whether a sync may send these credentials: Airbnb has not refused them."""
        return self in USABLE_CREDENTIALS


USABLE_CREDENTIALS = (CredentialStatus.UNCHECKED, CredentialStatus.VALID)


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    CANCELLED = "cancelled"

    @property
    def is_active(self) -> bool:
        """Queued or running: the account's one active job (a partial unique index)."""
        return self in ACTIVE_JOB_STATUSES

    @property
    def is_final(self) -> bool:
        """Ended for good. An interrupted job is not: it is resumed by the next run."""
        return not self.is_active and self != JobStatus.INTERRUPTED


ACTIVE_JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class JobTrigger(StrEnum):
    MANUAL = "manual"
    SCHEDULED = "scheduled"
    STARTUP = "startup"
    CLI = "cli"
    RETRY = "retry"
    RESUME = "resume"


class ListingStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        Index("ix_accounts_is_active", "is_active"),
        Index("ix_accounts_customer_id", "customer_id"),
        Index("ix_accounts_last_sync_at", "last_sync_at"),
    )

    account_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str | None] = mapped_column(String(200))
    customer_id: Mapped[str | None] = mapped_column(String(100))
    cookie_encrypted: Mapped[str] = mapped_column(Text)
    x_client_version: Mapped[str | None] = mapped_column(String(100))
    user_agent: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    credential_status: Mapped[CredentialStatus] = mapped_column(
        StrEnumText(CredentialStatus),
        default=CredentialStatus.UNCHECKED,
        server_default=CredentialStatus.UNCHECKED,
    )
    credential_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    credential_message: Mapped[str | None] = mapped_column(Text)
    listing_count: Mapped[int | None] = mapped_column(Integer)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rate_limited_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Listing(Base):
    __tablename__ = "listings"

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.account_id", ondelete="CASCADE"), primary_key=True
    )
    listing_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    internal_name: Mapped[str | None] = mapped_column(Text)
    listing_name: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SyncJob(Base):
    __tablename__ = "sync_jobs"
    __table_args__ = (
        Index("ix_sync_jobs_account_id_created_at", "account_id", "created_at"),
        Index("ix_sync_jobs_status", "status"),
        # At most one queued-or-running job per account: asking for another returns this one.
        Index(
            "uq_sync_jobs_one_active_per_account",
            "account_id",
            unique=True,
            sqlite_where=text("status IN ('queued', 'running')"),
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
        # The daily schedule is idempotent through the database, whichever worker fires it.
        Index(
            "uq_sync_jobs_scheduled_for",
            "account_id",
            "scheduled_for",
            unique=True,
            sqlite_where=text("scheduled_for IS NOT NULL"),
            postgresql_where=text("scheduled_for IS NOT NULL"),
        ),
    )

    job_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id", ondelete="CASCADE"))
    status: Mapped[JobStatus] = mapped_column(StrEnumText(JobStatus), default=JobStatus.QUEUED)
    trigger: Mapped[JobTrigger] = mapped_column(StrEnumText(JobTrigger), default=JobTrigger.MANUAL)
    full_backfill: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    retry_of_job_id: Mapped[int | None] = mapped_column(Integer)
    scheduled_for: Mapped[date | None] = mapped_column(Date)
    window_start: Mapped[date | None] = mapped_column(Date)
    window_end: Mapped[date | None] = mapped_column(Date)
    listings_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    listings_completed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    listings_failed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    requests_made: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rows_written: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error_type: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    worker_id: Mapped[str | None] = mapped_column(String(128))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cancel_requested: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SyncJobListing(Base):
    __tablename__ = "sync_job_listings"
    __table_args__ = (Index("ix_sync_job_listings_job_id_position", "job_id", "position"),)

    job_id: Mapped[int] = mapped_column(
        ForeignKey("sync_jobs.job_id", ondelete="CASCADE"), primary_key=True
    )
    listing_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    listing_name: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[ListingStatus] = mapped_column(
        StrEnumText(ListingStatus), default=ListingStatus.PENDING
    )
    requests_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    requests_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rows_written: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error_type: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Worker(Base):
    __tablename__ = "workers"

    worker_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    current_job_id: Mapped[int | None] = mapped_column(Integer)


class ChartQuery(Base):
    """Daily series from ChartQuery: your listing against similar listings."""

    __tablename__ = "chart_query"
    __table_args__ = (
        Index("ix_chart_query_metric_date", "metric_date"),
        Index("ix_chart_query_account_id_metric_date", "account_id", "metric_date"),
    )

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.account_id", ondelete="CASCADE"), primary_key=True
    )
    airbnb_listing_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    metric_date: Mapped[date] = mapped_column(Date, primary_key=True)
    airbnb_internal_name: Mapped[str | None] = mapped_column(Text)
    conversion_rate_your_value: Mapped[float | None] = mapped_column(Float)
    conversion_rate_your_value_string: Mapped[str | None] = mapped_column(Text)
    conversion_rate_similar_value: Mapped[float | None] = mapped_column(Float)
    conversion_rate_similar_value_string: Mapped[str | None] = mapped_column(Text)
    p3_impressions_your_value: Mapped[int | None] = mapped_column(BigInteger)
    p3_impressions_your_value_string: Mapped[str | None] = mapped_column(Text)
    p3_impressions_similar_value: Mapped[int | None] = mapped_column(BigInteger)
    p3_impressions_similar_value_string: Mapped[str | None] = mapped_column(Text)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class _WindowMetricsMixin:
    """Per-window metric columns shared by chart_summary and list_of_metrics."""

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.account_id", ondelete="CASCADE"), primary_key=True
    )
    airbnb_listing_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    window_start: Mapped[date] = mapped_column(Date, primary_key=True)
    window_end: Mapped[date] = mapped_column(Date)
    airbnb_internal_name: Mapped[str | None] = mapped_column(Text)
    conversion_rate_value: Mapped[float | None] = mapped_column(Float)
    conversion_rate_value_string: Mapped[str | None] = mapped_column(Text)
    conversion_rate_value_change: Mapped[float | None] = mapped_column(Float)
    conversion_rate_value_change_string: Mapped[str | None] = mapped_column(Text)
    p2_impressions_first_page_rate_value: Mapped[float | None] = mapped_column(Float)
    p2_impressions_first_page_rate_value_string: Mapped[str | None] = mapped_column(Text)
    p2_impressions_first_page_rate_value_change: Mapped[float | None] = mapped_column(Float)
    p2_impressions_first_page_rate_value_change_string: Mapped[str | None] = mapped_column(Text)
    search_conversion_rate_value: Mapped[float | None] = mapped_column(Float)
    search_conversion_rate_value_string: Mapped[str | None] = mapped_column(Text)
    search_conversion_rate_value_change: Mapped[float | None] = mapped_column(Float)
    search_conversion_rate_value_change_string: Mapped[str | None] = mapped_column(Text)
    listing_conversion_rate_value: Mapped[float | None] = mapped_column(Float)
    listing_conversion_rate_value_string: Mapped[str | None] = mapped_column(Text)
    listing_conversion_rate_value_change: Mapped[float | None] = mapped_column(Float)
    listing_conversion_rate_value_change_string: Mapped[str | None] = mapped_column(Text)
    p3_impressions_value: Mapped[int | None] = mapped_column(BigInteger)
    p3_impressions_value_string: Mapped[str | None] = mapped_column(Text)
    p3_impressions_value_change: Mapped[float | None] = mapped_column(Float)
    p3_impressions_value_change_string: Mapped[str | None] = mapped_column(Text)
    p2_impressions_value: Mapped[int | None] = mapped_column(BigInteger)
    p2_impressions_value_string: Mapped[str | None] = mapped_column(Text)
    p2_impressions_value_change: Mapped[float | None] = mapped_column(Float)
    p2_impressions_value_change_string: Mapped[str | None] = mapped_column(Text)
    # Metrics Airbnb returns that this schema has no column for yet, kept as JSON, never dropped.
    extra_metrics: Mapped[str | None] = mapped_column(Text)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ChartSummary(_WindowMetricsMixin, Base):
    """ChartQuery's primaryMetric/secondaryMetrics for each 28-day window (no extra request)."""

    __tablename__ = "chart_summary"
    __table_args__ = (Index("ix_chart_summary_window_start", "window_start"),)


class ListOfMetrics(_WindowMetricsMixin, Base):
    """ListOfMetricsQuery totals for each 7-day window."""

    __tablename__ = "list_of_metrics"
    __table_args__ = (Index("ix_list_of_metrics_window_start", "window_start"),)


METRIC_TABLES = {
    "chart_query": ChartQuery,
    "chart_summary": ChartSummary,
    "list_of_metrics": ListOfMetrics,
}
