"""One sync job, live: overall progress and ETA, and a row per listing updated in place.

Read twice a second from ``sync_jobs``/``sync_job_listings`` (one primary-key lookup and one
indexed range), only when the previous read has finished; cells change only where a value did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, ProgressBar
from textual.worker import Worker, WorkerState

from airbnb_tui.db.models import JobStatus, ListingStatus
from airbnb_tui.db.views import Job, ListingProgress
from airbnb_tui.errors import NotFound
from airbnb_tui.services import accounts as account_service
from airbnb_tui.services import jobs as job_service
from airbnb_tui.services.jobs import JobProgress
from airbnb_tui.sync.jobs import JobRequest
from airbnb_tui.ui import humanize
from airbnb_tui.ui.context import AppContext
from airbnb_tui.ui.failures import describe_failure
from airbnb_tui.ui.messages import OpenJob, OpenJobs
from airbnb_tui.ui.screens.polled import PolledScreen
from airbnb_tui.ui.widgets.tables import JOB_STATUS_TONES, KeyedTable, Row, Tone
from airbnb_tui.ui.widgets.text_line import TextLine
from airbnb_tui.ui.widgets.worker_status import WorkerStatusLine

LIVE_REFRESH_SECONDS = 0.5
IDLE_REFRESH_SECONDS = 2.0
ACTION_GROUP = "job-action"

_LISTING_STATE: dict[ListingStatus, tuple[str, Tone]] = {
    ListingStatus.PENDING: ("· pending", "muted"),
    ListingStatus.RUNNING: ("▶ running", "active"),
    ListingStatus.SUCCEEDED: ("✓ done", "good"),
    ListingStatus.FAILED: ("✗ failed", "bad"),
    ListingStatus.SKIPPED: ("- skipped", "muted"),
}


@dataclass(frozen=True)
class JobSnapshot:
    progress: JobProgress
    account_label: str | None


class JobScreen(PolledScreen[JobSnapshot]):
    """Live progress of one job, with cancel and retry-the-failed-listings."""

    BINDINGS = [
        Binding(
            "c",
            "cancel_job",
            "Cancel job",
            id="job.cancel",
            tooltip="Ask the job to stop; the listing in flight is rolled back, not half-written.",
        ),
        Binding(
            "r",
            "retry",
            "Retry failed",
            id="job.retry",
            tooltip="Start a new job for this job's failed and skipped listings only.",
        ),
        Binding(
            "j",
            "account_jobs",
            "Account jobs",
            id="job.history",
            tooltip="Show this account's job history.",
        ),
        Binding("escape", "back", "Back", id="job.back", tooltip="Return to the previous screen."),
    ]

    def __init__(self, ctx: AppContext, job_id: int) -> None:
        super().__init__(ctx, group="job-refresh", interval=LIVE_REFRESH_SECONDS)
        self.job_id = job_id
        self.snapshot: JobSnapshot | None = None
        self._name_width = 20
        self._error_width = 20
        self._label: str | None = None
        self._label_loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield TextLine(f"Job {self.job_id}", id="job-title")
        yield TextLine("loading…", id="job-meta")
        with Horizontal(id="job-overall"):
            yield ProgressBar(total=1, show_eta=False, id="job-bar")
            yield TextLine("", id="job-eta")
        yield KeyedTable(id="job-listings")
        yield TextLine("", id="job-detail")
        yield TextLine("", id="job-error")
        yield WorkerStatusLine(self.ctx, id="worker-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = f"job {self.job_id}"
        wide = self.app.size.width >= 100
        table = self.query_one("#job-listings", KeyedTable)
        self._name_width = 30 if wide else 20
        table.add_column("Listing", key="name", width=self._name_width)
        table.add_column("State", key="state", width=9)
        table.add_column("Requests", key="requests", width=8)
        table.add_column("Rows", key="rows", width=6)
        # What is left of the row after the other columns and their padding.
        self._error_width = max(10, self.app.size.width - self._name_width - 23 - 12)
        table.add_column("Error", key="error", width=self._error_width)
        self.query_one("#job-error").display = False
        self.query_one("#job-detail").display = False
        table.focus()
        self.poller.refresh_now()

    # Loading ------------------------------------------------------------------------------------

    def _load(self) -> JobSnapshot:
        progress = job_service.job_progress(self.ctx.db, self.job_id)
        if not self._label_loaded:
            try:
                self._label = account_service.get_account(
                    self.ctx.db, progress.job.account_id
                ).label
            except NotFound:
                self._label = None
            self._label_loaded = True
        return JobSnapshot(progress, self._label)

    def _load_failed(self, error: BaseException) -> None:
        self.query_one("#job-meta", TextLine).show(describe_failure(self.ctx.settings, error))

    def _apply(self, snapshot: JobSnapshot) -> None:
        self.snapshot = snapshot
        progress = snapshot.progress
        job = progress.job
        self.poller.interval = LIVE_REFRESH_SECONDS if job.is_active else IDLE_REFRESH_SECONDS
        table = self.query_one("#job-listings", KeyedTable)
        rows = [(item.listing_id, self._cells(table, item)) for item in progress.listings]
        with self.app.batch_update():
            self._update_header(snapshot)
            table.sync_rows(rows)
            self._show_detail()
        self.footer_sync.update()

    def _show_detail(self) -> None:
        """The highlighted listing's whole error, which its table cell may have cut short."""
        detail = self.query_one("#job-detail", TextLine)
        key = self.query_one("#job-listings", KeyedTable).cursor_key
        item = None
        if self.snapshot is not None and key is not None:
            item = next((i for i in self.snapshot.progress.listings if i.listing_id == key), None)
        if item is None or not (item.error_type or item.error_message):
            detail.display = False
            return
        detail.display = True
        name = item.listing_name or item.listing_id
        detail.show(f"{name}: {item.error_type or 'error'}: {item.error_message or ''}")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()

    def _update_header(self, snapshot: JobSnapshot) -> None:
        progress = snapshot.progress
        job = progress.job
        account = job.account_id
        if snapshot.account_label:
            account = f"{snapshot.account_label} ({job.account_id})"
        state: str = job.status
        if job.cancel_requested and job.is_active:
            state = f"{job.status}, cancelling"
        title = self.query_one("#job-title", TextLine)
        title.show(f"Job {job.job_id} · {account} · {state} · {job.trigger}")
        for tone in JOB_STATUS_TONES.values():
            title.set_class(False, f"-{tone}")
        title.set_class(True, f"-{JOB_STATUS_TONES.get(job.status, 'plain')}")
        done = job.listings_completed
        parts = [f"{done}/{job.listings_total} listings done"]
        if job.listings_failed:
            parts.append(f"{job.listings_failed} failed")
        parts.append(f"{job.rows_written:,} rows")
        if job.window_start and job.window_end:
            parts.append(f"{job.window_start} → {job.window_end}")
        self.query_one("#job-meta", TextLine).show(" · ".join(parts))
        bar = self.query_one("#job-bar", ProgressBar)
        total = progress.requests_total
        bar.update(total=max(1, total), progress=min(progress.requests_done, max(1, total)))
        self.query_one("#job-eta", TextLine).show(self._eta_text(progress))
        error = self.query_one("#job-error", TextLine)
        error.display = bool(job.error_message)
        if job.error_message:
            error.show(f"{job.error_type or 'error'}: {job.error_message}")

    def _eta_text(self, progress: JobProgress) -> str:
        job = progress.job
        now = self.ctx.now()
        requests = f"{progress.requests_done}/{progress.requests_total} requests"
        if job.status == JobStatus.QUEUED:
            return "queued: waiting for a worker"
        if job.is_active:
            eta = progress.eta_seconds(self.ctx.settings.requests_per_minute)
            if eta is None:
                return f"{requests} · discovering listings"
            return f"{requests} · ETA {humanize.duration(eta)}"
        finished = humanize.ago(job.finished_at, now, never="—")
        return f"{requests} · {job.status} {finished}"

    def _cells(self, table: KeyedTable, item: ListingProgress) -> Row:
        text, tone = _LISTING_STATE.get(item.status, (item.status, "plain"))
        error = ""
        if item.error_type or item.error_message:
            error = f"{item.error_type or 'error'}: {item.error_message or ''}".rstrip(": ")
        return {
            "name": table.cell(
                humanize.truncate(item.listing_name or item.listing_id, self._name_width)
            ),
            "state": table.cell(text, tone),
            "requests": table.cell(f"{item.requests_done}/{item.requests_total}".rjust(8)),
            "rows": table.cell(f"{item.rows_written:,}".rjust(6)),
            "error": table.cell(humanize.truncate(error, self._error_width), "bad"),
        }

    # Actions ------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        snapshot = self.snapshot
        if action == "cancel_job":
            if snapshot is None:
                return None
            job = snapshot.progress.job
            return (job.is_active and not job.cancel_requested) or None
        if action == "retry":
            if snapshot is None:
                return None
            job = snapshot.progress.job
            unfinished = any(
                item.status != ListingStatus.SUCCEEDED for item in snapshot.progress.listings
            )
            return (not job.is_active and unfinished) or None
        return True

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_account_jobs(self) -> None:
        if self.snapshot is not None:
            self.post_message(OpenJobs(self.snapshot.progress.job.account_id))

    def action_cancel_job(self) -> None:
        self._run(lambda: job_service.cancel_job(self.ctx.db, self.job_id))

    def action_retry(self) -> None:
        self._run(lambda: job_service.retry_job(self.ctx.db, self.ctx.queue, self.job_id))

    def _run(self, work: Callable[[], Any]) -> None:
        self.run_worker(work, group=ACTION_GROUP, thread=True, exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != ACTION_GROUP:
            return
        event.stop()
        if event.state == WorkerState.ERROR:
            assert event.worker.error is not None
            self.notify(describe_failure(self.ctx.settings, event.worker.error), severity="error")
        elif event.state == WorkerState.SUCCESS:
            result = event.worker.result
            if isinstance(result, Job):
                self.notify(f"Cancel requested for job {result.job_id} ({result.status}).")
            elif isinstance(result, JobRequest):
                self.notify(f"Retrying the failed listings as job {result.job_id}.")
                self.post_message(OpenJob(result.job_id, replace=True))
                return
        self.poller.refresh_now()
