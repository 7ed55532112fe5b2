"""A stored paper's full text as retrievable passages, for the one search index.

The search index (:mod:`paperdigest.index`) holds a paper's title, abstract, keywords and
summary fields; this module adds what :class:`~paperdigest.models.Document` holds beyond
them, one row per passage (issue 17):

* ``section``: one paragraph of a body or appendix section; ``label`` is the section's
  printed number (``4.2``, ``V-A``, ``A.1``) or, for an unnumbered section, its heading —
  what a citation names: ``[2501.11120 §4.3]``;
* ``table``: one body row of a table, written ``caption — header: cell; header: cell``
  (a row read alone says nothing without its caption and column names); ``label`` is the
  printed table label (``Table 2``) or ``Table``;
* ``figure``: a figure caption; ``label`` is its ``Figure N`` prefix or ``Figure``.

The document's abstract is not repeated (the paper's own ``abstract`` row holds it).
The HTML extractor keeps a page's own cross-references ("Figure 4") as text without their
in-page URLs (the link rule in :mod:`paperdigest.extract.html`), so passages need no
cleaning.

:func:`passages_json` is the SQL function ``paperdigest_passages(data)`` that the index's
triggers call with a ``documents.data`` JSON text; it depends on :mod:`paperdigest.models`
only, so the index can register it without import cycles.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..models import Document

__all__ = [
    "PASSAGE_KINDS",
    "DocumentPassage",
    "document_passages",
    "passages_json",
]

#: ``search_rows.kind`` values written from a Document.
PASSAGE_KINDS: tuple[str, ...] = ("section", "table", "figure")

_FIGURE_LABEL = re.compile(r"^\s*((?:Figure|Fig\.|FIGURE)\s*[\w.-]*\d[\w.-]*)\s*[:.]?\s*")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
#: Longest passage kept (characters): a runaway paragraph (a flattened list or table) is
#: cut rather than dominating length normalisation.
MAX_PASSAGE_CHARS = 4000


@dataclass(frozen=True)
class DocumentPassage:
    kind: str
    """``section``, ``table`` or ``figure``."""
    label: str
    """What a citation names: section number or heading, ``Table 2``, ``Figure 3``."""
    text: str


def _clean(text: str) -> str:
    text = " ".join(text.split())
    return text[:MAX_PASSAGE_CHARS]


def _cells(line: str) -> list[str]:
    line = line.strip()
    line = line.removeprefix("|")
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [c.strip() for c in _CELL_SPLIT.split(line)]


def _table_rows(caption: str, markdown: str) -> list[str]:
    """Each body row as ``caption — header: cell; …`` (empty cells left out)."""
    lines = [ln for ln in markdown.splitlines() if ln.strip().startswith("|")]
    if not lines:
        return []
    header = _cells(lines[0])
    body = [ln for ln in lines[1:] if not re.fullmatch(r"[\s|:\-]*", ln)]
    out = []
    for line in body:
        cells = _cells(line)
        parts = []
        for i, cell in enumerate(cells):
            if not cell:
                continue
            name = header[i] if i < len(header) else ""
            parts.append(f"{name}: {cell}" if name else cell)
        if parts:
            out.append(f"{caption} — {'; '.join(parts)}" if caption else "; ".join(parts))
    return out


def document_passages(doc: Document) -> list[DocumentPassage]:
    """The passages of ``doc`` in document order (sections, appendix, tables, figures)."""
    out: list[DocumentPassage] = []
    for section in [*doc.sections, *doc.appendix]:
        label = section.number or " ".join(section.heading.split())
        for paragraph in section.paragraphs:
            text = _clean(paragraph)
            if text:
                out.append(DocumentPassage("section", label, text))
    for table in doc.tables:
        label = " ".join(table.label.split()) or "Table"
        caption = _clean(table.caption)
        for row in _table_rows(caption, table.markdown):
            out.append(DocumentPassage("table", label, _clean(row)))
    for caption in doc.figures:
        text = _clean(caption)
        if not text:
            continue
        match = _FIGURE_LABEL.match(text)
        out.append(DocumentPassage("figure", match.group(1) if match else "Figure", text))
    return out


def passages_json(data: str | None) -> str:
    """SQL function ``paperdigest_passages``: a ``documents.data`` JSON text → a JSON array
    of ``[kind, label, text]`` (``[]`` for text that is not a stored Document)."""
    if not data:
        return "[]"
    try:
        doc = Document.from_dict(json.loads(data))
    except (ValueError, TypeError, KeyError):
        return "[]"
    return json.dumps([[p.kind, p.label, p.text] for p in document_passages(doc)],
                      ensure_ascii=False)


