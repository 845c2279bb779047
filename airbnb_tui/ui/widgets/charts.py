"""Terminal charts of a listing's metrics (textual-plotext), coloured from the current theme."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from textual.color import Color
from textual_plotext import PlotextPlot

from airbnb_tui.services.metrics import DailyPageViews, WeeklyConversion

MAX_TICKS = 6


def _ticks(days: Sequence[date]) -> tuple[list[float], list[str]]:
    """At most :data:`MAX_TICKS` evenly spaced ``MM-DD`` labels along the x axis."""
    if not days:
        return [], []
    step = max(1, (len(days) + MAX_TICKS - 1) // MAX_TICKS)
    indexes = range(0, len(days), step)
    return [float(i) for i in indexes], [days[i].strftime("%m-%d") for i in indexes]


class ThemedPlot(PlotextPlot):
    """A plot whose series take the theme's primary and secondary colours."""

    def theme_rgb(self, name: str) -> tuple[int, int, int]:
        value = self.app.theme_variables.get(name, "#888888")
        return Color.parse(value).rgb

    def show_message(self, title: str, message: str) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(f"{title} — {message}")
        self.refresh()


class PageViewsPlot(ThemedPlot):
    """Daily page views (``p3_impressions``): this listing against similar listings."""

    TITLE = "Page views per day"

    def show(self, points: Sequence[DailyPageViews]) -> None:
        if not points:
            self.show_message(self.TITLE, "nothing synced in this range")
            return
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        days = [p.day for p in points]
        xs = list(range(len(points)))
        yours = [float(p.yours or 0) for p in points]
        similar = [float(p.similar or 0) for p in points]
        plt.plot(xs, yours, label="yours", color=self.theme_rgb("primary"), marker="braille")
        plt.plot(xs, similar, label="similar", color=self.theme_rgb("secondary"), marker="dot")
        positions, labels = _ticks(days)
        plt.xticks(positions, labels)
        plt.title(self.TITLE)
        self.refresh()


class ConversionPlot(ThemedPlot):
    """Weekly conversion rate in percent, one bar per Sunday-Saturday window."""

    TITLE = "Conversion rate per week (%)"

    def show(self, weeks: Sequence[WeeklyConversion]) -> None:
        if not weeks:
            self.show_message(self.TITLE, "nothing synced in this range")
            return
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        labels = [w.window_start.strftime("%m-%d") for w in weeks]
        values = [round((w.conversion_rate or 0.0) * 100, 2) for w in weeks]
        plt.bar(labels, values, color=self.theme_rgb("primary"), width=0.6)
        plt.title(self.TITLE)
        self.refresh()
