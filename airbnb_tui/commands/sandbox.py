"""``airbnb-tui sandbox``: run the local stand-in for Airbnb's API until Ctrl+C or SIGTERM."""

from __future__ import annotations

import os
import signal
import threading
from datetime import date
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click

from airbnb_tui.config import DEFAULT_API_KEY
from airbnb_tui.errors import UserError
from airbnb_tui.sandbox.accounts import DEFAULT_SEED, SandboxAccount, demo_sandbox_accounts
from airbnb_tui.sandbox.faults import AuthFailure, FaultConfig

if TYPE_CHECKING:
    from airbnb_tui.sandbox.server import SandboxServer

Rate = click.FloatRange(0.0, 1.0)
Seconds = click.FloatRange(min=0.0)


@click.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="0 = free port."
)
@click.option(
    "--listings",
    "n_listings",
    default=7,
    show_default=True,
    type=click.IntRange(0),
    metavar="N",
    help="Listings per account.",
)
@click.option(
    "--accounts",
    "n_accounts",
    default=1,
    show_default=True,
    type=click.IntRange(1),
    metavar="N",
    help="Host accounts.",
)
@click.option("--seed", default=DEFAULT_SEED, show_default=True, help="Fixes ids, names, numbers.")
@click.option(
    "--today",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Pretend today is this date (default: the real date).",
)
@click.option("--api-key", default=DEFAULT_API_KEY, show_default=True, help="Expected key.")
@click.option(
    "--fail-rate",
    type=Rate,
    default=0.0,
    metavar="RATE",
    help="Share of requests answered with 5xx.",
)
@click.option(
    "--fail-status", type=click.Choice(["500", "502", "503"]), default="503", show_default=True
)
@click.option(
    "--rate-limit-rate", type=Rate, default=0.0, metavar="RATE", help="Share answered with 429."
)
@click.option(
    "--retry-after",
    type=Seconds,
    default=5.0,
    show_default=True,
    metavar="SECONDS",
    help="Retry-After of a 429.",
)
@click.option("--retry-after-date", is_flag=True, help="Send Retry-After as an HTTP date.")
@click.option(
    "--timeout-rate", type=Rate, default=0.0, metavar="RATE", help="Share never answered."
)
@click.option(
    "--timeout-seconds",
    type=Seconds,
    default=35.0,
    show_default=True,
    metavar="SECONDS",
    help="How long an unanswered request hangs before the connection is dropped.",
)
@click.option(
    "--bot-wall-rate", type=Rate, default=0.0, metavar="RATE", help="Share answered with a captcha."
)
@click.option(
    "--bot-wall-status", type=click.Choice(["200", "403"]), default="403", show_default=True
)
@click.option(
    "--malformed-rate", type=Rate, default=0.0, metavar="RATE", help="Share with truncated JSON."
)
@click.option("--slow", type=Seconds, default=0.0, metavar="SECONDS", help="Delay every answer.")
@click.option(
    "--expire-after",
    type=click.IntRange(0),
    metavar="N",
    help="Reject each account's cookie after N calls.",
)
@click.option(
    "--expire-mode",
    type=click.Choice([m.value for m in AuthFailure]),
    default=AuthFailure.HTTP_401.value,
    show_default=True,
    help="How rejected credentials look: HTTP 401/403, 200 with errors, or null components.",
)
@click.option(
    "--rotate-every", type=click.IntRange(1), metavar="K", help="Send a new _aat every K answers."
)
@click.option(
    "--max-listing-rows", type=click.IntRange(0), metavar="N", help="Cap ListingsSectionQuery rows."
)
@click.option("--print-cookie", is_flag=True, help="Print each account's Cookie header.")
@click.option(
    "--write-cookies",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write ACCOUNT_ID.cookie and ACCOUNT_ID.curl (mode 0600) per account into DIR.",
)
def sandbox_cmd(**options: Any) -> None:
    """Run a local stand-in for Airbnb's host-performance API.

    Same paths, payloads and response shapes as Airbnb, with deterministic data and optional
    faults, so syncs can be tried, tested and demonstrated without touching Airbnb.

    \b
    Example:
      airbnb-tui sandbox --port 8765 --listings 50
      airbnb-tui sandbox --port 0 --fail-rate 0.3 --write-cookies ./cookies
    """
    from airbnb_tui.sandbox.server import SandboxServer

    accounts = demo_sandbox_accounts(options["n_accounts"], options["n_listings"], options["seed"])
    fixed_day: date | None = options["today"].date() if options["today"] else None
    server = SandboxServer(
        accounts,
        host=options["host"],
        port=options["port"],
        today=(lambda: fixed_day) if fixed_day else date.today,
        api_key=options["api_key"],
        seed=options["seed"],
        faults=fault_config_from_options(options),
        auth_failure=AuthFailure(options["expire_mode"]),
        max_listing_rows=options["max_listing_rows"],
    )
    try:
        server.start()
    except OSError as exc:
        raise UserError(
            f"Cannot listen on {options['host']}:{options['port']} ({exc.strerror or exc}). "
            "Pick another --port, or --port 0 for a free one."
        ) from None
    try:
        _announce(server, accounts, options)
        _wait_for_stop()
    finally:
        server.stop()
    click.echo("Sandbox stopped.")


def fault_config_from_options(options: dict[str, Any]) -> FaultConfig:
    """The global faults the command-line options ask for."""
    return FaultConfig.parse(
        {
            "slow": options["slow"],
            "rate_limit_rate": options["rate_limit_rate"],
            "retry_after": options["retry_after"],
            "retry_after_http_date": options["retry_after_date"],
            "server_error_rate": options["fail_rate"],
            "server_error_status": int(options["fail_status"]),
            "timeout_rate": options["timeout_rate"],
            "timeout_seconds": options["timeout_seconds"],
            "bot_wall_rate": options["bot_wall_rate"],
            "bot_wall_status": int(options["bot_wall_status"]),
            "malformed_rate": options["malformed_rate"],
            "expire_after": options["expire_after"],
            "expire_mode": options["expire_mode"],
            "rotate_every": options["rotate_every"],
            "seed": options["seed"],
        }
    )


def _announce(
    server: SandboxServer, accounts: list[SandboxAccount], options: dict[str, Any]
) -> None:
    base_url = server.base_url
    # The first line is what scripts parse; flush so a parent process sees it at once.
    click.echo(f"Sandbox running at {base_url}")
    n_listings = sum(len(a.listings) for a in accounts)
    click.echo(f"  {len(accounts)} account(s), {n_listings} listing(s): " + _ids(accounts))
    click.echo("Point airbnb-tui at it:")
    click.echo(f"  export AIRBNB_TUI_AIRBNB_BASE_URL={base_url}")
    if options["api_key"] != DEFAULT_API_KEY:
        click.echo(f"  export AIRBNB_TUI_AIRBNB_API_KEY={options['api_key']}")
    directory: Path | None = options["write_cookies"]
    if directory is not None:
        for account in accounts:
            cookie_file = _write_private(
                directory / f"{account.account_id}.cookie", account.cookie_header() + "\n"
            )
            _write_private(
                directory / f"{account.account_id}.curl", account.curl_snippet(base_url) + "\n"
            )
            click.echo(
                f"  airbnb-tui accounts add --cookie-file {cookie_file} "
                f"--client-version {account.client_version} "
                f"--user-agent '{account.user_agent}'"
            )
    if directory is None and not options["print_cookie"]:
        click.echo("  (add --write-cookies DIR for cookie files that `accounts add` takes)")
    if options["print_cookie"]:
        for account in accounts:
            click.echo(f"Cookie for account {account.account_id}:")
            click.echo(account.cookie_header())
    click.echo(f"Control API: {base_url}/_sandbox/stats  (faults, reset, accounts)")
    click.echo("Press Ctrl+C to stop.")


def _ids(accounts: list[SandboxAccount]) -> str:
    shown = ", ".join(a.account_id for a in accounts[:5])
    return shown + (f" and {len(accounts) - 5} more" if len(accounts) > 5 else "")


def _write_private(path: Path, text: str) -> Path:
    """Write ``text`` readable by the owner only: these files hold session cookies."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    return path


def _wait_for_stop() -> None:
    """Block until SIGINT or SIGTERM; both end the command cleanly with exit status 0."""
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
