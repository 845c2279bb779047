"""The base of the live screens: what they show is read again and again by one :class:`Poller`."""

from __future__ import annotations

from typing import Generic, TypeVar

from textual.screen import Screen
from textual.worker import Worker

from airbnb_tui.ui.background import Poller
from airbnb_tui.ui.context import AppContext
from airbnb_tui.ui.keymap import FooterSync

T = TypeVar("T")


class PolledScreen(Screen[None], Generic[T]):
    """A screen redrawn from ``_load`` every ``interval`` seconds while it is the one on top.

    A subclass gives ``_load`` (runs in a thread worker), ``_apply`` (draws its result on the
    event loop) and ``_load_failed``, and starts the first load from its ``on_mount``. This
    class stops the poller when the screen goes away, reads again at once when the screen is
    back on top, and takes the poller's worker events.

    Textual calls the ``on_*`` handlers of every class in the MRO, so a subclass's own
    ``on_unmount`` or ``on_worker_state_changed`` runs as well as these: it must not call
    ``super()`` for them (that would run these twice).
    """

    def __init__(self, ctx: AppContext, *, group: str, interval: float) -> None:
        super().__init__()
        self.ctx = ctx
        self.footer_sync = FooterSync(self)
        self.poller: Poller[T] = Poller(
            self,
            group=group,
            load=self._load,
            apply=self._apply,
            interval=interval,
            on_error=self._load_failed,
            visible=lambda: self.is_current,
        )

    def _load(self) -> T:
        raise NotImplementedError

    def _apply(self, data: T) -> None:
        raise NotImplementedError

    def _load_failed(self, error: BaseException) -> None:
        raise NotImplementedError

    def on_unmount(self) -> None:
        self.poller.stop()

    def on_screen_resume(self) -> None:
        if self.poller.loads:
            self.poller.refresh_now()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if self.poller.handle(event):
            event.stop()
