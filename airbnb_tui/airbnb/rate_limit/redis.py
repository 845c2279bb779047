"""The rate limiter in Redis, shared by every worker host that uses the same server."""

from __future__ import annotations

import logging
import math
from typing import Unpack

from pyrate_limiter import AbstractBucket, RateItem, RedisBucket
from pyrate_limiter.buckets.redis_bucket import LuaScript
from redis import Redis, RedisError
from redis.exceptions import NoScriptError

from airbnb_tui.airbnb.rate_limit.base import AccountRateLimiter, LimiterOptions, bucket_key
from airbnb_tui.errors import DatabaseUnavailable

logger = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "airbnb_tui:rate_limit"

# Keep the later of the stored and the new hold end, in one atomic step.
_SAVE_HOLD_LUA = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 0
"""


# pyrate-limiter's script counts a window as ZCOUNT(window_start, now): a grant stamped a moment
# later by another process (or a host whose clock runs ahead) is not counted, and two processes
# starting together were seen taking limit+1 slots. Count everything newer than the window start.
_COUNT_UP_TO_NOW = "redis.call('ZCOUNT', bucket, window_start, now)"
_PUT_ITEM_LUA = LuaScript.PUT_ITEM.replace(
    _COUNT_UP_TO_NOW, "redis.call('ZCOUNT', bucket, window_start, '+inf')"
)


def put_item_script() -> str:
    """pyrate-limiter's check-and-take script with the window counted up to +inf."""
    if _COUNT_UP_TO_NOW not in LuaScript.PUT_ITEM:
        raise RuntimeError(
            "pyrate-limiter's Redis script changed; review airbnb_tui/airbnb/rate_limit/redis.py"
        )
    return _PUT_ITEM_LUA


class _RedisAccountBucket(RedisBucket):
    """pyrate-limiter's Redis bucket with the corrected script, reloaded if Redis lost it (a
    restart empties the script cache). A failed cleanup is logged instead of killing the shared
    leak thread for good, and a cleanup racing ``close()`` stays quiet."""

    _closing = False

    def put(self, item: RateItem) -> bool:
        try:
            granted = super().put(item)
        except NoScriptError:
            loaded = self.redis.script_load(put_item_script())
            if not isinstance(loaded, str):
                raise TypeError("the Redis rate limit needs a synchronous client") from None
            self.script_hash = loaded
            granted = super().put(item)
        if not isinstance(granted, bool):
            raise TypeError("the Redis rate limit needs a synchronous client")
        return granted

    def leak(self, current_timestamp: int | None = None) -> int:
        if self._closing:
            return 0
        try:
            removed = super().leak(current_timestamp)
        except Exception as exc:  # redis-py raises AttributeError on a connection closed under it
            if not self._closing:
                logger.warning("could not clean up rate limit key %s: %s", self.bucket_key, exc)
            return 0
        return removed if isinstance(removed, int) else 0

    def close(self) -> None:
        self._closing = True


class RedisRateLimiter(AccountRateLimiter):
    """A sorted set per account (``{key_prefix}:bucket:{account}``) and a hold key with a TTL
    (``{key_prefix}:hold:{account}``).

    pyrate-limiter checks and takes in one Lua script, so it is atomic without a lock. Grants are
    stamped with each host's wall clock: hosts sharing a Redis must keep their clocks in sync
    (the margin absorbs milliseconds, not seconds).
    """

    def __init__(
        self,
        url: str,
        limit: int,
        per_seconds: float,
        *,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        **options: Unpack[LimiterOptions],
    ) -> None:
        self.key_prefix = key_prefix
        self._redis = Redis.from_url(url)
        try:
            self._redis.ping()
            self._save_hold_script = self._redis.register_script(_SAVE_HOLD_LUA)
            self._put_script_hash = self._redis.script_load(put_item_script())
        except RedisError as exc:
            self._redis.close()
            raise DatabaseUnavailable(
                "Could not reach Redis for the rate limit; check RATE_LIMIT_URL and that the "
                f"server is running ({type(exc).__name__})."
            ) from exc
        super().__init__(limit, per_seconds, **options)

    def _key(self, kind: str, account_id: str) -> str:
        return f"{self.key_prefix}:{kind}:{bucket_key(account_id)}"

    def _make_bucket(self, account_id: str) -> AbstractBucket:
        key = self._key("bucket", account_id)
        return _RedisAccountBucket(self._rates, self._redis, key, self._put_script_hash)

    def _save_hold(self, account_id: str, until: float) -> None:
        ttl_ms = max(1, math.ceil((until - self._wall_clock()) * 1000)) + 1000
        self._save_hold_script(
            keys=[self._key("hold", account_id)], args=[math.ceil(until * 1000), ttl_ms]
        )

    def _load_hold(self, account_id: str) -> float | None:
        value = self._redis.get(self._key("hold", account_id))
        return None if value is None else int(value) / 1000

    def _close_backend(self) -> None:
        self._redis.close()
