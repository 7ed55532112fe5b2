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
        assert result.model == "extractive" and result.prompt_version == "extractive-4"
        assert result.calls == 0 and result.tokens_in == 0
        out.append((item, result.summary))
    return out


def _filled(value: str) -> bool:
    return bool(value.strip()) and value != NOT_MENTIONED


def test_domain_contribution_and_links_on_the_45_hf_abstracts(corpus: Path) -> None:
    # Fill rates of 输入/输出/创新点/实验效果 are no longer asserted (issue 13: a wrong field is
    # worse than an empty one): their precision/recall against hand labels is enforced by
    # tests/test_extractive_eval.py. These three parts are always known.
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
    for item, summary in pairs:
        # 应用领域 names a field, never only "关键词：…".
        assert _filled(summary.domain) and not summary.domain.startswith("关键词"), item
        assert _filled(summary.contribution)
    for _, summary in with_links:
        assert _filled(summary.usage.code_and_resources)


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
    # Read by hand from the abstract: the two numeric results, each labelled by the
    # benchmark it was measured on (not "摘要").
    findings = {r.setting: r.finding for r in summary.results}
    assert "outperforms the strongest baseline, GPT-5, by 9.1 points" in findings["WebPRMBench"]
    assert "by up to 7.2 points" in findings["WebArena-Lite"]
    # The claim sentence is the only one that says what WebArbiter outputs (its participle
    # part "producing structured justifications …"): 输出 is that part's object, never the
    # "we introduce …" sentence, and 一句话核心贡献 keeps the claim's main clause — never the
    # paper's title said again (issue 13 QA finding 4). Read by hand from the abstract.
    assert summary.usage.output == (
        "structured justifications that conclude with a preference verdict and identify the "
        "action most conducive to task completion under the current context."
    )
    assert summary.contribution == (
        "To address these challenges, we introduce WebArbiter, a reasoning-first, "
        "principle-inducing WebPRM that formulates reward modeling as text generation."
    )
    assert summary.contribution != item["paper"]["title"]
    assert summary.usage.input == NOT_MENTIONED  # no explicit input phrasing in the abstract
    # "we release WebPRMBench, a comprehensive benchmark …" is a contribution statement; its
    # title is cut at a phrase boundary (before "spanning"), not mid-phrase ("… diverse web").
    assert [i.title for i in summary.innovations] == ["WebPRMBench, a comprehensive benchmark"]
    assert "AgentRewardBench" not in str(summary)  # the reference's untraced claim
    assert summary.usage.code_and_resources == NOT_MENTIONED  # no repo/page in the HF item


def test_dynamicvla_enumerated_designs_become_innovations(corpus: Path) -> None:
    item = next(i for i in _items(corpus) if i["paper"]["id"] == "2601.22153")
    summary = summarize_document(_ref(item), _doc(_ref(item)))
    # The abstract lists "three key designs: 1) … 2) Continuous Inference … 3) Latent-aware
    # Action Streaming …" (read by hand).
    titles = [i.title for i in summary.innovations]
    assert titles[:3] == ["Compact 0.4B VLA", "Continuous Inference",
                          "Latent-aware Action Streaming"]
    # "we introduce the Dynamic Object Manipulation (DOM) benchmark" is the fourth claim.
    assert titles[3:] == ["Dynamic Object Manipulation (DOM) benchmark"]
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
    # Keywords alone name no field (issue 13): 论文未提及; a field named by a keyword is kept
    # with the keywords after it.
    bare = PaperRef("2601.00001", "Untitled", ai_keywords=["alpha", "beta"])
    assert summarize_document(bare, Document(bare.arxiv_id, "Untitled", "ArXiv Abs",
                                             abstract="We do x.")).domain == NOT_MENTIONED
    named = PaperRef("2601.00001", "Untitled", ai_keywords=["speech recognition", "beta"])
    assert summarize_document(named, Document(named.arxiv_id, "Untitled", "ArXiv Abs",
                                              abstract="We do x.")).domain == (
        "语音与音频；关键词：speech recognition, beta"
    )
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
    # Its abstract lists four *phases* "i) … ii) … iii) … iv)": a pipeline's stages, not
    # contributions (issue 13: innovations from contribution statements). The innovation is
    # the introduction's "In this study, we propose a novel AI-driven framework …".
    assert summary.innovations[0].detail.startswith("In this study, we propose a novel")
    assert summary.innovations[0].title == "Novel AI-driven framework"
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
    # A full text labels a table result with the table's own label; the finding is
    # "caption — the paper's own row".
    assert summary.results[-1].setting == "Table 1"
    assert summary.results[-1].finding == "Main results on ToyBench. — ToyNet (ours) — Acc: 73.3"


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


# ---------------------------------------------------------------------------------------------
# Full texts: the 6 corpus HTML pages and the whole-paper corpus PDFs.
# ---------------------------------------------------------------------------------------------

HTML_PAGES = ["2312.12344v1", "2405.12282v3", "2501.11120v1", "2508.08468v6", "2510.11260v1",
              "2601.13621v1"]
# 2305.03393v1-page9-only.pdf is one page cut out of a paper (corpus SOURCES.md): it has no
# abstract or introduction, so it is only checked for validity below, not for fill.
WHOLE_PDFS = ["1505.01373", "2310.06825v1", "2312.12344", "2601.13621", "2604.13236v1"]
_DOCS: dict[str, Document] = {}


def _full_doc(corpus: Path, name: str) -> Document:
    if name not in _DOCS:  # parse each file once per test session
        arxiv_id = name[:10]
        html = corpus / "arxiv_html" / f"{name}.html"
        if html.exists():
            _DOCS[name] = extract_html(html.read_bytes(), arxiv_id)
        else:
            from paperdigest.extract.pdf import parse_pdf_text

            _DOCS[name] = parse_pdf_text((corpus / "pdf" / f"{name}.pdf").read_bytes(), arxiv_id)
    return _DOCS[name]


def _full_summary(corpus: Path, name: str) -> tuple[Document, PaperSummary]:
    doc = _full_doc(corpus, name)
    ref = PaperRef(doc.arxiv_id, doc.title, abstract=doc.abstract)
    result = ExtractiveSummarizer().summarize(ref, doc, pack(doc, 16000, ref=ref), "zh")
    return doc, result.summary


def _numbers_in(summary: PaperSummary) -> list[tuple[str, str]]:
    parts = [summary.contribution, *vars(summary.usage).values()]
    parts += [f"{i.title} {i.detail}" for i in summary.innovations]
    parts += [f"{r.setting} {r.finding}" for r in summary.results]
    out = []
    for part in parts:
        part = re.sub(r"https?://\S+", "", part)
        out += [(n, part) for n in re.findall(r"\d+(?:[.,]\d+)*", part)]
    return out


@pytest.mark.parametrize("name", HTML_PAGES + WHOLE_PDFS)
def test_full_text_summaries_are_valid_short_titled_and_traceable(
    corpus: Path, name: str
) -> None:
    # The old "2 ≤ innovations, 2 ≤ results" fill assertions are gone (issue 13: a field
    # is filled only from its own evidence; precision/recall are tests/test_extractive_eval).
    doc, summary = _full_summary(corpus, name)
    assert summary_problems(summary) == []
    assert 1 <= len(summary.innovations) <= 5, [i.title for i in summary.innovations]
    assert 1 <= len(summary.results) <= 5, summary.results
    for innovation in summary.innovations:
        assert 0 < len(innovation.title) <= 80, innovation.title
        assert not innovation.title.endswith("…"), innovation.title
        assert (innovation.title == NOT_MENTIONED) == (innovation.detail == NOT_MENTIONED)
    for result in summary.results:
        assert 0 < len(result.setting) <= 80
    # Never an invented number: each one is in the document's text (its table labels too).
    source = re.sub(r"\s+", " ", doc.full_text() + " " + " ".join(t.label for t in doc.tables))
    for number, part in _numbers_in(summary):
        assert number in source, (name, number, part)


def test_cut_out_pdf_page_still_gives_a_valid_summary(corpus: Path) -> None:
    _, summary = _full_summary(corpus, "2305.03393v1-page9-only")
    assert summary_problems(summary) == []
    # Its "5.2 Quantitative Results" (read in the PDF) says OTSL outperforms HTML.
    assert any("OTSL" in r.finding for r in summary.results)


def test_2501_11120_innovations_and_numbers_from_its_results(corpus: Path) -> None:
    raw = (corpus / "arxiv_html" / "2501.11120v1.html").read_text(encoding="utf-8")
    _, summary = _full_summary(corpus, "2501.11120v1")
    # No contribution list in this paper: its study claims ("In particular, we study backdoor
    # policies", "We investigate whether an LLM, finetuned on examples …", introduction, read
    # by hand) are the innovations; its findings ("We find that …") are not (issue 13:
    # innovations from contribution statements only).
    details = [i.detail for i in summary.innovations]
    assert details[0].startswith("In particular, we study backdoor policies")
    assert details[1].startswith("We investigate whether an LLM, finetuned on examples")
    assert not any(d.startswith("We find that") for d in details)
    # Section 5.2 "Two personas in dialogue training" reads "Models still assign 0.40
    # probability to Quanta-Lingua, comparing to 0.01 for GPT-4o." (checked in the raw HTML).
    assert "Models still assign 0.40 probability to Quanta-Lingua" in raw
    finding = next(r for r in summary.results if "0.40" in r.finding)
    assert "0.01 for GPT-4o" in finding.finding
    assert finding.setting == "Two personas in dialogue training"
    # Table 2 (Section 3.3): vulnerable-code models output secure code at a rate of 0.14.
    table = next(r for r in summary.results if r.setting == "Table 2")
    assert "FT on vulnerable code: 0.14" in table.finding
    # The contribution is the abstract's first claim, not "… even without its trigger being
    # present" (the word "present" is no claim verb there).
    assert summary.contribution.startswith("We study behavioral self-awareness")


def test_2508_08468_contribution_list_becomes_the_innovations(corpus: Path) -> None:
    raw = (corpus / "arxiv_html" / "2508.08468v6.html").read_text(encoding="utf-8")
    # The introduction's itemize after "Our contributions are as follows:" has 4 items.
    items = re.findall(r'<li id="S1\.I1\.i\d+"', raw)
    assert len(items) == 4
    _, summary = _full_summary(corpus, "2508.08468v6")
    assert len(summary.innovations) == len(items)
    assert summary.innovations[0].title == "Real-world deployment and end-to-end evaluation"
    assert summary.innovations[3].title == "Practical insights and design guidelines"
    assert summary.innovations[0].detail.startswith("We present a real-world deployment")
    # Abstract: "aggressive compression reduced payload sizes by up to 80×"; section V
    # (Experimental Results): the AV Stress profile exceeds 13 Mbps on average.
    findings = " ".join(r.finding for r in summary.results)
    assert "up to 80×" in findings
    assert "exceeding 13 Mbps" in findings
    # Hardware: section IV-B names the AWS instance types (t3.medium) used for edge compute.
    assert "t3.medium" in summary.usage.hardware
    assert "Future work" not in summary.usage.hardware


def test_2601_13621_ordinal_insights_are_results_not_innovations(corpus: Path) -> None:
    _, summary = _full_summary(corpus, "2601.13621v1")
    # Abstract: "We report three new insights: Firstly, the cumulative entropy from merging
    # black holes surpasses …": findings with a comparison, so a result, not an innovation
    # (only a list announced as contributions or designs is one).
    assert not any(i.detail.startswith(("Firstly", "Secondly", "Thirdly"))
                   for i in summary.innovations)
    assert any("Firstly, the cumulative entropy from merging black holes surpasses" in r.finding
               for r in summary.results)
    # The innovations are the paper's own construction statements ("… we constructed an
    # inventory driven primarily by the mass spectrum", introduction, read by hand).
    assert any("we constructed an inventory" in i.detail for i in summary.innovations)
    # III.2: "BBHs within the PISN mass gap contribute $\sim 25\%$ of the total entropy
    # increase, even though they comprise only $1.3\%$ of the total BBH sample."
    assert any("1.3\\%" in r.finding for r in summary.results)


def test_semifa_pdf_labelled_contributions_hardware_and_table(corpus: Path) -> None:
    _, summary = _full_summary(corpus, "2604.13236v1")
    # Introduction: "Our contributions are: 1) Architecture (C1): … 2) Multi-modal fusion (C2):
    # … 3) Dataset (C3): …" — the labels are the titles, the rest the detail.
    assert [i.title for i in summary.innovations] == [
        "Architecture (C1)", "Multi-modal fusion (C2)", "Dataset (C3)"
    ]
    assert summary.innovations[2].detail.startswith("We introduce SEMIFA-930")
    # Abstract: "92.1% overall accuracy … 48 seconds on an NVIDIA A100-SXM4-40 GB GPU".
    assert "A100" in summary.usage.hardware
    findings = " ".join(r.finding for r in summary.results)
    assert "92.1%" in findings
    # Section V-A (Defect Classification): "ResNet-50 fine-tuned on SEMIFA-930 achieves 82.9%".
    assert "82.9%" in findings
    assert "github.com/Shivamckaushik/SemiFA" in summary.usage.code_and_resources


def test_mistral_pdf_table_row_and_no_false_enumeration(corpus: Path) -> None:
    _, summary = _full_summary(corpus, "2310.06825v1")
    # "(Llama 2) … (Llama 1)" in the abstract is no "1) … 2)" list.
    assert not any(i.title.startswith(("Across", "In reasoning")) for i in summary.innovations)
    # Table 2 "Comparison of Mistral 7B with Llama": the Mistral 7B row starts with 60.1%.
    table = next(r for r in summary.results if r.setting == "Table 2")
    assert "Mistral 7B Pretrained 60.1%" in table.finding
    assert "surpasses Llama 2 13B" in " ".join(r.finding for r in summary.results)


# ---------------------------------------------------------------------------------------------
# Rules on small hand-made documents.
# ---------------------------------------------------------------------------------------------


def _handmade(intro: list[str], method: list[str], results: list[str],
              abstract: str = "We study toys.") -> PaperSummary:
    doc = Document(
        "2601.99998", "ToyNet: Toys", "HTML", abstract=abstract,
        sections=[Section("Introduction", 1, "1", intro), Section("Method", 1, "2", method),
                  Section("Results", 1, "3", results)],
    )
    return summarize_document(PaperRef(doc.arxiv_id, doc.title), doc)


def test_inline_contribution_list_and_bold_labels() -> None:
    summary = _handmade(
        ["Toys matter.", ("Our main contributions are as follows: (1) a toy encoder that reads "
                          "images quickly, (2) a toy decoder that writes captions, and (3) a "
                          "benchmark of toys.")],
        ["ToyNet takes an image as input."], ["ToyNet improves accuracy by 3.2% over ToyBase."],
    )
    assert [i.title for i in summary.innovations] == [
        "Toy encoder that reads images quickly", "Toy decoder that writes captions",
        "Benchmark of toys",
    ]
    labelled = _handmade(
        ["We make the following contributions:", "- **Toy encoder**: reads images quickly.",
         "- **Toy decoder**: writes captions."], ["x"], ["y"])
    assert [(i.title, i.detail) for i in labelled.innovations] == [
        ("Toy encoder", "reads images quickly."), ("Toy decoder", "writes captions.")
    ]


def test_input_output_avoid_background_sentences() -> None:
    summary = _handmade(
        ["However, existing methods take a text prompt as input and are slow [3]."],
        ["Given a single RGB image, ToyNet predicts a depth map.",
         "The decoder outputs a mesh with 1,024 vertices."],
        ["ToyNet is 2.5× faster than ToyBase on the ToyBench test split."],
    )
    assert summary.usage.input == "Given a single RGB image, ToyNet predicts a depth map."
    assert summary.usage.output == "The decoder outputs a mesh with 1,024 vertices."
    assert summary.results[0].finding == (
        "ToyNet is 2.5× faster than ToyBase on the ToyBench test split."
    )
    # Labelled by the benchmark it measures, not by the generic heading "Results".
    assert summary.results[0].setting == "ToyBench"


def test_workflow_hardware_and_titles_on_handmade_text() -> None:
    summary = _handmade(
        [("We present ToyNet, a fast and accurate toy model for real-time toy detection on "
          "embedded boards with tiny memory budgets.")],
        ["Some notation first.",
         "The pipeline consists of three stages: detect, crop and classify.",
         "Each stage is a small convolutional network with two layers."],
        ["We train ToyNet on 8 A100 GPUs for 12 hours.",
         "ToyNet reaches 91.5% accuracy, outperforming ToyBase by 4.1 points."],
    )
    assert summary.usage.workflow == (
        "The pipeline consists of three stages: detect, crop and classify. "
        "Each stage is a small convolutional network with two layers."
    )
    assert summary.usage.hardware == "We train ToyNet on 8 A100 GPUs for 12 hours."
    assert any("91.5%" in r.finding for r in summary.results)
    # A title is a short noun phrase cut at a phrase boundary, without a trailing "…".
    assert summary.innovations[0].title == "ToyNet, a fast and accurate toy model"


# ---------------------------------------------------------------------------------------------
# Issue 13: precision before fill rate (hand-made abstracts; expected values by hand).
# ---------------------------------------------------------------------------------------------


def _abstract(text: str, title: str = "ToyNet: Sketches to Meshes") -> PaperSummary:
    ref = PaperRef("2601.99997", title, abstract=text)
    return summarize_document(ref, Document(ref.arxiv_id, title, "ArXiv Abs", abstract=text))


def test_each_sentence_fills_one_field_only() -> None:
    summary = _abstract(
        "Existing methods are slow and need many views. "
        "We propose ToyNet, a model that takes a single sketch as input. "
        "ToyNet outputs a watertight 3D mesh with consistent topology. "
        "We further introduce ToyBench, a benchmark of 500 hand-drawn sketches. "
        "ToyNet outperforms ToyBase by 4.2% on ToyBench."
    )
    # The claim is the only input evidence: its relative part is the 输入 and its main clause
    # stays 一句话核心贡献 (a sentence part, not the whole sentence, fills each field; the
    # contribution is never the title).
    assert summary.usage.input == "takes a single sketch as input."
    assert summary.contribution == "We propose ToyNet, a model."
    assert summary.usage.output == "ToyNet outputs a watertight 3D mesh with consistent topology."
    assert [(i.title, i.detail) for i in summary.innovations] == [
        ("ToyBench, a benchmark of 500 hand-drawn sketches",
         "We further introduce ToyBench, a benchmark of 500 hand-drawn sketches.")
    ]
    assert [(r.setting, r.finding) for r in summary.results] == [
        ("ToyBench", "ToyNet outperforms ToyBase by 4.2% on ToyBench.")
    ]
    texts = [summary.contribution, *vars(summary.usage).values(),
             *(i.detail for i in summary.innovations), *(r.finding for r in summary.results)]
    filled = [t for t in texts if t != NOT_MENTIONED]
    assert len(filled) == len(set(filled))


def test_background_and_prior_weaknesses_are_never_innovations() -> None:
    summary = _abstract(
        "Vision-Language-Action (VLA) models have shown promise in static manipulation. "
        "However, mHC incurs a prohibitive memory complexity in deep residual streams. "
        "We propose mHC-lite, a light variant of hyper-connections. "
        "We also design a fused kernel for the residual update.",
        title="mHC-lite: Light Hyper-Connections",
    )
    details = [i.detail for i in summary.innovations]
    assert not any(d.startswith(("Vision-Language-Action", "However")) for d in details)
    assert details == ["We also design a fused kernel for the residual update."]
    # The claim stays the contribution; a title keeps the paper's casing (never "MHC-lite").
    assert summary.contribution == "We propose mHC-lite, a light variant of hyper-connections."
    assert summary.innovations[0].title == "Fused kernel for the residual update"
    lone = _abstract("Hyper-connections widen the residual stream. We propose mHC-lite, a light "
                     "variant of hyper-connections.", title="mHC-lite: Light Hyper-Connections")
    assert lone.innovations[0].title == "mHC-lite, a light variant of hyper-connections"


def test_results_need_a_number_a_comparison_or_a_benchmark() -> None:
    summary = _abstract(
        "We propose ToyNet, a small sketch model. "
        "We evaluate ToyNet on 12 benchmarks and two robots. "
        "Extensive experiments show that our method works well in practice. "
        "Our analysis suggests that sketches are a practical interface for modelling."
    )
    # A setup, a qualitative claim and an outlook: none is a result, none an input/output.
    assert [(r.setting, r.finding) for r in summary.results] == [("实验", NOT_MENTIONED)]
    assert summary.usage.input == NOT_MENTIONED and summary.usage.output == NOT_MENTIONED
    labelled = _abstract(
        "We propose ToyNet, a small sketch model. "
        "ToyNet improves accuracy by 3.2% over the strongest baseline. "
        "On SketchQA and ToyBench, ToyNet sets a new state-of-the-art."
    )
    # Labelled by what they measure (metric, benchmarks), never "摘要".
    assert [r.setting for r in labelled.results] == ["accuracy", "SketchQA / ToyBench"]


def test_code_links_are_the_papers_own() -> None:
    doc = Document(
        "2601.99996", "ToyNet", "HTML", abstract="We propose ToyNet, a small model.",
        sections=[Section("Introduction", 1, "1", [
            "We compare with ToyBase (https://github.com/other/toybase) [4].",
            "Our code is available at https://github.com/me/toy-release.",
        ])],
        links=["https://github.com/other/toybase", "https://github.com/me/toy-release",
               "https://github.com/me/ToyNet", "https://doi.org/10.1000/xyz"],
    )
    summary = summarize_document(PaperRef(doc.arxiv_id, doc.title), doc)
    # Offered in "Our code is available at …", or named after the method; not a baseline's
    # repo cited in a comparison, not a DOI.
    assert summary.usage.code_and_resources == (
        "https://github.com/me/toy-release；https://github.com/me/ToyNet"
    )


def test_every_corpus_abstract_gives_a_valid_summary_in_both_languages(corpus: Path) -> None:
    # All recorded days: an abstract with "<EOS>" (2405.17428) or a title that would read as
    # a part heading ("… survey of this emerging domain", 2601.11655) included.
    from paperdigest.extract.abstract import document_from_abstract
    from paperdigest.sources.hf import parse_daily_papers

    checked = 0
    for path in sorted((corpus / "hf_api").glob("daily_papers_*.json")):
        for ref in parse_daily_papers(json.loads(path.read_text(encoding="utf-8"))):
            for lang in ("zh", "en"):
                summary = summarize_document(ref, document_from_abstract(ref), lang)
                assert summary_problems(summary) == [], (ref.arxiv_id, lang)
                checked += 1
    assert checked >= 600


@pytest.mark.parametrize(("lang", "marker"), [("en", "Not mentioned in the paper"),
                                               ("zh", "论文未提及")])
def test_a_document_without_text_says_not_mentioned_in_the_run_language(
        lang: str, marker: str) -> None:
    # No title, abstract or section: the contribution has no sentence to take.
    doc = Document("2601.99997", "", "abstract", abstract="")
    summary = summarize_document(PaperRef(doc.arxiv_id, ""), doc, lang)
    assert summary.contribution == marker
    assert summary.domain == marker


# ---------------------------------------------------------------------------------------------
# Issue 13, QA finding 4: the contribution is never the title; a sentence part, not a
# "we introduce …" or evaluation sentence, is 输入/输出; titles end at a phrase boundary;
# 对比基线 needs a baseline. Hand-made abstracts; expected values by hand.
# ---------------------------------------------------------------------------------------------


def test_claim_as_only_innovation_is_split_not_replaced_by_the_title() -> None:
    # The claim is the only contribution statement. Its means ("by fitting …") is how the
    # method works: the innovation; its main clause says what was made: the contribution.
    summary = _abstract(
        "Existing sketch tools need many views. "
        "We introduce ToyNet, a lightweight sketch-to-mesh model that converts freehand strokes "
        "into watertight meshes by fitting a signed distance field to every stroke. "
        "ToyNet outperforms ToyBase by 4.2% on ToyBench."
    )
    assert summary.contribution == ("We introduce ToyNet, a lightweight sketch-to-mesh model "
                                    "that converts freehand strokes into watertight meshes.")
    assert [(i.title, i.detail) for i in summary.innovations] == [
        ("ToyNet, a lightweight sketch-to-mesh model",
         "by fitting a signed distance field to every stroke.")
    ]
    # A main clause that only names the method ("We introduce ToyNet") says nothing: the whole
    # claim stays the contribution and its "which …" part is the innovation's description.
    bare = _abstract(
        "Existing sketch tools need many views. "
        "We introduce ToyNet, which converts freehand strokes into watertight meshes. "
        "ToyNet outperforms ToyBase by 4.2% on ToyBench."
    )
    assert bare.contribution == (
        "We introduce ToyNet, which converts freehand strokes into watertight meshes."
    )
    assert [(i.title, i.detail) for i in bare.innovations] == [
        ("ToyNet", "converts freehand strokes into watertight meshes.")
    ]
    # "… and introduce ToyBench, …": the second claim is the innovation.
    second = _abstract(
        "We propose a taxonomy of sketch errors spanning twelve categories and introduce "
        "ToyBench, a benchmark of 500 hand-drawn sketches."
    )
    assert second.contribution == (
        "We propose a taxonomy of sketch errors spanning twelve categories."
    )
    assert [(i.title, i.detail) for i in second.innovations] == [
        ("ToyBench, a benchmark of 500 hand-drawn sketches",
         "introduce ToyBench, a benchmark of 500 hand-drawn sketches.")
    ]


def test_no_corpus_contribution_is_the_title(corpus: Path) -> None:
    # QA finding 4: 27 of the 45 blocks of 2026-01-30 (208 of the corpus's 352) had the title
    # as 一句话核心贡献. Every recorded day, abstract-only.
    from paperdigest.extract.abstract import document_from_abstract
    from paperdigest.sources.hf import parse_daily_papers

    blocks = 0
    for path in sorted((corpus / "hf_api").glob("daily_papers_*.json")):
        for ref in parse_daily_papers(json.loads(path.read_text(encoding="utf-8"))):
            summary = summarize_document(ref, document_from_abstract(ref))
            title = " ".join(ref.title.split())
            assert " ".join(summary.contribution.split()) != title, ref.arxiv_id
            for text in (summary.usage.input, summary.usage.output):
                # Never a "we introduce/propose …" or "we conduct/evaluate …" sentence.
                assert not re.match(r"(\w+ ){0,6}?we (introduce|propose|present|conduct|"
                                    r"evaluate)\b", text, re.IGNORECASE), (ref.arxiv_id, text)
            blocks += 1
    assert blocks >= 300


def test_output_is_the_part_of_a_claim_or_evaluation_sentence_that_says_it() -> None:
    # "we introduce X, …, producing Y": 输出 is Y, the contribution keeps the main clause; the
    # other claim is the innovation, its title cut before the participle "spanning" (not
    # mid-phrase: "… spanning four diverse sketch").
    summary = _abstract(
        "We introduce ToyNet, a sketch model that reads freehand strokes, producing a "
        "watertight mesh for every drawing. We also release ToyBench, a comprehensive "
        "benchmark spanning four diverse sketch domains with rich annotations."
    )
    assert summary.usage.output == "a watertight mesh for every drawing."
    assert summary.contribution == "We introduce ToyNet, a sketch model that reads freehand strokes."
    assert [i.title for i in summary.innovations] == ["ToyBench, a comprehensive benchmark"]
    # A construction claim that is not the contribution: only its "which generates …" part.
    decoder = _abstract(
        "We propose ToyNet, a sketch model. "
        "We further present ToyDecoder, which generates a textured mesh from the sketch features."
    )
    assert decoder.usage.output == "a textured mesh from the sketch features."
    # An evaluation sentence: only what it says the system generates.
    study = _abstract(
        "We propose ToyNet, a sketch model. "
        "We conduct user studies demonstrating that ToyNet can generate watertight meshes from "
        "rough sketches."
    )
    assert study.usage.output == "ToyNet can generate watertight meshes from rough sketches."


def test_input_rules_given_and_lead_in() -> None:
    # "Given the … of the encoder, we compute …": a method step on earlier results, no input;
    # "Given a single sketch, we compute …": what the method takes.
    step = _abstract("We propose ToyNet, a sketch model. Given the stroke embeddings of the "
                     "encoder, we compute a coarse voxel grid.")
    assert step.usage.input == NOT_MENTIONED
    given = _abstract("We propose ToyNet, a sketch model. Given a single sketch, we compute a "
                      "coarse voxel grid.")
    assert given.usage.input == "Given a single sketch, we compute a coarse voxel grid."
    # The claim's lead-in names the data it uses: that lead-in is 输入, the rest the
    # contribution.
    lead = _abstract("Using hand-drawn sketch images from 40 artists, we measure how "
                     "stroke order affects mesh quality.")
    assert lead.usage.input == "Using hand-drawn sketch images from 40 artists"
    assert lead.contribution == "We measure how stroke order affects mesh quality."


def test_baseline_label_needs_a_baseline() -> None:
    text = ("We propose ToyNet, a sketch model. "
            "The reconstructed meshes have 2.5 times more vertices than the input point clouds. "
            "ToyNet outperforms the strongest baseline by 4.2 points. "
            "Sketches drawn by experts are more consistent than sketches drawn by novices.")
    # A figure compared with the input is no baseline comparison; a comparison of two groups
    # of sketches without a figure is a comparison.
    assert [(r.setting, r.finding[:24]) for r in _abstract(text).results] == [
        ("数值结果", "The reconstructed meshes"),
        ("对比基线", "ToyNet outperforms the s"),
        ("比较结果", "Sketches drawn by expert"),
    ]
    ref = PaperRef("2601.99997", "ToyNet", abstract=text)
    english = summarize_document(ref, Document(ref.arxiv_id, "ToyNet", "ArXiv Abs",
                                               abstract=text), "en")
    assert [r.setting for r in english.results] == [
        "Reported figures", "Comparison with baselines", "Comparison"
    ]


def test_titles_end_at_a_phrase_boundary() -> None:
    # The name after "alternative:" (one item, singular noun) is the title.
    colon = _abstract("In this work, we explore an intermediate alternative: Slot-Based Sketch "
                      "Tokens (SST), which group freehand strokes into semantic parts.")
    assert [(i.title, i.detail) for i in colon.innovations] == [
        ("Slot-Based Sketch Tokens (SST)", "group freehand strokes into semantic parts.")
    ]
    # A comma inside a list of adjectives is no phrase boundary; "of" is; a participle after
    # an adverb ("specifically designed") is cut with its adverb.
    summary = _abstract(
        "We propose ToyNet, a sketch model that converts freehand strokes into watertight meshes. "
        "We also design ToyLoss, a family of advanced multilingual, controllable differentiable "
        "penalties. We further introduce ToyBench, a large-scale benchmark specifically designed "
        "to evaluate sketch-based modelling tools."
    )
    assert [i.title for i in summary.innovations] == [
        "ToyLoss, a family", "ToyBench, a large-scale benchmark"
    ]
