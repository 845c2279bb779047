"""The sandbox in a process of its own (``airbnb-tui sandbox``), as Airbnb is a remote server.

In the benchmark's own process, the sandbox's request handling would compete with the code
being measured for the interpreter lock; in a child process it has a CPU of its own, as a remote
API does.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from airbnb_tui.sandbox import SandboxAccount, SandboxControl

ANNOUNCE = "Sandbox running at "


@dataclass
class RunningSandbox:
    base_url: str
    control: SandboxControl
    accounts: list[SandboxAccount]
    pid: int


def _command() -> list[str]:
    script = Path(sys.executable).with_name("airbnb-tui")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from airbnb_tui.cli import main; main()"]


@contextmanager
def sandbox_process(accounts: int, listings: int, *extra: str) -> Iterator[RunningSandbox]:
    """``airbnb-tui sandbox --port 0`` with ``accounts`` x ``listings``; stopped on exit."""
    with tempfile.TemporaryFile("w+") as output:
        proc = subprocess.Popen(
            [
                *_command(),
                "sandbox",
                "--port",
                "0",
                "--accounts",
                str(accounts),
                "--listings",
                str(listings),
                *extra,
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        try:
            base_url = _announced_url(proc, output)
            control = SandboxControl(base_url)
            control.wait_ready()
            try:
                yield RunningSandbox(base_url, control, control.accounts(), proc.pid)
            finally:
                control.close()
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def _announced_url(proc: subprocess.Popen[str], output: IO[str]) -> str:
    """The base URL from the sandbox's first line of output."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        output.seek(0)
        first = output.readline()
        if first.startswith(ANNOUNCE) and first.endswith("\n"):
            return first[len(ANNOUNCE) :].strip()
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    output.seek(0)
    raise RuntimeError(f"the sandbox did not start: {output.read()[-2000:]}")
