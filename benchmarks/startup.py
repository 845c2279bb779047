"""Target 6 — start-up: ``airbnb-tui`` to its first painted screen on the large database.

The real command runs in a pseudo-terminal (120x40), exactly as an operator starts it; the
clock runs from the fork to the moment the terminal output holds (a) the accounts table's
header — the first frame — and (b) the first account's id — the accounts painted from the
database. Then ``q`` quits. Side by side, the same on an empty database: the large/empty ratio
is what the data's size costs at start-up.

    .venv/bin/python -m benchmarks.startup [--repeats 5]

Uses the large SQLite database of benchmarks.large_db (built on first use).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

from airbnb_tui.db.engine import Database
from airbnb_tui.db.migrate import upgrade
from benchmarks.databases import scratch_dir
from benchmarks.large_db import DEFAULT_SQLITE, Shape, account_id, ensure_sqlite
from benchmarks.report import header, median, table, verdict

TARGET_SECONDS = 1.5
COLUMNS, LINES = 120, 40
FIRST_FRAME = b"Label"
EMPTY_MARKER = b"No accounts yet"
TIMEOUT = 60.0


def _command() -> list[str]:
    script = Path(sys.executable).with_name("airbnb-tui")
    return [str(script)] if script.exists() else [sys.executable, "-m", "airbnb_tui.cli"]


def time_to_screen(database: Path, data_dir: Path, marker: bytes) -> tuple[float, float]:
    """Seconds from fork to the first frame, and to ``marker`` on the screen."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRBNB_TUI_")}
    env.update(
        {
            "AIRBNB_TUI_DATABASE_URL": f"sqlite:///{database}",
            "AIRBNB_TUI_DATA_DIR": str(data_dir),
            "AIRBNB_TUI_CONFIG_FILE": str(data_dir / "no-config.toml"),
            "AIRBNB_TUI_SECRET_KEY": "benchmark-secret",
            "TERM": "xterm-256color",
        }
    )
    env.pop("NO_COLOR", None)
    command = _command()
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: size its terminal, then become airbnb-tui
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        os.execve(command[0], command, env)  # noqa: S606 - the command, not a shell
    output = bytearray()
    first_frame = shown = None
    try:
        deadline = started + TIMEOUT
        while shown is None and time.perf_counter() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                output += os.read(fd, 65536)
            except OSError:
                break
            now = time.perf_counter()
            if first_frame is None and FIRST_FRAME in output:
                first_frame = now - started
            if marker in output:
                shown = now - started
        if first_frame is None or shown is None:
            tail = bytes(output[-400:])
            raise RuntimeError(f"airbnb-tui did not paint the accounts in time: {tail!r}")
        os.write(fd, b"q")
        _drain_until_exit(pid, fd)
    finally:
        _reap(pid)
        os.close(fd)
    return first_frame, shown


def _drain_until_exit(pid: int, fd: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            with contextlib.suppress(OSError):
                os.read(fd, 65536)


def _reap(pid: int) -> None:
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if not done:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sqlite-path", type=Path, default=DEFAULT_SQLITE)
    args = parser.parse_args()
    shape = Shape()
    header(
        "start-up",
        f"`airbnb-tui` in a {COLUMNS}x{LINES} pty to its first frame and to the first page of "
        f"accounts painted, on the large SQLite database ({shape.accounts:,} accounts, "
        f"{shape.chart_rows:,} chart rows) and on an empty one, alternately, median of "
        f"{args.repeats}",
        f"< {TARGET_SECONDS} s to the painted accounts on the large database",
    )
    large = ensure_sqlite(args.sqlite_path, shape)
    laps: dict[str, list[tuple[float, float]]] = {"large": [], "empty": []}
    with scratch_dir() as folder:
        empty = folder / "empty.db"
        db = Database(f"sqlite:///{empty}")
        upgrade(db)
        db.dispose()
        for index in range(args.repeats):
            runs = [("large", large, account_id(0).encode()), ("empty", empty, EMPTY_MARKER)]
            for name, path, marker in runs if index % 2 == 0 else runs[::-1]:
                laps[name].append(time_to_screen(path, folder / "data", marker))
    rows = []
    for name, timings in laps.items():
        frame = median([f for f, _ in timings])
        shown = median([s for _, s in timings])
        rows.append(
            (name, f"{frame:.2f}", f"{shown:.2f}", " ".join(f"{s:.2f}" for _, s in timings))
        )
    table(rows, ["database", "first frame s", "accounts painted s", "runs (painted)"])
    painted = median([s for _, s in laps["large"]])
    base = median([s for _, s in laps["empty"]])
    print(
        f"large database: {painted:.2f} s = {painted / TARGET_SECONDS:.2f} of the budget; "
        f"large/empty {painted / base:.2f}  {verdict(painted < TARGET_SECONDS)}"
    )


if __name__ == "__main__":
    main()
