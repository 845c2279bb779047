"""``airbnb-tui demo``: the product end to end on a throw-away data dir.

Starts the sandbox (in this process), a real ``airbnb-worker`` subprocess and a demo account,
then opens the dashboard on the live sync — or, with ``--headless``, follows the sync to the end
and prints a summary. Every process it started is ended on exit, Ctrl+C included.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

import click

from airbnb_tui.commands.context import CliContext, pass_ctx
from airbnb_tui.db.models import JobStatus
from airbnb_tui.exit_codes import ExitCode

# Small, quick settings so the demo shows a whole sync in about a minute.
DEMO_ENV = {
    "AIRBNB_TUI_REQUESTS_PER_MINUTE": "300",
    "AIRBNB_TUI_REQUEST_JITTER_SECONDS": "0-0.1",
    "AIRBNB_TUI_LISTING_PAUSE_SECONDS": "0.5-1",
    "AIRBNB_TUI_FIRST_RUN_LOOKBACK_WEEKS": "8",
    "AIRBNB_TUI_LOOKAHEAD_WEEKS": "4",
    "AIRBNB_TUI_HEARTBEAT_INTERVAL_SECONDS": "1",
    "AIRBNB_TUI_SHUTDOWN_GRACE_SECONDS": "5",
}


@click.command("demo")
@click.option("--headless", is_flag=True, help="Run one demo sync to the end and print a summary.")
@click.option(
    "--data-dir",
    "demo_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Keep the demo's data here instead of a temporary directory.",
)
@click.option("--listings", default=7, show_default=True, type=click.IntRange(1, 500))
@click.option("--fail-rate", default=0.0, type=click.FloatRange(0, 1), help="Sandbox 5xx rate.")
@pass_ctx
def demo_cmd(
    ctx: CliContext, headless: bool, demo_dir: Path | None, listings: int, fail_rate: float
) -> None:
    """Start a sandbox, a worker and a demo account, and watch a live sync.

    \b
    Example:
      airbnb-tui demo
      airbnb-tui demo --headless
    """
    code = run_demo(
        ctx, headless=headless, demo_dir=demo_dir, listings=listings, fail_rate=fail_rate
    )
    if code:
        sys.exit(code)


def run_demo(
    ctx: CliContext, *, headless: bool, demo_dir: Path | None, listings: int, fail_rate: float
) -> int:
    from airbnb_tui.sandbox import FaultConfig, SandboxServer, demo_sandbox_accounts

    temporary = demo_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="airbnb-tui-demo-")) if demo_dir is None else demo_dir
    accounts = demo_sandbox_accounts(n_accounts=1, listings=listings)
    try:
        faults = FaultConfig.parse({"server_error_rate": fail_rate}) if fail_rate else None
        with SandboxServer(accounts=accounts, faults=faults) as sandbox:
            env = _demo_env(data_dir, sandbox.base_url)
            with _environment(env):
                ctx.reopen({"data_dir": data_dir})
                account = accounts[0]
                job_id = _prepare(ctx, account.account_id, account.cookie_header(), headless)
                log_path = data_dir / "worker.log"
                with _worker_process(env, log_path):
                    if headless:
                        return _follow_headless(ctx, job_id, sandbox)
                    from airbnb_tui.ui.app import run_app

                    run_app(ctx.settings, ctx.database(), ctx.queue(), open_job=job_id)
                    return 0
    finally:
        ctx.close()
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)


def _demo_env(data_dir: Path, base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRBNB_TUI_")}
    env.update(DEMO_ENV)
    env["AIRBNB_TUI_DATA_DIR"] = str(data_dir)
    env["AIRBNB_TUI_AIRBNB_BASE_URL"] = base_url
    return env


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _prepare(ctx: CliContext, account_id: str, cookie: str, headless: bool) -> int:
    from airbnb_tui.airbnb.credentials import parse_credentials
    from airbnb_tui.db.models import CredentialStatus
    from airbnb_tui.secrets import CookieCipher
    from airbnb_tui.services import accounts, jobs, validation

    settings = ctx.settings
    db = ctx.database()
    creds = parse_credentials(cookie)
    verdict = validation.validate_credentials(settings, account_id, creds)
    if not verdict.ok:
        raise click.ClickException(f"the demo account did not validate: {verdict.message}")
    accounts.add_account(
        db,
        CookieCipher.from_settings(settings),
        creds,
        account_id=account_id,
        label="Demo host",
        status=verdict.credential_status or CredentialStatus.UNCHECKED,
        listing_count=verdict.listing_count,
    )
    if headless:
        click.echo(f"demo account {account_id}: {verdict.summary()}")
    return jobs.start_sync(db, ctx.queue(), account_id).job_id


@contextmanager
def _worker_process(env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    log: IO[bytes] = open(log_path, "ab")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(
        [sys.executable, "-m", "worker", "--verbose"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    previous = signal.getsignal(signal.SIGTERM)

    def _terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        yield proc
    finally:
        signal.signal(signal.SIGTERM, previous)
        _stop(proc)
        log.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                proc.kill()
            proc.wait(timeout=5)


def _follow_headless(ctx: CliContext, job_id: int, sandbox: Any) -> int:
    from airbnb_tui.services.jobs import job_progress

    db = ctx.database()
    started = time.monotonic()
    last_state: tuple[str, int] | None = None
    while True:
        progress = job_progress(db, job_id)
        job = progress.job
        finished = job.listings_completed + job.listings_failed
        # One line per listing finished (not per poll), so the output reads as a log.
        if (job.status, finished) != last_state:
            click.echo(
                f"[{time.monotonic() - started:6.1f}s] job {job_id} {job.status}: "
                f"{finished}/{job.listings_total} listings, {progress.requests_done}/"
                f"{progress.requests_total} requests, {job.rows_written} rows"
            )
            last_state = (job.status, finished)
        if not job.is_active:
            break
        time.sleep(0.25)
    elapsed = time.monotonic() - started
    click.echo(
        f"\nsummary: job {job_id} {job.status} in {elapsed:.1f} s — "
        f"{job.listings_completed} listings synced, {job.listings_failed} failed, "
        f"{job.rows_written} rows written, {sandbox.stats().total} requests served by the sandbox"
    )
    return 0 if job.status == JobStatus.SUCCEEDED else int(ExitCode.SYNC_INCOMPLETE)
