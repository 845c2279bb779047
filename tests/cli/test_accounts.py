"""``airbnb-tui accounts …`` end to end: real database, the sandbox as Airbnb, exact outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from airbnb_tui.commands import accounts as accounts_module
from airbnb_tui.commands.output import (
    AccountListOut,
    AccountRemoveOut,
    AccountSaveOut,
    AccountShowOut,
    AccountValidateOut,
)
from airbnb_tui.config import load_settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import Account
from airbnb_tui.sandbox import Fault, SandboxAccount, SandboxServer
from airbnb_tui.secrets import CookieCipher
from airbnb_tui.services import accounts as account_service
from airbnb_tui.sync import accounts as credential_store
from tests.cli.cli_helpers import Run, account_rows


def stored_cookie(db: Database, account_id: str) -> str:
    cipher = CookieCipher.from_settings(load_settings(), create=False)
    return credential_store.load_credentials(db, cipher, account_id).cookie_header()


def names(account: SandboxAccount) -> str:
    return ", ".join(listing.internal_name for listing in account.listings)


# accounts add ---------------------------------------------------------------------------------


def test_add_validates_and_saves_with_listing_count(
    run: Run, app_db: Database, cookie_file: Path, sandbox: SandboxServer
) -> None:
    account = sandbox.accounts[0]
    result = run(["accounts", "add", "--cookie-file", str(cookie_file), "--label", "Lake"])
    assert result.code == 0, result
    assert result.stdout == (
        f"Added account {account.account_id} (Lake): valid — 3 listings: {names(account)}\n"
    )
    assert result.stderr == ""
    view = account_service.get_account(app_db, account.account_id)
    assert (view.credential_status, view.listing_count, view.label) == ("valid", 3, "Lake")
    assert view.credential_checked_at is not None
    assert stored_cookie(app_db, account.account_id) == account.cookie_header()
    assert sandbox.counts(operation="ListingsSectionQuery") == 1
    assert account.token not in result.stdout + result.stderr


def test_add_from_stdin_curl_takes_client_details(
    run: Run, app_db: Database, sandbox: SandboxServer
) -> None:
    account = sandbox.accounts[0]
    snippet = account.curl_snippet(sandbox.base_url)
    result = run(["accounts", "add", "--cookie-file", "-", "--json"], input=snippet)
    assert result.code == 0, result
    out = AccountSaveOut.model_validate_json(result.stdout)
    assert out.saved is True
    assert out.account is not None
    assert out.account.user_agent == account.user_agent
    assert out.account.x_client_version == account.client_version
    assert out.validation is not None
    assert out.validation.verdict == "valid"
    assert out.validation.listing_count == 3
    assert out.validation.listing_names == [listing.internal_name for listing in account.listings]
    assert out.validation.exit_code == 0
    assert account.token not in result.stdout


def test_add_flags_win_over_curl_snippet(
    run: Run, app_db: Database, sandbox: SandboxServer
) -> None:
    account = sandbox.accounts[0]
    result = run(
        [
            "accounts",
            "add",
            "--cookie-file",
            "-",
            "--no-validate",
            "--user-agent",
            "TestAgent/1.0",
            "--client-version",
            "abc123",
        ],
        input=account.curl_snippet(sandbox.base_url),
    )
    assert result.code == 0, result
    view = account_service.get_account(app_db, account.account_id)
    assert (view.user_agent, view.x_client_version) == ("TestAgent/1.0", "abc123")


def test_add_no_validate_makes_no_request(
    run: Run, app_db: Database, cookie_file: Path, sandbox: SandboxServer
) -> None:
    account = sandbox.accounts[0]
    result = run(
        [
            "accounts",
            "add",
            "--cookie-file",
            str(cookie_file),
            "--no-validate",
            "--customer-id",
            "c7",
        ]
    )
    assert result.code == 0, result
    assert result.stdout == f"Added account {account.account_id}: not validated (--no-validate)\n"
    assert sandbox.total_requests == 0
    view = account_service.get_account(app_db, account.account_id)
    assert (view.credential_status, view.customer_id, view.listing_count) == (
        "unchecked",
        "c7",
        None,
    )


def test_add_rejected_saves_nothing_and_exits_3(
    run: Run, app_db: Database, tmp_path: Path, sandbox: SandboxServer
) -> None:
    cookie = tmp_path / "old.txt"
    cookie.write_text(sandbox.accounts[0].cookie_header(token="expired-token-value"))
    result = run(["accounts", "add", "--cookie-file", str(cookie)])
    assert result.code == 3, result
    assert result.stdout == ""
    assert result.stderr.startswith("Error: Rejected — Airbnb did not accept these credentials")
    assert result.stderr.rstrip().endswith("Nothing was saved.")
    assert "expired-token-value" not in result.stderr
    assert account_rows(app_db) == []


def test_add_rejected_with_save_unverified_stores_rejected(
    run: Run, app_db: Database, tmp_path: Path, sandbox: SandboxServer
) -> None:
    account = sandbox.accounts[0]
    cookie = tmp_path / "old.txt"
    cookie.write_text(account.cookie_header(token="expired-token-value"))
    result = run(["accounts", "add", "--cookie-file", str(cookie), "--save-unverified", "--json"])
    assert result.code == 3, result
    out = AccountSaveOut.model_validate_json(result.stdout)
    assert out.saved is True
    assert out.account is not None
    assert out.account.credential_status == "rejected"
    assert out.validation is not None
    assert (out.validation.verdict, out.validation.exit_code) == ("rejected", 3)
    assert "The account was saved with status rejected." in result.stderr
    assert account_service.get_account(app_db, account.account_id).credential_status == "rejected"


def test_add_bot_wall_exits_4_with_hint_and_saves_nothing(
    run: Run, app_db: Database, cookie_file: Path, sandbox: SandboxServer
) -> None:
    sandbox.set_faults(Fault.bot_wall(rate=1.0))
    result = run(["accounts", "add", "--cookie-file", str(cookie_file)])
    assert result.code == 4, result
    assert result.stderr.startswith("Error: Bot wall — Airbnb answered with a browser check")
    assert "--save-unverified" in result.stderr
    assert account_rows(app_db) == []


def test_add_bot_wall_with_save_unverified_stores_unchecked(
    run: Run, app_db: Database, cookie_file: Path, sandbox: SandboxServer
) -> None:
    sandbox.set_faults(Fault.bot_wall(rate=1.0))
    result = run(["accounts", "add", "--cookie-file", str(cookie_file), "--save-unverified"])
    assert result.code == 4, result
    assert "The account was saved with status unchecked." in result.stderr
    view = account_service.get_account(app_db, sandbox.accounts[0].account_id)
    assert view.credential_status == "unchecked"
    assert view.credential_message is not None
    assert view.credential_message.startswith("bot wall")


def test_add_rate_limited_exits_4(
    run: Run, app_db: Database, cookie_file: Path, sandbox: SandboxServer
) -> None:
    sandbox.set_faults(Fault.rate_limit(rate=1.0, retry_after=0.01))
    result = run(["accounts", "add", "--cookie-file", str(cookie_file)])
    assert result.code == 4, result
    assert result.stderr.startswith("Error: Rate-limited — Airbnb asked us to slow down")
    assert account_rows(app_db) == []


def test_add_unreachable_exits_4(
    run: Run, app_db: Database, cookie_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRBNB_TUI_AIRBNB_BASE_URL", "http://127.0.0.1:9")
    result = run(["accounts", "add", "--cookie-file", str(cookie_file)])
    assert result.code == 4, result
    assert result.stderr.startswith("Error: Unreachable — could not get an answer from Airbnb")
    assert account_rows(app_db) == []


# Bad input: exit 2, nothing written -----------------------------------------------------------


@pytest.fixture
def existing_account(app_db: Database, sandbox: SandboxServer, cookie_file: Path, run: Run) -> str:
    """One account already stored (unchecked), so 'nothing written' is checked against rows."""
    result = run(["accounts", "add", "--cookie-file", str(cookie_file), "--no-validate"])
    assert result.code == 0, result
    return sandbox.accounts[0].account_id


def test_add_missing_cookie_file(run: Run, app_db: Database, tmp_path: Path) -> None:
    before = account_rows(app_db)
    result = run(["accounts", "add", "--cookie-file", str(tmp_path / "nope.txt")])
    assert result.code == 2
    assert result.stderr == (
        f"Error: Cannot read the cookie file {tmp_path / 'nope.txt'}: it does not exist. Save "
        "the cookie to a file first, or pass --cookie-file - to read it from stdin.\n"
    )
    assert account_rows(app_db) == before


def test_add_cookie_file_is_a_directory(run: Run, tmp_path: Path) -> None:
    result = run(["accounts", "add", "--cookie-file", str(tmp_path)])
    assert result.code == 2
    assert result.stderr == (
        f"Error: Cannot read the cookie file {tmp_path}: it is a directory, not a file.\n"
    )


def test_add_unreadable_cookie_file(
    run: Run, tmp_path: Path, app_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("a=b")
    real_read_text = Path.read_text

    def read_text(self: Path, *args: Any, **kwargs: Any) -> str:
        if self == path:  # what a 0000 file gives a non-root user
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_text)
    result = run(["accounts", "add", "--cookie-file", str(path)])
    assert result.code == 2
    assert result.stderr == (
        f"Error: Cannot read the cookie file {path}: permission denied. Check the file's owner "
        "and mode.\n"
    )
    assert account_rows(app_db) == []


def test_add_empty_cookie_file(run: Run, tmp_path: Path, app_db: Database) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("  \n")
    result = run(["accounts", "add", "--cookie-file", str(path)])
    assert result.code == 2
    assert result.stderr.startswith(f"Error: The cookie file {path} is empty.")
    assert account_rows(app_db) == []


def test_add_malformed_cookie_writes_nothing(
    run: Run, tmp_path: Path, app_db: Database, existing_account: str
) -> None:
    before = account_rows(app_db)
    path = tmp_path / "bad.txt"
    path.write_text("_aat=abc; justaword; other=1")
    result = run(["accounts", "add", "--cookie-file", str(path), "--account-id", "42"])
    assert result.code == 2
    assert result.stderr == (
        f"Error: The cookie in {path} cannot be used. Cookie pair 2 has no '=': expected "
        "name=value pairs separated by '; '.\n"
    )
    assert account_rows(app_db) == before


def test_add_malformed_cookie_on_stdin(run: Run) -> None:
    result = run(["accounts", "add", "--cookie-file", "-"], input="curl 'https://x' -H 'a: b'\n")
    assert result.code == 2
    assert result.stderr.startswith(
        "Error: The cookie in stdin cannot be used. The cURL command has no cookie"
    )


def test_add_without_account_id_in_cookie(run: Run, tmp_path: Path, app_db: Database) -> None:
    path = tmp_path / "c.txt"
    path.write_text("_aat=abc; bev=1")
    result = run(["accounts", "add", "--cookie-file", str(path)])
    assert result.code == 2
    assert "pass --account-id" in result.stderr
    assert account_rows(app_db) == []


def test_add_account_id_must_be_digits(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_text("_aat=abc")
    result = run(["accounts", "add", "--cookie-file", str(path), "--account-id", "12ab"])
    assert result.code == 2
    assert result.stderr == "Error: '12ab' is not an Airbnb account id (digits only).\n"


def test_add_account_id_must_match_cookie(
    run: Run, cookie_file: Path, sandbox: SandboxServer, app_db: Database
) -> None:
    result = run(["accounts", "add", "--cookie-file", str(cookie_file), "--account-id", "42"])
    assert result.code == 2
    assert result.stderr.startswith(
        f"Error: The cookie belongs to account {sandbox.accounts[0].account_id}, not 42."
    )
    assert sandbox.total_requests == 0
    assert account_rows(app_db) == []


def test_add_existing_account_is_refused_before_any_request(
    run: Run, cookie_file: Path, sandbox: SandboxServer, app_db: Database, existing_account: str
) -> None:
    before = account_rows(app_db)
    result = run(["accounts", "add", "--cookie-file", str(cookie_file)])
    assert result.code == 2
    assert result.stderr.startswith(f"Error: Account {existing_account} already exists;")
    assert sandbox.total_requests == 0
    assert account_rows(app_db) == before


def test_cookie_file_is_required(run: Run) -> None:
    result = run(["accounts", "add"])
    assert result.code == 2
    assert "Missing option '--cookie-file'" in result.stderr


# list / show ------------------------------------------------------------------------------


def test_list_empty(run: Run) -> None:
    result = run(["accounts", "list"])
    assert result.code == 0
    assert result.stdout.startswith("No accounts yet;")
    as_json = run(["accounts", "list", "--json"])
    assert AccountListOut.model_validate_json(as_json.stdout).accounts == []


def test_list_and_show(run: Run, existing_account: str, sandbox: SandboxServer) -> None:
    run(["accounts", "update", existing_account, "--label", "Lake houses"])
    table = run(["accounts", "list"])
    assert table.code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == [
        "ACCOUNT", "LABEL", "CUSTOMER", "ACTIVE", "CREDENTIALS", "LISTINGS", "LAST", "SYNC"
    ]  # fmt: skip
    assert lines[1].split() == [
        existing_account,
        "Lake",
        "houses",
        "-",
        "yes",
        "unchecked",
        "-",
        "-",
    ]
    listed = AccountListOut.model_validate_json(run(["accounts", "list", "--json"]).stdout)
    assert [a.account_id for a in listed.accounts] == [existing_account]
    assert listed.accounts[0].label == "Lake houses"

    shown = run(["accounts", "show", existing_account])
    assert shown.code == 0
    assert f"account:        {existing_account}\n" in shown.stdout
    assert "label:          Lake houses\n" in shown.stdout
    assert sandbox.accounts[0].token not in shown.stdout
    out = AccountShowOut.model_validate_json(
        run(["accounts", "show", existing_account, "--json"]).stdout
    )
    assert out.account.account_id == existing_account
    assert (
        "cookie"
        not in json.loads(run(["accounts", "show", existing_account, "--json"]).stdout)["account"]
    )


def test_list_pages_through_every_account(
    run: Run, app_db: Database, monkeypatch: pytest.MonkeyPatch, cookie_file: Path
) -> None:
    monkeypatch.setattr(accounts_module, "LIST_PAGE", 2)
    for account_id in ("101", "102", "103", "104", "105"):
        assert (
            run(
                [
                    "accounts",
                    "add",
                    "--cookie-file",
                    "-",
                    "--account-id",
                    account_id,
                    "--no-validate",
                ],
                input="_aat=x",
            ).code
            == 0
        )
    listed = AccountListOut.model_validate_json(run(["accounts", "list", "--json"]).stdout)
    assert [a.account_id for a in listed.accounts] == ["101", "102", "103", "104", "105"]


@pytest.mark.parametrize("command", ["show", "validate", "enable", "disable", "remove"])
def test_unknown_account(run: Run, command: str, app_db: Database) -> None:
    result = run(["accounts", command, "999"])
    assert result.code == 2
    assert result.stderr == "Error: No account 999; see `airbnb-tui accounts list`.\n"


@pytest.mark.parametrize("command", ["show", "validate", "enable", "disable", "remove", "update"])
def test_malformed_account_id(run: Run, command: str) -> None:
    result = run(
        ["accounts", command, "abc", "--label", "x"]
        if command == "update"
        else ["accounts", command, "abc"]
    )
    assert result.code == 2
    assert result.stderr == "Error: 'abc' is not an Airbnb account id (digits only).\n"


# update -------------------------------------------------------------------------------------


def test_update_label_and_customer_and_client_details(
    run: Run, app_db: Database, existing_account: str, sandbox: SandboxServer
) -> None:
    result = run(
        [
            "accounts",
            "update",
            existing_account,
            "--label",
            "New",
            "--customer-id",
            "cust-1",
            "--user-agent",
            "UA/2",
            "--json",
        ]
    )
    assert result.code == 0, result
    out = AccountSaveOut.model_validate_json(result.stdout)
    assert out.validation is None
    assert out.account is not None
    assert (out.account.label, out.account.customer_id, out.account.user_agent) == (
        "New",
        "cust-1",
        "UA/2",
    )
    assert sandbox.total_requests == 0
    cleared = run(["accounts", "update", existing_account, "--label", ""])
    assert cleared.stdout == f"Updated account {existing_account}.\n"
    assert account_service.get_account(app_db, existing_account).label is None


def test_update_with_new_cookie_validates_and_clears_expired(
    run: Run, app_db: Database, existing_account: str, sandbox: SandboxServer, cookie_file: Path
) -> None:
    from airbnb_tui.db.models import CredentialStatus

    credential_store.mark_credentials(app_db, existing_account, CredentialStatus.EXPIRED, "dead")
    result = run(["accounts", "update", existing_account, "--cookie-file", str(cookie_file)])
    assert result.code == 0, result
    assert result.stdout.startswith(
        f"Updated account {existing_account} with a new cookie: valid — 3 listings"
    )
    view = account_service.get_account(app_db, existing_account)
    assert (view.credential_status, view.credential_message, view.listing_count) == (
        "valid",
        None,
        3,
    )


def test_update_rejected_cookie_keeps_the_old_one(
    run: Run, app_db: Database, existing_account: str, sandbox: SandboxServer, tmp_path: Path
) -> None:
    before = account_rows(app_db)
    path = tmp_path / "bad.txt"
    path.write_text(sandbox.accounts[0].cookie_header(token="nope"))
    result = run(["accounts", "update", existing_account, "--cookie-file", str(path)])
    assert result.code == 3
    assert result.stderr.rstrip().endswith("Nothing was saved.")
    assert account_rows(app_db) == before


def test_update_needs_something_to_change(run: Run, existing_account: str) -> None:
    result = run(["accounts", "update", existing_account])
    assert result.code == 2
    assert result.stderr.startswith("Error: Nothing to change: pass --cookie-file")


def test_update_cookie_of_another_account(
    run: Run, app_db: Database, existing_account: str, tmp_path: Path, sandbox: SandboxServer
) -> None:
    before = account_rows(app_db)
    other = tmp_path / "other.txt"
    other.write_text(sandbox.accounts[0].cookie_header())
    run(
        ["accounts", "add", "--cookie-file", "-", "--account-id", "77", "--no-validate"],
        input="a=b",
    )
    before = account_rows(app_db)
    result = run(["accounts", "update", "77", "--cookie-file", str(other)])
    assert result.code == 2
    assert result.stderr.startswith(
        f"Error: The cookie belongs to account {existing_account}, not 77."
    )
    assert account_rows(app_db) == before
    assert sandbox.total_requests == 0


def test_update_missing_cookie_file_writes_nothing(
    run: Run, app_db: Database, existing_account: str, tmp_path: Path
) -> None:
    before = account_rows(app_db)
    result = run(
        [
            "accounts",
            "update",
            existing_account,
            "--label",
            "x",
            "--cookie-file",
            str(tmp_path / "n"),
        ]
    )
    assert result.code == 2
    assert "it does not exist" in result.stderr
    assert account_rows(app_db) == before


# validate -----------------------------------------------------------------------------------


def test_validate_stores_valid_verdict(
    run: Run, app_db: Database, existing_account: str, sandbox: SandboxServer
) -> None:
    result = run(["accounts", "validate", existing_account, "--json"])
    assert result.code == 0, result
    out = AccountValidateOut.model_validate_json(result.stdout)
    assert out.stored is True
    assert out.account.credential_status == "valid"
    assert out.account.listing_count == 3
    assert out.validation.verdict == "valid"
    human = run(["accounts", "validate", existing_account])
    assert human.stdout.startswith(f"Account {existing_account}: valid — 3 listings:")


def test_validate_rejected_is_stored_and_exits_3(
    run: Run, app_db: Database, sandbox: SandboxServer
) -> None:
    account = sandbox.accounts[0]
    added = run(
        ["accounts", "add", "--cookie-file", "-", "--no-validate"],
        input=account.cookie_header(token="old"),
    )
    assert added.code == 0
    result = run(["accounts", "validate", account.account_id])
    assert result.code == 3
    assert result.stderr.rstrip().endswith("Stored status: rejected.")
    assert account_service.get_account(app_db, account.account_id).credential_status == "rejected"


def test_validate_inconclusive_keeps_status_and_exits_4(
    run: Run, app_db: Database, existing_account: str, sandbox: SandboxServer
) -> None:
    sandbox.set_faults(Fault.bot_wall(rate=1.0))
    result = run(["accounts", "validate", existing_account, "--json"])
    assert result.code == 4
    out = AccountValidateOut.model_validate_json(result.stdout)
    assert (out.stored, out.account.credential_status, out.validation.verdict) == (
        False,
        "unchecked",
        "bot_wall",
    )
    assert result.stderr.rstrip().endswith("The stored status stays unchecked.")


# enable / disable / remove ------------------------------------------------------------------


def test_disable_and_enable(run: Run, app_db: Database, existing_account: str) -> None:
    result = run(["accounts", "disable", existing_account])
    assert result.code == 0
    assert result.stdout.startswith(f"Disabled account {existing_account}:")
    assert account_service.get_account(app_db, existing_account).is_active is False
    enabled = run(["accounts", "enable", existing_account, "--json"])
    assert AccountShowOut.model_validate_json(enabled.stdout).account.is_active is True
    assert account_service.get_account(app_db, existing_account).is_active is True


def test_remove_needs_yes_without_a_terminal(
    run: Run, app_db: Database, existing_account: str
) -> None:
    before = account_rows(app_db)
    result = run(["accounts", "remove", existing_account])
    assert result.code == 2
    assert result.stderr == (
        f"Error: Removing account {existing_account} needs confirmation; pass --yes to remove "
        "it without asking.\n"
    )
    assert account_rows(app_db) == before


def test_remove_with_yes(run: Run, app_db: Database, existing_account: str) -> None:
    result = run(["accounts", "remove", existing_account, "--yes", "--json"])
    assert result.code == 0
    out = AccountRemoveOut.model_validate_json(result.stdout)
    assert out.removed is True
    with app_db.read() as session:
        row = session.scalars(select(Account).where(Account.account_id == existing_account)).one()
        assert row.deleted_at is not None
        assert row.cookie_encrypted == ""
    assert run(["accounts", "show", existing_account]).code == 2


@pytest.mark.parametrize(("answer", "removed"), [("y\n", True), ("n\n", False), ("\n", False)])
def test_remove_asks_on_a_terminal(
    run: Run,
    app_db: Database,
    existing_account: str,
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    removed: bool,
) -> None:
    monkeypatch.setattr(accounts_module, "stdin_is_interactive", lambda: True)
    result = run(["accounts", "remove", existing_account], input=answer)
    assert result.code == 0
    assert f"Remove account {existing_account}? Its cookie is deleted" in result.stdout
    if removed:
        assert "Removed account" in result.stdout
    else:
        assert result.stdout.rstrip().endswith(f"Kept account {existing_account}.")
    assert (run(["accounts", "show", existing_account]).code == 2) is removed


# The database ------------------------------------------------------------------------------


def test_unreachable_database(run: Run) -> None:
    result = run(
        ["--database-url", "postgresql+psycopg://nobody@127.0.0.1:9/none", "accounts", "list"]
    )
    assert result.code == 1
    assert result.stderr.startswith("Error: Cannot reach the database (postgresql+psycopg://")
    assert "Traceback" not in result.stderr


def test_malformed_cookie_is_reported_before_the_database_is_opened(
    run: Run, tmp_path: Path, data_dir: Path
) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("no equals sign here")
    result = run(["accounts", "add", "--cookie-file", str(path), "--account-id", "5"])
    assert result.code == 2
    assert not (data_dir / "airbnb.db").exists()


def test_debug_shows_the_traceback(run: Run, app_db: Database) -> None:
    result = run(["--debug", "accounts", "show", "77"])
    assert result.code == 2
    assert "Traceback" in result.stderr
    assert result.stderr.rstrip().endswith("Error: No account 77; see `airbnb-tui accounts list`.")
