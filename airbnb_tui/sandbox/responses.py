"""Response bodies in the exact shapes of the captured Airbnb responses.

Field names, their order, ``__typename`` values, number wrappers and ``valueString`` formats are
copied from ``airbnb-fixtures/``; only the numbers come from :mod:`airbnb_tui.sandbox.data`.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from airbnb_tui.airbnb.operations import INTEGER_METRICS
from airbnb_tui.sandbox.accounts import SandboxListing
from airbnb_tui.sandbox.data import Day, Window, occupancy, unit

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class MetricInfo:
    label: str
    title: str = ""
    noun: str = ""


METRICS: dict[str, MetricInfo] = {
    "p3_impressions": MetricInfo("Total page views", "Total page views", "total page views"),
    "p2_impressions": MetricInfo("Total first-page search impressions"),
    "conversion_rate": MetricInfo(
        "Overall conversion rate", "Overall conversion rate", "overall conversion rate"
    ),
    "p2_impressions_first_page_rate": MetricInfo("First-page search impression rate"),
    "search_conversion_rate": MetricInfo("Search-to-listing conversion"),
    "listing_conversion_rate": MetricInfo("Listing-to-booking conversion"),
}
CHART_METRIC_NAMES = ("p3_impressions", "conversion_rate")
SECONDARY_METRICS = {
    "p3_impressions": ("p2_impressions",),
    "conversion_rate": (
        "p2_impressions_first_page_rate",
        "search_conversion_rate",
        "listing_conversion_rate",
    ),
}


def format_percent(rate: float) -> str:
    """Airbnb's percent strings: two decimals up to 10% ("0.11%", "10.00%"), one above ("69.9%")."""
    pct = rate * 100
    decimals = 2 if abs(pct) <= 10 + 1e-9 else 1
    return f"{pct:.{decimals}f}%"


def value_type(metric: str) -> str:
    return "NUMBER" if metric in INTEGER_METRICS else "PERCENTAGE"


def wrap(metric: str, value: float) -> JsonDict:
    """Airbnb's number wrappers: integers as a *string* ``longValue``, rates as ``doubleValue``."""
    if metric in INTEGER_METRICS:
        return {"__typename": "porygonLongWrapper", "longValue": str(round(value))}
    return {"__typename": "porygonDoubleWrapper", "doubleValue": float(value)}


def value_string(metric: str, value: float) -> str:
    return str(round(value)) if metric in INTEGER_METRICS else format_percent(value)


def trace_id(*parts: object) -> str:
    """A traceId in Airbnb's format (16 bytes, base64), fixed by the request so bodies repeat."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=16).digest()
    return base64.b64encode(digest).decode()


def envelope(component: JsonDict | None, trace: str) -> JsonDict:
    """``data.porygon.getPerformanceComponents`` around one component (None: a null result)."""
    components = (
        None
        if component is None
        else {
            "__typename": "porygonGetPerformanceComponentsResponse",
            "components": [component],
        }
    )
    return {
        "data": {"porygon": {"__typename": "porygonQuery", "getPerformanceComponents": components}},
        "extensions": {"traceId": trace},
    }


def graphql_error(
    message: str, error_type: str, status: int, trace: str, *, code: str | None = None
) -> JsonDict:
    """A GraphQL error body: ``errors[]`` with ``extensions.errorType`` and ``data: null``."""
    extensions: JsonDict = {"errorType": error_type, "statusCode": status}
    if code:
        extensions["code"] = code
    return {
        "errors": [
            {
                "message": message,
                "locations": [],
                "path": ["porygon", "getPerformanceComponents"],
                "extensions": extensions,
            }
        ],
        "data": None,
        "extensions": {"traceId": trace},
    }


def metric_unit(metric: str, value: float, change: float | None = None) -> JsonDict:
    if change is None:
        change_json = None
        change_string = None
    elif metric in INTEGER_METRICS:
        change_json = {"__typename": "porygonDoubleWrapper", "doubleValue": float(change)}
        change_string = str(round(change))
    else:
        change_json = {"__typename": "porygonDoubleWrapper", "doubleValue": float(change)}
        change_string = format_percent(change)
    return {
        "__typename": "porygonPMetricUnit",
        "value": wrap(metric, value),
        "valueType": value_type(metric),
        "valueChange": change_json,
        "valueChangeType": value_type(metric),
        "valueString": value_string(metric, value),
        "currency": None,
        "label": METRICS[metric].label,
        "valueChangeString": change_string,
        "metricName": metric,
    }


def window_value(metric: str, window: Window) -> float:
    return {
        "p3_impressions": float(window.p3_impressions),
        "p2_impressions": float(window.p2_impressions),
        "conversion_rate": window.conversion_rate,
        "p2_impressions_first_page_rate": window.first_page_rate,
        "search_conversion_rate": window.search_conversion_rate,
        "listing_conversion_rate": window.listing_conversion_rate,
    }[metric]


def similar_value(metric: str, window: Window) -> float:
    if metric == "p3_impressions":
        return float(window.similar_p3_impressions)
    return window.similar_conversion_rate


def data_point(metric: str, ds: date, value: float, label: str | None) -> JsonDict:
    return {
        "__typename": "porygonPDataPoint",
        "ds": ds.isoformat(),
        "value": wrap(metric, value),
        "valueType": value_type(metric),
        "valueString": value_string(metric, value),
        "label": label,
    }


def _your(metric: str, day: Day) -> float:
    return float(day.p3_impressions) if metric == "p3_impressions" else day.conversion_rate


def _similar(metric: str, day: Day) -> float:
    if metric == "p3_impressions":
        return float(day.similar_p3_impressions)
    return day.similar_conversion_rate


def _axis_max(metric: str, values: Sequence[float]) -> float:
    """The chart's upper bound: 20% headroom, rounded up (rates never below 10%)."""
    top = max(values, default=0.0) * 1.2
    if metric in INTEGER_METRICS:
        return float(math.ceil(top))
    return max(0.1, math.ceil(top * 10) / 10)


def _description(metric: str, difference: float) -> str:
    noun = METRICS[metric].noun
    if metric in INTEGER_METRICS:
        amount = str(abs(round(difference)))
        same = round(difference) == 0
    else:
        amount = format_percent(abs(difference))
        same = amount == format_percent(0.0)
    if same:
        return f"The {noun} for selected listings is the same as similar listings in the area."
    direction = "higher" if difference > 0 else "lower"
    return (
        f"The {noun} for selected listings is {amount} {direction} than similar listings in "
        "the area."
    )


def chart_component(metric: str, days: Sequence[Day], today: date) -> JsonDict:
    """ChartQuery's ``porygonPPivotChartSection``: daily series plus the window summary."""
    window = Window.of(days)
    yours = [_your(metric, d) for d in days]
    similar = [_similar(metric, d) for d in days]
    primary = window_value(metric, window)
    change = primary - similar_value(metric, window)
    info = METRICS[metric]
    return {
        "__typename": "porygonPPivotChartSection",
        "title": info.title,
        "subtitle": "Compare",
        "comparisonTypeSelectors": [
            {
                "__typename": "porygonPComparisonTypeSelector",
                "label": "Over time",
                "type": "YOY",
                "isActive": False,
            },
            {
                "__typename": "porygonPComparisonTypeSelector",
                "label": "Similar listings",
                "type": "MARKET",
                "isActive": True,
            },
        ],
        "metricLineCharts": [
            {
                "__typename": "porygonPMetricLineChart",
                "dataPoints": [
                    data_point(metric, d.ds, v, "Your listings")
                    for d, v in zip(days, yours, strict=True)
                ],
                "label": "Your performance",
                "granularity": "DAY",
            },
            {
                "__typename": "porygonPMetricLineChart",
                "dataPoints": [
                    data_point(metric, d.ds, v, "Similar listings")
                    for d, v in zip(days, similar, strict=True)
                ],
                "label": "Similar listings",
                "granularity": "DAY",
            },
        ],
        "description": _description(metric, change),
        "link": {
            "__typename": "porygonPLink",
            "url": "https://www.airbnb.com/help/article/2652?locale=en",
            "label": "Learn how we compare listings",
        },
        "componentName": "PIVOT_CHART_SECTION",
        "primaryMetric": metric_unit(metric, primary, change),
        "secondaryMetrics": [
            metric_unit(name, window_value(name, window)) for name in SECONDARY_METRICS[metric]
        ],
        # Airbnb's min/max points are the chart's axis bounds, dated the day of the request.
        "minPoint": data_point(metric, today, 0.0, None),
        "maxPoint": data_point(metric, today, _axis_max(metric, yours + similar), None),
        "emptyState": {
            "__typename": "porygonPEmptyState",
            "actionUrl": None,
            "message": f"Your {info.noun} will show here within 48 hours of your first booking.",
        },
    }


def list_of_metrics_component(metric: str, days: Sequence[Day]) -> JsonDict:
    """ListOfMetricsQuery's section: the asked metric and its companions over the window."""
    window = Window.of(days)
    names = (metric, *SECONDARY_METRICS[metric])
    return {
        "__typename": "porygonPListOfMetricsSection",
        "metrics": [metric_unit(name, window_value(name, window)) for name in names],
        "componentName": "LIST_OF_METRICS_SECTION",
    }


def _listing_row(seed: int, listing: SandboxListing, today: date) -> JsonDict:
    rate, change = occupancy(seed, listing.id, today)
    picture = hashlib.md5(f"{seed}:{listing.id}".encode(), usedforsecurity=False).hexdigest()
    picture = f"{picture[:8]}-{picture[8:12]}-{picture[12:16]}-{picture[16:20]}-{picture[20:]}"
    idle = change is None
    return {
        "__typename": "porygonPListingMetric",
        "id": listing.id,
        "thumbnailUrl": (
            f"https://a0.muscache.com/im/pictures/prohost-api/Hosting-{listing.id}/original/"
            f"{picture}.jpeg?aki_policy=small"
        ),
        "metricUnit": {
            "__typename": "porygonPMetricUnit",
            "value": {"__typename": "porygonDoubleWrapper", "doubleValue": rate},
            "valueType": "PERCENTAGE",
            "valueChange": (
                None if idle else {"__typename": "porygonDoubleWrapper", "doubleValue": change}
            ),
            "valueChangeType": None if idle else "PERCENTAGE",
            "valueString": "-" if idle else format_percent(rate),
            "currency": None,
            "label": None,
            "valueChangeString": None if change is None else format_percent(change),
            "metricName": "occupancy_rate",
        },
        "listingName": listing.listing_name,
        "internalName": listing.internal_name,
        "summary": _summary(seed, listing),
    }


def _summary(seed: int, listing: SandboxListing) -> str:
    sleeps = 2 + int(unit(seed, listing.id, "sleeps") * 10)
    return (
        f"{listing.listing_name}. A well-kept place at {listing.internal_name} that sleeps "
        f"{sleeps}, minutes from restaurants, parks and public transport. Self check-in, fast "
        "Wi-Fi and a fully equipped kitchen make it easy for families, friends and business "
        "travelers alike."
    )


def listings_component(
    seed: int, listings: Sequence[SandboxListing], today: date, limit: int | None = None
) -> JsonDict:
    """ListingsSectionQuery's table, lowest occupancy first as the dashboard sorts it."""
    rows = [_listing_row(seed, listing, today) for listing in listings]
    order = sorted(
        range(len(rows)), key=lambda i: (rows[i]["metricUnit"]["value"]["doubleValue"], i)
    )
    shown = [rows[i] for i in order][: limit if limit is not None else len(rows)]
    return {
        "__typename": "porygonPPivotListingsSection",
        "title": "Listing overview",
        "subtitle": (
            "Compare 5-star ratings by listing, and we\u2019ll show you if ratings have changed "
            "since the previous month."
        ),
        "ratingSortBySelectors": [
            {
                "__typename": "porygonPRatingSortBySelector",
                "label": "Lowest",
                "sortOrder": "ASC",
                "isActive": True,
            },
            {
                "__typename": "porygonPRatingSortBySelector",
                "label": "Highest",
                "sortOrder": "DESC",
                "isActive": False,
            },
        ],
        "tableHeaders": ["Listing name", "Change", "Rate"],
        "tableRows": shown,
        "totalCount": len(rows),
        "resultsCount": len(shown),
        "componentName": "PIVOT_LISTINGS_SECTION",
    }


BOT_WALL_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Airbnb: Please verify you are a human</title>
<meta name="robots" content="noindex, nofollow">
</head>
<body>
<main id="challenge">
<h1>Please verify you are a human</h1>
<p>Access to this page has been denied because we believe you are using automation tools to
browse the website.</p>
<div id="px-captcha" class="captcha" data-challenge="press-and-hold"></div>
<p>Press &amp; Hold to confirm you are a human (and not a bot).</p>
<p>Reference ID: {reference}</p>
</main>
</body>
</html>
"""

GATEWAY_HTML = """<html>
<head><title>{status} {reason}</title></head>
<body>
<center><h1>{status} {reason}</h1></center>
</body>
</html>
"""
