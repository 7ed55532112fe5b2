"""``paperdigest ask`` against the real small model (issue 17), in the ``real_llm`` group.

The archive is the 6 corpus HTML pages under a synthetic HF day, run through the pipeline
(extractive summaries; tests/fakes/ask_archive.py). Two questions of tests/fixtures/ask_eval.json:
``u06`` (crop yields from satellite imagery: nothing in the archive) must end without an
answer: the model's "not found in the archive" verdict, or an answer the verifier refuses as
invalid (``Answer.reason`` says which); ``h04`` (the edge server's virtual machine type,
section V-A of 2508.08468) must come back either as an answer whose every citation names a
passage the model was shown and whose untraced numbers and names are listed as problems, or
without an answer — a 1.5B model on a CPU often answers without the required citations,
which the verifier must then refuse.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from paperdigest.ask import ask
from paperdigest.config import LLMSettings, Settings
from paperdigest.llm.client import ChatClient, forget_modes
from paperdigest.pipeline import RunOptions, open_pipeline
from tests.conftest import CORPUS, _need
from tests.fakes.ask_archive import HTML_DAY, archive_settings, eval_questions, html_day_items
from tests.fakes.servers import FakeArxiv, FakeHF
from tests.real_llm.conftest import LocalLLM

pytestmark = [pytest.mark.real_llm, pytest.mark.slow]


def _question(qid: str) -> str:
    return next(q["question"] for q in eval_questions() if q["id"] == qid)


@pytest.fixture(scope="module")
def html_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = _need(CORPUS)
    home = tmp_path_factory.mktemp("ask-real")
    html = {p.stem: p for p in sorted((corpus / "arxiv_html").glob("*.html"))}
    with FakeHF(None) as hf, FakeArxiv(None, html=html) as arxiv:
        hf.add_day(HTML_DAY, html_day_items(corpus))
        settings = archive_settings(home, hf, arxiv)
        with open_pipeline(settings, options=RunOptions(lang="zh", out=None)) as pipeline:
            from datetime import date

            pipeline.run([date.fromisoformat(HTML_DAY)])
    return settings.db_path


def _client(llm: LocalLLM) -> ChatClient:
    forget_modes()
    return ChatClient(Settings(llm=LLMSettings(
        base_url=llm.base_url, model=llm.model, context_tokens=2500, max_output_tokens=400,
        temperature=0, timeout=900)))


@pytest.mark.timeout(1800)
def test_real_model_refuses_a_question_the_archive_cannot_answer(
        local_llm: LocalLLM, html_store: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(f"file:{html_store}?mode=ro", uri=True)
    answer = ask(conn, _question("u06"), client=_client(local_llm), k=2, per_paper=2)
    print(answer.to_dict()["answer"], answer.problems)
    assert not answer.found
    # The model's verdict, or an answer the verifier refused (no citation of a passage shown):
    # either way no claim about the archive is shown, and the text says which.
    assert answer.reason in ("not_in_passages", "invalid_answer")
    assert answer.text == answer.not_found_text()


@pytest.mark.timeout(1800)
def test_real_model_answer_cites_only_passages_it_was_shown(
        local_llm: LocalLLM, html_store: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(f"file:{html_store}?mode=ro", uri=True)
    answer = ask(conn, _question("h04"), client=_client(local_llm), k=2, per_paper=2)
    print(answer.to_dict()["answer"], answer.problems)
    assert answer.backend == "openai" and answer.model == local_llm.model
    assert answer.papers[0].arxiv_id == "2508.08468"
    shown = {p.id for paper in answer.papers for p in paper.passages}
    if not answer.found:
        assert answer.reason in ("not_in_passages", "invalid_answer")
        assert answer.text == answer.not_found_text()
        return
    assert any(c.passage_ids for c in answer.citations)
    for citation in answer.citations:
        assert set(citation.passage_ids) <= shown
    flagged = " ".join(answer.problems)
    for claim in answer.untraced:
        assert repr(claim.text) in flagged
