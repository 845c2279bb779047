"""App-wide behaviour: themes, NO_COLOR, help, the command palette, and binding conventions."""

from __future__ import annotations

import re

import pytest
from textual.binding import Binding
from textual.widgets import DataTable
from ui_support import Seeder, fixed_clock, notifications, wait_until

from airbnb_tui.config import Settings
from airbnb_tui.db.engine import Database
from airbnb_tui.services import jobs as job_service
from airbnb_tui.ui.app import AirbnbTuiApp
from airbnb_tui.ui.screens.account_form import AccountFormScreen
from airbnb_tui.ui.screens.accounts import AccountsScreen
from airbnb_tui.ui.screens.confirm import ConfirmScreen
from airbnb_tui.ui.screens.help import HelpScreen
from airbnb_tui.ui.screens.job import JobScreen
from airbnb_tui.ui.screens.jobs import JobsScreen
from airbnb_tui.ui.screens.metrics import MetricsScreen
from airbnb_tui.ui.themes import DARK, LIGHT
from tests.ui.ui_support import app_queue

SCREENS = (
    AirbnbTuiApp,
    AccountsScreen,
    AccountFormScreen,
    ConfirmScreen,
    HelpScreen,
    JobScreen,
    JobsScreen,
    MetricsScreen,
)
# Keys that tmux, VS Code's terminal or macOS take for themselves (Harlequin #71, #229, #425).
SWALLOWED = {"ctrl+enter", "ctrl+shift+enter", "alt+enter", "ctrl+tab", "ctrl+space", "ctrl+b"}


def screen_colours(svg: str) -> set[str]:
    """Text and cell colours of the terminal content (not the window frame drawn around it)."""
    text = {
        colour
        for number, colour in re.findall(r"-r(\d+) \{ fill: #([0-9a-fA-F]{6})", svg)
        if number != "1"
    }
    cells = re.findall(r'<rect fill="#([0-9a-fA-F]{6})"[^>]*shape-rendering="crispEdges"', svg)
    return text | set(cells)


@pytest.mark.parametrize("owner", SCREENS, ids=lambda cls: cls.__name__)
def test_every_binding_has_an_id_a_description_and_a_tooltip(owner: type) -> None:
    bindings = [b for b in owner.__dict__["BINDINGS"] if isinstance(b, Binding)]
    assert bindings
    for binding in bindings:
        assert binding.id, binding
        assert binding.description, binding
        assert binding.tooltip.endswith("."), binding
        assert not set(binding.key.split(",")) & SWALLOWED, binding


async def test_t_toggles_between_the_dark_and_light_themes(
    settings: Settings, ui_db: Database
) -> None:
    app = AirbnbTuiApp(settings, ui_db, queue=app_queue(settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == DARK.name
        await pilot.press("t")
        assert app.theme == LIGHT.name
        assert not app.current_theme.dark
        await pilot.press("t")
        assert app.theme == DARK.name


async def test_no_color_renders_in_shades_of_grey(
    settings: Settings, ui_db: Database, seed: Seeder, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed.account("987894846", "Lake houses")
    seed.account("123456789", "City flats", status="rejected")
    monkeypatch.setenv("NO_COLOR", "1")
    app = AirbnbTuiApp(settings, ui_db, queue=app_queue(settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#accounts-table", DataTable)
        await wait_until(pilot, lambda: table.row_count == 2, 5)
        assert app.no_color
        svg = app.export_screenshot()
    colours = screen_colours(svg)
    assert len(colours) > 3
    for colour in colours:
        red, green, blue = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
        assert red == green == blue, colour


async def test_without_no_color_states_are_coloured(
    settings: Settings, ui_db: Database, seed: Seeder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    seed.account("123456789", "City flats", status="rejected")
    app = AirbnbTuiApp(settings, ui_db, queue=app_queue(settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#accounts-table", DataTable)
        await wait_until(pilot, lambda: table.row_count == 1, 5)
        assert not app.no_color
        svg = app.export_screenshot()
    colours = screen_colours(svg)
    assert any(len({colour[0:2], colour[2:4], colour[4:6]}) > 1 for colour in colours)


async def test_help_lists_the_keys_of_the_screen_underneath(
    settings: Settings, ui_db: Database
) -> None:
    app = AirbnbTuiApp(settings, ui_db, queue=app_queue(settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), 5)
        table = app.screen.query_one("#help-table", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        keys = [row[0] for row in rows]
        assert keys[:3] == ["a", "e", "s"]
        assert {"S", "?", "t"} <= set(keys)
        assert rows[0] == ["a", "Add", "Add an account from a pasted cookie or cURL snippet."]
        assert rows[keys.index("x")][:2] == ["x", "Remove"]
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen), 5)


async def test_the_command_palette_runs_screen_actions_by_name(
    settings: Settings, ui_db: Database, seed: Seeder
) -> None:
    seed.account("987894846", "Lake houses")
    app = AirbnbTuiApp(settings, ui_db, queue=app_queue(settings), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#accounts-table", DataTable)
        await wait_until(pilot, lambda: table.row_count == 1, 5)
        await pilot.press("ctrl+p")
        await pilot.press(*"sync all")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(job_service.list_jobs(ui_db)) == 1, 5)
        await wait_until(pilot, lambda: bool(notifications(app)), 5)
        assert notifications(app) == ["Queued 1 sync."]


async def test_a_crash_is_logged_redacted_and_the_message_names_the_log(
    settings: Settings, ui_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "0%7Csupersecretcookievalue"
    app = AirbnbTuiApp(settings, ui_db, queue=app_queue(settings), clock=fixed_clock)

    def boom() -> None:
        cookie = f"_aat={secret}"
        raise RuntimeError(f"request failed with {cookie}")

    async def crash() -> None:
        async with app.run_test() as pilot:
            app.call_later(boom)
            await pilot.pause(0.2)

    with pytest.raises(RuntimeError):
        await crash()
    log = settings.log_file.read_text(encoding="utf-8")
    assert "RuntimeError: request failed with _aat=***" in log
    assert secret not in log
    captured = capsys.readouterr()
    assert secret not in captured.out + captured.err
    assert app.crash_message == (
        f"airbnb-tui stopped on an unexpected RuntimeError.\nThe details are in {settings.log_file}"
    )
