"""What one job fetches: its date range, the metrics asked of each window, and so how many
requests each listing takes (the progress bars' denominators)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from airbnb_tui.airbnb.operations import (
    DEFAULT_CHART_METRICS,
    DEFAULT_LIST_OF_METRICS,
    OPTIONAL_CHART_METRICS,
    MetricQuery,
)
from airbnb_tui.config import Settings
from airbnb_tui.sync.windows import SyncRange, plan, requests_per_listing


@dataclass(frozen=True)
class SyncPlan:
    sync_range: SyncRange
    chart_metrics: tuple[MetricQuery, ...]
    lom_metrics: tuple[MetricQuery, ...]

    @property
    def requests_per_listing(self) -> int:
        return requests_per_listing(self.sync_range, self.chart_metrics, self.lom_metrics)


def plan_job(
    settings: Settings, today: date, *, first_run: bool, stored: SyncRange | None
) -> SyncPlan:
    """The plan of a job: the range stored on its row (a resumed or retried job keeps its
    dates), else a new one reaching back the first-run or the regular lookback."""
    sync_range = stored or plan(
        today,
        settings.first_run_lookback_weeks if first_run else settings.lookback_weeks,
        settings.lookahead_weeks,
    )
    chart_metrics: tuple[MetricQuery, ...] = DEFAULT_CHART_METRICS
    if settings.chart_conversion_rate:
        chart_metrics += OPTIONAL_CHART_METRICS
    return SyncPlan(sync_range, chart_metrics, DEFAULT_LIST_OF_METRICS)
