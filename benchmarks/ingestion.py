"""Target 3 — ingestion: the sync's upsert of chart_query rows against a raw executemany INSERT.

The rows are those a sync builds (every column of chart_query, a listing's ~half year of days per
batch), written one listing per transaction as the sync writes them. The raw side hands the
driver ready-made tuples with ``cursor.executemany`` inside BEGIN/COMMIT on the same connection
settings; the product side is ``airbnb_tui.db.upsert.upsert`` inside ``Database.write()``. Both
write into an emptied table, alternately. Also shown: the upsert rewriting rows that exist
(what a re-sync does), against the same raw insert.

    .venv/bin/python -m benchmarks.ingestion [--listings 100] [--repeats 5]
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, text

from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import Account, ChartQuery
from airbnb_tui.db.upsert import upsert
from airbnb_tui.sync.listing import CHART_COLUMNS
from benchmarks.databases import backends, database_url, reset_schema
from benchmarks.report import header, median, table, timed, verdict

TARGET = 0.8
DAYS = 189  # a daily sync: 1 week back, 25 weeks ahead
ACCOUNT = "900000001"
TABLE: Table = ChartQuery.__table__  # type: ignore[assignment]

Batch = list[dict[str, Any]]


def listing_batches(listings: int, *, seed: int = 11) -> list[Batch]:
    """One batch of rows per listing, shaped exactly like ``fetch_listing``'s chart rows."""
    rng = random.Random(seed)
    synced = datetime(2025, 2, 5, 6, 0, tzinfo=UTC)
    start = date(2025, 1, 26)
    batches = []
    for listing in range(listings):
        rows = []
        for day in range(DAYS):
            row: dict[str, Any] = dict.fromkeys(CHART_COLUMNS)
            your = rng.randint(0, 400)
            similar = rng.randint(0, 400)
            row.update(
                account_id=ACCOUNT,
                airbnb_listing_id=str(10**17 + listing),
                metric_date=start + timedelta(days=day),
                airbnb_internal_name=f"{listing} Harbor View Dr",
                p3_impressions_your_value=your,
                p3_impressions_your_value_string=str(your),
                p3_impressions_similar_value=similar,
                p3_impressions_similar_value_string=str(similar),
                synced_at=synced,
            )
            rows.append(row)
        batches.append(rows)
    return batches


def _driver_value(value: object, sqlite: bool) -> object:
    """What SQLAlchemy's types hand the driver: SQLite stores dates and times as text."""
    if not sqlite:
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def raw_insert(db: Database, batches: Sequence[Batch]) -> Callable[[], None]:
    """A function that inserts every batch with DBAPI executemany, one transaction each."""
    columns = list(CHART_COLUMNS)
    marker = "?" if db.is_sqlite else "%s"
    sql = (
        f"INSERT INTO chart_query ({', '.join(columns)}) "
        f"VALUES ({', '.join([marker] * len(columns))})"
    )
    ready = [
        [tuple(_driver_value(row[c], db.is_sqlite) for c in columns) for row in batch]
        for batch in batches
    ]

    def run() -> None:
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            for rows in ready:
                if db.is_sqlite:
                    # The engine puts pysqlite in autocommit mode: open the transaction here.
                    cursor.execute("BEGIN IMMEDIATE")
                    cursor.executemany(sql, rows)
                    cursor.execute("COMMIT")
                else:
                    cursor.executemany(sql, rows)
                    raw.commit()
            cursor.close()
        finally:
            raw.close()

    return run


def product_upsert(db: Database, batches: Sequence[Batch]) -> Callable[[], None]:
    def run() -> None:
        for rows in batches:
            with db.write() as session:
                upsert(session, TABLE, rows)

    return run


def empty_table(db: Database) -> None:
    if db.is_sqlite:
        with db.write() as session:
            session.execute(text("DELETE FROM chart_query"))
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        with db.write() as session:
            session.execute(text("TRUNCATE chart_query"))


def measure(url: str, listings: int, repeats: int) -> tuple[list[float], list[float]]:
    """Per repeat: (insert-into-empty ratio, rewrite-existing ratio), raw timed alongside.

    The two are timed in alternating order (raw first, then upsert first), so a trend in the
    machine's load does not favour either.
    """
    batches = listing_batches(listings)
    db = reset_schema(url)
    try:
        with db.write() as session:
            session.add(Account(account_id=ACCOUNT, cookie_encrypted=""))
        raw, ours = raw_insert(db, batches), product_upsert(db, batches)

        def fresh(fn: Callable[[], None]) -> float:
            empty_table(db)
            return timed(fn)

        # One untimed round first: connections opened, statements compiled and cached.
        fresh(raw)
        fresh(ours)
        into_empty, rewrite = [], []
        for index in range(repeats):
            if index % 2 == 0:
                raw_seconds = fresh(raw)
                upsert_seconds = fresh(ours)
                rewrite_seconds = timed(ours)
            else:
                upsert_seconds = fresh(ours)
                rewrite_seconds = timed(ours)
                raw_seconds = fresh(raw)
            into_empty.append(raw_seconds / upsert_seconds)
            rewrite.append(raw_seconds / rewrite_seconds)
        with db.read() as session:
            stored = session.scalar(text("SELECT count(*) FROM chart_query"))
        assert stored == listings * DAYS, stored
        return into_empty, rewrite
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=8)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    rows = args.listings * DAYS
    header(
        "ingestion",
        f"{rows} chart_query rows ({args.listings} listings x {DAYS} days, one transaction per "
        "listing): raw executemany seconds / upsert seconds, median of "
        f"{args.repeats} runs in alternating order",
        f">= {TARGET:.2f} on SQLite and on PostgreSQL (into an empty table)",
    )
    out = []
    for backend in backends(args.backend):
        with database_url(backend) as url:
            fresh, rewrite = measure(url, args.listings, args.repeats)
        out.append(
            (
                backend,
                " ".join(f"{r:.2f}" for r in fresh),
                f"{median(fresh):.2f}",
                f"{median(rewrite):.2f}",
                verdict(median(fresh) >= TARGET),
            )
        )
    table(out, ["backend", "ratios (empty table)", "median", "rewrite existing", "target"])


if __name__ == "__main__":
    main()
