"""Read daily reports (ours in either language, or the reference report) back into entries.

``parse_report`` reads a whole daily report (``reference/daily_report_2026-01-31.md`` or one
rendered by :mod:`paperdigest.render.markdown`) into a header and one :class:`ParsedEntry` per
paper block. Tests use it to check the renderer, and the replay LLM uses it to answer with the
reference's summaries. Each block's five parts are read by the summary codec
(:func:`paperdigest.contract.markdown.parse_summary_markdown`, whose docstring lists every
accepted form); block lines (link, source, ``> `` notes) are read here, in both languages
(``- **链接**:`` / ``- **Link**:``, ``> ❌ 未能生成：`` / ``> ❌ Not generated:``).

The summary contract (codec and validator) is re-exported here for callers that read reports.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from paperdigest.contract.markdown import (
    DEFAULT_RESULT_SETTING,
    LIST_ITEM_RE,
    PART_NAMES,
    is_note,
    note_text,
    parse_summary_markdown,
    summary_language,
)
from paperdigest.contract.markup import unescape_markup
from paperdigest.contract.validate import is_valid_summary, normalize_summary, summary_problems
from paperdigest.contract.vocab import EN, ZH
from paperdigest.errors import LLMOutputError, ReportFormatError
from paperdigest.models import Failure, PaperSummary

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_RESULT_SETTING",
    "LIST_ITEM_RE",
    "PART_NAMES",
    "ParsedEntry",
    "ReportFormatError",
    "ReportHeader",
    "is_valid_summary",
    "normalize_summary",
    "parse_report",
    "parse_summary_markdown",
    "summary_language",
    "summary_problems",
]

#: The 60-'=' line between blocks; only at column 0.
_SEPARATOR_RE = re.compile(r"^={60,}\s*$")


def _alternatives(*texts: str) -> str:
    return "(?:" + "|".join(re.escape(t) for t in texts) + ")"


_FAILURE_RE = re.compile(
    r"^❌\s*" + _alternatives(ZH.failed.removeprefix("❌ ").rstrip("：: "),
                               EN.failed.removeprefix("❌ ").rstrip("：: "))
    + r"\s*[：:]\s*(?P<stage>[a-z]+)\s*[:：]\s*(?P<reason>.*)$"
)
_LINK_RE = re.compile(
    r"^- \*\*" + _alternatives(ZH.link_label, EN.link_label) + r"\*\*:\s*(?P<link>\S+)\s*$"
)
_SOURCE_RE = re.compile(
    r"^- \*\*" + _alternatives(ZH.source_label, EN.source_label)
    + r"\*\*:\s*(?P<source>.+?)\s*$"
)
_ID_FROM_LINK_RE = re.compile(r"/papers/(?P<id>[^/\s?#]+)\s*$")


@dataclass
class ReportHeader:
    """The lines above the first separator of a daily report."""

    date: str
    source_url: str
    notes: list[str] = field(default_factory=list)
    """``> `` lines under the header, without the ``> `` prefix."""


@dataclass
class ParsedEntry:
    """One paper block of a daily report."""

    title: str
    """From the ``## 📄`` line."""
    arxiv_id: str
    link: str
    source: str
    """``HTML``, ``PDF``, ``ArXiv Abs`` or ``无``/``none`` (failed paper)."""
    summary: PaperSummary | None
    """``None`` only for a failed paper's block."""
    has_title_line: bool
    """Whether the block repeats a ``# …`` title line above its five parts."""
    notes: list[str]
    """The block's ``> `` lines without the prefix (⚠ / provenance / ❌)."""
    raw: str
    """The block's Markdown after the link/source lines, blank lines trimmed at both ends."""
    failure: Failure | None = None


_is_note = is_note
_note_text = note_text


def _split_blocks(lines: list[str]) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in lines:
        if _SEPARATOR_RE.match(line):
            blocks.append([])
        else:
            blocks[-1].append(line)
    return blocks


def _parse_header(lines: list[str]) -> ReportHeader:
    date = source_url = ""
    notes: list[str] = []
    for line in lines:
        if line.startswith("**Date**:"):
            date = line.split(":", 1)[1].strip()
        elif line.startswith("**Source URL**:"):
            source_url = line.split(":", 1)[1].strip()
        elif _is_note(line):
            notes.append(_note_text(line))
    if not date:
        raise ReportFormatError(
            "not a daily report: no '**Date**: YYYY-MM-DD' line above the first "
            "'=' * 60 separator (expected the layout of reference/daily_report_2026-01-31.md)"
        )
    return ReportHeader(date=date, source_url=source_url, notes=notes)


def _trim(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _parse_entry(lines: list[str]) -> ParsedEntry | None:
    lines = _trim(lines)
    if not lines or not lines[0].startswith("## 📄"):
        return None
    title = unescape_markup(lines[0].removeprefix("## 📄").strip())
    link = source = ""
    body_start = 1
    for number, line in enumerate(lines[1:], start=1):
        if not line.strip():
            continue
        if link_match := _LINK_RE.match(line):
            link = link_match.group("link")
            body_start = number + 1
        elif source_match := _SOURCE_RE.match(line):
            source = source_match.group("source")
            body_start = number + 1
        else:
            break
    id_match = _ID_FROM_LINK_RE.search(link)
    if not id_match:
        raise ReportFormatError(
            f"paper block {title!r} has no '- **链接**: https://huggingface.co/papers/ID' (or '- **Link**: …') line"
        )
    body = _trim(lines[body_start:])
    raw = "\n".join(body)
    notes = [_note_text(line) for line in body if _is_note(line)]
    failure: Failure | None = None
    for note in notes:
        if failed := _FAILURE_RE.match(note):
            failure = Failure(stage=failed.group("stage"), reason=failed.group("reason"))  # type: ignore[arg-type]
    content = [line for line in body if not _is_note(line)]
    has_title = any(line.startswith("# ") for line in content)
    summary: PaperSummary | None = None
    if any(line.strip() for line in content):
        try:
            summary = parse_summary_markdown(raw, language=summary_language(raw))
        except LLMOutputError as exc:
            if failure is None:
                raise ReportFormatError(f"paper block {title!r}: {exc}") from exc
    elif failure is None:
        raise ReportFormatError(f"paper block {title!r} has neither a summary nor a '> ❌' line")
    return ParsedEntry(
        title=title,
        arxiv_id=id_match.group("id"),
        link=link,
        source=source,
        summary=summary,
        has_title_line=has_title,
        notes=notes,
        raw=raw,
        failure=failure,
    )


def parse_report(text: str) -> tuple[ReportHeader, list[ParsedEntry]]:
    """Parse a daily report into its header and paper blocks, in file order.

    Chunks between separators that hold no ``## 📄`` block (overview, footer) are ignored.
    Each summary's ``language`` is guessed with :func:`summary_language`, since the report
    format does not record it.

    Raises:
        ReportFormatError: no ``**Date**`` header, a block without a link, or a block whose
            summary misses parts (the message names them).
    """
    lines = [line.rstrip() for line in text.splitlines()]
    blocks = _split_blocks(lines)
    header = _parse_header(blocks[0])
    entries = [entry for block in blocks[1:] if (entry := _parse_entry(block)) is not None]
    return header, entries
