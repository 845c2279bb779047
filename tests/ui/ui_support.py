"""Helpers for the dashboard tests: a fixed clock, settings for the sandbox, a seeder that writes
deterministic rows (fixed ids, names and times), and a wait for the app to reach a state."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from textual.app import App
from textual.pilot import Pilot

from airbnb_tui.config import Settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import (
    Account,
    ChartQuery,
    Listing,
    ListOfMetrics,
    SyncJob,
    Worker,
)
from airbnb_tui.secrets import CookieCipher
from airbnb_tui.services.queue import JobQueue, QueueOnDemand
from tests.seeding import add_job
from worker.tasks import Queue

NOW = datetime(2025, 2, 5, 14, 0, tzinfo=UTC)
TODAY = NOW.date()
SECRET_KEY = "ui-tests-secret-key"


def app_queue(settings: Settings) -> JobQueue:
    """The workers' queue, as the dashboard's entry point hands it over."""
    return QueueOnDemand(Queue, settings)


def fixed_clock() -> datetime:
    return NOW


def make_settings(
    tmp_path: Path, sqlite_url: str, base_url: str = "http://127.0.0.1:9"
) -> Settings:
    """Settings for a test: this test's data dir and database, no pacing, a fixed key."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=sqlite_url,
        airbnb_base_url=base_url,
        requests_per_minute=60_000,
        request_jitter_seconds="0",
        listing_pause_seconds="0",
        max_attempts=2,
        retry_base_seconds=0.0,
        request_timeout_seconds=10,
        secret_key=SECRET_KEY,
    )


@dataclass(frozen=True)
class ListingSpec:
    listing_id: str
    name: str
    status: str = "pending"
    requests_done: int = 0
    requests_total: int = 0
    rows_written: int = 0
    error_type: str | None = None
    error_message: str | None = None


class Seeder:
    """Writes rows with fixed times, so screens render the same on every run."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.cipher = CookieCipher(SECRET_KEY)

    def account(
        self,
        account_id: str,
        label: str | None,
        *,
        status: str = "valid",
        active: bool = True,
        listing_count: int | None = 7,
        last_sync_at: datetime | None = None,
    ) -> None:
        with self.db.write() as session:
            session.add(
                Account(
                    account_id=account_id,
                    label=label,
                    cookie_encrypted=self.cipher.encrypt("_aat=seeded"),
                    is_active=active,
                    credential_status=status,
                    listing_count=listing_count,
                    last_sync_at=last_sync_at,
                    created_at=NOW - timedelta(days=30),
                    updated_at=NOW - timedelta(days=1),
                )
            )

    def many_accounts(self, count: int, jobs_each: int = 0) -> None:
        """``count`` accounts (ids 100000001…) with ``jobs_each`` finished jobs each, in bulk."""
        sealed = self.cipher.encrypt("_aat=seeded")
        accounts = [
            {
                "account_id": str(100_000_001 + i),
                "label": f"Account {i + 1:05d}",
                "cookie_encrypted": sealed,
                "is_active": True,
                "credential_status": "valid",
                "listing_count": 3,
                "created_at": NOW - timedelta(days=30),
                "updated_at": NOW - timedelta(days=1),
            }
            for i in range(count)
        ]
        jobs = [
            {
                "account_id": str(100_000_001 + i),
                "status": "succeeded",
                "trigger": "scheduled",
                "created_at": NOW - timedelta(days=j + 1),
                "finished_at": NOW - timedelta(days=j + 1) + timedelta(minutes=5),
            }
            for i in range(count)
            for j in range(jobs_each)
        ]
        with self.db.write() as session:
            session.execute(insert(Account), accounts)
            if jobs:
                session.execute(insert(SyncJob), jobs)

    def listings(self, account_id: str, names: Sequence[tuple[str, str]]) -> None:
        with self.db.write() as session:
            for listing_id, name in names:
                session.add(
                    Listing(
                        account_id=account_id,
                        listing_id=listing_id,
                        internal_name=name,
                        listing_name=f"{name} listing",
                        first_seen_at=NOW - timedelta(days=30),
                        last_seen_at=NOW - timedelta(days=1),
                    )
                )

    def job(
        self,
        account_id: str,
        status: str,
        listings: Sequence[ListingSpec] = (),
        *,
        created_at: datetime = NOW - timedelta(minutes=10),
        finished_at: datetime | None = None,
        error_type: str | None = None,
        error_message: str | None = None,
        trigger: str = "manual",
    ) -> int:
        with self.db.write() as session:
            return add_job(
                session,
                listings,
                account_id=account_id,
                status=status,
                trigger=trigger,
                window_start=date(2024, 8, 18),
                window_end=date(2025, 8, 2),
                error_type=error_type,
                error_message=error_message,
                created_at=created_at,
                started_at=None if status == "queued" else created_at + timedelta(seconds=5),
                heartbeat_at=None if status == "queued" else NOW - timedelta(seconds=2),
                finished_at=finished_at,
            )

    def worker(self, pid: int = 4242, *, heartbeat_age: float = 3.0) -> None:
        with self.db.write() as session:
            session.add(
                Worker(
                    worker_id=f"host-a:{pid}",
                    host="host-a",
                    pid=pid,
                    started_at=NOW - timedelta(hours=1),
                    heartbeat_at=NOW - timedelta(seconds=heartbeat_age),
                )
            )

    def metrics(self, account_id: str, listing_id: str, name: str, days: int = 56) -> None:
        """``days`` of daily page views up to TODAY and the matching weekly conversion rows."""
        with self.db.write() as session:
            for offset in range(days):
                day = TODAY - timedelta(days=days - 1 - offset)
                session.add(
                    ChartQuery(
                        account_id=account_id,
                        airbnb_listing_id=listing_id,
                        metric_date=day,
                        airbnb_internal_name=name,
                        p3_impressions_your_value=20 + (offset * 7) % 15,
                        p3_impressions_similar_value=25 + (offset * 3) % 9,
                        synced_at=NOW,
                    )
                )
            first_sunday = TODAY - timedelta(days=days - 1)
            first_sunday -= timedelta(days=(first_sunday.weekday() + 1) % 7)
            week = first_sunday
            index = 0
            while week <= TODAY:
                session.add(
                    ListOfMetrics(
                        account_id=account_id,
                        airbnb_listing_id=listing_id,
                        window_start=week,
                        window_end=week + timedelta(days=6),
                        airbnb_internal_name=name,
                        conversion_rate_value=0.01 + 0.002 * (index % 5),
                        synced_at=NOW,
                    )
                )
                week += timedelta(days=7)
                index += 1


Predicate = Callable[[], bool]


def notifications(app: App[None]) -> list[str]:
    """The messages the app has shown as notifications, oldest first."""
    return [notification.message for notification in app._notifications]


async def wait_until(pilot: Pilot[None], predicate: Predicate, timeout: float = 10.0) -> None:
    """Let the app run until ``predicate()`` holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await pilot.pause(0.05)
