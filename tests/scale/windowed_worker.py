"""``airbnb-worker`` with a rate-limit window shorter than a minute, for the scale-out test.

The shared limit is REQUESTS_PER_MINUTE requests per rolling 60 s; a CI run cannot wait out
minutes, so this entry point — the real worker in every other respect (huey consumer, queue,
database, Redis buckets, signals) — makes the window AIRBNB_TUI_TEST_RATE_WINDOW_SECONDS long.

    python -m tests.scale.windowed_worker [airbnb-worker options]
"""

from __future__ import annotations

import functools
import os

from airbnb_tui.airbnb import rate_limit

WINDOW_ENV = "AIRBNB_TUI_TEST_RATE_WINDOW_SECONDS"


def main() -> None:
    seconds = float(os.environ[WINDOW_ENV])
    # worker.main imports make_rate_limiter from this package when it starts the limiter.
    rate_limit.make_rate_limiter = functools.partial(
        rate_limit.make_rate_limiter, per_seconds=seconds
    )
    from worker.main import main as worker_main

    worker_main()


if __name__ == "__main__":
    main()
