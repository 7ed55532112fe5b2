"""Every connection the library opens to a store carries the index's SQL functions.

The full-text index (paperdigest.index) keeps itself in step through triggers that call
Python SQL functions; a connection without them fails on any write to ``papers``,
``summaries`` or ``documents`` with "no such function".
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from paperdigest import store as store_module
from paperdigest.index import search
from paperdigest.models import PaperRef
from paperdigest.store import Store, connect


def _indexed_store(path: Path) -> None:
    with Store(path) as st:
        st.upsert_paper(PaperRef("2601.00001", "WebArbiter reward models", abstract="A model."))


def test_a_pending_migration_that_writes_indexed_tables_finds_the_functions(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A store written before a data migration: the index and its triggers already exist,
    # and the migration runs before the index is checked on open.
    path = tmp_path / "pd.sqlite3"
    _indexed_store(path)

    def m999_retitle(db: sqlite3.Connection) -> None:
        db.execute("UPDATE papers SET title = 'DynamicVLA moving objects' "
                   "WHERE arxiv_id = '2601.00001'")

    monkeypatch.setattr(store_module, "MIGRATIONS", [*store_module.MIGRATIONS, m999_retitle])
    with Store(path) as st:
        assert "m999_retitle" in st.migrations()
        assert [h.arxiv_id for h in search(st.conn, "DynamicVLA")] == ["2601.00001"]
        assert search(st.conn, "WebArbiter") == []


def test_connect_writes_through_the_index_triggers(tmp_path: Path) -> None:
    path = tmp_path / "pd.sqlite3"
    _indexed_store(path)
    conn = connect(path)
    try:
        conn.execute("UPDATE papers SET title = 'Renamed paper' WHERE arxiv_id = '2601.00001'")
        assert [h.arxiv_id for h in search(conn, "Renamed")] == ["2601.00001"]
        assert conn.execute("SELECT title FROM papers").fetchone()["title"] == "Renamed paper"
    finally:
        conn.close()
    # A bare sqlite3 connection is what the shared function replaces.
    bare = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such function"):
            bare.execute("UPDATE papers SET title = 'x' WHERE arxiv_id = '2601.00001'")
    finally:
        bare.close()


def test_read_only_connect_reads_and_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "pd.sqlite3"
    _indexed_store(path)
    conn = connect(path, read_only=True)
    try:
        assert [h.arxiv_id for h in search(conn, "WebArbiter")] == ["2601.00001"]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("UPDATE papers SET title = 'x'")
    finally:
        conn.close()
