"""Every fault the sandbox injects, globally, per account, per listing, by rate and "next N"."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from email.utils import parsedate_to_datetime

import pytest
import requests

from airbnb_tui.airbnb.operations import CHART, LISTINGS_SECTION
from airbnb_tui.sandbox import (
    NO_RESPONSE,
    AuthFailure,
    Expiry,
    Fault,
    FaultConfig,
    SandboxServer,
    demo_sandbox_accounts,
)
from airbnb_tui.sandbox.web_requests import post
from tests.waiting import wait_for

TODAY = date(2025, 2, 10)


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(demo_sandbox_accounts(n_accounts=2, listings=3), today=lambda: TODAY) as sb:
        yield sb


def chart(
    sb: SandboxServer,
    account: int = 0,
    listing: int = 0,
    *,
    cookie: str | None = None,
    session: requests.Session | None = None,
    timeout: float = 5.0,
) -> requests.Response:
    acct = sb.accounts[account]
    return post(
        sb.base_url,
        CHART,
        acct,
        today=TODAY,
        listing_ids=[acct.listing_ids[listing]],
        cookie=cookie,
        session=session,
        timeout=timeout,
    )


def statuses(sb: SandboxServer, n: int, account: int = 0, listing: int = 0) -> list[int]:
    return [chart(sb, account, listing).status_code for _ in range(n)]


def test_next_n_rate_limits_then_recovers(sandbox: SandboxServer) -> None:
    sandbox.set_faults(Fault.rate_limit(next_n=2, retry_after=0.05))
    first = chart(sandbox)
    assert first.status_code == 429
    assert first.headers["Retry-After"] == "0.05"
    assert first.json()["errors"][0]["extensions"]["errorType"] == "rate_limited"
    assert statuses(sandbox, 3) == [429, 200, 200]


def test_retry_after_can_be_an_http_date() -> None:
    with SandboxServer(
        demo_sandbox_accounts(), today=lambda: TODAY, clock=lambda: 1_700_000_000.0
    ) as sb:
        sb.set_faults(Fault.rate_limit(next_n=1, retry_after=30, http_date=True))
        response = chart(sb)
    assert response.status_code == 429
    when = parsedate_to_datetime(response.headers["Retry-After"])
    assert when.timestamp() == 1_700_000_030


def test_rate_limit_without_retry_after(sandbox: SandboxServer) -> None:
    sandbox.set_faults(Fault.rate_limit(next_n=1, retry_after=None))
    response = chart(sandbox)
    assert response.status_code == 429
    assert "Retry-After" not in response.headers


@pytest.mark.parametrize(("status", "html"), [(500, False), (502, True), (503, True)])
def test_server_errors(sandbox: SandboxServer, status: int, html: bool) -> None:
    sandbox.set_faults(Fault.server_error(next_n=1, status=status))
    response = chart(sandbox)
    assert response.status_code == status
    assert ("text/html" in response.headers["Content-Type"]) is html
    if not html:
        assert response.json()["errors"][0]["extensions"]["errorType"] == "internal_error"
    assert chart(sandbox).status_code == 200


def test_slow_answers_late_but_answers(sandbox: SandboxServer) -> None:
    """The delayed reply is overtaken by the next, undelayed one, and still comes."""
    sandbox.set_faults(Fault.slow(2.0, next_n=1))
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(chart, sandbox, timeout=30)
        wait_for(lambda: sandbox.total_requests == 1, "the slow request to arrive")
        assert chart(sandbox).status_code == 200
        assert not slow.done()
        assert slow.result(timeout=60).status_code == 200


def test_slow_adds_to_another_fault(sandbox: SandboxServer) -> None:
    sandbox.set_faults(Fault.slow(2.0, next_n=1), Fault.server_error(next_n=1, status=502))
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(chart, sandbox, timeout=30)
        wait_for(lambda: sandbox.total_requests == 1, "the slow request to arrive")
        assert chart(sandbox).status_code == 200
        assert not slow.done()
        assert slow.result(timeout=60).status_code == 502


def test_timeout_longer_than_the_client_waits(sandbox: SandboxServer) -> None:
    sandbox.set_faults(Fault.timeout(next_n=1, delay=0.5))
    with pytest.raises(requests.ReadTimeout):
        chart(sandbox, timeout=0.1)
    assert chart(sandbox).status_code == 200


def test_timeout_of_zero_drops_the_connection(sandbox: SandboxServer) -> None:
    sandbox.set_faults(Fault.timeout(next_n=1, delay=0))
    with pytest.raises(requests.ConnectionError):
        chart(sandbox)
    assert sandbox.status_counts()[NO_RESPONSE] == 1


@pytest.mark.parametrize("status", [200, 403])
def test_bot_wall_is_an_html_captcha(sandbox: SandboxServer, status: int) -> None:
    sandbox.set_faults(Fault.bot_wall(next_n=1, status=status))
    response = chart(sandbox)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")
    assert "captcha" in response.text


def test_malformed_is_truncated_json(sandbox: SandboxServer) -> None:
    good = chart(sandbox).content
    sandbox.set_faults(Fault.malformed(next_n=1))
    response = chart(sandbox)
    assert response.status_code == 200
    with pytest.raises(requests.JSONDecodeError):
        response.json()
    assert 0 < len(response.content) < len(good)
    assert good.startswith(response.content)


def test_per_listing_fault_leaves_other_listings_alone(sandbox: SandboxServer) -> None:
    bad = sandbox.accounts[0].listing_ids[1]
    sandbox.set_faults(listing_faults={bad: [Fault.server_error(rate=1.0, status=500)]})
    assert statuses(sandbox, 2, listing=0) == [200, 200]
    assert statuses(sandbox, 2, listing=1) == [500, 500]
    listings = post(sandbox.base_url, LISTINGS_SECTION, sandbox.accounts[0], today=TODAY)
    assert listings.status_code == 200


def test_per_listing_next_n(sandbox: SandboxServer) -> None:
    bad = sandbox.accounts[0].listing_ids[2]
    sandbox.set_faults(listing_faults={bad: [Fault.rate_limit(next_n=2, retry_after=0)]})
    assert statuses(sandbox, 1, listing=0) == [200]
    assert statuses(sandbox, 3, listing=2) == [429, 429, 200]


def test_per_account_fault(sandbox: SandboxServer) -> None:
    second = sandbox.accounts[1].account_id
    sandbox.set_faults(account_faults={second: [Fault.bot_wall(rate=1.0)]})
    assert statuses(sandbox, 2, account=0) == [200, 200]
    assert statuses(sandbox, 2, account=1) == [403, 403]


def test_listing_fault_wins_over_global(sandbox: SandboxServer) -> None:
    listing = sandbox.accounts[0].listing_ids[0]
    sandbox.set_faults(
        Fault.server_error(next_n=1, status=503),
        listing_faults={listing: [Fault.rate_limit(next_n=1)]},
    )
    assert statuses(sandbox, 3) == [429, 503, 200]


def test_rate_is_seeded_and_repeatable() -> None:
    runs = []
    for _ in range(2):
        with SandboxServer(demo_sandbox_accounts(), today=lambda: TODAY) as sb:
            sb.set_faults(Fault.server_error(rate=0.5, status=502), seed=7)
            runs.append(statuses(sb, 24))
    assert runs[0] == runs[1]
    assert 4 <= runs[0].count(502) <= 20
    assert set(runs[0]) == {200, 502}


@pytest.mark.parametrize(("rate", "failures"), [(0.0, 0), (1.0, 6)])
def test_rate_bounds(sandbox: SandboxServer, rate: float, failures: int) -> None:
    sandbox.set_faults(Fault.malformed(rate=rate))
    bodies = [chart(sandbox) for _ in range(6)]
    broken = 0
    for response in bodies:
        try:
            response.json()
        except requests.JSONDecodeError:
            broken += 1
    assert broken == failures


def test_set_faults_replaces_and_restarts_budgets(sandbox: SandboxServer) -> None:
    sandbox.set_faults(Fault.server_error(next_n=1, status=500))
    assert statuses(sandbox, 1) == [500]
    sandbox.set_faults(Fault.server_error(next_n=1, status=500))
    assert statuses(sandbox, 2) == [500, 200]
    sandbox.set_faults(Fault.rate_limit(rate=1.0))
    sandbox.clear_faults()
    assert statuses(sandbox, 1) == [200]
    assert sandbox.fault_config == FaultConfig()


@pytest.mark.parametrize("mode", list(AuthFailure))
def test_credentials_expire_after_n_requests(sandbox: SandboxServer, mode: AuthFailure) -> None:
    first = sandbox.accounts[0].account_id
    sandbox.set_faults(expiries=[Expiry(after=2, mode=mode, account_id=first)])
    ok = [chart(sandbox) for _ in range(2)]
    assert [r.status_code for r in ok] == [200, 200]
    expired = chart(sandbox)
    body = expired.json()
    if mode is AuthFailure.NULL_COMPONENTS:
        assert expired.status_code == 200
        assert body["data"]["porygon"]["getPerformanceComponents"] is None
    else:
        assert expired.status_code == {"401": 401, "403": 403}.get(mode.value, 200)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["errorType"] == "authentication_required"
    assert chart(sandbox).status_code == expired.status_code  # stays expired
    assert statuses(sandbox, 1, account=1) == [200]  # other accounts unaffected


def test_expiry_for_every_account(sandbox: SandboxServer) -> None:
    sandbox.set_faults(expiries=[Expiry(after=1)])
    assert statuses(sandbox, 2, account=0) == [200, 401]
    assert statuses(sandbox, 2, account=1) == [200, 401]


def test_cookie_rotation_sets_a_new_aat_and_keeps_the_old_one(sandbox: SandboxServer) -> None:
    account = sandbox.accounts[0]
    sandbox.set_faults(rotate_every=2)
    first, second = chart(sandbox), chart(sandbox)
    assert "Set-Cookie" not in first.headers
    new_token = second.cookies["_aat"]
    assert new_token != account.token
    assert second.headers["Set-Cookie"].startswith(f"_aat={new_token}; Path=/")
    assert sandbox.tokens(account.account_id) == (account.token, new_token)
    with_new = chart(sandbox, cookie=account.cookie_header(token=new_token))
    assert with_new.status_code == 200
    with_old = chart(sandbox)
    assert with_old.status_code == 200
    assert with_old.cookies["_aat"] not in (account.token, new_token)


def test_a_session_picks_up_the_rotated_cookie(sandbox: SandboxServer) -> None:
    sandbox.set_faults(rotate_every=1)
    with requests.Session() as session:
        response = chart(sandbox, session=session)
        assert session.cookies.get("_aat") == response.cookies["_aat"]


def test_fault_config_survives_json() -> None:
    config = FaultConfig.of(
        Fault.rate_limit(0.2, retry_after=3, http_date=True),
        Fault.timeout(0.1, delay=0.5),
        listing_faults={"123": [Fault.bot_wall(next_n=2, status=200)]},
        account_faults={"9": [Fault.malformed(0.5), Fault.slow(0.05)]},
        expiries=[Expiry(3, AuthFailure.ERRORS, "9")],
        rotate_every=4,
        seed=11,
    )
    assert FaultConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Fault.server_error(status=404), "server error fault needs a status"),
        (lambda: Fault.bot_wall(status=500), "bot wall fault needs a status"),
        (lambda: Fault.slow(-1), "cannot be negative"),
        (lambda: Fault.malformed(rate=1.5), "probability"),
    ],
)
def test_nonsense_faults_are_refused(make: Callable[[], Fault], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_flat_options_build_the_same_config_as_the_classmethods() -> None:
    parsed = FaultConfig.parse(
        {
            "server_error_rate": 0.3,
            "server_error_status": 502,
            "rate_limit_rate": 0.1,
            "retry_after": 2,
            "timeout_rate": 0.05,
            "timeout_seconds": 0.5,
            "bot_wall_rate": 0.02,
            "malformed_rate": 0.01,
            "slow": 0.05,
            "expire_after": 10,
            "expire_mode": "errors",
            "rotate_every": 3,
            "seed": 9,
            "bot_wall_status": None,
        }
    )
    assert parsed == FaultConfig.of(
        Fault.slow(0.05),
        Fault.rate_limit(0.1, retry_after=2),
        Fault.server_error(0.3, status=502),
        Fault.timeout(0.05, delay=0.5),
        Fault.bot_wall(0.02, status=403),
        Fault.malformed(0.01),
        expiries=[Expiry(10, AuthFailure.ERRORS)],
        rotate_every=3,
        seed=9,
    )
    assert FaultConfig.parse({"server_error_rate": 0}) == FaultConfig()
    assert FaultConfig.parse(parsed.to_dict()) == parsed


def test_flat_options_refuse_typos() -> None:
    with pytest.raises(ValueError, match="unknown fault options: server_eror_rate"):
        FaultConfig.parse({"server_eror_rate": 0.3})
