"""Transport only: the one HTTP policy (per-role pacing and counting, retries, deadlines,
body caps) for every role, the LLM's included, and the response cache."""

from __future__ import annotations

from .cache import CachedResponse, ResponseCache
from .http import (
    USER_AGENT,
    DeadlineTransport,
    HttpClient,
    PolicyTransport,
    Response,
    RetryReply,
    require_json,
    require_type,
)
from .ratelimit import Clock, FakeClock, RateLimiter, SystemClock

__all__ = [
    "USER_AGENT",
    "CachedResponse",
    "Clock",
    "DeadlineTransport",
    "FakeClock",
    "HttpClient",
    "PolicyTransport",
    "RateLimiter",
    "Response",
    "ResponseCache",
    "RetryReply",
    "SystemClock",
    "require_json",
    "require_type",
]
