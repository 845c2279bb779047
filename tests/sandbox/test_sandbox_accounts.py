"""Sandbox accounts: deterministic ids, browser-like cookies and a usable "Copy as cURL" text."""

from __future__ import annotations

import json
import shlex
from datetime import date
from urllib.parse import unquote

import requests

from airbnb_tui.sandbox import SandboxAccount, SandboxServer, demo_sandbox_accounts
from airbnb_tui.sandbox.accounts import claimed_account_id, parse_cookie_header

TODAY = date(2025, 2, 10)


def test_demo_accounts_are_deterministic_and_plausible() -> None:
    accounts = demo_sandbox_accounts(n_accounts=3, listings=50, seed=42)
    assert accounts == demo_sandbox_accounts(n_accounts=3, listings=50, seed=42)
    assert accounts != demo_sandbox_accounts(n_accounts=3, listings=50, seed=43)
    assert len({a.account_id for a in accounts}) == 3
    assert len({a.token for a in accounts}) == 3
    listing_ids = [listing.id for a in accounts for listing in a.listings]
    assert len(listing_ids) == len(set(listing_ids)) == 150
    for account in accounts:
        assert account.account_id.isdigit()
        assert len(account.account_id) == 9
        for listing in account.listings:
            assert listing.id.isdigit()
            assert len(listing.id) in (18, 19)
            assert listing.internal_name[0].isdigit()
            assert ": " in listing.listing_name
    assert len({listing.listing_name for listing in accounts[0].listings}) > 20


def test_cookie_header_carries_the_session_and_the_account_id() -> None:
    account = demo_sandbox_accounts()[0]
    cookies = parse_cookie_header(account.cookie_header())
    assert {"_aat", "_airbed_session_id", "_user_attributes", "bev", "_csrf_token"} <= set(cookies)
    assert cookies["_aat"] == account.token
    attributes = json.loads(unquote(cookies["_user_attributes"]))
    assert attributes["id_str"] == account.account_id
    assert claimed_account_id(cookies) == account.account_id
    assert parse_cookie_header(account.cookie_header(token="0%7Cx"))["_aat"] == "0%7Cx"


def test_repr_shows_no_cookie_values() -> None:
    account = demo_sandbox_accounts()[0]
    text = repr(account)
    assert account.account_id in text
    assert account.token not in text
    assert account.session_id not in text
    assert account.bev not in text


def test_account_survives_json() -> None:
    account = demo_sandbox_accounts(listings=2)[0]
    assert SandboxAccount.from_dict(json.loads(json.dumps(account.to_dict()))) == account


def _replay_curl(snippet: str) -> requests.Response:
    """Run a "Copy as cURL" text with requests: URL, -H headers, -b cookie, --data-raw body."""
    words = shlex.split(snippet.replace("\\\n", " "))
    assert words[0] == "curl"
    url, headers, data = words[1], {}, ""
    i = 2
    while i < len(words):
        flag, value = words[i], words[i + 1]
        if flag == "-H":
            name, _, header_value = value.partition(": ")
            headers[name] = header_value
        elif flag == "-b":
            headers["cookie"] = value
        elif flag == "--data-raw":
            data = value
        i += 2
    return requests.post(url, data=data.encode(), headers=headers, timeout=5)


def test_curl_snippet_is_browser_like_and_works_against_the_sandbox() -> None:
    with SandboxServer(demo_sandbox_accounts(listings=4), today=lambda: TODAY) as sb:
        account = sb.accounts[0]
        snippet = account.curl_snippet(sb.base_url)
        assert snippet.startswith(f"curl '{sb.base_url}/api/v3/ListingsSectionQuery/")
        assert f"-H 'user-agent: {account.user_agent}'" in snippet
        assert f"-H 'x-client-version: {account.client_version}'" in snippet
        assert f"-b '{account.cookie_header()}'" in snippet
        response = _replay_curl(snippet)
    assert response.status_code == 200
    section = response.json()["data"]["porygon"]["getPerformanceComponents"]["components"][0]
    assert {row["id"] for row in section["tableRows"]} == set(account.listing_ids)


def test_curl_snippet_quotes_awkward_values() -> None:
    account = SandboxAccount(
        account_id="123",
        listings=(),
        token="t",
        user_agent="Mozilla/5.0 (it's 'quoted')",
    )
    words = shlex.split(account.curl_snippet("http://127.0.0.1:1").replace("\\\n", " "))
    assert "user-agent: Mozilla/5.0 (it's 'quoted')" in words
