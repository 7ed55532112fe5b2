"""Query expansion by the LLM in ``paperdigest ask`` (issue 17; QA: a Chinese question found
nothing in an archive of English abstracts).

The archive is two English abstracts written here by hand (SYNTHESIZED) through the store's
API: no Chinese text, so a Chinese question matches nothing by its own words. The LLM is
FakeLLM with a scripted responder; which paper must come first is read off the abstracts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from paperdigest.ask import ask, retrieve
from paperdigest.ask.expand import MAX_TERM_CHARS, MAX_TERMS, parse_terms
from paperdigest.config import LLMSettings, Settings
from paperdigest.llm.client import ChatClient
from paperdigest.models import PaperRef
from paperdigest.store import Store
from tests.fakes.llm import FakeLLM

QUESTION = "哪些论文发布了网页智能体的奖励模型？"  # which papers release a reward model for web agents?
REWARD = PaperRef(arxiv_id="2601.80001", title="Judging browser actions",
                  authors=["A. Author"], upvotes=3,
                  abstract="We release a process reward model for web agents that navigate "
                           "sites, trained on 12k preference pairs.")
OTHER = PaperRef(arxiv_id="2601.80002", title="Faster pixel diffusion", authors=["B. Author"],
                 upvotes=9, abstract="A one-step image generator reaching 2.2 FID on ImageNet.")
TERMS = ["web agents", "process reward model", "reward model"]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "pd.sqlite3") as s:
        s.save_day("2026-01-30", "2026-01-30", [REWARD, OTHER],
                   datetime(2026, 1, 30, 12, 0, tzinfo=UTC), True)
        yield s


def _is_expansion(request: dict[str, Any]) -> bool:
    return "search terms" in request["messages"][0]["content"]


def _responder(terms_reply: Any, seen: list[str]) -> Any:
    def respond(request: dict[str, Any]) -> Any:
        if _is_expansion(request):
            seen.append("expand")
            return terms_reply
        seen.append("answer")
        user = request["messages"][-1]["content"]
        block = user.split("Passages (JSON):\n", 1)[1].split("\n\nQuestion (JSON", 1)[0]
        cite = json.loads(block)[0]["cite"]
        return {"found": True, "answer": f"WebArbiter 的作者发布了网页智能体的过程奖励模型。[{cite}]"}
    return respond


def _client(llm: FakeLLM) -> ChatClient:
    return ChatClient(Settings(llm=LLMSettings(base_url=llm.base_url, model="fake")))


def test_a_chinese_question_finds_the_english_paper_through_the_models_terms(
        store: Store) -> None:
    # By its own words the question matches nothing: the archive has no Chinese text.
    assert retrieve(store.conn, QUESTION).papers == []
    seen: list[str] = []
    with FakeLLM(_responder({"terms": TERMS}, seen)) as llm:
        client = _client(llm)
        answer = ask(store.conn, QUESTION, client=client)
    assert seen == ["expand", "answer"]
    assert answer.found
    assert answer.papers[0].arxiv_id == REWARD.arxiv_id
    # The question's own words and the model's are both kept: the model's in lower case,
    # stop words dropped, as a question's.
    assert {"web", "agents", "process", "reward", "model"} <= set(answer_terms(store))
    assert client.http.counters()["llm_calls"] == 2


def answer_terms(store: Store) -> list[str]:
    return retrieve(store.conn, QUESTION, expansion=TERMS).terms


def test_expansion_terms_rank_below_the_questions_own_words(store: Store) -> None:
    # An English question naming the image paper: the model's off-topic terms must not
    # outrank the paper the question's own rare words point at.
    found = retrieve(store.conn, "one-step image generator FID", expansion=TERMS)
    assert [p.arxiv_id for p in found.papers] == [OTHER.arxiv_id, REWARD.arxiv_id]


@pytest.mark.parametrize("reply", [{}, {"terms": []}, {"terms": [1, None, ""]}, "   "])
def test_an_expansion_reply_without_terms_is_a_rejected_call_and_the_question_still_runs(
        store: Store, reply: Any) -> None:
    seen: list[str] = []
    with FakeLLM(_responder(reply, seen)) as llm:
        client = _client(llm)
        answer = ask(store.conn, "process reward model for web agents", client=client,
                     expand=True)
    assert seen[0] == "expand" and seen[-1] == "answer"
    assert answer.found and answer.papers[0].arxiv_id == REWARD.arxiv_id
    counters = client.http.counters()
    assert counters["llm_failed_calls"] == 1  # the expansion only; the answer was valid


def test_an_english_question_is_expanded_only_when_asked(store: Store) -> None:
    seen: list[str] = []
    with FakeLLM(_responder({"terms": TERMS}, seen)) as llm:
        ask(store.conn, "process reward model for web agents", client=_client(llm))
        assert seen == ["answer"]
        ask(store.conn, "process reward model for web agents", client=_client(llm), expand=True)
        assert seen == ["answer", "expand", "answer"]
        ask(store.conn, QUESTION, client=_client(llm), expand=False)
        assert seen[-1] == "answer" and seen.count("expand") == 1


def test_no_llm_call_for_a_question_with_no_searchable_word(store: Store) -> None:
    from paperdigest.index import SearchQueryError

    seen: list[str] = []
    with FakeLLM(_responder({"terms": TERMS}, seen)) as llm, pytest.raises(SearchQueryError):
        ask(store.conn, "what is the?", client=_client(llm), expand=True)
    assert seen == []


def test_parse_terms_reads_json_or_lines_and_bounds_what_it_keeps() -> None:
    assert parse_terms('{"terms": ["RLHF", "rlhf", " reward  model ", 3, null]}',
                       "json_object") == ["RLHF", "reward model"]
    assert parse_terms('```json\n["ASR", "speech recognition"]\n```', "json_object") == [
        "ASR", "speech recognition"]
    assert parse_terms("- ASR\n2. speech recognition\n\n* WER", "text") == [
        "ASR", "speech recognition", "WER"]
    assert parse_terms("not json at all", "json_object") == []
    many = json.dumps({"terms": [f"term{i}" for i in range(40)]})
    assert len(parse_terms(many, "json_schema")) == MAX_TERMS
    long = parse_terms(json.dumps({"terms": ["word " * 40]}), "json_schema")[0]
    assert len(long) <= MAX_TERM_CHARS and not long.endswith(" ")


def test_model_terms_are_phrases_never_query_syntax(store: Store) -> None:
    # FTS5 operators and quotes in the model's terms are searched as words, not obeyed.
    hostile = ['reward" OR "', "NOT web", "NEAR(agents", "*", "model)"]
    found = retrieve(store.conn, "process reward model", expansion=hostile)
    assert found.papers[0].arxiv_id == REWARD.arxiv_id


def test_cli_expand_flag(store: Store, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    from paperdigest.cli import main

    home = Path(store.path).parent
    store.close()
    Path(store.path).rename(home / "paperdigest.sqlite3")
    monkeypatch.setenv("PAPERDIGEST_HOME", str(home))
    seen: list[str] = []
    with FakeLLM(_responder({"terms": TERMS}, seen)) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "k")
        base = ["ask", "--backend", "openai", "--model", "fake", "--json"]
        assert main([*base, QUESTION]) == 0
        assert json.loads(capsys.readouterr().out)["papers"][0]["arxiv_id"] == REWARD.arxiv_id
        assert main([*base, "--no-expand", QUESTION]) == 0
        assert json.loads(capsys.readouterr().out)["papers"] == []
        assert main([*base, "--expand", "reward model for web agents"]) == 0
    assert seen == ["expand", "answer", "expand", "answer"]


def test_a_deeply_nested_reply_is_no_json_not_a_crash() -> None:
    # json.loads recursed past Python's limit on this (RecursionError, a traceback); the one
    # strict parser (fetch.http.parse_json) bounds the nesting, so it is simply not JSON.
    deep = "[" * 100_000
    assert parse_terms(deep, "json_object") == []
    assert parse_terms('{"terms": ' + deep, "json_schema") == []
