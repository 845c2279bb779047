"""Target 5 — memory: a worker's peak RSS syncing 200 listings against syncing 10.

A real ``airbnb-worker`` process (SQLite database and queue in a throw-away data dir) syncs one
sandbox account of N listings (daily-sync windows, no pacing) and is then stopped with SIGTERM;
its peak resident set comes from the kernel's accounting of that child (``wait4``'s
``ru_maxrss``). Rows are held one listing at a time, so the peak should not grow with N.

    .venv/bin/python -m benchmarks.memory [--small 10] [--large 200] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from airbnb_tui.config import load_settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import SyncJob
from airbnb_tui.db.open import open_database
from airbnb_tui.services import jobs as job_service
from benchmarks.databases import scratch_dir
from benchmarks.report import header, median, table, verdict
from benchmarks.sandbox_process import sandbox_process
from benchmarks.sync_setup import (
    DAILY_LOOKAHEAD_WEEKS,
    DAILY_LOOKBACK_WEEKS,
    SECRET,
    add_account,
    requests_for,
)

TARGET = 1.2


def worker_environment(data_dir: Path, base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRBNB_TUI_")}
    env.update(
        {
            "AIRBNB_TUI_DATA_DIR": str(data_dir),
            "AIRBNB_TUI_CONFIG_FILE": str(data_dir / "no-config.toml"),
            "AIRBNB_TUI_AIRBNB_BASE_URL": base_url,
            "AIRBNB_TUI_SECRET_KEY": SECRET,
            "AIRBNB_TUI_REQUESTS_PER_MINUTE": "100000",
            "AIRBNB_TUI_REQUEST_JITTER_SECONDS": "0",
            "AIRBNB_TUI_LISTING_PAUSE_SECONDS": "0",
            "AIRBNB_TUI_FIRST_RUN_LOOKBACK_WEEKS": str(DAILY_LOOKBACK_WEEKS),
            "AIRBNB_TUI_LOOKBACK_WEEKS": str(DAILY_LOOKBACK_WEEKS),
            "AIRBNB_TUI_LOOKAHEAD_WEEKS": str(DAILY_LOOKAHEAD_WEEKS),
            "AIRBNB_TUI_QUEUE_NAME": f"bench-{uuid.uuid4().hex[:8]}",
        }
    )
    return env


def peak_rss_mib(listings: int) -> tuple[float, int]:
    """(peak RSS in MiB, requests made) of a worker that synced ``listings`` listings."""
    with sandbox_process(1, listings) as sandbox, scratch_dir() as folder:
        env = worker_environment(folder / "data", sandbox.base_url)
        saved = dict(os.environ)
        os.environ.update(env)
        try:
            settings = load_settings()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        db = open_database(settings)
        account = sandbox.accounts[0]
        add_account(db, settings, account)
        job_id = job_service.start_sync(db, None, account.account_id).job_id
        proc = subprocess.Popen(
            [sys.executable, "-m", "worker"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            status = _wait_for_end(db, job_id, deadline=time.monotonic() + 600)
        finally:
            proc.send_signal(signal.SIGTERM)
            _, code, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(code)
            db.dispose()
        if status != "succeeded":
            raise RuntimeError(f"the sync of {listings} listings ended {status}")
        served = sandbox.control.stats().total
        if served != requests_for(settings, listings):
            raise RuntimeError(f"the sync of {listings} listings made {served} requests")
        return usage.ru_maxrss / 1024, served


def _wait_for_end(db: Database, job_id: int, *, deadline: float) -> str:
    while time.monotonic() < deadline:
        with db.read() as session:
            job = session.get(SyncJob, job_id)
            status = job.status if job is not None else "missing"
        if status not in ("queued", "running"):
            return status
        time.sleep(0.2)
    return "timed out"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--large", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    header(
        "memory",
        f"peak RSS (ru_maxrss) of an airbnb-worker process syncing {args.large} listings over "
        f"one syncing {args.small} (daily-sync windows, no pacing), median of {args.repeats} "
        "alternating pairs",
        f"<= {TARGET:.1f}",
    )
    small: list[float] = []
    large: list[float] = []
    requests: dict[int, int] = {}
    for index in range(args.repeats):
        order = (args.small, args.large) if index % 2 == 0 else (args.large, args.small)
        for listings in order:
            rss, requests[listings] = peak_rss_mib(listings)
            (small if listings == args.small else large).append(rss)
    ratio = median(large) / median(small)
    table(
        [
            (args.small, requests[args.small], " ".join(f"{m:.1f}" for m in small)),
            (args.large, requests[args.large], " ".join(f"{m:.1f}" for m in large)),
        ],
        ["listings", "requests", "peak RSS MiB"],
    )
    print(f"ratio {args.large}/{args.small} listings: {ratio:.3f}  {verdict(ratio <= TARGET)}")


if __name__ == "__main__":
    main()
