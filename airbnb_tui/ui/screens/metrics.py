"""Charts of one listing's synced metrics over a date range, and their export to CSV."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Footer, Header, Input, Label, Select
from textual.worker import Worker, WorkerState

from airbnb_tui.errors import UserError
from airbnb_tui.hints import describe
from airbnb_tui.services import metrics as metrics_service
from airbnb_tui.services.metrics import ListingMetrics, ListingOption
from airbnb_tui.ui.context import AppContext
from airbnb_tui.ui.failures import describe_failure
from airbnb_tui.ui.keymap import FooterSync
from airbnb_tui.ui.widgets.charts import ConversionPlot, PageViewsPlot
from airbnb_tui.ui.widgets.text_line import TextLine

LISTINGS_GROUP = "metrics-listings"
LOAD_GROUP = "metrics-load"
EXPORT_GROUP = "metrics-export"


@dataclass(frozen=True)
class _Exported:
    path: Path


class MetricsScreen(Screen[None]):
    """Daily page views (yours vs similar) and weekly conversion of a listing, as charts."""

    BINDINGS = [
        Binding(
            "l",
            "pick_listing",
            "Listing",
            id="metrics.listing",
            tooltip="Choose which of the account's listings to chart.",
        ),
        Binding(
            "g",
            "edit_range",
            "Dates",
            id="metrics.range",
            tooltip="Change the date range (YYYY-MM-DD; enter applies).",
        ),
        Binding(
            "e",
            "export",
            "Export CSV",
            id="metrics.export",
            tooltip="Write the charted numbers to a CSV file in the data dir.",
        ),
        Binding(
            "r",
            "reload",
            "Reload",
            id="metrics.reload",
            tooltip="Read the metrics again.",
            show=False,
        ),
        Binding(
            "escape", "back", "Back", id="metrics.back", tooltip="Return to the previous screen."
        ),
    ]

    def __init__(self, ctx: AppContext, account_id: str) -> None:
        super().__init__()
        self.ctx = ctx
        self.footer_sync = FooterSync(self)
        self.account_id = account_id
        self.start, self.end = metrics_service.default_range(ctx.now().date())
        self.listing_id: str | None = None
        self.metrics: ListingMetrics | None = None
        self.last_export: Path | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="metrics-controls"):
            yield Select[str]([], prompt="loading listings…", id="metrics-listing", compact=True)
            yield Label("from", classes="metrics-label")
            yield Input(self.start.isoformat(), id="metrics-start", compact=True, max_length=10)
            yield Label("to", classes="metrics-label")
            yield Input(self.end.isoformat(), id="metrics-end", compact=True, max_length=10)
        yield TextLine("", id="metrics-note")
        yield PageViewsPlot(id="metrics-views")
        yield ConversionPlot(id="metrics-conversion")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = f"metrics · account {self.account_id}"
        self.query_one("#metrics-listing", Select).focus()
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.run_worker(self._load_listings, group=LISTINGS_GROUP, thread=True, exit_on_error=False)

    def _theme_changed(self, theme: Theme) -> None:
        if self.metrics is not None:
            self._draw(self.metrics)

    # Loading ------------------------------------------------------------------------------------

    def _load_listings(self) -> list[ListingOption]:
        return metrics_service.account_listings(self.ctx.db, self.account_id)

    def _reload(self) -> None:
        if self.listing_id is None:
            return
        listing_id, start, end = self.listing_id, self.start, self.end
        self._note("loading…")
        self.run_worker(
            lambda: metrics_service.listing_metrics(
                self.ctx.db, self.account_id, listing_id, start, end
            ),
            group=LOAD_GROUP,
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _draw(self, metrics: ListingMetrics) -> None:
        self.metrics = metrics
        with self.app.batch_update():
            self.query_one("#metrics-views", PageViewsPlot).show(metrics.daily)
            self.query_one("#metrics-conversion", ConversionPlot).show(metrics.weekly)
        if metrics.empty:
            self._note(
                f"Nothing synced for this listing from {metrics.start} to {metrics.end}; "
                "sync the account (s on the accounts screen) or pick other dates."
            )
        else:
            self._note(
                f"{len(metrics.daily)} days · {len(metrics.weekly)} weeks · "
                f"{metrics.start} → {metrics.end}"
            )

    def _note(self, text: str, *, error: bool = False) -> None:
        note = self.query_one("#metrics-note", TextLine)
        note.show(text)
        note.set_class(error, "-error")

    # Controls ------------------------------------------------------------------------------------

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "metrics-listing":
            return
        event.stop()
        self.listing_id = None if event.value is Select.NULL else str(event.value)
        self._reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._apply_range()

    def _apply_range(self) -> None:
        try:
            start = _parse_date(self.query_one("#metrics-start", Input).value, "start")
            end = _parse_date(self.query_one("#metrics-end", Input).value, "end")
            metrics_service.check_range(start, end)
        except UserError as exc:
            self._note(describe(exc), error=True)
            return
        self.start, self.end = start, end
        self._reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "export":
            return self.metrics is not None or None
        return True

    def action_pick_listing(self) -> None:
        select = self.query_one("#metrics-listing", Select)
        select.focus()
        select.action_show_overlay()

    def action_edit_range(self) -> None:
        self.query_one("#metrics-start", Input).focus()

    def action_reload(self) -> None:
        self._apply_range()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_export(self) -> None:
        metrics = self.metrics
        if metrics is None:
            return
        path = metrics_service.default_export_path(self.ctx.settings, metrics)
        self.run_worker(
            lambda: _Exported(metrics_service.export_csv(metrics, path)),
            group=EXPORT_GROUP,
            thread=True,
            exit_on_error=False,
        )

    # Results -------------------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        group = event.worker.group
        if group not in (LISTINGS_GROUP, LOAD_GROUP, EXPORT_GROUP):
            return
        event.stop()
        if event.state == WorkerState.ERROR:
            assert event.worker.error is not None
            self._note(describe_failure(self.ctx.settings, event.worker.error), error=True)
            return
        if event.state != WorkerState.SUCCESS:
            return
        result = event.worker.result
        if group == LISTINGS_GROUP and isinstance(result, list):
            self._listings_loaded(result)
        elif isinstance(result, ListingMetrics):
            self._draw(result)
            self.footer_sync.update()
        elif isinstance(result, _Exported):
            self.last_export = result.path
            self._note(f"Wrote {result.path}")
            self.notify(f"Wrote {result.path}")

    def _listings_loaded(self, listings: list[ListingOption]) -> None:
        select: Select[str] = self.query_one("#metrics-listing", Select)
        if not listings:
            select.prompt = "no listings yet"
            self._note("No listings known for this account yet: sync it first.")
            return
        select.set_options([(Text(item.name), item.listing_id) for item in listings])
        select.value = listings[0].listing_id


def _parse_date(text: str, which: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"The {which} date must look like 2025-01-31.") from None
