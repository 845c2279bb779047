"""Logging set-up with redaction: cookie values and the API key never reach a log line.

Every secret the process handles is registered here when it is loaded; the formatter replaces
them — in messages and in formatted tracebacks alike — with a mask.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import unquote

from airbnb_tui.config import Settings

MASK = "***"
_MIN_SECRET_LENGTH = 6
_lock = threading.Lock()
_secrets: set[str] = set()
# Header-shaped leaks even when the value was never registered (e.g. a pasted cookie).
_PATTERNS = (
    re.compile(r"(?i)(cookie:\s*)[^\r\n]+"),
    re.compile(r"(?i)(set-cookie:\s*)[^\r\n]+"),
    re.compile(r"(?i)(x-airbnb-api-key['\"]?\s*[:=]\s*['\"]?)[A-Za-z0-9]+"),
    re.compile(r"(?i)(\b_aat=)[^;\s'\"]+"),
)


def register_secret(value: str | None) -> None:
    """Mask ``value`` in every log line of this process from now on (short values are not
    masked: they would blank out ordinary words)."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(value)


def register_cookie_header(header: str) -> None:
    """Register a ``name=value; …`` cookie string and each value in it (raw and URL-decoded).

    Called wherever a cookie is opened or sealed (``CookieCipher``), so whatever later handles
    it — client, retries, tracebacks — cannot log it. Values made only of digits are left out:
    they are ids (an account id also names the account in ordinary log lines), not credentials.
    """
    register_secret(header.strip())
    for piece in header.split(";"):
        _name, sep, value = piece.strip().partition("=")
        value = value.strip()
        if not sep or value.isdigit():
            continue
        register_secret(value)
        decoded = unquote(value)
        if decoded != value and not decoded.isdigit():
            register_secret(decoded)


def redact(text: str) -> str:
    """``text`` with every registered secret and every header-shaped secret masked.

    Both are found on the original text and masked together, so no order between them can
    uncover a value: a registered word that is also a header name (``Cookie``) must not stop
    the header's value from being recognised.
    """
    spans: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        spans.extend((found.end(1), found.end()) for found in pattern.finditer(text))
    with _lock:
        secrets = tuple(_secrets)
    for secret in secrets:
        start = text.find(secret)
        while start != -1:
            spans.append((start, start + len(secret)))
            start = text.find(secret, start + 1)
    if not spans:
        return text
    pieces: list[str] = []
    cursor = 0
    for start, end in sorted(spans):
        if end <= cursor:
            continue
        if start > cursor or not pieces:  # else it overlaps or touches the previous mask
            pieces.append(text[cursor:start])
            pieces.append(MASK)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def forget_secrets() -> None:
    """Drop every registered secret (a process that starts over, or a test that must not
    inherit another's)."""
    with _lock:
        _secrets.clear()


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(level: int, settings: Settings | None = None) -> None:
    """Log to stderr through the redacting formatter (and never the API key)."""
    if settings is not None:
        register_secret(settings.airbnb_api_key)
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("huey", "urllib3", "filelock"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
