"""Printing a benchmark's figures: a header naming what is measured and the target, then rows."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field


def header(title: str, measures: str, target: str) -> None:
    """The first lines of every benchmark's output: what it measures and what it must reach."""
    print(f"== {title}")
    print(f"measures: {measures}")
    print(f"target:   {target}")
    print(flush=True)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


@dataclass
class Stopwatch:
    """Wall-clock seconds of the blocks timed with :meth:`time`."""

    laps: list[float] = field(default_factory=list)

    @contextmanager
    def time(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.laps.append(time.perf_counter() - started)


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of ``fn`` takes."""
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def table(rows: Sequence[Sequence[object]], headings: Sequence[str]) -> None:
    """A plain aligned table, pasteable into markdown as a code block."""
    cells = [[str(h) for h in headings], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headings))]
    for index, row in enumerate(cells):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))
    print(flush=True)
