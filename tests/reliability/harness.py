"""What every fault-injection run checks, and the tally printed at the end of the session.

A run is correct when, read back from the database:

* no listing is half-written: a ``succeeded`` listing has every row its window plan calls for
  in each of chart_query, chart_summary and list_of_metrics, and any other listing has none;
* no finished listing is lost: a listing that had succeeded before the fault still has, after
  recovery, all its rows, and was not fetched from Airbnb again;
* the job's state is truthful: its counters equal what its listing rows say, and its status
  agrees with them (a ``succeeded`` job has every listing, an ``interrupted`` one nothing
  running, and so on).

"Rows lost" counts the rows a listing marked succeeded should have and does not.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select

from airbnb_tui.airbnb.operations import DEFAULT_CHART_METRICS, DEFAULT_LIST_OF_METRICS
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import ChartQuery, ChartSummary, ListOfMetrics, SyncJob, SyncJobListing
from airbnb_tui.sync.windows import (
    SyncRange,
    chart_windows,
    list_of_metrics_windows,
    requests_per_listing,
)

RUNS_ENV = "AIRBNB_TUI_RELIABILITY_RUNS"


def runs(default: int) -> int:
    """AIRBNB_TUI_RELIABILITY_RUNS, or ``default`` (10): the kill -9 runs per backend. The other
    scenarios scale from it (SIGTERM a half, races and fault seeds a fifth, outages a tenth).

    Read when the module is imported, before the test fixtures clear AIRBNB_TUI_* variables.
    """
    raw = os.environ.get(RUNS_ENV, "")
    return max(1, int(raw)) if raw.strip().isdigit() else default


@dataclass(frozen=True)
class Plan:
    """What one complete sync of the account writes."""

    listing_ids: tuple[str, ...]
    sync_range: SyncRange

    @property
    def days(self) -> int:
        return self.sync_range.days

    @property
    def chart_windows(self) -> int:
        return len(chart_windows(self.sync_range))

    @property
    def lom_windows(self) -> int:
        return len(list_of_metrics_windows(self.sync_range))

    @property
    def rows_per_listing(self) -> int:
        return self.days + self.chart_windows + self.lom_windows

    @property
    def requests_per_listing(self) -> int:
        return requests_per_listing(self.sync_range, DEFAULT_CHART_METRICS, DEFAULT_LIST_OF_METRICS)

    @property
    def requests_per_job(self) -> int:
        """Discovery, then every listing's windows: what a clean run sends."""
        return 1 + len(self.listing_ids) * self.requests_per_listing


@dataclass(frozen=True)
class ListingRows:
    chart_query: int
    chart_summary: int
    list_of_metrics: int

    @property
    def total(self) -> int:
        return self.chart_query + self.chart_summary + self.list_of_metrics


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)
    rows_lost: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, problem: str) -> None:
        self.problems.append(problem)

    def merge(self, other: Verdict) -> Verdict:
        self.problems.extend(other.problems)
        self.rows_lost += other.rows_lost
        return self


def listing_rows(db: Database, listing_id: str, start: date, end: date) -> ListingRows:
    def between(listing: Any, day: Any) -> Any:
        return select(func.count()).where(listing == listing_id, day >= start, day <= end)

    with db.read() as session:
        return ListingRows(
            int(session.scalar(between(ChartQuery.airbnb_listing_id, ChartQuery.metric_date)) or 0),
            int(
                session.scalar(between(ChartSummary.airbnb_listing_id, ChartSummary.window_start))
                or 0
            ),
            int(
                session.scalar(between(ListOfMetrics.airbnb_listing_id, ListOfMetrics.window_start))
                or 0
            ),
        )


def all_metric_rows(db: Database) -> int:
    with db.read() as session:
        return sum(
            int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (ChartQuery, ChartSummary, ListOfMetrics)
        )


def job_and_listings(db: Database, job_id: int) -> tuple[SyncJob, list[SyncJobListing]]:
    with db.read() as session:
        job = session.get(SyncJob, job_id)
        assert job is not None, f"job {job_id} vanished"
        rows = list(
            session.scalars(
                select(SyncJobListing)
                .where(SyncJobListing.job_id == job_id)
                .order_by(SyncJobListing.position)
            )
        )
        return job, rows


def succeeded_listings(db: Database, job_id: int) -> dict[str, int]:
    """Listing id -> rows written, for the job's succeeded listings."""
    _, rows = job_and_listings(db, job_id)
    return {r.listing_id: r.rows_written for r in rows if r.status == "succeeded"}


def check_job(
    db: Database,
    job_id: int,
    plan: Plan,
    *,
    allow_running: bool = False,
    must_succeed: bool = False,
    finished_before: Collection[str] = (),
    other_jobs_rows: int = 0,
) -> Verdict:
    """Check one job against the rules above; ``other_jobs_rows``: rows other jobs of the same
    run wrote (a retry's), which the table-wide count must allow for."""
    verdict = Verdict()
    job, rows = job_and_listings(db, job_id)
    where = f"job {job_id} ({job.status})"
    by_status: dict[str, int] = {}
    for row in rows:
        by_status[row.status] = by_status.get(row.status, 0) + 1
    start, end = plan.sync_range.start, plan.sync_range.end
    if job.window_start is not None and (job.window_start, job.window_end) != (start, end):
        verdict.add(f"{where}: window {job.window_start}..{job.window_end}, planned {start}..{end}")
    stored_total = 0
    for row in rows:
        got = listing_rows(db, row.listing_id, start, end)
        stored_total += got.total
        name = f"{where} listing {row.listing_id} ({row.status})"
        if row.listing_id not in plan.listing_ids:
            verdict.add(f"{name}: not one of the account's listings")
        if row.status == "succeeded":
            want = ListingRows(plan.days, plan.chart_windows, plan.lom_windows)
            if got != want:
                verdict.add(f"{name}: half-written, has {got}, needs {want}")
                verdict.rows_lost += max(0, want.total - got.total)
            if row.rows_written != plan.rows_per_listing:
                verdict.add(f"{name}: rows_written {row.rows_written} != {plan.rows_per_listing}")
            if row.requests_total and row.requests_done != row.requests_total:
                verdict.add(f"{name}: {row.requests_done}/{row.requests_total} requests")
        else:
            if got.total and row.listing_id not in finished_before:
                verdict.add(f"{name}: has {got} rows though it did not succeed")
            if row.rows_written:
                verdict.add(f"{name}: rows_written {row.rows_written} though it did not succeed")
    for listing_id in finished_before:
        if by_status and listing_id not in {r.listing_id for r in rows if r.status == "succeeded"}:
            verdict.add(f"{where}: listing {listing_id} had succeeded and no longer has")
            verdict.rows_lost += plan.rows_per_listing
    stray = all_metric_rows(db) - stored_total - other_jobs_rows
    if stray:
        verdict.add(f"{where}: {stray} metric rows belong to no succeeded listing of the job")

    # Counters agree with the listing rows.
    completed = by_status.get("succeeded", 0)
    failed = by_status.get("failed", 0)
    if job.listings_completed != completed:
        verdict.add(f"{where}: listings_completed {job.listings_completed} != {completed}")
    if job.listings_failed != failed:
        verdict.add(f"{where}: listings_failed {job.listings_failed} != {failed}")
    if job.rows_written != sum(r.rows_written for r in rows):
        verdict.add(f"{where}: rows_written {job.rows_written} != listing sum")
    if rows and job.listings_total != len(rows):
        verdict.add(f"{where}: listings_total {job.listings_total} != {len(rows)} rows")

    # The status agrees with them.
    unfinished = by_status.get("pending", 0) + by_status.get("running", 0)
    status = job.status
    if status == "running" and not allow_running:
        verdict.add(f"{where}: still running")
    if status != "running" and by_status.get("running"):
        verdict.add(f"{where}: a listing is still running")
    if status == "succeeded" and (completed != len(plan.listing_ids) or len(rows) != completed):
        verdict.add(f"{where}: succeeded with {by_status}")
    if status == "partial" and not (completed and failed and not unfinished):
        verdict.add(f"{where}: partial with {by_status}")
    if status == "failed" and unfinished:
        verdict.add(f"{where}: failed with {by_status}")
    if status == "failed" and job.error_type is None:
        verdict.add(f"{where}: failed without an error type")
    if status == "cancelled" and unfinished:
        verdict.add(f"{where}: cancelled with {by_status}")
    if status == "interrupted" and job.finished_at is not None:
        verdict.add(f"{where}: interrupted yet marked finished")
    if status in ("succeeded", "partial", "failed", "cancelled") and job.finished_at is None:
        verdict.add(f"{where}: {status} without finished_at")
    if must_succeed and status != "succeeded":
        verdict.add(f"{where}: expected to end succeeded")
        verdict.rows_lost += sum(
            plan.rows_per_listing for r in rows if r.status != "succeeded"
        ) + plan.rows_per_listing * max(0, len(plan.listing_ids) - len(rows))
    return verdict


def check_listings_complete(db: Database, plan: Plan) -> Verdict:
    """After repairs (retries): every listing of the account has all its rows, nothing more."""
    verdict = Verdict()
    total = 0
    want = ListingRows(plan.days, plan.chart_windows, plan.lom_windows)
    for listing_id in plan.listing_ids:
        got = listing_rows(db, listing_id, plan.sync_range.start, plan.sync_range.end)
        total += got.total
        if got != want:
            verdict.add(f"listing {listing_id}: has {got} after the repair, needs {want}")
            verdict.rows_lost += max(0, want.total - got.total)
    if all_metric_rows(db) != total:
        verdict.add(f"{all_metric_rows(db) - total} metric rows outside the plan")
    return verdict


# The session's tally ----------------------------------------------------------------------------


@dataclass
class Tally:
    runs: int = 0
    correct: int = 0
    rows_lost: int = 0
    notes: list[str] = field(default_factory=list)


RESULTS_FILE_ENV = "PYTEST_AIRBNB_TUI_RELIABILITY_RESULTS"
"""A file every test process appends its verdicts to (tests/conftest.py names it), so the run's
table covers every process when the suite runs in parallel."""


def record(scenario: str, verdict: Verdict) -> None:
    line = json.dumps(
        {
            "scenario": scenario,
            "ok": verdict.ok,
            "rows_lost": verdict.rows_lost,
            "notes": verdict.problems[:3],
        }
    )
    # One short O_APPEND write per verdict: lines from parallel processes never interleave.
    with open(os.environ[RESULTS_FILE_ENV], "a", encoding="utf-8") as out:
        out.write(line + "\n")


def load_results(path: str) -> dict[str, Tally]:
    """The verdicts recorded in ``path``, tallied by scenario in the order first seen."""
    results: dict[str, Tally] = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            entry = json.loads(line)
            tally = results.setdefault(entry["scenario"], Tally())
            tally.runs += 1
            tally.correct += bool(entry["ok"])
            tally.rows_lost += int(entry["rows_lost"])
            tally.notes.extend(entry["notes"])
    return results


def summary_lines(results: Mapping[str, Tally]) -> list[str]:
    width = max([len("scenario"), *(len(name) for name in results)])
    lines = [
        f"{'scenario':<{width}}  {'runs':>4}  {'jobs ending correct':>19}  {'rows lost':>9}",
        f"{'-' * width}  {'-' * 4}  {'-' * 19}  {'-' * 9}",
    ]
    for name, tally in results.items():
        lines.append(f"{name:<{width}}  {tally.runs:>4}  {tally.correct:>19}  {tally.rows_lost:>9}")
    return lines
