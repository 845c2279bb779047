"""The worker's own stop handling around huey's consumer, driven through its public methods."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from worker.shutdown import HEALTH_CHECK_SECONDS, StopSignals, run_consumer

HANDLED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class StartingConsumer:
    """Stands in for huey's Consumer: its start() installs handlers of its own, as huey's
    does, and a SIGTERM arrives in the middle of it."""

    def __init__(self) -> None:
        self.calls: list[Any] = []
        self.huey = SimpleNamespace(notify_interrupted_tasks=lambda: self.calls.append("notify"))

    def start(self) -> None:
        for signum in HANDLED:
            signal.signal(signum, lambda *_: self.calls.append("huey's handler"))
        os.kill(os.getpid(), signal.SIGTERM)
        self.calls.append("start")

    def check_worker_health(self) -> None:
        raise AssertionError(f"still running {HEALTH_CHECK_SECONDS} s on: the stop was lost")

    def stop(self, graceful: bool = False) -> None:
        self.calls.append(("stop", graceful))


@pytest.fixture
def own_handlers() -> Iterator[None]:
    saved = {signum: signal.getsignal(signum) for signum in HANDLED}
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


@pytest.mark.usefixtures("own_handlers")
def test_a_stop_during_start_up_is_neither_lost_nor_left_to_huey() -> None:
    signals = StopSignals()
    signals.install()
    hup_before = signal.getsignal(signal.SIGHUP)
    consumer = StartingConsumer()
    stopped: list[int] = []

    run_consumer(
        consumer,
        signals,
        on_ready=lambda: consumer.calls.append("ready"),
        on_stop=stopped.append,
    )

    assert stopped == [signal.SIGTERM]
    assert consumer.calls == ["start", "ready", ("stop", True), "notify"]
    # huey's handlers were put back as they were: SIGHUP as before, and a second SIGTERM now
    # stops at once (KeyboardInterrupt cuts huey's wait for its threads short).
    assert signal.getsignal(signal.SIGHUP) is hup_before
    assert signal.getsignal(signal.SIGTERM) is signal.default_int_handler
    assert signal.getsignal(signal.SIGINT) == signals._handle
