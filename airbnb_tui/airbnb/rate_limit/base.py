"""The per-account request budget every worker process shares, and the loop that waits for it.

pyrate-limiter decides whether a request may go (a sliding-window log of grants in a bucket); this
module adds what the sync engine needs on top: one bucket per account, a ``Retry-After`` hold that
every process honours, and a wait that a stop event can cut short. The backends (memory, SQLite
file, PostgreSQL, Redis) differ only in where the buckets and holds live.

How pyrate-limiter 4.5 behaves, as read in its source: a bucket counts every item it holds
whatever the item's name (the name only routes, through a ``BucketFactory``); ``try_acquire``
with ``blocking=True`` sleeps with ``time.sleep`` and re-stamps the retried item by adding the
planned sleep rather than reading the clock; each ``BucketFactory`` runs one daemon "leak" thread
that deletes expired items every ``leak_interval`` ms, and an exception in a bucket's ``leak()``
ends that thread for good.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType
from typing import Self, TypedDict

from pyrate_limiter import AbstractBucket, BucketFactory, Limiter, Rate, RateItem

logger = logging.getLogger(__name__)

DEFAULT_MARGIN_SECONDS = 0.25
"""Added to the window so the time between a grant and the request reaching Airbnb (and small
clock differences between processes) never lets N+1 requests land in one of Airbnb's windows."""

DEFAULT_LEAK_INTERVAL_SECONDS = 10.0
"""How often pyrate-limiter's background thread deletes grants older than the window."""

MIN_POLL_SECONDS = 0.02
"""Shortest sleep between two attempts, so a contended bucket is never polled in a tight loop."""

MAX_POLL_SECONDS = 1.0
"""Longest sleep between two attempts, so a hold set by another process is seen soon after."""

_PLAIN_KEY = re.compile(r"[a-z0-9_]{1,16}")


class AcquireCancelled(Exception):
    """The stop event was set while ``acquire()`` waited; no request slot was taken."""

    def __init__(self, account_id: str) -> None:
        super().__init__(f"stopped while waiting for account {account_id}'s rate limit")
        self.account_id = account_id


def bucket_key(account_id: str) -> str:
    """A short ``[a-z0-9_]`` name for an account, safe inside table names and keys.

    Airbnb account ids are digits and pass through unchanged (readable in the database); anything
    else becomes a hash, so a strange id can never reach SQL text or collide with another.
    """
    if _PLAIN_KEY.fullmatch(account_id):
        return account_id
    return "h" + hashlib.sha256(account_id.encode()).hexdigest()[:15]


class AccountBuckets(BucketFactory):
    """Routes each account to its own bucket.

    pyrate-limiter buckets count every item they hold whatever its name, so one shared bucket
    would make all accounts share one budget. Buckets are made on first use by ``make`` and
    handed to pyrate-limiter's leak thread, which drops expired grants.
    """

    def __init__(self, make: Callable[[str], AbstractBucket], leak_interval_seconds: float) -> None:
        self._make = make
        self._buckets: dict[str, AbstractBucket] = {}
        self._lock = threading.Lock()
        self.leak_interval = max(1, round(leak_interval_seconds * 1000))

    def bucket(self, account_id: str) -> AbstractBucket:
        with self._lock:
            found = self._buckets.get(account_id)
            if found is None:
                found = self._make(account_id)
                self._buckets[account_id] = found
                self.schedule_leak(found)
            return found

    def wrap_item(self, name: str, weight: int = 1) -> RateItem:
        # Stamped with the bucket's own clock: PostgreSQL's, or this host's wall clock.
        now = self.bucket(name).now()  # type: ignore[no-untyped-call]
        return RateItem(name, int(now), weight=weight)

    def get(self, item: RateItem) -> AbstractBucket:
        return self.bucket(item.name)

    def owned_buckets(self) -> list[AbstractBucket]:
        with self._lock:
            return list(self._buckets.values())


class LimiterOptions(TypedDict, total=False):
    """Keyword options every backend accepts and passes on to ``AccountRateLimiter``."""

    margin_seconds: float
    leak_interval_seconds: float
    wall_clock: Callable[[], float]


class AccountRateLimiter(ABC):
    """At most ``limit`` requests per rolling ``per_seconds`` for each account, across processes.

    Subclasses say where buckets and holds live. Use one instance per process (it is thread-safe)
    and ``close()`` it when done.
    """

    def __init__(
        self,
        limit: int,
        per_seconds: float,
        *,
        margin_seconds: float = DEFAULT_MARGIN_SECONDS,
        leak_interval_seconds: float = DEFAULT_LEAK_INTERVAL_SECONDS,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if limit < 1:
            raise ValueError("the rate limit needs at least 1 request per window")
        if per_seconds <= 0 or margin_seconds < 0:
            raise ValueError("the rate limit window must be positive, its margin not negative")
        self.limit = limit
        self.per_seconds = per_seconds
        self._wall_clock = wall_clock
        self._rates = [Rate(limit, round((per_seconds + margin_seconds) * 1000))]
        self._buckets = AccountBuckets(self._make_bucket, leak_interval_seconds)
        self._limiter = Limiter(self._buckets)
        self._closed = False
        self._pid = os.getpid()

    # What a backend provides --------------------------------------------------------------------

    @abstractmethod
    def _make_bucket(self, account_id: str) -> AbstractBucket:
        """A bucket for this account's grants, with ``self._rates``, seen by every process."""

    @abstractmethod
    def _save_hold(self, account_id: str, until: float) -> None:
        """Record that no request may go for the account before ``until`` (epoch seconds).

        An earlier ``until`` than one already stored must not shorten the hold.
        """

    @abstractmethod
    def _load_hold(self, account_id: str) -> float | None:
        """The stored hold end (epoch seconds), expired or not, or None."""

    def _close_backend(self) -> None:  # noqa: B027 - optional hook
        """Release connections that the buckets do not own."""

    # Public API ---------------------------------------------------------------------------------

    def acquire(self, account_id: str, *, stop: threading.Event | None = None) -> float:
        """Block until the account may send one request; return the seconds waited.

        Waits for the account's window to have room and for any hold to pass. Raises
        ``AcquireCancelled`` as soon as ``stop`` is set, so a shutdown or cancel is never stuck
        here. The wait sleeps on the event in slices; it never spins.
        """
        waiter = stop if stop is not None else threading.Event()
        started = time.monotonic()
        while True:
            if waiter.is_set():
                raise AcquireCancelled(account_id)
            wait = self._hold_remaining(account_id)
            if wait <= 0:
                if self._take(account_id):
                    # A hold set by another process between the check and the grant still wins;
                    # the slot just taken is given up, which only ever errs on the slow side.
                    wait = self._hold_remaining(account_id)
                    if wait <= 0:
                        return time.monotonic() - started
                else:
                    wait = self._window_remaining(account_id)
            if wait > 1:
                logger.debug("account %s: waiting %.1f s for its rate limit", account_id, wait)
            if waiter.wait(min(max(wait, MIN_POLL_SECONDS), MAX_POLL_SECONDS)):
                raise AcquireCancelled(account_id)

    def try_acquire(self, account_id: str) -> bool:
        """Take a slot only if one is free right now and no hold is in force."""
        return self._hold_remaining(account_id) <= 0 and self._take(account_id)

    def hold(self, account_id: str, seconds: float) -> None:
        """Stop every process from sending for this account for ``seconds`` (a 429's Retry-After).

        A shorter hold never cuts a longer one that is already in force.
        """
        self._check_process()
        if seconds > 0:
            self._save_hold(account_id, self._wall_clock() + seconds)

    def held_until(self, account_id: str) -> float | None:
        """When the account's hold ends (epoch seconds), or None if no hold is in force."""
        self._check_process()
        until = self._load_hold(account_id)
        if until is None or until <= self._wall_clock():
            return None
        return until

    def close(self) -> None:
        """Stop the leak thread and close the backend's connections. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._limiter.close()
        self._close_backend()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(limit={self.limit}, per_seconds={self.per_seconds:g})"

    # Internals ----------------------------------------------------------------------------------

    def _check_process(self) -> None:
        # Connections and file locks do not survive a fork: a child must open its own limiter.
        if os.getpid() != self._pid:
            raise RuntimeError("open the rate limiter in each worker process, after any fork")

    def _hold_remaining(self, account_id: str) -> float:
        until = self.held_until(account_id)
        return 0.0 if until is None else until - self._wall_clock()

    def _take(self, account_id: str) -> bool:
        # Non-blocking: pyrate-limiter's own blocking wait sleeps with time.sleep (deaf to a stop
        # event) and advances the item's timestamp by the planned sleep instead of re-reading
        # the clock, so this class does the waiting itself.
        granted = self._limiter.try_acquire(account_id, blocking=False)
        if not isinstance(granted, bool):
            raise TypeError("rate limit buckets must be synchronous")
        return granted

    def _window_remaining(self, account_id: str) -> float:
        """Seconds until the account's window has room, from the last refused put."""
        bucket = self._buckets.bucket(account_id)
        wait_ms = bucket.waiting(self._buckets.wrap_item(account_id))
        if not isinstance(wait_ms, int):
            raise TypeError("rate limit buckets must be synchronous")
        return max(wait_ms, 0) / 1000
