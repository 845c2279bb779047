"""The sandbox's behaviour, free of socket code: a request in, a :class:`Reply` out.

:class:`SandboxApp` holds the accounts, the fault plan and the counters, and answers the three
Airbnb operations plus the ``/_sandbox/`` control API. :mod:`airbnb_tui.sandbox.server` only moves
bytes between sockets and this class.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

from airbnb_tui.airbnb.operations import CHART, LISTINGS_SECTION, Operation
from airbnb_tui.config import DEFAULT_API_KEY
from airbnb_tui.sandbox import data, responses
from airbnb_tui.sandbox.accounts import (
    AUTH_COOKIE,
    DEFAULT_SEED,
    SandboxAccount,
    claimed_account_id,
    make_token,
    parse_cookie_header,
)
from airbnb_tui.sandbox.counters import NO_RESPONSE, RequestCounters, RequestKey, SandboxStats
from airbnb_tui.sandbox.faults import AuthFailure, Fault, FaultConfig, FaultKind, FaultPlan
from airbnb_tui.sandbox.validation import (
    API_PREFIX,
    ApiRequest,
    Rejection,
    check_window,
    parse_json,
    peek_listing_ids,
    route,
    validate,
)

log = logging.getLogger(__name__)

CONTROL_PREFIX = "/_sandbox/"
JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
ROTATED_COOKIE_ATTRIBUTES = "Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax"


@dataclass
class Reply:
    """What to send back. ``drop``: close the connection without answering, after ``delay``."""

    status: int
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0
    drop: bool = False


def json_reply(status: int, payload: Any, headers: Sequence[tuple[str, str]] = ()) -> Reply:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Reply(status, body, JSON_TYPE, list(headers))


class SandboxApp:
    """Accounts, data, faults and counters of one sandbox; safe to call from many threads."""

    def __init__(
        self,
        accounts: Sequence[SandboxAccount],
        *,
        today: Callable[[], date] = date.today,
        api_key: str = DEFAULT_API_KEY,
        seed: int = DEFAULT_SEED,
        faults: FaultConfig | None = None,
        auth_failure: AuthFailure = AuthFailure.HTTP_401,
        max_listing_rows: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        ids = [a.account_id for a in accounts]
        if len(set(ids)) != len(ids):
            raise ValueError("sandbox account ids must be unique")
        self.accounts: tuple[SandboxAccount, ...] = tuple(accounts)
        self._by_id = {a.account_id: a for a in self.accounts}
        self.today = today
        self.api_key = api_key
        self.seed = seed
        self.auth_failure = auth_failure
        self.max_listing_rows = max_listing_rows
        self._clock = clock
        self.plan = FaultPlan(faults)
        self.counters = RequestCounters(clock)
        self._token_lock = threading.Lock()
        self._tokens: dict[str, list[str]] = {a.account_id: [a.token] for a in self.accounts}

    # Tokens ---------------------------------------------------------------------------------

    def tokens(self, account_id: str) -> tuple[str, ...]:
        """Every ``_aat`` value that authenticates the account, oldest first."""
        with self._token_lock:
            return tuple(self._tokens.get(account_id, ()))

    def _token_valid(self, account_id: str, token: str) -> bool:
        with self._token_lock:
            return token in self._tokens.get(account_id, ())

    def _rotate(self, account_id: str, number: int) -> str:
        token = make_token(self.seed, "rotated", account_id, number)
        with self._token_lock:
            known = self._tokens.setdefault(account_id, [])
            if token not in known:
                known.append(token)
        return token

    # API ------------------------------------------------------------------------------------

    def handle_api(self, path: str, headers: Mapping[str, str], raw: bytes) -> Reply:
        """Answer ``POST /api/v3/...``; ``headers`` keys are lower-case."""
        reply = self._answer(path, headers, raw)
        self.counters.status(NO_RESPONSE if reply.drop else reply.status)
        return reply

    def _answer(self, path: str, headers: Mapping[str, str], raw: bytes) -> Reply:
        trace = responses.trace_id(path, raw.decode(errors="replace"), self.today())
        try:
            operation = route(path)
        except Rejection as rejection:
            self.counters.request(RequestKey("", "", path[len(API_PREFIX) :].split("/")[0]))
            return self._rejected(rejection, trace)

        try:
            body: dict[str, Any] | Rejection = parse_json(raw)
        except Rejection as rejection:
            body = rejection
        cookies = parse_cookie_header(headers.get("cookie", ""))
        claimed = claimed_account_id(cookies)
        listing_ids = peek_listing_ids(body) if isinstance(body, dict) else ()
        self.counters.request(RequestKey(claimed or "", ",".join(listing_ids), operation.name))

        decision = self.plan.decide(claimed, listing_ids)
        fault = decision.fault
        if fault is not None and fault.kind is not FaultKind.MALFORMED:
            reply = self._fault_reply(fault, trace)
        else:
            reply = self._serve(operation, headers, body, cookies, claimed, trace)
            if fault is not None:
                # Cut the JSON off mid-document, like a connection lost inside the body.
                reply.body = reply.body[: max(1, len(reply.body) // 2)]
        reply.delay += decision.delay
        return reply

    def _serve(
        self,
        operation: Operation,
        headers: Mapping[str, str],
        body: dict[str, Any] | Rejection,
        cookies: Mapping[str, str],
        claimed: str | None,
        trace: str,
    ) -> Reply:
        """Validate as Airbnb does (key, body, cookie, expiry, listings, window), then answer."""
        if headers.get("x-airbnb-api-key") != self.api_key:
            return self._rejected(
                Rejection(400, "invalid_api_key", "Invalid API key", code="INVALID_API_KEY"),
                trace,
            )
        try:
            if isinstance(body, Rejection):
                raise body
            request = validate(operation, body)
        except Rejection as rejection:
            return self._rejected(rejection, trace)

        account = self._by_id.get(claimed) if claimed else None
        token = cookies.get(AUTH_COOKIE, "")
        if account is None or not self._token_valid(account.account_id, token):
            return self._auth_failed(self.auth_failure, trace)
        expired = self.plan.authenticated(account.account_id)
        if expired is not None:
            return self._auth_failed(expired, trace)

        try:
            component = self._component(request, account)
        except Rejection as rejection:
            return self._rejected(rejection, trace)
        reply = json_reply(200, responses.envelope(component, trace))
        rotation = self.plan.served(account.account_id)
        if rotation is not None:
            token = self._rotate(account.account_id, rotation)
            reply.headers.append(
                ("Set-Cookie", f"{AUTH_COOKIE}={token}; {ROTATED_COOKIE_ATTRIBUTES}")
            )
        return reply

    def _component(self, request: ApiRequest, account: SandboxAccount) -> dict[str, Any]:
        today = self.today()
        if request.operation is LISTINGS_SECTION:
            return responses.listings_component(
                self.seed, account.listings, today, self.max_listing_rows
            )
        foreign = [i for i in request.listing_ids if i not in account.listing_ids]
        if foreign:
            raise Rejection(
                200,
                "permission_denied",
                f"Listing {foreign[0]} is not accessible to this user",
                code="FORBIDDEN",
                error_status=403,
            )
        listing_ids = request.listing_ids or account.listing_ids
        start, end = check_window(request, today)
        days = data.series(self.seed, listing_ids, start, end)
        if request.operation is CHART:
            return responses.chart_component(request.metric, days, today)
        return responses.list_of_metrics_component(request.metric, days)

    def _rejected(self, rejection: Rejection, trace: str) -> Reply:
        return json_reply(
            rejection.status,
            responses.graphql_error(
                rejection.message,
                rejection.error_type,
                rejection.error_status,
                trace,
                code=rejection.code,
            ),
        )

    def _auth_failed(self, mode: AuthFailure, trace: str) -> Reply:
        if mode is AuthFailure.NULL_COMPONENTS:
            return json_reply(200, responses.envelope(None, trace))
        status = {AuthFailure.HTTP_401: 401, AuthFailure.HTTP_403: 403}.get(mode, 200)
        return json_reply(
            status,
            responses.graphql_error(
                "Authentication required",
                "authentication_required",
                401,
                trace,
                code="UNAUTHENTICATED",
            ),
        )

    def _fault_reply(self, fault: Fault, trace: str) -> Reply:
        if fault.kind is FaultKind.TIMEOUT:
            return Reply(0, drop=True, delay=fault.delay)
        if fault.kind is FaultKind.BOT_WALL:
            status = fault.status or 403
            page = responses.BOT_WALL_HTML.format(reference=trace)
            return Reply(status, page.encode(), HTML_TYPE)
        if fault.kind is FaultKind.RATE_LIMIT:
            headers = []
            if fault.retry_after is not None:
                headers.append(("Retry-After", self._retry_after(fault)))
            return json_reply(
                429,
                responses.graphql_error(
                    "Too many requests", "rate_limited", 429, trace, code="RATE_LIMITED"
                ),
                headers,
            )
        status = fault.status or 503
        if status == 500:
            return json_reply(
                500,
                responses.graphql_error(
                    "Internal server error", "internal_error", 500, trace, code="INTERNAL"
                ),
            )
        page = responses.GATEWAY_HTML.format(status=status, reason=HTTPStatus(status).phrase)
        return Reply(status, page.encode(), HTML_TYPE)

    def _retry_after(self, fault: Fault) -> str:
        seconds = fault.retry_after or 0.0
        if fault.http_date:
            return formatdate(math.ceil(self._clock() + seconds), usegmt=True)
        return f"{seconds:g}"

    # Control API ----------------------------------------------------------------------------

    def handle_control(self, method: str, path: str, raw: bytes, base_url: str) -> Reply:
        """``/_sandbox/...``: stats, faults, reset and accounts for tests in other processes."""
        name = path[len(CONTROL_PREFIX) :].strip("/")
        try:
            if method == "GET" and name == "health":
                return json_reply(200, {"ok": True, "base_url": base_url})
            if method == "GET" and name == "stats":
                return json_reply(200, self.counters.snapshot().to_dict())
            if method == "GET" and name == "accounts":
                return json_reply(200, {"accounts": [self._account_json(a) for a in self.accounts]})
            if method == "GET" and name == "faults":
                return json_reply(200, self.plan.config.to_dict())
            if method == "POST" and name == "faults":
                self.plan.configure(FaultConfig.from_dict(_object(raw)))
                return json_reply(200, self.plan.config.to_dict())
            if method == "POST" and name == "reset":
                options = _object(raw) if raw.strip() else {}
                self.counters.reset()
                if options.get("faults"):
                    self.plan.configure(FaultConfig())
                return json_reply(200, {"ok": True})
        except (ValueError, KeyError, TypeError) as exc:
            return json_reply(400, {"error": f"{type(exc).__name__}: {exc}"})
        return json_reply(404, {"error": f"no control endpoint {method} {path}"})

    def _account_json(self, account: SandboxAccount) -> dict[str, Any]:
        return {
            **account.to_dict(),
            "listing_ids": list(account.listing_ids),
            "cookie_header": account.cookie_header(),
            "tokens": list(self.tokens(account.account_id)),
        }

    def stats(self) -> SandboxStats:
        return self.counters.snapshot()


def _object(raw: bytes) -> dict[str, Any]:
    value = json.loads(raw or b"{}")
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return value
