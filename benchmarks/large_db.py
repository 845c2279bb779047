"""Build the large database the dashboard benchmarks read: 1,000 accounts, 100,000 jobs,
1,000,000 job-listing rows and 5,000,000 chart_query rows (scaled by ``--scale``).

The schema comes from the migrations; the rows go in through the driver directly, in primary
key order, with the secondary indexes dropped during the load and created again after it
(SQLite with journaling and syncing off for the load; PostgreSQL with COPY). A few minutes on a
small machine: a benchmark's set-up, never a test's.

    .venv/bin/python -m benchmarks.large_db --sqlite /tmp/airbnb-tui-large.db
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from airbnb_tui.db.engine import Database
from airbnb_tui.db.migrate import upgrade

BATCH = 50_000
ACCOUNT_BASE = 300_000_000
BULK_TABLES = ("accounts", "listings", "sync_jobs", "sync_job_listings", "chart_query")
ACTIVE_SHARE = 20  # one account in this many has a queued or running job


@dataclass(frozen=True)
class Shape:
    """How many of everything: jobs per account, listings per account, days of chart rows."""

    accounts: int = 1000
    listings: int = 10
    jobs_per_account: int = 100
    days: int = 500

    def scaled(self, scale: float) -> Shape:
        return Shape(
            max(20, round(self.accounts * scale)), self.listings, self.jobs_per_account, self.days
        )

    @property
    def jobs(self) -> int:
        return self.accounts * self.jobs_per_account

    @property
    def job_listings(self) -> int:
        return self.jobs * self.listings

    @property
    def chart_rows(self) -> int:
        return self.accounts * self.listings * self.days


def account_id(index: int) -> str:
    return str(ACCOUNT_BASE + index)


def listing_id(account: int, index: int) -> str:
    return str(10**17 + account * 1000 + index)


def active_job_ids(shape: Shape) -> list[int]:
    """The jobs left queued or running: the newest job of every ACTIVE_SHARE-th account."""
    last_day = shape.jobs_per_account - 1
    return [last_day * shape.accounts + a + 1 for a in range(0, shape.accounts, ACTIVE_SHARE)]


class Rows:
    """Every table's rows as the database stores them, generated in primary key order."""

    def __init__(self, shape: Shape, *, sqlite: bool, now: datetime, seed: int = 8) -> None:
        self.shape = shape
        self.sqlite = sqlite
        self.now = now
        self.rng = random.Random(seed)
        self.active = set(active_job_ids(shape))

    def ts(self, value: datetime | None) -> Any:
        if value is None or not self.sqlite:
            return value
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")

    def day(self, value: date | None) -> Any:
        return value.isoformat() if self.sqlite and value is not None else value

    def flag(self, value: bool) -> Any:
        return int(value) if self.sqlite else value

    def accounts(self) -> Iterator[tuple[Any, ...]]:
        for a in range(self.shape.accounts):
            created = self.now - timedelta(days=400, minutes=a)
            yield (
                account_id(a),
                f"Host {a:04d}",
                f"pm-{a % 50:02d}",
                "gAAAAAB" + "x" * 180,
                f"{a:040x}",
                "Mozilla/5.0 (X11; Linux x86_64) bench",
                self.flag(a % 25 != 0),
                "expired" if a % 40 == 7 else "valid",
                self.ts(self.now - timedelta(hours=a % 48)),
                None,
                self.shape.listings,
                self.ts(self.now - timedelta(hours=a % 24)),
                None,
                self.ts(created),
                self.ts(created),
                None,
            )

    def listings(self) -> Iterator[tuple[Any, ...]]:
        seen = self.ts(self.now - timedelta(days=400))
        for a in range(self.shape.accounts):
            for j in range(self.shape.listings):
                yield (
                    account_id(a),
                    listing_id(a, j),
                    f"{j + 1} Main St",
                    f"Loft {a}-{j}",
                    seen,
                    seen,
                )

    def jobs(self) -> Iterator[tuple[Any, ...]]:
        shape = self.shape
        per_listing = 61
        for d in range(shape.jobs_per_account):
            ago = timedelta(days=shape.jobs_per_account - 1 - d, hours=1)
            day = (self.now - ago).date()
            for a in range(shape.accounts):
                job_id = d * shape.accounts + a + 1
                created = self.now - ago + timedelta(seconds=a)
                active = job_id in self.active
                status = ("running" if a % 2 == 0 else "queued") if active else "succeeded"
                if not active and job_id % 37 == 0:
                    status = "partial"
                done = shape.listings // 2 if status == "running" else 0
                completed = done if active else shape.listings - (status == "partial")
                finished = None if active else created + timedelta(minutes=30)
                started = None if status == "queued" else created + timedelta(seconds=2)
                yield (
                    job_id,
                    account_id(a),
                    status,
                    "scheduled",
                    self.flag(False),
                    None,
                    self.day(day),
                    self.day(day - timedelta(days=10)),
                    self.day(day + timedelta(days=178)),
                    0 if status == "queued" else shape.listings,
                    completed,
                    int(status == "partial"),
                    completed * per_listing,
                    completed * 220,
                    "some_listings_failed" if status == "partial" else None,
                    None,
                    None if status == "queued" else f"worker-{a % 3}",
                    int(status != "queued"),
                    self.flag(False),
                    self.ts(created),
                    self.ts(started),
                    self.ts(finished or (self.now if status == "running" else None)),
                    self.ts(finished),
                )

    def job_listings(self) -> Iterator[tuple[Any, ...]]:
        shape = self.shape
        for job_id in range(1, shape.jobs + 1):
            a = (job_id - 1) % shape.accounts
            active = job_id in self.active
            running = active and a % 2 == 0
            started = self.ts(self.now - timedelta(minutes=5))
            for j in range(shape.listings):
                if not active:
                    status = "failed" if job_id % 37 == 0 and j == 3 else "succeeded"
                elif running:
                    status = "succeeded" if j < shape.listings // 2 else "pending"
                    if j == shape.listings // 2:
                        status = "running"
                else:
                    status = "pending"
                done = {"succeeded": 61, "failed": 2, "running": 20}.get(status, 0)
                yield (
                    job_id,
                    listing_id(a, j),
                    f"{j + 1} Main St",
                    j,
                    status,
                    done,
                    61,
                    220 if status == "succeeded" else 0,
                    "server_error" if status == "failed" else None,
                    "Airbnb server error (HTTP 503)" if status == "failed" else None,
                    started if done else None,
                    started if status in ("succeeded", "failed") else None,
                )

    def chart_rows(self) -> Iterator[tuple[Any, ...]]:
        shape = self.shape
        first = self.now.date() - timedelta(days=shape.days - 180)
        days = [self.day(first + timedelta(days=d)) for d in range(shape.days)]
        synced = self.ts(self.now - timedelta(hours=3))
        bits = self.rng.getrandbits
        for a in range(shape.accounts):
            owner = account_id(a)
            for j in range(shape.listings):
                listing = listing_id(a, j)
                name = f"{j + 1} Main St"
                for day in days:
                    your = bits(8)
                    similar = bits(8)
                    yield (
                        owner,
                        listing,
                        day,
                        name,
                        None,
                        None,
                        None,
                        None,
                        your,
                        str(your),
                        similar,
                        str(similar),
                        synced,
                    )


COLUMNS = {
    "accounts": (
        "account_id, label, customer_id, cookie_encrypted, x_client_version, user_agent, "
        "is_active, credential_status, credential_checked_at, credential_message, "
        "listing_count, last_sync_at, rate_limited_until, created_at, updated_at, deleted_at"
    ),
    "listings": (
        "account_id, listing_id, internal_name, listing_name, first_seen_at, last_seen_at"
    ),
    "sync_jobs": (
        "job_id, account_id, status, trigger, full_backfill, retry_of_job_id, scheduled_for, "
        "window_start, window_end, listings_total, listings_completed, listings_failed, "
        "requests_made, rows_written, error_type, error_message, worker_id, attempts, "
        "cancel_requested, created_at, started_at, heartbeat_at, finished_at"
    ),
    "sync_job_listings": (
        "job_id, listing_id, listing_name, position, status, requests_done, requests_total, "
        "rows_written, error_type, error_message, started_at, finished_at"
    ),
    "chart_query": (
        "account_id, airbnb_listing_id, metric_date, airbnb_internal_name, "
        "conversion_rate_your_value, conversion_rate_your_value_string, "
        "conversion_rate_similar_value, conversion_rate_similar_value_string, "
        "p3_impressions_your_value, p3_impressions_your_value_string, "
        "p3_impressions_similar_value, p3_impressions_similar_value_string, synced_at"
    ),
}


def _generators(rows: Rows) -> dict[str, Iterable[tuple[Any, ...]]]:
    return {
        "accounts": rows.accounts(),
        "listings": rows.listings(),
        "sync_jobs": rows.jobs(),
        "sync_job_listings": rows.job_listings(),
        "chart_query": rows.chart_rows(),
    }


def _batches(items: Iterable[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(items)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def build_sqlite(path: Path, shape: Shape) -> None:
    """The large database as a SQLite file at ``path`` (replaced if it exists)."""
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -400000")
        conn.execute("PRAGMA foreign_keys = OFF")
        indexes = [
            (name, sql)
            for name, sql in conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({', '.join('?' * len(BULK_TABLES))})",
                BULK_TABLES,
            )
        ]
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        rows = Rows(shape, sqlite=True, now=datetime.now(UTC))
        for table, generated in _generators(rows).items():
            started = time.perf_counter()
            columns = COLUMNS[table]
            marks = ", ".join("?" * (columns.count(",") + 1))
            conn.execute("BEGIN")
            for batch in _batches(generated):
                conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)
            conn.execute("COMMIT")
            _log(table, started)
        started = time.perf_counter()
        for _, sql in indexes:
            conn.execute(sql)
        _log("indexes", started)
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()


def build_postgres(url: str, shape: Shape) -> None:
    """The large database in the (empty) PostgreSQL database at ``url``."""
    db = Database(url)
    upgrade(db)
    db.dispose()
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        # Foreign key triggers off for the load (the generated rows are consistent).
        conn.execute("SET session_replication_role = replica")
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "AND tablename = ANY(%s) AND indexname NOT LIKE 'pk\\_%%'",
            (list(BULK_TABLES),),
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        rows = Rows(shape, sqlite=False, now=datetime.now(UTC))
        for table, generated in _generators(rows).items():
            started = time.perf_counter()
            with (
                conn.cursor() as cursor,
                cursor.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy,
            ):
                for row in generated:
                    copy.write_row(row)
            _log(table, started)
        started = time.perf_counter()
        for _, sql in indexes:
            conn.execute(sql)
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('sync_jobs', 'job_id'), "
            "(SELECT max(job_id) FROM sync_jobs))"
        )
        conn.execute("ANALYZE")
        _log("indexes + analyze", started)


def _log(what: str, started: float) -> None:
    print(f"  {what}: {time.perf_counter() - started:.1f} s", flush=True)


DEFAULT_SQLITE = Path("/tmp/airbnb-tui-bench-large.db")
"""Where the dashboard and start-up benchmarks keep the full-size SQLite database between runs."""


def ensure_sqlite(path: Path, shape: Shape, *, rebuild: bool = False) -> Path:
    """``path`` holding a database of ``shape``: built now unless one of that shape is there."""
    marker = path.with_name(path.name + ".shape")
    wanted = repr(shape)
    if not rebuild and path.exists() and marker.exists() and marker.read_text() == wanted:
        return path
    started = time.perf_counter()
    print(f"building {path} ({shape.chart_rows:,} chart rows)...", flush=True)
    build_sqlite(path, shape)
    marker.write_text(wanted)
    _log("built", started)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--sqlite", type=Path, help="write a SQLite file here")
    target.add_argument("--postgres", help="load into this empty PostgreSQL database URL")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 1,000 accounts")
    args = parser.parse_args()
    shape = Shape().scaled(args.scale)
    print(
        f"{shape.accounts} accounts, {shape.jobs} jobs, {shape.job_listings} job-listing rows, "
        f"{shape.chart_rows} chart_query rows"
    )
    if args.sqlite:
        build_sqlite(args.sqlite, shape)
    else:
        build_postgres(args.postgres, shape)


if __name__ == "__main__":
    main()
