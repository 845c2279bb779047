"""The history of sync jobs, newest first, a page at a time, filtered by account and status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Select
from textual.worker import Worker, WorkerState

from airbnb_tui.db.models import JobStatus
from airbnb_tui.db.views import AccountView, Job
from airbnb_tui.services import accounts as account_service
from airbnb_tui.services import jobs as job_service
from airbnb_tui.ui import humanize
from airbnb_tui.ui.context import AppContext
from airbnb_tui.ui.failures import describe_failure
from airbnb_tui.ui.messages import OpenJob
from airbnb_tui.ui.screens.polled import PolledScreen
from airbnb_tui.ui.widgets.tables import JOB_STATUS_TONES, KeyedTable, Row
from airbnb_tui.ui.widgets.text_line import TextLine

PAGE_SIZE = 50
REFRESH_SECONDS = 2.0
ACCOUNT_OPTIONS_LIMIT = 500
OPTIONS_GROUP = "jobs-accounts"


@dataclass(frozen=True)
class JobsPage:
    jobs: tuple[Job, ...]
    has_more: bool


class JobsScreen(PolledScreen[JobsPage]):
    """Jobs newest first; ``n``/``p`` page through older and newer ones with keyset paging."""

    BINDINGS = [
        Binding(
            "enter",
            "open",
            "Open",
            id="jobs.open",
            tooltip="Open the selected job's live progress.",
        ),
        Binding(
            "n",
            "page(1)",
            "Older",
            id="jobs.next_page",
            tooltip="Show the next (older) page of jobs.",
        ),
        Binding(
            "p",
            "page(-1)",
            "Newer",
            id="jobs.previous_page",
            tooltip="Show the previous (newer) page of jobs.",
        ),
        Binding(
            "f",
            "focus_filter",
            "Filter",
            id="jobs.filter",
            tooltip="Move to the account and status filters.",
        ),
        Binding(
            "r",
            "refresh",
            "Refresh",
            id="jobs.refresh",
            tooltip="Read the jobs again now.",
            show=False,
        ),
        Binding("escape", "back", "Back", id="jobs.back", tooltip="Return to the previous screen."),
    ]

    def __init__(
        self, ctx: AppContext, *, account_id: str | None = None, page_size: int = PAGE_SIZE
    ) -> None:
        super().__init__(ctx, group="jobs-refresh", interval=REFRESH_SECONDS)
        self.account_id = account_id
        self.status: JobStatus | None = None
        self.page_size = page_size
        self._page_starts: list[int | None] = [None]
        self._page: JobsPage | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="jobs-filters"):
            initial: list[tuple[Text, str]] = []
            if self.account_id is not None:
                initial = [(Text(self.account_id), self.account_id)]
            yield Select(
                initial,
                prompt="all accounts",
                value=self.account_id if self.account_id is not None else Select.NULL,
                id="jobs-account",
                compact=True,
            )
            yield Select(
                [(status.value, status.value) for status in JobStatus],
                prompt="any status",
                id="jobs-status",
                compact=True,
            )
        yield KeyedTable(id="jobs-table")
        yield TextLine("", id="jobs-page")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "jobs"
        table = self.query_one("#jobs-table", KeyedTable)
        table.add_column("Job", key="job", width=6)
        table.add_column("Account", key="account", width=10)
        table.add_column("Status", key="status", width=11)
        table.add_column("Trigger", key="trigger", width=9)
        table.add_column("Listings", key="listings", width=8)
        table.add_column("Rows", key="rows", width=7)
        table.add_column("Created", key="created", width=8)
        self._error_width = self.app.size.width - 75
        if self._error_width >= 12:
            table.add_column("Error", key="error", width=self._error_width)
        table.focus()
        self.run_worker(self._load_accounts, group=OPTIONS_GROUP, thread=True, exit_on_error=False)
        self.poller.refresh_now()

    # Loading ------------------------------------------------------------------------------------

    def _load(self) -> JobsPage:
        jobs = job_service.list_jobs(
            self.ctx.db,
            account_id=self.account_id,
            status=self.status,
            limit=self.page_size + 1,
            before_job_id=self._page_starts[-1],
        )
        return JobsPage(tuple(jobs[: self.page_size]), len(jobs) > self.page_size)

    def _load_accounts(self) -> list[AccountView]:
        return account_service.list_accounts(self.ctx.db, limit=ACCOUNT_OPTIONS_LIMIT)

    def _load_failed(self, error: BaseException) -> None:
        self.query_one("#jobs-page", TextLine).show(describe_failure(self.ctx.settings, error))

    def _apply(self, page: JobsPage) -> None:
        self._page = page
        table = self.query_one("#jobs-table", KeyedTable)
        now = self.ctx.now()
        rows = [(str(job.job_id), self._cells(table, job, now)) for job in page.jobs]
        with self.app.batch_update():
            table.sync_rows(rows)
            self.query_one("#jobs-page", TextLine).show(self._page_text(page))
        self.footer_sync.update()

    def _page_text(self, page: JobsPage) -> str:
        number = len(self._page_starts)
        if not page.jobs:
            return "no jobs match" if number == 1 else "no older jobs"
        hints = []
        if page.has_more:
            hints.append("n: older")
        if number > 1:
            hints.append("p: newer")
        count = len(page.jobs)
        shown = f"page {number} · {count} job{'s' if count != 1 else ''}, newest first"
        return " · ".join([shown, *hints])

    def _cells(self, table: KeyedTable, job: Job, now: datetime) -> Row:
        listings = f"{job.listings_completed}/{job.listings_total}"
        if job.listings_failed:
            listings += f" ✗{job.listings_failed}"
        cells: dict[str, Text] = {
            "job": table.cell(str(job.job_id).rjust(6)),
            "account": table.cell(job.account_id),
            "status": table.cell(job.status, JOB_STATUS_TONES.get(job.status, "plain")),
            "trigger": table.cell(job.trigger),
            "listings": table.cell(listings),
            "rows": table.cell(f"{job.rows_written:,}".rjust(7)),
            "created": table.cell(humanize.ago(job.created_at, now)),
        }
        if self._error_width >= 12:
            error = job.error_message or ""
            cells["error"] = table.cell(humanize.truncate(error, self._error_width), "bad")
        return cells

    # Filters and paging -------------------------------------------------------------------------

    def on_select_changed(self, event: Select.Changed) -> None:
        value = None if event.value is Select.NULL else str(event.value)
        if event.select.id == "jobs-account":
            if value == self.account_id:
                return
            self.account_id = value
        elif event.select.id == "jobs-status":
            status = None if value is None else JobStatus(value)
            if status == self.status:
                return
            self.status = status
        else:
            return
        event.stop()
        self._page_starts = [None]
        self.poller.refresh_now()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        page = self._page
        if action == "open":
            table = self.query_one("#jobs-table", KeyedTable)
            return table.cursor_key is not None or None
        if action == "page":
            step = parameters[0] if parameters else 0
            if page is None:
                return None
            if step == 1:
                return page.has_more or None
            return len(self._page_starts) > 1 or None
        return True

    def action_page(self, step: int) -> None:
        page = self._page
        if page is None:
            return
        if step > 0 and page.has_more:
            self._page_starts.append(page.jobs[-1].job_id)
        elif step < 0 and len(self._page_starts) > 1:
            self._page_starts.pop()
        else:
            return
        self.poller.refresh_now()

    def action_refresh(self) -> None:
        self.poller.refresh_now()

    def action_focus_filter(self) -> None:
        self.query_one("#jobs-account", Select).focus()

    def action_open(self) -> None:
        key = self.query_one("#jobs-table", KeyedTable).cursor_key
        if key is not None:
            self.post_message(OpenJob(int(key)))

    def action_back(self) -> None:
        self.app.pop_screen()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.footer_sync.update()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != OPTIONS_GROUP:
            return
        event.stop()
        if event.state == WorkerState.SUCCESS and isinstance(event.worker.result, list):
            accounts: list[AccountView] = event.worker.result
            options = [
                (Text(f"{a.label} ({a.account_id})" if a.label else a.account_id), a.account_id)
                for a in accounts
            ]
            select: Select[str] = self.query_one("#jobs-account", Select)
            current = self.account_id
            with self.prevent(Select.Changed):
                select.set_options(options)
                if current is not None and any(value == current for _, value in options):
                    select.value = current
        elif event.state == WorkerState.ERROR:
            assert event.worker.error is not None
            self.notify(describe_failure(self.ctx.settings, event.worker.error), severity="error")
