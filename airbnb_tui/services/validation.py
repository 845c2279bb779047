"""Checking credentials with Airbnb: one ListingsSectionQuery through the rate-limited client.

The answer is either "valid, N listings: …" or the precise reason it is not — rejected, a bot
wall, unreachable, or rate-limited — each mapped to its exit code for the CLI.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import StrEnum

from airbnb_tui.airbnb.client import AirbnbClient, RateGate
from airbnb_tui.airbnb.credentials import Credentials
from airbnb_tui.airbnb.errors import (
    Aborted,
    AirbnbError,
    BotWall,
    CredentialsRejected,
    RateLimited,
)
from airbnb_tui.airbnb.retry import RetryPolicy
from airbnb_tui.config import Settings
from airbnb_tui.db.models import CredentialStatus
from airbnb_tui.exit_codes import ExitCode

# A person is waiting on this answer: fewer, shorter retries than a background sync.
VALIDATION_ATTEMPTS = 2
VALIDATION_TOTAL_WAIT_SECONDS = 10.0


class Verdict(StrEnum):
    VALID = "valid"
    REJECTED = "rejected"
    BOT_WALL = "bot_wall"
    UNREACHABLE = "unreachable"
    RATE_LIMITED = "rate_limited"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class ValidationResult:
    verdict: Verdict
    message: str
    listing_count: int | None = None
    listing_names: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.verdict == Verdict.VALID

    @property
    def credential_status(self) -> CredentialStatus | None:
        """The status to store, or None when the check was inconclusive."""
        if self.verdict == Verdict.VALID:
            return CredentialStatus.VALID
        if self.verdict == Verdict.REJECTED:
            return CredentialStatus.REJECTED
        return None

    @property
    def exit_code(self) -> ExitCode:
        if self.verdict == Verdict.VALID:
            return ExitCode.OK
        if self.verdict == Verdict.REJECTED:
            return ExitCode.CREDENTIALS_REJECTED
        return ExitCode.UNREACHABLE

    def summary(self) -> str:
        if self.ok:
            names = ", ".join(self.listing_names[:5])
            more = f", … (+{len(self.listing_names) - 5})" if len(self.listing_names) > 5 else ""
            return f"valid — {self.listing_count} listings: {names}{more}".rstrip(": ")
        return self.message


def validate_credentials(
    settings: Settings,
    account_id: str,
    credentials: Credentials,
    *,
    limiter: RateGate | None = None,
    stop: threading.Event | None = None,
) -> ValidationResult:
    """Ask Airbnb for the account's listings with ``credentials``; never raises AirbnbError."""
    policy = RetryPolicy.from_settings(settings)
    policy.max_attempts = min(policy.max_attempts, VALIDATION_ATTEMPTS)
    policy.total_wait_seconds = min(policy.total_wait_seconds, VALIDATION_TOTAL_WAIT_SECONDS)
    client = AirbnbClient(
        settings,
        account_id,
        credentials,
        limiter=limiter,
        policy=policy,
        stop=stop,
    )
    # Jitter spaces a sync's requests; a single check should not wait for it.
    client.skip_jitter = True
    try:
        found = client.listings()
    except CredentialsRejected as exc:
        return ValidationResult(
            Verdict.REJECTED,
            f"rejected — Airbnb did not accept these credentials ({_reason(exc)}). Copy a fresh "
            "cookie from a logged-in browser.",
        )
    except BotWall:
        return ValidationResult(
            Verdict.BOT_WALL,
            "bot wall — Airbnb answered with a browser check instead of data. Open airbnb.com "
            "in the browser the cookie came from, then copy it again.",
        )
    except RateLimited:
        return ValidationResult(
            Verdict.RATE_LIMITED,
            "rate-limited — Airbnb asked us to slow down; try again in a few minutes.",
        )
    except Aborted:
        return ValidationResult(Verdict.CANCELLED, "cancelled")
    except AirbnbError as exc:
        return ValidationResult(
            Verdict.UNREACHABLE,
            f"unreachable — could not get an answer from Airbnb ({_reason(exc)}); check the "
            "network and try again.",
        )
    finally:
        client.close()
    names = tuple(
        item.internal_name or item.listing_name or item.listing_id for item in found.listings
    )
    count = found.total_count if found.total_count is not None else len(found.listings)
    return ValidationResult(Verdict.VALID, "valid", listing_count=count, listing_names=names)


def _reason(exc: AirbnbError) -> str:
    text = str(exc)
    if exc.operation and text.startswith(f"{exc.operation}: "):
        text = text[len(exc.operation) + 2 :]
    return text
