"""One HTTP exchange with Airbnb: headers, cookies, the response as JSON or a typed error.

One ``requests.Session`` per account keeps connections alive between that account's requests.
Redirects are not followed: Airbnb answers a dead session with a redirect to its login page,
which must read as "credentials rejected", not as the HTML of the login page.

The account's cookies go out as one ``Cookie`` header built when they change, not through
requests' cookie jar: the jar runs http.cookiejar's policy checks for every cookie on every
request, a measurable share of a sync's time on a fast link (see
benchmarks/pipeline_overhead.py). The session's jar is set to refuse every cookie, so a
``Set-Cookie`` is read from the response (``last_set_cookies``) and never sent twice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests

from airbnb_tui.airbnb.errors import (
    BadResponse,
    BotWall,
    ConnectionFailed,
    CredentialsRejected,
    MalformedJson,
    RateLimited,
    RequestRejected,
    RequestTimeout,
    ServerError,
)
from airbnb_tui.airbnb.operations import Operation

DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
_LOGIN_MARKERS = ("/login", "/signup_login", "/authenticate")


# A Retry-After beyond this is treated as this: "inf" or a year-9999 date must not hold an
# account (in every worker) forever.
MAX_RETRY_AFTER_SECONDS = 3600.0


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Retry-After as seconds from now (at most an hour): seconds or an HTTP-date."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        current = time.time() if now is None else now
        try:
            seconds = when.timestamp() - current
        except (OverflowError, ValueError, OSError):
            return MAX_RETRY_AFTER_SECONDS
    if seconds != seconds:  # NaN
        return None
    return min(MAX_RETRY_AFTER_SECONDS, max(0.0, seconds))


def base_headers(
    api_key: str, user_agent: str | None, client_version: str | None
) -> dict[str, str]:
    headers = {
        "X-Airbnb-API-Key": api_key,
        "User-Agent": user_agent or DEFAULT_USER_AGENT,
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-Airbnb-GraphQL-Platform": "web",
        "X-CSRF-Without-Token": "1",
    }
    if client_version:
        headers["X-Client-Version"] = client_version
    return headers


class Transport:
    """Sends one operation's payload and returns the decoded JSON body, or raises."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        cookies: Mapping[str, str],
        *,
        timeout: float,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers.update(headers)
        self.session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        _read_environment_once(self.session, self.base_url)
        self._prepared: dict[str, requests.PreparedRequest] = {}
        self.set_cookies(cookies)
        self.last_set_cookies: dict[str, str] = {}

    def set_cookies(self, cookies: Mapping[str, str]) -> None:
        """Send exactly these cookies from now on: one value per name, to whichever host we
        talk to."""
        header = "; ".join(f"{name}={value}" for name, value in cookies.items())
        if header:
            self.session.headers["Cookie"] = header
        else:
            self.session.headers.pop("Cookie", None)
        self._prepared.clear()

    def close(self) -> None:
        self.session.close()

    def _request(self, operation: Operation, body: str) -> requests.PreparedRequest:
        """A prepared POST of ``body``: the URL, headers and cookies are merged once per
        operation (and again after the cookies change), not on every request."""
        template = self._prepared.get(operation.path)
        if template is None:
            template = self.session.prepare_request(
                requests.Request("POST", self.base_url + operation.path)
            )
            self._prepared[operation.path] = template
        prepared = template.copy()
        prepared.prepare_body(body, None)
        return prepared

    def post(self, operation: Operation, payload: Mapping[str, Any]) -> Any:
        name = operation.name
        try:
            response = self.session.send(
                self._request(operation, json.dumps(payload, separators=(",", ":"))),
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise RequestTimeout(f"no answer within {self.timeout:g} s", operation=name) from None
        except requests.ConnectionError as exc:
            raise ConnectionFailed(_connection_reason(exc), operation=name) from None
        except requests.RequestException as exc:
            raise ConnectionFailed(type(exc).__name__, operation=name) from None
        with response:
            self.last_set_cookies = {c.name: c.value or "" for c in response.cookies}
            return classify(response, name)


def _read_environment_once(session: requests.Session, base_url: str) -> None:
    """Take the proxy, CA-bundle and ``.netrc`` settings from the environment now, for the one
    host this session talks to, instead of on every request.

    With ``trust_env`` on, requests looks them up twice per request (about a tenth of a
    request's CPU against a fast server); a worker's environment does not change while it runs.
    """
    found = session.merge_environment_settings(base_url, {}, None, None, None)
    session.proxies.update(found["proxies"])
    session.verify = found["verify"]
    auth = requests.utils.get_netrc_auth(base_url)
    if auth is not None:
        session.auth = auth
    session.trust_env = False


def classify(response: requests.Response, operation: str) -> Any:
    """Turn a response into its JSON body or the typed error it stands for."""
    status = response.status_code
    content_type = response.headers.get("Content-Type", "").lower()
    if 300 <= status < 400:
        location = response.headers.get("Location", "")
        if any(marker in location for marker in _LOGIN_MARKERS):
            raise CredentialsRejected("redirected to the login page", operation=operation)
        raise BadResponse(f"unexpected redirect (HTTP {status})", operation=operation)
    if status == 429:
        raise RateLimited(
            "rate limited by Airbnb (HTTP 429)",
            operation=operation,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if status >= 500:
        raise ServerError(
            f"Airbnb server error (HTTP {status})", operation=operation, status=status
        )
    if _looks_like_html(response, content_type):
        raise BotWall(
            f"an HTML page came back instead of JSON (HTTP {status}): "
            "Airbnb is asking for a browser check",
            operation=operation,
        )
    if status in (401, 403):
        raise CredentialsRejected(
            f"Airbnb rejected the credentials (HTTP {status})", operation=operation
        )
    if status >= 400:
        raise RequestRejected(
            f"Airbnb refused the request (HTTP {status})", operation=operation, status=status
        )
    try:
        return response.json()
    except (ValueError, RecursionError):
        raise MalformedJson("the response is not valid JSON", operation=operation) from None


def _looks_like_html(response: requests.Response, content_type: str) -> bool:
    if "html" in content_type:
        return True
    head = response.content[:256].lstrip().lower()
    return head.startswith((b"<!doctype", b"<html"))


def _connection_reason(exc: requests.ConnectionError) -> str:
    text = str(exc)
    for reason in ("Connection refused", "Name or service not known", "Connection reset"):
        if reason in text:
            return f"could not connect: {reason.lower()}"
    return "could not connect"
