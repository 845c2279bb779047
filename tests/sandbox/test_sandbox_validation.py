"""The sandbox refuses what Airbnb refuses: wrong paths, bodies, keys, cookies, listings, dates."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import requests

from airbnb_tui.airbnb.operations import CHART, LIST_OF_METRICS, LISTINGS_SECTION
from airbnb_tui.config import DEFAULT_API_KEY
from airbnb_tui.sandbox import AuthFailure, SandboxServer, demo_sandbox_accounts
from airbnb_tui.sandbox.web_requests import post, request_body, request_headers

TODAY = date(2025, 2, 10)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """One server for the module: these tests only read, they set no faults."""
    with SandboxServer(demo_sandbox_accounts(n_accounts=2, listings=3), today=lambda: TODAY) as sb:
        yield sb


def error_of(response: requests.Response) -> dict[str, Any]:
    body = response.json()
    assert body["data"] is None
    assert len(body["errors"]) == 1
    error: dict[str, Any] = body["errors"][0]
    assert isinstance(error["message"], str)
    return error


def raw_post(sb: SandboxServer, path: str, body: Any, headers: dict[str, str]) -> requests.Response:
    return requests.post(f"{sb.base_url}{path}", json=body, headers=headers, timeout=5)


def test_unknown_operation_is_404(sandbox: SandboxServer) -> None:
    headers = request_headers(sandbox.accounts[0])
    path = f"/api/v3/BookingsQuery/{CHART.sha256}"
    response = raw_post(sandbox, path, request_body(CHART), headers)
    assert response.status_code == 404
    assert error_of(response)["extensions"]["errorType"] == "not_found"


def test_wrong_hash_is_400_persisted_query_not_found(sandbox: SandboxServer) -> None:
    headers = request_headers(sandbox.accounts[0])
    path = f"/api/v3/ChartQuery/{LIST_OF_METRICS.sha256}"
    response = raw_post(sandbox, path, request_body(CHART), headers)
    assert response.status_code == 400
    error = error_of(response)
    assert error["message"] == "PersistedQueryNotFound"
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def _body_with(change: str) -> dict[str, Any]:
    body = request_body(CHART, listing_ids=["1"], relative_start=-25, relative_end=2)
    arguments = body["variables"]["request"]["arguments"]
    if change == "operationName":
        body["operationName"] = "ListOfMetricsQuery"
    elif change == "sha256Hash":
        body["extensions"]["persistedQuery"]["sha256Hash"] = LISTINGS_SECTION.sha256
    elif change == "clientName":
        body["variables"]["request"]["clientName"] = LIST_OF_METRICS.client_name
    elif change == "arguments":
        del body["variables"]["request"]["arguments"]
    elif change == "relativeDsStart":
        arguments["relativeDsStart"] = "-25"
    elif change == "listingIds":
        arguments["filters"] = {"listingIds": "123"}
    elif change == "metric":
        arguments["groupByValues"] = ["occupancy_rate"]
    elif change == "metricType":
        arguments["metricType"] = "RATING"
    return body


@pytest.mark.parametrize(
    "change",
    [
        "operationName",
        "sha256Hash",
        "clientName",
        "arguments",
        "relativeDsStart",
        "listingIds",
        "metric",
        "metricType",
    ],
)
def test_body_of_the_wrong_shape_is_400(sandbox: SandboxServer, change: str) -> None:
    response = raw_post(
        sandbox, CHART.path, _body_with(change), request_headers(sandbox.accounts[0])
    )
    assert response.status_code == 400
    assert error_of(response)["extensions"]["errorType"] in {
        "bad_request",
        "persisted_query_not_found",
    }


def test_body_that_is_not_json_is_400(sandbox: SandboxServer) -> None:
    response = requests.post(
        f"{sandbox.base_url}{CHART.path}",
        data=b"{not json",
        headers=request_headers(sandbox.accounts[0]),
        timeout=5,
    )
    assert response.status_code == 400
    assert error_of(response)["extensions"]["errorType"] == "bad_request"


@pytest.mark.parametrize("key", ["wrong-key", ""])
def test_wrong_api_key_is_refused(sandbox: SandboxServer, key: str) -> None:
    response = post(sandbox.base_url, CHART, sandbox.accounts[0], today=TODAY, api_key=key)
    assert response.status_code == 400
    assert error_of(response)["extensions"]["errorType"] == "invalid_api_key"


def test_configured_api_key_replaces_the_default() -> None:
    with SandboxServer(demo_sandbox_accounts(), today=lambda: TODAY, api_key="k2") as sb:
        account = sb.accounts[0]
        assert post(sb.base_url, CHART, account, today=TODAY, api_key="k2").status_code == 200
        default = post(sb.base_url, CHART, account, today=TODAY, api_key=DEFAULT_API_KEY)
        assert default.status_code == 400


def _cookie_cases(sb: SandboxServer) -> dict[str, str]:
    first, second = sb.accounts
    return {
        "no cookie": "",
        "no _aat": "; ".join(f"{k}={v}" for k, v in first.cookies().items() if k != "_aat"),
        "unknown token": first.cookie_header(token="0%7Cnot-a-session"),
        "other account's token": first.cookie_header(token=second.token),
        "no _user_attributes": "; ".join(
            f"{k}={v}" for k, v in first.cookies().items() if k != "_user_attributes"
        ),
        "garbled _user_attributes": first.cookie_header().replace(
            "_user_attributes=%7B", "_user_attributes=%7Bx"
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "no cookie",
        "no _aat",
        "unknown token",
        "other account's token",
        "no _user_attributes",
        "garbled _user_attributes",
    ],
)
def test_cookie_that_names_no_known_session_is_401(sandbox: SandboxServer, case: str) -> None:
    cookie = _cookie_cases(sandbox)[case]
    response = post(sandbox.base_url, CHART, sandbox.accounts[0], today=TODAY, cookie=cookie)
    assert response.status_code == 401
    assert error_of(response)["extensions"]["errorType"] == "authentication_required"


@pytest.mark.parametrize("mode", list(AuthFailure))
def test_auth_failure_mode_is_configurable(mode: AuthFailure) -> None:
    with SandboxServer(demo_sandbox_accounts(), today=lambda: TODAY, auth_failure=mode) as sb:
        response = post(sb.base_url, CHART, sb.accounts[0], today=TODAY, cookie="a=b")
    expected_status = {"401": 401, "403": 403}.get(mode.value, 200)
    assert response.status_code == expected_status
    body = response.json()
    if mode is AuthFailure.NULL_COMPONENTS:
        assert body["data"]["porygon"]["getPerformanceComponents"] is None
        assert "errors" not in body
    else:
        assert body["errors"][0]["extensions"]["errorType"] == "authentication_required"


def test_listing_of_another_account_is_a_graphql_error(sandbox: SandboxServer) -> None:
    first, second = sandbox.accounts
    response = post(
        sandbox.base_url, CHART, first, today=TODAY, listing_ids=[second.listing_ids[0]]
    )
    assert response.status_code == 200
    error = error_of(response)
    assert error["extensions"]["errorType"] == "permission_denied"
    assert second.listing_ids[0] in error["message"]


def test_relative_ds_three_is_today(sandbox: SandboxServer) -> None:
    body = request_body(CHART, listing_ids=sandbox.accounts[0].listing_ids[:1])
    body["variables"]["request"]["arguments"].update(relativeDsStart=3, relativeDsEnd=4)
    response = raw_post(sandbox, CHART.path, body, request_headers(sandbox.accounts[0]))
    points = response.json()["data"]["porygon"]["getPerformanceComponents"]["components"][0][
        "metricLineCharts"
    ][0]["dataPoints"]
    assert [p["ds"] for p in points] == ["2025-02-10", "2025-02-11"]


def test_today_is_read_at_each_request() -> None:
    days = iter([date(2025, 3, 1), date(2025, 3, 2)])
    current = {"day": next(days)}
    with SandboxServer(demo_sandbox_accounts(), today=lambda: current["day"]) as sb:
        body = request_body(CHART, listing_ids=sb.accounts[0].listing_ids[:1])
        body["variables"]["request"]["arguments"].update(relativeDsStart=3, relativeDsEnd=3)
        headers = request_headers(sb.accounts[0])
        first = raw_post(sb, CHART.path, body, headers).json()
        current["day"] = next(days)
        second = raw_post(sb, CHART.path, body, headers).json()
    ds = [
        b["data"]["porygon"]["getPerformanceComponents"]["components"][0]["metricLineCharts"][0][
            "dataPoints"
        ][0]["ds"]
        for b in (first, second)
    ]
    assert ds == ["2025-03-01", "2025-03-02"]


def test_window_may_end_182_days_ahead_but_not_183(sandbox: SandboxServer) -> None:
    account = sandbox.accounts[0]
    for days_ahead, ok in ((182, True), (183, False)):
        end = TODAY + timedelta(days=days_ahead)
        response = post(
            sandbox.base_url,
            LIST_OF_METRICS,
            account,
            today=TODAY,
            start=end - timedelta(days=6),
            end=end,
        )
        assert response.status_code == 200
        if ok:
            assert "errors" not in response.json()
        else:
            error = error_of(response)
            assert error["extensions"]["errorType"] == "invalid_argument"
            assert "182" in error["message"]


def test_reversed_window_is_a_graphql_error(sandbox: SandboxServer) -> None:
    response = post(
        sandbox.base_url,
        CHART,
        sandbox.accounts[0],
        today=TODAY,
        start=TODAY,
        end=TODAY - timedelta(days=1),
    )
    assert error_of(response)["extensions"]["errorType"] == "invalid_argument"


def test_get_on_an_operation_is_405(sandbox: SandboxServer) -> None:
    response = requests.get(f"{sandbox.base_url}{CHART.path}", timeout=5)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_query_string_is_ignored_like_the_web_page_sends_it(sandbox: SandboxServer) -> None:
    account = sandbox.accounts[0]
    response = requests.post(
        f"{sandbox.base_url}{LISTINGS_SECTION.path}?operationName=ListingsSectionQuery&locale=en",
        json=request_body(LISTINGS_SECTION),
        headers=request_headers(account),
        timeout=5,
    )
    assert response.status_code == 200
    assert "errors" not in response.json()


def test_request_without_a_usable_content_length_is_400(sandbox: SandboxServer) -> None:
    host, port = "127.0.0.1", sandbox.port
    with socket.create_connection((host, port), timeout=5) as conn:
        conn.sendall(
            f"POST {CHART.path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: lots\r\n\r\n".encode()
        )
        head = conn.recv(4096).decode()
    assert head.startswith("HTTP/1.1 400 ")
