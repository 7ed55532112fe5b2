"""PDF → :class:`~paperdigest.models.Document` with pypdfium2, in a worker process.

:func:`extract_pdf` is what the pipeline calls: it checks the size cap, then runs
:func:`parse_pdf_text` in a separate process (``forkserver`` where available, else
``spawn``) because Python cannot interrupt a native parser running in a thread. On timeout
the worker is killed and reaped, so no zombie is left behind.

:func:`parse_pdf_text` is the in-process parser (the worker calls it; the benchmark times
it). Text comes from pdfium in content-stream order, which for the two-column arXiv papers
of the corpus (revtex, AASTeX, IEEEtran) is already column by column. From that text it:

* drops the arXiv side stamp (``arXiv:2310.06825v1 [cs.CL] 10 Oct 2023``) after learning
  the version from it, page numbers and running headers;
* finds the title (PDF metadata when sane, else the largest-font lines of page 1);
* finds the abstract (after ``Abstract``/``ABSTRACT``/``Abstract—``, else the longest
  front-matter paragraph, flagged ``abstract_guessed``);
* splits sections on numbered (``1 Introduction``, ``2.1. Method``), Roman (``I.
  INTRODUCTION``, then ``A. Sub``) and known unnumbered headings; numbering must advance
  in order, which rejects numbered list items and stray numbers;
* cuts references at ``References``/``Bibliography`` and puts lettered sections after them
  into ``Document.appendix``;
* collects figure and table captions. PDFs carry no table structure: a table's
  ``markdown`` is a one-column Markdown table holding the data-like lines printed next to
  its caption, as extracted (or ``""`` when none were found);
* de-hyphenates: pdfium marks every line-end hyphen with U+FFFE; the hyphen is dropped
  unless the next word starts with an uppercase letter or a digit (``GPT-4o``,
  ``SEMIFA-930``), a simple rule that also joins a few real compounds.

A text layer that is not language (fonts without a ToUnicode map: every letter shifted,
"The" reads "7KH") is refused as ``no_text`` (:func:`common_word_share`), like a scan.
URLs printed in the body go to ``Document.links``.

Quality flags: ``single_page``, ``too_short``, ``missing_abstract``, ``abstract_guessed``,
``no_sections``, ``no_references``, ``pages_truncated:N``.
"""

from __future__ import annotations

import logging
import multiprocessing
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from ..errors import ExtractionError
from ..models import Document, Section, Table
from .links import urls_in_text

logger = logging.getLogger(__name__)

__all__ = ["extract_pdf", "parse_pdf_text"]

#: ``arXiv:2310.06825v1 [cs.CL] 10 Oct 2023`` (also old-style ids like ``hep-th/9901001v2``).
STAMP_RE = re.compile(
    r"^arXiv:(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})v(?P<version>\d+)\s+"
    r"\[[^\]]+\]\s+\d{1,2}\s+[A-Z][a-z]{2}\s+\d{4}$"
)
NUMBERED_HEADING_RE = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?P<text>[A-Z].*)$")
ROMAN_HEADING_RE = re.compile(r"^(?P<num>[IVX]{1,5})\.\s+(?P<text>[A-Z][A-Z0-9 ,:;&\-–—'’()/]+)$")
LETTER_HEADING_RE = re.compile(r"^(?P<num>[A-H])\.\s+(?P<text>[A-Z].*)$")
APPENDIX_HEADING_RE = re.compile(
    r"^(?:(?:Appendix|APPENDIX)\s+(?P<num1>[A-Z])\b[.:]?\s*(?P<text1>.*)"
    r"|(?P<num2>[A-Z](?:\.\d{1,2}){0,2})\.?\s+(?P<text2>(?![A-Z][\w\-'’]+,)[A-Z].*))$"
)
PREAMBLE_RE = re.compile(
    r"^(?:Draft version|Typeset using|Preprint|Accepted|Submitted|Published|Received|"
    r"Journal of|Proceedings of|Under review|Work in progress)\b",
    re.IGNORECASE,
)
#: Author-block lines: affiliation markers glued to names, institutions, e-mail addresses.
AFFILIATION_RE = re.compile(
    r"^\d{1,2}(?:\s*,\s*\d{1,2})*\s*(?:[A-Z]|$)|University|Institute|Department|Laborator|"
    r"Observator|Universit|College|School of|@|\bInc\.|\bLtd\b"
)
#: A heading that ends with one of these words continues on the next line.
HEADING_CONTINUES_RE = re.compile(r"\b(?:for|of|and|&|the|in|on|at|with|to|from|a|an|via|by)$")
UNNUMBERED_HEADINGS = {
    "introduction",
    "related work",
    "background",
    "method",
    "methods",
    "results",
    "discussion",
    "conclusion",
    "conclusions",
    "acknowledgement",
    "acknowledgements",
    "acknowledgment",
    "acknowledgments",
    "limitations",
}
REFERENCES_HEADINGS = {"references", "bibliography", "references and notes"}
ABSTRACT_INLINE_RE = re.compile(r"^(?:Abstract|ABSTRACT)\s*(?:[—–:.\-]|\ufffe)\s*(?P<rest>.+)$")
CAPTION_RE = re.compile(
    r"^(?P<kind>Figure|Fig\.|FIG\.|FIGURE|Table|TABLE)\s*(?P<num>\d{1,2}|[IVX]{1,5}|[A-Z]\.?\d{1,2})"
    r"(?:\s*[.:|]\s*|\s*$)(?P<rest>.*)$"
)
#: Front-matter lines that are not abstract text (kept as footnotes instead).
FRONT_META_RE = re.compile(
    r"^(?:Index Terms|Keywords|Key words|PACS|Code|Webpage|Project page|Unified Astronomy)\b"
)
REF_ENTRY_RE = re.compile(r"^(?:\[\d{1,3}\]|\d{1,3}\.\s)")
AUTHOR_YEAR_REF_RE = re.compile(r"^[A-Z][\w'’\-]+(?:\s[a-z]{1,3}\s[A-Z][\w'’\-]+)?,\s+(?:[A-Z]\.|[A-Z][a-z]+,)")
ROMAN = {"I": 1, "V": 5, "X": 10}

#: Below this much body text (characters) a "paper" is flagged ``too_short``; a full
#: 4-page workshop paper has ~15,000, the corpus' single-page extract ~2,900.
TOO_SHORT_CHARS = 5000
#: A PDF with less extractable text than this is a scan or an image-only file.
MIN_TEXT_CHARS = 100
#: The most frequent English words (function words and the commonest verbs of papers). In
#: English running text they are about a third of all words (the corpus PDFs: 0.26 to 0.40
#: of their first 40,000 characters); in a text layer without ToUnicode maps (every letter
#: shifted, "The" → "7KH", "paper" → "SDSHU") almost none are (the same PDFs shifted: 0.00
#: to 0.02).
COMMON_WORDS = frozenset(
    {
        "the", "of", "and", "to", "in", "a", "is", "for", "that", "we", "on", "with", "as",
        "are", "by", "this", "be", "from", "an", "our", "at", "which", "it", "or", "can", "not",
        "each", "these", "model", "data", "results", "using", "use", "used", "method",
        "methods", "between", "than", "has", "have", "more", "all", "two", "one", "also",
        "both", "only", "such", "its", "their", "they", "when", "where", "while", "based",
        "show", "shown", "table", "figure", "set", "however", "was", "were", "been", "but",
        "into", "over", "other", "most", "first", "new", "learning", "training", "performance",
        "approach", "task", "tasks", "input", "output", "time", "different", "large", "small",
        "number", "same", "well", "high", "low", "how", "what", "there", "then", "may", "will",
        "do", "does", "see", "proposed", "paper", "work", "section", "order", "given", "case",
        "value", "values", "if", "any", "no"
    }
)  # fmt: skip
#: Below this share of common words (over at least ``LANGUAGE_MIN_WORDS`` words) the text
#: layer is not language. Between the two ranges above; the sample is the start of the
#: whole text, so a page of tables and formulas alone (down to 0.06) is judged with its
#: neighbours.
MIN_COMMON_WORD_SHARE = 0.06
LANGUAGE_MIN_WORDS = 150
LANGUAGE_SAMPLE_CHARS = 40_000
_WORD_RE = re.compile(r"[^\W\d_]{1,30}")
_CJK_RE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
#: A line ends its paragraph when it ends a sentence and is shorter than this share of the
#: document's median line length (two-column corpus papers: median ~55 chars).
SHORT_LINE_RATIO = 0.8
MAX_HEADING_WORDS = 14
MAX_CAPTION_LINES = 14


def _roman_value(text: str) -> int:
    total = 0
    for i, ch in enumerate(text):
        value = ROMAN[ch]
        if i + 1 < len(text) and ROMAN[text[i + 1]] > value:
            total -= value
        else:
            total += value
    return total


@dataclass
class _Block:
    kind: str
    """``heading``, ``text``, ``caption``, ``abstract_marker``, ``references``."""
    lines: list[str] = field(default_factory=list)
    heading: str = ""
    number: str = ""
    level: int = 1
    label: str = ""


# --------------------------------------------------------------------------- pages → lines


def _open(body: bytes) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(body)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == 4 or "password" in str(exc).lower():
            raise ExtractionError(
                "the PDF is encrypted with a password; download an unprotected copy or "
                "read the paper from its HTML or abstract",
                reason="encrypted",
            ) from exc
        raise ExtractionError(
            f"the PDF is corrupt or truncated ({exc}); re-fetch it with --refresh",
            reason="corrupt",
        ) from exc


def _check_bytes(body: bytes) -> None:
    if not body or not body.strip():
        raise ExtractionError("the PDF body is empty (0 bytes); re-fetch it", reason="empty")
    # The PDF spec lets readers accept junk before the header; 1024 bytes is Acrobat's limit.
    if b"%PDF-" not in body[:1024]:
        raise ExtractionError(
            "the body is not a PDF (no %PDF- header); check the URL or the content type",
            reason="not_pdf",
        )


def _page_texts(pdf: Any, max_pages: int) -> tuple[list[str], list[float], str]:
    """Text of each page, font sizes of page 1's lines, and metadata title."""
    import pypdfium2.raw as pdfium_c

    texts: list[str] = []
    first_sizes: list[float] = []
    for index in range(min(len(pdf), max_pages)):
        page = pdf[index]
        textpage = page.get_textpage()
        try:
            raw = textpage.get_text_range()
            if index == 0:
                first_sizes = _line_font_sizes(raw, textpage, pdfium_c)
        finally:
            textpage.close()
            page.close()
        texts.append(raw)
    title = ""
    try:
        title = (pdf.get_metadata_dict().get("Title") or "").strip()
    except Exception:  # metadata is optional; a broken dict is not an error
        logger.debug("PDF metadata unreadable", exc_info=True)
    return texts, first_sizes, title


def _line_font_sizes(raw: str, textpage: Any, pdfium_c: Any) -> list[float]:
    """Font size of the first char of each ``\\n``-separated line on page 1 (0 if unknown)."""
    sizes: list[float] = []
    if textpage.count_chars() != len(raw):
        return sizes
    pos = 0
    for line in raw.split("\n"):
        stripped = line.strip("\r")
        offset = len(stripped) - len(stripped.lstrip())
        size = 0.0
        if stripped.strip():
            # Font size times the text matrix scale: the size as printed on the page.
            index = pos + offset
            matrix = pdfium_c.FS_MATRIX()
            scale = 1.0
            if pdfium_c.FPDFText_GetMatrix(textpage.raw, index, matrix):
                scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5 or 1.0
            size = float(pdfium_c.FPDFText_GetFontSize(textpage.raw, index)) * scale
        sizes.append(size)
        pos += len(line) + 1
    return sizes


def _dehyphenate(text: str) -> str:
    # U+FFFE is pdfium's marker for a hyphen at a line end; U+00AD a soft hyphen.
    def repl(match: re.Match[str]) -> str:
        before, after = match.group(1), match.group(2)
        if after[:1].isupper() or after[:1].isdigit():
            return f"{before}-{after}"
        return before + after

    text = re.sub(r"(\S?)[\ufffe\u00ad]\s*(\S?)", repl, text)
    return text


def _clean_pages(texts: list[str]) -> tuple[list[list[str]], int | None]:
    """Normalise lines, drop the arXiv stamp, page numbers and running headers."""
    version: int | None = None
    pages: list[list[str]] = []
    for raw in texts:
        text = _dehyphenate(raw.replace("\r\n", "\n").replace("\r", "\n"))
        lines: list[str] = []
        for line in text.split("\n"):
            line = re.sub(r"\s+", " ", line).strip()
            if not line:
                continue
            stamp = STAMP_RE.match(line)
            if stamp:
                version = version or int(stamp.group("version"))
                continue
            lines.append(line)
        pages.append(lines)
    # Running headers/footers: the same line (digits ignored) at a page edge on >= 2 pages.
    edge_keys: Counter[str] = Counter()
    for lines in pages:
        for line in {*lines[:2], *lines[-2:]}:
            edge_keys[re.sub(r"\d+", "#", line)] += 1
    repeated = {k for k, n in edge_keys.items() if n >= 2 and len(pages) >= 2 and len(k) > 3}
    cleaned: list[list[str]] = []
    for lines in pages:
        out: list[str] = []
        for i, line in enumerate(lines):
            at_edge = i < 2 or i >= len(lines) - 2
            if at_edge and (re.fullmatch(r"\d{1,3}", line) or re.sub(r"\d+", "#", line) in repeated):
                continue
            out.append(line)
        cleaned.append(out)
    return cleaned, version


# --------------------------------------------------------------------------- title


def _sane_title(title: str) -> bool:
    if not 8 <= len(title) <= 300:
        return False
    lowered = title.lower()
    if lowered.endswith((".tex", ".dvi", ".pdf", ".doc", ".docx")) or lowered in {"untitled"}:
        return False
    return bool(re.search(r"[A-Za-z]{3}", title)) and not lowered.startswith("microsoft word")


def _title_from_page(lines: list[str], raw_first: str, sizes: list[float]) -> str:
    """The largest-font run of lines among the first lines of page 1."""
    if not sizes:
        return lines[0] if lines else ""
    raw_lines = [
        re.sub(r"\s+", " ", _dehyphenate(line.strip("\r"))).strip()
        for line in raw_first.split("\n")
    ]
    candidates = [
        (size, line)
        for size, line in zip(sizes, raw_lines, strict=False)
        if line and not STAMP_RE.match(line) and len(line) > 2
    ][:20]
    if not candidates:
        return lines[0] if lines else ""
    biggest = max(size for size, _ in candidates)
    body_size = statistics.median(size for size in sizes if size > 0)
    # A title is set larger than the body text; a page without larger type (a fragment,
    # a page from the middle of a paper) has no title on it.
    if biggest < body_size + 1.0:
        return ""
    title_lines: list[str] = []
    started = False
    for size, line in candidates:
        if abs(size - biggest) <= 0.5:
            title_lines.append(line)
            started = True
        elif started:
            break
    return " ".join(title_lines[:4]).strip()


# --------------------------------------------------------------------------- classification


class _Numbering:
    """Tracks printed section numbers so that only the next expected one is a heading."""

    def __init__(self) -> None:
        self.numbers: list[int] = []
        self.roman = 0
        self.letter = ""

    def accept_numbered(self, num: str, lenient: bool = False) -> bool:
        parts = [int(p) for p in num.split(".")]
        if self.roman:
            # A paper numbers its sections one way; under "II." an "2 ..." line is a list
            # item or a table row.
            return False
        if lenient and not self.numbers:
            # A fragment (one page) may start anywhere, e.g. at "5.1".
            ok = True
        elif len(parts) == 1:
            ok = parts[0] == (self.numbers[0] + 1 if self.numbers else 1) or (
                not self.numbers and parts[0] in (0, 1)
            )
        else:
            parent = parts[:-1]
            if self.numbers[: len(parent)] != parent:
                return False
            current = self.numbers[len(parent)] if len(self.numbers) > len(parent) else 0
            ok = parts[-1] == current + 1
        if ok:
            self.numbers = parts
        return ok

    def accept_roman(self, num: str) -> bool:
        value = _roman_value(num)
        if value == self.roman + 1 and not self.numbers:
            self.roman = value
            self.letter = ""
            return True
        return False

    def accept_letter(self, num: str) -> bool:
        if not self.roman:
            return False
        expected = chr(ord(self.letter) + 1) if self.letter else "A"
        if num == expected:
            self.letter = num
            return True
        return False


def _looks_like_heading_text(text: str) -> bool:
    words = text.split()
    if not words or len(words) > MAX_HEADING_WORDS or len(text) > 110:
        return False
    if text.endswith((",", ";", "-")) or text.endswith(".") and len(words) > 8:
        return False
    if sum(any(ch.isdigit() for ch in word) for word in words) > max(1, len(words) // 4):
        return False
    letters = sum(ch.isalpha() for ch in text)
    return letters >= 0.6 * len(text.replace(" ", ""))


def _ends_sentence(line: str) -> bool:
    return bool(re.search(r"[.!?:)\]]['’\"”]?$", line))


def _is_data_line(line: str) -> bool:
    tokens = line.split()
    if not tokens:
        return False
    digits = sum(any(ch.isdigit() for ch in tok) for tok in tokens)
    if digits == 0 or digits / len(tokens) < 0.3:
        return False
    return not (line.endswith(".") and len(tokens) > 8)


def _caption_start(
    cap: re.Match[str], prev_line: str, page_start: bool, median_len: float
) -> bool:
    """Whether a ``Figure 3.``-like line starts a caption rather than a sentence."""
    kind, rest = cap.group("kind"), cap.group("rest")
    if page_start or not prev_line or _ends_sentence(prev_line) or _is_data_line(prev_line):
        return True
    # After a short line (labels inside a figure), not after running text that wraps
    # mid-sentence onto "Fig. 5. We ...".
    if len(prev_line) < 0.6 * median_len:
        return True
    # "FIG. 1." (revtex), "TABLE I" (IEEE) and "Figure 1:" never start an in-text mention.
    if kind in {"FIG.", "FIGURE", "TABLE"} or ":" in cap.group(0)[: len(cap.group(0)) - len(rest)]:
        return True
    # "Figure 3. Dynamic Entropy Production: The blue ..." (AASTeX): a titled caption.
    return ":" in rest[:80]


def _refs_start(lines: list[str], i: int) -> bool:
    """A ``[1] ...`` line followed by ``[2] ...``: references without a heading (revtex)."""
    if not lines[i].startswith("[1] "):
        return False
    return any(line.startswith("[2] ") for line in lines[i + 1 : i + 16])


def _classify(pages: list[list[str]], median_len: float, lenient: bool = False) -> list[_Block]:
    """Turn page lines into blocks (headings, text, captions, abstract, references)."""
    numbering = _Numbering()
    blocks: list[_Block] = []
    in_refs = False
    seen_abstract = False
    seen_captions: set[str] = set()
    prev_line = ""
    lines = [line for page in pages for line in page]
    page_starts: set[int] = set()
    count = 0
    for page in pages:
        page_starts.add(count)
        count += len(page)
    i = 0
    while i < len(lines):
        line = lines[i]
        lowered = line.lower().rstrip(":.")
        block: _Block | None = None
        if not in_refs and _refs_start(lines, i):
            blocks.append(_Block("references", heading="References", lines=[line]))
            in_refs = True
            prev_line = line
            i += 1
            continue
        if lowered in REFERENCES_HEADINGS:
            block = _Block("references", heading=line)
            in_refs = True
        elif in_refs:
            app = APPENDIX_HEADING_RE.match(line)
            if app and _looks_like_heading_text(app.group("text1") or app.group("text2") or "X"):
                num = app.group("num1") or app.group("num2") or ""
                text = (app.group("text1") or app.group("text2") or "").strip()
                if app.group("num1") or num.split(".")[0] in _appendix_letters(blocks):
                    level = num.count(".") + 1
                    block = _Block("appendix", heading=text or f"Appendix {num}", number=num,
                                   level=level)
        elif lowered in {"abstract"}:
            block = _Block("abstract_marker", heading=line)
            seen_abstract = True
        elif (m := ABSTRACT_INLINE_RE.match(line)) is not None:
            block = _Block("abstract_marker", heading="Abstract", lines=[m.group("rest")])
            seen_abstract = True
        elif (m := NUMBERED_HEADING_RE.match(line)) and _looks_like_heading_text(m.group("text")):
            if numbering.accept_numbered(m.group("num"), lenient or seen_abstract):
                block = _Block("heading", heading=m.group("text").strip(), number=m.group("num"),
                               level=min(3, m.group("num").count(".") + 1))
        elif (m := ROMAN_HEADING_RE.match(line)) and _looks_like_heading_text(m.group("text")):
            if numbering.accept_roman(m.group("num")):
                block = _Block("heading", heading=m.group("text").strip().title(),
                               number=m.group("num"), level=1)
        elif (m := LETTER_HEADING_RE.match(line)) and _looks_like_heading_text(m.group("text")):
            if numbering.accept_letter(m.group("num")):
                block = _Block("heading", heading=m.group("text").strip(), number=m.group("num"),
                               level=2)
        elif lowered in UNNUMBERED_HEADINGS:
            block = _Block("heading", heading=line.title() if line.isupper() else line)
        if block is None:
            # Captions also after the references: floats are often set on the last page.
            cap = CAPTION_RE.match(line)
            if cap and _caption_start(cap, prev_line, i in page_starts, median_len):
                kind = "table" if cap.group("kind").lower().startswith("tab") else "figure"
                label_kind = "Table" if kind == "table" else "Figure"
                label = f"{label_kind} {cap.group('num').rstrip('.')}"
                if label not in seen_captions:
                    seen_captions.add(label)
                    caption_lines, i = _caption_lines(lines, i, median_len)
                    blocks.append(_Block("caption", lines=caption_lines, label=label,
                                         heading=kind))
                    prev_line = caption_lines[-1]
                    continue
        if block is not None:
            if block.kind in {"heading", "appendix"}:
                while (
                    HEADING_CONTINUES_RE.search(block.heading)
                    and i + 1 < len(lines)
                    and len(lines[i + 1]) < 70
                ):
                    i += 1
                    block.heading += " " + lines[i]
            blocks.append(block)
        elif blocks and blocks[-1].kind != "caption":
            blocks[-1].lines.append(line)
        else:
            blocks.append(_Block("text", lines=[line]))
        prev_line = line
        i += 1
    return blocks


def _appendix_letters(blocks: list[_Block]) -> set[str]:
    """The next expected appendix letter after the references (A, then B, ...)."""
    used = [b.number.split(".")[0] for b in blocks if b.kind == "appendix" and b.number]
    if not used:
        return {"A"}
    last = used[-1]
    return {last, chr(ord(last) + 1)}


def _caption_lines(lines: list[str], start: int, median_len: float) -> tuple[list[str], int]:
    """Lines of the caption starting at ``start``; returns them and the next index."""
    out = [lines[start]]
    i = start + 1
    # IEEE style: "TABLE I" alone on a line, caption text on the following lines.
    label_only = CAPTION_RE.match(lines[start]) is not None and not CAPTION_RE.match(
        lines[start]
    ).group("rest")  # type: ignore[union-attr]
    longest = len(lines[start]) if not label_only else 0
    while i < len(lines) and len(out) < MAX_CAPTION_LINES:
        last = out[-1]
        if not (label_only and len(out) == 1):
            if _ends_sentence(last) and (
                len(last) < 0.85 * longest
                or len(lines[i]) < 0.5 * longest
                or len(last) < SHORT_LINE_RATIO * median_len
            ):
                break
            if _ends_sentence(last) and _is_data_line(lines[i]):
                break
        line = lines[i]
        if CAPTION_RE.match(line) or NUMBERED_HEADING_RE.match(line) and len(line) < 60 and (
            _ends_sentence(last)
        ):
            break
        out.append(line)
        longest = max(longest, len(line))
        i += 1
    return out, i


# --------------------------------------------------------------------------- paragraphs


def _paragraphs(lines: list[str], median_len: float) -> list[str]:
    """Join lines into paragraphs: a short line that ends a sentence ends a paragraph."""
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        bullet = re.match(r"^(?:[•●▪◦∗]|\d\)|\(\d+\))\s", line)
        if bullet and current:
            paragraphs.append(current)
            current = ""
        if not current:
            current = line
        elif current.endswith(("-", "—", "–", "/")):
            current += line
        else:
            current += " " + line
        if _ends_sentence(line) and len(line) < SHORT_LINE_RATIO * median_len:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return [p.strip() for p in paragraphs if p.strip()]


def _split_references(lines: list[str]) -> list[str]:
    if not lines:
        return []
    numbered = sum(bool(REF_ENTRY_RE.match(line)) for line in lines)
    starts = REF_ENTRY_RE if numbered >= 3 else AUTHOR_YEAR_REF_RE
    refs: list[str] = []
    for line in lines:
        if starts.match(line) or not refs:
            refs.append(line)
        elif refs[-1].endswith(("-", "/")):
            refs[-1] += line
        else:
            refs[-1] += " " + line
    return refs


def _table_data(blocks: list[_Block], index: int) -> list[str]:
    """Move the data-like lines printed next to a table caption out of the body."""
    data: list[str] = []
    after = blocks[index + 1] if index + 1 < len(blocks) else None
    before = blocks[index - 1] if index > 0 else None
    if after is not None and after.kind in {"text", "heading"}:
        n = 0
        while n < len(after.lines) and _is_data_line(after.lines[n]):
            n += 1
        if n >= 2:
            data = after.lines[:n]
            del after.lines[:n]
            return data
    if before is not None and before.kind in {"text", "heading", "abstract_marker"}:
        n = 0
        while n < len(before.lines) and _is_data_line(before.lines[-1 - n]):
            n += 1
        if n >= 2:
            data = before.lines[len(before.lines) - n :]
            del before.lines[len(before.lines) - n :]
    return data


def _markdown_rows(label: str, rows: list[str]) -> str:
    if not rows:
        return ""
    cells = [row.replace("|", "\\|") for row in rows]
    return "\n".join([f"| {label} (rows as extracted from PDF) |", "|---|"] +
                     [f"| {c} |" for c in cells])


# --------------------------------------------------------------------------- public API


def parse_pdf_text(body: bytes, arxiv_id: str = "", max_pages: int = 80) -> Document:
    """Parse a PDF in this process and return its :class:`Document` (``source_kind="PDF"``).

    Only the first ``max_pages`` pages are read (flag ``pages_truncated:N``).

    Raises:
        ExtractionError: ``reason`` is ``empty``, ``not_pdf``, ``corrupt``, ``encrypted``
            or ``no_text`` (a scan or image-only PDF without a text layer).
    """
    _check_bytes(body)
    pdf = _open(body)
    try:
        page_count = len(pdf)
        texts, first_sizes, meta_title = _page_texts(pdf, max_pages)
    except ExtractionError:
        raise
    except Exception as exc:  # pdfium raises bare errors on damaged pages
        raise ExtractionError(
            f"the PDF could not be read ({exc}); re-fetch it with --refresh", reason="corrupt"
        ) from exc
    finally:
        pdf.close()
    if sum(len(t.strip()) for t in texts) < MIN_TEXT_CHARS:
        raise ExtractionError(
            "the PDF has no text layer (a scan or images only); read the abstract instead",
            reason="no_text",
        )
    share = common_word_share("\n".join(texts)[:LANGUAGE_SAMPLE_CHARS])
    if share is not None and share < MIN_COMMON_WORD_SHARE:
        raise ExtractionError(
            f"the PDF's text layer is not language (only {share:.0%} common English words; "
            "fonts without a ToUnicode map print e.g. 'The' as '7KH'); read the abstract "
            "instead",
            reason="no_text",
        )
    pages, version = _clean_pages(texts)
    all_lines = [line for page in pages for line in page]
    median_len = statistics.median(len(line) for line in all_lines) if all_lines else 60.0
    flags: list[str] = []
    if page_count == 1:
        flags.append("single_page")
    if page_count > max_pages:
        flags.append(f"pages_truncated:{page_count}")

    title = meta_title if _sane_title(meta_title) else ""
    if not title:
        title = _title_from_page(pages[0] if pages else [], texts[0] if texts else "", first_sizes)
    if not title and pages and pages[0]:
        # Best effort: the first line that is not journal preamble (AASTeX prints "Draft
        # version ..." first and sets the title in bold caps of body size). On a page from
        # the middle of a paper that is the running header, which usually is the title.
        first = next((ln for ln in pages[0] if not PREAMBLE_RE.match(ln)), pages[0][0])
        title = re.sub(r"\s+\d{1,4}$", "", first)
        flags.append("title_guessed")

    blocks = _classify(pages, median_len, lenient=page_count == 1)
    tables: list[Table] = []
    figures: list[str] = []
    for index, block in enumerate(blocks):
        if block.kind == "caption":
            caption = " ".join(_paragraphs(block.lines, 10**6))
            if block.heading == "table":
                rows = _table_data(blocks, index)
                tables.append(Table(caption=caption, markdown=_markdown_rows(block.label, rows),
                                    label=block.label))
            else:
                figures.append(caption)

    abstract = ""
    footnotes: list[str] = []
    sections: list[Section] = []
    appendix: list[Section] = []
    references: list[str] = []
    front: list[str] = []
    current_heading = ""
    seen_heading = False
    for block in blocks:
        if block.kind == "caption":
            for table in tables:
                if table.label == block.label:
                    table.section = current_heading
            continue
        if block.kind == "references":
            references.extend(_split_references(block.lines))
            continue
        if block.kind == "abstract_marker" and not seen_heading and not abstract:
            body_lines, meta = _split_front_meta(block.lines)
            footnotes.extend(meta)
            abstract = " ".join(_paragraphs(body_lines, 10**6))
            continue
        if block.kind in {"heading", "appendix"}:
            seen_heading = True
            current_heading = block.heading
            section = Section(heading=block.heading, level=block.level, number=block.number,
                              paragraphs=_paragraphs(block.lines, median_len))
            (appendix if block.kind == "appendix" else sections).append(section)
            continue
        # Text before any heading: front matter (title, authors, affiliations, abstract).
        if not seen_heading:
            front.extend(block.lines)
        elif sections:
            sections[-1].paragraphs.extend(_paragraphs(block.lines, median_len))
    if not abstract and front:
        body_lines, meta = _split_front_meta(front)
        footnotes.extend(meta)
        # The abstract follows the author block: start after its last affiliation line.
        last_affil = max(
            (k for k, line in enumerate(body_lines) if AFFILIATION_RE.search(line)), default=-1
        )
        candidates = _paragraphs(body_lines[last_affil + 1 :], median_len)
        longest = max(candidates, key=len, default="")
        # An abstract is several sentences; author/affiliation lines are much shorter.
        if len(longest) >= 300:
            abstract = longest
            flags.append("abstract_guessed")
    if title and abstract.startswith(title):
        abstract = abstract[len(title):].strip()

    body_chars = sum(len(p) for s in sections for p in s.paragraphs) + len(abstract)
    if body_chars < TOO_SHORT_CHARS:
        flags.append("too_short")
    if not abstract:
        flags.append("missing_abstract")
    if not sections:
        flags.append("no_sections")
    if not references:
        flags.append("no_references")
    doc = Document(
        arxiv_id=arxiv_id,
        title=title,
        source_kind="PDF",
        abstract=abstract,
        sections=sections,
        tables=tables,
        figures=figures,
        footnotes=footnotes,
        references=references,
        appendix=appendix,
        flags=flags,
        version=version,
    )
    # Links: the URLs printed in the paper (not its references, which are other papers').
    body_text = "\n".join([abstract, *footnotes,
                           *(p for s in [*sections, *appendix] for p in s.paragraphs)])
    doc.links = urls_in_text(body_text)
    logger.debug(
        "PDF %s: %d pages, %d sections, %d tables, %d figures, flags=%s",
        arxiv_id, page_count, len(sections), len(tables), len(figures), flags,
    )
    return doc


def common_word_share(text: str) -> float | None:
    """Share (0..1) of ``text``'s words that are in :data:`COMMON_WORDS`, case-folded.

    ``None`` when the text has fewer than ``LANGUAGE_MIN_WORDS`` words or is mostly CJK
    (no judgement: too little to tell, or not English). Words are runs of letters.
    """
    words = _WORD_RE.findall(text)
    if len(words) < LANGUAGE_MIN_WORDS:
        return None
    if len(_CJK_RE.findall(text)) > len(words):
        return None
    common = sum(1 for w in words if w.lower() in COMMON_WORDS)
    return common / len(words)


def _split_front_meta(lines: list[str]) -> tuple[list[str], list[str]]:
    """Separate ``Keywords:``/``Index Terms—``/``Code:`` lines from abstract text."""
    body: list[str] = []
    meta: list[str] = []
    in_meta = False
    for line in lines:
        if FRONT_META_RE.match(line):
            in_meta = True
            meta.append(line)
        elif in_meta and not _ends_sentence(meta[-1]) and len(line) < 120:
            meta[-1] += " " + line
        else:
            in_meta = False
            body.append(line)
    return body, meta


def _worker(conn: Connection, body: bytes, arxiv_id: str, max_pages: int) -> None:
    try:
        result: Any = parse_pdf_text(body, arxiv_id, max_pages)
    except ExtractionError as exc:
        result = exc
    except Exception as exc:  # noqa: BLE001 - report any parser crash to the parent
        result = ExtractionError(f"the PDF parser failed: {exc!r}", reason="corrupt")
    try:
        conn.send(result)
    finally:
        conn.close()


def _context() -> Any:
    # "spawn": a fresh interpreter per PDF. "fork" is unsafe in a process that runs
    # threads (the async pipeline, HTTP pools), and "forkserver" talks to its server over
    # a Unix socket, which sandboxes and pytest-socket refuse. Spawn costs ~0.2 s per PDF,
    # small next to a 1 req/s arXiv download.
    return multiprocessing.get_context("spawn")


def extract_pdf(
    body: bytes,
    arxiv_id: str = "",
    *,
    timeout: float = 60.0,
    max_bytes: int = 30_000_000,
    max_pages: int = 80,
) -> Document:
    """Parse a PDF in a worker process and return its :class:`Document`.

    The size cap is checked before any parsing. The worker is killed after ``timeout``
    seconds and always reaped.

    Raises:
        ExtractionError: ``reason`` is ``too_large``, ``empty``, ``not_pdf``, ``corrupt``,
            ``encrypted``, ``no_text``, ``timeout`` or ``crashed``.
    """
    if len(body) > max_bytes:
        raise ExtractionError(
            f"the PDF is {len(body):,} bytes, over the {max_bytes:,}-byte cap; raise "
            "http.max_body_mb in the configuration to read it",
            reason="too_large",
        )
    _check_bytes(body)
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_worker, args=(sender, body, arxiv_id, max_pages), name="paperdigest-pdf",
        daemon=True,
    )
    process.start()
    sender.close()
    try:
        # Wait for a result or for the worker's death, whichever comes first: a worker that
        # crashed natively never closes its end of the pipe from the parent's view.
        ready = wait([receiver, process.sentinel], timeout)
        if not ready:
            raise ExtractionError(
                f"PDF parsing took longer than {timeout:g} s and was stopped; raise the "
                "timeout or read the paper from its abstract",
                reason="timeout",
            )
        try:
            if receiver not in ready and not receiver.poll(0.5):
                raise EOFError
            result = receiver.recv()
        except EOFError as exc:
            raise ExtractionError(
                f"the PDF parser process died (exit code {process.exitcode}); the file is "
                "probably malformed",
                reason="crashed",
            ) from exc
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()
        process.close()
    if isinstance(result, ExtractionError):
        raise result
    if not isinstance(result, Document):
        raise ExtractionError(f"unexpected worker result {type(result).__name__}", "crashed")
    return result
