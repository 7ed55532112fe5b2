"""extract.html on every real corpus page, a hand-made page, and bad input.

Expected values never come from our own output: counts are regex counts of LaTeXML classes
in the raw HTML, and headings, abstract openings and table numbers were read by hand from
the pages (the comment beside each says where).
"""

from __future__ import annotations

import html as htmllib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from paperdigest.errors import ExtractionError
from paperdigest.extract import document_from_abstract, extract
from paperdigest.extract.html import extract_html, unusable_reason
from paperdigest.models import Document, Fetched, PaperRef

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass
class Page:
    path: str
    arxiv_id: str
    version: int | None
    title_start: str
    abstract_start: str
    headings: list[str]
    """Some level-1 headings, read from the page's TOC (the first ``<nav class="ltx_TOC">``)."""
    table_numbers: list[str] = field(default_factory=list)
    """Strings read by hand from a table's cells (the comment says which table)."""
    tex: list[str] = field(default_factory=list)
    """TeX that must appear inside ``$...$`` in the text, copied from a ``math/@alttext``."""
    errors: int = 0


PAGES = [
    Page("arxiv_html/2312.12344v1.html", "2312.12344", 1,
         "Constraints on cosmological coupling",
         # <div class="ltx_abstract"> first sentence
         "Coupling of black hole mass to the cosmic expansion",
         ["Introduction", "Methods", "Data", "Results", "Discussion", "Conclusions"],
         tex=["M_{\\bullet}(a)"]),
    Page("arxiv_html/2405.12282v3.html", "2405.12282", 3,
         "DESI Dark Energy Time Evolution",
         "Recent baryon acoustic oscillation (BAO) measurements",
         ["Introduction", "Theory", "Methods", "Results", "Discussion"],
         # Table 1 (S3.T1): "CCBH Trinca" row chi^2 = 12.66; Xi best-fit 1.403
         table_numbers=["12.66", "1.403"],
         tex=["w_{0}w_{a}"],
         # seven \orcidlink spans in the author block (the eighth ltx_ERROR is an
         # <merror> inside a formula, whose TeX we read from alttext)
         errors=7),
    Page("arxiv_html/2501.11120v1.html", "2501.11120", 1,
         "Tell me about yourself",
         "We study behavioral self-awareness",
         ["Introduction", "Out-of-context reasoning", "Awareness of behaviors",
          "Awareness of backdoors", "Related work", "Discussion", "Conclusion"],
         # Table 5 (S4.T5): last row "Normal answers | 20% | None | No triggers"
         table_numbers=["20%", "No triggers"],
         # {mdframed} x3 and {spverbatim} x4 undefined environments
         errors=7),
    Page("arxiv_html/2508.08468v6.html", "2508.08468", 6,
         "Audio-Visual Speech Enhancement",
         "Real-time audio-visual speech enhancement (AVSE)",
         ["Introduction", "Related Work", "Proposed Solution", "Experimental Results",
          "CONCLUSION"],
         # TABLE I (S5.T1): profile 4B is 1280x720 at JPEG quality 95;
         # TABLE II (S5.T2): public 5G latency 54.4–73 ms
         table_numbers=["1280", "95", "54.4–73"],
         tex=["y[n]=x[n]+d[n],"]),
    Page("arxiv_html/2510.11260v1.html", "2510.11260", 1,
         "A Large-Language-Model Assisted Automated Scale Bar Detection",
         "Microscopic characterizations, such as Scanning Electron Microscopy (SEM)",
         ["Introduction", "Methodology", "Experiments and Results",
          "Conclusion and Future Work"]),
    Page("arxiv_html/2601.13621v1.html", "2601.13621", 1,
         "Cosmological Budget of Entropy from Merging Black Holes",
         "Black holes contain more entropy than any other component",
         ["Introduction", "Methods", "Results", "Cosmological Implications", "Conclusion"],
         # Table 1 (S3.T1): "Previous Work" column for stellar BHs lists 10^{96} [6]
         table_numbers=["10^{96}", "Stellar BHs"]),
    Page("other/arxiv-view-as-html_feedback_ui_sample_paper_LaTeXML-0.8.7_2023.html", "",
         None,
         "Angular momentum evolution can be predicted",
         "The angular momentum of dark matter haloes controls",
         ["Introduction", "Methods", "Results", "Discussion"],
         # Table 1: halo 123 has spin 0.024, halo 374 has spin 0.120
         table_numbers=["0.024", "0.120", "374"]),
]

#: Site chrome that must never reach the Document (header/footer/TOC/infobox text).
CHROME = [
    "Report Issue", "Why HTML?", "License: arXiv.org perpetual", "License: CC BY",
    "Generated on", "Back to Abstract", "Download PDF", "Instructions for reporting errors",
    "arXiv is now an independent nonprofit", "view the build logs", "Experimental support",
    "This paper uses the following packages", "Report GitHub Issue",
]


def _count(raw: str, cls: str) -> int:
    """Elements whose class attribute holds ``cls`` as a whole token."""
    return len(re.findall(r'class="(?:[^"]*\s)?' + re.escape(cls) + r'(?:\s[^"]*)?"', raw))


def _all_text(doc: Document) -> str:
    return "\n".join([doc.full_text(), *doc.references, *doc.authors])


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(params=PAGES, ids=lambda p: p.path.split("/")[-1][:20])
def page(request: pytest.FixtureRequest, corpus: Path) -> tuple[Page, str, Document]:
    spec: Page = request.param
    body = (corpus / spec.path).read_bytes()
    return spec, body.decode("utf-8"), extract_html(body, spec.arxiv_id)


def test_title_id_version(page: tuple[Page, str, Document]) -> None:
    spec, _, doc = page
    assert doc.title.startswith(spec.title_start)
    assert doc.source_kind == "HTML"
    assert doc.arxiv_id == spec.arxiv_id
    assert doc.version == spec.version


def test_abstract(page: tuple[Page, str, Document]) -> None:
    spec, _, doc = page
    assert doc.abstract.startswith(spec.abstract_start)
    assert "missing_abstract" not in doc.flags
    assert not doc.abstract.startswith("Abstract")


def test_section_counts_match_raw_html(page: tuple[Page, str, Document]) -> None:
    _, raw, doc = page
    everything = [*doc.sections, *doc.appendix]
    top = [s for s in doc.sections if s.level == 1 and s.heading]
    assert len(top) == _count(raw, "ltx_title_section")
    assert len([s for s in doc.appendix if s.level == 1]) == _count(raw, "ltx_title_appendix")
    assert len([s for s in everything if s.level == 2]) == _count(raw, "ltx_title_subsection")
    assert len([s for s in everything if s.level == 3]) == (
        _count(raw, "ltx_title_subsubsection") + _count(raw, "ltx_title_paragraph")
    )


def test_headings_read_by_hand(page: tuple[Page, str, Document]) -> None:
    spec, _, doc = page
    headings = [s.heading for s in doc.sections if s.level == 1]
    for heading in spec.headings:
        assert heading in headings
    # The TOC repeats every heading; none may be duplicated in the Document.
    numbered = [(s.number, s.heading) for s in [*doc.sections, *doc.appendix] if s.number]
    assert len(numbered) == len(set(numbered))
    # Section numbers are split off the heading text.
    assert not any(s.heading.startswith(f"{s.number} ") for s in doc.sections if s.number)


def test_body_has_paragraphs(page: tuple[Page, str, Document]) -> None:
    _, _, doc = page
    assert sum(len(s.paragraphs) for s in doc.sections) >= 10
    assert "too_short" not in doc.flags
    assert "truncated" not in doc.flags
    assert doc.references  # kept, but apart from the body
    assert not any("‣" in p for s in doc.sections for p in s.paragraphs)


def test_tables_with_caption_and_numbers(page: tuple[Page, str, Document]) -> None:
    spec, raw, doc = page
    expected = len(re.findall(r'<figure\b[^>]*\bclass="ltx_table\b', raw))
    assert len(doc.tables) == expected
    for table in doc.tables:
        assert table.caption
        assert table.label.lower().startswith("table")
        if table.markdown:
            lines = table.markdown.splitlines()
            assert lines[0].startswith("| ") and lines[1].startswith("| ---")
            # every row has the header's column count (unescaped pipes would break it)
            cols = {len(re.findall(r"(?<!\\)\|", line)) for line in lines}
            assert len(cols) == 1
    markdown = "\n".join(t.markdown for t in doc.tables)
    for number in spec.table_numbers:
        assert number in markdown


def test_in_page_cross_references_keep_their_text_without_the_page_url(
        page: tuple[Page, str, Document]) -> None:
    # arXiv writes "Figure 4" / "§3" as absolute links into the page itself
    # (href="https://arxiv.org/html/<id>v<n>#S3.F4"); they are read as text only, so no
    # consumer (passages, extractive fields, label matching) has anything to strip.
    _, raw, doc = page
    own = re.findall(r'href="https://arxiv\.org/html/[^"#]+#[^"]*"', raw)
    text = _all_text(doc) + "\n".join(t.markdown for t in doc.tables) + "\n".join(doc.figures)
    assert "arxiv.org/html/" not in text, len(own)


def test_no_site_chrome(page: tuple[Page, str, Document]) -> None:
    _, raw, doc = page
    raw_text = _norm(htmllib.unescape(re.sub(r"<[^>]+>", " ", raw)))
    text = _norm(_all_text(doc))
    assert any(c in raw_text for c in CHROME)  # the page does carry chrome...
    for chrome in CHROME:
        assert chrome not in text  # ...and none of it was read


def test_math_as_tex(page: tuple[Page, str, Document]) -> None:
    spec, raw, doc = page
    spans = re.findall(r"\$([^$]+)\$", _all_text(doc))
    assert any("\\" in s for s in spans)  # TeX commands survive, not MathML glyphs
    inline = [s for s in spans if s.strip()]
    assert len(inline) >= 0.5 * len(re.findall(r'<math\b[^>]*display="inline"', raw))
    for tex in spec.tex:
        assert f"${tex}$" in _all_text(doc) or tex in doc.equations
    assert "italic_" not in _all_text(doc)  # the x-llamapun annotation is never read


def test_error_spans_stripped_and_flagged(page: tuple[Page, str, Document]) -> None:
    spec, raw, doc = page
    assert len(re.findall(r'<span\b[^>]*class="ltx_ERROR', raw)) == spec.errors
    if spec.errors:
        assert f"ltx_error:{spec.errors}" in doc.flags
    else:
        assert not any(f.startswith("ltx_error") for f in doc.flags)
    text = _all_text(doc)
    for macro in ("\\orcidlink", "{mdframed}", "{spverbatim}"):
        assert macro not in text


def test_footnotes_moved_out(page: tuple[Page, str, Document]) -> None:
    _, raw, doc = page
    # every ltx_note except journal front matter (pubyear/pagerange) has text worth keeping
    notes = len(re.findall(r'class="ltx_note\b', raw)) - _count(raw, "ltx_note_frontmatter")
    assert len(doc.footnotes) == notes
    body = "\n".join(p for s in doc.sections for p in s.paragraphs)
    for note in doc.footnotes:
        assert note not in body


def test_all_corpus_pages_usable(page: tuple[Page, str, Document]) -> None:
    _, raw, _ = page
    assert unusable_reason(raw.encode()) is None


# ---- details on single pages ----------------------------------------------------------------
def test_versioned_id_argument(corpus: Path) -> None:
    body = (corpus / "arxiv_html/2405.12282v3.html").read_bytes()
    doc = extract_html(body, "2405.12282v2")
    assert (doc.arxiv_id, doc.version) == ("2405.12282", 2)  # the caller's version wins
    doc = extract_html(body, "2501.00001")
    assert (doc.arxiv_id, doc.version) == ("2501.00001", None)  # page shows another id


def test_2405_authors_without_orcid(corpus: Path) -> None:
    doc = extract_html((corpus / "arxiv_html/2405.12282v3.html").read_bytes())
    # <div class="ltx_authors">: seven authors, each followed by \orcidlink and an ORCID
    assert doc.authors[:2] == ["Kevin S. Croker", "Gregory Tarlé"]
    assert len(doc.authors) == 7
    assert not any(ch.isdigit() for a in doc.authors for ch in a)


def test_citations_compact(corpus: Path) -> None:
    doc = extract_html((corpus / "arxiv_html/2312.12344v1.html").read_bytes())
    text = doc.full_text()
    # S1.SS1: <cite class="ltx_cite ltx_citemacro_citep">(Bardeen, 1970; Thorne, 1974)</cite>
    assert "[Bardeen, 1970; Thorne, 1974]" in text
    doc = extract_html((corpus / "arxiv_html/2508.08468v6.html").read_bytes())
    # S1: numeric \cite renders "[4]" ahead of "Edge cloud platforms like AWS Wavelength"
    assert re.search(r"\[4\]\. Edge cloud platforms", doc.full_text())


def test_display_equations(corpus: Path) -> None:
    doc = extract_html((corpus / "arxiv_html/2312.12344v1.html").read_bytes())
    # S1.E1: M_{\bullet}(a)=M_{\bullet}(a_{i})\left(\frac{a}{a_{i}}\right)^{k}, numbered (1)
    eq = "M_{\\bullet}(a)=M_{\\bullet}(a_{i})\\left(\\frac{a}{a_{i}}\\right)^{k}"
    assert eq in doc.equations
    assert any(f"$${eq}$$ (1)" in p for s in doc.sections for p in s.paragraphs)


def test_appendix_and_references_kept_apart(corpus: Path) -> None:
    doc = extract_html((corpus / "arxiv_html/2501.11120v1.html").read_bytes())
    raw = (corpus / "arxiv_html/2501.11120v1.html").read_text("utf-8")
    assert [s.number for s in doc.appendix if s.level == 1] == ["A", "B", "C"]
    assert len(doc.references) == _count(raw, "ltx_bibitem")
    # bib.bib4 reads "Anthropic. The claude 3 model family..." (author-year tag dropped)
    assert not any(r.startswith("Anthropic (2024) Anthropic") for r in doc.references)
    body = "\n".join(p for s in doc.sections for p in s.paragraphs)
    assert "Author contributions" not in [s.heading for s in doc.sections]
    assert "Cited by:" not in "\n".join(doc.references)
    assert len(body) > 20_000


def test_minimal_fixture() -> None:
    doc = extract_html((FIXTURES / "extract_minimal_latexml.html").read_bytes())
    assert doc.arxiv_id == "2601.00001" and doc.version == 2
    assert doc.title == "A Minimal Paper"
    assert doc.authors == ["Ada Lovelace", "Alan M. Turing"]
    assert doc.abstract == "We reach 91.5% with $x^{2}$ tokens."
    front, setup, empty = doc.sections
    assert empty.heading == "Empty" and not empty.paragraphs
    assert front.heading == "" and front.paragraphs == ["Front matter paragraph."]
    assert (setup.number, setup.heading) == ("1", "Setup")
    assert setup.paragraphs[0] == (
        "Prior work [Smith et al., 2020; Lee, 2021] and [12] tried. Then it ended."
    )
    assert setup.paragraphs[1] == "$$a =b+c$$ (1)"
    assert setup.paragraphs[2] == "Theorem 1. Every bound holds."  # run-in title kept
    assert setup.paragraphs[3:] == ["- First item.", "2. Second item."]
    assert doc.equations == ["a =b+c"]
    assert doc.footnotes == ["Work done at a lab.", "A footnote with $\\alpha$."]
    table, inline = doc.tables
    # a tabular outside any float keeps its rows, as an uncaptioned table of its section
    assert (inline.caption, inline.section) == ("", "Extra")
    assert inline.markdown.splitlines() == ["| k | v |", "| --- | --- |", "| lr | 3e-4 |"]
    assert (table.label, table.caption, table.section) == ("Table 1", "Scores | by model.",
                                                           "Setup")
    assert table.markdown.splitlines() == [
        "| Model | Accuracy Top-1 | Accuracy Top-5 |",
        "| --- | --- | --- |",
        "| Base | 71.2 | $90.1\\pm 0.2$ |",
        "| Base | 72.0 | a\\|b |",
    ]
    assert doc.references == ["[1] J. Smith. A paper. 2020."]
    assert [(s.number, s.heading, s.paragraphs) for s in doc.appendix] == [
        ("A", "Extra", ["Appendix text.", "Inline grid:"])
    ]
    assert set(doc.flags) == {"ltx_error:1", "empty_sections:1", "too_short"}
    assert "Generated on" not in doc.full_text()
    assert unusable_reason((FIXTURES / "extract_minimal_latexml.html").read_bytes()) is not None


# ---- bad input ------------------------------------------------------------------------------
def test_truncated_page_still_yields_document(corpus: Path) -> None:
    body = (corpus / "arxiv_html/2405.12282v3.html").read_bytes()
    cut = body[: len(body) // 2]
    doc = extract_html(cut, "2405.12282")
    assert "truncated" in doc.flags
    assert doc.abstract.startswith("Recent baryon acoustic oscillation")
    assert doc.sections and doc.sections[0].heading == "Introduction"
    full = extract_html(body, "2405.12282")
    assert len(doc.sections) < len(full.sections)
    reason = unusable_reason(cut)
    assert reason is not None and "truncated" in reason


def test_arxiv_error_page_is_not_latexml() -> None:
    body = (FIXTURES / "extract_no_html_error_page.html").read_bytes()
    with pytest.raises(ExtractionError) as info:
        extract_html(body, "2601.99999")
    assert info.value.reason == "not_latexml"
    assert "No HTML for" in str(info.value)
    reason = unusable_reason(body)
    assert reason is not None and reason.startswith("not_latexml")


def test_hf_page_is_not_latexml(corpus: Path) -> None:
    body = (corpus / "hf_html/hf_papers_date_2024-08-01.html").read_bytes()
    with pytest.raises(ExtractionError) as info:
        extract_html(body)
    assert info.value.reason == "not_latexml"


@pytest.mark.parametrize("body", [b"", b"   \n\t "])
def test_empty_body(body: bytes) -> None:
    with pytest.raises(ExtractionError) as info:
        extract_html(body)
    assert info.value.reason == "empty"
    assert unusable_reason(body) is not None


def test_over_the_cap_refused_before_parsing() -> None:
    body = (FIXTURES / "extract_minimal_latexml.html").read_bytes()
    with pytest.raises(ExtractionError) as info:
        extract_html(body, max_bytes=len(body) - 1)
    assert info.value.reason == "too_large"
    assert extract_html(body, max_bytes=len(body)).title == "A Minimal Paper"
    reason = unusable_reason(body, max_bytes=100)
    assert reason is not None and reason.startswith("too_large")


@pytest.mark.parametrize(
    "body",
    [
        bytes(range(256)) * 20,
        b"\x00" * 1000,
        b"%PDF-1.7\n" + bytes(range(40, 200)) * 30,
        b"<html><body><p>plain page</p></body></html>",
        b"<<<>>>&&&;;;</div></article>",
    ],
)
def test_garbage_never_crashes(body: bytes) -> None:
    with pytest.raises(ExtractionError) as info:
        extract_html(body)
    assert info.value.reason in {"not_latexml", "unparseable"}
    assert unusable_reason(body) is not None


def test_random_bytes_never_crash() -> None:
    rng = __import__("random").Random(1234)
    for _ in range(20):
        body = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 4000)))
        try:
            extract_html(body)
        except ExtractionError as exc:
            assert exc.reason in {"not_latexml", "unparseable", "empty"}


def test_invalid_utf8_inside_a_real_page(corpus: Path) -> None:
    body = (corpus / "arxiv_html/2510.11260v1.html").read_bytes()
    spot = body.index(b"Microscopic characterizations")
    doc = extract_html(body[:spot] + b"\xff\xfe" + body[spot:])
    assert "Microscopic characterizations" in doc.abstract


def test_extraction_error_pickles() -> None:
    import pickle

    err = pickle.loads(pickle.dumps(ExtractionError("x", "not_latexml")))
    assert err.reason == "not_latexml"


# ---- dispatch ---------------------------------------------------------------------------------
def _fetched(kind: str, body: bytes, version: int | None = None) -> Fetched:
    return Fetched(arxiv_id="2405.12282", kind=kind, url=f"https://arxiv.org/x/{kind}",  # type: ignore[arg-type]
                   body=body, fetched_at="2026-01-31T00:00:00Z", version=version)


def test_extract_dispatches_html(corpus: Path) -> None:
    body = (corpus / "arxiv_html/2405.12282v3.html").read_bytes()
    doc = extract(_fetched("HTML", body))
    assert doc.source_kind == "HTML" and doc.version == 3
    assert doc.source_url == "https://arxiv.org/x/HTML"
    assert extract(_fetched("HTML", body, version=4)).version == 4


def test_extract_dispatches_pdf_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    from paperdigest.extract import pdf

    calls: list[tuple[bytes, str, float]] = []

    def fake(body: bytes, arxiv_id: str = "", *, timeout: float = 60.0,
             max_bytes: int = 30_000_000) -> Document:
        calls.append((body, arxiv_id, timeout))
        return Document(arxiv_id=arxiv_id, title="", source_kind="PDF",
                        flags=["missing_abstract"])

    monkeypatch.setattr(pdf, "extract_pdf", fake)
    ref = PaperRef(arxiv_id="2405.12282", title="DESI paper", abstract="An abstract.")
    doc = extract(_fetched("PDF", b"%PDF-1.7", version=2), ref, pdf_timeout=5.0)
    assert calls == [(b"%PDF-1.7", "2405.12282", 5.0)]
    assert (doc.title, doc.abstract, doc.version) == ("DESI paper", "An abstract.", 2)
    assert "missing_abstract" not in doc.flags


def test_extract_abstract_kind() -> None:
    ref = PaperRef(arxiv_id="2601.21872", title="A  title", authors=["A B"],
                   abstract="Line one\nline two.", version=None)
    doc = extract(_fetched("ArXiv Abs", b""), ref)
    assert doc.source_kind == "ArXiv Abs"
    assert doc.abstract == "Line one line two."
    assert doc.sections == [] and doc.flags == ["abstract_only"]
    doc = extract(_fetched("ArXiv Abs", b"Fetched abstract text."), ref)
    assert doc.abstract == "Fetched abstract text."


def test_document_from_abstract() -> None:
    ref = PaperRef(arxiv_id="2601.21872", title="T", abstract="", version=3)
    doc = document_from_abstract(ref, url="https://huggingface.co/papers/2601.21872")
    assert doc.flags == ["abstract_only", "missing_abstract"]
    assert doc.version == 3 and doc.source_url.endswith("2601.21872")
    assert Document.from_dict(doc.to_dict()) == doc


def test_unknown_kind() -> None:
    with pytest.raises(ExtractionError) as info:
        extract(_fetched("EPUB", b"x"))
    assert info.value.reason == "unknown_kind"


def test_no_network_needed() -> None:
    assert "PAPERDIGEST_HOME" in os.environ  # the autouse isolation fixture ran


def test_checked_page_is_extracted_once_and_identically(corpus: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The acquire stage's usability check hands its parse to the extractor, unchanged."""
    import paperdigest.extract.html as html_mod

    body = (corpus / "arxiv_html" / "2601.13621v1.html").read_bytes()
    plain = html_mod.extract_html(body, "2601.13621", url="u")
    walks = []
    real_walk = html_mod._walk
    monkeypatch.setattr(html_mod, "_walk", lambda *a: walks.append(1) or real_walk(*a))
    checked, reason = html_mod.check_html(body, "2601.13621", url="u")
    assert reason is None
    assert len(walks) == 1  # parsed once for check + extraction
    assert checked == plain
    # Handed out once: a second extraction parses again and gets its own Document.
    again = html_mod.extract_html(body, "2601.13621v1", url="v")
    assert len(walks) == 2 and again is not checked
    assert again.version == 1 and again.source_url == "v"
