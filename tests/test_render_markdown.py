"""The Markdown renderer: byte-exact templates (DESIGN §2), ordering, failures, notes, footer."""

from __future__ import annotations

import re
from pathlib import Path

from paperdigest.models import (
    Claim,
    DayReport,
    Failure,
    Innovation,
    PaperRef,
    PaperReport,
    PaperSummary,
    Result,
    RunStats,
    Usage,
    Verification,
)
from paperdigest.render.markdown import SEPARATOR, render_day, render_paper, render_summary
from paperdigest.render.parse import parse_report


def _summary(tag: str) -> PaperSummary:
    return PaperSummary(
        domain=f"NLP - {tag}",
        contribution=f"提出了 {tag}。",
        usage=Usage(input="任务指令", output="动作", workflow="两阶段训练", hardware="8 张 A100"),
        innovations=[Innovation("原则引导", "生成理由"), Innovation("两阶段", "蒸馏 + RL")],
        results=[Result("基准", "领先 9.1 分")],
    )


def _paper(arxiv_id: str, upvotes: int, **kwargs: object) -> PaperReport:
    ref = PaperRef(arxiv_id=arxiv_id, title=f"Paper {arxiv_id}", upvotes=upvotes)
    return PaperReport(ref=ref, **kwargs)  # type: ignore[arg-type]


# Written by hand from DESIGN §2 and the reference file's layout (header, one blank line,
# separator; blank line, block, two blank lines, separator).
EXPECTED_BLOCK_A = """\
## 📄 Paper 2601.00002

- **链接**: https://huggingface.co/papers/2601.00002
- **阅读来源**: HTML

# Paper 2601.00002

### 1. 应用领域
NLP - A

### 2. 一句话核心贡献
提出了 A。

### 3. 使用指南
*   **输入**：任务指令
*   **输出**：动作
*   **流程**：两阶段训练
*   **硬件需求**：8 张 A100
*   **代码与资源**：论文未提及

### 4. 主要创新点
1.  **原则引导**：生成理由
2.  **两阶段**：蒸馏 + RL

### 5. 实验效果
*   **基准**：领先 9.1 分

> ⚠ 未在原文中找到：AgentRewardBench、12.3%
> 已读：正文 78%（16,000 tokens）· 抽取式摘要
"""

EXPECTED_FAILED = """\
## 📄 Paper 2601.00001

- **链接**: https://huggingface.co/papers/2601.00001
- **阅读来源**: 无

> ❌ 未能生成：fetch: 404 No HTML; PDF 503 after 3 retries
"""


def _day() -> DayReport:
    verification = Verification(
        claims=[
            Claim("WebArbiter-7B", "name", found=True),
            Claim("AgentRewardBench", "name"),
            Claim("12.3%", "number"),
            Claim("AgentRewardBench", "name"),  # listed once
        ]
    )
    a = _paper(
        "2601.00002",
        5,
        source_kind="HTML",
        summary=_summary("A"),
        verification=verification,
        coverage=0.78,
        context_tokens=16000,
        backend="extractive",
    )
    failed = _paper(
        "2601.00001",
        5,
        failure=Failure("fetch", "404 No HTML;\nPDF 503 after 3 retries"),
    )
    top = _paper("2601.00003", 9, source_kind="ArXiv Abs", summary=_summary("C"))
    return DayReport(
        date="2026-01-31",
        listed_date="2026-01-30",
        papers=[a, failed, top],
        notes=["注：2026-01-31 没有论文列表，本报告使用 2026-01-30 的 3 篇论文。"],
        stats=RunStats(backend="extractive", papers=3, done=2, failed=1, seconds=1.5),
    )


def test_render_paper_block_is_byte_exact() -> None:
    day = _day()
    assert render_paper(day.papers[0]) == EXPECTED_BLOCK_A
    assert render_paper(day.papers[1]) == EXPECTED_FAILED


def test_render_day_layout_and_order() -> None:
    text = render_day(_day())
    header = (
        "# Hugging Face Daily Papers Report\n"
        "**Date**: 2026-01-31\n"
        "**Source URL**: https://huggingface.co/papers/date/2026-01-31\n"
        "\n"
        "> 注：2026-01-31 没有论文列表，本报告使用 2026-01-30 的 3 篇论文。\n"
        "\n"
        f"{SEPARATOR}\n"
    )
    assert text.startswith(header)
    # upvotes descending (9 first), ties (5, 5) by arXiv id: 00001 before 00002
    assert re.findall(r"^## 📄 Paper (\S+)$", text, flags=re.MULTILINE) == [
        "2601.00003",
        "2601.00001",
        "2601.00002",
    ]
    body = text[len(header) :]
    blocks = body.split(f"\n\n\n{SEPARATOR}\n")
    assert blocks[1] == "\n" + EXPECTED_FAILED.rstrip("\n")
    assert blocks[2] == "\n" + EXPECTED_BLOCK_A.rstrip("\n")
    assert "- **阅读来源**: ArXiv Abs" in blocks[0]
    footer = blocks[3]
    assert footer.startswith("\n> 后端：extractive\n")
    assert "> 论文：3 篇 · 完成 2 · 失败 1\n" in footer
    assert footer.endswith("> 用时：1.5 s\n")
    assert text.count(SEPARATOR) == 4
    assert len(SEPARATOR) == 60 and set(SEPARATOR) == {"="}


def test_render_day_parses_back() -> None:
    day = _day()
    header, entries = parse_report(render_day(day, overview="今日概览：3 篇。"))
    assert header.date == "2026-01-31"
    assert header.notes == [day.notes[0]]
    assert [e.arxiv_id for e in entries] == ["2601.00003", "2601.00001", "2601.00002"]
    failed = entries[1]
    assert failed.summary is None and failed.source == "无" and not failed.has_title_line
    assert failed.failure == Failure("fetch", "404 No HTML; PDF 503 after 3 retries")
    a = entries[2]
    assert a.summary == day.papers[0].summary
    assert a.notes == [
        "⚠ 未在原文中找到：AgentRewardBench、12.3%",
        "已读：正文 78%（16,000 tokens）· 抽取式摘要",
    ]
    assert entries[0].source == "ArXiv Abs"


def test_render_day_without_notes_or_papers_matches_reference_header(
    reference_report: Path,
) -> None:
    empty = render_day(DayReport(date="2026-01-31", listed_date="2026-01-31"))
    reference = reference_report.read_text(encoding="utf-8")
    # The reference's first five lines: three header lines, a blank line, the separator.
    assert empty == "".join(reference.splitlines(keepends=True)[:5])
    # …and its blocks end like ours: last content line, two blank lines, separator, EOF.
    assert reference.endswith(f"\n\n\n{SEPARATOR}\n")


def _shape(block: str) -> list[str]:
    """Each line as a class (heading text kept, items and text collapsed), for layout checks."""
    shape: list[str] = []
    for line in block.split("\n"):
        if line.startswith(("## 📄", "# ")):
            kind = line.split(" ")[0]
        elif line.startswith("- **"):
            kind = line.split(":")[0]
        elif line.startswith("### "):
            kind = line
        elif not line:
            kind = "blank"
        elif re.match(r"^(\*|\d\.) ", line):
            kind = "item"
        else:
            kind = "text"
        if not (shape and shape[-1] == kind == "item"):
            shape.append(kind)
    return shape


def test_reference_block_layout_matches_ours(reference_report: Path) -> None:
    """Blank lines and headings sit where the reference's first (### style) block has them."""
    reference = reference_report.read_text(encoding="utf-8")
    first_block = reference.split(f"{SEPARATOR}\n")[1]
    ours = render_paper(_paper("2601.21872", 1, source_kind="HTML", summary=_summary("A")))
    assert _shape("\n" + ours + "\n\n") == _shape(first_block)


def test_multiline_details_are_indented() -> None:
    summary = PaperSummary(
        domain="CV\n（视频）",
        contribution="一句话。",
        innovations=[Innovation("两层", "*   **直观**：a\n*   **参数**：b")],
        results=[Result("结果", "第一行\n  - 子项")],
    )
    text = render_summary(summary)
    assert "### 1. 应用领域\nCV\n    （视频）\n" in text
    assert "1.  **两层**：\n    *   **直观**：a\n    *   **参数**：b\n" in text
    assert "*   **结果**：第一行\n      - 子项\n" in text


def test_titles_are_single_line() -> None:
    ref = PaperRef(arxiv_id="2601.00009", title="A Long\n  Title", upvotes=0)
    text = render_paper(PaperReport(ref=ref, source_kind="PDF", summary=_summary("x")))
    assert text.startswith("## 📄 A Long Title\n")
    assert "\n# A Long Title\n" in text
    assert "- **阅读来源**: PDF\n" in text
