"""The home screen: one row per account, its credentials, its current sync and the next one."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Footer, Header
from textual.worker import Worker, WorkerState

from airbnb_tui.db.models import CredentialStatus, JobStatus
from airbnb_tui.db.views import AccountView
from airbnb_tui.services import accounts as account_service
from airbnb_tui.services import jobs as job_service
from airbnb_tui.services.jobs import JobProgress
from airbnb_tui.services.overview import (
    ACCOUNTS_PAGE_SIZE,
    AccountRow,
    AccountsPage,
    accounts_page,
)
from airbnb_tui.services.validation import validate_credentials
from airbnb_tui.sync import accounts as credential_store
from airbnb_tui.sync.schedule import next_slot
from airbnb_tui.ui import humanize
from airbnb_tui.ui.context import AppContext
from airbnb_tui.ui.failures import describe_failure
from airbnb_tui.ui.messages import OpenJob, OpenJobs, OpenMetrics
from airbnb_tui.ui.screens.account_form import AccountFormScreen, FormResult
from airbnb_tui.ui.screens.confirm import ConfirmScreen
from airbnb_tui.ui.screens.polled import PolledScreen
from airbnb_tui.ui.widgets.tables import KeyedTable, Row, Tone
from airbnb_tui.ui.widgets.text_line import TextLine
from airbnb_tui.ui.widgets.worker_status import WorkerStatusLine

REFRESH_SECONDS = 1.0
NARROW_LABEL = 12
WIDE_LABEL = 30
JOB_BAR_CELLS = 5
ACTION_GROUP = "account-action"
VALIDATE_GROUP = "account-validate"
SELECTION_ACTIONS = frozenset(
    {"edit", "sync", "validate", "toggle_active", "remove", "open", "metrics"}
)

Severity = Literal["information", "warning", "error"]

_STATUS: dict[CredentialStatus, tuple[str, Tone]] = {
    CredentialStatus.VALID: ("✓ valid", "good"),
    CredentialStatus.UNCHECKED: ("? unchecked", "warn"),
    CredentialStatus.REJECTED: ("✗ rejected", "bad"),
    CredentialStatus.EXPIRED: ("✗ expired", "bad"),
}


@dataclass(frozen=True)
class Outcome:
    """What a background action tells the operator, and where to go next, if anywhere."""

    message: str | None = None
    severity: Severity = "information"
    then: Message | None = None


class AccountsScreen(PolledScreen[AccountsPage]):
    """Accounts with live job progress; every account action is one key away."""

    BINDINGS = [
        Binding(
            "a",
            "add",
            "Add",
            id="accounts.add",
            tooltip="Add an account from a pasted cookie or cURL snippet.",
        ),
        Binding(
            "e",
            "edit",
            "Edit",
            id="accounts.edit",
            tooltip="Change the selected account's cookie, client details or label.",
        ),
        Binding(
            "s", "sync", "Sync", id="accounts.sync", tooltip="Queue a sync of the selected account."
        ),
        Binding(
            "S",
            "sync_all",
            "Sync all",
            id="accounts.sync_all",
            tooltip="Queue a sync of every enabled account with usable credentials.",
            show=False,
        ),
        Binding(
            "v",
            "validate",
            "Validate",
            id="accounts.validate",
            tooltip="Check the selected account's stored credentials with Airbnb now.",
        ),
        Binding(
            "d",
            "toggle_active",
            "Disable/enable",
            id="accounts.toggle",
            tooltip="Stop or resume scheduled syncs of the selected account.",
            show=False,
        ),
        Binding(
            "x",
            "remove",
            "Remove",
            id="accounts.remove",
            tooltip="Remove the selected account (asks first; synced metrics are kept).",
            show=False,
        ),
        Binding(
            "enter",
            "open",
            "Open",
            id="accounts.open",
            tooltip="Open the selected account's current or latest job.",
            show=False,
        ),
        Binding("j", "jobs", "Jobs", id="accounts.jobs", tooltip="Show the history of sync jobs."),
        Binding(
            "m",
            "metrics",
            "Metrics",
            id="accounts.metrics",
            tooltip="Chart the selected account's page views and conversion.",
        ),
        Binding(
            "r",
            "refresh",
            "Refresh",
            id="accounts.refresh",
            tooltip="Read the accounts again now.",
            show=False,
        ),
        Binding(
            "n",
            "page(1)",
            "Next page",
            id="accounts.next_page",
            tooltip="Show the next page of accounts.",
            show=False,
        ),
        Binding(
            "p",
            "page(-1)",
            "Previous page",
            id="accounts.previous_page",
            tooltip="Show the previous page of accounts.",
            show=False,
        ),
    ]

    def __init__(self, ctx: AppContext, *, page_size: int = ACCOUNTS_PAGE_SIZE) -> None:
        super().__init__(ctx, group="accounts-refresh", interval=REFRESH_SECONDS)
        self.page_size = page_size
        self._page_starts: list[str | None] = [None]
        self._page: AccountsPage | None = None
        self._rows: dict[str, AccountRow] = {}
        self._validating: set[str] = set()
        self._validation_workers: dict[Worker[Outcome], str] = {}
        self._stop = threading.Event()

    # Layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield KeyedTable(id="accounts-table")
        yield TextLine("", id="accounts-empty")
        with Horizontal(id="accounts-status"):
            yield WorkerStatusLine(self.ctx, id="worker-status")
            yield TextLine("", id="accounts-page")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "accounts"
        table = self.table
        label_width = WIDE_LABEL if self.app.size.width >= 100 else NARROW_LABEL
        self._label_width = label_width
        table.add_column("Label", key="label", width=label_width)
        table.add_column("Account", key="account", width=10)
        table.add_column("Status", key="status", width=11)
        table.add_column("Listings", key="listings", width=8)
        table.add_column("Synced", key="last_sync", width=8)
        table.add_column("Job", key="job", width=9)
        table.add_column("Next", key="next_sync", width=7)
        self.query_one("#accounts-empty", TextLine).show("loading accounts…")
        table.focus()
        self.poller.refresh_now()

    def on_unmount(self) -> None:
        self._stop.set()

    @property
    def table(self) -> KeyedTable:
        return self.query_one("#accounts-table", KeyedTable)

    # Loading ------------------------------------------------------------------------------------

    def _load(self) -> AccountsPage:
        return accounts_page(self.ctx.db, after=self._page_starts[-1], limit=self.page_size)

    def _apply(self, page: AccountsPage) -> None:
        self._page = page
        self._rows = {row.account.account_id: row for row in page.rows}
        now = self.ctx.now()
        slot = next_slot(now, self.ctx.settings.sync_hour_utc, self.ctx.settings.sync_minute_utc)
        table = self.table
        rows = [(row.account.account_id, self._cells(table, row, now, slot)) for row in page.rows]
        with self.app.batch_update():
            table.sync_rows(rows)
            empty = self.query_one("#accounts-empty", TextLine)
            empty.display = not rows
            empty.show(
                "No accounts yet. Press a to add one: paste the Cookie header (or a "
                '"Copy as cURL") of a logged-in airbnb.com tab.'
            )
            self.query_one("#accounts-page", TextLine).show(self._page_text(page))
        self.footer_sync.update()

    def _load_failed(self, error: BaseException) -> None:
        self.query_one("#accounts-page", TextLine).show("cannot read accounts")
        self.notify(describe_failure(self.ctx.settings, error), severity="error")

    def _page_text(self, page: AccountsPage) -> str:
        number = len(self._page_starts)
        first = (number - 1) * self.page_size + 1
        shown = len(page.rows)
        if number == 1 and not page.has_more:
            return f"{shown} account{'s' if shown != 1 else ''}"
        more = " · n: next" if page.has_more else ""
        back = " · p: previous" if number > 1 else ""
        return f"accounts {first}-{first + shown - 1}{more}{back}"

    def _cells(self, table: KeyedTable, row: AccountRow, now: datetime, slot: datetime) -> Row:
        account = row.account
        label = humanize.truncate(account.label or "—", self._label_width)
        if account.account_id in self._validating:
            status = table.cell("… checking", "active")
        elif not account.is_active:
            status = table.cell("⏸ disabled", "muted")
        else:
            text, tone = _STATUS.get(account.credential_status, (account.credential_status, "warn"))
            status = table.cell(text, tone)
        listings = "—" if account.listing_count is None else str(account.listing_count)
        next_sync = humanize.until(slot, now) if account.syncable else "—"
        return {
            "label": table.cell(label, "plain" if account.is_active else "muted"),
            "account": table.cell(account.account_id),
            "status": status,
            "listings": table.cell(listings.rjust(8)),
            "last_sync": table.cell(humanize.ago(account.last_sync_at, now)),
            "job": self._job_cell(table, row.current_job),
            "next_sync": table.cell(next_sync),
        }

    @staticmethod
    def _job_cell(table: KeyedTable, current: JobProgress | None) -> Text:
        if current is None:
            return table.cell("—", "muted")
        if current.job.status == JobStatus.QUEUED:
            return table.cell("queued", "warn")
        fraction = current.fraction
        if fraction is None:
            return table.cell("starting", "active")
        return table.cell(
            f"{humanize.bar(fraction, JOB_BAR_CELLS)}{humanize.percent(fraction):>4}", "active"
        )

    # Selection ------------------------------------------------------------------------------------

    def selected(self) -> AccountRow | None:
        key = self.table.cursor_key
        return None if key is None else self._rows.get(key)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in SELECTION_ACTIONS and self.selected() is None:
            return None
        if action == "page" and self._page is not None:
            step = parameters[0] if parameters else 0
            if step == 1 and not self._page.has_more:
                return None
            if step == -1 and len(self._page_starts) == 1:
                return None
        return True

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.footer_sync.update()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    # Actions ------------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.poller.refresh_now()

    def action_page(self, step: int) -> None:
        if self._page is None:
            return
        if step > 0 and self._page.has_more:
            self._page_starts.append(self._page.last_id)
        elif step < 0 and len(self._page_starts) > 1:
            self._page_starts.pop()
        else:
            return
        self.poller.refresh_now()

    def action_add(self) -> None:
        self.app.push_screen(AccountFormScreen(self.ctx), self._form_closed)

    def action_edit(self) -> None:
        row = self.selected()
        if row is not None:
            self.app.push_screen(
                AccountFormScreen(self.ctx, account=row.account), self._form_closed
            )

    def _form_closed(self, result: FormResult | None) -> None:
        if result is not None:
            self.notify(result.message, severity="information" if result.ok else "warning")
        self.poller.refresh_now()

    def action_sync(self) -> None:
        row = self.selected()
        if row is None:
            return
        if not row.account.syncable:
            self.notify(_not_syncable(row.account), severity="warning")
            return
        self._run_action(self._sync_one, row.account)

    def action_sync_all(self) -> None:
        self._run_action(self._sync_all)

    def action_validate(self) -> None:
        row = self.selected()
        if row is None or row.account.account_id in self._validating:
            return
        account = row.account
        self._validating.add(account.account_id)
        self.poller.refresh_now()
        worker = self.run_worker(
            lambda: self._validate(account),
            name=f"validate {account.account_id}",
            group=VALIDATE_GROUP,
            thread=True,
            exit_on_error=False,
        )
        self._validation_workers[worker] = account.account_id

    def action_toggle_active(self) -> None:
        row = self.selected()
        if row is not None:
            self._run_action(self._toggle_active, row.account)

    def action_remove(self) -> None:
        row = self.selected()
        if row is None:
            return
        account = row.account
        name = f"{account.label} ({account.account_id})" if account.label else account.account_id
        question = (
            f"Remove account {name}?\n\nIts stored cookie is wiped and its queued or running "
            "sync is cancelled. Metrics already synced stay in the database."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._run_action(self._remove, account)

        self.app.push_screen(
            ConfirmScreen("Remove account", question, yes_label="Remove"), answered
        )

    def action_open(self) -> None:
        row = self.selected()
        if row is None:
            return
        if row.current_job is not None:
            self.post_message(OpenJob(row.current_job.job.job_id))
            return
        self._run_action(self._open_latest, row.account)

    def action_jobs(self) -> None:
        self.post_message(OpenJobs())

    def action_metrics(self) -> None:
        row = self.selected()
        if row is not None:
            self.post_message(OpenMetrics(row.account.account_id))

    # Background work (worker threads: no widgets touched here) ------------------------------

    def _run_action(self, work: Callable[..., Outcome], *args: Any) -> None:
        self.run_worker(
            lambda: work(*args),
            name=getattr(work, "__name__", "action"),
            group=ACTION_GROUP,
            thread=True,
            exit_on_error=False,
        )

    def _sync_one(self, account: AccountView) -> Outcome:
        request = job_service.start_sync(self.ctx.db, self.ctx.queue, account.account_id)
        name = account.label or account.account_id
        if request.created:
            return Outcome(f"Sync of {name} queued as job {request.job_id}.")
        return Outcome(f"{name} already has job {request.job_id} ({request.status}).")

    def _sync_all(self) -> Outcome:
        queued = already = 0
        after: str | None = None
        while True:
            page = account_service.list_accounts(
                self.ctx.db, after=after, limit=200, include_inactive=False
            )
            for account in page:
                if not account.syncable:
                    continue
                request = job_service.start_sync(self.ctx.db, self.ctx.queue, account.account_id)
                if request.created:
                    queued += 1
                else:
                    already += 1
            if len(page) < 200:
                break
            after = page[-1].account_id
        busy = f"; {already} already had one" if already else ""
        return Outcome(f"Queued {queued} sync{'s' if queued != 1 else ''}{busy}.")

    def _validate(self, account: AccountView) -> Outcome:
        db = self.ctx.db
        creds = credential_store.load_credentials(db, self.ctx.cipher(), account.account_id)
        result = validate_credentials(
            self.ctx.settings,
            account.account_id,
            creds,
            limiter=self.ctx.limiter(),
            stop=self._stop,
        )
        status = result.credential_status
        if status is not None:
            credential_store.mark_credentials(
                self.ctx.db,
                account.account_id,
                status,
                None if result.ok else result.message,
                listing_count=result.listing_count,
            )
        name = account.label or account.account_id
        return Outcome(f"{name}: {result.summary()}", "information" if result.ok else "warning")

    def _toggle_active(self, account: AccountView) -> Outcome:
        updated = account_service.set_active(self.ctx.db, account.account_id, not account.is_active)
        name = account.label or account.account_id
        if updated.is_active:
            return Outcome(f"{name} enabled: it syncs on schedule again.")
        return Outcome(f"{name} disabled: no scheduled syncs until you enable it.")

    def _remove(self, account: AccountView) -> Outcome:
        account_service.remove_account(self.ctx.db, account.account_id)
        return Outcome(f"Removed account {account.label or account.account_id}.")

    def _open_latest(self, account: AccountView) -> Outcome:
        latest = job_service.list_jobs(self.ctx.db, account_id=account.account_id, limit=1)
        if latest:
            return Outcome(then=OpenJob(latest[0].job_id))
        return Outcome(then=OpenJobs(account.account_id))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group not in (ACTION_GROUP, VALIDATE_GROUP):
            return
        event.stop()
        if event.worker.is_finished:
            account_id = self._validation_workers.pop(event.worker, None)
            if account_id is not None:
                self._validating.discard(account_id)
        if event.state == WorkerState.SUCCESS:
            outcome = event.worker.result
            if isinstance(outcome, Outcome):
                if outcome.message:
                    self.notify(outcome.message, severity=outcome.severity)
                if outcome.then is not None:
                    self.post_message(outcome.then)
        elif event.state == WorkerState.ERROR:
            assert event.worker.error is not None
            self.notify(describe_failure(self.ctx.settings, event.worker.error), severity="error")
        if event.worker.is_finished:
            # Show the effect at once: the row, and the status line's count of queued jobs.
            self.poller.refresh_now()
            self.query_one(WorkerStatusLine).poller.refresh_now()


def _not_syncable(account: AccountView) -> str:
    name = account.label or account.account_id
    if not account.is_active:
        return f"{name} is disabled; press d to enable it first."
    return (
        f"{name}'s credentials are {account.credential_status}; press e to paste a fresh cookie "
        "first."
    )
