"""ChatClient against the loopback FakeLLM: output-mode fallback, memory, errors, usage."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from paperdigest.config import Settings
from paperdigest.errors import AuthError, ContextLengthError, LLMError, LLMOutputError
from paperdigest.llm import (
    SUMMARY_JSON_SCHEMA,
    SUMMARY_SCHEMA_NAME,
    ChatClient,
    extract_json,
    parse_summary_json,
)
from paperdigest.models import NOT_MENTIONED
from tests.fakes.llm import FakeLLM, LLMFault, arxiv_id_of, mode_of

VALID: dict[str, Any] = {
    "domain": "自然语言处理 - 智能体",
    "contribution": "提出 WebArbiter。",
    "usage": {
        "input": "任务指令",
        "output": "偏好判定",
        "workflow": "两阶段训练",
        "hardware": NOT_MENTIONED,
        "code_and_resources": NOT_MENTIONED,
    },
    "innovations": [{"title": "原则引导", "detail": "生成结构化理由"}],
    "results": [{"setting": "WebPRMBench", "finding": "领先 GPT-5 9.1 分"}],
}
MESSAGES = [{"role": "user", "content": "Return json.\narXiv: 2601.21872"}]


def _settings(llm: FakeLLM, **llm_overrides: Any) -> Settings:
    settings = Settings()
    settings.llm.base_url = llm.base_url
    settings.llm.model = "fake-model"
    for key, value in llm_overrides.items():
        setattr(settings.llm, key, value)
    return settings


def _ask(client: ChatClient) -> Any:
    return client.complete_structured(MESSAGES, SUMMARY_JSON_SCHEMA, SUMMARY_SCHEMA_NAME)


def test_json_schema_mode_sends_strict_schema() -> None:
    with FakeLLM(lambda req: VALID) as llm:
        client = ChatClient(_settings(llm))
        answer = _ask(client)
    assert answer.mode == "json_schema"
    assert json.loads(answer.text) == VALID
    fmt = llm.requests[0]["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == SUMMARY_SCHEMA_NAME
    assert fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["required"] == [
        "domain", "contribution", "usage", "innovations", "results"
    ]
    assert llm.requests[0]["model"] == "fake-model"
    assert llm.requests[0]["max_tokens"] == 4096
    assert client.calls == 1 and answer.calls == 1
    assert not answer.estimated and answer.tokens_in > 0 and answer.tokens_out > 0


def test_json_object_fallback_when_json_schema_rejected() -> None:
    with FakeLLM(lambda req: VALID, reject_json_schema=True) as llm:
        answer = _ask(ChatClient(_settings(llm)))
    assert answer.mode == "json_object"
    assert [mode_of(r) for r in llm.requests] == ["json_schema", "json_object"]
    assert answer.calls == 2


def test_text_fallback_when_response_format_rejected() -> None:
    with FakeLLM(lambda req: "### 1. 应用领域", reject_response_format=True) as llm:
        answer = _ask(ChatClient(_settings(llm)))
    assert answer.mode == "text"
    assert [mode_of(r) for r in llm.requests] == ["json_schema", "json_object", "text"]
    assert "response_format" not in llm.requests[-1]


def test_mode_is_remembered_per_server_and_model() -> None:
    with FakeLLM(lambda req: VALID, reject_response_format=True) as llm:
        settings = _settings(llm)
        _ask(ChatClient(settings))
        assert llm.calls == 3
        second = _ask(ChatClient(settings))  # a new client, same (base_url, model)
        assert second.mode == "text"
        assert llm.calls == 4  # no rejected call for the second paper
        settings.llm.model = "other-model"
        _ask(ChatClient(settings))  # another model probes again
        assert llm.calls == 7


def test_messages_callable_gets_each_mode() -> None:
    seen: list[str] = []

    def messages_for(mode: str) -> list[dict[str, Any]]:
        seen.append(mode)
        return [{"role": "user", "content": f"mode {mode} json"}]

    with FakeLLM(lambda req: "ok", reject_response_format=True) as llm:
        ChatClient(_settings(llm)).complete_structured(messages_for, {}, "x")
    assert seen == ["json_schema", "json_object", "text"]
    assert llm.requests[-1]["messages"][0]["content"] == "mode text json"


def test_401_raises_auth_error_with_fix() -> None:
    with FakeLLM() as llm:
        llm.inject([LLMFault(401)])
        with pytest.raises(AuthError) as err:
            _ask(ChatClient(_settings(llm)))
    message = str(err.value)
    assert "401" in message and "OPENAI_API_KEY" in message and "api_key_env" in message
    assert llm.calls == 1  # never retried, never falls through the modes


def test_403_is_auth_error_too() -> None:
    with FakeLLM() as llm:
        llm.inject([LLMFault(403)])
        with pytest.raises(AuthError, match="403"):
            _ask(ChatClient(_settings(llm)))


def test_api_key_is_sent_from_configured_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-test-123456")
    with FakeLLM(lambda req: VALID) as llm:
        _ask(ChatClient(_settings(llm, api_key_env="DEEPSEEK_API_KEY")))
    assert llm.headers[0]["authorization"] == "Bearer sk-test-123456"


def test_429_honours_retry_after_with_injected_sleep() -> None:
    slept: list[float] = []
    with FakeLLM(lambda req: VALID) as llm:
        llm.inject([LLMFault(429, headers={"Retry-After": "7"}), LLMFault(503)])
        client = ChatClient(_settings(llm), sleep=slept.append)
        answer = _ask(client)
    assert answer.mode == "json_schema"
    # Retry-After exactly, then the one policy's backoff for the 503: backoff_base * 2**1
    # with equal jitter, so between 1 and 2 s.
    assert slept[0] == 7.0 and 1.0 <= slept[1] <= 2.0 and len(slept) == 2
    assert llm.calls == 3 and answer.calls == 3


def test_429_gives_up_after_configured_retries() -> None:
    slept: list[float] = []
    with FakeLLM(lambda req: VALID) as llm:
        settings = _settings(llm)
        settings.http.retries = 2
        llm.inject([LLMFault(429, headers={"Retry-After": "1"})] * 3)
        with pytest.raises(LLMError, match="429 after 3 tries") as err:
            _ask(ChatClient(settings, sleep=slept.append))
    assert not isinstance(err.value, AuthError)
    assert slept == [1.0, 1.0]
    assert llm.calls == 3


def test_context_length_error_is_not_a_mode_rejection() -> None:
    with FakeLLM(lambda req: VALID) as llm:
        llm.inject(["context_length"])
        with pytest.raises(ContextLengthError, match="maximum context length"):
            _ask(ChatClient(_settings(llm)))
    assert llm.calls == 1


def test_other_400_in_text_mode_is_llm_error() -> None:
    with FakeLLM(lambda req: VALID, reject_response_format=True) as llm:
        client = ChatClient(_settings(llm))
        _ask(client)
        llm.inject([LLMFault(400, body={"error": {"message": "bad model name"}})])
        with pytest.raises(LLMError, match="bad model name"):
            _ask(client)


def test_connection_refused_is_llm_error() -> None:
    with FakeLLM() as llm:
        settings = _settings(llm)
    settings.http.retries = 1  # the server is gone now
    slept: list[float] = []
    with pytest.raises(LLMError, match="cannot connect"):
        _ask(ChatClient(settings, sleep=slept.append))
    assert len(slept) == 1 and 0.5 <= slept[0] <= 1.0  # backoff_base with equal jitter


def test_usage_absent_gives_estimated_tokens() -> None:
    with FakeLLM(lambda req: VALID, usage=False) as llm:
        answer = _ask(ChatClient(_settings(llm)))
    from paperdigest.context import estimate_tokens

    assert answer.estimated
    assert answer.tokens_in == estimate_tokens(MESSAGES[0]["content"])
    assert answer.tokens_out == estimate_tokens(answer.text)


def test_refusal_and_empty_are_returned_for_the_caller_to_judge() -> None:
    with FakeLLM(lambda req: VALID) as llm:
        llm.inject(["refusal", "empty"])
        client = ChatClient(_settings(llm))
        refused = _ask(client)
        empty = _ask(client)
    assert refused.refusal and refused.text == ""
    assert empty.text == "" and empty.refusal is None


def test_custom_httpx_client_is_used() -> None:
    seen: list[str] = []

    def hook(request: httpx.Request) -> None:
        seen.append(str(request.url))

    with FakeLLM(lambda req: VALID) as llm, httpx.Client(event_hooks={"request": [hook]}) as hc:
        _ask(ChatClient(_settings(llm), http_client=hc))
    assert seen == [f"{llm.base_url}/chat/completions"]


def test_fake_helpers() -> None:
    assert arxiv_id_of({"messages": [{"role": "user", "content": "x\narXiv: 2601.21872\n"}]}) == (
        "2601.21872"
    )
    with pytest.raises(ValueError):
        arxiv_id_of({"messages": [{"role": "user", "content": "none"}]})
    with FakeLLM() as llm:
        models = httpx.get(f"{llm.base_url}/models").json()
    assert models["data"][0]["id"] == "fake-model"


# -- schema ------------------------------------------------------------------------------


def test_extract_json_tolerates_fences_and_prose() -> None:
    body = json.dumps(VALID, ensure_ascii=False)
    assert extract_json(f"```json\n{body}\n```") == VALID
    assert extract_json(f"Here is the summary:\n{body}\nHope it helps.") == VALID
    with pytest.raises(LLMOutputError):
        extract_json("no json here {oops")


def test_schema_strips_truncates_and_maps_usage_synonyms() -> None:
    data = json.loads(json.dumps(VALID))
    data["domain"] = "  NLP  "
    data["extra"] = "ignored"
    data["usage"] = {
        "inputs": "指令", "output": "判定", "workflow": "两阶段训练流程",
        "hardware": "8 张 A100", "code": "https://github.com/x/y",
    }
    data["innovations"] = [{"title": f"**点{i}**\n续", "detail": f"说明 {i}"} for i in range(9)]
    summary = parse_summary_json(json.dumps(data, ensure_ascii=False), "zh")
    assert summary.domain == "NLP"
    assert summary.usage.input == "指令" and summary.usage.code_and_resources.startswith("https")
    assert len(summary.innovations) == 6
    assert summary.innovations[0].title == "点0 续"  # one line, bold markers dropped
    assert summary.language == "zh"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("results"), "results"),
        (lambda d: d.update(innovations=[]), "innovations"),
    ],
)
def test_schema_rejects_invalid(mutate: Any, message: str) -> None:
    data = json.loads(json.dumps(VALID))
    mutate(data)
    with pytest.raises(LLMOutputError, match=message):
        parse_summary_json(json.dumps(data, ensure_ascii=False))


def test_schema_normalizes_what_is_only_form() -> None:
    # The contract (contract.validate.normalize_summary) fixes form instead of rejecting:
    # an empty field becomes the "not mentioned" marker, a 60-'=' line is dropped, a leading
    # '#' becomes its full-width form so it cannot make a heading.
    data = json.loads(json.dumps(VALID))
    data.update(contribution="  ", domain="# NLP")
    data["usage"]["input"] = "a\n" + "=" * 60
    summary = parse_summary_json(json.dumps(data, ensure_ascii=False))
    assert summary.contribution == NOT_MENTIONED
    assert summary.usage.input == "a"
    assert summary.domain == "＃ NLP"


@pytest.mark.parametrize(
    "content",
    ["[" * 50_000 + "]" * 50_000, '{"domain": ' + "[" * 50_000 + "]" * 50_000 + "}"],
    ids=["deep-array", "deep-in-object"],
)
def test_absurdly_nested_answer_is_invalid_output_not_a_recursion_error(content: str) -> None:
    with pytest.raises(LLMOutputError, match="nest"):
        parse_summary_json(content, "zh")
