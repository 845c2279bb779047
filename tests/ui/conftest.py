"""Fixtures for the dashboard tests: a migrated SQLite database and settings for it, and the
sandbox standing in for Airbnb.

Pilot tests are ``async def``; with no asyncio plugin installed, the hook below runs each one in
its own event loop.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_support import TODAY, Seeder, make_settings

from airbnb_tui.config import Settings
from airbnb_tui.db.engine import Database
from airbnb_tui.db.migrate import upgrade
from airbnb_tui.sandbox import SandboxServer, demo_sandbox_accounts


@pytest.fixture
def ui_db(sqlite_url: str) -> Iterator[Database]:
    database = Database(sqlite_url)
    upgrade(database)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def settings(tmp_path: Path, sqlite_url: str) -> Settings:
    return make_settings(tmp_path, sqlite_url)


@pytest.fixture
def seed(ui_db: Database) -> Seeder:
    return Seeder(ui_db)


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """The sandbox with one 3-listing account, its dates fixed at TODAY."""
    with SandboxServer(demo_sandbox_accounts(listings=3), today=lambda: TODAY) as sb:
        yield sb


@pytest.fixture
def sb_settings(tmp_path: Path, sqlite_url: str, sandbox: SandboxServer) -> Settings:
    """Settings with Airbnb's place taken by the sandbox."""
    return make_settings(tmp_path, sqlite_url, sandbox.base_url)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests of this directory with ``asyncio.run``."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(pyfuncitem.obj(**arguments))
    return True
