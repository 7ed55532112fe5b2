"""Tests for paperdigest.store: migrations, merge semantics, cache keys, safety on open."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from paperdigest.errors import StoreCorruptError, StoreError, StoreLockedError
from paperdigest.models import (
    Claim,
    Document,
    FetchAttempt,
    Fetched,
    Innovation,
    PaperRef,
    PaperSummary,
    Result,
    RunStats,
    Section,
    SourceKind,
    Usage,
    Verification,
)
from paperdigest.store import (
    APPLICATION_ID,
    MIGRATIONS,
    Store,
    SummaryKey,
    context_hash,
)

FULL = "daily_papers_2026-01-30.json"
PARTIAL = "daily_papers_2026-01-30_partial-sameday-0804UTC.json"
T0 = datetime(2026, 1, 30, 8, 4, tzinfo=UTC)
T1 = datetime(2026, 1, 31, 3, 24, tzinfo=UTC)


def load_refs(corpus: Path, name: str) -> list[PaperRef]:
    """Minimal HF item → PaperRef conversion, independent of paperdigest.sources."""
    items = json.loads((corpus / "hf_api" / name).read_text(encoding="utf-8"))
    return [
        PaperRef(
            arxiv_id=item["paper"]["id"],
            title=item["paper"]["title"],
            abstract=item["paper"].get("summary", ""),
            upvotes=item["paper"].get("upvotes", 0),
            authors=[a["name"] for a in item["paper"].get("authors", [])],
        )
        for item in items
    ]


def raw_ids(corpus: Path, name: str) -> list[str]:
    """The ids of an HF file read with a regex, not json: an independent count."""
    text = (corpus / "hf_api" / name).read_text(encoding="utf-8")
    return re.findall(r'"paper":\s*\{\s*"id":\s*"(\d{4}\.\d{4,5})"', text)


def summary(tag: str = "") -> PaperSummary:
    return PaperSummary(
        domain="NLP - 智能体 / 强化学习",
        contribution=f"提出 WebArbiter{tag}，在 WebPRMBench 上提升 9.1 分。",
        usage=Usage(input="网页轨迹", output="奖励分数", workflow="先推理再打分：**原则**"),
        innovations=[Innovation("原则引导", "两阶段训练\n第二行 * ：")],
        results=[Result("WebPRMBench", "超过 GPT-5 9.1 分")],
    )


def key(**overrides: Any) -> SummaryKey:
    fields: dict[str, Any] = {
        "arxiv_id": "2601.21872",
        "version": "unknown",
        "source_kind": "ArXiv Abs",
        "context_hash": context_hash("abstract text"),
        "prompt_version": "v1",
        "backend": "extractive",
        "model": "extractive",
        "lang": "zh",
    }
    fields.update(overrides)
    return SummaryKey(**fields)


def count(store: Store, table: str) -> int:
    return int(store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


@pytest.fixture
def store() -> Store:
    return Store(":memory:")


# ------------------------------------------------------------------------- migrations


def test_migrations_are_recorded_once_and_reopen_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "dir" / "pd.sqlite3"
    with Store(path) as first:
        names = first.migrations()
        assert names == [fn.__name__ for fn in MIGRATIONS]
        assert names[0] == "m001_initial"
        first.upsert_paper(PaperRef("2601.21872", "WebArbiter"))
    with Store(path) as again:
        assert again.migrations() == names
        assert count(again, "_migrations") == len(MIGRATIONS)
        assert again.get_paper("2601.21872") is not None
        conn = again.conn
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_memory_store_and_closed_store(store: Store) -> None:
    assert store.migrations() == [fn.__name__ for fn in MIGRATIONS]
    store.check()
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.get_paper("2601.21872")


def test_empty_existing_file_becomes_a_store(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    path.write_bytes(b"")
    with Store(path) as st:
        assert st.totals()["papers"] == 0


# ------------------------------------------------------------------- refusing to open


def test_random_bytes_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "paperdigest.sqlite3"
    data = bytes((i * 7919 + 13) % 256 for i in range(8192))
    path.write_bytes(data)
    with pytest.raises(StoreCorruptError, match="move it away or set PAPERDIGEST_HOME") as info:
        Store(path)
    assert str(path) in str(info.value)
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["paperdigest.sqlite3"]


def test_foreign_sqlite_database_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE foo (x INTEGER)")
    conn.execute("INSERT INTO foo VALUES (1)")
    conn.commit()
    conn.close()
    data = path.read_bytes()
    with pytest.raises(StoreCorruptError, match="foreign") as info:
        Store(path)
    assert "PAPERDIGEST_HOME" in str(info.value)
    assert path.read_bytes() == data
    # No WAL/SHM files left behind: the store never switched the foreign file to WAL.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_database_of_another_app_with_migrations_table_is_refused(tmp_path: Path) -> None:
    # simonw/llm's logs.db also has a _migrations table; only application_id says "ours".
    path = tmp_path / "logs.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    conn.execute("INSERT INTO _migrations VALUES ('m001_initial', 'x')")
    conn.commit()
    conn.close()
    data = path.read_bytes()
    with pytest.raises(StoreCorruptError):
        Store(path)
    assert path.read_bytes() == data


def test_damaged_database_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "pd.sqlite3"
    with Store(path) as st:
        st.upsert_paper(PaperRef("2601.21872", "WebArbiter"))
        st.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        st.conn.execute("PRAGMA journal_mode = DELETE")
    raw = bytearray(path.read_bytes())
    # Keep the 100-byte header (so it still looks like SQLite), scramble the schema page.
    raw[100:4096] = bytes((i * 31 + 7) % 256 for i in range(100, 4096))
    path.write_bytes(bytes(raw))
    with pytest.raises(StoreCorruptError):
        Store(path)
    assert path.read_bytes() == bytes(raw)


def test_check_finds_a_damaged_data_page(tmp_path: Path) -> None:
    # Open does not read every page (no quick_check on open); Store.check() does.
    path = tmp_path / "pd.sqlite3"
    with Store(path) as st:
        for i in range(300):
            st.upsert_paper(PaperRef(f"2601.{i:05d}", "W" * 200))
        st.check()
        page = st.conn.execute("PRAGMA page_size").fetchone()[0]
        st.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = bytearray(path.read_bytes())
    last = len(raw) // page - 1
    raw[last * page : (last + 1) * page] = bytes((i * 31 + 7) % 256 for i in range(page))
    path.write_bytes(bytes(raw))
    with Store(path) as st, pytest.raises(StoreCorruptError, match="PAPERDIGEST_HOME"):
        st.check()


def test_newer_schema_is_refused_with_upgrade_hint(tmp_path: Path) -> None:
    path = tmp_path / "pd.sqlite3"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer paperdigest") as info:
        Store(path)
    assert not isinstance(info.value, StoreCorruptError)
    assert "upgrade" in str(info.value)


def test_unknown_migration_name_is_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "pd.sqlite3"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _migrations VALUES ('m999_future', '2030-01-01')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="m999_future"):
        Store(path)


def test_writer_blocked_by_another_connection_gets_store_locked(tmp_path: Path) -> None:
    path = tmp_path / "pd.sqlite3"
    st = Store(path, timeout=0.05)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreLockedError, match="locked"):
            st.upsert_paper(PaperRef("2601.21872", "WebArbiter"))
        # Reads still work in WAL mode while another connection writes, and an
        # up-to-date store opens without the write lock (`status` during a `run`).
        assert st.get_paper("2601.21872") is None
        with Store(path, timeout=0.05) as reader:
            assert reader.totals()["papers"] == 0
    finally:
        other.execute("ROLLBACK")
        other.close()
    st.upsert_paper(PaperRef("2601.21872", "WebArbiter"))
    assert st.get_paper("2601.21872") is not None
    st.close()


# ----------------------------------------------------------------------------- papers


def test_upsert_paper_keeps_highest_version(store: Store) -> None:
    store.upsert_paper(PaperRef("2601.21872", "WebArbiter", version=2, upvotes=10))
    store.upsert_paper(PaperRef("2601.21872", "WebArbiter", version=None, upvotes=12))
    ref = store.get_paper("2601.21872")
    assert ref is not None and ref.version == 2 and ref.upvotes == 12
    store.upsert_paper(PaperRef("2601.21872", "WebArbiter", version=1))
    ref = store.get_paper("2601.21872")
    assert ref is not None and ref.version == 2
    # A source that knows less (no upvotes, no abstract) does not erase what is stored.
    assert ref.upvotes == 12
    store.upsert_paper(PaperRef("2601.21872", "WebArbiter v3", version=3, abstract="Abs"))
    ref = store.get_paper("2601.21872")
    assert ref is not None and (ref.version, ref.title, ref.abstract) == (3, "WebArbiter v3", "Abs")
    assert store.conn.execute("SELECT version FROM papers").fetchone()[0] == 3
    assert store.get_paper("2601.99999") is None


# ------------------------------------------------------------------------------- days


def test_save_day_merges_partial_then_full_listing(corpus: Path, tmp_path: Path) -> None:
    partial, full = load_refs(corpus, PARTIAL), load_refs(corpus, FULL)
    partial_ids, full_ids = raw_ids(corpus, PARTIAL), raw_ids(corpus, FULL)
    # SOURCES.md: the same-day snapshot has 27 papers, the next-morning file 45.
    assert (len(partial_ids), len(set(full_ids))) == (27, 45)
    assert set(partial_ids) <= set(full_ids)

    st = Store(tmp_path / "pd.sqlite3")
    st.save_day("2026-01-30", "2026-01-30", partial, T0, settled=False)
    day = st.get_day("2026-01-30")
    assert day is not None
    assert day.paper_ids == partial_ids and not day.settled
    assert day.fetched_at == T0

    st.save_day("2026-01-30", "2026-01-30", full, T1, settled=True)
    day = st.get_day("2026-01-30")
    assert day is not None
    assert len(day.paper_ids) == len(set(day.paper_ids)) == 45
    assert set(day.paper_ids) == set(full_ids)
    assert day.settled and day.fetched_at == T1
    assert count(st, "papers") == 45
    assert st.conn.execute("SELECT count FROM days").fetchone()[0] == 45

    # Upvotes are refreshed from the later listing: the partial snapshot had lower counts.
    full_by_id = {r.arxiv_id: r for r in full}
    shared = partial[0].arxiv_id
    stored = st.get_paper(shared)
    assert stored is not None
    assert stored.upvotes == full_by_id[shared].upvotes != partial[0].upvotes
    assert stored.listed_date == "2026-01-30"
    assert [r.arxiv_id for r in st.day_papers("2026-01-30")] == day.paper_ids
    assert st.days_for_paper(shared) == ["2026-01-30"]

    # An older (partial) listing saved later never drops papers, and settled stays settled.
    st.save_day("2026-01-30", "2026-01-30", partial, T0, settled=False)
    again = st.get_day("2026-01-30")
    assert again is not None and again.settled
    assert sorted(again.paper_ids) == sorted(day.paper_ids)
    st.close()


def test_save_day_for_empty_day_records_the_fallback_date(store: Store) -> None:
    refs = [PaperRef("2601.21872", "WebArbiter")]
    store.save_day("2026-01-31", "2026-01-30", refs, T1, settled=True)
    day = store.get_day("2026-01-31")
    assert day is not None and day.listed_date == "2026-01-30"
    assert day.paper_ids == ["2601.21872"]
    store.save_day("2026-02-01", "2026-02-01", [], T1, settled=False)
    empty = store.get_day("2026-02-01")
    assert empty is not None and empty.paper_ids == []
    assert store.get_day("2026-02-02") is None


# ---------------------------------------------------------------- fetches & documents


def test_latest_fetch_keeps_metadata_not_body(store: Store) -> None:
    attempts = [FetchAttempt("HTML", "https://arxiv.org/html/2601.21872", False, "404 No HTML")]
    fetches: list[tuple[SourceKind, str]] = [
        ("PDF", "2026-01-31T03:00:00+00:00"),
        ("ArXiv Abs", "2026-01-31T04:00:00+00:00"),
    ]
    for kind, at in fetches:
        store.save_fetch(
            Fetched("2601.21872", kind, f"https://x/{kind}", b"x" * 1234, at, attempts=attempts)
        )
    rec = store.latest_fetch("2601.21872")
    assert rec is not None
    assert (rec.kind, rec.size, rec.version) == ("ArXiv Abs", 1234, None)
    assert rec.attempts == attempts
    columns = [r[1] for r in store.conn.execute("PRAGMA table_info(fetches)")]
    assert "body" not in columns
    assert store.latest_fetch("2601.00000") is None


def test_get_document_prefers_version_then_html(store: Store) -> None:
    def doc(kind: str, version: int | None) -> Document:
        return Document(
            "2601.21872",
            "WebArbiter",
            kind,  # type: ignore[arg-type]
            abstract=f"{kind} {version}",
            version=version,
            sections=[Section("1 引言", 1, "1", ["正文"])],
        )

    store.save_document(doc("ArXiv Abs", None))
    got = store.get_document("2601.21872")
    assert got is not None and got.source_kind == "ArXiv Abs"
    store.save_document(doc("PDF", 1))
    store.save_document(doc("HTML", 1))
    got = store.get_document("2601.21872")
    assert got is not None and (got.source_kind, got.version) == ("HTML", 1)
    assert got.sections[0].paragraphs == ["正文"]
    store.save_document(doc("PDF", 2))
    got = store.get_document("2601.21872")
    assert got is not None and (got.source_kind, got.version) == ("PDF", 2)
    got = store.get_document("2601.21872", version=1)
    assert got is not None and got.source_kind == "HTML"
    got = store.get_document("2601.21872", source_kind="ArXiv Abs")
    assert got is not None and got.version is None
    got = store.get_document("2601.21872", version="unknown")
    assert got is not None and got.source_kind == "ArXiv Abs"
    # Same (id, version, kind) replaces.
    store.save_document(doc("PDF", 2))
    assert count(store, "documents") == 4
    assert store.get_document("2601.00000") is None


# ---------------------------------------------------------------------------- summaries


def test_same_summary_key_twice_is_one_row(store: Store) -> None:
    verification = Verification([Claim("9.1", "number", True), Claim("AgentRewardBench", "name")])
    first = store.save_summary(
        key(),
        summary("a"),
        tokens_in=100,
        tokens_out=50,
        mode="extractive",
        coverage=1.0,
        context_tokens=300,
        verification=verification,
    )
    second = store.save_summary(
        key(),
        summary("b"),
        tokens_in=200,
        tokens_out=60,
        mode="extractive",
        coverage=0.5,
        context_tokens=310,
        verification=None,
    )
    assert first == second
    assert count(store, "summaries") == 1
    assert count(store, "verifications") == 0
    found = store.find_summary(key())
    assert found is not None
    assert found.summary == summary("b")
    assert (found.tokens_in, found.coverage, found.context_tokens) == (200, 0.5, 310)
    assert found.verification is None
    assert found.key.as_tuple() == key().as_tuple()


def test_changed_key_field_is_a_new_row(store: Store) -> None:
    store.save_summary(key(), summary())
    for change in (
        {"prompt_version": "v2"},
        {"model": "deepseek-chat"},
        {"lang": "en"},
        {"context_hash": context_hash("other")},
        {"version": "2"},
    ):
        assert store.find_summary(key(**change)) is None
        store.save_summary(key(**change), summary())
    assert count(store, "summaries") == 6
    # version 2 and "2" are the same key; None and "unknown" too.
    assert store.find_summary(key(version=2)) is not None
    assert store.find_summary(key(version=None)) is not None


def test_summary_round_trip_and_latest() -> None:
    clock = iter(datetime(2026, 1, 31, h, tzinfo=UTC) for h in range(24))
    st = Store(":memory:", clock=lambda: next(clock))
    verification = Verification([Claim("AgentRewardBench", "name", False, "contribution")])
    sid = st.save_summary(
        key(),
        summary(),
        tokens_in=1,
        tokens_out=2,
        mode="json_schema",
        verification=verification,
    )
    st.save_summary(key(lang="en", backend="openai", model="m"), summary("en"))
    latest = st.latest_summary("2601.21872")
    assert latest is not None and latest.key.lang == "en"
    zh = st.latest_summary("2601.21872", lang="zh")
    assert zh is not None and zh.id == sid
    assert zh.summary == summary()
    assert zh.verification is not None
    assert [c.text for c in zh.verification.untraced] == ["AgentRewardBench"]
    row = st.conn.execute("SELECT traced_ratio FROM verifications").fetchone()
    assert row[0] == 0.0
    assert st.latest_summary("2601.21872", backend="nope") is None
    # JSON is stored as readable UTF-8, not \\u escapes.
    data = st.conn.execute("SELECT data FROM summaries WHERE id = ?", (sid,)).fetchone()[0]
    assert "智能体" in data
    st.close()


# --------------------------------------------------------------------- failures & runs


def test_failures_recorded_and_resolved(store: Store) -> None:
    run = store.start_run("run --date 2026-01-31", ["2026-01-31"], "extractive", "extractive")
    store.record_failure(run, "2601.21872", "2026-01-30", "fetch", "404 No HTML")
    store.record_failure(run, "2601.21872", "2026-01-30", "summarize", "timeout")
    store.record_failure(None, "2601.20833", "2026-01-29", "extract", "broken pdf")
    store.record_failure(run, "", "2026-02-01", "list", "HF unreachable")
    open_ = store.open_failures()
    # One open problem per (paper, date), with its latest reason.
    assert [(f.arxiv_id, f.stage) for f in open_] == [
        ("2601.21872", "summarize"),
        ("2601.20833", "extract"),
        ("", "list"),
    ]
    assert open_[0].run_id == run and open_[0].failure.reason == "timeout"
    assert [f.arxiv_id for f in store.open_failures("2026-01-29")] == ["2601.20833"]
    assert store.totals()["failures_open"] == 3
    store.resolve_failures("2601.21872")
    assert [f.arxiv_id for f in store.open_failures()] == ["2601.20833", ""]
    assert count(store, "failures") == 4  # a ledger: resolved rows stay
    with pytest.raises(StoreError):
        store.record_failure(12345, "2601.1", None, "fetch", "no such run")


def test_runs_and_totals(store: Store) -> None:
    first = store.start_run("run", ["2026-01-30"], "extractive", "extractive")
    second = store.start_run("run", ["2026-01-31", "2026-02-01"], "openai", "deepseek-chat")
    store.finish_run(first, RunStats(papers=45, done=45), "ok")
    store.finish_run(
        second,
        RunStats("openai", "deepseek-chat", 45, 43, 2, 1000, 200, 0.25, 12.5, 47, 90),
        "partial",
    )
    runs = store.runs()
    assert [r.id for r in runs] == [second, first]
    assert runs[0].dates == ["2026-01-31", "2026-02-01"]
    assert runs[0].status == "partial" and runs[0].finished_at is not None
    assert runs[0].stats.tokens_in == 1000 and runs[0].stats.http_requests == 90
    assert (runs[0].done, runs[0].failed, runs[0].llm_calls) == (43, 2, 47)
    assert runs[0].stats == RunStats(
        "openai", "deepseek-chat", 45, 43, 2, 1000, 200, 0.25, 12.5, 47, 90
    )
    # Empty backend/model in the stats keep what start_run recorded.
    assert (runs[1].backend, runs[1].model, runs[1].status) == ("extractive", "extractive", "ok")
    assert [r.id for r in store.runs(limit=1)] == [second]
    store.upsert_paper(PaperRef("2601.21872", "WebArbiter"))
    store.save_summary(key(), summary())
    totals = store.totals()
    assert totals["runs"] == 2 and totals["papers"] == 1 and totals["summaries"] == 1
    assert (totals["tokens_in"], totals["tokens_out"]) == (1000, 200)
    assert totals["cost"] == pytest.approx(0.25)
    assert totals["failures_open"] == 0
    with pytest.raises(StoreError, match="no run"):
        store.finish_run(999, RunStats(), "ok")


# ------------------------------------------------------------------------ concurrency


def test_concurrent_writes_from_threads(tmp_path: Path) -> None:
    st = Store(tmp_path / "pd.sqlite3")
    run = st.start_run("run", ["2026-01-30"], "extractive", "extractive")
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for i in range(10):
                arxiv_id = f"2601.{n:02d}{i:03d}"
                st.upsert_paper(PaperRef(arxiv_id, f"paper {n}/{i}"))
                st.save_summary(key(arxiv_id=arxiv_id), summary())
                st.save_summary(key(arxiv_id=arxiv_id), summary("again"))
                st.record_failure(run, arxiv_id, "2026-01-30", "fetch", "x")
                st.resolve_failures(arxiv_id)
                assert st.find_summary(key(arxiv_id=arxiv_id)) is not None
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert count(st, "papers") == 80
    assert count(st, "summaries") == 80
    assert count(st, "failures") == 80
    assert st.open_failures() == []
    st.close()


def test_second_process_on_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "pd.sqlite3"
    st = Store(path)
    st.upsert_paper(PaperRef("2601.21872", "WebArbiter"))
    script = (
        "import sys\n"
        "from paperdigest.models import PaperRef\n"
        "from paperdigest.store import Store\n"
        "with Store(sys.argv[1]) as s:\n"
        "    assert s.get_paper('2601.21872') is not None\n"
        "    s.upsert_paper(PaperRef('2601.20833', 'Other'))\n"
        "    print(s.totals()['papers'])\n"
    )
    env = {k: v for k, v in os.environ.items()}
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2"
    # The first connection, still open, sees the other process's write.
    assert st.get_paper("2601.20833") is not None
    assert st.totals()["papers"] == 2
    st.close()


def test_unknown_run_cost_is_null_and_m007_keeps_runs_and_failure_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """QA finding 8: an unknown cost was stored as 0 (read back as "$0.0000"). m007 makes
    ``runs.cost`` nullable, turns the old "tokens spent at cost 0" rows into NULL, keeps every
    other value and the failure ledger's links to runs; new unknown costs are stored NULL."""
    import paperdigest.store as store_module

    path = tmp_path / "paperdigest.sqlite3"
    # A store as the release before m007 wrote it (migrations up to m005 and m006 if any).
    before = [fn for fn in MIGRATIONS if fn.__name__ < "m007"]
    monkeypatch.setattr(store_module, "MIGRATIONS", before)
    with Store(path) as old:
        for model, tokens, cost in (("unpriced", 1000, 0.0), ("priced", 1000, 0.25),
                                    ("extractive", 0, 0.0)):
            run_id = old.start_run("run", ["2026-01-30"], "openai", model)
            old.conn.execute("UPDATE runs SET tokens_in = ?, cost = ?, status = 'ok' "
                             "WHERE id = ?", (tokens, cost, run_id))
        old.record_failure(1, "2601.21872", "2026-01-30", "summarize", "invalid LLM output")
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS)
    with Store(path) as store:
        assert {"m007_runs_cost_nullable", "m008_days_made"} <= set(store.migrations())
        costs = {r.model: (r.tokens_in, r.cost) for r in store.runs()}
        assert costs == {"unpriced": (1000, None), "priced": (1000, 0.25),
                         "extractive": (0, 0.0)}
        assert [f.run_id for f in store.open_failures()] == [1]
        assert store.totals()["cost"] is None
        assert store.unknown_cost_models() == ["unpriced"]
        new = store.start_run("run", ["2026-01-31"], "openai", "unpriced")
        store.finish_run(new, RunStats("openai", "unpriced", cost=None), "ok")
        assert store.runs(limit=1)[0].cost is None
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_document_rank_is_the_one_best_document_rule() -> None:
    """Store.get_document and the search index's SQL function rank with models.document_rank:
    a known version beats an unknown or unreadable one, then HTML > PDF > ArXiv Abs."""
    from paperdigest.models import document_rank

    assert document_rank("2", "ArXiv Abs") > document_rank("1", "HTML")
    assert document_rank("1", "HTML") > document_rank("1", "PDF") > document_rank("1", "ArXiv Abs")
    assert document_rank("1", "ArXiv Abs") > document_rank("unknown", "HTML")
    assert document_rank("garbage", "HTML") == document_rank("unknown", "HTML")
    assert document_rank(None, "PDF") == document_rank("unknown", "PDF")
