"""Loopback fake servers for Hugging Face Daily Papers and arXiv, with fault injection.

Both serve the real recorded responses from ``../shared/corpus`` (never copied into the
repo) over a stdlib :class:`~http.server.ThreadingHTTPServer` on ``127.0.0.1`` and a random
port. Use them as context managers::

    with FakeHF(corpus) as hf, FakeArxiv(corpus) as arxiv:
        settings = fake_settings(hf=hf, arxiv=arxiv)
        ...

or through the ``hf_server`` / ``arxiv_server`` fixtures of :mod:`tests.fakes.fixtures`
(registered in tests/conftest.py). This module does not import pytest, so that
``python -m tests.fakes.serve`` runs them outside the test suite.

Conventions for what was never recorded (DESIGN §6), every such body is marked
``SYNTHESIZED`` in this file:

* an unrecorded HF date answers 200 ``[]``; a malformed date answers 400 with a JSON error;
* an unknown arXiv id answers 404 ``No HTML for '{id}'`` (``/html``) or 404 for ``/pdf``;
* the arXiv API answers an empty Atom feed for unknown ids, and merges the recorded
  single-id feeds when several ids are asked for at once.

Faults (:class:`Fault`) are queued per path prefix with ``server.inject(prefix, [...])``;
each fault is consumed by one request whose raw path (with query) starts with the prefix,
after which the server answers normally again. Every request is logged in
``server.requests`` as ``(method, raw path, headers)``.

Answers carry ``ETag`` and ``Last-Modified`` and honour ``If-None-Match`` /
``If-Modified-Since`` with 304, so that the HTTP cache is testable (switch off with
``server.validators = False``).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import os
import re
import socket
import struct
import sys
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from paperdigest.config import Settings
from tests.fakes.loopback import LoopbackServer

# A fixed validator date for in-memory bodies; corpus files use their mtime.
FAKE_LAST_MODIFIED = "Sat, 31 Jan 2026 03:24:53 GMT"

HF_DEFAULT_LIMIT = 50
"""Page size when ``limit`` is absent. The HF Hub API docs do not state one; 50 is our
assumption, and clients should always pass ``limit`` explicitly (DESIGN §5 uses 100)."""
HF_MAX_LIMIT = 100
"""Largest accepted ``limit``; bigger values answer 400 (third-party clients cap at 100)."""


# --------------------------------------------------------------------------- faults


@dataclass
class Fault:
    """One injected misbehaviour, consumed by one request."""

    kind: str
    """``status`` | ``slow`` | ``truncated`` | ``garbage_json`` | ``reset`` | ``drip`` |
    ``hang`` | ``reset_mid_body`` | ``gzip_bomb`` | ``huge``."""
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    seconds: float = 0.0
    size: int = 0
    """Bytes for ``gzip_bomb`` (decompressed size) and ``huge``."""

    @classmethod
    def http(
        cls, status: int, headers: Mapping[str, str] | None = None, body: bytes | str = b""
    ) -> Fault:
        """Answer ``status`` with the given headers and body (e.g. 429 + Retry-After)."""
        data = body.encode() if isinstance(body, str) else body
        return cls("status", status=status, headers=dict(headers or {}), body=data)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """Wait ``seconds`` (interrupted when the server stops), then answer normally."""
        return cls("slow", seconds=seconds)

    @classmethod
    def truncated(cls) -> Fault:
        """Announce the full Content-Length, send half the body, close the connection."""
        return cls("truncated")

    @classmethod
    def garbage_json(cls) -> Fault:
        """Answer 200 ``application/json`` with a body that is not JSON."""
        return cls("garbage_json")

    @classmethod
    def reset(cls) -> Fault:
        """Close the socket (RST) without sending any response."""
        return cls("reset")

    @classmethod
    def drip(cls, seconds: float) -> Fault:
        """Send the normal headers, then the body one byte every ``seconds`` (until the client
        gives up or the server stops)."""
        return cls("drip", seconds=seconds)

    @classmethod
    def hang(cls) -> Fault:
        """Accept the request and never answer (until the server stops)."""
        return cls("hang")

    @classmethod
    def reset_mid_body(cls) -> Fault:
        """Send the headers and half the normal body, then RST the connection."""
        return cls("reset_mid_body")

    @classmethod
    def gzip_bomb(cls, size: int = 1 << 30) -> Fault:
        """200 ``Content-Encoding: gzip``: about ``size / 1000`` bytes on the wire that
        decompress to ``size`` zero bytes (default 1 GiB)."""
        return cls("gzip_bomb", size=size)

    @classmethod
    def huge(cls, size: int = 200 << 20) -> Fault:
        """200 with a ``size``-byte body (default 200 MiB) sent without Content-Length, until
        the client stops reading."""
        return cls("huge", size=size)

    @classmethod
    def content(cls, body: bytes | str, content_type: str, status: int = 200) -> Fault:
        """Answer ``status`` with this exact body and Content-Type (wrong type, error JSON in
        a 200, non-UTF-8 bytes, absurdly nested JSON …)."""
        return cls.http(status, {"Content-Type": content_type}, body)


# SYNTHESIZED hostile bodies (no real server was recorded sending them).
NON_UTF8_JSON = b'{"title": "caf\xe9 \xff\xfe", "id": "2601.00001"}'
"""Latin-1 bytes where UTF-8 is promised."""
DEEP_JSON = b"[" * 100_000 + b"]" * 100_000
"""Nested 100,000 levels: the stdlib parser raises RecursionError on it."""
WRONG_TYPE_HTML = b"<!DOCTYPE html><html><body><h1>Just a moment...</h1></body></html>"
"""An HTML interstitial (captcha / login page) where JSON, a PDF or Atom was expected."""

_BOMBS: dict[int, bytes] = {}


def gzip_bomb_bytes(size: int) -> bytes:
    """Gzip data that decompresses to ``size`` zero bytes (built once per size)."""
    if size not in _BOMBS:
        import zlib

        packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
        chunk = bytes(1 << 20)
        parts = []
        left = size
        while left > 0:
            parts.append(packer.compress(chunk[: min(left, len(chunk))]))
            left -= len(chunk)
        parts.append(packer.flush())
        _BOMBS[size] = b"".join(parts)
    return _BOMBS[size]


def serve_raw_fault(
    handler: BaseHTTPRequestHandler,
    fault: Fault,
    body: bytes,
    content_type: str,
    stopping: threading.Event,
) -> bool:
    """Answer with one of the socket-level faults; False when ``fault`` is not one of them.

    ``body``/``content_type`` are what the server would normally send (drip and
    reset_mid_body send parts of it). Shared by every loopback fake (HF, arXiv, LLM).
    """
    if fault.kind == "hang":
        stopping.wait(600)
        handler.close_connection = True
        return True
    if fault.kind == "drip":
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.flush()
        for i in range(len(body)):
            if stopping.wait(fault.seconds):
                break
            handler.wfile.write(body[i : i + 1])
            handler.wfile.flush()
        handler.close_connection = True
        return True
    if fault.kind == "reset_mid_body":
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[: len(body) // 2])
        handler.wfile.flush()
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.close_connection = True
        return True
    if fault.kind == "gzip_bomb":
        data = gzip_bomb_bytes(fault.size)
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
        handler.close_connection = True
        return True
    if fault.kind == "huge":
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Connection", "close")
        handler.end_headers()
        chunk = b"x" * 65536
        sent = 0
        while sent < fault.size and not stopping.is_set():
            handler.wfile.write(chunk)
            sent += len(chunk)
        handler.close_connection = True
        return True
    return False


# SYNTHESIZED: a cut-off JSON document, like a proxy that died mid-answer.
GARBAGE_JSON = b'{"paper": {"id": "2601.0' + b"\x00\xff<html>502 Bad Gateway</html>"


@dataclass
class Reply:
    """What a fake answers for one request (before faults and validators)."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: str = FAKE_LAST_MODIFIED
    validators: bool = True
    """Add ETag / Last-Modified and honour conditional requests (200 answers only)."""


def _json_reply(data: Any, status: int = 200) -> Reply:
    return Reply(status=status, body=json.dumps(data, ensure_ascii=False).encode("utf-8"))


def _file_date(path: Path) -> str:
    return email.utils.formatdate(path.stat().st_mtime, usegmt=True)


# --------------------------------------------------------------------------- base server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real services
    server: _Server

    def do_GET(self) -> None:
        self.server.owner._dispatch(self, "GET")

    def do_HEAD(self) -> None:
        self.server.owner._dispatch(self, "HEAD")

    def do_POST(self) -> None:
        self.server.owner._dispatch(self, "POST")

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FakeServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out or that we reset on purpose are normal here, not noise.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class FakeServer(LoopbackServer):
    """Threaded loopback HTTP server with request log and per-prefix fault queues."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        """Every request as (method, raw path with query, headers)."""
        self.validators = True
        """Serve ETag/Last-Modified and answer conditional requests with 304."""
        self._faults: dict[str, deque[Fault]] = {}
        self._lock = threading.Lock()
        self._init_loopback()

    # -- lifecycle

    def _make_server(self) -> _Server:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.owner = self
        return server

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    # -- faults and the request log

    def inject(self, path_prefix: str, faults: Fault | Iterable[Fault]) -> None:
        """Queue faults for requests whose raw path (with query) starts with ``path_prefix``."""
        items = [faults] if isinstance(faults, Fault) else list(faults)
        with self._lock:
            self._faults.setdefault(path_prefix, deque()).extend(items)

    def pending_faults(self, path_prefix: str | None = None) -> int:
        """How many injected faults have not been consumed yet."""
        with self._lock:
            if path_prefix is not None:
                return len(self._faults.get(path_prefix, ()))
            return sum(len(q) for q in self._faults.values())

    def count(self, path_prefix: str = "/") -> int:
        """Number of requests whose raw path starts with ``path_prefix``."""
        with self._lock:
            return sum(1 for _, path, _ in self.requests if path.startswith(path_prefix))

    def _take_fault(self, raw_path: str) -> Fault | None:
        with self._lock:
            # Longest matching prefix first, so specific faults win over broad ones.
            for prefix in sorted(self._faults, key=len, reverse=True):
                queue = self._faults[prefix]
                if queue and raw_path.startswith(prefix):
                    return queue.popleft()
        return None

    # -- request handling

    def handle(self, method: str, path: str, query: dict[str, list[str]]) -> Reply:
        """The normal answer; subclasses implement it."""
        raise NotImplementedError

    def _dispatch(self, handler: _Handler, method: str) -> None:
        raw = handler.path
        headers = {k: v for k, v in handler.headers.items()}
        length = int(handler.headers.get("Content-Length") or 0)
        if length:
            handler.rfile.read(length)
        with self._lock:
            self.requests.append((method, raw, headers))
        try:
            self._answer(handler, method, raw)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            handler.close_connection = True  # the client went away (e.g. it timed out)

    def _answer(self, handler: _Handler, method: str, raw: str) -> None:
        fault = self._take_fault(raw)
        if fault is not None and fault.kind == "reset":
            # SO_LINGER 0: close() sends RST instead of FIN, like a dropped connection.
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            handler.close_connection = True
            return
        if fault is not None and fault.kind == "slow" and self._stopping.wait(fault.seconds):
            handler.close_connection = True  # the server is stopping: give up quietly
            return
        if fault is not None and fault.kind == "status":
            self._send(
                handler,
                method,
                fault.status,
                fault.body,
                {
                    "Content-Type": fault.headers.get("Content-Type", "text/plain; charset=utf-8"),
                    **fault.headers,
                },
            )
            return
        if fault is not None and fault.kind in ("drip", "hang", "reset_mid_body", "gzip_bomb",
                                                "huge"):
            parts = urlsplit(raw)
            normal = self.handle(method, parts.path, parse_qs(parts.query, keep_blank_values=True))
            serve_raw_fault(handler, fault, normal.body, normal.content_type, self._stopping)
            return
        if fault is not None and fault.kind == "garbage_json":
            self._send(
                handler,
                method,
                200,
                GARBAGE_JSON,
                {"Content-Type": "application/json; charset=utf-8"},
            )
            return

        parts = urlsplit(raw)
        reply = self.handle(method, parts.path, parse_qs(parts.query, keep_blank_values=True))
        out_headers = {"Content-Type": reply.content_type, **reply.headers}
        if reply.status == 200 and reply.validators and self.validators:
            etag = '"' + hashlib.sha256(reply.body).hexdigest()[:20] + '"'
            out_headers["ETag"] = etag
            out_headers["Last-Modified"] = reply.last_modified
            if _not_modified(handler, etag, reply.last_modified):
                self._send(
                    handler, method, 304, b"", {"ETag": etag, "Last-Modified": reply.last_modified}
                )
                return
        if fault is not None and fault.kind == "truncated":
            handler.send_response(reply.status)
            for key, value in out_headers.items():
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(reply.body)))
            handler.end_headers()
            handler.wfile.write(reply.body[: len(reply.body) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            return
        self._send(handler, method, reply.status, reply.body, out_headers)

    @staticmethod
    def _send(
        handler: _Handler, method: str, status: int, body: bytes, headers: Mapping[str, str]
    ) -> None:
        handler.send_response(status)
        for key, value in headers.items():
            if key.lower() != "content-length":
                handler.send_header(key, value)
        if status != 304:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if method != "HEAD" and status != 304 and body:
            handler.wfile.write(body)


def _not_modified(handler: _Handler, etag: str, last_modified: str) -> bool:
    inm = handler.headers.get("If-None-Match")
    if inm is not None:
        tags = {t.strip() for t in inm.split(",")}
        return etag in tags or "*" in tags
    ims = handler.headers.get("If-Modified-Since")
    if ims:
        try:
            since = email.utils.parsedate_to_datetime(ims)
            modified = email.utils.parsedate_to_datetime(last_modified)
        except (TypeError, ValueError):
            return False
        return modified <= since
    return False


# --------------------------------------------------------------------------- Hugging Face

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY_FILE = re.compile(r"^daily_papers_(\d{4}-\d{2}-\d{2})\.json$")


class FakeHF(FakeServer):
    """``GET /api/daily_papers`` from ``corpus/hf_api/daily_papers_<date>.json``.

    Only exact-name files are served by default; the same-day partial snapshots are
    reachable through ``days={"2026-01-30": "daily_papers_2026-01-30_partial-sameday-0804UTC.json"}``.
    ``days`` values may also be in-memory lists, and ``None`` hides a recorded day.
    """

    def __init__(
        self,
        corpus_dir: Path | None,
        days: Mapping[str, str | Path | list[dict[str, Any]] | None] | None = None,
    ) -> None:
        super().__init__()
        self._sources: dict[str, Path | list[dict[str, Any]]] = {}
        self._loaded: dict[str, list[dict[str, Any]]] = {}
        self.hf_dir = Path(corpus_dir) / "hf_api" if corpus_dir is not None else None
        if self.hf_dir is not None and self.hf_dir.is_dir():
            for path in sorted(self.hf_dir.iterdir()):
                match = _DAY_FILE.match(path.name)
                if match:
                    self._sources[match.group(1)] = path
        for day, source in (days or {}).items():
            self.set_day(day, source)

    def set_day(self, day: str, source: str | Path | list[dict[str, Any]] | None) -> None:
        """Serve ``source`` for ``?date=day``: a file name under hf_api/, a path, a list, or
        ``None`` to make the day unrecorded (200 ``[]``)."""
        with self._lock:
            self._loaded.pop(day, None)
            if source is None:
                self._sources.pop(day, None)
            elif isinstance(source, list):
                self._sources[day] = list(source)
            else:
                path = Path(source)
                if not path.is_absolute() and self.hf_dir is not None:
                    path = self.hf_dir / path
                self._sources[day] = path

    def add_day(self, day: str, items: list[dict[str, Any]]) -> None:
        """Register an extra day from an in-memory list of API items."""
        self.set_day(day, items)

    @property
    def days(self) -> list[str]:
        """Dates served, sorted."""
        with self._lock:
            return sorted(self._sources)

    def items(self, day: str) -> list[dict[str, Any]]:
        """The list served for ``?date=day`` (``[]`` when unrecorded)."""
        with self._lock:
            if day in self._loaded:
                return self._loaded[day]
            source = self._sources.get(day)
        if source is None:
            return []
        if isinstance(source, list):
            data = source
        else:
            data = json.loads(source.read_text(encoding="utf-8"))
        with self._lock:
            self._loaded[day] = data
        return data

    def _last_modified(self, days: list[str]) -> str:
        with self._lock:
            sources = [self._sources.get(d) for d in days]
        paths = [p for p in sources if isinstance(p, Path)]
        if not paths:
            return FAKE_LAST_MODIFIED
        newest = max(paths, key=lambda p: p.stat().st_mtime)
        return _file_date(newest)

    def handle(self, method: str, path: str, query: dict[str, list[str]]) -> Reply:
        if path.rstrip("/") != "/api/daily_papers":
            # SYNTHESIZED: the Hub's generic JSON 404.
            return _json_reply({"error": "Sorry, we can't find the page you are looking for."}, 404)
        try:
            limit = int(_one(query, "limit") or HF_DEFAULT_LIMIT)
            page = int(_one(query, "p") or 0)
        except ValueError:
            return _json_reply({"error": "Invalid limit or p parameter"}, 400)  # SYNTHESIZED
        if not 1 <= limit <= HF_MAX_LIMIT or page < 0:
            return _json_reply(  # SYNTHESIZED
                {"error": f'"limit" must be between 1 and {HF_MAX_LIMIT}, "p" at least 0'}, 400
            )
        days: list[str]
        if (value := _one(query, "date")) is not None:
            if not _DATE.match(value) or _parse_date(value) is None:
                return _json_reply({"error": f"Invalid date: {value}"}, 400)  # SYNTHESIZED
            days = [value]
        elif (value := _one(query, "week")) is not None:
            match = _WEEK.match(value)
            if not match:
                return _json_reply({"error": f"Invalid week: {value}"}, 400)  # SYNTHESIZED
            try:
                year, week = int(match.group(1)), int(match.group(2))
                days = [dt.date.fromisocalendar(year, week, d).isoformat() for d in range(1, 8)]
            except ValueError:
                return _json_reply({"error": f"Invalid week: {value}"}, 400)  # SYNTHESIZED
        elif (value := _one(query, "month")) is not None:
            match = _MONTH.match(value)
            if not match or not 1 <= int(match.group(2)) <= 12:
                return _json_reply({"error": f"Invalid month: {value}"}, 400)  # SYNTHESIZED
            days = [d for d in self.days if d.startswith(value + "-")]
        else:
            # No filter: the real API lists the latest papers; we serve the latest day.
            recorded = self.days
            days = recorded[-1:]
        items: list[dict[str, Any]] = []
        for day in days:
            items.extend(self.items(day))
        reply = _json_reply(items[page * limit : (page + 1) * limit])
        reply.last_modified = self._last_modified(days)
        return reply


def _one(query: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[0] if values else None


def _parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


# --------------------------------------------------------------------------- arXiv

_VERSIONED = re.compile(r"^(?P<base>.+?)(?:v(?P<v>\d+))?$")
_HTML_FILE = re.compile(r"^(?P<base>\d{4}\.\d{4,5})v(?P<v>\d+)\.html$")
# Whole-paper PDFs only: 2305.03393v1-page9-only.pdf is one page and must be mapped explicitly.
_PDF_FILE = re.compile(r"^(?P<base>\d{4}\.\d{4,5})(?:v(?P<v>\d+))?\.pdf$")
_ATOM_FILE = re.compile(r"^id_list_(?P<base>.+)\.xml$")

ATOM_NS = "http://www.w3.org/2005/Atom"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"

# SYNTHESIZED: the arXiv API never answered this for us; it copies the 2025+ feed header of
# the recorded id_list_*.xml files, with no entries.
EMPTY_FEED = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" \
xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/fake-empty-feed</id>
  <title>arXiv Query: search_query=&amp;id_list={ids}&amp;start=0&amp;max_results=10</title>
  <updated>2026-01-31T00:00:00Z</updated>
  <link href="https://arxiv.org/api/query?search_query=&amp;start=0&amp;max_results=10\
&amp;id_list={ids}" type="application/atom+xml"/>
  <opensearch:itemsPerPage>10</opensearch:itemsPerPage>
  <opensearch:totalResults>0</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
</feed>
"""


def stand_in_page(page: Path, title: str) -> bytes:
    """A recorded arXiv HTML page standing in for another paper's conversion, retitled.

    The acquire stage rejects a page whose title does not match the listed title (arXiv
    converted the wrong ``.tex``), so a stand-in carries the listed title in its ``<title>``
    and its ``h1.ltx_title_document``; the body stays the recorded paper's.
    """
    from html import escape

    body = page.read_bytes()
    safe = escape(title).encode("utf-8")
    body = re.sub(rb"<title>.*?</title>", b"<title>" + safe + b"</title>", body, count=1,
                  flags=re.DOTALL)
    return re.sub(rb'(<h1 class="ltx_title ltx_title_document">).*?(</h1>)',
                  lambda m: m.group(1) + safe + m.group(2), body, count=1, flags=re.DOTALL)


def split_version(ref: str) -> tuple[str, int | None]:
    """``2601.13621v1`` → ``("2601.13621", 1)``; ``2601.13621`` → ``("2601.13621", None)``."""
    match = _VERSIONED.match(ref)
    assert match is not None
    version = match.group("v")
    return match.group("base"), int(version) if version else None


Source = bytes | Path


class FakeArxiv(FakeServer):
    """arXiv HTML (``/html/{id}[vN]``), PDF (``/pdf/{id}[vN]``) and API (``/api/query``).

    Args:
        corpus_dir: the shared corpus (``None`` serves only the explicit mappings).
        html: id or idvN → HTML bytes or file; overrides the corpus.
        pdf: id or idvN → PDF bytes or file; overrides the corpus.
        atom: id → a recorded single-id Atom feed (bytes or file).
        no_html: ids answered 404 "No HTML for …" even when the corpus has them.
        no_pdf: ids answered 404 on ``/pdf`` even when the corpus has them.
    """

    def __init__(
        self,
        corpus_dir: Path | None,
        *,
        html: Mapping[str, Source] | None = None,
        pdf: Mapping[str, Source] | None = None,
        atom: Mapping[str, Source] | None = None,
        no_html: Iterable[str] = (),
        no_pdf: Iterable[str] = (),
    ) -> None:
        super().__init__()
        self.html: dict[str, Source] = {}
        self.pdf: dict[str, Source] = {}
        self.atom: dict[str, Source] = {}
        self.no_html = set(no_html)
        self.no_pdf = set(no_pdf)
        if corpus_dir is not None:
            corpus = Path(corpus_dir)
            for path in sorted((corpus / "arxiv_html").glob("*.html")):
                if m := _HTML_FILE.match(path.name):
                    self.html[f"{m.group('base')}v{m.group('v')}"] = path
            for path in sorted((corpus / "pdf").glob("*.pdf")):
                if m := _PDF_FILE.match(path.name):
                    key = m.group("base") + (f"v{m.group('v')}" if m.group("v") else "")
                    self.pdf[key] = path
            for path in sorted((corpus / "arxiv_atom").glob("id_list_*.xml")):
                if m := _ATOM_FILE.match(path.name):
                    self.atom[m.group("base")] = path
        self.html.update(html or {})
        self.pdf.update(pdf or {})
        self.atom.update(atom or {})

    @property
    def api_url(self) -> str:
        """Value for ``endpoints.arxiv_api_url``."""
        return f"{self.url}/api/query"

    def handle(self, method: str, path: str, query: dict[str, list[str]]) -> Reply:
        if path.startswith("/html/"):
            return self._document(
                path[len("/html/") :].strip("/"),
                self.html,
                self.no_html,
                "text/html; charset=utf-8",
                "HTML",
            )
        if path.startswith("/pdf/"):
            ref = path[len("/pdf/") :].strip("/").removesuffix(".pdf")
            return self._document(ref, self.pdf, self.no_pdf, "application/pdf", "PDF")
        if path.rstrip("/") == "/api/query":
            ids = [i.strip() for i in (_one(query, "id_list") or "").split(",") if i.strip()]
            return self._feed(ids)
        # SYNTHESIZED: plain 404 for anything else.
        return Reply(404, b"Not Found", "text/plain; charset=utf-8")

    def _document(
        self, ref: str, table: Mapping[str, Source], hidden: set[str], ctype: str, what: str
    ) -> Reply:
        base, version = split_version(ref)
        source = (
            self._lookup(base, version, table) if base not in hidden and ref not in hidden else None
        )
        if source is None:
            # SYNTHESIZED: arXiv's real 404 page says "No HTML for '{id}'" inside HTML chrome.
            body = f"No {what} for '{ref}'".encode()
            return Reply(404, body, "text/html; charset=utf-8", validators=False)
        if isinstance(source, Path):
            return Reply(200, source.read_bytes(), ctype, last_modified=_file_date(source))
        return Reply(200, source, ctype)

    @staticmethod
    def _lookup(base: str, version: int | None, table: Mapping[str, Source]) -> Source | None:
        if version is not None:
            exact = table.get(f"{base}v{version}")
            # An unversioned recording is "whatever version arXiv had": serve it for any vN.
            return exact if exact is not None else table.get(base)
        if base in table:
            return table[base]
        versions = [
            (v, src)
            for key, src in table.items()
            for b, v in [split_version(key)]
            if b == base and v is not None
        ]
        return max(versions, key=lambda pair: pair[0])[1] if versions else None

    def _feed(self, ids: list[str]) -> Reply:
        ctype = "application/atom+xml; charset=utf-8"
        known = [
            (i, self.atom[split_version(i)[0]]) for i in ids if split_version(i)[0] in self.atom
        ]
        if len(ids) == 1 and len(known) == 1:
            return Reply(200, _read(known[0][1]), ctype)  # recorded verbatim
        if not known:
            return Reply(200, EMPTY_FEED.format(ids=",".join(ids)).encode("utf-8"), ctype)
        return Reply(200, merge_feeds([_read(src) for _, src in known]), ctype)


def _read(source: Source) -> bytes:
    return source.read_bytes() if isinstance(source, Path) else source


def merge_feeds(feeds: list[bytes]) -> bytes:
    """One Atom feed holding the entries of all ``feeds``, with the first feed's header.

    SYNTHESIZED body: the real API answers several ids with one feed; we only recorded
    single-id answers, so we concatenate their entries.
    """
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(feeds[0], parser)
    for entry in root.findall(f"{{{ATOM_NS}}}entry"):
        root.remove(entry)
    count = 0
    for data in feeds:
        other = etree.fromstring(data, parser)
        for entry in other.findall(f"{{{ATOM_NS}}}entry"):
            root.append(entry)
            count += 1
    total = root.find(f"{{{OPENSEARCH_NS}}}totalResults")
    if total is not None:
        total.text = str(count)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


# --------------------------------------------------------------------------- helpers


def fake_settings(
    hf: FakeHF | None = None,
    arxiv: FakeArxiv | None = None,
    llm_url: str | None = None,
    *,
    fast: bool = True,
    **overrides: Any,
) -> Settings:
    """Settings pointing at the fakes; ``fast`` raises every rate limit to 1000/s.

    ``overrides`` are top-level Settings fields (e.g. ``home=str(tmp_path)``).
    """
    # Settings() itself reads no environment: take the per-test PAPERDIGEST_HOME (conftest)
    # so that caches and stores never land in the real ~/.paperdigest.
    data: dict[str, Any] = {"endpoints": {}}
    if os.environ.get("PAPERDIGEST_HOME"):
        data["home"] = os.environ["PAPERDIGEST_HOME"]
    if hf is not None:
        data["endpoints"]["hf_url"] = hf.url
    if arxiv is not None:
        data["endpoints"]["arxiv_url"] = arxiv.url
        data["endpoints"]["arxiv_api_url"] = arxiv.api_url
    if llm_url is not None:
        data["llm"] = {"base_url": llm_url}
    if fast:
        data["limits"] = {"hf": 1000.0, "arxiv": 1000.0, "arxiv_api": 1000.0, "llm": 1000.0}
    data.update(overrides)
    return Settings.model_validate(data)

