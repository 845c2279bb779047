"""Running one listing of a job: every window and metric fetched, merged into the rows of its
three tables, then stored together with the listing's final state.

Rows are gathered in memory for ONE listing only (a few hundred rows), then committed together;
memory therefore does not grow with the number of listings in a job.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from airbnb_tui.airbnb.client import AirbnbClient
from airbnb_tui.airbnb.errors import Aborted, AirbnbError, CredentialsRejected
from airbnb_tui.airbnb.operations import MetricQuery
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import METRIC_TABLES, ListingStatus
from airbnb_tui.db.types import utcnow
from airbnb_tui.sync.planner import SyncPlan
from airbnb_tui.sync.progress import ListingRecorder
from airbnb_tui.sync.windows import SyncRange, chart_windows, list_of_metrics_windows

log = logging.getLogger(__name__)


@dataclass
class ListingFetch:
    chart_rows: list[dict[str, Any]] = field(default_factory=list)
    summary_rows: list[dict[str, Any]] = field(default_factory=list)
    lom_rows: list[dict[str, Any]] = field(default_factory=list)


def fetch_listing(
    client: AirbnbClient,
    account_id: str,
    listing_id: str,
    internal_name: str | None,
    sync_range: SyncRange,
    chart_metrics: Sequence[MetricQuery],
    lom_metrics: Sequence[MetricQuery],
    *,
    on_request: Callable[[], None] | None = None,
) -> ListingFetch:
    """Fetch a listing's windows; raises the client's AirbnbError / Aborted on failure."""
    synced_at = utcnow()
    base = {
        "account_id": account_id,
        "airbnb_listing_id": listing_id,
        "airbnb_internal_name": internal_name,
        "synced_at": synced_at,
    }
    daily: dict[date, dict[str, Any]] = {}
    summaries: dict[date, dict[str, Any]] = {}
    weekly: dict[date, dict[str, Any]] = {}

    for window in chart_windows(sync_range):
        for metric in chart_metrics:
            result = client.chart(listing_id, window, metric)
            for day, values in result.daily.items():
                daily.setdefault(day, {"metric_date": day}).update(values)
            row = summaries.setdefault(
                window.start, {"window_start": window.start, "window_end": window.end}
            )
            row.update(result.summary)
            _merge_extra(row, result.extra)
            if on_request is not None:
                on_request()

    for window in list_of_metrics_windows(sync_range):
        for metric in lom_metrics:
            metrics = client.list_of_metrics(listing_id, window, metric)
            row = weekly.setdefault(
                window.start, {"window_start": window.start, "window_end": window.end}
            )
            row.update(metrics.values)
            _merge_extra(row, metrics.extra)
            if on_request is not None:
                on_request()

    return ListingFetch(
        chart_rows=_complete(daily.values(), base, CHART_COLUMNS),
        summary_rows=_complete(summaries.values(), base, WINDOW_COLUMNS),
        lom_rows=_complete(weekly.values(), base, WINDOW_COLUMNS),
    )


def _merge_extra(row: dict[str, Any], extra: dict[str, Any]) -> None:
    if not extra:
        return
    merged = json.loads(row["extra_metrics"]) if row.get("extra_metrics") else {}
    merged.update(extra)
    row["extra_metrics"] = json.dumps(merged, sort_keys=True)


def _columns(table: str) -> tuple[str, ...]:
    return tuple(c.name for c in METRIC_TABLES[table].__table__.columns)


CHART_COLUMNS = _columns("chart_query")
WINDOW_COLUMNS = _columns("list_of_metrics")


def _complete(rows: Any, base: dict[str, Any], columns: Sequence[str]) -> list[dict[str, Any]]:
    """Every row carries every column (None where absent), as one upsert statement needs."""
    out = []
    for row in rows:
        full = dict.fromkeys(columns)
        full.update(base)
        full.update(row)
        out.append(full)
    return out


class ListingRunner:
    """Runs a job's listings one at a time through ``client``, each in its own transaction.

    A listing Airbnb fails is recorded as failed and the job goes on. Rejected credentials are
    recorded on the listing and raised: they stop the job. A wait cut short (the job is
    stopping) rolls the listing back to pending, nothing of it stored, and raises Aborted.
    """

    def __init__(
        self,
        db: Database,
        client: AirbnbClient,
        plan: SyncPlan,
        *,
        job_id: int,
        account_id: str,
        worker_id: str,
    ) -> None:
        self.db = db
        self.client = client
        self.plan = plan
        self.job_id = job_id
        self.account_id = account_id
        self.worker_id = worker_id

    def run(self, listing_id: str, internal_name: str | None) -> bool:
        """Fetch and store one listing; True when stored, False when it failed."""
        recorder = ListingRecorder(self.db, self.job_id, listing_id, self.worker_id)
        recorder.start()
        try:
            fetched = fetch_listing(
                self.client,
                self.account_id,
                listing_id,
                internal_name,
                self.plan.sync_range,
                self.plan.chart_metrics,
                self.plan.lom_metrics,
                on_request=recorder.tick,
            )
        except Aborted:
            recorder.roll_back(ListingStatus.PENDING)
            raise
        except CredentialsRejected as exc:
            recorder.commit_failure(exc.kind, exc.message)
            raise
        except AirbnbError as exc:
            log.warning("listing %s failed: %s", listing_id, exc.kind)
            recorder.commit_failure(exc.kind, exc.message)
            return False
        recorder.commit_success(fetched.chart_rows, fetched.summary_rows, fetched.lom_rows)
        return True
