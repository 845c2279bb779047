"""The per-account rate limit: sliding windows, sharing between processes, holds, stop, pacing.

Timing tests never assert on wall time: they record when each slot was granted and check that no
window of the configured length holds more than the limit (and that the limit is reached, so a
limiter that is merely slow fails too).
"""

from __future__ import annotations

import json
import random
import stat
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import redis
from pyrate_limiter import AbstractBucket, RateItem, RedisBucket

from airbnb_tui.airbnb.rate_limit import (
    AccountRateLimiter,
    AcquireCancelled,
    RequestPacer,
    make_rate_limiter,
    rate_limiter_from_url,
)
from airbnb_tui.airbnb.rate_limit.base import bucket_key
from airbnb_tui.airbnb.rate_limit.factory import _pop_prefix, _sqlite_file
from airbnb_tui.airbnb.rate_limit.memory import MemoryRateLimiter
from airbnb_tui.airbnb.rate_limit.postgres import PostgresRateLimiter, psycopg_conninfo
from airbnb_tui.airbnb.rate_limit.redis import RedisRateLimiter
from airbnb_tui.airbnb.rate_limit.sqlite import SQLiteRateLimiter
from airbnb_tui.config import SecondsRange, Settings
from airbnb_tui.errors import DatabaseUnavailable, UserError

LIMIT = 3
WINDOW = 0.3
MARGIN = 0.05
WORKER = Path(__file__).with_name("rate_limit_worker.py")


def max_in_window(times: list[float], window: float) -> int:
    """The most grants inside any half-open interval of length ``window``."""
    ordered = sorted(times)
    most = 0
    first = 0
    for last, now in enumerate(ordered):
        while ordered[first] <= now - window:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_max_in_window_counts_a_sliding_window() -> None:
    assert max_in_window([0.0, 0.1, 0.2, 0.6, 0.65], 0.5) == 3
    assert max_in_window([0.0, 0.1, 0.2, 0.5, 0.55], 0.5) == 4
    assert max_in_window([0.0, 0.49, 0.98], 0.5) == 2
    assert max_in_window([0.0, 0.5, 1.0], 0.5) == 1


def _with_query(url: str, **params: str) -> str:
    joined = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{url}{'&' if '?' in url else '?'}{joined}"


def _drop_postgres_tables(url: str, prefix: str) -> None:
    with psycopg.connect(psycopg_conninfo(url), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE strpos(tablename, %s) > 0", (prefix,)
        ).fetchall()
        for (table,) in rows:
            conn.execute(psycopg.sql.SQL("DROP TABLE {}").format(psycopg.sql.Identifier(table)))


def _delete_redis_keys(url: str, prefix: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@contextmanager
def _store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a store of ``kind``; PostgreSQL tables and Redis keys are this run's own and
    are removed afterwards."""
    run = uuid.uuid4().hex[:8]
    if kind == "memory":
        yield "memory://"
    elif kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'ratelimit.db'}"
    elif kind == "postgres":
        server = str(request.getfixturevalue("postgres_database_url"))
        prefix = f"airbnb_tui_rate_limit_t{run}"
        try:
            yield _with_query(server, prefix=prefix)
        finally:
            _drop_postgres_tables(server, prefix)
    else:
        server = str(request.getfixturevalue("redis_url"))
        prefix = f"airbnb_tui_test:{run}"
        try:
            yield _with_query(server, prefix=prefix)
        finally:
            _delete_redis_keys(server, prefix)


SHARED = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("redis", marks=pytest.mark.redis),
]


@pytest.fixture(params=SHARED)
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store that several processes share."""
    with _store(request.param, request, tmp_path) as url:
        yield url


@pytest.fixture(params=["memory", *SHARED])
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every backend: this process's memory, then each shared store."""
    with _store(request.param, request, tmp_path) as url:
        yield url


def _limiter(url: str, limit: int = LIMIT, per_seconds: float = WINDOW) -> AccountRateLimiter:
    return rate_limiter_from_url(url, limit=limit, per_seconds=per_seconds, margin_seconds=MARGIN)


def run_workers(
    url: str,
    accounts_per_worker: list[list[str]],
    before_go: Callable[[], None] = lambda: None,
) -> list[list[tuple[str, float]]]:
    """Start one process per list, wait until each has opened its limiter, call ``before_go``,
    let them all acquire at once, and return each one's ``(account, time.time())`` grants."""
    procs = []
    for accounts in accounts_per_worker:
        config = {
            "url": url,
            "limit": LIMIT,
            "per_seconds": WINDOW,
            "margin_seconds": MARGIN,
            "accounts": accounts,
        }
        procs.append(
            subprocess.Popen(
                [sys.executable, str(WORKER), json.dumps(config)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    try:
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
        before_go()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = []
        for proc in procs:
            out, _ = proc.communicate(timeout=60)
            assert proc.returncode == 0
            results.append([(account, float(at)) for account, at in json.loads(out)])
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


# --- one process -------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_grants_never_exceed_the_limit_in_any_window(backend: str, tmp_path: Path) -> None:
    url = "memory://" if backend == "memory" else f"sqlite:///{tmp_path / 'ratelimit.db'}"
    times = []
    with _limiter(url) as limiter:
        for _ in range(3 * LIMIT):
            limiter.acquire("111")
            times.append(time.monotonic())
    assert max_in_window(times, WINDOW) == LIMIT


def test_accounts_do_not_share_a_budget(any_url: str) -> None:
    with _limiter(any_url, limit=2, per_seconds=60) as limiter:
        assert [limiter.try_acquire("111") for _ in range(3)] == [True, True, False]
        assert [limiter.try_acquire("222") for _ in range(3)] == [True, True, False]


def _put(bucket: AbstractBucket, item: RateItem) -> None:
    deadline = time.monotonic() + 2
    # PostgreSQL refuses at once while another session (the leak thread) holds the table lock.
    while not bucket.put(item):
        assert time.monotonic() < deadline, "the bucket kept refusing a put into an empty window"
        time.sleep(0.02)


def test_a_grant_stamped_later_elsewhere_still_counts(any_url: str) -> None:
    """Another process may stamp its grant a moment after ours; it must count in our window.

    pyrate-limiter's Redis script counted only up to our own timestamp, which let two processes
    starting together take limit+1 slots; the Redis backend patches the script.
    """
    stop = threading.Event()
    with _limiter(any_url, limit=2, per_seconds=60) as limiter:
        bucket = limiter._buckets.bucket("111")  # the bucket behind the account
        later = limiter._buckets.wrap_item("111").timestamp + 200
        _put(bucket, RateItem("111", later))
        _put(bucket, RateItem("111", later))
        threading.Timer(0.2, stop.set).start()
        with pytest.raises(AcquireCancelled):
            limiter.acquire("111", stop=stop)


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_expired_grants_are_cleaned_up(backend: str, tmp_path: Path) -> None:
    url = "memory://" if backend == "memory" else f"sqlite:///{tmp_path / 'ratelimit.db'}"
    limiter = rate_limiter_from_url(
        url, limit=2, per_seconds=0.05, margin_seconds=0, leak_interval_seconds=0.05
    )
    with limiter:
        assert limiter.try_acquire("111")
        assert limiter.try_acquire("111")
        bucket = limiter._buckets.bucket("111")
        deadline = time.monotonic() + 3
        while bucket.count() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert bucket.count() == 0


# --- holds -------------------------------------------------------------------------------------


def test_a_shorter_hold_never_cuts_a_longer_one(any_url: str) -> None:
    with _limiter(any_url) as limiter:
        before = time.time()
        limiter.hold("111", 30)
        limiter.hold("111", 1)
        until = limiter.held_until("111")
        assert until is not None
        assert before + 30 <= until <= time.time() + 30.001  # Redis keeps milliseconds
        assert limiter.held_until("222") is None
        assert limiter.try_acquire("111") is False
        assert limiter.try_acquire("222") is True


def test_a_hold_ends_on_time() -> None:
    now = [1_000.0]
    limiter = MemoryRateLimiter(LIMIT, WINDOW, wall_clock=lambda: now[0])
    with limiter:
        limiter.hold("111", 5)
        limiter.hold("222", 0)
        assert limiter.held_until("111") == 1_005.0
        assert limiter.held_until("222") is None
        now[0] = 1_004.9
        assert limiter.try_acquire("111") is False
        now[0] = 1_005.0
        assert limiter.held_until("111") is None
        assert limiter.try_acquire("111") is True


def test_a_hold_makes_another_process_wait_for_that_account_only(shared_url: str) -> None:
    with _limiter(shared_url) as limiter:
        hold_end: list[float] = []

        def hold() -> None:
            limiter.hold("111", 0.4)
            until = limiter.held_until("111")
            assert until is not None
            hold_end.append(until)

        [grants] = run_workers(shared_url, [["222", "111"]], before_go=hold)
    granted = dict(grants)
    assert granted["222"] < hold_end[0]
    assert granted["111"] >= hold_end[0]


# --- several processes -------------------------------------------------------------------------


def test_two_processes_never_exceed_the_limit_together(shared_url: str) -> None:
    each = 4  # 8 grants at 3 per window need 3 windows
    results = run_workers(shared_url, [["111"] * each] * 2)
    assert [len(grants) for grants in results] == [each, each]
    times = [at for grants in results for _, at in grants]
    assert max_in_window(times, WINDOW) == LIMIT


# --- stopping ----------------------------------------------------------------------------------


@pytest.mark.parametrize("blocked_by", ["window", "hold"])
def test_stop_interrupts_a_blocked_acquire(blocked_by: str, tmp_path: Path) -> None:
    stop = threading.Event()
    outcome: list[tuple[str, float]] = []
    with _limiter(f"sqlite:///{tmp_path / 'ratelimit.db'}", limit=1, per_seconds=60) as limiter:
        if blocked_by == "window":
            limiter.acquire("111")
        else:
            limiter.hold("111", 60)

        def wait() -> None:
            try:
                limiter.acquire("111", stop=stop)
                outcome.append(("granted", time.monotonic()))
            except AcquireCancelled as exc:
                outcome.append((exc.account_id, time.monotonic()))

        waiter = threading.Thread(target=wait)
        waiter.start()
        time.sleep(0.1)
        assert outcome == []
        stopped_at = time.monotonic()
        stop.set()
        waiter.join(5)
    [(result, at)] = outcome
    assert result == "111"
    assert at - stopped_at < 0.2


def test_a_stop_set_beforehand_takes_no_slot() -> None:
    stop = threading.Event()
    stop.set()
    with MemoryRateLimiter(1, 60) as limiter:
        with pytest.raises(AcquireCancelled):
            limiter.acquire("111", stop=stop)
        assert limiter.try_acquire("111") is True


def test_acquire_reports_the_seconds_waited() -> None:
    with MemoryRateLimiter(1, 0.2, margin_seconds=0) as limiter:
        assert limiter.acquire("111") < 0.05
        assert limiter.acquire("111") >= 0.15


def test_a_limiter_refuses_to_work_in_a_forked_child() -> None:
    with MemoryRateLimiter(1, 60) as limiter:
        limiter._pid = -1  # as if this were a child forked after the limiter was opened
        with pytest.raises(RuntimeError, match="each worker process"):
            limiter.acquire("111")


def test_a_bad_table_prefix_is_a_user_error() -> None:
    url = "postgresql+psycopg://u@127.0.0.1:1/db?prefix=Not-A-Table"
    with pytest.raises(UserError, match="table prefix"):
        rate_limiter_from_url(url, limit=1)


def test_an_unreachable_redis_is_reported_plainly() -> None:
    with pytest.raises(DatabaseUnavailable, match="Could not reach Redis"):
        rate_limiter_from_url("redis://127.0.0.1:1/0", limit=1)


def test_a_limit_needs_a_positive_budget_and_window() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        MemoryRateLimiter(0, 60)
    with pytest.raises(ValueError, match="positive"):
        MemoryRateLimiter(1, 0)


# --- choosing the backend ----------------------------------------------------------------------


def test_the_default_is_a_private_sqlite_file_in_the_data_dir() -> None:
    settings = Settings()
    with make_rate_limiter(settings) as limiter:
        assert isinstance(limiter, SQLiteRateLimiter)
        assert limiter.path == settings.data_dir / "ratelimit.db"
        assert stat.S_IMODE(limiter.path.stat().st_mode) == 0o600
        assert (limiter.limit, limiter.per_seconds) == (8, 60.0)


def test_a_sqlite_database_elsewhere_gets_the_file_beside_it(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'db' / 'app.db'}", requests_per_minute=3
    )
    with make_rate_limiter(settings) as limiter:
        assert isinstance(limiter, SQLiteRateLimiter)
        assert limiter.path == tmp_path / "db" / "ratelimit.db"
        assert limiter.limit == 3


def test_rate_limit_url_wins_over_the_database() -> None:
    settings = Settings(rate_limit_url="memory://", database_url="postgresql+psycopg://x@h/db")
    with make_rate_limiter(settings, per_seconds=2) as limiter:
        assert isinstance(limiter, MemoryRateLimiter)
        assert limiter.per_seconds == 2


@pytest.mark.postgres
def test_a_postgres_database_keeps_the_limit_in_its_own_tables(
    postgres_database_url: str,
) -> None:
    prefix = f"airbnb_tui_rate_limit_t{uuid.uuid4().hex[:8]}"
    settings = Settings(database_url=postgres_database_url)
    try:
        with make_rate_limiter(settings) as limiter:
            assert isinstance(limiter, PostgresRateLimiter)
            assert limiter.table_prefix == "airbnb_tui_rate_limit"
        url = _with_query(postgres_database_url, prefix=prefix)
        with rate_limiter_from_url(url, limit=1) as limiter:
            assert isinstance(limiter, PostgresRateLimiter)
            assert limiter.table_prefix == prefix
            assert limiter.try_acquire("111") is True
    finally:
        _drop_postgres_tables(postgres_database_url, "airbnb_tui_rate_limit")


@pytest.mark.redis
def test_a_redis_url_takes_its_key_prefix_from_the_query(redis_url: str) -> None:
    prefix = f"airbnb_tui_test:{uuid.uuid4().hex[:8]}"
    try:
        with rate_limiter_from_url(_with_query(redis_url, prefix=prefix), limit=1) as limiter:
            assert isinstance(limiter, RedisRateLimiter)
            assert limiter.key_prefix == prefix
            assert limiter.try_acquire("111") is True
        client = redis.Redis.from_url(redis_url)
        assert sorted(client.scan_iter(f"{prefix}:*")) == [f"{prefix}:bucket:111".encode()]
        client.close()
    finally:
        _delete_redis_keys(redis_url, prefix)


@pytest.mark.redis
def test_redis_reloads_a_script_it_lost(redis_url: str) -> None:
    """A Redis restart empties its script cache; the next put loads the script again."""
    prefix = f"airbnb_tui_test:{uuid.uuid4().hex[:8]}"
    try:
        with rate_limiter_from_url(_with_query(redis_url, prefix=prefix), limit=1) as limiter:
            bucket = limiter._buckets.bucket("111")
            assert isinstance(bucket, RedisBucket)
            bucket.script_hash = "0" * 40  # what a restarted server no longer knows
            assert limiter.try_acquire("111") is True
            assert limiter.try_acquire("111") is False
            assert bucket.script_hash != "0" * 40
    finally:
        _delete_redis_keys(redis_url, prefix)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"rate_limit_url": "mysql://h/db"}, "RATE_LIMIT_URL must be"),
        ({"rate_limit_url": "sqlite://"}, "needs a file"),
        ({"database_url": "mysql+pymysql://h/db"}, "No shared rate limit store for a mysql"),
    ],
)
def test_an_unusable_url_is_a_user_error(settings: dict[str, str], message: str) -> None:
    with pytest.raises(UserError, match=message):
        make_rate_limiter(Settings.model_validate(settings))


def test_urls_are_prepared_for_their_drivers() -> None:
    assert psycopg_conninfo("postgresql+psycopg://u:p@h:5/db?sslmode=require") == (
        "postgresql://u:p@h:5/db?sslmode=require"
    )
    assert _pop_prefix("redis://h:6379/0?socket_timeout=5&prefix=a:b") == (
        "redis://h:6379/0?socket_timeout=5",
        "a:b",
    )
    assert _pop_prefix("redis://h:6379/0") == ("redis://h:6379/0", None)
    assert _sqlite_file("sqlite:////abs/app.db?timeout=5") == Path("/abs/app.db")
    assert _sqlite_file("sqlite:///rel/app.db") == Path("rel/app.db")
    assert _sqlite_file("sqlite:///:memory:") is None
    assert _sqlite_file("sqlite://") is None


def test_bucket_keys_are_safe_and_distinct() -> None:
    assert bucket_key("123456789") == "123456789"
    odd = [bucket_key(value) for value in ("Ab", "ab'; drop", "1" * 17, "ab")]
    assert odd[3] == "ab"
    assert len(set(odd)) == 4
    for key in odd[:3]:
        assert key.startswith("h")
        assert len(key) == 16
        assert key.isalnum()
        assert key == key.lower()


# --- pacing ------------------------------------------------------------------------------------


class FakeTime:
    """A monotonic clock that only moves when something sleeps (or the test says so)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _pacer(fake: FakeTime, jitter: str, pause: str) -> RequestPacer:
    return RequestPacer(
        SecondsRange.parse(jitter),
        SecondsRange.parse(pause),
        sleep=fake.sleep,
        clock=fake.clock,
        rng=random.Random(7),
    )


def test_request_spacing_is_a_fresh_draw_within_the_range() -> None:
    fake = FakeTime()
    pacer = _pacer(fake, "5-10", "0")
    expected = random.Random(7)
    assert pacer.before_request() == 0.0
    waits = [pacer.before_request() for _ in range(20)]
    assert waits == pytest.approx([expected.uniform(5, 10) for _ in range(20)])
    assert all(5 <= wait <= 10 for wait in waits)
    assert max(fake.sleeps) <= 0.5


def test_time_since_the_last_request_counts_towards_the_spacing() -> None:
    fake = FakeTime()
    pacer = _pacer(fake, "6-6", "0")
    pacer.before_request()
    fake.now += 4.0
    assert pacer.before_request() == pytest.approx(2.0)
    fake.now += 7.0
    assert pacer.before_request() == 0.0
    assert fake.sleeps == pytest.approx([0.5, 0.5, 0.5, 0.5])


def test_listing_pause_is_drawn_within_its_range() -> None:
    fake = FakeTime()
    pacer = _pacer(fake, "0", "15-30")
    expected = random.Random(7)
    pauses = [pacer.between_listings() for _ in range(5)]
    assert pauses == pytest.approx([expected.uniform(15, 30) for _ in range(5)])


def test_zero_turns_pacing_off() -> None:
    fake = FakeTime()
    pacer = _pacer(fake, "0", "0")
    assert [pacer.before_request(), pacer.before_request(), pacer.between_listings()] == [0, 0, 0]
    assert fake.sleeps == []


def test_stop_cuts_a_pause_short() -> None:
    fake = FakeTime()
    stop = threading.Event()

    def sleep_then_stop(seconds: float) -> None:
        fake.sleep(seconds)
        stop.set()

    pacer = RequestPacer(SecondsRange(0, 0), SecondsRange(20, 20), stop=stop, sleep=sleep_then_stop)
    assert pacer.between_listings() == 0.5
    assert pacer.between_listings() == 0.0
    assert fake.sleeps == [0.5]


def test_stop_wakes_a_real_pause() -> None:
    stop = threading.Event()
    pacer = RequestPacer(SecondsRange(0, 0), SecondsRange(30, 30), stop=stop)
    threading.Timer(0.05, stop.set).start()
    assert pacer.between_listings() < 1.0
    assert stop.is_set()


def test_pacer_from_settings_uses_the_configured_ranges() -> None:
    settings = Settings(request_jitter_seconds="1-2", listing_pause_seconds="0")
    pacer = RequestPacer.from_settings(settings)
    assert (pacer.jitter, pacer.listing_pause) == (SecondsRange(1, 2), SecondsRange(0, 0))
