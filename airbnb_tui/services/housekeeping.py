"""The worker's housekeeping: jobs of dead or stopped workers taken back, the day's scheduled
jobs created, and everything that waits put on the queue.

Every worker runs it (at start, every minute, and more often for stale jobs); the database
keeps it safe to run anywhere at once (see ``sync.jobs.take_back`` and ``sync.schedule``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from airbnb_tui.config import Settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import JobTrigger
from airbnb_tui.db.types import utcnow
from airbnb_tui.services.queue import JobQueue
from airbnb_tui.sync import jobs, schedule

log = logging.getLogger(__name__)


def recover_and_schedule(
    settings: Settings,
    db: Database,
    queue: JobQueue,
    *,
    trigger: JobTrigger,
    now: datetime | None = None,
) -> list[int]:
    """Take back interrupted/stale jobs and create due scheduled ones; enqueue them all."""
    taken = jobs.take_back(db, stale_seconds=settings.heartbeat_stale_seconds)
    created = schedule.enqueue_due(db, settings, now or utcnow(), trigger=trigger)
    ids = taken + created
    if ids:
        log.info("enqueueing jobs %s (taken back %s, scheduled %s)", ids, taken, created)
        queue.enqueue_jobs(ids)
    return ids


def take_back_stale(settings: Settings, db: Database, queue: JobQueue) -> list[int]:
    """Take back jobs of dead workers and enqueue them (run between the minute's ticks)."""
    taken = jobs.take_back(db, stale_seconds=settings.heartbeat_stale_seconds)
    if taken:
        log.info("took back jobs %s", taken)
        queue.enqueue_jobs(taken)
    return taken


def start_worker(settings: Settings, db: Database, queue: JobQueue) -> list[int]:
    """What a worker does as it starts: recover and schedule, then enqueue every job still
    waiting, whose id a queue that was lost or emptied no longer carries."""
    recovered = recover_and_schedule(settings, db, queue, trigger=JobTrigger.STARTUP)
    waiting = [job_id for job_id in jobs.queued_jobs(db) if job_id not in recovered]
    queue.enqueue_jobs(waiting)
    return recovered + waiting
