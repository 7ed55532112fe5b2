"""Dates the user asks for: days, ISO weeks, months and ranges.

Every parser raises :class:`~paperdigest.errors.InputError` with a one-line message that
names the bad input and says which form is expected, so the CLI can print it as is.
"Today" is always passed in (UTC, see :func:`utc_today`) so that tests can pin it.
"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta

from .clock import Now, utc_now
from .errors import InputError

logger = logging.getLogger(__name__)

#: Longest range accepted by :func:`date_range` and :func:`check_range` (one leap year).
#: Longer backfills belong to the batch path (DESIGN §1, Ray Data), not to one run.
MAX_RANGE_DAYS = 366

_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WEEK_RE = re.compile(r"^(?P<year>\d{4})-?W(?P<week>\d{1,2})$", re.IGNORECASE)
_MONTH_RE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})$")


def utc_today(now: Now = utc_now) -> date:
    """Today's date in UTC by the clock ``now`` (the Daily Papers lists are keyed by UTC days)."""
    return now().date()


def parse_day(text: str, today: date) -> date:
    """Parse ``YYYY-MM-DD`` into a date that is not after ``today``.

    Args:
        text: the user's input, e.g. ``"2026-01-31"``.
        today: the current UTC date (see :func:`utc_today`).

    Raises:
        InputError: the text is not a real calendar date in that form, or lies in the future.
    """
    raw = text.strip()
    if not _DAY_RE.match(raw):
        raise InputError(f"invalid date {text!r}: use YYYY-MM-DD (e.g. 2026-01-31)")
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise InputError(f"invalid date {text!r}: {exc}; use YYYY-MM-DD") from None
    if day > today:
        raise InputError(
            f"invalid date {text!r}: it is after today ({today.isoformat()} UTC); "
            "no papers are listed for future days"
        )
    return day


def parse_week(text: str, today: date | None = None) -> tuple[date, date]:
    """Parse an ISO week ``YYYY-Www`` (e.g. ``2026-W05``) into its (Monday, Sunday).

    Raises:
        InputError: malformed, week number out of range for that year, or starting after today.
    """
    match = _WEEK_RE.match(text.strip())
    if not match:
        raise InputError(f"invalid week {text!r}: use YYYY-Www (e.g. 2026-W05)")
    year, week = int(match.group("year")), int(match.group("week"))
    weeks = iso_weeks(year) if 1 <= year <= 9999 else 0
    if weeks and not 1 <= week <= weeks:
        raise InputError(f"invalid week {text!r}: week {week} does not exist: {year} has "
                         f"{weeks} ISO weeks (W01 to W{weeks})")
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise InputError(f"invalid week {text!r}: {exc}; use YYYY-Www (e.g. 2026-W05)") from None
    if today is not None and monday > today:
        raise InputError(f"invalid week {text!r}: it starts after today ({today.isoformat()} UTC)")
    return monday, monday + timedelta(days=6)


def iso_weeks(year: int) -> int:
    """How many ISO 8601 weeks ``year`` has: 52 or 53 (53 when 28 December, which always lies
    in the year's last week, is in week 53; ISO 8601 §3.2.2 / ``date.isocalendar``)."""
    return date(year, 12, 28).isocalendar()[1]


def format_week(monday: date) -> str:
    """``date(2026, 1, 26)`` → ``"2026-W05"`` (the form the HF API takes)."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def parse_month(text: str, today: date | None = None) -> tuple[date, date]:
    """Parse ``YYYY-MM`` into the month's (first day, last day).

    Raises:
        InputError: malformed, month out of range, or starting after today.
    """
    match = _MONTH_RE.match(text.strip())
    if not match:
        raise InputError(f"invalid month {text!r}: use YYYY-MM (e.g. 2026-01)")
    year, month = int(match.group("year")), int(match.group("month"))
    try:
        first = date(year, month, 1)
    except ValueError as exc:
        raise InputError(f"invalid month {text!r}: {exc}; use YYYY-MM (e.g. 2026-01)") from None
    if today is not None and first > today:
        raise InputError(f"invalid month {text!r}: it starts after today ({today.isoformat()} UTC)")
    next_first = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return first, next_first - timedelta(days=1)


def check_order(start: date | str, end: date | str) -> None:
    """Refuse a range whose first day (``--from``) is after its last (``--to``): the one
    wording of that error for ``run``, ``ask`` and ``backfill``.

    Args:
        start, end: dates, or ISO ``YYYY-MM-DD`` strings (compared as dates).

    Raises:
        InputError: ``start`` is after ``end``.
    """
    first, last = (d.isoformat() if isinstance(d, date) else d for d in (start, end))
    if first > last:
        raise InputError(f"invalid range: --from {first} is after --to {last}; swap them")


def check_range(start: date, end: date, max_days: int = MAX_RANGE_DAYS) -> None:
    """Validate an inclusive range of days.

    Raises:
        InputError: ``start`` is after ``end``, or the range holds more than ``max_days`` days.
    """
    check_order(start, end)
    days = (end - start).days + 1
    if days > max_days:
        raise InputError(
            f"invalid range {start.isoformat()}..{end.isoformat()}: {days} days is more than "
            f"the {max_days} allowed in one run; split it into smaller ranges"
        )


def date_range(start: date, end: date, max_days: int = MAX_RANGE_DAYS) -> list[date]:
    """Every day from ``start`` to ``end``, both included, in order.

    Raises:
        InputError: see :func:`check_range`.
    """
    check_range(start, end, max_days)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def requested_days(
    today: date,
    *,
    day: str | None = None,
    week: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> list[date]:
    """The days a command asks for: exactly one of a day, an ISO week (its days up to
    ``today``) or a ``start``/``end`` range (both given).

    Raises:
        InputError: none or several forms given, half a range, or any date invalid.
    """
    chosen = [x for x in (day, week, start or end) if x]
    if len(chosen) != 1:
        raise InputError("give exactly one of --date, --week, --from/--to or --ids")
    if day:
        return [parse_day(day, today)]
    if week:
        monday, sunday = parse_week(week)
        return date_range(monday, min(sunday, today))
    if not (start and end):
        raise InputError("--from and --to go together")
    return date_range(parse_day(start, today), parse_day(end, today))
