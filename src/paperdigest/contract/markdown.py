"""The summary's Markdown codec: :func:`render_summary` and :func:`parse_summary_markdown`.

One module owns both directions, so ``parse_summary_markdown(render_summary(s)) == s`` for
every summary that :func:`paperdigest.contract.validate.is_valid_summary` accepts, in both
report languages (the headings and labels come from :mod:`paperdigest.contract.vocab`).

Rendering (DESIGN §2; reference ``reference/daily_report_2026-01-31.md``): ``### 1. 应用领域``
… ``### 5. 实验效果`` (English: ``### 1. Domain`` … ``### 5. Results``), usage items
``*   **输入**：text`` (``*   **Input**: text``), innovations ``1.  **title**：detail``, results
``*   **setting**：finding``. Multi-line values are written as continuation lines indented to
the content column of their item (4 spaces: ``1.  `` and ``*   `` are both 4 characters wide);
free-text parts indent their continuation lines by 4 spaces; the parser removes exactly that
indent.

What the parser accepts (every form occurs in the reference report or in real model answers):

* part headings ``### 1. 应用领域``, ``## 1. …``, ``**1. 应用领域**``, ``1. **应用领域**`` with the
  text on the following (indented) lines, ``1. **应用领域**：inline text``, headings with extra
  words (``### 4. 主要创新点 (Key Innovations)``), and English names (``### 5. Results``,
  ``### 3. How to use``); a heading sits at most 3 spaces in and its number, when present,
  must match its part;
* an optional ``# title`` line (or any other ``# …`` line) before the first part;
* lists with ``*``, ``-``, ``+`` or ``1.`` markers at any indent; lines indented deeper than an
  item's marker (nested bullets, numbered steps, continuation lines) stay in that item's text,
  dedented by the item's content column;
* ``> `` lines at column 0 are notes (⚠ untraced claims, provenance, ❌ failure), not content.

Normalisation rules (documented because they decide what the summary fields hold):

* Usage labels go through :mod:`paperdigest.contract.labels`. A label naming two fields
  (``输入/输出``, ``硬件与代码``) fills both (hardware+workflow labels such as ``训练与硬件``
  fill hardware only); for input+output a text of the form
  ``输入为 A，输出为 B`` is split into A and B. A label matching no field goes into
  ``workflow`` as ``"label：text"``. When several items land in one field, they are joined
  with a newline, each prefixed ``"label："`` unless its label is the field's canonical one
  (newline rather than "；" keeps nested steps readable and renders as continuation lines).
  Unlabelled usage text (a bullet without a bold label, or text before the first bullet) goes
  into ``workflow``. Fields nobody fills stay "not mentioned" (``论文未提及`` /
  ``Not mentioned in the paper``, by the language asked for).
* An innovation without a bold title takes the text before the first "：" (when that is at
  most 30 characters) or else its first clause as title; the detail is the rest / whole text.
* A result without a bold setting gets the setting before the first "：" (same rule) or else
  the language's default setting ("结果" / "Result"); text before the first bullet of the
  results part (e.g. "在 X 上训练，主要结果如下：") becomes such a result too.
* Blank lines inside a part are dropped.
* Text is Markdown-escaped by the renderer (:func:`~paperdigest.contract.markup.neutralize_markup`:
  ``<b>`` → ``&lt;b>``, ``[x](javascript:…)`` → ``[x]&#40;javascript:…)``) and unescaped by
  the parser (:func:`~paperdigest.contract.markup.unescape_markup`), so the summary holds the
  plain text and a model answer's ``&lt;`` means ``<``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import LLMOutputError
from ..models import Innovation, PaperSummary, Result, Usage
from .labels import USAGE_FIELDS, UsageField, usage_fields_for
from .markup import neutralize_markup, unescape_markup
from .vocab import EN, ZH, vocabulary

logger = logging.getLogger(__name__)

#: The five parts' Chinese heading names (the reference's), in report order.
PART_NAMES: tuple[str, ...] = ZH.part_names

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

#: Setting given to a Chinese result item that has no bold setting and no "setting：" prefix.
DEFAULT_RESULT_SETTING = ZH.default_result_setting
#: Canonical usage labels of both languages (a parsed item with one of them keeps no prefix).
_CANONICAL: dict[UsageField, frozenset[str]] = {
    name: frozenset({ZH.usage_labels[name], EN.usage_labels[name]}) for name in USAGE_FIELDS
}

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
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_RE = re.compile(r"[A-Za-z]")
_IO_SPLIT_RE = re.compile(
    r"^(?:输入(?:为|是|：|:)?\s*)?(?P<input>.+?)[，,；;。]\s*输出(?:为|是|：|:)?\s*(?P<output>.+)$",
    re.DOTALL,
)


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


def _result(item: _Item, default_setting: str) -> Result:
    if item.label is not None:
        return Result(setting=item.label, finding=item.text)
    setting, rest = _inline_label(item.text)
    if setting is not None:
        return Result(setting=setting, finding=rest)
    return Result(setting=default_setting, finding=item.text)


def _split_input_output(text: str) -> tuple[str, str]:
    match = _IO_SPLIT_RE.match(text)
    if match and match.group("input").strip() and match.group("output").strip():
        return match.group("input").strip(), match.group("output").strip()
    return text, text


def _usage_from_items(items: list[_Item], not_mentioned: str) -> Usage:
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
            values[name] = not_mentioned
            continue
        canonical = _CANONICAL[name]
        rendered: list[str] = []
        for label, text in parts:
            matched = label is not None and bool(usage_fields_for(label))
            keep_label = label is not None and (
                not matched or (len(parts) > 1 and label not in canonical)
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

    vocab = vocabulary(language)
    domain = text_of(0)
    contribution = text_of(1)
    usage_items = items_of(2)
    innovations = [_innovation(i) for i in items_of(3) if i.text.strip() or i.label]
    results = [
        _result(i, vocab.default_result_setting) for i in items_of(4) if i.text.strip()
    ]
    empty = [
        not domain,
        not contribution,
        not any(i.text.strip() for i in usage_items),
        not innovations,
        not results,
    ]
    missing = [vocab.part_names[index] for index, none in enumerate(empty) if none]
    if missing:
        raise LLMOutputError(
            "the summary is missing part(s): "
            + vocab.list_joiner.join(missing)
            + f" (each of {', '.join(vocab.part_names)} needs a numbered heading such as"
            f" '{vocab.part_heading(0)}' followed by its text)"
        )
    return _plain(PaperSummary(
        domain=domain,
        contribution=contribution,
        usage=_usage_from_items(usage_items, vocab.not_mentioned),
        innovations=innovations,
        results=results,
        language="en" if language == "en" else "zh",
    ))


# --------------------------------------------------------------------------- rendering


def _continued(first_prefix: str, text: str, indent: int) -> list[str]:
    """``first_prefix + line 1``, then the other lines indented by ``indent`` spaces."""
    first, *rest = text.split("\n")
    pad = " " * indent
    return [first_prefix + first, *(pad + line for line in rest)]


def _item(marker: str, head: str, text: str) -> list[str]:
    """A list item ``{marker}{head}text`` whose continuation lines align with its content.

    ``head`` is the bold label with its colon (``**输入**：``). A text that starts with a
    list of its own starts on the next line, so that its first bullet lines up with the
    others.
    """
    head = marker + head
    if LIST_ITEM_RE.match(text.split("\n", 1)[0]):
        pad = " " * len(marker)
        return [head.rstrip(), *(pad + line for line in text.split("\n"))]
    return _continued(head, text, len(marker))


def _number_marker(number: int) -> str:
    """``1.  `` (two spaces, as in the reference); at least one space for numbers ≥ 10."""
    text = f"{number}."
    return text + " " * max(1, 4 - len(text))


def _map_text(summary: PaperSummary, safe: Callable[[str], str]) -> PaperSummary:
    return PaperSummary(
        domain=safe(summary.domain),
        contribution=safe(summary.contribution),
        usage=Usage(**{f: safe(getattr(summary.usage, f)) for f in USAGE_FIELDS}),
        innovations=[Innovation(safe(i.title), safe(i.detail)) for i in summary.innovations],
        results=[Result(safe(r.setting), safe(r.finding)) for r in summary.results],
        language=summary.language,
    )


def _inert(summary: PaperSummary) -> PaperSummary:
    """Every field escaped for Markdown (:func:`neutralize_markup`)."""
    return _map_text(summary, neutralize_markup)


def _plain(summary: PaperSummary) -> PaperSummary:
    """Every field unescaped (:func:`unescape_markup`), the parser's last step."""
    return _map_text(summary, unescape_markup)


def render_summary(summary: PaperSummary, lang: str | None = None) -> str:
    """The five numbered parts, newline-terminated.

    Headings and labels are those of ``lang`` (default: ``summary.language``):
    ``### 1. 应用领域`` … ``### 5. 实验效果`` or ``### 1. Domain`` … ``### 5. Results``.
    Text is escaped for Markdown once, here: raw HTML and unsafe links are made inert
    (:func:`~paperdigest.contract.markup.neutralize_markup`); the parser undoes exactly that,
    so the round trip keeps ``<b>`` as ``<b>``.
    """
    vocab = vocabulary(lang or summary.language)
    summary = _inert(summary)
    lines: list[str] = [vocab.part_heading(0), *_continued("", summary.domain, 4), ""]
    lines += [vocab.part_heading(1), *_continued("", summary.contribution, 4), ""]
    lines.append(vocab.part_heading(2))
    for name in USAGE_FIELDS:
        lines += _item("*   ", vocab.bold(vocab.usage_labels[name]), getattr(summary.usage, name))
    lines += ["", vocab.part_heading(3)]
    for number, innovation in enumerate(summary.innovations, start=1):
        lines += _item(_number_marker(number), vocab.bold(innovation.title), innovation.detail)
    lines += ["", vocab.part_heading(4)]
    for result in summary.results:
        lines += _item("*   ", vocab.bold(result.setting), result.finding)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- helpers for
# the report reader (paperdigest.render.parse)


def is_note(line: str) -> bool:
    """A ``>`` line at column 0: a note, never summary content."""
    return _is_note(line)


def note_text(line: str) -> str:
    """A note line without its ``>`` and surrounding spaces."""
    return _note_text(line)


def part_heading(line: str) -> tuple[int, str] | None:
    """``(part index 0–4, inline text)`` when ``line`` is a part heading, else ``None``."""
    return _part_heading(line)
