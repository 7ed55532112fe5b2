"""Render summaries, paper blocks and whole days in the reference Markdown format.

The format is DESIGN §2 (reference: ``reference/daily_report_2026-01-31.md``): a three-line
header, optional ``> `` notes, an optional overview, then one block per paper between 60-'='
separators, and an optional footer after the last separator. Everything beyond the reference
(notes, verification warnings, provenance, failure lines, footer) is a ``> `` line or lies
outside the paper blocks, so :func:`paperdigest.render.parse.parse_report` ignores it.

Multi-line values (details with nested bullets, numbered steps, …) are written as continuation
lines indented to the content column of their item (4 spaces: ``1.  `` and ``*   `` are both
4 characters wide), and free-text parts indent their continuation lines by 4 spaces; the
parser removes exactly that indent, so valid summaries round-trip
(``parse_summary_markdown(render_summary(s)) == s``, see ``render.parse.is_valid_summary``).
"""

from __future__ import annotations

import logging

from paperdigest.models import DayReport, PaperReport, PaperSummary, RunStats
from paperdigest.render.labels import CANONICAL_LABELS, USAGE_FIELDS
from paperdigest.render.parse import LIST_ITEM_RE, PART_NAMES

logger = logging.getLogger(__name__)

#: Line between the header and each paper block (60 '=', as in the reference).
SEPARATOR = "=" * 60
REPORT_TITLE = "# Hugging Face Daily Papers Report"
#: ``阅读来源`` of a paper that has no summary (DESIGN §2).
NO_SOURCE = "无"
#: What the provenance line calls each backend; other backends are shown by model name.
BACKEND_LABELS = {"extractive": "抽取式摘要", "replay": "回放"}


def _one_line(text: str) -> str:
    """Collapse whitespace (HF titles sometimes contain line breaks)."""
    return " ".join(text.split())


def _continued(first_prefix: str, text: str, indent: int) -> list[str]:
    """``first_prefix + line 1``, then the other lines indented by ``indent`` spaces."""
    first, *rest = text.split("\n")
    pad = " " * indent
    return [first_prefix + first, *(pad + line for line in rest)]


def _item(marker: str, label: str, text: str) -> list[str]:
    """A list item ``{marker}**label**：text`` whose continuation lines align with its content.

    A text that starts with a list of its own starts on the next line, so that its first
    bullet lines up with the others.
    """
    head = f"{marker}**{label}**："
    if LIST_ITEM_RE.match(text.split("\n", 1)[0]):
        pad = " " * len(marker)
        return [head, *(pad + line for line in text.split("\n"))]
    return _continued(head, text, len(marker))


def _number_marker(number: int) -> str:
    """``1.  `` (two spaces, as in the reference); at least one space for numbers ≥ 10."""
    text = f"{number}."
    return text + " " * max(1, 4 - len(text))


def render_summary(summary: PaperSummary) -> str:
    """The five numbered parts (``### 1. 应用领域`` … ``### 5. 实验效果``), newline-terminated."""
    lines: list[str] = [f"### 1. {PART_NAMES[0]}", *_continued("", summary.domain, 4), ""]
    lines += [f"### 2. {PART_NAMES[1]}", *_continued("", summary.contribution, 4), ""]
    lines.append(f"### 3. {PART_NAMES[2]}")
    for name in USAGE_FIELDS:
        lines += _item("*   ", CANONICAL_LABELS[name], getattr(summary.usage, name))
    lines += ["", f"### 4. {PART_NAMES[3]}"]
    for number, innovation in enumerate(summary.innovations, start=1):
        lines += _item(_number_marker(number), innovation.title, innovation.detail)
    lines += ["", f"### 5. {PART_NAMES[4]}"]
    for result in summary.results:
        lines += _item("*   ", result.setting, result.finding)
    return "\n".join(lines) + "\n"


def _untraced_line(report: PaperReport) -> str | None:
    if report.verification is None:
        return None
    names: list[str] = []
    for claim in report.verification.untraced:
        text = _one_line(claim.text)
        if text and text not in names:
            names.append(text)
    return f"> ⚠ 未在原文中找到：{'、'.join(names)}" if names else None


def _provenance_line(report: PaperReport) -> str | None:
    parts: list[str] = []
    if report.coverage is not None or report.context_tokens is not None:
        read = "摘要" if report.source_kind == "ArXiv Abs" else "正文"
        if report.coverage is not None:
            read += f" {round(report.coverage * 100)}%"
        if report.context_tokens is not None:
            read += f"（{report.context_tokens:,} tokens）"
        parts.append(read)
    who = BACKEND_LABELS.get(report.backend) or report.model or report.backend
    if who:
        parts.append(who)
    # DESIGN §2 writes "正文 78%（16,000 tokens）· 抽取式摘要": no space after a full-width ")".
    return f"> 已读：{' · '.join(parts).replace('） · ', '）· ')}" if parts else None


def render_paper(report: PaperReport) -> str:
    """One paper's block, from ``## 📄 {title}`` to its last line, newline-terminated.

    A paper with a summary gets the ``# {title}`` line, the five parts, then (if any) the
    ``> ⚠ 未在原文中找到：…`` and ``> 已读：…`` lines. A paper without one (``failure`` set, or
    no summary) gets ``- **阅读来源**: 无`` and ``> ❌ 未能生成：{stage}: {reason}`` instead.
    Separators are added by :func:`render_day`.
    """
    title = _one_line(report.ref.title)
    failed = report.summary is None or report.failure is not None
    source = NO_SOURCE if failed or not report.source_kind else report.source_kind
    lines = [
        f"## 📄 {title}",
        "",
        f"- **链接**: {report.ref.hf_url}",
        f"- **阅读来源**: {source}",
        "",
    ]
    if report.summary is None or report.failure is not None:
        if report.failure is not None:
            stage, reason = report.failure.stage, _one_line(report.failure.reason)
        else:
            stage, reason = "summarize", "no summary was produced"
        lines.append(f"> ❌ 未能生成：{stage}: {reason}")
        return "\n".join(lines) + "\n"
    text = f"# {title}\n\n" + render_summary(report.summary)
    notes = [n for n in (_untraced_line(report), _provenance_line(report)) if n]
    if notes:
        text += "\n" + "\n".join(notes) + "\n"
    return "\n".join(lines) + "\n" + text


def _order_key(report: PaperReport) -> tuple[int, str]:
    return (-report.ref.upvotes, report.ref.arxiv_id)


def render_footer(stats: RunStats) -> list[str]:
    """The ``> `` lines after the last separator: backend, model, counts, tokens, cost, time."""
    backend = stats.backend or "?"
    model = f" · 模型：{stats.model}" if stats.model else ""
    return [
        f"> 后端：{backend}{model}",
        f"> 论文：{stats.papers} 篇 · 完成 {stats.done} · 失败 {stats.failed}",
        f"> tokens：输入 {stats.tokens_in:,} · 输出 {stats.tokens_out:,}",
        f"> LLM 调用：{stats.llm_calls} · 费用：${stats.cost:.4f}",
        f"> 用时：{stats.seconds:.1f} s",
    ]


def render_day(day: DayReport, overview: str = "") -> str:
    """The whole report file for one requested day.

    Header (byte-identical to the reference's three lines), ``> `` notes, the optional
    ``overview`` Markdown, then the paper blocks ordered by upvotes descending, ties by arXiv
    id, each followed by two blank lines and the separator; the footer (``day.stats``) comes
    after the last separator.
    """
    out = [
        REPORT_TITLE,
        f"**Date**: {day.date}",
        f"**Source URL**: https://huggingface.co/papers/date/{day.date}",
        "",
    ]
    if day.notes:
        out += [f"> {_one_line(note)}" for note in day.notes] + [""]
    if overview.strip():
        out += [overview.strip("\n"), ""]
    out.append(SEPARATOR)
    text = "\n".join(out) + "\n"
    for report in sorted(day.papers, key=_order_key):
        text += "\n" + render_paper(report) + "\n\n" + SEPARATOR + "\n"
    if day.stats is not None:
        text += "\n" + "\n".join(render_footer(day.stats)) + "\n"
    return text
