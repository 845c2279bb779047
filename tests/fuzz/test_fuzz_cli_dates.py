"""``export --start/--end``: any text is a date or a one-line usage error (exit 2), never a
traceback; and what is accepted is exactly a ``YYYY-MM-DD`` date."""

from __future__ import annotations

from datetime import date

import click
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from airbnb_tui.commands.export import IsoDate
from tests.cli.cli_helpers import run_main

ISO_LIKE = st.sampled_from(
    [
        "2025-01-31",
        " 2025-01-31 ",
        "2025-02-30",
        "2025-13-01",
        "2025-1-31",
        "20250131",
        "2025-W05-1",
        "2025-031",
        "2025-01-31T00:00",
        "2025-01-31Z",
        "0000-01-01",
        "9999-12-31",
        "\uff12\uff10\uff12\uff15-01-31",  # full-width digits
        "2025\u201301\u201331",  # en dashes
        "",
        "-",
    ]
)
DATE_TEXT = (
    ISO_LIKE
    | st.dates().map(date.isoformat)
    | st.text(alphabet="0123456789-W:T ", max_size=12)
    | st.text(max_size=12)
)


def _convert(text: str) -> date | None:
    try:
        return IsoDate().convert(text, None, None)
    except click.BadParameter:
        return None


@given(DATE_TEXT)
@settings(max_examples=500, deadline=None)
def test_any_text_is_a_date_or_a_bad_parameter(text: str) -> None:
    parsed = _convert(text)
    assert parsed is None or isinstance(parsed, date)


@given(DATE_TEXT)
@example("2025-W05-1")
@settings(max_examples=300, deadline=None)
def test_only_yyyy_mm_dd_is_accepted(text: str) -> None:
    parsed = _convert(text)
    assert parsed is None or parsed.isoformat() == text.strip()


@given(DATE_TEXT)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_export_with_any_start_date_says_what_is_wrong_without_a_traceback(text: str) -> None:
    result = run_main(
        ["export", "123456789", "--table", "chart_query", "--format", "json", "--start", text]
    )
    assert result.code == 2, result
    assert "Traceback" not in result.stderr
    last = result.stderr.splitlines()[-1]
    if _convert(text) is None:  # click's usage error: the usage lines, then the error
        assert last.startswith("Error: Invalid value for '--start'"), result
    else:  # a good date: on to the account, which this empty database does not have
        assert last == "Error: No account 123456789; see `airbnb-tui accounts list`.", result
