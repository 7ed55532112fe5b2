"""The one wall clock: "now" as an aware UTC datetime, injectable.

Every module that needs the current time takes a :data:`Now` (a zero-argument callable
returning an aware UTC :class:`~datetime.datetime`) and defaults to :func:`utc_now`: the
pipeline (freshness, DESIGN §5), the acquire stage (``fetched_at``), the store (every
timestamp column) and the date parsers ("today"). The CLI builds one clock with
:func:`clock_from_env` (``PAPERDIGEST_NOW`` pins it for tests and replays) and hands the same
one to all of them.

Monotonic time for pacing and deadlines is another matter: see
:class:`paperdigest.fetch.ratelimit.Clock`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from .errors import InputError

__all__ = ["NOW_ENV", "Now", "as_utc", "clock_from_env", "fixed_clock", "iso_utc", "utc_now"]

#: Returns the current time as an aware UTC datetime.
Now = Callable[[], datetime]

#: Environment variable that pins "now" (ISO 8601; a naive value is taken as UTC).
NOW_ENV = "PAPERDIGEST_NOW"


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken as UTC (every stored time is UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso_utc(moment: datetime, timespec: str = "auto") -> str:
    """ISO 8601 text of ``moment`` in UTC, e.g. ``2026-01-31T08:00:00+00:00``."""
    return as_utc(moment).isoformat(timespec=timespec)


def fixed_clock(moment: datetime) -> Now:
    """A clock that always answers ``moment`` (in UTC)."""
    pinned = as_utc(moment)
    return lambda: pinned


def clock_from_env(environ: Mapping[str, str] | None = None) -> Now:
    """:func:`utc_now`, or a fixed clock when ``PAPERDIGEST_NOW`` is set.

    Raises:
        InputError: ``PAPERDIGEST_NOW`` is not an ISO 8601 time.
    """
    env = os.environ if environ is None else environ
    fixed = env.get(NOW_ENV)
    if not fixed:
        return utc_now
    try:
        value = datetime.fromisoformat(fixed)
    except ValueError:
        raise InputError(f"{NOW_ENV}={fixed!r} is not an ISO 8601 time") from None
    return fixed_clock(value)
