"""Read side of the synced metrics, for the dashboard's metrics screen and its CSV export.

A listing's daily page views (ChartQuery ``p3_impressions``: yours against similar listings) and
weekly conversion rate (ListOfMetricsQuery ``conversion_rate``) over a date range. Every query
walks a primary-key range (account, listing, date) with a LIMIT, so a huge table costs the same
as a small one.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from airbnb_tui.config import Settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import ChartQuery, Listing, ListOfMetrics
from airbnb_tui.errors import UserError

MAX_RANGE_DAYS = 731
"""The longest range one screen asks for (two years of daily points)."""

DEFAULT_RANGE_WEEKS = 8
WEEK_DAYS = 7
CSV_COLUMNS = (
    "account_id",
    "listing_id",
    "metric",
    "period_start",
    "period_end",
    "yours",
    "similar",
)


@dataclass(frozen=True)
class ListingOption:
    """A listing the operator can pick: its id and the name the host knows it by."""

    listing_id: str
    name: str


@dataclass(frozen=True)
class DailyPageViews:
    day: date
    yours: int | None
    similar: int | None


@dataclass(frozen=True)
class WeeklyConversion:
    window_start: date
    window_end: date
    conversion_rate: float | None


@dataclass(frozen=True)
class ListingMetrics:
    """What the metrics screen draws (and exports) for one listing and date range."""

    account_id: str
    listing_id: str
    start: date
    end: date
    daily: tuple[DailyPageViews, ...]
    weekly: tuple[WeeklyConversion, ...]

    @property
    def empty(self) -> bool:
        return not self.daily and not self.weekly


def default_range(today: date, weeks: int = DEFAULT_RANGE_WEEKS) -> tuple[date, date]:
    """The range the screen opens on: the last ``weeks`` weeks up to ``today``."""
    return today - timedelta(days=weeks * WEEK_DAYS - 1), today


def check_range(start: date, end: date) -> None:
    if end < start:
        raise UserError(f"The range ends ({end}) before it starts ({start}).")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise UserError(f"Pick a range of at most {MAX_RANGE_DAYS} days.")


def account_listings(
    db: Database, account_id: str, *, after: str | None = None, limit: int = 500
) -> list[ListingOption]:
    """A page of the account's known listings in id order (keyset: pass the last id seen)."""
    stmt = select(Listing.listing_id, Listing.internal_name, Listing.listing_name).where(
        Listing.account_id == account_id
    )
    if after is not None:
        stmt = stmt.where(Listing.listing_id > after)
    stmt = stmt.order_by(Listing.listing_id).limit(limit)
    with db.read() as session:
        rows = session.execute(stmt).all()
    return [
        ListingOption(listing_id, internal or name or listing_id)
        for listing_id, internal, name in rows
    ]


def listing_metrics(
    db: Database, account_id: str, listing_id: str, start: date, end: date
) -> ListingMetrics:
    """Daily page views and weekly conversion of one listing between ``start`` and ``end``."""
    check_range(start, end)
    days = (end - start).days + 1
    daily_stmt = (
        select(
            ChartQuery.metric_date,
            ChartQuery.p3_impressions_your_value,
            ChartQuery.p3_impressions_similar_value,
        )
        .where(
            ChartQuery.account_id == account_id,
            ChartQuery.airbnb_listing_id == listing_id,
            ChartQuery.metric_date >= start,
            ChartQuery.metric_date <= end,
        )
        .order_by(ChartQuery.metric_date)
        .limit(days)
    )
    # A week that started up to six days before ``start`` still overlaps the range.
    weekly_stmt = (
        select(
            ListOfMetrics.window_start,
            ListOfMetrics.window_end,
            ListOfMetrics.conversion_rate_value,
        )
        .where(
            ListOfMetrics.account_id == account_id,
            ListOfMetrics.airbnb_listing_id == listing_id,
            ListOfMetrics.window_start >= start - timedelta(days=WEEK_DAYS - 1),
            ListOfMetrics.window_start <= end,
        )
        .order_by(ListOfMetrics.window_start)
        .limit(days // WEEK_DAYS + 2)
    )
    with db.read() as session:
        daily = tuple(
            DailyPageViews(day, yours, similar)
            for day, yours, similar in session.execute(daily_stmt).all()
        )
        weekly = tuple(
            WeeklyConversion(window_start, window_end, rate)
            for window_start, window_end, rate in session.execute(weekly_stmt).all()
            if window_end >= start
        )
    return ListingMetrics(account_id, listing_id, start, end, daily, weekly)


def default_export_path(settings: Settings, metrics: ListingMetrics) -> Path:
    """Where an export from the dashboard goes: ``{DATA_DIR}/exports/`` named for what it holds."""
    name = (
        f"metrics_{metrics.account_id}_{metrics.listing_id}_"
        f"{metrics.start.isoformat()}_{metrics.end.isoformat()}.csv"
    )
    return settings.data_dir / "exports" / name


def export_csv(metrics: ListingMetrics, path: Path) -> Path:
    """Write what the screen shows as one long-format CSV; returns the path written.

    One row per daily page-view point (``metric=page_views``, yours and similar) and one per
    weekly conversion window (``metric=conversion_rate``, similar left empty).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for point in metrics.daily:
            writer.writerow(
                (
                    metrics.account_id,
                    metrics.listing_id,
                    "page_views",
                    point.day.isoformat(),
                    point.day.isoformat(),
                    _cell(point.yours),
                    _cell(point.similar),
                )
            )
        for week in metrics.weekly:
            writer.writerow(
                (
                    metrics.account_id,
                    metrics.listing_id,
                    "conversion_rate",
                    week.window_start.isoformat(),
                    week.window_end.isoformat(),
                    _cell(week.conversion_rate),
                    "",
                )
            )
    return path


def _cell(value: float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return format(value, ".10g")
