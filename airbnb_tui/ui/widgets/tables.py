"""A DataTable that updates in place, keyed by row, with cell tones styled from the stylesheet.

Rebuilding a table every refresh flickers and loses the cursor, and Textual's DataTable slows
down badly with many cells (textual #1892, #4737): :meth:`KeyedTable.sync_rows` adds and removes
only the rows that changed and rewrites only the cells whose value differs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar, Literal

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist

from airbnb_tui.db.models import JobStatus

Tone = Literal["good", "bad", "warn", "muted", "active", "plain"]
TONES: tuple[Tone, ...] = ("good", "bad", "warn", "muted", "active", "plain")

JOB_STATUS_TONES: dict[JobStatus, Tone] = {
    JobStatus.QUEUED: "warn",
    JobStatus.RUNNING: "active",
    JobStatus.SUCCEEDED: "good",
    JobStatus.PARTIAL: "warn",
    JobStatus.FAILED: "bad",
    JobStatus.INTERRUPTED: "warn",
    JobStatus.CANCELLED: "muted",
}
"""The tone a sync job's status is drawn in, wherever a screen shows one."""

Row = Mapping[str, Text]


class KeyedTable(DataTable[Text]):
    """Rows keyed by an id, cells as Text toned by the ``cell--*`` component classes."""

    COMPONENT_CLASSES: ClassVar[set[str]] = DataTable.COMPONENT_CLASSES | {
        f"cell--{tone}" for tone in TONES
    }

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(
            id=id,
            classes=classes,
            cursor_type="row",
            zebra_stripes=False,
            show_row_labels=False,
        )

    def cell(self, value: str, tone: Tone = "plain") -> Text:
        """A cell's text, never parsed as markup (labels and errors are operator data)."""
        if tone == "plain":
            return Text(value, end="")
        return Text(
            value, style=self.get_component_rich_style(f"cell--{tone}", partial=True), end=""
        )

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor, or None on an empty table."""
        if self.row_count == 0:
            return None
        try:
            row_key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except CellDoesNotExist:
            return None
        return None if row_key.value is None else str(row_key.value)

    @property
    def row_keys(self) -> list[str]:
        return [str(row.key.value) for row in self.ordered_rows]

    def sync_rows(self, rows: Sequence[tuple[str, Row]]) -> bool:
        """Make the table show ``rows`` (key, cells by column key), in that order.

        Returns True when rows were added, removed or reordered. The cursor stays on the same
        key when that row is still there.
        """
        wanted = [key for key, _ in rows]
        if wanted != self.row_keys:
            # Rare (an account added, a page turned, listings discovered): rebuild, keep cursor.
            cursor = self.cursor_key
            self.clear()
            columns = [str(column.key.value) for column in self.ordered_columns]
            for key, cells in rows:
                self.add_row(*(cells[column] for column in columns), key=key)
            if cursor is not None and cursor in wanted:
                self.move_cursor(row=wanted.index(cursor), animate=False)
            return True
        for key, cells in rows:
            for column, value in cells.items():
                if self.get_cell(key, column) != value:
                    self.update_cell(key, column, value)
        return False
