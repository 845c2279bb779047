"""Target 1 — pipeline overhead: a whole sync against a bare ``requests`` loop.

Both send the same requests to the same sandbox (a separate process, as Airbnb is remote), with
rate limiting, jitter and listing pauses off, in alternating order, a few times. The sync also
builds each payload, parses each answer into rows, and writes every listing (metric rows +
progress) in one transaction; the bare loop posts bodies built before the clock starts, with
one ``requests.Session``, and only reads the bytes. The figure is the sync's throughput as a
share of the bare loop's, per database backend.

    .venv/bin/python -m benchmarks.pipeline_overhead [--listings 50] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import requests

from airbnb_tui.airbnb.operations import (
    CHART,
    DEFAULT_CHART_METRICS,
    DEFAULT_LIST_OF_METRICS,
    LIST_OF_METRICS,
    LISTINGS_SECTION,
    MetricQuery,
    Operation,
)
from airbnb_tui.airbnb.window import Window
from airbnb_tui.config import Settings
from airbnb_tui.sandbox import SandboxAccount
from airbnb_tui.sandbox.web_requests import relative_ds, request_body, request_headers
from airbnb_tui.sync.windows import chart_windows, list_of_metrics_windows
from benchmarks.databases import backends, database_url, reset_schema, scratch_dir
from benchmarks.report import header, median, table, verdict
from benchmarks.sandbox_process import RunningSandbox, sandbox_process
from benchmarks.sync_setup import add_account, bench_settings, requests_for, run_sync, sync_range

TARGET = 0.85

Planned = list[tuple[str, bytes]]


def planned_requests(base_url: str, account: SandboxAccount, settings: Settings) -> Planned:
    """The sync's requests in the sync's order, as (URL, JSON body), built ahead of time."""
    today = date.today()
    planned = sync_range(settings, today)

    def one(operation: Operation, listing_id: str, window: Window, metric: MetricQuery) -> None:
        body = request_body(
            operation,
            metric=metric.metric,
            listing_ids=[listing_id],
            relative_start=relative_ds(window.start, today),
            relative_end=relative_ds(window.end, today),
        )
        out.append((base_url + operation.path, json.dumps(body).encode()))

    out = [(base_url + LISTINGS_SECTION.path, json.dumps(request_body(LISTINGS_SECTION)).encode())]
    for listing_id in account.listing_ids:
        for window in chart_windows(planned):
            for metric in DEFAULT_CHART_METRICS:
                one(CHART, listing_id, window, metric)
        for window in list_of_metrics_windows(planned):
            for metric in DEFAULT_LIST_OF_METRICS:
                one(LIST_OF_METRICS, listing_id, window, metric)
    return out


def bare_loop(account: SandboxAccount, planned: Planned) -> int:
    """Nothing but ``requests``: one session with the browser's headers, a POST of each
    ready-made body, the answer's bytes read. Returns how many were sent."""
    with requests.Session() as session:
        session.headers.update(request_headers(account))
        for url, body in planned:
            response = session.post(url, data=body)
            response.raise_for_status()
            _ = response.content
    return len(planned)


@dataclass
class Pair:
    """One sync and one bare loop, timed back to back: wall and this process's CPU seconds."""

    requests: int
    sync_wall: float
    sync_cpu: float
    bare_wall: float
    bare_cpu: float

    @property
    def ratio(self) -> float:
        """Sync throughput over bare-loop throughput (the same requests)."""
        return self.bare_wall / self.sync_wall


def _clocked(fn: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise RuntimeError(f"benchmark invalid: {what}")


def measure(sandbox: RunningSandbox, backend: str, repeats: int) -> list[Pair]:
    """``repeats`` pairs, in alternating order (sync first, then bare first)."""
    account = sandbox.accounts[0]
    pairs = []
    with scratch_dir() as folder, database_url(backend) as url:
        settings = bench_settings(folder / "data", sandbox.base_url)
        expected = requests_for(settings, len(account.listings))
        planned = planned_requests(sandbox.base_url, account, settings)
        _check(len(planned) == expected, "the bare loop plans other requests than the sync")

        def sync() -> tuple[float, float]:
            db = reset_schema(url)
            try:
                add_account(db, settings, account)
                sandbox.control.reset()
                status = []
                clock = _clocked(
                    lambda: status.append(run_sync(db, settings, account.account_id).status)
                )
            finally:
                db.dispose()
            _check(status == ["succeeded"], f"the sync ended {status}")
            _check(sandbox.control.stats().total == expected, "the sync's request count")
            return clock

        def bare() -> tuple[float, float]:
            sandbox.control.reset()
            clock = _clocked(lambda: bare_loop(account, planned))
            _check(sandbox.control.stats().total == expected, "the bare loop's request count")
            return clock

        for index in range(repeats):
            if index % 2 == 0:
                (sync_wall, sync_cpu), (bare_wall, bare_cpu) = sync(), bare()
            else:
                (bare_wall, bare_cpu), (sync_wall, sync_cpu) = bare(), sync()
            pairs.append(Pair(expected, sync_wall, sync_cpu, bare_wall, bare_cpu))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--listings", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    header(
        "pipeline overhead",
        f"a sync of {args.listings} sandbox listings (daily-sync windows, no rate limit) vs a "
        "bare requests loop sending the same requests; sync req/s / bare req/s, median of "
        f"{args.repeats} pairs timed in alternating order",
        f">= {TARGET:.2f} on SQLite and on PostgreSQL",
    )
    rows = []
    with sandbox_process(1, args.listings) as sandbox:
        with scratch_dir() as folder:
            per_sync = requests_for(bench_settings(folder, sandbox.base_url), args.listings)
        print(f"{per_sync} requests per sync\n")
        for backend in backends(args.backend):
            pairs = measure(sandbox, backend, args.repeats)
            ratio = median([p.ratio for p in pairs])
            rows.append(
                (
                    backend,
                    f"{median([p.requests / p.sync_wall for p in pairs]):.0f}",
                    f"{median([p.requests / p.bare_wall for p in pairs]):.0f}",
                    " ".join(f"{p.ratio:.2f}" for p in pairs),
                    f"{ratio:.2f}",
                    verdict(ratio >= TARGET),
                    f"{median([p.sync_cpu / p.requests * 1000 for p in pairs]):.2f}"
                    f" / {median([p.bare_cpu / p.requests * 1000 for p in pairs]):.2f}",
                )
            )
    table(
        rows,
        ["backend", "sync req/s", "bare req/s", "ratios", "median", "target", "CPU ms/req"],
    )
    print("CPU ms/req: this process's CPU per request, sync / bare (the sandbox not counted).")


if __name__ == "__main__":
    main()
