"""The one HTTP policy applied to LLM traffic (issue 9) and its reliability promises (issue 11):
pacing and counting of LLM calls, errors inside a 200, memory under a gzip bomb, the cache's
poisoning guards, URL redaction and the LLM request parameters of reasoning models
(issue 10 item 3) and timeouts naming their setting (item 10)."""

from __future__ import annotations

import random
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from paperdigest.config import Settings, load_settings, redact_url
from paperdigest.errors import ConfigError, HTTPError, LLMError
from paperdigest.fetch import FakeClock, HttpClient, ResponseCache
from paperdigest.fetch.http import require_type
from paperdigest.llm.client import PARAM_MEMORY, ChatClient, forget_modes
from tests.fakes.llm import FakeLLM, LLMFault
from tests.fakes.servers import (
    DEEP_JSON,
    NON_UTF8_JSON,
    WRONG_TYPE_HTML,
    FakeArxiv,
    FakeHF,
    Fault,
    fake_settings,
    gzip_bomb_bytes,
)

MESSAGES = [{"role": "user", "content": "Return json.\narXiv: 2601.21872"}]
SCHEMA = {"type": "object", "properties": {"domain": {"type": "string"}}}
ANSWER = {"domain": "NLP"}


@pytest.fixture(autouse=True)
def _fresh_memory() -> None:
    forget_modes()


def _llm_settings(llm: FakeLLM, **llm_overrides: Any) -> Settings:
    settings = fake_settings(llm_url=llm.base_url)
    settings.llm.model = "fake-model"
    for key, value in llm_overrides.items():
        setattr(settings.llm, key, value)
    return settings


def _ask(chat: ChatClient) -> Any:
    return chat.complete_structured(MESSAGES, SCHEMA, "summary")


# --------------------------------------------------------------------------- pacing, counting


def test_limits_llm_paces_llm_calls_through_the_shared_policy() -> None:
    with FakeLLM(lambda r: ANSWER) as llm:
        settings = _llm_settings(llm)
        settings.limits.llm = 0.5  # one call every 2 s
        clock = FakeClock()
        with HttpClient(settings, clock=clock, no_cache=True) as http:
            chat = ChatClient(settings, http=http)
            for _ in range(3):
                _ask(chat)
            chat.close()
            counters = http.counters()
    assert clock.sleeps == pytest.approx([2.0, 2.0])  # the limiter of role llm waited
    assert counters["llm_calls"] == 3 == llm.calls
    assert counters["http_requests"] == 3  # LLM calls are in the run's request count


def test_llm_pacing_does_not_delay_other_roles(corpus: Path) -> None:
    with FakeLLM(lambda r: ANSWER) as llm, FakeHF(corpus) as hf:
        settings = fake_settings(hf, llm_url=llm.base_url)
        settings.limits.llm = 0.1
        clock = FakeClock()
        with HttpClient(settings, clock=clock, no_cache=True) as http:
            chat = ChatClient(settings, http=http)
            _ask(chat)
            http.get(hf.url + "/api/daily_papers?date=2026-01-30", role="hf")
            assert clock.sleeps == []
            _ask(chat)
            chat.close()
            assert clock.sleeps == pytest.approx([10.0])
            assert http.counters()["by_role"] == {
                "hf": 1, "arxiv": 0, "arxiv_api": 0, "llm": 2, "webhook": 0}


def test_sdk_retries_are_off_and_the_policy_retries() -> None:
    with FakeLLM(lambda r: ANSWER) as llm:
        llm.inject([LLMFault(500), LLMFault(502)])
        clock = FakeClock()
        with HttpClient(_llm_settings(llm), clock=clock, no_cache=True) as http:
            chat = ChatClient(_llm_settings(llm), http=http)
            answer = _ask(chat)
            chat.close()
    assert answer.calls == 3 == llm.calls
    assert len(clock.sleeps) == 2  # our backoff, through our clock
    assert chat._openai.max_retries == 0


def test_every_llm_call_and_its_tokens_are_counted_failed_or_invalid() -> None:
    with FakeLLM(lambda r: ANSWER) as llm:
        # a 429 (no tokens), an invalid answer (tokens billed), then a good one
        llm.inject([LLMFault(429), "invalid_json"])
        with HttpClient(_llm_settings(llm), clock=FakeClock(), no_cache=True) as http:
            chat = ChatClient(_llm_settings(llm), http=http)
            first = _ask(chat)  # 429 retried, then the invalid answer
            second = _ask(chat)
            chat.close()
            counters = http.counters()
    assert first.text == "{this is not json" and first.calls == 2 and second.calls == 1
    assert counters["llm_calls"] == 3 == llm.calls
    assert counters["llm_failed_calls"] == 1
    # The fake bills len(prompt)//4 in and len(content)//4 out for each answered call.
    prompt = len("\n".join(m["content"] for m in MESSAGES)) // 4
    assert counters["llm_tokens_in"] == 2 * prompt
    assert counters["llm_tokens_out"] == len("{this is not json") // 4 + len('{"domain": "NLP"}') // 4
    assert counters["llm_estimated_calls"] == 0


def test_counters_since_gives_the_numbers_of_one_stretch() -> None:
    with FakeLLM(lambda r: ANSWER) as llm, \
            HttpClient(_llm_settings(llm), clock=FakeClock(), no_cache=True) as http:
        chat = ChatClient(_llm_settings(llm), http=http)
        _ask(chat)
        before = http.counters()
        llm.inject([LLMFault(500)])
        _ask(chat)
        delta = http.counters_since(before)
        chat.close()
    assert delta["llm_calls"] == 2 and delta["http_requests"] == 2
    assert delta["llm_failed_calls"] == 1 and delta["by_role"]["llm"] == 2
    assert delta["llm_tokens_out"] == len('{"domain": "NLP"}') // 4


def test_tokens_are_estimated_once_when_the_server_sends_no_usage() -> None:
    with FakeLLM(lambda r: ANSWER, usage=False) as llm, \
            HttpClient(_llm_settings(llm), clock=FakeClock(), no_cache=True) as http:
        chat = ChatClient(_llm_settings(llm), http=http)
        answer = _ask(chat)
        chat.close()
        counters = http.counters()
    assert answer.estimated
    assert counters["llm_estimated_calls"] == 1
    assert counters["llm_tokens_in"] == answer.tokens_in
    assert counters["llm_tokens_out"] == answer.tokens_out


# --------------------------------------------------------------------------- errors inside a 200


def test_error_object_in_a_200_is_retried_with_backoff_then_succeeds() -> None:
    error = {"error": {"code": 429, "message": "Rate limit exceeded: free-models-per-min"}}
    with FakeLLM(lambda r: ANSWER) as llm:
        llm.inject([LLMFault(200, error, headers={"Retry-After": "4"})])
        clock = FakeClock()
        with HttpClient(_llm_settings(llm), clock=clock, no_cache=True) as http:
            answer = _ask(ChatClient(_llm_settings(llm), http=http))
    assert answer.text == '{"domain": "NLP"}' and answer.calls == 2
    assert clock.sleeps == [4.0]


def test_persistent_error_in_a_200_shows_the_servers_message() -> None:
    error = {"error": {"code": 502, "message": "Provider returned error", "metadata": {}}}
    with FakeLLM(lambda r: ANSWER) as llm:
        settings = _llm_settings(llm)
        settings.http.retries = 2
        llm.inject([LLMFault(200, error)] * 3)
        with HttpClient(settings, clock=FakeClock(), no_cache=True) as http, \
                pytest.raises(LLMError) as info:
            _ask(ChatClient(settings, http=http))
    message = str(info.value)
    assert "Provider returned error" in message and "502 after 3 tries" in message
    assert "empty answer" not in message and "\n" not in message
    assert llm.calls == 3


def test_non_retryable_error_in_a_200_is_not_retried() -> None:
    error = {"error": {"code": 401, "message": "No auth credentials found"}}
    with FakeLLM(lambda r: ANSWER) as llm:
        llm.inject([LLMFault(200, error)])
        with HttpClient(_llm_settings(llm), clock=FakeClock(), no_cache=True) as http, \
                pytest.raises(LLMError, match="rejected the API key"):
            _ask(ChatClient(_llm_settings(llm), http=http))
    assert llm.calls == 1


# --------------------------------------------------------------------------- memory


def test_gzip_bomb_memory_stays_bounded_for_llm_and_hf(corpus: Path) -> None:
    size = 1 << 30  # 1 GiB of zeros, about 1 MB on the wire
    bomb = gzip_bomb_bytes(size)
    assert len(bomb) < 2 << 20
    with FakeLLM(lambda r: ANSWER) as llm, FakeHF(corpus) as hf:
        settings = fake_settings(hf, llm_url=llm.base_url)  # default cap: 30 MB
        settings.llm.model = "fake-model"
        llm.inject([Fault.gzip_bomb(size)])
        hf.inject("/api/daily_papers", Fault.gzip_bomb(size))
        with HttpClient(settings, clock=FakeClock(), no_cache=True) as http:
            chat = ChatClient(settings, http=http)
            tracemalloc.start()
            try:
                with pytest.raises(LLMError, match="size cap"):
                    _ask(chat)
                with pytest.raises(HTTPError, match="size cap"):
                    http.get(hf.url + "/api/daily_papers?date=2026-01-30", role="hf")
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            chat.close()
    # Issue 11: peak memory under any hostile reply stays under 500 MB (the cap is 30 MB;
    # one decompressed chunk adds at most ~64 MB).
    assert peak < 500 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"


# --------------------------------------------------------------------------- cache


def test_discard_forgets_a_body_found_unusable(corpus: Path, tmp_path: Path) -> None:
    with FakeArxiv(corpus) as arxiv:
        settings = fake_settings(arxiv=arxiv)
        cache = ResponseCache(tmp_path / "cache")
        with HttpClient(settings, clock=FakeClock(), cache=cache) as http:
            url = arxiv.url + "/html/2510.11260v1"
            http.get(url, role="arxiv", max_age=float("inf"))
            assert cache.get(url) is not None
            http.discard(url)  # the acquire stage found the page unusable
            assert cache.get(url) is None
            http.get(url, role="arxiv", max_age=float("inf"))
        assert arxiv.count("/html/") == 2  # fetched again, not served from the cache


def test_a_body_that_fails_its_check_is_never_cached(corpus: Path, tmp_path: Path) -> None:
    with FakeArxiv(corpus) as arxiv:
        arxiv.inject("/pdf/", Fault.content(b"<html>captcha</html>", "text/html"))
        cache = ResponseCache(tmp_path / "cache")
        with HttpClient(fake_settings(arxiv=arxiv), clock=FakeClock(), cache=cache) as http:
            url = arxiv.url + "/pdf/1505.01373v1"
            with pytest.raises(HTTPError, match="Content-Type 'text/html'"):
                http.get(url, role="arxiv", check=require_type("application/pdf"))
            assert cache.get(url) is None
            good = http.get(url, role="arxiv", max_age=float("inf"),
                            check=require_type("application/pdf"))
        assert good.content.startswith(b"%PDF") and not good.from_cache


def test_refresh_bypasses_even_an_immutable_cache_entry(corpus: Path, tmp_path: Path) -> None:
    with FakeArxiv(corpus) as arxiv:
        cache = ResponseCache(tmp_path / "cache")
        url = arxiv.url + "/pdf/1505.01373v1"
        cache.put(url, 200, {"content-type": "application/pdf"}, b"poisoned")
        with HttpClient(fake_settings(arxiv=arxiv), clock=FakeClock(), cache=cache,
                        refresh=True) as http:
            fresh = http.get(url, role="arxiv", max_age=float("inf"))
            stored = cache.get(url)
        assert fresh.content.startswith(b"%PDF") and not fresh.from_cache
        _, _, headers = arxiv.requests[-1]
        assert "If-None-Match" not in headers  # not even a conditional request
        assert stored is not None and stored.content == fresh.content


def test_html_without_max_age_is_revalidated_and_a_changed_page_replaces_the_entry(
    corpus: Path, tmp_path: Path
) -> None:
    # arXiv regenerated every HTML page on 2026-08-11: a versioned HTML URL must be
    # revalidated (ETag → 304 when unchanged), never trusted forever.
    old = b"<html><body>old LaTeXML output</body></html>"
    with FakeArxiv(corpus, html={"2510.11260v1": old}) as arxiv:
        cache = ResponseCache(tmp_path / "cache")
        with HttpClient(fake_settings(arxiv=arxiv), clock=FakeClock(), cache=cache) as http:
            url = arxiv.url + "/html/2510.11260v1"
            assert http.get(url, role="arxiv").content == old
            again = http.get(url, role="arxiv")
            assert again.from_cache and again.content == old  # 304
            arxiv.html["2510.11260v1"] = b"<html><body>regenerated</body></html>"
            assert http.get(url, role="arxiv").content.endswith(b"regenerated</body></html>")
        assert arxiv.count("/html/") == 3


# --------------------------------------------------------------------------- redaction


def test_userinfo_is_masked_in_http_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, text="forbidden")

    settings = fake_settings()
    client = HttpClient(settings, clock=FakeClock(), transport=httpx.MockTransport(handler),
                        no_cache=True)
    with client, pytest.raises(HTTPError) as info:
        client.get("https://alice:s3cret@proxy.example/api", role="hf")
    assert "s3cret" not in str(info.value) and "alice" not in str(info.value)
    assert "https://***@proxy.example/api" in str(info.value)


def test_userinfo_is_masked_in_llm_errors_and_config_show(tmp_path: Path) -> None:
    with FakeLLM() as llm:
        url = llm.base_url.replace("http://", "http://bob:hunter2@")
        settings = fake_settings(llm_url=url)
        llm.inject([LLMFault(400, body={"error": {"message": "bad model name"}})])
        with HttpClient(settings, clock=FakeClock(), no_cache=True) as http, \
                pytest.raises(LLMError) as info:
            ChatClient(settings, http=http).complete_text(MESSAGES)
    assert "hunter2" not in str(info.value) and "bad model name" in str(info.value)
    loaded = load_settings(env={"OPENAI_BASE_URL": "https://u:pw@gw.example/v1"}, cwd=tmp_path,
                           config_file=tmp_path / "none.toml")
    rows = {k: v for k, v, _ in loaded.show()}
    assert rows["llm.base_url"] == "https://***@gw.example/v1"


def test_redact_url_masks_every_url_in_a_text() -> None:
    text = "a https://u:p@h1/x b http://tok@h2:8080/ c http://plain/ d user:pw@nourl"
    assert redact_url(text) == "a https://***@h1/x b http://***@h2:8080/ c http://plain/ d user:pw@nourl"


@pytest.mark.parametrize("value", ["sk-proj-abc123DEF456ghi789", "my key", "1ABC", ""])
def test_api_key_env_must_be_a_variable_name_and_is_never_echoed(
    tmp_path: Path, value: str
) -> None:
    (tmp_path / "paperdigest.toml").write_text(f'[llm]\napi_key_env = "{value}"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(env={}, cwd=tmp_path, config_file=tmp_path / "none.toml")
    message = str(info.value)
    assert "api_key_env" in message and "\n" not in message
    assert not value or value not in message


# --------------------------------------------------------------------------- config values


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[http]\ntimeout = inf\n", "http.timeout"),
        ("[http]\ndeadline = nan\n", "http.deadline"),
        ("[llm]\ntimeout = inf\n", "llm.timeout"),
        ("[http]\nmax_wait = -inf\n", "http.max_wait"),
        ("[limits]\nllm = inf\n", "limits.llm"),
    ],
)
def test_non_finite_numbers_are_rejected_in_one_line(tmp_path: Path, toml: str, key: str) -> None:
    (tmp_path / "paperdigest.toml").write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_settings(env={}, cwd=tmp_path, config_file=tmp_path / "none.toml")
    message = str(info.value)
    assert key in message and "finite" in message and "\n" not in message


def test_config_file_with_non_utf8_bytes_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "paperdigest.toml").write_bytes(b'lang = "zh"\n# caf\xe9\n')
    with pytest.raises(ConfigError) as info:
        load_settings(env={}, cwd=tmp_path, config_file=tmp_path / "none.toml")
    message = str(info.value)
    assert "paperdigest.toml:2" in message and "UTF-8" in message and "\n" not in message


@pytest.mark.parametrize("url", ["::garbage::", "ftp://host/v1", "http://", "localhost:8080"])
def test_endpoint_urls_must_be_http_urls(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError, match="OPENAI_BASE_URL.*llm.base_url.*http"):
        load_settings(env={"OPENAI_BASE_URL": url}, cwd=tmp_path,
                      config_file=tmp_path / "none.toml")


# --------------------------------------------------------------------------- reasoning models

# Worded as OpenAI answers gpt-5 / o-series requests (synthesized by the fake).
MAX_TOKENS_400 = {"error": {
    "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
               "Use 'max_completion_tokens' instead.",
    "type": "invalid_request_error", "param": "max_tokens", "code": "unsupported_parameter"}}
TEMPERATURE_400 = {"error": {
    "message": "Unsupported value: 'temperature' does not support 0.2 with this model. "
               "Only the default (1) value is supported.",
    "type": "invalid_request_error", "param": "temperature", "code": "unsupported_value"}}


def _strict_reasoning_server(request: dict[str, Any]) -> Any:
    return ANSWER


def test_max_tokens_and_temperature_rejections_are_learned_per_server_and_model() -> None:
    with FakeLLM(_strict_reasoning_server) as llm:
        llm.inject([LLMFault(400, MAX_TOKENS_400), LLMFault(400, TEMPERATURE_400)])
        settings = _llm_settings(llm, model="my-gateway-model")
        with HttpClient(settings, clock=FakeClock(), no_cache=True) as http:
            answer = _ask(ChatClient(settings, http=http))
            assert answer.mode == "json_schema" and answer.calls == 3
            later = _ask(ChatClient(settings, http=http))  # a new client: remembered
    first, second, third, fourth = llm.requests
    assert "max_tokens" in first and "temperature" in first
    assert "max_completion_tokens" in second and "max_tokens" not in second
    assert "temperature" not in third and third["max_completion_tokens"] == 4096
    assert "temperature" not in fourth and "max_tokens" not in fourth
    assert later.calls == 1
    assert PARAM_MEMORY[(llm.base_url, "my-gateway-model")] == {
        "token_param": "max_completion_tokens", "temperature": False}


@pytest.mark.parametrize("model", ["gpt-5", "gpt-5-mini", "o3-mini", "openai/o4-mini"])
def test_reasoning_model_names_start_with_the_new_parameters(model: str) -> None:
    with FakeLLM(lambda r: ANSWER) as llm:
        settings = _llm_settings(llm, model=model)
        with HttpClient(settings, clock=FakeClock(), no_cache=True) as http:
            _ask(ChatClient(settings, http=http))
    (request,) = llm.requests
    assert request["max_completion_tokens"] == 4096
    assert "max_tokens" not in request and "temperature" not in request


def test_token_param_and_temperature_are_configurable() -> None:
    with FakeLLM(lambda r: ANSWER) as llm:
        settings = _llm_settings(llm, token_param="max_completion_tokens",
                                 send_temperature=False)
        with HttpClient(settings, clock=FakeClock(), no_cache=True) as http:
            _ask(ChatClient(settings, http=http))
        settings = _llm_settings(llm, model="gpt-5", token_param="max_tokens",
                                 send_temperature=True)
        with HttpClient(settings, clock=FakeClock(), no_cache=True) as http:
            _ask(ChatClient(settings, http=http))
    first, second = llm.requests
    assert first["max_completion_tokens"] == 4096 and "temperature" not in first
    assert second["max_tokens"] == 4096 and second["temperature"] == 0.2


def test_a_parameter_400_is_not_taken_for_a_response_format_rejection() -> None:
    with FakeLLM(lambda r: ANSWER) as llm:
        llm.inject([LLMFault(400, MAX_TOKENS_400)])
        settings = _llm_settings(llm)
        with HttpClient(settings, clock=FakeClock(), no_cache=True) as http:
            answer = _ask(ChatClient(settings, http=http))
    assert answer.mode == "json_schema"  # not degraded to json_object


# --------------------------------------------------------------------------- timeouts


@pytest.mark.timeout(30)
def test_llm_timeout_names_the_setting_to_raise() -> None:
    with FakeLLM(lambda r: ANSWER) as llm:
        llm.inject([Fault.hang()])
        settings = _llm_settings(llm, timeout=0.5)
        with HttpClient(settings, clock=FakeClock(), no_cache=True) as http, \
                pytest.raises(LLMError) as info:
            _ask(ChatClient(settings, http=http))
    message = str(info.value)
    assert "llm.timeout = 0.5 s" in message and "raise llm.timeout" in message
    assert "llm.context_tokens" in message and llm.calls == 1  # a timeout is not retried


@pytest.mark.timeout(30)
def test_drip_ends_at_the_total_deadline_not_per_read(corpus: Path) -> None:
    # One byte every 0.2 s never trips a 5 s read timeout; the 1 s total deadline ends it.
    with FakeHF(corpus) as hf:
        hf.inject("/api/daily_papers", Fault.drip(0.2))
        settings = fake_settings(hf, http={"timeout": 5.0, "deadline": 1.0, "retries": 3})
        with HttpClient(settings, clock=FakeClock(), rng=random.Random(1), no_cache=True) as h, \
                pytest.raises(HTTPError, match=r"within 1 s \(http.deadline\)"):
            h.get(hf.url + "/api/daily_papers?date=2026-01-30", role="hf")
        assert hf.count("/api/daily_papers") == 1  # a missed deadline is not retried


# --------------------------------------------------------------------------- the HF list


@pytest.mark.parametrize("body", [DEEP_JSON, NON_UTF8_JSON, WRONG_TYPE_HTML],
                         ids=["deep", "non-utf8", "html"])
def test_hostile_hf_list_is_one_source_error_and_never_cached(
    corpus: Path, tmp_path: Path, body: bytes
) -> None:
    from paperdigest.errors import SourceError
    from paperdigest.sources.hf import HFSource

    with FakeHF(corpus) as hf:
        hf.inject("/api/daily_papers", Fault.content(body, "application/json"))
        settings = fake_settings(hf, home=str(tmp_path))
        cache = ResponseCache(tmp_path / "cache")
        with HttpClient(settings, clock=FakeClock(), cache=cache) as http:
            with pytest.raises(SourceError) as info:
                HFSource(http, settings).find_day(date(2026, 1, 30), 0)
            assert len(cache) == 0  # the bad body was not cached
            _, refs = HFSource(http, settings).find_day(date(2026, 1, 30), 0)
    assert "\n" not in str(info.value) and "JSON" in str(info.value)
    assert not isinstance(info.value.__cause__, RecursionError | UnicodeDecodeError)
    assert refs  # the next request reads the real list


# --------------------------------------------------------------------------- a whole run


@pytest.mark.timeout(120)
def test_a_runs_llm_calls_are_in_its_request_count(
    corpus: Path, reference_report: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 9's done-when: LLM requests go through the run's shared transport and appear in
    # the run's request count (before, the SDK had its own client and they were missing).
    from paperdigest.clock import clock_from_env
    from paperdigest.dates import parse_day
    from paperdigest.pipeline import RunOptions, open_pipeline
    from tests.fakes.world import offline_world

    with offline_world(corpus, reference_report, tmp_path, monkeypatch) as world, \
            FakeLLM(world["responder"]) as llm:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        settings = load_settings(flags={"backend": "openai", "llm.model": "replay"}).settings
        now = clock_from_env()
        options = RunOptions(lang=settings.lang, out=Path(settings.out))
        with open_pipeline(settings, options=options, now=now) as pipeline:
            result = pipeline.run([parse_day("2026-01-30", now().date())])
            counters = pipeline.http.counters()
        sent = world["hf"].count("/") + world["arxiv"].count("/")
    assert llm.calls == 45 and counters["llm_calls"] == 45
    assert result.stats.http_requests == sent + llm.calls
    assert counters["llm_tokens_in"] > 0 and counters["llm_failed_calls"] == 0


def test_the_default_config_file_is_valid_and_names_the_policy_settings() -> None:
    import tomllib

    from paperdigest.config import DEFAULT_CONFIG_TOML

    data = tomllib.loads(DEFAULT_CONFIG_TOML)
    settings = Settings.model_validate(data)
    assert settings.http.deadline == 120 and settings.http.max_wait == 60
    assert data["llm"]["token_param"] == "auto" and "timeout = 600" in DEFAULT_CONFIG_TOML
