"""``airbnb-tui accounts``: add, list, show, update, validate, enable/disable and remove accounts.

Cookies are read only from a file or stdin, never from the command line, where they would leak
into shell history and ``ps``. Anything wrong with the input is reported before the database is
touched, and nothing is written unless the whole command can succeed.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from airbnb_tui.commands.context import CliContext, pass_ctx
from airbnb_tui.commands.output import (
    JSON_HELP,
    AccountListOut,
    AccountRemoveOut,
    AccountSaveOut,
    AccountShowOut,
    AccountValidateOut,
    ValidationOut,
    emit_json,
    format_time,
    render_fields,
    render_table,
)
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import CredentialStatus
from airbnb_tui.db.views import AccountView
from airbnb_tui.errors import NotFound, UserError
from airbnb_tui.services import accounts as account_service
from airbnb_tui.services.accounts import check_account_id

if TYPE_CHECKING:
    # Imported on use at run time: `--help` should not load the HTTP client.
    from airbnb_tui.airbnb.credentials import Credentials
    from airbnb_tui.secrets import CookieCipher
    from airbnb_tui.services.validation import ValidationResult

LIST_PAGE = 500

COOKIE_HELP = (
    "File holding the browser's Cookie header, a name=value; … line or a 'Copy as cURL' "
    "snippet; - reads stdin."
)


# Reading and checking credentials ------------------------------------------------------------


def stdin_is_interactive() -> bool:
    """True when a person can answer a question on stdin (tests replace this)."""
    return sys.stdin.isatty()


def read_cookie_text(source: str) -> tuple[str, str]:
    """The text of ``--cookie-file`` (``-`` for stdin) and a name for it in messages."""
    if source == "-":
        stream = sys.stdin
        if stream.isatty():
            click.echo(
                "Paste the Cookie header or the 'Copy as cURL' snippet, then press Ctrl-D:",
                err=True,
            )
        where = "stdin"
        try:
            text = stream.read()
        except UnicodeDecodeError:
            raise UserError(
                "Cannot read stdin: it is not text. Pipe in the Cookie header as text."
            ) from None
    else:
        path = Path(source).expanduser()
        where = f"the cookie file {source}"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UserError(
                f"Cannot read {where}: it does not exist. Save the cookie to a file first, "
                "or pass --cookie-file - to read it from stdin."
            ) from None
        except IsADirectoryError:
            raise UserError(f"Cannot read {where}: it is a directory, not a file.") from None
        except PermissionError:
            raise UserError(
                f"Cannot read {where}: permission denied. Check the file's owner and mode."
            ) from None
        except UnicodeDecodeError:
            raise UserError(
                f"Cannot read {where}: it is not a text file. Save the Cookie header as text."
            ) from None
        except OSError as exc:
            raise UserError(f"Cannot read {where}: {exc.strerror or exc}.") from None
    if not text.strip():
        raise UserError(
            f"{where[0].upper()}{where[1:]} is empty. Copy the Cookie header (or 'Copy as "
            "cURL') from a logged-in airbnb.com tab into it."
        )
    return text, where


def parse_cookie_source(source: str) -> Credentials:
    """Read and parse ``--cookie-file``; every problem is a UserError (exit 2)."""
    from airbnb_tui.airbnb.credentials import parse_credentials
    from airbnb_tui.airbnb.errors import CredentialFormatError

    text, where = read_cookie_text(source)
    try:
        return parse_credentials(text)
    except CredentialFormatError as exc:
        raise UserError(
            f"The cookie in {where.removeprefix('the cookie file ')} cannot be used. {exc}"
        ) from None


def with_client_details(
    credentials: Credentials,
    *,
    user_agent: str | None,
    client_version: str | None,
    fallback: AccountView | None = None,
) -> Credentials:
    """Flags win over what the cURL snippet carried, which wins over what is stored."""
    return dataclasses.replace(
        credentials,
        user_agent=user_agent
        or credentials.user_agent
        or (fallback.user_agent if fallback else None),
        x_client_version=client_version
        or credentials.x_client_version
        or (fallback.x_client_version if fallback else None),
    )


def resolve_account_id(credentials: Credentials, flag: str | None) -> str:
    """The account id from ``--account-id`` or the cookie's ``_user_attributes``; they must
    agree when both are there."""
    from airbnb_tui.airbnb.credentials import require_account_id
    from airbnb_tui.airbnb.errors import CredentialFormatError

    if flag is None:
        try:
            return check_account_id(require_account_id(credentials))
        except CredentialFormatError as exc:
            raise UserError(str(exc)) from None
    account_id = check_account_id(flag)
    check_cookie_matches(credentials, account_id)
    return account_id


def check_cookie_matches(credentials: Credentials, account_id: str) -> None:
    from_cookie = credentials.account_id
    if from_cookie is not None and from_cookie != account_id:
        raise UserError(
            f"The cookie belongs to account {from_cookie}, not {account_id}. Copy the cookie "
            "of the right account."
        )


def run_validation(ctx: CliContext, account_id: str, credentials: Credentials) -> ValidationResult:
    """One live check through the shared rate limit (a person is waiting, so few retries)."""
    from airbnb_tui.airbnb.rate_limit import make_rate_limiter
    from airbnb_tui.services.validation import validate_credentials

    if sys.stderr.isatty():
        click.echo(f"Checking account {account_id}'s credentials with Airbnb…", err=True)
    limiter = make_rate_limiter(ctx.settings)
    try:
        return validate_credentials(ctx.settings, account_id, credentials, limiter=limiter)
    finally:
        limiter.close()


def validation_out(result: ValidationResult) -> ValidationOut:
    return ValidationOut(
        verdict=result.verdict.value,
        message=result.message,
        listing_count=result.listing_count,
        listing_names=list(result.listing_names),
        exit_code=int(result.exit_code),
    )


def account_out(view: AccountView) -> AccountView:
    """The account as the CLI reports it: an expired cookie's message says how to renew it."""
    message = view.credential_message
    if view.credential_status != CredentialStatus.EXPIRED or message is None:
        return view
    renew = f"Update the cookie with `airbnb-tui accounts update {view.account_id}`."
    if message.endswith(renew):  # recorded so by versions before the worker stopped saying it
        return view
    return view.model_copy(update={"credential_message": f"{message} {renew}"})


def _report_save(
    view: AccountView | None, result: ValidationResult | None, *, as_json: bool
) -> AccountView:
    """How ``accounts add`` and ``accounts update`` end: the JSON document (with --json), then the
    error of a failed check, which sets the exit code; the saved account when nothing failed."""
    if as_json:
        emit_json(
            AccountSaveOut(
                saved=view is not None,
                account=account_out(view) if view else None,
                validation=validation_out(result) if result else None,
            )
        )
    if result is not None and not result.ok:
        raise _failure(result, saved=view is not None)
    assert view is not None
    return view


def _check_summary(result: ValidationResult | None) -> str:
    return "not validated (--no-validate)" if result is None else result.summary()


def _failure(result: ValidationResult, saved: bool) -> UserError:
    """The error a failed check exits with: the reason, then what was (not) stored."""
    if saved:
        status = result.credential_status or CredentialStatus.UNCHECKED
        tail = f"The account was saved with status {status}."
    elif result.credential_status == CredentialStatus.REJECTED:
        tail = "Nothing was saved."
    else:
        tail = "Nothing was saved; try again later, or add --save-unverified to keep it unchecked."
    return UserError(f"{_capitalised(result.message)} {tail}", exit_code=result.exit_code)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _describe(view: AccountView) -> str:
    return f"account {view.account_id}" + (f" ({view.label})" if view.label else "")


# The command group ---------------------------------------------------------------------------


@click.group("accounts")
def accounts_group() -> None:
    """Add, inspect and change the Airbnb host accounts that are synced.

    \b
    Example:
      airbnb-tui accounts add --cookie-file cookie.txt --label "Lake houses"
    """


@accounts_group.command("add")
@click.option("--cookie-file", "cookie_file", required=True, metavar="PATH|-", help=COOKIE_HELP)
@click.option("--client-version", help="X-Client-Version header (taken from a cURL snippet).")
@click.option("--user-agent", help="The browser's User-Agent (taken from a cURL snippet).")
@click.option("--label", help="A name for the account in lists.")
@click.option("--customer-id", help="Your own id for the host (groups accounts).")
@click.option("--account-id", help="Airbnb account id (default: from the _user_attributes cookie).")
@click.option("--no-validate", is_flag=True, help="Save without asking Airbnb first.")
@click.option(
    "--save-unverified",
    is_flag=True,
    help="Save even when the check fails (as rejected, or unchecked when inconclusive).",
)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
def add_cmd(
    ctx: CliContext,
    cookie_file: str,
    client_version: str | None,
    user_agent: str | None,
    label: str | None,
    customer_id: str | None,
    account_id: str | None,
    no_validate: bool,
    save_unverified: bool,
    as_json: bool,
) -> None:
    """Add an account from a browser cookie, checking it with Airbnb first.

    The cookie is read from a file or stdin only. Exit 3 when Airbnb rejects it, 4 when the
    check is inconclusive (bot wall, unreachable, rate-limited); nothing is saved then unless
    --save-unverified.

    \b
    Example:
      airbnb-tui accounts add --cookie-file cookie.txt --label "Lake houses"
      pbpaste | airbnb-tui accounts add --cookie-file -
    """
    credentials = parse_cookie_source(cookie_file)
    credentials = with_client_details(
        credentials, user_agent=user_agent, client_version=client_version
    )
    account_id = resolve_account_id(credentials, account_id)
    db = ctx.database()
    try:
        existing = account_service.get_account(db, account_id)
    except NotFound:
        existing = None
    if existing is not None:
        raise UserError(
            f"Account {account_id} already exists; use `airbnb-tui accounts update "
            f"{account_id} --cookie-file …` to change its cookie."
        )
    from airbnb_tui.secrets import CookieCipher

    cipher = CookieCipher.from_settings(ctx.settings)
    result = None if no_validate else run_validation(ctx, account_id, credentials)
    view: AccountView | None = None
    if result is None or result.ok or save_unverified:
        status = CredentialStatus.UNCHECKED
        if result is not None:
            status = result.credential_status or CredentialStatus.UNCHECKED
        view = account_service.add_account(
            db,
            cipher,
            credentials,
            account_id=account_id,
            label=label,
            customer_id=customer_id,
            status=status,
            message=None if result is None or result.ok else result.message,
            listing_count=result.listing_count if result is not None else None,
        )
    view = _report_save(view, result, as_json=as_json)
    if not as_json:
        click.echo(f"Added {_describe(view)}: {_check_summary(result)}")


@accounts_group.command("list")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
def list_cmd(ctx: CliContext, as_json: bool) -> None:
    """List every account, with its credential status and last sync.

    \b
    Example:
      airbnb-tui accounts list --json
    """
    views = list(all_accounts(ctx.database()))
    if as_json:
        emit_json(AccountListOut(accounts=[account_out(v) for v in views]))
        return
    if not views:
        click.echo("No accounts yet; add one with `airbnb-tui accounts add --cookie-file PATH`.")
        return
    click.echo(
        render_table(
            ["ACCOUNT", "LABEL", "CUSTOMER", "ACTIVE", "CREDENTIALS", "LISTINGS", "LAST SYNC"],
            [
                [
                    v.account_id,
                    v.label,
                    v.customer_id,
                    v.is_active,
                    v.credential_status,
                    v.listing_count,
                    v.last_sync_at,
                ]
                for v in views
            ],
        )
    )


def all_accounts(db: Database, *, include_inactive: bool = True) -> Iterator[AccountView]:
    """Every account in id order (``accounts list``, ``sync --all``), a keyset page at a time."""
    after: str | None = None
    while True:
        page = account_service.list_accounts(
            db, after=after, limit=LIST_PAGE, include_inactive=include_inactive
        )
        yield from page
        if len(page) < LIST_PAGE:
            return
        after = page[-1].account_id


@accounts_group.command("show")
@click.argument("account_id")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
def show_cmd(ctx: CliContext, account_id: str, as_json: bool) -> None:
    """Show one account (its cookie is never shown).

    \b
    Example:
      airbnb-tui accounts show 123456789
    """
    from airbnb_tui.services.jobs import list_jobs

    account_id = check_account_id(account_id)
    db = ctx.database()
    view = account_service.get_account(db, account_id)
    if as_json:
        emit_json(AccountShowOut(account=account_out(view)))
        return
    last = list_jobs(db, account_id=account_id, limit=1)
    last_job = (
        f"{last[0].job_id} ({last[0].status}, created {format_time(last[0].created_at)} UTC)"
        if last
        else None
    )
    click.echo(
        render_fields(
            [
                ("account", view.account_id),
                ("label", view.label),
                ("customer", view.customer_id),
                ("active", view.is_active),
                ("credentials", view.credential_status),
                ("checked", view.credential_checked_at),
                ("message", account_out(view).credential_message),
                ("listings", view.listing_count),
                ("last sync", view.last_sync_at),
                ("last job", last_job),
                ("client version", view.x_client_version),
                ("user agent", view.user_agent),
                ("created", view.created_at),
                ("updated", view.updated_at),
            ]
        )
    )


@accounts_group.command("update")
@click.argument("account_id")
@click.option("--cookie-file", "cookie_file", metavar="PATH|-", help=COOKIE_HELP)
@click.option("--label", help="New label ('' clears it).")
@click.option("--customer-id", help="New customer id ('' clears it).")
@click.option("--client-version", help="New X-Client-Version header.")
@click.option("--user-agent", help="New User-Agent.")
@click.option("--no-validate", is_flag=True, help="Save a new cookie without asking Airbnb.")
@click.option(
    "--save-unverified", is_flag=True, help="Save a new cookie even when the check fails."
)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
def update_cmd(
    ctx: CliContext,
    account_id: str,
    cookie_file: str | None,
    label: str | None,
    customer_id: str | None,
    client_version: str | None,
    user_agent: str | None,
    no_validate: bool,
    save_unverified: bool,
    as_json: bool,
) -> None:
    """Change an account's cookie, label, customer id or client details.

    A new cookie is checked with Airbnb first (exit codes as for `accounts add`); a good one
    clears an expired or rejected status so the account syncs again.

    \b
    Example:
      airbnb-tui accounts update 123456789 --cookie-file fresh-cookie.txt
    """
    account_id = check_account_id(account_id)
    if all(v is None for v in (cookie_file, label, customer_id, client_version, user_agent)):
        raise UserError(
            "Nothing to change: pass --cookie-file, --label, --customer-id, --client-version "
            "or --user-agent."
        )
    credentials = parse_cookie_source(cookie_file) if cookie_file is not None else None
    if credentials is not None:
        check_cookie_matches(credentials, account_id)
    db = ctx.database()
    current = account_service.get_account(db, account_id)
    result: ValidationResult | None = None
    view: AccountView | None
    if credentials is not None:
        from airbnb_tui.secrets import CookieCipher

        credentials = with_client_details(
            credentials, user_agent=user_agent, client_version=client_version, fallback=current
        )
        cipher = CookieCipher.from_settings(ctx.settings)
        result = None if no_validate else run_validation(ctx, account_id, credentials)
        view = None
        if result is None or result.ok or save_unverified:
            view = account_service.update_account(
                db,
                cipher,
                account_id,
                credentials=credentials,
                label=label,
                customer_id=customer_id,
                status=result.credential_status if result is not None else None,
                message=None if result is None or result.ok else result.message,
                listing_count=result.listing_count if result is not None else None,
            )
    else:
        view = current
        if label is not None or customer_id is not None:
            view = account_service.update_account(
                db, _no_cipher(), account_id, label=label, customer_id=customer_id
            )
        if user_agent is not None or client_version is not None:
            view = account_service.set_client_details(
                db, account_id, user_agent=user_agent, x_client_version=client_version
            )
    view = _report_save(view, result, as_json=as_json)
    if not as_json:
        if credentials is None:
            click.echo(f"Updated {_describe(view)}.")
        else:
            click.echo(f"Updated {_describe(view)} with a new cookie: {_check_summary(result)}")


def _no_cipher() -> CookieCipher:
    """A throw-away cipher for update_account calls that carry no credentials: it is never
    used, and building the real one could fail (or create a key file) for a label change."""
    from airbnb_tui.secrets import CookieCipher, generate_key

    return CookieCipher(generate_key())


@accounts_group.command("validate")
@click.argument("account_id")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
def validate_cmd(ctx: CliContext, account_id: str, as_json: bool) -> None:
    """Check an account's stored credentials with Airbnb and store the verdict.

    Exit 0 when valid, 3 when rejected (stored as rejected), 4 when inconclusive (the stored
    status is left as it was).

    \b
    Example:
      airbnb-tui accounts validate 123456789
    """
    from airbnb_tui.secrets import CookieCipher

    account_id = check_account_id(account_id)
    db = ctx.database()
    account_service.get_account(db, account_id)
    cipher = CookieCipher.from_settings(ctx.settings, create=False)
    from airbnb_tui.sync.accounts import load_credentials

    credentials = load_credentials(db, cipher, account_id)
    result = run_validation(ctx, account_id, credentials)
    status = result.credential_status
    if status is not None:
        view = account_service.update_account(
            db,
            cipher,
            account_id,
            status=status,
            message=None if result.ok else result.message,
            listing_count=result.listing_count,
        )
    else:
        view = account_service.get_account(db, account_id)
    if as_json:
        emit_json(
            AccountValidateOut(
                stored=status is not None,
                account=account_out(view),
                validation=validation_out(result),
            )
        )
    if not result.ok:
        stored = (
            f"Stored status: {status}."
            if status is not None
            else f"The stored status stays {view.credential_status}."
        )
        raise UserError(f"{_capitalised(result.message)} {stored}", exit_code=result.exit_code)
    if not as_json:
        click.echo(f"{_describe(view).capitalize()}: {result.summary()}")


@accounts_group.command("enable")
@click.argument("account_id")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
def enable_cmd(ctx: CliContext, account_id: str, as_json: bool) -> None:
    """Include an account in the daily schedule again.

    \b
    Example:
      airbnb-tui accounts enable 123456789
    """
    view = account_service.set_active(ctx.database(), check_account_id(account_id), True)
    if as_json:
        emit_json(AccountShowOut(account=account_out(view)))
        return
    click.echo(f"Enabled {_describe(view)}: the daily schedule syncs it again.")


@accounts_group.command("disable")
@click.argument("account_id")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
def disable_cmd(ctx: CliContext, account_id: str, as_json: bool) -> None:
    """Leave an account out of the daily schedule (its data and cookie stay).

    \b
    Example:
      airbnb-tui accounts disable 123456789
    """
    account_id = check_account_id(account_id)
    view = account_service.set_active(ctx.database(), account_id, False)
    if as_json:
        emit_json(AccountShowOut(account=account_out(view)))
        return
    click.echo(
        f"Disabled {_describe(view)}: the daily schedule skips it until "
        f"`airbnb-tui accounts enable {account_id}`."
    )


@accounts_group.command("remove")
@click.argument("account_id")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
def remove_cmd(ctx: CliContext, account_id: str, yes: bool, as_json: bool) -> None:
    """Remove an account: its cookie is deleted and its queued jobs cancelled; the metrics
    already synced stay in the database.

    Asks for confirmation on a terminal; elsewhere --yes is required.

    \b
    Example:
      airbnb-tui accounts remove 123456789 --yes
    """
    account_id = check_account_id(account_id)
    db = ctx.database()
    view = account_service.get_account(db, account_id)
    if not yes:
        if not stdin_is_interactive():
            raise UserError(
                f"Removing account {account_id} needs confirmation; pass --yes to remove it "
                "without asking."
            )
        if not click.confirm(
            f"Remove {_describe(view)}? Its cookie is deleted; synced metrics stay.",
            default=False,
        ):
            if as_json:
                emit_json(AccountRemoveOut(removed=False, account=account_out(view)))
            else:
                click.echo(f"Kept {_describe(view)}.")
            return
    view = account_service.remove_account(db, account_id)
    if as_json:
        emit_json(AccountRemoveOut(removed=True, account=account_out(view)))
        return
    click.echo(
        f"Removed {_describe(view)}: its cookie is deleted and queued jobs cancelled; synced "
        "metrics stay."
    )
