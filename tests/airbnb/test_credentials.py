"""Pasted cookies and cURL commands become Credentials; no cookie value ever shows in text."""

from __future__ import annotations

import dataclasses
import json
import string
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airbnb_tui.airbnb.credentials import (
    AUTH_COOKIE_NAMES,
    Credentials,
    account_id_from_user_attributes,
    merge_rotated,
    parse_credentials,
    require_account_id,
)
from airbnb_tui.airbnb.errors import CredentialFormatError
from airbnb_tui.sandbox import demo_sandbox_accounts

SENTINEL = "S3NT1NEL-aat-0f9e8d7c6b5a"
USER_ATTRIBUTES = quote(
    json.dumps({"curr": "USD", "id": 123456789, "id_str": "123456789", "name": "Alex"}),
    safe="",
)
COOKIE = (
    "bev=1736640000_ZmQ5MmU0; country=US; _airbed_session_id=4b1f0c2d9e8a7f6b; "
    f"_aat={SENTINEL}; _user_attributes={USER_ATTRIBUTES}; ak_bmsc=A1B2C3~000000"
)
UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
CLIENT_VERSION = "0f3a9c2e5b7d41e8a6c3b9f0d2e4a7c1b5e8d3f6"
EXPECTED = {
    "bev": "1736640000_ZmQ5MmU0",
    "country": "US",
    "_airbed_session_id": "4b1f0c2d9e8a7f6b",
    "_aat": SENTINEL,
    "_user_attributes": USER_ATTRIBUTES,
    "ak_bmsc": "A1B2C3~000000",
}

URL = "https://www.airbnb.com/api/v3/ListingsSectionQuery/7a646c07?operationName=Listings&locale=en"
CURL_BASH_HEADER = f"""curl '{URL}' \\
  -H 'accept: */*' \\
  -H 'accept-language: en-US,en;q=0.9' \\
  -H 'content-type: application/json' \\
  -H 'Cookie: {COOKIE}' \\
  -H 'origin: https://www.airbnb.com' \\
  -H 'user-agent: {UA}' \\
  -H 'x-airbnb-api-key: d306zoyjsyarp7ifhu67rjxn52tv0t20' \\
  -H 'X-Client-Version: {CLIENT_VERSION}' \\
  -H 'x-csrf-without-token: 1' \\
  --data-raw '{{"operationName":"ListingsSectionQuery","variables":{{}}}}'
"""

CURL_BASH_B = f"""curl 'https://www.airbnb.com/api/v3/ChartQuery/aa6e?operationName=ChartQuery' \\
  -H 'accept: */*' \\
  -b '{COOKIE}' \\
  -H 'user-agent: {UA}' \\
  -H 'x-client-version: {CLIENT_VERSION}' \\
  --data-raw $'{{"operationName":"ChartQuery","note":"it\\'s"}}'"""

CURL_CMD = (
    'curl ^"https://www.airbnb.com/api/v3/ListingsSectionQuery/7a64?operationName=Listings'
    'SectionQuery^&locale=en^" ^\n'
    '  -H ^"accept: */*^" ^\n'
    f'  -b ^"{COOKIE.replace("%", "%^")}^" ^\n'
    f'  -H ^"user-agent: {UA}^" ^\n'
    f'  -H ^"x-client-version: {CLIENT_VERSION}^" ^\n'
    '  --data-raw ^"^{^\\^"operationName^\\^":^\\^"ListingsSectionQuery^\\^"^}^"'
)


def _check(creds: Credentials, *, headers: bool = True) -> None:
    assert dict(creds.cookies) == EXPECTED
    assert list(creds.cookies) == list(EXPECTED)  # the browser's order is kept
    assert creds.account_id == "123456789"
    if headers:
        assert creds.user_agent == UA
        assert creds.x_client_version == CLIENT_VERSION


# The accepted forms ---------------------------------------------------------------------------


def test_curl_bash_with_cookie_header() -> None:
    _check(parse_credentials(CURL_BASH_HEADER))


def test_curl_bash_with_b_flag_and_ansi_c_quoting() -> None:
    _check(parse_credentials(CURL_BASH_B))


def test_curl_windows_cmd_with_carets() -> None:
    _check(parse_credentials(CURL_CMD))


def test_curl_with_user_agent_flag_and_glued_options() -> None:
    text = f"curl.exe https://www.airbnb.com/ -A '{UA}' '-bcountry=US; _aat={SENTINEL}'"
    creds = parse_credentials(text)
    assert dict(creds.cookies) == {"country": "US", "_aat": SENTINEL}
    assert creds.user_agent == UA
    assert creds.x_client_version is None


def test_curl_with_ansi_c_quoted_cookie() -> None:
    text = f"curl 'https://www.airbnb.com/' -H $'cookie: _aat={SENTINEL}; name=caf\\xe9\\\\x'"
    with pytest.raises(CredentialFormatError, match="'name' holds characters"):
        parse_credentials(text)
    text = f"curl 'https://www.airbnb.com/' -H $'cookie: _aat={SENTINEL}; q=\\'x\\''"
    assert dict(parse_credentials(text).cookies) == {"_aat": SENTINEL, "q": "'x'"}


def test_cookie_header_line() -> None:
    _check(parse_credentials(f"Cookie: {COOKIE}\n"), headers=False)
    _check(parse_credentials(f"  cookie:{COOKIE}  "), headers=False)


def test_bare_cookie_pairs() -> None:
    creds = parse_credentials(COOKIE)
    _check(creds, headers=False)
    assert (creds.user_agent, creds.x_client_version) == (None, None)


def test_raw_request_headers_copied_from_devtools() -> None:
    text = "\n".join(
        [
            "POST /api/v3/ListingsSectionQuery/7a64 HTTP/2",
            ":authority: www.airbnb.com",
            "Accept: */*",
            f"User-Agent: {UA}",
            f"X-Client-Version: {CLIENT_VERSION}",
            f"Cookie: {COOKIE}",
        ]
    )
    _check(parse_credentials(text))


def test_cookie_export_json() -> None:
    exported = json.dumps(
        [
            {"name": name, "value": value, "domain": ".airbnb.com"}
            for name, value in EXPECTED.items()
        ]
    )
    _check(parse_credentials(exported), headers=False)


def test_sandbox_copy_as_curl() -> None:
    """The sandbox prints what a browser copies; the demo account is added from that."""
    account = demo_sandbox_accounts(1, listings=2)[0]
    creds = parse_credentials(account.curl_snippet("http://127.0.0.1:8765"))
    assert creds.account_id == account.account_id
    assert creds.cookie_header() == account.cookie_header()
    assert creds.user_agent == account.user_agent
    assert creds.x_client_version == account.client_version


def test_repeated_cookie_name_keeps_the_first_value() -> None:
    assert dict(parse_credentials("a=1; b=2; a=3").cookies) == {"a": "1", "b": "2"}


def test_values_may_hold_equals_signs_quotes_and_inner_spaces() -> None:
    creds = parse_credentials('tok=abc==; q="quoted value"; e=')
    assert dict(creds.cookies) == {"tok": "abc==", "q": '"quoted value"', "e": ""}


# The account id -----------------------------------------------------------------------------


def test_account_id_from_user_attributes() -> None:
    assert account_id_from_user_attributes(USER_ATTRIBUTES) == "123456789"
    assert account_id_from_user_attributes(quote(USER_ATTRIBUTES, safe="")) == "123456789"
    only_id = quote(json.dumps({"id": 987654321}), safe="")
    assert account_id_from_user_attributes(only_id) == "987654321"
    assert account_id_from_user_attributes('{"id_str":"555"}') == "555"


@pytest.mark.parametrize(
    "raw",
    [None, "", "%7B", "not-json", quote('{"name":"x"}'), quote('["123"]'), quote('{"id":"a1"}')],
)
def test_unreadable_user_attributes_give_no_account_id(raw: str | None) -> None:
    assert account_id_from_user_attributes(raw) is None


def test_require_account_id() -> None:
    assert require_account_id(parse_credentials(COOKIE)) == "123456789"
    with pytest.raises(CredentialFormatError, match=r"no _user_attributes cookie.*--account-id"):
        require_account_id(parse_credentials(f"_aat={SENTINEL}"))
    with pytest.raises(CredentialFormatError, match=r"readable account id.*--account-id"):
        require_account_id(parse_credentials(f"_aat={SENTINEL}; _user_attributes=%7B"))


# The object ---------------------------------------------------------------------------------


def test_cookie_header_round_trips() -> None:
    creds = parse_credentials(CURL_BASH_HEADER)
    assert creds.cookie_header() == COOKIE
    assert parse_credentials(creds.cookie_header()).cookies == creds.cookies


def test_credentials_are_immutable_hashable_and_replaceable() -> None:
    source = {"_aat": SENTINEL}
    creds = Credentials(source, UA, None)
    source["_aat"] = "changed"
    assert creds.cookies["_aat"] == SENTINEL
    with pytest.raises(TypeError):
        creds.cookies["_aat"] = "x"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        creds.user_agent = "x"  # type: ignore[misc]
    assert creds == Credentials({"_aat": SENTINEL}, UA, None)
    assert hash(creds) == hash(Credentials({"_aat": SENTINEL}, UA, None))
    replaced = dataclasses.replace(creds, x_client_version=CLIENT_VERSION)
    assert replaced.cookies == creds.cookies
    assert replaced.x_client_version == CLIENT_VERSION


def test_with_cookies_rotates() -> None:
    creds = parse_credentials(COOKIE)
    rotated = creds.with_cookies({"_aat": "new-token", "_aaj": "added"})
    assert rotated.cookies["_aat"] == "new-token"
    assert rotated.cookies["_aaj"] == "added"
    assert list(rotated.cookies)[:4] == ["bev", "country", "_airbed_session_id", "_aat"]
    assert creds.cookies["_aat"] == SENTINEL  # the original is unchanged


def test_masked_repr_and_str_never_show_values() -> None:
    creds = parse_credentials(CURL_BASH_HEADER)
    masked = creds.masked()
    assert masked.startswith("6 cookies (auth: _airbed_session_id, _aat, _user_attributes; ")
    for text in (masked, repr(creds), str(creds), f"{creds}", repr([creds])):
        assert SENTINEL not in text
        assert "4b1f0c2d9e8a7f6b" not in text
        assert "123456789" not in text
    assert UA in repr(creds)
    other = creds.with_cookies({"_aat": "different"})
    assert creds.fingerprint() != other.fingerprint()
    assert len(creds.fingerprint()) == 10


def test_auth_cookie_names() -> None:
    assert {"_aat", "_aaj", "_airbed_session_id", "_user_attributes"} <= AUTH_COOKIE_NAMES
    assert "ak_bmsc" not in AUTH_COOKIE_NAMES
    assert "bm_sv" not in AUTH_COOKIE_NAMES


def test_merge_rotated_keeps_the_newest_auth_cookies_only() -> None:
    creds = parse_credentials(COOKIE)
    assert merge_rotated(creds, {}) is None
    assert merge_rotated(creds, {"_aat": SENTINEL}) is None  # same value: nothing changed
    assert merge_rotated(creds, {"ak_bmsc": "new", "bm_sv": "x"}) is None  # not auth cookies
    assert merge_rotated(creds, {"_aat": ""}) is None  # a cleared cookie never wipes the login
    assert merge_rotated(creds, {"_aat": "bad\nvalue"}) is None
    merged = merge_rotated(creds, {"_aat": "rotated-1", "ak_bmsc": "new", "_pt": "pt-1"})
    assert merged is not None
    assert merged.cookies["_aat"] == "rotated-1"
    assert merged.cookies["_pt"] == "pt-1"
    assert merged.cookies["ak_bmsc"] == "A1B2C3~000000"
    assert merged.account_id == "123456789"


# Malformed input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The cookie text is empty"),
        ("  \n\t ", "The cookie text is empty"),
        (f"a=1; {SENTINEL}; c=3", "Cookie pair 2 has no '='"),
        (f"=1; _aat={SENTINEL}", "Cookie pair 1 has an empty name"),
        (f"bad name=1; _aat={SENTINEL}", "Cookie pair 1 has a name with spaces"),
        ("Accept: */*\nUser-Agent: x", "No cookie found in the text"),
        ("Cookie: ", "No cookie found"),
        ("[]", "No cookie found"),
        (f'[{{"name": "_aat", "value": 5, "x": "{SENTINEL}"}}]', "Cookie 1 of the exported list"),
        (
            f"curl 'https://www.airbnb.com/' -H 'accept: */*' --data-raw '{SENTINEL}'",
            "The cURL command has no cookie",
        ),
        ("curl https://www.airbnb.com/ -b cookies.txt", "reads its cookies from a file"),
        (f"curl 'https://www.airbnb.com/' -H 'cookie: _aat={SENTINEL}", "a quote is never closed"),
        (f"curl -H $'cookie: _aat={SENTINEL}\\x'", "broken escape"),
        (f"Invoke-WebRequest -Uri x -Headers @{{cookie='_aat={SENTINEL}'}}", "PowerShell"),
        (f'fetch("https://www.airbnb.com/", {{"headers": {{"cookie": "{SENTINEL}"}}}})', "fetch"),
        (f"_aat={SENTINEL}\x00", "control or non-ASCII"),
        (f"_aat={SENTINEL}é", "control or non-ASCII"),
        (f"Cookie: _aat={SENTINEL}\nUser-Agent: a\x07b", "User-Agent header contains"),
    ],
)
def test_malformed_input_names_the_problem_without_the_value(text: str, message: str) -> None:
    with pytest.raises(CredentialFormatError, match=message) as caught:
        parse_credentials(text)
    assert SENTINEL not in str(caught.value)
    assert SENTINEL not in repr(caught.value)
    assert isinstance(caught.value, ValueError)


# Fuzzing ------------------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "curl ",
        "curl.exe ",
        " -H ",
        " -b ",
        " --cookie ",
        " -A ",
        "-H'",
        "'",
        '"',
        "^",
        '^"',
        "^\n",
        "\\\n",
        "$'",
        "\\x",
        "\\u00",
        "\\",
        "cookie: ",
        "Cookie:",
        "user-agent: ",
        "x-client-version: ",
        "_aat=",
        "_user_attributes=",
        "%7B%22id_str%22%3A%22",
        "123",
        "%22%7D",
        "=",
        "; ",
        ";",
        "\n",
        "[",
        "]",
        '{"name": "a", "value": "b"}',
        ",",
        "POST / HTTP/2",
        "\x00",
        "é",
        "\ufeff",
    ]
)


def _assert_only_format_errors(text: str) -> None:
    try:
        creds = parse_credentials(text)
    except CredentialFormatError:
        return
    assert creds.cookies
    assert parse_credentials(creds.cookie_header()).cookies == creds.cookies
    account_id = creds.account_id
    assert account_id is None or account_id.isdigit()


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_arbitrary_text_raises_only_format_errors(text: str) -> None:
    _assert_only_format_errors(text)


@given(st.lists(FRAGMENTS | st.text(max_size=4), max_size=14).map("".join))
@settings(max_examples=500, deadline=None)
def test_curl_like_text_raises_only_format_errors(text: str) -> None:
    _assert_only_format_errors(text)


NAMES = st.text(string.ascii_letters + string.digits + "_-.", min_size=1, max_size=12)
VALUES = st.text(
    "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != ";"), max_size=20
) | st.builds(lambda a, b: f"{a} {b}", st.text("abc", min_size=1), st.text("xyz", min_size=1))


@given(st.dictionaries(NAMES, VALUES, min_size=1, max_size=8))
@settings(max_examples=200, deadline=None)
def test_stored_cookie_header_parses_back_to_the_same_cookies(cookies: dict[str, str]) -> None:
    creds = Credentials(cookies, None, None)
    assert parse_credentials(creds.cookie_header()).cookies == creds.cookies
