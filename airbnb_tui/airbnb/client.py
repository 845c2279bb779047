"""The Airbnb client one account uses: rate limit, pacing, retries, parsing, cookie rotation.

Every attempt — first tries and retries alike — passes the account's shared rate limit. A 429
holds the whole account back for Retry-After in every process, not only this request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any, Protocol

from airbnb_tui.airbnb import parsing, payloads
from airbnb_tui.airbnb.credentials import Credentials, merge_rotated
from airbnb_tui.airbnb.errors import Aborted, AirbnbError, RateLimited
from airbnb_tui.airbnb.operations import CHART, LIST_OF_METRICS, LISTINGS_SECTION, MetricQuery
from airbnb_tui.airbnb.operations import Operation as OperationSpec
from airbnb_tui.airbnb.rate_limit.base import AcquireCancelled
from airbnb_tui.airbnb.retry import RetryPolicy
from airbnb_tui.airbnb.transport import Transport, base_headers
from airbnb_tui.airbnb.window import Window
from airbnb_tui.config import Settings

log = logging.getLogger(__name__)


class RateGate(Protocol):
    """The shared per-account limit (see airbnb_tui.airbnb.rate_limit)."""

    def acquire(self, account_id: str, *, stop: threading.Event | None = None) -> float: ...

    def hold(self, account_id: str, seconds: float) -> None: ...


class AirbnbClient:
    """Talks to Airbnb for one account."""

    def __init__(
        self,
        settings: Settings,
        account_id: str,
        credentials: Credentials,
        *,
        limiter: RateGate | None = None,
        policy: RetryPolicy | None = None,
        stop: threading.Event | None = None,
        on_rotated: Callable[[Credentials], None] | None = None,
        on_attempt: Callable[[], None] | None = None,
        today: Callable[[], date] = date.today,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.settings = settings
        self.account_id = account_id
        self.credentials = credentials
        self.limiter = limiter
        self.policy = policy or RetryPolicy.from_settings(settings)
        self.stop = stop
        self.on_rotated = on_rotated
        self.on_attempt = on_attempt
        self.today = today
        self._sleep = sleep
        self._last_request: float | None = None
        self.attempts = 0
        self.skip_jitter = False
        self.transport = Transport(
            settings.airbnb_base_url,
            base_headers(
                settings.airbnb_api_key, credentials.user_agent, credentials.x_client_version
            ),
            credentials.cookies,
            timeout=settings.request_timeout_seconds,
        )

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> AirbnbClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # Operations -----------------------------------------------------------------------------

    def listings(self) -> parsing.ListingsResult:
        body = self.call(LISTINGS_SECTION, payloads.listings_payload())
        return parsing.parse_listings(body)

    def chart(self, listing_id: str, window: Window, metric: MetricQuery) -> parsing.ChartResult:
        payload = payloads.chart_payload(listing_id, window.start, window.end, metric, self.today())
        return parsing.parse_chart(self.call(CHART, payload), metric.metric)

    def list_of_metrics(
        self, listing_id: str, window: Window, metric: MetricQuery
    ) -> parsing.WindowMetrics:
        payload = payloads.list_of_metrics_payload(
            listing_id, window.start, window.end, metric, self.today()
        )
        return parsing.parse_list_of_metrics(self.call(LIST_OF_METRICS, payload))

    # The retry loop -------------------------------------------------------------------------

    def call(self, operation: OperationSpec, payload: dict[str, Any]) -> Any:
        """POST ``payload`` with retries; returns the JSON body or raises an AirbnbError."""
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            self._before_request()
            try:
                body = self.transport.post(operation, payload)
            except AirbnbError as error:
                self._after_request()
                wait = self.policy.wait_before_retry(error, attempt, waited)
                if isinstance(error, RateLimited) and self.limiter is not None:
                    self.limiter.hold(self.account_id, error.retry_after or self.policy.backoff(1))
                if wait is None:
                    raise
                log.info(
                    "%s failed (%s); retry %d/%d in %.1f s",
                    operation.name,
                    error.kind,
                    attempt + 1,
                    self.policy.max_attempts,
                    wait,
                )
                self._wait(wait)
                waited += wait
                continue
            self._after_request()
            return body

    def _before_request(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise Aborted("stop requested")
        jitter = self.settings.request_jitter_seconds
        if jitter.enabled and self._last_request is not None and not self.skip_jitter:
            pause = jitter.draw() - (time.monotonic() - self._last_request)
            if pause > 0:
                self._wait(pause)
        if self.limiter is not None:
            try:
                self.limiter.acquire(self.account_id, stop=self.stop)
            except AcquireCancelled:
                raise Aborted("stop requested") from None

    def _after_request(self) -> None:
        self._last_request = time.monotonic()
        self.attempts += 1
        if self.on_attempt is not None:
            self.on_attempt()
        rotated = self.transport.last_set_cookies
        if rotated:
            updated = merge_rotated(self.credentials, rotated)
            if updated is not None:
                self.credentials = updated
                self.transport.set_cookies(updated.cookies)
                if self.on_rotated is not None:
                    self.on_rotated(updated)
            else:
                self.transport.set_cookies(self.credentials.cookies)

    def _wait(self, seconds: float) -> None:
        if seconds <= 0:
            return
        if self._sleep is not None:
            self._sleep(seconds)
            if self.stop is not None and self.stop.is_set():
                raise Aborted("stop requested")
            return
        if self.stop is not None:
            if self.stop.wait(seconds):
                raise Aborted("stop requested")
        else:
            time.sleep(seconds)
