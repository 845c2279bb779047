"""The read queries the dashboard, CLI and scheduler run, each served by an index.

They are kept here, as statements, so tests can EXPLAIN exactly what the application runs.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select

from airbnb_tui.db.models import (
    USABLE_CREDENTIALS,
    Account,
    ChartQuery,
    SyncJob,
    SyncJobListing,
)


def active_accounts() -> Select[Account]:
    """Accounts the schedule may sync: active, not removed, credentials not rejected/expired."""
    return select(Account).where(
        Account.is_active.is_(True),
        Account.deleted_at.is_(None),
        Account.credential_status.in_(USABLE_CREDENTIALS),
    )


def accounts_of_customer(customer_id: str) -> Select[Account]:
    return (
        select(Account)
        .where(Account.customer_id == customer_id, Account.deleted_at.is_(None))
        .order_by(Account.account_id)
    )


def chart_query_range(account_id: str, start: date, end: date) -> Select[ChartQuery]:
    return (
        select(ChartQuery)
        .where(
            ChartQuery.account_id == account_id,
            ChartQuery.metric_date >= start,
            ChartQuery.metric_date <= end,
        )
        .order_by(ChartQuery.metric_date, ChartQuery.airbnb_listing_id)
    )


def latest_jobs(account_id: str, limit: int = 20) -> Select[SyncJob]:
    return (
        select(SyncJob)
        .where(SyncJob.account_id == account_id)
        .order_by(SyncJob.created_at.desc(), SyncJob.job_id.desc())
        .limit(limit)
    )


def job_progress(job_id: int) -> Select[SyncJobListing]:
    return (
        select(SyncJobListing)
        .where(SyncJobListing.job_id == job_id)
        .order_by(SyncJobListing.position)
    )
