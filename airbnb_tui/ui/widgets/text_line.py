"""A line of plain text that repaints only when the text changes.

Screens poll several times a second; ``Static.update`` schedules a layout pass every time it is
called, even with the same text, so live lines go through :meth:`TextLine.show` instead.
"""

from __future__ import annotations

from textual.widgets import Static


class TextLine(Static):
    """Plain text (never parsed as markup: it may hold labels, errors, paths)."""

    def __init__(self, text: str = "", *, id: str | None = None, classes: str | None = None):
        super().__init__(text, id=id, classes=classes, markup=False)
        self._text = text

    @property
    def text(self) -> str:
        return self._text

    def show(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.update(text)
