"""PDF extraction on the real corpus PDFs, and every way a PDF can be unusable.

Expected values were read by hand from the pages (``pypdfium2`` text dump of each page in
a scratch script, checked against the rendered PDF); each assertion says where.
"""

from __future__ import annotations

import multiprocessing
import re
from pathlib import Path

import psutil
import pypdfium2 as pdfium
import pytest

from paperdigest.errors import ExtractionError
from paperdigest.extract.pdf import extract_pdf, parse_pdf_text
from paperdigest.models import Document
from tests.tools import make_pdfs

MISTRAL = "pdf/2310.06825v1.pdf"


def _raw_text(path: Path) -> str:
    """The whole text layer, straight from pdfium (independent of our parser)."""
    pdf = pdfium.PdfDocument(path.read_bytes())
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def _headings(doc: Document) -> list[str]:
    return [f"{s.number} {s.heading}".strip() for s in doc.sections]


def _body(doc: Document) -> str:
    return "\n".join(p for s in doc.sections for p in s.paragraphs)


@pytest.fixture(scope="module")
def mistral_doc() -> Document:
    from tests.conftest import corpus_path

    return parse_pdf_text(corpus_path(MISTRAL).read_bytes(), "2310.06825")


def test_mistral_title_abstract_version(mistral_doc: Document) -> None:
    doc = mistral_doc
    # Page 1: title "Mistral 7B" in large type; side stamp "arXiv:2310.06825v1 [cs.CL] 10 Oct 2023".
    assert doc.title == "Mistral 7B"
    assert doc.version == 1
    assert doc.source_kind == "PDF" and doc.arxiv_id == "2310.06825"
    # Page 1 abstract: "a 7–billion-parameter language model" (printed with an en dash).
    assert "billion-parameter language model" in doc.abstract
    assert doc.abstract.startswith("We introduce Mistral 7B")
    assert doc.abstract.endswith("released under the Apache 2.0 license.")
    # The stamp is not text of the paper anywhere.
    assert "[cs.CL] 10 Oct 2023" not in doc.full_text()
    # "Code: https://github.com/mistralai/mistral-src" under the abstract is kept as a note.
    assert any("github.com/mistralai/mistral-src" in f for f in doc.footnotes)
    assert doc.flags == []


def test_mistral_sections_in_order(mistral_doc: Document) -> None:
    # Headings on pages 1-6 of the PDF.
    assert _headings(mistral_doc) == [
        "1 Introduction",
        "2 Architectural details",
        "3 Results",
        "4 Instruction Finetuning",
        "5 Adding guardrails for front-facing applications",
        "5.1 System prompt to enforce guardrails",
        "5.2 Content moderation with self-reflection",
        "6 Conclusion",
        "Acknowledgements",
    ]
    levels = {s.number: s.level for s in mistral_doc.sections}
    assert levels["5"] == 1 and levels["5.1"] == 2
    conclusion = mistral_doc.sections[7].paragraphs[0]
    # Page 6, Conclusion: "language models may compress knowledge more than what was previously thought".
    assert "compress knowledge more than what was previously thought" in conclusion


def test_mistral_dehyphenation(mistral_doc: Document) -> None:
    body = _body(mistral_doc)
    # Page 2: "trans-|former" and page 4 "perfor-|mance" are hyphenated at line ends.
    assert "transformer to attend information" in body
    assert "superior performance compared to all 7B models" in body
    assert "perfor mance" not in body and "trans former" not in body


def test_mistral_tables_figures_references(mistral_doc: Document) -> None:
    doc = mistral_doc
    # Five table captions ("Table 1: Model architecture." ... "Table 5: Comparison between
    # Mistral and Llama system prompts.") and six figure captions (pages 2-7).
    assert [t.label for t in doc.tables] == [f"Table {n}" for n in range(1, 6)]
    assert doc.tables[0].caption == "Table 1: Model architecture."
    assert len(doc.figures) == 6
    assert doc.figures[0].startswith("Figure 1: Sliding Window Attention.")
    # Table 2 (page 4): Mistral 7B row "Pretrained 60.1% 81.3% ..." (MMLU 60.1%).
    table2 = doc.tables[1]
    assert table2.section == "Results"
    assert "Mistral 7B Pretrained 60.1% 81.3%" in table2.markdown
    assert table2.markdown.splitlines()[1] == "|---|"
    # References [1]..[29] on pages 8-9; none of them is left in the body.
    assert len(doc.references) == 29
    assert doc.references[0].startswith("[1] Joshua Ainslie")
    assert doc.references[-1].startswith("[29] Wanjun Zhong")
    assert "Joshua Ainslie" not in _body(doc)


def _ref_numbers(raw: str) -> set[int]:
    return {int(n) for n in re.findall(r"^\[(\d{1,3})\] ", raw, re.MULTILINE)}


def test_revtex_roman_headings_and_unlabelled_references(corpus: Path) -> None:
    path = corpus / "pdf/1505.01373.pdf"
    doc = parse_pdf_text(path.read_bytes(), "1505.01373")
    # Stamp on page 1 reads "arXiv:1505.01373v2 [astro-ph.CO] 22 Dec 2015".
    assert doc.version == 2
    assert doc.title == "Reconstruction of the dark matter-vacuum energy interaction"
    # revtex prints no "Abstract" word: the paragraph under the affiliations is the abstract.
    assert doc.abstract.startswith("An interaction between the vacuum energy and dark matter")
    assert "abstract_guessed" in doc.flags
    assert "Simon Fraser University" not in doc.abstract
    # Section headings "I. INTRODUCTION" ... "VI. CONCLUSION AND DISCUSSIONS".
    assert [s.number for s in doc.sections[:6]] == ["I", "II", "III", "IV", "V", "VI"]
    assert doc.sections[1].heading.lower() == "the model"
    # The bibliography has no heading; entries [1]..[48] follow the acknowledgments.
    numbers = [int(m.group(1)) for r in doc.references if (m := re.match(r"\[(\d+)\]", r))]
    assert set(numbers) == _ref_numbers(_raw_text(path))
    assert numbers[0] == 1 and numbers[-1] == 48
    assert "FIG. 1." in "\n".join(doc.figures)


def test_aastex_headings_and_author_year_references(corpus: Path) -> None:
    doc = parse_pdf_text((corpus / "pdf/2312.12344.pdf").read_bytes(), "2312.12344")
    # Page 1: bold-caps title after "Draft version December 20, 2023" / "Typeset using ...".
    assert doc.title.startswith("Constraints on cosmological coupling from the accretion")
    assert doc.version == 1  # stamp "arXiv:2312.12344v1 [astro-ph.CO] 19 Dec 2023"
    assert doc.abstract.startswith("Coupling of black hole mass to the cosmic expansion")
    # Sections 1..6 with subsections 1.1-1.3, 2.1-2.2, 3.1-3.2, 5.1-5.3 (pages 1-6).
    numbers = [s.number for s in doc.sections]
    assert numbers == ["1", "1.1", "1.2", "1.3", "2", "2.1", "2.2", "3", "3.1", "3.2",
                       "4", "5", "5.1", "5.2", "5.3", "6"]
    # "2.1. Generalization of the Soltan Argument for" wraps onto a second line.
    assert doc.sections[5].heading == (
        "Generalization of the Soltan Argument for cosmologically-coupled black holes"
    )
    # REFERENCES (pages 6-8) are author-year: first "Afzal, A., ...", last "Zhang, X., & Lu, Y.".
    assert doc.references[0].startswith("Afzal, A.")
    assert doc.references[-1].startswith("Zhang, X., & Lu, Y. 2017")
    assert len(doc.references) > 40


def test_ieee_letters_tables_and_metadata_title(corpus: Path) -> None:
    path = corpus / "pdf/2604.13236v1.pdf"
    doc = parse_pdf_text(path.read_bytes(), "2604.13236")
    assert doc.title.startswith("SemiFA: An Agentic Multi-Modal Framework")
    # "Abstract—Semiconductor failure analysis (FA) is a labor-intensive process ..."
    assert doc.abstract.startswith("Semiconductor failure analysis (FA)")
    assert "92.1%" in doc.abstract  # "achieves 92.1% overall accuracy" (page 1)
    assert any(f.startswith("Index Terms") for f in doc.footnotes)
    # Roman sections I..VII with lettered subsections; "II. RELATED WORK" then "A. Wafer ...".
    roman = [s.number for s in doc.sections if s.level == 1 and s.number]
    assert roman == ["I", "II", "III", "IV", "V", "VI", "VII"]
    assert doc.sections[2].number == "A" and doc.sections[2].level == 2
    assert doc.sections[2].heading == "Wafer Defect Classification"
    # TABLE I .. TABLE VIII (pages 5-9), captions in capitals under the label.
    assert [t.label for t in doc.tables] == [f"Table {r}" for r in
                                             ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]]
    assert "IMAGE COUNT PER DEFECT CLASS" in doc.tables[1].caption
    # TABLE II data row "Total 318 572 40 930" (page 5).
    assert "Total 318 572 40 930" in doc.tables[1].markdown
    # References [1]..[38]; the "A. Anandkumar, ..." reference line is not an appendix.
    assert len(doc.references) == len(_ref_numbers(_raw_text(path))) == 38
    assert doc.appendix == []
    # "Fig. 1. Pipeline architecture ..." (page 4) and "Fig. 2. Representative examples ..."
    # (page 11, after the references).
    assert [f[:7] for f in doc.figures] == ["Fig. 1.", "Fig. 2."]
    assert not any(r.startswith("Fig.") or "Fig. 2." in r for r in doc.references)


def test_metadata_title_and_subsections(corpus: Path) -> None:
    doc = parse_pdf_text((corpus / "pdf/2601.13621.pdf").read_bytes(), "2601.13621")
    # PDF metadata Title (arXiv GenPDF) equals the printed title.
    assert doc.title == "Cosmological Budget of Entropy from Merging Black Holes"
    assert doc.version == 1  # stamp "arXiv:2601.13621v1 [gr-qc] 20 Jan 2026"
    headings = _headings(doc)
    assert headings[0] == "1 INTRODUCTION"
    assert "4.2 Constraints from the Dark Ages: The PBH Floor" in headings
    assert headings[-2:] == ["5 CONCLUSION", "6 ACKNOWLEDGEMENT"]
    # Seven figure captions "Figure 1." .. "Figure 7." (pages 5-13), one table (page 7).
    assert [re.match(r"Figure (\d)", f).group(1) for f in doc.figures] == list("1234567")  # type: ignore[union-attr]
    assert [t.label for t in doc.tables] == ["Table 1"]


def test_single_page_fragment_gives_flags(corpus: Path) -> None:
    doc = parse_pdf_text((corpus / "pdf/2305.03393v1-page9-only.pdf").read_bytes(), "2305.03393")
    # Page 9 alone: running header "Optimized Table Tokenization for Table Structure
    # Recognition 9", headings "5.1 Hyper Parameter Optimization" and "5.2 Quantitative Results".
    assert {"single_page", "too_short", "missing_abstract", "title_guessed"} <= set(doc.flags)
    assert doc.title == "Optimized Table Tokenization for Table Structure Recognition"
    assert _headings(doc) == ["5.1 Hyper Parameter Optimization", "5.2 Quantitative Results"]
    assert doc.tables[0].caption.startswith("Table 1. HPO performed in OTSL and HTML")
    assert "PubTables-1M (about 1M samples)" in _body(doc)


@pytest.mark.parametrize(
    "name", ["1505.01373.pdf", "2310.06825v1.pdf", "2312.12344.pdf", "2601.13621.pdf",
             "2604.13236v1.pdf", "2305.03393v1-page9-only.pdf"],
)
def test_every_corpus_pdf_through_the_worker(corpus: Path, name: str) -> None:
    body = (corpus / "pdf" / name).read_bytes()
    doc = extract_pdf(body, name.split("v")[0], timeout=60)
    assert doc.title and doc.source_kind == "PDF"
    assert doc.to_dict() == parse_pdf_text(body, name.split("v")[0]).to_dict()
    assert "\ufffe" not in doc.full_text()


# --------------------------------------------------------------------------- failures


def _reason(body: bytes, **kwargs: float) -> str:
    with pytest.raises(ExtractionError) as info:
        extract_pdf(body, "x", **kwargs)  # type: ignore[arg-type]
    assert str(info.value)
    return info.value.reason


def test_truncated_pdf_is_corrupt(corpus: Path) -> None:
    assert _reason(make_pdfs.truncated(corpus / MISTRAL)) == "corrupt"


def test_garbage_after_header_is_corrupt() -> None:
    assert _reason(make_pdfs.garbage()) == "corrupt"


def test_encrypted_pdf(corpus: Path, tmp_path: Path) -> None:
    path = make_pdfs.write(tmp_path / "enc.pdf", make_pdfs.encrypted(corpus / MISTRAL))
    with pytest.raises(ExtractionError, match="password") as info:
        extract_pdf(path.read_bytes())
    assert info.value.reason == "encrypted"


def test_empty_and_not_pdf() -> None:
    assert _reason(b"") == "empty"
    assert _reason(b"   \n") == "empty"
    assert _reason(b"<!DOCTYPE html><html>No HTML for '2601.00001'</html>") == "not_pdf"


def test_text_less_pdf() -> None:
    assert _reason(make_pdfs.blank()) == "no_text"


def test_size_cap_checked_before_parsing(corpus: Path) -> None:
    body = (corpus / MISTRAL).read_bytes()
    with pytest.raises(ExtractionError, match="cap") as info:
        extract_pdf(body, max_bytes=len(body) - 1)
    assert info.value.reason == "too_large"


def test_timeout_kills_the_worker_and_leaves_no_zombie(corpus: Path) -> None:
    body = (corpus / "pdf/2601.13621.pdf").read_bytes()
    assert _reason(body, timeout=0.001) == "timeout"
    assert multiprocessing.active_children() == []
    zombies = [p for p in psutil.Process().children(recursive=True)
               if p.status() == psutil.STATUS_ZOMBIE]
    assert zombies == []


def test_error_survives_pickling() -> None:
    import pickle

    err = pickle.loads(pickle.dumps(ExtractionError("boom", reason="timeout")))
    assert err.reason == "timeout" and str(err) == "boom"
