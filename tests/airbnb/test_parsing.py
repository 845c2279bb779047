"""Parsing real captured Airbnb responses into rows, and every odd answer into a typed error."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airbnb_tui.airbnb.errors import AirbnbError, BadResponse, CredentialsRejected
from airbnb_tui.airbnb.operations import CHART_METRICS
from airbnb_tui.airbnb.parsing import (
    ListingInfo,
    parse_chart,
    parse_list_of_metrics,
    parse_listings,
)
from airbnb_tui.db.models import ChartQuery, ListOfMetrics
from tests.airbnb.fixtures import (
    ALL,
    CHART_CONVERSION,
    CHART_P3,
    LISTINGS,
    LOM_CONVERSION,
    LOM_P3,
    component,
    load,
)

Parser = Callable[[object], object]

PARSERS: dict[str, tuple[str, Parser]] = {
    LISTINGS: ("ListingsSectionQuery", parse_listings),
    CHART_P3: ("ChartQuery", lambda body: parse_chart(body, "p3_impressions")),
    CHART_CONVERSION: ("ChartQuery", lambda body: parse_chart(body, "conversion_rate")),
    LOM_CONVERSION: ("ListOfMetricsQuery", parse_list_of_metrics),
    LOM_P3: ("ListOfMetricsQuery", parse_list_of_metrics),
}


def _columns(model: type[Any]) -> set[str]:
    return {column.name for column in model.__table__.columns}


# ListingsSectionQuery -------------------------------------------------------------------------


def test_listings_fixture() -> None:
    result = parse_listings(load(LISTINGS))
    assert result.listings == [
        ListingInfo(
            "999161464035752799",
            "510 Schuyler Street Apt 1",
            "Thoughtfully Designed and Fully Equipped",
        ),
        ListingInfo(
            "999835283157936885",
            "510 Schuyler Street",
            "Two apartments! Double the space and amenities",
        ),
        ListingInfo(
            "999266413556193243",
            "510 Schuyler Street Apt 2",
            "Charming Extended Stay Haven in Safe/Vibrant Area",
        ),
        ListingInfo(
            "1192066365893342558",
            "316-18 S Wilbur",
            "GRP HQ: Sleeps 16, Dual Kitchen/LR/DR, Central Loc",
        ),
        ListingInfo(
            "1187242582569223539", "318 S Wilbur", "Sleek Space: Open & Airy, Close to Key Spots"
        ),
        ListingInfo(
            "1187196788815240779", "316 S Wilbur", "June Promo | 2BR w/ Parking, Walk to Zoo + Bars"
        ),
        ListingInfo(
            "745515258634591476",
            "211 N Wilbur",
            "GmRm/Rcade | Wk2Food&Drink | 1stFl B&B | 1-StepAcc",
        ),
    ]
    assert (result.total_count, result.results_count) == (7, 7)
    assert result.complete


def test_listings_fewer_than_total_is_incomplete() -> None:
    body = load(LISTINGS)
    component(body)["totalCount"] = 9
    result = parse_listings(body)
    assert len(result.listings) == 7
    assert not result.complete


def test_listings_without_counts_or_rows() -> None:
    body = load(LISTINGS)
    comp = component(body)
    comp["tableRows"] = None
    comp["totalCount"] = 0
    del comp["resultsCount"]
    result = parse_listings(body)
    assert result.listings == []
    assert (result.total_count, result.results_count) == (0, None)
    assert result.complete


def test_listings_repeated_row_is_kept_once_and_names_may_be_null() -> None:
    body = load(LISTINGS)
    rows = component(body)["tableRows"]
    rows[1]["internalName"] = None
    rows.append(dict(rows[0]))
    result = parse_listings(body)
    assert [item.listing_id for item in result.listings].count("999161464035752799") == 1
    assert result.listings[1].internal_name is None


@pytest.mark.parametrize("bad_id", [None, "", "abc", "12-3", True, -5, 1.5])
def test_listing_without_a_numeric_id_is_a_bad_response(bad_id: object) -> None:
    body = load(LISTINGS)
    component(body)["tableRows"][2]["id"] = bad_id
    with pytest.raises(BadResponse, match=r"tableRows\[2\]\.id should be a numeric listing id"):
        parse_listings(body)


@pytest.mark.parametrize(
    ("count", "message"),
    [
        ("seven", "totalCount should be an integer string"),
        (-1, "totalCount should be a count"),
        ([7], "totalCount should be a number, got a list"),
    ],
)
def test_garbage_total_count_is_a_bad_response(count: object, message: str) -> None:
    body = load(LISTINGS)
    component(body)["totalCount"] = count
    with pytest.raises(BadResponse, match=message):
        parse_listings(body)


def test_total_count_as_a_string_is_read() -> None:
    body = load(LISTINGS)
    component(body)["totalCount"] = "7"
    assert parse_listings(body).total_count == 7


def test_listing_id_as_a_json_number_is_accepted() -> None:
    body = load(LISTINGS)
    component(body)["tableRows"][0]["id"] = 745515258634591476
    assert parse_listings(body).listings[0].listing_id == "745515258634591476"


# ChartQuery ---------------------------------------------------------------------------------


YOUR_P3 = [15, 14, 15, 15, 24, 39, 37, 16, 5, 3, 2, 1, 1, 1]
YOUR_P3 += [17, 17, 20, 18, 20, 22, 25, 24, 21, 20, 20, 21, 15, 12]
SIMILAR_P3 = [6, 5, 6, 5, 6, 10, 11, 9, 7, 8, 7, 9, 10, 11]
SIMILAR_P3 += [8, 9, 8, 9, 9, 12, 13, 8, 7, 7, 7, 7, 12, 12]
WINDOW_DAYS = [date(2025, 1, 12) + timedelta(days=n) for n in range(28)]


def test_chart_p3_impressions_daily_series() -> None:
    result = parse_chart(load(CHART_P3), "p3_impressions")
    assert list(result.daily) == WINDOW_DAYS
    assert result.daily[date(2025, 1, 12)] == {
        "p3_impressions_your_value": 15,
        "p3_impressions_your_value_string": "15",
        "p3_impressions_similar_value": 6,
        "p3_impressions_similar_value_string": "6",
    }
    assert [row["p3_impressions_your_value"] for row in result.daily.values()] == YOUR_P3
    assert [row["p3_impressions_similar_value"] for row in result.daily.values()] == SIMILAR_P3
    assert all(
        type(row["p3_impressions_your_value"]) is int
        and type(row["p3_impressions_similar_value"]) is int
        for row in result.daily.values()
    )
    assert result.daily[date(2025, 2, 8)]["p3_impressions_your_value_string"] == "12"
    assert set(result.daily[date(2025, 2, 8)]) <= _columns(ChartQuery)


def test_chart_p3_impressions_summary() -> None:
    result = parse_chart(load(CHART_P3), "p3_impressions")
    assert result.summary == {
        "p3_impressions_value": 460,
        "p3_impressions_value_string": "460",
        "p3_impressions_value_change": 222.0,
        "p3_impressions_value_change_string": "222",
        "p2_impressions_value": 8166,
        "p2_impressions_value_string": "8166",
        "p2_impressions_value_change": None,
        "p2_impressions_value_change_string": None,
    }
    assert type(result.summary["p3_impressions_value"]) is int
    assert type(result.summary["p3_impressions_value_change"]) is float
    assert result.extra == {}
    # The window's total is the sum of the daily values; the change is yours minus similar.
    assert sum(YOUR_P3) == 460
    assert sum(YOUR_P3) - sum(SIMILAR_P3) == 222


def test_chart_conversion_rate() -> None:
    result = parse_chart(load(CHART_CONVERSION), "conversion_rate")
    assert list(result.daily) == WINDOW_DAYS
    assert result.daily[date(2025, 1, 12)] == {
        "conversion_rate_your_value": 0.0,
        "conversion_rate_your_value_string": "0.00%",
        "conversion_rate_similar_value": 0.0018480492813141684,
        "conversion_rate_similar_value_string": "0.18%",
    }
    assert result.daily[date(2025, 2, 8)] == {
        "conversion_rate_your_value": 0.0037593984962406013,
        "conversion_rate_your_value_string": "0.38%",
        "conversion_rate_similar_value": 0.0028343402700082045,
        "conversion_rate_similar_value_string": "0.28%",
    }
    assert result.summary == {
        "conversion_rate_value": 0.0011021307861866275,
        "conversion_rate_value_string": "0.11%",
        "conversion_rate_value_change": -0.0009774753618734951,
        "conversion_rate_value_change_string": "-0.10%",
        "p2_impressions_first_page_rate_value": 0.6994221185452232,
        "p2_impressions_first_page_rate_value_string": "69.9%",
        "p2_impressions_first_page_rate_value_change": None,
        "p2_impressions_first_page_rate_value_change_string": None,
        "search_conversion_rate_value": 0.05633112907176096,
        "search_conversion_rate_value_string": "5.63%",
        "search_conversion_rate_value_change": None,
        "search_conversion_rate_value_change_string": None,
        "listing_conversion_rate_value": 0.01956521739130435,
        "listing_conversion_rate_value_string": "1.96%",
        "listing_conversion_rate_value_change": None,
        "listing_conversion_rate_value_change_string": None,
    }
    assert set(result.summary) <= _columns(ListOfMetrics)


def test_chart_series_are_found_by_label_not_position() -> None:
    body = load(CHART_P3)
    component(body)["metricLineCharts"].reverse()
    day = parse_chart(body, "p3_impressions").daily[date(2025, 1, 12)]
    assert (day["p3_impressions_your_value"], day["p3_impressions_similar_value"]) == (15, 6)


def test_chart_series_without_labels_fall_back_to_order() -> None:
    body = load(CHART_P3)
    charts = component(body)["metricLineCharts"]
    charts[0]["label"] = None
    del charts[1]["label"]
    day = parse_chart(body, "p3_impressions").daily[date(2025, 1, 12)]
    assert (day["p3_impressions_your_value"], day["p3_impressions_similar_value"]) == (15, 6)


def test_chart_with_only_the_similar_series() -> None:
    body = load(CHART_P3)
    del component(body)["metricLineCharts"][0]
    day = parse_chart(body, "p3_impressions").daily[date(2025, 1, 12)]
    assert day == {"p3_impressions_similar_value": 6, "p3_impressions_similar_value_string": "6"}


def test_chart_unknown_secondary_metric_is_kept_as_extra() -> None:
    body = load(CHART_P3)
    component(body)["secondaryMetrics"].append(
        {
            "metricName": "wishlist_adds",
            "value": {"longValue": "12"},
            "valueString": "12",
            "valueChange": {"doubleValue": -1.5},
            "valueChangeString": "-1.5",
            "label": "Wishlist adds",
        }
    )
    result = parse_chart(body, "p3_impressions")
    assert result.extra == {
        "wishlist_adds": {
            "value": 12,
            "value_string": "12",
            "value_change": -1.5,
            "value_change_string": "-1.5",
        }
    }
    assert result.summary["p3_impressions_value"] == 460
    assert not any(key.startswith("wishlist") for key in result.summary)


def test_chart_for_a_metric_without_columns_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no columns for 'occupancy_rate'"):
        parse_chart(load(CHART_P3), "occupancy_rate")


# ListOfMetricsQuery ---------------------------------------------------------------------------


def test_list_of_metrics_conversion_rate() -> None:
    result = parse_list_of_metrics(load(LOM_CONVERSION))
    assert result.values == {
        "conversion_rate_value": 0.0011021307861866275,
        "conversion_rate_value_string": "0.11%",
        "conversion_rate_value_change": None,
        "conversion_rate_value_change_string": None,
        "p2_impressions_first_page_rate_value": 0.6994221185452232,
        "p2_impressions_first_page_rate_value_string": "69.9%",
        "p2_impressions_first_page_rate_value_change": None,
        "p2_impressions_first_page_rate_value_change_string": None,
        "search_conversion_rate_value": 0.05633112907176096,
        "search_conversion_rate_value_string": "5.63%",
        "search_conversion_rate_value_change": None,
        "search_conversion_rate_value_change_string": None,
        "listing_conversion_rate_value": 0.01956521739130435,
        "listing_conversion_rate_value_string": "1.96%",
        "listing_conversion_rate_value_change": None,
        "listing_conversion_rate_value_change_string": None,
    }
    assert result.extra == {}
    assert set(result.values) <= _columns(ListOfMetrics)


def test_list_of_metrics_p3_impressions() -> None:
    result = parse_list_of_metrics(load(LOM_P3))
    assert result.values == {
        "p3_impressions_value": 460,
        "p3_impressions_value_string": "460",
        "p3_impressions_value_change": None,
        "p3_impressions_value_change_string": None,
        "p2_impressions_value": 8166,
        "p2_impressions_value_string": "8166",
        "p2_impressions_value_change": None,
        "p2_impressions_value_change_string": None,
    }
    assert type(result.values["p2_impressions_value"]) is int
    assert type(result.values["p3_impressions_value"]) is int


def test_value_change_is_read_when_present() -> None:
    body = load(LOM_P3)
    metric = component(body)["metrics"][0]
    metric["valueChange"] = {"__typename": "porygonDoubleWrapper", "doubleValue": -3}
    metric["valueChangeString"] = "-3"
    values = parse_list_of_metrics(body).values
    assert values["p3_impressions_value_change"] == -3.0
    assert type(values["p3_impressions_value_change"]) is float
    assert values["p3_impressions_value_change_string"] == "-3"


def test_numbers_in_other_wrappers() -> None:
    body = load(LOM_P3)
    metrics = component(body)["metrics"]
    metrics[0]["value"] = {"doubleValue": 461.0}  # a count sent as a double: still an int
    metrics[1]["value"] = {"longValue": 8167}  # a long sent as a JSON number
    values = parse_list_of_metrics(body).values
    assert (values["p3_impressions_value"], values["p2_impressions_value"]) == (461, 8167)
    assert type(values["p3_impressions_value"]) is int


def test_rate_sent_as_a_numeric_string_and_empty_or_infinite_values() -> None:
    body = load(LOM_CONVERSION)
    metrics = component(body)["metrics"]
    metrics[0]["value"] = {"doubleValue": " 0.25 "}
    metrics[1]["value"] = None
    metrics[2]["value"] = {"__typename": "porygonDoubleWrapper"}
    metrics[3]["value"] = {"doubleValue": float("nan")}
    values = parse_list_of_metrics(body).values
    assert values["conversion_rate_value"] == 0.25
    assert values["p2_impressions_first_page_rate_value"] is None
    assert values["search_conversion_rate_value"] is None
    assert values["listing_conversion_rate_value"] is None


@pytest.mark.parametrize(
    ("wrapper", "message"),
    [
        ({"doubleValue": "12abc"}, r"metrics\[0\]\.value\.doubleValue should be a number"),
        ({"doubleValue": "nan"}, "unreadable string"),
        ({"longValue": "12.5"}, "should be an integer string"),
        ({"longValue": "99999999999999999999"}, "out of range"),
        ({"doubleValue": True}, "should be a number, got true/false"),
        ({"doubleValue": [1]}, "should be a number, got a list"),
        ("abc", "unreadable string"),
    ],
)
def test_garbage_numbers_are_bad_responses(wrapper: object, message: str) -> None:
    body = load(LOM_CONVERSION)
    component(body)["metrics"][0]["value"] = wrapper
    with pytest.raises(BadResponse, match=message) as caught:
        parse_list_of_metrics(body)
    assert caught.value.operation == "ListOfMetricsQuery"
    assert str(caught.value).startswith("ListOfMetricsQuery: ")


def test_unknown_metric_in_list_of_metrics_is_extra() -> None:
    body = load(LOM_P3)
    component(body)["metrics"][1]["metricName"] = "p1_impressions"
    result = parse_list_of_metrics(body)
    assert "p2_impressions_value" not in result.values
    assert result.extra == {
        "p1_impressions": {
            "value": 8166,
            "value_string": "8166",
            "value_change": None,
            "value_change_string": None,
        }
    }


# Errors common to every operation -----------------------------------------------------------


def _errors_body(error_type: str, message: str = "Something happened") -> dict[str, Any]:
    return {
        "errors": [
            {
                "message": message,
                "locations": [],
                "path": ["porygon", "getPerformanceComponents"],
                "extensions": {"errorType": error_type, "statusCode": 400},
            }
        ],
        "data": None,
        "extensions": {"traceId": "abc"},
    }


@pytest.mark.parametrize("name", ALL)
def test_every_fixture_parses(name: str) -> None:
    _operation, parse = PARSERS[name]
    assert parse(load(name)) is not None


@pytest.mark.parametrize("name", ALL)
def test_empty_components_is_a_bad_response(name: str) -> None:
    operation, parse = PARSERS[name]
    body = load(name)
    body["data"]["porygon"]["getPerformanceComponents"]["components"] = []
    with pytest.raises(BadResponse, match="components should be a non-empty list") as caught:
        parse(body)
    assert str(caught.value).startswith(f"{operation}: ")


@pytest.mark.parametrize("name", ALL)
def test_null_performance_components_is_rejected_credentials(name: str) -> None:
    operation, parse = PARSERS[name]
    body = load(name)
    body["data"]["porygon"]["getPerformanceComponents"] = None
    with pytest.raises(CredentialsRejected, match="getPerformanceComponents is null") as caught:
        parse(body)
    assert caught.value.operation == operation
    assert caught.value.kind == "credentials_rejected"


@pytest.mark.parametrize("name", ALL)
def test_authentication_required_is_rejected_credentials(name: str) -> None:
    operation, parse = PARSERS[name]
    with pytest.raises(CredentialsRejected, match="authentication_required") as caught:
        parse(_errors_body("authentication_required"))
    assert caught.value.operation == operation


def test_authentication_required_wins_even_with_data() -> None:
    body = load(LOM_P3)
    body["errors"] = _errors_body("authentication_required")["errors"]
    with pytest.raises(CredentialsRejected):
        parse_list_of_metrics(body)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("body", [[], ["data"], "<html>", 3, None, True])
def test_a_body_that_is_not_an_object_is_a_bad_response(name: str, body: object) -> None:
    operation, parse = PARSERS[name]
    with pytest.raises(BadResponse, match="body should be a JSON object") as caught:
        parse(body)
    assert caught.value.operation == operation


@pytest.mark.parametrize("name", ALL)
def test_other_graphql_errors_carry_airbnb_message(name: str) -> None:
    _operation, parse = PARSERS[name]
    with pytest.raises(BadResponse) as caught:
        parse(_errors_body("invalid_argument", "Dates more than 182 days\nin the future"))
    assert not isinstance(caught.value, CredentialsRejected)
    assert str(caught.value).endswith(
        "Airbnb answered with an error: Dates more than 182 days in the future (invalid_argument)"
    )


def test_graphql_error_message_is_shortened() -> None:
    with pytest.raises(BadResponse) as caught:
        parse_list_of_metrics(_errors_body("internal", "x" * 5000))
    assert len(str(caught.value)) < 400


def test_graphql_error_without_message() -> None:
    body = {"errors": [{"extensions": {"errorType": "internal"}}], "data": None}
    with pytest.raises(BadResponse, match="an error and no message"):
        parse_listings(body)


def test_errors_beside_usable_data_are_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    body = load(LOM_P3)
    body["errors"] = _errors_body("partial_failure", "one field failed")["errors"]
    with caplog.at_level(logging.WARNING, logger="airbnb_tui.airbnb.parsing"):
        values = parse_list_of_metrics(body).values
    assert values["p3_impressions_value"] == 460
    assert "one field failed" in caplog.text


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda b: b.update(data=None), "data should be an object, got null"),
        (lambda b: b["data"].update(porygon=[]), "data.porygon should be an object"),
        (
            lambda b: b["data"]["porygon"].pop("getPerformanceComponents"),
            "getPerformanceComponents should be an object, got null",
        ),
        (
            lambda b: component(b).pop("metrics"),
            r"components\[0\] has no metrics",
        ),
        (lambda b: component(b).update(metrics={}), "metrics should be a list, got an object"),
        (
            lambda b: component(b)["metrics"].append("p3"),
            r"metrics\[2\] should be an object, got a string",
        ),
        (
            lambda b: component(b)["metrics"][0].update(metricName=None),
            r"metrics\[0\]\.metricName should be a metric name",
        ),
        (
            lambda b: component(b)["metrics"][0].update(valueString=460),
            r"metrics\[0\]\.valueString should be a string, got a number",
        ),
        (
            lambda b: b["data"]["porygon"]["getPerformanceComponents"].update(components=[7]),
            r"components\[0\] should be an object",
        ),
    ],
)
def test_wrong_shapes_are_bad_responses(edit: Callable[[Any], object], message: str) -> None:
    body = load(LOM_P3)
    edit(body)
    with pytest.raises(BadResponse, match=message):
        parse_list_of_metrics(body)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda c: c["metricLineCharts"][0]["dataPoints"][3].update(ds="12/01/2025"),
            r"metricLineCharts\[0\]\.dataPoints\[3\]\.ds should be a date",
        ),
        (
            lambda c: c["metricLineCharts"][1]["dataPoints"][0].pop("ds"),
            r"dataPoints\[0\]\.ds should be a date like 2025-01-12, got null",
        ),
        (
            lambda c: c["metricLineCharts"][1].update(dataPoints={"a": 1}),
            r"metricLineCharts\[1\]\.dataPoints should be a list",
        ),
        (lambda c: c.update(metricLineCharts=[1]), r"metricLineCharts\[0\] should be an object"),
        (lambda c: c.update(secondaryMetrics="x"), "secondaryMetrics should be a list"),
        (lambda c: c.update(primaryMetric=[]), "primaryMetric should be an object"),
        (
            lambda c: c["metricLineCharts"][0]["dataPoints"][0].update(value={"longValue": "x"}),
            r"dataPoints\[0\]\.value\.longValue should be an integer string",
        ),
    ],
)
def test_wrong_chart_shapes_are_bad_responses(edit: Callable[[Any], object], message: str) -> None:
    body = load(CHART_P3)
    edit(component(body))
    with pytest.raises(BadResponse, match=message):
        parse_chart(body, "p3_impressions")


def test_chart_with_no_series_or_summary_is_empty_not_an_error() -> None:
    body = load(CHART_P3)
    comp = component(body)
    comp["metricLineCharts"] = None
    comp["primaryMetric"] = None
    comp["secondaryMetrics"] = None
    result = parse_chart(body, "p3_impressions")
    assert (result.daily, result.summary, result.extra) == ({}, {}, {})


# Fuzzing: nothing but AirbnbError ever escapes ------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["2025-01-12", "15", "0.5", "Your performance", "Similar listings"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "data",
                    "porygon",
                    "getPerformanceComponents",
                    "components",
                    "errors",
                    "extensions",
                    "errorType",
                    "metrics",
                    "metricName",
                    "value",
                    "doubleValue",
                    "longValue",
                    "tableRows",
                    "id",
                    "metricLineCharts",
                    "dataPoints",
                    "ds",
                    "label",
                ]
            )
            | st.text(max_size=6),
            children,
            max_size=4,
        )
    ),
    max_leaves=24,
)


EDGE_NUMBERS = st.sampled_from([float("nan"), float("inf"), 2**63, "1e999", "-0", ""])


def _pick(*strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """One of ``strategies`` with equal odds (``one_of`` would weigh nested branches)."""
    return st.integers(0, len(strategies) - 1).flatmap(lambda index: strategies[index])


SCALARS = _pick(
    EDGE_NUMBERS,
    st.none() | st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(),
    st.floats().map(repr),
    st.text(max_size=8),
)
CONTAINERS = st.sampled_from([[], {}, [1], {"a": None}, [{"doubleValue": 1}]])


# Anything at all where a value belongs: containers there are what trip up ``x in some_set``.
ANY = _pick(SCALARS, CONTAINERS)


def _object(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly an object with every key; sometimes some keys missing; sometimes not an object."""
    return _pick(
        st.fixed_dictionaries(fields),
        st.fixed_dictionaries(fields),
        st.fixed_dictionaries({}, optional=fields),
        ANY,
    )


def _list_of(item: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return _pick(
        st.lists(item, min_size=1, max_size=3), st.lists(item, min_size=1, max_size=3), ANY
    )


WRAPPER = _pick(
    st.fixed_dictionaries({"doubleValue": SCALARS}),
    st.fixed_dictionaries({"longValue": SCALARS}),
    ANY,
)
UNIT = _object(
    metricName=_pick(st.sampled_from([*CHART_METRICS, "p2_impressions", "new_metric"]), ANY),
    value=WRAPPER,
    valueChange=WRAPPER,
    valueString=ANY,
    valueChangeString=ANY,
)
POINT = _object(
    ds=_pick(
        st.dates().map(date.isoformat),
        st.sampled_from(["2025-01-12T00:00:00", "2025-13-01", "20250112"]),
        ANY,
    ),
    value=WRAPPER,
    valueString=ANY,
)
SERIES = _object(
    label=_pick(st.sampled_from(["Your performance", "Similar listings", "Other"]), ANY),
    dataPoints=_list_of(POINT),
)
ROW = _object(
    id=_pick(st.integers(), st.integers().map(str), ANY), internalName=ANY, listingName=ANY
)
COMPONENT = _object(
    metrics=_list_of(UNIT),
    primaryMetric=UNIT,
    secondaryMetrics=_list_of(UNIT),
    metricLineCharts=_list_of(SERIES),
    tableRows=_list_of(ROW),
    totalCount=ANY,
    resultsCount=ANY,
)
ERROR = _object(
    message=ANY,
    extensions=_object(
        errorType=_pick(st.just("authentication_required"), ANY),
        code=_pick(st.just("UNAUTHENTICATED"), ANY),
        statusCode=_pick(st.sampled_from([401, 403, 400]), ANY),
    ),
)


def _envelope(components: list[Any], errors: list[Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "data": {"porygon": {"getPerformanceComponents": {"components": components}}}
    }
    if errors is not None:
        body["errors"] = errors
    return body


@given(
    components=st.lists(COMPONENT, min_size=1, max_size=1),
    errors=_pick(st.none(), st.lists(ERROR, max_size=2)),
    metric=st.sampled_from(CHART_METRICS),
)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_response_shaped_values_never_raise_anything_else(
    components: list[Any], errors: list[Any] | None, metric: str
) -> None:
    _parse_any(_envelope(components, errors), metric)


@given(
    errors=_list_of(ERROR),
    data=_pick(st.none(), ANY),
    metric=st.sampled_from(CHART_METRICS),
)
@settings(max_examples=300, deadline=None)
def test_error_bodies_never_raise_anything_else(errors: object, data: object, metric: str) -> None:
    _parse_any({"errors": errors, "data": data}, metric)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*prefix, index)))
    return found


def _replace(body: Any, path: tuple[Any, ...], value: object) -> Any:
    if not path:
        return value
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


def _parse_any(body: object, metric: str) -> None:
    for parse in (
        parse_listings,
        parse_list_of_metrics,
        lambda b: parse_chart(b, metric),
    ):
        with contextlib.suppress(AirbnbError):
            parse(body)


@given(body=JSON, metric=st.sampled_from(CHART_METRICS))
@settings(max_examples=300, deadline=None)
def test_arbitrary_json_never_raises_anything_else(body: object, metric: str) -> None:
    _parse_any(body, metric)


@given(data=st.data(), name=st.sampled_from(ALL), metric=st.sampled_from(CHART_METRICS))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fixtures_with_any_part_replaced_never_raise_anything_else(
    data: st.DataObject, name: str, metric: str
) -> None:
    body = load(name)
    path = data.draw(st.sampled_from(_paths(body)), label="path")
    body = _replace(body, path, data.draw(JSON, label="replacement"))
    _parse_any(body, metric)
