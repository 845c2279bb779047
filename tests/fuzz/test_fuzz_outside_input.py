"""Outside input the parsing tests in tests/airbnb do not reach: whole HTTP responses (status,
headers, body bytes) through ``classify`` and the three parsers, ``Retry-After`` values,
``Set-Cookie`` rotations, secret keys from the environment, stored tokens, account ids.

Each either gives a usable value or raises the module's typed error — never anything else.
"""

from __future__ import annotations

import contextlib
import json
import math
import string
from typing import Any

import pytest
import requests
from hypothesis import example, given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict

from airbnb_tui.airbnb.credentials import Credentials, merge_rotated, parse_credentials
from airbnb_tui.airbnb.errors import AirbnbError
from airbnb_tui.airbnb.operations import DEFAULT_CHART_METRICS
from airbnb_tui.airbnb.parsing import parse_chart, parse_list_of_metrics, parse_listings
from airbnb_tui.airbnb.transport import classify, parse_retry_after
from airbnb_tui.errors import UserError
from airbnb_tui.secrets import CookieCipher, SecretKeyError
from airbnb_tui.services.accounts import check_account_id

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.sampled_from(["doubleValue", "longValue", "authentication_required", "Your performance"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["data", "porygon", "getPerformanceComponents", "components", "errors", "metrics"]
            )
            | st.text(max_size=5),
            children,
            max_size=3,
        )
    ),
    max_leaves=16,
)
BODIES = (
    JSON_VALUES.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=120)
    | st.sampled_from(
        [
            b"",
            b"<!DOCTYPE html><title>Are you a human?</title>",
            b"  <html>",
            b'{"data": null',
            b"\xef\xbb\xbf{}",
            '{"a": "\u00e9"}'.encode("utf-16"),
            b"NaN",
            b"1e999",
        ]
    )
)
CONTENT_TYPES = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "text/html", "text/plain", ""]
)
STATUSES = st.sampled_from([200, 204, 301, 302, 400, 401, 403, 404, 429, 500, 503]) | st.integers(
    100, 599
)
HEADER_TEXT = st.text(alphabet=string.printable.strip("\r\n\x0b\x0c"), max_size=40)


def _response(status: int, body: bytes, content_type: str, extra: dict[str, str]) -> Any:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers = CaseInsensitiveDict({"Content-Type": content_type, **extra})
    return response


@given(
    status=STATUSES,
    body=BODIES,
    content_type=CONTENT_TYPES,
    retry_after=st.none() | HEADER_TEXT,
    location=st.none() | st.sampled_from(["/login?redirect=x", "https://a.example/", ""]),
)
@settings(max_examples=500, deadline=None)
def test_any_http_response_is_json_or_a_typed_error_through_every_parser(
    status: int, body: bytes, content_type: str, retry_after: str | None, location: str | None
) -> None:
    extra = {}
    if retry_after is not None:
        extra["Retry-After"] = retry_after
    if location is not None:
        extra["Location"] = location
    try:
        decoded = classify(_response(status, body, content_type, extra), "ChartQuery")
    except AirbnbError:
        return
    for parse in (
        parse_listings,
        parse_list_of_metrics,
        lambda b: parse_chart(b, DEFAULT_CHART_METRICS[0].metric),
    ):
        with contextlib.suppress(AirbnbError):
            parse(decoded)


def test_deeply_nested_json_is_a_typed_error() -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(AirbnbError):
        classify(_response(200, body, "application/json", {}), "ChartQuery")


@given(HEADER_TEXT | st.floats().map(repr))
@settings(max_examples=300, deadline=None)
def test_retry_after_is_none_or_a_non_negative_number(value: str) -> None:
    seconds = parse_retry_after(value)
    assert seconds is None or (seconds >= 0 and not math.isnan(seconds))


@pytest.mark.parametrize("value", ["inf", "1e400", "Fri, 31 Dec 9999 23:59:59 GMT"])
def test_retry_after_is_bounded(value: str) -> None:
    seconds = parse_retry_after(value)
    assert seconds is not None
    assert seconds <= 24 * 3600


COOKIE_NAMES = st.sampled_from(["_aat", "_airbed_session_id", "li", "hli", "_pt", "bev", "rclu"])
RAW_VALUES = st.text(max_size=20) | st.text(
    alphabet="".join(chr(c) for c in range(0x20, 0x7F)), max_size=20
)


@given(st.dictionaries(COOKIE_NAMES | st.text(max_size=6), RAW_VALUES, max_size=5))
@example({"_aat": " padded "})
@example({"_aat": "semi;colon"})
@settings(max_examples=400, deadline=None)
def test_a_rotated_cookie_always_loads_back(set_cookies: dict[str, str]) -> None:
    """Whatever Set-Cookie brings, the credentials stored afterwards parse back to themselves:
    a rotation must never turn a working account into one whose cookie cannot be loaded."""
    current = Credentials({"_aat": "0%7Cold", "_user_attributes": "%7B%7D", "bev": "x1"})
    updated = merge_rotated(current, set_cookies)
    if updated is None:
        return
    assert parse_credentials(updated.cookie_header()).cookies == updated.cookies


SECRET_TEXT = st.text(
    alphabet=st.characters(codec=None, exclude_categories=()), min_size=1, max_size=40
)


@given(key=SECRET_TEXT, cookie=st.text(max_size=60))
@example(key="\udcff\udc80", cookie="a=b")  # undecodable bytes in the environment
@example(key="\ud800", cookie="")
@settings(max_examples=300, deadline=None)
def test_any_secret_key_seals_and_opens(key: str, cookie: str) -> None:
    cipher = CookieCipher(key)
    assert CookieCipher(key).decrypt(cipher.encrypt(cookie)) == cookie


@given(st.text(max_size=120) | st.binary(max_size=120).map(lambda b: b.decode("latin-1")))
@example("gAAAAABnot-a-real-token")
@settings(max_examples=300, deadline=None)
def test_any_stored_token_opens_or_is_a_secret_key_error(token: str) -> None:
    with contextlib.suppress(SecretKeyError):
        CookieCipher("fuzz-key").decrypt(token)


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_account_ids_are_digits_or_a_user_error(text: str) -> None:
    try:
        account_id = check_account_id(text)
    except UserError:
        return
    assert account_id.isascii()
    assert account_id.isdigit()
