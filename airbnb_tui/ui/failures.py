"""Turning exceptions into something the operator can read, without losing the traceback.

An operator error (``UserError``) is shown as its own sentence. Anything else is unexpected: its
traceback goes, redacted, to the log file in the data dir, and the message names that file.
Tracebacks never show local variables, which could hold a cookie.
"""

from __future__ import annotations

import traceback
from datetime import UTC, datetime
from pathlib import Path

from airbnb_tui.config import Settings
from airbnb_tui.errors import UserError
from airbnb_tui.hints import describe
from airbnb_tui.locations import ensure_private_dir
from airbnb_tui.logs import redact


def write_crash_log(settings: Settings, error: BaseException) -> Path:
    """Append ``error``'s traceback (secrets masked) to the log file; returns its path."""
    path = settings.log_file
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        ensure_private_dir(path.parent)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {stamp} dashboard error\n{redact(text)}\n")
    except OSError:
        pass
    return path


def describe_failure(settings: Settings, error: BaseException) -> str:
    """One or two sentences for a failed background task."""
    if isinstance(error, UserError):
        return describe(error)
    path = write_crash_log(settings, error)
    return redact(f"Unexpected {type(error).__name__}: {error}. Details are in {path}.")
