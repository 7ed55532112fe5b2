"""Token estimation and budgeted packing, on hand-made and real corpus Documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperdigest.context import MIN_BUDGET, estimate_tokens, pack
from paperdigest.extract.pdf import parse_pdf_text
from paperdigest.models import Document, PaperRef, Section, Table

# --------------------------------------------------------------------------- estimate


def test_estimate_cjk_and_ascii() -> None:
    assert 100 <= estimate_tokens("论" * 100) <= 110
    assert 100 <= estimate_tokens("abcd" * 100) <= 110
    assert estimate_tokens("") == 0
    # Mixed text: 50 CJK + 200 ASCII ≈ 50 + 50, plus the margin.
    assert 100 <= estimate_tokens("模型" * 25 + "x" * 200) <= 110
    # Full-width punctuation and kana count as CJK too.
    assert estimate_tokens("，。！" * 10) >= 30


def test_estimate_is_monotonic_in_length() -> None:
    text = "Mistral 7B outperforms Llama 2 13B on all metrics. " * 20
    assert estimate_tokens(text[:100]) <= estimate_tokens(text[:500]) <= estimate_tokens(text)


# --------------------------------------------------------------------------- hand-made


def _doc(**kwargs: object) -> Document:
    base: dict[str, object] = {"arxiv_id": "2601.21872", "title": "A Title", "source_kind": "HTML"}
    base.update(kwargs)
    return Document(**base)  # type: ignore[arg-type]


def test_header_always_present_and_title_cut_by_words() -> None:
    words = [f"word{i}" for i in range(300)]
    doc = _doc(title=" ".join(words), abstract="An abstract. " * 50)
    packed = pack(doc, MIN_BUDGET)
    assert packed.tokens <= MIN_BUDGET
    lines = packed.text.splitlines()
    assert "arXiv: 2601.21872" in lines
    title_words = lines[0].removeprefix("# ").split()
    assert 0 < len(title_words) < 300
    assert title_words == words[: len(title_words)]  # whole words, in order
    assert "abstract" in packed.dropped


def test_budget_below_minimum_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least 50"):
        pack(_doc(), MIN_BUDGET - 1)


def test_ref_fills_missing_id_and_title() -> None:
    doc = _doc(arxiv_id="", title="")
    packed = pack(doc, 200, ref=PaperRef(arxiv_id="2601.00001", title="From The List"))
    assert packed.text.splitlines()[:2] == ["# From The List", "arXiv: 2601.00001"]


def test_paragraph_cut_at_sentence_boundary() -> None:
    sentences = [f"Sentence number {i} says something about the method." for i in range(200)]
    doc = _doc(sections=[Section("Method", 1, "2", [" ".join(sentences)])])
    packed = pack(doc, 300)
    assert packed.tokens <= 300
    body = packed.text.split("## 2 Method\n\n", 1)[1]
    assert body.endswith("about the method.")
    assert body.startswith("Sentence number 0 ")
    assert "section:2 Method (partial)" in packed.included


def test_table_is_never_split() -> None:
    rows = "\n".join(f"| model{i} | {i}.5 |" for i in range(400))
    table = Table("Table 1: Big results.", f"| Model | Score |\n|---|---|\n{rows}", "Table 1",
                  "Results")
    doc = _doc(sections=[Section("Results", 1, "3", ["We win."])], tables=[table])
    packed = pack(doc, 400)
    assert "| model0 |" not in packed.text and "Table 1: Big results." not in packed.text
    assert "table:Table 1" in packed.dropped
    whole = pack(doc, 20000)
    assert rows in whole.text and "table:Table 1" in whole.included


def test_document_order_not_priority_order() -> None:
    doc = _doc(
        abstract="We study things.",
        sections=[
            Section("Introduction", 1, "1", ["Our contributions are threefold."]),
            Section("Method", 1, "2", ["We do X.", "Then Y."]),
            Section("Conclusion", 1, "3", ["It works."]),
        ],
        references=["[1] Someone. A paper. 2020."],
    )
    text = pack(doc, 5000).text
    order = [text.index(s) for s in
             ("arXiv:", "## Abstract", "## 1 Introduction", "## 2 Method", "## 3 Conclusion",
              "## References")]
    assert order == sorted(order)


_words = st.text(alphabet="abcdefghij XYZ.,模型数据。", min_size=0, max_size=300)


@st.composite
def _documents(draw: st.DrawFn) -> Document:
    sections = [
        Section(draw(st.text("abcXYZ 模", max_size=40)), draw(st.integers(1, 3)),
                draw(st.sampled_from(["", "1", "2.1"])), draw(st.lists(_words, max_size=5)))
        for _ in range(draw(st.integers(0, 6)))
    ]
    tables = [
        Table(draw(_words), draw(_words), draw(st.sampled_from(["", "Table 1", "Table 2"])),
              draw(st.sampled_from(["", sections[0].heading if sections else "x"])))
        for _ in range(draw(st.integers(0, 3)))
    ]
    return Document(
        arxiv_id="2601.21872",
        title=draw(st.text("Title words 标题 ", max_size=400)),
        source_kind="PDF",
        abstract=draw(_words),
        sections=sections,
        tables=tables,
        figures=draw(st.lists(_words, max_size=3)),
        footnotes=draw(st.lists(_words, max_size=2)),
        references=draw(st.lists(_words, max_size=3)),
        appendix=[Section("Appendix", 1, "A", draw(st.lists(_words, max_size=2)))],
    )


@settings(max_examples=150, deadline=None)
@given(doc=_documents(), budget=st.integers(MIN_BUDGET, 3000))
def test_property_tokens_never_exceed_budget(doc: Document, budget: int) -> None:
    packed = pack(doc, budget)
    assert packed.tokens <= budget
    assert packed.tokens == estimate_tokens(packed.text)
    assert "arXiv: 2601.21872" in packed.text.splitlines()
    assert 0.0 <= packed.coverage <= 1.0
    assert pack(doc, budget) == packed  # deterministic


# --------------------------------------------------------------------------- corpus


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=\.)\s", text.strip(), maxsplit=1)[0]


def _assert_keeps_essentials(doc: Document, text: str) -> None:
    assert doc.abstract and _first_sentence(doc.abstract) in text
    conclusions = [s for s in doc.sections if re.search("conclu", s.heading, re.IGNORECASE)]
    for section in conclusions:
        if section.paragraphs:
            assert _first_sentence(section.paragraphs[0]) in text
    body = {s.heading for s in doc.sections} | {f"{s.number} {s.heading}" for s in doc.sections}
    appendix = {s.heading for s in doc.appendix}
    for table in doc.tables:
        if table.section in body or table.section not in appendix:
            assert table.caption in text, table.label


@pytest.mark.parametrize(
    "name", ["1505.01373.pdf", "2310.06825v1.pdf", "2312.12344.pdf", "2601.13621.pdf",
             "2604.13236v1.pdf"],
)
def test_corpus_pdfs_keep_abstract_conclusion_tables(corpus: Path, name: str) -> None:
    doc = parse_pdf_text((corpus / "pdf" / name).read_bytes(), name[:10])
    packed = pack(doc)
    assert packed.tokens <= 16000
    _assert_keeps_essentials(doc, packed.text)
    assert f"arXiv: {name[:10]}" in packed.text.splitlines()
    small = pack(doc, 800)
    assert small.tokens <= 800
    assert "references" in small.dropped
    assert "abstract" in small.included
    assert small.coverage < packed.coverage


def test_mistral_small_budget_drops_in_priority_order(corpus: Path) -> None:
    doc = parse_pdf_text((corpus / "pdf/2310.06825v1.pdf").read_bytes(), "2310.06825")
    packed = pack(doc, 1500)
    # Abstract and the introduction come first; references and acknowledgements last.
    assert "abstract" in packed.included
    assert any(n.startswith("section:1 Introduction") for n in packed.included)
    assert {"references", "section:Acknowledgements"} <= set(packed.dropped)
    assert packed.document_tokens > 1500


HTML_PAGES = ["2312.12344v1", "2405.12282v3", "2501.11120v1", "2508.08468v6", "2510.11260v1",
              "2601.13621v1"]


@pytest.mark.parametrize("stem", HTML_PAGES)
def test_corpus_html_keeps_abstract_conclusion_tables(corpus: Path, stem: str) -> None:
    html = pytest.importorskip("paperdigest.extract.html")
    doc = html.extract_html((corpus / "arxiv_html" / f"{stem}.html").read_bytes(), stem)
    packed = pack(doc)
    assert packed.tokens <= 16000
    _assert_keeps_essentials(doc, packed.text)
    small = pack(doc, 600)
    assert small.tokens <= 600 and small.dropped
