"""OpenAISummarizer end to end against the loopback FakeLLM, on real corpus papers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from paperdigest.config import Settings
from paperdigest.context import pack
from paperdigest.errors import AuthError, ConfigError, ContextLengthError, LLMOutputError
from paperdigest.extract.html import extract_html
from paperdigest.llm.client import MODE_MEMORY
from paperdigest.models import Document, PaperRef
from paperdigest.summarize import (
    ExtractiveSummarizer,
    FallbackSummarizer,
    OpenAISummarizer,
    load_prompt,
    make_summarizer,
)
from paperdigest.summarize.openai import markdown_example
from tests.fakes.llm import FakeLLM, LLMFault, arxiv_id_of, mode_of

# The JSON a model would answer for WebArbiter (2601.21872); facts from its HF abstract.
ANSWER: dict[str, Any] = {
    "domain": "自然语言处理 - Web 智能体 / 过程奖励模型",
    "contribution": "提出 WebArbiter，把奖励建模表述为文本生成的 WebPRM。",
    "usage": {
        "input": "任务、当前上下文与候选动作",
        "output": "结构化理由与偏好判定",
        "workflow": "推理蒸馏 + 强化学习两阶段训练",
        "hardware": "论文未提及",
        "code_and_resources": "WebPRMBench",
    },
    "innovations": [
        {"title": "原则引导的推理式 WebPRM", "detail": "生成结构化理由并给出偏好判定。"},
        {"title": "两阶段训练", "detail": "推理蒸馏后用强化学习纠正教师偏差。"},
    ],
    "results": [{"setting": "WebPRMBench", "finding": "WebArbiter-7B 超过 GPT-5 9.1 分。"}],
}

# The same summary in the report's Markdown (DESIGN §2), as a text-mode model answers.
MARKDOWN = """### 1. 应用领域
自然语言处理 - Web 智能体 / 过程奖励模型

### 2. 一句话核心贡献
提出 WebArbiter，把奖励建模表述为文本生成的 WebPRM。

### 3. 使用指南
*   **输入**：任务、当前上下文与候选动作
*   **输出**：结构化理由与偏好判定
*   **流程**：推理蒸馏 + 强化学习两阶段训练
*   **硬件需求**：论文未提及
*   **代码与资源**：WebPRMBench

### 4. 主要创新点
1.  **原则引导的推理式 WebPRM**：生成结构化理由并给出偏好判定。
2.  **两阶段训练**：推理蒸馏后用强化学习纠正教师偏差。

### 5. 实验效果
*   **WebPRMBench**：WebArbiter-7B 超过 GPT-5 9.1 分。
"""


def _hf_items(corpus: Path) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(
        (corpus / "hf_api" / "daily_papers_2026-01-30.json").read_text(encoding="utf-8")
    )
    return data


def _paper(corpus: Path, arxiv_id: str) -> tuple[PaperRef, Document]:
    for item in _hf_items(corpus):
        paper = item["paper"]
        if paper["id"] == arxiv_id:
            ref = PaperRef(
                arxiv_id=paper["id"],
                title=paper["title"],
                abstract=paper["summary"],
                github_repo=paper.get("githubRepo"),
                project_page=paper.get("projectPage"),
            )
            return ref, Document(ref.arxiv_id, ref.title, "ArXiv Abs", abstract=paper["summary"])
    raise KeyError(arxiv_id)


def _settings(llm: FakeLLM, lang: str = "zh") -> Settings:
    settings = Settings(lang=lang)  # type: ignore[arg-type]
    settings.llm.base_url = llm.base_url
    settings.llm.model = "fake-model"
    return settings


def _run(
    llm: FakeLLM, ref: PaperRef, doc: Document, lang: str = "zh", budget: int = 4000, **kw: Any
) -> Any:
    summarizer = OpenAISummarizer(_settings(llm, lang), **kw)
    return summarizer.summarize(ref, doc, pack(doc, budget, ref=ref), lang)


def test_json_schema_path_builds_prompt_and_summary(corpus: Path) -> None:
    ref, doc = _paper(corpus, "2601.22153")  # DynamicVLA: has GitHub repo and project page
    with FakeLLM(lambda req: ANSWER) as llm:
        result = _run(llm, ref, doc)
    assert result.mode == "json_schema" and result.backend == "openai"
    assert result.model == "fake-model" and result.prompt_version == "zh-3"
    assert result.summary.domain == ANSWER["domain"]
    assert [i.title for i in result.summary.innovations] == ["原则引导的推理式 WebPRM", "两阶段训练"]
    assert result.summary.results[0].finding == "WebArbiter-7B 超过 GPT-5 9.1 分。"
    assert result.calls == 1 and not result.estimated_usage and result.tokens_in > 0
    request = llm.requests[0]
    system, user = request["messages"][0]["content"], request["messages"][1]["content"]
    assert "论文未提及" in system and "json" in system
    assert arxiv_id_of(request) == "2601.22153"
    assert ref.title in user
    assert "GitHub: https://github.com/hzxie/DynamicVLA" in user
    assert "Project page: https://haozhexie.com/project/dynamic-vla" in user
    assert "200K synthetic episodes" in user  # the abstract itself is in the prompt


def test_json_object_fallback(corpus: Path) -> None:
    ref, doc = _paper(corpus, "2601.21872")
    with FakeLLM(lambda req: ANSWER, reject_json_schema=True) as llm:
        result = _run(llm, ref, doc)
    assert result.mode == "json_object"
    assert [mode_of(r) for r in llm.requests] == ["json_schema", "json_object"]
    assert result.calls == 2
    assert result.summary.contribution == ANSWER["contribution"]


def test_text_fallback_parses_markdown(corpus: Path) -> None:
    ref, doc = _paper(corpus, "2601.21872")

    def responder(request: dict[str, Any]) -> str:
        # In text mode the prompt asks for the report's Markdown headings.
        assert "### 1. 应用领域" in request["messages"][0]["content"]
        return MARKDOWN

    with FakeLLM(responder, reject_response_format=True) as llm:
        result = _run(llm, ref, doc)
    assert result.mode == "text"
    assert result.calls == 3
    summary = result.summary
    assert summary.domain == ANSWER["domain"]
    assert summary.usage.input == ANSWER["usage"]["input"]
    assert summary.usage.hardware == "论文未提及"
    assert [(i.title, i.detail) for i in summary.innovations] == [
        (i["title"], i["detail"]) for i in ANSWER["innovations"]
    ]
    assert summary.results[0].setting == "WebPRMBench"


def test_remembered_mode_second_paper_makes_no_rejected_call(corpus: Path) -> None:
    with FakeLLM(lambda req: ANSWER, reject_response_format=True) as llm:
        summarizer = OpenAISummarizer(_settings(llm))
        for arxiv_id in ("2601.21872", "2601.22153"):
            ref, doc = _paper(corpus, arxiv_id)
            summarizer.summarize(ref, doc, pack(doc, 4000, ref=ref), "zh")
    # Paper 1: json_schema (400), json_object (400), text. Paper 2: text only.
    assert [mode_of(r) for r in llm.requests] == ["json_schema", "json_object", "text", "text"]
    assert MODE_MEMORY[(llm.base_url, "fake-model")] == "text"


def test_repair_round_fixes_invalid_answer(corpus: Path) -> None:
    ref, doc = _paper(corpus, "2601.21872")
    with FakeLLM(lambda req: ANSWER) as llm:
        llm.inject(["invalid_json"])
        result = _run(llm, ref, doc)
    assert llm.calls == 2 and result.calls == 2
    repair = llm.requests[1]["messages"]
    assert [m["role"] for m in repair] == ["system", "user", "assistant", "user"]
    assert repair[2]["content"] == "{this is not json"
    assert "不符合要求" in repair[3]["content"] and "JSON" in repair[3]["content"]
    assert result.summary.domain == ANSWER["domain"]


def test_schema_violation_is_named_in_repair_prompt(corpus: Path) -> None:
    ref, doc = _paper(corpus, "2601.21872")
    broken = {k: v for k, v in ANSWER.items() if k != "results"}
    answers = iter([broken, ANSWER])
    with FakeLLM(lambda req: next(answers)) as llm:
        result = _run(llm, ref, doc)
    assert "results" in llm.requests[1]["messages"][3]["content"]
    assert result.summary.results


def test_invalid_twice_raises_llm_output_error(corpus: Path) -> None:
    ref, doc = _paper(corpus, "2601.21872")
    with FakeLLM(lambda req: ANSWER) as llm:
        llm.inject(["invalid_json", "invalid_json"])
        with pytest.raises(LLMOutputError, match="invalid LLM output"):
            _run(llm, ref, doc)
    assert llm.calls == 2  # exactly one repair round


def test_empty_answer_gets_repaired(corpus: Path) -> None:
    ref, doc = _paper(corpus, "2601.21872")
    with FakeLLM(lambda req: ANSWER) as llm:
        llm.inject(["empty"])
        result = _run(llm, ref, doc)
    assert llm.requests[1]["messages"][2]["content"] == "(empty answer)"
    assert "empty answer" in llm.requests[1]["messages"][3]["content"]
    assert result.summary.domain == ANSWER["domain"]


def test_empty_twice_fails(corpus: Path) -> None:
    ref, doc = _paper(corpus, "2601.21872")
    with FakeLLM(lambda req: ANSWER) as llm:
        llm.inject(["empty", "empty"])
        with pytest.raises(LLMOutputError, match="empty answer"):
            _run(llm, ref, doc)


def test_refusal_field_twice_fails(corpus: Path) -> None:
    ref, doc = _paper(corpus, "2601.21872")
    with FakeLLM(lambda req: ANSWER) as llm:
        llm.inject(["refusal", "refusal"])
        with pytest.raises(LLMOutputError, match="refused"):
            _run(llm, ref, doc)


def test_refusal_text_is_detected(corpus: Path) -> None:
    ref, doc = _paper(corpus, "2601.21872")
    refusal = "I'm sorry, but I can't help with that."
    with FakeLLM(lambda req: refusal) as llm, pytest.raises(LLMOutputError, match="refused"):
        _run(llm, ref, doc)
    assert llm.calls == 2


def test_401_raises_auth_error_and_fallback_does_not_mask_it(corpus: Path) -> None:
    ref, doc = _paper(corpus, "2601.21872")
    with FakeLLM(lambda req: ANSWER) as llm:
        llm.inject([LLMFault(401)])
        settings = _settings(llm)
        settings.llm.fallback = ["extractive"]
        summarizer = make_summarizer(settings, "openai")
        assert isinstance(summarizer, FallbackSummarizer)
        with pytest.raises(AuthError, match="OPENAI_API_KEY"):
            summarizer.summarize(ref, doc, pack(doc, 4000, ref=ref), "zh")


def test_fallback_to_extractive_when_llm_fails(corpus: Path) -> None:
    ref, doc = _paper(corpus, "2601.21872")
    with FakeLLM(lambda req: ANSWER) as llm:
        settings = _settings(llm)
        settings.llm.fallback = ["extractive"]
        settings.http.retries = 0
        llm.inject([LLMFault(500)])
        summarizer = make_summarizer(settings, "openai")
        result = summarizer.summarize(ref, doc, pack(doc, 4000, ref=ref), "zh")
    assert result.backend == "extractive" and result.mode == "extractive"
    assert summarizer.name == "openai"  # cache keys follow the main backend


def test_429_retry_after_sleeps_then_succeeds(corpus: Path) -> None:
    ref, doc = _paper(corpus, "2601.21872")
    slept: list[float] = []
    with FakeLLM(lambda req: ANSWER) as llm:
        llm.inject([LLMFault(429, headers={"Retry-After": "3"})])
        result = _run(llm, ref, doc, sleep=slept.append)
    assert slept == [3.0]
    assert result.calls == 2 and result.summary.domain == ANSWER["domain"]


def test_context_length_repacks_smaller(corpus: Path) -> None:
    # A real full-text paper (2510.11260v1, 84 KB HTML) so that a smaller budget drops text.
    body = (corpus / "arxiv_html" / "2510.11260v1.html").read_bytes()
    doc = extract_html(body, "2510.11260")
    ref = PaperRef(doc.arxiv_id, doc.title)
    with FakeLLM(lambda req: ANSWER) as llm:
        llm.inject(["context_length"])
        result = _run(llm, ref, doc, budget=3000)
    first, second = (r["messages"][1]["content"] for r in llm.requests)
    assert len(second) < len(first)
    assert arxiv_id_of(llm.requests[1]) == "2510.11260"  # the header survives repacking
    assert result.context_budget == 1800  # 3000 * 0.6
    assert result.calls == 2


def test_context_length_gives_up_after_two_repacks(corpus: Path) -> None:
    ref, doc = _paper(corpus, "2601.21872")
    with FakeLLM(lambda req: ANSWER) as llm:
        llm.inject(["context_length"] * 3)
        with pytest.raises(ContextLengthError):
            _run(llm, ref, doc, budget=2000)
    assert llm.calls == 3


def test_usage_absent_gives_estimated_tokens(corpus: Path) -> None:
    ref, doc = _paper(corpus, "2601.21872")
    with FakeLLM(lambda req: ANSWER, usage=False) as llm:
        result = _run(llm, ref, doc)
    assert result.estimated_usage
    assert result.tokens_in > 0 and result.tokens_out > 0


def test_english_prompt(corpus: Path) -> None:
    ref, doc = _paper(corpus, "2601.21872")
    with FakeLLM(lambda req: ANSWER) as llm:
        result = _run(llm, ref, doc, lang="en")
    assert result.prompt_version == "en-3" and result.summary.language == "en"
    assert "Not mentioned in the paper" in llm.requests[0]["messages"][0]["content"]


def test_prompt_files_have_versions_and_sections() -> None:
    for lang in ("zh", "en"):
        prompt = load_prompt(lang)
        # zh-3/en-3: hints from the contract's vocabulary, untrusted-data rule (issues 10, 11).
        assert prompt.version == f"{lang}-3"
        for name in ("system", "json", "markdown", "user", "repair"):
            assert prompt.section(name)
        assert "json" in prompt.section("json")  # json_object mode requires the word
        # The Markdown format is the report's own, in the report's language (issue 13).
        headings = {
            "zh": ("### 1. 应用领域", "### 2. 一句话核心贡献", "### 3. 使用指南",
                   "### 4. 主要创新点", "### 5. 实验效果"),
            "en": ("### 1. Domain", "### 2. Core contribution", "### 3. How to use",
                   "### 4. Key innovations", "### 5. Results"),
        }[lang]
        shown = markdown_example(lang)
        for heading in headings:
            assert heading in shown
        assert "{context}" in prompt.section("user")


def test_make_summarizer_backends() -> None:
    settings = Settings()
    assert isinstance(make_summarizer(settings), ExtractiveSummarizer)
    with pytest.raises(ConfigError, match="no API key"):  # api.openai.com, no key (QA 11-29)
        make_summarizer(settings, "openai")
    settings.llm.api_key = "sk-test"
    assert isinstance(make_summarizer(settings, "openai"), OpenAISummarizer)
    with pytest.raises(ConfigError, match="unknown summarizer backend 'nope'"):
        make_summarizer(settings, "nope")


def test_concurrent_papers_share_one_client(corpus: Path) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    items = _hf_items(corpus)[:6]
    # Each answer waits until three requests are in flight: proves overlap without sleeping.
    barrier = threading.Barrier(3, timeout=10)

    def responder(request: dict[str, Any]) -> dict[str, Any]:
        barrier.wait()
        return ANSWER

    with FakeLLM(responder) as llm:
        summarizer = OpenAISummarizer(_settings(llm))

        def one(item: dict[str, Any]) -> str:
            ref, doc = _paper(corpus, item["paper"]["id"])
            return summarizer.summarize(ref, doc, pack(doc, 4000, ref=ref), "zh").mode

        with ThreadPoolExecutor(max_workers=6) as pool:
            modes = list(pool.map(one, items))
    assert modes == ["json_schema"] * 6
    assert llm.max_concurrent >= 3
    assert sorted(arxiv_id_of(r) for r in llm.requests) == sorted(i["paper"]["id"] for i in items)


@pytest.mark.parametrize("reject", [False, True], ids=["json_schema", "text"])
def test_replayed_day_yields_the_reference_summaries(
    corpus: Path, reference_report: Path, reject: bool
) -> None:
    # The replay fake answers each paper with the reference report's block (as JSON, or as
    # its raw Markdown when response_format is rejected); the summaries must come back equal
    # to what the report parser reads from the reference.
    from tests.fakes.replay import load_reference_summaries, replay_answer

    entries = load_reference_summaries(reference_report)

    def responder(request: dict[str, Any]) -> str:
        entry = entries[arxiv_id_of(request)]
        return replay_answer(entry, as_json=mode_of(request) != "text")

    with FakeLLM(responder, reject_response_format=reject) as llm:
        summarizer = OpenAISummarizer(_settings(llm))
        for item in _hf_items(corpus):
            ref, doc = _paper(corpus, item["paper"]["id"])
            result = summarizer.summarize(ref, doc, pack(doc, 4000, ref=ref), "zh")
            assert result.summary == entries[ref.arxiv_id].summary, ref.arxiv_id
            assert result.mode == ("text" if reject else "json_schema")
    assert llm.calls == 45 + (2 if reject else 0)
