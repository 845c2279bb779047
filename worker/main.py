"""``airbnb-worker``: the huey consumer that runs syncs.

SIGTERM and SIGINT both stop it gracefully: the running listing finishes (up to
SHUTDOWN_GRACE_SECONDS, after which it is rolled back), its job is marked ``interrupted`` for a
later worker to resume, and the process exits 0. A second signal stops at once (see
:mod:`worker.shutdown` for how, without huey's private signal methods).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click
from huey.consumer import Consumer

from airbnb_tui.errors import UserError
from airbnb_tui.exit_codes import ExitCode
from airbnb_tui.hints import describe
from airbnb_tui.services import housekeeping
from airbnb_tui.sync.control import StopControl
from worker import registry
from worker.shutdown import StopSignals, run_consumer
from worker.tasks import Queue, Runtime, set_runtime

log = logging.getLogger("airbnb_worker")

# Time past the grace period for the aborted listing to roll back and the job to be recorded.
_FINISH_MARGIN_SECONDS = 20.0


def run_worker(overrides: dict[str, Any], *, threads: int | None, verbose: bool) -> int:
    from airbnb_tui.airbnb.rate_limit import make_rate_limiter
    from airbnb_tui.config import load_settings
    from airbnb_tui.db.open import open_database
    from airbnb_tui.logs import configure_logging
    from airbnb_tui.secrets import CookieCipher
    from airbnb_tui.sync.runner import JobRunner

    signals = StopSignals()
    signals.install()  # first: a stop sent while the worker starts is acted on once it runs
    settings = load_settings(**overrides)
    configure_logging(logging.INFO if verbose else logging.WARNING, settings)
    db = open_database(settings)
    cipher = CookieCipher.from_settings(settings)
    limiter = make_rate_limiter(settings)
    worker_id = registry.new_worker_id()
    control = StopControl()
    runner = JobRunner(
        settings, db, worker_id=worker_id, cipher=cipher, limiter=limiter, control=control
    )
    queue = Queue(settings)
    runtime = Runtime(settings=settings, db=db, runner=runner, queue=queue)
    set_runtime(runtime)
    registry.register(db, worker_id)
    heartbeat = registry.WorkerHeartbeat(
        db,
        worker_id,
        settings.heartbeat_interval_seconds,
        # Crash recovery can't wait for the minute-granular periodic task: check for stale
        # jobs at half the staleness threshold.
        every=max(1.0, min(60.0, settings.heartbeat_stale_seconds / 2)),
        housekeeping=lambda: housekeeping.take_back_stale(settings, db, queue),
    )
    heartbeat.start()

    def on_stop(signum: int) -> None:
        log.warning(
            "%s: finishing the running listing (up to %.0f s), then stopping",
            signal.Signals(signum).name,
            settings.shutdown_grace_seconds,
        )
        control.request_graceful()
        timer = threading.Timer(settings.shutdown_grace_seconds, control.request_abort)
        timer.daemon = True
        timer.start()

    def on_ready() -> None:
        print(f"airbnb-worker {worker_id} started; waiting for jobs", file=sys.stderr, flush=True)

    consumer = Consumer(
        queue.huey,
        workers=threads or settings.worker_threads,
        worker_type="thread",
        periodic=True,
        max_delay=1.0,
        shutdown_timeout=settings.shutdown_grace_seconds + _FINISH_MARGIN_SECONDS,
    )
    try:
        housekeeping.start_worker(settings, db, queue)
        run_consumer(consumer, signals, on_ready=on_ready, on_stop=on_stop)
    finally:
        heartbeat.stop()
        try:
            registry.mark_stopped(db, worker_id)
        finally:
            set_runtime(None)
            limiter.close()
            db.dispose()
    print(f"airbnb-worker {worker_id} stopped", file=sys.stderr, flush=True)
    return 0


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(path_type=Path), help="Where data lives.")
@click.option("--database-url", help="SQLite or postgresql+psycopg:// URL.")
@click.option("--queue-url", help="sqlite:///…, postgresql://… or redis://…")
@click.option("--threads", type=click.IntRange(1, 64), help="Jobs run at once (default 2).")
@click.option("-v", "--verbose", is_flag=True, help="Log every job and retry.")
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
def cli(
    data_dir: Path | None,
    database_url: str | None,
    queue_url: str | None,
    threads: int | None,
    verbose: bool,
    debug: bool,
) -> None:
    """Run the sync worker: the huey consumer for the configured queue.

    \b
    Example:
      airbnb-worker --threads 2 --verbose
    """
    overrides = {"data_dir": data_dir, "database_url": database_url, "queue_url": queue_url}
    try:
        code = run_worker(
            {k: v for k, v in overrides.items() if v}, threads=threads, verbose=verbose or debug
        )
    except UserError as exc:
        if debug:
            raise
        click.echo(f"Error: {describe(exc)}", err=True)
        sys.exit(int(exc.exit_code))
    sys.exit(code)


def main() -> None:
    try:
        cli.main(prog_name="airbnb-worker", standalone_mode=True)
    except KeyboardInterrupt:  # pragma: no cover - a second Ctrl+C during shutdown
        sys.exit(int(ExitCode.OK))
