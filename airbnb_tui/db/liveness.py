"""Checking a pooled PostgreSQL connection is alive without a round trip for every checkout.

SQLAlchemy's ``pool_pre_ping`` sends a query on every checkout. A sync checks a connection out
for every listing's transaction, every progress update and every heartbeat, so that round trip
cost about 5% of ingestion (benchmarks/ingestion.py). A connection the server closed —
``pg_terminate_backend``, a restart, an idle timeout — has something waiting on its socket (the
server's FATAL message, or EOF), while a healthy idle connection has nothing to read: one
zero-timeout ``select`` tells them apart. A connection idle for longer than
``PING_AFTER_IDLE_SECONDS`` still gets a real ping, because a dead network path sends nothing.
"""

from __future__ import annotations

import select
import time
from typing import Any

from sqlalchemy import Engine, event, exc

PING_AFTER_IDLE_SECONDS = 10.0
_CHECKED_IN_AT = "airbnb_tui_checked_in_at"


def _server_sent_something(dbapi_conn: Any) -> bool:
    try:
        fd = dbapi_conn.fileno()
    except Exception:  # closed connections refuse fileno(): they are certainly not alive
        return True
    readable, _, _ = select.select([fd], [], [], 0)
    return bool(readable)


def install_liveness_check(engine: Engine) -> None:
    """Hand out only live connections: a pooled one the server has closed is replaced."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.get(_CHECKED_IN_AT)
        if checked_in_at is None:  # freshly connected
            return
        if _server_sent_something(dbapi_conn):
            # The pool discards this connection and connects afresh.
            raise exc.DisconnectionError("the server closed this connection")
        if time.monotonic() - checked_in_at > PING_AFTER_IDLE_SECONDS:
            try:
                alive = dialect.do_ping(dbapi_conn)
            except Exception as error:
                raise exc.DisconnectionError("the connection did not answer a ping") from error
            if not alive:
                raise exc.DisconnectionError("the connection did not answer a ping")
