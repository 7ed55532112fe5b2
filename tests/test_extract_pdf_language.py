"""PDFs whose text layer is not language (issue 12): refused as ``no_text``.

A font without a ToUnicode map makes pdfium read every glyph as its code, shifted from the
letter: "The" reads "7KH", "paper" reads "SDSHU". The PDFs are built here with pikepdf
(Helvetica, one text line per row); the shifted one holds exactly the characters such a
PDF yields, so pdfium reads the same garbage.
"""

from __future__ import annotations

import io

import pikepdf
import pytest

from paperdigest.errors import ExtractionError
from paperdigest.extract.pdf import common_word_share, parse_pdf_text

ENGLISH = (
    "Attention Models for Reading Papers. Abstract. We propose a method that reads the text of "
    "a paper and writes a short summary of its main results. The model is trained on a large "
    "set of papers and their abstracts, and we show that it is better than the baseline on "
    "two tasks. 1 Introduction. Reading is slow, and the number of new papers grows each year. "
    "In this work we study how a model can select the parts of a paper that matter most to a "
    "reader. Our code is at https://github.com/acme/reader and the data are released with it. "
    "2 Method. The input is the text of the paper, split into sections. For each section the "
    "model predicts a score, and the sections with the highest scores are used to write the "
    "summary. We use the same settings for all of the experiments in this section. "
    "3 Results. On both tasks the method improves over the baseline by a wide margin, and the "
    "gains are larger for long papers than for short ones. 4 Conclusion. We have shown that a "
    "simple model can select what a reader needs, and we hope that this will be useful. "
)


def _shift(text: str) -> str:
    """What pdfium reads from a font without ToUnicode whose codes are the glyph indices."""
    return "".join(chr(ord(c) - 29) if c.isalpha() else c for c in text)


def make_pdf(text: str, repeat: int = 3) -> bytes:
    words = (text * repeat).split()
    lines, line = [], ""
    for word in words:
        if len(line) + len(word) > 80:
            lines.append(line)
            line = ""
        line = f"{line} {word}".strip()
    lines.append(line)
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))
    for start in range(0, len(lines), 50):
        ops = ["BT", "/F1 10 Tf", "12 TL", "50 750 Td"]
        for row in lines[start:start + 50]:
            escaped = row.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({escaped}) Tj T*")
        ops.append("ET")
        stream = pdf.make_stream("\n".join(ops).encode("latin-1"))
        page = pikepdf.Page(pikepdf.Dictionary(
            Type=pikepdf.Name.Page, MediaBox=[0, 0, 612, 792], Contents=stream,
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))))
        pdf.pages.append(page)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_shift_reads_like_the_bug_reports() -> None:
    assert _shift("The paper") == "7KH SDSHU"


def test_english_pdf_is_read() -> None:
    doc = parse_pdf_text(make_pdf(ENGLISH), "2601.00001")
    assert "We propose a method that reads the text" in doc.full_text()
    assert doc.links == ["https://github.com/acme/reader"]


def test_shifted_glyph_pdf_is_no_text() -> None:
    body = make_pdf(_shift(ENGLISH))
    with pytest.raises(ExtractionError) as info:
        parse_pdf_text(body, "2601.00001")
    assert info.value.reason == "no_text"
    assert "7KH" in str(info.value)


def test_common_word_share_bounds() -> None:
    assert common_word_share(ENGLISH * 2) > 0.25
    assert common_word_share(_shift(ENGLISH) * 2) < 0.02
    assert common_word_share("too few words here") is None
    # CJK text is not judged against English words
    assert common_word_share("我们提出一种方法" * 200 + " model" * 160) is None
