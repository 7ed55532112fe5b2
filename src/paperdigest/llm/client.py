"""One chat client for every OpenAI-compatible server, with structured-output fallback.

Every request goes through the one HTTP policy (:class:`paperdigest.fetch.http.HttpClient`,
role ``llm``): the OpenAI SDK gets an ``httpx.Client`` whose transport is a
:class:`~paperdigest.fetch.http.PolicyTransport`, and the SDK's own retries are off
(``max_retries=0``). So ``limits.llm`` paces LLM calls, they appear in the run's request
count, replies are capped by ``http.max_body_mb`` (decompressed), every call ends within
``llm.timeout`` (connect to last byte), and 429/5xx are retried by the same policy as every
other request — including an error object inside a 200 (OpenRouter and other gateways:
``{"error": {"code": 429, "message": …}}`` with no ``choices``), whose message is kept.

Servers differ in what ``response_format`` they accept (OpenAI: ``json_schema``; DeepSeek and
many vLLM/Ollama builds: ``json_object`` only; some llama.cpp/proxy setups: nothing). The
client tries, per request::

    json_schema  ──400──►  json_object  ──400──►  text (no response_format)

and remembers per ``(base_url, model)`` which mode worked, in the process-wide dict
:data:`MODE_MEMORY`. In the same way it learns the request parameters a model accepts
(:data:`PARAM_MEMORY`): OpenAI's reasoning models (gpt-5, o-series) answer 400 to
``max_tokens`` (they want ``max_completion_tokens``) and to any ``temperature`` but 1; the
client then retries without them and remembers. ``llm.token_param`` and
``llm.send_temperature`` set both explicitly.

The caller builds the messages per mode (a JSON prompt for the first two, a Markdown prompt
for ``text``); the client returns the raw answer text and the mode used. Parsing and the
repair round live with the summarizer (``paperdigest.summarize.openai``).

Errors (every failure is wrapped exactly once)::

    401/403                         → AuthError (stop the run; fix the key)
    400 "context length" wording    → ContextLengthError (repack smaller and retry)
    429, 5xx, reset, error-in-200   → retried by the HTTP policy, then LLMError
    cannot connect after retries    → LLMUnavailableError
    no answer within llm.timeout    → LLMError naming the setting to raise
    malformed / oversized reply     → LLMError with a one-line reason
    other 4xx                       → LLMError with the server's message
"""

from __future__ import annotations

import json
import logging
import re
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from ..config import redact_url
from ..errors import (
    AuthError,
    BodyTooLargeError,
    ContextLengthError,
    DeadlineExceededError,
    HTTPError,
    LLMError,
    LLMUnavailableError,
    PaperdigestError,
    RateLimitedError,
)

if TYPE_CHECKING:
    import openai

    from ..config import Settings
    from ..fetch.http import HttpClient, Response
    from ..fetch.ratelimit import Clock

logger = logging.getLogger(__name__)

#: Structured-output modes, strongest first.
MODES: tuple[str, ...] = ("json_schema", "json_object", "text")

Message = dict[str, Any]
MessagesFor = Callable[[str], list[Message]]

#: (base_url, model) → the mode that last worked; shared by all clients in this process.
MODE_MEMORY: dict[tuple[str, str], str] = {}
#: (base_url, model) → learned request parameters: ``token_param`` and ``temperature``
#: (False once the server rejected it).
PARAM_MEMORY: dict[tuple[str, str], dict[str, Any]] = {}
_MEMORY_LOCK = threading.Lock()

# OpenAI reasoning models (also behind gateways: "openai/gpt-5-mini", "o3-mini", "o4-mini").
_REASONING_MODEL = re.compile(r"^(?:.*/)?(?:gpt-5|o[1-9])(?:$|[-.:_])", re.IGNORECASE)

# Phrases servers use for an over-long prompt: OpenAI "maximum context length" /
# code "context_length_exceeded"; vLLM "This model's maximum context length is";
# llama.cpp/Ollama "too many tokens" / "exceeds the context size".
_CONTEXT_PHRASES = (
    "context_length_exceeded",
    "maximum context length",
    "context length",
    "too many tokens",
    "context size",
    "context window",
    "prompt is too long",
)
# Phrases that say the response_format parameter itself was the problem.
_FORMAT_PHRASES = ("response_format", "json_schema", "json_object", "unsupported", "not supported")
_UNSUPPORTED = ("unsupported", "not supported", "does not support", "only the default",
                "not allowed", "invalid")

# Error codes/types of error objects (in a 200 or an error status) → the status they mean.
_CODE_STATUS = {
    "rate_limit_exceeded": 429,
    "rate_limit_error": 429,
    "too_many_requests": 429,
    "insufficient_quota": 429,
    "server_error": 500,
    "internal_error": 500,
    "internal_server_error": 500,
    "api_error": 500,
    "bad_gateway": 502,
    "overloaded": 503,
    "overloaded_error": 503,
    "service_unavailable": 503,
    "timeout": 504,
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
}


def forget_modes() -> None:
    """Clear :data:`MODE_MEMORY` and :data:`PARAM_MEMORY` (tests; or after switching a
    server's model build)."""
    with _MEMORY_LOCK:
        MODE_MEMORY.clear()
        PARAM_MEMORY.clear()


@dataclass
class ChatAnswer:
    """One model answer as text, with how it was obtained."""

    text: str
    mode: str
    """``json_schema``, ``json_object`` or ``text``."""
    tokens_in: int = 0
    tokens_out: int = 0
    estimated: bool = False
    """True when the server sent no ``usage`` and the counts are our estimate."""
    refusal: str | None = None
    """``message.refusal`` when the model refused (OpenAI structured outputs)."""
    finish_reason: str | None = None
    calls: int = 1
    """HTTP requests this answer cost (rejected modes, rejected parameters and retries
    included)."""
    reasoning: str | None = None
    """``message.reasoning_content`` (DeepSeek-R1, Qwen3 via vLLM/SGLang), kept apart from
    the answer."""


def _estimate_tokens(text: str) -> int:
    # Lazy import: context.py owns the estimator (DESIGN §5, no tokenizer downloads).
    try:
        from ..context import estimate_tokens
    except ImportError:  # pragma: no cover - only while context.py is missing
        return max(1, len(text) // 4) if text else 0
    return int(estimate_tokens(text))


def _messages_text(messages: Sequence[Message]) -> str:
    return "\n".join(str(m.get("content") or "") for m in messages)


def _error_object_text(err: Any, fallback: str) -> str:
    if isinstance(err, dict) and err.get("message"):
        extra = [str(err[k]) for k in ("code", "param") if err.get(k)]
        return str(err["message"]) + (f" ({', '.join(extra)})" if extra else "")
    if isinstance(err, str) and err.strip():
        return err
    return fallback


def _error_text(exc: openai.APIStatusError) -> str:
    body = exc.body
    err = body.get("error", body) if isinstance(body, dict) else None
    text = _error_object_text(err, str(exc.message or f"HTTP {exc.status_code}"))
    return " ".join(text.split())[:500]


def _error_param(exc: openai.APIStatusError) -> str:
    body = exc.body
    err = body.get("error", body) if isinstance(body, dict) else None
    if isinstance(err, dict) and isinstance(err.get("param"), str):
        return str(err["param"])
    return ""


def error_status(err: Any) -> int:
    """The HTTP status an error object stands for: its numeric ``code``/``status``, else its
    ``code``/``type`` name (``rate_limit_exceeded`` → 429, ``server_error`` → 500 …), else 502
    (an upstream failure the gateway did not name)."""
    if isinstance(err, dict):
        for key in ("code", "status", "status_code"):
            value = err.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and 400 <= value <= 599:
                return value
            if isinstance(value, str) and value.isdigit() and 400 <= int(value) <= 599:
                return int(value)
        for key in ("code", "type"):
            value = err.get(key)
            if isinstance(value, str) and value.lower() in _CODE_STATUS:
                return _CODE_STATUS[value.lower()]
    return 502


def check_reply(response: Response, server: str = "LLM server",
                url_setting: str = "llm.base_url") -> Response | None:
    """The LLM role's check of every 2xx reply (a :data:`paperdigest.fetch.http.Check`);
    ``server`` and ``url_setting`` name the server and its URL setting in messages.

    Raises:
        RetryReply: an error object inside a 200 whose code is 429/5xx (retried with backoff).
        HTTPError: the body is not a JSON object (not UTF-8, garbage, nested absurdly deep),
            or a chat completion has no ``choices``.

    Returns:
        For an error object with another code, a response with that status and the error
        object as body (the SDK then raises the matching error, with the server's message).
    """
    from ..fetch.http import Response as HttpResponse
    from ..fetch.http import RetryReply, parse_json

    shown = redact_url(response.url)
    try:
        data = parse_json(response.content)
    except ValueError as exc:
        raise HTTPError(
            f"the {server} at {shown} sent a malformed reply ({exc}); "
            f"check {url_setting} and that it is an OpenAI-compatible /v1 endpoint",
            shown,
            response.status,
        ) from None
    if isinstance(data, dict) and data.get("error") and not data.get("choices"):
        err = data["error"]
        status = error_status(err)
        text = _error_object_text(err, "unnamed error")
        text = " ".join(text.split())[:500]
        if status == 429 or status >= 500:
            raise RetryReply(status, text)
        body = json.dumps({"error": err if isinstance(err, dict) else {"message": text}})
        return HttpResponse(response.url, status, dict(response.headers), body.encode("utf-8"),
                            elapsed=response.elapsed)
    chat = response.url.split("?")[0].rstrip("/").endswith("/chat/completions")
    if not isinstance(data, dict) or (chat and not isinstance(data.get("choices"), list)):
        raise HTTPError(
            f"the {server} at {shown} answered {response.status} without 'choices' "
            f"(not a chat completion); check {url_setting}",
            shown,
            response.status,
        )
    return None


class _SleepClock:
    """A clock whose waits go to an injected ``sleep`` and advance its own time (tests)."""

    def __init__(self, sleep: Callable[[float], None]) -> None:
        from ..fetch.ratelimit import FakeClock

        self._fake = FakeClock()
        self._sleep = sleep

    def monotonic(self) -> float:
        return self._fake.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._sleep(seconds)
            self._fake.sleep(seconds)


class ChatClient:
    """Chat completions against one OpenAI-compatible server (``settings.llm``).

    Thread-safe: one client can serve all of a run's concurrent papers.

    Args:
        settings: ``llm`` and ``http`` settings.
        http: the run's HTTP policy (pacing, counting, deadlines, caps, retries); default:
            a private one (its own ``limits.llm`` limiter and counters).
        http_client: same as ``http`` (the name the summarizer factory uses).
        sleep: only without ``http``: where retry waits go (tests record them).
        clock: only without ``http``: the policy's clock.
        server, url_setting: what error messages call the server and the setting that
            names its URL (the embeddings endpoint passes its own, e.g.
            ``--embeddings-url / PAPERDIGEST_EMBEDDINGS_URL``).

    Raises:
        ConfigError: no API key for a server that is not local
            (:meth:`~paperdigest.config.Settings.check_llm_key`).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        http: HttpClient | None = None,
        http_client: HttpClient | httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Clock | None = None,
        server: str = "LLM server",
        url_setting: str = "llm.base_url (OPENAI_BASE_URL)",
    ) -> None:
        import time as _time

        from ..fetch.http import HttpClient, PolicyTransport

        # A public server and no key: say so now, not as "cannot connect" after the retries.
        settings.check_llm_key()
        self.settings = settings
        self.base_url = settings.llm.base_url.rstrip("/")
        self.shown_url = redact_url(self.base_url)
        self.model = settings.llm.model
        self.server = server
        self.url_setting = url_setting
        if http is None and isinstance(http_client, HttpClient):
            http = http_client
        if http is None:
            if clock is None and sleep is not None and sleep is not _time.sleep:
                clock = _SleepClock(sleep)
            transport = None
            if isinstance(http_client, httpx.Client):
                # A caller's own httpx client: still sent through the one policy.
                transport = _ClientTransport(http_client)
            http = HttpClient(settings, clock=clock, transport=transport, no_cache=True)
            weakref.finalize(self, http.close)
        self.http = http
        self._sdk_http = httpx.Client(
            transport=PolicyTransport(
                http, "llm", check=lambda r: check_reply(r, server, url_setting),
                on_reply=self._on_reply),
            trust_env=False,  # proxies are the policy client's business
            timeout=None,
        )
        weakref.finalize(self, self._sdk_http.close)
        self._client: openai.OpenAI | None = None
        self._client_lock = threading.Lock()

    @property
    def calls(self) -> int:
        """LLM requests sent through this client's policy (all clients sharing it included)."""
        return int(self.http.counters()["by_role"]["llm"])

    def reject_answer(self) -> None:
        """The caller's validation rejected one answer this client returned: that call
        counts as failed in the run's ``llm_failed_calls`` (its tokens stay counted once)."""
        self.http.record_llm_rejected()

    @property
    def _openai(self) -> openai.OpenAI:
        # The SDK is imported and built on first use (about 1 s): a fully cached rerun
        # never pays for it.
        with self._client_lock:
            if self._client is None:
                import openai

                self._client = openai.OpenAI(
                    base_url=self.base_url,
                    # Local servers (vLLM, Ollama, llama.cpp) take any key; the SDK wants one.
                    api_key=self.settings.api_key() or "EMPTY",
                    timeout=self.settings.llm.timeout,
                    max_retries=0,  # one policy decides: fetch.http's
                    # openai>=3 types this as httpx2.Client but accepts a legacy httpx.Client
                    # at runtime (is_legacy_httpx_sync_client); our HTTP stack is httpx.
                    http_client=self._sdk_http,  # type: ignore[arg-type]
                )
            return self._client

    def close(self) -> None:
        """Close the SDK's connection (and the private policy client, if any)."""
        self._sdk_http.close()

    @property
    def memory_key(self) -> tuple[str, str]:
        return (self.base_url, self.model)

    def remembered_mode(self) -> str | None:
        with _MEMORY_LOCK:
            return MODE_MEMORY.get(self.memory_key)

    def _remember(self, mode: str) -> None:
        with _MEMORY_LOCK:
            if MODE_MEMORY.get(self.memory_key) != mode:
                logger.info("LLM %s at %s: using %s output", self.model, self.shown_url, mode)
            MODE_MEMORY[self.memory_key] = mode

    # ------------------------------------------------------------------ parameters

    def request_params(self) -> dict[str, Any]:
        """The output-budget field and temperature to send: configured, else learned for this
        server and model, else guessed from the model name."""
        llm = self.settings.llm
        with _MEMORY_LOCK:
            learned = dict(PARAM_MEMORY.get(self.memory_key, {}))
        reasoning = bool(_REASONING_MODEL.match(self.model))
        token_param = llm.token_param
        if token_param == "auto":
            token_param = learned.get(
                "token_param", "max_completion_tokens" if reasoning else "max_tokens"
            )
        send_temperature = llm.send_temperature
        if send_temperature == "auto":
            send_temperature = learned.get("temperature", not reasoning)
        params: dict[str, Any] = {token_param: llm.max_output_tokens}
        if send_temperature:
            params["temperature"] = llm.temperature
        return params

    def _learn(self, key: str, value: Any) -> None:
        with _MEMORY_LOCK:
            PARAM_MEMORY.setdefault(self.memory_key, {})[key] = value
        logger.info("LLM %s at %s: learned %s = %s", self.model, self.shown_url, key, value)

    def _param_rejected(self, status: int, text: str, param: str, sent: dict[str, Any]) -> bool:
        """Learn from a 400 that rejects ``max_tokens``/``temperature``; True to resend."""
        if status != 400:
            return False
        lowered = text.lower()
        llm = self.settings.llm
        if llm.token_param == "auto":
            for name, other in (("max_tokens", "max_completion_tokens"),
                                ("max_completion_tokens", "max_tokens")):
                named = param == name or f"'{name}'" in lowered or f"`{name}`" in lowered
                if name in sent and named and (
                    param == name or any(p in lowered for p in _UNSUPPORTED)
                ):
                    self._learn("token_param", other)
                    return True
        if llm.send_temperature == "auto" and "temperature" in sent:
            named = param == "temperature" or "temperature" in lowered
            if named and (param == "temperature" or any(p in lowered for p in _UNSUPPORTED)):
                self._learn("temperature", False)
                return True
        return False

    # ------------------------------------------------------------------ completions

    def complete_structured(
        self,
        messages: Sequence[Message] | MessagesFor,
        schema: dict[str, Any],
        schema_name: str,
    ) -> ChatAnswer:
        """Ask for a structured answer, falling back json_schema → json_object → text.

        Args:
            messages: the chat messages, or a function ``mode -> messages`` so the prompt can
                ask for JSON in the first two modes and Markdown in ``text`` mode. A plain
                list is sent unchanged in every mode (it must then mention "json").
            schema: JSON Schema for ``json_schema`` mode.
            schema_name: its name (``[a-zA-Z0-9_-]``).

        Returns:
            The answer text (possibly empty; validation is the caller's) and the mode used;
            ``calls`` counts every request it cost.

        Raises:
            AuthError: 401/403.
            ContextLengthError: the prompt is longer than the model's context.
            LLMUnavailableError: the server cannot be reached (after retries).
            LLMError: rate limited or server failing after all retries, no answer within
                ``llm.timeout``, a malformed or oversized reply, or the server rejected the
                plain request too.
        """
        started = self.http.sent_by_this_thread()
        start = self.remembered_mode() or MODES[0]
        for mode in MODES[MODES.index(start):]:
            msgs = list(messages(mode) if callable(messages) else messages)
            try:
                answer = self._complete(msgs, mode, schema, schema_name)
            except _ModeRejected as rejected:
                logger.info(
                    "LLM %s rejected %s output (%s); trying the next mode",
                    self.model, mode, rejected,
                )
                continue
            self._remember(mode)
            answer.calls = self.http.sent_by_this_thread() - started
            return answer
        raise LLMError("LLM server rejected every output mode")  # pragma: no cover

    def complete_text(self, messages: Sequence[Message]) -> ChatAnswer:
        """A plain chat completion (no ``response_format``); errors as above."""
        started = self.http.sent_by_this_thread()
        answer = self._complete(list(messages), "text", {}, "")
        answer.calls = self.http.sent_by_this_thread() - started
        return answer

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embeddings of ``texts`` from ``POST {llm.base_url}/embeddings`` with ``llm.model``,
        one vector per text, in order (used by ``paperdigest ask``, issue 17).

        Raises:
            AuthError, LLMUnavailableError, LLMError: as :meth:`complete_text`; LLMError
                also for a reply that is not a list of embeddings (the vectors' own values
                are the caller's to check: :meth:`paperdigest.ask.dense.Embedder.embed`).
        """
        with self._sdk_errors():
            try:
                response = self._openai.embeddings.create(model=self.model, input=list(texts))
                data = sorted(response.data, key=lambda item: item.index)
                return [list(item.embedding) for item in data]
            except (AttributeError, TypeError, ValueError, KeyError) as exc:
                # The SDK's parser met a reply of another shape ({"data": "nope"} …).
                raise LLMError(
                    f"the {self.server} at {self.shown_url} sent a malformed embeddings reply "
                    f"({type(exc).__name__}: {redact_url(str(exc))[:200]}); check "
                    f"{self.url_setting} and that it is an OpenAI-compatible /v1 endpoint"
                ) from None

    def _complete(
        self, messages: list[Message], mode: str, schema: dict[str, Any], schema_name: str
    ) -> ChatAnswer:
        for _ in range(3):  # at most two learned parameter changes
            kwargs: dict[str, Any] = {
                "model": self.model,
                "messages": messages,
                **self.request_params(),
            }
            if mode == "json_schema":
                kwargs["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": schema_name, "schema": schema, "strict": True},
                }
            elif mode == "json_object":
                kwargs["response_format"] = {"type": "json_object"}
            try:
                response = self._send(kwargs, mode)
            except _ParamRejected:
                continue
            return self._answer(response, messages, mode)
        raise LLMError(  # pragma: no cover - needs a server rejecting every variant
            f"{self.server} {self.shown_url} rejected the request parameters of {self.model}; "
            "set llm.token_param and llm.send_temperature"
        )

    def _send(self, kwargs: dict[str, Any], mode: str) -> Any:
        """The SDK's completion object; every failure mapped to our errors."""
        import openai

        with self._sdk_errors():
            try:
                return self._openai.chat.completions.create(**kwargs)
            except openai.APIStatusError as exc:
                if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
                    raise
                status = exc.status_code
                text = redact_url(_error_text(exc))
                lowered = text.lower()
                if status in (400, 413, 422) and any(p in lowered for p in _CONTEXT_PHRASES):
                    raise ContextLengthError(
                        f"prompt too long for {self.model}: {text}"
                    ) from None
                if self._param_rejected(status, text, _error_param(exc), kwargs):
                    raise _ParamRejected(text) from None
                if mode != "text" and (
                    status == 400
                    or (status == 422 and any(p in lowered for p in _FORMAT_PHRASES))
                ):
                    # Any 400 on a structured mode counts as "parameter unsupported": servers
                    # word it in many ways, and the next mode is cheaper to try than to parse.
                    raise _ModeRejected(text) from None
                raise LLMError(
                    f"{self.server} {self.shown_url} answered {status}: {text}"
                ) from None

    @contextmanager
    def _sdk_errors(self) -> Iterator[None]:
        """Map what an SDK call raises to our errors (the one mapping for every endpoint)."""
        import openai

        try:
            yield
        except PaperdigestError as exc:
            raise self._policy_error(exc) from exc
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            raise AuthError(
                f"{self.server} {self.shown_url} rejected the API key ({exc.status_code}): "
                f"set OPENAI_API_KEY, or name the variable that holds the key with "
                f"llm.api_key_env (now {self.settings.llm.api_key_env}), and check that "
                f"the key may use model {self.model!r}"
            ) from None
        except openai.APITimeoutError as exc:
            raise self._timeout_error() from exc
        except openai.APIConnectionError as exc:
            # openai<3 wraps what the transport raised; ours are in __cause__.
            if isinstance(exc.__cause__, PaperdigestError):
                raise self._policy_error(exc.__cause__) from exc.__cause__
            raise LLMUnavailableError(
                f"cannot connect to the {self.server} {self.shown_url} "
                f"({redact_url(str(exc)).rstrip('.')}): check {self.url_setting} "
                "and that the server is running"
            ) from exc
        except openai.APIStatusError as exc:
            text = redact_url(_error_text(exc))
            raise LLMError(
                f"{self.server} {self.shown_url} answered {exc.status_code}: {text}"
            ) from None
        except openai.OpenAIError as exc:
            raise LLMError(f"LLM request failed: {redact_url(str(exc))}") from exc

    def _timeout_error(self) -> LLMError:
        llm = self.settings.llm
        return LLMError(
            f"{self.server} {self.shown_url} gave no complete answer within llm.timeout = "
            f"{llm.timeout:g} s: raise llm.timeout (a small model on a CPU needs 600 or more), "
            f"or lower llm.context_tokens ({llm.context_tokens}) / llm.max_output_tokens "
            f"({llm.max_output_tokens}), or use a faster model"
        )

    def _policy_error(self, exc: PaperdigestError) -> LLMError:
        """Our error for a failure the HTTP policy raised through the SDK."""
        text = str(exc)
        if isinstance(exc, LLMError):
            return exc
        if isinstance(exc, DeadlineExceededError):
            return self._timeout_error()
        if isinstance(exc, BodyTooLargeError):
            return LLMError(f"LLM reply rejected: {text}")
        status = getattr(exc, "status", None)
        attempts = getattr(exc, "attempts", None)
        if isinstance(exc, HTTPError) and status is not None and attempts is not None:
            detail = getattr(exc, "detail", "")
            wait = (
                f" (it asked to wait {exc.retry_after:g} s)"
                if isinstance(exc, RateLimitedError) and exc.retry_after else ""
            )
            return LLMError(
                f"{self.server} {self.shown_url} answered {status} after {attempts} tries"
                f"{wait}: {detail or 'no message'}; lower --concurrency or limits.llm, "
                "or retry later"
            )
        if isinstance(exc, RateLimitedError):
            return LLMError(f"{self.server}: {text}; lower --concurrency or retry later")
        if isinstance(exc, HTTPError) and exc.status is None:
            return LLMUnavailableError(
                f"cannot connect to the {self.server} {self.shown_url} ({text}): check "
                f"{self.url_setting} and that the server is running"
            )
        return LLMError(f"{self.server}: {text}")

    def _on_reply(self, request: httpx.Request, response: Response | None) -> None:
        """Count one finished LLM request's tokens in the policy's counters (the one place
        calls and tokens are counted, whatever the caller later makes of the answer)."""
        if response is None or response.status >= 300:
            return
        try:
            data = json.loads(response.content)
        except ValueError:
            return
        usage = data.get("usage") if isinstance(data, dict) else None
        tokens_in = usage.get("prompt_tokens") if isinstance(usage, dict) else None
        tokens_out = usage.get("completion_tokens") if isinstance(usage, dict) else None
        if isinstance(tokens_in, int) and tokens_out is None and "choices" not in data:
            tokens_out = 0  # embeddings: input tokens only
        if isinstance(tokens_in, int) and isinstance(tokens_out, int):
            self.http.record_llm_usage(tokens_in, tokens_out)
            return
        try:
            sent = json.loads(request.content)
        except ValueError:
            sent = {}
        messages = sent.get("messages", []) if isinstance(sent, dict) else []
        choices = data.get("choices") if isinstance(data, dict) else None
        content = ""
        if isinstance(choices, list) and choices and isinstance(choices[0], dict):
            message = choices[0].get("message") or {}
            if isinstance(message, dict):
                content = str(message.get("content") or message.get("refusal") or "")
        self.http.record_llm_usage(
            _estimate_tokens(_messages_text(messages)), _estimate_tokens(content), estimated=True
        )

    def _answer(self, response: Any, messages: list[Message], mode: str) -> ChatAnswer:
        choices = getattr(response, "choices", None) or []
        message = choices[0].message if choices else None
        text = (getattr(message, "content", None) or "") if message is not None else ""
        refusal = getattr(message, "refusal", None) if message is not None else None
        reasoning = None
        if message is not None:
            extra = getattr(message, "model_extra", None) or {}
            value = extra.get("reasoning_content") or extra.get("reasoning")
            reasoning = value if isinstance(value, str) and value else None
        finish = getattr(choices[0], "finish_reason", None) if choices else None
        usage = getattr(response, "usage", None)
        tokens_in = getattr(usage, "prompt_tokens", None) if usage is not None else None
        tokens_out = getattr(usage, "completion_tokens", None) if usage is not None else None
        estimated = False
        if tokens_in is None or tokens_out is None:
            estimated = True
            tokens_in = _estimate_tokens(_messages_text(messages))
            tokens_out = _estimate_tokens(text or refusal or "")
        return ChatAnswer(
            text=text,
            mode=mode,
            tokens_in=int(tokens_in),
            tokens_out=int(tokens_out),
            estimated=estimated,
            refusal=refusal,
            finish_reason=finish,
            reasoning=reasoning,
        )


class _ClientTransport(httpx.BaseTransport):
    """Sends through a caller's own ``httpx.Client`` (its hooks and settings apply)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.client.send(request, stream=True)


class _ModeRejected(Exception):
    """The server rejected the response_format of this mode (internal)."""


class _ParamRejected(Exception):
    """The server rejected max_tokens/temperature; learned, resend (internal)."""
