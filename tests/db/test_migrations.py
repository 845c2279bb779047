"""Migrations round-trip on both backends and match the models exactly."""

from __future__ import annotations

from alembic import command
from alembic.util.exc import CommandError
from sqlalchemy import inspect

from airbnb_tui.db import migrate
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import Base

EXPECTED_INDEXES = {
    "accounts": {"ix_accounts_is_active", "ix_accounts_customer_id", "ix_accounts_last_sync_at"},
    "chart_query": {"ix_chart_query_metric_date", "ix_chart_query_account_id_metric_date"},
    "chart_summary": {"ix_chart_summary_window_start"},
    "list_of_metrics": {"ix_list_of_metrics_window_start"},
    "sync_jobs": {
        "ix_sync_jobs_account_id_created_at",
        "ix_sync_jobs_status",
        "uq_sync_jobs_one_active_per_account",
        "uq_sync_jobs_scheduled_for",
    },
    "sync_job_listings": {"ix_sync_job_listings_job_id_position"},
}
EXPECTED_PRIMARY_KEYS = {
    "chart_query": ["account_id", "airbnb_listing_id", "metric_date"],
    "chart_summary": ["account_id", "airbnb_listing_id", "window_start"],
    "list_of_metrics": ["account_id", "airbnb_listing_id", "window_start"],
    "sync_job_listings": ["job_id", "listing_id"],
}


def _tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_creates_every_table_and_index(database_url: str) -> None:
    db = Database(database_url)
    try:
        migrate.upgrade(db)
        assert _tables(db) == set(Base.metadata.tables)
        inspector = inspect(db.engine)
        for table, names in EXPECTED_INDEXES.items():
            found = {ix["name"] for ix in inspector.get_indexes(table)}
            assert names <= found, (table, names - found)
        for table, columns in EXPECTED_PRIMARY_KEYS.items():
            assert inspector.get_pk_constraint(table)["constrained_columns"] == columns
        active = next(
            ix
            for ix in inspector.get_indexes("sync_jobs")
            if ix["name"] == "uq_sync_jobs_one_active_per_account"
        )
        assert active["unique"]
    finally:
        db.dispose()


def test_round_trip_upgrade_downgrade_upgrade(database_url: str) -> None:
    db = Database(database_url)
    try:
        migrate.upgrade(db)
        migrate.downgrade(db, "base")
        assert _tables(db) == set()
        assert migrate.current_revision(db) is None
        migrate.upgrade(db)
        assert _tables(db) == set(Base.metadata.tables)
        assert migrate.current_revision(db) == migrate.head_revision()
    finally:
        db.dispose()


def test_alembic_check_finds_no_drift(database_url: str) -> None:
    db = Database(database_url)
    try:
        migrate.upgrade(db)
        cfg = migrate.alembic_config(database_url)
        try:
            command.check(cfg)
        except CommandError as exc:  # pragma: no cover - the failure message is the point
            raise AssertionError(f"models and migrations differ: {exc}") from exc
    finally:
        db.dispose()
