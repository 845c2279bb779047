"""Navigation requests: screens say where to go, the app decides how (it owns the screen stack)."""

from __future__ import annotations

from textual.message import Message


class OpenJob(Message):
    """Show one job's live progress; ``replace`` swaps it for the current screen (a retry)."""

    def __init__(self, job_id: int, *, replace: bool = False) -> None:
        super().__init__()
        self.job_id = job_id
        self.replace = replace


class OpenJobs(Message):
    """Show the jobs history, filtered to one account when given."""

    def __init__(self, account_id: str | None = None) -> None:
        super().__init__()
        self.account_id = account_id


class OpenMetrics(Message):
    """Show an account's metrics charts."""

    def __init__(self, account_id: str) -> None:
        super().__init__()
        self.account_id = account_id
