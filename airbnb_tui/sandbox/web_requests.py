"""The requests Airbnb's own web page sends, built independently of the product's client.

Tests and benchmarks use these to call the sandbox directly, so a sandbox check never depends on
the code it is meant to check.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import requests

from airbnb_tui.airbnb.operations import (
    CHART,
    LISTINGS_SECTION,
    RELATIVE_DS_OFFSET,
    Operation,
)
from airbnb_tui.config import DEFAULT_API_KEY
from airbnb_tui.sandbox.accounts import SandboxAccount


def relative_ds(day: date, today: date) -> int:
    """Airbnb's date offset: ``(day - today).days + 3``."""
    return (day - today).days + RELATIVE_DS_OFFSET


def request_body(
    operation: Operation,
    *,
    metric: str = "p3_impressions",
    listing_ids: Sequence[str] = (),
    relative_start: int = 0,
    relative_end: int = 0,
) -> dict[str, Any]:
    """The JSON body of ``operation`` (the window and listings are ignored for the listings)."""
    arguments: dict[str, Any]
    if operation is LISTINGS_SECTION:
        arguments = {
            "metricType": "CONVERSION",
            "groupBys": ["RATING_CATEGORY"],
            "groupByValues": ["occupancy_rate"],
        }
    else:
        arguments = {
            "relativeDsStart": relative_start,
            "relativeDsEnd": relative_end,
            "filters": {"listingIds": list(listing_ids)},
            "metricType": "CONVERSION",
            "groupBys": ["RATING_CATEGORY"],
            "groupByValues": [metric],
        }
        if operation is CHART:
            arguments["metricComparisonType"] = "MARKET"
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


def request_headers(
    account: SandboxAccount | None,
    *,
    api_key: str = DEFAULT_API_KEY,
    cookie: str | None = None,
) -> dict[str, str]:
    """The headers of a logged-in browser tab (``cookie`` overrides the account's own)."""
    headers = {
        "Accept": "*/*",
        "Content-Type": "application/json",
        "X-Airbnb-API-Key": api_key,
        "X-Airbnb-GraphQL-Platform": "web",
        "X-Airbnb-GraphQL-Platform-Client": "minimalist-niobe",
        "X-CSRF-Without-Token": "1",
    }
    if account is not None:
        headers["User-Agent"] = account.user_agent
        headers["X-Client-Version"] = account.client_version
    if cookie is not None:
        headers["Cookie"] = cookie
    elif account is not None:
        headers["Cookie"] = account.cookie_header()
    return headers


def post(
    base_url: str,
    operation: Operation,
    account: SandboxAccount | None,
    *,
    today: date,
    start: date | None = None,
    end: date | None = None,
    metric: str = "p3_impressions",
    listing_ids: Sequence[str] | None = None,
    api_key: str = DEFAULT_API_KEY,
    cookie: str | None = None,
    session: requests.Session | None = None,
    timeout: float = 5.0,
) -> requests.Response:
    """Send ``operation`` as the web page would. Defaults: the account's first listing and the
    28 days before ``today``."""
    if listing_ids is None:
        listing_ids = account.listing_ids[:1] if account is not None else ()
    start = start or today - timedelta(days=28)
    end = end or today - timedelta(days=1)
    body = request_body(
        operation,
        metric=metric,
        listing_ids=listing_ids,
        relative_start=relative_ds(start, today),
        relative_end=relative_ds(end, today),
    )
    sender = session or requests
    return sender.post(
        f"{base_url.rstrip('/')}{operation.path}",
        json=body,
        headers=request_headers(account, api_key=api_key, cookie=cookie),
        timeout=timeout,
    )
