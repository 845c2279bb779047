"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import airbnb_tui.db.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "accounts",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("customer_id", sa.String(length=100), nullable=True),
        sa.Column("cookie_encrypted", sa.Text(), nullable=False),
        sa.Column("x_client_version", sa.String(length=100), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("(true)"), nullable=False),
        sa.Column(
            "credential_status", sa.String(length=16), server_default="unchecked", nullable=False
        ),
        sa.Column(
            "credential_checked_at", airbnb_tui.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("credential_message", sa.Text(), nullable=True),
        sa.Column("listing_count", sa.Integer(), nullable=True),
        sa.Column("last_sync_at", airbnb_tui.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "rate_limited_until", airbnb_tui.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_at", airbnb_tui.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", airbnb_tui.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", airbnb_tui.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_accounts")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index("ix_accounts_customer_id", ["customer_id"], unique=False)
        batch_op.create_index("ix_accounts_is_active", ["is_active"], unique=False)
        batch_op.create_index("ix_accounts_last_sync_at", ["last_sync_at"], unique=False)

    op.create_table(
        "workers",
        sa.Column("worker_id", sa.String(length=128), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", airbnb_tui.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", airbnb_tui.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", airbnb_tui.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("current_job_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_workers")),
    )
    op.create_table(
        "chart_query",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("airbnb_listing_id", sa.String(length=32), nullable=False),
        sa.Column("metric_date", sa.Date(), nullable=False),
        sa.Column("airbnb_internal_name", sa.Text(), nullable=True),
        sa.Column("conversion_rate_your_value", sa.Float(), nullable=True),
        sa.Column("conversion_rate_your_value_string", sa.Text(), nullable=True),
        sa.Column("conversion_rate_similar_value", sa.Float(), nullable=True),
        sa.Column("conversion_rate_similar_value_string", sa.Text(), nullable=True),
        sa.Column("p3_impressions_your_value", sa.BigInteger(), nullable=True),
        sa.Column("p3_impressions_your_value_string", sa.Text(), nullable=True),
        sa.Column("p3_impressions_similar_value", sa.BigInteger(), nullable=True),
        sa.Column("p3_impressions_similar_value_string", sa.Text(), nullable=True),
        sa.Column("synced_at", airbnb_tui.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_chart_query_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "account_id", "airbnb_listing_id", "metric_date", name=op.f("pk_chart_query")
        ),
    )
    with op.batch_alter_table("chart_query", schema=None) as batch_op:
        batch_op.create_index(
            "ix_chart_query_account_id_metric_date", ["account_id", "metric_date"], unique=False
        )
        batch_op.create_index("ix_chart_query_metric_date", ["metric_date"], unique=False)

    op.create_table(
        "chart_summary",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("airbnb_listing_id", sa.String(length=32), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("airbnb_internal_name", sa.Text(), nullable=True),
        sa.Column("conversion_rate_value", sa.Float(), nullable=True),
        sa.Column("conversion_rate_value_string", sa.Text(), nullable=True),
        sa.Column("conversion_rate_value_change", sa.Float(), nullable=True),
        sa.Column("conversion_rate_value_change_string", sa.Text(), nullable=True),
        sa.Column("p2_impressions_first_page_rate_value", sa.Float(), nullable=True),
        sa.Column("p2_impressions_first_page_rate_value_string", sa.Text(), nullable=True),
        sa.Column("p2_impressions_first_page_rate_value_change", sa.Float(), nullable=True),
        sa.Column("p2_impressions_first_page_rate_value_change_string", sa.Text(), nullable=True),
        sa.Column("search_conversion_rate_value", sa.Float(), nullable=True),
        sa.Column("search_conversion_rate_value_string", sa.Text(), nullable=True),
        sa.Column("search_conversion_rate_value_change", sa.Float(), nullable=True),
        sa.Column("search_conversion_rate_value_change_string", sa.Text(), nullable=True),
        sa.Column("listing_conversion_rate_value", sa.Float(), nullable=True),
        sa.Column("listing_conversion_rate_value_string", sa.Text(), nullable=True),
        sa.Column("listing_conversion_rate_value_change", sa.Float(), nullable=True),
        sa.Column("listing_conversion_rate_value_change_string", sa.Text(), nullable=True),
        sa.Column("p3_impressions_value", sa.BigInteger(), nullable=True),
        sa.Column("p3_impressions_value_string", sa.Text(), nullable=True),
        sa.Column("p3_impressions_value_change", sa.Float(), nullable=True),
        sa.Column("p3_impressions_value_change_string", sa.Text(), nullable=True),
        sa.Column("p2_impressions_value", sa.BigInteger(), nullable=True),
        sa.Column("p2_impressions_value_string", sa.Text(), nullable=True),
        sa.Column("p2_impressions_value_change", sa.Float(), nullable=True),
        sa.Column("p2_impressions_value_change_string", sa.Text(), nullable=True),
        sa.Column("extra_metrics", sa.Text(), nullable=True),
        sa.Column("synced_at", airbnb_tui.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_chart_summary_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "account_id", "airbnb_listing_id", "window_start", name=op.f("pk_chart_summary")
        ),
    )
    with op.batch_alter_table("chart_summary", schema=None) as batch_op:
        batch_op.create_index("ix_chart_summary_window_start", ["window_start"], unique=False)

    op.create_table(
        "list_of_metrics",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("airbnb_listing_id", sa.String(length=32), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("airbnb_internal_name", sa.Text(), nullable=True),
        sa.Column("conversion_rate_value", sa.Float(), nullable=True),
        sa.Column("conversion_rate_value_string", sa.Text(), nullable=True),
        sa.Column("conversion_rate_value_change", sa.Float(), nullable=True),
        sa.Column("conversion_rate_value_change_string", sa.Text(), nullable=True),
        sa.Column("p2_impressions_first_page_rate_value", sa.Float(), nullable=True),
        sa.Column("p2_impressions_first_page_rate_value_string", sa.Text(), nullable=True),
        sa.Column("p2_impressions_first_page_rate_value_change", sa.Float(), nullable=True),
        sa.Column("p2_impressions_first_page_rate_value_change_string", sa.Text(), nullable=True),
        sa.Column("search_conversion_rate_value", sa.Float(), nullable=True),
        sa.Column("search_conversion_rate_value_string", sa.Text(), nullable=True),
        sa.Column("search_conversion_rate_value_change", sa.Float(), nullable=True),
        sa.Column("search_conversion_rate_value_change_string", sa.Text(), nullable=True),
        sa.Column("listing_conversion_rate_value", sa.Float(), nullable=True),
        sa.Column("listing_conversion_rate_value_string", sa.Text(), nullable=True),
        sa.Column("listing_conversion_rate_value_change", sa.Float(), nullable=True),
        sa.Column("listing_conversion_rate_value_change_string", sa.Text(), nullable=True),
        sa.Column("p3_impressions_value", sa.BigInteger(), nullable=True),
        sa.Column("p3_impressions_value_string", sa.Text(), nullable=True),
        sa.Column("p3_impressions_value_change", sa.Float(), nullable=True),
        sa.Column("p3_impressions_value_change_string", sa.Text(), nullable=True),
        sa.Column("p2_impressions_value", sa.BigInteger(), nullable=True),
        sa.Column("p2_impressions_value_string", sa.Text(), nullable=True),
        sa.Column("p2_impressions_value_change", sa.Float(), nullable=True),
        sa.Column("p2_impressions_value_change_string", sa.Text(), nullable=True),
        sa.Column("extra_metrics", sa.Text(), nullable=True),
        sa.Column("synced_at", airbnb_tui.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_list_of_metrics_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "account_id", "airbnb_listing_id", "window_start", name=op.f("pk_list_of_metrics")
        ),
    )
    with op.batch_alter_table("list_of_metrics", schema=None) as batch_op:
        batch_op.create_index("ix_list_of_metrics_window_start", ["window_start"], unique=False)

    op.create_table(
        "listings",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("listing_id", sa.String(length=32), nullable=False),
        sa.Column("internal_name", sa.Text(), nullable=True),
        sa.Column("listing_name", sa.Text(), nullable=True),
        sa.Column("first_seen_at", airbnb_tui.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", airbnb_tui.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_listings_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "listing_id", name=op.f("pk_listings")),
    )
    op.create_table(
        "sync_jobs",
        sa.Column("job_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("full_backfill", sa.Boolean(), server_default=sa.text("(false)"), nullable=False),
        sa.Column("retry_of_job_id", sa.Integer(), nullable=True),
        sa.Column("scheduled_for", sa.Date(), nullable=True),
        sa.Column("window_start", sa.Date(), nullable=True),
        sa.Column("window_end", sa.Date(), nullable=True),
        sa.Column("listings_total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("listings_completed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("listings_failed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("requests_made", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_written", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error_type", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("worker_id", sa.String(length=128), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "cancel_requested", sa.Boolean(), server_default=sa.text("(false)"), nullable=False
        ),
        sa.Column("created_at", airbnb_tui.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", airbnb_tui.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", airbnb_tui.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", airbnb_tui.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_sync_jobs_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_sync_jobs")),
    )
    with op.batch_alter_table("sync_jobs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sync_jobs_account_id_created_at", ["account_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_sync_jobs_status", ["status"], unique=False)
        batch_op.create_index(
            "uq_sync_jobs_one_active_per_account",
            ["account_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('queued', 'running')"),
            postgresql_where=sa.text("status IN ('queued', 'running')"),
        )
        batch_op.create_index(
            "uq_sync_jobs_scheduled_for",
            ["account_id", "scheduled_for"],
            unique=True,
            sqlite_where=sa.text("scheduled_for IS NOT NULL"),
            postgresql_where=sa.text("scheduled_for IS NOT NULL"),
        )

    op.create_table(
        "sync_job_listings",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.String(length=32), nullable=False),
        sa.Column("listing_name", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requests_done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("requests_total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_written", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error_type", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("started_at", airbnb_tui.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", airbnb_tui.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["sync_jobs.job_id"],
            name=op.f("fk_sync_job_listings_job_id_sync_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "listing_id", name=op.f("pk_sync_job_listings")),
    )
    with op.batch_alter_table("sync_job_listings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sync_job_listings_job_id_position", ["job_id", "position"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("sync_job_listings", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_job_listings_job_id_position")

    op.drop_table("sync_job_listings")
    with op.batch_alter_table("sync_jobs", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_sync_jobs_scheduled_for",
            sqlite_where=sa.text("scheduled_for IS NOT NULL"),
            postgresql_where=sa.text("scheduled_for IS NOT NULL"),
        )
        batch_op.drop_index(
            "uq_sync_jobs_one_active_per_account",
            sqlite_where=sa.text("status IN ('queued', 'running')"),
            postgresql_where=sa.text("status IN ('queued', 'running')"),
        )
        batch_op.drop_index("ix_sync_jobs_status")
        batch_op.drop_index("ix_sync_jobs_account_id_created_at")

    op.drop_table("sync_jobs")
    op.drop_table("listings")
    with op.batch_alter_table("list_of_metrics", schema=None) as batch_op:
        batch_op.drop_index("ix_list_of_metrics_window_start")

    op.drop_table("list_of_metrics")
    with op.batch_alter_table("chart_summary", schema=None) as batch_op:
        batch_op.drop_index("ix_chart_summary_window_start")

    op.drop_table("chart_summary")
    with op.batch_alter_table("chart_query", schema=None) as batch_op:
        batch_op.drop_index("ix_chart_query_metric_date")
        batch_op.drop_index("ix_chart_query_account_id_metric_date")

    op.drop_table("chart_query")
    op.drop_table("workers")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_accounts_last_sync_at")
        batch_op.drop_index("ix_accounts_is_active")
        batch_op.drop_index("ix_accounts_customer_id")

    op.drop_table("accounts")
