"""Faults around dense retrieval in ``paperdigest ask`` (QA 2026-11-29, second pass).

A bad reply from the embeddings endpoint (wrong shape, ragged or non-numeric vectors, NaN,
infinite or all-zero vectors, not JSON) is one ``Error:`` line naming the endpoint and its
setting, and nothing of it is stored; a read-only store is ranked with the vectors it has.
The archive is tests/fakes/archive.py (SYNTHESIZED); the endpoint is FakeEmbeddings with
scripted replies written here by hand.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from paperdigest.ask import dense
from paperdigest.ask.dense import Embedder, update_vectors
from paperdigest.cli import main
from paperdigest.config import Settings
from paperdigest.errors import LLMError
from paperdigest.store import Store
from tests.fakes.archive import fill_archive
from tests.fakes.embeddings import FakeEmbeddings, fake_vector

DB = "paperdigest.sqlite3"
SETTING = "--embeddings-url / PAPERDIGEST_EMBEDDINGS_URL"


def _good(texts: list[str]) -> list[list[float]]:
    return [fake_vector(t, {}, 8) for t in texts]


def _payload(vectors: list[Any]) -> dict[str, Any]:
    return {"object": "list", "model": "x",
            "data": [{"object": "embedding", "index": i, "embedding": v}
                     for i, v in enumerate(vectors)]}


def _ragged(texts: list[str]) -> dict[str, Any]:
    return _payload([[1.0] * (3 + i % 2) for i in range(len(texts))])


def _strings(texts: list[str]) -> dict[str, Any]:
    return _payload([["a", "b", "c"] for _ in texts])


def _with(value: float) -> Any:
    def reply(texts: list[str]) -> bytes:
        vectors = [[1.0, 2.0, 3.0] for _ in texts]
        vectors[-1][1] = value
        return json.dumps(_payload(vectors)).encode()  # NaN / Infinity as JSON5 writes them
    return reply


def _zeros(texts: list[str]) -> dict[str, Any]:
    return _payload([[0.0, 0.0, 0.0] for _ in texts])


BAD = {
    "data not a list": lambda texts: {"data": "nope"},
    "ragged vectors": _ragged,
    "vectors of strings": _strings,
    "NaN": _with(float("nan")),
    "Infinity": _with(float("inf")),
    "all zeros": _zeros,
    "not JSON": lambda texts: b"<html>gateway</html>",
    "too few vectors": lambda texts: _payload([[1.0, 2.0]]) if len(texts) > 1 else {},
}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    with Store(tmp_path / DB) as store:
        fill_archive(store)
    monkeypatch.setenv("PAPERDIGEST_HOME", str(tmp_path))
    return tmp_path


def _vectors(home: Path) -> int:
    with closing(sqlite3.connect(home / DB)) as conn:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'ask_vectors'").fetchone():
            return 0
        return int(conn.execute("SELECT count(*) FROM ask_vectors").fetchone()[0])


@pytest.mark.parametrize("reply", list(BAD.values()), ids=list(BAD))
def test_a_bad_embeddings_reply_is_one_error_line_and_nothing_is_stored(
        home: Path, capsys: pytest.CaptureFixture[str], reply: Any) -> None:
    with FakeEmbeddings(replies=[reply]) as fake:
        code = main(["ask", "process reward model", "--embeddings-url", fake.base_url,
                     "--embeddings-model", "x"])
        assert len(fake.requests) == 1  # not retried: a malformed reply is not transient
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.startswith("Error:")]
    assert code == 1, captured.err
    assert len(errors) == 1, captured.err
    assert "Traceback" not in captured.err
    assert "embeddings endpoint" in errors[0] and fake.base_url in errors[0]
    assert SETTING in errors[0] and "OPENAI_BASE_URL" not in errors[0]
    assert _vectors(home) == 0


def test_a_bad_second_batch_keeps_the_first_and_stores_nothing_of_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dense, "BATCH", 2)
    # First request good, second malformed (all zeros): the first batch stays stored.
    with Store(tmp_path / DB) as store, FakeEmbeddings(replies=[
            lambda texts: _payload(_good(texts)), _zeros]) as fake:
        fill_archive(store)
        embedder = Embedder.from_settings(Settings(), fake.base_url, "x")
        with pytest.raises(LLMError, match="all zeros"):
            update_vectors(store.conn, embedder)
        assert store.conn.execute("SELECT count(*) FROM ask_vectors").fetchone()[0] == 2


def test_vectors_of_another_dimension_than_those_stored_are_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dense, "BATCH", 2)
    with Store(tmp_path / DB) as store, FakeEmbeddings(replies=[
            lambda texts: _payload(_good(texts)),
            lambda texts: _payload([[1.0, 2.0] for _ in texts])]) as fake:
        fill_archive(store)
        embedder = Embedder.from_settings(Settings(), fake.base_url, "x")
        with pytest.raises(LLMError, match="8"):
            update_vectors(store.conn, embedder)
        assert store.conn.execute("SELECT count(*) FROM ask_vectors").fetchone()[0] == 2


def test_an_unreachable_embeddings_url_names_its_own_setting(
        tmp_path: Path) -> None:
    with closing(socket.socket()) as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings.model_validate({"http": {"retries": 0}})
    embedder = Embedder.from_settings(settings, f"http://127.0.0.1:{port}/v1", "x")
    with pytest.raises(LLMError) as caught:
        embedder.embed(["a passage"])
    message = str(caught.value)
    assert "embeddings endpoint" in message and SETTING in message
    assert "OPENAI_BASE_URL" not in message and "llm.base_url" not in message


def test_ask_on_a_read_only_store_ranks_with_the_stored_vectors(
        home: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from paperdigest.cli import ask as cli_ask

    with FakeEmbeddings() as fake:
        args = ["ask", "process reward model", "--embeddings-url", fake.base_url,
                "--embeddings-model", "x", "--json"]
        with Store(home / DB) as store:  # some vectors stored, then two passages change
            embedded = update_vectors(store.conn, Embedder.from_settings(
                Settings(), fake.base_url, "x"))
            store.conn.execute("DELETE FROM ask_vectors WHERE row_id IN "
                               "(SELECT row_id FROM ask_vectors LIMIT 2)")
        sent = len(fake.requests)
        # A store opened read-only (as open_store(reading=True) does when it cannot write).
        monkeypatch.setattr(cli_ask, "open_store",
                            lambda settings, reading=False: Store(home / DB, read_only=True))
        assert main(args) == 0
        answer = json.loads(capsys.readouterr().out)
        assert answer["retrieval"] == "bm25+dense" and answer["papers"]
        assert main(args[:-1]) == 0
        err = capsys.readouterr().err
        assert len(fake.requests) == sent + 2  # the questions only: no passage embedded
    assert "the store is read-only: 2 new passages were not embedded" in err.splitlines()
    assert _vectors(home) == embedded - 2


def test_ask_with_embeddings_on_a_really_read_only_store(
        ro_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from paperdigest.store import connect

    with closing(connect(ro_home / DB, read_only=True)) as conn:
        rows = conn.execute("SELECT count(*) FROM search_rows").fetchone()[0]
    with FakeEmbeddings() as fake:
        assert main(["ask", "WebArbiter", "--embeddings-url", fake.base_url,
                     "--embeddings-model", "x"]) == 0
        assert len(fake.requests) == 0  # no vector stored: BM25 alone, the question unsent
    captured = capsys.readouterr()
    assert "WebArbiter" in captured.out
    assert f"the store is read-only: {rows} new passages were not embedded" in captured.err
    assert sorted(p.name for p in ro_home.iterdir()) == [DB]


def test_embedding_progress_starts_before_the_first_request_and_follows_each_batch(
        home: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(dense, "BATCH", 2)
    with Store(home / DB) as store:
        rows = store.conn.execute("SELECT count(*) FROM search_rows").fetchone()[0]
    with FakeEmbeddings() as fake:
        assert main(["ask", "process reward model", "--embeddings-url", fake.base_url,
                     "--embeddings-model", "x"]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == f"embedding {rows} passages with x…"
    assert lines[1] == f"embedding passages with x: 2/{rows}"
    assert lines[2] == f"embedding passages with x: 4/{rows}"
    assert f"embedded {rows} new passages with x" in lines


@pytest.mark.parametrize("option", [["--category", ""], ["--category", "  "],
                                    ["--interest", ""], ["--category", "cs.CL",
                                                         "--category", ""]])
def test_an_empty_filter_value_is_a_usage_error(
        home: Path, capsys: pytest.CaptureFixture[str], option: list[str]) -> None:
    assert main(["ask", "agents", *option]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:") and option[-2] in lines[0]


def test_a_question_vector_of_another_dimension_than_those_stored_is_refused(
        tmp_path: Path) -> None:
    from paperdigest.ask.dense import dense_ranking

    with Store(tmp_path / DB) as store, FakeEmbeddings(replies=[
            lambda texts: _payload(_good(texts)),
            lambda texts: _payload([[1.0, 2.0] for _ in texts])]) as fake:
        fill_archive(store)
        embedder = Embedder.from_settings(Settings(), fake.base_url, "x")
        update_vectors(store.conn, embedder)
        with pytest.raises(LLMError, match="stored for the model have"):
            dense_ranking(store.conn, embedder, "reward model", None, None, 10)
