"""Parse daily reports and single five-part summaries written in Markdown.

Two callers use this module:

* ``parse_report`` reads a whole daily report (ours, or the reference report in
  ``reference/daily_report_2026-01-31.md``) back into a header and one :class:`ParsedEntry`
  per paper block. Tests use it to check the renderer, and the replay LLM uses it to answer
  with the reference's summaries.
* ``parse_summary_markdown`` reads one entry's five parts from free-ish Markdown; the LLM
  backend uses it for plain-text answers (when ``response_format`` is not supported).

What the parser accepts (every form occurs in the reference report):

* part headings ``### 1. 应用领域``, ``## 1. …``, ``**1. 应用领域**``, ``1. **应用领域**`` with the
  text on the following (indented) lines, ``1. **应用领域**：inline text``, headings with extra
  words (``### 4. 主要创新点 (Key Innovations)``), and English names (``### 5. Results``);
  a heading sits at most 3 spaces in and its number, when present, must match its part;
* an optional ``# title`` line (or any other ``# …`` line) before the first part;
* lists with ``*``, ``-``, ``+`` or ``1.`` markers at any indent; lines indented deeper than an
  item's marker (nested bullets, numbered steps, continuation lines) stay in that item's text,
  dedented by the item's content column;
* ``> `` lines at column 0 are notes (⚠ untraced claims, 已读 provenance, ❌ failure), not
  content.

Normalisation rules (documented because they decide what the summary fields hold):

* 使用指南 labels go through :mod:`paperdigest.render.labels`. A label naming two fields
  (``输入/输出``, ``硬件与代码``) fills both (hardware+workflow labels such as ``训练与硬件``
  fill hardware only); for input+output a text of the form
  ``输入为 A，输出为 B`` is split into A and B. A label matching no field goes into
  ``workflow`` as ``"label：text"``. When several items land in one field, they are joined
  with a newline, each prefixed ``"label："`` unless its label is the field's canonical one
  (newline rather than "；" keeps nested steps readable and renders as continuation lines).
  Unlabelled usage text (a bullet without a bold label, or text before the first bullet) goes
  into ``workflow``. Fields nobody fills stay ``论文未提及``.
* An innovation without a bold title takes the text before the first "：" (when that is at
  most 30 characters) or else its first clause as title; the detail is the rest / whole text.
* A result without a bold setting gets the setting before the first "：" (same rule) or else
  :data:`DEFAULT_RESULT_SETTING` ("结果"); text before the first bullet of 实验效果 (e.g.
  "在 X 上训练，主要结果如下：") becomes such a result too.
* Blank lines inside a part are dropped.

A summary for which ``parse_summary_markdown(render_summary(s)) == s`` is guaranteed is
checked by :func:`is_valid_summary` (reasons from :func:`summary_problems`); summarizers use it
to validate their output before rendering.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from paperdigest.errors import LLMOutputError, ReportFormatError
from paperdigest.models import (
    NOT_MENTIONED,
    Failure,
    Innovation,
    PaperSummary,
    Result,
    Usage,
)
from paperdigest.render.labels import CANONICAL_LABELS, USAGE_FIELDS, UsageField, usage_fields_for

logger = logging.getLogger(__name__)

#: The five parts, in report order, with their Chinese heading names.
PART_NAMES: tuple[str, ...] = ("应用领域", "一句话核心贡献", "使用指南", "主要创新点", "实验效果")

#: Keywords that identify a part heading (compared without spaces, lower-cased). The
#: Chinese ones cover the reference report; the English ones cover models that translate
#: the headings when asked for an English report.
PART_KEYWORDS: tuple[tuple[str, ...], ...] = (
    ("应用领域", "研究领域", "领域", "applicationdomain", "domain", "field"),
    ("核心贡献", "一句话", "主要贡献", "contribution", "coresummary", "tl;dr"),
    ("使用指南", "使用方法", "使用说明", "usageguide", "usage", "howtouse"),
    ("创新点", "主要创新", "创新", "innovations", "innovation", "keyideas"),
    ("实验效果", "实验结果", "实验表现", "实验与结果", "results", "experiments"),
)

#: Setting given to a result item that has no bold setting and no "setting：" prefix.
DEFAULT_RESULT_SETTING = "结果"

#: Longest text before "：" that is taken as an unlabelled item's title/setting.
_MAX_INLINE_LABEL = 30
#: A heading may carry extra words ("主要创新点 (Key Innovations)"), but not a sentence.
_MAX_HEADING_LABEL = 40
#: A heading without a number must be (nearly) just the keyword, so that a title line like
#: "# Domain Adaptation …" is not taken for 应用领域.
_MAX_UNNUMBERED_EXTRA = 4

#: The 60-'=' line between blocks; only at column 0.
_SEPARATOR_RE = re.compile(r"^={60,}\s*$")
#: A list item line: indent, marker (``*``, ``-``, ``+``, ``1.``), spaces, content.
LIST_ITEM_RE = re.compile(
    r"^(?P<indent> *)(?P<marker>[*+-]|\d{1,3}[.)、])(?P<space> +)(?P<content>\S.*)$"
)
#: ``**label**`` followed by a colon or the end of the line; the label may contain "*".
_BOLD_LABEL_RE = re.compile(r"^\*\*(?P<label>.+?)\*\*(?=\s*[：:]|\s*$)\s*[：:]?\s*(?P<rest>.*)$")
#: ``**label：**rest`` (colon inside the bold).
_BOLD_COLON_LABEL_RE = re.compile(r"^\*\*(?P<label>[^*\n]+?)[：:]\*\*\s*(?P<rest>.*)$")
_NUMBERED_RE = re.compile(r"^(?:\*\*)?\s*(?P<num>[1-9])\s*[.、．]\s*(?P<body>.*)$")
_CLAUSE_END_RE = re.compile(r"[，。；,;]")
_FAILURE_RE = re.compile(r"^❌\s*未能生成[：:]\s*(?P<stage>[a-z]+)\s*[:：]\s*(?P<reason>.*)$")
_LINK_RE = re.compile(r"^- \*\*链接\*\*:\s*(?P<link>\S+)\s*$")
_SOURCE_RE = re.compile(r"^- \*\*阅读来源\*\*:\s*(?P<source>.+?)\s*$")
_ID_FROM_LINK_RE = re.compile(r"/papers/(?P<id>[^/\s?#]+)\s*$")
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_RE = re.compile(r"[A-Za-z]")
_IO_SPLIT_RE = re.compile(
    r"^(?:输入(?:为|是|：|:)?\s*)?(?P<input>.+?)[，,；;。]\s*输出(?:为|是|：|:)?\s*(?P<output>.+)$",
    re.DOTALL,
)


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
    """``HTML``, ``PDF``, ``ArXiv Abs`` or ``无`` (failed paper)."""
    summary: PaperSummary | None
    """``None`` only for a failed paper's block."""
    has_title_line: bool
    """Whether the block repeats a ``# …`` title line above its five parts."""
    notes: list[str]
    """The block's ``> `` lines without the prefix (⚠ / 已读 / ❌)."""
    raw: str
    """The block's Markdown after the link/source lines, blank lines trimmed at both ends."""
    failure: Failure | None = None


# --------------------------------------------------------------------------- helpers


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _dedent(line: str, width: int) -> str:
    """Remove at most ``width`` leading spaces."""
    return line[min(width, _indent(line)) :]


def _is_note(line: str) -> bool:
    return line.startswith(">")


def _note_text(line: str) -> str:
    return line[1:].strip()


def _match_part(label: str) -> int | None:
    """Index (0–4) of the part a heading label names, or ``None``."""
    key = re.sub(r"\s+", "", label).lower()
    if not key or len(key) > _MAX_HEADING_LABEL:
        return None
    for index, keywords in enumerate(PART_KEYWORDS):
        if any(k in key for k in keywords):
            return index
    return None


def _part_heading(line: str) -> tuple[int, str] | None:
    """Recognise a part heading; return (part index, inline text after it) or ``None``."""
    if not line.strip() or _indent(line) > 3:
        return None
    text = line.strip()
    if text.startswith(("* ", "- ", "+ ", ">")):
        return None
    hashes = len(text) - len(text.lstrip("#"))
    text = text[hashes:].strip()
    bold = text.startswith("**")
    number: int | None = None
    numbered = _NUMBERED_RE.match(text)
    if numbered:
        number = int(numbered.group("num"))
        text = numbered.group("body").strip()
    elif bold:
        text = text[2:].strip()
    if text.startswith("**"):
        bold = True
        text = text[2:].strip()
    end = text.find("**")
    if end >= 0:
        label, rest = text[:end], text[end + 2 :]
    elif bold:
        label, rest = text, ""
    else:
        cut = min((i for i in (text.find("："), text.find(":")) if i >= 0), default=-1)
        label, rest = (text[:cut], text[cut + 1 :]) if cut >= 0 else (text, "")
    label = label.strip().rstrip("：:").strip()
    rest = rest.strip()
    if rest[:1] in ("：", ":"):
        rest = rest[1:].strip()
    part = _match_part(label)
    if part is None:
        return None
    if number is not None:
        if number != part + 1:
            return None
    else:
        if not (hashes or bold):
            return None
        key = re.sub(r"\s+", "", label).lower()
        shortest = min(len(k) for k in PART_KEYWORDS[part] if k in key)
        if len(key) > shortest + _MAX_UNNUMBERED_EXTRA:
            return None
    return part, rest


def _find_parts(lines: list[str]) -> list[tuple[int, int, str]]:
    """First heading of each part, in order: (part index, line number, inline text)."""
    found: list[tuple[int, int, str]] = []
    next_part = 0
    for number, line in enumerate(lines):
        heading = _part_heading(line)
        if heading is None:
            continue
        part, rest = heading
        if part >= next_part:
            found.append((part, number, rest))
            next_part = part + 1
    return found


def _text_block(first: str, lines: list[str]) -> str:
    """A free-text part: the first line keeps its text, later lines lose their common indent.

    The renderer indents continuation lines by 4 spaces, so later lines lose at most
    (indent of the first line + 4) spaces: that undoes the renderer exactly and removes the
    3-space list indent of ``1. **应用领域**`` style entries.
    """
    body = [line for line in lines if line.strip()]
    if first:
        base = 0
        out = [first.strip()]
    elif body:
        base = _indent(body[0])
        out = [body.pop(0).strip()]
    else:
        return ""
    out.extend(_dedent(line, base + 4) for line in body)
    return "\n".join(out)


@dataclass
class _Item:
    label: str | None
    text: str
    bulleted: bool = True


def _split_label(content: str) -> tuple[str | None, str]:
    """``**label**：rest`` → (label, rest); no bold label → (None, content)."""
    match = _BOLD_LABEL_RE.match(content) or _BOLD_COLON_LABEL_RE.match(content)
    if not match:
        return None, content
    return match.group("label").strip(), match.group("rest")


def _parse_list(first: str, lines: list[str]) -> list[_Item]:
    """Split a list part into items; the text before the first bullet is one unbulleted item."""
    body = [line for line in lines if line.strip()]
    preamble: list[str] = [first.strip()] if first.strip() else []
    items: list[tuple[str, int, list[str]]] = []  # (first content, content column, more lines)
    item_indent: int | None = None
    for line in body:
        match = LIST_ITEM_RE.match(line)
        indent = _indent(line)
        if match and (item_indent is None or indent < item_indent + 2):
            if item_indent is None:
                item_indent = indent
            column = indent + len(match.group("marker")) + len(match.group("space"))
            items.append((match.group("content").rstrip(), column, []))
        elif items:
            items[-1][2].append(line)
        else:
            preamble.append(line)
    parsed: list[_Item] = []
    if preamble:
        base = min(_indent(line) for line in preamble)
        text = "\n".join(_dedent(line, base) for line in preamble).strip()
        parsed.append(_Item(label=None, text=text, bulleted=False))
    for content, column, more in items:
        label, rest = _split_label(content)
        if rest.strip():
            text_lines = [rest, *(_dedent(line, column) for line in more)]
        else:
            # "**label**：" alone: the text is the nested block, dedented to its own margin.
            margin = min((_indent(line) for line in more), default=0)
            text_lines = [_dedent(line, margin) for line in more]
        parsed.append(_Item(label=label, text="\n".join(text_lines).strip()))
    return parsed


def _inline_label(text: str) -> tuple[str | None, str]:
    """``短标签：正文`` → (短标签, 正文) when the prefix is short and on the first line."""
    first = text.split("\n", 1)[0]
    for colon in ("：", ":"):
        cut = first.find(colon)
        if 0 < cut <= _MAX_INLINE_LABEL:
            rest = text[cut + 1 :].strip()
            if rest:
                return text[:cut].strip().replace("**", ""), rest
    return None, text


def _innovation(item: _Item) -> Innovation:
    if item.label is not None:
        return Innovation(title=item.label, detail=item.text)
    title, rest = _inline_label(item.text)
    if title is not None:
        return Innovation(title=title, detail=rest)
    first = item.text.split("\n", 1)[0]
    clause = _CLAUSE_END_RE.split(first, maxsplit=1)[0].strip().replace("**", "")
    return Innovation(
        title=clause[:_MAX_INLINE_LABEL] or first[:_MAX_INLINE_LABEL], detail=item.text
    )


def _result(item: _Item) -> Result:
    if item.label is not None:
        return Result(setting=item.label, finding=item.text)
    setting, rest = _inline_label(item.text)
    if setting is not None:
        return Result(setting=setting, finding=rest)
    return Result(setting=DEFAULT_RESULT_SETTING, finding=item.text)


def _split_input_output(text: str) -> tuple[str, str]:
    match = _IO_SPLIT_RE.match(text)
    if match and match.group("input").strip() and match.group("output").strip():
        return match.group("input").strip(), match.group("output").strip()
    return text, text


def _usage_from_items(items: list[_Item]) -> Usage:
    """Map 使用指南 items to the five usage fields (rules in the module docstring)."""
    pieces: dict[UsageField, list[tuple[str | None, str]]] = {f: [] for f in USAGE_FIELDS}
    for item in items:
        if not item.text.strip():
            continue
        if item.label is None:
            pieces["workflow"].append((None, item.text))
            continue
        fields = usage_fields_for(item.label)
        if not fields:
            pieces["workflow"].append((item.label, item.text))
            continue
        texts = {f: item.text for f in fields}
        if "input" in fields and "output" in fields:
            texts["input"], texts["output"] = _split_input_output(item.text)
        for name in fields:
            pieces[name].append((item.label, texts[name]))
    values: dict[str, str] = {}
    for name in USAGE_FIELDS:
        parts = pieces[name]
        if not parts:
            values[name] = NOT_MENTIONED
            continue
        canonical = CANONICAL_LABELS[name]
        rendered: list[str] = []
        for label, text in parts:
            matched = label is not None and bool(usage_fields_for(label))
            keep_label = label is not None and (
                not matched or (len(parts) > 1 and label != canonical)
            )
            rendered.append(f"{label}：{text}" if keep_label else text)
        values[name] = "\n".join(rendered)
    return Usage(**values)


# --------------------------------------------------------------------------- public API


def summary_language(text: str) -> str:
    """Guess the language of summary text: ``"zh"`` or ``"en"``.

    Counts CJK characters against Latin letters / 3 (about one CJK character per short
    English word), so English terms inside a Chinese summary do not flip it, while the
    Chinese part headings of an English summary do not make it Chinese.
    """
    cjk = len(_CJK_RE.findall(text))
    latin = len(_LATIN_RE.findall(text))
    if cjk == 0 and latin == 0:
        return "zh"
    return "zh" if cjk / (cjk + latin / 3) >= 0.3 else "en"


def _strip_fence(lines: list[str]) -> list[str]:
    """Drop a ```markdown … ``` fence wrapped around a whole answer."""
    content = [i for i, line in enumerate(lines) if line.strip()]
    if len(content) >= 2:
        first, last = content[0], content[-1]
        if lines[first].strip().startswith("```") and lines[last].strip() == "```":
            return lines[first + 1 : last]
    return lines


def parse_summary_markdown(text: str, language: str = "zh") -> PaperSummary:
    """Parse one entry's five parts from Markdown.

    Args:
        text: the entry's Markdown (any heading style listed in the module docstring); a
            ``# title`` line, ``> `` note lines and a surrounding code fence are ignored.
        language: stored in the returned summary's ``language`` (``"zh"`` or ``"en"``).

    Returns:
        The summary; usage fields nobody mentions are ``论文未提及``.

    Raises:
        LLMOutputError: a part is missing or empty; the message names the missing parts.
    """
    lines = [line.rstrip() for line in text.expandtabs(4).splitlines()]
    lines = [line for line in _strip_fence(lines) if not _is_note(line)]
    found = _find_parts(lines)
    spans: dict[int, tuple[str, list[str]]] = {}
    for position, (part, start, rest) in enumerate(found):
        end = found[position + 1][1] if position + 1 < len(found) else len(lines)
        spans[part] = (rest, lines[start + 1 : end])

    def text_of(part: int) -> str:
        if part not in spans:
            return ""
        return _text_block(*spans[part])

    def items_of(part: int) -> list[_Item]:
        if part not in spans:
            return []
        return _parse_list(*spans[part])

    domain = text_of(0)
    contribution = text_of(1)
    usage_items = items_of(2)
    innovations = [_innovation(i) for i in items_of(3) if i.text.strip() or i.label]
    results = [_result(i) for i in items_of(4) if i.text.strip()]
    missing = [
        PART_NAMES[index]
        for index, empty in enumerate(
            [
                not domain,
                not contribution,
                not any(i.text.strip() for i in usage_items),
                not innovations,
                not results,
            ]
        )
        if empty
    ]
    if missing:
        raise LLMOutputError(
            "the summary is missing part(s): "
            + "、".join(missing)
            + " (each of 应用领域, 一句话核心贡献, 使用指南, 主要创新点, 实验效果 needs a numbered"
            " heading such as '### 1. 应用领域' followed by its text)"
        )
    return PaperSummary(
        domain=domain,
        contribution=contribution,
        usage=_usage_from_items(usage_items),
        innovations=innovations,
        results=results,
        language="en" if language == "en" else "zh",
    )


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
    title = lines[0].removeprefix("## 📄").strip()
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
            f"paper block {title!r} has no '- **链接**: https://huggingface.co/papers/ID' line"
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


def _text_problems(name: str, value: str, *, single_line: bool = False) -> list[str]:
    problems: list[str] = []
    if not value.strip():
        return [f"{name} is empty"]
    if value != value.strip():
        problems.append(f"{name} has leading/trailing whitespace")
    lines = value.split("\n")
    if value.splitlines() != lines or "\r" in value or "\t" in value:
        problems.append(f"{name} contains line breaks other than '\\n' or tabs")
    if single_line and len(lines) > 1:
        problems.append(f"{name} must be a single line")
    for line in lines:
        stripped = line.strip()
        if not stripped:
            problems.append(f"{name} contains a blank line")
        elif line != line.rstrip():
            problems.append(f"{name} has a line with trailing whitespace")
        elif stripped.startswith("#"):
            problems.append(f"{name} has a line starting with '#'")
        elif stripped.startswith(">"):
            problems.append(f"{name} has a line starting with '>' (a note)")
        elif re.fullmatch(r"={60,}", stripped):
            problems.append(f"{name} contains the 60-'=' separator line")
    return problems


def _label_problems(name: str, value: str) -> list[str]:
    problems = _text_problems(name, value, single_line=True)
    if "**" in value or value.startswith("*") or value.endswith("*"):
        problems.append(f"{name} must not contain '**' or start/end with '*'")
    if value.endswith(("：", ":")):
        problems.append(f"{name} must not end with a colon")
    return problems


def summary_problems(summary: PaperSummary) -> list[str]:
    """Why ``summary`` is not valid (empty list when it is).

    Valid (DESIGN §3): non-empty strings without leading/trailing whitespace, blank lines,
    tabs, lines starting with '#' or '>', or the 60-'=' line; single-line innovation titles
    and result settings without '**', without a trailing colon and not looking like a part
    heading; at least one innovation and one result; language "zh" or "en". For a valid
    summary ``parse_summary_markdown(render_summary(s), s.language) == s``.
    """
    problems: list[str] = []
    for name in ("domain", "contribution"):
        value: str = getattr(summary, name)
        problems += _text_problems(name, value)
        first = value.split("\n", 1)[0]
        if _part_heading(first) is not None:
            problems.append(f"{name} starts like a part heading")
    for usage_field in USAGE_FIELDS:
        problems += _text_problems(f"usage.{usage_field}", getattr(summary.usage, usage_field))
    if not summary.innovations:
        problems.append("no innovations")
    for i, innovation in enumerate(summary.innovations):
        problems += _label_problems(f"innovations[{i}].title", innovation.title)
        # A numbered item such as "5.  **实验效果**：…" would read as the next part's heading.
        if _part_heading(f"{i + 1}.  **{innovation.title}**：x") is not None:
            problems.append(f"innovations[{i}].title looks like a part heading")
        problems += _text_problems(f"innovations[{i}].detail", innovation.detail)
    if not summary.results:
        problems.append("no results")
    for i, result in enumerate(summary.results):
        problems += _label_problems(f"results[{i}].setting", result.setting)
        problems += _text_problems(f"results[{i}].finding", result.finding)
    if summary.language not in ("zh", "en"):
        problems.append(f"language must be 'zh' or 'en', not {summary.language!r}")
    return problems


def _clean_text(value: str) -> str:
    lines = value.expandtabs(4).splitlines()
    kept = [line.rstrip() for line in lines if line.strip()]
    kept = [line for line in kept if not re.fullmatch(r"={60,}", line.strip())]
    kept = [line.replace("#", "＃", 1) if line.lstrip().startswith("#") else line for line in kept]
    kept = [line.replace(">", "＞", 1) if line.lstrip().startswith(">") else line for line in kept]
    return "\n".join(kept).strip() or NOT_MENTIONED


def _clean_label(value: str) -> str:
    text = " ".join(_clean_text(value).split()).replace("**", "").strip("* ").rstrip("：:").strip()
    return text or NOT_MENTIONED


def normalize_summary(summary: PaperSummary) -> PaperSummary:
    """Fix what is only form, so that more model answers pass :func:`is_valid_summary`.

    Drops blank lines, trailing spaces, tabs and 60-'=' lines; turns a leading '#' or '>'
    into its full-width form (＃, ＞); makes titles/settings single-line without '**' or a
    trailing colon; empty strings become ``论文未提及``. It never invents content: an
    empty innovation/result list stays empty, and a part heading look-alike stays invalid.
    """
    usage = Usage(**{f: _clean_text(getattr(summary.usage, f)) for f in USAGE_FIELDS})
    return PaperSummary(
        domain=_clean_text(summary.domain),
        contribution=_clean_text(summary.contribution),
        usage=usage,
        innovations=[
            Innovation(title=_clean_label(i.title), detail=_clean_text(i.detail))
            for i in summary.innovations
        ],
        results=[
            Result(setting=_clean_label(r.setting), finding=_clean_text(r.finding))
            for r in summary.results
        ],
        language=summary.language,
    )


def is_valid_summary(summary: PaperSummary) -> bool:
    """True when ``summary`` passes :func:`summary_problems` (it round-trips through Markdown)."""
    return not summary_problems(summary)
