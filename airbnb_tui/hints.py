"""What the operator is told to do next: the interfaces' words for the domain's typed errors.

The domain says what is wrong (no such account, the schema is behind, the key does not open the
cookies); the CLI, the dashboard and the worker add the command that fixes it, here, so the
same error reads the same wherever it shows.
"""

from __future__ import annotations

from airbnb_tui.errors import (
    AccountExists,
    AccountNotFound,
    CookiesLocked,
    JobNotFound,
    KeyRotationRunning,
    SchemaOutOfDate,
    UserError,
)

REENTER_COOKIES = (
    "if that key is lost, add each account's cookie again with "
    "`airbnb-tui accounts update ACCOUNT_ID --cookie-file PATH`"
)


def describe(error: UserError) -> str:
    """``error``'s message with the next step to run, for the CLI, the dashboard or the worker."""
    if isinstance(error, AccountNotFound):
        return f"No account {error.account_id}; see `airbnb-tui accounts list`."
    if isinstance(error, JobNotFound):
        return f"No job {error.job_id}; see `airbnb-tui jobs`."
    if isinstance(error, AccountExists):
        return (
            f"Account {error.account_id} already exists; use `airbnb-tui accounts update "
            f"{error.account_id}` to change it."
        )
    if isinstance(error, SchemaOutOfDate):
        return f"{error.reason}; run `airbnb-tui db upgrade` first."
    if isinstance(error, CookiesLocked):
        return f"{error.reason}; {REENTER_COOKIES}."
    if isinstance(error, KeyRotationRunning):
        return "Another `airbnb-tui db rotate-key` is running on this data dir; wait for it."
    return error.message
