"""Dense vectors for ``paperdigest ask``: progress while embedding (issue 17).

The archive is tests/fakes/archive.py (SYNTHESIZED); the endpoint is FakeEmbeddings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from paperdigest.ask import dense
from paperdigest.ask.dense import Embedder, update_vectors
from paperdigest.config import Settings
from paperdigest.store import Store
from tests.fakes.archive import fill_archive
from tests.fakes.embeddings import FakeEmbeddings


def test_update_vectors_reports_progress_per_stored_batch(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dense, "BATCH", 2)  # 2 passages per request and stored batch
    seen: list[tuple[int, int]] = []
    with Store(tmp_path / "pd.sqlite3") as store, FakeEmbeddings() as fake:
        fill_archive(store)
        rows = store.conn.execute("SELECT count(*) FROM search_rows").fetchone()[0]
        embedder = Embedder.from_settings(Settings(), fake.base_url, "fake-embed")
        embedded = update_vectors(store.conn, embedder,
                                  progress=lambda done, total: seen.append((done, total)))
    assert embedded == rows > 8
    assert [total for _, total in seen] == [rows] * len(seen)
    # Once before the first request (done = 0), then after each request batch.
    assert [done for done, _ in seen] == [*range(0, rows, 2), rows]


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
        assert lines[0] == f"embedding {rows} passages with fake-embed…"
        assert lines[1] == f"embedding passages with fake-embed: 2/{rows}"
        assert f"embedded {rows} new passages with fake-embed" in lines
        assert main(args) == 0  # nothing new: no progress, no summary
        assert "embedd" not in capsys.readouterr().err


# ------------------------------------------------- query expansion in the answer (QA 2026-11-29)


def _expanding_llm(terms: list[str]) -> Any:
    """A FakeLLM responder: the expansion request gets ``terms``; the answer request a
    not-found verdict (the passages are not what these tests look at)."""
    def respond(request: dict[str, Any]) -> Any:
        if "search terms" in request["messages"][0]["content"]:
            return {"terms": terms}
        return {"found": False, "answer": ""}
    return respond


@pytest.mark.parametrize("expand, terms, shown", [
    (True, ["reward model", "web agents"], ["reward model", "web agents"]),
    (False, ["reward model"], []),
])
def test_ask_json_says_which_terms_expansion_added_and_the_plain_output_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        expand: bool, terms: list[str], shown: list[str]) -> None:
    import json

    from paperdigest.cli import main
    from tests.fakes.llm import FakeLLM

    with Store(tmp_path / "paperdigest.sqlite3") as store:
        fill_archive(store)
    monkeypatch.setenv("PAPERDIGEST_HOME", str(tmp_path))
    with FakeLLM(_expanding_llm(terms)) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        flag = "--expand" if expand else "--no-expand"
        args = ["ask", "process reward model", "--backend", "openai", "--model", "fake", flag]
        main([*args, "--json"])
        assert json.loads(capsys.readouterr().out)["expansion"] == shown
        main(args)
        out = capsys.readouterr().out.splitlines()
    searched = [line for line in out if line.startswith("searched also for:")]
    assert searched == ([f"searched also for: {', '.join(shown)}"] if shown else [])
