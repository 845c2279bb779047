"""Every key of the screen underneath, with what it does: the same list the palette offers."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from airbnb_tui.ui.keymap import BoundAction


class HelpScreen(ModalScreen[None]):
    """A table of key, action and description; any of escape, ``?`` or ``q`` closes it."""

    BINDINGS = [
        Binding(
            "escape,question_mark,q", "close", "Close", id="help.close", tooltip="Close the help."
        ),
    ]

    def __init__(self, title: str, actions: Sequence[BoundAction]) -> None:
        super().__init__()
        self._title = title
        self._actions = list(actions)

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box", classes="dialog"):
            yield Static(f"Keys — {self._title}", classes="dialog-title", markup=False)
            yield DataTable[Text](id="help-table", cursor_type="row", zebra_stripes=True)
            yield Static(
                "ctrl+p opens the command palette: every action above, by name.",
                id="help-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        table = self.query_one("#help-table", DataTable)
        key_width = max([3, *(len(item.key) for item in self._actions)])
        action_width = max([6, *(len(item.description) for item in self._actions)])
        # The rest of the dialog's width; long descriptions wrap onto a second line.
        rest = max(20, self.app.size.width - 8 - key_width - action_width - 6 - 2)
        table.add_column("Key", key="key", width=key_width)
        table.add_column("Action", key="action", width=action_width)
        table.add_column("What it does", key="tooltip", width=rest)
        for item in self._actions:
            table.add_row(Text(item.key), Text(item.description), Text(item.tooltip), height=None)
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
