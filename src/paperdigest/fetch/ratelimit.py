"""Per-role request pacing with an injectable clock.

:class:`RateLimiter` spaces request *starts* at least ``1 / rate`` seconds apart (a GCRA /
virtual-scheduling limiter, so ``burst`` requests may start back to back after an idle
period). Waiting goes through a :class:`Clock`, so tests use :class:`FakeClock` and never
sleep for real (DESIGN §6).

The rates themselves are configuration (``settings.limits``, see :mod:`paperdigest.config`
where each default cites the service's terms); :class:`paperdigest.fetch.http.HttpClient`
builds one limiter per endpoint role.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Protocol

logger = logging.getLogger(__name__)


class Clock(Protocol):
    """Monotonic time and sleeping; injectable so that tests never wait for real."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock: :func:`time.monotonic` and :func:`time.sleep`."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FakeClock:
    """A clock for tests: :meth:`sleep` advances :attr:`now` instantly and is recorded."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        """Current monotonic time in seconds."""
        self.sleeps: list[float] = []
        """Every positive duration passed to :meth:`sleep`, in call order."""
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds

    def advance(self, seconds: float) -> None:
        """Move time forward without recording a sleep (time passing elsewhere)."""
        with self._lock:
            self.now += seconds


class RateLimiter:
    """Space request starts ``1 / rate_per_s`` seconds apart; thread-safe.

    Each :meth:`acquire` reserves the next free slot under a lock and then sleeps outside
    the lock until that slot, so concurrent callers queue up in order instead of all waking
    at once. :meth:`penalize` pushes the next slot back when a server says so
    (``Retry-After``, ``RateLimit-Reset``).
    """

    def __init__(self, rate_per_s: float, clock: Clock | None = None, burst: int = 1) -> None:
        if not rate_per_s > 0 or math.isinf(rate_per_s):
            raise ValueError(f"rate_per_s must be a positive finite number, got {rate_per_s!r}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst!r}")
        self.rate_per_s = rate_per_s
        self.interval = 1.0 / rate_per_s
        """Minimum seconds between two request starts."""
        self.burst = burst
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._lock = threading.Lock()
        # Theoretical arrival time of the next request (GCRA); -inf = never used.
        self._tat = -math.inf

    def acquire(self) -> float:
        """Block (via the clock) until a request may start; return the seconds waited."""
        tolerance = (self.burst - 1) * self.interval
        with self._lock:
            now = self.clock.monotonic()
            tat = max(self._tat, now)
            start = tat - tolerance
            wait = max(0.0, start - now)
            self._tat = tat + self.interval
        if wait > 0:
            logger.debug("rate limiter: waiting %.3f s", wait)
            self.clock.sleep(wait)
        return wait

    def penalize(self, seconds: float) -> None:
        """Make the next request start no earlier than ``seconds`` from now."""
        if seconds <= 0:
            return
        tolerance = (self.burst - 1) * self.interval
        with self._lock:
            now = self.clock.monotonic()
            self._tat = max(self._tat, now + seconds + tolerance)
