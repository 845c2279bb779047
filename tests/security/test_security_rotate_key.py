"""``airbnb-tui db rotate-key``: one transaction, the key file written only after the commit,
and no crash point that leaves a cookie no key on disk opens."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from airbnb_tui import secrets as secrets_module
from airbnb_tui.airbnb.credentials import parse_credentials
from airbnb_tui.commands import db as db_commands
from airbnb_tui.config import Settings, load_settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import Account, CredentialStatus
from airbnb_tui.db.open import open_database
from airbnb_tui.secrets import CookieCipher, KeyFiles, SecretKeyError, key_fingerprint
from airbnb_tui.services import accounts
from airbnb_tui.sync import accounts as credential_store
from tests.cli.cli_helpers import run_main
from tests.security.leaks import sentinel_accounts

ACCOUNTS = sentinel_accounts(3, listings=1)


class Crash(BaseException):
    """The process dying at this point: no except clause or cleanup of ours runs."""


def _add_all(db: Database, settings: Settings) -> None:
    cipher = CookieCipher.from_settings(settings)
    for account in ACCOUNTS:
        accounts.add_account(
            db,
            cipher,
            parse_credentials(account.cookie_header()),
            account_id=account.account_id,
            status=CredentialStatus.VALID,
        )


def _sealed(db: Database) -> dict[str, str]:
    with db.read() as session:
        return dict(session.execute(select(Account.account_id, Account.cookie_encrypted)).all())


def _assert_all_open(db: Database, cipher: CookieCipher) -> None:
    for account in ACCOUNTS:
        opened = credential_store.load_credentials(db, cipher, account.account_id)
        assert opened.cookie_header() == account.cookie_header()


def _opens_with(key: str, token: str) -> bool:
    try:
        CookieCipher(key).decrypt(token)
    except SecretKeyError:
        return False
    return True


@pytest.fixture
def app_db() -> Any:
    db = open_database(load_settings())
    try:
        yield db
    finally:
        db.dispose()


def test_rotate_key_round_trip(app_db: Database) -> None:
    settings = load_settings()
    _add_all(app_db, settings)
    files = KeyFiles(settings.key_file)
    old_key = settings.key_file.read_text().strip()
    before = _sealed(app_db)
    running = CookieCipher.from_settings(settings)  # a worker's cipher, opened before

    result = run_main(["db", "rotate-key"])

    assert result.code == 0, result
    new_key = settings.key_file.read_text().strip()
    assert new_key != old_key
    assert result.stdout == (
        "Re-encrypted 3 stored cookies.\n"
        f"The new key (#{key_fingerprint(new_key)}) is in {settings.key_file}; the previous one "
        "is kept in secret.key.old until the next rotation. Back up the new key file: without it "
        "the cookies cannot be opened.\n"
    )
    assert files.read(files.old) == old_key
    assert not files.new.exists()
    assert (settings.key_file.stat().st_mode & 0o777, files.old.stat().st_mode & 0o777) == (
        0o600,
        0o600,
    )
    after = _sealed(app_db)
    for account_id, token in after.items():
        assert token != before[account_id]
        assert _opens_with(new_key, token)
        assert not _opens_with(old_key, token)
    _assert_all_open(app_db, CookieCipher.from_settings(load_settings(), create=False))
    # A process that opened its cipher before the rotation follows the new key file at once.
    _assert_all_open(app_db, running)
    assert _opens_with(new_key, running.encrypt("a=bcdefgh"))


def test_rotation_on_each_backend_skips_removed_accounts(db: Database) -> None:
    settings = load_settings()
    _add_all(db, settings)
    removed = ACCOUNTS[2].account_id
    accounts.remove_account(db, removed)
    rotation = db_commands.rotate_key(settings, db, None)
    assert (rotation.cookies, rotation.resumed, rotation.key_file) == (2, False, settings.key_file)
    sealed = _sealed(db)
    assert sealed[removed] == ""
    new_key = settings.key_file.read_text().strip()
    assert all(_opens_with(new_key, sealed[a.account_id]) for a in ACCOUNTS[:2])


def test_new_key_file_option(app_db: Database, tmp_path: Path) -> None:
    settings = load_settings()
    _add_all(app_db, settings)
    wanted = Fernet.generate_key().decode()
    source = tmp_path / "new.key"
    source.write_text(wanted + "\n")
    result = run_main(["db", "rotate-key", "--new-key-file", str(source)])
    assert result.code == 0, result
    assert settings.key_file.read_text().strip() == wanted
    _assert_all_open(app_db, CookieCipher(wanted))


def test_a_short_or_identical_new_key_is_refused(app_db: Database, tmp_path: Path) -> None:
    settings = load_settings()
    _add_all(app_db, settings)
    before = _sealed(app_db)
    short = tmp_path / "short.key"
    short.write_text("hunter2\n")
    refused = run_main(["db", "rotate-key", "--new-key-file", str(short)])
    assert refused.code == 2
    assert refused.stderr.startswith(f"Error: The new key in {short} is too short: use a Fernet")
    same = tmp_path / "same.key"
    same.write_text(settings.key_file.read_text())
    again = run_main(["db", "rotate-key", "--new-key-file", str(same)])
    assert again.code == 2
    assert again.stderr == "Error: The new key is the key in use now; give a different one.\n"
    assert _sealed(app_db) == before
    files = KeyFiles(settings.key_file)
    assert not files.new.exists()


def test_with_the_key_in_the_environment(
    app_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRBNB_TUI_SECRET_KEY", "the-old-environment-key-000000000000")
    settings = load_settings()
    _add_all(app_db, settings)
    needs_file = run_main(["db", "rotate-key"])
    assert needs_file.code == 2
    assert needs_file.stderr.startswith("Error: AIRBNB_TUI_SECRET_KEY is set, so the new key")

    new_key = Fernet.generate_key().decode()
    source = tmp_path / "new.key"
    source.write_text(new_key)
    result = run_main(["db", "rotate-key", "--new-key-file", str(source)])
    assert result.code == 0, result
    assert result.stdout == (
        "Re-encrypted 3 stored cookies.\n"
        f"The cookies are now sealed with the key in {source} (#{key_fingerprint(new_key)}). "
        "Set AIRBNB_TUI_SECRET_KEY to that key wherever airbnb-tui and airbnb-worker run, and "
        "restart them: the old key no longer opens the cookies.\n"
    )
    assert sorted(p.name for p in settings.data_dir.glob("secret.key*")) == []
    with pytest.raises(SecretKeyError, match="AIRBNB_TUI_SECRET_KEY does not open"):
        credential_store.load_credentials(
            app_db, CookieCipher.from_settings(load_settings()), ACCOUNTS[0].account_id
        )
    monkeypatch.setenv("AIRBNB_TUI_SECRET_KEY", new_key)
    _assert_all_open(app_db, CookieCipher.from_settings(load_settings()))


def test_a_cookie_no_key_opens_stops_the_rotation_with_nothing_changed(app_db: Database) -> None:
    settings = load_settings()
    _add_all(app_db, settings)
    stranger = ACCOUNTS[1].account_id
    with app_db.write() as session:
        account = session.get(Account, stranger)
        assert account is not None
        account.cookie_encrypted = CookieCipher("a-key-nobody-has-anymore").encrypt("a=bcdefg")
    before = _sealed(app_db)
    key_before = settings.key_file.read_text()

    result = run_main(["db", "rotate-key"])

    assert result.code == 2
    assert result.stderr.startswith(
        f"Error: The cookie of account {stranger} cannot be opened with the current key"
    )
    assert _sealed(app_db) == before
    assert settings.key_file.read_text() == key_before
    assert sorted(p.name for p in settings.data_dir.glob("secret.key*")) == [
        "secret.key",
        "secret.key.lock",
    ]


def test_only_one_rotation_at_a_time(app_db: Database) -> None:
    settings = load_settings()
    _add_all(app_db, settings)
    with KeyFiles(settings.key_file).locked():
        result = run_main(["db", "rotate-key"])
    assert result.code == 2
    assert result.stderr == (
        "Error: Another `airbnb-tui db rotate-key` is running on this data dir; wait for it.\n"
    )


# Crash points -----------------------------------------------------------------------------------


def _crash_on_call(target: Any, name: str, number: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``target.name`` die on its ``number``-th call (earlier calls go through)."""
    real: Callable[..., Any] = getattr(target, name)
    calls = [0]

    def dying(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == number:
            raise Crash(f"{name} call {number}")
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, dying)


def _crash_after_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    real = db_commands.reencrypt_cookies

    def committed_then_dead(db: Database, cipher: CookieCipher) -> int:
        real(db, cipher)
        raise Crash("after the commit")

    monkeypatch.setattr(db_commands, "reencrypt_cookies", committed_then_dead)


CRASH_POINTS: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "copying the old key": lambda mp: _crash_on_call(os, "replace", 1, mp),
    "staging the new key": lambda mp: _crash_on_call(os, "replace", 2, mp),
    "before the transaction": lambda mp: _crash_on_call(db_commands, "reencrypt_cookies", 1, mp),
    "after the commit": _crash_after_commit,
    "replacing the key file": lambda mp: _crash_on_call(os, "replace", 3, mp),
    # after the rename of the key file, before its directory is synced
    "syncing the directory": lambda mp: _crash_on_call(secrets_module, "sync_dir", 3, mp),
}


@pytest.mark.parametrize("point", list(CRASH_POINTS))
def test_no_crash_point_loses_a_cookie(
    point: str, app_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings()
    _add_all(app_db, settings)
    original_key = settings.key_file.read_text().strip()
    worker_cipher = CookieCipher.from_settings(settings)  # opened before, lives through it all

    with monkeypatch.context() as patch:
        CRASH_POINTS[point](patch)
        with pytest.raises(Crash):
            db_commands.rotate_key(settings, app_db, None)

    # Right after the crash, every cookie opens: for a new process and for a running one.
    _assert_all_open(app_db, CookieCipher.from_settings(load_settings(), create=False))
    _assert_all_open(app_db, worker_cipher)
    if point == "after the commit":
        # The cookies are sealed with the staged key while secret.key still holds the old one:
        # secret.key.new is what opens them.
        staged = KeyFiles(settings.key_file).read(KeyFiles(settings.key_file).new)
        assert staged is not None
        assert settings.key_file.read_text().strip() == original_key
        assert all(_opens_with(staged, t) for t in _sealed(app_db).values())
        assert not any(_opens_with(original_key, t) for t in _sealed(app_db).values())

    # Running the command again finishes the job.
    result = run_main(["db", "rotate-key"])
    assert result.code == 0, result
    final_key = settings.key_file.read_text().strip()
    assert final_key != original_key
    assert not KeyFiles(settings.key_file).new.exists()
    assert list(settings.data_dir.glob(".secret.key*.tmp")) == []
    assert all(_opens_with(final_key, t) for t in _sealed(app_db).values())
    _assert_all_open(app_db, CookieCipher.from_settings(load_settings(), create=False))
    _assert_all_open(app_db, worker_cipher)
