"""The account side of a sync: its stored cookie opened for the client, the cookies Airbnb
rotates kept, a verdict on its credentials recorded, the listings discovery found.

Only :func:`load_credentials` opens a cookie, for the client that sends it to Airbnb; nothing
here hands one to the dashboard or the CLI.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy import update
from sqlalchemy.orm import Session

from airbnb_tui.airbnb.credentials import Credentials, parse_credentials
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import Account, CredentialStatus, Listing
from airbnb_tui.db.types import utcnow
from airbnb_tui.db.upsert import upsert
from airbnb_tui.errors import AccountNotFound, UserError
from airbnb_tui.secrets import CookieCipher


def live_account(session: Session, account_id: str) -> Account:
    """The account's row; AccountNotFound when there is none or it was removed."""
    account = session.get(Account, account_id)
    if account is None or account.deleted_at is not None:
        raise AccountNotFound(account_id)
    return account


def load_credentials(db: Database, cipher: CookieCipher, account_id: str) -> Credentials:
    """Open an account's stored cookie for the client (raises SecretKeyError on a wrong key)."""
    with db.read() as session:
        account = live_account(session, account_id)
        sealed = account.cookie_encrypted
        user_agent = account.user_agent
        client_version = account.x_client_version
    if not sealed:
        raise UserError(f"Account {account_id} has no stored cookie; add it again.")
    creds = parse_credentials(cipher.decrypt(sealed))
    return dataclasses.replace(creds, user_agent=user_agent, x_client_version=client_version)


def store_rotated_credentials(
    db: Database, cipher: CookieCipher, account_id: str, credentials: Credentials
) -> None:
    """Keep the newest auth cookies Airbnb handed back (Set-Cookie), without other changes."""
    sealed = cipher.encrypt(credentials.cookie_header())
    with db.write() as session:
        session.execute(
            update(Account)
            .where(Account.account_id == account_id)
            .values(cookie_encrypted=sealed, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def mark_credentials(
    db: Database,
    account_id: str,
    status: CredentialStatus,
    message: str | None = None,
    *,
    listing_count: int | None = None,
) -> None:
    """Record what Airbnb said of the account's credentials (and how many listings it saw)."""
    values: dict[str, object] = {
        "credential_status": status,
        "credential_message": message,
        "credential_checked_at": utcnow(),
        "updated_at": utcnow(),
    }
    if listing_count is not None:
        values["listing_count"] = listing_count
    with db.write() as session:
        session.execute(
            update(Account)
            .where(Account.account_id == account_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def refresh_listings(
    db: Database, account_id: str, listings: Sequence[tuple[str, str | None, str | None]]
) -> None:
    """Record the listings discovery found: (listing_id, internal_name, listing_name)."""
    now = utcnow()
    rows = [
        {
            "account_id": account_id,
            "listing_id": listing_id,
            "internal_name": internal,
            "listing_name": name,
            "first_seen_at": now,
            "last_seen_at": now,
        }
        for listing_id, internal, name in listings
    ]
    with db.write() as session:
        upsert(
            session,
            Listing.__table__,  # type: ignore[arg-type]
            rows,
            update_columns=["internal_name", "listing_name", "last_seen_at"],
        )
        session.execute(
            update(Account)
            .where(Account.account_id == account_id)
            .values(listing_count=len(rows))
            .execution_options(synchronize_session=False)
        )
