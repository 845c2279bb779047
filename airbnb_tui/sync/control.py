"""How a running sync is told to stop.

Two levels, because huey's worker threads are never interrupted (see "Stopping a worker" in
docs/ARCHITECTURE.md): ``graceful`` lets the running listing finish and then stops; ``abort``
cuts the listing short (the grace period ran out, or the job was cancelled), rolling it back
since nothing of it was committed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class StopControl:
    graceful: threading.Event = field(default_factory=threading.Event)
    abort: threading.Event = field(default_factory=threading.Event)

    def request_graceful(self) -> None:
        self.graceful.set()

    def request_abort(self) -> None:
        self.graceful.set()
        self.abort.set()

    @property
    def stopping(self) -> bool:
        return self.graceful.is_set()
