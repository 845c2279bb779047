"""Opening the database: the embedded default migrates itself, others ask for `db upgrade`."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import inspect

from airbnb_tui.config import load_settings
from airbnb_tui.db import migrate
from airbnb_tui.db.open import open_database
from airbnb_tui.errors import UserError
from airbnb_tui.exit_codes import ExitCode
from airbnb_tui.hints import describe


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_embedded_default_migrates_itself_with_private_files(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "fresh" / "data")
    db = open_database(settings)
    try:
        assert migrate.current_revision(db) == migrate.head_revision()
        assert "sync_jobs" in inspect(db.engine).get_table_names()
    finally:
        db.dispose()
    assert _mode(settings.data_dir) == 0o700
    assert _mode(settings.data_dir / "airbnb.db") == 0o600


def test_opening_twice_is_a_no_op(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    open_database(settings).dispose()
    db = open_database(settings)
    try:
        assert migrate.current_revision(db) == migrate.head_revision()
    finally:
        db.dispose()


def test_explicit_database_behind_asks_for_db_upgrade(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, database_url=database_url)
    with pytest.raises(UserError) as info:
        open_database(settings)
    assert info.value.exit_code == ExitCode.BAD_INPUT
    assert "airbnb-tui db upgrade" in describe(info.value)
    assert "\n" not in describe(info.value)


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path,
        database_url="postgresql+psycopg://nobody:secretpw@127.0.0.1:1/none",
    )
    with pytest.raises(UserError) as info:
        open_database(settings)
    assert "Cannot reach the database" in info.value.message
    assert "secretpw" not in info.value.message
