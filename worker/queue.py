"""The huey instance, chosen by QUEUE_URL: a SQLite file (default), PostgreSQL or Redis.

The queue only carries job ids; the database row is the truth. Each backend is huey's own
storage class behind the one Huey interface, picked here by the URL's scheme.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from huey import Huey, PostgresHuey, RedisHuey, SqliteHuey

from airbnb_tui.config import Settings
from airbnb_tui.errors import UserError
from airbnb_tui.locations import ensure_private_dir, ensure_private_file


def make_huey(settings: Settings, *, immediate: bool = False) -> Huey:
    url = settings.effective_queue_url
    scheme = urlsplit(url).scheme.split("+")[0]
    name = settings.queue_name
    if scheme == "sqlite":
        file = Path(url.split("sqlite:///", 1)[-1])
        if file.parent == settings.data_dir:
            ensure_private_dir(file.parent)
        file.parent.mkdir(parents=True, exist_ok=True)
        ensure_private_file(file)
        return SqliteHuey(
            name, filename=str(file), journal_mode="wal", timeout=30, immediate=immediate
        )
    if scheme in ("postgresql", "postgres"):
        dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
        return _postgres_huey(name, dsn, immediate)
    if scheme in ("redis", "rediss"):
        return RedisHuey(name, url=url, immediate=immediate)
    raise UserError(
        f"AIRBNB_TUI_QUEUE_URL must start with sqlite:///, postgresql:// or redis://; got "
        f"{scheme or 'nothing'}."
    )


def _postgres_huey(name: str, dsn: str, immediate: bool) -> Huey:
    """huey's PostgreSQL queue. It creates its tables with CREATE TABLE IF NOT EXISTS, which
    PostgreSQL does not make safe against a concurrent create: of several workers starting
    together on a new database, all but one fail on a unique violation — raised only once the
    winner has committed, so the tables exist and a second try succeeds."""
    import psycopg

    try:
        return PostgresHuey(name, dsn=dsn, immediate=immediate)
    except psycopg.errors.UniqueViolation:
        return PostgresHuey(name, dsn=dsn, immediate=immediate)
