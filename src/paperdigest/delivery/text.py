"""A day as plain text: the email's text part and the body of chat messages.

Each paper is one block (title, links, the five parts, notes, or the failure), so that chat
senders can split a day between messages at paper boundaries. Plain text is never
interpreted as markup here; each chat format escapes it its own way (:mod:`.webhooks`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import PaperReport
from ..web.data import DayView
from ..web.links import Link, paper_links
from ..web.vocab import part_names, usage_labels

__all__ = ["PaperBlock", "day_title", "paper_block", "plain_text"]

_WORDS = {
    "zh": {"failed": "未能生成", "pending": "尚未摘要", "untraced": "未在原文中找到",
           "papers": "篇论文", "source": "阅读来源", "colon": "："},
    "en": {"failed": "Not summarized", "pending": "Not summarized yet",
           "untraced": "Not found in the paper", "papers": "papers", "source": "Source",
           "colon": ": "},
}


def _labels(lang: str) -> tuple[tuple[str, ...], dict[str, str], dict[str, str]]:
    lang = lang if lang in _WORDS else "zh"
    parts, usage = part_names(lang), usage_labels(lang)
    return parts, usage, _WORDS[lang]


def one_line(text: str | None) -> str:
    return " ".join((text or "").split())


@dataclass
class PaperBlock:
    """One paper as text pieces (each chat format assembles and escapes them)."""

    arxiv_id: str
    title: str
    links: list[Link]
    source: str
    lines: list[tuple[str, str]]
    """(label, text) pairs: the five parts' fields, then notes; text may hold newlines."""
    failure: str
    """``stage: reason`` when the paper has no summary (or the "pending" word)."""


def paper_block(report: PaperReport, lang: str = "zh") -> PaperBlock:
    """The text pieces of one paper."""
    parts, usage, words = _labels(lang)
    ref = report.ref
    block = PaperBlock(arxiv_id=ref.arxiv_id, title=one_line(ref.title) or ref.arxiv_id,
                       links=paper_links(ref), source=report.source_kind or "—", lines=[],
                       failure="")
    summary = report.summary
    if summary is None or report.failure is not None:
        block.source = "—"
        if report.failure is not None:
            block.failure = (f"{words['failed']}{words['colon']}{report.failure.stage}: "
                             f"{one_line(report.failure.reason)}")
        else:
            block.failure = words["pending"]
        return block
    block.lines.append((parts[0], summary.domain))
    block.lines.append((parts[1], summary.contribution))
    for name, label in usage.items():
        block.lines.append((f"{parts[2]} · {label}", getattr(summary.usage, name)))
    for i, innovation in enumerate(summary.innovations, 1):
        block.lines.append(
            (f"{parts[3]} {i}", f"{innovation.title}{words['colon']}{innovation.detail}"))
    for result in summary.results:
        block.lines.append((parts[4], f"{result.setting}{words['colon']}{result.finding}"))
    if report.verification is not None and report.verification.untraced:
        names = list(dict.fromkeys(one_line(c.text) for c in report.verification.untraced))
        block.lines.append(("⚠", f"{words['untraced']}{words['colon']}{'、'.join(names)}"))
    return block


def day_title(view: DayView, title: str, lang: str = "zh") -> str:
    _, _, words = _labels(lang)
    return f"{title} {view.date} ({len(view.papers)} {words['papers']})"


def plain_text(view: DayView, title: str, lang: str = "zh") -> str:
    """The whole day as plain text (the email's ``text/plain`` part)."""
    _, _, words = _labels(lang)
    out = [day_title(view, title, lang), ""]
    for number, report in enumerate(view.papers, 1):
        block = paper_block(report, lang)
        out.append(f"{number}. {block.title}")
        out.append(f"   {words['source']}{words['colon']}{block.source}")
        out.extend(f"   {link.label}: {link.url}" for link in block.links)
        if block.failure:
            out.append(f"   {block.failure}")
        for label, text in block.lines:
            body = text.replace("\n", "\n      ")
            out.append(f"   {label}{words['colon']}{body}")
        out.append("")
    return "\n".join(out)
