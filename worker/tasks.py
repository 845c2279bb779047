"""The worker's tasks, registered on a huey instance built from the settings.

Tasks carry only job ids. The process-wide runtime (database, runner, stop control) is set by
``worker.main`` before the consumer starts; the enqueueing side (CLI, dashboard) never needs it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from huey import Huey, crontab

from airbnb_tui.config import Settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import JobTrigger
from airbnb_tui.services import housekeeping
from worker.queue import make_huey

if TYPE_CHECKING:
    from airbnb_tui.sync.runner import JobRunner

log = logging.getLogger(__name__)

SYNC_TASK = "airbnb_tui.sync_job"
TICK_TASK = "airbnb_tui.periodic_tick"


@dataclass
class Runtime:
    settings: Settings
    db: Database
    runner: JobRunner
    queue: Queue


_runtime: Runtime | None = None


def set_runtime(runtime: Runtime | None) -> None:
    global _runtime
    _runtime = runtime


def _require_runtime() -> Runtime:
    if _runtime is None:
        raise RuntimeError("the sync task runs only inside airbnb-worker")
    return _runtime


class Queue:
    """The huey instance with this project's tasks, for enqueueing and for consuming."""

    def __init__(self, settings: Settings, *, immediate: bool = False) -> None:
        self.settings = settings
        self.huey: Huey = make_huey(settings, immediate=immediate)
        self._sync = self.huey.task(name=SYNC_TASK)(run_sync_job)
        self._tick = self.huey.periodic_task(crontab(minute="*"), name=TICK_TASK)(periodic_tick)

    def enqueue_jobs(self, job_ids: Sequence[int]) -> None:
        for job_id in job_ids:
            self._sync(job_id)


def run_sync_job(job_id: int) -> dict[str, Any] | None:
    runtime = _require_runtime()
    job = runtime.runner.run(job_id)
    return None if job is None else job.model_dump(mode="json")


def periodic_tick() -> None:
    """Every minute in every worker: today's scheduled syncs, and stale jobs taken back."""
    runtime = _require_runtime()
    housekeeping.recover_and_schedule(
        runtime.settings, runtime.db, runtime.queue, trigger=JobTrigger.SCHEDULED
    )
