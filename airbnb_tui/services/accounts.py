"""Accounts: add, list, update, enable/disable, remove, and their stored credentials.

Views handed to the UI and CLI never carry the cookie; only the sync engine opens it
(``airbnb_tui.sync.accounts.load_credentials``), for the client that sends it to Airbnb.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from airbnb_tui.airbnb.credentials import Credentials
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import ACTIVE_JOB_STATUSES, Account, CredentialStatus, SyncJob
from airbnb_tui.db.types import utcnow
from airbnb_tui.db.views import AccountView
from airbnb_tui.errors import AccountExists, UserError
from airbnb_tui.secrets import CookieCipher
from airbnb_tui.sync.accounts import live_account
from airbnb_tui.sync.jobs import request_cancel

ACCOUNT_ID_RE = re.compile(r"^[0-9]{1,32}$")


def check_account_id(account_id: str) -> str:
    account_id = account_id.strip()
    if not ACCOUNT_ID_RE.match(account_id):
        raise UserError(f"{account_id!r} is not an Airbnb account id (digits only).")
    return account_id


def add_account(
    db: Database,
    cipher: CookieCipher,
    credentials: Credentials,
    *,
    account_id: str,
    label: str | None = None,
    customer_id: str | None = None,
    status: CredentialStatus = CredentialStatus.UNCHECKED,
    message: str | None = None,
    listing_count: int | None = None,
) -> AccountView:
    """Store a new account (or bring back a removed one with fresh credentials)."""
    account_id = check_account_id(account_id)
    sealed = cipher.encrypt(credentials.cookie_header())
    now = utcnow()
    with db.write() as session:
        account = session.get(Account, account_id)
        if account is not None and account.deleted_at is None:
            raise AccountExists(account_id)
        if account is None:
            account = Account(account_id=account_id, created_at=now)
            session.add(account)
        account.deleted_at = None
        account.is_active = True
        account.label = label
        account.customer_id = customer_id
        account.cookie_encrypted = sealed
        account.user_agent = credentials.user_agent
        account.x_client_version = credentials.x_client_version
        account.credential_status = status
        account.credential_message = message
        account.credential_checked_at = None if status == CredentialStatus.UNCHECKED else now
        account.listing_count = listing_count
        account.updated_at = now
        session.flush()
        return AccountView.model_validate(account)


def update_account(
    db: Database,
    cipher: CookieCipher,
    account_id: str,
    *,
    credentials: Credentials | None = None,
    label: str | None = None,
    customer_id: str | None = None,
    status: CredentialStatus | None = None,
    message: str | None = None,
    listing_count: int | None = None,
) -> AccountView:
    """Change an account. New credentials reset a rejected/expired status (unless given)."""
    with db.write() as session:
        account = live_account(session, account_id)
        if label is not None:
            account.label = label or None
        if customer_id is not None:
            account.customer_id = customer_id or None
        if credentials is not None:
            account.cookie_encrypted = cipher.encrypt(credentials.cookie_header())
            if credentials.user_agent:
                account.user_agent = credentials.user_agent
            if credentials.x_client_version:
                account.x_client_version = credentials.x_client_version
            account.credential_status = status or CredentialStatus.UNCHECKED
            account.credential_message = message
            account.credential_checked_at = None if status is None else utcnow()
            account.rate_limited_until = None
        elif status is not None:
            account.credential_status = status
            account.credential_message = message
            account.credential_checked_at = utcnow()
        if listing_count is not None:
            account.listing_count = listing_count
        account.updated_at = utcnow()
        return AccountView.model_validate(account)


def set_client_details(
    db: Database, account_id: str, *, user_agent: str | None, x_client_version: str | None
) -> AccountView:
    with db.write() as session:
        account = live_account(session, account_id)
        if user_agent is not None:
            account.user_agent = user_agent or None
        if x_client_version is not None:
            account.x_client_version = x_client_version or None
        account.updated_at = utcnow()
        return AccountView.model_validate(account)


def set_active(db: Database, account_id: str, active: bool) -> AccountView:
    with db.write() as session:
        account = live_account(session, account_id)
        account.is_active = active
        account.updated_at = utcnow()
        return AccountView.model_validate(account)


def remove_account(db: Database, account_id: str) -> AccountView:
    """Remove an account: its cookie is wiped, its synced metrics stay, queued jobs cancel."""
    with db.read() as session:
        live_account(session, account_id)
        active_ids = list(
            session.scalars(
                select(SyncJob.job_id).where(
                    SyncJob.account_id == account_id,
                    SyncJob.status.in_(ACTIVE_JOB_STATUSES),
                )
            )
        )
    for job_id in active_ids:
        request_cancel(db, job_id)
    with db.write() as session:
        account = live_account(session, account_id)
        account.deleted_at = utcnow()
        account.is_active = False
        account.cookie_encrypted = ""
        account.updated_at = utcnow()
        return AccountView.model_validate(account)


def get_account(db: Database, account_id: str) -> AccountView:
    with db.read() as session:
        return AccountView.model_validate(live_account(session, account_id))


def list_accounts(
    db: Database, *, after: str | None = None, limit: int = 500, include_inactive: bool = True
) -> list[AccountView]:
    """A page of accounts in id order (keyset paging: pass the last id seen as ``after``)."""
    stmt = select(Account).where(Account.deleted_at.is_(None))
    if not include_inactive:
        stmt = stmt.where(Account.is_active.is_(True))
    if after is not None:
        stmt = stmt.where(Account.account_id > after)
    stmt = stmt.order_by(Account.account_id).limit(limit)
    with db.read() as session:
        return [AccountView.model_validate(a) for a in session.scalars(stmt)]


def count_accounts(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).where(Account.deleted_at.is_(None))) or 0)
