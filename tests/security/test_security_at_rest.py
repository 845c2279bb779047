"""Cookies at rest: sealed in the database, and a missing or wrong key is a clear error that
names the fix — never a crash, never an emptied cookie, never a key made up on the spot."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from airbnb_tui.airbnb.credentials import parse_credentials
from airbnb_tui.config import load_settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import CredentialStatus, JobTrigger
from airbnb_tui.errors import SecretKeyError
from airbnb_tui.hints import describe
from airbnb_tui.sandbox import SandboxServer
from airbnb_tui.secrets import CookieCipher
from airbnb_tui.services import accounts
from airbnb_tui.sync import accounts as credential_store
from airbnb_tui.sync import jobs
from airbnb_tui.sync.runner import JobRunner
from tests.cli.cli_helpers import run_main
from tests.security.leaks import (
    SENTINEL,
    find_leaks,
    raw_database_files,
    sentinel_accounts,
    stored_database_text,
)

ACCOUNT = sentinel_accounts(1, listings=2)[0]


def _add(db: Database, cipher: CookieCipher) -> str:
    accounts.add_account(
        db,
        cipher,
        parse_credentials(ACCOUNT.cookie_header()),
        account_id=ACCOUNT.account_id,
        status=CredentialStatus.VALID,
    )
    return ACCOUNT.account_id


def _raw_cookie(db: Database, account_id: str) -> str:
    with db.engine.connect() as conn:
        value = conn.execute(
            text("SELECT cookie_encrypted FROM accounts WHERE account_id = :id"), {"id": account_id}
        ).scalar_one()
    return str(value)


def test_cookies_are_stored_sealed_and_open_again(db: Database) -> None:
    settings = load_settings()
    cipher = CookieCipher.from_settings(settings)
    account_id = _add(db, cipher)
    raw = _raw_cookie(db, account_id)
    assert SENTINEL not in raw
    assert raw.startswith("gAAAAA")  # a Fernet token
    places: dict[str, str | bytes] = {**stored_database_text(db), **raw_database_files(db)}
    assert find_leaks(places, [SENTINEL]) == []
    # The canary: the same search finds the sentinel when it is stored in the clear.
    with db.write() as session:
        session.execute(text("UPDATE accounts SET label = :v"), {"v": f"x{SENTINEL}x"})
    assert find_leaks(stored_database_text(db), [SENTINEL]) == [f"table accounts: {SENTINEL[:6]}…"]
    # A fresh cipher (another process) opens it with the key file created on first use.
    assert settings.key_file.exists()
    again = CookieCipher.from_settings(load_settings(), create=False)
    assert credential_store.load_credentials(db, again, account_id).cookie_header() == (
        ACCOUNT.cookie_header()
    )


def test_reading_never_creates_a_key(db: Database) -> None:
    settings = load_settings()
    cipher = CookieCipher.from_settings(settings)
    assert not settings.key_file.exists()
    with pytest.raises(SecretKeyError):
        cipher.decrypt("gAAAAAB-not-a-token")
    assert not settings.key_file.exists()
    with pytest.raises(SecretKeyError, match="does not exist"):
        CookieCipher.from_settings(settings, create=False)


def test_missing_key_file_with_sealed_rows_names_the_fix(db: Database) -> None:
    settings = load_settings()
    account_id = _add(db, CookieCipher.from_settings(settings))
    sealed = _raw_cookie(db, account_id)
    key = settings.key_file.read_text()
    settings.key_file.unlink()

    cipher = CookieCipher.from_settings(settings)
    with pytest.raises(SecretKeyError) as caught:
        credential_store.load_credentials(db, cipher, account_id)
    assert describe(caught.value) == (
        f"No secret key: {settings.key_file} does not exist and AIRBNB_TUI_SECRET_KEY is not set. "
        "Restore the key file from a backup or set AIRBNB_TUI_SECRET_KEY to the key the cookies "
        "were saved with; if that key is lost, add each account's cookie again with "
        "`airbnb-tui accounts update ACCOUNT_ID --cookie-file PATH`."
    )
    assert not settings.key_file.exists()  # no new key was made up
    assert _raw_cookie(db, account_id) == sealed  # nothing emptied

    settings.key_file.write_text(key)  # restored from a backup: everything opens again
    assert credential_store.load_credentials(db, cipher, account_id).cookie_header() == (
        ACCOUNT.cookie_header()
    )


def test_wrong_environment_key_names_the_fix(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    account_id = _add(db, CookieCipher.from_settings(load_settings()))
    monkeypatch.setenv("AIRBNB_TUI_SECRET_KEY", "not-the-key-the-cookies-were-sealed-with")
    settings = load_settings()
    with pytest.raises(SecretKeyError) as caught:
        credential_store.load_credentials(db, CookieCipher.from_settings(settings), account_id)
    assert describe(caught.value) == (
        "AIRBNB_TUI_SECRET_KEY does not open the stored cookies. Set it to the key they were "
        f"saved with (or unset it to use {settings.key_file}); if that key is lost, add each "
        "account's cookie again with `airbnb-tui accounts update ACCOUNT_ID --cookie-file PATH`."
    )


def test_wrong_key_file_names_the_fix(db: Database) -> None:
    settings = load_settings()
    account_id = _add(db, CookieCipher.from_settings(settings))
    settings.key_file.write_text("some-other-key-entirely\n")
    with pytest.raises(SecretKeyError, match=r"^The key in .*secret\.key does not open"):
        credential_store.load_credentials(db, CookieCipher.from_settings(settings), account_id)


def test_a_sync_without_the_key_fails_the_job_with_the_fix(db: Database, tmp_path: Path) -> None:
    settings = load_settings(
        request_jitter_seconds="0", listing_pause_seconds="0", heartbeat_interval_seconds=0.2
    )
    account_id = _add(db, CookieCipher.from_settings(settings))
    sealed = _raw_cookie(db, account_id)
    settings.key_file.unlink()
    with SandboxServer(accounts=[ACCOUNT]) as sandbox:
        runner = JobRunner(
            settings.with_overrides(airbnb_base_url=sandbox.base_url),
            db,
            worker_id="w",
            cipher=CookieCipher.from_settings(settings),
            limiter=None,
        )
        job_id = jobs.request_sync(db, account_id, trigger=JobTrigger.CLI).job_id
        outcome = runner.run(job_id)
        assert sandbox.total_requests == 0  # nothing was sent without a cookie
    assert outcome is not None
    assert (outcome.status, outcome.error_type) == ("failed", "credentials_unavailable")
    assert outcome.error_message is not None
    assert outcome.error_message.startswith(f"No secret key: {settings.key_file} does not exist")
    assert _raw_cookie(db, account_id) == sealed
    assert not settings.key_file.exists()


def test_cli_without_the_key_says_what_to_do_and_exits_2(tmp_path: Path) -> None:
    cookie = tmp_path / "cookie.txt"
    cookie.write_text(ACCOUNT.cookie_header())
    added = run_main(["accounts", "add", "--cookie-file", str(cookie), "--no-validate"])
    assert added.code == 0, added
    settings = load_settings()
    settings.key_file.unlink()
    for args in (
        ["accounts", "validate", ACCOUNT.account_id],
        ["sync", ACCOUNT.account_id, "--inline"],
    ):
        result = run_main(args)
        assert result.code == 2, result
        assert result.stdout == ""
        assert result.stderr.startswith(f"Error: No secret key: {settings.key_file} does not")
        assert "Traceback" not in result.stderr
        assert SENTINEL not in result.stderr
    # --debug adds the traceback, still without a cookie in it
    debug = run_main(["--debug", "accounts", "validate", ACCOUNT.account_id])
    assert debug.code == 2
    assert "Traceback" in debug.stderr
    assert SENTINEL not in debug.stderr
    assert not settings.key_file.exists()
