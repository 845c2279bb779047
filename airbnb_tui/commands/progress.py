"""How ``sync --wait`` shows jobs as they run.

On a terminal, a live block redrawn in place: per job a header, an overall bar and one line per
listing (state, requests done/total, rows, error), cut to fit the screen. Elsewhere (a log file,
cron mail) plain timestamped lines, one per state change and never per tick, so a log stays
readable. Both are fed the same ``JobProgress`` snapshots, polled from the database.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol, TextIO

from airbnb_tui.commands.output import format_duration
from airbnb_tui.db.models import JobStatus, ListingStatus
from airbnb_tui.db.types import utcnow
from airbnb_tui.db.views import Job, ListingProgress
from airbnb_tui.services.jobs import JobProgress

UNICODE_SYMBOLS = {
    ListingStatus.PENDING: "·",
    ListingStatus.RUNNING: "▸",
    ListingStatus.SUCCEEDED: "✓",
    ListingStatus.FAILED: "✗",
    ListingStatus.SKIPPED: "\u2013",  # en dash
}
ASCII_SYMBOLS = {
    ListingStatus.PENDING: ".",
    ListingStatus.RUNNING: ">",
    ListingStatus.SUCCEEDED: "+",
    ListingStatus.FAILED: "x",
    ListingStatus.SKIPPED: "-",
}
BAR_WIDTH = 40
NAME_WIDTH = 32


def is_done(progress: JobProgress) -> bool:
    """Finished as far as a follower is concerned (an interrupted job counts: it stopped)."""
    return not progress.job.status.is_active


class ProgressView(Protocol):
    """Something that shows the followed jobs."""

    def update(self, snapshots: Sequence[JobProgress]) -> None: ...

    def note(self, text: str) -> None: ...


class NullView:
    """Shows nothing (``--json``: stdout carries only the final document)."""

    def update(self, snapshots: Sequence[JobProgress]) -> None:
        pass

    def note(self, text: str) -> None:
        pass


# One line per state change -------------------------------------------------------------------


class LogView:
    """Timestamped lines on state changes only, for logs and cron."""

    def __init__(self, out: TextIO, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.out = out
        self.clock = clock
        self._jobs: dict[int, tuple[JobStatus, int]] = {}
        self._listings: dict[tuple[int, str], ListingStatus] = {}

    def _line(self, text: str) -> None:
        stamp = self.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
        self.out.write(f"{stamp} {text}\n")
        self.out.flush()

    def note(self, text: str) -> None:
        self._line(text)

    def update(self, snapshots: Sequence[JobProgress]) -> None:
        for snapshot in snapshots:
            self._job(snapshot)

    def _job(self, snapshot: JobProgress) -> None:
        job = snapshot.job
        before = self._jobs.get(job.job_id)
        now = (job.status, job.listings_total)
        finished = not job.status.is_active
        if (before is None or before[0] != job.status) and not finished:
            self._line(f"job {job.job_id} (account {job.account_id}) {job.status}")
        if job.listings_total and (before is None or before[1] != job.listings_total):
            self._line(f"job {job.job_id}: {job.listings_total} listings to sync")
        total = len(snapshot.listings)
        for item in snapshot.listings:
            key = (job.job_id, item.listing_id)
            if self._listings.get(key, ListingStatus.PENDING) != item.status:
                self._listings[key] = item.status
                self._line(_listing_event(job.job_id, item, total))
        if finished and (before is None or before[0] != job.status):
            self._line(job_summary(job))
        self._jobs[job.job_id] = now


def _listing_event(job_id: int, item: ListingProgress, total: int) -> str:
    name = f" {item.listing_name!r}" if item.listing_name else ""
    head = f"job {job_id} listing {item.position + 1}/{total} {item.listing_id}{name}"
    if item.status == ListingStatus.SUCCEEDED:
        return f"{head} succeeded: {item.requests_done} requests, {item.rows_written} rows"
    if item.status == ListingStatus.FAILED:
        return f"{head} failed: {item.error_type}: {item.error_message}"
    return f"{head} {item.status}"


def job_summary(job: Job) -> str:
    """One sentence on how a job ended (or where it stands)."""
    took = ""
    if job.started_at is not None and job.finished_at is not None:
        took = f" in {format_duration((job.finished_at - job.started_at).total_seconds())}"
    done = job.listings_completed + job.listings_failed
    text = (
        f"job {job.job_id} (account {job.account_id}) {job.status}: {done}/{job.listings_total} "
        f"listings, {job.listings_failed} failed, {job.rows_written} rows{took}"
    )
    if job.error_message and job.status != JobStatus.SUCCEEDED:
        text += f" — {job.error_message}"
    return text


# The live block -------------------------------------------------------------------------------


class LiveView:
    """A block of lines redrawn in place with ANSI cursor movement (no full-screen UI)."""

    def __init__(
        self,
        out: TextIO,
        *,
        requests_per_minute: int,
        size: Callable[[], tuple[int, int]] | None = None,
        unicode: bool | None = None,
    ) -> None:
        self.out = out
        self.requests_per_minute = requests_per_minute
        self.size = size or _terminal_size
        encoding = (getattr(out, "encoding", None) or "").lower()
        self.unicode = unicode if unicode is not None else encoding.startswith("utf")
        self._drawn = 0
        self._notes: list[str] = []
        self._last: Sequence[JobProgress] = ()

    def note(self, text: str) -> None:
        self._notes.append(text)
        self.update(self._last)

    def update(self, snapshots: Sequence[JobProgress]) -> None:
        self._last = snapshots
        width, height = self.size()
        lines = render_live(
            snapshots,
            width=width,
            height=max(4, height - 1 - len(self._notes)),
            requests_per_minute=self.requests_per_minute,
            unicode=self.unicode,
        )
        lines += [_fit(note, width) for note in self._notes]
        # Back to the top of the previous block, then clear to the end of the screen.
        prefix = f"\x1b[{self._drawn}F\x1b[J" if self._drawn else ""
        self.out.write(prefix + "".join(line + "\n" for line in lines))
        self.out.flush()
        self._drawn = len(lines)


def _terminal_size() -> tuple[int, int]:
    size = shutil.get_terminal_size((100, 24))
    return size.columns, size.lines


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def render_live(
    snapshots: Sequence[JobProgress],
    *,
    width: int,
    height: int,
    requests_per_minute: int,
    unicode: bool = True,
) -> list[str]:
    """The live block for ``snapshots``: at most ``height`` lines, none wider than ``width``."""
    symbols = UNICODE_SYMBOLS if unicode else ASCII_SYMBOLS
    lines: list[str] = []
    per_job = max(3, (height - 2 * len(snapshots)) // max(1, len(snapshots)))
    for snapshot in snapshots:
        job = snapshot.job
        lines.append(_fit(_header(snapshot, requests_per_minute), width))
        lines.append(_fit(_bar(snapshot, min(BAR_WIDTH, max(10, width - 12)), unicode), width))
        for item, more in _visible(snapshot.listings, per_job):
            if more is not None:
                lines.append(_fit(f"  … {more}", width))
            else:
                lines.append(_fit(_listing_line(item, symbols), width))
        if is_done(snapshot):
            lines.append(_fit("  " + job_summary(job), width))
    return lines[:height] if len(lines) > height else lines


def _header(snapshot: JobProgress, requests_per_minute: int) -> str:
    job = snapshot.job
    done = job.listings_completed + job.listings_failed
    parts = [
        f"job {job.job_id}",
        f"account {job.account_id}",
        job.status + (" (cancelling)" if job.cancel_requested and job.is_active else ""),
        f"{done}/{job.listings_total} listings",
        f"{snapshot.requests_done}/{snapshot.requests_total} requests",
        f"{job.rows_written} rows",
    ]
    eta = snapshot.eta_seconds(requests_per_minute)
    if eta is not None:
        parts.append(f"ETA {format_duration(eta)}")
    return " · ".join(parts)


def _fraction(snapshot: JobProgress) -> float:
    if snapshot.job.status == JobStatus.SUCCEEDED:
        return 1.0
    if snapshot.requests_total:
        return min(1.0, snapshot.requests_done / snapshot.requests_total)
    job = snapshot.job
    if job.listings_total:
        return (job.listings_completed + job.listings_failed) / job.listings_total
    return 0.0


def _bar(snapshot: JobProgress, width: int, unicode: bool) -> str:
    fraction = _fraction(snapshot)
    filled = round(fraction * width)
    full, empty = ("█", "░") if unicode else ("#", "-")
    return f"  {full * filled}{empty * (width - filled)} {fraction * 100:3.0f}%"


def _listing_line(item: ListingProgress, symbols: dict[ListingStatus, str]) -> str:
    name = (item.listing_name or item.listing_id)[:NAME_WIDTH]
    text = (
        f"  {symbols.get(item.status, '?')} {name:<{NAME_WIDTH}} {item.status:<9} "
        f"{item.requests_done:>4}/{item.requests_total:<4} req {item.rows_written:>7} rows"
    )
    if item.error_type:
        text += f"  {item.error_type}: {item.error_message or ''}"
    return text


def _visible(
    listings: Sequence[ListingProgress], budget: int
) -> list[tuple[ListingProgress, str | None]]:
    """The listing lines that fit in ``budget`` lines, and a "… N more" line for the rest.

    Failed and running listings come first (they matter most), then the last two that
    succeeded (for context), the pending ones next in line, and the rest.
    """
    if len(listings) <= budget:
        return [(item, None) for item in listings]
    room = budget - 1
    chosen: set[int] = set()

    def where(*wanted: ListingStatus) -> list[int]:
        return [i for i, item in enumerate(listings) if item.status in wanted]

    succeeded = where(ListingStatus.SUCCEEDED)
    priority = [
        *where(ListingStatus.RUNNING, ListingStatus.FAILED),
        *reversed(succeeded[-2:]),
        *where(ListingStatus.PENDING),
        *reversed(succeeded[:-2]),
        *where(ListingStatus.SKIPPED),
    ]
    for index in priority:
        if len(chosen) >= room:
            break
        chosen.add(index)
    hidden: dict[str, int] = {}
    for i, item in enumerate(listings):
        if i not in chosen:
            hidden[item.status] = hidden.get(item.status, 0) + 1
    rows: list[tuple[ListingProgress, str | None]] = [(listings[i], None) for i in sorted(chosen)]
    summary = ", ".join(f"{count} {status}" for status, count in sorted(hidden.items()))
    rows.append((listings[0], f"{sum(hidden.values())} more listings ({summary})"))
    return rows
