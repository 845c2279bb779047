"""Shared fixtures: isolated settings, and real SQLite / PostgreSQL / Redis per test run."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from airbnb_tui.db.engine import Database
from airbnb_tui.db.migrate import upgrade
from airbnb_tui.logs import forget_secrets
from tests.reliability.harness import RESULTS_FILE_ENV, load_results, summary_lines

POSTGRES_ENV = "AIRBNB_TUI_TEST_POSTGRES_URL"
REDIS_ENV = "AIRBNB_TUI_TEST_REDIS_URL"
RUN_ID = uuid.uuid4().hex[:10]
_RESULTS_FILE = pytest.StashKey[str]()


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's real config, data dir or AIRBNB_TUI_* variables."""
    for name in list(os.environ):
        if name.startswith("AIRBNB_TUI_") and name not in (POSTGRES_ENV, REDIS_ENV):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AIRBNB_TUI_CONFIG_FILE", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("AIRBNB_TUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    # The process-wide registry of secrets would otherwise carry one test's "cookies" (made up
    # by hypothesis from ordinary words) into the log lines another test reads.
    forget_secrets()


def postgres_server_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def redis_server_url() -> str | None:
    return os.environ.get(REDIS_ENV) or None


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    server = postgres_server_url()
    if server is None:
        pytest.skip(f"{POSTGRES_ENV} is not set; PostgreSQL tests need a server")
    name = f"airbnb_tui_test_{RUN_ID}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url(postgres_database_url: str) -> str:
    """An empty PostgreSQL database for one test (schema dropped and re-created)."""
    engine = create_engine(postgres_database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return postgres_database_url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def redis_url() -> str:
    url = redis_server_url()
    if url is None:
        pytest.skip(f"{REDIS_ENV} is not set; Redis tests need a server")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs twice: on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated database on each backend."""
    database = Database(database_url)
    upgrade(database)
    try:
        yield database
    finally:
        database.dispose()


# --- reporting: how many tests ran against each service -------------------------------------

_SERVICE_MARKS = ("postgres", "redis")
_service_outcomes: dict[str, dict[str, int]] = {m: {} for m in _SERVICE_MARKS}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
        return
    for mark in _SERVICE_MARKS:
        if mark in report.keywords:
            counts = _service_outcomes[mark]
            counts[report.outcome] = counts.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    _reliability_summary(terminalreporter)
    for mark, counts in _service_outcomes.items():
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "none"
        terminalreporter.write_line(f"{mark}-marked tests: {summary}")


def _is_controller(config: pytest.Config) -> bool:
    """True in the process that reports (not in a pytest-xdist worker)."""
    return not hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    if _is_controller(config) and RESULTS_FILE_ENV not in os.environ:
        fd, path = tempfile.mkstemp(prefix="airbnb-tui-reliability-", suffix=".jsonl")
        os.close(fd)
        os.environ[RESULTS_FILE_ENV] = path  # inherited by the xdist workers started later
        config.stash[_RESULTS_FILE] = path


def pytest_unconfigure(config: pytest.Config) -> None:
    path = config.stash.get(_RESULTS_FILE, None)
    if path is not None:
        Path(path).unlink(missing_ok=True)
        os.environ.pop(RESULTS_FILE_ENV, None)


def _reliability_summary(terminalreporter: pytest.TerminalReporter) -> None:
    path = terminalreporter.config.stash.get(_RESULTS_FILE, None)
    if path is None:
        return
    results = load_results(path)
    if not results:
        return
    terminalreporter.section("fault injection: every run checked for half-written listings")
    for line in summary_lines(results):
        terminalreporter.write_line(line)
    notes = [f"{name}: {note}" for name, tally in results.items() for note in tally.notes]
    for note in notes[:20]:
        terminalreporter.write_line(f"  ! {note}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With AIRBNB_TUI_REQUIRE_SERVICES=1 (CI), a skipped service test fails the run."""
    if os.environ.get("AIRBNB_TUI_REQUIRE_SERVICES") != "1" or not _is_controller(session.config):
        return
    skipped = {m: c.get("skipped", 0) for m, c in _service_outcomes.items() if c.get("skipped")}
    ran = {m: c.get("passed", 0) for m, c in _service_outcomes.items()}
    if skipped or not ran.get("postgres"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print(f"\nservice tests were skipped or none ran: skipped={skipped} passed={ran}")
