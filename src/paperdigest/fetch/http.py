"""The one polite HTTP client that every part of paperdigest uses.

:class:`HttpClient` wraps a single :class:`httpx.Client` (one connection pool for all roles)
and adds, per request:

* pacing per endpoint role (``hf``, ``arxiv``, ``arxiv_api``, ``llm``) with one
  :class:`~paperdigest.fetch.ratelimit.RateLimiter` each, rates from ``settings.limits``;
* a User-Agent that names the project (arXiv API terms ask clients to identify themselves);
* bounded retries on 429/500/502/503/504 and transport errors, in a loop: the server's
  ``Retry-After`` / ``RateLimit-Reset`` / ``X-RateLimit-Reset`` / IETF ``RateLimit: …;t=N``
  wait when given, else exponential backoff with jitter;
* a body size cap enforced while streaming;
* an on-disk cache with conditional requests (ETag / Last-Modified → 304) and a
  ``max_age`` freshness shortcut that makes no request at all.

Every httpx exception is wrapped once into :mod:`paperdigest.errors`; callers catch
:class:`~paperdigest.errors.HTTPError` and its subclasses only.
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx

from .. import __version__
from ..config import Settings
from ..errors import BodyTooLargeError, HTTPError, NotFoundError, RateLimitedError
from .cache import CachedResponse, ResponseCache
from .ratelimit import Clock, RateLimiter, SystemClock

logger = logging.getLogger(__name__)

USER_AGENT = f"paperdigest/{__version__} (+https://github.com/paperdigest/paperdigest)"

ROLES = ("hf", "arxiv", "arxiv_api", "llm")
"""Endpoint roles; each has its own rate limit in ``settings.limits``."""

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Statuses worth retrying: rate limiting and transient server/gateway failures."""

MAX_SERVER_WAIT = 300.0
"""Longest server-requested wait (``Retry-After`` etc.) we honour, in seconds. A server asking
for longer than this gets a :class:`RateLimitedError` at once instead of a stalled run; this
deliberately exceeds ``http.backoff_max``, which only caps our own backoff guesses."""

ERROR_BODY_BYTES = 64 * 1024
"""How much of an error response body we read (for messages and ``NotFoundError.body``)."""

_EPOCH_THRESHOLD = 1_000_000_000
"""A reset value above this is a Unix timestamp (GitHub style), not a delta in seconds."""

_IETF_RESET = re.compile(r"(?:^|[;,\s])(?:t|reset)\s*=\s*(\d+(?:\.\d+)?)")
_IETF_REMAINING = re.compile(r"(?:^|[;,\s])(?:r|remaining)\s*=\s*(\d+)")


@dataclass
class Response:
    """A complete (fully read) HTTP response."""

    url: str
    """The requested URL including the query string."""
    status: int
    headers: dict[str, str]
    """Response headers, names lower-cased."""
    content: bytes
    from_cache: bool = False
    """True when the body came from the cache (fresh hit or 304 revalidation)."""
    elapsed: float = 0.0
    """Seconds from sending the request to the end of the body (clock time)."""

    def text(self) -> str:
        """The body decoded as UTF-8, invalid bytes replaced."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON.

        Raises:
            HTTPError: the body is not valid JSON.
        """
        try:
            return json.loads(self.content)
        except ValueError as exc:
            snippet = self.content[:80].decode("utf-8", errors="replace")
            raise HTTPError(
                f"{self.url} answered {self.status} with a body that is not valid JSON "
                f"({exc}; starts with {snippet!r}); is the endpoint URL right?",
                self.url,
                self.status,
            ) from exc


class HttpClient:
    """One shared, polite HTTP client for all endpoint roles.

    Args:
        settings: timeouts, retries, limits, body cap and cache switch are read from it.
        clock: monotonic clock used for pacing and every wait (tests pass a ``FakeClock``).
        transport: an httpx transport (tests may pass ``httpx.MockTransport``).
        cache: response cache; default: one under ``settings.cache_dir`` when
            ``settings.http.cache`` is on.
        rng: random source for backoff jitter.
        now: wall clock for HTTP-date ``Retry-After`` and epoch reset headers.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
        cache: ResponseCache | None = None,
        rng: random.Random | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.rng = rng if rng is not None else random.Random()
        self.now = now
        limits = settings.limits
        # Rates are documented where they are set (config.LimitSettings): HF ~500 calls/5 min
        # for anonymous clients; arXiv API terms: at most 1 request every 3 s.
        self.limiters: dict[str, RateLimiter] = {
            "hf": RateLimiter(limits.hf, self.clock),
            "arxiv": RateLimiter(limits.arxiv, self.clock),
            "arxiv_api": RateLimiter(limits.arxiv_api, self.clock),
            "llm": RateLimiter(limits.llm, self.clock),
        }
        if cache is None and settings.http.cache:
            cache = ResponseCache(settings.cache_dir)
        self.cache = cache
        self._client = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(settings.http.timeout),
            follow_redirects=True,
            transport=transport,
        )
        self._count_lock = threading.Lock()
        self.request_count = 0
        """Requests actually sent to a server (cache hits without a request do not count)."""

    # ------------------------------------------------------------------ public API

    def get(
        self,
        url: str,
        *,
        role: str,
        params: Mapping[str, str] | None = None,
        use_cache: bool = True,
        max_bytes: int | None = None,
        max_age: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """GET ``url`` politely and return the whole response (status 2xx or cached).

        Args:
            role: endpoint role whose rate limit applies (``hf``, ``arxiv``, ``arxiv_api``, ``llm``).
            params: query parameters appended to ``url``; part of the cache key.
            use_cache: consult and fill the cache (only when ``settings.http.cache`` is on).
            max_bytes: body cap (default ``settings.http.max_body_mb`` MB).
            max_age: serve a cached entry younger than this many seconds without any request
                (``float('inf')`` for immutable resources such as versioned PDFs).
            headers: extra request headers.

        Raises:
            NotFoundError: 404 (not retried); ``.body`` holds the start of the body.
            RateLimitedError: still 429/503 after all retries, or the server asked to wait
                longer than :data:`MAX_SERVER_WAIT`.
            BodyTooLargeError: the body exceeds the cap.
            HTTPError: any other failure (4xx, 5xx after retries, transport errors).
        """
        try:
            parsed = httpx.URL(url)
            # copy_merge_params keeps a query already in ``url`` (URL(url, params=…) drops it).
            full_url = str(parsed.copy_merge_params(dict(params)) if params else parsed)
        except httpx.InvalidURL as exc:
            raise HTTPError(
                f"invalid URL {url!r}: {exc}; check the endpoint settings", url
            ) from exc
        caching = self.cache is not None and self.settings.http.cache and use_cache
        cached = self.cache.get(full_url) if caching and self.cache is not None else None
        if cached is not None and cached.status == 200 and max_age is not None:
            # The cache's own wall clock stamped the entry, so it also judges its age.
            age = self.cache.now() - cached.stored_at if self.cache is not None else math.inf
            if age < max_age:
                logger.debug("cache hit (age %.0f s): %s", age, full_url)
                return _from_cached(cached)
        return self.request(
            "GET",
            full_url,
            role=role,
            headers=headers,
            max_bytes=max_bytes,
            cached=cached if caching else None,
            store=caching,
        )

    def post(
        self,
        url: str,
        *,
        role: str,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        timeout: float | None = None,
    ) -> Response:
        """POST a JSON body (never cached); same pacing, retries and errors as :meth:`get`."""
        return self.request(
            "POST",
            url,
            role=role,
            headers=headers,
            json_body=json_body,
            max_bytes=max_bytes,
            timeout=timeout,
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        role: str,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        max_bytes: int | None = None,
        timeout: float | None = None,
        cached: CachedResponse | None = None,
        store: bool = False,
    ) -> Response:
        """Send one logical request with pacing and retries (see :meth:`get` for raises).

        ``cached`` adds conditional headers and is returned on 304; ``store`` caches a 200.
        """
        limiter = self._limiter(role)
        cap = self._cap(max_bytes)
        send_headers = dict(headers or {})
        if cached is not None:
            if cached.etag:
                send_headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                send_headers["If-Modified-Since"] = cached.last_modified
        if timeout is None and role == "llm":
            timeout = self.settings.llm.timeout
        http = self.settings.http
        attempts = http.retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            limiter.acquire()
            with self._count_lock:
                self.request_count += 1
            started = self.clock.monotonic()
            try:
                result = self._send_once(
                    method, url, send_headers, json_body, cap, timeout, cached, started
                )
            except _RetryableTransport as failure:
                exc = failure.exc
                if last:
                    raise HTTPError(
                        f"{method} {url} failed after {attempts} attempt(s): "
                        f"{type(exc).__name__}: {exc or 'no details'}",
                        url,
                    ) from exc
                delay = self._backoff(attempt)
                logger.info(
                    "%s %s: %s; retry %d/%d in %.1f s",
                    method,
                    url,
                    type(exc).__name__,
                    attempt + 1,
                    http.retries,
                    delay,
                )
                self.clock.sleep(delay)
                continue
            if isinstance(result, Response):
                self._respect_quota(limiter, result.headers)
                if store and result.status == 200 and self.cache is not None:
                    self.cache.put(url, result.status, result.headers, result.content)
                elif result.from_cache and self.cache is not None:
                    self.cache.touch(url, result.headers)
                    return _from_cached(cached, elapsed=result.elapsed) if cached else result
                return result
            # A retryable status.
            status, resp_headers, snippet = result
            server_wait = self._server_wait(resp_headers)
            if server_wait is not None and server_wait > MAX_SERVER_WAIT:
                raise RateLimitedError(
                    f"{url} answered {status} and asks to wait {server_wait:.0f} s "
                    f"(more than {MAX_SERVER_WAIT:.0f} s); try again later",
                    url,
                    status,
                    retry_after=server_wait,
                )
            if last:
                message = f"{method} {url} answered {status} after {attempts} attempt(s)" + (
                    f": {snippet}" if snippet else ""
                )
                if status in (429, 503):
                    raise RateLimitedError(
                        message + "; wait and run again, or lower the rate in [limits]",
                        url,
                        status,
                        retry_after=server_wait,
                    )
                raise HTTPError(message, url, status)
            if server_wait is not None:
                # The server told us when: wait exactly that, and make every other request
                # for this role wait too (it is the role's quota, not this URL's).
                logger.info(
                    "%s %s: %d, server asks to wait %.1f s (retry %d/%d)",
                    method,
                    url,
                    status,
                    server_wait,
                    attempt + 1,
                    http.retries,
                )
                limiter.penalize(server_wait)
            else:
                delay = self._backoff(attempt)
                logger.info(
                    "%s %s: %d; retry %d/%d in %.1f s",
                    method,
                    url,
                    status,
                    attempt + 1,
                    http.retries,
                    delay,
                )
                self.clock.sleep(delay)
        raise AssertionError("unreachable: the retry loop always returns or raises")

    @property
    def transport_client(self) -> httpx.Client:
        """The underlying httpx client (shared connection pool)."""
        return self._client

    def close(self) -> None:
        """Close the connection pool and the cache."""
        self._client.close()
        if self.cache is not None:
            self.cache.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ internals

    def _limiter(self, role: str) -> RateLimiter:
        try:
            return self.limiters[role]
        except KeyError:
            raise ValueError(f"unknown endpoint role {role!r}; expected one of {ROLES}") from None

    def _cap(self, max_bytes: int | None) -> int:
        if max_bytes is not None:
            return max_bytes
        return int(self.settings.http.max_body_mb * 1024 * 1024)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff ``base * 2**attempt`` capped at ``backoff_max``, with jitter.

        "Equal jitter": half the delay is fixed, half random, so retries from parallel
        workers spread out yet never retry sooner than half the nominal delay.
        """
        http = self.settings.http
        nominal = min(http.backoff_max, http.backoff_base * (2.0**attempt))
        return nominal / 2 + self.rng.uniform(0, nominal / 2)

    def _server_wait(self, headers: Mapping[str, str]) -> float | None:
        """Seconds the server asked us to wait, from the first header that says so."""
        value = headers.get("retry-after")
        if value:
            seconds = _parse_retry_after(value, self.now())
            if seconds is not None:
                return seconds
        for name in ("ratelimit-reset", "x-ratelimit-reset"):
            value = headers.get(name)
            if value:
                seconds = _parse_reset(value.strip(), self.now())
                if seconds is not None:
                    return seconds
        value = headers.get("ratelimit")
        if value:
            match = _IETF_RESET.search(value)
            if match:
                return float(match.group(1))
        return None

    def _respect_quota(self, limiter: RateLimiter, headers: Mapping[str, str]) -> None:
        """After a success that used up the quota (``RateLimit: …;r=0;t=N``), pause the role.

        Hugging Face announces its quota in IETF ``RateLimit`` headers; waiting here avoids
        the 429 that the next request would otherwise get.
        """
        value = headers.get("ratelimit")
        if not value:
            return
        remaining = _IETF_REMAINING.search(value)
        reset = _IETF_RESET.search(value)
        if remaining and reset and int(remaining.group(1)) == 0:
            limiter.penalize(min(float(reset.group(1)), MAX_SERVER_WAIT))

    def _send_once(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        json_body: Any,
        cap: int,
        timeout: float | None,
        cached: CachedResponse | None,
        started: float,
    ) -> Response | tuple[int, dict[str, str], str]:
        """One round trip: a final :class:`Response`, or (status, headers, snippet) to retry.

        Raises:
            _RetryableTransport: a timeout, reset or truncated body (worth retrying).
            NotFoundError, BodyTooLargeError, HTTPError: final failures.
        """
        extra: dict[str, Any] = {}
        if json_body is not None:
            extra["json"] = json_body
        if timeout is not None:
            extra["timeout"] = timeout
        try:
            with self._client.stream(method, url, headers=headers, **extra) as r:
                status = r.status_code
                resp_headers = {k.lower(): v for k, v in r.headers.items()}
                if status == 304 and cached is not None:
                    elapsed = self.clock.monotonic() - started
                    return Response(url, 304, resp_headers, b"", from_cache=True, elapsed=elapsed)
                if status in RETRY_STATUSES:
                    body = _read_capped(r, ERROR_BODY_BYTES, url, truncate=True)
                    return status, resp_headers, _snippet(body)
                if status >= 400 or status == 304:
                    body = _read_capped(r, ERROR_BODY_BYTES, url, truncate=True)
                    raise _status_error(method, url, status, body)
                length = resp_headers.get("content-length")
                if length and length.isdigit() and int(length) > cap:
                    raise BodyTooLargeError(
                        f"{url} is {int(length):,} bytes, over the {cap:,}-byte cap; "
                        "raise http.max_body_mb if this is expected",
                        url,
                        status,
                    )
                content = _read_capped(r, cap, url)
                elapsed = self.clock.monotonic() - started
                return Response(url, status, resp_headers, content, elapsed=elapsed)
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise _RetryableTransport(exc) from exc
        except httpx.HTTPError as exc:
            raise HTTPError(
                f"{method} {url} failed: {type(exc).__name__}: {exc}; check the endpoint URL",
                url,
            ) from exc
        except httpx.InvalidURL as exc:
            raise HTTPError(f"invalid URL {url!r}: {exc}", url) from exc


class _RetryableTransport(Exception):
    """Internal: a transport failure that the retry loop may retry."""

    def __init__(self, exc: Exception) -> None:
        super().__init__(str(exc))
        self.exc = exc


def _from_cached(cached: CachedResponse, elapsed: float = 0.0) -> Response:
    return Response(
        url=cached.url,
        status=cached.status,
        headers=dict(cached.headers),
        content=cached.content,
        from_cache=True,
        elapsed=elapsed,
    )


def _read_capped(r: httpx.Response, cap: int, url: str, *, truncate: bool = False) -> bytes:
    """Read the streamed body, stopping at ``cap`` bytes.

    With ``truncate`` the excess is dropped (error bodies); otherwise it raises
    :class:`BodyTooLargeError` (real bodies must be whole).
    """
    buf = bytearray()
    for chunk in r.iter_bytes():
        buf += chunk
        if len(buf) > cap:
            if truncate:
                return bytes(buf[:cap])
            raise BodyTooLargeError(
                f"{url} sent more than {cap:,} bytes, over the size cap; "
                "raise http.max_body_mb if this is expected",
                url,
                r.status_code,
            )
    return bytes(buf)


def _snippet(body: bytes, limit: int = 200) -> str:
    text = body.decode("utf-8", errors="replace").strip()
    text = " ".join(text.split())
    return text[:limit]


def _status_error(method: str, url: str, status: int, body: bytes) -> HTTPError:
    snippet = _snippet(body)
    detail = f": {snippet}" if snippet else ""
    if status == 404:
        error: HTTPError = NotFoundError(f"{method} {url} answered 404 Not Found{detail}", url, 404)
    else:
        error = HTTPError(f"{method} {url} answered {status}{detail}", url, status)
    # Callers read e.g. arXiv's "No HTML for …" from it; not part of the pickled state.
    error.body = body.decode("utf-8", errors="replace")
    return error


def _parse_retry_after(value: str, now: float) -> float | None:
    """``Retry-After``: delta seconds or an HTTP date (RFC 9110 §10.2.3)."""
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now)


def _parse_reset(value: str, now: float) -> float | None:
    """``RateLimit-Reset`` / ``X-RateLimit-Reset``: delta seconds or a Unix timestamp."""
    try:
        number = float(value)
    except ValueError:
        return None
    if number > _EPOCH_THRESHOLD:
        return max(0.0, number - now)
    return max(0.0, number)
