"""The real client over real HTTP against the sandbox: every error class and retry rule.

Waits are recorded through an injected sleep, so the tests check the exact back-off without
spending it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from airbnb_tui.airbnb.client import AirbnbClient
from airbnb_tui.airbnb.credentials import Credentials, parse_credentials
from airbnb_tui.airbnb.errors import (
    Aborted,
    BotWall,
    ConnectionFailed,
    CredentialsRejected,
    MalformedJson,
    RateLimited,
    RequestRejected,
    RequestTimeout,
    ServerError,
)
from airbnb_tui.airbnb.operations import DEFAULT_CHART_METRICS, DEFAULT_LIST_OF_METRICS
from airbnb_tui.airbnb.rate_limit import rate_limiter_from_url
from airbnb_tui.airbnb.retry import RetryPolicy
from airbnb_tui.airbnb.window import Window
from airbnb_tui.config import Settings, load_settings
from airbnb_tui.sandbox import (
    AuthFailure,
    Expiry,
    Fault,
    FaultConfig,
    SandboxAccount,
    SandboxServer,
    demo_sandbox_accounts,
)
from airbnb_tui.services.validation import Verdict, validate_credentials

TODAY = date(2025, 2, 5)
WINDOW = Window(date(2025, 1, 5), date(2025, 2, 1))


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(accounts=demo_sandbox_accounts(1, 3), today=lambda: TODAY) as server:
        yield server


@pytest.fixture
def account(sandbox: SandboxServer) -> SandboxAccount:
    return sandbox.accounts[0]


def _settings(base_url: str, tmp_path: Path, **extra: object) -> Settings:
    return load_settings(
        data_dir=tmp_path,
        airbnb_base_url=base_url,
        request_jitter_seconds="0",
        **{"request_timeout_seconds": 2, **extra},
    )


class Recorder:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def _client(
    sandbox: SandboxServer,
    account: SandboxAccount,
    tmp_path: Path,
    *,
    attempts: int = 4,
    creds: Credentials | None = None,
    **extra: object,
) -> tuple[AirbnbClient, Recorder]:
    settings = _settings(sandbox.base_url, tmp_path, **extra)
    sleep = Recorder()
    policy = RetryPolicy(max_attempts=attempts, base_seconds=1.0, max_wait_seconds=8.0)
    client = AirbnbClient(
        settings,
        account.account_id,
        creds or parse_credentials(account.cookie_header()),
        policy=policy,
        today=lambda: TODAY,
        sleep=sleep,
    )
    return client, sleep


def test_listings_chart_and_metrics_parse(
    sandbox: SandboxServer, account: SandboxAccount, tmp_path: Path
) -> None:
    client, _ = _client(sandbox, account, tmp_path)
    with client:
        found = client.listings()
        assert [i.listing_id for i in found.listings] != []
        assert sorted(i.listing_id for i in found.listings) == sorted(account.listing_ids)
        listing = found.listings[0].listing_id
        chart = client.chart(listing, WINDOW, DEFAULT_CHART_METRICS[0])
        assert sorted(chart.daily) == [
            date.fromordinal(WINDOW.start.toordinal() + i) for i in range(28)
        ]
        assert isinstance(chart.summary["p3_impressions_value"], int)
        metrics = client.list_of_metrics(
            listing, Window(WINDOW.start, date(2025, 1, 11)), DEFAULT_LIST_OF_METRICS[0]
        )
        assert isinstance(metrics.values["conversion_rate_value"], float)
    assert client.attempts == 3


def test_429_honours_retry_after_and_holds_the_account(
    sandbox: SandboxServer, account: SandboxAccount, tmp_path: Path
) -> None:
    sandbox.set_faults(Fault.rate_limit(next_n=2, retry_after=3))
    client, sleep = _client(sandbox, account, tmp_path)
    client.listings()
    assert sleep.waits == [3.0, 3.0]
    assert client.attempts == 3

    # The hold reaches every process sharing the limiter, not only this request's retries.
    sandbox.set_faults(Fault.rate_limit(rate=1.0, retry_after=30))
    limiter = rate_limiter_from_url("memory://", limit=1000, per_seconds=60)
    held_client, _ = _client(sandbox, account, tmp_path, attempts=1)
    held_client.limiter = limiter
    before = time.time()
    with pytest.raises(RateLimited):
        held_client.listings()
    held = limiter.held_until(account.account_id)
    assert held is not None
    assert before + 29 <= held <= time.time() + 30


def test_429_with_an_http_date_retry_after(
    sandbox: SandboxServer, account: SandboxAccount, tmp_path: Path
) -> None:
    sandbox.set_faults(Fault.rate_limit(next_n=1, retry_after=5, http_date=True))
    client, sleep = _client(sandbox, account, tmp_path)
    client.listings()
    assert len(sleep.waits) == 1
    assert 3.0 <= sleep.waits[0] <= 6.0


def test_429_storm_gives_up_after_max_attempts(
    sandbox: SandboxServer, account: SandboxAccount, tmp_path: Path
) -> None:
    sandbox.set_faults(Fault.rate_limit(rate=1.0, retry_after=1))
    client, sleep = _client(sandbox, account, tmp_path, attempts=3)
    with pytest.raises(RateLimited) as info:
        client.listings()
    assert info.value.retry_after == 1.0
    assert sleep.waits == [1.0, 1.0]
    assert sandbox.total_requests == 3


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_backs_off_with_full_jitter_then_succeeds(
    sandbox: SandboxServer, account: SandboxAccount, tmp_path: Path, status: int
) -> None:
    sandbox.set_faults(Fault.server_error(next_n=3, status=status))
    client, sleep = _client(sandbox, account, tmp_path, attempts=5)
    client.listings()
    assert sandbox.total_requests == 4
    assert len(sleep.waits) == 3
    for attempt, wait in enumerate(sleep.waits, start=1):
        assert 0 <= wait <= 2 ** (attempt - 1)


def test_5xx_forever_raises_server_error_after_max_attempts(
    sandbox: SandboxServer, account: SandboxAccount, tmp_path: Path
) -> None:
    sandbox.set_faults(Fault.server_error(rate=1.0, status=500))
    client, sleep = _client(sandbox, account, tmp_path, attempts=3)
    with pytest.raises(ServerError) as info:
        client.listings()
    assert info.value.status == 500
    assert "ListingsSectionQuery" in str(info.value)
    assert sandbox.total_requests == 3
    assert len(sleep.waits) == 2


def test_timeouts_are_retried(
    sandbox: SandboxServer, account: SandboxAccount, tmp_path: Path
) -> None:
    sandbox.set_faults(Fault.timeout(next_n=1, delay=1.0))
    client, sleep = _client(sandbox, account, tmp_path, request_timeout_seconds=0.3)
    client.listings()
    assert len(sleep.waits) == 1
    assert sandbox.counts(operation="ListingsSectionQuery") == 2


def test_timeouts_forever_raise_request_timeout(
    sandbox: SandboxServer, account: SandboxAccount, tmp_path: Path
) -> None:
    sandbox.set_faults(Fault.timeout(rate=1.0, delay=1.0))
    client, _ = _client(sandbox, account, tmp_path, attempts=2, request_timeout_seconds=0.2)
    with pytest.raises(RequestTimeout):
        client.listings()


def test_connection_refused_is_connection_failed(account: SandboxAccount, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = _settings(f"http://127.0.0.1:{port}", tmp_path)
    sleep = Recorder()
    client = AirbnbClient(
        settings,
        account.account_id,
        parse_credentials(account.cookie_header()),
        policy=RetryPolicy(max_attempts=2),
        sleep=sleep,
    )
    with pytest.raises(ConnectionFailed):
        client.listings()
    assert len(sleep.waits) == 1


@pytest.mark.parametrize("status", [200, 403])
def test_bot_wall_is_never_retried(
    sandbox: SandboxServer, account: SandboxAccount, tmp_path: Path, status: int
) -> None:
    sandbox.set_faults(Fault.bot_wall(rate=1.0, status=status))
    client, sleep = _client(sandbox, account, tmp_path)
    with pytest.raises(BotWall):
        client.listings()
    assert sandbox.total_requests == 1
    assert sleep.waits == []


@pytest.mark.parametrize("mode", list(AuthFailure))
def test_every_kind_of_expired_credentials_is_rejected_without_retry(
    sandbox: SandboxServer, account: SandboxAccount, tmp_path: Path, mode: AuthFailure
) -> None:
    sandbox.set_fault_config(FaultConfig.of(expiries=[Expiry(after=0, mode=mode)]))
    client, sleep = _client(sandbox, account, tmp_path)
    with pytest.raises(CredentialsRejected):
        client.listings()
    assert sandbox.total_requests == 1
    assert sleep.waits == []


def test_malformed_json_is_retried_then_reported(
    sandbox: SandboxServer, account: SandboxAccount, tmp_path: Path
) -> None:
    sandbox.set_faults(Fault.malformed(rate=1.0))
    client, sleep = _client(sandbox, account, tmp_path, attempts=2)
    with pytest.raises(MalformedJson):
        client.listings()
    assert sandbox.total_requests == 2
    assert len(sleep.waits) == 1


def test_a_wrong_api_key_is_a_4xx_that_is_never_retried(
    sandbox: SandboxServer, account: SandboxAccount, tmp_path: Path
) -> None:
    client, sleep = _client(sandbox, account, tmp_path, airbnb_api_key="wrong")
    with pytest.raises(RequestRejected) as info:
        client.listings()
    assert info.value.status == 400
    assert sandbox.total_requests == 1
    assert sleep.waits == []


def test_rotated_auth_cookies_are_captured_and_used(
    sandbox: SandboxServer, account: SandboxAccount, tmp_path: Path
) -> None:
    sandbox.set_fault_config(FaultConfig.of(rotate_every=1))
    client, _ = _client(sandbox, account, tmp_path)
    rotated: list[Credentials] = []
    client.on_rotated = rotated.append
    old = client.credentials.cookies["_aat"]
    client.listings()
    assert rotated
    new = rotated[-1].cookies["_aat"]
    assert new != old
    assert new in sandbox.tokens(account.account_id)
    client.listings()  # the next request goes out with the new cookie and succeeds
    assert client.credentials.cookies["_aat"] != old


def test_a_stop_request_aborts_before_the_next_request(
    sandbox: SandboxServer, account: SandboxAccount, tmp_path: Path
) -> None:
    client, _ = _client(sandbox, account, tmp_path)
    client.stop = threading.Event()
    client.stop.set()
    with pytest.raises(Aborted):
        client.listings()
    assert sandbox.total_requests == 0


# Validation ----------------------------------------------------------------------------------


def test_validation_reports_listing_count_and_names(
    sandbox: SandboxServer, account: SandboxAccount, tmp_path: Path
) -> None:
    settings = _settings(sandbox.base_url, tmp_path)
    result = validate_credentials(
        settings, account.account_id, parse_credentials(account.cookie_header())
    )
    assert result.verdict == Verdict.VALID
    assert result.listing_count == 3
    assert sorted(result.listing_names) == sorted(
        listing.internal_name for listing in account.listings
    )
    assert result.summary().startswith("valid — 3 listings: ")


@pytest.mark.parametrize(
    ("fault", "verdict"),
    [
        (FaultConfig.of(expiries=[Expiry(after=0)]), Verdict.REJECTED),
        (FaultConfig.of(Fault.bot_wall(rate=1.0)), Verdict.BOT_WALL),
        (FaultConfig.of(Fault.rate_limit(rate=1.0, retry_after=0)), Verdict.RATE_LIMITED),
        (FaultConfig.of(Fault.server_error(rate=1.0)), Verdict.UNREACHABLE),
    ],
)
def test_validation_names_the_reason(
    sandbox: SandboxServer,
    account: SandboxAccount,
    tmp_path: Path,
    fault: FaultConfig,
    verdict: Verdict,
) -> None:
    sandbox.set_fault_config(fault)
    settings = _settings(sandbox.base_url, tmp_path, retry_base_seconds=0.001)
    result = validate_credentials(
        settings, account.account_id, parse_credentials(account.cookie_header())
    )
    assert result.verdict == verdict
    assert not result.ok
    assert account.cookies()["_aat"] not in result.message
