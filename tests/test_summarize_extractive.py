"""The extractive summarizer on real corpus data (HF abstracts of 2026-01-30, arXiv HTML)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from paperdigest.context import pack
from paperdigest.extract.html import extract_html
from paperdigest.models import NOT_MENTIONED, Document, PaperRef, PaperSummary, Section, Table
from paperdigest.render.parse import summary_problems
from paperdigest.summarize import ExtractiveSummarizer, make_summarizer, split_sentences
from paperdigest.summarize.extractive import summarize_document

DAY = ("hf_api", "daily_papers_2026-01-30.json")


def _items(corpus: Path) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(corpus.joinpath(*DAY).read_text(encoding="utf-8"))
    return data


def _ref(item: dict[str, Any]) -> PaperRef:
    paper = item["paper"]
    return PaperRef(
        arxiv_id=paper["id"],
        title=paper["title"],
        abstract=paper["summary"],
        ai_keywords=paper.get("ai_keywords") or [],
        github_repo=paper.get("githubRepo"),
        project_page=paper.get("projectPage"),
    )


def _doc(ref: PaperRef) -> Document:
    return Document(ref.arxiv_id, ref.title, "ArXiv Abs", abstract=ref.abstract)


def _summaries(corpus: Path, lang: str = "zh") -> list[tuple[dict[str, Any], PaperSummary]]:
    summarizer = ExtractiveSummarizer()
    out = []
    for item in _items(corpus):
        ref = _ref(item)
        doc = _doc(ref)
        result = summarizer.summarize(ref, doc, pack(doc, 4000, ref=ref), lang)
        assert result.mode == "extractive" and result.backend == "extractive"
        assert result.model == "extractive" and result.prompt_version == "extractive-1"
        assert result.calls == 0 and result.tokens_in == 0
        out.append((item, result.summary))
    return out


def _filled(value: str) -> bool:
    return bool(value.strip()) and value != NOT_MENTIONED


def test_fill_rates_on_the_45_hf_abstracts(corpus: Path) -> None:
    pairs = _summaries(corpus)
    # Denominators straight from the JSON, independent of the summarizer.
    assert len(pairs) == 45
    with_links = [
        (item, s) for item, s in pairs
        if item["paper"].get("githubRepo") or item["paper"].get("projectPage")
    ]
    assert len(with_links) == sum(
        1 for item in _items(corpus)
        if item["paper"].get("githubRepo") or item["paper"].get("projectPage")
    )
    n = len(pairs)
    rates = {
        "应用领域": sum(_filled(s.domain) for _, s in pairs) / n,
        "一句话核心贡献": sum(_filled(s.contribution) for _, s in pairs) / n,
        "输入": sum(_filled(s.usage.input) for _, s in pairs) / n,
        "输出": sum(_filled(s.usage.output) for _, s in pairs) / n,
        "流程": sum(_filled(s.usage.workflow) for _, s in pairs) / n,
        "硬件需求": sum(_filled(s.usage.hardware) for _, s in pairs) / n,
        "主要创新点": sum(
            any(_filled(i.detail) for i in s.innovations) for _, s in pairs) / n,
        "实验效果": sum(any(_filled(r.finding) for r in s.results) for _, s in pairs) / n,
        "代码与资源 (papers with links)": sum(
            _filled(s.usage.code_and_resources) for _, s in with_links) / len(with_links),
    }
    print("\nextractive fill rates over 45 HF abstracts (2026-01-30):")
    for name, rate in rates.items():
        print(f"  {name}: {rate:.0%}")
    assert rates["应用领域"] == 1.0
    assert rates["一句话核心贡献"] == 1.0
    assert rates["主要创新点"] >= 0.9
    assert rates["实验效果"] >= 0.9
    assert rates["输入"] >= 0.8
    assert rates["输出"] >= 0.8
    assert rates["代码与资源 (papers with links)"] == 1.0


def test_links_come_from_the_hf_item(corpus: Path) -> None:
    for item, summary in _summaries(corpus):
        for key in ("githubRepo", "projectPage"):
            url = item["paper"].get(key)
            if url:
                assert url in summary.usage.code_and_resources


def test_summaries_are_valid_and_deterministic(corpus: Path) -> None:
    first = _summaries(corpus)
    second = _summaries(corpus)
    assert [s for _, s in first] == [s for _, s in second]
    for item, summary in first:
        assert summary_problems(summary) == [], item["paper"]["id"]
        assert 1 <= len(summary.innovations) <= 6


def test_numbers_are_never_invented(corpus: Path) -> None:
    # Every number in the extracted parts appears in the abstract the summary was made from.
    for item, summary in _summaries(corpus):
        source = item["paper"]["summary"]
        parts = [summary.contribution, *vars(summary.usage).values()]
        parts += [f"{i.title} {i.detail}" for i in summary.innovations]
        parts += [r.finding for r in summary.results]
        for part in parts:
            if part == NOT_MENTIONED or part.startswith("http"):
                continue
            for number in re.findall(r"\d+(?:[.,]\d+)*", part):
                assert number in source, (item["paper"]["id"], number, part)


def test_webarbiter_abstract(corpus: Path) -> None:
    item = next(i for i in _items(corpus) if i["paper"]["id"] == "2601.21872")
    summary = summarize_document(_ref(item), _doc(_ref(item)))
    # Read by hand from the abstract: the claim sentence and the two numeric results.
    assert summary.contribution.startswith(
        "To address these challenges, we introduce WebArbiter, a reasoning-first"
    )
    findings = " ".join(r.finding for r in summary.results)
    assert "outperforms the strongest baseline, GPT-5, by 9.1 points" in findings
    assert "by up to 7.2 points" in findings
    assert summary.results[0].setting == "摘要"
    assert "AgentRewardBench" not in str(summary)  # the reference's untraced claim
    assert summary.usage.code_and_resources == NOT_MENTIONED  # no repo/page in the HF item


def test_dynamicvla_enumerated_designs_become_innovations(corpus: Path) -> None:
    item = next(i for i in _items(corpus) if i["paper"]["id"] == "2601.22153")
    summary = summarize_document(_ref(item), _doc(_ref(item)))
    # The abstract lists "three key designs: 1) … 2) Continuous Inference … 3) Latent-aware
    # Action Streaming …" (read by hand).
    titles = [i.title for i in summary.innovations]
    assert len(titles) == 3
    assert titles[1] == "Continuous Inference"
    assert titles[2] == "Latent-aware Action Streaming"
    assert summary.contribution.endswith("through three key designs.")
    assert "https://github.com/hzxie/DynamicVLA" in summary.usage.code_and_resources
    assert "https://haozhexie.com/project/dynamic-vla" in summary.usage.code_and_resources


def test_project_page_in_abstract_text_is_found(corpus: Path) -> None:
    item = next(i for i in _items(corpus) if i["paper"]["id"] == "2601.22046")
    ref = _ref(item)
    ref.project_page = None  # the abstract itself says "Project page: https://…"
    summary = summarize_document(ref, _doc(ref))
    assert summary.usage.code_and_resources == "https://city-super.github.io/PLANING/"


def test_domain_from_categories_and_keywords() -> None:
    ref = PaperRef("2601.13621", "Cosmological Budget of Entropy", categories=["gr-qc",
                   "astro-ph.CO"])
    doc = Document(ref.arxiv_id, ref.title, "ArXiv Abs", abstract="We study entropy.")
    assert summarize_document(ref, doc).domain == (
        "广义相对论与量子宇宙学 (gr-qc) / 宇宙学 (astro-ph.CO)"
    )
    assert summarize_document(ref, doc, "en").domain.startswith("General relativity")
    bare = PaperRef("2601.00001", "Untitled", ai_keywords=["alpha", "beta"])
    assert summarize_document(bare, Document(bare.arxiv_id, "Untitled", "ArXiv Abs",
                                             abstract="We do x.")).domain == "关键词：alpha, beta"
    empty = PaperRef("2601.00002", "Untitled")
    assert summarize_document(empty, Document(empty.arxiv_id, "Untitled", "ArXiv Abs",
                                              abstract="We do x.")).domain == NOT_MENTIONED


def test_english_markers() -> None:
    ref = PaperRef("2601.00002", "Untitled")
    summary = summarize_document(ref, Document(ref.arxiv_id, "Untitled", "ArXiv Abs",
                                               abstract="We do x."), "en")
    assert summary.language == "en"
    assert summary.usage.hardware == "Not mentioned in the paper"


def test_full_text_document_uses_sections_and_hardware(corpus: Path) -> None:
    body = (corpus / "arxiv_html" / "2510.11260v1.html").read_bytes()
    doc = extract_html(body, "2510.11260")
    summary = summarize_document(PaperRef(doc.arxiv_id, doc.title), doc)
    assert summary_problems(summary) == []
    # Abstract (read by hand): "a precision of 100%, recall of 95.8%" for object detection
    # and "89% precision, 65% recall, and a 75% F1 score" for the hybrid OCR system.
    findings = " ".join(r.finding for r in summary.results)
    assert "95.8%" in findings and "75% F1" in findings
    # Its introduction lists four phases "i) … ii) … iii) … iv)"; the first is Auto-DG.
    assert summary.innovations[0].title.startswith("Automatic Dataset Generation")
    # The workflow comes from the "Methodology" section, not from the abstract.
    method = next(s for s in doc.sections if s.heading == "Methodology")
    assert summary.usage.workflow.split(" ")[:5] == " ".join(method.paragraphs).split(" ")[:5]


def test_hardware_sections_and_tables_on_a_handmade_document() -> None:
    doc = Document(
        "2601.99999",
        "ToyNet: A Small Model",
        "HTML",
        abstract="We propose ToyNet, a small model. ToyNet improves accuracy by 3.2%.",
        sections=[
            Section("Introduction", 1, "1", ["Our contributions are:", "• A new toy layer.",
                                             "• A benchmark, ToyBench, with 1,000 tasks."]),
            Section("Method", 1, "2", ["ToyNet takes an image as input. It outputs a label."]),
            Section("Experiments", 1, "3", ["We train on 8 NVIDIA A100 GPUs for two days."]),
        ],
        tables=[Table("Main results on ToyBench.", "| Method | Acc |\n| --- | --- |\n"
                      "| Baseline | 70.1 |\n| ToyNet (ours) | 73.3 |", "Table 1")],
    )
    summary = summarize_document(PaperRef(doc.arxiv_id, doc.title), doc)
    assert summary.usage.hardware == "We train on 8 NVIDIA A100 GPUs for two days."
    assert summary.usage.workflow.startswith("ToyNet takes an image as input.")
    assert [i.detail for i in summary.innovations] == [
        "A new toy layer.", "A benchmark, ToyBench, with 1,000 tasks."
    ]
    assert summary.results[-1].setting == "Table 1 Main results on ToyBench."
    assert summary.results[-1].finding == "ToyNet (ours) — Acc: 73.3"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We use e.g. GPT-5 here. It works.", ["We use e.g. GPT-5 here.", "It works."]),
        ("Smith et al. found 3.5% gains. Then (2) we stop.",
         ["Smith et al. found 3.5% gains.", "Then (2) we stop."]),
        ("See Fig. 2 for details. Done.", ["See Fig. 2 for details.", "Done."]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_make_summarizer_default_is_extractive() -> None:
    from paperdigest.config import Settings

    assert make_summarizer(Settings()).name == "extractive"
