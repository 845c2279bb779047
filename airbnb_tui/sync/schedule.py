"""The daily schedule, made idempotent through the database.

huey runs periodic tasks in every consumer (coleifer/huey #716), so "only one worker schedules"
cannot be relied on. Instead each scheduled job records the day it belongs to, and a unique
index on (account_id, scheduled_for) lets exactly one of any number of workers create it.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from airbnb_tui.config import Settings
from airbnb_tui.db import queries
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import Account, JobTrigger
from airbnb_tui.sync import jobs


def last_slot(now: datetime, hour: int, minute: int) -> datetime:
    """The most recent daily slot at or before ``now`` (UTC)."""
    now = now.astimezone(UTC)
    today_slot = datetime.combine(now.date(), time(hour, minute), tzinfo=UTC)
    return today_slot if now >= today_slot else today_slot - timedelta(days=1)


def next_slot(now: datetime, hour: int, minute: int) -> datetime:
    return last_slot(now, hour, minute) + timedelta(days=1)


def due_accounts(db: Database, slot: datetime) -> list[str]:
    """Syncable accounts whose last sync is older than ``slot`` (or that never synced)."""
    stmt = queries.active_accounts().with_only_columns(Account.account_id, Account.last_sync_at)
    with db.read() as session:
        rows = session.execute(stmt).all()
    return sorted(account_id for account_id, last in rows if last is None or last < slot)


def enqueue_due(
    db: Database,
    settings: Settings,
    now: datetime,
    *,
    trigger: JobTrigger = JobTrigger.SCHEDULED,
) -> list[int]:
    """Create today's scheduled job for every due account; returns the ids created.

    Safe to run from every worker at once, and while other jobs finish: ``due_accounts`` only
    narrows the candidates; the conditional insert decides on the state at the moment it writes.
    """
    slot = last_slot(now, settings.sync_hour_utc, settings.sync_minute_utc)
    created: list[int] = []
    for account_id in due_accounts(db, slot):
        job_id = jobs.request_scheduled_sync(db, account_id, slot, trigger=trigger)
        if job_id is not None:
            created.append(job_id)
    return created
