"""The dashboard application."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

from airbnb_tui.config import Settings
from airbnb_tui.db.engine import Database


class AirbnbTuiApp(App[None]):
    """The airbnb-tui dashboard."""

    TITLE = "airbnb-tui"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, settings: Settings, db: Database) -> None:
        super().__init__()
        self.settings = settings
        self.db = db

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Accounts", id="accounts")
        yield Footer()


def run_app(settings: Settings, db: Database) -> None:
    AirbnbTuiApp(settings, db).run()
