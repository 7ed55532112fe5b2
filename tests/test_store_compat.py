"""A store written before issue 9 (one library path) still serves every stored summary.

The store below is built by hand with the schema and SQL of the first release (migration
``m001_initial`` as shipped, rows inserted by position, the 16-hex-digit context hash computed
here with hashlib), not with today's Store. Opening it with today's code must migrate it and
find every stored summary under the key the pipeline computes now: no stored summary becomes
a cache miss, so a rerun costs no LLM call.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from paperdigest.config import Settings
from paperdigest.context import pack
from paperdigest.core import digest
from paperdigest.extract.abstract import document_from_abstract
from paperdigest.models import PaperRef
from paperdigest.pipeline import Pipeline, RunOptions
from paperdigest.store import APPLICATION_ID, Store
from paperdigest.summarize import ExtractiveSummarizer

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

#: The first release's schema (store.py m001_initial as shipped before issue 9), verbatim.
M001 = [
    """CREATE TABLE papers (arxiv_id TEXT PRIMARY KEY, version INTEGER, title TEXT NOT NULL,
        data TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    """CREATE TABLE days (date TEXT PRIMARY KEY, listed_date TEXT NOT NULL,
        fetched_at TEXT NOT NULL, settled INTEGER NOT NULL DEFAULT 0, paper_ids TEXT NOT NULL,
        count INTEGER NOT NULL)""",
    """CREATE TABLE day_papers (date TEXT NOT NULL REFERENCES days(date) ON DELETE CASCADE,
        arxiv_id TEXT NOT NULL REFERENCES papers(arxiv_id), position INTEGER NOT NULL,
        PRIMARY KEY (date, arxiv_id))""",
    "CREATE INDEX day_papers_arxiv_id ON day_papers(arxiv_id)",
    """CREATE TABLE fetches (id INTEGER PRIMARY KEY, arxiv_id TEXT NOT NULL, kind TEXT NOT NULL,
        url TEXT NOT NULL, size INTEGER NOT NULL, version INTEGER,
        content_type TEXT NOT NULL DEFAULT '', fetched_at TEXT NOT NULL,
        seconds REAL NOT NULL DEFAULT 0, attempts TEXT NOT NULL)""",
    "CREATE INDEX fetches_arxiv_id ON fetches(arxiv_id, fetched_at)",
    """CREATE TABLE documents (arxiv_id TEXT NOT NULL, version TEXT NOT NULL,
        source_kind TEXT NOT NULL, data TEXT NOT NULL, created_at TEXT NOT NULL,
        PRIMARY KEY (arxiv_id, version, source_kind))""",
    """CREATE TABLE summaries (id INTEGER PRIMARY KEY, arxiv_id TEXT NOT NULL,
        version TEXT NOT NULL, source_kind TEXT NOT NULL, context_hash TEXT NOT NULL,
        prompt_version TEXT NOT NULL, backend TEXT NOT NULL, model TEXT NOT NULL,
        lang TEXT NOT NULL, data TEXT NOT NULL, tokens_in INTEGER NOT NULL DEFAULT 0,
        tokens_out INTEGER NOT NULL DEFAULT 0, mode TEXT NOT NULL DEFAULT '', coverage REAL,
        context_tokens INTEGER, created_at TEXT NOT NULL,
        UNIQUE (arxiv_id, version, source_kind, context_hash, prompt_version, backend, model,
                lang))""",
    "CREATE INDEX summaries_arxiv_id ON summaries(arxiv_id, created_at)",
    """CREATE TABLE verifications (summary_id INTEGER PRIMARY KEY REFERENCES summaries(id)
        ON DELETE CASCADE, data TEXT NOT NULL, traced_ratio REAL NOT NULL)""",
    """CREATE TABLE runs (id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
        command TEXT NOT NULL, dates TEXT NOT NULL, backend TEXT NOT NULL, model TEXT NOT NULL,
        papers INTEGER NOT NULL DEFAULT 0, done INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0, tokens_in INTEGER NOT NULL DEFAULT 0,
        tokens_out INTEGER NOT NULL DEFAULT 0, cost REAL NOT NULL DEFAULT 0,
        seconds REAL NOT NULL DEFAULT 0, llm_calls INTEGER NOT NULL DEFAULT 0,
        http_requests INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'running')""",
    """CREATE TABLE failures (id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES runs(id)
        ON DELETE SET NULL, arxiv_id TEXT NOT NULL, date TEXT, stage TEXT NOT NULL,
        reason TEXT NOT NULL, created_at TEXT NOT NULL, resolved INTEGER NOT NULL DEFAULT 0,
        resolved_at TEXT)""",
    "CREATE INDEX failures_open ON failures(resolved, arxiv_id)",
]

PAPERS = [
    PaperRef(arxiv_id="2601.21872", title="WebArbiter", upvotes=40, published_at="2026-01-29",
             abstract="WebArbiter is a principle-guided reasoning reward model. It improves "
                      "WebPRMBench accuracy by 9.1 points over GPT-5."),
    PaperRef(arxiv_id="2601.20833", title="Another paper", upvotes=12,
             published_at="2026-01-29",
             abstract="We study retrieval for agents. Our method reaches 71.2% on BenchX."),
]


class RefusingSummarizer(ExtractiveSummarizer):
    """The extractive backend's identity (name, model, prompt version), but any call fails:
    a cache miss would show up as an AssertionError."""

    def summarize(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a stored summary became a cache miss")


def _old_store(path: Path, settings: Settings) -> dict[str, str]:
    """A store as the first release wrote it; returns id → the stored context_hash."""
    real = ExtractiveSummarizer()
    conn = sqlite3.connect(path)
    for sql in M001:
        conn.execute(sql)
    conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    conn.execute("INSERT INTO _migrations VALUES ('m001_initial', '2026-02-01T00:00:00+00:00')")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO runs (started_at, finished_at, command, dates, backend, model, "
                 "papers, done, status) VALUES ('2026-02-01T00:00:00+00:00', "
                 "'2026-02-01T00:01:00+00:00', 'run', '[\"2026-01-30\"]', 'extractive', "
                 "'extractive', 2, 2, 'ok')")
    hashes = {}
    for ref in PAPERS:
        doc = document_from_abstract(ref)
        conn.execute("INSERT INTO papers VALUES (?, ?, ?, ?, ?)",
                     (ref.arxiv_id, None, ref.title, json.dumps(ref.to_dict()),
                      "2026-02-01T00:00:00+00:00"))
        conn.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?)",
                     (ref.arxiv_id, "unknown", doc.source_kind, json.dumps(doc.to_dict()),
                      "2026-02-01T00:00:00+00:00"))
        packed = pack(doc, settings.llm.context_tokens, ref=ref)
        # The first release's key: the first 16 hex digits of SHA-256 of the packed text.
        hashes[ref.arxiv_id] = hashlib.sha256(packed.text.encode("utf-8")).hexdigest()[:16]
        result = real.summarize(ref, doc, packed, "zh")
        conn.execute(
            "INSERT INTO summaries (arxiv_id, version, source_kind, context_hash, "
            "prompt_version, backend, model, lang, data, tokens_in, tokens_out, mode, coverage, "
            "context_tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?)",
            (ref.arxiv_id, "unknown", doc.source_kind, hashes[ref.arxiv_id],
             real.prompt_version, real.name, real.model, "zh",
             json.dumps(asdict(result.summary), ensure_ascii=False), result.mode,
             packed.coverage, packed.tokens, "2026-02-01T00:00:00+00:00"))
    conn.commit()
    conn.close()
    return hashes


@pytest.fixture
def old(tmp_path: Path) -> tuple[Path, Settings, dict[str, str]]:
    settings = Settings()
    path = tmp_path / "paperdigest.sqlite3"
    return path, settings, _old_store(path, settings)


def test_old_keys_keep_their_form(old: tuple[Path, Settings, dict[str, str]]) -> None:
    _, _, hashes = old
    assert all(len(h) == 16 and int(h, 16) >= 0 for h in hashes.values())


def test_no_stored_summary_becomes_a_cache_miss(
        old: tuple[Path, Settings, dict[str, str]]) -> None:
    path, settings, hashes = old
    refusing = RefusingSummarizer()
    with Store(path, clock=lambda: NOW) as store:
        # The plain per-paper core finds every summary by the key it computes now…
        for ref in PAPERS:
            doc = store.get_document(ref.arxiv_id)
            assert doc is not None
            result = digest(ref, doc, refusing, settings, lang="zh", lookup=store.find_summary)
            assert result.cached
            assert result.key.context_hash == hashes[ref.arxiv_id]
        # …and so does the pipeline (documents from the store: nothing fetched).
        pipeline = Pipeline(settings, store, http=object(), summarizer=refusing,  # type: ignore[arg-type]
                            options=RunOptions(lang="zh"), now=lambda: NOW)
        reports = pipeline.process_all(list(PAPERS))
        assert [r.failure for r in reports] == [None, None]
        assert all(r.summary is not None for r in reports)
        assert store.conn.execute("SELECT COUNT(*) FROM summaries").fetchone()[0] == 2


def test_old_store_is_migrated_and_its_runs_read(
        old: tuple[Path, Settings, dict[str, str]]) -> None:
    path, _, _ = old
    with Store(path) as store:
        assert store.migrations()[0] == "m001_initial"
        (run,) = store.runs()
        assert (run.status, run.papers, run.done, run.degraded) == ("ok", 2, 2, 0)
        assert run.dates == ["2026-01-30"]
