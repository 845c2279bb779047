"""A job's heartbeat: proof of life for crash recovery, and the ear for cancel requests.

It runs beside the sync in its own thread, so the heartbeat keeps beating while a listing waits
on the rate limit, and a cancel or an abort reaches the sync even in the middle of a wait.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import select, update

from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import SyncJob, Worker
from airbnb_tui.db.types import utcnow
from airbnb_tui.sync.control import StopControl

log = logging.getLogger(__name__)


class JobHeartbeat(threading.Thread):
    """Beats for one job. ``abort`` is set when the job must stop mid-listing (a cancel, or the
    worker's grace period ran out); ``cancelled`` says which of the two it was."""

    def __init__(
        self,
        db: Database,
        job_id: int,
        worker_id: str,
        control: StopControl,
        *,
        interval: float,
    ) -> None:
        super().__init__(name=f"heartbeat-job-{job_id}", daemon=True)
        self.db = db
        self.job_id = job_id
        self.worker_id = worker_id
        self.control = control
        self.abort = threading.Event()
        self.interval = interval
        self.cancelled = threading.Event()
        self._done = threading.Event()

    def run(self) -> None:
        tick = min(self.interval, 0.25)
        elapsed = self.interval  # beat at once
        while not self._done.is_set():
            if self.control.abort.is_set():
                self.abort.set()
            if elapsed >= self.interval:
                elapsed = 0.0
                try:
                    self._beat()
                except Exception:  # the database may be briefly away; the next beat retries
                    log.warning("heartbeat of job %s failed", self.job_id, exc_info=True)
            self._done.wait(tick)
            elapsed += tick

    def _beat(self) -> None:
        now = utcnow()
        with self.db.write() as session:
            session.execute(
                update(SyncJob)
                .where(SyncJob.job_id == self.job_id, SyncJob.worker_id == self.worker_id)
                .values(heartbeat_at=now)
                .execution_options(synchronize_session=False)
            )
            session.execute(
                update(Worker)
                .where(Worker.worker_id == self.worker_id)
                .values(heartbeat_at=now, current_job_id=self.job_id)
                .execution_options(synchronize_session=False)
            )
            cancel = session.scalar(
                select(SyncJob.cancel_requested).where(SyncJob.job_id == self.job_id)
            )
        if cancel:
            self.cancelled.set()
            self.abort.set()

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=5)
