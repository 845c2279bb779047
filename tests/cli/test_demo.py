"""`airbnb-tui demo --headless`: the whole product end to end, and nothing left running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.processes import popen

pytestmark = pytest.mark.slow


def _demo(data_dir: Path, *extra: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRBNB_TUI_")}
    return popen(
        [
            sys.executable,
            "-m",
            "airbnb_tui",
            "demo",
            "--headless",
            "--listings",
            "2",
            "--data-dir",
            str(data_dir),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def _workers(data_dir: Path) -> list[tuple[int, object]]:
    engine = create_engine(f"sqlite:///{data_dir / 'airbnb.db'}")
    try:
        with engine.connect() as conn:
            return [(r[0], r[1]) for r in conn.execute(text("SELECT pid, stopped_at FROM workers"))]
    finally:
        engine.dispose()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_headless_demo_syncs_to_the_end_and_stops_its_worker(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    proc = _demo(data_dir)
    out, _ = proc.communicate(timeout=240)
    assert proc.returncode == 0, out
    assert "summary: job 1 succeeded" in out
    assert "2 listings synced, 0 failed" in out
    workers = _workers(data_dir)
    assert len(workers) == 1
    pid, stopped_at = workers[0]
    assert stopped_at is not None
    assert not _alive(pid)


def test_ctrl_c_ends_every_process_the_demo_started(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    proc = _demo(data_dir)
    assert proc.stdout is not None
    seen: list[str] = []
    for line in proc.stdout:  # the demo's own output; it ends when the demo does
        seen.append(line)
        if " running: " in line:
            break
    assert any(" running: " in line for line in seen), "".join(seen)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=120)
    assert proc.returncode != 0
    workers = _workers(data_dir)
    assert workers
    for pid, _stopped in workers:
        deadline = time.monotonic() + 30
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(pid)
