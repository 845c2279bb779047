"""Starting real ``airbnb-worker`` processes fast enough to kill dozens of them per test run.

A worker started with ``python -m worker`` spends two seconds importing before it does
anything; the fault-injection runs start one (or two) per run. So most runs fork their workers
from a multiprocessing *forkserver* that imported the worker's modules once: each child is a
separate process running the same entry point (``worker.main.main()``, argument parsing,
signal handlers, huey consumer and all) with its own environment, stdout/stderr in a log file,
and its own pid to SIGKILL or SIGTERM. Only the imports are shared. :class:`ExecWorker` starts
the ordinary way, for the tests where that difference could matter.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

READY_LINE = "waiting for jobs"
PRELOAD = [
    "worker.main",
    "worker.tasks",
    "worker.queue",
    "airbnb_tui.sync.runner",
    "airbnb_tui.db.open",
    "airbnb_tui.db.migrate",
    "airbnb_tui.airbnb.rate_limit.sqlite",
    "airbnb_tui.airbnb.rate_limit.postgres",
    "airbnb_tui.secrets",
    "airbnb_tui.services.jobs",
    "psycopg",
    "sqlalchemy.dialects.postgresql.psycopg",
    "huey.contrib.sql_huey",
    "tests.reliability.launcher",
]

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(PRELOAD)


def _worker_entry(env: Mapping[str, str], log_path: str, argv: Sequence[str]) -> None:
    """Runs in the forked child: become ``airbnb-worker ARGV`` with exactly ``env``."""
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.environ.clear()
    os.environ.update(env)
    sys.argv = ["airbnb-worker", *argv]
    from worker.main import main

    main()


def _call_entry(env: Mapping[str, str], log_path: str, target: str, args: Sequence[Any]) -> None:
    """Runs in the forked child: call ``module:function(*args)`` with exactly ``env``."""
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.environ.clear()
    os.environ.update(env)
    module_name, _, function = target.partition(":")
    module = __import__(module_name, fromlist=[function])
    getattr(module, function)(*args)


class WorkerProcess:
    """A running ``airbnb-worker``: signal it, wait for it, read its log."""

    log_path: Path

    @property
    def pid(self) -> int:
        raise NotImplementedError

    def alive(self) -> bool:
        raise NotImplementedError

    def wait(self, timeout: float) -> int | None:
        """The exit code (negative: killed by that signal), None if still running."""
        raise NotImplementedError

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def ready(self) -> bool:
        return READY_LINE in self.log()

    def kill(self) -> None:
        """SIGKILL: the process dies wherever it is."""
        self.signal(signal.SIGKILL)

    def terminate(self) -> None:
        """SIGTERM: the worker's graceful stop."""
        self.signal(signal.SIGTERM)

    def signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)

    def stop(self) -> None:
        """Make sure it is gone (test teardown)."""
        if self.alive():
            self.kill()
            self.wait(10)


class ForkedWorker(WorkerProcess):
    """``airbnb-worker`` forked from the preloaded forkserver."""

    def __init__(self, env: Mapping[str, str], log_path: Path, argv: Sequence[str]) -> None:
        self.log_path = log_path
        self.process = _CONTEXT.Process(
            target=_worker_entry, args=(dict(env), str(log_path), list(argv)), daemon=True
        )
        self.process.start()

    @property
    def pid(self) -> int:
        assert self.process.pid is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process.is_alive()

    def wait(self, timeout: float) -> int | None:
        self.process.join(timeout)
        return self.process.exitcode


class ExecWorker(WorkerProcess):
    """``python -m worker`` started the ordinary way."""

    def __init__(self, env: Mapping[str, str], log_path: Path, argv: Sequence[str]) -> None:
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "worker", *argv],
                env=dict(env),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait(self, timeout: float) -> int | None:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None


def call_in_process(
    env: Mapping[str, str], log_path: Path, target: str, *args: Any
) -> multiprocessing.process.BaseProcess:
    """Start ``target`` ("module:function") in a forked child; the caller joins it."""
    process = _CONTEXT.Process(
        target=_call_entry, args=(dict(env), str(log_path), target, args), daemon=True
    )
    process.start()
    return process


def wait_ready(worker: WorkerProcess, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not worker.ready():
        if not worker.alive():
            raise AssertionError(f"the worker exited before it was ready:\n{worker.log()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"the worker was not ready in {timeout} s:\n{worker.log()}")
        time.sleep(0.02)
