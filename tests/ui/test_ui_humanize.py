"""Fixed-width wording of times and progress in table cells."""

from __future__ import annotations

from datetime import timedelta

import pytest
from ui_support import NOW

from airbnb_tui.ui import humanize


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (59.4, "59s"),
        (61, "1m 01s"),
        (600, "10m"),
        (3599, "59m"),
        (3600, "1h"),
        (3 * 3600 + 5 * 60, "3h 05m"),
        (86400 * 2 + 4 * 3600, "2d 04h"),
        (-5, "0s"),
    ],
)
def test_duration(seconds: float, text: str) -> None:
    assert humanize.duration(seconds) == text


def test_ago_and_until() -> None:
    assert humanize.ago(None, NOW) == "never"
    assert humanize.ago(NOW - timedelta(seconds=5), NOW) == "just now"
    assert humanize.ago(NOW - timedelta(minutes=12, seconds=40), NOW) == "12m ago"
    assert humanize.ago(NOW - timedelta(hours=3, minutes=59), NOW) == "3h ago"
    assert humanize.ago(NOW - timedelta(days=2, hours=23), NOW) == "2d ago"
    assert humanize.until(NOW + timedelta(hours=15), NOW) == "in 15h"
    assert humanize.until(NOW + timedelta(seconds=30), NOW) == "now"


def test_bar_percent_and_truncate() -> None:
    assert humanize.bar(0.375, 5) == "██░░░"
    assert humanize.bar(1.5, 4) == "████"
    assert humanize.percent(0.375) == "38%"
    assert humanize.truncate("City flats near the harbour", 12) == "City flats …"
    assert humanize.truncate("short", 12) == "short"
