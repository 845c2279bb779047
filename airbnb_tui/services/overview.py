"""The accounts screen in one read: a page of accounts with the progress of their current job.

Three small indexed queries per refresh, whatever the size of the database: a keyset page of
accounts, their queued/running jobs (partial unique index), and one GROUP BY over those jobs'
listing rows (primary key prefix ``job_id``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import SyncJobListing
from airbnb_tui.db.views import AccountView
from airbnb_tui.services.accounts import list_accounts
from airbnb_tui.services.jobs import JobProgress, active_jobs_by_account

ACCOUNTS_PAGE_SIZE = 100


@dataclass(frozen=True)
class AccountRow:
    account: AccountView
    current_job: JobProgress | None


@dataclass(frozen=True)
class AccountsPage:
    """One page of the accounts table; ``has_more`` says whether a next page exists."""

    rows: tuple[AccountRow, ...]
    has_more: bool

    @property
    def last_id(self) -> str | None:
        return self.rows[-1].account.account_id if self.rows else None


def accounts_page(
    db: Database, *, after: str | None = None, limit: int = ACCOUNTS_PAGE_SIZE
) -> AccountsPage:
    """Accounts after ``after`` in id order, ``limit`` at most, with their current jobs."""
    accounts = list_accounts(db, after=after, limit=limit + 1)
    has_more = len(accounts) > limit
    accounts = accounts[:limit]
    jobs = active_jobs_by_account(db, [a.account_id for a in accounts])
    totals = request_totals(db, [job.job_id for job in jobs.values()])
    rows = []
    for account in accounts:
        job = jobs.get(account.account_id)
        current = None
        if job is not None:
            done, total = totals.get(job.job_id, (0, 0))
            current = JobProgress(job, done, total)
        rows.append(AccountRow(account, current))
    return AccountsPage(tuple(rows), has_more)


def request_totals(db: Database, job_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Requests done and planned per job, summed over each job's listing rows."""
    if not job_ids:
        return {}
    stmt = (
        select(
            SyncJobListing.job_id,
            func.coalesce(func.sum(SyncJobListing.requests_done), 0),
            func.coalesce(func.sum(SyncJobListing.requests_total), 0),
        )
        .where(SyncJobListing.job_id.in_(list(job_ids)))
        .group_by(SyncJobListing.job_id)
    )
    with db.read() as session:
        return {
            int(job_id): (int(done), int(total))
            for job_id, done, total in session.execute(stmt).all()
        }
