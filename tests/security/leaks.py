"""Sentinel secrets and the searches that prove they went nowhere.

Sandbox accounts here carry cookies whose ``_aat``, session id and ``bev`` values contain one
unique string, and the sandbox expects an API key that is just as unique. Every place a secret
could end up — log records, the database as stored, files in the data dir, command output — is
then searched for those strings.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy import inspect, text

from airbnb_tui.db.engine import Database, sqlite_path
from airbnb_tui.sandbox import SandboxAccount, demo_sandbox_accounts

SENTINEL = f"SnTnL{uuid.uuid4().hex[:12]}"
SENTINEL_API_KEY = f"apikey{uuid.uuid4().hex}"

# Logger -> the level the spy sets (SQLAlchemy at INFO would echo every statement).
SPIED_LOGGERS = {
    "airbnb_tui": logging.DEBUG,
    "worker": logging.DEBUG,
    "airbnb_worker": logging.DEBUG,
    "huey": logging.DEBUG,
    "urllib3": logging.DEBUG,
    "requests": logging.DEBUG,
    "sqlalchemy": logging.WARNING,
}


def sentinel_accounts(n_accounts: int = 1, listings: int = 4) -> list[SandboxAccount]:
    """Demo accounts whose every cookie value of any length carries :data:`SENTINEL`."""
    return [
        dataclasses.replace(
            account,
            token=f"0%7C{SENTINEL}aat{index}",
            session_id=f"{SENTINEL}session{index}",
            bev=f"1736640000_{SENTINEL}bev{index}",
        )
        for index, account in enumerate(demo_sandbox_accounts(n_accounts, listings))
    ]


def needles(accounts: Iterable[SandboxAccount], extra_tokens: Iterable[str] = ()) -> list[str]:
    """Every string that must not appear: the sentinel, the API key, and each ``_aat`` value
    (rotated ones included), raw and URL-decoded."""
    found = {SENTINEL, SENTINEL_API_KEY}
    for token in [*(a.token for a in accounts), *extra_tokens]:
        found.add(token)
        found.add(unquote(token))
    return sorted(found)


def find_leaks(places: Mapping[str, str | bytes], secrets: Iterable[str]) -> list[str]:
    """``"where: secret…"`` for every secret found somewhere (shortened: the report itself
    must not become the leak)."""
    hits = []
    wanted = list(secrets)
    for where, content in places.items():
        for secret in wanted:
            needle: str | bytes = secret.encode() if isinstance(content, bytes) else secret
            if needle in content:  # type: ignore[operator]
                hits.append(f"{where}: {secret[:6]}…")
    return hits


def stored_database_text(db: Database) -> dict[str, str]:
    """Each table's rows as the database renders them (``row::text`` on PostgreSQL)."""
    names = inspect(db.engine).get_table_names()
    out: dict[str, str] = {}
    with db.engine.connect() as conn:
        for name in names:
            if db.is_sqlite:
                rows = conn.execute(text(f'SELECT * FROM "{name}"')).all()
                out[f"table {name}"] = "\n".join(repr(tuple(row)) for row in rows)
            else:
                rows = conn.execute(text(f'SELECT t::text FROM "{name}" t')).all()
                out[f"table {name}"] = "\n".join(str(row[0]) for row in rows)
    return out


def raw_database_files(db: Database) -> dict[str, bytes]:
    """The SQLite file and its WAL as bytes: what is on disk, freed pages included."""
    path = sqlite_path(db.url)
    if path is None:
        return {}
    out = {}
    for suffix in ("", "-wal", "-journal"):
        file = path.with_name(path.name + suffix)
        if file.exists():
            out[f"file {file.name}"] = file.read_bytes()
    return out


def data_dir_files(data_dir: Path) -> dict[str, bytes]:
    """Every file under the data dir except the key files (which hold the key, not cookies)."""
    out = {}
    for file in sorted(data_dir.rglob("*")):
        if file.is_file() and not file.name.startswith("secret.key"):
            out[f"file {file.relative_to(data_dir)}"] = file.read_bytes()
    return out


class LogSpy(logging.Handler):
    """Keeps every record as plain (unredacted) text with its traceback: a secret must not be
    *logged* at all, not merely be masked on the way out."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@contextmanager
def spy_on_logs() -> Iterator[LogSpy]:
    """Attach a :class:`LogSpy` at DEBUG to the loggers of the product and its libraries.

    They are attached below the root logger because the CLI's ``main()`` replaces the root
    handlers on every call.
    """
    spy = LogSpy()
    saved = []
    for name, level in SPIED_LOGGERS.items():
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        logger.setLevel(level)
        logger.addHandler(spy)
    try:
        yield spy
    finally:
        for logger, level in saved:
            logger.removeHandler(spy)
            logger.setLevel(level)
