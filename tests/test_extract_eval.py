"""Evaluation gate for the LaTeXML extractor (trafilatura ``eval_gate`` style).

Over every corpus HTML page (arxiv_html/ and other/) the metrics below are computed against
counts taken from the raw HTML with regular expressions, independently of the extractor, and
checked against the floors pinned in ``src/paperdigest/eval_baseline.json`` ("extract_html").
Lower a floor only with a reason in the commit message.

The same file pins the usability thresholds of ``extract.selectors``; a synthetic, heavily
broken page (ltx_ERROR spans injected into a real page) must be judged unusable while every
real page stays usable.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from paperdigest.extract import selectors
from paperdigest.extract.html import extract_html, unusable_reason

PAGES = [
    "arxiv_html/2312.12344v1.html",
    "arxiv_html/2405.12282v3.html",
    "arxiv_html/2501.11120v1.html",
    "arxiv_html/2508.08468v6.html",
    "arxiv_html/2510.11260v1.html",
    "arxiv_html/2601.13621v1.html",
    "other/arxiv-view-as-html_feedback_ui_sample_paper_LaTeXML-0.8.7_2023.html",
]
CHROME = ["Report Issue", "Why HTML?", "License: ", "Generated on", "Back to Abstract",
          "Download PDF", "Instructions for reporting errors", "view the build logs"]


def _baseline() -> dict[str, Any]:
    text = resources.files("paperdigest").joinpath("eval_baseline.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)["extract_html"]
    return data


def _count(raw: str, cls: str) -> int:
    return len(re.findall(r'class="(?:[^"]*\s)?' + re.escape(cls) + r'(?:\s[^"]*)?"', raw))


def _tex(alttext: str) -> str:
    # The extractor drops TeX line-continuation comments and the \displaystyle hint of
    # aligned equations; compare on the same footing.
    tex = " ".join(re.sub(r"%[ \t]*\n", "", htmllib.unescape(alttext)).split())
    return tex.removeprefix("\\displaystyle").strip()


@dataclass
class Metrics:
    page: str
    section_recall: float
    subsection_recall: float
    table_recall: float
    table_number_recall: float
    tex_recall: float
    chrome_leaks: int
    error_paragraph_ratio: float


def _ratio(found: int, expected: int) -> float:
    return 1.0 if expected == 0 else found / expected


def measure(path: Path) -> Metrics:
    raw = path.read_text("utf-8")
    doc = extract_html(raw.encode())
    everything = [*doc.sections, *doc.appendix]
    text = "\n".join([doc.full_text(), *doc.references])

    sections = len([s for s in doc.sections if s.level == 1 and s.heading]) + len(
        [s for s in doc.appendix if s.level == 1])
    expected_sections = _count(raw, "ltx_title_section") + _count(raw, "ltx_title_appendix")
    subsections = len([s for s in everything if s.level >= 2])
    expected_sub = sum(_count(raw, c) for c in ("ltx_title_subsection",
                                                "ltx_title_subsubsection",
                                                "ltx_title_paragraph"))

    floats = re.findall(r'<figure\b[^>]*\bclass="ltx_table\b.*?</figure>', raw, flags=re.DOTALL)
    numbers: set[str] = set()
    for chunk in floats:
        chunk = re.sub(r"<figcaption.*?</figcaption>", "", chunk, flags=re.DOTALL)
        chunk = re.sub(r'<math\b[^>]*alttext="([^"]*)".*?</math>',
                       lambda m: " " + htmllib.unescape(m.group(1)) + " ", chunk, flags=re.DOTALL)
        numbers |= set(re.findall(r"\d+(?:\.\d+)?", htmllib.unescape(re.sub(r"<[^>]+>", " ",
                                                                            chunk))))
    markdown = "\n".join(t.markdown for t in doc.tables)

    alttexts = {_tex(a) for a in re.findall(r'alttext="([^"]*)"', raw)} - {""}

    flat = " ".join(text.split())
    # error paragraphs, counted in the raw HTML: <p class="ltx_p"> holding an ltx_ERROR span
    paras = re.findall(r'<p class="ltx_p".*?</p>', raw, flags=re.DOTALL)
    broken = [p for p in paras if 'class="ltx_ERROR' in p]
    return Metrics(
        page=path.name,
        section_recall=_ratio(min(sections, expected_sections), expected_sections),
        subsection_recall=_ratio(min(subsections, expected_sub), expected_sub),
        table_recall=_ratio(min(len(doc.tables), len(floats)), len(floats)),
        table_number_recall=_ratio(sum(n in markdown for n in numbers), len(numbers)),
        tex_recall=_ratio(sum(a in text for a in alttexts), len(alttexts)),
        chrome_leaks=sum(c in flat for c in CHROME),
        error_paragraph_ratio=_ratio(len(broken), len(paras)) if paras else 0.0,
    )


@pytest.fixture(scope="module")
def metrics() -> list[Metrics]:
    from tests.conftest import corpus_path

    return [measure(corpus_path(p)) for p in PAGES]


def test_floors(metrics: list[Metrics]) -> None:
    base = _baseline()
    report = "\n".join(str(m) for m in metrics)
    for m in metrics:
        assert m.section_recall >= base["min_section_recall"], report
        assert m.subsection_recall >= base["min_subsection_recall"], report
        assert m.table_recall >= base["min_table_recall"], report
        assert m.table_number_recall >= base["min_table_number_recall"], report
        assert m.tex_recall >= base["min_tex_recall"], report
        assert m.chrome_leaks <= base["max_chrome_leaks"], report
    assert len(metrics) == base["pages"]


def test_real_pages_sit_below_the_unusable_threshold(metrics: list[Metrics]) -> None:
    base = _baseline()
    worst = max(m.error_paragraph_ratio for m in metrics)
    assert worst > 0  # 2405/2501 do carry ltx_ERROR spans...
    assert worst < base["max_error_paragraph_ratio"] / 4  # ...far below the threshold
    assert worst <= base["measured_worst_error_paragraph_ratio"] + 0.005


def test_selectors_pin_the_baseline() -> None:
    base = _baseline()
    assert selectors.MAX_ERROR_PARAGRAPH_RATIO == base["max_error_paragraph_ratio"]
    assert selectors.MAX_EMPTY_SECTION_RATIO == base["max_empty_section_ratio"]
    assert selectors.MIN_BODY_CHARS == base["min_body_chars"]
    assert selectors.MIN_USABLE_BODY_CHARS == base["min_usable_body_chars"]


def test_baseline_is_a_flat_object_of_sections() -> None:
    text = resources.files("paperdigest").joinpath("eval_baseline.json").read_text("utf-8")
    data = json.loads(text)
    assert isinstance(data, dict) and all(isinstance(v, dict) for v in data.values())


@pytest.mark.parametrize("page", PAGES)
def test_every_corpus_page_is_usable(corpus: Path, page: str) -> None:
    assert unusable_reason((corpus / page).read_bytes()) is None


def _inject_errors(body: bytes, every: int, of: int) -> tuple[bytes, int]:
    """Put an ltx_ERROR span into ``every`` of each ``of`` paragraphs."""
    count = 0
    out: list[bytes] = []
    pieces = body.split(b'<p class="ltx_p"')
    for i, piece in enumerate(pieces[1:]):
        end = piece.index(b">") + 1
        if i % of < every:
            piece = piece[:end] + b'<span class="ltx_ERROR undefined">\\brokenmacro</span>' + (
                piece[end:])
            count += 1
        out.append(piece)
    return b'<p class="ltx_p"'.join([pieces[0], *out]), count


def test_heavily_broken_page_is_unusable(corpus: Path) -> None:
    body = (corpus / "arxiv_html/2601.13621v1.html").read_bytes()
    broken, injected = _inject_errors(body, 2, 5)  # 40% of paragraphs
    assert injected > 20
    reason = unusable_reason(broken)
    assert reason is not None
    assert reason.startswith("conversion broken:") and "ltx_ERROR" in reason
    percent = int(re.search(r"(\d+)% of paragraphs", reason).group(1))  # type: ignore[union-attr]
    assert 30 <= percent <= 50
    doc = extract_html(broken)
    assert f"ltx_error:{injected}" in doc.flags
    assert "\\brokenmacro" not in doc.full_text()


def test_lightly_broken_page_stays_usable(corpus: Path) -> None:
    body = (corpus / "arxiv_html/2601.13621v1.html").read_bytes()
    broken, injected = _inject_errors(body, 1, 10)  # 10%: like a page with a few macros
    assert injected > 5
    assert unusable_reason(broken) is None


def test_page_with_emptied_sections_is_unusable(corpus: Path) -> None:
    root = etree.fromstring((corpus / "arxiv_html/2312.12344v1.html").read_bytes(),
                            etree.HTMLParser(encoding="utf-8"))
    for section in root.iter("section"):
        for para in list(section):
            if "ltx_para" in (para.get("class") or "") or para.tag == "figure":
                section.remove(para)
    body = etree.tostring(root, method="html", encoding="utf-8")
    reason = unusable_reason(body)
    assert reason is not None and "sections are empty" in reason
    doc = extract_html(body)
    assert any(f.startswith("empty_sections:") for f in doc.flags)
