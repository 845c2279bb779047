"""Target 4 — dashboard queries at scale: the reads behind the accounts screen and a job's
progress, on the large database (1,000 accounts, 100,000 jobs, 1,000,000 job-listing rows,
5,000,000 chart_query rows) built by ``benchmarks.large_db``.

Each query is the service call the screens make, timed many times after a warm-up, in turns.
Side by side, the same calls on a database a tenth the size: the large/small ratio says
whether a query's cost grows with the data (an index serves it: ~1.0) or not.

    .venv/bin/python -m benchmarks.dashboard_queries [--rounds 200] [--rebuild]

The SQLite database is kept at /tmp/airbnb-tui-bench-large.db between runs (built on first
use, a minute or two); PostgreSQL databases are built for the run and dropped after it.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from airbnb_tui.db.engine import Database
from airbnb_tui.services.accounts import list_accounts
from airbnb_tui.services.jobs import active_jobs_by_account, job_progress, list_jobs
from airbnb_tui.services.overview import ACCOUNTS_PAGE_SIZE, accounts_page
from benchmarks.databases import postgres_database, postgres_server_url, scratch_dir
from benchmarks.large_db import (
    DEFAULT_SQLITE,
    Shape,
    active_job_ids,
    build_postgres,
    ensure_sqlite,
)
from benchmarks.report import header, table, verdict

SMALL_SCALE = 0.1
BUDGETS_MS = {"accounts screen": 20.0, "job progress": 5.0}


@dataclass(frozen=True)
class Query:
    name: str
    run: Callable[[Database], object]
    budget_ms: float | None


def queries(shape: Shape) -> list[Query]:
    """The reads, as the screens make them: a running job's progress is the one watched."""
    running = active_job_ids(shape)[0]

    def accounts_screen(db: Database) -> object:
        page = list_accounts(db, limit=ACCOUNTS_PAGE_SIZE)
        return active_jobs_by_account(db, [a.account_id for a in page])

    return [
        Query("accounts screen", accounts_screen, BUDGETS_MS["accounts screen"]),
        Query("job progress", lambda db: job_progress(db, running), BUDGETS_MS["job progress"]),
        Query("accounts_page()", lambda db: accounts_page(db), None),
        Query("jobs screen page", lambda db: list_jobs(db, limit=50), None),
    ]


def time_queries(db: Database, chosen: list[Query], rounds: int) -> dict[str, list[float]]:
    """Milliseconds per call of each query, the queries taking turns round after round."""
    for query in chosen:
        for _ in range(10):
            query.run(db)
    laps: dict[str, list[float]] = {q.name: [] for q in chosen}
    for _ in range(rounds):
        for query in chosen:
            started = time.perf_counter()
            query.run(db)
            laps[query.name].append((time.perf_counter() - started) * 1000)
    return laps


@contextmanager
def sqlite_databases(path: Path, rebuild: bool) -> Iterator[tuple[str, str]]:
    full = ensure_sqlite(path, Shape(), rebuild=rebuild)
    with scratch_dir() as folder:
        small = ensure_sqlite(folder / "small.db", Shape().scaled(SMALL_SCALE))
        yield f"sqlite:///{full}", f"sqlite:///{small}"


@contextmanager
def postgres_databases() -> Iterator[tuple[str, str]]:
    with postgres_database("airbnb_tui_bench_large") as full:
        started = time.perf_counter()
        print("building the PostgreSQL database (a few minutes)...", flush=True)
        build_postgres(full, Shape())
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        with postgres_database("airbnb_tui_bench_small") as small:
            build_postgres(small, Shape().scaled(SMALL_SCALE))
            yield full, small


def measure(urls: tuple[str, str], rounds: int) -> list[tuple[str, float, float, float]]:
    """(query, median ms, p95 ms, large/small median ratio) on the large and small database."""
    chosen = queries(Shape())
    small_chosen = queries(Shape().scaled(SMALL_SCALE))
    results = []
    large_db, small_db = Database(urls[0]), Database(urls[1])
    try:
        # Large and small alternate in blocks, so load on the machine hits both alike.
        large: dict[str, list[float]] = {q.name: [] for q in chosen}
        small: dict[str, list[float]] = {q.name: [] for q in chosen}
        block = max(1, rounds // 5)
        for _ in range(5):
            for name, laps in time_queries(large_db, chosen, block).items():
                large[name].extend(laps)
            for name, laps in time_queries(small_db, small_chosen, block).items():
                small[name].extend(laps)
        for query in chosen:
            laps = sorted(large[query.name])
            med = statistics.median(laps)
            p95 = laps[int(len(laps) * 0.95) - 1]
            results.append((query.name, med, p95, med / statistics.median(small[query.name])))
    finally:
        large_db.dispose()
        small_db.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--sqlite-path", type=Path, default=DEFAULT_SQLITE)
    parser.add_argument("--rebuild", action="store_true", help="build the SQLite file again")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    shape = Shape()
    header(
        "dashboard queries at scale",
        f"service calls on {shape.accounts:,} accounts / {shape.jobs:,} jobs / "
        f"{shape.job_listings:,} job-listing rows / {shape.chart_rows:,} chart_query rows: "
        f"median and p95 ms of {args.rounds} calls; median / budget; large / tenth-size "
        "median",
        "accounts screen (list_accounts first page + active_jobs_by_account) < 20 ms and job "
        "progress (job_progress) < 5 ms median on SQLite; PostgreSQL reported",
    )
    rows = []
    backends: list[tuple[str, Callable[[], AbstractContextManager[tuple[str, str]]]]] = [
        ("sqlite", lambda: sqlite_databases(args.sqlite_path, args.rebuild))
    ]
    if not args.no_postgres and postgres_server_url() is not None:
        backends.append(("postgres", postgres_databases))
    for backend, databases in backends:
        with databases() as urls:
            for name, med, p95, growth in measure(urls, args.rounds):
                budget = BUDGETS_MS.get(name)
                rows.append(
                    (
                        backend,
                        name,
                        f"{med:.2f}",
                        f"{p95:.2f}",
                        f"{med / budget:.2f}" if budget else "-",
                        f"{growth:.2f}",
                        verdict(med < budget) if budget and backend == "sqlite" else "-",
                    )
                )
    table(rows, ["backend", "query", "median ms", "p95 ms", "/budget", "large/small", "target"])
    print(
        "accounts_page(): what the accounts screen runs (adds the per-job request totals); "
        "jobs screen page: list_jobs(limit=50)."
    )


if __name__ == "__main__":
    main()
