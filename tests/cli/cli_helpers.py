"""Helpers the CLI tests share: run ``main()`` like the console script, and read back rows."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from click.testing import CliRunner
from sqlalchemy import select

from airbnb_tui.cli import main
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import Account
from tests.seeding import add_job


@dataclass(frozen=True)
class Outcome:
    """What one command did: its exit code and what it printed on each stream."""

    code: int
    stdout: str
    stderr: str

    def __repr__(self) -> str:  # shown by pytest when an assertion fails
        return f"Outcome(code={self.code}, stdout={self.stdout!r}, stderr={self.stderr!r})"


Run = Callable[..., Outcome]


def run_main(args: Sequence[str], input: str | None = None) -> Outcome:
    """Run ``airbnb-tui ARGS`` through ``main()``: the exit codes and messages the console
    script gives, with click's CliRunner capturing the streams."""
    runner = CliRunner()
    with runner.isolation(input=input) as (out, err, _mixed):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        stdout = out.getvalue().decode()
        stderr = err.getvalue().decode()
    return Outcome(code, stdout, stderr)


def account_rows(db: Database) -> list[dict[str, Any]]:
    """Every accounts row as plain values: equal before and after means nothing was written."""
    with db.read() as session:
        rows = session.scalars(select(Account).order_by(Account.account_id)).all()
        return [{c.name: getattr(row, c.name) for c in Account.__table__.columns} for row in rows]


def env_for_subprocess(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env


@dataclass(frozen=True)
class ListingSeed:
    """One sync_job_listings row to seed: status, counters and error."""

    listing_id: str
    status: str
    requests_done: int = 0
    requests_total: int = 9
    rows_written: int = 0
    error_type: str | None = None
    error_message: str | None = None
    name: str | None = None


def seed_account(db: Database, account_id: str, **fields: Any) -> str:
    """An account stored through the service, with a cookie that is never sent anywhere."""
    from airbnb_tui.airbnb.credentials import Credentials
    from airbnb_tui.config import load_settings
    from airbnb_tui.secrets import CookieCipher
    from airbnb_tui.services.accounts import add_account

    cipher = CookieCipher.from_settings(load_settings())
    add_account(db, cipher, Credentials({"_aat": "seeded"}), account_id=account_id, **fields)
    return account_id


def seed_job(
    db: Database,
    account_id: str,
    status: str,
    listings: Sequence[ListingSeed] = (),
    *,
    error_type: str | None = None,
    error_message: str | None = None,
    created_at: datetime | None = None,
) -> int:
    """A sync job in any state, with listing rows and job totals that agree with them."""
    now = created_at or datetime.now(UTC)
    finished = status not in ("queued", "running")
    with db.write() as session:
        return add_job(
            session,
            listings,
            account_id=account_id,
            status=status,
            trigger="manual",
            error_type=error_type,
            error_message=error_message,
            created_at=now,
            started_at=None if status == "queued" else now,
            heartbeat_at=None if status == "queued" else now + timedelta(seconds=30),
            finished_at=now + timedelta(seconds=75) if finished else None,
            worker_id=None if status == "queued" else "w-test",
        )
