"""How the worker stops: SIGTERM and SIGINT, both graceful, handled by the worker itself.

huey's consumer installs its own handlers in ``Consumer.start()`` (SIGINT graceful, SIGTERM
immediate, SIGHUP restart) and acts on them in ``Consumer.run()``. The worker needs both
signals graceful, and the sync told to stop between listings before huey waits for its
threads, so it does not run ``Consumer.run()`` nor override huey's private signal methods
(which a huey release may rename or reshape without notice). It keeps its own handlers,
installed before anything starts, and drives the consumer through its public methods:
``start()``, ``check_worker_health()`` and ``stop(graceful=True)``.

A signal handler here only records the signal: the main loop acts on it. The first SIGTERM or
SIGINT asks for a graceful stop; a second of the same kind raises KeyboardInterrupt in the main
thread, which cuts the wait for the running task short (huey's ``stop()`` catches it).
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
POLL_SECONDS = 0.1
HEALTH_CHECK_SECONDS = 10.0


class StopSignals:
    """Records the first stop signal; from then on that signal stops at once."""

    def __init__(self) -> None:
        self.received: int | None = None

    def install(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        signal.signal(signum, signal.default_int_handler)
        if self.received is None:
            self.received = signum


@contextlib.contextmanager
def _held(signums: tuple[int, ...]) -> Iterator[None]:
    """Signals arriving meanwhile wait, delivered (to the handlers then in place) at the end.

    Threads started meanwhile inherit the mask, so the stop signals always reach the main
    thread, where Python runs its handlers."""
    signal.pthread_sigmask(signal.SIG_BLOCK, signums)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, signums)


def run_consumer(
    consumer: Any,
    signals: StopSignals,
    *,
    on_ready: Callable[[], None],
    on_stop: Callable[[int], None],
) -> None:
    """Start ``consumer``, run until a stop signal, then stop it gracefully.

    ``on_ready`` runs once the consumer runs and only the worker's handlers are in place: a
    stop sent after it is always graceful. ``on_stop`` runs as the stop begins, before the
    consumer waits for its running tasks.
    """
    held = (*STOP_SIGNALS, signal.SIGHUP)
    with _held(held):
        before = {signum: signal.getsignal(signum) for signum in held}
        consumer.start()
        for signum, handler in before.items():  # huey's start() put in its own
            signal.signal(signum, handler)
    on_ready()
    last_check = time.monotonic()
    while signals.received is None:
        time.sleep(POLL_SECONDS)
        if time.monotonic() - last_check >= HEALTH_CHECK_SECONDS:
            last_check = time.monotonic()
            consumer.check_worker_health()
    on_stop(signals.received)
    consumer.stop(graceful=True)
    consumer.huey.notify_interrupted_tasks()
