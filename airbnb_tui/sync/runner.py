"""Runs one sync job: discover listings, then fetch and store them one transaction at a time.

The job stops cleanly between listings when asked (SIGTERM/SIGINT), rolls back the listing in
flight when told to abort (grace period over, or the job was cancelled), and on resume skips
the listings that already succeeded. One listing's failure never stops the others; rejected
credentials stop the job at once and mark the account, so a dead cookie is not sent again.

The pieces: :mod:`~airbnb_tui.sync.planner` decides what the job fetches,
:class:`~airbnb_tui.sync.listing.ListingRunner` runs each listing,
:mod:`~airbnb_tui.sync.repository` holds every statement on the job's rows, and
:mod:`~airbnb_tui.sync.endings` how it is recorded when it ends.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import closing
from datetime import date

from sqlalchemy.exc import InterfaceError, OperationalError

from airbnb_tui.airbnb.client import AirbnbClient, RateGate
from airbnb_tui.airbnb.credentials import Credentials
from airbnb_tui.airbnb.errors import Aborted, AirbnbError, CredentialsRejected
from airbnb_tui.config import Settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.models import CredentialStatus
from airbnb_tui.db.views import Job
from airbnb_tui.errors import UserError
from airbnb_tui.secrets import CookieCipher
from airbnb_tui.sync import accounts, endings, jobs, repository
from airbnb_tui.sync.control import StopControl
from airbnb_tui.sync.endings import Ending
from airbnb_tui.sync.heartbeat import JobHeartbeat
from airbnb_tui.sync.listing import ListingRunner
from airbnb_tui.sync.planner import SyncPlan, plan_job
from airbnb_tui.sync.progress import JobLost

log = logging.getLogger(__name__)


class JobStopped(Exception):
    """The job ends early, recorded with ``ending``."""

    def __init__(self, ending: Ending) -> None:
        super().__init__(ending.message)
        self.ending = ending


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
        pause: Callable[[threading.Event], None] | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.worker_id = worker_id
        self.cipher = cipher
        self.limiter = limiter
        self.control = control or StopControl()
        self.today = today
        self._pause = pause

    def run(self, job_id: int) -> Job | None:
        """Claim and run ``job_id``; the job as it ended, or None when this runner did not end
        it (someone else had it, it was taken back, or the database stayed away)."""
        if not jobs.claim(self.db, job_id, self.worker_id):
            log.info("job %s is not queued any more; skipping", job_id)
            return None
        heartbeat = JobHeartbeat(
            self.db,
            job_id,
            self.worker_id,
            self.control,
            interval=self.settings.heartbeat_interval_seconds,
        )
        heartbeat.start()
        try:
            return self._run_claimed(job_id, heartbeat)
        except JobLost:
            log.warning("job %s was taken back from this worker; stopped writing", job_id)
            return None
        finally:
            heartbeat.stop()
            self._clear_worker_job()

    def _run_claimed(self, job_id: int, heartbeat: JobHeartbeat) -> Job | None:
        try:
            return self._finish(job_id, self._sync(job_id, heartbeat))
        except (OperationalError, InterfaceError) as error:
            # The listing in flight rolled back with its transaction; hand the job back now
            # rather than leave it "running" until its heartbeat goes stale.
            log.warning(
                "job %s: the database failed (%s); recording the job as interrupted",
                job_id,
                type(error.orig).__name__,
            )
            return self._release_after_outage(job_id)

    # The job ---------------------------------------------------------------------------------

    def _sync(self, job_id: int, heartbeat: JobHeartbeat) -> Ending | None:
        """Run the job to its end; how it stopped early, or None when it ran through."""
        try:
            self._fetch(job_id, heartbeat)
        except JobStopped as stopped:
            return stopped.ending
        return None

    def _fetch(self, job_id: int, heartbeat: JobHeartbeat) -> None:
        job = repository.claimed_job(self.db, job_id)
        if job.account_removed:
            raise JobStopped(endings.failed("account_removed", "The account was removed."))
        if not job.credential_status.usable:
            raise JobStopped(
                endings.failed(
                    CredentialsRejected.kind,
                    f"The account's credentials are {job.credential_status}; update its "
                    "cookie before syncing.",
                )
            )
        plan = plan_job(
            self.settings, self.today(), first_run=job.first_run, stored=job.stored_range
        )
        if job.stored_range is None:
            repository.store_range(self.db, job_id, plan.sync_range)
        credentials = self._credentials(job.account_id)
        with closing(self._client(job.account_id, credentials, heartbeat.abort)) as client:
            if job.has_listings:
                repository.fill_request_totals(self.db, job_id, plan.requests_per_listing)
            else:
                self._discover(client, job_id, job.account_id, plan)
            self._run_listings(client, job_id, job.account_id, plan, heartbeat)

    def _credentials(self, account_id: str) -> Credentials:
        try:
            return accounts.load_credentials(self.db, self.cipher, account_id)
        except UserError as exc:
            raise JobStopped(endings.failed("credentials_unavailable", exc.message)) from None

    def _client(
        self, account_id: str, credentials: Credentials, abort: threading.Event
    ) -> AirbnbClient:
        def rotated(updated: Credentials) -> None:
            accounts.store_rotated_credentials(self.db, self.cipher, account_id, updated)

        return AirbnbClient(
            self.settings,
            account_id,
            credentials,
            limiter=self.limiter,
            stop=abort,
            on_rotated=rotated,
            today=self.today,
        )

    def _discover(self, client: AirbnbClient, job_id: int, account_id: str, plan: SyncPlan) -> None:
        try:
            found = client.listings()
        except CredentialsRejected as exc:
            self._credentials_rejected(account_id, exc)
            raise JobStopped(endings.failed(exc.kind, exc.message)) from None
        except Aborted:
            raise self._aborted(job_id) from None
        except AirbnbError as exc:
            raise JobStopped(
                endings.failed(exc.kind, f"Listing discovery failed: {exc.message}")
            ) from None
        accounts.refresh_listings(
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
        repository.add_listings(self.db, job_id, found.listings, plan.requests_per_listing)

    def _run_listings(
        self,
        client: AirbnbClient,
        job_id: int,
        account_id: str,
        plan: SyncPlan,
        heartbeat: JobHeartbeat,
    ) -> None:
        runner = ListingRunner(
            self.db, client, plan, job_id=job_id, account_id=account_id, worker_id=self.worker_id
        )
        for index, (listing_id, name) in enumerate(repository.listings_to_run(self.db, job_id)):
            if index > 0:
                self._check_stop(job_id, heartbeat)
                self._between_listings()
            self._check_stop(job_id, heartbeat)
            try:
                runner.run(listing_id, name)
            except Aborted:
                if heartbeat.cancelled.is_set():
                    raise self._cancelled(job_id) from None
                raise JobStopped(endings.INTERRUPTED) from None
            except CredentialsRejected as exc:
                self._credentials_rejected(account_id, exc)
                repository.skip_rest(self.db, job_id)
                raise JobStopped(endings.failed(exc.kind, exc.message)) from None

    def _check_stop(self, job_id: int, heartbeat: JobHeartbeat) -> None:
        if heartbeat.cancelled.is_set():
            raise self._cancelled(job_id)
        if self.control.stopping:
            raise JobStopped(endings.INTERRUPTED)

    def _between_listings(self) -> None:
        if self._pause is not None:
            self._pause(self.control.graceful)
            return
        pause = self.settings.listing_pause_seconds
        if pause.enabled:
            # A graceful stop ends the pause at once: there is no listing in flight to finish.
            self.control.graceful.wait(pause.draw())

    # Endings ---------------------------------------------------------------------------------

    def _cancelled(self, job_id: int) -> JobStopped:
        repository.skip_rest(self.db, job_id)
        return JobStopped(endings.CANCELLED)

    def _aborted(self, job_id: int) -> JobStopped:
        if repository.cancel_requested(self.db, job_id):
            return self._cancelled(job_id)
        return JobStopped(endings.INTERRUPTED)

    def _credentials_rejected(self, account_id: str, exc: CredentialsRejected) -> None:
        accounts.mark_credentials(self.db, account_id, CredentialStatus.EXPIRED, f"{exc.message}.")

    def _finish(self, job_id: int, stopped: Ending | None) -> Job:
        job = repository.finish(self.db, job_id, self.worker_id, stopped)
        log.info("job %s finished: %s", job_id, job.status)
        return job

    def _release_after_outage(self, job_id: int) -> Job | None:
        """Mark the job interrupted once the database answers again, trying for as long as
        the job would otherwise take to go stale; None when that time ran out (the job is
        then taken back as stale) or the worker is stopping."""
        deadline = time.monotonic() + self.settings.heartbeat_stale_seconds
        delay = 0.25
        while True:
            try:
                return self._finish(job_id, endings.DATABASE_UNAVAILABLE)
            except (OperationalError, InterfaceError):
                if time.monotonic() + delay > deadline or self.control.graceful.wait(delay):
                    log.warning("job %s: the database is still unavailable; giving up", job_id)
                    return None
                delay = min(delay * 2, 5.0)

    def _clear_worker_job(self) -> None:
        try:
            repository.clear_worker_job(self.db, self.worker_id)
        except Exception:
            log.warning("could not clear the worker's current job", exc_info=True)
