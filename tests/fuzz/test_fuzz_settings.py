"""Settings from arbitrary environment strings: a usable Settings object or a ValidationError
(a one-line UserError at the command line) — never a value that crashes a worker later.

"Usable" is checked where it bites: every duration can be waited on by ``threading`` (no
``inf``, no ``nan``, nothing past ``threading.TIMEOUT_MAX``) and turned into a ``timedelta``,
and every seconds range can be drawn from.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from airbnb_tui.commands.context import CliContext
from airbnb_tui.config import SecondsRange, Settings, load_settings
from airbnb_tui.errors import UserError

FIELDS = sorted(Settings.model_fields)
DURATIONS = sorted(
    name for name, field in Settings.model_fields.items() if field.annotation is float
)
RANGES = ("request_jitter_seconds", "listing_pause_seconds")

NUMBER_WORDS = st.sampled_from(
    [
        "nan",
        "NaN",
        "inf",
        "-inf",
        "Infinity",
        "1e400",
        "1e300",
        "1e-400",
        "-0",
        "0x10",
        "1_000",
        " 5 ",
        "5-",
        "-5",
        "5--10",
        "5-nan",
        "0-inf",
        "true",
        "[1, 2]",
        '{"a": 1}',
        "",
        "9" * 30,
    ]
)
FLOAT_TEXT = st.floats(allow_nan=True, allow_infinity=True).map(repr)
RANGE_TEXT = st.tuples(FLOAT_TEXT | st.integers().map(str), FLOAT_TEXT).map("-".join)
# Environment values are text without NUL (the OS cannot hold one).
ANY_TEXT = st.text(max_size=24).map(lambda t: t.replace("\x00", ""))
ENV_VALUE = NUMBER_WORDS | FLOAT_TEXT | RANGE_TEXT | st.integers().map(str) | ANY_TEXT


@contextmanager
def env_var(name: str, value: str) -> Iterator[None]:
    key = f"AIRBNB_TUI_{name.upper()}"
    before = os.environ.get(key)
    os.environ[key] = value
    try:
        yield
    finally:
        if before is None:
            del os.environ[key]
        else:
            os.environ[key] = before


def assert_usable(s: Settings) -> None:
    for name in DURATIONS:
        value = getattr(s, name)
        assert math.isfinite(value), name
        assert 0 <= value <= threading.TIMEOUT_MAX, (name, value)
        timedelta(seconds=value)
    for name in RANGES:
        seconds = getattr(s, name)
        assert math.isfinite(seconds.low), name
        assert math.isfinite(seconds.high), name
        assert 0 <= seconds.low <= seconds.high <= threading.TIMEOUT_MAX, (name, seconds)
    assert s.lookahead_weeks * 7 <= 182


@given(name=st.sampled_from(FIELDS), value=ENV_VALUE)
@example(name="shutdown_grace_seconds", value="inf")
@example(name="listing_pause_seconds", value="nan")
@example(name="listing_pause_seconds", value="0-inf")
@example(name="heartbeat_stale_seconds", value="1e300")
@settings(max_examples=600, deadline=None)
def test_any_environment_value_gives_usable_settings_or_a_validation_error(
    name: str, value: str
) -> None:
    with env_var(name, value):
        try:
            loaded = load_settings()
        except ValidationError:
            return
    assert_usable(loaded)


@given(name=st.sampled_from(DURATIONS + list(RANGES)), value=ENV_VALUE)
@settings(max_examples=150, deadline=None)
def test_the_command_line_turns_bad_settings_into_one_line_naming_the_variable(
    name: str, value: str
) -> None:
    with env_var(name, value):
        try:
            CliContext().settings  # noqa: B018 - the property loads them
        except UserError as exc:
            message = exc.message
        else:
            return
    assert message.startswith("Invalid settings: AIRBNB_TUI_")
    assert "\n" not in message


@given(NUMBER_WORDS | FLOAT_TEXT | RANGE_TEXT | ANY_TEXT)
@example("nan")
@example("0-inf")
@settings(max_examples=500, deadline=None)
def test_seconds_range_parses_to_a_usable_range_or_a_value_error(text: str) -> None:
    try:
        parsed = SecondsRange.parse(text)
    except ValueError:
        return
    assert math.isfinite(parsed.low)
    assert math.isfinite(parsed.high)
    assert 0 <= parsed.low <= parsed.high <= threading.TIMEOUT_MAX
    assert 0 <= parsed.draw() <= parsed.high


@pytest.mark.parametrize("value", ["inf", "1e300", "nan"])
def test_an_unusable_duration_is_refused_naming_the_variable(value: str) -> None:
    with env_var("shutdown_grace_seconds", value), pytest.raises(UserError) as caught:
        CliContext().settings  # noqa: B018 - the property raises
    assert caught.value.message.startswith("Invalid settings: AIRBNB_TUI_SHUTDOWN_GRACE_SECONDS:")
