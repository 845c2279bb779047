"""The rate limiter in the application's PostgreSQL database, shared by every worker host."""

from __future__ import annotations

import logging
import re
import time
import zlib
from typing import Unpack

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool
from pyrate_limiter import AbstractBucket, PostgresBucket

from airbnb_tui.airbnb.rate_limit.base import AccountRateLimiter, LimiterOptions, bucket_key
from airbnb_tui.errors import DatabaseUnavailable

logger = logging.getLogger(__name__)

DEFAULT_TABLE_PREFIX = "airbnb_tui_rate_limit"
CONNECT_TIMEOUT_SECONDS = 10.0

# pyrate-limiter names a bucket's table "ratelimit___{table}" and its index
# "timestampindex_{table}"; PostgreSQL cuts identifiers at 63 bytes, so {table} = prefix + "_" +
# a 16-character account key must stay within 48.
_PREFIX = re.compile(r"[a-z_][a-z0-9_]{0,30}")

_CREATE_HOLDS = """
CREATE TABLE IF NOT EXISTS {table} (
    account_id TEXT PRIMARY KEY,
    held_until DOUBLE PRECISION NOT NULL
)
"""
_SAVE_HOLD = """
INSERT INTO {table} AS held (account_id, held_until) VALUES (%s, %s)
ON CONFLICT (account_id) DO UPDATE SET held_until = GREATEST(held.held_until, EXCLUDED.held_until)
"""
_LOAD_HOLD = "SELECT held_until FROM {table} WHERE account_id = %s"


def psycopg_conninfo(url: str) -> str:
    """The libpq URL for an SQLAlchemy-style ``postgresql+psycopg://`` URL."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.split("+", 1)[0] not in ("postgresql", "postgres"):
        raise ValueError("expected a postgresql:// or postgresql+psycopg:// URL")
    return f"postgresql://{rest}"


def _utc_session(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    # pyrate-limiter stores grants in a TIMESTAMP (without time zone) column through
    # TO_TIMESTAMP(), so every session must share one time zone, or windows shift between
    # workers (and repeat at a DST change).
    conn.execute("SET TIME ZONE 'UTC'")
    conn.commit()


class _PostgresAccountBucket(PostgresBucket):
    """pyrate-limiter's PostgreSQL bucket. A failed cleanup is logged instead of killing the
    shared leak thread for good, and once closing, the leak thread no longer touches the pool
    (the library's clock would log a traceback for a closed pool)."""

    _closing = False

    def now(self) -> int:
        if self._closing:
            return time.time_ns() // 1_000_000
        return int(super().now())  # type: ignore[no-untyped-call]

    def leak(self, current_timestamp: int | None = None) -> int:
        if self._closing:
            return 0
        try:
            result = super().leak(current_timestamp)
        except psycopg.Error as exc:
            logger.warning("could not clean up the rate limit table %s: %s", self.table, exc)
            return 0
        return result if isinstance(result, int) else 0

    def close(self) -> None:
        self._closing = True
        super().close()  # type: ignore[no-untyped-call]


class PostgresRateLimiter(AccountRateLimiter):
    """One bucket table per account plus a holds table, all named ``{table_prefix}_…``.

    pyrate-limiter takes an EXCLUSIVE lock on the account's table with NOWAIT for each
    check-and-take; a process that meets the lock is refused and simply tries again shortly.
    Grants are stamped with the database's clock, so hosts need not agree on the time.
    """

    def __init__(
        self,
        url: str,
        limit: int,
        per_seconds: float,
        *,
        table_prefix: str = DEFAULT_TABLE_PREFIX,
        pool_size: int = 4,
        **options: Unpack[LimiterOptions],
    ) -> None:
        if not _PREFIX.fullmatch(table_prefix):
            raise ValueError("a rate limit table prefix is 1-31 characters of a-z, 0-9 and _")
        self.table_prefix = table_prefix
        self._holds_table = sql.Identifier(f"{table_prefix}_holds")
        self._pool: ConnectionPool[psycopg.Connection[tuple[object, ...]]] = ConnectionPool(
            psycopg_conninfo(url),
            min_size=1,
            max_size=pool_size,
            open=True,
            configure=_utc_session,
            name="airbnb-tui-rate-limit",
        )
        try:
            self._pool.wait(timeout=CONNECT_TIMEOUT_SECONDS)
            self._create_holds_table()
        except psycopg.Error as exc:  # PoolTimeout is one
            self._pool.close()
            raise DatabaseUnavailable(
                "Could not reach PostgreSQL for the rate limit; check DATABASE_URL / "
                f"RATE_LIMIT_URL and that the server is running ({type(exc).__name__})."
            ) from exc
        super().__init__(limit, per_seconds, **options)

    def _create_holds_table(self) -> None:
        lock_id = zlib.crc32(f"{self.table_prefix}_holds".encode()) & 0x7FFFFFFF
        with self._pool.connection() as conn:
            # Concurrent CREATE TABLE IF NOT EXISTS can still collide in pg_type.
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_id,))
            conn.execute(sql.SQL(_CREATE_HOLDS).format(table=self._holds_table))

    def _make_bucket(self, account_id: str) -> AbstractBucket:
        table = f"{self.table_prefix}_{bucket_key(account_id)}"
        return _PostgresAccountBucket(self._pool, table, self._rates)

    def _save_hold(self, account_id: str, until: float) -> None:
        with self._pool.connection() as conn:
            conn.execute(sql.SQL(_SAVE_HOLD).format(table=self._holds_table), (account_id, until))

    def _load_hold(self, account_id: str) -> float | None:
        with self._pool.connection() as conn:
            query = sql.SQL(_LOAD_HOLD).format(table=self._holds_table)
            row = conn.execute(query, (account_id,)).fetchone()
        return None if row is None else float(str(row[0]))

    def _close_backend(self) -> None:
        # The buckets close the shared pool too; closing a closed pool is harmless.
        self._pool.close()
