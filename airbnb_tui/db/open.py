"""Opening the configured database: private files, the schema at head, clear errors."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from airbnb_tui.config import Settings
from airbnb_tui.db.engine import Database, sqlite_path
from airbnb_tui.db.migrate import ensure_schema
from airbnb_tui.errors import DatabaseUnavailable, SchemaOutOfDate
from airbnb_tui.locations import ensure_private_dir, ensure_private_file


def prepare_data_dir(settings: Settings) -> None:
    ensure_private_dir(settings.data_dir)


def open_database(settings: Settings, *, migrate: bool = True) -> Database:
    """Open the configured database, bringing the embedded default up to date by itself.

    Raises SchemaOutOfDate (exit 2) when a non-default database is behind, and
    DatabaseUnavailable when the server does not answer.
    """
    prepare_data_dir(settings)
    url = settings.effective_database_url
    db = Database(url)
    path = sqlite_path(url)
    if path is not None:
        ensure_private_file(path)
    if not migrate:
        return db
    try:
        ensure_schema(db, auto_upgrade=settings.is_default_database)
    except SchemaOutOfDate:
        db.dispose()
        raise
    except OperationalError as exc:
        db.dispose()
        raise DatabaseUnavailable(
            f"Cannot reach the database ({describe_url(url)}): {_first_line(exc)}. "
            "Check AIRBNB_TUI_DATABASE_URL and that the server is running."
        ) from exc
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            sidecar = path.with_name(path.name + suffix)
            if sidecar.exists():
                ensure_private_file(sidecar)
    return db


def describe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
