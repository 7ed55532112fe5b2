"""Retrieval quality of ``paperdigest ask`` on the hand-written question set (issue 17).

Builds the evaluation archive (tests/fakes/ask_archive.py: the pipeline over every recorded
HF day plus the 6 corpus HTML pages under a synthetic day, extractive backend, loopback fakes)
in a temporary ``PAPERDIGEST_HOME`` — or uses ``--store`` — and runs every answerable question
of ``tests/fixtures/ask_eval.json`` through :func:`paperdigest.ask.retrieve.retrieve`.

Metrics (ASK_EVAL.md "Scoring it"), over the answerable questions, papers ranked as ``ask``
shows them (passages grouped by paper):

* recall@5: share of a question's answering papers among the first 5 papers, averaged;
* MRR: 1 / rank of the first answering paper (0 when none in the first 20), averaged;
* passage hit@5: share of questions with an answering passage (text containing, or contained
  in, a listed passage after whitespace normalisation) among the first 5 passages.

With ``--embeddings-url URL --embeddings-model NAME`` (an OpenAI-compatible ``/embeddings``
server) the fused ranking is measured too. Floors: ``src/paperdigest/eval_baseline.json``
("ask"), enforced by tests/test_ask_eval.py.

    python bench/eval_ask.py [--store PATH] [--json] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench._common import CORPUS
from paperdigest.ask.retrieve import retrieve

DEPTH = 20


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def evaluate(conn: sqlite3.Connection, questions: list[dict[str, Any]], *,
             embedder: Any = None, feedback: bool = False) -> dict[str, Any]:
    """recall@5, MRR, passage hit@5 and per-question ranks for the answerable questions."""
    recalls, rrs, hits, seconds = [], [], [], []
    per_question = []
    for q in questions:
        if not q["answerable"]:
            continue
        started = time.perf_counter()
        found = retrieve(conn, q["question"], k=DEPTH, per_paper=5, embedder=embedder,
                         feedback=feedback)
        seconds.append(time.perf_counter() - started)
        ranked = [p.arxiv_id for p in found.papers]
        relevant = {p["arxiv_id"] for p in q["papers"]}
        recall = len(relevant & set(ranked[:5])) / len(relevant)
        first = next((i for i, a in enumerate(ranked, 1) if a in relevant), None)
        wanted = [_norm(s["text"]) for p in q["papers"] for s in p["passages"]]
        top_passages = sorted(found.passages, key=lambda p: -p.score)[:5]
        hit = any(w in _norm(p.text) or (_norm(p.text) and _norm(p.text) in w)
                  for p in top_passages for w in wanted)
        recalls.append(recall)
        rrs.append(1.0 / first if first else 0.0)
        hits.append(1.0 if hit else 0.0)
        per_question.append({"id": q["id"], "recall@5": recall, "rank": first,
                             "top5": ranked[:5], "relevant": sorted(relevant)})
    return {
        "questions": len(recalls),
        "recall@5": round(statistics.fmean(recalls), 4),
        "mrr": round(statistics.fmean(rrs), 4),
        "passage_hit@5": round(statistics.fmean(hits), 4),
        "median_ms": round(statistics.median(seconds) * 1000, 2),
        "p95_ms": round(sorted(seconds)[int(0.95 * (len(seconds) - 1))] * 1000, 2),
        "per_question": per_question,
    }


def floors() -> dict[str, tuple[float, float]]:
    """(recall@5, MRR) floors per ranking, from the package's evaluation baseline."""
    from importlib import resources

    text = resources.files("paperdigest").joinpath("eval_baseline.json").read_text("utf-8")
    ask = json.loads(text)["ask"]
    return {"bm25": (ask["bm25_recall_at_5_floor"], ask["bm25_mrr_floor"]),
            "fused": (ask["fused"]["recall_at_5_floor"], ask["fused"]["mrr_floor"])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, help="an existing evaluation store")
    parser.add_argument("--corpus", type=Path, default=CORPUS,
                        help=f"the shared corpus (default: $PAPERDIGEST_CORPUS, else {CORPUS})")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--verbose", action="store_true", help="per-question ranks")
    parser.add_argument("--feedback", action="store_true",
                        help="also measure BM25 with pseudo-relevance feedback")
    parser.add_argument("--embeddings-url")
    parser.add_argument("--embeddings-model")
    parser.add_argument("--embed-kinds", help="passage kinds to embed, e.g. "
                        "title,abstract,section,table,figure (default: all)")
    args = parser.parse_args(argv)
    from tests.fakes.ask_archive import build_ask_archive, eval_questions

    questions = eval_questions()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store
        if store is None:
            if not args.corpus.is_dir():
                print(f"eval_ask: {args.corpus} not found (pass --corpus DIR or set "
                      "PAPERDIGEST_CORPUS)", file=sys.stderr)
                return 1
            started = time.perf_counter()
            store = build_ask_archive(args.corpus, Path(tmp) / "home")
            print(f"archive built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
        results = {"bm25": evaluate(conn, questions)}
        if args.feedback:
            results["bm25+prf"] = evaluate(conn, questions, feedback=True)
        if args.embeddings_url:
            from paperdigest.ask.dense import Embedder, update_vectors
            from paperdigest.config import HTTPSettings, LLMSettings, Settings

            # A CPU embedding server can take minutes per batch: a long per-call deadline.
            settings = Settings(llm=LLMSettings(timeout=3600), http=HTTPSettings(deadline=3600))
            embedder = Embedder.from_settings(settings, args.embeddings_url,
                                              args.embeddings_model or "")
            started = time.perf_counter()
            writable = sqlite3.connect(str(store), isolation_level=None)
            kinds = args.embed_kinds.split(",") if args.embed_kinds else None
            embedded = update_vectors(writable, embedder, kinds)
            writable.close()
            print(f"embedded {embedded} passages in {time.perf_counter() - started:.0f} s",
                  file=sys.stderr)
            results["fused"] = evaluate(conn, questions, embedder=embedder)
        conn.close()
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    minimums = floors()
    for name, res in results.items():
        print(f"{name}: recall@5 {res['recall@5']:.3f}  MRR {res['mrr']:.3f}  "
              f"passage hit@5 {res['passage_hit@5']:.3f}  over {res['questions']} questions; "
              f"latency median {res['median_ms']} ms, p95 {res['p95_ms']} ms")
        if name in minimums:
            recall_floor, mrr_floor = minimums[name]
            verdict = ("above the floors" if res["recall@5"] >= recall_floor
                       and res["mrr"] >= mrr_floor else "BELOW A FLOOR")
            print(f"  floors (src/paperdigest/eval_baseline.json): recall@5 >= {recall_floor}, "
                  f"MRR >= {mrr_floor}: {verdict}")
        if args.verbose:
            for row in res["per_question"]:
                mark = "ok" if row["recall@5"] == 1 else "--"
                print(f"  {mark} {row['id']} recall {row['recall@5']:.2f} rank {row['rank']} "
                      f"top5 {row['top5']} want {row['relevant']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
