"""Fetching one listing: every window and metric, merged into the rows of its three tables.

Rows are gathered in memory for ONE listing only (a few hundred rows), then committed together;
memory therefore does not grow with the number of listings in a job.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from airbnb_tui.airbnb.client import AirbnbClient
from airbnb_tui.airbnb.operations import MetricQuery
from airbnb_tui.db.types import utcnow
from airbnb_tui.sync.windows import SyncRange, chart_windows, list_of_metrics_windows


@dataclass
class ListingFetch:
    chart_rows: list[dict[str, Any]] = field(default_factory=list)
    summary_rows: list[dict[str, Any]] = field(default_factory=list)
    lom_rows: list[dict[str, Any]] = field(default_factory=list)


def fetch_listing(
    client: AirbnbClient,
    account_id: str,
    listing_id: str,
    internal_name: str | None,
    sync_range: SyncRange,
    chart_metrics: Sequence[MetricQuery],
    lom_metrics: Sequence[MetricQuery],
    *,
    on_request: Callable[[], None] | None = None,
) -> ListingFetch:
    """Fetch a listing's windows; raises the client's AirbnbError / Aborted on failure."""
    synced_at = utcnow()
    base = {
        "account_id": account_id,
        "airbnb_listing_id": listing_id,
        "airbnb_internal_name": internal_name,
        "synced_at": synced_at,
    }
    daily: dict[date, dict[str, Any]] = {}
    summaries: dict[date, dict[str, Any]] = {}
    weekly: dict[date, dict[str, Any]] = {}

    for window in chart_windows(sync_range):
        for metric in chart_metrics:
            result = client.chart(listing_id, window, metric)
            for day, values in result.daily.items():
                daily.setdefault(day, {"metric_date": day}).update(values)
            row = summaries.setdefault(
                window.start, {"window_start": window.start, "window_end": window.end}
            )
            row.update(result.summary)
            _merge_extra(row, result.extra)
            if on_request is not None:
                on_request()

    for window in list_of_metrics_windows(sync_range):
        for metric in lom_metrics:
            metrics = client.list_of_metrics(listing_id, window, metric)
            row = weekly.setdefault(
                window.start, {"window_start": window.start, "window_end": window.end}
            )
            row.update(metrics.values)
            _merge_extra(row, metrics.extra)
            if on_request is not None:
                on_request()

    return ListingFetch(
        chart_rows=_complete(daily.values(), base, CHART_COLUMNS),
        summary_rows=_complete(summaries.values(), base, WINDOW_COLUMNS),
        lom_rows=_complete(weekly.values(), base, WINDOW_COLUMNS),
    )


def _merge_extra(row: dict[str, Any], extra: dict[str, Any]) -> None:
    if not extra:
        return
    merged = json.loads(row["extra_metrics"]) if row.get("extra_metrics") else {}
    merged.update(extra)
    row["extra_metrics"] = json.dumps(merged, sort_keys=True)


def _columns(table: str) -> tuple[str, ...]:
    from airbnb_tui.db.models import METRIC_TABLES

    return tuple(c.name for c in METRIC_TABLES[table].__table__.columns)


CHART_COLUMNS = _columns("chart_query")
WINDOW_COLUMNS = _columns("list_of_metrics")


def _complete(rows: Any, base: dict[str, Any], columns: Sequence[str]) -> list[dict[str, Any]]:
    """Every row carries every column (None where absent), as one upsert statement needs."""
    out = []
    for row in rows:
        full = dict.fromkeys(columns)
        full.update(base)
        full.update(row)
        out.append(full)
    return out
