"""Errors that reach the operator: a short message that says what to do, and an exit code."""

from __future__ import annotations

from airbnb_tui.exit_codes import ExitCode


class UserError(Exception):
    """A problem the operator can fix; shown as one or two sentences, never a traceback."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self.args[0])


class NotFound(UserError):
    """An account or job id that does not exist."""


class DatabaseUnavailable(UserError):
    exit_code = ExitCode.UNEXPECTED
