"""``airbnb-tui jobs``: history, detail, cancel and retry against a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from airbnb_tui.commands.output import JobCancelOut, JobListOut, JobRetryOut, JobShowOut
from airbnb_tui.config import load_settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import SyncJob, SyncJobListing
from airbnb_tui.services import jobs as job_service
from tests.cli.cli_helpers import ListingSeed, Run, seed_account, seed_job
from worker.tasks import Queue

T0 = datetime(2025, 2, 5, 10, 0, tzinfo=UTC)

PARTIAL_LISTINGS = (
    ListingSeed("11", "succeeded", 9, 9, 33, name="Sleek Loft"),
    ListingSeed("12", "failed", 4, 9, 0, "server_error", "ChartQuery: HTTP 503 after 5 attempts"),
    ListingSeed("13", "succeeded", 9, 9, 33),
    ListingSeed("14", "skipped", 0, 9, 0),
)


@pytest.fixture
def history(app_db: Database) -> dict[str, int]:
    """Three finished jobs on two accounts and one queued: ids by name."""
    seed_account(app_db, "111")
    seed_account(app_db, "222")
    return {
        "partial": seed_job(
            app_db,
            "111",
            "partial",
            PARTIAL_LISTINGS,
            error_type="some_listings_failed",
            error_message="1 of 4 listings failed.",
            created_at=T0,
        ),
        "ok": seed_job(
            app_db, "222", "succeeded", [ListingSeed("21", "succeeded", 9, 9, 33)], created_at=T0
        ),
        "failed": seed_job(
            app_db,
            "222",
            "failed",
            error_type="credentials_rejected",
            error_message="Airbnb rejected the cookie.",
            created_at=T0 + timedelta(hours=1),
        ),
        "queued": seed_job(app_db, "111", "queued", created_at=T0 + timedelta(hours=2)),
    }


def test_jobs_lists_newest_first(run: Run, history: dict[str, int]) -> None:
    result = run(["jobs"])
    assert result.code == 0, result
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "JOB", "ACCOUNT", "STATUS", "TRIGGER", "LISTINGS", "FAILED", "ROWS", "CREATED", "TOOK"
    ]  # fmt: skip
    assert [line.split()[0] for line in lines[1:]] == ["4", "3", "2", "1"]
    assert lines[4].split() == [
        "1", "111", "partial", "manual", "3/4", "1", "66", "2025-02-05", "10:00", "1m15s"
    ]  # fmt: skip
    assert lines[1].split()[-1] == "-"  # a queued job has not started


def test_jobs_filters(run: Run, history: dict[str, int]) -> None:
    by_account = JobListOut.model_validate_json(run(["jobs", "--account", "222", "--json"]).stdout)
    assert [j.job_id for j in by_account.jobs] == [history["failed"], history["ok"]]
    by_status = JobListOut.model_validate_json(
        run(["jobs", "--status", "partial", "--json"]).stdout
    )
    assert [j.job_id for j in by_status.jobs] == [history["partial"]]
    limited = JobListOut.model_validate_json(run(["jobs", "--limit", "2", "--json"]).stdout)
    assert [j.job_id for j in limited.jobs] == [history["queued"], history["failed"]]
    none = run(["jobs", "--account", "111", "--status", "cancelled"])
    assert none.stdout == "No jobs match.\n"


def test_jobs_json_schema(run: Run, history: dict[str, int]) -> None:
    out = JobListOut.model_validate_json(run(["jobs", "--json"]).stdout)
    partial = next(j for j in out.jobs if j.job_id == history["partial"])
    assert (partial.status, partial.listings_total, partial.listings_completed) == ("partial", 4, 2)
    assert (partial.listings_failed, partial.rows_written, partial.requests_made) == (1, 66, 22)
    assert partial.created_at == T0
    assert partial.finished_at == T0 + timedelta(seconds=75)


def test_jobs_empty(run: Run, app_db: Database) -> None:
    assert run(["jobs"]).stdout == "No jobs yet.\n"
    assert JobListOut.model_validate_json(run(["jobs", "--json"]).stdout).jobs == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--account", "999"], "Error: No account 999; see `airbnb-tui accounts list`.\n"),
        (["--account", "x9"], "Error: 'x9' is not an Airbnb account id (digits only).\n"),
    ],
)
def test_jobs_bad_account(run: Run, app_db: Database, args: list[str], message: str) -> None:
    result = run(["jobs", *args])
    assert (result.code, result.stderr) == (2, message)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--status", "done"], "Invalid value for '--status'"),
        (["--limit", "0"], "Invalid value for '--limit'"),
        (["show", "abc"], "Invalid value for 'JOB_ID'"),
    ],
)
def test_jobs_bad_options(run: Run, args: list[str], needle: str) -> None:
    result = run(["jobs", *args])
    assert result.code == 2
    assert needle in result.stderr


def test_show_lists_every_listing_with_errors(run: Run, history: dict[str, int]) -> None:
    job_id = history["partial"]
    result = run(["jobs", "show", str(job_id)])
    assert result.code == 0, result
    assert "status:   partial\n" in result.stdout
    assert "listings: 3/4 done, 1 failed\n" in result.stdout
    assert "requests: 22/36\n" in result.stdout
    assert "error:    some_listings_failed: 1 of 4 listings failed.\n" in result.stdout
    table = result.stdout.split("\n\n", 1)[1].splitlines()
    assert table[0].split() == ["#", "LISTING", "NAME", "STATUS", "REQUESTS", "ROWS", "ERROR"]
    assert table[1].split() == ["1", "11", "Sleek", "Loft", "succeeded", "9/9", "33", "-"]
    assert table[2].split()[:6] == ["2", "12", "Listing", "12", "failed", "4/9"]
    assert table[2].endswith("server_error: ChartQuery: HTTP 503 after 5 attempts")
    assert result.stdout.endswith(
        f"\n\nRetry the 2 listing(s) that failed or were not reached: airbnb-tui jobs retry "
        f"{job_id}\n"
    )


def test_show_json(run: Run, history: dict[str, int]) -> None:
    out = JobShowOut.model_validate_json(
        run(["jobs", "show", str(history["partial"]), "--json"]).stdout
    )
    assert out.job.job_id == history["partial"]
    assert [(i.listing_id, i.status, i.position) for i in out.listings] == [
        ("11", "succeeded", 0),
        ("12", "failed", 1),
        ("13", "succeeded", 2),
        ("14", "skipped", 3),
    ]
    assert out.listings[1].error_type == "server_error"
    assert (out.requests_done, out.requests_total) == (22, 36)


def test_show_unknown_job(run: Run, app_db: Database) -> None:
    result = run(["jobs", "show", "99"])
    assert (result.code, result.stderr) == (2, "Error: No job 99; see `airbnb-tui jobs`.\n")


def test_cancel_queued_job(run: Run, app_db: Database, history: dict[str, int]) -> None:
    result = run(["jobs", "cancel", str(history["queued"])])
    assert (result.code, result.stdout) == (0, f"Job {history['queued']} cancelled.\n")
    assert job_service.get_job(app_db, history["queued"]).status == "cancelled"


def test_cancel_running_job_asks_it_to_stop(run: Run, app_db: Database) -> None:
    seed_account(app_db, "333")
    job_id = seed_job(app_db, "333", "running", [ListingSeed("31", "running", 3, 9)])
    result = run(["jobs", "cancel", str(job_id), "--json"])
    assert result.code == 0
    out = JobCancelOut.model_validate_json(result.stdout)
    assert (out.job.status, out.job.cancel_requested) == ("running", True)
    human = run(["jobs", "cancel", str(job_id)])
    assert human.stdout.startswith(f"Cancel requested for job {job_id}; it stops after")


def test_cancel_finished_job(run: Run, history: dict[str, int]) -> None:
    result = run(["jobs", "cancel", str(history["ok"])])
    assert result.code == 2
    assert result.stderr == (
        f"Error: Job {history['ok']} already finished (succeeded); nothing to cancel.\n"
    )


def test_cancel_unknown_job(run: Run, app_db: Database) -> None:
    result = run(["jobs", "cancel", "42"])
    assert (result.code, result.stderr) == (2, "Error: No job 42; see `airbnb-tui jobs`.\n")


def test_retry_queues_only_the_failed_and_unreached_listings(
    run: Run, app_db: Database, history: dict[str, int]
) -> None:
    job_service.cancel_job(app_db, history["queued"])  # the account must be free
    result = run(["jobs", "retry", str(history["partial"]), "--json"])
    assert result.code == 0, result
    out = JobRetryOut.model_validate_json(result.stdout)
    assert (out.retry_of, out.created) == (history["partial"], True)
    assert (out.job.status, out.job.trigger, out.job.retry_of_job_id) == (
        "queued",
        "retry",
        history["partial"],
    )
    with app_db.read() as session:
        listing_ids = session.scalars(
            select(SyncJobListing.listing_id)
            .where(SyncJobListing.job_id == out.job.job_id)
            .order_by(SyncJobListing.position)
        ).all()
    assert listing_ids == ["12", "14"]
    assert Queue(load_settings()).huey.pending_count() == 1


def test_retry_human_message(run: Run, app_db: Database, history: dict[str, int]) -> None:
    result = run(["jobs", "retry", str(history["ok"])])
    assert result.code == 2  # nothing failed in that job
    assert result.stderr == f"Error: Job {history['ok']} has no failed listings to retry.\n"
    job_service.cancel_job(app_db, history["queued"])
    retried = run(["jobs", "retry", str(history["partial"])])
    assert retried.code == 0
    assert retried.stdout == (
        f"Queued job 5: retries 2 listing(s) of job {history['partial']} for account 111.\n"
    )


def test_retry_while_the_account_has_an_active_job(
    run: Run, app_db: Database, history: dict[str, int]
) -> None:
    result = run(["jobs", "retry", str(history["partial"])])
    assert result.code == 2
    assert result.stderr == (
        f"Error: Account 111 already has job {history['queued']} queued; retry job "
        f"{history['partial']} once it has finished.\n"
    )
    with app_db.read() as session:
        assert session.scalar(select(SyncJob.job_id).order_by(SyncJob.job_id.desc())) == 4


def test_retry_of_an_active_job(run: Run, history: dict[str, int]) -> None:
    result = run(["jobs", "retry", str(history["queued"])])
    assert result.code == 2
    assert result.stderr.startswith(f"Error: Job {history['queued']} is still queued;")
