"""The hand-labelled extractive evidence (tests/fixtures/labels/extractive_labels.json).

The labels were made by reading the papers, independently of the summarizer (see
tests/fixtures/labels/README.md). These tests check the fixture itself: its schema, its
size (at least 30 papers, abstracts and full-text pages), and that every labelled sentence
occurs verbatim, after whitespace normalisation, in the paper's source text read from the
corpus: the HF listing's ``paper.summary`` for ``"abstract"`` and the extracted text
(``Document.full_text()``) of the arXiv HTML page for ``"html"``. A label that no longer
matches its source cannot be used to score a summarizer, so a mismatch fails here first.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from paperdigest.extract.html import extract_html
from tests.conftest import FIXTURES, corpus_path

LABELS = FIXTURES / "labels" / "extractive_labels.json"
FIELDS = ("input", "output", "innovations", "results")


def _norm(text: str) -> str:
    return " ".join(text.split())


def _load() -> dict:
    data: dict = json.loads(LABELS.read_text("utf-8"))
    return data


@cache
def _day(path: Path) -> dict[str, str]:
    entries = json.loads(path.read_text("utf-8"))
    return {e["paper"]["id"]: e["paper"]["summary"] for e in entries}


@cache
def _html_text(path: Path) -> str:
    return _norm(extract_html(path.read_bytes()).full_text())


def _source_text(paper: dict) -> str:
    path = corpus_path(*paper["source_file"].split("/"))
    if paper["source"] == "abstract":
        summaries = _day(path)
        assert paper["arxiv_id"] in summaries, f"{paper['arxiv_id']} not in {path.name}"
        return _norm(summaries[paper["arxiv_id"]])
    return _html_text(path)


def test_schema_and_counts() -> None:
    data = _load()
    assert data["method"].strip()
    papers = data["papers"]
    assert len(papers) >= 30
    ids = [p["arxiv_id"] for p in papers]
    assert len(ids) == len(set(ids)), "a paper is labelled twice"
    sources = {p["source"] for p in papers}
    assert sources == {"abstract", "html"}
    for p in papers:
        assert set(p) >= {"arxiv_id", "source", "source_file", "fields", "notes"}, p["arxiv_id"]
        assert set(p["fields"]) == set(FIELDS), p["arxiv_id"]
        for field in FIELDS:
            sentences = p["fields"][field]
            assert isinstance(sentences, list)
            assert all(isinstance(s, str) and s.strip() for s in sentences), (p["arxiv_id"], field)
        if p["source"] == "html":
            assert p["source_file"].startswith("arxiv_html/")
        else:
            assert p["source_file"].startswith("hf_api/")
    # Every field has papers with evidence and papers with "none" except where noted:
    # innovations are always present, so only input/output/results need a "none" case.
    for field in FIELDS:
        assert any(p["fields"][field] for p in papers), field
    for field in ("input", "output", "results"):
        assert any(not p["fields"][field] for p in papers), field


@pytest.mark.parametrize("index", range(len(_load()["papers"])))
def test_labelled_sentences_occur_verbatim(index: int) -> None:
    paper = _load()["papers"][index]
    text = _source_text(paper)
    missing = [
        (field, sentence[:80])
        for field in FIELDS
        for sentence in paper["fields"][field]
        if _norm(sentence) not in text
    ]
    assert not missing, f"{paper['arxiv_id']}: not in {paper['source_file']}: {missing}"


def test_a_broken_label_is_detected(corpus: Path) -> None:
    """The verbatim check can fail: a one-character edit of a real label is not found."""
    paper = next(p for p in _load()["papers"] if p["source"] == "abstract")
    sentence = next(s for f in FIELDS for s in paper["fields"][f])
    text = _source_text(paper)
    assert _norm(sentence) in text
    assert _norm(sentence.replace(" ", "  ", 1) + "x") not in text
