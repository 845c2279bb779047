"""A separate process for the rate limit tests: acquires slots and reports when each was granted.

Run as ``python rate_limit_worker.py '<json>'`` with ``url``, ``limit``, ``per_seconds`` and
``accounts`` (the account id of each acquire, in order). It prints ``ready`` once its limiter is
open, waits for a line on stdin, then acquires and prints a JSON list of
``[account_id, time.time()]`` pairs, one per grant.
"""

from __future__ import annotations

import json
import sys
import time

from airbnb_tui.airbnb.rate_limit import rate_limiter_from_url
from airbnb_tui.airbnb.rate_limit.base import DEFAULT_MARGIN_SECONDS


def main(raw: str) -> None:
    config = json.loads(raw)
    limiter = rate_limiter_from_url(
        config["url"],
        limit=config["limit"],
        per_seconds=config["per_seconds"],
        margin_seconds=config.get("margin_seconds", DEFAULT_MARGIN_SECONDS),
    )
    try:
        print("ready", flush=True)
        sys.stdin.readline()
        grants = []
        for account_id in config["accounts"]:
            limiter.acquire(account_id)
            grants.append([account_id, time.time()])
        print(json.dumps(grants), flush=True)
    finally:
        limiter.close()


if __name__ == "__main__":
    main(sys.argv[1])
