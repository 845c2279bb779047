"""Waiting in tests for something another thread or process does: poll a condition with a
deadline, and fail with what was awaited. Nothing in a test asserts how long it took."""

from __future__ import annotations

import time
from collections.abc import Callable

DEFAULT_TIMEOUT_SECONDS = 60.0


def wait_for(
    condition: Callable[[], bool],
    what: str = "the condition",
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    *,
    interval: float = 0.02,
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)
