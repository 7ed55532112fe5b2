"""What ``paperdigest ask`` tells a person (QA 2026-11-29): no "not mentioned" summary field
as evidence, one language per line, why nothing was found, search syntax errors in plain
words (never FTS5's), and a malformed model answer reported as invalid, not as "not found".

The archive is tests/fakes/archive.py (SYNTHESIZED, written through the store's API); the LLM
is FakeLLM. Expected values are read off these inputs.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperdigest.ask import Filters, ask
from paperdigest.ask.retrieve import allowed_papers
from paperdigest.cli import main
from paperdigest.config import LLMSettings, Settings
from paperdigest.contract.vocab import NOT_MENTIONED_EN, is_not_mentioned
from paperdigest.index import SearchQueryError, search, segment, to_fts_query
from paperdigest.llm.client import ChatClient
from paperdigest.models import (
    NOT_MENTIONED,
    Document,
    Innovation,
    PaperSummary,
    Result,
    Section,
    Table,
    Usage,
)
from paperdigest.store import Store, SummaryKey
from tests.fakes.archive import WEBARBITER, fill_archive
from tests.fakes.llm import FakeLLM

AID = WEBARBITER.arxiv_id


def _key(lang: str, model: str = "m") -> SummaryKey:
    return SummaryKey(AID, "1", "HTML", "0123456789abcdef", "p1", "extractive", model, lang)


def _document() -> Document:
    return Document(
        arxiv_id=AID, title=WEBARBITER.title, source_kind="HTML", abstract=WEBARBITER.abstract,
        version=1, source_url=f"https://arxiv.org/html/{AID}v1",
        sections=[Section("Training hardware", 2, "4.2", [
            "We train WebArbiter on 8 NVIDIA A100-80GB GPUs for 36 hours."])],
        tables=[Table("Success rate on WebArena-Lite.",
                      "| Method | Success |\n| --- | --- |\n| WebArbiter | 41.3 |",
                      "Table 2", "Results")],
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "pd.sqlite3") as s:
        fill_archive(s)
        s.save_document(_document())
        yield s


def _client(llm: FakeLLM) -> ChatClient:
    return ChatClient(Settings(llm=LLMSettings(base_url=llm.base_url, model="fake-model")))


def _cli_home(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    home = Path(store.path).parent
    store.close()
    Path(store.path).rename(home / "paperdigest.sqlite3")
    monkeypatch.setenv("PAPERDIGEST_HOME", str(home))


def _summary_texts(conn: sqlite3.Connection) -> list[str]:
    return [r[0].replace("\u200b", "") for r in conn.execute(
        "SELECT text FROM search_rows WHERE kind = 'summary'")]


# --------------------------------------------------------------- 1. not-mentioned fields


@pytest.mark.parametrize(("text", "marker"), [
    (NOT_MENTIONED, True), (NOT_MENTIONED_EN, True), (f" {NOT_MENTIONED}。", True),
    ("not mentioned in the paper.", True), (f"实验：{NOT_MENTIONED}", True),
    (f"**实验**: {NOT_MENTIONED}", True), (f"Ablations: {NOT_MENTIONED_EN}.", True),
    ("实验：成功率 41.3", False), (f"{NOT_MENTIONED}的基线被复现", False),
    ("We report that results are not mentioned in the paper's appendix", False), ("", False),
])
def test_is_not_mentioned_marker_alone_or_after_a_label(text: str, marker: bool) -> None:
    assert is_not_mentioned(text) is marker


def test_not_mentioned_summary_fields_are_not_search_passages(store: Store) -> None:
    store.save_summary(_key("zh"), PaperSummary(
        domain="网页智能体", contribution="提出过程奖励模型。",
        usage=Usage(input="网页观测"),  # the other four usage fields hold the marker
        innovations=[Innovation("原则", NOT_MENTIONED)],
        results=[Result("实验", NOT_MENTIONED), Result("WebArena-Lite", "成功率 41.3。")]))
    store.save_summary(_key("en"), PaperSummary(
        domain=NOT_MENTIONED_EN, contribution="A process reward model.", language="en",
        results=[Result("Experiments", NOT_MENTIONED_EN + ".")]))
    texts = _summary_texts(store.conn)
    assert "WebArena-Lite：成功率 41.3。" in texts and "网页观测" in texts
    assert [t for t in texts if NOT_MENTIONED in t or "not mentioned" in t.lower()] == []
    found = ask(store.conn, "实验论文未提及")  # every bigram of the marker is asked for
    assert [p.text for paper in found.papers for p in paper.passages
            if NOT_MENTIONED in p.text] == []


def test_an_index_of_version_2_is_rebuilt_without_not_mentioned_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with Store(path) as s:
        fill_archive(s)
        # What an index of version 2 held: a result "setting：marker" as a passage.
        s.conn.execute(
            "INSERT INTO search_rows (arxiv_id, kind, label, lang, summary_id, text) "
            "VALUES (?, 'summary', 'results.2', 'zh', NULL, ?)", (AID, segment(f"实验：{NOT_MENTIONED}")))
        s.conn.execute("UPDATE search_meta SET version = 2")
    with Store(path) as s:
        assert [t for t in _summary_texts(s.conn) if NOT_MENTIONED in t] == []
        assert "WebArena-Lite：成功率提升 7.2 个百分点。" in _summary_texts(s.conn)


# ------------------------------------------------------------ 2. one language per line


def test_cli_prints_the_citation_key_then_the_text(
        store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _cli_home(store, monkeypatch)
    assert main(["ask", "哪篇论文提出了过程奖励模型？", "--k", "1"]) == 0
    shown = capsys.readouterr().out
    assert f"   [{AID} 一句话核心贡献] 提出过程奖励模型 WebArbiter" in shown
    assert main(["ask", "WebArbiter success rate WebArena-Lite GPUs hours", "--k", "1"]) == 0
    shown = capsys.readouterr().out
    assert f"   [{AID} Table 2] Success rate on WebArena-Lite. — Method: WebArbiter" in shown
    assert f"   [{AID} §4.2] 4.2 Training hardware: We train WebArbiter" in shown
    # No raw field name or repeated anchor after a citation key.
    raw = re.compile(r"\] (domain|contribution|usage|innovations|results|abstract|title|"
                     r"keywords|Table \d+|Figure \d+):")
    assert not raw.search(shown), shown


def test_chinese_not_found_message_is_chinese(store: Store) -> None:
    with FakeLLM(lambda request: {"sentences": [], "found": False}) as llm:
        answer = ask(store.conn, "哪篇论文提出了过程奖励模型？", client=_client(llm))
    assert not answer.found and answer.reason == "not_in_passages"
    assert answer.text.startswith("在存档中未找到答案")
    assert not re.search("[A-Za-z]", answer.text), answer.text
    assert answer.to_dict()["reason"] == "not_in_passages"


# ------------------------------------------------------------------ 3. why not found


def test_empty_store_says_run_first(tmp_path: Path) -> None:
    with Store(tmp_path / "empty.sqlite3") as s:
        answer = ask(s.conn, "which papers use WebArena?")
        zh = ask(s.conn, "哪些论文使用了网页基准？")
    assert not answer.found and answer.reason == "empty_store"
    assert answer.text == ("Not found in the archive: the store holds no papers yet; "
                           "run `paperdigest run` first.")
    assert zh.reason == "empty_store" and "paperdigest run" in zh.text and "存储" in zh.text


def test_filters_that_match_no_paper_are_named(store: Store) -> None:
    question = "compact vision-language-action model reward model"
    answer = ask(store.conn, question, filters=Filters(categories=["cs.CL"], has_code=True))
    assert not answer.found and answer.reason == "filtered_out"
    assert answer.text == ("Not found in the archive: no stored paper matches the filters "
                           "(--category cs.CL --has-code).")
    # Papers pass the filters but no passage of theirs matches the question.
    unmatched = ask(store.conn, "quantum chromodynamics lattice", filters=Filters(has_code=True))
    assert unmatched.reason == "no_match"
    assert "no stored passage matches the question" in unmatched.text
    assert ask(store.conn, question).reason == ""


def test_cli_says_why_nothing_was_found(
        store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _cli_home(store, monkeypatch)
    assert main(["ask", "reward model judge", "--category", "cs.CL"]) == 0
    out = capsys.readouterr().out
    assert "no stored paper matches the filters (--category cs.CL)" in out
    assert "do not answer this question" not in out
    assert main(["ask", "reward model judge", "--category", "cs.CL", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["found"], data["reason"]) == (False, "filtered_out")


def test_cli_on_an_empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PAPERDIGEST_HOME", str(tmp_path))
    with Store(tmp_path / "paperdigest.sqlite3"):
        pass
    assert main(["ask", "which papers use WebArena?"]) == 0
    assert "the store holds no papers yet; run `paperdigest run` first" in capsys.readouterr().out


# ------------------------------------------------------------ 4. search syntax messages


@pytest.mark.parametrize(("query", "message"), [
    ("NOT", "search syntax: NOT needs a word before and after it, e.g. agents NOT robotics"),
    ("agents OR", "search syntax: OR needs a word before and after it, e.g. agents OR robotics"),
    ("AND agents", "search syntax: AND needs a word before and after it, e.g. agents AND robotics"),
    ("agents NOT NOT robotics", ("search syntax: NOT needs a word before and after it, "
                                "e.g. agents NOT robotics")),
    ("(agents OR)", "search syntax: OR needs a word before and after it, e.g. agents OR robotics"),
    ("(agents", "search syntax: a parenthesis is not closed, e.g. (agents OR robotics) NOT survey"),
    ("agents)", ("search syntax: a closing parenthesis has no opening one, "
                "e.g. (agents OR robotics) NOT survey")),
    ("agents ()", "search syntax: empty parentheses; put words inside, e.g. (agents OR robotics)"),
    ("<>", "search syntax: unexpected character '<'; type words, e.g. reward model"),
])
def test_search_syntax_errors_are_plain_words(store: Store, query: str, message: str) -> None:
    with pytest.raises(SearchQueryError) as info:
        to_fts_query(query)
    assert str(info.value) == message
    with pytest.raises(SearchQueryError, match=re.escape(message)):
        search(store.conn, query)


def test_markup_and_parentheses_in_a_query_are_searched_not_an_error(store: Store) -> None:
    hits = search(store.conn, "<img src=x onerror=alert(1)>")
    assert "2601.90002" in [h.arxiv_id for h in hits]  # the hostile paper holds these words
    assert search(store.conn, "(reward OR judge) model")  # a group next to a word


def test_cli_interest_syntax_error_is_plain(
        store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _cli_home(store, monkeypatch)
    assert main(["ask", "web", "--interest", "NOT"]) == 1
    err = capsys.readouterr().err
    assert "Error: --interest: search syntax: NOT needs a word before and after it" in err
    assert "fts5" not in err and "syntax error near" not in err


_PIECES = st.sampled_from(["agents", "模型", "GPT-4o", "AND", "OR", "NOT", "NEAR", "(", ")",
                           '"', "*", "<", ">", "=", ":", "^", "+", "-", "{", "}", ",", "_",
                           "x*", "\u200b", "é"])


@pytest.fixture(scope="module")
def fts_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with Store(tmp_path_factory.mktemp("fts") / "pd.sqlite3") as s:
        fill_archive(s)
        yield s


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(st.tuples(_PIECES, st.sampled_from(["", " "])), min_size=1, max_size=8))
def test_any_query_parses_or_gets_our_own_message(
        fts_store: Store, pieces: list[tuple[str, str]]) -> None:
    """Whatever is typed, FTS5 never sees an expression it cannot parse: to_fts_query either
    raises its own message or returns one FTS5 runs (search and the ask interest filter)."""
    query = "".join(p + sep for p, sep in pieces)
    try:
        expr = to_fts_query(query)
    except SearchQueryError as exc:
        assert "fts5" not in str(exc) and "syntax error near" not in str(exc)
        return
    fts_store.conn.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH ?",
                           (expr,)).fetchall()
    assert allowed_papers(fts_store.conn, Filters(interest=query)) is not None


# ------------------------------------------------------------ 5. invalid model answers


@pytest.mark.parametrize(("reply", "detail"), [
    ({}, 'the reply lacks the required "sentences" and "found"'),
    ({"sentences": []}, 'the reply lacks the required "found"'),
    ({"found": True, "sentences": []}, "the reply says found but holds no sentence"),
    ({"found": True, "sentences": [{"text": "It is unknown.", "cite": []}]},
     "no sentence cites a passage it was shown"),
])
def test_a_malformed_answer_is_invalid_not_a_not_found_verdict(
        store: Store, reply: dict[str, Any], detail: str) -> None:
    with FakeLLM(lambda request: reply) as llm:
        client = _client(llm)
        answer = ask(store.conn, "Which GPUs trained WebArbiter?", client=client)
        counters = client.http.counters()
    assert not answer.found and answer.reason == "invalid_answer"
    assert answer.text.startswith("No answer: the model's answer was invalid: " + detail)
    assert "not found in the archive" not in answer.text.lower()
    assert counters["llm_failed_calls"] == 1
    assert answer.to_dict()["reason"] == "invalid_answer"


def test_the_models_not_found_verdict_is_not_invalid(store: Store) -> None:
    with FakeLLM(lambda request: {"sentences": [], "found": False}) as llm:
        client = _client(llm)
        answer = ask(store.conn, "Which GPUs trained WebArbiter?", client=client)
        assert client.http.counters()["llm_failed_calls"] == 0
    assert answer.reason == "not_in_passages"
    assert answer.text == ("Not found in the archive: the retrieved passages do not answer "
                           "this question.")


def test_chinese_invalid_answer_is_chinese(store: Store) -> None:
    with FakeLLM(lambda request: {}) as llm:
        answer = ask(store.conn, "哪篇论文提出了过程奖励模型？", client=_client(llm))
    assert answer.reason == "invalid_answer"
    assert answer.text.startswith("没有答案：模型的回答无效：")


def test_cli_reports_an_invalid_answer_with_exit_2(
        store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _cli_home(store, monkeypatch)
    with FakeLLM(lambda request: {}) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        assert main(["ask", "Which GPUs trained WebArbiter?", "--backend", "openai"]) == 2
        out = capsys.readouterr().out
        assert "the model's answer was invalid" in out and "Not found" not in out
        assert main(["ask", "Which GPUs trained WebArbiter?", "--backend", "openai",
                     "--json"]) == 2
        data = json.loads(capsys.readouterr().out)
    assert (data["found"], data["reason"]) == (False, "invalid_answer")


def test_a_deeply_nested_answer_is_read_as_text_not_a_crash() -> None:
    from paperdigest.ask.answer import _reply_text

    text, found, _problem = _reply_text('{"answer": ' + "[" * 100_000, "json_object")
    assert text.startswith('{"answer": [[[') and found is not False
