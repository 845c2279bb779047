"""The ``sync --wait`` displays: state-change log lines and the live block, on fixed snapshots."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from airbnb_tui.commands.progress import LiveView, LogView, render_live
from airbnb_tui.db.views import Job, ListingProgress
from airbnb_tui.services.jobs import JobProgress

T0 = datetime(2025, 2, 5, 10, 0, tzinfo=UTC)


def job(**fields: Any) -> Job:
    base: dict[str, Any] = {
        "job_id": 7,
        "account_id": "123",
        "status": "running",
        "trigger": "cli",
        "full_backfill": False,
        "window_start": "2025-01-05",
        "window_end": "2025-03-01",
        "listings_total": 3,
        "listings_completed": 0,
        "listings_failed": 0,
        "requests_made": 0,
        "rows_written": 0,
        "error_type": None,
        "error_message": None,
        "worker_id": "cli-1",
        "attempts": 1,
        "cancel_requested": False,
        "created_at": T0,
        "started_at": T0,
        "heartbeat_at": T0,
        "finished_at": None,
        "retry_of_job_id": None,
    }
    base.update(fields)
    return Job(**base)


def listing(position: int, status: str, done: int = 0, **fields: Any) -> ListingProgress:
    base: dict[str, Any] = {
        "listing_id": str(100 + position),
        "listing_name": f"Home {position + 1}",
        "position": position,
        "status": status,
        "requests_done": done,
        "requests_total": 10,
        "rows_written": 30 if status == "succeeded" else 0,
        "error_type": None,
        "error_message": None,
        "started_at": None,
        "finished_at": None,
    }
    base.update(fields)
    return ListingProgress(**base)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def test_log_view_prints_state_changes_only() -> None:
    out = io.StringIO()
    view = LogView(out, clock=Clock())
    queued = JobProgress.of(job(status="queued", listings_total=0, started_at=None), ())
    start = JobProgress.of(
        job(), (listing(0, "running", 2), listing(1, "pending"), listing(2, "pending"))
    )
    ticking = JobProgress.of(job(), (listing(0, "running", 7), *start.listings[1:]))
    failed = listing(
        1, "failed", 4, error_type="server_error", error_message="ChartQuery: HTTP 503"
    )
    later = JobProgress.of(
        job(listings_completed=1, listings_failed=1, rows_written=30),
        (listing(0, "succeeded", 10), failed, listing(2, "running", 1)),
    )
    done = JobProgress.of(
        job(
            status="partial",
            listings_completed=2,
            listings_failed=1,
            rows_written=60,
            finished_at=T0 + timedelta(seconds=125),
            error_message="1 of 3 listings failed.",
        ),
        (listing(0, "succeeded", 10), failed, listing(2, "succeeded", 10)),
    )
    for snapshot in (queued, queued, start, ticking, ticking, later, done, done):
        view.update([snapshot])
    assert out.getvalue().splitlines() == [
        "2025-02-05T10:00:01Z job 7 (account 123) queued",
        "2025-02-05T10:00:02Z job 7 (account 123) running",
        "2025-02-05T10:00:03Z job 7: 3 listings to sync",
        "2025-02-05T10:00:04Z job 7 listing 1/3 100 'Home 1' running",
        "2025-02-05T10:00:05Z job 7 listing 1/3 100 'Home 1' succeeded: 10 requests, 30 rows",
        "2025-02-05T10:00:06Z job 7 listing 2/3 101 'Home 2' failed: server_error: ChartQuery: "
        "HTTP 503",
        "2025-02-05T10:00:07Z job 7 listing 3/3 102 'Home 3' running",
        "2025-02-05T10:00:08Z job 7 listing 3/3 102 'Home 3' succeeded: 10 requests, 30 rows",
        "2025-02-05T10:00:09Z job 7 (account 123) partial: 3/3 listings, 1 failed, 60 rows in "
        "2m05s — 1 of 3 listings failed.",
    ]


def test_log_view_notes_are_timestamped() -> None:
    out = io.StringIO()
    LogView(out, clock=Clock()).note("No worker is running")
    assert out.getvalue() == "2025-02-05T10:00:01Z No worker is running\n"


def test_render_live_block() -> None:
    snapshot = JobProgress.of(
        job(listings_completed=1, rows_written=30),
        (
            listing(0, "succeeded", 10),
            listing(1, "running", 5),
            listing(2, "pending"),
        ),
    )
    lines = render_live([snapshot], width=100, height=20, requests_per_minute=60)
    assert lines == [
        "job 7 · account 123 · running · 1/3 listings · 15/30 requests · 30 rows · ETA 15s",
        "  " + "█" * 20 + "░" * 20 + "  50%",
        "  ✓ Home 1                           succeeded   10/10   req      30 rows",
        "  ▸ Home 2                           running      5/10   req       0 rows",
        "  · Home 3                           pending      0/10   req       0 rows",
    ]


def test_render_live_ascii_and_width() -> None:
    snapshot = JobProgress.of(
        job(), (listing(0, "failed", 3, error_type="timeout", error_message="x"),)
    )
    lines = render_live([snapshot], width=30, height=20, requests_per_minute=60, unicode=False)
    assert all(len(line) <= 30 for line in lines)
    assert lines[1] == "  #####-------------  30%"
    assert lines[2].startswith("  x Home 1")


def test_render_live_keeps_failed_and_running_listings_when_cut() -> None:
    items = (
        *(listing(i, "succeeded", 10) for i in range(30)),
        listing(30, "failed", 2, error_type="server_error", error_message="boom"),
        listing(31, "running", 4),
        *(listing(i, "pending") for i in range(32, 60)),
    )
    snapshot = JobProgress.of(
        job(listings_total=60, listings_completed=30, listings_failed=1), items
    )
    lines = render_live([snapshot], width=120, height=10, requests_per_minute=600)
    assert len(lines) == 10
    body = lines[2:]
    assert any("Home 31" in line and "server_error: boom" in line for line in body)
    assert any("Home 32" in line and "running" in line for line in body)
    assert [line.split()[2] for line in body[:-1]] == [
        "29", "30", "31", "32", "33", "34", "35"
    ]  # fmt: skip
    assert body[-1] == "  … 53 more listings (25 pending, 28 succeeded)"


def test_render_live_finished_job_has_a_summary_line() -> None:
    snapshot = JobProgress.of(
        job(
            status="succeeded",
            listings_total=1,
            listings_completed=1,
            rows_written=30,
            finished_at=T0 + timedelta(seconds=3),
        ),
        (listing(0, "succeeded", 10),),
    )
    lines = render_live([snapshot], width=100, height=20, requests_per_minute=60)
    assert lines[0] == "job 7 · account 123 · succeeded · 1/1 listings · 10/10 requests · 30 rows"
    assert lines[1].endswith(" 100%")
    assert lines[-1] == "  job 7 (account 123) succeeded: 1/1 listings, 0 failed, 30 rows in 3s"


def test_live_view_redraws_in_place() -> None:
    out = io.StringIO()
    view = LiveView(out, requests_per_minute=60, size=lambda: (100, 30), unicode=True)
    first = JobProgress.of(job(), (listing(0, "running", 1), listing(1, "pending")))
    view.update([first])
    assert not out.getvalue().startswith("\x1b")
    drawn = out.getvalue().count("\n")
    assert drawn == 4
    out.seek(0)
    out.truncate()
    view.update([replace(first, listings=(listing(0, "running", 2), listing(1, "pending")))])
    assert out.getvalue().startswith("\x1b[4F\x1b[J")
    out.seek(0)
    out.truncate()
    view.note("No worker is running")
    assert out.getvalue().startswith("\x1b[4F\x1b[J")
    assert out.getvalue().endswith("No worker is running\n")
