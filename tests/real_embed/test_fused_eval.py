"""Fused retrieval (BM25 + dense, reciprocal rank fusion) with a real embedding model (issue 17).

The archive is the evaluation archive of tests/test_ask_eval.py (the pipeline over every
recorded HF day plus the 6 corpus HTML pages; tests/fakes/ask_archive.py). Its passages are
embedded by all-MiniLM-L6-v2 served on loopback (tests/real_embed/conftest.py), then every
answerable question of tests/fixtures/ask_eval.json is ranked by bench/eval_ask.py. The floors
are those pinned in src/paperdigest/eval_baseline.json ("ask", "fused"); the expected papers of
the CLI check come from the hand-written set, not from our output.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

from paperdigest.ask.dense import Embedder, update_vectors
from paperdigest.cli import main
from tests.conftest import CORPUS, REPO, _need
from tests.fakes.ask_archive import build_ask_archive, eval_questions
from tests.real_embed.conftest import EmbeddingsServer

sys.path.insert(0, str(REPO / "bench"))
import eval_ask

pytestmark = [pytest.mark.real_embed, pytest.mark.slow]


@pytest.fixture(scope="module")
def embedded_store(tmp_path_factory: pytest.TempPathFactory,
                   embeddings_server: EmbeddingsServer) -> Path:
    corpus = _need(CORPUS)
    home = tmp_path_factory.mktemp("ask-embedded")
    with pytest.MonkeyPatch.context() as mp:
        for key in ("PAPERDIGEST_HOME", "PAPERDIGEST_NOW", "OPENAI_BASE_URL", "OPENAI_API_KEY"):
            mp.delenv(key, raising=False)
        store = build_ask_archive(corpus, home)
    conn = sqlite3.connect(str(store), isolation_level=None)
    try:
        embedder = Embedder.from_url(embeddings_server.base_url, embeddings_server.model)
        assert update_vectors(conn, embedder) > 0
    finally:
        conn.close()
    return store


@pytest.mark.timeout(1800)  # embedding the archive: minutes of CPU (the module fixture)
def test_fused_recall_and_mrr_hold_their_floors(embedded_store: Path,
                                                embeddings_server: EmbeddingsServer) -> None:
    recall_floor, mrr_floor = eval_ask.floors()["fused"]  # the baseline's, as the bench reads it
    embedder = Embedder.from_url(embeddings_server.base_url, embeddings_server.model)
    conn = sqlite3.connect(f"file:{embedded_store}?mode=ro", uri=True)
    try:
        fused = eval_ask.evaluate(conn, eval_questions(), embedder=embedder)
        bm25 = eval_ask.evaluate(conn, eval_questions())
    finally:
        conn.close()
    print(f"\nfused recall@5 {fused['recall@5']} MRR {fused['mrr']}; "
          f"bm25 recall@5 {bm25['recall@5']} MRR {bm25['mrr']}")
    assert fused["recall@5"] >= recall_floor, fused["recall@5"]
    assert fused["mrr"] >= mrr_floor, fused["mrr"]
    assert fused["recall@5"] > bm25["recall@5"]


@pytest.mark.timeout(1800)
def test_ask_cli_with_the_embeddings_endpoint_finds_a_paper_bm25_misses(
        embedded_store: Path, embeddings_server: EmbeddingsServer,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """m02 asks for models of "the language spoken in Thailand": every answering abstract says
    "Thai" (a rare word, so the question may not use it). The three answering papers are the
    annotator's; BM25 alone ranks none of them in its first five."""
    question = next(q for q in eval_questions() if q["id"] == "m02")
    wanted = {p["arxiv_id"] for p in question["papers"]}
    monkeypatch.setenv("PAPERDIGEST_HOME", str(embedded_store.parent))
    assert main(["ask", question["question"], "--k", "5", "--json"]) == 0
    plain_ids = {p["arxiv_id"] for p in json.loads(capsys.readouterr().out)["papers"]}
    assert main(["ask", question["question"], "--k", "5", "--json",
                 "--embeddings-url", embeddings_server.base_url,
                 "--embeddings-model", embeddings_server.model]) == 0
    fused = json.loads(capsys.readouterr().out)
    fused_ids = {p["arxiv_id"] for p in fused["papers"]}
    assert not plain_ids & wanted
    assert fused_ids & wanted
    assert fused["retrieval"] == "bm25+dense"
