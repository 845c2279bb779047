"""What every screen is handed: settings, the database, the job queue, the clock, and the
secrets it opens.

Screens get this object instead of reaching into the app, so they can be built and tested on
their own, and a test can fix the clock so "3h ago" is the same on every run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from airbnb_tui.airbnb.rate_limit import AccountRateLimiter, make_rate_limiter
from airbnb_tui.config import Settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.types import utcnow
from airbnb_tui.secrets import CookieCipher
from airbnb_tui.services.queue import JobQueue

Clock = Callable[[], datetime]


class AppContext:
    """Settings, database, job queue and clock, plus the cipher and rate limiter opened on first
    use.

    ``cipher()`` and ``limiter()`` read or create files, so they are called from worker threads
    only; a lock keeps two workers from opening them twice.
    """

    def __init__(
        self, settings: Settings, db: Database, queue: JobQueue, *, clock: Clock = utcnow
    ) -> None:
        self.settings = settings
        self.db = db
        self.queue = queue
        self.clock = clock
        self._lock = threading.Lock()
        self._cipher: CookieCipher | None = None
        self._limiter: AccountRateLimiter | None = None

    def now(self) -> datetime:
        return self.clock()

    def cipher(self) -> CookieCipher:
        with self._lock:
            if self._cipher is None:
                self._cipher = CookieCipher.from_settings(self.settings)
            return self._cipher

    def limiter(self) -> AccountRateLimiter:
        """The deployment's shared per-account rate limit, the one the worker uses too."""
        with self._lock:
            if self._limiter is None:
                self._limiter = make_rate_limiter(self.settings)
            return self._limiter

    def close(self) -> None:
        with self._lock:
            if self._limiter is not None:
                self._limiter.close()
                self._limiter = None
