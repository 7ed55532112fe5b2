"""The one HTTP policy that every request of paperdigest goes through, the LLM's included.

:class:`HttpClient` wraps a single :class:`httpx.Client` (one connection pool for all roles)
and applies, per request:

* pacing per endpoint role (``hf``, ``arxiv``, ``arxiv_api``, ``llm``, ``webhook``) with one
  :class:`~paperdigest.fetch.ratelimit.RateLimiter` each, rates from ``settings.limits``;
* request counting per role (:meth:`HttpClient.counters`), so the run's statistics have one
  source;
* one retry policy (tenacity): 429/500/502/503/504, resets, refused connections and
  truncated bodies are retried up to ``http.retries`` times, waiting what the server asks
  (``Retry-After`` / ``RateLimit-Reset`` / ``X-RateLimit-Reset`` / IETF ``RateLimit: …;t=N``),
  else exponential backoff with equal jitter; each retry logs one warning line (shown at the
  default verbosity), so a wait is never silent. A server that asks for more than
  ``http.max_wait`` seconds gets a :class:`RateLimitedError` at once (the request is given
  up, the reason recorded). A host name that does not resolve (DNS: no network, or a wrong
  URL) is not retried (a temporary DNS failure, ``EAI_AGAIN``, once): one line
  ``cannot resolve HOST (no network, or a wrong URL: check SETTING)``;
* a total deadline per attempt, connect and every read included (``http.deadline``; for the
  ``llm`` role ``llm.timeout``), enforced on the socket: a server that drips one byte every
  few seconds cannot keep a request alive past it;
* a body size cap on the *decompressed* body (``http.max_body_mb``), enforced while
  streaming, for every role;
* an on-disk cache with conditional requests (ETag / Last-Modified → 304), a ``max_age``
  shortcut that makes no request at all, :meth:`HttpClient.discard` for a body that a later
  stage found unusable, and ``refresh`` that never answers from the cache.

The OpenAI SDK talks through the same policy: :class:`PolicyTransport` is an httpx transport
that sends each SDK request through :meth:`HttpClient.request` (role ``llm``), so its pacing,
counting, deadline, cap and retries are these (the SDK's own retries are off). A ``check``
hook lets a caller turn a 200 into a retry (an error object inside a 200, as OpenRouter
sends) or a final error.

Every httpx exception is wrapped once into :mod:`paperdigest.errors`; callers catch
:class:`~paperdigest.errors.HTTPError` and its subclasses only. URLs in messages have their
userinfo masked (:func:`paperdigest.config.redact_url`); for the ``webhook`` role, whose
URLs carry their token in the path or query, only scheme and host are ever shown
(:func:`shown_url`).
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import random
import re
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import httpcore
import httpx
import tenacity

from .. import __version__
from ..clock import Now, utc_now
from ..config import Settings, redact_url
from ..errors import (
    BodyTooLargeError,
    DeadlineExceededError,
    HTTPError,
    NotFoundError,
    RateLimitedError,
)
from .cache import CachedResponse, ResponseCache
from .ratelimit import Clock, RateLimiter, SystemClock

logger = logging.getLogger(__name__)

USER_AGENT = f"paperdigest/{__version__} (+https://github.com/paperdigest/paperdigest)"

ROLES = ("hf", "arxiv", "arxiv_api", "llm", "webhook")
"""Endpoint roles; each has its own rate limit in ``settings.limits``."""

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Statuses worth retrying: rate limiting and transient server/gateway failures."""

ERROR_BODY_BYTES = 64 * 1024
"""How much of an error response body we read (for messages and ``NotFoundError.body``)."""

MAX_JSON_DEPTH = 200
"""Deepest JSON nesting :meth:`Response.json` accepts; deeper is a malformed reply (the
stdlib parser would raise ``RecursionError`` near 1,000 levels)."""

_EPOCH_THRESHOLD = 1_000_000_000
"""A reset value above this is a Unix timestamp (GitHub style), not a delta in seconds."""

ENDPOINT_SETTINGS = {
    "hf": "endpoints.hf_url",
    "arxiv": "endpoints.arxiv_url",
    "arxiv_api": "endpoints.arxiv_api_url",
    "llm": "llm.base_url",
    "webhook": "the webhook's url in [delivery]",
}
"""The setting that holds each role's URL, named when its host cannot be resolved."""

DNS_RETRIES = 1
"""Retries of a temporary DNS failure (``EAI_AGAIN``); a name that does not exist
(``EAI_NONAME``) is not retried: retrying cannot make it resolve."""

_IETF_RESET = re.compile(r"(?:^|[;,\s])(?:t|reset)\s*=\s*(\d+(?:\.\d+)?)")
_IETF_REMAINING = re.compile(r"(?:^|[;,\s])(?:r|remaining)\s*=\s*(\d+)")
_HOP_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "accept-encoding"}
)


@dataclass
class Response:
    """A complete (fully read, decompressed) HTTP response."""

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
    attempts: int = 1
    """Requests this response cost (retries included; 0 for a cache hit without request)."""

    def text(self) -> str:
        """The body decoded as UTF-8, invalid bytes replaced."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON.

        Raises:
            HTTPError: the body is not valid UTF-8 JSON or nests deeper than
                :data:`MAX_JSON_DEPTH` (one-line reason; never ``RecursionError``).
        """
        try:
            return parse_json(self.content)
        except ValueError as exc:
            snippet = self.content[:80].decode("utf-8", errors="replace")
            error = HTTPError(
                f"{redact_url(self.url)} answered {self.status} with a body that is not valid "
                f"JSON ({exc}; starts with {snippet!r}); is the endpoint URL right?",
                redact_url(self.url),
                self.status,
            )
            error.detail = f"not valid JSON: {exc}"
            raise error from None


def parse_json(data: bytes | str) -> Any:
    """Parse JSON text strictly: UTF-8 only, nesting at most :data:`MAX_JSON_DEPTH`.

    Raises:
        ValueError: with a one-line reason (not JSON, not UTF-8, nested too deeply).
    """
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"not UTF-8 (byte 0x{data[exc.start]:02x} at {exc.start})") from None
    else:
        text = data
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        return json.loads(text)
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise ValueError(f"nested more than {MAX_JSON_DEPTH} levels deep") from None
    except ValueError as exc:
        raise ValueError(str(exc).splitlines()[0]) from None


def json_depth(text: str) -> int:
    """The nesting depth of JSON ``text`` (brackets inside strings skipped), in one pass
    without recursion; it stops counting once past :data:`MAX_JSON_DEPTH`. Text with no more
    than that many brackets in all is 0 at once."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return 0
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest


class RetryReply(Exception):
    """Raised by a ``check`` hook: this 200 is really a retryable failure.

    Args:
        status: the status it stands for (e.g. the ``code`` of an error object in a 200).
        detail: the server's message, shown if the retries run out.
    """

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


Check = Callable[[Response], Response | None]
"""A hook run on every 2xx body before it is cached or returned: return a replacement
:class:`Response` (e.g. with the status an error object stands for), ``None`` to accept it,
raise :class:`RetryReply` to retry, or :class:`HTTPError` to fail."""


def require_type(*types: str) -> Check:
    """A :data:`Check` that accepts only these media types (``application/pdf``,
    ``text/html`` …), so an HTML interstitial served for a PDF or a JSON API fails at once,
    with a one-line reason, and is never cached."""
    wanted = {t.lower() for t in types}

    def check(response: Response) -> None:
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in wanted:
            shown = redact_url(response.url)
            raise HTTPError(
                f"{shown} answered {response.status} with Content-Type "
                f"{media or 'none'!r}, expected {' or '.join(sorted(wanted))}",
                shown,
                response.status,
            )

    return check


def require_json(response: Response) -> None:
    """A :data:`Check` that the body is UTF-8 JSON of sane depth (one-line reason if not)."""
    response.json()


@dataclass
class _Counters:
    by_role: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 0))
    llm_tokens_in: int = 0
    llm_tokens_out: int = 0
    llm_estimated_calls: int = 0
    llm_answered: int = 0
    llm_rejected: int = 0


class HttpClient:
    """One shared, polite HTTP client for all endpoint roles.

    Args:
        settings: timeouts, deadlines, retries, limits, body cap and cache switch are read
            from it.
        clock: monotonic clock used for pacing and every retry wait (tests pass a
            ``FakeClock``). Deadlines are enforced on sockets in real time.
        transport: an httpx transport (tests may pass ``httpx.MockTransport``); default: one
            that enforces the per-request deadline on every socket operation.
        cache: response cache; default: one under ``settings.cache_dir`` when
            ``settings.http.cache`` is on.
        rng: random source for backoff jitter.
        now: the wall clock (:data:`paperdigest.clock.Now`) for HTTP-date ``Retry-After``
            and epoch reset headers, and the default cache's ``stored_at``.
        refresh: never answer from the cache (``--refresh``); good bodies are still stored.
        no_cache: no cache at all, whatever the settings (e.g. a client for LLM calls only).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
        cache: ResponseCache | None = None,
        rng: random.Random | None = None,
        now: Now = utc_now,
        refresh: bool = False,
        no_cache: bool = False,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.rng = rng if rng is not None else random.Random()
        self.now = now
        self.refresh = refresh
        """When true, :meth:`get` never serves a cached body nor revalidates one."""
        limits = settings.limits
        # Rates are documented where they are set (config.LimitSettings): HF ~500 calls/5 min
        # for anonymous clients; arXiv API terms: at most 1 request every 3 s.
        self.limiters: dict[str, RateLimiter] = {
            role: RateLimiter(getattr(limits, role), self.clock) for role in ROLES
        }
        if cache is None and settings.http.cache and not no_cache:
            cache = ResponseCache(settings.cache_dir, now=now)
        self.cache = cache
        self._client = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(settings.http.timeout),
            follow_redirects=True,
            transport=transport if transport is not None else DeadlineTransport(),
        )
        # A client dropped without close() still releases its sockets when collected.
        weakref.finalize(self, self._client.close)
        self._count_lock = threading.Lock()
        self._counters = _Counters()
        self._local = threading.local()

    # ------------------------------------------------------------------ counters

    @property
    def request_count(self) -> int:
        """Requests actually sent to any server (cache hits without a request do not count)."""
        with self._count_lock:
            return sum(self._counters.by_role.values())

    def counters(self) -> dict[str, Any]:
        """A snapshot of everything this client sent, for the run's statistics.

        Keys: ``http_requests`` (all roles, retries and rejected LLM calls included),
        ``by_role`` (role → requests), ``llm_calls`` (= ``by_role["llm"]``),
        ``llm_failed_calls`` (LLM requests that got no 2xx chat completion — errors, retried
        statuses, timeouts — plus answered ones whose answer the caller's validation rejected:
        empty, refused, invalid JSON or schema; :meth:`record_llm_rejected`),
        ``llm_rejected_calls`` (those rejected answers alone),
        ``llm_tokens_in`` / ``llm_tokens_out`` (the server's ``usage`` of every answered
        LLM call, valid or not; estimated where the server sent none) and
        ``llm_estimated_calls`` (how many of those were estimated).
        """
        with self._count_lock:
            c = self._counters
            return {
                "http_requests": sum(c.by_role.values()),
                "by_role": dict(c.by_role),
                "llm_calls": c.by_role["llm"],
                "llm_failed_calls": c.by_role["llm"] - c.llm_answered + c.llm_rejected,
                "llm_rejected_calls": c.llm_rejected,
                "llm_tokens_in": c.llm_tokens_in,
                "llm_tokens_out": c.llm_tokens_out,
                "llm_estimated_calls": c.llm_estimated_calls,
            }

    def counters_since(self, before: Mapping[str, Any]) -> dict[str, Any]:
        """What was sent since the :meth:`counters` snapshot ``before`` (same keys): the
        numbers of one day or one run, e.g. ``RunStats.http_requests``/``llm_calls``/tokens."""
        now = self.counters()
        delta: dict[str, Any] = {}
        for key, value in now.items():
            if isinstance(value, dict):
                old = before.get(key) or {}
                delta[key] = {k: v - old.get(k, 0) for k, v in value.items()}
            else:
                delta[key] = value - before.get(key, 0)
        return delta

    def record_llm_usage(self, tokens_in: int, tokens_out: int, *, estimated: bool = False) -> None:
        """Add one answered LLM call's tokens to :meth:`counters` (called by the LLM client
        for every 2xx chat completion, whether its content later validates or not)."""
        with self._count_lock:
            c = self._counters
            c.llm_tokens_in += int(tokens_in)
            c.llm_tokens_out += int(tokens_out)
            c.llm_estimated_calls += int(estimated)
            c.llm_answered += 1

    def record_llm_rejected(self) -> None:
        """Count one answered LLM call whose answer was rejected by validation as failed
        (QA finding 8: 44 invalid answers reported ``llm_failed_calls: 0``). Its tokens were
        counted once by :meth:`record_llm_usage` and stay counted; it stays in ``llm_calls``."""
        with self._count_lock:
            self._counters.llm_rejected += 1

    def sent_by_this_thread(self) -> int:
        """Requests sent so far from the calling thread (a caller's own share of the count)."""
        return int(getattr(self._local, "sent", 0))

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
        check: Check | None = None,
    ) -> Response:
        """GET ``url`` politely and return the whole response (status 2xx or cached).

        Args:
            role: endpoint role whose rate limit applies (``hf``, ``arxiv``, ``arxiv_api``, ``llm``).
            params: query parameters appended to ``url``; part of the cache key.
            use_cache: consult and fill the cache (only when ``settings.http.cache`` is on).
            max_bytes: body cap in bytes, decompressed (default ``settings.http.max_body_mb`` MB).
            max_age: serve a cached entry younger than this many seconds without any request
                (``float('inf')`` for immutable resources such as versioned PDFs; never for
                arXiv HTML, which arXiv regenerates: revalidate it with ``None``).
            headers: extra request headers.
            check: run on a fresh 2xx body before it is cached or returned (see
                :data:`Check`; e.g. :func:`require_type`): a body that fails it is never
                cached.

        Raises:
            NotFoundError: 404 (not retried); ``.body`` holds the start of the body.
            RateLimitedError: still 429/503 after all retries, or the server asked to wait
                longer than ``http.max_wait``.
            DeadlineExceededError: no complete answer within the deadline.
            BodyTooLargeError: the body exceeds the cap.
            HTTPError: any other failure (4xx, 5xx after retries, transport errors).
        """
        full_url = _full_url(url, params)
        caching = self.cache is not None and self.settings.http.cache and use_cache
        cached = None
        if caching and not self.refresh and self.cache is not None:
            cached = self.cache.get(full_url)
        if cached is not None and cached.status == 200 and max_age is not None:
            # The cache's own wall clock stamped the entry, so it also judges its age.
            age = self.cache.timestamp() - cached.stored_at if self.cache is not None else math.inf
            if age < max_age:
                logger.debug("cache hit (age %.0f s): %s", age, redact_url(full_url))
                return _from_cached(cached, attempts=0)
        return self.request(
            "GET",
            full_url,
            role=role,
            headers=headers,
            max_bytes=max_bytes,
            cached=cached,
            store=caching,
            check=check,
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

    def discard(self, url: str, params: Mapping[str, str] | None = None) -> None:
        """Forget the cached body of ``url``: call it when a later stage finds the body
        unusable (unreadable HTML or PDF), so that the next run fetches it again instead of
        trusting a poisoned entry. No-op without a cache or entry."""
        if self.cache is not None:
            self.cache.discard(_full_url(url, params))

    def request(
        self,
        method: str,
        url: str,
        *,
        role: str,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        max_bytes: int | None = None,
        timeout: float | None = None,
        cached: CachedResponse | None = None,
        store: bool = False,
        check: Check | None = None,
        return_errors: bool = False,
    ) -> Response:
        """Send one logical request through the policy (see :meth:`get` for raises).

        Args:
            content: raw request body (instead of ``json_body``).
            timeout: the attempt's deadline in seconds (default ``http.deadline``, or
                ``llm.timeout`` for the ``llm`` role).
            cached: adds conditional headers; returned on 304.
            store: cache a 200 that passed ``check``.
            check: hook run on each 2xx body (see :data:`Check`).
            return_errors: return a final non-retryable 4xx (or a status ``check`` chose)
                as a :class:`Response` instead of raising (the SDK reads it).
        """
        limiter = self._limiter(role)
        cap = self._cap(max_bytes)
        shown = shown_url(url, role)
        send_headers = dict(headers or {})
        if cached is not None:
            if cached.etag:
                send_headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                send_headers["If-Modified-Since"] = cached.last_modified
        deadline = timeout if timeout is not None else self._deadline(role)
        http = self.settings.http
        attempts = http.retries + 1

        def attempt() -> Response:
            limiter.acquire()
            self._count(role)
            return self._send_once(
                method, url, shown, role, send_headers, json_body, content, cap, deadline,
                cached, check, return_errors,
            )

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(attempts) | _StopOnDns(),
            retry=tenacity.retry_if_exception_type(_Retry),
            wait=lambda state: self._wait(state, limiter),
            sleep=self.clock.sleep,
            before_sleep=lambda state: self._log_retry(state, method, shown, attempts),
            reraise=True,
        )
        sent_start = self.sent_by_this_thread()
        try:
            result = retrying(attempt)
        except _Retry as failure:
            raise failure.final(method, shown, attempts) from failure.cause
        result.attempts = self.sent_by_this_thread() - sent_start
        self._respect_quota(limiter, result.headers)
        if result.from_cache and self.cache is not None and cached is not None:
            self.cache.touch(url, result.headers)
            return _from_cached(cached, elapsed=result.elapsed, attempts=result.attempts)
        if store and result.status == 200 and self.cache is not None:
            self.cache.put(url, result.status, result.headers, result.content)
        return result

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

    def _count(self, role: str) -> None:
        with self._count_lock:
            self._counters.by_role[role] += 1
        self._local.sent = self.sent_by_this_thread() + 1

    def _cap(self, max_bytes: int | None) -> int:
        if max_bytes is not None:
            return max_bytes
        return int(self.settings.http.max_body_mb * 1024 * 1024)

    def _deadline(self, role: str) -> float:
        return self.settings.llm.timeout if role == "llm" else self.settings.http.deadline

    def _deadline_setting(self, role: str) -> str:
        return "llm.timeout" if role == "llm" else "http.deadline"

    def _wait(self, state: tenacity.RetryCallState, limiter: RateLimiter) -> float:
        """Seconds to wait before the next attempt (tenacity ``wait`` callable)."""
        failure = state.outcome.exception() if state.outcome is not None else None
        if isinstance(failure, _Retry) and failure.server_wait is not None:
            # The server told us when: make every request of this role wait that long (it is
            # the role's quota, not this URL's); the next acquire() does the waiting.
            limiter.penalize(failure.server_wait)
            return 0.0
        return self._backoff(state.attempt_number - 1)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff ``base * 2**attempt`` capped at ``backoff_max``, with jitter.

        "Equal jitter": half the delay is fixed, half random, so retries from parallel
        workers spread out yet never retry sooner than half the nominal delay.
        """
        http = self.settings.http
        nominal = min(http.backoff_max, http.max_wait, http.backoff_base * (2.0**attempt))
        return nominal / 2 + self.rng.uniform(0, nominal / 2)

    def _log_retry(
        self, state: tenacity.RetryCallState, method: str, shown: str, attempts: int
    ) -> None:
        failure = state.outcome.exception() if state.outcome is not None else None
        wait = state.upcoming_sleep
        if isinstance(failure, _Retry) and failure.server_wait is not None:
            wait = failure.server_wait
        if isinstance(failure, _Retry) and failure.dns:
            attempts = min(attempts, DNS_RETRIES + 1)
        # A warning, so that the default verbosity shows every wait (one line per retry).
        logger.warning(
            "%s %s: %s; retry %d/%d in %.1f s",
            method, shown, failure, state.attempt_number, attempts - 1, wait,
        )

    def _server_wait(self, headers: Mapping[str, str]) -> float | None:
        """Seconds the server asked us to wait, from the first header that says so."""
        value = headers.get("retry-after-ms")
        if value:
            try:
                return max(0.0, float(value) / 1000.0)
            except ValueError:
                pass
        value = headers.get("retry-after")
        if value:
            seconds = _parse_retry_after(value, self.now().timestamp())
            if seconds is not None:
                return seconds
        for name in ("ratelimit-reset", "x-ratelimit-reset"):
            value = headers.get(name)
            if value:
                seconds = _parse_reset(value.strip(), self.now().timestamp())
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
            limiter.penalize(min(float(reset.group(1)), self.settings.http.max_wait))

    def _retry_status(
        self, status: int, headers: dict[str, str], detail: str, shown: str
    ) -> _Retry:
        server_wait = self._server_wait(headers)
        max_wait = self.settings.http.max_wait
        if server_wait is not None and server_wait > max_wait:
            raise RateLimitedError(
                f"{shown} answered {status} and asks to wait {server_wait:.0f} s, more than "
                f"http.max_wait ({max_wait:g} s): gave up on this request; try again later",
                shown,
                status,
                retry_after=server_wait,
            )
        return _Retry(f"{status}" + (f" {detail}" if detail else ""), status=status,
                      detail=detail, server_wait=server_wait)

    def _send_once(
        self,
        method: str,
        url: str,
        shown: str,
        role: str,
        headers: dict[str, str],
        json_body: Any,
        content: bytes | None,
        cap: int,
        deadline: float,
        cached: CachedResponse | None,
        check: Check | None,
        return_errors: bool,
    ) -> Response:
        """One round trip within ``deadline`` seconds.

        Returns the final :class:`Response` (``attempts`` is set by :meth:`request`).

        Raises:
            _Retry: a retryable status, reset or truncated body.
            NotFoundError, BodyTooLargeError, DeadlineExceededError, HTTPError: final.
        """
        extra: dict[str, Any] = {}
        if json_body is not None:
            extra["json"] = json_body
        if content is not None:
            extra["content"] = content
        read_timeout = min(self._read_timeout(role), deadline)
        extra["timeout"] = httpx.Timeout(read_timeout, connect=min(read_timeout, deadline))
        started = self.clock.monotonic()
        ends_at = time.monotonic() + deadline
        try:
            with _deadline_scope(ends_at), self._client.stream(
                method, url, headers=headers, **extra
            ) as r:
                status = r.status_code
                resp_headers = {k.lower(): v for k, v in r.headers.items()}
                if status == 304 and cached is not None:
                    elapsed = self.clock.monotonic() - started
                    return Response(url, 304, resp_headers, b"", from_cache=True,
                                    elapsed=elapsed)
                if status in RETRY_STATUSES:
                    body = _read_capped(r, ERROR_BODY_BYTES, shown, ends_at, truncate=True)
                    raise self._retry_status(status, resp_headers, error_detail(body), shown)
                if status >= 400 or status == 304:
                    body = _read_capped(r, ERROR_BODY_BYTES, shown, ends_at, truncate=True)
                    if return_errors and status != 304:
                        return Response(url, status, resp_headers, body)
                    raise _status_error(method, shown, status, body)
                length = resp_headers.get("content-length")
                if length and length.isdigit() and int(length) > cap:
                    raise BodyTooLargeError(
                        f"{shown} is {int(length):,} bytes, over the {cap:,}-byte cap; "
                        "raise http.max_body_mb if this is expected",
                        shown,
                        status,
                    )
                body = _read_capped(r, cap, shown, ends_at)
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            dns = _dns_failure(exc)
            if dns is not None:
                host = httpx.URL(url).host
                message = (f"{method} {shown}: cannot resolve {host} (no network, or a wrong "
                           f"URL: check {ENDPOINT_SETTINGS.get(role, 'the endpoint URL')})")
                if dns.errno == getattr(socket, "EAI_AGAIN", None):
                    raise _Retry(f"cannot resolve {host} ({dns.strerror})", cause=exc,
                                 dns=message) from exc
                raise HTTPError(message, shown) from exc
            timed_out = isinstance(exc, httpx.TimeoutException)
            if time.monotonic() >= ends_at - 0.05 or (timed_out and role == "llm"):
                raise DeadlineExceededError(
                    f"{method} {shown}: no complete answer within {deadline:g} s "
                    f"({self._deadline_setting(role)}); gave up on this request",
                    shown,
                ) from exc
            detail = type(exc).__name__ if timed_out else (
                f"{type(exc).__name__}: {exc or 'no details'}")
            raise _Retry(detail, cause=exc) from exc
        except httpx.DecodingError as exc:
            raise HTTPError(
                f"{method} {shown} answered {status} with a body that cannot be decoded "
                f"({_one_line(exc)})",
                shown,
                status,
            ) from None
        except httpx.InvalidURL as exc:
            raise HTTPError(f"invalid URL {shown!r}: {_one_line(exc)}", shown) from None
        except httpx.HTTPError as exc:
            raise HTTPError(
                f"{method} {shown} failed: {type(exc).__name__}: {_one_line(exc)}; "
                "check the endpoint URL",
                shown,
            ) from exc
        elapsed = self.clock.monotonic() - started
        response = Response(url, status, resp_headers, body, elapsed=elapsed)
        if check is not None:
            try:
                replaced = check(response)
            except RetryReply as reply:
                if reply.status in RETRY_STATUSES:
                    raise self._retry_status(
                        reply.status, resp_headers, reply.detail, shown
                    ) from None
                raise HTTPError(
                    f"{method} {shown} answered {status} carrying error {reply.status}: "
                    f"{reply.detail}",
                    shown,
                    reply.status,
                ) from None
            if replaced is not None:
                response = replaced
        return response

    def _read_timeout(self, role: str) -> float:
        return self.settings.llm.timeout if role == "llm" else self.settings.http.timeout


class _Retry(Exception):
    """Internal: this attempt failed in a way the policy retries."""

    def __init__(
        self,
        summary: str,
        *,
        status: int | None = None,
        detail: str = "",
        server_wait: float | None = None,
        cause: BaseException | None = None,
        dns: str = "",
    ) -> None:
        super().__init__(summary)
        self.status = status
        self.detail = detail
        self.server_wait = server_wait
        self.cause = cause
        self.dns = dns
        """For a temporary DNS failure: the final message (retried :data:`DNS_RETRIES`)."""

    def final(self, method: str, shown: str, attempts: int) -> HTTPError:
        """The error to raise once the retries are spent."""
        if self.dns:
            return HTTPError(self.dns, shown)
        if self.status is None:
            exc = self.cause
            return HTTPError(
                f"{method} {shown} failed after {attempts} attempt(s): "
                f"{type(exc).__name__ if exc else 'error'}: {_one_line(exc) or 'no details'}",
                shown,
            )
        message = f"{method} {shown} answered {self.status} after {attempts} attempt(s)" + (
            f": {self.detail}" if self.detail else ""
        )
        error: HTTPError
        if self.status in (429, 503):
            error = RateLimitedError(
                message + "; wait and run again, or lower the rate in [limits]",
                shown,
                self.status,
                retry_after=self.server_wait,
            )
        else:
            error = HTTPError(message, shown, self.status)
        # For callers that word their own message (the LLM client); not pickled.
        error.detail = self.detail
        error.attempts = attempts
        return error


class _StopOnDns(tenacity.stop.stop_base):
    """tenacity ``stop``: a temporary DNS failure is retried :data:`DNS_RETRIES` times only."""

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        outcome = retry_state.outcome
        failure = outcome.exception() if outcome is not None else None
        return isinstance(failure, _Retry) and bool(failure.dns) and \
            retry_state.attempt_number > DNS_RETRIES


def _dns_failure(exc: BaseException) -> socket.gaierror | None:
    """The ``socket.gaierror`` (name resolution failed) behind an httpx connect error, if
    that is what it is (httpx → httpcore → gaierror, through ``__cause__``/``__context__``)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, socket.gaierror):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


# --------------------------------------------------------------------------- deadline transport

_SCOPE = threading.local()


@contextmanager
def _deadline_scope(ends_at: float) -> Iterator[None]:
    """Every socket operation of this thread inside the block ends by ``ends_at``
    (:func:`time.monotonic`)."""
    previous = getattr(_SCOPE, "ends_at", None)
    _SCOPE.ends_at = ends_at
    try:
        yield
    finally:
        _SCOPE.ends_at = previous


def _clamp(timeout: float | None, error: type[Exception]) -> float | None:
    ends_at: float | None = getattr(_SCOPE, "ends_at", None)
    if ends_at is None:
        return timeout
    remaining = ends_at - time.monotonic()
    if remaining <= 0:
        raise error("the request's total deadline passed")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write ends by the thread's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(
            ssl_context, server_hostname, _clamp(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sync socket backend with every timeout clamped to the thread's deadline."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, _clamp(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(
            path, _clamp(timeout, httpcore.ConnectTimeout), socket_options
        )
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's transport over a socket backend that enforces the per-request deadline.

    A per-read timeout alone lets a server that sends one byte every few seconds keep a
    request alive forever; here every connect, read and write gets at most what is left of
    the deadline that :class:`HttpClient` set for the request.
    """

    def __init__(self) -> None:
        super().__init__()
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20,
                              keepalive_expiry=5.0)
        # httpx builds its pool without a way to pass a network backend; rebuild it with ours
        # (same settings as httpx's defaults). Covered by the drip tests in test_faults.py.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_DeadlineBackend(),
        )


# --------------------------------------------------------------------------- the LLM's transport


class PolicyTransport(httpx.BaseTransport):
    """An httpx transport that sends every request through :meth:`HttpClient.request`.

    Hand ``httpx.Client(transport=PolicyTransport(http, "llm", check=…))`` to a library
    that wants its own httpx client (the OpenAI SDK): its requests are then paced, counted,
    capped, deadlined and retried by the one policy. Final 4xx answers are passed back for
    the library to read; failures of the policy (deadline, size cap, retries spent) raise
    :class:`~paperdigest.errors.HTTPError` subclasses through the library.
    """

    def __init__(
        self,
        http: HttpClient,
        role: str,
        *,
        check: Check | None = None,
        on_reply: Callable[[httpx.Request, Response | None], None] | None = None,
    ) -> None:
        self.http = http
        self.role = role
        self.check = check
        self.on_reply = on_reply

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS}
        try:
            response = self.http.request(
                request.method,
                str(request.url),
                role=self.role,
                headers=headers,
                content=body,
                check=self.check,
                return_errors=True,
            )
        except HTTPError:
            if self.on_reply is not None:
                self.on_reply(request, None)
            raise
        if self.on_reply is not None:
            self.on_reply(request, response)
        out_headers = [
            (k, v) for k, v in response.headers.items()
            if k not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx.Response(
            response.status, headers=out_headers, content=response.content, request=request
        )


# --------------------------------------------------------------------------- helpers

SECRET_URL_ROLES = frozenset({"webhook"})
"""Roles whose whole URL is a credential (Slack ``/services/T…/B…/secret``, DingTalk
``?access_token=…``): messages and logs show only ``scheme://host/…``."""


def shown_url(url: str, role: str) -> str:
    """``url`` as it may appear in a message or log line for ``role``: userinfo masked
    (:func:`~paperdigest.config.redact_url`), and for :data:`SECRET_URL_ROLES` everything after
    the host dropped."""
    if role not in SECRET_URL_ROLES:
        return redact_url(url)
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "(webhook URL)"
    return f"{parsed.scheme}://{parsed.host}" + (f":{parsed.port}" if parsed.port else "") + "/…"



def _full_url(url: str, params: Mapping[str, str] | None) -> str:
    try:
        parsed = httpx.URL(url)
        # copy_merge_params keeps a query already in ``url`` (URL(url, params=…) drops it).
        return str(parsed.copy_merge_params(dict(params)) if params else parsed)
    except httpx.InvalidURL as exc:
        raise HTTPError(
            f"invalid URL {redact_url(url)!r}: {_one_line(exc)}; check the endpoint settings",
            redact_url(url),
        ) from None


def _from_cached(cached: CachedResponse, elapsed: float = 0.0, attempts: int = 0) -> Response:
    return Response(
        url=cached.url,
        status=cached.status,
        headers=dict(cached.headers),
        content=cached.content,
        from_cache=True,
        elapsed=elapsed,
        attempts=attempts,
    )


def _read_capped(
    r: httpx.Response, cap: int, shown: str, ends_at: float, *, truncate: bool = False
) -> bytes:
    """Read the streamed body (decompressed), stopping at ``cap`` bytes or the deadline.

    With ``truncate`` the excess is dropped (error bodies); otherwise it raises
    :class:`BodyTooLargeError` (real bodies must be whole). The socket backend enforces the
    deadline on each read; the check here also covers transports without it.

    Raises:
        httpx.ReadTimeout: the deadline passed between two chunks.
    """
    buf = bytearray()
    for chunk in r.iter_bytes():
        buf += chunk
        if len(buf) > cap:
            if truncate:
                return bytes(buf[:cap])
            raise BodyTooLargeError(
                f"{shown} sent more than {cap:,} bytes (decompressed), over the size cap; "
                "raise http.max_body_mb if this is expected",
                shown,
                r.status_code,
            )
        if time.monotonic() > ends_at:
            raise httpx.ReadTimeout("the request's total deadline passed")
    return bytes(buf)


def _one_line(exc: object) -> str:
    text = str(exc or "")
    return " ".join(text.split())[:300]


def error_detail(body: bytes, limit: int = 300) -> str:
    """A one-line description of an error body: the ``message`` of a JSON error object
    (``{"error": {"message": …}}`` or ``{"error": "…"}``) when there is one, else the start of
    the body with whitespace collapsed."""
    text = body.decode("utf-8", errors="replace").strip()
    if text.startswith("{"):
        try:
            data = parse_json(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            err = data.get("error", data)
            if isinstance(err, dict) and err.get("message"):
                extra = [str(err[k]) for k in ("code", "type") if err.get(k)]
                text = str(err["message"]) + (f" ({', '.join(extra)})" if extra else "")
            elif isinstance(err, str):
                text = err
            elif isinstance(data.get("message"), str):
                text = data["message"]
    return " ".join(text.split())[:limit]


def _status_error(method: str, shown: str, status: int, body: bytes) -> HTTPError:
    detail = error_detail(body)
    detail = f": {detail}" if detail else ""
    if status == 404:
        error: HTTPError = NotFoundError(f"{method} {shown} answered 404 Not Found{detail}",
                                         shown, 404)
    else:
        error = HTTPError(f"{method} {shown} answered {status}{detail}", shown, status)
    # Callers read e.g. arXiv's "No HTML for …" from it; not part of the pickled state.
    error.body = body.decode("utf-8", errors="replace")
    return error


def _parse_retry_after(value: str, now: float) -> float | None:
    """``Retry-After``: delta seconds or an HTTP date (RFC 9110 §10.2.3)."""
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
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
    if not math.isfinite(number):
        return None
    if number > _EPOCH_THRESHOLD:
        return max(0.0, number - now)
    return max(0.0, number)
