"""Settings: the env names README.md documents, the TOML file, flags winning, clear validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from airbnb_tui.config import SecondsRange, Settings, load_settings

CONTRACT_ENV = {
    "DATA_DIR": "/tmp/x",
    "DATABASE_URL": "postgresql+psycopg://u@h/db",
    "QUEUE_URL": "redis://127.0.0.1:6379/0",
    "AIRBNB_BASE_URL": "http://127.0.0.1:9",
    "AIRBNB_API_KEY": "k",
    "REQUESTS_PER_MINUTE": "3",
    "REQUEST_JITTER_SECONDS": "1-2",
    "LISTING_PAUSE_SECONDS": "0",
    "MAX_ATTEMPTS": "2",
    "RETRY_BASE_SECONDS": "0.5",
    "REQUEST_TIMEOUT_SECONDS": "7",
    "FIRST_RUN_LOOKBACK_WEEKS": "10",
    "LOOKBACK_WEEKS": "2",
    "LOOKAHEAD_WEEKS": "4",
    "SYNC_HOUR_UTC": "6",
    "SYNC_MINUTE_UTC": "30",
    "SHUTDOWN_GRACE_SECONDS": "9",
    "HEARTBEAT_STALE_SECONDS": "11",
    "SECRET_KEY": "s",
}


def test_every_contract_env_name_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CONTRACT_ENV.items():
        monkeypatch.setenv(f"AIRBNB_TUI_{name}", value)
    s = Settings()
    assert s.data_dir == Path("/tmp/x")
    assert s.database_url == "postgresql+psycopg://u@h/db"
    assert s.queue_url == "redis://127.0.0.1:6379/0"
    assert s.airbnb_base_url == "http://127.0.0.1:9"
    assert s.airbnb_api_key == "k"
    assert s.requests_per_minute == 3
    assert s.request_jitter_seconds == SecondsRange(1, 2)
    assert not s.listing_pause_seconds.enabled
    assert (s.max_attempts, s.retry_base_seconds, s.request_timeout_seconds) == (2, 0.5, 7)
    assert (s.first_run_lookback_weeks, s.lookback_weeks, s.lookahead_weeks) == (10, 2, 4)
    assert (s.sync_hour_utc, s.sync_minute_utc) == (6, 30)
    assert (s.shutdown_grace_seconds, s.heartbeat_stale_seconds) == (9, 11)
    assert s.secret_key == "s"


def test_defaults_follow_the_design(tmp_path: Path) -> None:
    s = load_settings(data_dir=tmp_path)
    assert s.effective_database_url == f"sqlite:///{tmp_path / 'airbnb.db'}"
    assert s.is_default_database
    assert s.requests_per_minute == 8
    assert s.request_jitter_seconds == SecondsRange(5, 10)
    assert s.listing_pause_seconds == SecondsRange(15, 30)
    assert (s.first_run_lookback_weeks, s.lookback_weeks, s.lookahead_weeks) == (25, 1, 25)
    assert s.key_file == tmp_path / "secret.key"


def test_toml_file_is_read_and_env_and_flags_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("requests_per_minute = 4\nsync_hour_utc = 9\nlookback_weeks = 3\n")
    monkeypatch.setenv("AIRBNB_TUI_CONFIG_FILE", str(config))
    monkeypatch.setenv("AIRBNB_TUI_SYNC_HOUR_UTC", "10")
    s = load_settings(lookback_weeks=5)
    assert s.requests_per_minute == 4  # file
    assert s.sync_hour_utc == 10  # env beats file
    assert s.lookback_weeks == 5  # flag beats both


def test_lookahead_past_182_days_is_refused() -> None:
    with pytest.raises(ValidationError, match="26"):
        load_settings(lookahead_weeks=27)


@pytest.mark.parametrize("bad", ["-1", "10-5", "abc", "5-x"])
def test_bad_seconds_range_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        load_settings(request_jitter_seconds=bad)


@given(st.text(max_size=20))
def test_seconds_range_parser_never_crashes(text: str) -> None:
    try:
        value = SecondsRange.parse(text)
    except ValueError:
        return
    assert 0 <= value.low <= value.high
