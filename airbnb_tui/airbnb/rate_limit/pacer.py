"""Random spacing between one account's requests, and the pause between listings.

The rate limit caps how many requests go per minute; the pacer makes their timing look less like
a machine's: REQUEST_JITTER_SECONDS between requests, LISTING_PAUSE_SECONDS between listings.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airbnb_tui.config import SecondsRange, Settings

SLEEP_SLICE_SECONDS = 0.5
"""With an injected sleep function, how long each slice is before the stop event is checked."""


class RequestPacer:
    """Paces one account's requests within one sync run; not shared between threads.

    ``before_request()`` waits until a fresh jitter draw has passed since the previous request
    began (the first request goes at once, and time spent in the rate limiter or a listing pause
    counts towards it). ``between_listings()`` waits a fresh listing-pause draw. Either returns
    early when ``stop`` is set, so the caller checks ``stop`` afterwards.
    """

    def __init__(
        self,
        jitter: SecondsRange,
        listing_pause: SecondsRange,
        *,
        stop: threading.Event | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.jitter = jitter
        self.listing_pause = listing_pause
        self._stop = stop
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._last_request: float | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        stop: threading.Event | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> RequestPacer:
        return cls(
            settings.request_jitter_seconds,
            settings.listing_pause_seconds,
            stop=stop,
            sleep=sleep,
            clock=clock,
            rng=rng,
        )

    def before_request(self) -> float:
        """Wait out the spacing before the next request; return the seconds waited."""
        waited = 0.0
        if self._last_request is not None and self.jitter.enabled:
            since = self._clock() - self._last_request
            waited = self._pause(self.jitter.draw(self._rng) - since)
        self._last_request = self._clock()
        return waited

    def between_listings(self) -> float:
        """Wait the pause between two listings; return the seconds waited."""
        if not self.listing_pause.enabled:
            return 0.0
        return self._pause(self.listing_pause.draw(self._rng))

    def _pause(self, seconds: float) -> float:
        """Wait up to ``seconds``, less if the stop event is set; return the seconds waited."""
        started = self._clock()
        if seconds <= 0 or (self._stop is not None and self._stop.is_set()):
            return 0.0
        if self._sleep is None:
            if self._stop is None:
                time.sleep(seconds)
            else:
                self._stop.wait(seconds)
            return self._clock() - started
        slept = 0.0
        while slept < seconds and not (self._stop is not None and self._stop.is_set()):
            step = min(seconds - slept, SLEEP_SLICE_SECONDS)
            self._sleep(step)
            slept += step
        return slept
