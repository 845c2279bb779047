"""Short, fixed-width wording of times and progress for table cells at 80 columns."""

from __future__ import annotations

from datetime import datetime

BAR_FULL = "█"
BAR_EMPTY = "░"


def duration(seconds: float) -> str:
    """``45s``, ``12m``, ``3h 05m``, ``2d 04h``: two units at most."""
    total = max(0, round(seconds))
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s" if secs and minutes < 10 else f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m" if minutes else f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}h" if hours else f"{days}d"


def _coarse(seconds: float) -> str:
    """One unit only (``3h``, ``2d``): what a table cell has room for."""
    total = max(0, int(seconds))
    if total < 60:
        return f"{total}s"
    if total < 3600:
        return f"{total // 60}m"
    if total < 86400:
        return f"{total // 3600}h"
    return f"{total // 86400}d"


def ago(then: datetime | None, now: datetime, *, never: str = "never") -> str:
    """``3h ago``; ``just now`` under ten seconds; ``never`` for no time."""
    if then is None:
        return never
    seconds = (now - then).total_seconds()
    if seconds < 10:
        return "just now"
    return f"{_coarse(seconds)} ago"


def until(then: datetime, now: datetime) -> str:
    """``in 14h``, ``in 5m``; ``now`` once the time has come."""
    seconds = (then - now).total_seconds()
    if seconds < 60:
        return "now"
    return f"in {_coarse(seconds)}"


def bar(fraction: float, width: int) -> str:
    """A text progress bar ``██░░░`` of ``width`` cells."""
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return BAR_FULL * filled + BAR_EMPTY * (width - filled)


def percent(fraction: float) -> str:
    return f"{max(0.0, min(1.0, fraction)) * 100:.0f}%"


def truncate(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells with an ellipsis when it does not fit."""
    if len(text) <= width:
        return text
    return text[: max(0, width - 1)] + "…"
