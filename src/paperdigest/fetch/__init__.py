"""Polite HTTP: one shared client, per-role rate limits, retries and a response cache."""

from __future__ import annotations

from .cache import CachedResponse, ResponseCache
from .http import USER_AGENT, HttpClient, Response
from .ratelimit import Clock, FakeClock, RateLimiter, SystemClock

__all__ = [
    "USER_AGENT",
    "CachedResponse",
    "Clock",
    "FakeClock",
    "HttpClient",
    "RateLimiter",
    "Response",
    "ResponseCache",
    "SystemClock",
]
