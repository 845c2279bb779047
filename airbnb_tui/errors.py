"""Errors that reach the operator: a short message that says what is wrong, and an exit code.

The domain raises these typed errors and never names a command; the interfaces (the CLI, the
dashboard, the worker) add the next step to run, through ``airbnb_tui.hints.describe``.
"""

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


class AccountNotFound(NotFound):
    """No such account, or it was removed."""

    def __init__(self, account_id: str) -> None:
        super().__init__(f"No account {account_id}.")
        self.account_id = account_id


class JobNotFound(NotFound):
    def __init__(self, job_id: int) -> None:
        super().__init__(f"No job {job_id}.")
        self.job_id = job_id


class AccountExists(UserError):
    """Adding an account that is already there (changing it is an update)."""

    def __init__(self, account_id: str) -> None:
        super().__init__(f"Account {account_id} already exists.")
        self.account_id = account_id


class DatabaseUnavailable(UserError):
    exit_code = ExitCode.UNEXPECTED


class SchemaOutOfDate(UserError):
    """The database schema is behind this version of airbnb-tui (upgrading it is on purpose)."""

    def __init__(self, current: str | None, head: str) -> None:
        self.current = current
        self.head = head
        where = f"at revision {current}" if current else "empty"
        self.reason = f"The database schema is {where} but this version needs {head}"
        super().__init__(f"{self.reason}.")


class SecretKeyError(UserError):
    """The key that opens stored cookies is missing or is not the one they were sealed with."""


class CookiesLocked(SecretKeyError):
    """The stored cookies cannot be opened with the keys at hand. ``reason`` says why and how to
    restore the key; were it lost, every cookie would have to be entered again."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{reason}.")
        self.reason = reason


class KeyRotationRunning(SecretKeyError):
    def __init__(self) -> None:
        super().__init__("Another key rotation is running on this data dir; wait for it.")
