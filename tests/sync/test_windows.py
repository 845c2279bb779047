"""Window planning: whole Sunday-to-Saturday weeks, tiled exactly, never past 182 days ahead."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airbnb_tui.airbnb.operations import DEFAULT_CHART_METRICS, DEFAULT_LIST_OF_METRICS
from airbnb_tui.airbnb.window import Window, WindowTooFarAhead
from airbnb_tui.config import MAX_DAYS_AHEAD
from airbnb_tui.sync.windows import (
    SyncRange,
    chart_windows,
    latest_end,
    list_of_metrics_windows,
    plan,
    requests_per_listing,
    validate,
    week_end,
    week_start,
)

SUNDAY, SATURDAY = 6, 5
TODAY = date(2025, 2, 10)  # a Monday


def test_week_bounds() -> None:
    assert week_start(date(2025, 2, 9)) == date(2025, 2, 9)  # a Sunday is its own week start
    assert week_start(date(2025, 2, 15)) == date(2025, 2, 9)
    assert week_end(date(2025, 2, 9)) == date(2025, 2, 15)
    assert week_end(date(2025, 2, 15)) == date(2025, 2, 15)


def test_plan_with_defaults() -> None:
    # 25 weeks back from Monday 2025-02-10 is Monday 2024-08-19, whose week starts on the 18th;
    # 25 weeks ahead is 2025-08-04, whose week ends on Saturday 2025-08-09 (180 days ahead).
    assert plan(TODAY, 25, 25) == SyncRange(date(2024, 8, 18), date(2025, 8, 9))
    assert plan(TODAY, 1, 25) == SyncRange(date(2025, 2, 2), date(2025, 8, 9))


def test_plan_of_zero_weeks_is_the_current_week() -> None:
    assert plan(TODAY, 0, 0) == SyncRange(date(2025, 2, 9), date(2025, 2, 15))


def test_plan_clips_to_the_last_saturday_airbnb_serves() -> None:
    # 26 weeks ahead of Monday is 2025-08-11, whose week ends 2025-08-16 = 187 days ahead;
    # the limit 2025-08-11 (182 days) pulls it back to Saturday 2025-08-09.
    assert plan(TODAY, 0, 26) == SyncRange(date(2025, 2, 9), date(2025, 8, 9))
    assert latest_end(TODAY) == date(2025, 8, 9)
    # When today + 182 is itself a Saturday it is the end.
    saturday_limit = date(2025, 8, 9) - timedelta(days=MAX_DAYS_AHEAD)
    assert latest_end(saturday_limit) == date(2025, 8, 9)


def test_plan_refuses_negative_weeks() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        plan(TODAY, -1, 0)


def test_chart_windows_are_28_days_with_a_shorter_last_one() -> None:
    sync_range = SyncRange(date(2025, 1, 12), date(2025, 3, 22))  # 10 weeks
    assert chart_windows(sync_range) == [
        Window(date(2025, 1, 12), date(2025, 2, 8)),
        Window(date(2025, 2, 9), date(2025, 3, 8)),
        Window(date(2025, 3, 9), date(2025, 3, 22)),
    ]
    assert [w.days for w in chart_windows(sync_range)] == [28, 28, 14]


def test_list_of_metrics_windows_are_weeks() -> None:
    sync_range = SyncRange(date(2025, 1, 12), date(2025, 1, 25))
    assert list_of_metrics_windows(sync_range) == [
        Window(date(2025, 1, 12), date(2025, 1, 18)),
        Window(date(2025, 1, 19), date(2025, 1, 25)),
    ]


def test_requests_per_listing_counts_every_window_and_metric() -> None:
    sync_range = plan(TODAY, 25, 25)  # 51 weeks: 13 chart windows, 51 weekly ones
    assert len(chart_windows(sync_range)) == 13
    assert len(list_of_metrics_windows(sync_range)) == 51
    assert requests_per_listing(sync_range, DEFAULT_CHART_METRICS, DEFAULT_LIST_OF_METRICS) == (
        13 * 1 + 51 * 2
    )
    assert requests_per_listing(sync_range, (), ()) == 0


def test_validate_names_the_limit() -> None:
    too_far = SyncRange(date(2025, 2, 9), date(2025, 8, 16))
    with pytest.raises(WindowTooFarAhead, match=r"187 days after 2025-02-10.*at most 182 days"):
        validate(too_far, TODAY)
    ok = SyncRange(date(2025, 2, 9), date(2025, 8, 9))
    assert validate(ok, TODAY) is ok


def test_validate_wants_whole_weeks() -> None:
    with pytest.raises(ValueError, match="Sunday to Saturday"):
        validate(SyncRange(date(2025, 2, 10), date(2025, 2, 15)), TODAY)


def test_a_range_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        SyncRange(date(2025, 2, 15), date(2025, 2, 9))


@given(
    today=st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31)),
    lookback=st.integers(min_value=0, max_value=60),
    lookahead=st.integers(min_value=0, max_value=26),
)
def test_windows_tile_the_planned_range(today: date, lookback: int, lookahead: int) -> None:
    sync_range = plan(today, lookback, lookahead)
    assert validate(sync_range, today) is sync_range
    assert sync_range.start <= today <= sync_range.end
    assert sync_range.start == week_start(today - timedelta(weeks=lookback))
    assert (sync_range.end - today).days <= MAX_DAYS_AHEAD
    assert sync_range.end > today + timedelta(days=MAX_DAYS_AHEAD - 7) or (
        sync_range.end == week_end(today + timedelta(weeks=lookahead))
    )

    for windows, size in (
        (chart_windows(sync_range), 28),
        (list_of_metrics_windows(sync_range), 7),
    ):
        assert windows[0].start == sync_range.start
        assert windows[-1].end == sync_range.end
        for before, after in itertools.pairwise(windows):
            assert after.start == before.end + timedelta(days=1)
        for window in windows:
            assert window.start.weekday() == SUNDAY
            assert window.end.weekday() == SATURDAY
            assert (window.end - today).days <= MAX_DAYS_AHEAD
            assert window.days <= size
        assert all(w.days == size for w in windows[:-1])
        assert sum(w.days for w in windows) == sync_range.days
    assert all(w.days == 7 for w in list_of_metrics_windows(sync_range))
