"""Target 2 — pacing: the request rate a sync keeps under REQUESTS_PER_MINUTE.

Syncs run against the sandbox (a separate process) with jitter and listing pauses off, so the
shared rate limit alone paces them, in real worker processes: one worker syncing one account,
then three workers syncing three accounts whose requests all draw on ONE account's bucket (the
contention several workers would put on one account). The limiter keeps ``--limit`` requests
per rolling ``--per-seconds`` (600 per minute's rate in a 10 s window by default, so a run
takes half a minute, not several); every backend that stores buckets is tried.

The sandbox records when each request arrived. Two figures, both over the configured rate:
- peak: the most requests in any window of ``--per-seconds``, over ``--limit`` (must not
  exceed 1.00: the budget is never overrun, measured where Airbnb would count);
- paced: the rate over every run of ``--limit`` consecutive requests (request i and request
  i - limit), averaged over the sync, over limit / per-seconds. A sliding-window limiter lets
  one window's worth go at once, then each request waits for the one ``limit`` before it to
  leave the window: this is the rate it held the sync to.

    .venv/bin/python -m benchmarks.pacing [--limit 100] [--per-seconds 10] [--windows 4]
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from airbnb_tui.db.engine import Database
from airbnb_tui.db.migrate import upgrade
from airbnb_tui.sync import jobs
from benchmarks.databases import (
    postgres_database,
    postgres_server_url,
    redis_server_url,
    scratch_dir,
)
from benchmarks.pacing_worker import pacing_windows
from benchmarks.rates import max_in_window, paced_rate
from benchmarks.report import header, table, verdict
from benchmarks.sandbox_process import sandbox_process
from benchmarks.sync_setup import add_account, bench_settings, requests_for

LOW, HIGH = 0.95, 1.00


@dataclass
class Result:
    requests: int
    peak: int
    paced: float


@contextmanager
def limiter_url(backend: str) -> Iterator[str]:
    """Where the buckets live for one run: a fresh file, database or key prefix."""
    if backend == "sqlite":
        with scratch_dir() as folder:
            yield f"sqlite:///{folder / 'ratelimit.db'}"
    elif backend == "postgres":
        with postgres_database("airbnb_tui_bench_rl") as url:
            yield url
    else:
        server = redis_server_url()
        assert server is not None
        prefix = f"airbnb_tui_bench:{uuid.uuid4().hex[:10]}"
        try:
            yield f"{server}{'&' if '?' in server else '?'}prefix={prefix}"
        finally:
            _delete_redis_keys(server, prefix)


def _delete_redis_keys(server: str, prefix: str) -> None:
    from redis import Redis

    client = Redis.from_url(server)
    try:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
    finally:
        client.close()


def run(backend: str, workers: int, limit: int, per_seconds: float, windows: int) -> Result:
    """``workers`` processes syncing one account each, all drawing on one bucket."""
    with scratch_dir() as folder:
        settings = bench_settings(folder / "data", "http://unused", **pacing_windows())
        per_listing = requests_for(settings, 1) - 1
        # about ``windows`` windows' worth of requests in all
        listings = math.ceil((windows * limit / workers - 1) / per_listing)
        with sandbox_process(workers, listings) as sandbox, limiter_url(backend) as limiter:
            db_url = f"sqlite:///{folder / 'airbnb.db'}"
            db = Database(db_url)
            upgrade(db)
            job_ids = []
            for account in sandbox.accounts:
                add_account(db, settings, account)
                job_ids.append(jobs.request_sync(db, account.account_id).job_id)
            db.dispose()
            bucket = sandbox.accounts[0].account_id
            sandbox.control.reset()
            procs = [
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "benchmarks.pacing_worker",
                        db_url,
                        sandbox.base_url,
                        limiter,
                        str(limit),
                        str(per_seconds),
                        bucket,
                        str(job_id),
                    ]
                )
                for job_id in job_ids
            ]
            failed = [proc.wait(timeout=windows * per_seconds * 4 + 120) for proc in procs]
            if any(failed):
                raise RuntimeError(f"a pacing worker failed: exit codes {failed}")
            stats = sandbox.control.stats()
    times = [t for account in sandbox.accounts for t in stats.request_times[account.account_id]]
    return Result(
        requests=len(times),
        peak=max_in_window(times, per_seconds),
        paced=paced_rate(times, limit) * per_seconds / limit,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--per-seconds", type=float, default=10.0)
    parser.add_argument("--windows", type=int, default=4, help="run length, in windows")
    parser.add_argument(
        "--backend", action="append", choices=["sqlite", "postgres", "redis"], default=None
    )
    args = parser.parse_args()
    chosen = args.backend or ["sqlite", "postgres", "redis"]
    if postgres_server_url() is None and "postgres" in chosen:
        chosen.remove("postgres")
        print("(PostgreSQL buckets skipped: no server configured)")
    if redis_server_url() is None and "redis" in chosen:
        chosen.remove("redis")
        print(
            "(Redis buckets skipped: set AIRBNB_TUI_BENCH_REDIS_URL or AIRBNB_TUI_TEST_REDIS_URL)"
        )
    rate = args.limit / args.per_seconds * 60
    header(
        "pacing",
        f"syncs paced only by the shared limiter ({args.limit} per {args.per_seconds:g} s = "
        f"{rate:.0f}/min), request arrivals at the sandbox: peak window count / limit, and "
        "paced rate / configured rate",
        f"paced {LOW:.2f}-{HIGH:.2f} and peak <= 1.00, one worker and three workers "
        "sharing one bucket",
    )
    rows = []
    for backend in chosen:
        for workers in (1, 3):
            result = run(backend, workers, args.limit, args.per_seconds, args.windows)
            peak = result.peak / args.limit
            ok = LOW <= result.paced <= HIGH and peak <= 1.0
            rows.append(
                (
                    backend,
                    workers,
                    result.requests,
                    f"{result.peak}/{args.limit} = {peak:.2f}",
                    f"{result.paced:.3f}",
                    verdict(ok),
                )
            )
    table(rows, ["buckets", "workers", "requests", "peak", "paced", "target"])
    margin = 0.25
    print(
        f"The limiter's window is per-seconds + {margin:g} s (its safety margin), so the best "
        f"paced figure is {args.per_seconds:g} / {args.per_seconds + margin:g} = "
        f"{args.per_seconds / (args.per_seconds + margin):.3f} here "
        f"({60 / 60.25:.3f} with the real one-minute window)."
    )


if __name__ == "__main__":
    main()
