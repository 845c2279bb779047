"""The poller behind every live screen: one load at a time, results in order, none while hidden."""

from __future__ import annotations

import asyncio
import threading
import time

from textual.app import App, ComposeResult
from textual.widgets import Static
from textual.worker import Worker

from airbnb_tui.ui.background import Poller


class SlowSource:
    """A load that takes ``seconds`` and remembers how many ran at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.running = 0
        self.most_at_once = 0
        self.calls = 0
        self._lock = threading.Lock()

    def load(self) -> int:
        with self._lock:
            self.calls += 1
            number = self.calls
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(self.seconds)
        with self._lock:
            self.running -= 1
        return number


class PollingApp(App[None]):
    def __init__(self, source: SlowSource, *, interval: float, visible: bool = True) -> None:
        super().__init__()
        self.source = source
        self.applied: list[int] = []
        self.errors: list[BaseException] = []
        self.visible = visible
        self.poller: Poller[int] | None = None
        self.interval = interval

    def compose(self) -> ComposeResult:
        yield Static("polling")

    def on_mount(self) -> None:
        self.poller = Poller(
            self,
            group="test-poll",
            load=self.source.load,
            apply=self.applied.append,
            interval=self.interval,
            on_error=self.errors.append,
            visible=lambda: self.visible,
        )
        self.poller.refresh_now()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        assert self.poller is not None
        self.poller.handle(event)


async def test_loads_never_overlap_even_when_slower_than_the_interval() -> None:
    source = SlowSource(0.15)
    app = PollingApp(source, interval=0.01)
    async with app.run_test() as pilot:
        await pilot.pause(1.0)
        assert source.most_at_once == 1
        assert len(app.applied) >= 4
        assert app.poller is not None
        # A refresh asked for mid-load supersedes it: the older result is never applied after a
        # newer one.
        app.poller.refresh_now()
        app.poller.refresh_now()
        await pilot.pause(0.6)
        app.poller.stop()
        await asyncio.sleep(0.3)
    assert app.applied == sorted(app.applied)
    assert app.errors == []


async def test_nothing_is_loaded_while_the_owner_is_hidden() -> None:
    source = SlowSource(0.0)
    app = PollingApp(source, interval=0.02, visible=False)
    async with app.run_test() as pilot:
        await pilot.pause(0.4)
        # The first load runs at mount; the ticks after it skip while hidden.
        assert source.calls == 1
        app.visible = True
        await pilot.pause(0.4)
        assert source.calls > 3


async def test_a_failed_load_is_reported_and_polling_goes_on() -> None:
    calls: list[int] = []

    class Flaky(SlowSource):
        def load(self) -> int:
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("database is away")
            return len(calls)

    app = PollingApp(Flaky(0.0), interval=0.02)
    async with app.run_test() as pilot:
        await pilot.pause(0.4)
    assert [str(e) for e in app.errors] == ["database is away"]
    assert app.applied[0] == 2
