"""Polling the database from a thread without ever overlapping or blocking the event loop.

A :class:`Poller` runs ``load`` in a thread worker, applies its result on the event loop, and only
then schedules the next load with ``set_timer`` (Dolphie's pattern): a slow database stretches the
interval instead of piling up queries, and the UI never waits on SQL. While its screen is not the
one on top, the poller skips the load and just waits for the next tick.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar, cast

from textual.dom import DOMNode
from textual.timer import Timer
from textual.worker import Worker, WorkerState

T = TypeVar("T")


class Poller(Generic[T]):
    """Load, apply, wait, repeat — one load at a time, owned by one screen or widget.

    The owner forwards its ``Worker.StateChanged`` events to :meth:`handle`.
    """

    def __init__(
        self,
        owner: DOMNode,
        *,
        group: str,
        load: Callable[[], T],
        apply: Callable[[T], None],
        interval: float,
        on_error: Callable[[BaseException], None],
        visible: Callable[[], bool] | None = None,
    ) -> None:
        self.owner = owner
        self.group = group
        self.interval = interval
        self._load = load
        self._apply = apply
        self._on_error = on_error
        self._visible = visible
        self._worker: Worker[T] | None = None
        self._timer: Timer | None = None
        self._stopped = False
        self.loads = 0
        """How many loads have been applied: tests wait on it."""

    @property
    def busy(self) -> bool:
        return self._worker is not None and self._worker.state in (
            WorkerState.PENDING,
            WorkerState.RUNNING,
        )

    def refresh_now(self) -> None:
        """Load at once (a newer load supersedes one in flight, whose result is dropped)."""
        if self._stopped:
            return
        self._cancel_timer()
        self._worker = self.owner.run_worker(
            self._load,
            name=self.group,
            group=self.group,
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def stop(self) -> None:
        self._stopped = True
        self._cancel_timer()

    def handle(self, event: Worker.StateChanged) -> bool:
        """Take this poller's worker events; returns False for anyone else's."""
        worker = event.worker
        if worker.group != self.group:
            return False
        if worker is not self._worker or self._stopped:
            return True
        if event.state == WorkerState.SUCCESS:
            self._apply(cast(T, worker.result))
            self.loads += 1
            self._schedule()
        elif event.state == WorkerState.ERROR:
            self._on_error(cast(BaseException, worker.error))
            self._schedule()
        return True

    def _schedule(self) -> None:
        self._cancel_timer()
        self._timer = self.owner.set_timer(self.interval, self._tick, name=self.group)

    def _tick(self) -> None:
        if self._visible is not None and not self._visible():
            self._schedule()
            return
        self.refresh_now()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
