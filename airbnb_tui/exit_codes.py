"""Exit codes of every airbnb-tui command: part of the interface scripts rely on."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    UNEXPECTED = 1
    BAD_INPUT = 2
    CREDENTIALS_REJECTED = 3
    UNREACHABLE = 4
    SYNC_INCOMPLETE = 5
