"""State shared by every subcommand: settings (flags applied) and a lazily opened database."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from airbnb_tui.config import Settings, load_settings
from airbnb_tui.db.engine import Database
from airbnb_tui.errors import UserError


@dataclass
class CliContext:
    overrides: dict[str, Any] = field(default_factory=dict)
    debug: bool = False
    _settings: Settings | None = None
    _db: Database | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings(**self.overrides)
            except ValidationError as exc:
                raise UserError(f"Invalid settings: {_summarise(exc)}") from None
        return self._settings

    def database(self) -> Database:
        if self._db is None:
            from airbnb_tui.db.open import open_database

            self._db = open_database(self.settings)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None


def _summarise(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "settings"
        parts.append(f"AIRBNB_TUI_{loc.upper()}: {err['msg']}")
    return "; ".join(parts)


pass_ctx = click.make_pass_decorator(CliContext)


def data_dir_option(value: Path | None) -> dict[str, Any]:
    return {"data_dir": value} if value else {}
