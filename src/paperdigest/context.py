"""Token-budgeted packing: choose what the LLM reads of a :class:`Document`.

Tokens are *estimated*, never counted with a downloaded tokenizer (DESIGN §5): a CJK
character is about one token and other text about four characters per token for the
BPE tokenizers of GPT-4o, DeepSeek and Qwen; 5 % is added as a margin. A backend that
still reports a context-length error is retried with a smaller budget by the caller.

:func:`pack` fills the budget in priority order:

0. header: ``# {title}`` and the line ``arXiv: {id}`` (always; the replay LLM and the
   summary cache rely on it; the title is shortened by whole words if it must be),
1. abstract,
2. introduction paragraphs that state contributions (plus the introduction's first), and
   the code/model/data links the paper gives (``Document.links`` on code hosts),
3. the first paragraph of every method section (the method's outline, heading by heading),
4. results: the first paragraph of every results section and every results table (a table
   of a results section, or one whose caption reads as a result),
5. conclusion,
6. the first paragraph of every other section (related work, setup, …),
7. other tables (caption + Markdown, never split), 8. figure captions,
9. remaining paragraphs of the introduction, method, setup, results and conclusion,
10. remaining paragraphs of other sections and front-matter notes (footnotes, keywords),
11. appendix,
12. minor text: acknowledgements, author notes (contributions, competing interests,
    ethics/impact statements), checklists, licence text — in the body or the appendix,
13. references.

Section roles come from :func:`paperdigest.sections.section_role` (one rule for the packer
and the extractive summarizer); a paragraph starting "Acknowledgements"/"Funding" is minor
wherever it sits. A paragraph that does not fit whole contributes whole sentences up to the
budget; a table that does not fit is dropped. The output keeps document order (``##
heading`` lines), not priority order, so it reads naturally. ``PackedContext.tokens`` is
the estimate of the final text and is always ``<= budget``; ``PackedContext.dropped``
names what was left out and ``PackedContext.reasons`` says why (no room left, or minor
text read only when room is left).
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field

from .extract.links import code_links
from .models import Document, PackedContext, PaperRef
from .sections import MINOR_ROLES, SectionRole, section_roles

logger = logging.getLogger(__name__)

__all__ = ["MIN_BUDGET", "estimate_tokens", "pack"]

#: CJK ideographs, kana, hangul and full-width punctuation: about one token each.
CJK_RE = re.compile(
    "[\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"
)
#: Latin text averages ~4 characters per token in OpenAI's tokenizer documentation
#: ("one token generally corresponds to ~4 characters of text for common English text").
CHARS_PER_TOKEN = 4.0
#: Safety margin on top of the estimate (5 %).
MARGIN = 1.05
#: Below this a budget cannot hold a header and anything useful.
MIN_BUDGET = 50

SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+(?=\S)|(?<=[。！？])")
CONTRIBUTION_RE = re.compile(
    r"contribution|we propose|we introduce|we present|our (?:main|key)|in summary|"
    r"this (?:paper|work) (?:proposes|introduces|presents)|^\s*(?:[•●▪◦∗\-]|\(?\d\)|\d\.)\s",
    re.IGNORECASE,
)
#: A paragraph that is acknowledgements wherever it sits ("Acknowledgements: We thank …").
MINOR_PARAGRAPH_RE = re.compile(
    r"^\W*(?:acknowledge?ments?|funding|author contributions?|competing interests?)\b",
    re.IGNORECASE,
)
#: A table caption that reads as a result (for tables outside a results section).
RESULT_CAPTION_RE = re.compile(
    r"\b(?:results?|comparison|compar\w+|performance|accuracy|scores?|evaluat\w*|"
    r"benchmarks?|ablation|outperform\w*|latency|error|precision|recall|F1|win rate)\b",
    re.IGNORECASE,
)
FIGURE_LABEL_RE = re.compile(r"^(?:Figure|Fig\.|FIG\.|FIGURE)\s*(\d+|[IVX]+)", re.IGNORECASE)

(P_HEADER, P_ABSTRACT, P_INTRO, P_METHOD, P_RESULTS, P_CONCLUSION, P_FIRST, P_TABLE, P_FIGURE,
 P_BODY, P_BODY_OTHER, P_APPENDIX, P_MINOR, P_REFERENCES) = range(14)
#: Roles whose remaining paragraphs rank as core body (P_BODY) rather than P_BODY_OTHER.
_CORE_ROLES = frozenset({"introduction", "method", "setup", "results", "conclusion"})


def estimate_tokens(text: str) -> int:
    """Estimated tokens of ``text``: CJK chars count 1, other chars 1/4, plus 5 %.

    Deterministic and fast (one regex pass, no per-character Python loop). Empty text is 0.
    """
    if not text:
        return 0
    other = len(CJK_RE.sub("", text))
    cjk = len(text) - other
    return math.ceil((cjk + other / CHARS_PER_TOKEN) * MARGIN)


@dataclass
class _Part:
    name: str
    text: str
    priority: int
    order: int
    """Position in the document; parts are emitted sorted by it."""
    group: str = ""
    """Heading line of the section the part belongs to ("" for none)."""
    splittable: bool = True
    tokens: int = 0
    chosen: str = ""
    """What was included of ``text`` ("" when dropped)."""


@dataclass
class _Plan:
    parts: list[_Part] = field(default_factory=list)
    headings: dict[str, int] = field(default_factory=dict)
    """Heading line → its document order."""


def _heading_line(level: int, number: str, heading: str) -> str:
    hashes = "#" * (min(max(level, 1), 3) + 1)
    return f"{hashes} {f'{number} {heading}'.strip()}"


def _plan(doc: Document) -> _Plan:
    plan = _Plan()
    order = 0

    def add(name: str, text: str, priority: int, group: str = "", splittable: bool = True) -> None:
        nonlocal order
        text = text.strip()
        if not text:
            return
        order += 1
        plan.parts.append(_Part(name, text, priority, order, group, splittable))

    def heading(line: str) -> str:
        nonlocal order
        order += 1
        plan.headings[line] = order
        return line

    if doc.abstract:
        add("abstract", doc.abstract, P_ABSTRACT, heading("## Abstract"))
    links = code_links(doc.links)
    if links:
        add("links", "\n".join(links), P_INTRO, heading("## Code and data links"))
    if doc.keywords:
        add("keywords", "\n".join(doc.keywords), P_BODY_OTHER)
    if doc.footnotes:
        add("notes", "\n".join(doc.footnotes), P_BODY_OTHER)

    tables_by_section: dict[str, list[int]] = {}
    for index, table in enumerate(doc.tables):
        tables_by_section.setdefault(table.section, []).append(index)
    placed: set[int] = set()

    def add_table(index: int, group: str, role: SectionRole | None = None,
                  priority: int | None = None) -> None:
        table = doc.tables[index]
        label = table.label or f"Table {index + 1}"
        text = "\n\n".join(p for p in (table.caption, table.markdown) if p)
        if priority is None:
            results = role == "results" or (
                role in (None, "other") and bool(RESULT_CAPTION_RE.search(table.caption))
            )
            priority = P_RESULTS if results else P_MINOR if role in MINOR_ROLES else P_TABLE
        add(f"table:{label}", text, priority, group, splittable=False)
        placed.add(index)

    appendix_keys = {
        key
        for section in doc.appendix
        for key in (section.heading, f"{section.number} {section.heading}".strip())
    }
    body_keys = {
        key
        for section in doc.sections
        for key in (section.heading, f"{section.number} {section.heading}".strip())
    }

    for section, role in zip(doc.sections, section_roles(doc.sections), strict=True):
        title = f"{section.number} {section.heading}".strip()
        line = heading(_heading_line(section.level, section.number, section.heading))
        for k, paragraph in enumerate(section.paragraphs):
            add(f"section:{title}", paragraph, _priority(role, k, paragraph), line)
        keys = {section.heading, title}
        for index in [i for key in keys for i in tables_by_section.get(key, [])]:
            if index not in placed:
                add_table(index, line, role)
    # Tables of unknown place count as results; those of the appendix go with it.
    leftovers = [
        i
        for i in range(len(doc.tables))
        if i not in placed and (doc.tables[i].section in body_keys
                                or doc.tables[i].section not in appendix_keys)
    ]
    if leftovers:
        line = heading("## Tables")
        for index in leftovers:
            add_table(index, line)
    if doc.figures:
        line = heading("## Figure captions")
        for index, caption in enumerate(doc.figures):
            match = FIGURE_LABEL_RE.match(caption)
            label = f"Figure {match.group(1)}" if match else f"Figure {index + 1}"
            add(f"figure:{label}", caption, P_FIGURE, line, splittable=False)
    for section, role in zip(doc.appendix, section_roles(doc.appendix), strict=True):
        title = f"{section.number} {section.heading}".strip()
        line = heading(_heading_line(section.level, section.number, section.heading))
        minor = role in MINOR_ROLES
        for paragraph in section.paragraphs:
            priority = P_MINOR if minor or MINOR_PARAGRAPH_RE.match(paragraph) else P_APPENDIX
            add(f"appendix:{title}", paragraph, priority, line)
        keys = {section.heading, title}
        for index in [i for key in keys for i in tables_by_section.get(key, [])]:
            if index not in placed:
                add_table(index, line, priority=P_MINOR if minor else P_APPENDIX)
    if doc.references:
        line = heading("## References")
        add("references", "\n".join(doc.references), P_REFERENCES, line)
    for part in plan.parts:
        part.tokens = estimate_tokens(part.text)
    return plan


def _priority(role: SectionRole, k: int, paragraph: str) -> int:
    """Priority of the ``k``-th paragraph of a body section with this role."""
    if role in MINOR_ROLES or MINOR_PARAGRAPH_RE.match(paragraph):
        return P_REFERENCES if role == "references" else P_MINOR
    if role == "conclusion":
        return P_CONCLUSION
    if role == "introduction":
        return P_INTRO if k == 0 or CONTRIBUTION_RE.search(paragraph) else P_BODY
    if k == 0:
        return {"method": P_METHOD, "results": P_RESULTS}.get(role, P_FIRST)
    return P_BODY if role in _CORE_ROLES else P_BODY_OTHER


#: Why a part of each priority was left out (``PackedContext.reasons``).
_MINOR_REASON = "minor text (acknowledgements, author notes, checklist, licence), read only " \
                "when room is left"


def _reason(priority: int) -> str:
    if priority == P_MINOR:
        return _MINOR_REASON
    if priority == P_REFERENCES:
        return "references, read only when room is left"
    return "no room left in the token budget"


def _header(title: str, arxiv_id: str, budget: int) -> str:
    """``# title`` + ``arXiv: id``, the title cut by whole words until it fits."""
    id_line = f"arXiv: {arxiv_id}"
    words = title.split()
    while True:
        text = f"# {' '.join(words)}\n{id_line}" if words else id_line
        if estimate_tokens(text) <= budget or not words:
            break
        words = words[:-1]
    if estimate_tokens(text) > budget:
        raise ValueError(f"budget {budget} cannot hold even the line {id_line!r}")
    return text


def _fit_sentences(text: str, budget: int) -> str:
    """The longest run of whole leading sentences of ``text`` within ``budget`` tokens."""
    out = ""
    for sentence in SENTENCE_SPLIT_RE.split(text):
        candidate = f"{out} {sentence}".strip() if out else sentence
        if estimate_tokens(candidate) > budget:
            break
        out = candidate
    return out


def _render(header: str, plan: _Plan) -> str:
    blocks: list[tuple[int, str]] = [(0, header)]
    groups_used: set[str] = set()
    for part in plan.parts:
        if part.chosen:
            blocks.append((part.order, part.chosen))
            if part.group:
                groups_used.add(part.group)
    for line in groups_used:
        blocks.append((plan.headings[line], line))
    blocks.sort(key=lambda item: item[0])
    return "\n\n".join(text for _, text in blocks)


def pack(doc: Document, budget: int = 16000, *, ref: PaperRef | None = None) -> PackedContext:
    """Pack ``doc`` into at most ``budget`` estimated tokens.

    ``ref`` supplies the arXiv id and title when the Document lacks them.

    Raises:
        ValueError: ``budget`` is below :data:`MIN_BUDGET` (50).
    """
    if budget < MIN_BUDGET:
        raise ValueError(f"budget must be at least {MIN_BUDGET} tokens, got {budget}")
    arxiv_id = doc.arxiv_id or (ref.arxiv_id if ref else "") or "unknown"
    title = doc.title or (ref.title if ref else "") or "Untitled"
    header = _header(" ".join(title.split()), arxiv_id, budget)
    plan = _plan(doc)
    # Every block costs its separator ("\n\n") on top of its own tokens.
    separator = 1
    used = estimate_tokens(header)
    groups_used: set[str] = set()
    heading_cost = {line: estimate_tokens(line) + separator for line in plan.headings}
    for part in sorted(plan.parts, key=lambda p: (p.priority, p.order)):
        extra = heading_cost[part.group] if part.group and part.group not in groups_used else 0
        room = budget - used - extra - separator
        if room <= 0:
            continue
        if part.tokens <= room:
            part.chosen = part.text
        elif part.splittable:
            part.chosen = _fit_sentences(part.text, room)
        if part.chosen:
            used += estimate_tokens(part.chosen) + separator + extra
            if part.group:
                groups_used.add(part.group)
    text = _render(header, plan)
    # Estimates of parts do not add up exactly (rounding); drop the lowest-priority parts
    # until the whole text is within budget. The header alone always fits.
    by_drop_order = sorted(
        (p for p in plan.parts if p.chosen), key=lambda p: (p.priority, p.order), reverse=True
    )
    while estimate_tokens(text) > budget and by_drop_order:
        by_drop_order.pop(0).chosen = ""
        text = _render(header, plan)
    tokens = estimate_tokens(text)

    included: list[str] = []
    dropped: list[str] = []
    reasons: dict[str, str] = {}
    status: dict[str, list[str]] = {}
    priority: dict[str, int] = {}
    for part in plan.parts:
        state = "full" if part.chosen == part.text else ("partial" if part.chosen else "none")
        status.setdefault(part.name, []).append(state)
        priority[part.name] = min(priority.get(part.name, part.priority), part.priority)
    for name, states in status.items():
        if all(s == "full" for s in states):
            included.append(name)
        elif all(s == "none" for s in states):
            dropped.append(name)
            reasons[name] = _reason(priority[name])
        else:
            included.append(f"{name} (partial)")
    included.insert(0, "header")
    document_tokens = sum(p.tokens for p in plan.parts) + estimate_tokens(header)
    included_tokens = sum(estimate_tokens(p.chosen) for p in plan.parts if p.chosen)
    included_tokens += estimate_tokens(header)
    coverage = min(1.0, included_tokens / document_tokens) if document_tokens else 1.0
    logger.debug(
        "packed %s: %d/%d tokens, coverage %.2f, dropped %d parts",
        arxiv_id, tokens, budget, coverage, len(dropped),
    )
    return PackedContext(
        text=text,
        tokens=tokens,
        budget=budget,
        included=included,
        dropped=dropped,
        reasons=reasons,
        coverage=coverage,
        document_tokens=document_tokens,
    )
