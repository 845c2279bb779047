"""A yes/no question before anything that cannot be undone."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True only on an explicit yes (``y`` or the button); anything else is no."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Go ahead."),
        Binding(
            "n,escape", "answer(False)", "No", id="confirm.no", tooltip="Keep things as they are."
        ),
    ]

    def __init__(self, title: str, question: str, *, yes_label: str = "Yes") -> None:
        super().__init__()
        self._title = title
        self._question = question
        self._yes_label = yes_label

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog"):
            yield Static(self._title, classes="dialog-title", markup=False)
            yield Static(self._question, id="confirm-question", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    f"{self._yes_label} (y)", id="confirm-yes", variant="error", compact=True
                )
                yield Button("No (n)", id="confirm-no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
