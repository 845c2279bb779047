"""Per-account request budget shared by every worker process, and the pacing between requests.

``make_rate_limiter(settings)`` gives the limiter for this deployment; ``RequestPacer`` adds the
random spacing between one account's requests and the pause between listings.
"""

from airbnb_tui.airbnb.rate_limit.base import (
    AccountRateLimiter,
    AcquireCancelled,
    LimiterOptions,
)
from airbnb_tui.airbnb.rate_limit.factory import make_rate_limiter, rate_limiter_from_url
from airbnb_tui.airbnb.rate_limit.pacer import RequestPacer

__all__ = [
    "AccountRateLimiter",
    "AcquireCancelled",
    "LimiterOptions",
    "RequestPacer",
    "make_rate_limiter",
    "rate_limiter_from_url",
]
