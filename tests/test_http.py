"""HttpClient against the loopback fakes (and httpx.MockTransport where simpler).

All waiting goes through a FakeClock, so retries and rate limits cost no real time.
Expected bodies are read from the corpus files directly.
"""

from __future__ import annotations

import email.utils
import json
import os
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from paperdigest.errors import BodyTooLargeError, HTTPError, NotFoundError, RateLimitedError
from paperdigest.fetch import USER_AGENT, FakeClock, HttpClient, ResponseCache
from tests.fakes.servers import FakeArxiv, FakeHF, Fault, fake_settings

HF_DAY = "/api/daily_papers?date=2026-01-30"


@pytest.fixture
def hf(hf_server: FakeHF) -> FakeHF:
    """The shared started FakeHF (tests/fakes/fixtures.py), under this file's short name."""
    return hf_server


@pytest.fixture
def arxiv(arxiv_server: FakeArxiv) -> FakeArxiv:
    """The shared started FakeArxiv, under this file's short name."""
    return arxiv_server


def _client(
    hf: FakeHF | None = None,
    arxiv: FakeArxiv | None = None,
    *,
    fast: bool = True,
    clock: FakeClock | None = None,
    http: dict[str, Any] | None = None,
    cache: ResponseCache | None = None,
    now: float | None = None,
) -> HttpClient:
    settings = fake_settings(hf, arxiv, fast=fast, http=http or {})
    kwargs: dict[str, Any] = {}
    if now is not None:
        moment = datetime.fromtimestamp(now, UTC)
        kwargs["now"] = lambda: moment
    return HttpClient(
        settings, clock=clock or FakeClock(), cache=cache, rng=random.Random(7), **kwargs
    )


def _clock(client: HttpClient) -> FakeClock:
    assert isinstance(client.clock, FakeClock)
    return client.clock


# --------------------------------------------------------------------------- identity


def test_user_agent_names_the_project(hf: FakeHF) -> None:
    with _client(hf) as client:
        client.get(hf.url + HF_DAY, role="hf")
    _, _, headers = hf.requests[-1]
    assert headers["User-Agent"] == USER_AGENT
    assert headers["User-Agent"].startswith("paperdigest/")


def test_get_returns_the_recorded_day(hf: FakeHF, corpus: Path) -> None:
    expected = json.loads((corpus / "hf_api" / "daily_papers_2026-01-30.json").read_text())
    with _client(hf) as client:
        response = client.get(
            hf.url + "/api/daily_papers", role="hf", params={"date": "2026-01-30", "limit": "100"}
        )
        assert client.request_count == 1
    assert response.status == 200
    assert response.json() == expected
    assert response.from_cache is False
    assert response.url.endswith("/api/daily_papers?date=2026-01-30&limit=100")
    assert response.headers["content-type"].startswith("application/json")


# --------------------------------------------------------------------------- retries


def test_retry_after_seconds_is_honoured_exactly(hf: FakeHF) -> None:
    hf.inject("/api/daily_papers", Fault.http(429, {"Retry-After": "2"}))
    # Real limits (hf 1.5/s): the wait is exactly the server's, not interval + 2.
    with _client(hf, fast=False) as client:
        response = client.get(hf.url + HF_DAY, role="hf")
        assert _clock(client).sleeps == [2.0]
        assert client.request_count == 2
    assert response.status == 200
    assert hf.count("/api/daily_papers") == 2


def test_retry_after_http_date(hf: FakeHF) -> None:
    now = 1_769_830_000.0
    when = email.utils.formatdate(now + 5, usegmt=True)
    hf.inject("/api/daily_papers", Fault.http(503, {"Retry-After": when}))
    with _client(hf, fast=False, now=now) as client:
        client.get(hf.url + HF_DAY, role="hf")
        assert _clock(client).sleeps == [5.0]


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"RateLimit-Reset": "7"}, 7.0),
        ({"X-RateLimit-Reset": "4"}, 4.0),
        # GitHub style: X-RateLimit-Reset is a Unix timestamp.
        ({"X-RateLimit-Reset": "1769830011"}, 11.0),
        # IETF draft / Hugging Face style: RateLimit: "policy";r=remaining;t=reset-seconds
        ({"RateLimit": '"api";r=0;t=9'}, 9.0),
        ({"RateLimit": "limit=500, remaining=0, reset=12"}, 12.0),
    ],
)
def test_rate_limit_reset_headers_are_honoured(
    hf: FakeHF, headers: dict[str, str], wait: float
) -> None:
    hf.inject("/api/daily_papers", Fault.http(429, headers))
    with _client(hf, fast=False, now=1_769_830_000.0) as client:
        assert client.get(hf.url + HF_DAY, role="hf").status == 200
        assert _clock(client).sleeps == [wait]


def test_retry_after_above_backoff_max_is_still_honoured(hf: FakeHF) -> None:
    hf.inject("/api/daily_papers", Fault.http(429, {"Retry-After": "120"}))
    with _client(hf, http={"backoff_max": 10.0, "max_wait": 300.0}) as client:
        client.get(hf.url + HF_DAY, role="hf")
        assert _clock(client).sleeps == [120.0]


def test_retry_after_beyond_the_limit_fails_at_once(hf: FakeHF) -> None:
    hf.inject("/api/daily_papers", Fault.http(429, {"Retry-After": "3600"}))
    with _client(hf) as client, pytest.raises(RateLimitedError) as info:
        client.get(hf.url + HF_DAY, role="hf")
    assert info.value.retry_after == 3600.0 > client.settings.http.max_wait
    assert "http.max_wait" in str(info.value)  # the reason names the setting
    assert info.value.status == 429
    assert hf.count("/api/daily_papers") == 1


def test_persistent_429_raises_rate_limited_with_url(hf: FakeHF) -> None:
    hf.inject("/api/daily_papers", [Fault.http(429, {"Retry-After": "1"})] * 3)
    with _client(hf, http={"retries": 2}) as client, pytest.raises(RateLimitedError) as info:
        client.get(hf.url + HF_DAY, role="hf")
    error = info.value
    assert error.status == 429
    assert error.retry_after == 1.0
    assert hf.url + HF_DAY in str(error)
    assert "\n" not in str(error)
    assert hf.count("/api/daily_papers") == 3


def test_server_errors_back_off_exponentially_with_bounded_jitter(arxiv: FakeArxiv) -> None:
    arxiv.inject("/html/", [Fault.http(500, body="boom")] * 5)
    http = {"retries": 4, "backoff_base": 10.0, "backoff_max": 15.0}
    with _client(arxiv=arxiv, http=http) as client, pytest.raises(HTTPError) as info:
        client.get(arxiv.url + "/html/2601.13621", role="arxiv")
        sleeps = _clock(client).sleeps
    assert type(info.value) is HTTPError
    assert info.value.status == 500
    assert "boom" in str(info.value)
    sleeps = _clock(client).sleeps
    nominal = [10.0, 15.0, 15.0, 15.0]  # base * 2**n capped at backoff_max
    assert len(sleeps) == 4
    for slept, cap in zip(sleeps, nominal, strict=True):
        assert cap / 2 <= slept <= cap
    assert len(set(sleeps)) > 1  # jittered, not constant
    assert arxiv.count("/html/") == 5


def test_backoff_is_reproducible_with_a_seeded_rng(arxiv: FakeArxiv) -> None:
    runs = []
    for _ in range(2):
        arxiv.inject("/html/", [Fault.http(502)] * 3)
        with _client(arxiv=arxiv, http={"retries": 3}) as client:
            client.get(arxiv.url + "/html/2601.13621", role="arxiv")
            runs.append(list(_clock(client).sleeps))
    assert runs[0] == runs[1]
    assert len(runs[0]) == 3


def test_503_after_retries_is_rate_limited(arxiv: FakeArxiv) -> None:
    arxiv.inject("/api/query", [Fault.http(503)] * 2)
    with _client(arxiv=arxiv, http={"retries": 1}) as client, pytest.raises(RateLimitedError):
        client.get(arxiv.api_url, role="arxiv_api", params={"id_list": "2601.12538"})


def test_404_is_not_retried_and_keeps_the_body(arxiv: FakeArxiv) -> None:
    with _client(arxiv=arxiv) as client, pytest.raises(NotFoundError) as info:
        client.get(arxiv.url + "/html/2601.21872", role="arxiv")
        assert _clock(client).sleeps == []
    assert info.value.status == 404
    assert info.value.body == "No HTML for '2601.21872'"
    assert arxiv.count("/html/") == 1


def test_other_4xx_fails_at_once(hf: FakeHF) -> None:
    with _client(hf) as client, pytest.raises(HTTPError) as info:
        client.get(hf.url + "/api/daily_papers", role="hf", params={"date": "2026-13-45"})
    assert info.value.status == 400
    assert not isinstance(info.value, (NotFoundError, RateLimitedError))
    assert hf.count("/api/daily_papers") == 1


def test_garbage_json_is_our_error(hf: FakeHF) -> None:
    hf.inject("/api/daily_papers", Fault.garbage_json())
    with _client(hf) as client:
        response = client.get(hf.url + HF_DAY, role="hf")
    with pytest.raises(HTTPError, match="not valid JSON"):
        response.json()


def test_connection_reset_is_retried(arxiv: FakeArxiv, corpus: Path) -> None:
    arxiv.inject("/html/", Fault.reset())
    with _client(arxiv=arxiv) as client:
        response = client.get(arxiv.url + "/html/2510.11260v1", role="arxiv")
        assert len(_clock(client).sleeps) == 1
    assert response.content == (corpus / "arxiv_html" / "2510.11260v1.html").read_bytes()
    assert arxiv.count("/html/") == 2


def test_truncated_body_is_retried(arxiv: FakeArxiv, corpus: Path) -> None:
    arxiv.inject("/pdf/", Fault.truncated())
    with _client(arxiv=arxiv) as client:
        response = client.get(arxiv.url + "/pdf/1505.01373", role="arxiv")
    assert response.content == (corpus / "pdf" / "1505.01373.pdf").read_bytes()
    assert arxiv.count("/pdf/") == 2


@pytest.mark.parametrize("fault", [Fault.reset(), Fault.truncated()])
def test_persistent_transport_failures_become_http_error(arxiv: FakeArxiv, fault: Fault) -> None:
    arxiv.inject("/html/", [fault] * 2)
    with _client(arxiv=arxiv, http={"retries": 1}) as client, pytest.raises(HTTPError) as info:
        client.get(arxiv.url + "/html/2510.11260", role="arxiv")
    assert isinstance(info.value.__cause__, httpx.TransportError)
    assert "/html/2510.11260" in str(info.value)
    assert "2 attempt" in str(info.value)


def test_timeout_becomes_http_error(arxiv: FakeArxiv) -> None:
    arxiv.inject("/html/", Fault.slow(30))
    client = _client(arxiv=arxiv, http={"retries": 0, "timeout": 0.2})
    with client, pytest.raises(HTTPError) as info:
        client.get(arxiv.url + "/html/2510.11260", role="arxiv")
    assert isinstance(info.value.__cause__, httpx.TimeoutException)


def test_connection_refused_becomes_http_error(corpus: Path) -> None:
    with FakeHF(corpus) as server:
        url = server.url + HF_DAY
    with _client(http={"retries": 1}) as client, pytest.raises(HTTPError) as info:
        client.get(url, role="hf")
    assert isinstance(info.value.__cause__, httpx.ConnectError)


# --------------------------------------------------------------------------- pacing


def test_arxiv_api_role_is_paced_three_seconds(arxiv: FakeArxiv) -> None:
    with _client(arxiv=arxiv, fast=False) as client:
        for paper in ("2601.12538", "2601.06037", "2407.01231"):
            client.get(arxiv.api_url, role="arxiv_api", params={"id_list": paper})
        assert _clock(client).sleeps == pytest.approx([3.0, 3.0])


def test_roles_have_separate_limits(arxiv: FakeArxiv, hf: FakeHF) -> None:
    with _client(hf, arxiv, fast=False) as client:
        client.get(arxiv.url + "/html/2510.11260", role="arxiv")
        client.get(hf.url + HF_DAY, role="hf")  # not delayed by the arxiv slot
        client.get(arxiv.url + "/html/2601.13621", role="arxiv")
        assert _clock(client).sleeps == pytest.approx([1.0])


def test_unknown_role_is_a_programming_error(hf: FakeHF) -> None:
    with _client(hf) as client, pytest.raises(ValueError, match="role"):
        client.get(hf.url + HF_DAY, role="github")


# --------------------------------------------------------------------------- body cap


def test_body_cap_rejects_by_content_length(arxiv: FakeArxiv) -> None:
    with _client(arxiv=arxiv) as client, pytest.raises(BodyTooLargeError, match="cap"):
        client.get(arxiv.url + "/pdf/2310.06825v1", role="arxiv", max_bytes=100_000)


def test_body_cap_from_settings(arxiv: FakeArxiv, corpus: Path) -> None:
    # 2510.11260v1.html is 84,086 bytes, 2601.13621v1.html 474,635 (SOURCES.md sizes).
    with _client(arxiv=arxiv, http={"max_body_mb": 0.1}) as client:
        small = client.get(arxiv.url + "/html/2510.11260", role="arxiv")
        assert len(small.content) == (corpus / "arxiv_html" / "2510.11260v1.html").stat().st_size
        with pytest.raises(BodyTooLargeError):
            client.get(arxiv.url + "/html/2601.13621", role="arxiv")


def test_body_cap_while_streaming_without_content_length() -> None:
    sent: list[int] = []

    def chunks() -> Iterator[bytes]:
        for i in range(1000):
            sent.append(i)
            yield b"x" * 1024

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks())

    settings = fake_settings()
    client = HttpClient(settings, clock=FakeClock(), transport=httpx.MockTransport(handler))
    with client, pytest.raises(BodyTooLargeError):
        client.get("http://127.0.0.1:9/big", role="arxiv", max_bytes=10 * 1024)
    assert len(sent) < 20  # stopped reading soon after the cap, not after 1 MB


# --------------------------------------------------------------------------- cache


class _WallClock:
    def __init__(self, start: float = 1_769_830_000.0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)


def test_fresh_cache_hit_makes_no_request(hf: FakeHF, tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "cache")
    with _client(hf, cache=cache) as client:
        first = client.get(hf.url + HF_DAY, role="hf", max_age=3600)
        second = client.get(hf.url + HF_DAY, role="hf", max_age=3600)
        assert client.request_count == 1
    assert hf.count("/api/daily_papers") == 1
    assert second.from_cache and not first.from_cache
    assert second.content == first.content


def test_stale_entry_is_revalidated_with_304(hf: FakeHF, tmp_path: Path) -> None:
    wall = _WallClock()
    cache = ResponseCache(tmp_path / "cache", now=wall)
    with _client(hf, cache=cache) as client:
        first = client.get(hf.url + HF_DAY, role="hf", max_age=60)
        wall.now += 120  # older than max_age
        second = client.get(hf.url + HF_DAY, role="hf", max_age=60)
        assert client.request_count == 2
        # The 304 refreshed the entry: within max_age again, no request at all.
        wall.now += 30
        client.get(hf.url + HF_DAY, role="hf", max_age=60)
        assert client.request_count == 2
    _, _, headers = hf.requests[-1]
    assert headers["If-None-Match"] == first.headers["etag"]
    assert "If-Modified-Since" in headers
    assert second.from_cache and second.status == 200
    assert second.content == first.content
    assert hf.count("/api/daily_papers") == 2


def test_without_max_age_every_get_revalidates(hf: FakeHF) -> None:
    with _client(hf) as client:  # default cache under settings.cache_dir
        first = client.get(hf.url + HF_DAY, role="hf")
        second = client.get(hf.url + HF_DAY, role="hf")
        assert client.request_count == 2
    assert second.from_cache
    assert second.json() == first.json()
    assert "If-None-Match" in hf.requests[-1][2]


def test_changed_resource_is_refetched_and_restored(hf: FakeHF) -> None:
    hf.add_day("2026-02-07", [{"paper": {"id": "2602.00001"}}])
    url = hf.url + "/api/daily_papers?date=2026-02-07"
    with _client(hf) as client:
        assert len(client.get(url, role="hf").json()) == 1
        hf.add_day("2026-02-07", [{"paper": {"id": "2602.00001"}}, {"paper": {"id": "2602.00002"}}])
        second = client.get(url, role="hf")
        assert not second.from_cache
        assert len(second.json()) == 2
        assert client.get(url, role="hf", max_age=3600).json() == second.json()


def test_query_string_is_part_of_the_key(hf: FakeHF) -> None:
    with _client(hf) as client:
        a = client.get(
            hf.url + "/api/daily_papers", role="hf", params={"date": "2026-01-29"}, max_age=3600
        )
        b = client.get(
            hf.url + "/api/daily_papers", role="hf", params={"date": "2026-01-30"}, max_age=3600
        )
        assert client.request_count == 2
    assert len(a.json()) == 22 and len(b.json()) == 45  # counts from SOURCES.md


def test_use_cache_false_sends_no_validators(hf: FakeHF) -> None:
    with _client(hf) as client:
        client.get(hf.url + HF_DAY, role="hf")
        response = client.get(hf.url + HF_DAY, role="hf", use_cache=False, max_age=3600)
    assert not response.from_cache
    assert "If-None-Match" not in hf.requests[-1][2]


def test_cache_disabled_in_settings(hf: FakeHF) -> None:
    with _client(hf, http={"cache": False}) as client:
        assert client.cache is None
        client.get(hf.url + HF_DAY, role="hf", max_age=3600)
        client.get(hf.url + HF_DAY, role="hf", max_age=3600)
        assert client.request_count == 2
    assert not client.settings.cache_dir.exists()
    assert str(client.settings.home_path) == os.environ["PAPERDIGEST_HOME"]


def test_errors_are_not_cached(arxiv: FakeArxiv, tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    with _client(arxiv=arxiv, cache=cache) as client:
        for _ in range(2):
            with pytest.raises(NotFoundError):
                client.get(arxiv.url + "/html/2601.21872", role="arxiv", max_age=3600)
    assert arxiv.count("/html/") == 2


def test_cache_persists_across_clients(arxiv: FakeArxiv, tmp_path: Path) -> None:
    url = arxiv.url + "/pdf/1505.01373"
    with _client(arxiv=arxiv, cache=ResponseCache(tmp_path)) as client:
        first = client.get(url, role="arxiv", max_age=float("inf"))
    with _client(arxiv=arxiv, cache=ResponseCache(tmp_path)) as client:
        again = client.get(url, role="arxiv", max_age=float("inf"))
        assert client.request_count == 0
    assert again.content == first.content and again.from_cache
    assert arxiv.count("/pdf/") == 1


def test_validators_absent_means_full_refetch(hf: FakeHF) -> None:
    hf.validators = False
    with _client(hf) as client:
        client.get(hf.url + HF_DAY, role="hf")
        second = client.get(hf.url + HF_DAY, role="hf")
    assert not second.from_cache
    assert "If-None-Match" not in hf.requests[-1][2]


# --------------------------------------------------------------------------- MockTransport


def test_redirects_are_followed_and_post_json_works() -> None:
    seen: list[tuple[str, str, bytes]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path, request.content))
        if request.url.path == "/old":
            return httpx.Response(301, headers={"Location": "/new"})
        return httpx.Response(200, json={"ok": True})

    with HttpClient(
        fake_settings(http={"cache": False}),
        clock=FakeClock(),
        transport=httpx.MockTransport(handler),
    ) as client:
        assert client.get("http://127.0.0.1:9/old", role="hf").json() == {"ok": True}
        posted = client.post("http://127.0.0.1:9/v1/chat", role="llm", json_body={"a": 1})
        assert posted.json() == {"ok": True}
        assert client.request_count == 2
    assert [s[:2] for s in seen] == [("GET", "/old"), ("GET", "/new"), ("POST", "/v1/chat")]
    assert json.loads(seen[-1][2]) == {"a": 1}


def test_response_text_replaces_invalid_utf8() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"caf\xc3\xa9 \xff")

    with HttpClient(
        fake_settings(http={"cache": False}),
        clock=FakeClock(),
        transport=httpx.MockTransport(handler),
    ) as client:
        response = client.get("http://127.0.0.1:9/x", role="arxiv")
    assert response.text() == "café \ufffd"


def test_exhausted_quota_on_success_pauses_the_role() -> None:
    answers = iter(['"api";r=1;t=40', '"api";r=0;t=40', '"api";r=499;t=300'])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[], headers={"RateLimit": next(answers)})

    clock = FakeClock()
    settings = fake_settings(http={"cache": False})
    with HttpClient(settings, clock=clock, transport=httpx.MockTransport(handler)) as client:
        for _ in range(3):
            client.get("http://127.0.0.1:9/api/daily_papers", role="hf")
    # Only the answer with r=0 makes the next request wait for the reset (t=40); the other
    # sleeps are the 1 ms pacing of the fast test limits.
    assert [s for s in clock.sleeps if s > 0.01] == [40.0]
