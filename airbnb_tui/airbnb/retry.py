"""When to try a request again, and how long to wait first.

Retry-After is honoured on 429; 5xx, timeouts and connection errors back off exponentially with
full jitter (a random wait between 0 and base * 2**n, capped), so many workers that failed
together do not come back together. Credentials, bot walls and other 4xx are never retried:
repeating them only burns the account's standing with Airbnb.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from airbnb_tui.airbnb.errors import AirbnbError, RateLimited
from airbnb_tui.config import Settings


@dataclass
class RetryPolicy:
    max_attempts: int = 5
    base_seconds: float = 1.0
    max_wait_seconds: float = 60.0
    total_wait_seconds: float = 300.0
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def from_settings(cls, settings: Settings, rng: random.Random | None = None) -> RetryPolicy:
        return cls(
            max_attempts=settings.max_attempts,
            base_seconds=settings.retry_base_seconds,
            max_wait_seconds=settings.retry_max_seconds,
            total_wait_seconds=settings.retry_total_seconds,
            rng=rng or random.Random(),
        )

    def backoff(self, attempt: int) -> float:
        """Full-jitter wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.max_wait_seconds, self.base_seconds * (2 ** (attempt - 1)))
        return self.rng.uniform(0, ceiling)

    def wait_before_retry(self, error: AirbnbError, attempt: int, waited: float) -> float | None:
        """Seconds to wait before the next attempt, or None when ``error`` must be raised."""
        if not error.retryable or attempt >= self.max_attempts:
            return None
        if isinstance(error, RateLimited) and error.retry_after is not None:
            wait = max(0.0, error.retry_after)
        else:
            wait = self.backoff(attempt)
        if waited + wait > self.total_wait_seconds:
            return None
        return wait
