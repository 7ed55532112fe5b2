"""A loopback OpenAI-compatible chat server for tests.

``FakeLLM`` is a stdlib ``ThreadingHTTPServer`` on ``127.0.0.1`` (random port) that answers
``POST /v1/chat/completions`` and ``GET /v1/models`` like an OpenAI-compatible server (vLLM,
Ollama, DeepSeek …). What the model says comes from a *responder*: a callable that receives
the request JSON and returns either the assistant's content (``str``), a JSON object to send
as the content (``dict`` without ``choices``), or a whole completion body (``dict`` with
``choices``).

Faults are queued with :meth:`FakeLLM.inject`; each queued fault answers exactly one request,
in order, before the responder is asked again::

    with FakeLLM(lambda req: {"domain": "NLP", ...}) as llm:
        llm.inject([LLMFault(429, headers={"Retry-After": "2"}), "empty"])
        settings.llm.base_url = llm.base_url

All bodies produced here are synthesized by this fake (no real server was recorded); the
error bodies follow the shape of OpenAI's documented error object
(``{"error": {"message", "type", "code"}}``).
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.loopback import LoopbackServer
from tests.fakes.servers import Fault as RawFault
from tests.fakes.servers import serve_raw_fault

Responder = Callable[[dict[str, Any]], "str | dict[str, Any]"]

#: String faults understood by :meth:`FakeLLM.inject`.
FAULT_NAMES = ("empty", "invalid_json", "refusal", "context_length")

#: Synthesized refusal text (the shape models use; also sent as ``message.refusal``).
REFUSAL_TEXT = "I'm sorry, I can't help with that request."

#: Synthesized context-length error, worded like OpenAI's ``context_length_exceeded``.
CONTEXT_LENGTH_BODY: dict[str, Any] = {
    "error": {
        "message": (
            "This model's maximum context length is 8192 tokens. However, your messages "
            "resulted in 12000 tokens. Please reduce the length of the messages."
        ),
        "type": "invalid_request_error",
        "param": "messages",
        "code": "context_length_exceeded",
    }
}

REJECT_RESPONSE_FORMAT_BODY: dict[str, Any] = {
    "error": {
        "message": "response_format is not supported",
        "type": "invalid_request_error",
        "param": "response_format",
        "code": None,
    }
}

REJECT_JSON_SCHEMA_BODY: dict[str, Any] = {
    "error": {
        "message": "response_format type 'json_schema' is unsupported by this model",
        "type": "invalid_request_error",
        "param": "response_format",
        "code": None,
    }
}

_ARXIV_LINE = re.compile(r"arXiv:\s*(\d{4}\.\d{4,5})")


@dataclass
class LLMFault:
    """One scripted HTTP error answer."""

    status: int
    body: dict[str, Any] | str | None = None
    """JSON error object (default: a generic OpenAI-style error for the status)."""
    headers: dict[str, str] = field(default_factory=dict)


Fault = LLMFault | RawFault | str
"""An HTTP error answer, a socket/body-level fault shared with the HF/arXiv fakes
(:class:`tests.fakes.servers.Fault`: drip, hang, reset_mid_body, truncated, gzip_bomb, huge,
content …; drip/reset/bomb carry a normal completion as their body), or a named fault."""


def arxiv_id_of(request: dict[str, Any]) -> str:
    """The arXiv id named by a line ``arXiv: NNNN.NNNNN`` in the request's messages.

    Raises:
        ValueError: no message contains such a line.
    """
    for message in request.get("messages", []):
        content = message.get("content")
        if isinstance(content, list):  # content parts
            content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        match = _ARXIV_LINE.search(str(content or ""))
        if match:
            return match.group(1)
    raise ValueError("no 'arXiv: NNNN.NNNNN' line in the request messages")


def mode_of(request: dict[str, Any]) -> str:
    """``json_schema``, ``json_object`` or ``text`` (no ``response_format``)."""
    fmt = request.get("response_format")
    if not fmt:
        return "text"
    return str(fmt.get("type", "text"))


def _prompt_text(request: dict[str, Any]) -> str:
    return "\n".join(str(m.get("content") or "") for m in request.get("messages", []))


def _error_body(status: int) -> dict[str, Any]:
    kinds = {
        400: ("Bad request", "invalid_request_error"),
        401: ("Incorrect API key provided.", "invalid_request_error"),
        403: ("You are not allowed to use this model.", "invalid_request_error"),
        429: ("Rate limit reached, please try again later.", "rate_limit_error"),
        500: ("The server had an error while processing your request.", "server_error"),
        503: ("The server is overloaded.", "server_error"),
    }
    message, kind = kinds.get(status, (f"HTTP {status}", "server_error"))
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


class FakeLLM(LoopbackServer):
    """Loopback OpenAI-compatible server; use as a context manager.

    Attributes:
        calls: chat completion requests received (faults and rejections included).
        requests: their JSON bodies, in arrival order.
        headers: their HTTP headers (lower-cased names), in arrival order.
        max_concurrent: peak number of chat requests in flight at the same time.
    """

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        reject_response_format: bool = False,
        reject_json_schema: bool = False,
        delay: float = 0.0,
        usage: bool = True,
        model: str = "fake-model",
    ) -> None:
        self.responder: Responder = responder or (lambda request: "ok")
        self.reject_response_format = reject_response_format
        """Answer 400 to any request that carries ``response_format``."""
        self.reject_json_schema = reject_json_schema
        """Answer 400 only to ``response_format.type == "json_schema"``."""
        self.delay = delay
        """Seconds each chat answer takes (server side), for concurrency tests."""
        self.usage = usage
        """Include a ``usage`` object in answers."""
        self.model = model
        self.calls = 0
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.max_concurrent = 0
        self._in_flight = 0
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._init_loopback()

    # -- lifecycle -------------------------------------------------------------------------

    def _make_server(self) -> ThreadingHTTPServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        return server

    @property
    def base_url(self) -> str:
        """OpenAI-style base URL, e.g. ``http://127.0.0.1:54321/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    # -- scripting -------------------------------------------------------------------------

    def inject(self, faults: Iterable[Fault]) -> None:
        """Queue faults; each answers one upcoming chat request, in order.

        A fault is an :class:`LLMFault` (HTTP error) or one of ``"empty"`` (empty content),
        ``"invalid_json"`` (content that is not JSON), ``"refusal"`` (``message.refusal``
        set, no content) or ``"context_length"`` (400 ``context_length_exceeded``).
        """
        faults = list(faults)
        for fault in faults:
            if isinstance(fault, str) and fault not in FAULT_NAMES:
                raise ValueError(f"unknown fault {fault!r}; use one of {FAULT_NAMES}")
        with self._lock:
            self._faults.extend(faults)

    @property
    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    # -- request handling (called from server threads) -------------------------------------

    def _handle_chat(self, request: dict[str, Any], headers: dict[str, str]) -> _Answer:
        with self._lock:
            self.calls += 1
            self.requests.append(request)
            self.headers.append(headers)
            self._in_flight += 1
            self.max_concurrent = max(self.max_concurrent, self._in_flight)
            fault = self._faults.pop(0) if self._faults else None
        try:
            if self.delay:
                time.sleep(self.delay)
            return self._answer(request, fault)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _answer(self, request: dict[str, Any], fault: Fault | None) -> _Answer:
        if isinstance(fault, RawFault):
            normal = self._completion(request, "ok")
            return _Answer(200, normal, raw=fault)
        if isinstance(fault, LLMFault):
            body = fault.body if fault.body is not None else _error_body(fault.status)
            return _Answer(fault.status, body, dict(fault.headers))
        if fault == "context_length":
            return _Answer(400, CONTEXT_LENGTH_BODY)
        fmt = request.get("response_format")
        if fmt and self.reject_response_format:
            return _Answer(400, REJECT_RESPONSE_FORMAT_BODY)
        if fmt and self.reject_json_schema and fmt.get("type") == "json_schema":
            return _Answer(400, REJECT_JSON_SCHEMA_BODY)
        if fault == "empty":
            return _Answer(200, self._completion(request, ""))
        if fault == "invalid_json":
            return _Answer(200, self._completion(request, "{this is not json"))
        if fault == "refusal":
            return _Answer(200, self._completion(request, None, refusal=REFUSAL_TEXT))
        try:
            result = self.responder(request)
        except Exception as exc:  # noqa: BLE001 - surface responder bugs as a 500 for the test
            return _Answer(500, {"error": {"message": f"responder failed: {exc!r}",
                                           "type": "server_error"}})
        if isinstance(result, dict) and "choices" in result:
            return _Answer(200, result)
        content = result if isinstance(result, str) else json.dumps(result, ensure_ascii=False)
        return _Answer(200, self._completion(request, content))

    def _completion(
        self, request: dict[str, Any], content: str | None, refusal: str | None = None
    ) -> dict[str, Any]:
        with self._lock:
            number = self.calls
        body: dict[str, Any] = {
            "id": f"chatcmpl-fake-{number}",
            "object": "chat.completion",
            "created": 1769817600,  # 2026-01-31T00:00:00Z, fixed for determinism
            "model": request.get("model", self.model),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": refusal},
                    "finish_reason": "stop",
                }
            ],
        }
        if self.usage:
            # Rough chars/4 counts: the fake has no tokenizer, tests only need stable numbers.
            prompt = max(1, len(_prompt_text(request)) // 4)
            completion = len(content or refusal or "") // 4
            body["usage"] = {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
        return body


@dataclass
class _Answer:
    status: int
    body: dict[str, Any] | str
    headers: dict[str, str] = field(default_factory=dict)
    raw: RawFault | None = None


def _make_handler(fake: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
            return

        def _send(self, answer: _Answer) -> None:
            if answer.raw is not None:
                self._send_raw(answer)
                return
            payload = (
                answer.body
                if isinstance(answer.body, str)
                else json.dumps(answer.body, ensure_ascii=False)
            ).encode("utf-8")
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def _send_raw(self, answer: _Answer) -> None:
            fault = answer.raw
            assert fault is not None
            body = json.dumps(answer.body, ensure_ascii=False).encode("utf-8")
            try:
                if fault.kind == "status":
                    self.send_response(fault.status)
                    for name, value in fault.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(fault.body)))
                    self.end_headers()
                    self.wfile.write(fault.body)
                elif fault.kind == "truncated":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.close_connection = True
                elif fault.kind == "reset":
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.close_connection = True
                elif not serve_raw_fault(self, fault, body, "application/json", fake._stopping):
                    raise ValueError(f"FakeLLM cannot serve fault kind {fault.kind!r}")
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                self.close_connection = True  # the client gave up (deadline, size cap)

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                self._send(_Answer(200, {"object": "list", "data": [
                    {"id": fake.model, "object": "model", "owned_by": "fake"}]}))
            else:
                self._send(_Answer(404, {"error": {"message": f"no route {self.path}",
                                                   "type": "invalid_request_error"}}))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(_Answer(404, {"error": {"message": f"no route {self.path}",
                                                   "type": "invalid_request_error"}}))
                return
            try:
                request = json.loads(raw or b"{}")
            except ValueError:
                self._send(_Answer(400, {"error": {"message": "body is not JSON",
                                                   "type": "invalid_request_error"}}))
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            self._send(fake._handle_chat(request, headers))

    return Handler
