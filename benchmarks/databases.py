"""Throw-away databases for benchmarks: a SQLite file in a temp dir, or a PostgreSQL database
created under a unique name and dropped afterwards."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from airbnb_tui.db.engine import Database
from airbnb_tui.db.migrate import upgrade

POSTGRES_ENV = ("AIRBNB_TUI_BENCH_POSTGRES_URL", "AIRBNB_TUI_TEST_POSTGRES_URL")
REDIS_ENV = ("AIRBNB_TUI_BENCH_REDIS_URL", "AIRBNB_TUI_TEST_REDIS_URL")


def _first_env(names: tuple[str, ...]) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def postgres_server_url() -> str | None:
    """The PostgreSQL server to create benchmark databases on, if one is configured."""
    return _first_env(POSTGRES_ENV)


def redis_server_url() -> str | None:
    return _first_env(REDIS_ENV)


def backends(wanted: str) -> list[str]:
    """``sqlite``, ``postgres`` or ``both``; PostgreSQL only when a server is configured."""
    chosen = ["sqlite", "postgres"] if wanted == "both" else [wanted]
    if "postgres" in chosen and postgres_server_url() is None:
        print(f"(PostgreSQL skipped: set {POSTGRES_ENV[0]} or {POSTGRES_ENV[1]})")
        chosen.remove("postgres")
    return chosen


@contextmanager
def postgres_database(prefix: str = "airbnb_tui_bench") -> Iterator[str]:
    """A new, empty PostgreSQL database; dropped (with any connections) when the block ends."""
    server = postgres_server_url()
    if server is None:
        raise RuntimeError(f"set {POSTGRES_ENV[0]} to benchmark PostgreSQL")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def scratch_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="airbnb-tui-bench-") as folder:
        yield Path(folder)


@contextmanager
def database_url(backend: str) -> Iterator[str]:
    """An empty database of ``backend`` (``sqlite`` or ``postgres``) for the block."""
    if backend == "postgres":
        with postgres_database() as url:
            yield url
        return
    with scratch_dir() as folder:
        yield f"sqlite:///{folder / 'bench.db'}"


def reset_schema(url: str) -> Database:
    """Empty the database at ``url`` and migrate it to head; the caller disposes of it."""
    if make_url(url).get_backend_name() == "postgresql":
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    db = Database(url)
    upgrade(db)
    return db
