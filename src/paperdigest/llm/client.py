"""One chat client for every OpenAI-compatible server, with structured-output fallback.

Servers differ in what ``response_format`` they accept (OpenAI: ``json_schema``; DeepSeek and
many vLLM/Ollama builds: ``json_object`` only; some llama.cpp/proxy setups: nothing). The
client tries, per request::

    json_schema  ──400──►  json_object  ──400──►  text (no response_format)

and remembers per ``(base_url, model)`` which mode worked, in the process-wide dict
:data:`MODE_MEMORY`, so the second paper of a run makes no rejected call. The memory is
in-process only (a new run probes again, costing at most two rejected calls).

The caller builds the messages per mode (a JSON prompt for the first two, a Markdown prompt
for ``text``); the client returns the raw answer text and the mode used. Parsing and the
repair round live with the summarizer (``paperdigest.summarize.openai``).

Errors (every ``openai`` exception is wrapped exactly once)::

    401/403                         → AuthError (stop the run; fix the key)
    400 "context length" wording    → ContextLengthError (repack smaller and retry)
    429, 5xx, connection reset      → retried with backoff (Retry-After honoured), then LLMError
    timeout, other 4xx              → LLMError
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import AuthError, ContextLengthError, LLMError, LLMUnavailableError

if TYPE_CHECKING:
    import httpx
    import openai

    from ..config import Settings

logger = logging.getLogger(__name__)

#: Structured-output modes, strongest first.
MODES: tuple[str, ...] = ("json_schema", "json_object", "text")

Message = dict[str, Any]
MessagesFor = Callable[[str], list[Message]]

#: (base_url, model) → the mode that last worked; shared by all clients in this process.
MODE_MEMORY: dict[tuple[str, str], str] = {}
_MEMORY_LOCK = threading.Lock()

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


def forget_modes() -> None:
    """Clear :data:`MODE_MEMORY` (tests; or after switching a server's model build)."""
    with _MEMORY_LOCK:
        MODE_MEMORY.clear()


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
    """HTTP requests this answer cost (rejected modes and retries included)."""


def _estimate_tokens(text: str) -> int:
    # Lazy import: context.py owns the estimator (DESIGN §5, no tokenizer downloads).
    try:
        from ..context import estimate_tokens
    except ImportError:  # pragma: no cover - only while context.py is missing
        return max(1, len(text) // 4) if text else 0
    return int(estimate_tokens(text))


def _messages_text(messages: Sequence[Message]) -> str:
    return "\n".join(str(m.get("content") or "") for m in messages)


def _error_text(exc: openai.APIStatusError) -> str:
    body = exc.body
    err = body.get("error", body) if isinstance(body, dict) else None
    if isinstance(err, dict) and err.get("message"):
        extra = [str(err[k]) for k in ("code", "param") if err.get(k)]
        return str(err["message"]) + (f" ({', '.join(extra)})" if extra else "")
    return str(exc.message or f"HTTP {exc.status_code}")


def _retry_after(exc: openai.APIStatusError) -> float | None:
    headers = exc.response.headers if exc.response is not None else {}
    value = headers.get("retry-after-ms")
    if value:
        try:
            return float(value) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:  # HTTP-date form (RFC 9110 §10.2.3)
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class ChatClient:
    """Chat completions against one OpenAI-compatible server (``settings.llm``).

    Thread-safe: one client can serve all of a run's concurrent papers.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.base_url = settings.llm.base_url.rstrip("/")
        self.model = settings.llm.model
        self._sleep = sleep
        self._lock = threading.Lock()
        self.calls = 0
        """HTTP requests sent (rejected and retried ones included)."""
        self.retries = settings.http.retries
        # Local servers (vLLM, Ollama, llama.cpp) take any key; the SDK insists on one.
        # max_retries=0: retries are ours, so that Retry-After and the sleep are testable.
        self._http_client = http_client
        self._client: openai.OpenAI | None = None

    @property
    def _openai(self) -> openai.OpenAI:
        # The SDK is imported and built on first use (about 1 s): a fully cached rerun
        # never pays for it.
        if self._client is None:
            import openai

            self._client = openai.OpenAI(
                base_url=self.base_url,
                api_key=self.settings.api_key() or "EMPTY",
                timeout=self.settings.llm.timeout,
                max_retries=0,
                # openai>=3 types this as httpx2.Client but accepts a legacy httpx.Client
                # at runtime (is_legacy_httpx_sync_client); our HTTP stack is httpx.
                http_client=self._http_client,  # type: ignore[arg-type]
            )
        return self._client

    @property
    def memory_key(self) -> tuple[str, str]:
        return (self.base_url, self.model)

    def remembered_mode(self) -> str | None:
        with _MEMORY_LOCK:
            return MODE_MEMORY.get(self.memory_key)

    def _remember(self, mode: str) -> None:
        with _MEMORY_LOCK:
            if MODE_MEMORY.get(self.memory_key) != mode:
                logger.info("LLM %s at %s: using %s output", self.model, self.base_url, mode)
            MODE_MEMORY[self.memory_key] = mode

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
            The answer text (possibly empty; validation is the caller's) and the mode used.

        Raises:
            AuthError: 401/403.
            ContextLengthError: the prompt is longer than the model's context.
            LLMError: rate limited or server failing after all retries, timeout, connection
                failure, or the server rejected the plain request too.
        """
        start = self.remembered_mode() or MODES[0]
        rejected_calls = 0
        for mode in MODES[MODES.index(start):]:
            msgs = list(messages(mode) if callable(messages) else messages)
            try:
                answer = self._complete(msgs, mode, schema, schema_name)
            except _ModeRejected as rejected:
                rejected_calls += rejected.calls
                logger.info(
                    "LLM %s rejected %s output (%s); trying the next mode",
                    self.model, mode, rejected,
                )
                continue
            self._remember(mode)
            answer.calls += rejected_calls
            return answer
        raise LLMError("LLM server rejected every output mode")  # pragma: no cover

    def complete_text(self, messages: Sequence[Message]) -> ChatAnswer:
        """A plain chat completion (no ``response_format``); errors as above."""
        return self._complete(list(messages), "text", {}, "")

    def _complete(
        self, messages: list[Message], mode: str, schema: dict[str, Any], schema_name: str
    ) -> ChatAnswer:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.settings.llm.temperature,
            "max_tokens": self.settings.llm.max_output_tokens,
        }
        if mode == "json_schema":
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": schema, "strict": True},
            }
        elif mode == "json_object":
            kwargs["response_format"] = {"type": "json_object"}
        response, calls = self._send(kwargs, mode)
        answer = self._answer(response, messages, mode)
        answer.calls = calls
        return answer

    def _send(self, kwargs: dict[str, Any], mode: str) -> tuple[Any, int]:
        """The completion and how many requests it took."""
        import openai

        client = self._openai
        attempt = 0
        while True:
            with self._lock:
                self.calls += 1
            try:
                return client.chat.completions.create(**kwargs), attempt + 1
            except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
                raise AuthError(
                    f"LLM server {self.base_url} rejected the API key ({exc.status_code}): "
                    f"set OPENAI_API_KEY, or name the variable that holds the key with "
                    f"llm.api_key_env (now {self.settings.llm.api_key_env}), and check that "
                    f"the key may use model {self.model!r}"
                ) from exc
            except openai.APITimeoutError as exc:
                raise LLMError(
                    f"LLM server {self.base_url} did not answer within "
                    f"{self.settings.llm.timeout:g} s: raise llm.timeout or use a faster model"
                ) from exc
            except openai.APIConnectionError as exc:
                if attempt >= self.retries:
                    raise LLMUnavailableError(
                        f"cannot connect to the LLM server {self.base_url} "
                        f"({str(exc).rstrip('.')}): check llm.base_url (OPENAI_BASE_URL) "
                        "and that the server is running"
                    ) from exc
                delay = self._backoff(attempt, None)
            except openai.APIStatusError as exc:
                status = exc.status_code
                text = _error_text(exc)
                lowered = text.lower()
                if status in (400, 413, 422) and any(p in lowered for p in _CONTEXT_PHRASES):
                    raise ContextLengthError(
                        f"prompt too long for {self.model}: {text}"
                    ) from exc
                if mode != "text" and (
                    status == 400
                    or (status == 422 and any(p in lowered for p in _FORMAT_PHRASES))
                ):
                    # Any 400 on a structured mode counts as "parameter unsupported": servers
                    # word it in many ways, and the next mode is cheaper to try than to parse.
                    raise _ModeRejected(text, attempt + 1) from exc
                if status == 429 or status >= 500:
                    if attempt >= self.retries:
                        raise LLMError(
                            f"LLM server {self.base_url} answered {status} after "
                            f"{attempt + 1} tries: {text}; lower --concurrency or retry later"
                        ) from exc
                    delay = self._backoff(attempt, _retry_after(exc))
                else:
                    raise LLMError(f"LLM server {self.base_url} answered {status}: {text}") from exc
            except openai.OpenAIError as exc:
                raise LLMError(f"LLM request failed: {exc}") from exc
            logger.warning("LLM request failed, retry %d in %.1f s", attempt + 1, delay)
            self._sleep(delay)
            attempt += 1

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        http = self.settings.http
        if retry_after is not None:
            return min(retry_after, http.backoff_max)
        return float(min(http.backoff_base * (2**attempt), http.backoff_max))

    def _answer(self, response: Any, messages: list[Message], mode: str) -> ChatAnswer:
        choices = getattr(response, "choices", None) or []
        message = choices[0].message if choices else None
        text = (getattr(message, "content", None) or "") if message is not None else ""
        refusal = getattr(message, "refusal", None) if message is not None else None
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
        )


class _ModeRejected(Exception):
    """The server rejected the response_format of this mode (internal)."""

    def __init__(self, message: str, calls: int) -> None:
        super().__init__(message)
        self.calls = calls
