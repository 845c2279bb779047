"""An account's Airbnb credentials: the browser cookie plus the headers that go with it.

Operators paste whatever their browser gives them — a ``Cookie:`` header, the bare
``name=value; …`` string, a devtools "Copy as cURL" (bash or Windows cmd), or a cookie-export
JSON list — and :func:`parse_credentials` turns it into :class:`Credentials`. Cookie values are
secrets: no message, repr or log line built here ever contains one.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from urllib.parse import unquote

from airbnb_tui.airbnb.errors import CredentialFormatError

USER_ATTRIBUTES_COOKIE = "_user_attributes"

# The cookies that carry the login and that Airbnb may rotate through Set-Cookie; the same set
# existing Airbnb sync setups persist. Bot-manager and analytics cookies are left alone.
AUTH_COOKIE_NAMES = frozenset(
    {
        "_airbed_session_id",
        "_aaj",
        "_aat",
        "auth_jitney_session_id",
        "hli",
        "li",
        "_user_attributes",
        "_pt",
        "rclu",
    }
)

# RFC 6265 cookie names are HTTP tokens; values are printable ASCII without ';' (inner spaces
# are tolerated, as browsers do).
_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_VALUE = re.compile(r"(?:[\x21-\x3a\x3c-\x7e](?:[\x20-\x3a\x3c-\x7e]*[\x21-\x3a\x3c-\x7e])?)?")
_REQUEST_LINE = re.compile(r"[A-Z]+ \S+ HTTP/\S+")
_HEADER_LINE = re.compile(r":?([A-Za-z0-9][A-Za-z0-9_-]*)\s*:\s?(.*)")
_ANSI_C_QUOTED = re.compile(r"(?:(?<=\s)|^)\$'((?:[^'\\]|\\.)*)'", re.DOTALL)
_BASH_CONTINUATION = re.compile(r"\\\r?\n")
_CMD_CONTINUATION = re.compile(r"\^\r?\n")
_CMD_ESCAPE = re.compile(r"\^(.)", re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

HOW_TO_COPY = (
    "copy it from a logged-in browser tab (devtools → Network → a request to airbnb.com → "
    "Copy as cURL, or the request's Cookie header)"
)


@dataclass(frozen=True, repr=False)
class Credentials:
    """The cookie (name → value, in the browser's order) and the per-account headers.

    Immutable: rotation makes a new object (:meth:`with_cookies`). ``repr`` and ``str`` show
    cookie names and a fingerprint only.
    """

    cookies: Mapping[str, str]
    user_agent: str | None = None
    x_client_version: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "cookies", MappingProxyType(dict(self.cookies)))

    def __hash__(self) -> int:
        return hash((tuple(self.cookies.items()), self.user_agent, self.x_client_version))

    def cookie_header(self) -> str:
        """The ``Cookie`` header value (and the form stored, encrypted, in the database)."""
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    @property
    def account_id(self) -> str | None:
        """The Airbnb user id from the ``_user_attributes`` cookie, if present and readable."""
        return account_id_from_user_attributes(self.cookies.get(USER_ATTRIBUTES_COOKIE))

    def with_cookies(self, updated: Mapping[str, str]) -> Credentials:
        """A copy with ``updated`` cookies replacing (or joining) the current ones."""
        return replace(self, cookies={**self.cookies, **updated})

    def fingerprint(self) -> str:
        """A short digest that tells two cookies apart without revealing either."""
        return hashlib.sha256(self.cookie_header().encode()).hexdigest()[:10]

    def masked(self) -> str:
        """For display: how many cookies, which auth cookies, and a fingerprint — no values."""
        auth = [name for name in self.cookies if name in AUTH_COOKIE_NAMES]
        noun = "cookie" if len(self.cookies) == 1 else "cookies"
        auth_text = f"auth: {', '.join(auth)}" if auth else "no auth cookies"
        return f"{len(self.cookies)} {noun} ({auth_text}; values hidden, #{self.fingerprint()})"

    def __repr__(self) -> str:
        return (
            f"Credentials({self.masked()}, user_agent={self.user_agent!r}, "
            f"x_client_version={self.x_client_version!r})"
        )

    __str__ = __repr__


def account_id_from_user_attributes(raw: str | None) -> str | None:
    """``id_str`` (else ``id``) of the URL-encoded JSON Airbnb keeps in ``_user_attributes``."""
    if not raw:
        return None
    text = raw
    for _ in range(3):  # some browsers and exports encode it twice
        try:
            attributes: object = json.loads(text)
        except (ValueError, RecursionError):
            decoded = unquote(text)
            if decoded == text:
                return None
            text = decoded
            continue
        if not isinstance(attributes, dict):
            return None
        for key in ("id_str", "id"):
            value = attributes.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return str(value)
            if isinstance(value, str) and value.isascii() and value.isdigit():
                return value
        return None
    return None


def require_account_id(credentials: Credentials) -> str:
    """The account id, or a :class:`CredentialFormatError` telling the operator to pass it."""
    account_id = credentials.account_id
    if account_id is not None:
        return account_id
    if USER_ATTRIBUTES_COOKIE in credentials.cookies:
        raise CredentialFormatError(
            "The _user_attributes cookie does not hold a readable account id: pass --account-id "
            "(the number in your Airbnb profile URL)."
        )
    raise CredentialFormatError(
        "The cookie has no _user_attributes cookie, so the account id cannot be read from it: "
        "pass --account-id (the number in your Airbnb profile URL)."
    )


def merge_rotated(credentials: Credentials, set_cookies: Mapping[str, str]) -> Credentials | None:
    """``credentials`` with the newer auth cookies of a response's Set-Cookie; None if unchanged.

    Only :data:`AUTH_COOKIE_NAMES` are kept; an emptied value (Airbnb clearing a cookie) or one a
    browser would not send back is ignored rather than wiping a working login.
    """
    changed = {
        name: value
        for name, value in set_cookies.items()
        if name in AUTH_COOKIE_NAMES
        and value
        and _VALUE.fullmatch(value)
        and credentials.cookies.get(name) != value
    }
    return credentials.with_cookies(changed) if changed else None


# Parsing pasted text ------------------------------------------------------------------------


@dataclass
class _Found:
    cookie_parts: list[str] = field(default_factory=list)
    user_agent: str | None = None
    x_client_version: str | None = None

    def header(self, name: str, value: str) -> None:
        key = name.strip().lower()
        if key == "cookie":
            self.cookie_parts.append(value)
        elif key == "user-agent":
            self.user_agent = _header_value("User-Agent", value)
        elif key == "x-client-version":
            self.x_client_version = _header_value("X-Client-Version", value)


def _header_value(name: str, value: str) -> str | None:
    text = value.strip()
    if _CONTROL.search(text):
        raise CredentialFormatError(
            f"The {name} header contains a line break or control character."
        )
    return text or None


def parse_cookie_pairs(text: str) -> dict[str, str]:
    """``name=value; name2=value2`` as a dict; a repeated name keeps its first value."""
    cookies: dict[str, str] = {}
    for position, piece in enumerate(text.split(";"), start=1):
        pair = piece.strip()
        if not pair:
            continue
        name, sep, value = pair.partition("=")
        name, value = name.strip(), value.strip()
        if not sep:
            raise CredentialFormatError(
                f"Cookie pair {position} has no '=': expected name=value pairs separated by '; '."
            )
        if not name:
            raise CredentialFormatError(f"Cookie pair {position} has an empty name before '='.")
        if not _NAME.fullmatch(name):
            raise CredentialFormatError(
                f"Cookie pair {position} has a name with spaces or characters a cookie name "
                "cannot hold."
            )
        if not _VALUE.fullmatch(value):
            raise CredentialFormatError(
                f"The value of cookie {name!r} holds characters a browser cookie never does "
                "(control or non-ASCII characters)."
            )
        cookies.setdefault(name, value)
    return cookies


def _curl_tokens(text: str) -> list[str]:
    """The words of a copied cURL command: bash quoting, or cmd.exe's ``^`` escapes."""
    if '^"' in text or re.search(r"\^\r?\n", text):
        text = _CMD_CONTINUATION.sub(" ", text)
        text = _CMD_ESCAPE.sub(r"\1", text)
    else:
        text = _BASH_CONTINUATION.sub(" ", text)
        text = _ANSI_C_QUOTED.sub(lambda match: shlex.quote(_ansi_c(match.group(1))), text)
    try:
        return shlex.split(text, comments=False, posix=True)
    except ValueError:
        raise CredentialFormatError(
            "The cURL command is cut off or mis-quoted (a quote is never closed); copy it again."
        ) from None


def _ansi_c(body: str) -> str:
    """Decode bash's ``$'…'`` quoting, which Chrome uses for values with special characters."""
    try:
        return body.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except UnicodeDecodeError:
        raise CredentialFormatError(
            "The cURL command has a $'…' string with a broken escape; copy it again."
        ) from None


def _from_curl(text: str) -> _Found:
    found = _Found()
    tokens = iter(_curl_tokens(text)[1:])
    for token in tokens:
        if token in ("-H", "--header"):
            _curl_header(found, next(tokens, ""))
        elif token.startswith("-H") and len(token) > 2:
            _curl_header(found, token[2:])
        elif token in ("-b", "--cookie"):
            _curl_cookie(found, next(tokens, ""))
        elif token.startswith("-b") and len(token) > 2:
            _curl_cookie(found, token[2:])
        elif token in ("-A", "--user-agent"):
            found.user_agent = _header_value("User-Agent", next(tokens, ""))
    return found


def _curl_header(found: _Found, header: str) -> None:
    name, sep, value = header.partition(":")
    if sep:
        found.header(name, value)


def _curl_cookie(found: _Found, value: str) -> None:
    if "=" not in value:
        raise CredentialFormatError(
            "The cURL command reads its cookies from a file (-b FILE); copy the request again "
            "with the cookie included."
        )
    found.cookie_parts.append(value)


def _from_cookie_export(text: str) -> _Found | None:
    """A browser extension's cookie export: a JSON list of ``{"name", "value"}`` objects."""
    try:
        items: object = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        return None
    pairs = []
    for position, item in enumerate(items, start=1):
        name, value = item.get("name"), item.get("value")
        if not isinstance(name, str) or not isinstance(value, str):
            raise CredentialFormatError(
                f"Cookie {position} of the exported list has no string name and value."
            )
        pairs.append(f"{name}={value}")
    return _Found(cookie_parts=["; ".join(pairs)])


def _from_lines(text: str) -> _Found:
    """A ``Cookie:`` header, raw request headers, or bare ``name=value; …`` lines."""
    found = _Found()
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or _REQUEST_LINE.fullmatch(stripped):
            continue
        header = _HEADER_LINE.fullmatch(stripped)
        if header is not None:
            found.header(header.group(1), header.group(2))
        else:
            found.cookie_parts.append(stripped)
    return found


def parse_credentials(text: str) -> Credentials:
    """Credentials from pasted text; :class:`CredentialFormatError` names what is wrong.

    The account id is not required here (see :func:`require_account_id`).
    """
    stripped = text.strip().lstrip("\ufeff").strip()
    if not stripped:
        raise CredentialFormatError(f"The cookie text is empty; {HOW_TO_COPY}.")
    first_word = stripped.split(maxsplit=1)[0].lower()
    if stripped.lower().startswith(("invoke-webrequest", "$session", "fetch(", "await fetch(")):
        raise CredentialFormatError(
            "That is a PowerShell or fetch() copy; use Copy as cURL (bash or cmd) instead."
        )
    if first_word in ("curl", "curl.exe"):
        found = _from_curl(stripped)
        where = "The cURL command has no cookie (no -b/--cookie and no 'cookie:' header)"
    else:
        exported = _from_cookie_export(stripped) if stripped.startswith("[") else None
        found = exported if exported is not None else _from_lines(stripped)
        where = "No cookie found in the text"
    cookies: dict[str, str] = {}
    for part in found.cookie_parts:
        for name, value in parse_cookie_pairs(part).items():
            cookies.setdefault(name, value)
    if not cookies:
        raise CredentialFormatError(f"{where}; {HOW_TO_COPY}.")
    return Credentials(cookies, found.user_agent, found.x_client_version)
