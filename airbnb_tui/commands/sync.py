"""``airbnb-tui sync``: queue a sync, follow it, or run it right here without a worker.

Exit codes (``airbnb_tui.exit_codes``, see docs/ARCHITECTURE.md): 0 when every job succeeded
(or, without --wait, was queued); 3 when Airbnb rejected an account's credentials (including
accounts skipped because their stored credentials are already rejected or expired); 5 when a
followed job ended partial, failed, interrupted or cancelled.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

from airbnb_tui.commands.accounts import all_accounts
from airbnb_tui.commands.context import CliContext, pass_ctx
from airbnb_tui.commands.output import (
    JSON_HELP,
    SkippedAccountOut,
    SyncedJobOut,
    SyncOut,
    emit_json,
)
from airbnb_tui.commands.progress import (
    LiveView,
    LogView,
    NullView,
    ProgressView,
    is_done,
)
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import JobStatus, JobTrigger
from airbnb_tui.db.views import AccountView
from airbnb_tui.errors import UserError
from airbnb_tui.exit_codes import ExitCode
from airbnb_tui.services import accounts as account_service
from airbnb_tui.services import jobs as job_service
from airbnb_tui.services.accounts import check_account_id
from airbnb_tui.services.jobs import JobProgress

if TYPE_CHECKING:
    from airbnb_tui.sync.control import StopControl

POLL_SECONDS = 0.5
NO_WORKER_HINT_AFTER_SECONDS = 3.0
CREDENTIALS_REJECTED = "credentials_rejected"


@dataclass
class Planned:
    """What ``sync`` asked for: one job per account, and the accounts it left out."""

    jobs: list[tuple[str, int, bool]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def job_ids(self) -> list[int]:
        return [job_id for _, job_id, _ in self.jobs]


def unsyncable_reason(view: AccountView) -> str | None:
    """Why a sync of this account would be refused at once, or None when it can run."""
    if not view.credential_status.usable:
        return (
            f"its credentials are {view.credential_status}; update the cookie with "
            f"`airbnb-tui accounts update {view.account_id} --cookie-file PATH`"
        )
    return None


def _targets(ctx: CliContext, account_id: str | None) -> tuple[list[str], list[tuple[str, str]]]:
    db = ctx.database()
    if account_id is not None:
        view = account_service.get_account(db, account_id)
        reason = unsyncable_reason(view)
        if reason is not None:
            raise UserError(
                f"Account {account_id} cannot sync: {reason}.",
                exit_code=ExitCode.CREDENTIALS_REJECTED,
            )
        return [account_id], []
    chosen: list[str] = []
    skipped: list[tuple[str, str]] = []
    for view in all_accounts(db, include_inactive=False):
        reason = unsyncable_reason(view)
        if reason is None:
            chosen.append(view.account_id)
        else:
            skipped.append((view.account_id, reason))
    return chosen, skipped


def plan_jobs(ctx: CliContext, account_id: str | None, *, full: bool, enqueue: bool) -> Planned:
    """Create (or find) the job of each target account."""
    accounts, skipped = _targets(ctx, account_id)
    planned = Planned(skipped=skipped)
    for target in accounts:
        request = job_service.start_sync(
            ctx.database(),
            ctx.queue() if enqueue else None,
            target,
            full_backfill=full,
            trigger=JobTrigger.CLI,
        )
        planned.jobs.append((target, request.job_id, request.created))
    return planned


# Following ------------------------------------------------------------------------------------


def follow(
    db: Database,
    job_ids: Sequence[int],
    view: ProgressView,
    *,
    poll: float = POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    keep_going: Callable[[], bool] = lambda: True,
    on_tick: Callable[[Sequence[JobProgress]], None] | None = None,
) -> list[JobProgress]:
    """Poll the jobs until each has finished (or ``keep_going`` turns false); the last view."""
    while True:
        snapshots = [job_service.job_progress(db, job_id) for job_id in job_ids]
        view.update(snapshots)
        if all(is_done(s) for s in snapshots) or not keep_going():
            return snapshots
        if on_tick is not None:
            on_tick(snapshots)
        sleep(poll)


class WorkerHint:
    """Says once, a few seconds in, that a job waits in the queue with no worker to run it."""

    def __init__(
        self,
        db: Database,
        view: ProgressView,
        *,
        stale_seconds: float,
        after: float = NO_WORKER_HINT_AFTER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.view = view
        self.stale_seconds = stale_seconds
        self.clock = clock
        self.deadline = clock() + after
        self.shown = False

    def __call__(self, snapshots: Sequence[JobProgress]) -> None:
        if self.shown or self.clock() < self.deadline:
            return
        if not any(s.job.status == JobStatus.QUEUED for s in snapshots):
            return
        from airbnb_tui.services.workers import worker_status

        if worker_status(self.db, stale_seconds=self.stale_seconds).running:
            return
        self.shown = True
        self.view.note(
            "No worker is running, so the job waits in the queue: start `airbnb-worker`, or "
            "press Ctrl+C and run this sync again with --inline."
        )


class InlineRun:
    """Runs jobs one after another in a background thread of this process (``--inline``).

    Built before any job is created, so a missing secret key or a bad rate-limit store stops
    the command before it leaves a queued job behind that nothing will run.
    """

    def __init__(self, ctx: CliContext) -> None:
        from airbnb_tui.airbnb.rate_limit import make_rate_limiter
        from airbnb_tui.secrets import CookieCipher
        from airbnb_tui.sync.control import StopControl
        from airbnb_tui.sync.runner import JobRunner

        cipher = CookieCipher.from_settings(ctx.settings, create=False)
        self.control: StopControl = StopControl()
        self.limiter = make_rate_limiter(ctx.settings)
        self.runner = JobRunner(
            ctx.settings,
            ctx.database(),
            worker_id=f"cli-{os.getpid()}",
            cipher=cipher,
            limiter=self.limiter,
            control=self.control,
        )
        self.job_ids: list[int] = []
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="sync-inline", daemon=True)

    def _run(self) -> None:
        try:
            for job_id in self.job_ids:
                if self.control.stopping:
                    return
                self.runner.run(job_id)
        except BaseException as exc:  # handed to the main thread, which reports it
            self.error = exc

    def start(self, job_ids: Sequence[int]) -> None:
        self.job_ids = list(job_ids)
        self.thread.start()

    def alive(self) -> bool:
        return self.thread.is_alive()

    def close(self) -> None:
        self.limiter.close()


def make_view(ctx: CliContext, as_json: bool) -> ProgressView:
    if as_json:
        return NullView()
    if sys.stdout.isatty():
        return LiveView(sys.stdout, requests_per_minute=ctx.settings.requests_per_minute)
    return LogView(sys.stdout)


def outcome_code(snapshots: Sequence[JobProgress], skipped: Sequence[tuple[str, str]]) -> ExitCode:
    if skipped or any(s.job.error_type == CREDENTIALS_REJECTED for s in snapshots):
        return ExitCode.CREDENTIALS_REJECTED
    if all(s.job.status == JobStatus.SUCCEEDED for s in snapshots):
        return ExitCode.OK
    return ExitCode.SYNC_INCOMPLETE


def outcome_message(snapshots: Sequence[JobProgress], skipped: Sequence[tuple[str, str]]) -> str:
    """The one or two sentences a non-zero exit prints on stderr."""
    for s in snapshots:
        if s.job.error_type == CREDENTIALS_REJECTED:
            return (
                f"Airbnb rejected account {s.job.account_id}'s credentials (job {s.job.job_id}). "
                f"Update the cookie with `airbnb-tui accounts update {s.job.account_id} "
                "--cookie-file PATH`."
            )
    if skipped:
        account_id, reason = skipped[0]
        more = f" (and {len(skipped) - 1} more)" if len(skipped) > 1 else ""
        return f"Account {account_id}{more} was not synced: {reason}."
    bad = [s.job for s in snapshots if s.job.status != JobStatus.SUCCEEDED]
    job = bad[0]
    others = f" ({len(bad) - 1} other job(s) too)" if len(bad) > 1 else ""
    if job.status == JobStatus.INTERRUPTED:
        hint = "it resumes with the next sync or when a worker starts"
    elif job.status == JobStatus.CANCELLED:
        hint = f"see `airbnb-tui jobs show {job.job_id}`"
    else:
        hint = (
            f"see the errors with `airbnb-tui jobs show {job.job_id}` and retry the failed "
            f"listings with `airbnb-tui jobs retry {job.job_id}`"
        )
    return f"Job {job.job_id} ended {job.status}{others}; {hint}."


def sync_out(
    planned: Planned, snapshots: Sequence[JobProgress] | None, code: ExitCode, db: Database
) -> SyncOut:
    by_id = {s.job.job_id: s for s in snapshots or ()}
    entries = []
    for account_id, job_id, created in planned.jobs:
        snapshot = by_id.get(job_id)
        job = snapshot.job if snapshot is not None else job_service.get_job(db, job_id)
        entries.append(
            SyncedJobOut(
                account_id=account_id,
                created=created,
                job=job,
                listings=list(snapshot.listings) if snapshot is not None else [],
            )
        )
    return SyncOut(
        jobs=entries,
        skipped=[SkippedAccountOut(account_id=a, reason=r) for a, r in planned.skipped],
        exit_code=int(code),
    )


# The command ----------------------------------------------------------------------------------


@click.command("sync")
@click.argument("account_id", required=False)
@click.option("--all", "all_accounts", is_flag=True, help="Every active account.")
@click.option("--full", is_flag=True, help="Re-fetch the whole first-run history (backfill).")
@click.option(
    "--wait", is_flag=True, help="Follow the job(s) to the end; non-zero unless all succeed."
)
@click.option("--inline", is_flag=True, help="Run the sync in this process: no worker needed.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
def sync_cmd(
    ctx: CliContext,
    account_id: str | None,
    all_accounts: bool,
    full: bool,
    wait: bool,
    inline: bool,
    as_json: bool,
) -> None:
    """Sync one account (or --all) now: queue it for the worker, or run it here with --inline.

    Asking again while an account's job is queued or running returns that job. --wait (and
    --inline) show a live progress bar on a terminal, timestamped lines otherwise, and exit 0
    only if every job succeeded: 3 when Airbnb rejected the credentials, 5 when a job ended
    partial, failed, interrupted or cancelled.

    \b
    Example:
      airbnb-tui sync 123456789 --wait
      airbnb-tui sync --all --inline
    """
    if (account_id is None) == (not all_accounts):
        raise click.UsageError("Give an ACCOUNT_ID or --all (not both).")
    if account_id is not None:
        account_id = check_account_id(account_id)
    run = InlineRun(ctx) if inline else None
    try:
        _sync(ctx, account_id, full=full, wait=wait, run=run, as_json=as_json)
    finally:
        if run is not None:
            run.close()


def _sync(
    ctx: CliContext,
    account_id: str | None,
    *,
    full: bool,
    wait: bool,
    run: InlineRun | None,
    as_json: bool,
) -> None:
    inline = run is not None
    planned = plan_jobs(ctx, account_id, full=full, enqueue=not inline)
    db = ctx.database()
    if not as_json:
        for target, job_id, created in planned.jobs:
            if created:
                where = "running here" if inline else "queued"
                click.echo(f"Job {job_id} {where} for account {target}.")
            else:
                status = job_service.get_job(db, job_id).status
                click.echo(f"Already {status}: job {job_id} for account {target}.")
        for skipped_id, reason in planned.skipped:
            click.echo(f"Skipped account {skipped_id}: {reason}.")
        if not planned.jobs and not planned.skipped:
            click.echo("No active accounts to sync.")
    snapshots: list[JobProgress] | None = None
    if (wait or inline) and planned.jobs:
        snapshots = _follow_planned(ctx, planned, run=run, as_json=as_json)
    code = (
        outcome_code(snapshots, planned.skipped)
        if snapshots is not None
        else (ExitCode.CREDENTIALS_REJECTED if planned.skipped else ExitCode.OK)
    )
    if as_json:
        emit_json(sync_out(planned, snapshots, code, db))
    if code != ExitCode.OK:
        raise UserError(outcome_message(snapshots or [], planned.skipped), exit_code=code)


def _follow_planned(
    ctx: CliContext, planned: Planned, *, run: InlineRun | None, as_json: bool
) -> list[JobProgress]:
    db = ctx.database()
    view = make_view(ctx, as_json)
    if run is None:
        hint = WorkerHint(db, view, stale_seconds=ctx.settings.heartbeat_stale_seconds)
        try:
            return follow(db, planned.job_ids, view, on_tick=hint)
        except KeyboardInterrupt:
            ids = ", ".join(str(i) for i in planned.job_ids)
            click.echo(
                f"\nStopped following; job(s) {ids} keep running in the worker "
                "(see `airbnb-tui jobs`).",
                err=True,
            )
            raise click.exceptions.Exit(130) from None
    with _engine_warnings_silenced(not ctx.debug):
        run.start(planned.job_ids)
        try:
            # Once our thread is done, a job it found running elsewhere is still followed.
            follow(db, planned.job_ids, view, keep_going=lambda: run.alive() or not run.error)
        except KeyboardInterrupt:
            view.note("Stopping: the listing in flight is rolled back…")
            run.control.request_abort()
            follow(db, planned.job_ids, view, keep_going=run.alive)
            run.thread.join()
            _cancel_unstarted(db, [job_id for _, job_id, created in planned.jobs if created])
        run.thread.join()
    if run.error is not None:
        raise run.error
    # The runner's last write can land after the poll that saw its thread end.
    snapshots = [job_service.job_progress(db, job_id) for job_id in planned.job_ids]
    view.update(snapshots)
    return snapshots


@contextmanager
def _engine_warnings_silenced(active: bool) -> Iterator[None]:
    """The sync engine's warnings (a listing failed, …) repeat what the progress display and
    the final message already say; on a terminal they would also tear the in-place redraw.
    --debug keeps them."""
    if not active:
        yield
        return
    logger = logging.getLogger("airbnb_tui")
    before = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(before)


def _cancel_unstarted(db: Database, job_ids: Sequence[int]) -> None:
    """After Ctrl+C, jobs this --inline run created but never started are cancelled, not left
    queued for a worker the operator did not ask for."""
    for job_id in job_ids:
        if job_service.get_job(db, job_id).status == JobStatus.QUEUED:
            job_service.cancel_job(db, job_id)
