"""Choose the rate limit backend from a URL, the way the queue and the database are chosen."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Unpack
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from airbnb_tui.airbnb.rate_limit.base import AccountRateLimiter, LimiterOptions
from airbnb_tui.errors import UserError
from airbnb_tui.locations import ensure_private_dir

if TYPE_CHECKING:
    from airbnb_tui.config import Settings

RATE_LIMIT_FILE = "ratelimit.db"

_URL_HELP = "RATE_LIMIT_URL must be sqlite:///PATH, postgresql+psycopg://…, redis://… or memory://"


def make_rate_limiter(settings: Settings, *, per_seconds: float = 60.0) -> AccountRateLimiter:
    """The limiter every worker process of this deployment shares.

    ``RATE_LIMIT_URL`` wins when set. Otherwise it follows the database: beside a SQLite database
    a ``ratelimit.db`` file of its own (in the data dir for an in-memory one); with PostgreSQL,
    tables in the same database.
    """
    url = settings.rate_limit_url or _url_from_database(settings)
    return rate_limiter_from_url(url, limit=settings.requests_per_minute, per_seconds=per_seconds)


def rate_limiter_from_url(
    url: str, *, limit: int, per_seconds: float = 60.0, **options: Unpack[LimiterOptions]
) -> AccountRateLimiter:
    """``limit`` requests per rolling ``per_seconds`` for each account, kept at ``url``.

    ``sqlite:///PATH`` (a file of its own), ``postgresql+psycopg://…`` or ``redis://…`` (both
    accept ``?prefix=`` for the table / key prefix), or ``memory://`` (this process only).
    """
    # Backends are imported on use: a SQLite deployment never loads psycopg or redis.
    base = _backend(url)
    if base == "memory":
        from airbnb_tui.airbnb.rate_limit.memory import MemoryRateLimiter

        return MemoryRateLimiter(limit, per_seconds, **options)
    if base == "sqlite":
        return _sqlite(url, limit, per_seconds, options)
    if base in ("postgresql", "postgres"):
        from airbnb_tui.airbnb.rate_limit.postgres import DEFAULT_TABLE_PREFIX, PostgresRateLimiter

        clean, prefix = _pop_prefix(url)
        try:
            return PostgresRateLimiter(
                clean, limit, per_seconds, table_prefix=prefix or DEFAULT_TABLE_PREFIX, **options
            )
        except ValueError as exc:
            raise UserError(f"Rate limit URL: {exc}.") from exc
    if base in ("redis", "rediss", "unix"):
        from airbnb_tui.airbnb.rate_limit.redis import DEFAULT_KEY_PREFIX, RedisRateLimiter

        clean, prefix = _pop_prefix(url)
        return RedisRateLimiter(
            clean, limit, per_seconds, key_prefix=prefix or DEFAULT_KEY_PREFIX, **options
        )
    raise UserError(_URL_HELP)


def _url_from_database(settings: Settings) -> str:
    database_url = settings.effective_database_url
    backend = _backend(database_url)
    if backend in ("postgresql", "postgres"):
        return database_url
    if backend == "sqlite":
        database = _sqlite_file(database_url)
        folder = settings.data_dir if database is None else database.parent
        if folder == settings.data_dir:
            ensure_private_dir(folder)
        return f"sqlite:///{folder / RATE_LIMIT_FILE}"
    raise UserError(
        f"No shared rate limit store for a {backend} database; set AIRBNB_TUI_RATE_LIMIT_URL."
    )


def _backend(url: str) -> str:
    return url.partition("://")[0].lower().split("+", 1)[0]


def _sqlite_file(url: str) -> Path | None:
    """The file of an SQLAlchemy-style SQLite URL (``sqlite:///relative``, ``sqlite:////abs``),
    or None for an in-memory database.

    Parsed here rather than with SQLAlchemy so that a process which only needs the limiter (a
    test's helper process, say) does not pay for importing it.
    """
    rest = url.partition("://")[2]
    database = rest[1:].partition("?")[0] if rest.startswith("/") else ""
    return None if database in ("", ":memory:") else Path(database)


def _sqlite(
    url: str, limit: int, per_seconds: float, options: LimiterOptions
) -> AccountRateLimiter:
    from airbnb_tui.airbnb.rate_limit.sqlite import SQLiteRateLimiter

    database = _sqlite_file(url)
    if database is None:
        raise UserError("A SQLite rate limit needs a file that every worker process can open.")
    return SQLiteRateLimiter(database, limit, per_seconds, **options)


def _pop_prefix(url: str) -> tuple[str, str | None]:
    """Split ``?prefix=`` (ours) off a URL whose other query options belong to the driver."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((value for key, value in query if key == "prefix"), None)
    rest = urlencode([(key, value) for key, value in query if key != "prefix"])
    return urlunsplit(parts._replace(query=rest)), prefix or None
