"""The indexes serve the real queries: with thousands of rows, no query scans its table."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Select, insert, text

from airbnb_tui.db import queries
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import Account, ChartQuery, SyncJob, SyncJobListing

N_ACCOUNTS = 3000
START = date(2025, 1, 5)
NOW = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture
def populated(db: Database) -> Database:
    rng = random.Random(7)
    accounts = [
        {
            "account_id": str(10_000 + i),
            "label": f"acct {i}",
            "customer_id": f"cust-{i % 300}",
            "cookie_encrypted": "x",
            "is_active": i % 10 == 0,
            "credential_status": "valid",
            "created_at": NOW,
            "updated_at": NOW,
            "last_sync_at": NOW - timedelta(hours=rng.randint(0, 500)),
        }
        for i in range(N_ACCOUNTS)
    ]
    chart = [
        {
            "account_id": str(10_000 + a),
            "airbnb_listing_id": str(900 + listing),
            "metric_date": START + timedelta(days=d),
            "p3_impressions_your_value": rng.randint(0, 40),
            "synced_at": NOW,
        }
        for a in range(40)
        for listing in range(3)
        for d in range(60)
    ]
    jobs = [
        {
            "job_id": j + 1,
            "account_id": str(10_000 + j % 200),
            "status": "succeeded",
            "trigger": "scheduled",
            "created_at": NOW - timedelta(minutes=j),
        }
        for j in range(4000)
    ]
    progress = [
        {
            "job_id": j + 1,
            "listing_id": str(900 + p),
            "position": p,
            "status": "succeeded",
        }
        for j in range(1000)
        for p in range(5)
    ]
    with db.write() as session:
        session.execute(insert(Account), accounts)
        session.execute(insert(ChartQuery), chart)
        session.execute(insert(SyncJob), jobs)
        session.execute(insert(SyncJobListing), progress)
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return db


CASES: dict[str, tuple[Select[Any], str]] = {
    "active accounts": (queries.active_accounts(), "accounts"),
    "accounts of one customer": (queries.accounts_of_customer("cust-7"), "accounts"),
    "chart_query of one account over a range": (
        queries.chart_query_range("10003", START, START + timedelta(days=13)),
        "chart_query",
    ),
    "latest jobs of an account": (queries.latest_jobs("10005"), "sync_jobs"),
    "progress rows of one job": (queries.job_progress(42), "sync_job_listings"),
}


def _plan(db: Database, stmt: Select[Any]) -> str:
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + str(compiled)).fetchall()
    return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize("case", list(CASES))
def test_query_uses_an_index(populated: Database, case: str) -> None:
    stmt, table = CASES[case]
    plan = _plan(populated, stmt)
    if populated.is_sqlite:
        assert f"SCAN {table}" not in plan.replace("SCAN TABLE", "SCAN"), plan
        assert "USING" in plan, plan
        assert "INDEX" in plan, plan
    else:
        assert "Seq Scan" not in plan, plan
        assert "Index" in plan, plan
