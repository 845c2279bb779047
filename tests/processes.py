"""Starting the product's own processes from tests as a terminal would.

A test run started in the background (``pytest &``, nohup, CI runners) inherits SIGINT set to
"ignore", and a child inherits that in turn: Python then never raises KeyboardInterrupt in it,
and a test that presses Ctrl+C on the child would wait for nothing. Children that tests
interrupt are started with SIGINT back at its default, as a shell in a terminal starts them.
"""

from __future__ import annotations

import signal
import subprocess
from typing import Any


def default_sigint() -> None:
    """``preexec_fn`` for a child that must answer SIGINT as it would in a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def popen(args: list[str], **kwargs: Any) -> subprocess.Popen[Any]:
    """``subprocess.Popen`` with SIGINT at its default in the child."""
    return subprocess.Popen(args, preexec_fn=default_sigint, **kwargs)
