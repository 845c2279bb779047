"""Encryption of stored cookies (Fernet: AES-128-CBC + HMAC-SHA256).

The key comes from AIRBNB_TUI_SECRET_KEY or from a key file created 0600 in the data dir on first
use. A wrong or missing key is a clear error naming the fix — never empty cookies.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from airbnb_tui.config import Settings
from airbnb_tui.errors import UserError
from airbnb_tui.locations import ensure_private_dir


class SecretKeyError(UserError):
    """The key that opens stored cookies is missing or is not the one they were sealed with."""


def _fernet_key(secret: str) -> bytes:
    """Accept a Fernet key as is; derive one from any other passphrase."""
    raw = secret.strip().encode()
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32:
            return raw
    except (ValueError, TypeError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest())


def generate_key() -> str:
    return Fernet.generate_key().decode()


def load_or_create_key(settings: Settings, *, create: bool = True) -> str:
    if settings.secret_key:
        return settings.secret_key
    path = settings.key_file
    if path.exists():
        return _read_key_file(path)
    if not create:
        raise SecretKeyError(
            f"No secret key: {path} does not exist and AIRBNB_TUI_SECRET_KEY is not set. "
            "Restore the key file or set AIRBNB_TUI_SECRET_KEY to the key the cookies were "
            "saved with."
        )
    ensure_private_dir(path.parent)
    key = generate_key()
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:  # another process created it first
        return _read_key_file(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def _read_key_file(path: Path) -> str:
    try:
        key = path.read_text().strip()
    except OSError as exc:
        raise SecretKeyError(f"Cannot read the secret key file {path}: {exc.strerror}.") from None
    if not key:
        raise SecretKeyError(
            f"The secret key file {path} is empty. Restore it from a backup or set "
            "AIRBNB_TUI_SECRET_KEY."
        )
    return key


class CookieCipher:
    """Seals and opens cookie strings for storage."""

    def __init__(self, key: str, *, old_keys: tuple[str, ...] = ()) -> None:
        self._primary = Fernet(_fernet_key(key))
        self._fernet = MultiFernet([self._primary, *(Fernet(_fernet_key(k)) for k in old_keys)])

    @classmethod
    def from_settings(cls, settings: Settings, *, create: bool = True) -> CookieCipher:
        return cls(load_or_create_key(settings, create=create))

    def encrypt(self, plaintext: str) -> str:
        return self._primary.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except (InvalidToken, ValueError):
            raise SecretKeyError(
                "The stored cookies cannot be decrypted with the current secret key. Set "
                "AIRBNB_TUI_SECRET_KEY (or restore the key file) to the key they were saved "
                "with, or re-enter the account's cookie."
            ) from None

    def rotate(self, token: str) -> str:
        """Re-encrypt ``token`` under the primary key (it may be sealed by an old one)."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except (InvalidToken, ValueError):
            raise SecretKeyError(
                "A stored cookie cannot be decrypted with the old key; nothing was changed."
            ) from None
