"""Typed errors of the Airbnb client.

Each class says what happened and whether retrying could help; ``kind`` is the short name stored
in ``sync_jobs.error_type`` / ``sync_job_listings.error_type``. Messages never carry cookie
values or the API key.
"""

from __future__ import annotations


class AirbnbError(Exception):
    """Base class: something went wrong talking to Airbnb."""

    kind = "airbnb_error"
    retryable = False

    def __init__(self, message: str, *, operation: str | None = None) -> None:
        self.operation = operation
        prefix = f"{operation}: " if operation else ""
        super().__init__(prefix + message)

    @property
    def message(self) -> str:
        return str(self)


class CredentialsRejected(AirbnbError):
    """Airbnb refused the cookie (401/403, authentication_required, null components, login)."""

    kind = "credentials_rejected"


class BotWall(AirbnbError):
    """An HTML page (captcha / bot check) came back where JSON was expected."""

    kind = "bot_wall"


class RateLimited(AirbnbError):
    """HTTP 429. ``retry_after`` is the wait Airbnb asked for, in seconds, when it said."""

    kind = "rate_limited"
    retryable = True

    def __init__(
        self, message: str, *, operation: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, operation=operation)
        self.retry_after = retry_after


class ServerError(AirbnbError):
    """HTTP 5xx."""

    kind = "server_error"
    retryable = True

    def __init__(self, message: str, *, operation: str | None = None, status: int = 500) -> None:
        super().__init__(message, operation=operation)
        self.status = status


class RequestTimeout(AirbnbError):
    """No answer within REQUEST_TIMEOUT_SECONDS."""

    kind = "timeout"
    retryable = True


class ConnectionFailed(AirbnbError):
    """Could not connect (DNS, refused, reset)."""

    kind = "connection_failed"
    retryable = True


class RequestRejected(AirbnbError):
    """Any other 4xx: the request itself is wrong; retrying will not help."""

    kind = "request_rejected"

    def __init__(self, message: str, *, operation: str | None = None, status: int = 400) -> None:
        super().__init__(message, operation=operation)
        self.status = status


class BadResponse(AirbnbError):
    """JSON that is malformed or not of the shape the operation returns."""

    kind = "bad_response"


class MalformedJson(BadResponse):
    """A body that is not JSON at all (cut off mid-way): usually transient, so retried."""

    retryable = True


class CredentialFormatError(ValueError):
    """Pasted cookie / cURL text that cannot be used; the message names what is missing."""

    kind = "credential_format"


UNREACHABLE_ERRORS: tuple[type[AirbnbError], ...] = (
    RateLimited,
    ServerError,
    RequestTimeout,
    ConnectionFailed,
)


class Aborted(Exception):
    """A wait (rate limit, backoff, pause) was cut short because a stop was requested."""
