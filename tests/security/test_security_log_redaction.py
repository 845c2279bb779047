"""The logging safety net: whatever a process opened or sealed is masked in every log line it
writes afterwards, tracebacks included; header-shaped leaks are masked even unregistered."""

from __future__ import annotations

import logging

import click
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airbnb_tui import cli as cli_module
from airbnb_tui.config import load_settings
from airbnb_tui.exit_codes import ExitCode
from airbnb_tui.logs import (
    MASK,
    RedactingFormatter,
    configure_logging,
    forget_secrets,
    redact,
    register_secret,
)
from airbnb_tui.secrets import CookieCipher
from tests.security.leaks import SENTINEL, SENTINEL_API_KEY

COOKIE = (
    f"_aat=0%7C{SENTINEL}aat; bev=1736640000_{SENTINEL}bev; country=US; "
    f"_user_attributes=%7B%22id_str%22%3A%22{SENTINEL}%22%7D; uid=123456789"
)


def _format(message: str, *args: object, exc: BaseException | None = None) -> str:
    record = logging.LogRecord("t", logging.WARNING, __file__, 1, message, args, None)
    if exc is not None:
        try:
            raise exc
        except BaseException as raised:
            record.exc_info = (type(raised), raised, raised.__traceback__)
    return RedactingFormatter("%(message)s").format(record)


def test_an_opened_cookie_is_masked_in_messages_and_tracebacks() -> None:
    cipher = CookieCipher("redaction-test-key")
    token = cipher.encrypt(COOKIE)
    assert CookieCipher("redaction-test-key").decrypt(token) == COOKIE

    line = _format("sent %s and %s", f"0%7C{SENTINEL}aat", f"0|{SENTINEL}aat")
    assert line == f"sent {MASK} and {MASK}"
    traceback_text = _format("failed", exc=RuntimeError(f"bad value 1736640000_{SENTINEL}bev"))
    assert SENTINEL not in traceback_text
    assert "Traceback" in traceback_text
    # Ids are not secrets, and masking them would blank every "account …" line.
    assert _format("account %s", "123456789") == "account 123456789"


def test_header_shaped_leaks_are_masked_even_unregistered() -> None:
    text = (
        "Cookie: a=unregistered-value-1\n"
        "set-cookie: _aat=unregistered-value-2; Path=/\n"
        "{'X-Airbnb-API-Key': 'abcdef0123456789'}\n"
        "_aat=unregistered-value-3;"
    )
    masked = redact(text)
    for value in ("unregistered-value-1", "unregistered-value-2", "unregistered-value-3"):
        assert value not in masked
    assert "abcdef0123456789" not in masked


def test_the_api_key_is_masked_once_settings_open_cookies(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AIRBNB_TUI_AIRBNB_API_KEY", SENTINEL_API_KEY)
    CookieCipher.from_settings(load_settings())
    configure_logging(logging.INFO)
    logging.getLogger("airbnb_tui.test").warning("key in use: %s", SENTINEL_API_KEY)
    err = capsys.readouterr().err
    assert SENTINEL_API_KEY not in err
    assert f"key in use: {MASK}" in err


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_an_unexpected_error_is_reported_without_the_secret_it_quotes(
    debug: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = f"{SENTINEL}unexpected"
    register_secret(secret)

    @click.command("explode")
    def explode() -> None:
        raise RuntimeError(f"upstream said: {secret}")

    cli_module.cli.add_command(explode)
    try:
        with pytest.raises(SystemExit) as exited:
            cli_module.main([*(["--debug"] if debug else []), "explode"])
    finally:
        cli_module.cli.commands.pop("explode")
    err = capsys.readouterr().err
    assert exited.value.code == ExitCode.UNEXPECTED
    assert "RuntimeError" in err
    assert MASK in err
    assert secret not in err
    assert ("Traceback" in err) is debug


def test_a_registered_header_name_does_not_uncover_the_header_value() -> None:
    register_secret("Cookie")
    register_secret("X-Airbnb-API-Key")
    masked = redact("Cookie: a=the-real-value-1\n{'X-Airbnb-API-Key': 'abcdef0123456789'}")
    assert "the-real-value-1" not in masked
    assert "abcdef0123456789" not in masked
    assert masked.count(MASK) >= 2


def test_overlapping_and_adjacent_secrets_leave_no_piece_behind() -> None:
    register_secret("abcdef-secret")
    register_secret("secret-ghijkl")
    register_secret("ghijkl-mnopqr")
    masked = redact("x abcdef-secret-ghijkl-mnopqr y")
    assert masked == f"x {MASK} y"


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzCOKIE:=; -", min_size=6), max_size=5
    ),
    value=st.from_regex(r"[A-Za-z0-9%|_.]{12,40}", fullmatch=True),
)
def test_a_cookie_header_value_never_survives_whatever_is_registered(
    words: list[str], value: str
) -> None:
    forget_secrets()
    for word in words:
        register_secret(word)
    masked = redact(f"sent Cookie: session={value}\nnext line")
    assert value not in masked
    forget_secrets()


def test_forgetting_secrets_unmasks_ordinary_words() -> None:
    register_secret("listings")
    assert redact("No listings") == f"No {MASK}"
    forget_secrets()
    assert redact("No listings") == "No listings"
