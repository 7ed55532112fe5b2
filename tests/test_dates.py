"""Dates the user types: days, ISO weeks, months, ranges."""

from __future__ import annotations

from datetime import date

import pytest

from paperdigest.dates import (
    MAX_RANGE_DAYS,
    check_range,
    date_range,
    format_week,
    parse_day,
    parse_month,
    parse_week,
    utc_today,
)
from paperdigest.errors import InputError

TODAY = date(2026, 1, 31)


def test_parse_day_accepts_iso_dates() -> None:
    assert parse_day("2026-01-30", TODAY) == date(2026, 1, 30)
    assert parse_day(" 2026-01-31 ", TODAY) == TODAY
    assert parse_day("2024-02-29", TODAY) == date(2024, 2, 29)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2026-02-30", "day is out of range for month"),
        ("2025-02-29", "day is out of range for month"),
        ("2026-13-01", "month must be in 1..12"),
        ("tomorrow", "use YYYY-MM-DD"),
        ("today", "use YYYY-MM-DD"),
        ("", "use YYYY-MM-DD"),
        ("2026/01/30", "use YYYY-MM-DD"),
        ("2026-1-30", "use YYYY-MM-DD"),
        ("20260130", "use YYYY-MM-DD"),
        ("2026-01-30; rm -rf /", "use YYYY-MM-DD"),
        ("2026-02-01", "after today"),
        ("2099-01-01", "after today"),
    ],
)
def test_parse_day_rejects_bad_input_with_one_line(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        parse_day(text, TODAY)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
    assert repr(text) in message
    assert info.value.user_facing


def test_parse_day_out_of_range_message_is_the_documented_one() -> None:
    with pytest.raises(InputError, match=r"^invalid date '2026-02-30': day is out of range for "
                       r"month; use YYYY-MM-DD$"):
        parse_day("2026-02-30", date(2026, 3, 31))


def test_parse_week() -> None:
    # 2026-W05: Monday 26 January to Sunday 1 February 2026 (ISO 8601 calendar).
    assert parse_week("2026-W05") == (date(2026, 1, 26), date(2026, 2, 1))
    assert parse_week("2026w5") == (date(2026, 1, 26), date(2026, 2, 1))
    # ISO week 1 of 2026 starts in 2025 (1 January 2026 is a Thursday).
    assert parse_week("2026-W01")[0] == date(2025, 12, 29)
    assert format_week(date(2026, 1, 26)) == "2026-W05"
    assert format_week(date(2025, 12, 29)) == "2026-W01"


@pytest.mark.parametrize("text", ["2026-W54", "2026-W00", "2026-05", "W05", "2026-W5x"])
def test_parse_week_rejects(text: str) -> None:
    with pytest.raises(InputError, match="invalid week"):
        parse_week(text)


def test_parse_week_in_future() -> None:
    with pytest.raises(InputError, match="after today"):
        parse_week("2026-W06", today=TODAY)
    assert parse_week("2026-W05", today=TODAY)[0] == date(2026, 1, 26)


def test_parse_month() -> None:
    assert parse_month("2026-01") == (date(2026, 1, 1), date(2026, 1, 31))
    assert parse_month("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert parse_month("2025-12") == (date(2025, 12, 1), date(2025, 12, 31))
    with pytest.raises(InputError, match="invalid month '2026-13'"):
        parse_month("2026-13")
    with pytest.raises(InputError, match="use YYYY-MM"):
        parse_month("January")
    with pytest.raises(InputError, match="after today"):
        parse_month("2026-02", today=TODAY)


def test_date_range() -> None:
    days = date_range(date(2026, 1, 29), date(2026, 2, 2))
    assert days == [date(2026, 1, d) for d in (29, 30, 31)] + [date(2026, 2, 1), date(2026, 2, 2)]
    assert date_range(TODAY, TODAY) == [TODAY]


def test_date_range_rejects_reversed_and_too_long() -> None:
    with pytest.raises(InputError, match="is after"):
        date_range(date(2026, 1, 31), date(2026, 1, 30))
    start = date(2024, 1, 1)
    # 2024 is a leap year: 1 Jan 2024 .. 31 Dec 2024 is exactly 366 days and allowed.
    assert len(date_range(start, date(2024, 12, 31))) == MAX_RANGE_DAYS
    with pytest.raises(InputError, match="367 days"):
        check_range(start, date(2025, 1, 1))


def test_utc_today_is_a_date() -> None:
    assert isinstance(utc_today(), date)
