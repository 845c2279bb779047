"""One worker process for benchmarks/pacing.py: runs one queued job with a limiter whose window
and bucket the benchmark chooses (``per_seconds`` shorter than a minute keeps the run short).

    python -m benchmarks.pacing_worker DB_URL BASE_URL LIMITER_URL LIMIT PER_SECONDS BUCKET JOB_ID
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

from airbnb_tui.airbnb.rate_limit import AccountRateLimiter, rate_limiter_from_url
from airbnb_tui.db.engine import Database
from airbnb_tui.secrets import CookieCipher
from airbnb_tui.sync.runner import JobRunner
from benchmarks.sync_setup import bench_settings


class OneBucket:
    """Every account's requests drawn from one account's bucket: three workers syncing three
    accounts then contend for one budget exactly as three would for one account."""

    def __init__(self, limiter: AccountRateLimiter, key: str) -> None:
        self.limiter = limiter
        self.key = key

    def acquire(self, account_id: str, *, stop: threading.Event | None = None) -> float:
        return self.limiter.acquire(self.key, stop=stop)

    def hold(self, account_id: str, seconds: float) -> None:
        self.limiter.hold(self.key, seconds)


def main() -> None:
    db_url, base_url, limiter_url, limit, per_seconds, bucket, job_id = sys.argv[1:8]
    with tempfile.TemporaryDirectory() as folder:
        settings = bench_settings(Path(folder), base_url, **pacing_windows())
        db = Database(db_url)
        limiter = rate_limiter_from_url(
            limiter_url, limit=int(limit), per_seconds=float(per_seconds)
        )
        try:
            runner = JobRunner(
                settings,
                db,
                worker_id=f"pacing-{job_id}",
                cipher=CookieCipher.from_settings(settings),
                limiter=OneBucket(limiter, bucket),
            )
            outcome = runner.run(int(job_id))
        finally:
            limiter.close()
            db.dispose()
    if outcome is None or outcome.status != "succeeded":
        sys.exit(f"job {job_id} ended {outcome}")


def pacing_windows() -> dict[str, int]:
    """Short syncs (three weeks: 7 requests per listing) so a run is many listings long."""
    return {"first_run_lookback_weeks": 1, "lookback_weeks": 1, "lookahead_weeks": 1}


if __name__ == "__main__":
    main()
