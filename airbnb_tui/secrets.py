"""Encryption of stored cookies (Fernet: AES-128-CBC + HMAC-SHA256), and the key files.

The key comes from AIRBNB_TUI_SECRET_KEY or from the key file ``{data_dir}/secret.key`` (0600),
created when the first cookie is saved. Reading never creates a key: a missing or wrong key is a
:class:`SecretKeyError` naming the fix — never a crash, never silently empty cookies (a key made
up on the spot would also strand every cookie sealed with the lost one).

``airbnb-tui db rotate-key`` keeps the incoming key in ``secret.key.new`` and the outgoing one in
``secret.key.old`` while it runs. A cipher opened from the settings tries those too and re-reads
the files whenever they change, so a rotation stopped at any point (or seen from a long-running
worker) never leaves a cookie that no key opens.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from airbnb_tui.config import Settings
from airbnb_tui.errors import CookiesLocked, KeyRotationRunning, SecretKeyError
from airbnb_tui.locations import ensure_private_dir
from airbnb_tui.logs import register_cookie_header, register_secret

ENV_NAME = "AIRBNB_TUI_SECRET_KEY"
FIXED_KEY_WRONG = "The stored cookies cannot be decrypted with this key."


def _key_bytes(secret: str) -> bytes:
    """The bytes of a key as given: ``surrogateescape`` gives back those of an environment
    variable that is not UTF-8; any other lone surrogate is kept as is."""
    text = secret.strip()
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _fernet_key(secret: str) -> bytes:
    """Accept a Fernet key as is; derive one from any other passphrase."""
    raw = _key_bytes(secret)
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32:
            return raw
    except (ValueError, TypeError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest())


def generate_key() -> str:
    return Fernet.generate_key().decode()


def same_key(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` seal with the same Fernet key."""
    return _fernet_key(a) == _fernet_key(b)


def is_fernet_key(key: str) -> bool:
    """True for a Fernet key as generated (not a passphrase a key is derived from)."""
    return _fernet_key(key) == _key_bytes(key)


def key_fingerprint(key: str) -> str:
    """A short digest that tells two keys apart in messages without revealing either."""
    return hashlib.sha256(_fernet_key(key)).hexdigest()[:8]


# Key files --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyFiles:
    """``secret.key`` and the two files a key rotation keeps beside it while it runs."""

    path: Path

    @property
    def new(self) -> Path:
        """The incoming key of a rotation: present from before the re-encryption until the
        key file is replaced."""
        return self.path.with_name(self.path.name + ".new")

    @property
    def old(self) -> Path:
        """The outgoing key of a rotation: kept until the new key file is in place."""
        return self.path.with_name(self.path.name + ".old")

    @property
    def lock(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def read(self, path: Path) -> str | None:
        """The key in ``path``; None when there is no such file."""
        try:
            key = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "it is not a text file"
            raise SecretKeyError(
                f"Cannot read the secret key file {path}: {reason}. Fix its permissions or "
                f"restore it from a backup (or set {ENV_NAME})."
            ) from None
        if not key:
            raise SecretKeyError(
                f"The secret key file {path} is empty. Restore it from a backup or set {ENV_NAME}."
            )
        return key

    def write(self, target: Path, key: str) -> None:
        """Put ``key`` in ``target`` atomically (a complete 0600 file or none), durably."""
        ensure_private_dir(target.parent)
        temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            os.write(fd, (key + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
        sync_dir(target.parent)

    def remove(self, path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        sync_dir(path.parent)

    def create(self) -> str:
        """A fresh key in ``secret.key``; the existing one if another process got there first."""
        ensure_private_dir(self.path.parent)
        key = generate_key()
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            existing = self.read(self.path)
            if existing is None:  # pragma: no cover - created and removed in between
                raise SecretKeyError(f"The secret key file {self.path} vanished.") from None
            return existing
        try:
            os.write(fd, (key + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        sync_dir(self.path.parent)
        return key

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Only one key rotation at a time on this data dir."""
        import fcntl

        ensure_private_dir(self.lock.parent)
        fd = os.open(self.lock, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise KeyRotationRunning from None
            yield
        finally:
            os.close(fd)

    def signature(self) -> tuple[tuple[int, int, int] | None, ...]:
        """Changes whenever any of the three files is written, replaced or removed."""

        def one(path: Path) -> tuple[int, int, int] | None:
            try:
                st = os.stat(path)
            except FileNotFoundError:
                return None
            return (st.st_ino, st.st_mtime_ns, st.st_size)

        return (one(self.path), one(self.new), one(self.old))


def sync_dir(path: Path) -> None:
    """fsync a directory so a rename or unlink in it survives a power loss."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - not every platform opens directories
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def load_or_create_key(settings: Settings, *, create: bool = True) -> str:
    """The current primary key (env first, then the key file), creating the file if allowed."""
    if settings.secret_key:
        return settings.secret_key
    files = KeyFiles(settings.key_file)
    key = files.read(files.path)
    if key is not None:
        return key
    if not create:
        raise CookiesLocked(_missing_reason(settings.key_file))
    return files.create()


def _missing_reason(path: Path) -> str:
    return (
        f"No secret key: {path} does not exist and {ENV_NAME} is not set. Restore the key file "
        f"from a backup or set {ENV_NAME} to the key the cookies were saved with"
    )


# The cipher ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _KeySet:
    primary: str | None
    fallbacks: tuple[str, ...]

    def fernets(self) -> list[Fernet]:
        keys = [k for k in (self.primary, *self.fallbacks) if k]
        unique = list(dict.fromkeys(_fernet_key(k) for k in keys))
        return [Fernet(k) for k in unique]


class _SettingsKeys:
    """Where a cipher opened from the settings finds its keys, re-read when files change."""

    def __init__(self, settings: Settings) -> None:
        self.env_key = settings.secret_key or None
        self.files = KeyFiles(settings.key_file)
        self._lock = threading.Lock()
        self._signature: tuple[tuple[int, int, int] | None, ...] | None = None
        self._keys = _KeySet(None, ())

    def current(self) -> _KeySet:
        signature = self.files.signature()
        with self._lock:
            if signature != self._signature:
                self._keys = self._load()
                self._signature = signature
            return self._keys

    def _load(self) -> _KeySet:
        if self.env_key is not None:
            # The environment wins, as for every setting; the key file is not consulted.
            return _KeySet(self.env_key, ())
        fallbacks = tuple(
            k for k in (self.files.read(self.files.new), self.files.read(self.files.old)) if k
        )
        return _KeySet(self.files.read(self.files.path), fallbacks)

    def create_primary(self) -> str:
        key = self.files.create()
        with self._lock:
            self._signature = None
        return key

    def missing(self) -> CookiesLocked:
        return CookiesLocked(_missing_reason(self.files.path))

    def wrong_reason(self) -> str:
        if self.env_key is not None:
            return (
                f"{ENV_NAME} does not open the stored cookies. Set it to the key they were saved "
                f"with (or unset it to use {self.files.path})"
            )
        return (
            f"The key in {self.files.path} does not open the stored cookies. Restore the key "
            f"file they were saved with (or set {ENV_NAME} to that key)"
        )


class CookieCipher:
    """Seals and opens cookie strings for storage.

    ``CookieCipher(key, old_keys=...)`` uses fixed keys; :meth:`from_settings` follows the
    environment and the key files. Every cookie it seals or opens is registered with the log
    redaction, so none of its values can reach a log line of this process afterwards.
    """

    def __init__(self, key: str, *, old_keys: tuple[str, ...] = ()) -> None:
        self._fixed: _KeySet | None = _KeySet(key, tuple(old_keys))
        self._source: _SettingsKeys | None = None
        self._create = False
        self._cache: tuple[_KeySet, Fernet | None, MultiFernet | None] | None = None

    @classmethod
    def from_settings(cls, settings: Settings, *, create: bool = True) -> CookieCipher:
        """The cipher of the configured key. ``create=False`` fails at once when there is no
        key at all; otherwise a key file is created when the first cookie is sealed.

        Registers the API key with the log redaction too: every process that opens cookies
        talks to Airbnb with it."""
        register_secret(settings.airbnb_api_key)
        cipher = cls.__new__(cls)
        cipher._fixed = None
        cipher._source = _SettingsKeys(settings)
        cipher._create = create
        cipher._cache = None
        if not create and not cipher._keys().fernets():
            raise cipher._source.missing()
        return cipher

    def _keys(self) -> _KeySet:
        if self._fixed is not None:
            return self._fixed
        assert self._source is not None
        return self._source.current()

    def _ciphers(self) -> tuple[Fernet | None, MultiFernet | None]:
        keys = self._keys()
        cache = self._cache
        if cache is None or cache[0] != keys:
            fernets = keys.fernets()
            primary = Fernet(_fernet_key(keys.primary)) if keys.primary else None
            cache = (keys, primary, MultiFernet(fernets) if fernets else None)
            self._cache = cache
        return cache[1], cache[2]

    def encrypt(self, plaintext: str) -> str:
        register_cookie_header(plaintext)
        primary, _ = self._ciphers()
        if primary is None:
            assert self._source is not None
            if not self._create:
                raise self._source.missing()
            self._source.create_primary()
            primary, _ = self._ciphers()
            assert primary is not None
        return primary.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        _, every = self._ciphers()
        if every is None:
            assert self._source is not None
            raise self._source.missing()
        try:
            plaintext = every.decrypt(token.encode()).decode()
        except (InvalidToken, ValueError, UnicodeError):
            raise self._wrong_key() from None
        register_cookie_header(plaintext)
        return plaintext

    def rotate(self, token: str) -> str:
        """Re-encrypt ``token`` under the primary key (it may be sealed by an old one)."""
        _, every = self._ciphers()
        try:
            if every is None:
                raise InvalidToken
            return every.rotate(token.encode()).decode()
        except (InvalidToken, ValueError):
            unchanged = (
                "A stored cookie cannot be decrypted with any known key; nothing was changed."
            )
            if self._source is None:
                raise SecretKeyError(f"{unchanged} {FIXED_KEY_WRONG}") from None
            raise CookiesLocked(f"{unchanged} {self._source.wrong_reason()}") from None

    def _wrong_key(self) -> SecretKeyError:
        if self._source is not None:
            return CookiesLocked(self._source.wrong_reason())
        return SecretKeyError(FIXED_KEY_WRONG)

    @property
    def primary_key_fingerprint(self) -> str | None:
        keys = self._keys()
        return key_fingerprint(keys.primary) if keys.primary else None
