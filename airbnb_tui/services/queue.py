"""The port through which the services hand job ids to the workers.

Asking for a sync writes the job's row (the truth), then puts its id on the queue so a worker
picks it up. The one implementation is huey's queue of the worker's tasks (``worker.tasks``),
chosen by QUEUE_URL; each process builds it once, in its entry point, and hands it down.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from airbnb_tui.config import Settings


class JobQueue(Protocol):
    def enqueue_jobs(self, job_ids: Sequence[int]) -> None: ...


OpenQueue = Callable[[Settings], JobQueue]
"""How an entry point builds the queue for its settings (built on first use, then kept)."""


class QueueOnDemand:
    """The process's queue, opened when the first job id is put on it, then kept: a command or
    a dashboard that never starts a sync never opens the queue's storage."""

    def __init__(self, open_queue: OpenQueue, settings: Settings) -> None:
        self._open = open_queue
        self._settings = settings
        self._queue: JobQueue | None = None
        self._lock = threading.Lock()

    def enqueue_jobs(self, job_ids: Sequence[int]) -> None:
        if not job_ids:
            return
        with self._lock:
            if self._queue is None:
                self._queue = self._open(self._settings)
        self._queue.enqueue_jobs(job_ids)
