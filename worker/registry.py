"""The ``workers`` table: who is running, so the dashboard can say "no worker is running"."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

from sqlalchemy import update

from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import Worker
from airbnb_tui.db.types import utcnow

log = logging.getLogger(__name__)


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def register(db: Database, worker_id: str) -> None:
    now = utcnow()
    with db.write() as session:
        session.add(
            Worker(
                worker_id=worker_id,
                host=socket.gethostname(),
                pid=os.getpid(),
                started_at=now,
                heartbeat_at=now,
            )
        )


def mark_stopped(db: Database, worker_id: str) -> None:
    with db.write() as session:
        session.execute(
            update(Worker)
            .where(Worker.worker_id == worker_id)
            .values(stopped_at=utcnow(), current_job_id=None)
            .execution_options(synchronize_session=False)
        )


class WorkerHeartbeat(threading.Thread):
    """Beats every ``interval`` seconds for as long as the worker process lives, and runs
    ``housekeeping`` every ``every`` seconds."""

    def __init__(
        self,
        db: Database,
        worker_id: str,
        interval: float,
        *,
        every: float = 30.0,
        housekeeping: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(name="worker-heartbeat", daemon=True)
        self.db = db
        self.worker_id = worker_id
        self.interval = interval
        self.every = every
        self.housekeeping = housekeeping
        self._done = threading.Event()

    def run(self) -> None:
        last = time.monotonic()
        while not self._done.wait(self.interval):
            if self.housekeeping is not None and time.monotonic() - last >= self.every:
                last = time.monotonic()
                try:
                    self.housekeeping()
                except Exception:
                    log.warning("housekeeping failed", exc_info=True)
            try:
                with self.db.write() as session:
                    session.execute(
                        update(Worker)
                        .where(Worker.worker_id == self.worker_id)
                        .values(heartbeat_at=utcnow())
                        .execution_options(synchronize_session=False)
                    )
            except Exception:
                log.warning("worker heartbeat failed", exc_info=True)

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=5)
