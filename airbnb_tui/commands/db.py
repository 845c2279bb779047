"""``airbnb-tui db``: schema migrations."""

from __future__ import annotations

import click

from airbnb_tui.commands.context import CliContext, pass_ctx


@click.group("db")
def db_group() -> None:
    """Manage the database schema.

    \b
    Example:
      airbnb-tui db upgrade
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
