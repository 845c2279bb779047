"""Reading request timestamps: the busiest window, and the rate a limiter paced them at."""

from __future__ import annotations

from collections.abc import Sequence


def max_in_window(times: Sequence[float], seconds: float) -> int:
    """The most requests that fall in any ``seconds``-long window ``[t, t + seconds)``."""
    ordered = sorted(times)
    best = 0
    end = 0
    for start, first in enumerate(ordered):
        while end < len(ordered) and ordered[end] - first < seconds:
            end += 1
        best = max(best, end - start)
    return best


def paced_rate(times: Sequence[float], limit: int) -> float:
    """Requests per second as a sliding-window limiter of ``limit`` sees them: ``limit``
    requests over the time from each request to the one ``limit`` later, averaged over the
    run. A window's worth may go at once; after that, request ``i`` must wait until request
    ``i - limit`` has left the window, so this is the rate the limiter paced the run at, with
    neither the free first burst nor a short last one skewing it."""
    ordered = sorted(times)
    if len(ordered) <= limit:
        raise ValueError(f"need more than {limit} requests to see the paced rate")
    spans = [ordered[i] - ordered[i - limit] for i in range(limit, len(ordered))]
    return limit / (sum(spans) / len(spans))
