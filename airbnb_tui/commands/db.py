"""``airbnb-tui db``: schema migrations, and rotation of the key that seals stored cookies."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from airbnb_tui.commands.context import CliContext, pass_ctx
from airbnb_tui.errors import SecretKeyError, UserError

if TYPE_CHECKING:
    from airbnb_tui.config import Settings
    from airbnb_tui.db.engine import Database
    from airbnb_tui.secrets import CookieCipher, KeyFiles


@click.group("db")
def db_group() -> None:
    """Manage the database schema and the key that seals stored cookies.

    \b
    Example:
      airbnb-tui db upgrade
      airbnb-tui db rotate-key
    """


@db_group.command("upgrade")
@pass_ctx
def upgrade_cmd(ctx: CliContext) -> None:
    """Apply every pending migration to the configured database.

    \b
    Example:
      AIRBNB_TUI_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/airbnb airbnb-tui db upgrade
    """
    from airbnb_tui.db import migrate
    from airbnb_tui.db.open import describe_url, open_database

    db = open_database(ctx.settings, migrate=False)
    try:
        before = migrate.current_revision(db)
        migrate.upgrade(db)
        after = migrate.current_revision(db)
    finally:
        db.dispose()
    where = describe_url(ctx.settings.effective_database_url)
    if before == after:
        click.echo(f"{where} is up to date (revision {after}).")
    else:
        click.echo(f"Upgraded {where} from {before or 'empty'} to {after}.")


@db_group.command("current")
@pass_ctx
def current_cmd(ctx: CliContext) -> None:
    """Print the schema revision of the database and the one this version needs.

    \b
    Example:
      airbnb-tui db current
    """
    from airbnb_tui.db import migrate
    from airbnb_tui.db.open import open_database

    db = open_database(ctx.settings, migrate=False)
    try:
        current = migrate.current_revision(db)
    finally:
        db.dispose()
    click.echo(f"current: {current or 'empty'}\nhead:    {migrate.head_revision()}")


@db_group.command("rotate-key")
@click.option(
    "--new-key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Take the new key from this file (a Fernet key, or 32+ characters) instead of "
    "generating one. Required when AIRBNB_TUI_SECRET_KEY is set.",
)
@pass_ctx
def rotate_key_cmd(ctx: CliContext, new_key_file: Path | None) -> None:
    """Re-encrypt every stored cookie with a new key, in one transaction.

    The new key goes to the key file only after the database committed; until then the old
    key stays in use, and an interrupted rotation is finished by running the command again.
    The previous key is kept in secret.key.old, so a cookie another process saved during the
    rotation still opens; the next rotation re-encrypts it and replaces that file.

    \b
    Example:
      airbnb-tui db rotate-key
      airbnb-tui db rotate-key --new-key-file /run/secrets/airbnb-tui.key
    """
    from airbnb_tui.db.open import open_database

    new_key = read_new_key(new_key_file) if new_key_file is not None else None
    db = open_database(ctx.settings)
    try:
        result = rotate_key(ctx.settings, db, new_key)
    finally:
        db.dispose()
    noun = "cookie" if result.cookies == 1 else "cookies"
    resumed = " (finishing an interrupted rotation)" if result.resumed else ""
    click.echo(f"Re-encrypted {result.cookies} stored {noun}{resumed}.")
    if result.key_file is not None:
        click.echo(
            f"The new key (#{result.fingerprint}) is in {result.key_file}; the previous one is "
            f"kept in {result.key_file.name}.old until the next rotation. Back up the new key "
            "file: without it the cookies cannot be opened."
        )
    else:
        click.echo(
            f"The cookies are now sealed with the key in {new_key_file} (#{result.fingerprint}). "
            "Set AIRBNB_TUI_SECRET_KEY to that key wherever airbnb-tui and airbnb-worker run, "
            "and restart them: the old key no longer opens the cookies."
        )


MIN_PASSPHRASE_LENGTH = 32


def read_new_key(path: Path) -> str:
    """The key in ``path``: a Fernet key, or a passphrase long enough to derive one from."""
    from airbnb_tui.secrets import is_fernet_key

    try:
        key = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "it is not a text file"
        raise UserError(f"Cannot read the new key file {path}: {reason}.") from None
    if not is_fernet_key(key) and len(key) < MIN_PASSPHRASE_LENGTH:
        raise UserError(
            f"The new key in {path} is too short: use a Fernet key (generate one with "
            "`python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`) or at least "
            f"{MIN_PASSPHRASE_LENGTH} characters."
        )
    return key


@dataclass(frozen=True)
class Rotation:
    """What a key rotation did: cookies re-encrypted, and where the new key lives."""

    cookies: int
    fingerprint: str
    key_file: Path | None
    resumed: bool = False


def rotate_key(settings: Settings, db: Database, new_key: str | None) -> Rotation:
    """Re-encrypt every stored cookie with ``new_key`` (or a generated one).

    With the key file (no AIRBNB_TUI_SECRET_KEY), the steps are ordered so that a crash at any
    point leaves every cookie openable by the keys on disk: the outgoing key is copied to
    ``secret.key.old`` and the incoming one staged in ``secret.key.new`` (both fsynced), then
    the database re-encrypts in ONE transaction, and only after it committed does the staged
    file replace ``secret.key`` (an atomic rename). Ciphers opened from the settings try all
    three files. A leftover ``secret.key.new`` means a rotation was interrupted: its key is
    reused, so running the command again finishes it.
    """
    from airbnb_tui.secrets import CookieCipher, KeyFiles, generate_key, key_fingerprint

    if settings.secret_key:
        if new_key is None:
            raise UserError(
                "AIRBNB_TUI_SECRET_KEY is set, so the new key cannot be stored for you: put a "
                "new key in a file and run `airbnb-tui db rotate-key --new-key-file FILE`, then "
                "set AIRBNB_TUI_SECRET_KEY to it."
            )
        _refuse_same(new_key, settings.secret_key)
        count = reencrypt_cookies(db, CookieCipher(new_key, old_keys=(settings.secret_key,)))
        return Rotation(count, key_fingerprint(new_key), None)

    files = KeyFiles(settings.key_file)
    with files.locked():
        _remove_stale_temp_files(files)
        current = files.read(files.path)
        pending = files.read(files.new)
        previous = files.read(files.old)
        resumed = pending is not None
        if pending is not None:
            if new_key is not None and new_key != pending:
                raise UserError(
                    f"A previous key rotation was interrupted ({files.new} is still there); "
                    "run `airbnb-tui db rotate-key` without --new-key-file to finish it first."
                )
            new_key = pending
        else:
            new_key = new_key or generate_key()
            if current is not None:
                _refuse_same(new_key, current)
                files.write(files.old, current)
            files.write(files.new, new_key)
        known = tuple(k for k in (current, previous) if k is not None)
        try:
            count = reencrypt_cookies(db, CookieCipher(new_key, old_keys=known))
        except SecretKeyError:
            if not resumed:  # put the files back as they were: nothing was re-encrypted
                files.remove(files.new)
                if previous is not None:
                    files.write(files.old, previous)
                else:
                    files.remove(files.old)
            raise
        promote_new_key(files)
    return Rotation(count, key_fingerprint(new_key), files.path, resumed=resumed)


def promote_new_key(files: KeyFiles) -> None:
    """Make the staged key the key file: one atomic rename, made durable."""
    from airbnb_tui.secrets import sync_dir

    os.replace(files.new, files.path)
    sync_dir(files.path.parent)


def reencrypt_cookies(db: Database, cipher: CookieCipher) -> int:
    """Re-encrypt every account's cookie under ``cipher``'s primary key in one transaction.

    Rows sealed by any of its keys are accepted; one that none opens stops the rotation with
    nothing changed. On PostgreSQL the table is locked against other writers for the moment
    it takes, so no cookie is saved under the old key in between.
    """
    from sqlalchemy import select, text, update

    from airbnb_tui.db.models import Account

    with db.write() as session:
        if not db.is_sqlite:  # SQLite's BEGIN IMMEDIATE already keeps other writers out
            session.execute(text("LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE"))
        rows = session.execute(
            select(Account.account_id, Account.cookie_encrypted)
            .where(Account.cookie_encrypted != "")
            .order_by(Account.account_id)
        ).all()
        for account_id, sealed in rows:
            try:
                rotated = cipher.rotate(sealed)
            except SecretKeyError:
                raise SecretKeyError(
                    f"The cookie of account {account_id} cannot be opened with the current key "
                    "(or the previous one), so nothing was re-encrypted. Restore the key it was "
                    f"saved with, or add the cookie again with `airbnb-tui accounts update "
                    f"{account_id} --cookie-file PATH` (or remove the account), then rotate."
                ) from None
            session.execute(
                update(Account)
                .where(Account.account_id == account_id)
                .values(cookie_encrypted=rotated)
                .execution_options(synchronize_session=False)
            )
    return len(rows)


def _refuse_same(new_key: str, current: str) -> None:
    from airbnb_tui.secrets import same_key

    if same_key(new_key, current):
        raise UserError("The new key is the key in use now; give a different one.")


def _remove_stale_temp_files(files: KeyFiles) -> None:
    """Temporary files a crashed rotation may have left (they hold key material)."""
    for temp in files.path.parent.glob(f".{files.path.name}*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
