"""The request bodies are byte-for-byte what Airbnb's dashboard sends for each operation."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from airbnb_tui.airbnb import payloads
from airbnb_tui.airbnb.operations import (
    CHART,
    LIST_OF_METRICS,
    LISTINGS_SECTION,
    MetricQuery,
)
from airbnb_tui.airbnb.window import WindowTooFarAhead
from airbnb_tui.sandbox.validation import check_window, validate

TODAY = date(2025, 2, 10)
START, END = date(2025, 1, 12), date(2025, 2, 8)
P3 = MetricQuery("CONVERSION", "p3_impressions")


def test_relative_ds_is_days_from_today_plus_three() -> None:
    assert payloads.relative_ds(TODAY, TODAY) == 3
    assert payloads.relative_ds(date(2025, 1, 12), TODAY) == -26
    assert payloads.relative_ds(date(2025, 8, 11), TODAY) == 185


def test_listings_payload_is_exact() -> None:
    assert payloads.listings_payload() == {
        "operationName": "ListingsSectionQuery",
        "locale": "en",
        "currency": "USD",
        "variables": {
            "request": {
                "clientName": "web-performance-dash-listings",
                "arguments": {
                    "metricType": "CONVERSION",
                    "groupBys": ["RATING_CATEGORY"],
                    "groupByValues": ["occupancy_rate"],
                },
                "useStubbedData": False,
            }
        },
        "extensions": {
            "persistedQuery": {
                "version": 1,
                "sha256Hash": "7a646c07b45ad35335b2cde4842e5c5bf69ccebde508b2ba60276832bfb1816b",
            }
        },
    }


def test_chart_payload_is_exact() -> None:
    body = payloads.chart_payload("999161464035752799", START, END, P3, TODAY)
    assert body == {
        "operationName": "ChartQuery",
        "locale": "en",
        "currency": "USD",
        "variables": {
            "request": {
                "clientName": "web-performance-dash-chart",
                "arguments": {
                    "relativeDsStart": -26,
                    "relativeDsEnd": 1,
                    "filters": {"listingIds": ["999161464035752799"]},
                    "metricType": "CONVERSION",
                    "groupBys": ["RATING_CATEGORY"],
                    "groupByValues": ["p3_impressions"],
                    "metricComparisonType": "MARKET",
                },
                "useStubbedData": False,
            }
        },
        "extensions": {
            "persistedQuery": {
                "version": 1,
                "sha256Hash": "aa6e318cc066bbf19511b86acdce32fc59219d8596448b861d794491f46631c5",
            }
        },
    }


def test_list_of_metrics_payload_is_exact() -> None:
    metric = MetricQuery("CONVERSION", "conversion_rate")
    body = payloads.list_of_metrics_payload("745515258634591476", START, START, metric, TODAY)
    assert body == {
        "operationName": "ListOfMetricsQuery",
        "locale": "en",
        "currency": "USD",
        "variables": {
            "request": {
                "clientName": "web-performance-dash-metrics",
                "arguments": {
                    "relativeDsStart": -26,
                    "relativeDsEnd": -26,
                    "filters": {"listingIds": ["745515258634591476"]},
                    "metricType": "CONVERSION",
                    "groupBys": ["RATING_CATEGORY"],
                    "groupByValues": ["conversion_rate"],
                },
                "useStubbedData": False,
            }
        },
        "extensions": {
            "persistedQuery": {
                "version": 1,
                "sha256Hash": "b22a5ded5e6c6d168f1d224b78f34182e7366e5cc65203ec04f1e718286a09e1",
            }
        },
    }


def test_bodies_are_plain_json() -> None:
    body = payloads.chart_payload("1", START, END, P3, TODAY)
    assert json.loads(json.dumps(body)) == body


def test_operation_of_payload_gives_the_path_to_post_to() -> None:
    chart = payloads.chart_payload("1", START, END, P3, TODAY)
    lom = payloads.list_of_metrics_payload("1", START, END, P3, TODAY)
    assert payloads.operation_of_payload(payloads.listings_payload()) is LISTINGS_SECTION
    assert payloads.operation_of_payload(chart) is CHART
    assert payloads.operation_of_payload(lom) is LIST_OF_METRICS
    assert payloads.operation_of_payload(chart).path == (
        "/api/v3/ChartQuery/aa6e318cc066bbf19511b86acdce32fc59219d8596448b861d794491f46631c5"
    )
    with pytest.raises(ValueError, match="operationName='Nope'"):
        payloads.operation_of_payload({"operationName": "Nope"})


def test_window_may_end_exactly_182_days_ahead() -> None:
    end = TODAY + timedelta(days=182)
    body = payloads.chart_payload("1", end - timedelta(days=27), end, P3, TODAY)
    assert body["variables"]["request"]["arguments"]["relativeDsEnd"] == 185


@pytest.mark.parametrize("build", [payloads.chart_payload, payloads.list_of_metrics_payload])
def test_window_past_182_days_is_refused_naming_the_limit(
    build: Callable[..., dict[str, Any]],
) -> None:
    end = TODAY + timedelta(days=183)
    with pytest.raises(WindowTooFarAhead, match="at most 182 days ahead") as caught:
        build("1", end - timedelta(days=6), end, P3, TODAY)
    assert isinstance(caught.value, ValueError)
    assert "2025-08-12" in str(caught.value)


def test_reversed_window_and_bad_listing_id_are_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        payloads.chart_payload("1", END, START, P3, TODAY)
    for listing_id in ("", "abc", "12a", "١٢"):
        with pytest.raises(ValueError, match="string of digits"):
            payloads.list_of_metrics_payload(listing_id, START, END, P3, TODAY)


def test_sandbox_accepts_every_body_and_reads_back_the_window() -> None:
    """The sandbox checks bodies the way Airbnb's gateway does; ours must pass unchanged."""
    listings = validate(LISTINGS_SECTION, payloads.listings_payload())
    assert listings.metric == "occupancy_rate"
    chart = validate(CHART, payloads.chart_payload("42", START, END, P3, TODAY))
    assert chart.listing_ids == ("42",)
    assert check_window(chart, TODAY) == (START, END)
    lom = validate(LIST_OF_METRICS, payloads.list_of_metrics_payload("42", START, END, P3, TODAY))
    assert check_window(lom, TODAY) == (START, END)
