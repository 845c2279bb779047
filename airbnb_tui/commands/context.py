"""State shared by every subcommand: settings (flags applied), and the database and the job
queue, each opened on first use and kept for the rest of the command."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from airbnb_tui.config import Settings, load_settings
from airbnb_tui.db.engine import Database
from airbnb_tui.errors import UserError
from airbnb_tui.services.queue import JobQueue, OpenQueue, QueueOnDemand


@dataclass
class CliContext:
    overrides: dict[str, Any] = field(default_factory=dict)
    debug: bool = False
    open_queue: OpenQueue | None = None
    _settings: Settings | None = None
    _db: Database | None = None
    _queue: JobQueue | None = None

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

    def queue(self) -> JobQueue:
        """The workers' job queue, opened when a job is first put on it (the entry point says
        how to open it)."""
        if self._queue is None:
            if self.open_queue is None:
                raise RuntimeError("this command was started without a job queue")
            self._queue = QueueOnDemand(self.open_queue, self.settings)
        return self._queue

    def reopen(self, overrides: dict[str, Any]) -> None:
        """Start over with other settings: the database and queue open again on next use."""
        self.close()
        self.overrides = overrides
        self._settings = None
        self._queue = None

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
