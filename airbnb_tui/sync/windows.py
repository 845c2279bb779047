"""Window planning: which dates a sync covers and how they are cut into Airbnb-sized requests.

Airbnb's dashboard works in weeks that run Sunday to Saturday: ChartQuery answers for 28-day
windows, ListOfMetricsQuery for 7-day ones, and nothing is served for dates more than
``MAX_DAYS_AHEAD`` days after today. Every range planned here is whole weeks, so both kinds of
window tile it exactly and each starts on a Sunday and ends on a Saturday.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from airbnb_tui.airbnb.operations import CHART_WINDOW_DAYS, LIST_OF_METRICS_WINDOW_DAYS
from airbnb_tui.airbnb.window import Window, WindowTooFarAhead
from airbnb_tui.config import MAX_DAYS_AHEAD

SUNDAY = 6  # date.weekday(): Monday is 0
SATURDAY = 5


@dataclass(frozen=True)
class SyncRange:
    """The whole span one sync job covers, both ends included (stored on the job row)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(
                f"a sync range cannot end ({self.end}) before it starts ({self.start})"
            )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def week_start(day: date) -> date:
    """The Sunday on or before ``day``."""
    return day - timedelta(days=(day.weekday() - SUNDAY) % 7)


def week_end(day: date) -> date:
    """The Saturday on or after ``day``."""
    return week_start(day) + timedelta(days=6)


def latest_end(today: date) -> date:
    """The last Saturday Airbnb still serves: on or before ``today + MAX_DAYS_AHEAD``."""
    limit = today + timedelta(days=MAX_DAYS_AHEAD)
    return limit - timedelta(days=(limit.weekday() - SATURDAY) % 7)


def plan(today: date, lookback_weeks: int, lookahead_weeks: int) -> SyncRange:
    """The whole weeks from ``lookback_weeks`` before today to ``lookahead_weeks`` after it.

    The end is pulled back to the last Saturday Airbnb serves when the lookahead would reach past
    ``MAX_DAYS_AHEAD`` days; the range always contains the current week.
    """
    if lookback_weeks < 0 or lookahead_weeks < 0:
        raise ValueError("lookback and lookahead weeks must be 0 or more")
    start = week_start(today - timedelta(weeks=lookback_weeks))
    end = min(week_end(today + timedelta(weeks=lookahead_weeks)), latest_end(today))
    return SyncRange(start, end)


def validate(sync_range: SyncRange, today: date) -> SyncRange:
    """``sync_range`` unchanged if Airbnb can serve it and it is whole weeks; else an error.

    Raises :class:`WindowTooFarAhead` when it ends more than ``MAX_DAYS_AHEAD`` days after
    ``today``, and ``ValueError`` when it does not start on a Sunday and end on a Saturday.
    """
    if (sync_range.end - today).days > MAX_DAYS_AHEAD:
        raise WindowTooFarAhead(sync_range.end, today)
    if sync_range.start.weekday() != SUNDAY or sync_range.end.weekday() != SATURDAY:
        raise ValueError(
            f"a sync range runs Sunday to Saturday; got {sync_range.start} to {sync_range.end}"
        )
    return sync_range


def _chunks(sync_range: SyncRange, size: int) -> list[Window]:
    windows = []
    start = sync_range.start
    while start <= sync_range.end:
        end = min(start + timedelta(days=size - 1), sync_range.end)
        windows.append(Window(start, end))
        start = end + timedelta(days=1)
    return windows


def chart_windows(sync_range: SyncRange) -> list[Window]:
    """ChartQuery windows: 28 days each from the start, the last one possibly shorter."""
    return _chunks(sync_range, CHART_WINDOW_DAYS)


def list_of_metrics_windows(sync_range: SyncRange) -> list[Window]:
    """ListOfMetricsQuery windows: one per week."""
    return _chunks(sync_range, LIST_OF_METRICS_WINDOW_DAYS)


def requests_per_listing(
    sync_range: SyncRange, chart_metrics: Collection[object], lom_metrics: Collection[object]
) -> int:
    """How many requests one listing needs: every window times every metric asked of it."""
    return len(chart_windows(sync_range)) * len(chart_metrics) + len(
        list_of_metrics_windows(sync_range)
    ) * len(lom_metrics)
