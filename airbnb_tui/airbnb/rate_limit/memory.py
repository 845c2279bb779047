"""A rate limiter that lives in this process only: for tests and single-process runs."""

from __future__ import annotations

import threading
from typing import Unpack

from pyrate_limiter import AbstractBucket, InMemoryBucket

from airbnb_tui.airbnb.rate_limit.base import AccountRateLimiter, LimiterOptions


class MemoryRateLimiter(AccountRateLimiter):
    """Buckets and holds in this process's memory; other processes do not see them."""

    def __init__(self, limit: int, per_seconds: float, **options: Unpack[LimiterOptions]) -> None:
        self._holds: dict[str, float] = {}
        self._holds_lock = threading.Lock()
        super().__init__(limit, per_seconds, **options)

    def _make_bucket(self, account_id: str) -> AbstractBucket:
        return InMemoryBucket(self._rates)

    def _save_hold(self, account_id: str, until: float) -> None:
        with self._holds_lock:
            self._holds[account_id] = max(until, self._holds.get(account_id, 0.0))

    def _load_hold(self, account_id: str) -> float | None:
        with self._holds_lock:
            return self._holds.get(account_id)
