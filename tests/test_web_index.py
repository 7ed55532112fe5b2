"""The FTS5 search index: CJK segmentation, triggers, backfill of existing stores, queries."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from paperdigest.index import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    SearchQueryError,
    search,
    segment,
    snippet_parts,
    to_fts_query,
    unsegment,
)
from paperdigest.models import Innovation, PaperRef, PaperSummary, Result, Usage
from paperdigest.store import Store, SummaryKey


def _key(arxiv_id: str, lang: str = "zh", model: str = "m") -> SummaryKey:
    return SummaryKey(arxiv_id, "1", "HTML", "0" * 16, "p1", "extractive", model, lang)


def _summary(contribution: str, finding: str = "准确率提升 9.1 分") -> PaperSummary:
    return PaperSummary(
        domain="强化学习",
        contribution=contribution,
        usage=Usage(input="网页观测与任务指令"),
        innovations=[Innovation("原则引导", "生成结构化理由")],
        results=[Result("AgentRewardBench", finding)],
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    st = Store(tmp_path / "pd.sqlite3")
    st.upsert_paper(PaperRef("2601.00001", "WebArbiter: reward models for GPT-4o web agents",
                             abstract="We train a process reward model for web navigation.",
                             ai_keywords=["process reward model", "web agents"]))
    st.upsert_paper(PaperRef("2601.00002", "DynamicVLA for moving objects",
                             abstract="A compact vision-language-action model."))
    st.upsert_paper(PaperRef("2601.00003", "型模 ordering control", abstract="控制组"))
    st.save_summary(_key("2601.00001"), _summary("提出过程奖励模型 WebArbiter。"))
    st.save_summary(_key("2601.00002"), _summary("提出紧凑的视觉语言动作框架。", "成功率 60.5%"))
    yield st
    st.close()


def test_segment_puts_a_separator_between_cjk_characters_only() -> None:
    assert segment("基于大模型 GPT-4o") == "基\u200b于\u200b大\u200b模\u200b型 GPT-4o"
    assert unsegment(segment("我们提出 WebArbiter。")) == "我们提出 WebArbiter。"
    # Control characters (the highlight markers among them) never reach the index.
    assert segment(f"a{HIGHLIGHT_START}b{HIGHLIGHT_END}c") == "abc"


def test_two_character_chinese_query_matches_the_adjacent_pair_only(store: Store) -> None:
    hits = search(store.conn, "模型")
    # 2601.00003 holds 型 and 模 but not 模型; 2601.00002 has no 模型 at all.
    assert [h.arxiv_id for h in hits] == ["2601.00001"]
    assert hits[0].kind == "summary" and hits[0].label == "contribution"
    assert f"{HIGHLIGHT_START}模型{HIGHLIGHT_END}" in hits[0].snippet
    assert "\u200b" not in hits[0].snippet


def test_english_query_is_stemmed_and_highlighted(store: Store) -> None:
    hits = search(store.conn, "model")
    assert {h.arxiv_id for h in hits} == {"2601.00001", "2601.00002"}
    assert all(HIGHLIGHT_START in h.snippet for h in hits)


def test_punctuated_words_and_numbers_are_phrases(store: Store) -> None:
    assert [h.arxiv_id for h in search(store.conn, "GPT-4o")] == ["2601.00001"]
    assert [h.arxiv_id for h in search(store.conn, "60.5%")] == ["2601.00002"]
    assert to_fts_query("GPT-4o 模型") == '"GPT-4o" 模\u200b型'


@pytest.mark.parametrize("query", ['"reward', "(web OR", "AND", "web NOT", "   "])
def test_malformed_query_raises_a_one_line_error(store: Store, query: str) -> None:
    with pytest.raises(SearchQueryError) as info:
        search(store.conn, query)
    assert "\n" not in str(info.value)


def test_index_follows_writes_through_the_store(store: Store) -> None:
    assert search(store.conn, "Renamed") == []
    store.upsert_paper(PaperRef("2601.00002", "Renamed paper"))
    assert [h.arxiv_id for h in search(store.conn, "Renamed")] == ["2601.00002"]
    assert search(store.conn, "DynamicVLA") == []
    # A newer summary in the same language replaces the old one's passages.
    store.save_summary(_key("2601.00001", model="m2"), _summary("全新的贡献描述。"))
    assert search(store.conn, "WebArbiter 过程") == []
    assert [h.arxiv_id for h in search(store.conn, "全新")] == ["2601.00001"]
    # Another language adds passages; both stay searchable, filtered by lang on request.
    store.save_summary(_key("2601.00001", lang="en"),
                       PaperSummary(domain="RL", contribution="A reward judge.", language="en"))
    assert [h.arxiv_id for h in search(store.conn, "judge")] == ["2601.00001"]
    assert search(store.conn, "judge", lang="zh") == []


def test_existing_store_without_index_is_backfilled_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with Store(path) as st:
        st.upsert_paper(PaperRef("2601.00009", "Old paper", abstract="关于模型压缩"))
        st.save_summary(_key("2601.00009"), _summary("旧的贡献。"))
    # Make it a store written before the index existed.
    conn = sqlite3.connect(path)
    for name in ("search_papers_ai", "search_papers_au", "search_papers_ad",
                 "search_summaries_ai", "search_summaries_au", "search_summaries_ad"):
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP TABLE search_fts")
    conn.execute("DROP TABLE search_rows")
    conn.execute("DROP TABLE search_meta")
    conn.commit()
    conn.close()
    with Store(path) as st:
        assert [h.arxiv_id for h in search(st.conn, "模型")] == ["2601.00009"]
        assert [h.arxiv_id for h in search(st.conn, "旧的")] == ["2601.00009"]


def test_up_to_date_store_opens_without_writing(tmp_path: Path) -> None:
    path = tmp_path / "pd.sqlite3"
    Store(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # hold the write lock: opening must not need it
    try:
        with Store(path, timeout=0.05) as st:
            assert search(st.conn, "anything") == []
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_snippet_parts_split_marked_text() -> None:
    text = f"a <b> {HIGHLIGHT_START}模型{HIGHLIGHT_END} c"
    assert snippet_parts(text) == [("a <b> ", False), ("模型", True), (" c", False)]


def test_query_terms_keep_positive_words_and_phrases() -> None:
    from paperdigest.index import query_terms

    assert query_terms('Reward "web agents" NOT vision (模型 OR GPT-4o*)') == [
        "reward", "web agents", "模型", "gpt-4o"]


def test_ranking_prefers_title_matches_and_more_occurrences(tmp_path: Path) -> None:
    with Store(tmp_path / "pd.sqlite3") as st:
        st.upsert_paper(PaperRef("2601.00011", "Other work", abstract="one reward here"))
        st.upsert_paper(PaperRef("2601.00012", "Reward shaping", abstract="no match"))
        st.upsert_paper(PaperRef("2601.00013", "Third", abstract="reward reward reward, reward"))
        hits = search(st.conn, "reward")
        assert [h.arxiv_id for h in hits][:1] == ["2601.00012"]
        assert [h.arxiv_id for h in hits][1:] == ["2601.00013", "2601.00011"]
        assert hits[0].score > hits[1].score > hits[2].score
        # The candidate bound: only the newest matching passages are ranked.
        assert [h.arxiv_id for h in search(st.conn, "reward", candidates=1)] == ["2601.00013"]
