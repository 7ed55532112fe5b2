"""The extractive summarizer measured against independent hand labels (issue 13).

``bench/eval_extractive.py`` computes, per field (输入/输出/创新点/实验效果), the precision and
recall of the sentences the summarizer picks against ``tests/fixtures/labels/
extractive_labels.json`` (36 papers labelled by someone who did not read the summarizer; the
matching rule is that directory's README). The floors are pinned in
``src/paperdigest/eval_baseline.json`` (``extractive``); lower them only with a reason in the
commit message.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import REPO

BASELINE = json.loads((REPO / "src" / "paperdigest" / "eval_baseline.json").read_text())[
    "extractive"
]


def _bench() -> ModuleType:
    """bench/eval_extractive.py as a module (bench/ is scripts, not a package)."""
    name = "bench_eval_extractive"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "bench" / "eval_extractive.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def bench(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    module = _bench()
    monkeypatch.setattr(module, "CORPUS", corpus)
    return module


def test_precision_and_recall_floors(bench: ModuleType) -> None:
    papers = bench.load_labels()
    assert len(papers) == BASELINE["papers"] >= 30
    scores = bench.evaluate(papers)
    print("\n" + bench.table(scores))
    assert set(scores) == {"input", "output", "innovations", "results"}
    for name, score in scores.items():
        assert score.precision >= BASELINE["precision_floor"], (name, score)
        assert score.recall >= BASELINE["recall_floor"], (name, score)


def test_no_sentence_is_used_in_two_fields_in_any_corpus_report(bench: ModuleType) -> None:
    # Every paper of every recorded day (abstract-only) and every full-text corpus page.
    counts = bench.reuse_counts()
    assert counts["abstracts"].blocks >= 300 and counts["full texts"].blocks == 12
    for key, tally in counts.items():
        assert tally.reused == BASELINE["max_reused_sentences"] == 0, (key, tally.examples)


def test_reuse_check_sees_a_sentence_in_two_fields() -> None:
    from paperdigest.models import Innovation, PaperSummary, Result, Usage

    sentence = "We propose ToyNet, which takes an image as input and outputs a label."
    summary = PaperSummary(
        domain="计算机视觉", contribution=sentence,
        usage=Usage(input=sentence + " It is fast."),
        innovations=[Innovation("ToyNet", "A toy layer that nobody has built before.")],
        results=[Result("ToyBench", "ToyNet reaches 91.5% on ToyBench.")],
    )
    assert _bench().reused_sentences(summary) == [(sentence, "contribution", "input")]


@pytest.mark.parametrize(
    ("picked", "matched"),
    [
        ("On WebPRMBench, WebArbiter-7B outperforms GPT-5 by 9.1 points.", True),  # equal
        ("WebArbiter-7B outperforms GPT-5", True),  # contained in the labelled sentence
        ("Table 1. On WebPRMBench, WebArbiter-7B outperforms GPT-5 by 9.1 points. More.",
         True),  # contains it
        ("On  WebPRMBench,\nWebArbiter-7B outperforms GPT-5 by 9.1 points.", True),  # spaces
        ("On WebPRMBench, WebArbiter-7B outperforms GPT-5 …", True),  # clipped field
        ("WebArbiter-7B is a reward model.", False),
        ("", False),
    ],
)
def test_matching_rule(picked: str, matched: bool) -> None:
    labelled = ["On WebPRMBench, WebArbiter-7B outperforms GPT-5 by 9.1 points."]
    assert _bench().matches(picked, labelled) is matched


def test_scoring_counts_false_positives_and_misses(bench: ModuleType) -> None:
    # WebArbiter's abstract (2026-01-30), labelled here by hand for this test only: its two
    # result sentences, no input, and an output label that our pick does not match.
    output_label = ("Training follows a two-stage pipeline: reasoning distillation equips the "
                    "model with coherent principle-guided reasoning")
    result_1 = "On WebPRMBench, WebArbiter-7B outperforms the strongest baseline, GPT-5, by 9.1 points."
    result_2 = ("In reward-guided trajectory search on WebArena-Lite, it surpasses the best prior "
                "WebPRM by up to 7.2 points, underscoring its robustness and practical value in "
                "real-world complex web tasks.")
    paper: dict[str, Any] = {
        "arxiv_id": "2601.21872", "source": "abstract",
        "source_file": "hf_api/daily_papers_2026-01-30.json",
        "fields": {"input": [], "output": [output_label], "innovations": [],
                   "results": [result_1, result_2]},
    }
    scores = bench.evaluate([paper])
    assert (scores["results"].correct, scores["results"].picked) == (2, 2)
    assert scores["results"].recall == 1.0
    # Nothing picked where the label says none: no false positive, precision 1 by convention.
    assert (scores["input"].picked, scores["input"].precision) == (0, 1.0)
    # A filled field that matches no labelled sentence: a false positive and a miss.
    assert scores["output"].picked == 1 and scores["output"].correct == 0
    assert scores["output"].recall == 0.0 and scores["output"].missed_papers == ["2601.21872"]
    # A filled field where the label is "none": every item is a false positive.
    assert scores["innovations"].picked >= 1 and scores["innovations"].precision == 0.0


def test_eval_script_prints_the_table(bench: ModuleType,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main([]) == 0
    out = capsys.readouterr().out
    assert "precision" in out and "recall" in out
    for name in ("输入 input", "输出 output", "创新点 innovations", "实验效果 results"):
        assert name in out
