"""Parsing the reference report and free-form summaries; round trips through the renderer.

Expected values for the reference come from the raw Markdown file read independently
(regex counts over its text) or from the corpus' HF API list, never from our own output.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperdigest.contract import echo_problem
from paperdigest.contract.labels import LABEL_SYNONYMS, USAGE_FIELDS, usage_fields_for
from paperdigest.errors import LLMOutputError
from paperdigest.models import (
    NOT_MENTIONED,
    DayReport,
    Innovation,
    PaperRef,
    PaperReport,
    PaperSummary,
    Result,
    Usage,
)
from paperdigest.render.markdown import SEPARATOR, render_day, render_summary
from paperdigest.render.parse import (
    DEFAULT_RESULT_SETTING,
    ParsedEntry,
    ReportFormatError,
    is_valid_summary,
    normalize_summary,
    parse_report,
    parse_summary_markdown,
    summary_language,
    summary_problems,
)
from tests.fakes.replay import load_reference_summaries, replay_answer

# --------------------------------------------------------------------------- reference


@pytest.fixture
def reference_text(reference_report: Path) -> str:
    return reference_report.read_text(encoding="utf-8")


@pytest.fixture
def reference_entries(reference_report: Path) -> dict[str, ParsedEntry]:
    return load_reference_summaries(reference_report)


def _raw_blocks(text: str) -> list[str]:
    """The reference's paper blocks, split independently of the parser."""
    return [b for b in re.split(r"^={60}$", text, flags=re.MULTILINE) if "## 📄" in b]


def test_reference_header(reference_text: str) -> None:
    header, entries = parse_report(reference_text)
    assert header.date == "2026-01-31"
    assert header.source_url == "https://huggingface.co/papers/date/2026-01-31"
    assert header.notes == []
    assert len(entries) == 45


def test_reference_ids_match_the_hf_list(reference_text: str, corpus: Path) -> None:
    listed = json.loads((corpus / "hf_api" / "daily_papers_2026-01-30.json").read_text("utf-8"))
    expected_ids = {item["paper"]["id"] for item in listed}
    _, entries = parse_report(reference_text)
    assert {e.arxiv_id for e in entries} == expected_ids
    for entry in entries:
        assert entry.link == f"https://huggingface.co/papers/{entry.arxiv_id}"
    # The titles are the HF titles (whitespace aside: HF titles may contain line breaks).
    hf_titles = {item["paper"]["id"]: " ".join(item["paper"]["title"].split()) for item in listed}
    assert sum(e.title == hf_titles[e.arxiv_id] for e in entries) >= 40


def test_reference_sources(reference_text: str) -> None:
    _, entries = parse_report(reference_text)
    html = len(re.findall(r"^- \*\*阅读来源\*\*: HTML$", reference_text, flags=re.MULTILINE))
    abstract = len(
        re.findall(r"^- \*\*阅读来源\*\*: ArXiv Abs$", reference_text, flags=re.MULTILINE)
    )
    assert (html, abstract) == (39, 6)  # DESIGN §2 states 39 HTML and 6 abstract-only
    assert sum(e.source == "HTML" for e in entries) == html
    assert sum(e.source == "ArXiv Abs" for e in entries) == abstract


def test_reference_title_lines(reference_text: str) -> None:
    without = sum(not re.search(r"^# ", b, flags=re.MULTILINE) for b in _raw_blocks(reference_text))
    assert without == 8  # DESIGN §2: 8 of 45 entries lack the "# title" line
    _, entries = parse_report(reference_text)
    assert sum(not e.has_title_line for e in entries) == without


def test_reference_entries_have_five_parts(reference_entries: dict[str, ParsedEntry]) -> None:
    assert len(reference_entries) == 45
    for arxiv_id, entry in reference_entries.items():
        summary = entry.summary
        assert summary is not None, arxiv_id
        assert summary.domain.strip() and summary.contribution.strip(), arxiv_id
        filled = [f for f in USAGE_FIELDS if getattr(summary.usage, f) != NOT_MENTIONED]
        assert filled, arxiv_id
        assert summary.innovations and all(i.title and i.detail for i in summary.innovations)
        assert summary.results and all(r.setting and r.finding for r in summary.results)
        assert summary.language == "zh"
        assert entry.notes == [] and entry.failure is None
        # No heading or note leaks into the content.
        for text in (summary.domain, summary.contribution, summary.usage.workflow):
            assert "应用领域**" not in text and "### " not in text, arxiv_id


def test_reference_innovation_and_result_counts(reference_text: str) -> None:
    """Innovation counts equal the top-level items under each 主要创新点 heading (regex)."""
    _, entries = parse_report(reference_text)
    by_id = {e.arxiv_id: e for e in entries}
    for block in _raw_blocks(reference_text):
        arxiv_id = re.search(r"huggingface\.co/papers/(\S+)", block).group(1)  # type: ignore[union-attr]
        section = re.search(r"主要创新点.*?\n(.*?)\n\s*(?:###\s*|\*\*)?5\.", block, flags=re.DOTALL)
        assert section, arxiv_id
        items = re.findall(r"^( *)(?:[*-]|\d\.) +\S", section.group(1), flags=re.MULTILINE)
        top = min(len(indent) for indent in items)
        expected = sum(len(indent) < top + 2 for indent in items)
        summary = by_id[arxiv_id].summary
        assert summary is not None
        assert len(summary.innovations) == expected, arxiv_id


def test_spot_checks(reference_entries: dict[str, ParsedEntry]) -> None:
    # WebArbiter (reference lines 17-21): "*   **输入数据**：任务指令（Instruction）…" and
    # "*   **训练与硬件**：… 8 张 NVIDIA A100-80GB GPU", "*   **部署方式**：…".
    web = reference_entries["2601.21872"].summary
    assert web is not None
    assert web.usage.input.startswith("任务指令")
    assert web.usage.output.startswith("一段结构化的文本理由")
    assert "A100-80GB" in web.usage.hardware
    assert "Best-of-N" in web.usage.workflow
    assert [i.title for i in web.innovations][2] == "AgentRewardBench 基准测试集"
    assert web.results[1].setting == "实际应用效果" and "7.2" in web.results[1].finding
    assert reference_entries["2601.21872"].has_title_line

    # DynamicVLA: "# DynamicVLA 研究报告" title line, "1. **应用领域**" style, and
    # "*   **硬件需求**：… NVIDIA RTX A6000 …"; "**数据采集**" is a workflow label.
    dyn = reference_entries["2601.22153"]
    assert dyn.has_title_line and dyn.summary is not None
    assert "A6000" in dyn.summary.usage.hardware
    assert "Isaac Sim" in dyn.summary.usage.workflow
    # Its second innovation has two nested bullets, kept as text in the detail.
    nested = dyn.summary.innovations[1]
    assert nested.title == "连续推理与流式执行机制"
    assert nested.detail.count("*   **") == 2 and "Continuous Inference" in nested.detail
    assert dyn.summary.results[1].finding.endswith("提升了 **188.1%**。")

    # KromHC has no "# title" line; "**输入/输出**：输入为…，输出为…" is split in two, and
    # the nested bullets under "**核心表现**：" stay in that result's finding.
    krom = reference_entries["2601.21579"]
    assert not krom.has_title_line and krom.summary is not None
    assert krom.summary.usage.input.startswith("某一层神经网络的特征张量")
    assert krom.summary.usage.output.startswith("经过动态混合后的特征")
    assert krom.summary.usage.code_and_resources == "论文声明代码已开源（GitHub）。"
    core = krom.summary.results[1]
    assert core.setting == "核心表现" and core.finding.count("\n") == 2
    assert core.finding.startswith("*   **下游任务能力**")

    # Typhoon-S uses the inline style "1. **应用领域**：NLP-…" (reference line 183).
    typhoon = reference_entries["2601.18129"].summary
    assert typhoon is not None
    assert typhoon.domain.startswith("NLP-大语言模型后训练")
    assert typhoon.contribution.startswith("提出了一种名为 Typhoon-S")
    assert typhoon.usage.workflow.startswith("1.  **SFT 阶段**")
    assert typhoon.usage.workflow.count("\n") == 2

    # ECO uses "**1. 应用领域**" headings.
    eco = reference_entries["2601.22101"].summary
    assert eco is not None
    assert eco.domain.startswith("NLP-大语言模型训练")
    assert "H100" in eco.usage.hardware

    # GANPO's 实验效果 starts with a sentence before the bullets: a result with the default
    # setting, followed by its four bold-labelled bullets.
    ganpo = reference_entries["2601.22083"].summary
    assert ganpo is not None
    assert ganpo.results[0].setting == DEFAULT_RESULT_SETTING
    assert "UltraFeedback" in ganpo.results[0].finding
    assert [r.setting for r in ganpo.results[1:]] == [
        "胜率提升",
        "高熵下的鲁棒性",
        "判别器有效性",
        "下游任务保持",
    ]


def test_every_reference_label_is_classified_or_unmatched(reference_text: str) -> None:
    labels = set()
    for section in re.findall(r"使用指南.*?\n(.*?)(?:主要创新点)", reference_text, flags=re.DOTALL):
        labels |= set(re.findall(r"^ {0,4}[*-] +\*\*([^*]+?)\*\*", section, flags=re.MULTILINE))
    assert len(labels) > 30  # DESIGN §2: "more than 30 labels"
    matched = {label for label in labels if usage_fields_for(label)}
    # Nested sub-labels (模型池, 预算, 主干, …) or pure descriptions may stay unmatched.
    assert len(matched) >= 0.8 * len(labels)
    for label in ("输入数据", "模型输出", "训练与硬件", "部署方式", "硬件要求", "代码获取"):
        assert label in labels and usage_fields_for(label)
    assert usage_fields_for("输入/输出") == ("input", "output")


def test_reference_summaries_round_trip(reference_entries: dict[str, ParsedEntry]) -> None:
    for arxiv_id, entry in reference_entries.items():
        summary = entry.summary
        assert summary is not None
        assert is_valid_summary(summary), (arxiv_id, summary_problems(summary))
        assert parse_summary_markdown(render_summary(summary)) == summary, arxiv_id


def test_replay_answers(reference_entries: dict[str, ParsedEntry]) -> None:
    entry = reference_entries["2601.21872"]
    as_json = json.loads(replay_answer(entry, as_json=True))
    assert PaperSummary.from_dict(as_json) == entry.summary
    assert as_json["language"] == "zh"
    raw = replay_answer(entry, as_json=False)
    assert raw.startswith("# WebArbiter") and "### 5. 实验效果" in raw
    assert parse_summary_markdown(raw) == entry.summary


# --------------------------------------------------------------------------- free-form


def test_inline_and_english_headings() -> None:
    text = """Here is the summary.

## 1. Application Domain
Computer vision

**2. 一句话核心贡献**：A method for X.

3. **使用指南**：
- **Input/Output**：输入为图片，输出为深度图
- **GPU 配置**：1 张 A100
- **模型架构**：ViT-L
- 直接运行脚本即可

### 4. 主要创新点 (Key Innovations)
*   第一，提出了新损失函数
*   **Fast**: 2x faster

### 5. Results
- 在 KITTI 上 AbsRel 降低 12%
  - 夜间子集更明显
- **NYU**：0.05
"""
    s = parse_summary_markdown(text, language="en")
    assert s.language == "en"
    assert s.domain == "Computer vision"
    assert s.contribution == "A method for X."
    assert (s.usage.input, s.usage.output) == ("图片", "深度图")
    assert s.usage.hardware == "1 张 A100"
    # unmatched label → "label：text"; an unlabelled bullet joins workflow without a label
    assert s.usage.workflow == "模型架构：ViT-L\n直接运行脚本即可"
    # Issue 13 (a whole English report): an English summary gets the English markers.
    assert s.usage.code_and_resources == "Not mentioned in the paper"
    assert s.innovations == [
        Innovation(title="第一", detail="第一，提出了新损失函数"),
        Innovation(title="Fast", detail="2x faster"),
    ]
    assert s.results == [
        Result(
            setting="Result", finding="在 KITTI 上 AbsRel 降低 12%\n- 夜间子集更明显"
        ),
        Result(setting="NYU", finding="0.05"),
    ]


def test_notes_fence_and_missing_parts() -> None:
    fenced = "```markdown\n" + render_summary(_summary()) + "> ⚠ 未在原文中找到：X\n```\n"
    assert parse_summary_markdown(fenced) == _summary()
    with pytest.raises(LLMOutputError, match="主要创新点、实验效果"):
        parse_summary_markdown(
            "### 1. 应用领域\nA\n### 2. 一句话核心贡献\nB\n### 3. 使用指南\n- x\n"
        )
    with pytest.raises(LLMOutputError, match="应用领域"):
        parse_summary_markdown(
            render_summary(_summary()).replace("机器人", "", 1).replace("学习", "", 1)
        )
    # A heading whose number belongs to another part is not a heading.
    with pytest.raises(LLMOutputError, match="应用领域"):
        parse_summary_markdown(
            render_summary(_summary()).replace("### 1. 应用领域", "### 2. 应用领域")
        )


def test_summary_language() -> None:
    assert (
        summary_language("提出了一种基于 Transformer 的 VLA 模型，在 LIBERO 上达到 SOTA。") == "zh"
    )
    english = "We propose a compact vision-language-action model for dynamic objects. " * 20
    assert summary_language("### 1. 应用领域\n" + english) == "en"


def test_summary_problems_name_the_field() -> None:
    bad = dataclasses.replace(
        _summary(),
        innovations=[Innovation(title="a**b", detail="x")],
        results=[Result(setting="s", finding=" x\n\ny")],
    )
    problems = summary_problems(bad)
    assert any(p.startswith("innovations[0].title") for p in problems)
    assert any("results[0].finding has leading" in p for p in problems)
    assert any("results[0].finding contains a blank line" in p for p in problems)
    assert not is_valid_summary(bad)
    heading_like = dataclasses.replace(
        _summary(),
        innovations=[Innovation(f"t{i}", "d") for i in range(4)] + [Innovation("实验效果", "d")],
    )
    assert any("looks like a part heading" in p for p in summary_problems(heading_like))


def test_parse_report_rejects_non_reports() -> None:
    with pytest.raises(ReportFormatError, match="Date"):
        parse_report("# Some notes\n\n" + SEPARATOR + "\n")


# --------------------------------------------------------------------------- properties


def _summary() -> PaperSummary:
    return PaperSummary(
        domain="机器人学习",
        contribution="提出了 X。",
        usage=Usage(input="图像", hardware="A6000"),
        innovations=[Innovation("架构", "0.4B 参数")],
        results=[Result("DOM", "成功率 **60.5%**")],
    )


# CJK, Latin, digits and the Markdown characters the renderer must survive.
_TOKENS = st.sampled_from(
    list("的模型数据实验效果输入abcXYZ019 .,%*：:-（）【】、") + ["**", "1. ", "* "]
)
_WORD = st.lists(_TOKENS, min_size=1, max_size=12).map("".join)


def _line() -> st.SearchStrategy[str]:
    # A value that is only a label or prompt hint ("输入") is invalid content (issue 10).
    return _WORD.map(str.strip).filter(bool).filter(lambda s: echo_problem("domain", s) is None)


def _indented_line() -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from(["", "", "  ", "*   ", "1.  ", "- "]), _line()).map("".join)


def _text(max_lines: int = 3) -> st.SearchStrategy[str]:
    """Non-empty multi-line text: continuation lines may be indented or start a list."""
    return st.tuples(_line(), st.lists(_indented_line(), max_size=max_lines - 1)).map(
        lambda parts: "\n".join([parts[0], *parts[1]])
    ).filter(lambda s: echo_problem("domain", s) is None)


def _label() -> st.SearchStrategy[str]:
    return _line().filter(
        lambda s: "**" not in s and not s.startswith("*") and not s.endswith(("*", "：", ":"))
    )


@st.composite
def valid_summary(draw: st.DrawFn) -> PaperSummary:
    """Summaries that satisfy ``is_valid_summary`` (other modules' tests may reuse this)."""
    usage = Usage(**{f: draw(st.one_of(st.just(NOT_MENTIONED), _text())) for f in USAGE_FIELDS})
    summary = PaperSummary(
        domain=draw(_text()),
        contribution=draw(_text(2)),
        usage=usage,
        innovations=draw(
            st.lists(st.builds(Innovation, _label(), _text()), min_size=1, max_size=6)
        ),
        results=draw(st.lists(st.builds(Result, _label(), _text()), min_size=1, max_size=5)),
        language=draw(st.sampled_from(["zh", "en"])),
    )
    return summary


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(valid_summary())
def test_summary_round_trip(summary: PaperSummary) -> None:
    assert is_valid_summary(summary), summary_problems(summary)
    assert parse_summary_markdown(render_summary(summary), summary.language) == summary


@settings(max_examples=20, deadline=None)
@given(st.lists(valid_summary(), min_size=1, max_size=4))
def test_day_round_trip(summaries: list[PaperSummary]) -> None:
    papers = [
        PaperReport(
            ref=PaperRef(arxiv_id=f"2601.{20000 + i}", title=f"Paper {i}", upvotes=i),
            source_kind="HTML",
            summary=s,
        )
        for i, s in enumerate(summaries)
    ]
    day = DayReport(date="2026-01-31", listed_date="2026-01-30", papers=papers, notes=["注：x"])
    header, entries = parse_report(render_day(day))
    assert header.date == "2026-01-31" and header.notes == ["注：x"]
    by_id = {e.arxiv_id: e for e in entries}
    assert len(entries) == len(papers)
    for paper in papers:
        entry = by_id[paper.ref.arxiv_id]
        assert entry.title == paper.ref.title and entry.source == "HTML"
        assert entry.has_title_line
        assert entry.summary is not None and paper.summary is not None
        # The report does not record the language; it is guessed from the text.
        assert entry.summary == dataclasses.replace(paper.summary, language=entry.summary.language)


def test_label_table_values_are_fields() -> None:
    for label, fields in LABEL_SYNONYMS.items():
        assert fields and set(fields) <= set(USAGE_FIELDS), label
        assert usage_fields_for(f" **{label}**：") == fields


def test_normalize_summary_fixes_form_only() -> None:
    messy = PaperSummary(
        domain="  CV\n\n  # 视频 \t",
        contribution="> 一句话\r\n" + "=" * 60,
        usage=Usage(input="", output="图像\u2028深度"),
        innovations=[Innovation("**架构**：\n", "a\n\n b  ")],
        results=[Result(" 基准 *", "x")],
        language="en",
    )
    clean = normalize_summary(messy)
    assert clean == PaperSummary(
        domain="CV\n  ＃ 视频",
        contribution="＞ 一句话",
        # Issue 13: an English summary's empty field gets the English marker.
        usage=Usage(input="Not mentioned in the paper", output="图像\n深度"),
        innovations=[Innovation("架构", "a\n b")],
        results=[Result("基准", "x")],
        language="en",
    )
    assert is_valid_summary(clean)
    assert normalize_summary(clean) == clean


_ANY_TEXT = st.text(max_size=40)


@settings(max_examples=100, deadline=None)
@given(
    st.builds(
        PaperSummary,
        domain=_ANY_TEXT,
        contribution=_ANY_TEXT,
        usage=st.builds(Usage, input=_ANY_TEXT, workflow=_ANY_TEXT),
        innovations=st.lists(st.builds(Innovation, _ANY_TEXT, _ANY_TEXT), min_size=1, max_size=3),
        results=st.lists(st.builds(Result, _ANY_TEXT, _ANY_TEXT), min_size=1, max_size=3),
    )
)
def test_normalized_summaries_round_trip(summary: PaperSummary) -> None:
    """Any text, once normalised, renders and parses back, unless it reads as a heading (or,
    issue 10, is only a copied label/hint: normalisation never invents content)."""
    clean = normalize_summary(summary)
    problems = summary_problems(clean)
    assert all("part heading" in p or "not content" in p for p in problems), problems
    if not problems:
        assert parse_summary_markdown(render_summary(clean), clean.language) == clean


def test_label_with_a_star_before_its_colon_is_normalised() -> None:
    """Found by the round-trip property: "0*:" lost its colon but kept the star ("0*")."""
    summary = PaperSummary(domain="d", contribution="c", usage=Usage(input="i"),
                           innovations=[Innovation("t*:", "x")],
                           results=[Result("0*:", "y")])
    clean = normalize_summary(summary)
    assert clean.results[0].setting == "0" and clean.innovations[0].title == "t"
    assert not summary_problems(clean)
