"""Checks an API request the way Airbnb's GraphQL gateway does, before any data is served.

Structural problems (unknown operation, wrong hash, a body that is not the persisted query's
shape) are HTTP 4xx; problems with the *values* (a listing of another host, a window too far ahead)
are HTTP 200 with a GraphQL ``errors`` list, as GraphQL servers answer them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from airbnb_tui.airbnb.operations import (
    CHART,
    LIST_OF_METRICS,
    LISTINGS_SECTION,
    OPERATIONS,
    RELATIVE_DS_OFFSET,
    Operation,
)
from airbnb_tui.config import MAX_DAYS_AHEAD

API_PREFIX = "/api/v3/"
MAX_WINDOW_DAYS = 366
METRICS_BY_OPERATION = {
    LISTINGS_SECTION.name: ("occupancy_rate",),
    CHART.name: ("p3_impressions", "conversion_rate"),
    LIST_OF_METRICS.name: ("conversion_rate", "p3_impressions"),
}


class Rejection(Exception):
    """The request is refused; ``status`` is the HTTP status of the GraphQL error body."""

    def __init__(
        self,
        status: int,
        error_type: str,
        message: str,
        *,
        code: str | None = None,
        error_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.code = code
        # The status the error names in ``extensions.statusCode`` (a 200 can carry a 400 error).
        self.error_status = error_status or status

    @property
    def message(self) -> str:
        return str(self)


def _bad_request(message: str) -> Rejection:
    return Rejection(400, "bad_request", message, code="GRAPHQL_VALIDATION_FAILED")


def _invalid(message: str) -> Rejection:
    return Rejection(200, "invalid_argument", message, code="BAD_USER_INPUT", error_status=400)


@dataclass(frozen=True)
class ApiRequest:
    """A request that passed the structural checks."""

    operation: Operation
    metric_type: str
    metric: str
    listing_ids: tuple[str, ...]
    relative_start: int | None = None
    relative_end: int | None = None

    def window(self, today: date) -> tuple[date, date]:
        """Real dates of the window: ``today + (relativeDs - 3)`` days."""
        if self.relative_start is None or self.relative_end is None:
            raise ValueError(f"{self.operation.name} has no date window")
        return (
            today + timedelta(days=self.relative_start - RELATIVE_DS_OFFSET),
            today + timedelta(days=self.relative_end - RELATIVE_DS_OFFSET),
        )


def route(path: str) -> Operation:
    """The operation a ``/api/v3/{Operation}/{sha256}`` path names, or a 404/400 rejection."""
    parts = path[len(API_PREFIX) :].split("/") if path.startswith(API_PREFIX) else []
    if len(parts) != 2 or not all(parts):
        raise Rejection(404, "not_found", f"No route for {path}", code="NOT_FOUND")
    name, sha = parts
    operation = OPERATIONS.get(name)
    if operation is None:
        raise Rejection(404, "not_found", f"Unknown operation {name!r}", code="NOT_FOUND")
    if sha != operation.sha256:
        raise Rejection(
            400,
            "persisted_query_not_found",
            "PersistedQueryNotFound",
            code="PERSISTED_QUERY_NOT_FOUND",
        )
    return operation


def parse_json(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except ValueError:
        raise _bad_request("The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _bad_request("The request body must be a JSON object")
    return body


def _arguments(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    variables = body.get("variables")
    request = variables.get("request") if isinstance(variables, dict) else None
    arguments = request.get("arguments") if isinstance(request, dict) else None
    return arguments if isinstance(arguments, dict) else None


def peek_listing_ids(body: Mapping[str, Any]) -> tuple[str, ...]:
    """The listing ids a body asks about, best effort (for counters and per-listing faults)."""
    arguments = _arguments(body)
    filters = arguments.get("filters") if arguments else None
    ids = filters.get("listingIds") if isinstance(filters, dict) else None
    if not isinstance(ids, list):
        return ()
    return tuple(str(i) for i in ids if isinstance(i, str | int) and not isinstance(i, bool))


def _string_list(arguments: Mapping[str, Any], key: str) -> list[str]:
    value = arguments.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad_request(f"variables.request.arguments.{key} must be a list of strings")
    return value


def _relative(arguments: Mapping[str, Any], key: str) -> int:
    value = arguments.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _bad_request(f"variables.request.arguments.{key} must be an integer")
    return value


def validate(operation: Operation, body: Mapping[str, Any]) -> ApiRequest:
    """Check the persisted-query body of ``operation``; a :class:`Rejection` when it is wrong."""
    if body.get("operationName") != operation.name:
        raise _bad_request(f"operationName must be {operation.name!r} for this path")
    extensions = body.get("extensions")
    persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
    if not isinstance(persisted, dict) or persisted.get("sha256Hash") != operation.sha256:
        raise Rejection(
            400,
            "persisted_query_not_found",
            "PersistedQueryNotFound",
            code="PERSISTED_QUERY_NOT_FOUND",
        )
    variables = body.get("variables")
    request = variables.get("request") if isinstance(variables, dict) else None
    if not isinstance(request, dict):
        raise _bad_request("variables.request is required")
    if request.get("clientName") != operation.client_name:
        raise _bad_request(f"variables.request.clientName must be {operation.client_name!r}")
    arguments = request.get("arguments")
    if not isinstance(arguments, dict):
        raise _bad_request("variables.request.arguments is required")

    metric_type = arguments.get("metricType")
    if metric_type != "CONVERSION":
        raise _bad_request(f"Unsupported metricType {metric_type!r}")
    if _string_list(arguments, "groupBys") != ["RATING_CATEGORY"]:
        raise _bad_request("groupBys must be ['RATING_CATEGORY']")
    values = _string_list(arguments, "groupByValues")
    allowed = METRICS_BY_OPERATION[operation.name]
    if len(values) != 1 or values[0] not in allowed:
        raise _bad_request(f"groupByValues must be one of {list(allowed)} for {operation.name}")
    if operation is LISTINGS_SECTION:
        return ApiRequest(operation, metric_type, values[0], ())

    comparison = arguments.get("metricComparisonType", "MARKET")
    if operation is CHART and comparison != "MARKET":
        raise _bad_request("The sandbox compares with similar listings only (MARKET)")
    filters = arguments.get("filters")
    ids = filters.get("listingIds") if isinstance(filters, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) and i.isdigit() for i in ids):
        raise _bad_request("filters.listingIds must be a list of numeric strings")
    start = _relative(arguments, "relativeDsStart")
    end = _relative(arguments, "relativeDsEnd")
    return ApiRequest(operation, metric_type, values[0], tuple(ids), start, end)


def check_window(request: ApiRequest, today: date) -> tuple[date, date]:
    """The window's dates, or a GraphQL error when it is reversed, too long or too far ahead."""
    start, end = request.window(today)
    if end < start:
        raise _invalid("relativeDsEnd is before relativeDsStart")
    if (end - start).days + 1 > MAX_WINDOW_DAYS:
        raise _invalid(f"A window spans at most {MAX_WINDOW_DAYS} days")
    if (end - today).days > MAX_DAYS_AHEAD:
        raise _invalid(f"Dates more than {MAX_DAYS_AHEAD} days in the future are not available")
    return start, end
