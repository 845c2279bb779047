"""Pooled PostgreSQL connections: a healthy one is reused without a ping, one the server closed
is replaced before anyone uses it, and one idle for long gets a real ping."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from airbnb_tui.db import liveness
from airbnb_tui.db.engine import Database

pytestmark = pytest.mark.postgres


def _backend_pid(db: Database) -> int:
    with db.read() as session:
        pid = session.scalar(text("SELECT pg_backend_pid()"))
    assert isinstance(pid, int)
    return pid


def _terminate(url: str, pid: int) -> None:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()


def test_a_healthy_connection_is_reused(postgres_url: str) -> None:
    db = Database(postgres_url)
    try:
        assert _backend_pid(db) == _backend_pid(db)
    finally:
        db.dispose()


def test_a_connection_the_server_closed_is_replaced_before_use(postgres_url: str) -> None:
    db = Database(postgres_url)
    try:
        with db.read() as session:
            first = session.scalar(text("SELECT pg_backend_pid()"))
            pooled = session.connection().connection.dbapi_connection
        assert isinstance(first, int)
        _terminate(postgres_url, first)
        deadline = time.monotonic() + 5
        # The server's goodbye reaches the client socket a moment after the backend exits.
        while not liveness._server_sent_something(pooled) and time.monotonic() < deadline:
            time.sleep(0.01)
        second = _backend_pid(db)  # no OperationalError: the dead one never reached us
        assert second != first
    finally:
        db.dispose()


def test_an_idle_connection_gets_a_real_ping(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings: list[object] = []
    db = Database(postgres_url)
    original = db.engine.dialect.do_ping

    def counting_ping(dbapi_conn: object) -> bool:
        pings.append(dbapi_conn)
        return original(dbapi_conn)

    monkeypatch.setattr(db.engine.dialect, "do_ping", counting_ping)
    try:
        first = _backend_pid(db)
        assert _backend_pid(db) == first
        assert pings == []
        monkeypatch.setattr(liveness, "PING_AFTER_IDLE_SECONDS", 0.0)
        assert _backend_pid(db) == first
        assert len(pings) == 1
    finally:
        db.dispose()
