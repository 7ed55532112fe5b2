"""Evaluate the extractive summarizer: precision/recall against hand labels, fill, reuse.

Usage::

    python bench/eval_extractive.py            # table of per-field precision/recall
    python bench/eval_extractive.py --fill     # also fill rates over 2026-01-30 and reuse

Three measurements, all on ``../shared/corpus`` (override with ``PAPERDIGEST_CORPUS``):

- **precision/recall** of the 输入/输出/创新点/实验效果 evidence the summarizer picks, against
  the independent hand labels in ``tests/fixtures/labels/extractive_labels.json`` (matching
  rule: that directory's README.md, implemented in :func:`matches`);
- **fill rates** over the 45 abstracts of 2026-01-30 (how often a field is not "论文未提及";
  a number to watch, not a goal: a wrong field is worse than an empty one);
- **sentence reuse**: blocks where one sentence fills two fields, over every corpus day
  (abstract-only) and the full-text corpus pages.

The functions are imported by ``tests/test_extractive_eval.py``, which enforces the floors in
``src/paperdigest/eval_baseline.json`` (``extractive``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO / "src") not in sys.path:
    sys.path.insert(0, str(REPO / "src"))

from paperdigest.extract.abstract import document_from_abstract
from paperdigest.models import NOT_MENTIONED, Document, PaperRef, PaperSummary
from paperdigest.sources.hf import parse_daily_papers
from paperdigest.summarize.extractive import split_sentences, summarize_document

CORPUS = Path(os.environ.get("PAPERDIGEST_CORPUS", REPO.parent / "shared" / "corpus"))
LABELS = REPO / "tests" / "fixtures" / "labels" / "extractive_labels.json"
BASELINE = REPO / "src" / "paperdigest" / "eval_baseline.json"
FILL_DAY = "2026-01-30"

#: Full-text corpus pages: the arXiv HTML pages and the whole-paper PDFs (corpus SOURCES.md;
#: 2305.03393v1-page9-only.pdf is one page cut out of a paper and is included as it is).
HTML_PAGES = ("2312.12344v1", "2405.12282v3", "2501.11120v1", "2508.08468v6", "2510.11260v1",
              "2601.13621v1")
PDFS = ("1505.01373", "2305.03393v1-page9-only", "2310.06825v1", "2312.12344", "2601.13621",
        "2604.13236v1")

#: The evaluated fields: label key -> what the summary holds for it.
FIELDS = ("input", "output", "innovations", "results")
FIELD_NAMES = {"input": "输入", "output": "输出", "innovations": "创新点", "results": "实验效果"}


# ------------------------------------------------------------------------------------------
# Corpus
# ------------------------------------------------------------------------------------------


def day_files(corpus: Path = CORPUS) -> list[Path]:
    """Every recorded HF day of the corpus (``hf_api/daily_papers_*.json``)."""
    return sorted((corpus / "hf_api").glob("daily_papers_*.json"))


def day_refs(path: Path) -> list[PaperRef]:
    """The papers of one recorded day, parsed as the pipeline parses them."""
    return parse_daily_papers(json.loads(path.read_text(encoding="utf-8")))


def abstract_docs(corpus: Path = CORPUS) -> Iterator[tuple[str, PaperRef, Document]]:
    """``(day file stem, ref, abstract-only Document)`` for every paper of every day."""
    for path in day_files(corpus):
        for ref in day_refs(path):
            yield path.stem, ref, document_from_abstract(ref)


_FULL: dict[str, Document] = {}


def full_doc(name: str, corpus: Path = CORPUS) -> Document:
    """The extracted full text of one corpus page (HTML, else PDF), parsed once."""
    if name not in _FULL:
        html = corpus / "arxiv_html" / f"{name}.html"
        if html.exists():
            from paperdigest.extract.html import extract_html

            _FULL[name] = extract_html(html.read_bytes(), name[:10])
        else:
            from paperdigest.extract.pdf import parse_pdf_text

            _FULL[name] = parse_pdf_text((corpus / "pdf" / f"{name}.pdf").read_bytes(),
                                         name[:10])
    return _FULL[name]


def full_docs(corpus: Path = CORPUS) -> Iterator[tuple[str, PaperRef, Document]]:
    for name in (*HTML_PAGES, *PDFS):
        doc = full_doc(name, corpus)
        yield name, PaperRef(doc.arxiv_id, doc.title, abstract=doc.abstract), doc


# ------------------------------------------------------------------------------------------
# What a summary chose
# ------------------------------------------------------------------------------------------


def filled(value: str) -> bool:
    return bool(value.strip()) and value not in (NOT_MENTIONED, "Not mentioned in the paper")


def chosen(summary: PaperSummary) -> dict[str, list[str]]:
    """The evidence texts a summary chose per evaluated field (empty list: not filled)."""
    usage = summary.usage
    return {
        "input": [usage.input] if filled(usage.input) else [],
        "output": [usage.output] if filled(usage.output) else [],
        "innovations": [i.detail for i in summary.innovations if filled(i.detail)],
        "results": [r.finding for r in summary.results if filled(r.finding)],
    }


def _field_texts(summary: PaperSummary) -> dict[str, list[str]]:
    """Every sentence-bearing field of a summary, for the reuse check."""
    usage = summary.usage
    return {
        "contribution": [summary.contribution],
        "input": [usage.input],
        "output": [usage.output],
        "workflow": [usage.workflow],
        "hardware": [usage.hardware],
        "innovations": [i.detail for i in summary.innovations],
        "results": [r.finding for r in summary.results],
    }


def normalise(text: str) -> str:
    """Whitespace collapsed, trailing " …" of a clipped field and end punctuation removed."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s*…$", "", text)
    return text.strip().rstrip(".").strip()


def reused_sentences(summary: PaperSummary) -> list[tuple[str, str, str]]:
    """``(sentence, field a, field b)`` for each sentence that appears in two fields."""
    seen: dict[str, str] = {}
    out: list[tuple[str, str, str]] = []
    for name, texts in _field_texts(summary).items():
        for text in texts:
            if not filled(text):
                continue
            for sentence in split_sentences(text):
                key = normalise(sentence)
                if len(key) < 20:
                    continue
                other = seen.get(key)
                if other is not None and other != name:
                    out.append((sentence, other, name))
                seen.setdefault(key, name)
    return out


# ------------------------------------------------------------------------------------------
# Fill rates and reuse
# ------------------------------------------------------------------------------------------


def fill_rates(corpus: Path = CORPUS) -> dict[str, float]:
    """Share of the 45 abstracts of 2026-01-30 whose field is filled."""
    refs = day_refs(corpus / "hf_api" / f"daily_papers_{FILL_DAY}.json")
    summaries = [summarize_document(r, document_from_abstract(r)) for r in refs]
    n = len(summaries)
    with_numbers = [
        s for s in summaries if any(filled(r.finding) for r in s.results)
    ]
    return {
        "应用领域": sum(filled(s.domain) for s in summaries) / n,
        "应用领域 (not only 关键词)": sum(
            filled(s.domain) and not s.domain.startswith("关键词") for s in summaries) / n,
        "一句话核心贡献": sum(filled(s.contribution) for s in summaries) / n,
        "输入": sum(filled(s.usage.input) for s in summaries) / n,
        "输出": sum(filled(s.usage.output) for s in summaries) / n,
        "流程": sum(filled(s.usage.workflow) for s in summaries) / n,
        "硬件需求": sum(filled(s.usage.hardware) for s in summaries) / n,
        "代码与资源": sum(filled(s.usage.code_and_resources) for s in summaries) / n,
        "主要创新点": sum(any(filled(i.detail) for i in s.innovations) for s in summaries) / n,
        "实验效果": len(with_numbers) / n,
        "实验效果 with a number": sum(
            any(re.search(r"\d", r.finding) for r in s.results if filled(r.finding))
            for s in summaries) / n,
        "实验效果 filled, no number": sum(
            any(filled(r.finding) for r in s.results)
            and not any(re.search(r"\d", r.finding) for r in s.results if filled(r.finding))
            for s in summaries) / n,
        "实验效果 labelled 摘要": sum(
            any(r.setting in ("摘要", "Abstract") for r in s.results) for s in summaries) / n,
        "输入 == 一句话核心贡献": sum(
            filled(s.usage.input) and s.usage.input == s.contribution for s in summaries) / n,
        "输出 == 流程": sum(
            filled(s.usage.output) and s.usage.output == s.usage.workflow for s in summaries) / n,
        "一句话核心贡献 == 标题": sum(
            " ".join(s.contribution.split()) == " ".join(r.title.split())
            for r, s in zip(refs, summaries, strict=True)) / n,
    }


@dataclass
class Reuse:
    blocks: int = 0
    blocks_with_reuse: int = 0
    reused: int = 0
    examples: list[str] = field(default_factory=list)


def reuse_counts(corpus: Path = CORPUS) -> dict[str, Reuse]:
    """Blocks with a sentence in two fields: all corpus days (abstract-only), full texts."""
    out = {"abstracts": Reuse(), "full texts": Reuse()}
    sources = (("abstracts", abstract_docs(corpus)), ("full texts", full_docs(corpus)))
    for key, docs in sources:
        tally = out[key]
        for name, ref, doc in docs:
            reused = reused_sentences(summarize_document(ref, doc))
            tally.blocks += 1
            if reused:
                tally.blocks_with_reuse += 1
                tally.reused += len(reused)
                if len(tally.examples) < 5:
                    s, a, b = reused[0]
                    tally.examples.append(f"{name} {ref.arxiv_id}: {a}/{b}: {s[:80]}")
    return out


# ------------------------------------------------------------------------------------------
# Precision and recall against the hand labels
# ------------------------------------------------------------------------------------------


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def matches(picked: str, labelled: list[str]) -> bool:
    """The labels' matching rule (tests/fixtures/labels/README.md): after collapsing
    whitespace, the picked text equals,
    contains or is contained in a labelled sentence. A field clipped by the summarizer
    (" …" at its end) is compared without the " …"."""
    text = _collapse(re.sub(r"\s*…$", "", picked))
    if not text:
        return False
    for sentence in labelled:
        sentence = _collapse(sentence)
        if sentence and (text == sentence or text in sentence or sentence in text):
            return True
    return False


@dataclass
class FieldScore:
    """Counts for one field over the labelled papers.

    Precision counts chosen items (an item of a field whose label is "none" is a false
    positive); recall counts papers (a paper whose label has evidence is recalled when at
    least one chosen item matches; an empty field there is a miss).
    """

    picked: int = 0
    correct: int = 0
    papers_with_evidence: int = 0
    papers_recalled: int = 0
    false_positive_papers: list[str] = field(default_factory=list)
    missed_papers: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.picked if self.picked else 1.0

    @property
    def recall(self) -> float:
        return self.papers_recalled / self.papers_with_evidence if self.papers_with_evidence \
            else 1.0


def load_labels(path: Path = LABELS) -> list[dict[str, Any]]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    papers: list[dict[str, Any]] = data["papers"]
    return papers


def labelled_document(paper: dict[str, Any], corpus: Path = CORPUS) -> tuple[PaperRef, Document]:
    """The ref and Document a label was made from (its ``source`` and ``source_file``)."""
    source_file = paper["source_file"]
    if paper["source"] == "html":
        name = Path(source_file).stem
        doc = full_doc(name, corpus)
        return PaperRef(doc.arxiv_id, doc.title, abstract=doc.abstract), doc
    for ref in day_refs(corpus / source_file):
        if ref.arxiv_id == paper["arxiv_id"]:
            return ref, document_from_abstract(ref)
    raise LookupError(f"{paper['arxiv_id']} not in {source_file}")


def evaluate(papers: list[dict[str, Any]], corpus: Path = CORPUS) -> dict[str, FieldScore]:
    """Per-field precision/recall of the extractive choice against the labels."""
    scores = {name: FieldScore() for name in FIELDS}
    for paper in papers:
        ref, doc = labelled_document(paper, corpus)
        picked = chosen(summarize_document(ref, doc))
        for name in FIELDS:
            labelled = paper["fields"][name]
            score = scores[name]
            items = picked[name]
            good = [item for item in items if matches(item, labelled)]
            score.picked += len(items)
            score.correct += len(good)
            if len(good) < len(items):
                score.false_positive_papers.append(paper["arxiv_id"])
            if labelled:
                score.papers_with_evidence += 1
                if good:
                    score.papers_recalled += 1
                else:
                    score.missed_papers.append(paper["arxiv_id"])
    return scores


def table(scores: dict[str, FieldScore]) -> str:
    """The per-field precision/recall table, one line per field."""
    header = (f"{'field':22} {'precision':>9} {'recall':>7} {'correct/picked':>15} "
              f"{'recalled/evidence':>18}")
    lines = [header]
    for name, score in scores.items():
        label = f"{FIELD_NAMES[name]} {name}"
        lines.append(
            f"{label:22} {score.precision:9.2f} {score.recall:7.2f} "
            f"{f'{score.correct}/{score.picked}':>15} "
            f"{f'{score.papers_recalled}/{score.papers_with_evidence}':>18}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--fill", action="store_true", help="fill rates and sentence reuse")
    parser.add_argument("--misses", action="store_true",
                        help="list the papers with a false positive or a miss per field")
    args = parser.parse_args(argv)
    if not CORPUS.exists():
        print(f"corpus not found at {CORPUS} (set PAPERDIGEST_CORPUS)", file=sys.stderr)
        return 2
    if LABELS.exists():
        papers = load_labels()
        scores = evaluate(papers)
        print(f"extractive choice vs. hand labels ({len(papers)} papers, {LABELS.name}):")
        print(table(scores))
        if args.misses:
            for name, score in scores.items():
                print(f"  {name}: false positives in {score.false_positive_papers}")
                print(f"  {name}: missed {score.missed_papers}")
    else:
        print(f"no labels at {LABELS}")
    if args.fill:
        print(f"fill rates over the abstracts of {FILL_DAY}:")
        refs = day_refs(CORPUS / "hf_api" / f"daily_papers_{FILL_DAY}.json")
        for name, rate in fill_rates().items():
            print(f"  {name:28} {rate:6.0%}  ({round(rate * len(refs))}/{len(refs)})")
        print("sentence reuse across fields:")
        for key, tally in reuse_counts().items():
            print(f"  {key:12} {tally.blocks_with_reuse}/{tally.blocks} blocks, "
                  f"{tally.reused} reused sentences")
            for example in tally.examples:
                print(f"      {example}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
