"""Is a worker running? Read from the ``workers`` heartbeats, for the dashboard's status line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import Worker
from airbnb_tui.db.types import utcnow
from airbnb_tui.services.jobs import count_queued


@dataclass(frozen=True)
class WorkerView:
    worker_id: str
    host: str
    pid: int
    heartbeat_age: float
    current_job_id: int | None


@dataclass(frozen=True)
class WorkerStatus:
    workers: tuple[WorkerView, ...]
    queued_jobs: int

    @property
    def running(self) -> bool:
        return bool(self.workers)


def worker_status(
    db: Database, *, stale_seconds: float, now: datetime | None = None
) -> WorkerStatus:
    current = now or utcnow()
    cutoff = current - timedelta(seconds=stale_seconds)
    with db.read() as session:
        rows = session.scalars(
            select(Worker)
            .where(Worker.stopped_at.is_(None), Worker.heartbeat_at >= cutoff)
            .order_by(Worker.heartbeat_at.desc())
            .limit(20)
        ).all()
        views = tuple(
            WorkerView(
                worker_id=w.worker_id,
                host=w.host,
                pid=w.pid,
                heartbeat_age=max(0.0, (current - w.heartbeat_at).total_seconds()),
                current_job_id=w.current_job_id,
            )
            for w in rows
        )
    return WorkerStatus(views, count_queued(db))
