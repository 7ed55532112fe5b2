"""Fault × service table (issue 11): every hostile reply against every service role.

Each cell sends one request of a role through the one HTTP policy (the LLM's through the
OpenAI SDK and :class:`~paperdigest.fetch.http.PolicyTransport`) to a loopback fake that
misbehaves once (or persistently), and checks the outcome: recovered after a retry, or one
clear error of the documented class whose one-line message names the reason; never a
traceback type such as ``RecursionError`` or ``UnicodeDecodeError``; never a cached bad body.

Deadlines are configured short (``http.deadline`` / ``llm.timeout`` = 0.5 s) so that drip and
hang end quickly; the deadline's effect is asserted through the recorded reason, and the
pytest timeout is only the wall-clock guard. Retry waits go to a FakeClock. docs/reliability.md
lists these cells with their outcomes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from paperdigest.config import Settings
from paperdigest.errors import (
    BodyTooLargeError,
    DeadlineExceededError,
    HTTPError,
    LLMError,
    PaperdigestError,
    RateLimitedError,
)
from paperdigest.fetch import FakeClock, HttpClient, ResponseCache
from paperdigest.fetch.http import require_json, require_type
from paperdigest.llm.client import ChatClient, forget_modes
from tests.fakes.llm import FakeLLM, LLMFault
from tests.fakes.servers import (
    DEEP_JSON,
    GARBAGE_JSON,
    NON_UTF8_JSON,
    WRONG_TYPE_HTML,
    FakeArxiv,
    FakeHF,
    Fault,
    fake_settings,
    gzip_bomb_bytes,
)

pytestmark = pytest.mark.timeout(60)

HF_DAY = "/api/daily_papers?date=2026-01-30"
MESSAGES = [{"role": "user", "content": "Return json.\narXiv: 2601.21872"}]
ANSWER = {"domain": "NLP"}
SCHEMA = {"type": "object", "properties": {"domain": {"type": "string"}}}


@dataclass
class World:
    hf: FakeHF
    arxiv: FakeArxiv
    llm: FakeLLM
    http: HttpClient
    chat: ChatClient
    cache: ResponseCache


def _settings(hf: FakeHF, arxiv: FakeArxiv, llm: FakeLLM, home: Path) -> Settings:
    settings = fake_settings(
        hf, arxiv, llm.base_url, home=str(home),
        http={"timeout": 5.0, "deadline": 0.5, "retries": 1, "max_wait": 60.0,
              "max_body_mb": 2.0},
    )
    settings.llm.timeout = 0.5
    settings.llm.model = "fake-model"
    return settings


@pytest.fixture
def world(corpus: Path, tmp_path: Path) -> Iterator[World]:
    forget_modes()
    with FakeHF(corpus) as hf, FakeArxiv(corpus) as arxiv, FakeLLM(lambda r: ANSWER) as llm:
        settings = _settings(hf, arxiv, llm, tmp_path)
        cache = ResponseCache(tmp_path / "cache")
        http = HttpClient(settings, clock=FakeClock(), cache=cache, rng=random.Random(3))
        chat = ChatClient(settings, http=http)
        try:
            yield World(hf, arxiv, llm, http, chat, cache)
        finally:
            chat.close()
            http.close()


# --------------------------------------------------------------------------- roles


@dataclass
class Role:
    name: str
    inject: Callable[[World, Any], None]
    call: Callable[[World], Any]
    requests: Callable[[World], int]
    url: Callable[[World], str | None]
    """The cache key of the request (None: never cached)."""


def _hf_call(w: World) -> Any:
    return w.http.get(w.hf.url + HF_DAY, role="hf", check=require_json).json()


def _html_call(w: World) -> Any:
    return w.http.get(w.arxiv.url + "/html/2510.11260", role="arxiv",
                      check=require_type("text/html"))


def _pdf_call(w: World) -> Any:
    return w.http.get(w.arxiv.url + "/pdf/1505.01373", role="arxiv",
                      check=require_type("application/pdf"))


def _api_call(w: World) -> Any:
    return w.http.get(w.arxiv.api_url, role="arxiv_api", params={"id_list": "2601.12538"},
                      check=require_type("application/atom+xml"))


def _llm_call(w: World) -> Any:
    return w.chat.complete_structured(MESSAGES, SCHEMA, "summary")


def _server_inject(server: str, prefix: str) -> Callable[[World, Any], None]:
    def inject(w: World, faults: Any) -> None:
        getattr(w, server).inject(prefix, faults)

    return inject


def _llm_inject(w: World, faults: Any) -> None:
    w.llm.inject(faults if isinstance(faults, list) else [faults])


ROLES = {
    "hf": Role("hf", _server_inject("hf", "/api/daily_papers"), _hf_call,
               lambda w: w.hf.count("/api/daily_papers"), lambda w: w.hf.url + HF_DAY),
    "arxiv_html": Role("arxiv_html", _server_inject("arxiv", "/html/"), _html_call,
                       lambda w: w.arxiv.count("/html/"),
                       lambda w: w.arxiv.url + "/html/2510.11260"),
    "arxiv_pdf": Role("arxiv_pdf", _server_inject("arxiv", "/pdf/"), _pdf_call,
                      lambda w: w.arxiv.count("/pdf/"),
                      lambda w: w.arxiv.url + "/pdf/1505.01373"),
    "arxiv_api": Role("arxiv_api", _server_inject("arxiv", "/api/query"), _api_call,
                      lambda w: w.arxiv.count("/api/query"),
                      lambda w: w.arxiv.api_url + "?id_list=2601.12538"),
    "llm": Role("llm", _llm_inject, _llm_call, lambda w: w.llm.calls, lambda w: None),
}

# --------------------------------------------------------------------------- faults

# What each role normally serves, so a "wrong content type" is wrong for that role.
_RIGHT_TYPE = {
    "hf": "application/json", "arxiv_html": "text/html", "arxiv_pdf": "application/pdf",
    "arxiv_api": "application/atom+xml", "llm": "application/json",
}


def _wrong_type(role: str) -> Any:
    if role == "arxiv_html":
        return Fault.content(b'{"error": "login required"}', "application/json")
    return Fault.content(WRONG_TYPE_HTML, "text/html; charset=utf-8")


def _typed(body: bytes) -> Callable[[str], Any]:
    return lambda role: Fault.content(body, _RIGHT_TYPE[role])


def _error_json(role: str) -> Any:
    if role == "llm":  # OpenRouter-style: HTTP 200, an error object, no choices
        return LLMFault(200, {"error": {"code": 503, "message": "upstream overloaded"}})
    if role == "hf":  # an error object where a list was expected (HF's own 200 JSON)
        return Fault.content(b'{"error": "Internal Error"}', "application/json")
    return Fault.http(500, {"Content-Type": "application/json"},
                      b'{"error": {"message": "backend failed"}}')


OK = "ok"
DELIVERED = "delivered"
"""The transport hands the body on unchanged: judging it is the consumer's (the Atom parser,
the HTML/PDF extractor, the HF item validation), see docs/reliability.md."""

# fault name → (fault for a role, {role: expected}); expected is OK/DELIVERED with the number
# of requests, or (error class, words the one-line message must contain).
Expected = tuple[str, int] | tuple[type[BaseException], str]
FAULTS: dict[str, tuple[Callable[[str], Any], dict[str, Expected]]] = {
    "drip": (lambda role: Fault.drip(0.25), {
        **{r: (DeadlineExceededError, "http.deadline") for r in
           ("hf", "arxiv_html", "arxiv_pdf", "arxiv_api")},
        "llm": (LLMError, "llm.timeout"),
    }),
    "hang": (lambda role: Fault.hang(), {
        **{r: (DeadlineExceededError, "http.deadline") for r in
           ("hf", "arxiv_html", "arxiv_pdf", "arxiv_api")},
        "llm": (LLMError, "llm.timeout"),
    }),
    "reset_mid_body": (lambda role: Fault.reset_mid_body(), {r: (OK, 2) for r in ROLES}),
    "truncated": (lambda role: Fault.truncated(), {r: (OK, 2) for r in ROLES}),
    "wrong_content_type": (_wrong_type, {
        **{r: (HTTPError, "Content-Type") for r in ("arxiv_html", "arxiv_pdf", "arxiv_api")},
        "hf": (HTTPError, "not valid JSON"),
        "llm": (LLMError, "malformed reply"),
    }),
    "garbage": (_typed(GARBAGE_JSON), {
        "hf": (HTTPError, "not valid JSON"),
        "llm": (LLMError, "malformed reply"),
        **{r: (DELIVERED, 1) for r in ("arxiv_html", "arxiv_pdf", "arxiv_api")},
    }),
    "gzip_bomb": (lambda role: _bomb(256 << 20), {
        **{r: (BodyTooLargeError, "size cap") for r in
           ("hf", "arxiv_html", "arxiv_pdf", "arxiv_api")},
        "llm": (LLMError, "size cap"),
    }),
    "huge_body": (lambda role: Fault.huge(64 << 20), {
        **{r: (BodyTooLargeError, "size cap") for r in
           ("hf", "arxiv_html", "arxiv_pdf", "arxiv_api")},
        "llm": (LLMError, "size cap"),
    }),
    "429_long_retry_after": (lambda role: _status(role, 429, {"Retry-After": "250"}), {
        **{r: (RateLimitedError, "http.max_wait") for r in
           ("hf", "arxiv_html", "arxiv_pdf", "arxiv_api")},
        "llm": (LLMError, "http.max_wait"),
    }),
    "503_long_retry_after": (lambda role: _status(role, 503, {"Retry-After": "250"}), {
        **{r: (RateLimitedError, "http.max_wait") for r in
           ("hf", "arxiv_html", "arxiv_pdf", "arxiv_api")},
        "llm": (LLMError, "http.max_wait"),
    }),
    "error_json": (_error_json, {
        "hf": (DELIVERED, 1),
        **{r: (OK, 2) for r in ("arxiv_html", "arxiv_pdf", "arxiv_api", "llm")},
    }),
    "non_utf8": (_typed(NON_UTF8_JSON), {
        "hf": (HTTPError, "not UTF-8"),
        "llm": (LLMError, "not UTF-8"),
        **{r: (DELIVERED, 1) for r in ("arxiv_html", "arxiv_pdf", "arxiv_api")},
    }),
    "deep_json": (_typed(DEEP_JSON), {
        "hf": (HTTPError, "nested more than"),
        "llm": (LLMError, "nested more than"),
        **{r: (DELIVERED, 1) for r in ("arxiv_html", "arxiv_pdf", "arxiv_api")},
    }),
}


def _bomb(size: int) -> Fault:
    gzip_bomb_bytes(size)  # built before the request, so the server answers at once
    return Fault.gzip_bomb(size)


def _status(role: str, status: int, headers: dict[str, str]) -> Any:
    if role == "llm":
        return LLMFault(status, headers=headers)
    return Fault.http(status, headers)


CELLS = [(fault, role) for fault in FAULTS for role in ROLES]


@pytest.mark.parametrize(("fault", "role"), CELLS, ids=[f"{f}-{r}" for f, r in CELLS])
def test_fault_cell(world: World, fault: str, role: str) -> None:
    make, outcomes = FAULTS[fault]
    expected = outcomes[role]
    spec = ROLES[role]
    spec.inject(world, make(role))
    kind, detail = expected
    if kind in (OK, DELIVERED):
        result = spec.call(world)
        assert result is not None
        assert spec.requests(world) == detail
    else:
        assert isinstance(kind, type)
        with pytest.raises(PaperdigestError) as info:
            spec.call(world)
        error = info.value
        assert isinstance(error, kind), f"{type(error).__name__}: {error}"
        message = str(error)
        assert "\n" not in message and str(detail) in message, message
        assert not isinstance(error.__cause__, RecursionError | UnicodeDecodeError)
        url = spec.url(world)
        if url is not None:  # a body that failed its check is never cached
            assert world.cache.get(url) is None
    # Every request of the cell went through the one policy and was counted there.
    assert world.http.counters()["by_role"][spec_role(role)] == spec.requests(world)


def spec_role(role: str) -> str:
    return {"arxiv_html": "arxiv", "arxiv_pdf": "arxiv"}.get(role, role)


def test_the_table_covers_every_fault_for_every_role() -> None:
    assert len(FAULTS) == 13 and len(ROLES) == 5
    for fault, (_, outcomes) in FAULTS.items():
        assert set(outcomes) == set(ROLES), fault


# --------------------------------------------------------------------------- unresolvable host

NO_SUCH_HOST = "paperdigest-nxdomain.invalid"
"""A name under RFC 6761's ``.invalid``; the resolver is replaced, so no DNS query is made."""

_ROLE_SETTING = {"hf": "endpoints.hf_url", "arxiv_html": "endpoints.arxiv_url",
                 "arxiv_pdf": "endpoints.arxiv_url", "arxiv_api": "endpoints.arxiv_api_url",
                 "llm": "llm.base_url"}


def _unresolvable(monkeypatch: pytest.MonkeyPatch, errno: int, text: str) -> None:
    """Make :data:`NO_SUCH_HOST` fail name resolution as the C library does (``gaierror``);
    every other name (the loopback fakes) resolves as usual."""
    import socket

    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == NO_SUCH_HOST:
            raise socket.gaierror(errno, text)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def nowhere(world: World) -> Iterator[World]:
    """The world with every endpoint on a host that does not resolve (same HttpClient)."""
    base = f"http://{NO_SUCH_HOST}:8080"
    settings = world.http.settings
    settings.endpoints.hf_url = base
    settings.endpoints.arxiv_url = base
    settings.endpoints.arxiv_api_url = base + "/api/query"
    settings.llm.base_url = base + "/v1"
    settings.llm.api_key = "sk-test"  # not a local host: a key is required (check_llm_key)
    settings.http.retries = 4  # the default: a DNS failure must not use them
    chat = ChatClient(settings, http=world.http)
    hf = type("Nowhere", (), {"url": base})()
    arxiv = type("Nowhere", (), {"url": base, "api_url": base + "/api/query"})()
    try:
        yield World(hf, arxiv, world.llm, world.http, chat, world.cache)  # type: ignore[arg-type]
    finally:
        chat.close()


@pytest.mark.parametrize("role", list(ROLES))
def test_unresolvable_host_is_one_line_at_once(nowhere: World, role: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """QA 2026-11-29: with no network, ``papers`` waited ~12 s over 5 attempts, then said
    "ConnectError: [Errno -2] Name or service not known". A name that does not resolve is not
    retried: one request, one line naming the host and the setting that holds the URL."""
    import socket

    _unresolvable(monkeypatch, socket.EAI_NONAME, "Name or service not known")
    with pytest.raises(PaperdigestError) as info:
        ROLES[role].call(nowhere)
    message = str(info.value)
    assert isinstance(info.value, LLMError if role == "llm" else HTTPError), message
    assert "\n" not in message
    assert f"cannot resolve {NO_SUCH_HOST} (no network, or a wrong URL: check " \
           f"{_ROLE_SETTING[role]})" in message
    assert nowhere.http.counters()["by_role"][spec_role(role)] == 1
    assert nowhere.http.clock.sleeps == []  # type: ignore[attr-defined]


def test_a_temporary_dns_failure_is_retried_once(nowhere: World,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """``EAI_AGAIN`` ("Temporary failure in name resolution") may pass: one retry, then the
    same one line; never the 4 retries of a server fault."""
    import socket

    _unresolvable(monkeypatch, socket.EAI_AGAIN, "Temporary failure in name resolution")
    with pytest.raises(HTTPError, match=f"cannot resolve {NO_SUCH_HOST} .*endpoints.hf_url"):
        _hf_call(nowhere)
    assert nowhere.http.counters()["by_role"]["hf"] == 2
    assert len(nowhere.http.clock.sleeps) == 1  # type: ignore[attr-defined]


def test_every_retry_of_a_refused_connection_is_one_warning(
        nowhere: World, caplog: pytest.LogCaptureFixture) -> None:
    """A refused connection keeps its retries, but each wait is said (a warning, shown at
    the default verbosity): one line per retry, naming the URL, the reason and the wait."""
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/daily_papers"
    nowhere.http.settings.http.retries = 3
    with caplog.at_level("WARNING", logger="paperdigest"), \
            pytest.raises(HTTPError, match="failed after 4 attempt"):
        nowhere.http.get(url, role="hf")
    lines = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(lines) == 3, lines
    for n, line in enumerate(lines, start=1):
        assert "\n" not in line and url in line and "Connection refused" in line
        assert f"retry {n}/3 in " in line
