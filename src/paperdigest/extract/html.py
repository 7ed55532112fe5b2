"""arXiv HTML (LaTeXML) → :class:`~paperdigest.models.Document`.

One lxml parse (of the page without the MathML of formulas that carry ``alttext``), then
one walk over ``article.ltx_document``; everything outside it (site header and footer,
the ``ds-announcement`` banner, TOC, "Report Issue" dialog, reading-mode buttons, bootstrap
navbars, ``.ltx_page_logo``) is chrome and never read. LaTeXML 0.8 pages and latexml-oxide
0.7.6 pages (arxiv.org/html since 2026-08-11: no ``<base href>``, ``id`` before ``class``,
``thead``/``th`` headers, one-``tbody`` equation groups, TeX-annotation-only MathML,
``ltx_pubnotes``) are read alike. In the walk:

* inline math becomes ``$TeX$`` from ``math/@alttext`` (else its ``application/x-tex``
  annotation, else its MathML text without invisible operators); display equations
  (``table.ltx_equation``/``ltx_equationgroup``) go to ``Document.equations`` and stay in
  the text as ``$$TeX$$ (n)`` where they occur;
* citations (``cite.ltx_cite``) become compact markers, ``[12]`` or
  ``[Smith et al., 2020]``;
* footnotes (``.ltx_note``) move out of the text into ``Document.footnotes``;
* ``span.ltx_ERROR`` (undefined macros such as ``\\orcidlink``) is stripped and counted;
* tables (``table`` or span-built ``\\resizebox`` output) become GitHub Markdown with their
  header row; a tabular holding only a rule is dropped; figures keep their captions;
* external links keep their target: ``here (https://github.com/x/y)`` in the text and the
  URL in ``Document.links`` (not for the bibliography's links);
* algorithm floats and listings become line-by-line text blocks, ``pre`` keeps its lines,
  and prompt boxes (``pre`` or long text in an SVG ``foreignObject``) become text blocks;
* ``\\keywords`` and hand-made "Keywords:" lines go to ``Document.keywords``; a title-block
  date is dropped; acmart ``ltx_pubnotes`` and author-note labels never reach the text;
* the bibliography and the appendix (with supplements after the bibliography) are kept
  apart from the body.

:func:`check_html` / :func:`unusable_reason` judge whether the conversion can be read:
error density, empty sections, no text, a page cut short or ending in the "Conversion to
HTML had a Fatal error" banner, and (given the listed title) the wrong document, against
thresholds pinned in ``eval_baseline.json``.

Selectors and thresholds live in :mod:`paperdigest.extract.selectors`.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field

from lxml import etree

from paperdigest.errors import ExtractionError
from paperdigest.extract import selectors as S
from paperdigest.models import Document, Section, Table, split_arxiv_id

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_MAX_BYTES", "check_html", "extract_html", "title_matches", "unusable_reason"]

#: Default body-size cap (DESIGN §5: refuse bodies over 30 MB before parsing).
DEFAULT_MAX_BYTES = 30_000_000

_TITLE_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
#: Children of a block container that are blocks themselves (SVG-drawn algorithms included).
_CONTAINER_BLOCKS = S.BLOCK_TAGS | {"svg"}
_XP_ROWS = etree.XPath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
_XP_HEAD_ROWS = etree.XPath("./thead/tr")
_XP_FALLBACKS = [etree.XPath(x) for x in S.XPATH_DOCUMENT_FALLBACKS]
_TEX_COMMENT_RE = re.compile(r"%[ \t]*\n")
_WORD_RE = re.compile(r"[a-z0-9]{2,}")
#: Inline tags read as plain text unless their class is one of _SPECIAL_CLASS_RE.
_PLAIN_INLINE_TAGS = frozenset(
    {"span", "em", "i", "b", "strong", "sup", "sub", "small", "big", "code", "tt", "u", "s",
     "font", "mark", "q", "abbr", "kbd", "var", "samp", "del", "ins"}
)
_FRONTMATTER_RE = re.compile("|".join(sorted(S.FRONTMATTER_SKIP)))
#: Classes that ``_Walker._inline_child`` treats specially (errors, notes, skipped front
#: matter, listing line tags, span-built tabulars).
_SPECIAL_CLASS_RE = re.compile(
    r"ltx_(?:ERROR|note|pubnotes|contact_name|nodisplay|tag_listingline|tabular|t[dr]\b)"
)
_ORCID_RE = re.compile(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]")
_AUTHOR_SPLIT_RE = re.compile(r"\n|,|;|&|\s{2,}|\band\b")
#: Words that mark an affiliation line rather than a person in ``ltx_personname``.
_AFFILIATION_WORDS = frozenset(
    {"university", "institute", "college", "department", "dept", "lab", "laboratory",
     "center", "centre", "school", "corporation", "inc", "ltd", "observatory", "academy",
     "faculty", "group", "research", "technology", "sciences", "science", "foundation",
     "company", "hospital", "street", "road", "usa", "china", "uk", "email", "e-mail"}
)


@dataclass
class _Stats:
    """What the walk saw, for flags and the usability judgement."""

    errors: int = 0
    paragraphs: int = 0
    error_paragraphs: int = 0
    body_chars: int = 0
    empty_sections: int = 0
    total_sections: int = 0
    truncated: bool = False
    package_alert: bool = False
    fatal: bool = False
    """The page carries the "Conversion to HTML had a Fatal error" banner."""


@dataclass
class _SectionInfo:
    section: Section
    items: int = 0
    children: int = 0


@dataclass
class _Walker:
    """Collects a Document's parts during one walk of the LaTeXML tree."""

    footnotes: list[str] = field(default_factory=list)
    equations: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    appendix: list[Section] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    """External link targets (``http(s)``) of the body, in order, without duplicates."""
    infos: list[_SectionInfo] = field(default_factory=list)
    current: _SectionInfo | None = None
    in_appendix: bool = False
    table_depth: int = 0
    errors: int = 0
    paragraphs: int = 0
    error_paragraphs: int = 0
    count_paragraphs: bool = False
    runin: str = ""
    """A run-in title waiting for the paragraph it starts."""
    in_bibliography: bool = False
    after_bibliography: bool = False
    deferred: list[str] = field(default_factory=list)
    """Text blocks found inside a paragraph (prompt boxes in SVG): emitted after it."""

    # ---- inline text ---------------------------------------------------------------
    def inline(self, el: etree._Element, parts: list[str]) -> None:
        """Append the inline text of ``el`` (math as TeX, no notes/errors) to ``parts``."""
        text = el.text
        if text:
            parts.append(text)
        for child in el:
            tag = child.tag
            if tag == "math":
                parts.append(_math_tex(child))
            elif tag in _PLAIN_INLINE_TAGS:
                # The common case (ltx_text spans, emphasis): straight down, unless the
                # class names one of the elements _inline_child handles.
                cls = child.get("class")
                if cls is None or _SPECIAL_CLASS_RE.search(cls) is None:
                    self.inline(child, parts)
                else:
                    self._inline_child(child, tag, parts)
            elif tag.__class__ is str:
                self._inline_child(child, tag, parts)
            tail = child.tail
            if tail:
                parts.append(tail)

    def _inline_child(self, child: etree._Element, tag: str, parts: list[str]) -> None:
        if tag == "math":
            parts.append(_math_tex(child))
            return
        if tag in S.SKIP_TAGS:
            if tag == "svg":
                self.deferred.extend(self.svg_blocks(child))
            return
        if tag == "br":
            parts.append("\n")
            return
        cls = child.get("class")
        if cls:
            if S.ERROR in cls:
                self.errors += 1
                return
            if ("ltx_pubnotes" in cls or "ltx_contact_name" in cls or "ltx_nodisplay" in cls) and (
                _has_class(cls, *S.SKIP_CLASSES)
            ):
                return
            if "ltx_tag_listingline" in cls:
                self.inline(child, parts)
                parts.append(" ")  # "1:" then the line's statement
                return
            if S.NOTE in cls and _has_class(cls, S.NOTE):
                self.note(child, cls)
                return
            if tag == "cite" and S.CITE in cls:
                parts.append(self.cite(child, cls))
                return
            if tag == "table":
                if S.EQUATION in cls:
                    parts.append("\n" + self.equation(child) + "\n")
                    return
                if S.TABULAR in cls and self.table_depth == 0:
                    self._inline_table(child)
                    return
            elif tag == "span" and S.TABULAR in cls and self.table_depth == 0 and (
                _has_class(cls, S.TABULAR)
            ):
                self._inline_table(child)  # \resizebox output: a tabular built from spans
                return
        elif tag == "table" and self.table_depth == 0:
            self._inline_table(child)
            return
        if tag == "td" or tag == "tr" or tag == "th" or (
            tag == "span" and cls and _has_class(cls, S.TD, S.TR)
        ):
            # A tabular nested in a cell is read as text: its cells and rows stay apart.
            self.inline(child, parts)
            parts.append(" ")
            return
        if tag == "a" and not self.in_bibliography:
            href = child.get("href")
            # arXiv writes the page's own cross-references ("Fig. 1", "§II") as absolute
            # links into /html/{id}#S2: not external.
            if href and href.startswith(("http://", "https://")) and not (
                "#" in href and "arxiv.org/html/" in href
            ):
                self.link(child, href, parts)
                return
        self.inline(child, parts)

    def link(self, el: etree._Element, href: str, parts: list[str]) -> None:
        """An external link: its text, then `` (URL)`` unless the text already shows it.

        ``\\href{https://github.com/x/y}{here}`` would otherwise keep only "here"; the
        target is also recorded in :attr:`links` (once).
        """
        inner: list[str] = []
        self.inline(el, inner)
        text = "".join(inner)
        parts.append(text)
        url = href.strip()
        if url not in self.links:
            self.links.append(url)
        key = _url_key(url)
        if key and key not in _url_key(text.replace(" ", "")):
            parts.append(f" ({url})")

    def svg_blocks(self, svg: etree._Element) -> list[str]:
        """Text blocks of an SVG's ``foreignObject``s: every ``pre``, and long paragraphs.

        tcolorbox prompt boxes are SVG pictures whose text sits in ``foreignObject``; short
        texts there are TikZ labels (axis ticks, node names) and stay out.
        """
        blocks: list[str] = []
        for fo in svg.iter("foreignobject"):
            pres = list(fo.iter("pre"))
            if pres:
                blocks.extend(t for t in (_pre_text(p) for p in pres) if t)
                continue
            text = self.text(fo)
            if len(text) >= S.MIN_FOREIGN_TEXT_CHARS:
                blocks.append(text)
        return blocks

    def _inline_table(self, table: etree._Element) -> None:
        # A tabular outside any float: whitespace folding would flatten its rows inside the
        # paragraph, so it becomes an uncaptioned Table of the current section instead.
        markdown = self.markdown_table(table)
        if markdown:
            self._add_table("", markdown, "")

    def text(self, el: etree._Element) -> str:
        """Inline text of ``el`` with whitespace collapsed."""
        parts: list[str] = []
        self.inline(el, parts)
        return " ".join("".join(parts).split())

    def cite(self, el: etree._Element, cls: str) -> str:
        text = self.text(el).replace(" ;", ";").replace(" ,", ",")
        if S.CITEP in cls and text.startswith("(") and text.endswith(")"):
            text = "[" + text[1:-1].strip() + "]"
        return text

    def note(self, el: etree._Element, cls: str) -> None:
        if S.NOTE_FRONTMATTER in cls:
            return
        content = _first_with_class(el, S.NOTE_CONTENT)
        if content is None:
            return
        parts: list[str] = []
        # The content repeats the mark (<sup class="ltx_note_mark">), a tag and a type
        # ("footnotetext: "): all dropped.
        if content.text:
            parts.append(content.text)
        for child in content:
            tag = child.tag
            if isinstance(tag, str):
                ccls = child.get("class") or ""
                if not (S.NOTE_MARK in ccls or S.TAG in ccls or S.NOTE_TYPE in ccls):
                    self._inline_child(child, tag, parts)
            if child.tail:
                parts.append(child.tail)
        text = " ".join("".join(parts).split())
        if text:
            self.footnotes.append(text)

    # ---- display math -------------------------------------------------------------
    def equation(self, table: etree._Element) -> str:
        """Record a display equation (or an aligned group) and return it as ``$$TeX$$``."""
        rows: list[str] = []
        number = ""
        for tr in _XP_ROWS(table):
            cells: list[str] = []
            for td in tr:
                if not isinstance(td.tag, str):
                    continue
                if S.EQUATION_NUMBER in (td.get("class") or ""):
                    number = " ".join("".join(td.itertext()).split())
                    continue
                for math in _iter_math(td):
                    cells.append(_tex_of(math).removeprefix("\\displaystyle").strip())
            line = " ".join(c for c in cells if c)
            if line:
                rows.append(line)
        tex = " \\\\ ".join(rows)
        if not tex:
            return ""
        self.equations.append(tex)
        if self.current is not None:
            self.current.items += 1
        return f"$${tex}$$" + (f" {number}" if number else "")

    # ---- tables ---------------------------------------------------------------------
    def markdown_table(self, table: etree._Element) -> str:
        """GitHub Markdown for a ``table.ltx_tabular``; rowspans repeat, colspans pad."""
        self.table_depth += 1
        try:
            grid, header_rows = self._grid(table)
        finally:
            self.table_depth -= 1
        return _grid_to_markdown(grid, header_rows)

    def _grid(self, table: etree._Element) -> tuple[list[list[str]], int]:
        grid: list[list[str]] = []
        pending: dict[int, tuple[str, int]] = {}
        spans = table.tag != "table"
        if spans:
            rows, n_head = _span_rows(table)
        else:
            rows, n_head = _XP_ROWS(table), len(_XP_HEAD_ROWS(table))
        for index, tr in enumerate(rows):
            # Header cells repeat across their colspan ("Accuracy Top-1 | Accuracy Top-5");
            # body cells pad it, so that a group label does not fill a whole row.
            repeat = index < n_head
            row: list[str] = []
            col = 0
            for cell in tr:
                if spans:
                    if cell.tag != "span" or not _has_class(cell.get("class") or "", S.TD):
                        continue
                elif cell.tag not in ("td", "th"):
                    continue
                while col in pending:
                    col = _take_pending(pending, col, row)
                text = self.text(cell).replace("|", "\\|")
                colspan = _span(cell.get("colspan"))
                rowspan = _span(cell.get("rowspan"))
                for k in range(colspan):
                    value = text if k == 0 or repeat else ""
                    row.append(value)
                    if rowspan > 1:
                        pending[col] = (value, rowspan - 1)
                    col += 1
            while pending and col <= max(pending):
                if col in pending:
                    col = _take_pending(pending, col, row)
                else:
                    row.append("")
                    col += 1
            grid.append(row)
        return grid, n_head

    def table_figure(self, fig: etree._Element) -> None:
        caption, label = self.caption(fig, S.TABLE_FIGURE)
        markdowns = [self.markdown_table(t) for t in _iter_tabulars(fig)]
        markdown = "\n\n".join(m for m in markdowns if m)
        if caption or markdown:
            self._add_table(caption, markdown, label)

    def _add_table(self, caption: str, markdown: str, label: str) -> None:
        heading = self.current.section.heading if self.current else ""
        self.tables.append(Table(caption=caption, markdown=markdown, label=label,
                                 section=heading))
        if self.current is not None:
            self.current.items += 1

    def figure(self, fig: etree._Element, cls: str, out: list[str]) -> None:
        """Figure captions (sub-figure captions too); tabulars inside become Tables.

        Algorithm floats and floats holding a listing are text a reader wants: their caption
        and body become one text block of the section. Prompt boxes (SVG ``foreignObject``)
        inside a figure become text blocks after it.
        """
        if _has_class(cls, *S.ALGORITHM_FLOATS) or _has_listing(fig):
            self.algorithm(fig, out)
            return
        tabulars = list(_iter_tabulars(fig))
        if tabulars:
            caption, label = self.caption(fig, S.FIGURE)
            md = "\n\n".join(m for m in (self.markdown_table(t) for t in tabulars) if m)
            if md:
                self._add_table(caption, md, label)
                return
        for svg in fig.iter("svg"):
            for block in self.svg_blocks(svg):
                self._paragraph(block, out, self.errors)
        for cap in fig.iter("figcaption"):
            text = self.text(cap)
            if text:
                self.figures.append(text)
                if self.current is not None:
                    self.current.items += 1

    def caption(self, fig: etree._Element, kind: str) -> tuple[str, str]:
        """(caption without its tag, tag such as ``Table 2``) of a figure/table float."""
        cap = None
        for child in fig:
            if child.tag == "figcaption":
                cap = child
                break
        if cap is None:
            cap = next(fig.iter("figcaption"), None)
        if cap is None:
            return "", ""
        label = ""
        tag_el = _first_with_class(cap, S.TAG)
        text = self.text(cap)
        if tag_el is not None:
            label = " ".join("".join(tag_el.itertext()).split()).rstrip(":.").strip()
            if label and text.startswith(label):
                text = text[len(label):].lstrip(":. ")
        return text, label

    # ---- blocks -------------------------------------------------------------------------
    def blocks(self, container: etree._Element, out: list[str]) -> None:
        """Append the paragraphs of a block container to ``out``; route floats and sections."""
        self._mixed(container, out, _CONTAINER_BLOCKS)

    def _mixed(self, parent: etree._Element, out: list[str], block_tags: frozenset[str],
               skip_class: str = "") -> None:
        """The one walk over mixed content: ``parent``'s inline runs become paragraphs of
        ``out``, its children in ``block_tags`` go to :meth:`block`, children whose class
        holds ``skip_class`` are left out (their tail text is kept)."""
        buf: list[str] = []
        errors_before = self.errors
        if parent.text and parent.text.strip():
            buf.append(parent.text)
        for child in parent:
            tag = child.tag
            if isinstance(tag, str) and not (
                    skip_class and skip_class in (child.get("class") or "")):
                if tag in block_tags:
                    if buf:
                        self._flush(buf, out, errors_before)
                        buf = []
                    self.block(child, tag, out)
                    errors_before = self.errors
                else:
                    self._inline_child(child, tag, buf)
            if child.tail and child.tail.strip():
                buf.append(child.tail)
        if buf:
            self._flush(buf, out, errors_before)

    def _flush(self, buf: list[str], out: list[str], errors_before: int) -> None:
        self._paragraph(" ".join("".join(buf).split()), out, errors_before)

    def _paragraph(self, text: str, out: list[str], errors_before: int) -> None:
        if self.runin and text:
            text, self.runin = f"{self.runin} {text}", ""
        if self.count_paragraphs and (text or self.errors > errors_before):
            self.paragraphs += 1
            if self.errors > errors_before:
                self.error_paragraphs += 1
        if text:
            out.append(text)
            if self.current is not None:
                self.current.items += 1
        if self.deferred:
            blocks, self.deferred = self.deferred, []
            for block in blocks:
                self._paragraph(block, out, self.errors)

    def block(self, el: etree._Element, tag: str, out: list[str]) -> None:
        cls = el.get("class") or ""
        if tag == "section":
            self.section(el, cls)
            return
        if cls:
            if S.ERROR in cls:
                self.errors += 1
                return
            if S.NOTE in cls and _has_class(cls, S.NOTE):
                self.note(el, cls)
                return
            if _FRONTMATTER_RE.search(cls) and _has_class(cls, *S.FRONTMATTER_SKIP):
                return
        if tag in _TITLE_TAGS:
            if _has_class(cls, *S.SECTIONAL_TITLES):
                return  # read by heading() or the front-matter loop
            text = self.text(el)
            if _has_class(cls, S.RUNIN):
                self.runin = f"{self.runin} {text}".strip()
            else:
                self._paragraph(text, out, self.errors)
            return
        if tag == "figure":
            if _has_class(cls, S.TABLE_FIGURE):
                self.table_figure(el)
            else:
                self.figure(el, cls, out)
            return
        if tag == "table":
            if S.EQUATION in cls:
                tex = self.equation(el)
                if tex:
                    out.append(tex)
            else:
                markdown = self.markdown_table(el)
                if markdown:  # a tabular holding only a rule has no cells to show
                    self._add_table("", markdown, "")
            return
        if tag in ("ul", "ol", "dl"):
            self.list_items(el, out)
            return
        if S.ACKNOWLEDGEMENTS in cls and _has_class(cls, S.ACKNOWLEDGEMENTS):
            # One block that says what it is, so that the packer can leave it for last.
            inner: list[str] = []
            self.blocks(el, inner)
            text = " ".join(inner)
            if text and not S.ACKNOWLEDGEMENTS_START_RE.match(text):
                text = f"Acknowledgements: {text}"
            if self.current is not None and inner:
                self.current.items -= len(inner) - 1
            if text:
                out.append(text)
            return
        if tag == "svg":
            for block in self.svg_blocks(el):
                self._paragraph(block, out, self.errors)
            return
        if tag == "p" or tag == "pre" or tag == "figcaption" or S.LISTING in cls:
            errors_before = self.errors
            if tag == "pre":
                text = _pre_text(el)
            elif S.LISTING in cls and _has_class(cls, S.LISTING):
                text = self.listing(el)
            else:
                text = self.text(el)
            self._paragraph(text, out, errors_before)
            return
        self.blocks(el, out)

    def listing(self, el: etree._Element) -> str:
        """A listing (code, pseudo-code) line by line, math as TeX, without line-number data."""
        lines: list[str] = []
        for node in el.iter("div", "span"):
            ncls = node.get("class")
            if ncls and S.LISTING_LINE in ncls and _has_class(ncls, S.LISTING_LINE):
                text = self.text(node)
                if text:
                    lines.append(text)
        if lines:
            return "\n".join(lines)
        return _pre_text(el)

    def algorithm(self, fig: etree._Element, out: list[str]) -> None:
        """An algorithm float as one text block: ``Algorithm 1: caption`` and its lines."""
        caption, label = self.caption(fig, "")
        head = f"{label}: {caption}" if label and caption else (label or caption)
        body: list[str] = []
        errors_before = self.errors
        for child in fig:
            tag = child.tag
            if not isinstance(tag, str) or tag == "figcaption":
                continue
            if tag in S.BLOCK_TAGS or tag == "svg":
                self.block(child, tag, body)
            else:
                text = self.text(child)
                if text:
                    body.append(text)
        self._paragraph("\n".join(x for x in (head, *body) if x), out, errors_before)

    def list_items(self, el: etree._Element, out: list[str]) -> None:
        for li in el:
            if li.tag not in ("li", "dd", "dt"):
                continue
            marker = ""
            tag_el = _first_with_class(li, S.ITEM_TAG)
            if tag_el is not None:
                marker = " ".join("".join(tag_el.itertext()).split())
            inner: list[str] = []
            self._without_tag(li, inner)
            text = " ".join(inner)
            if not text:
                continue
            prefix = "-" if marker in ("", "•", "–", "-", "∙", "◦", "▪") else marker
            out.append(f"{prefix} {text}")

    def _without_tag(self, li: etree._Element, inner: list[str]) -> None:
        """Blocks of a list item, skipping its ``ltx_tag_item`` bullet/number."""
        self._mixed(li, inner, S.BLOCK_TAGS, skip_class=S.ITEM_TAG)

    # ---- sections -----------------------------------------------------------------------
    def section(self, el: etree._Element, cls: str) -> None:
        if _has_class(cls, S.BIBLIOGRAPHY):
            self.bibliography(el)
            return
        level = 1
        for name in cls.split():
            if name in S.SECTION_LEVELS:
                level = S.SECTION_LEVELS[name]
                break
        number, heading = self.heading(el)
        # Supplements: latexml-oxide appends them after the bibliography, as appendices or
        # as plain sections; either way they are not the paper's body.
        appendix = (self.in_appendix or _has_class(cls, S.APPENDIX) or self.after_bibliography
                    or bool(level == 1 and S.SUPPLEMENT_HEADING_RE.match(heading)))
        sec = Section(heading=heading, level=level, number=number)
        info = _SectionInfo(sec)
        if self.current is not None:
            self.current.children += 1
        (self.appendix if appendix else self.sections).append(sec)
        self.infos.append(info)
        saved = (self.current, self.in_appendix)
        self.current, self.in_appendix = info, appendix
        try:
            self.blocks(el, sec.paragraphs)
        finally:
            self.current, self.in_appendix = saved

    def heading(self, el: etree._Element) -> tuple[str, str]:
        """(number, heading) of a section from its ``ltx_title`` child."""
        for child in el:
            if child.tag in _TITLE_TAGS and S.TITLE in (child.get("class") or ""):
                number = ""
                tag_el = _first_with_class(child, S.TAG)
                text = self.text(child)
                if tag_el is not None:
                    number = " ".join("".join(tag_el.itertext()).split())
                    if number and text.startswith(number):
                        text = text[len(number):].strip()
                    number = number.removeprefix("Appendix").strip().rstrip(".:")
                return number, text
        return "", ""

    def bibliography(self, el: etree._Element) -> None:
        self.in_bibliography = True
        try:
            self._bibitems(el)
        finally:
            self.in_bibliography = False
        if self.current is None:
            self.after_bibliography = True

    def _bibitems(self, el: etree._Element) -> None:
        for item in el.iter("li"):
            if S.BIBITEM not in (item.get("class") or ""):
                continue
            parts: list[str] = []
            for child in item:
                ccls = child.get("class") or ""
                if not isinstance(child.tag, str) or S.BIB_CITED in ccls:
                    continue
                text = self.text(child)
                if S.TAG in ccls and not S.NUMERIC_BIBTAG_RE.match(text):
                    continue  # author-year tags repeat the entry's own authors and year
                if text:
                    parts.append(text)
            if parts:
                self.references.append(" ".join(parts))


# ---- helpers --------------------------------------------------------------------------------
def _has_class(cls: str, *names: str) -> bool:
    classes = cls.split()
    return any(n in classes for n in names)


def _first_with_class(el: etree._Element, name: str) -> etree._Element | None:
    for node in el.iter():
        if isinstance(node.tag, str) and name in (node.get("class") or "").split():
            return node
    return None


def _clean_tex(tex: str) -> str:
    if "%" in tex:
        tex = _TEX_COMMENT_RE.sub("", tex)
    return " ".join(tex.split())


def _tex_of(math: etree._Element) -> str:
    """TeX of a ``math`` element: ``@alttext``, else its ``application/x-tex`` annotation
    (oxide writes presentation MathML plus only that one), else the MathML's own text
    without the invisible operators (U+200B, U+2061…) that oxide puts inside ``<mo>``.
    ``ltx_math_unparsed`` formulas are read the same way."""
    tex = math.get("alttext")
    if tex is None:
        for ann in math.iter("annotation"):
            if ann.get("encoding") in (None, S.TEX_ANNOTATION):
                tex = "".join(ann.itertext())
                break
        else:
            parts = [
                t for node in math.iter()
                if isinstance(node.tag, str) and node.tag not in S.SKIP_TAGS
                for t in (node.text,) if t
            ]
            tex = S.INVISIBLE_CHARS_RE.sub("", " ".join(parts))
    return _clean_tex(tex)


def _math_tex(math: etree._Element) -> str:
    tex = _tex_of(math)
    if not tex:
        return ""
    if math.get("display") == "block":
        return f" $${tex}$$ "
    return f"${tex}$"


def _iter_math(el: etree._Element) -> list[etree._Element]:
    """``math`` descendants of ``el`` without walking into MathML subtrees."""
    found: list[etree._Element] = []

    def visit(node: etree._Element) -> None:
        for child in node:
            if child.tag == "math":
                found.append(child)
            elif isinstance(child.tag, str):
                visit(child)

    visit(el)
    return found


def _iter_tabulars(el: etree._Element) -> list[etree._Element]:
    """Outermost ``table.ltx_tabular`` (or bare ``table``, or ``span.ltx_tabular`` built by
    ``\\resizebox``) inside a float, in order."""
    found: list[etree._Element] = []

    def visit(node: etree._Element) -> None:
        for child in node:
            tag = child.tag
            if tag == "table":
                if S.EQUATION not in (child.get("class") or ""):
                    found.append(child)
            elif tag == "math" or tag == "figcaption" or not isinstance(tag, str):
                continue
            elif tag == "span" and S.TABULAR in (child.get("class") or "") and _has_class(
                child.get("class") or "", S.TABULAR
            ):
                found.append(child)
            else:
                visit(child)

    visit(el)
    return found


def _span_rows(table: etree._Element) -> tuple[list[etree._Element], int]:
    """Rows of a tabular built from spans (``span.ltx_tr``, directly or in a row group)
    and how many of them are header rows (inside ``span.ltx_thead``)."""
    rows: list[etree._Element] = []
    n_head = 0
    for child in table:
        if not isinstance(child.tag, str):
            continue
        classes = (child.get("class") or "").split()
        if S.TR in classes:
            rows.append(child)
        elif S.ROW_GROUPS.intersection(classes):
            group = [r for r in child if isinstance(r.tag, str)
                     and S.TR in (r.get("class") or "").split()]
            rows.extend(group)
            if S.THEAD in classes:
                n_head += len(group)
    return rows, n_head


def _pre_text(el: etree._Element) -> str:
    """A ``pre`` (verbatim, prompt) line by line: lines kept, trailing blanks dropped."""
    raw = "".join(el.itertext())
    return "\n".join(line.rstrip() for line in raw.splitlines() if line.strip())


def _has_listing(el: etree._Element) -> bool:
    for node in el.iter("div"):
        cls = node.get("class")
        if cls and S.LISTING in cls and _has_class(cls, S.LISTING):
            return True
    return False


def _url_key(url: str) -> str:
    """A URL without scheme, ``www.`` and trailing slash, lower-cased (for "already shown")."""
    key = url.strip().lower()
    for prefix in ("https://", "http://", "www."):
        key = key.removeprefix(prefix)
    return key.rstrip("/")


def _span(value: str | None) -> int:
    if not value:
        return 1
    try:
        return max(1, min(int(value), 100))
    except ValueError:
        return 1


def _take_pending(pending: dict[int, tuple[str, int]], col: int, row: list[str]) -> int:
    text, left = pending[col]
    row.append(text)
    if left <= 1:
        del pending[col]
    else:
        pending[col] = (text, left - 1)
    return col + 1


def _grid_to_markdown(grid: list[list[str]], header_rows: int) -> str:
    rows = [r for r in grid if any(r)]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    for r in rows:
        r.extend([""] * (width - len(r)))
    keep = [c for c in range(width) if any(r[c] for r in rows)]
    rows = [[r[c] for c in keep] for r in rows]
    # A multi-row <thead> is merged column-wise into the one header row Markdown allows.
    n_head = max(1, min(header_rows, len(rows) - 1)) if len(rows) > 1 else 1
    header = [" ".join(dict.fromkeys(x for x in col if x)) for col in zip(*rows[:n_head],
                                                                         strict=True)]
    body = rows[n_head:]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines.extend("| " + " | ".join(r) + " |" for r in body)
    return "\n".join(lines)


def _authors(walker: _Walker, block: etree._Element) -> list[str]:
    names: list[str] = []
    for person in block.iter():
        if not isinstance(person.tag, str) or S.PERSONNAME not in (person.get("class") or ""):
            continue
        parts: list[str] = []
        _author_text(person, parts)
        text = _ORCID_RE.sub(" ", "".join(parts))
        for token in _AUTHOR_SPLIT_RE.split(text):
            name = " ".join(token.split()).strip(" .*†‡")
            if _looks_like_name(name) and name not in names:
                names.append(name)
    return names


def _author_text(el: etree._Element, parts: list[str]) -> None:
    if el.text:
        parts.append(el.text)
    for child in el:
        tag = child.tag
        if isinstance(tag, str):
            cls = child.get("class") or ""
            if tag == "br":
                parts.append("\n")
            elif tag in ("math", "sup") or tag in S.SKIP_TAGS or S.ERROR in cls or (
                S.NOTE in cls
            ) or (cls and _has_class(cls, *S.AUTHOR_NOTES)):
                pass  # affiliation/e-mail notes and their "Affiliation: " labels
            else:
                _author_text(child, parts)
        if child.tail:
            parts.append(child.tail)


def _looks_like_name(name: str) -> bool:
    words = name.split()
    if not 2 <= len(words) <= 5 or any(ch.isdigit() or ch == "@" for ch in name):
        return False
    for w in words:
        if w.lower().strip(".,") in _AFFILIATION_WORDS:
            return False
        # All-caps words longer than an initial ("AI", "UC", "UK") are organisations.
        if len(w) > 1 and w.isupper() and not w.endswith("."):
            return False
    return words[0][:1].isupper()


def _find_document(root: etree._Element) -> etree._Element | None:
    # iter(tag) runs in C; the XPath fallbacks only serve pages without <article>.
    for el in root.iter("article"):
        if _has_class(el.get("class") or "", S.DOCUMENT):
            return el
    for xp in _XP_FALLBACKS:
        found = xp(root)
        if found:
            return found[0]
    return None


def _has_latexml_para(article: etree._Element) -> bool:
    for el in article.iter("div", "p"):
        cls = el.get("class")
        if cls and (S.PARA in cls or S.P in cls.split()):
            return True
    return False


def _page_id(body: bytes) -> tuple[str, int | None]:
    # <base> and the canonical link sit in the head, the watermark right after it: the
    # patterns are searched from where each can be, not over a whole 1 MB page.
    head_end = body.find(b"</head")
    head = body[: head_end if head_end >= 0 else 65536]
    mark = body.find(b'id="watermark-tr"')
    places = (head, body[mark : mark + 400] if mark >= 0 else b"", head)
    for rx, where in zip(S.PAGE_ID_RES, places, strict=True):
        m = rx.search(where)
        if m:
            version = m.group(2)
            return m.group(1).decode(), int(version) if version else None
    return "", None


def _parse(body: bytes, max_bytes: int) -> etree._Element:
    if not body or not body.strip():
        raise ExtractionError("the HTML body is empty (0 bytes); fetch it again", "empty")
    if len(body) > max_bytes:
        raise ExtractionError(
            f"the HTML body is {len(body):,} bytes, over the {max_bytes:,}-byte cap; "
            "raise the size limit in the configuration if this page is genuine",
            "too_large",
        )
    # arXiv serves UTF-8; forcing it makes libxml2 replace a stray bad byte with U+FFFD
    # instead of guessing another charset (and is a third faster than decoding first).
    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True,
                              collect_ids=False, encoding="utf-8")
    try:
        root = etree.fromstring(_strip_mathml(body), parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ExtractionError(f"the HTML could not be parsed: {exc}", "unparseable") from exc
    if root is None:
        raise ExtractionError("the HTML could not be parsed (no elements found)", "unparseable")
    return root


_MATH_OPEN_RE = re.compile(rb"""<math\b(?:[^>"']|"[^"]*"|'[^']*')*>""", re.IGNORECASE)
_MATH_CLOSE = b"</math>"


def _strip_mathml(body: bytes) -> bytes:
    """``body`` with the MathML inside every ``<math alttext=…>`` removed before parsing.

    The walk reads a formula's TeX from ``@alttext`` and never enters its MathML, which is
    about half the bytes of a LaTeXML page (0.9 of 1.5 MB on the corpus pages) and most of
    its elements; libxml2 need not build them. A ``math`` without ``alttext`` (oxide's
    annotation-only form, unparsed formulas) keeps its content for :func:`_tex_of`.
    """
    find = body.find
    start = find(b"<math")
    if start < 0:
        return body
    out: list[bytes] = []
    pos = 0
    while start >= 0:
        opening = _MATH_OPEN_RE.match(body, start)
        if opening is None:
            start = find(b"<math", start + 5)
            continue
        end = find(_MATH_CLOSE, opening.end())
        if end < 0:
            break
        if b"alttext=" in opening.group(0):
            out.append(body[pos:opening.end()])
            pos = end
        start = find(b"<math", end + len(_MATH_CLOSE))
    if not out:
        return body
    out.append(body[pos:])
    return b"".join(out)


def _extract(body: bytes, arxiv_id: str, url: str, max_bytes: int) -> tuple[Document, _Stats]:
    doc, stats = _walk(body, max_bytes)
    _bind(doc, body, arxiv_id, url)
    return doc, stats


def _bind(doc: Document, body: bytes, arxiv_id: str, url: str) -> None:
    """Set the Document's id, version and URL from the caller's id and the page's own."""
    page_id, version = _page_id(body)
    if arxiv_id:
        try:
            arxiv_id, given_version = split_arxiv_id(arxiv_id)
        except ValueError:
            given_version = None  # an old-style or odd id: kept as given
        if given_version is not None:
            version = given_version
        elif page_id and page_id != arxiv_id:
            version = None  # the page shows another paper's version
    doc.arxiv_id = arxiv_id or page_id
    doc.version = version
    doc.source_url = url


def _walk(body: bytes, max_bytes: int) -> tuple[Document, _Stats]:
    root = _parse(body, max_bytes)
    article = _find_document(root)
    if article is None or not _has_latexml_para(article):
        title = root.findtext(".//title") or ""
        raise ExtractionError(
            "not an arXiv LaTeXML page (no ltx_document/ltx_para content)"
            + (f": page title {' '.join(title.split())[:80]!r}" if title.strip() else "")
            + "; read the PDF or the abstract instead",
            "not_latexml",
        )
    walker = _Walker()
    title = ""
    authors: list[str] = []
    abstract_parts: list[str] = []
    front: list[str] = []  # paragraphs before the first section (unsectioned papers)
    keywords: list[str] = []
    for child in article:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        cls = child.get("class") or ""
        if tag in _TITLE_TAGS and S.TITLE_DOCUMENT in cls:
            title = walker.text(child)
        elif S.AUTHORS in cls and _has_class(cls, S.AUTHORS):
            errors = walker.errors
            authors = _authors(walker, child)
            walker.errors = errors + len(child.xpath(S.XPATH_ERRORS))
        elif S.KEYWORDS in cls and _has_class(cls, S.KEYWORDS):
            text = walker.text(child)
            if text:
                keywords.append(text)
        elif S.ABSTRACT in cls and _has_class(cls, S.ABSTRACT):
            walker.count_paragraphs = True
            walker.blocks(child, abstract_parts)
            walker.count_paragraphs = False
        elif tag in _TITLE_TAGS:
            continue
        else:
            walker.count_paragraphs = True
            walker.block(child, tag, front)
            walker.count_paragraphs = False
    # Hand-made "Keywords: …" lines join the \\keywords block in Document.keywords; a
    # title-block date says nothing about the paper. Neither is body text.
    keywords.extend(p for p in front if S.KEYWORDS_PARAGRAPH_RE.match(p))
    front = [p for p in front if not _is_front_meta(p)]
    if front:
        walker.sections.insert(0, Section(heading="", level=1, number="", paragraphs=front))
    if not title:
        title = " ".join((root.findtext(".//title") or "").split())

    stats = _Stats(errors=walker.errors, paragraphs=walker.paragraphs,
                   error_paragraphs=walker.error_paragraphs)
    stats.body_chars = sum(len(p) for s in walker.sections for p in s.paragraphs)
    stats.total_sections = len(walker.infos)
    stats.empty_sections = sum(1 for i in walker.infos if not i.items and not i.children)
    tail = body[-65536:].lower()
    stats.truncated = not (b"</html" in tail and b"</body" in tail)
    stats.package_alert = S.MISSING.encode() in body
    stats.fatal = _has_fatal_banner(body)

    abstract = "\n".join(abstract_parts)
    flags: list[str] = []
    if stats.errors:
        flags.append(f"ltx_error:{stats.errors}")
    if stats.package_alert:
        flags.append("package_alert")
    if not abstract:
        flags.append("missing_abstract")
    if stats.empty_sections:
        flags.append(f"empty_sections:{stats.empty_sections}")
    if stats.body_chars < S.MIN_BODY_CHARS:
        flags.append("too_short")
    if stats.truncated:
        flags.append("truncated")
    if stats.fatal:
        flags.append("fatal_conversion")

    doc = Document(
        arxiv_id="",
        title=title,
        source_kind="HTML",
        authors=authors,
        abstract=abstract,
        sections=walker.sections,
        tables=walker.tables,
        figures=walker.figures,
        footnotes=walker.footnotes,
        equations=walker.equations,
        references=walker.references,
        appendix=walker.appendix,
        flags=flags,
        links=walker.links,
        keywords=keywords,
    )
    return doc, stats


def extract_html(
    body: bytes, arxiv_id: str = "", *, url: str = "", max_bytes: int = DEFAULT_MAX_BYTES
) -> Document:
    """Turn an arXiv HTML (LaTeXML) page into a :class:`Document`.

    ``arxiv_id`` defaults to the id printed in the page (``<base href>``/watermark); the
    version is read from the page when it shows one. Truncated HTML still yields a Document
    with what is there, flagged ``truncated``.

    Raises:
        ExtractionError: with ``reason`` ``"empty"`` (0-byte body), ``"too_large"`` (over
            ``max_bytes``, checked before parsing), ``"not_latexml"`` (an arXiv error page or
            any page without LaTeXML content) or ``"unparseable"``.
    """
    doc, stats = _extract(body, arxiv_id, url, max_bytes)
    logger.debug("extracted %s: %d sections, %d tables, %d errors in %d/%d paragraphs",
                 doc.arxiv_id, len(doc.sections), len(doc.tables), stats.errors,
                 stats.error_paragraphs, stats.paragraphs)
    return doc


def _judge(stats: _Stats) -> str | None:
    if stats.fatal:
        return ("truncated: the conversion had a Fatal error and exited abruptly (the page "
                "says it may be truncated or damaged)")
    if stats.paragraphs:
        ratio = stats.error_paragraphs / stats.paragraphs
        if ratio > S.MAX_ERROR_PARAGRAPH_RATIO:
            return (f"conversion broken: {ratio:.0%} of paragraphs have ltx_ERROR "
                    f"({stats.error_paragraphs}/{stats.paragraphs})")
    if stats.total_sections:
        ratio = stats.empty_sections / stats.total_sections
        if ratio > S.MAX_EMPTY_SECTION_RATIO:
            return (f"conversion broken: {stats.empty_sections} of {stats.total_sections} "
                    "sections are empty")
    if stats.body_chars < S.MIN_USABLE_BODY_CHARS:
        return f"conversion broken: only {stats.body_chars} characters of body text"
    if stats.truncated:
        return "truncated: the page ends before </body></html>"
    return None


def check_html(
    body: bytes, arxiv_id: str = "", *, url: str = "", title: str = "",
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[Document | None, str | None]:
    """Judge and parse an HTML page in one pass: ``(Document, None)`` when it is usable
    (the same Document :func:`extract_html` returns), else ``(None, reason)``.

    ``title`` is the title the paper is listed under (Hugging Face / arXiv): when given, a
    page whose own title does not match it loosely (:func:`title_matches`) is the wrong
    document (arXiv converted a checklist or a template) and is unusable.

    The acquire stage calls this, so that a page is parsed once for the check and the
    extraction. Never raises for bad input: see :func:`unusable_reason` for the reasons.
    """
    try:
        doc, stats = _walk(body, max_bytes)
    except ExtractionError as exc:
        return None, f"{exc.reason}: {exc}"
    reason = _judge(stats) or _wrong_document(doc, title)
    if reason is not None:
        return None, reason
    _bind(doc, body, arxiv_id, url)
    return doc, None


def unusable_reason(
    body: bytes, *, title: str = "", max_bytes: int = DEFAULT_MAX_BYTES
) -> str | None:
    """Why this HTML should not be read (the acquire stage then falls back to the PDF).

    Returns ``None`` when the page is usable, otherwise a short reason that starts with its
    kind: ``"conversion broken: 41% of paragraphs have ltx_ERROR (23/56)"``, ``"truncated:
    the conversion had a Fatal error …"``, ``"wrong document: page title 'NeurIPS Paper
    Checklist' does not match the listed title '…'"`` (only when ``title``, the listed
    title, is given) or an extraction reason (``"not_latexml: …"``). Thresholds are in
    :mod:`paperdigest.extract.selectors`, pinned by ``eval_baseline.json``. Never raises
    for bad input: an empty, oversized, unparseable or non-LaTeXML body gives its reason.
    """
    return check_html(body, title=title, max_bytes=max_bytes)[1]


def title_matches(listed: str, page: str, text: str = "") -> bool:
    """Whether a page's title (or, failing that, its opening ``text``) is the listed paper's.

    Loose on purpose (titles change between versions, math and punctuation differ): the
    content words of ``listed`` (lower-cased, ``[a-z0-9]`` runs of 2+ characters, stop
    words and a plural ``s`` removed) are compared with those of ``page``; half of them
    must be there. When they are not (or the page has no title), 70 % of them must occur
    in ``text`` (the abstract and first paragraphs). A ``listed`` title with fewer than two
    content words (numbers do not count: ``"Paper 2601.13621"``) cannot be judged and
    always matches.
    """
    wanted = {w for w in _title_words(listed) if not w.isdigit()}
    if len(wanted) < 2:
        return True
    got = _title_words(page)
    if got and len(wanted & got) >= S.MIN_TITLE_OVERLAP * len(wanted):
        return True
    if text and len(wanted) >= 3:
        return len(wanted & _title_words(text)) >= S.MIN_TEXT_TITLE_OVERLAP * len(wanted)
    return False


def _title_words(text: str) -> set[str]:
    words = set()
    for word in _WORD_RE.findall(unicodedata.normalize("NFKC", text).lower()):
        if word in S.TITLE_STOPWORDS:
            continue
        words.add(word[:-1] if len(word) > 3 and word.endswith("s") else word)
    return words


def _wrong_document(doc: Document, title: str) -> str | None:
    if not title.strip():
        return None
    opening = " ".join([doc.abstract, *(p for s in doc.sections[:2] for p in s.paragraphs[:3])])
    if title_matches(title, doc.title, opening[:5000]):
        return None
    listed = " ".join(title.split())
    return (f"wrong document: page title {doc.title[:100]!r} does not match the listed title "
            f"{listed[:100]!r}")


def _has_fatal_banner(body: bytes) -> bool:
    """The LaTeXML/ar5iv banner of a conversion that died part-way, as the text of an
    element (``<span class="ltx_ERROR">Conversion to HTML had a Fatal error …``); the
    phrase quoted inside a sentence does not count."""
    at = body.find(S.FATAL_BANNER)
    while at >= 0:
        start = body.rfind(b"Conversion to HTML", max(0, at - 40), at)
        if start >= 0 and body[max(0, start - 200):start].rstrip().endswith(b">"):
            return True
        at = body.find(S.FATAL_BANNER, at + 1)
    return False


def _is_front_meta(paragraph: str) -> bool:
    """A hand-made keywords line or a title-block date before the first section."""
    if S.KEYWORDS_PARAGRAPH_RE.match(paragraph):
        return True
    return len(paragraph) <= 80 and bool(S.DATE_PARAGRAPH_RE.match(paragraph))
