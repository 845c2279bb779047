"""Schema migrations: upgrade to head, and tell whether a database is behind.

The embedded SQLite default migrates itself on first use; any other database must be upgraded on
purpose with ``airbnb-tui db upgrade`` (a shared PostgreSQL is not ours to change silently).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock

from airbnb_tui.db.engine import Database, sqlite_path
from airbnb_tui.errors import SchemaOutOfDate

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database, revision: str = "head") -> None:
    cfg = alembic_config(db.url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(db: Database, revision: str = "base") -> None:
    cfg = alembic_config(db.url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def ensure_schema(db: Database, *, auto_upgrade: bool) -> None:
    """Make sure ``db`` is at head: upgrade it if allowed, else raise SchemaOutOfDate."""
    head = head_revision()
    current = current_revision(db)
    if current == head:
        return
    if not auto_upgrade:
        raise SchemaOutOfDate(current, head)
    path = sqlite_path(db.url)
    # Several processes (dashboard, worker, CLI) may open a fresh data dir at the same moment.
    lock = FileLock(str(path) + ".migrate.lock", mode=0o600) if path else None
    if lock is None:
        upgrade(db)
        return
    with lock:
        if current_revision(db) != head:
            upgrade(db)
