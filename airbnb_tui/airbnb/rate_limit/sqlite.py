"""The rate limiter in a SQLite file of its own, shared by every process on this host.

The file sits beside the main database (``ratelimit.db``) rather than inside it, so the limiter's
frequent small writes never queue behind, or hold up, the sync's writer lock.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from typing import Literal, Unpack

from filelock import FileLock
from pyrate_limiter import AbstractBucket, RateItem, SQLiteBucket, SQLiteQueries

from airbnb_tui.airbnb.rate_limit.base import AccountRateLimiter, LimiterOptions, bucket_key
from airbnb_tui.locations import ensure_private_file

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_SECONDS = 30.0

_CREATE_HOLDS = """
CREATE TABLE IF NOT EXISTS holds (
    account_id TEXT PRIMARY KEY,
    held_until REAL NOT NULL
)
"""
_SAVE_HOLD = """
INSERT INTO holds (account_id, held_until) VALUES (?, ?)
ON CONFLICT (account_id) DO UPDATE SET held_until = max(held_until, excluded.held_until)
"""
_LOAD_HOLD = "SELECT held_until FROM holds WHERE account_id = ?"


class _SQLiteAccountBucket(SQLiteBucket):
    """pyrate-limiter's SQLite bucket, with two fixes for many processes.

    The grant is time-stamped after the cross-process lock is taken: stamped before, a process
    that waited for the lock would store a grant older than it is, which then leaves the window
    early. And a failed cleanup is logged instead of killing the shared leak thread for good.
    """

    def put(self, item: RateItem) -> bool:
        with self.lock:
            item.timestamp = self.now()  # type: ignore[no-untyped-call]
            return super().put(item)

    def leak(self, current_timestamp: int | None = None) -> int:
        try:
            return super().leak(current_timestamp)
        except sqlite3.Error as exc:
            logger.warning("could not clean up the rate limit table %s: %s", self.table, exc)
            return 0


class SQLiteRateLimiter(AccountRateLimiter):
    """Buckets as tables in one SQLite file, one table per account, guarded by a file lock.

    pyrate-limiter's SQLite bucket counts and inserts in two statements outside one transaction
    (pysqlite only opens a transaction before the INSERT), so the file lock is what makes the
    check-and-take atomic across processes. Holds sit in a ``holds`` table of the same file.
    """

    def __init__(
        self, path: Path, limit: int, per_seconds: float, **options: Unpack[LimiterOptions]
    ) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        ensure_private_file(path)
        self._file_lock = FileLock(f"{path}.lock", mode=0o600)
        self._holds_lock = threading.Lock()
        with self._file_lock:
            self._holds = self._connect(isolation_level=None)
            self._holds.execute("PRAGMA journal_mode=WAL")
            self._holds.execute(_CREATE_HOLDS)
        super().__init__(limit, per_seconds, **options)

    def _connect(self, *, isolation_level: Literal["DEFERRED"] | None) -> sqlite3.Connection:
        # Threads share each connection: bucket connections under the file lock, the holds
        # connection under a thread lock.
        conn = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_SECONDS,
            isolation_level=isolation_level,
            check_same_thread=False,
        )
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _make_bucket(self, account_id: str) -> AbstractBucket:
        table = f"account_{bucket_key(account_id)}"
        with self._file_lock:
            conn = self._connect(isolation_level="DEFERRED")
            conn.execute(SQLiteQueries.CREATE_BUCKET_TABLE.format(table=table))
            conn.execute(
                SQLiteQueries.CREATE_INDEX_ON_TIMESTAMP.format(
                    index_name=f"idx_{table}_rate_item_timestamp", table_name=table
                )
            )
            conn.commit()
        return _SQLiteAccountBucket(self._rates, conn, table, lock=self._file_lock)

    def _save_hold(self, account_id: str, until: float) -> None:
        with self._holds_lock:
            self._holds.execute(_SAVE_HOLD, (account_id, until))

    def _load_hold(self, account_id: str) -> float | None:
        with self._holds_lock:
            row = self._holds.execute(_LOAD_HOLD, (account_id,)).fetchone()
        return None if row is None else float(row[0])

    def _close_backend(self) -> None:
        with self._holds_lock:
            self._holds.close()
