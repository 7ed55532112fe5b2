"""Retrieval quality of ``paperdigest ask`` on the hand-written question set (issue 17).

A session fixture builds the archive the set assumes by running the pipeline (extractive
backend) over every recorded HF day plus the corpus HTML pages under a synthetic day
(tests/fakes/ask_archive.py). bench/eval_ask.py scores BM25 on it; the floors are pinned in
src/paperdigest/eval_baseline.json ("ask"). The composed-answer check uses a scripted FakeLLM
that answers with a sentence of the passage the annotator marked, so the citation it writes
must resolve to that paper's section as stored.
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from paperdigest.ask import ask
from paperdigest.config import LLMSettings, Settings
from paperdigest.llm.client import ChatClient
from tests.conftest import CORPUS, REPO, _need
from tests.fakes.ask_archive import build_ask_archive, eval_questions
from tests.fakes.llm import FakeLLM

sys.path.insert(0, str(REPO / "bench"))
import eval_ask

pytestmark = pytest.mark.slow


def _baseline() -> dict[str, Any]:
    text = resources.files("paperdigest").joinpath("eval_baseline.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)["ask"]
    return data


@pytest.fixture(scope="session")
def ask_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = _need(CORPUS)
    home = tmp_path_factory.mktemp("ask-archive")
    with pytest.MonkeyPatch.context() as mp:
        for key in ("PAPERDIGEST_HOME", "PAPERDIGEST_NOW", "OPENAI_BASE_URL", "OPENAI_API_KEY"):
            mp.delenv(key, raising=False)
        return build_ask_archive(corpus, home)


@pytest.fixture
def conn(ask_store: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(f"file:{ask_store}?mode=ro", uri=True)
    yield connection
    connection.close()


def test_the_archive_holds_every_paper_and_page_of_the_set(conn: sqlite3.Connection) -> None:
    stored = {row[0] for row in conn.execute("SELECT arxiv_id FROM papers")}
    wanted = {p["arxiv_id"] for q in eval_questions() for p in q["papers"]}
    assert wanted <= stored
    html = {p["arxiv_id"] for q in eval_questions() for p in q["papers"] if p["source"] == "html"}
    with_sections = {row[0] for row in conn.execute(
        "SELECT DISTINCT arxiv_id FROM search_rows WHERE kind = 'section'")}
    assert html <= with_sections
    assert conn.execute("SELECT count(*) FROM failures").fetchone()[0] == 0


def test_bm25_recall_and_mrr_hold_their_floors(conn: sqlite3.Connection) -> None:
    floors = _baseline()
    result = eval_ask.evaluate(conn, eval_questions())
    assert result["questions"] == floors["questions"]
    assert result["recall@5"] >= floors["bm25_recall_at_5_floor"], result["recall@5"]
    assert result["mrr"] >= floors["bm25_mrr_floor"], result["mrr"]


def test_the_evaluation_script_prints_its_figures(ask_store: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert eval_ask.main(["--store", str(ask_store), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)["bm25"]
    assert set(figures) >= {"recall@5", "mrr", "passage_hit@5", "median_ms", "p95_ms"}
    assert len(figures["per_question"]) == figures["questions"] == 46


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_composed_answers_cite_the_stored_passage_that_holds_the_answer(
        conn: sqlite3.Connection) -> None:
    """For each answerable question whose marked passage is among the retrieved ones, a model
    that answers with that passage and its key gets an answer whose citation names the
    paper, resolves to a stored passage holding the text (for full-text pages: the section
    number the annotator gave), and whose numbers and names are all traced."""
    checked = 0
    for q in eval_questions():
        if not q["answerable"]:
            continue
        paper = q["papers"][0]
        marked = paper["passages"][0]
        state: dict[str, str] = {}

        def responder(request: dict[str, Any], marked: dict[str, str] = marked,
                      state: dict[str, str] = state) -> dict[str, Any]:
            user = request["messages"][-1]["content"]
            block = user.split("Passages (JSON):\n", 1)[1].split("\n\nQuestion (JSON", 1)[0]
            for item in json.loads(block):
                if _norm(marked["text"]) in _norm(item["text"]):
                    state["cite"] = item["cite"]
                    # A compliant model: the citation after every sentence.
                    cite = f"[{item['cite']}]"
                    text = re.sub(r"([.!?])(?=\s|$)",
                                  lambda m, cite=cite: f"{m.group(1)} {cite}",
                                  marked["text"])
                    return {"found": True, "answer": text if text.endswith("]")
                            else f"{text} {cite}"}
            return {"found": False, "answer": ""}

        with FakeLLM(responder) as llm:
            client = ChatClient(Settings(llm=LLMSettings(base_url=llm.base_url, model="fake")))
            answer = ask(conn, q["question"], client=client)
        if "cite" not in state:
            assert not answer.found and "not found in the archive" in answer.text.lower()
            continue
        checked += 1
        assert answer.found, q["id"]
        citation = answer.citations[0]
        assert state["cite"].startswith(citation.arxiv_id), q["id"]
        cited = [x for x in answer.papers for x in x.passages if x.id in citation.passage_ids]
        assert any(_norm(marked["text"]) in _norm(x.text) for x in cited), q["id"]
        if marked["section"] != "abstract" and citation.arxiv_id == paper["arxiv_id"]:
            assert citation.anchor == f"§{marked['section_number']}", q["id"]
        assert not answer.untraced, (q["id"], answer.problems)
    assert checked >= 20, checked
