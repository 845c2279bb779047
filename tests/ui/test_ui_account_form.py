"""Adding and editing accounts in the dashboard, checked against the sandbox."""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, LoadingIndicator, Static
from ui_support import NOW, Seeder, fixed_clock, notifications, wait_until

from airbnb_tui.config import Settings
from airbnb_tui.db.engine import Database
from airbnb_tui.sandbox import Fault, SandboxServer
from airbnb_tui.services import accounts as account_service
from airbnb_tui.sync.schedule import due_accounts
from airbnb_tui.ui.app import AirbnbTuiApp
from airbnb_tui.ui.screens.account_form import AccountFormScreen
from airbnb_tui.ui.screens.accounts import AccountsScreen
from tests.ui.ui_support import app_queue

LISTING_NAMES = "417 Cedar Court, 919 Vine Street, 92 S Wilbur Ave"


def form_of(app: App[None]) -> AccountFormScreen:
    screen = app.screen
    assert isinstance(screen, AccountFormScreen)
    return screen


def text_of(app: App[None], selector: str) -> str:
    return str(form_of(app).query_one(selector, Static).render())


async def paste(pilot: Pilot[None], text: str) -> None:
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def open_add_form(pilot: Pilot[None]) -> AccountFormScreen:
    """Press a on the accounts screen and wait for the empty form."""
    await pilot.press("a")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, AccountFormScreen), 5)
    return form_of(pilot.app)


async def open_edit_form(pilot: Pilot[None]) -> AccountFormScreen:
    """Wait for the one seeded account's row, press e on it and wait for its form."""
    table = pilot.app.screen.query_one("#accounts-table", DataTable)
    await wait_until(pilot, lambda: table.row_count == 1, 5)
    await pilot.press("e")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, AccountFormScreen), 5)
    return form_of(pilot.app)


async def save_until_offered(pilot: Pilot[None]) -> Button:
    """Press ctrl+s and wait for a failed check to offer "Save unverified"; that button."""
    await pilot.press("ctrl+s")
    unverified = form_of(pilot.app).query_one("#save-unverified", Button)
    await wait_until(pilot, lambda: unverified.display, 10)
    return unverified


async def test_valid_credentials_are_checked_then_saved(
    sb_settings: Settings, ui_db: Database, sandbox: SandboxServer
) -> None:
    account = sandbox.accounts[0]
    app = AirbnbTuiApp(sb_settings, ui_db, queue=app_queue(sb_settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_add_form(pilot)
        await paste(pilot, account.curl_snippet(sandbox.base_url))
        summary = text_of(app, "#cookie-summary")
        assert summary == (f"8 cookies (_aat, _user_attributes, …) · account {account.account_id}")
        # The cURL snippet's headers fill the two fields the operator would otherwise copy.
        assert form.query_one("#user-agent", Input).value == account.user_agent
        assert form.query_one("#client-version", Input).value == account.client_version
        # The cookie itself is never on screen, only bullets.
        assert account.token not in app.export_screenshot()
        form.query_one("#label", Input).focus()
        await pilot.press(*"Lakes")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen), 10)
        await wait_until(
            pilot, lambda: app.screen.query_one("#accounts-table", DataTable).row_count == 1, 5
        )

    saved = account_service.get_account(ui_db, account.account_id)
    assert (saved.label, saved.credential_status, saved.listing_count) == ("Lakes", "valid", 3)
    assert saved.user_agent == account.user_agent
    messages = notifications(app)
    assert messages == [f"Saved Lakes: valid — 3 listings: {LISTING_NAMES}"]
    assert sandbox.counts(operation="ListingsSectionQuery") == 1


async def test_rejected_credentials_are_saved_only_when_the_operator_insists(
    sb_settings: Settings, ui_db: Database, sandbox: SandboxServer
) -> None:
    account = sandbox.accounts[0]
    app = AirbnbTuiApp(sb_settings, ui_db, queue=app_queue(sb_settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_add_form(pilot)
        await paste(pilot, account.cookie_header(token="0%7Cnot-the-right-token"))
        await save_until_offered(pilot)
        assert text_of(app, "#form-result").startswith(
            "✗ rejected — Airbnb did not accept these credentials"
        )
        assert account_service.list_accounts(ui_db) == []
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen), 10)

    saved = account_service.get_account(ui_db, account.account_id)
    assert saved.credential_status == "rejected"
    assert saved.credential_message is not None
    assert saved.credential_message.startswith("rejected — ")
    assert not saved.syncable
    # The schedule never picks it up.
    assert due_accounts(ui_db, NOW) == []


async def test_format_errors_show_inline_and_nothing_is_sent(
    sb_settings: Settings, ui_db: Database, sandbox: SandboxServer
) -> None:
    app = AirbnbTuiApp(sb_settings, ui_db, queue=app_queue(sb_settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_add_form(pilot)
        await pilot.press(*"abc")
        assert text_of(app, "#cookie-summary") == (
            "✗ Cookie pair 1 has no '=': expected name=value pairs separated by '; '."
        )
        await paste(pilot, "=x")
        await pilot.press("ctrl+a", "ctrl+k")
        await paste(pilot, "_aat=abcdef; other=1")
        assert text_of(app, "#cookie-summary") == (
            "2 cookies (_aat, other) · no account id in the cookie"
        )
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert text_of(app, "#form-result").startswith("✗ No account id in the cookie")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen), 5)
    assert sandbox.total_requests == 0
    assert account_service.list_accounts(ui_db) == []


async def test_typing_goes_on_while_the_check_is_in_flight(
    sb_settings: Settings, ui_db: Database, sandbox: SandboxServer
) -> None:
    account = sandbox.accounts[0]
    sandbox.set_faults(Fault.slow(4.0))
    app = AirbnbTuiApp(sb_settings, ui_db, queue=app_queue(sb_settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_add_form(pilot)
        await paste(pilot, account.cookie_header())
        await pilot.press("ctrl+s")
        spinner = form.query_one("#form-spinner", LoadingIndicator)
        await wait_until(pilot, lambda: sandbox.total_requests == 1, 5)
        assert spinner.display
        label = form.query_one("#label", Input)
        label.focus()
        await pilot.press(*"typed")
        # The keys arrived while the check was still waiting on the (slow) sandbox.
        assert label.value == "typed"
        assert spinner.display
        assert text_of(app, "#form-result") == "checking the credentials with Airbnb…"
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen), 10)

    # What was typed during the check is what got saved.
    assert account_service.get_account(ui_db, account.account_id).label == "typed"


async def test_editing_only_the_label_keeps_the_cookie_and_sends_nothing(
    sb_settings: Settings, ui_db: Database, sandbox: SandboxServer
) -> None:
    Seeder(ui_db).account("987894846", "Old name")
    app = AirbnbTuiApp(sb_settings, ui_db, queue=app_queue(sb_settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_edit_form(pilot)
        label = form.query_one("#label", Input)
        assert label.value == "Old name"
        label.focus()
        await pilot.press("ctrl+a", "ctrl+k", *"New name", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen), 5)
    saved = account_service.get_account(ui_db, "987894846")
    assert (saved.label, saved.credential_status) == ("New name", "valid")
    assert sandbox.total_requests == 0


async def test_a_cookie_of_another_account_is_refused_when_editing(
    sb_settings: Settings, ui_db: Database, sandbox: SandboxServer
) -> None:
    Seeder(ui_db).account("111222333", "Mine")
    app = AirbnbTuiApp(sb_settings, ui_db, queue=app_queue(sb_settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_edit_form(pilot)
        await paste(pilot, sandbox.accounts[0].cookie_header())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert text_of(app, "#form-result") == (
            f"✗ This cookie belongs to account {sandbox.accounts[0].account_id}, not 111222333."
        )
    assert sandbox.total_requests == 0


async def test_a_bot_wall_is_named_and_an_unverified_save_stays_unchecked(
    sb_settings: Settings, ui_db: Database, sandbox: SandboxServer
) -> None:
    account = sandbox.accounts[0]
    sandbox.set_faults(Fault.bot_wall(next_n=1, status=200))
    app = AirbnbTuiApp(sb_settings, ui_db, queue=app_queue(sb_settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_add_form(pilot)
        await paste(pilot, account.cookie_header())
        unverified = await save_until_offered(pilot)
        assert text_of(app, "#form-result").startswith("✗ bot wall — Airbnb answered with")
        # Changing the cookie withdraws the offer: what was checked is no longer on screen.
        await pilot.press("end", "x")
        assert not unverified.display
        await pilot.press("backspace")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen), 10)
    # The second check got through (the wall was for one request only) and saved it as valid.
    assert account_service.get_account(ui_db, account.account_id).credential_status == "valid"


async def test_an_inconclusive_check_can_be_saved_as_unchecked(
    sb_settings: Settings, ui_db: Database, sandbox: SandboxServer
) -> None:
    account = sandbox.accounts[0]
    sandbox.set_faults(Fault.bot_wall(rate=1.0, status=403))
    app = AirbnbTuiApp(sb_settings, ui_db, queue=app_queue(sb_settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_add_form(pilot)
        await paste(pilot, account.cookie_header())
        await save_until_offered(pilot)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen), 10)
    saved = account_service.get_account(ui_db, account.account_id)
    assert saved.credential_status == "unchecked"
    assert saved.syncable
    assert notifications(app) == [
        f"Saved {account.account_id} unverified (unchecked): it syncs on schedule; press v to "
        "check it again later."
    ]
