"""Where airbnb-tui keeps its files by default (XDG base directories)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "airbnb-tui"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_config_file() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable by the owner only.

    The data dir holds the database with encrypted cookies and the key that opens them, so it is
    0700 even when the umask is generous.
    """
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def ensure_private_file(path: Path) -> None:
    """Create ``path`` if missing and make it 0600."""
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    os.chmod(path, 0o600)
