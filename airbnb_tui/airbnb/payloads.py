"""The JSON bodies of Airbnb's three persisted GraphQL queries, exactly as its web page sends them.

Dates travel as offsets from the day of the request (``relativeDs``); the transport POSTs each
body to ``operation_of_payload(body).path``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from airbnb_tui.airbnb.operations import (
    CHART,
    LIST_OF_METRICS,
    LISTINGS_SECTION,
    OPERATIONS,
    RELATIVE_DS_OFFSET,
    MetricQuery,
    MetricType,
    Operation,
)
from airbnb_tui.airbnb.window import WindowTooFarAhead
from airbnb_tui.config import MAX_DAYS_AHEAD

GROUP_BY = "RATING_CATEGORY"
LISTINGS_METRIC = "occupancy_rate"
COMPARISON_MARKET = "MARKET"


def relative_ds(day: date, today: date) -> int:
    """Airbnb's offset for ``day``: days from today plus 3 (what the dashboard itself sends)."""
    return (day - today).days + RELATIVE_DS_OFFSET


def body(operation: Operation, arguments: dict[str, Any]) -> dict[str, Any]:
    """The full persisted-query envelope around ``arguments``."""
    return {
        "operationName": operation.name,
        "locale": "en",
        "currency": "USD",
        "variables": {
            "request": {
                "clientName": operation.client_name,
                "arguments": arguments,
                "useStubbedData": False,
            }
        },
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": operation.sha256}},
    }


def operation_of_payload(payload: dict[str, Any]) -> Operation:
    """The operation a body built here belongs to (its path is where it is POSTed)."""
    name = payload.get("operationName")
    operation = OPERATIONS.get(name) if isinstance(name, str) else None
    if operation is None:
        raise ValueError(f"not a payload of a known operation: operationName={name!r}")
    return operation


def listings_payload() -> dict[str, Any]:
    """ListingsSectionQuery: every listing of the account with its names."""
    return body(
        LISTINGS_SECTION,
        {
            "metricType": MetricType.CONVERSION.value,
            "groupBys": [GROUP_BY],
            "groupByValues": [LISTINGS_METRIC],
        },
    )


def _window_arguments(
    listing_id: str, start: date, end: date, metric: MetricQuery, today: date
) -> dict[str, Any]:
    if not (listing_id.isascii() and listing_id.isdigit()):
        raise ValueError("a listing id is a string of digits")
    if end < start:
        raise ValueError(f"a window cannot end ({end}) before it starts ({start})")
    if end - today > timedelta(days=MAX_DAYS_AHEAD):
        raise WindowTooFarAhead(end, today)
    return {
        "relativeDsStart": relative_ds(start, today),
        "relativeDsEnd": relative_ds(end, today),
        "filters": {"listingIds": [listing_id]},
        "metricType": metric.metric_type,
        "groupBys": [GROUP_BY],
        "groupByValues": [metric.metric],
    }


def chart_payload(
    listing_id: str, start: date, end: date, metric: MetricQuery, today: date
) -> dict[str, Any]:
    """ChartQuery: one listing's daily series against similar listings, ``start``..``end``."""
    arguments = _window_arguments(listing_id, start, end, metric, today)
    arguments["metricComparisonType"] = COMPARISON_MARKET
    return body(CHART, arguments)


def list_of_metrics_payload(
    listing_id: str, start: date, end: date, metric: MetricQuery, today: date
) -> dict[str, Any]:
    """ListOfMetricsQuery: one listing's totals over ``start``..``end``."""
    return body(LIST_OF_METRICS, _window_arguments(listing_id, start, end, metric, today))
