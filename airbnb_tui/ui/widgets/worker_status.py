"""The status line: is a worker running, and if not, how to start one."""

from __future__ import annotations

from textual.worker import Worker

from airbnb_tui.services.workers import WorkerStatus, worker_status
from airbnb_tui.ui.background import Poller
from airbnb_tui.ui.context import AppContext
from airbnb_tui.ui.failures import describe_failure
from airbnb_tui.ui.widgets.text_line import TextLine

REFRESH_SECONDS = 2.0


def describe(status: WorkerStatus) -> str:
    if status.workers:
        parts = [
            f"pid {w.pid} on {w.host}, heartbeat {w.heartbeat_age:.0f}s ago"
            for w in status.workers[:3]
        ]
        more = f" (+{len(status.workers) - 3} more)" if len(status.workers) > 3 else ""
        return "worker running: " + "; ".join(parts) + more
    if status.queued_jobs:
        return (
            f"{status.queued_jobs} job(s) queued but no worker is running; "
            "start it with airbnb-worker"
        )
    return "no worker is running; start it with airbnb-worker"


class WorkerStatusLine(TextLine):
    """One line from the ``workers`` heartbeats, refreshed every two seconds in a thread."""

    def __init__(self, ctx: AppContext, *, id: str | None = None) -> None:
        super().__init__("checking for a worker…", id=id)
        self.ctx = ctx
        self.poller: Poller[WorkerStatus] = Poller(
            self,
            group="worker-status",
            load=self._load,
            apply=self._apply,
            interval=REFRESH_SECONDS,
            on_error=self._failed,
            visible=lambda: self.screen.is_current,
        )

    def on_mount(self) -> None:
        self.poller.refresh_now()

    def _load(self) -> WorkerStatus:
        return worker_status(
            self.ctx.db,
            stale_seconds=self.ctx.settings.heartbeat_stale_seconds,
            now=self.ctx.now(),
        )

    def _apply(self, status: WorkerStatus) -> None:
        self.show(describe(status))
        self.set_class(status.running, "-running")
        self.set_class(not status.running, "-stopped")

    def _failed(self, error: BaseException) -> None:
        self.show(f"cannot read worker status: {describe_failure(self.ctx.settings, error)}")
        self.set_class(True, "-stopped")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if self.poller.handle(event):
            event.stop()
