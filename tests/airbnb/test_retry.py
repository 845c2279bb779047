"""Retry rules: which errors are retried, how long the waits are, and the caps."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

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
from airbnb_tui.airbnb.retry import RetryPolicy
from airbnb_tui.airbnb.transport import parse_retry_after


def policy(**kwargs: float) -> RetryPolicy:
    return RetryPolicy(rng=random.Random(1), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "error",
    [
        CredentialsRejected("x"),
        BotWall("x"),
        RequestRejected("x", status=404),
        BadResponse("wrong shape"),
    ],
)
def test_never_retried(error: Exception) -> None:
    assert policy().wait_before_retry(error, 1, 0.0) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "error",
    [ServerError("x", status=503), RequestTimeout("x"), ConnectionFailed("x"), MalformedJson("x")],
)
def test_transient_errors_back_off_with_full_jitter(error: Exception) -> None:
    p = policy(base_seconds=1.0, max_wait_seconds=60.0, max_attempts=10)
    for attempt in range(1, 9):
        wait = p.wait_before_retry(error, attempt, 0.0)  # type: ignore[arg-type]
        assert wait is not None
        assert 0 <= wait <= min(60.0, 2 ** (attempt - 1))


def test_backoff_is_capped() -> None:
    p = policy(base_seconds=10.0, max_wait_seconds=3.0)
    assert all(p.backoff(a) <= 3.0 for a in range(1, 20))


def test_retry_after_is_honoured_exactly() -> None:
    error = RateLimited("x", retry_after=7.5)
    assert policy().wait_before_retry(error, 1, 0.0) == 7.5


def test_attempts_are_capped() -> None:
    p = policy(max_attempts=3)
    error = ServerError("x")
    assert p.wait_before_retry(error, 2, 0.0) is not None
    assert p.wait_before_retry(error, 3, 0.0) is None


def test_total_wait_is_capped() -> None:
    p = policy(total_wait_seconds=10.0)
    assert p.wait_before_retry(RateLimited("x", retry_after=4.0), 1, 5.0) == 4.0
    assert p.wait_before_retry(RateLimited("x", retry_after=6.0), 1, 5.0) is None


def test_retry_after_in_seconds_and_http_date() -> None:
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after(" 0 ") == 0.0
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(datetime(2026, 1, 1, 12, 0, 30, tzinfo=UTC), usegmt=True)
    assert parse_retry_after(later, now=now.timestamp()) == pytest.approx(30.0)
    assert parse_retry_after("garbage") is None
    assert parse_retry_after(None) is None
