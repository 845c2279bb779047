"""Airbnb's JSON answers turned into rows keyed by the columns of ``airbnb_tui.db.models``.

Every answer carries its content in ``data.porygon.getPerformanceComponents.components[0]``;
numbers come wrapped (``{"doubleValue": 0.26}``, ``{"longValue": "15"}``). Anything that is not
of the expected shape becomes a typed :mod:`~airbnb_tui.airbnb.errors` exception naming the
operation — never a ``KeyError`` — so one odd answer fails one listing, not the worker.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from airbnb_tui.airbnb.errors import BadResponse, CredentialsRejected
from airbnb_tui.airbnb.operations import (
    CHART,
    CHART_METRICS,
    INTEGER_METRICS,
    LIST_OF_METRICS,
    LISTINGS_SECTION,
    WINDOW_METRICS,
)

log = logging.getLogger(__name__)

COMPONENT_PATH = "data.porygon.getPerformanceComponents.components[0]"
AUTH_ERROR_TYPES = frozenset({"authentication_required"})
AUTH_ERROR_CODES = frozenset({"UNAUTHENTICATED"})
AUTH_ERROR_STATUSES = frozenset({401, 403})
MAX_ERROR_MESSAGE = 300
BIGINT_LIMIT = 2**63  # the metric columns are BIGINT

_INTEGER_TEXT = re.compile(r"[+-]?[0-9]{1,30}")
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]{1,400}(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,5})?")
_DAY_TEXT = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:T.*)?", re.DOTALL)

Number = int | float
MetricValues = dict[str, object]


@dataclass(frozen=True)
class ListingInfo:
    listing_id: str
    internal_name: str | None
    listing_name: str | None


@dataclass(frozen=True)
class ListingsResult:
    """ListingsSectionQuery's listings and the counts that say whether all of them came back."""

    listings: list[ListingInfo]
    total_count: int | None
    results_count: int | None

    @property
    def complete(self) -> bool:
        """False when Airbnb says the account has more listings than it returned."""
        if self.total_count is None:
            return True
        return len(self.listings) >= self.total_count


@dataclass(frozen=True)
class ChartResult:
    """One ChartQuery window.

    ``daily`` maps each day to its ``{metric}_{your|similar}_value[_string]`` columns;
    ``summary`` holds the window's ``{metric}_value…`` columns for chart_summary; ``extra``
    keeps metrics the schema has no column for, by name.
    """

    daily: dict[date, MetricValues]
    summary: MetricValues
    extra: dict[str, MetricValues]


@dataclass(frozen=True)
class WindowMetrics:
    """One ListOfMetricsQuery window: ``{metric}_value…`` columns, plus unknown metrics by name."""

    values: MetricValues
    extra: dict[str, MetricValues]


# The envelope -------------------------------------------------------------------------------


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an empty list" if not value else "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _bad(operation: str, path: str, expected: str, value: object) -> BadResponse:
    return BadResponse(
        f"unexpected response: {path} should be {expected}, got {_kind(value)}",
        operation=operation,
    )


def _errors(body: dict[str, Any]) -> list[object]:
    errors = body.get("errors")
    if errors is None:
        return []
    return list(errors) if isinstance(errors, list) else [errors]


def _is_auth_error(error: object) -> bool:
    extensions = error.get("extensions") if isinstance(error, dict) else None
    if not isinstance(extensions, dict):
        return False
    error_type = extensions.get("errorType")
    code = extensions.get("code")
    status = extensions.get("statusCode")
    return (
        (isinstance(error_type, str) and error_type in AUTH_ERROR_TYPES)
        or (isinstance(code, str) and code in AUTH_ERROR_CODES)
        or (
            isinstance(status, int)
            and not isinstance(status, bool)
            and status in AUTH_ERROR_STATUSES
        )
    )


def _error_message(errors: list[object]) -> str:
    """Airbnb's own words for the first error (shortened, on one line)."""
    for error in errors:
        if not isinstance(error, dict):
            continue
        message = error.get("message")
        if not isinstance(message, str) or not message.strip():
            continue
        text = " ".join(message.split())[:MAX_ERROR_MESSAGE]
        extensions = error.get("extensions")
        error_type = extensions.get("errorType") if isinstance(extensions, dict) else None
        if isinstance(error_type, str) and error_type:
            return f"Airbnb answered with an error: {text} ({error_type[:60]})"
        return f"Airbnb answered with an error: {text}"
    return "Airbnb answered with an error and no message"


def first_component(body: object, operation: str) -> dict[str, Any]:
    """``components[0]`` of a response, or the typed error the response amounts to.

    Raises :class:`CredentialsRejected` for ``authentication_required`` (or a 401/403 error) and
    for a null ``getPerformanceComponents`` with no error to explain it, :class:`BadResponse`
    for any other GraphQL error or shape.
    """
    if not isinstance(body, dict):
        raise _bad(operation, "the response body", "a JSON object", body)
    errors = _errors(body)
    if any(_is_auth_error(error) for error in errors):
        raise CredentialsRejected(
            "Airbnb asks to log in again (authentication_required); the cookie has expired "
            "or was revoked",
            operation=operation,
        )
    data = body.get("data")
    porygon = data.get("porygon") if isinstance(data, dict) else None
    if not isinstance(porygon, dict):
        if errors:
            raise BadResponse(_error_message(errors), operation=operation)
        where = "data.porygon" if isinstance(data, dict) else "data"
        raise _bad(operation, where, "an object", porygon if isinstance(data, dict) else data)
    if "getPerformanceComponents" in porygon and porygon["getPerformanceComponents"] is None:
        if errors:
            raise BadResponse(_error_message(errors), operation=operation)
        raise CredentialsRejected(
            "Airbnb returned no performance data (getPerformanceComponents is null), which is "
            "how it answers an expired or logged-out cookie",
            operation=operation,
        )
    performance = porygon.get("getPerformanceComponents")
    if not isinstance(performance, dict):
        raise _bad(operation, "data.porygon.getPerformanceComponents", "an object", performance)
    components = performance.get("components")
    path = "data.porygon.getPerformanceComponents.components"
    if not isinstance(components, list) or not components:
        raise _bad(operation, path, "a non-empty list", components)
    component = components[0]
    if not isinstance(component, dict):
        raise _bad(operation, COMPONENT_PATH, "an object", component)
    if errors:
        log.warning("%s: data came with GraphQL errors: %s", operation, _error_message(errors))
    return component


# Values -------------------------------------------------------------------------------------


def _scalar(raw: object, *, integral: bool, operation: str, path: str) -> Number | None:
    if isinstance(raw, bool):
        raise _bad(operation, path, "a number", raw)
    if isinstance(raw, int):
        number: Number = raw
    elif isinstance(raw, float):
        number = raw
    elif isinstance(raw, str):
        text = raw.strip()
        if _INTEGER_TEXT.fullmatch(text):
            number = int(text)
        elif not integral and _DECIMAL_TEXT.fullmatch(text):
            number = float(text)
        else:
            expected = "an integer string" if integral else "a number"
            raise BadResponse(
                f"unexpected response: {path} should be {expected}, got an unreadable string",
                operation=operation,
            )
    else:
        raise _bad(operation, path, "a number", raw)
    if isinstance(number, float) and not math.isfinite(number):
        return None
    if abs(number) >= BIGINT_LIMIT:
        raise BadResponse(
            f"unexpected response: {path} is out of range for a stored number",
            operation=operation,
        )
    return number


def _number(wrapper: object, *, operation: str, path: str) -> Number | None:
    """A wrapped number (``{"doubleValue": x}`` / ``{"longValue": "15"}``); None when absent."""
    if wrapper is None:
        return None
    if isinstance(wrapper, dict):
        if wrapper.get("longValue") is not None:
            return _scalar(
                wrapper["longValue"], integral=True, operation=operation, path=f"{path}.longValue"
            )
        if wrapper.get("doubleValue") is not None:
            return _scalar(
                wrapper["doubleValue"],
                integral=False,
                operation=operation,
                path=f"{path}.doubleValue",
            )
        return None
    return _scalar(wrapper, integral=False, operation=operation, path=path)


def _for_column(metric: str, number: Number | None) -> Number | None:
    """Counts are stored as integers, everything else (rates, changes) as floats."""
    if number is None:
        return None
    if metric in INTEGER_METRICS:
        return round(number)
    return float(number)


def _as_float(number: Number | None) -> float | None:
    return None if number is None else float(number)


def _text(value: object, *, operation: str, path: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise _bad(operation, path, "a string", value)


def _day(value: object, *, operation: str, path: str) -> date:
    match = _DAY_TEXT.fullmatch(value) if isinstance(value, str) else None
    try:
        if match is None:
            raise ValueError
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise _bad(operation, path, "a date like 2025-01-12", value) from None


def _metric_unit(unit: object, *, operation: str, path: str) -> tuple[str, MetricValues]:
    """A ``porygonPMetricUnit``: its metric name and value / value_string / value_change(s)."""
    if not isinstance(unit, dict):
        raise _bad(operation, path, "an object", unit)
    name = unit.get("metricName")
    if not isinstance(name, str) or not name:
        raise _bad(operation, f"{path}.metricName", "a metric name", name)
    value = _number(unit.get("value"), operation=operation, path=f"{path}.value")
    change = _number(unit.get("valueChange"), operation=operation, path=f"{path}.valueChange")
    known = name in WINDOW_METRICS
    return name, {
        "value": _for_column(name, value) if known else value,
        "value_string": _text(
            unit.get("valueString"), operation=operation, path=f"{path}.valueString"
        ),
        "value_change": _as_float(change) if known else change,
        "value_change_string": _text(
            unit.get("valueChangeString"), operation=operation, path=f"{path}.valueChangeString"
        ),
    }


def _window_columns(
    units: list[tuple[str, object]], *, operation: str
) -> tuple[MetricValues, dict[str, MetricValues]]:
    """Metric units (with their paths) as ``{metric}_value…`` columns, plus unknown ones by name."""
    values: MetricValues = {}
    extra: dict[str, MetricValues] = {}
    for path, unit in units:
        name, parsed = _metric_unit(unit, operation=operation, path=path)
        if name in WINDOW_METRICS:
            values.update({f"{name}_{key}": item for key, item in parsed.items()})
        else:
            extra[name] = parsed
    return values, extra


def _list(component: dict[str, Any], key: str, *, operation: str) -> list[object]:
    """``component[key]`` as a list; null counts as empty, anything else is a shape error."""
    if key not in component:
        raise BadResponse(
            f"unexpected response: {COMPONENT_PATH} has no {key}", operation=operation
        )
    value = component[key]
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad(operation, f"{COMPONENT_PATH}.{key}", "a list", value)
    return value


# The three operations -----------------------------------------------------------------------


def _count(value: object, *, operation: str, path: str) -> int | None:
    if value is None:
        return None
    number = _scalar(value, integral=True, operation=operation, path=path)
    if not isinstance(number, int) or number < 0:
        raise _bad(operation, path, "a count", value)
    return number


def _listing_id(value: object, *, operation: str, path: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return value
    raise _bad(operation, path, "a numeric listing id", value)


def parse_listings(body: object, operation: str = LISTINGS_SECTION.name) -> ListingsResult:
    """ListingsSectionQuery's ``tableRows``: every listing's id and names, in Airbnb's order."""
    component = first_component(body, operation)
    listings: list[ListingInfo] = []
    seen: set[str] = set()
    for index, row in enumerate(_list(component, "tableRows", operation=operation)):
        path = f"{COMPONENT_PATH}.tableRows[{index}]"
        if not isinstance(row, dict):
            raise _bad(operation, path, "an object", row)
        listing_id = _listing_id(row.get("id"), operation=operation, path=f"{path}.id")
        if listing_id in seen:
            continue
        seen.add(listing_id)
        listings.append(
            ListingInfo(
                listing_id,
                _text(row.get("internalName"), operation=operation, path=f"{path}.internalName"),
                _text(row.get("listingName"), operation=operation, path=f"{path}.listingName"),
            )
        )
    return ListingsResult(
        listings,
        _count(
            component.get("totalCount"), operation=operation, path=f"{COMPONENT_PATH}.totalCount"
        ),
        _count(
            component.get("resultsCount"),
            operation=operation,
            path=f"{COMPONENT_PATH}.resultsCount",
        ),
    )


def _series_role(label: object) -> str | None:
    text = label.casefold() if isinstance(label, str) else ""
    if text.startswith("your"):
        return "your"
    if "similar" in text:
        return "similar"
    return None


def _pick_series(charts: list[object], *, operation: str) -> list[tuple[str, int, dict[str, Any]]]:
    """(role, index, series) of the "Your performance" and "Similar listings" series.

    Found by label; a series whose label is missing or unknown takes the first free role in
    order (yours, then similar), which is the order Airbnb sends them in.
    """
    picked: dict[str, tuple[int, dict[str, Any]]] = {}
    unknown: list[tuple[int, dict[str, Any]]] = []
    for index, chart in enumerate(charts):
        if not isinstance(chart, dict):
            raise _bad(operation, f"{COMPONENT_PATH}.metricLineCharts[{index}]", "an object", chart)
        role = _series_role(chart.get("label"))
        if role is None:
            unknown.append((index, chart))
        else:
            picked.setdefault(role, (index, chart))
    for role in ("your", "similar"):
        if role not in picked and unknown:
            picked[role] = unknown.pop(0)
    return sorted(((role, *found) for role, found in picked.items()), key=lambda item: item[1])


def parse_chart(body: object, metric: str, operation: str = CHART.name) -> ChartResult:
    """ChartQuery for ``metric``: the daily series (yours and similar) and the window summary."""
    if metric not in CHART_METRICS:
        raise ValueError(
            f"chart_query has no columns for {metric!r}; expected one of {CHART_METRICS}"
        )
    component = first_component(body, operation)
    charts = _list(component, "metricLineCharts", operation=operation)
    daily: dict[date, MetricValues] = {}
    for role, chart_index, chart in _pick_series(charts, operation=operation):
        path = f"{COMPONENT_PATH}.metricLineCharts[{chart_index}].dataPoints"
        points = chart.get("dataPoints")
        if points is None:
            continue
        if not isinstance(points, list):
            raise _bad(operation, path, "a list", points)
        for index, point in enumerate(points):
            where = f"{path}[{index}]"
            if not isinstance(point, dict):
                raise _bad(operation, where, "an object", point)
            day = _day(point.get("ds"), operation=operation, path=f"{where}.ds")
            value = _number(point.get("value"), operation=operation, path=f"{where}.value")
            row = daily.setdefault(day, {})
            row[f"{metric}_{role}_value"] = _for_column(metric, value)
            row[f"{metric}_{role}_value_string"] = _text(
                point.get("valueString"), operation=operation, path=f"{where}.valueString"
            )

    units: list[tuple[str, object]] = []
    primary = component.get("primaryMetric")
    if primary is not None:
        units.append((f"{COMPONENT_PATH}.primaryMetric", primary))
    secondary = component.get("secondaryMetrics")
    if secondary is not None:
        if not isinstance(secondary, list):
            raise _bad(operation, f"{COMPONENT_PATH}.secondaryMetrics", "a list", secondary)
        units.extend(
            (f"{COMPONENT_PATH}.secondaryMetrics[{index}]", unit)
            for index, unit in enumerate(secondary)
        )
    summary, extra = _window_columns(units, operation=operation)
    return ChartResult(daily, summary, extra)


def parse_list_of_metrics(body: object, operation: str = LIST_OF_METRICS.name) -> WindowMetrics:
    """ListOfMetricsQuery: the window's totals as ``{metric}_value…`` columns."""
    component = first_component(body, operation)
    units = [
        (f"{COMPONENT_PATH}.metrics[{index}]", unit)
        for index, unit in enumerate(_list(component, "metrics", operation=operation))
    ]
    values, extra = _window_columns(units, operation=operation)
    return WindowMetrics(values, extra)
