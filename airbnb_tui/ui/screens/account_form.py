"""Adding or editing an account: paste the cookie, see the account id at once, check, save.

Saving asks Airbnb (one ListingsSectionQuery through the shared rate limit) in a thread worker
while a spinner turns; the form keeps taking input. Valid credentials are saved with their
listing count. Anything else shows the exact reason and is saved only if the operator
explicitly chooses "save unverified" — rejected ones as ``rejected`` (never synced on schedule),
inconclusive ones (bot wall, unreachable, rate-limited) as ``unchecked``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, LoadingIndicator
from textual.worker import Worker, WorkerState

from airbnb_tui.airbnb.credentials import Credentials, parse_credentials
from airbnb_tui.airbnb.errors import CredentialFormatError
from airbnb_tui.db.models import CredentialStatus
from airbnb_tui.db.views import AccountView
from airbnb_tui.errors import NotFound, UserError
from airbnb_tui.services import accounts as account_service
from airbnb_tui.services.validation import ValidationResult, Verdict, validate_credentials
from airbnb_tui.ui.context import AppContext
from airbnb_tui.ui.failures import describe_failure
from airbnb_tui.ui.keymap import FooterSync
from airbnb_tui.ui.widgets.cookie_input import CookieInput, cookie_summary
from airbnb_tui.ui.widgets.text_line import TextLine

CHECK_GROUP = "account-check"
SAVE_GROUP = "account-save"


@dataclass(frozen=True)
class FormResult:
    """What the form hands back when it closes after saving."""

    ok: bool
    message: str
    account: AccountView


@dataclass(frozen=True)
class _Checked:
    """What Airbnb said about the credentials, and exactly which credentials were checked."""

    result: ValidationResult
    credentials: Credentials
    account_id: str
    fields: str


def _unverified_status(result: ValidationResult) -> CredentialStatus:
    """Rejected credentials are stored as such (never synced on schedule); inconclusive ones
    (bot wall, unreachable, rate-limited) as unchecked."""
    if result.verdict == Verdict.REJECTED:
        return CredentialStatus.REJECTED
    return CredentialStatus.UNCHECKED


class AccountFormScreen(ModalScreen[FormResult | None]):
    """A modal form; dismisses with a :class:`FormResult` once saved, None when cancelled."""

    BINDINGS = [
        Binding(
            "ctrl+s",
            "save",
            "Check & save",
            id="form.save",
            tooltip="Check the credentials with Airbnb, then save them if they work.",
        ),
        Binding(
            "ctrl+r",
            "save_unverified",
            "Save unverified",
            id="form.save_unverified",
            tooltip="Save credentials Airbnb did not confirm (rejected ones are never synced).",
        ),
        Binding("escape", "cancel", "Cancel", id="form.cancel", tooltip="Close without saving."),
    ]

    def __init__(self, ctx: AppContext, *, account: AccountView | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.footer_sync = FooterSync(self)
        self.account = account
        self._stop = threading.Event()
        self._credentials: Credentials | None = None
        self._format_error: str | None = None
        self._autofilled: dict[str, str] = {}
        self._offer: _Checked | None = None
        self._busy = False

    # Layout ------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        account = self.account
        if account is None:
            title = "Add account"
            placeholder = "paste the Cookie header or a Copy as cURL snippet"
        else:
            title = f"Edit account {account.account_id}"
            if account.label:
                title += f" ({account.label})"
            placeholder = "leave empty to keep the stored cookie"
        with Vertical(id="form-box", classes="dialog"):
            yield TextLine(title, classes="dialog-title")
            with Grid(id="form-grid"):
                yield Label("Cookie / cURL")
                yield CookieInput(id="cookie", placeholder=placeholder)
                yield Label("")
                yield TextLine("", id="cookie-summary")
                yield Label("Client version")
                yield Input(
                    account.x_client_version or "" if account else "",
                    id="client-version",
                    placeholder="X-Client-Version header (taken from a cURL paste)",
                    compact=True,
                )
                yield Label("User agent")
                yield Input(
                    account.user_agent or "" if account else "",
                    id="user-agent",
                    placeholder="User-Agent header (taken from a cURL paste)",
                    compact=True,
                )
                yield Label("Label")
                yield Input(
                    account.label or "" if account else "",
                    id="label",
                    placeholder="a name you know the account by",
                    compact=True,
                )
            with Horizontal(id="form-progress"):
                yield LoadingIndicator(id="form-spinner")
                yield TextLine("", id="form-result")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Check & save ^s", id="save", variant="primary", compact=True)
                yield Button(
                    "Save unverified ^r", id="save-unverified", variant="warning", compact=True
                )
                yield Button("Cancel esc", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#form-spinner").display = False
        self.query_one("#save-unverified").display = False
        self._show_summary()
        self.query_one("#cookie", CookieInput).focus()

    def on_unmount(self) -> None:
        self._stop.set()

    # As you type -------------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "label":
            return
        if event.input.id == "cookie":
            self._parse(event.value)
        if self._offer is not None and self._offer.fields != self._fields():
            # The operator is fixing something: what was checked is no longer what is shown.
            self._offer = None
            self.query_one("#save-unverified").display = False
            self._set_result("", "")
            self.footer_sync.update()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def _parse(self, text: str) -> None:
        self._credentials = None
        self._format_error = None
        if text.strip():
            try:
                self._credentials = parse_credentials(text)
            except CredentialFormatError as exc:
                self._format_error = str(exc)
        if self._credentials is not None:
            self._autofill("#user-agent", self._credentials.user_agent)
            self._autofill("#client-version", self._credentials.x_client_version)
        self._show_summary()

    def _autofill(self, selector: str, value: str | None) -> None:
        """Fill a field from the paste unless the operator typed something of their own."""
        field = self.query_one(selector, Input)
        if value and (not field.value or field.value == self._autofilled.get(selector)):
            field.value = value
            self._autofilled[selector] = value

    def _show_summary(self) -> None:
        summary = self.query_one("#cookie-summary", TextLine)
        creds = self._credentials
        summary.set_class(self._format_error is not None, "-error")
        if self._format_error is not None:
            summary.show(f"✗ {self._format_error}")
        elif creds is None:
            summary.show(
                "the account id is read from the cookie"
                if self.account is None
                else "the stored cookie is kept"
            )
        else:
            account_id = creds.account_id
            who = f"account {account_id}" if account_id else "no account id in the cookie"
            summary.show(f"{cookie_summary(creds.cookies)} · {who}")

    # Saving ------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save_unverified":
            return self._offer is not None and not self._busy
        if action == "save":
            return not self._busy or None
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        elif event.button.id == "save-unverified":
            self.action_save_unverified()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self._stop.set()
        self.dismiss(None)

    def action_save(self) -> None:
        if self._busy:
            return
        label = self.query_one("#label", Input).value.strip()
        user_agent = self.query_one("#user-agent", Input).value.strip()
        client_version = self.query_one("#client-version", Input).value.strip()
        if self._format_error is not None:
            self._set_result(f"✗ {self._format_error}", "-error")
            self.query_one("#cookie").focus()
            return
        creds = self._credentials
        if creds is None:
            if self.account is None:
                self._set_result("✗ Paste the cookie (or a Copy as cURL snippet) first.", "-error")
                self.query_one("#cookie").focus()
                return
            self._start(
                SAVE_GROUP,
                lambda: self._save_details(label, user_agent, client_version),
                "saving…",
            )
            return
        creds = dataclasses.replace(
            creds,
            user_agent=user_agent or creds.user_agent,
            x_client_version=client_version or creds.x_client_version,
        )
        account_id = self._target_account_id(creds)
        if account_id is None:
            return
        checked_creds, fields = creds, self._fields()
        self._start(
            CHECK_GROUP,
            lambda: self._check(checked_creds, account_id, fields),
            "checking the credentials with Airbnb…",
        )

    def _fields(self) -> str:
        """A digest of what a check depends on: the cookie text and the headers sent with it
        (a digest, so no second copy of the cookie is kept)."""
        parts = (
            self.query_one("#cookie", CookieInput).value,
            self.query_one("#user-agent", Input).value.strip(),
            self.query_one("#client-version", Input).value.strip(),
        )
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()

    def _target_account_id(self, creds: Credentials) -> str | None:
        found = creds.account_id
        if self.account is not None:
            if found and found != self.account.account_id:
                self._set_result(
                    f"✗ This cookie belongs to account {found}, not {self.account.account_id}.",
                    "-error",
                )
                return None
            return self.account.account_id
        if not found:
            self._set_result(
                "✗ No account id in the cookie: it needs the _user_attributes cookie of a "
                "logged-in airbnb.com tab.",
                "-error",
            )
            return None
        return found

    def action_save_unverified(self) -> None:
        offer = self._offer
        if offer is None or self._busy:
            return
        label = self.query_one("#label", Input).value.strip()
        self._start(SAVE_GROUP, lambda: self._save(offer, label), "saving…")

    def _start(self, group: str, work: Callable[[], object], note: str) -> None:
        self._busy = True
        self.query_one("#form-spinner").display = True
        self.query_one("#save", Button).disabled = True
        self.query_one("#save-unverified").display = False
        self._set_result(note, "")
        self.footer_sync.update()
        self.run_worker(
            work, name=group, group=group, thread=True, exclusive=True, exit_on_error=False
        )

    def _set_result(self, text: str, tone: str) -> None:
        result = self.query_one("#form-result", TextLine)
        result.show(text)
        for cls in ("-error", "-ok", "-warning"):
            result.set_class(cls == tone, cls)

    # Worker threads ----------------------------------------------------------------------------

    def _check(self, creds: Credentials, account_id: str, fields: str) -> _Checked:
        if self.account is None:
            try:
                account_service.get_account(self.ctx.db, account_id)
            except NotFound:
                pass
            else:
                raise UserError(
                    f"Account {account_id} already exists; select it and press e to update it."
                )
        result = validate_credentials(
            self.ctx.settings, account_id, creds, limiter=self.ctx.limiter(), stop=self._stop
        )
        return _Checked(result, creds, account_id, fields)

    def _save(self, checked: _Checked, label: str) -> FormResult:
        """Store checked credentials: valid ones as valid, others as the operator chose."""
        db = self.ctx.db
        cipher = self.ctx.cipher()
        result = checked.result
        status = CredentialStatus.VALID if result.ok else _unverified_status(result)
        message = None if result.ok else result.message
        if self.account is None:
            saved = account_service.add_account(
                db,
                cipher,
                checked.credentials,
                account_id=checked.account_id,
                label=label or None,
                status=status,
                message=message,
                listing_count=result.listing_count,
            )
        else:
            saved = account_service.update_account(
                db,
                cipher,
                checked.account_id,
                credentials=checked.credentials,
                label=label,
                status=None if status == CredentialStatus.UNCHECKED else status,
                message=message,
                listing_count=result.listing_count,
            )
        name = saved.label or saved.account_id
        if result.ok:
            return FormResult(True, f"Saved {name}: {result.summary()}", saved)
        if status == CredentialStatus.REJECTED:
            note = "it is not synced until you paste a cookie that works"
        else:
            note = "it syncs on schedule; press v to check it again later"
        return FormResult(False, f"Saved {name} unverified ({status}): {note}.", saved)

    def _save_details(self, label: str, user_agent: str, client_version: str) -> FormResult:
        assert self.account is not None
        account_id = self.account.account_id
        account_service.update_account(self.ctx.db, self.ctx.cipher(), account_id, label=label)
        saved = account_service.set_client_details(
            self.ctx.db, account_id, user_agent=user_agent, x_client_version=client_version
        )
        return FormResult(True, f"Saved {saved.label or account_id}.", saved)

    # Results -----------------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group not in (CHECK_GROUP, SAVE_GROUP):
            return
        event.stop()
        if not event.worker.is_finished:
            return
        self._busy = False
        self.query_one("#form-spinner").display = False
        self.query_one("#save", Button).disabled = False
        self.footer_sync.update()
        if event.state == WorkerState.ERROR:
            assert event.worker.error is not None
            self._set_result(
                f"✗ {describe_failure(self.ctx.settings, event.worker.error)}", "-error"
            )
            return
        if event.state != WorkerState.SUCCESS:
            self._set_result("", "")
            return
        outcome = event.worker.result
        if isinstance(outcome, FormResult):
            self.dismiss(outcome)
        elif isinstance(outcome, _Checked):
            self._checked(outcome)

    def _checked(self, checked: _Checked) -> None:
        result = checked.result
        if result.verdict == Verdict.CANCELLED:
            self._set_result("", "")
            return
        if checked.fields != self._fields():
            self._set_result(
                f"{result.summary()} — but the form changed meanwhile; check again.", "-warning"
            )
            return
        if result.ok:
            label = self.query_one("#label", Input).value.strip()
            self._start(SAVE_GROUP, lambda: self._save(checked, label), result.summary())
            return
        self._offer = checked
        tone = "-error" if result.verdict == Verdict.REJECTED else "-warning"
        self._set_result(f"✗ {result.message}", tone)
        self.query_one("#save-unverified", Button).display = True
        self.footer_sync.update()
