"""Runs one sync job: discover listings, then fetch and store them one transaction at a time.

The job stops cleanly between listings when asked (SIGTERM/SIGINT), rolls back the listing in
flight when told to abort (grace period over, or the job was cancelled), and on resume skips
the listings that already succeeded. One listing's failure never stops the others; rejected
credentials stop the job at once and mark the account, so a dead cookie is not sent again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from airbnb_tui.airbnb.client import AirbnbClient, RateGate
from airbnb_tui.airbnb.credentials import Credentials
from airbnb_tui.airbnb.errors import Aborted, AirbnbError, CredentialsRejected
from airbnb_tui.airbnb.operations import (
    DEFAULT_CHART_METRICS,
    DEFAULT_LIST_OF_METRICS,
    OPTIONAL_CHART_METRICS,
    MetricQuery,
)
from airbnb_tui.config import Settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import (
    Account,
    CredentialStatus,
    JobStatus,
    ListingStatus,
    SyncJob,
    SyncJobListing,
    Worker,
)
from airbnb_tui.db.types import utcnow
from airbnb_tui.errors import UserError
from airbnb_tui.secrets import CookieCipher
from airbnb_tui.services import accounts as account_service
from airbnb_tui.sync import jobs
from airbnb_tui.sync.control import StopControl
from airbnb_tui.sync.heartbeat import JobHeartbeat
from airbnb_tui.sync.listing import fetch_listing
from airbnb_tui.sync.progress import JobLost, ListingRecorder
from airbnb_tui.sync.windows import SyncRange, plan, requests_per_listing

log = logging.getLogger(__name__)

ClientFactory = Callable[[Credentials, threading.Event], AirbnbClient]

DATABASE_UNAVAILABLE = "database_unavailable"
DATABASE_UNAVAILABLE_MESSAGE = "The database connection failed mid-sync; the job resumes."


@dataclass(frozen=True)
class JobOutcome:
    job_id: int
    status: str
    listings_completed: int
    listings_failed: int
    rows_written: int
    error_type: str | None = None
    error_message: str | None = None


class _StopJob(Exception):
    """Internal: the job ends early with this status and error."""

    def __init__(self, status: JobStatus, error_type: str | None, message: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


class JobRunner:
    """Runs sync jobs for one worker (or for ``airbnb-tui sync --inline``)."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        worker_id: str,
        cipher: CookieCipher,
        limiter: RateGate | None,
        control: StopControl | None = None,
        today: Callable[[], date] = date.today,
        client_factory: ClientFactory | None = None,
        pause: Callable[[threading.Event], None] | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.worker_id = worker_id
        self.cipher = cipher
        self.limiter = limiter
        self.control = control or StopControl()
        self.today = today
        self._client_factory = client_factory
        self._pause = pause

    @property
    def chart_metrics(self) -> tuple[MetricQuery, ...]:
        if self.settings.chart_conversion_rate:
            return DEFAULT_CHART_METRICS + OPTIONAL_CHART_METRICS
        return DEFAULT_CHART_METRICS

    # Entry point ----------------------------------------------------------------------------

    def run(self, job_id: int) -> JobOutcome | None:
        """Claim and run ``job_id``; None when the job is not queued (someone else has it)."""
        if not jobs.claim(self.db, job_id, self.worker_id):
            log.info("job %s is not queued any more; skipping", job_id)
            return None
        job_abort = threading.Event()
        heartbeat = JobHeartbeat(
            self.db,
            job_id,
            self.worker_id,
            self.control,
            job_abort,
            interval=self.settings.heartbeat_interval_seconds,
        )
        heartbeat.start()
        try:
            try:
                try:
                    self._run_claimed(job_id, job_abort, heartbeat)
                    status = None
                except _StopJob as stop:
                    status = stop
                return self._finish(job_id, status, heartbeat)
            except (OperationalError, InterfaceError) as error:
                # The listing in flight rolled back with its transaction; hand the job back
                # now rather than leave it "running" until its heartbeat goes stale.
                log.warning(
                    "job %s: the database failed (%s); recording the job as interrupted",
                    job_id,
                    type(error.orig).__name__,
                )
                return self._release_after_outage(job_id, heartbeat)
        except JobLost:
            log.warning("job %s was taken back from this worker; stopped writing", job_id)
            return None
        finally:
            heartbeat.stop()
            self._clear_worker_job()

    # The job ---------------------------------------------------------------------------------

    def _run_claimed(self, job_id: int, job_abort: threading.Event, hb: JobHeartbeat) -> None:
        with self.db.read() as session:
            job = session.get(SyncJob, job_id)
            assert job is not None
            account = session.get(Account, job.account_id)
            if account is None or account.deleted_at is not None:
                raise _StopJob(JobStatus.FAILED, "account_removed", "The account was removed.")
            account_id = account.account_id
            if account.credential_status in (
                CredentialStatus.REJECTED,
                CredentialStatus.EXPIRED,
            ):
                raise _StopJob(
                    JobStatus.FAILED,
                    CredentialsRejected.kind,
                    f"The account's credentials are {account.credential_status}; update its "
                    "cookie before syncing.",
                )
            first_run = account.last_sync_at is None or job.full_backfill
            has_rows = (
                session.scalar(
                    select(SyncJobListing.job_id).where(SyncJobListing.job_id == job_id).limit(1)
                )
                is not None
            )
            sync_range = (
                SyncRange(job.window_start, job.window_end)
                if job.window_start is not None and job.window_end is not None
                else None
            )
        if sync_range is None:
            sync_range = plan(
                self.today(),
                self.settings.first_run_lookback_weeks
                if first_run
                else self.settings.lookback_weeks,
                self.settings.lookahead_weeks,
            )
            self._set_window(job_id, sync_range)
        try:
            credentials = account_service.load_credentials(self.db, self.cipher, account_id)
        except UserError as exc:
            raise _StopJob(JobStatus.FAILED, "credentials_unavailable", exc.message) from None

        client = self._client(account_id, credentials, job_abort)
        try:
            per_listing = requests_per_listing(
                sync_range, self.chart_metrics, DEFAULT_LIST_OF_METRICS
            )
            if not has_rows:
                self._discover(client, job_id, account_id, per_listing)
            else:
                self._fill_totals(job_id, per_listing)
            self._run_listings(client, job_id, account_id, sync_range, job_abort, hb)
        finally:
            client.close()

    def _client(
        self, account_id: str, credentials: Credentials, job_abort: threading.Event
    ) -> AirbnbClient:
        if self._client_factory is not None:
            return self._client_factory(credentials, job_abort)

        def rotated(updated: Credentials) -> None:
            account_service.store_rotated_credentials(self.db, self.cipher, account_id, updated)

        return AirbnbClient(
            self.settings,
            account_id,
            credentials,
            limiter=self.limiter,
            stop=job_abort,
            on_rotated=rotated,
            today=self.today,
        )

    def _discover(
        self, client: AirbnbClient, job_id: int, account_id: str, per_listing: int
    ) -> None:
        try:
            found = client.listings()
        except CredentialsRejected as exc:
            self._credentials_rejected(account_id, exc)
            raise _StopJob(JobStatus.FAILED, exc.kind, exc.message) from None
        except Aborted:
            raise self._aborted_stop(job_id) from None
        except AirbnbError as exc:
            raise _StopJob(
                JobStatus.FAILED, exc.kind, f"Listing discovery failed: {exc.message}"
            ) from None
        account_service.refresh_listings(
            self.db,
            account_id,
            [(item.listing_id, item.internal_name, item.listing_name) for item in found.listings],
        )
        if not found.complete:
            log.warning(
                "account %s: Airbnb returned %d of %s listings",
                account_id,
                len(found.listings),
                found.total_count,
            )
        with self.db.write() as session:
            session.add_all(
                SyncJobListing(
                    job_id=job_id,
                    listing_id=item.listing_id,
                    listing_name=item.internal_name or item.listing_name,
                    position=position,
                    status=ListingStatus.PENDING,
                    requests_total=per_listing,
                )
                for position, item in enumerate(found.listings)
            )
            session.execute(
                update(SyncJob)
                .where(SyncJob.job_id == job_id)
                .values(listings_total=len(found.listings), requests_made=SyncJob.requests_made + 1)
                .execution_options(synchronize_session=False)
            )

    def _fill_totals(self, job_id: int, per_listing: int) -> None:
        with self.db.write() as session:
            session.execute(
                update(SyncJobListing)
                .where(SyncJobListing.job_id == job_id, SyncJobListing.requests_total == 0)
                .values(requests_total=per_listing)
                .execution_options(synchronize_session=False)
            )

    def _run_listings(
        self,
        client: AirbnbClient,
        job_id: int,
        account_id: str,
        sync_range: SyncRange,
        job_abort: threading.Event,
        hb: JobHeartbeat,
    ) -> None:
        with self.db.read() as session:
            todo = session.execute(
                select(SyncJobListing.listing_id, SyncJobListing.listing_name)
                .where(
                    SyncJobListing.job_id == job_id,
                    SyncJobListing.status.in_((ListingStatus.PENDING, ListingStatus.RUNNING)),
                )
                .order_by(SyncJobListing.position)
            ).all()
            internal_names = dict(
                session.execute(
                    select(SyncJobListing.listing_id, SyncJobListing.listing_name).where(
                        SyncJobListing.job_id == job_id
                    )
                ).all()
            )
        for index, (listing_id, _name) in enumerate(todo):
            if index > 0:
                self._check_stop(job_id, hb)
                self._between_listings()
            self._check_stop(job_id, hb)
            progress = ListingRecorder(self.db, job_id, listing_id, self.worker_id)
            progress.start()
            try:
                fetched = fetch_listing(
                    client,
                    account_id,
                    listing_id,
                    internal_names.get(listing_id),
                    sync_range,
                    self.chart_metrics,
                    DEFAULT_LIST_OF_METRICS,
                    on_request=progress.tick,
                )
            except Aborted:
                if hb.cancelled.is_set():
                    progress.roll_back(ListingStatus.SKIPPED)
                    raise self._cancelled(job_id) from None
                progress.roll_back(ListingStatus.PENDING)
                raise self._interrupted(job_id) from None
            except CredentialsRejected as exc:
                progress.commit_failure(exc.kind, exc.message)
                self._credentials_rejected(account_id, exc)
                self._skip_rest(job_id)
                raise _StopJob(JobStatus.FAILED, exc.kind, exc.message) from None
            except AirbnbError as exc:
                log.warning("listing %s failed: %s", listing_id, exc.kind)
                progress.commit_failure(exc.kind, exc.message)
                continue
            progress.commit_success(fetched.chart_rows, fetched.summary_rows, fetched.lom_rows)

    def _check_stop(self, job_id: int, hb: JobHeartbeat) -> None:
        if hb.cancelled.is_set():
            raise self._cancelled(job_id)
        if self.control.stopping:
            raise self._interrupted(job_id)

    def _between_listings(self) -> None:
        if self._pause is not None:
            self._pause(self.control.graceful)
            return
        pause = self.settings.listing_pause_seconds
        if pause.enabled:
            # A graceful stop ends the pause at once: there is no listing in flight to finish.
            self.control.graceful.wait(pause.draw())

    # Endings ---------------------------------------------------------------------------------

    def _interrupted(self, job_id: int) -> _StopJob:
        return _StopJob(JobStatus.INTERRUPTED, "interrupted", "The worker stopped; it resumes.")

    def _cancelled(self, job_id: int) -> _StopJob:
        self._skip_rest(job_id)
        return _StopJob(JobStatus.CANCELLED, "cancelled", "Cancelled by the operator.")

    def _aborted_stop(self, job_id: int) -> _StopJob:
        if jobs.is_cancel_requested(self.db, job_id):
            return self._cancelled(job_id)
        return self._interrupted(job_id)

    def _skip_rest(self, job_id: int) -> None:
        with self.db.write() as session:
            _skip_unfinished(session, job_id)

    def _credentials_rejected(self, account_id: str, exc: CredentialsRejected) -> None:
        account_service.mark_credentials(
            self.db,
            account_id,
            CredentialStatus.EXPIRED,
            f"{exc.message}. Update the cookie with `airbnb-tui accounts update {account_id}`.",
        )

    def _set_window(self, job_id: int, sync_range: SyncRange) -> None:
        with self.db.write() as session:
            session.execute(
                update(SyncJob)
                .where(SyncJob.job_id == job_id)
                .values(window_start=sync_range.start, window_end=sync_range.end)
                .execution_options(synchronize_session=False)
            )

    def _finish(self, job_id: int, stop: _StopJob | None, hb: JobHeartbeat) -> JobOutcome:
        now = utcnow()
        with self.db.write() as session:
            job = session.get(SyncJob, job_id, with_for_update=True)
            assert job is not None
            if job.worker_id != self.worker_id or job.status != JobStatus.RUNNING:
                raise JobLost(f"job {job_id} is no longer run by {self.worker_id}")
            if stop is not None and stop.status == JobStatus.INTERRUPTED and job.cancel_requested:
                # Cancelled as the worker was stopping: the operator's word wins, or the job
                # would be resumed by the next worker (or the next sync) only to cancel itself.
                _skip_unfinished(session, job_id)
                stop = _StopJob(JobStatus.CANCELLED, "cancelled", "Cancelled by the operator.")
            if stop is not None:
                status, error_type, message = stop.status, stop.error_type, stop.message
            elif job.listings_failed == 0:
                status, error_type, message = JobStatus.SUCCEEDED, None, None
            elif job.listings_completed == 0:
                status, error_type, message = (
                    JobStatus.FAILED,
                    "all_listings_failed",
                    f"All {job.listings_failed} listings failed.",
                )
            else:
                status, error_type, message = (
                    JobStatus.PARTIAL,
                    "some_listings_failed",
                    f"{job.listings_failed} of {job.listings_total} listings failed.",
                )
            job.status = status
            job.error_type = error_type
            job.error_message = message
            job.heartbeat_at = now
            job.finished_at = None if status == JobStatus.INTERRUPTED else now
            if status in (JobStatus.SUCCEEDED, JobStatus.PARTIAL):
                session.execute(
                    update(Account)
                    .where(Account.account_id == job.account_id)
                    .values(last_sync_at=now)
                    .execution_options(synchronize_session=False)
                )
            outcome = JobOutcome(
                job_id=job_id,
                status=status,
                listings_completed=job.listings_completed,
                listings_failed=job.listings_failed,
                rows_written=job.rows_written,
                error_type=error_type,
                error_message=message,
            )
        log.info("job %s finished: %s", job_id, outcome.status)
        return outcome

    def _release_after_outage(self, job_id: int, hb: JobHeartbeat) -> JobOutcome | None:
        """Mark the job interrupted once the database answers again, trying for as long as
        the job would otherwise take to go stale; None when that time ran out (the job is
        then taken back as stale) or the worker is stopping."""
        stop = _StopJob(JobStatus.INTERRUPTED, DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE_MESSAGE)
        deadline = time.monotonic() + self.settings.heartbeat_stale_seconds
        delay = 0.25
        while True:
            try:
                return self._finish(job_id, stop, hb)
            except (OperationalError, InterfaceError):
                if time.monotonic() + delay > deadline or self.control.graceful.wait(delay):
                    log.warning("job %s: the database is still unavailable; giving up", job_id)
                    return None
                delay = min(delay * 2, 5.0)

    def _clear_worker_job(self) -> None:
        try:
            with self.db.write() as session:
                session.execute(
                    update(Worker)
                    .where(Worker.worker_id == self.worker_id)
                    .values(current_job_id=None)
                    .execution_options(synchronize_session=False)
                )
        except Exception:
            log.warning("could not clear the worker's current job", exc_info=True)


def _skip_unfinished(session: Session, job_id: int) -> None:
    session.execute(
        update(SyncJobListing)
        .where(
            SyncJobListing.job_id == job_id,
            SyncJobListing.status.in_((ListingStatus.PENDING, ListingStatus.RUNNING)),
        )
        .values(status=ListingStatus.SKIPPED)
        .execution_options(synchronize_session=False)
    )
