"""A sync as the worker runs it, set up in a benchmark's own process: settings, account, job."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from airbnb_tui.airbnb.client import RateGate
from airbnb_tui.airbnb.credentials import parse_credentials
from airbnb_tui.airbnb.operations import DEFAULT_CHART_METRICS, DEFAULT_LIST_OF_METRICS
from airbnb_tui.config import Settings, load_settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import CredentialStatus, JobTrigger
from airbnb_tui.db.views import Job
from airbnb_tui.sandbox import SandboxAccount
from airbnb_tui.secrets import CookieCipher
from airbnb_tui.services import accounts
from airbnb_tui.sync import jobs
from airbnb_tui.sync.runner import JobRunner
from airbnb_tui.sync.windows import SyncRange, plan, requests_per_listing

SECRET = "benchmark-secret"
DAILY_LOOKBACK_WEEKS = 1
DAILY_LOOKAHEAD_WEEKS = 25


def bench_settings(data_dir: Path, base_url: str, **extra: Any) -> Settings:
    """Settings for a sync with no pacing (no jitter, no listing pause), daily-sync windows.

    The account is new, so its first sync uses FIRST_RUN_LOOKBACK_WEEKS: set to the daily
    lookback, so the benchmark syncs what the daily schedule syncs (today -1 .. +25 weeks).
    """
    os.environ.setdefault("AIRBNB_TUI_CONFIG_FILE", str(data_dir / "no-config.toml"))
    options: dict[str, Any] = {
        "data_dir": data_dir,
        "airbnb_base_url": base_url,
        "request_jitter_seconds": "0",
        "listing_pause_seconds": "0",
        "first_run_lookback_weeks": DAILY_LOOKBACK_WEEKS,
        "lookback_weeks": DAILY_LOOKBACK_WEEKS,
        "lookahead_weeks": DAILY_LOOKAHEAD_WEEKS,
        "secret_key": SECRET,
        "max_attempts": 2,
        "retry_base_seconds": 0.01,
    }
    options.update(extra)
    return load_settings(**options)


def sync_range(settings: Settings, today: date | None = None) -> SyncRange:
    return plan(today or date.today(), settings.first_run_lookback_weeks, settings.lookahead_weeks)


def requests_for(settings: Settings, listings: int) -> int:
    """Requests one first sync of ``listings`` listings makes: discovery plus every window."""
    per_listing = requests_per_listing(
        sync_range(settings), DEFAULT_CHART_METRICS, DEFAULT_LIST_OF_METRICS
    )
    return 1 + listings * per_listing


def add_account(db: Database, settings: Settings, account: SandboxAccount) -> None:
    accounts.add_account(
        db,
        CookieCipher.from_settings(settings),
        parse_credentials(account.cookie_header()),
        account_id=account.account_id,
        status=CredentialStatus.VALID,
    )


def run_sync(
    db: Database,
    settings: Settings,
    account_id: str,
    *,
    limiter: RateGate | None = None,
    worker_id: str = "benchmark",
) -> Job:
    """Queue a sync of the account and run it here, as a worker thread would."""
    job_id = jobs.request_sync(db, account_id, trigger=JobTrigger.CLI).job_id
    runner = JobRunner(
        settings,
        db,
        worker_id=worker_id,
        cipher=CookieCipher.from_settings(settings),
        limiter=limiter,
    )
    outcome = runner.run(job_id)
    if outcome is None:
        raise RuntimeError(f"job {job_id} was not claimed")
    return outcome
