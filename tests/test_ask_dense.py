"""Dense vectors for ``paperdigest ask``: progress while embedding (issue 17).

The archive is tests/fakes/archive.py (SYNTHESIZED); the endpoint is FakeEmbeddings.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from paperdigest.ask import dense
from paperdigest.ask.dense import Embedder, update_vectors
from paperdigest.config import Settings
from paperdigest.store import Store
from tests.fakes.archive import fill_archive
from tests.fakes.embeddings import FakeEmbeddings


def test_update_vectors_reports_progress_per_stored_batch(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dense, "BATCH", 2)  # 8 passages per stored batch
    seen: list[tuple[int, int]] = []
    with Store(tmp_path / "pd.sqlite3") as store, FakeEmbeddings() as fake:
        fill_archive(store)
        rows = store.conn.execute("SELECT count(*) FROM search_rows").fetchone()[0]
        embedder = Embedder.from_settings(Settings(), fake.base_url, "fake-embed")
        embedded = update_vectors(store.conn, embedder,
                                  progress=lambda done, total: seen.append((done, total)))
    assert embedded == rows > 8
    assert [total for _, total in seen] == [rows] * len(seen)
    assert [done for done, _ in seen] == [*range(8, rows, 8), rows]


def test_cli_shows_embedding_progress_then_a_summary_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from paperdigest.cli import main

    monkeypatch.setattr(dense, "BATCH", 2)
    with Store(tmp_path / "paperdigest.sqlite3") as store:
        fill_archive(store)
        rows = store.conn.execute("SELECT count(*) FROM search_rows").fetchone()[0]
    monkeypatch.setenv("PAPERDIGEST_HOME", str(tmp_path))
    with FakeEmbeddings() as fake:
        args = ["ask", "process reward model", "--embeddings-url", fake.base_url,
                "--embeddings-model", "fake-embed"]
        assert main(args) == 0
        lines = capsys.readouterr().err.splitlines()
        assert lines[0] == f"embedding passages with fake-embed: 8/{rows}"
        assert f"embedded {rows} new passages with fake-embed" in lines
        assert main(args) == 0  # nothing new: no progress, no summary
        assert "embedd" not in capsys.readouterr().err
