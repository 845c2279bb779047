"""What the sandbox has seen: request counts, response statuses and per-account request times.

Tests assert on these (how many calls a sync made per listing, how they were spaced in time), so
the counters are exact and thread-safe, and a snapshot travels as JSON to tests that drive a
sandbox in another process.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

NO_RESPONSE = 0
"""Status recorded when the sandbox dropped the connection instead of answering."""


@dataclass(frozen=True)
class RequestKey:
    """Who asked what: account id ("" when the cookie named none), listing ids, operation."""

    account_id: str
    listing_id: str
    operation: str


@dataclass(frozen=True)
class SandboxStats:
    """A snapshot of the counters."""

    requests: Mapping[RequestKey, int] = field(default_factory=dict)
    statuses: Mapping[int, int] = field(default_factory=dict)
    request_times: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def count(
        self,
        account_id: str | None = None,
        listing_id: str | None = None,
        operation: str | None = None,
    ) -> int:
        """Requests matching every given filter (None matches anything)."""
        return sum(
            n
            for key, n in self.requests.items()
            if account_id in (None, key.account_id)
            and listing_id in (None, key.listing_id)
            and operation in (None, key.operation)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "requests": [
                {
                    "account_id": k.account_id,
                    "listing_id": k.listing_id,
                    "operation": k.operation,
                    "count": n,
                }
                for k, n in sorted(
                    self.requests.items(),
                    key=lambda kv: (kv[0].account_id, kv[0].listing_id, kv[0].operation),
                )
            ],
            "statuses": {str(status): n for status, n in sorted(self.statuses.items())},
            "request_times": {k: list(v) for k, v in self.request_times.items()},
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> SandboxStats:
        return cls(
            requests={
                RequestKey(r["account_id"], r["listing_id"], r["operation"]): int(r["count"])
                for r in raw.get("requests", ())
            },
            statuses={int(k): int(v) for k, v in raw.get("statuses", {}).items()},
            request_times={
                k: tuple(float(t) for t in v) for k, v in raw.get("request_times", {}).items()
            },
        )


class RequestCounters:
    """Thread-safe counters fed by the request handler threads."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._requests: Counter[RequestKey] = Counter()
        self._statuses: Counter[int] = Counter()
        self._times: dict[str, list[float]] = {}

    def request(self, key: RequestKey) -> None:
        with self._lock:
            self._requests[key] += 1
            self._times.setdefault(key.account_id, []).append(self._clock())

    def status(self, status: int) -> None:
        with self._lock:
            self._statuses[status] += 1

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._statuses.clear()
            self._times.clear()

    def snapshot(self) -> SandboxStats:
        with self._lock:
            return SandboxStats(
                requests=dict(self._requests),
                statuses=dict(self._statuses),
                request_times={k: tuple(v) for k, v in self._times.items()},
            )
