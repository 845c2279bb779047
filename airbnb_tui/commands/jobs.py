"""``airbnb-tui jobs``: sync history, one job's listings and errors, cancel and retry."""

from __future__ import annotations

import click

from airbnb_tui.commands.context import CliContext, pass_ctx
from airbnb_tui.commands.output import (
    JSON_HELP,
    JobCancelOut,
    JobListOut,
    JobRetryOut,
    JobShowOut,
    emit_json,
    format_duration,
    render_fields,
    render_table,
)
from airbnb_tui.db.models import JobStatus, ListingStatus
from airbnb_tui.db.views import Job
from airbnb_tui.errors import UserError
from airbnb_tui.services import jobs as job_service
from airbnb_tui.services.accounts import check_account_id, get_account


def job_duration(view: Job) -> float | None:
    if view.started_at is None:
        return None
    end = view.finished_at or view.heartbeat_at
    return None if end is None else (end - view.started_at).total_seconds()


def listings_cell(view: Job) -> str:
    done = view.listings_completed + view.listings_failed
    return f"{done}/{view.listings_total}"


@click.group("jobs", invoke_without_command=True)
@click.option("--account", "account_id", help="Only this account's jobs.")
@click.option(
    "--status",
    type=click.Choice([s.value for s in JobStatus]),
    help="Only jobs with this status.",
)
@click.option(
    "--limit", default=20, show_default=True, type=click.IntRange(1, 1000), help="Newest N."
)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_context
def jobs_group(
    click_ctx: click.Context,
    account_id: str | None,
    status: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List sync jobs, newest first; subcommands show, cancel and retry one.

    \b
    Example:
      airbnb-tui jobs --account 123456789 --status failed --limit 5
    """
    if click_ctx.invoked_subcommand is not None:
        return
    ctx = click_ctx.find_object(CliContext)
    assert ctx is not None
    if account_id is not None:
        account_id = check_account_id(account_id)
    db = ctx.database()
    views = job_service.list_jobs(
        db, account_id=account_id, status=JobStatus(status) if status else None, limit=limit
    )
    if account_id is not None and not views:
        get_account(db, account_id)  # an unknown account is a typo, not an empty history
    if as_json:
        emit_json(JobListOut(jobs=views))
        return
    if not views:
        click.echo("No jobs match." if (account_id or status) else "No jobs yet.")
        return
    click.echo(
        render_table(
            [
                "JOB",
                "ACCOUNT",
                "STATUS",
                "TRIGGER",
                "LISTINGS",
                "FAILED",
                "ROWS",
                "CREATED",
                "TOOK",
            ],
            [
                [
                    v.job_id,
                    v.account_id,
                    v.status,
                    v.trigger,
                    listings_cell(v),
                    v.listings_failed,
                    v.rows_written,
                    v.created_at,
                    format_duration(job_duration(v)),
                ]
                for v in views
            ],
        )
    )


@jobs_group.command("show")
@click.argument("job_id", type=int)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
def show_cmd(ctx: CliContext, job_id: int, as_json: bool) -> None:
    """Show a job with one row per listing, and each failed listing's error.

    \b
    Example:
      airbnb-tui jobs show 42
    """
    progress = job_service.job_progress(ctx.database(), job_id)
    view = progress.job
    if as_json:
        emit_json(
            JobShowOut(
                job=view,
                listings=list(progress.listings),
                requests_done=progress.requests_done,
                requests_total=progress.requests_total,
            )
        )
        return
    error = f"{view.error_type}: {view.error_message}" if view.error_type else None
    click.echo(
        render_fields(
            [
                ("job", view.job_id),
                ("account", view.account_id),
                ("status", view.status + (" (cancel requested)" if _cancelling(view) else "")),
                (
                    "trigger",
                    view.trigger
                    + (f" of job {view.retry_of_job_id}" if view.retry_of_job_id else ""),
                ),
                (
                    "window",
                    f"{view.window_start} .. {view.window_end}" if view.window_start else None,
                ),
                ("listings", f"{listings_cell(view)} done, {view.listings_failed} failed"),
                ("requests", f"{progress.requests_done}/{progress.requests_total}"),
                ("rows", view.rows_written),
                ("error", error),
                ("worker", view.worker_id),
                ("created", view.created_at),
                ("started", view.started_at),
                ("finished", view.finished_at),
                ("took", format_duration(job_duration(view))),
            ]
        )
    )
    if not progress.listings:
        return
    click.echo()
    click.echo(
        render_table(
            ["#", "LISTING", "NAME", "STATUS", "REQUESTS", "ROWS", "ERROR"],
            [
                [
                    item.position + 1,
                    item.listing_id,
                    item.listing_name,
                    item.status,
                    f"{item.requests_done}/{item.requests_total}",
                    item.rows_written,
                    f"{item.error_type}: {item.error_message}" if item.error_type else None,
                ]
                for item in progress.listings
            ],
        )
    )
    unfinished = [item for item in progress.listings if item.status != ListingStatus.SUCCEEDED]
    if unfinished and not view.is_active:
        click.echo(
            f"\nRetry the {len(unfinished)} listing(s) that failed or were not reached: "
            f"airbnb-tui jobs retry {job_id}"
        )


def _cancelling(view: Job) -> bool:
    return view.cancel_requested and view.status == JobStatus.RUNNING


@jobs_group.command("cancel")
@click.argument("job_id", type=int)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
def cancel_cmd(ctx: CliContext, job_id: int, as_json: bool) -> None:
    """Cancel a job: a queued one at once, a running one after its request in flight (the
    listing in progress is rolled back; finished listings keep their rows).

    \b
    Example:
      airbnb-tui jobs cancel 42
    """
    view = job_service.cancel_job(ctx.database(), job_id)
    if as_json:
        emit_json(JobCancelOut(job=view))
        return
    if view.status == JobStatus.RUNNING:
        click.echo(
            f"Cancel requested for job {job_id}; it stops after the request in flight "
            f"(follow it with `airbnb-tui jobs show {job_id}`)."
        )
    else:
        click.echo(f"Job {job_id} cancelled.")


@jobs_group.command("retry")
@click.argument("job_id", type=int)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
def retry_cmd(ctx: CliContext, job_id: int, as_json: bool) -> None:
    """Queue a new job for the listings of a finished job that failed or were never reached.

    \b
    Example:
      airbnb-tui jobs retry 42
    """
    db = ctx.database()
    request = job_service.retry_job(db, ctx.queue(), job_id)
    view = job_service.get_job(db, request.job_id)
    if as_json:
        emit_json(JobRetryOut(retry_of=job_id, created=request.created, job=view))
    if not request.created:
        raise UserError(
            f"Account {view.account_id} already has job {view.job_id} {view.status}; retry "
            f"job {job_id} once it has finished."
        )
    if not as_json:
        click.echo(
            f"Queued job {view.job_id}: retries {view.listings_total} listing(s) of job "
            f"{job_id} for account {view.account_id}."
        )
