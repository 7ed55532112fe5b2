"""Tests for paperdigest.verify: claim extraction, source normalisation and lookup."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperdigest.models import (
    NOT_MENTIONED,
    Document,
    Innovation,
    PaperSummary,
    Result,
    Section,
    Usage,
)
from paperdigest.verify import (
    GENERIC_TERMS,
    SourceIndex,
    check_claim,
    claims_in_text,
    extract_claims,
    index_source,
    is_traced,
    normalize_source,
    verify,
)

WEBARBITER_ID = "2601.21872"


def hf_abstracts(corpus: Path, day: str = "2026-01-30") -> dict[str, str]:
    """arXiv id → abstract (``paper.summary``) from a recorded HF daily_papers response."""
    items = json.loads((corpus / "hf_api" / f"daily_papers_{day}.json").read_text("utf-8"))
    return {item["paper"]["id"]: item["paper"]["summary"] for item in items}


def webarbiter_summary() -> PaperSummary:
    """The reference report's WebArbiter entry (2601.21872), copied by hand.

    Source: ../shared/reference/daily_report_2026-01-31.md, first entry (lines 7-34).
    Usage labels mapped as DESIGN §2 says: 输入数据 → input, 模型输出 → output,
    训练与硬件 → hardware, the unmatched 部署方式 goes into workflow as "label：text".
    """
    return PaperSummary(
        domain=(
            "NLP - 智能体 (Web Agents) / 强化学习 (Reinforcement Learning) / "
            "过程奖励模型 (Process Reward Model)"
        ),
        contribution=(
            "提出了一种基于“原则引导推理”和“强化学习”训练的过程奖励模型 WebArbiter，"
            "通过生成结构化理由来评估网页导航动作，解决了现有模型在复杂动态网页中反馈稀疏、"
            "可解释性差及对布局变化脆弱的问题。"
        ),
        usage=Usage(
            input=(
                "任务指令（Instruction）、当前网页观测状态（如可访问性树）、历史动作序列、"
                "以及待评估的候选动作及其推理痕迹。"
            ),
            output=(
                "一段结构化的文本理由（Justification），包含从当前语境归纳出的原则，"
                "并以最终的偏好判定（Verdict）结束，指明哪个动作最能推进任务完成。"
            ),
            workflow=(
                "部署方式：可用作奖励模型辅助智能体进行推理时的搜索（如 Best-of-N 采样），"
                "或用于评估现有轨迹质量。代码与基准测试集 `AgentRewardBench` 已发布。"
            ),
            hardware=(
                "基于 Transformer 解码器（论文使用 Qwen2.5-7B/3B），训练过程包含推理蒸馏和 "
                "RL（GRPO）两个阶段。论文实验使用了 8 张 NVIDIA A100-80GB GPU。"
            ),
        ),
        innovations=[
            Innovation(
                "原则引导的生成式奖励建模",
                "不同于传统的标量打分或基于静态模板的检查清单（Checklist），WebArbiter "
                "将奖励建模形式化为文本生成任务。它能根据用户意图和当前页面状态动态归纳原则，"
                "并生成可审计的推理链来验证动作有效性。",
            ),
            Innovation(
                "两阶段训练流水线",
                "设计了“推理蒸馏 + 强化学习”的训练策略。第一阶段从强教师模型蒸馏连贯的推理能力；"
                "第二阶段利用 GRPO 算法和可验证的正确性信号进行强化学习，"
                "修正教师偏差并将判决与实际任务进度对齐。",
            ),
            Innovation(
                "AgentRewardBench 基准测试集",
                "发布了首个跨越 4 个多样化 Web 环境（Mind2Web, WebArena, AssistantBench, "
                "WorkArena）的综合 WebPRM 评估基准，包含 1,150 个经过专家验证的高质量"
                "步骤级偏好实例。",
            ),
        ],
        results=[
            Result(
                "基准测试表现",
                "在 `AgentRewardBench` 上，WebArbiter-7B 取得了 SOTA 性能，超越了包括 GPT-5 "
                "在内的最强专有 LLM 基线（领先 9.1 分），并在所有测试环境中均优于之前的最佳 "
                "WebPRM 模型（WebShepherd）。",
            ),
            Result(
                "实际应用效果",
                "在 WebArena-Lite 环境的奖励引导轨迹搜索任务中，使用 WebArbiter "
                "进行重排序带来的成功率提升比 WebShepherd 高出 7.2 个百分点，"
                "显著增强了智能体在长程任务中的鲁棒性。",
            ),
        ],
    )


def texts(claims: list) -> list[str]:  # type: ignore[type-arg]
    return [c.text for c in claims]


# --- the acceptance test of DESIGN §6 -------------------------------------------------


def test_webarbiter_against_its_abstract(corpus: Path) -> None:
    abstract = hf_abstracts(corpus)[WEBARBITER_ID]
    result = verify(webarbiter_summary(), abstract)
    by_text = {c.text: c for c in result.claims}
    untraced = {c.text for c in result.untraced}
    # The entry names AgentRewardBench; the abstract releases "WebPRMBench" instead.
    assert "AgentRewardBench" in untraced
    assert by_text["AgentRewardBench"].kind == "name"
    # Supported by the abstract: "WebArbiter-7B outperforms ... GPT-5, by 9.1 points",
    # "on WebArena-Lite ... by up to 7.2 points", "spanning four diverse web environments".
    for text in ["WebArbiter-7B", "GPT-5", "9.1", "7.2", "WebArena-Lite", "4", "WebArbiter"]:
        assert by_text[text].found, text
    assert by_text["4"].kind == "number"
    # Read from the HTML by the reference's LLM, absent from the abstract.
    for text in ["1,150", "Mind2Web", "WebShepherd", "A100-80GB"]:
        assert text in untraced, text
    assert 0.0 < result.traced_ratio < 1.0


def test_webarbiter_claim_fields_and_order() -> None:
    claims = extract_claims(webarbiter_summary())
    by_text = {c.text: c for c in claims}
    # deduplicated per text, first field wins
    assert len(texts(claims)) == len(set(texts(claims)))
    assert by_text["WebArbiter"].field == "contribution"
    assert by_text["AgentRewardBench"].field == "usage.workflow"
    assert by_text["9.1"].field == "results[0].finding"
    assert by_text["7.2"].field == "results[1].finding"
    assert by_text["4"].field == "innovations[2].detail"
    assert not any(c.found for c in claims)
    # the domain (the summarizer's label) is not checked: "Process Reward Model" etc.
    assert not any(c.field == "domain" for c in claims)
    # generic acronyms are not claims
    assert not {"SOTA", "LLM", "RL", "GPU", "NLP"} & set(by_text)
    # "Qwen2.5-7B/3B" is a name and a size; digits inside a name are not numbers
    assert by_text["Qwen2.5-7B"].kind == "name"
    assert by_text["3B"].kind == "number"
    assert "2.5" not in by_text and "7" not in by_text
    # "第一阶段"/"第二阶段" are wording, not numbers
    assert "1" not in by_text and "2" not in by_text


# --- claim extraction -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("提升 12.5%", ["12.5%"]),
        ("快 3.5× 且省 3.5x，约 2.7 倍", ["3.5×", "3.5x", "2.7倍"]),
        ("参数规模 7–13B", ["7-13B"]),
        ("激活参数约 3B-4.5B", ["3B-4.5B"]),
        ("1.5B 模型", ["1.5B"]),
        ("使用 8×A100 训练", ["8×A100", "A100"]),
        ("推理频率约 88Hz", ["88Hz"]),
        ("包含 1,150 个实例", ["1,150"]),
        ("收集 180 万条样本，其中 12.3万 条高质量，共 5 亿 token", ["180 万", "12.3万", "5 亿"]),
        ("２０ 个全角数字", ["20"]),
        ("重力加速度 $9.8 m/s^2$", ["9.8"]),
        ("在 6层和12层 模型上", ["6", "12"]),
        ("在 2048 游戏中", ["2048"]),  # numbers that look like years are kept
        ("提升 +4.1 分，减少 -3.3%", ["4.1", "3.3%"]),
    ],
)
def test_number_claims(text: str, expected: list[str]) -> None:
    assert texts(claims_in_text(text)) == expected
    assert all(c.kind == "number" for c in claims_in_text(text) if c.text != "A100")


@pytest.mark.parametrize(
    "text",
    [
        "1. 将生成的视频帧输入评估管道。",
        "   2.  **OPD 阶段**",
        "包括 (1) 数据收集 (2) 生成 (3) 筛选",
        "包括 1) 数据 2) 模型",
        "①数据 ②模型",
        "第1阶段和第 2 步",
        "见 Table 2 与 Figure 3、表 4、图5、Section 3.2、Step 1",
        "发布于 2026-01-31，版本 1.2.3，arXiv 2601.21872",
        "单位 m/s^2 与 x_1",
        "pass@8 指标",
    ],
)
def test_structure_numbers_are_not_claims(text: str) -> None:
    assert [c for c in claims_in_text(text) if c.kind == "number"] == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("WebArbiter 在 WebPRMBench 上", ["WebArbiter", "WebPRMBench"]),
        ("使用 GRPO 与 PPO 训练", ["GRPO", "PPO"]),
        ("WebArbiter-7B 与 WebArena-Lite", ["WebArbiter-7B", "WebArena-Lite"]),
        ("基于 Qwen2.5-7B 和 Mind2Web", ["Qwen2.5-7B", "Mind2Web"]),
        ("对比 mHC 与 mHC-lite", ["mHC", "mHC-lite"]),
        ("在 NVIDIA H100 上", ["H100"]),  # the vendor is not the claim
        ("采用 Transformer 解码器与 Attention 机制", []),  # capitalised ordinary words
        ("面向 LLM 与 NLP 的 SOTA 方法，使用 GPU、CUDA 和 API", []),  # GENERIC_TERMS
        ("代码见 GitHub，权重在 HuggingFace，3D 数据", []),
        ("Gemini 2.5 Flash-Lite (41.3)", ["Flash-Lite"]),
    ],
)
def test_name_claims(text: str, names: list[str]) -> None:
    assert [c.text for c in claims_in_text(text) if c.kind == "name"] == names


def test_generic_terms_are_upper_case() -> None:
    assert all(term == term.upper() for term in GENERIC_TERMS)


def test_urls_are_name_claims() -> None:
    claims = claims_in_text("代码：https://github.com/w-yibo/VTC-R1。")
    assert [(c.text, c.kind) for c in claims] == [("https://github.com/w-yibo/VTC-R1", "name")]


def test_not_mentioned_fields_are_skipped() -> None:
    summary = PaperSummary(domain="CV", contribution="提出 FooNet，提升 3.2%。")
    assert summary.usage.hardware == NOT_MENTIONED
    assert texts(extract_claims(summary)) == ["FooNet", "3.2%"]


def test_dedup_keeps_first_field() -> None:
    summary = PaperSummary(
        domain="NLP",
        contribution="FooNet 提升 3.2%",
        results=[Result("A", "FooNet 提升 3.2%"), Result("B", "3.2 分")],
    )
    claims = extract_claims(summary)
    assert [(c.text, c.field) for c in claims] == [
        ("FooNet", "contribution"),
        ("3.2%", "contribution"),
        ("3.2", "results[1].finding"),
    ]


# --- source normalisation and lookup --------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "source", "found"),
    [
        ("1,024", "a batch of 1024 samples", True),
        ("1024", "a batch of 1,024 samples", True),
        ("12.5%", "improves by 12.5 % on", True),
        ("12.5%", r"improves by 12.5\% on", True),
        ("12.5%", r"improves by $12.5$\% on", True),
        ("9.1", r"by $\mathbf{9.1}$ points", True),
        ("1024", r"with 1{,}024 steps", True),
        ("3.5×", r"a $3.5\times$ speedup", True),
        ("3.5×", "a 3.5x speedup", True),
        ("3.5 倍", "3.5-fold faster", True),
        ("20", "trained on ２０ GPUs", True),  # full-width digits
        ("7.2", "a gain of 17.25 points", False),  # not a substring match
        ("7.2", "a gain of 7.24 points", True),  # a claim with decimals may round
        ("7.2", "a gain of 7.25 points", False),  # (half up: 7.25 → 7.3)
        ("7", "a gain of 7.24 points", False),  # an integer claim may not…
        ("约 7", "a gain of 7.24 points", True),  # …unless it says it is approximate
        ("72", "a gain of 7.2 points", False),
        ("4 个", "spanning four diverse web environments", True),
        ("9 个", "across nine LLMs", True),
        ("25", "twenty-five tasks", True),
        ("2 倍", "twice as fast", True),
        ("300", "three hundred prompts", True),
        ("180 万", "1.8M samples", True),
        ("180 万", "1.8 million samples", True),
        ("180 万", "1,800,000 samples", True),
        ("12.3万", "123K samples", True),
        ("5 亿", "500M tokens", True),
        ("5 亿", "5B tokens", False),
        ("1.5B", "a 1.5 billion parameter model", True),
        ("560B", "a 560-billion-parameter model", True),
        ("7B", "Qwen2.5-7B-Instruct", True),
        ("7B", "seven", False),
        ("7-13B", "models from 7B to 13B", True),
        ("7-13B", "models of 7–13B parameters", True),
        ("7-13B", "models of 7B parameters", False),
        ("88Hz", "runs at 88 Hz", True),
        ("4 个", "spanning 14 environments", False),
    ],
)
def test_number_lookup(claim: str, source: str, found: bool) -> None:
    assert check_claim(claim, source) is found


@pytest.mark.parametrize(
    ("claim", "source", "found"),
    [
        ("WebArena-Lite", "on WebArena-Lite it", True),
        ("WebArena-Lite", "on WebArena Lite it", True),
        ("WebArena-Lite", "on WebArenaLite it", True),
        ("WebArena-Lite", "on webarena-lite it", True),
        ("WebArena-Lite", "on WebArena it", False),
        ("WebArena", "on VisualWebArena it", False),
        ("WebArena", "on WebArena-Lite it", True),  # a variant's name contains it
        ("GPT-5", "than GPT-5.1 and", False),
        ("GPT-5", "than GPT-5, by", True),
        ("GPT-5", "than GPT5 and", True),
        ("GPT-5", "than GPT-50 and", False),
        ("WebPRM", "scalar WebPRMs collapse", True),
        ("WebPRMs", "a scalar WebPRM", True),
        ("Qwen2.5-7B", "Qwen2.5-7B-Instruct", True),
        ("Qwen2.5-7B", "Qwen2.5-72B", False),
        ("Qwen2.5-7B", "Qwen-2.5 7B", True),
        ("OmniGen", "OmniGen2 and", False),
        ("AgentRewardBench", "an agent reward benchmark", False),
        ("https://github.com/w-yibo/VTC-R1", "code: https://github.com/w-yibo/VTC-R1.", True),
        ("https://github.com/w-yibo/VTC-R2", "code: https://github.com/w-yibo/VTC-R1.", False),
    ],
)
def test_name_lookup(claim: str, source: str, found: bool) -> None:
    assert check_claim(claim, source) is found


def test_check_claim_needs_a_claim() -> None:
    with pytest.raises(ValueError, match="no checkable"):
        check_claim("一个普通的句子", "source")


def test_normalize_source() -> None:
    text = normalize_source(r"WebArbiter–7B gains $9.1$\% with ＧＰＴ‐5 and 3\times")
    assert text == "webarbiter-7b gains 9.1% with gpt-5 and 3×"


def test_source_index_numbers() -> None:
    index = index_source(r"We use 1,150 pairs, 7.25\% more, about 1.8M samples and four GPUs.")
    assert isinstance(index, SourceIndex)
    values = {Decimal(1150), Decimal("7.25"), Decimal("1.8"), Decimal(1800000), Decimal(4)}
    assert values <= index.numbers
    assert Decimal("7.3") in index.rounded and Decimal(7) in index.rounded_int
    assert Decimal("17.25") not in index.numbers


def test_is_traced_and_document_source(corpus: Path) -> None:
    abstract = hf_abstracts(corpus)[WEBARBITER_ID]
    doc = Document(
        arxiv_id=WEBARBITER_ID,
        title="WebArbiter",
        source_kind="ArXiv Abs",
        abstract=abstract,
        sections=[Section("Experiments", paragraphs=["We annotate 1,150 step-level pairs."])],
    )
    result = verify(webarbiter_summary(), doc)
    found = {c.text for c in result.claims if c.found}
    assert {"1,150", "WebArbiter-7B", "9.1"} <= found
    claim = next(c for c in result.claims if c.text == "AgentRewardBench")
    assert not is_traced(claim, doc)
    assert is_traced(next(c for c in result.claims if c.text == "GPT-5"), abstract)


def test_large_document_is_indexed_once(corpus: Path) -> None:
    # Every abstract of the 45-paper day, repeated to > 100 KB: the WebArbiter claims are
    # still traced and untraced the same way, and the index is built once per text.
    abstracts = hf_abstracts(corpus)
    big = "\n\n".join(abstracts.values()) * 2
    assert len(big.encode("utf-8")) > 100_000
    index_source.cache_clear()
    first = verify(webarbiter_summary(), big)
    second = verify(webarbiter_summary(), big)
    assert index_source.cache_info().misses == 1
    assert index_source.cache_info().hits >= 1
    assert [(c.text, c.found) for c in first.claims] == [(c.text, c.found) for c in second.claims]
    untraced = {c.text for c in first.untraced}
    assert "AgentRewardBench" in untraced
    assert not {"WebArbiter-7B", "GPT-5", "9.1", "7.2", "WebArena-Lite", "4"} & untraced


def test_verification_roundtrip() -> None:
    result = verify(webarbiter_summary(), "WebArbiter-7B beats GPT-5 by 9.1 points.")
    data = result.to_dict()
    assert "AgentRewardBench" in data["untraced"]
    assert result.from_dict(data).claims == result.claims


@given(st.integers(min_value=1000, max_value=10**9), st.sampled_from(["", "%", " 个"]))
def test_thousands_separators_any_value(value: int, suffix: str) -> None:
    source = f"we report {value:,} items"
    assert check_claim(f"{value}{suffix}", source)
    assert check_claim(f"{value:,}{suffix}", f"we report {value} items")
    assert not check_claim(f"{value + 1}{suffix}", source)


def test_not_mentioned_fields_are_skipped_in_either_language() -> None:
    """The "not mentioned" marker of both languages (contract.vocab) is no summary text to
    check; the English one used to be read as a field."""
    from paperdigest.contract.vocab import NOT_MENTIONED_MARKERS
    from paperdigest.models import Innovation, PaperSummary, Result, Usage
    from paperdigest.verify import _summary_fields

    for marker in NOT_MENTIONED_MARKERS:
        summary = PaperSummary(domain="d", contribution="We train X.",
                               usage=Usage(input=marker, output=marker, workflow=marker,
                                           hardware=marker, code_and_resources=marker),
                               innovations=[Innovation("T", "d")], results=[Result("S", "f")])
        assert [name for name, _ in _summary_fields(summary)] == [
            "contribution", "innovations[0].title", "innovations[0].detail",
            "results[0].setting", "results[0].finding"]
