"""One request's dates: the window every ChartQuery and ListOfMetricsQuery is asked about.

The Airbnb client and its payloads speak in windows; the sync engine plans them (see
``airbnb_tui.sync.windows``). Airbnb serves nothing more than ``MAX_DAYS_AHEAD`` days after
today, so a window past that is refused before any request is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from airbnb_tui.config import MAX_DAYS_AHEAD


class WindowTooFarAhead(ValueError):
    """A window reaches further into the future than Airbnb serves (``MAX_DAYS_AHEAD``)."""

    def __init__(self, end: date, today: date) -> None:
        self.end = end
        self.today = today
        days = (end - today).days
        super().__init__(
            f"the window ends {end.isoformat()}, {days} days after {today.isoformat()}; "
            f"Airbnb serves at most {MAX_DAYS_AHEAD} days ahead"
        )


@dataclass(frozen=True)
class Window:
    """One request's dates, both ends included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1
