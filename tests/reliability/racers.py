"""Functions that run in child processes to race each other (see launcher.call_in_process)."""

from __future__ import annotations

import json
import time


def enqueue_at(at: float, account_id: str, out_path: str) -> None:
    """At wall-clock time ``at``, ask for a sync of ``account_id`` and queue its id — even when
    the job already existed (as a dashboard's second click or a worker's start-up recovery
    does), so each racing process puts one message on the queue."""
    from airbnb_tui.config import load_settings
    from airbnb_tui.db.open import open_database
    from airbnb_tui.services import jobs as job_service
    from worker.tasks import Queue

    settings = load_settings()
    db = open_database(settings)
    queue = Queue(settings)
    try:
        time.sleep(max(0.0, at - time.time()))
        request = job_service.start_sync(db, queue, account_id)
        if not request.created:
            queue.enqueue_jobs([request.job_id])
    finally:
        db.dispose()
    with open(out_path, "w") as out:
        json.dump({"job_id": request.job_id, "created": request.created}, out)
