"""The sandbox's HTTP server: Airbnb's three endpoints on 127.0.0.1, in a background thread.

Example (a test)::

    with SandboxServer(accounts=demo_sandbox_accounts(), today=lambda: date(2025, 2, 5)) as sb:
        settings = Settings(airbnb_base_url=sb.base_url)
        sb.set_faults(Fault.rate_limit(next_n=2, retry_after=0.05))
        ...
        assert sb.counts(operation="ChartQuery") == 4
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from airbnb_tui.config import DEFAULT_API_KEY
from airbnb_tui.sandbox.accounts import DEFAULT_SEED, SandboxAccount, demo_sandbox_accounts
from airbnb_tui.sandbox.app import CONTROL_PREFIX, Reply, SandboxApp, json_reply
from airbnb_tui.sandbox.counters import SandboxStats
from airbnb_tui.sandbox.faults import AuthFailure, Expiry, Fault, FaultConfig

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1 << 20


class _HTTPServer(ThreadingHTTPServer):
    """A threading server that knows its open connections, so stopping can close them."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: SandboxApp) -> None:
        self.app = app
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-request are normal here (timeouts are a feature): no traceback.
        log.debug("sandbox connection from %s ended with an error", client_address, exc_info=True)

    def close_connections(self) -> None:
        """Wake handler threads blocked on idle keep-alive connections."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    """Moves bytes between a socket and :class:`SandboxApp`."""

    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, keep-alive clients wait ~40 ms each.
    disable_nagle_algorithm = True
    server_version = "airbnb-tui-sandbox"
    sys_version = ""

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def _dispatch(self, method: str) -> None:
        path = urlsplit(self.path).path
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            self.close_connection = True
            self._send(json_reply(400, {"error": "a Content-Length up to 1 MiB is required"}))
            return
        raw = self.rfile.read(length) if length > 0 else b""
        app = self.server.app
        try:
            if path.startswith(CONTROL_PREFIX):
                reply = app.handle_control(method, path, raw, self.server.base_url)
            elif method != "POST":
                reply = json_reply(405, {"error": "use POST"}, [("Allow", "POST")])
            else:
                reply = app.handle_api(path, _lower_headers(self.headers), raw)
        except Exception:
            # A sandbox bug must show up as a 500 the test can see, not as a hung connection.
            log.exception("sandbox failed on %s %s", method, path)
            reply = json_reply(500, {"error": "the sandbox failed; see its log"})
        if reply.delay > 0 and self.server.stopping.wait(reply.delay):
            reply.drop = True
        if reply.drop:
            self.close_connection = True
            return
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (its timeout fired during a slow reply): nothing to answer.
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox %s: " + format, self.address_string(), *args)


def _lower_headers(headers: Any) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, value in headers.items():
        key = str(name).lower()
        # Several Cookie headers are one cookie list; for other headers the first one wins.
        if key == "cookie" and key in merged:
            merged[key] = f"{merged[key]}; {value}"
        else:
            merged.setdefault(key, str(value))
    return merged


class SandboxServer:
    """A local stand-in for Airbnb's host-performance API.

    Starts on ``host:port`` (port 0 picks a free one) in a daemon thread; ``stop()`` (or leaving
    the ``with`` block) shuts it down and closes every socket.
    """

    def __init__(
        self,
        accounts: Sequence[SandboxAccount] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        today: Callable[[], date] = date.today,
        api_key: str = DEFAULT_API_KEY,
        seed: int = DEFAULT_SEED,
        faults: FaultConfig | None = None,
        auth_failure: AuthFailure = AuthFailure.HTTP_401,
        max_listing_rows: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = SandboxApp(
            accounts if accounts is not None else demo_sandbox_accounts(seed=seed),
            today=today,
            api_key=api_key,
            seed=seed,
            faults=faults,
            auth_failure=auth_failure,
            max_listing_rows=max_listing_rows,
            clock=clock,
        )
        self._address = (host, port)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle ------------------------------------------------------------------------------

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        self._httpd = _HTTPServer(self._address, self.app)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        httpd.stopping.set()
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the sandbox is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """What ``AIRBNB_TUI_AIRBNB_BASE_URL`` should be, e.g. ``http://127.0.0.1:8765``."""
        if self._httpd is None:
            raise RuntimeError("the sandbox is not running")
        return self._httpd.base_url

    # Accounts -------------------------------------------------------------------------------

    @property
    def accounts(self) -> tuple[SandboxAccount, ...]:
        return self.app.accounts

    def account(self, account_id: str) -> SandboxAccount:
        for account in self.app.accounts:
            if account.account_id == account_id:
                return account
        raise KeyError(account_id)

    def tokens(self, account_id: str) -> tuple[str, ...]:
        """Every ``_aat`` value currently accepted for the account (rotations included)."""
        return self.app.tokens(account_id)

    # Counters -------------------------------------------------------------------------------

    def stats(self) -> SandboxStats:
        return self.app.stats()

    def counts(
        self,
        account_id: str | None = None,
        listing_id: str | None = None,
        operation: str | None = None,
    ) -> int:
        """API requests received matching every given filter (faulted ones included)."""
        return self.app.stats().count(account_id, listing_id, operation)

    @property
    def total_requests(self) -> int:
        return self.app.stats().total

    def status_counts(self) -> Mapping[int, int]:
        """Responses by HTTP status; 0 counts connections dropped without an answer."""
        return self.app.stats().statuses

    def request_times(self, account_id: str) -> tuple[float, ...]:
        """When each request naming the account arrived (``clock()`` values, oldest first)."""
        return self.app.stats().request_times.get(account_id, ())

    def reset_counts(self) -> None:
        self.app.counters.reset()

    # Faults ---------------------------------------------------------------------------------

    def set_faults(
        self,
        *faults: Fault,
        listing_faults: Mapping[str, Sequence[Fault]] | None = None,
        account_faults: Mapping[str, Sequence[Fault]] | None = None,
        expiries: Sequence[Expiry] = (),
        rotate_every: int | None = None,
        seed: int = 0,
    ) -> None:
        """Replace every fault setting: ``faults`` apply to all requests, the mappings to one
        listing or account; "next N" budgets and expiry counts start again from zero."""
        self.set_fault_config(
            FaultConfig.of(
                *faults,
                listing_faults=listing_faults,
                account_faults=account_faults,
                expiries=expiries,
                rotate_every=rotate_every,
                seed=seed,
            )
        )

    def set_fault_config(self, config: FaultConfig) -> None:
        self.app.plan.configure(config)

    def clear_faults(self) -> None:
        self.app.plan.configure(FaultConfig())

    @property
    def fault_config(self) -> FaultConfig:
        return self.app.plan.config
