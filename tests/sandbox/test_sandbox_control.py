"""Counters, the /_sandbox/ control API, clean shutdown, and the ``airbnb-tui sandbox`` command."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from airbnb_tui.airbnb.operations import CHART, LIST_OF_METRICS, LISTINGS_SECTION
from airbnb_tui.commands.sandbox import sandbox_cmd
from airbnb_tui.sandbox import (
    Fault,
    FaultKind,
    RequestKey,
    SandboxControl,
    SandboxServer,
    demo_sandbox_accounts,
)
from airbnb_tui.sandbox.web_requests import post

TODAY = date(2025, 2, 10)


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(demo_sandbox_accounts(n_accounts=2, listings=3), today=lambda: TODAY) as sb:
        yield sb


def test_counts_by_account_listing_and_operation(sandbox: SandboxServer) -> None:
    first, second = sandbox.accounts
    lid = first.listing_ids[0]
    for _ in range(3):
        post(sandbox.base_url, CHART, first, today=TODAY, listing_ids=[lid])
    post(sandbox.base_url, LIST_OF_METRICS, first, today=TODAY, listing_ids=[lid])
    post(sandbox.base_url, LISTINGS_SECTION, second, today=TODAY)
    sandbox.set_faults(Fault.server_error(next_n=1, status=502))
    post(sandbox.base_url, CHART, second, today=TODAY)

    assert sandbox.counts(first.account_id, lid, "ChartQuery") == 3
    assert sandbox.counts(first.account_id, lid) == 4
    assert sandbox.counts(first.account_id) == 4
    assert sandbox.counts(second.account_id) == 2
    assert sandbox.counts(operation="ChartQuery") == 4
    assert sandbox.counts(listing_id="") == 1  # ListingsSectionQuery names no listing
    assert sandbox.total_requests == 6
    assert sandbox.status_counts() == {200: 5, 502: 1}
    stats = sandbox.stats()
    assert stats.requests[RequestKey(second.account_id, "", "ListingsSectionQuery")] == 1

    times = sandbox.request_times(first.account_id)
    assert len(times) == 4
    assert list(times) == sorted(times)

    sandbox.reset_counts()
    assert sandbox.total_requests == 0
    assert sandbox.request_times(first.account_id) == ()


def test_requests_with_an_unknown_cookie_are_counted_without_an_account(
    sandbox: SandboxServer,
) -> None:
    post(sandbox.base_url, CHART, sandbox.accounts[0], today=TODAY, cookie="")
    assert sandbox.counts(account_id="") == 1
    assert sandbox.status_counts() == {401: 1}


def test_request_times_come_from_the_injected_clock() -> None:
    ticks = iter([100.0, 101.5, 107.0])
    with SandboxServer(
        demo_sandbox_accounts(), today=lambda: TODAY, clock=lambda: next(ticks)
    ) as sb:
        for _ in range(3):
            post(sb.base_url, LISTINGS_SECTION, sb.accounts[0], today=TODAY)
        assert sb.request_times(sb.accounts[0].account_id) == (100.0, 101.5, 107.0)


def test_counters_are_exact_under_concurrency(sandbox: SandboxServer) -> None:
    account = sandbox.accounts[0]
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with requests.Session() as session:
                for _ in range(10):
                    response = post(
                        sandbox.base_url, LIST_OF_METRICS, account, today=TODAY, session=session
                    )
                    assert response.status_code == 200
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert sandbox.counts(account.account_id, operation="ListOfMetricsQuery") == 80
    assert len(sandbox.request_times(account.account_id)) == 80


def test_control_api_from_a_separate_client(sandbox: SandboxServer) -> None:
    with SandboxControl(sandbox.base_url) as control:
        assert control.health()
        accounts = control.accounts()
        assert [a.account_id for a in accounts] == [a.account_id for a in sandbox.accounts]
        assert accounts[0].listings == sandbox.accounts[0].listings
        # The cookie handed out over the control API authenticates.
        assert post(sandbox.base_url, CHART, accounts[0], today=TODAY).status_code == 200

        listing = accounts[0].listing_ids[1]
        config = control.set_faults(listing_faults={listing: [Fault.rate_limit(next_n=1)]})
        assert control.fault_config() == config == sandbox.fault_config
        response = post(sandbox.base_url, CHART, accounts[0], today=TODAY, listing_ids=[listing])
        assert response.status_code == 429

        stats = control.stats()
        assert stats.total == 2
        assert stats.statuses == {200: 1, 429: 1}
        assert control.counts(accounts[0].account_id, listing, "ChartQuery") == 1
        assert len(stats.request_times[accounts[0].account_id]) == 2

        control.reset()
        assert control.stats().total == 0
        assert sandbox.fault_config == config
        control.reset(faults=True)
        assert sandbox.fault_config.listing_faults == {}


def test_control_api_raw_json(sandbox: SandboxServer) -> None:
    base = f"{sandbox.base_url}/_sandbox"
    accounts = requests.get(f"{base}/accounts", timeout=5).json()["accounts"]
    assert accounts[0]["cookie_header"] == sandbox.accounts[0].cookie_header()
    assert accounts[0]["listing_ids"] == list(sandbox.accounts[0].listing_ids)
    faults = {"faults": [{"kind": "server_error", "rate": 1.0, "status": 500}]}
    assert requests.post(f"{base}/faults", json=faults, timeout=5).status_code == 200
    assert sandbox.fault_config.faults[0].kind is FaultKind.SERVER_ERROR
    assert post(sandbox.base_url, CHART, sandbox.accounts[0], today=TODAY).status_code == 500
    stats = requests.get(f"{base}/stats", timeout=5).json()
    assert stats["total"] == 1
    assert stats["statuses"] == {"500": 1}
    bad = requests.post(f"{base}/faults", json={"faults": [{"kind": "flood"}]}, timeout=5)
    assert bad.status_code == 400
    assert requests.get(f"{base}/nothing", timeout=5).status_code == 404
    # Control calls are not API requests.
    assert sandbox.total_requests == 1


def test_stop_is_prompt_even_with_a_hanging_request_and_frees_the_port() -> None:
    sb = SandboxServer(demo_sandbox_accounts(), today=lambda: TODAY).start()
    base_url, account = sb.base_url, sb.accounts[0]
    sb.set_faults(Fault.timeout(rate=1.0, delay=30))
    outcome: list[str] = []

    def hang() -> None:
        try:
            post(base_url, CHART, account, today=TODAY, timeout=10)
            outcome.append("answered")
        except requests.RequestException:
            outcome.append("dropped")

    hanging = threading.Thread(target=hang, daemon=True)
    hanging.start()
    time.sleep(0.1)
    with requests.Session() as idle:  # an idle keep-alive connection must not block stop()
        idle.get(f"{base_url}/_sandbox/health", timeout=5)
        # The hanging reply would take 30 s: stop() must not wait for it.
        stopping = threading.Thread(target=sb.stop)
        stopping.start()
        stopping.join(15)
        assert not stopping.is_alive()
    hanging.join(5)
    assert outcome == ["dropped"]
    assert not sb.running
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base_url}/_sandbox/health", timeout=1)


def test_command_help() -> None:
    result = CliRunner().invoke(sandbox_cmd, ["--help"])
    assert result.exit_code == 0
    assert "airbnb-tui sandbox --port 8765 --listings 50" in result.output
    for option in ("--fail-rate", "--write-cookies", "--print-cookie", "--expire-after"):
        assert option in result.output


def test_command_runs_until_sigterm(tmp_path: Path) -> None:
    cookies = tmp_path / "cookies"
    args = [
        "--port", "0", "--accounts", "2", "--listings", "3", "--seed", "5",
        "--today", "2025-02-10", "--fail-rate", "0.3", "--retry-after", "2",
        "--rate-limit-rate", "0.1", "--write-cookies", str(cookies), "--print-cookie",
    ]  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-c", "from airbnb_tui.commands.sandbox import sandbox_cmd; sandbox_cmd()",
         *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        assert process.stderr is not None
        banner = [process.stdout.readline()]
        while banner[-1] and not banner[-1].startswith("Press Ctrl+C"):
            banner.append(process.stdout.readline())
        assert banner[0].startswith("Sandbox running at http://127.0.0.1:")
        base_url = banner[0].split(" at ")[1].strip()
        with SandboxControl(base_url) as control:
            control.wait_ready(timeout=5)
            accounts = control.accounts()
            assert accounts == demo_sandbox_accounts(2, 3, seed=5)
            config = control.fault_config()
            assert {f.kind for f in config.faults} == {FaultKind.SERVER_ERROR, FaultKind.RATE_LIMIT}
            assert config.seed == 5
            control.reset(faults=True)
            response = post(base_url, LISTINGS_SECTION, accounts[0], today=TODAY)
            assert response.status_code == 200
        for account in accounts:
            cookie_file = cookies / f"{account.account_id}.cookie"
            assert stat.S_IMODE(cookie_file.stat().st_mode) == 0o600
            assert cookie_file.read_text() == account.cookie_header() + "\n"
            curl_file = cookies / f"{account.account_id}.curl"
            assert stat.S_IMODE(curl_file.stat().st_mode) == 0o600
            assert curl_file.read_text().startswith(f"curl '{base_url}/api/v3/")
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        out = "".join(banner) + process.stdout.read()
        err = process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert f"AIRBNB_TUI_AIRBNB_BASE_URL={base_url}" in out
    assert accounts[1].cookie_header() in out
    assert out.rstrip().endswith("Sandbox stopped.")


def test_command_reports_a_busy_port() -> None:
    with SandboxServer(demo_sandbox_accounts()) as sb:
        result = CliRunner().invoke(sandbox_cmd, ["--port", str(sb.port)])
    assert result.exit_code != 0
    assert "Cannot listen on 127.0.0.1" in str(result.exception)


def test_cookie_files_are_private_even_if_they_existed(tmp_path: Path) -> None:
    from airbnb_tui.commands.sandbox import _write_private

    target = tmp_path / "a.cookie"
    target.write_text("old")
    os.chmod(target, 0o644)
    _write_private(target, "new\n")
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
