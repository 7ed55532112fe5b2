"""Optional dense retrieval: passage embeddings from an OpenAI-compatible ``/embeddings``
endpoint, stored in SQLite as BLOBs and scored with numpy.

Python's sqlite3 cannot load extensions such as sqlite-vec, so vectors live in an ordinary
table, ``ask_vectors`` (one row per search-index passage and embedding model: the model
name, a SHA-256 of the embedded text and the unit-length float32 vector as little-endian
bytes), and a question is scored against all of them by one matrix product. The table is
a cache derived from the index, created on first use like the index itself (not a store
migration): :func:`update_vectors` embeds the passages that have no vector for the model
or whose text changed, and drops vectors of passages that no longer exist.

Embeddings go through the library's one LLM client (:meth:`paperdigest.llm.client.ChatClient.embed`),
so the HTTP policy (pacing, retries, deadlines, body cap) applies. Nothing is downloaded:
the model runs wherever the endpoint is. numpy is the ``dense`` extra
(``pip install 'paperdigest[dense]'``), imported only here.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, LLMError
from ..index import unsegment

if TYPE_CHECKING:
    import numpy as np

    from ..config import Settings

__all__ = [
    "EMBEDDINGS_KEY_ENV",
    "EMBEDDINGS_MODEL_ENV",
    "EMBEDDINGS_URL_ENV",
    "EMBEDDINGS_URL_SETTING",
    "Embedder",
    "dense_ranking",
    "missing_vectors",
    "update_vectors",
]

#: Environment variables naming an OpenAI-compatible embeddings endpoint, its model and,
#: when the endpoint is another provider than the LLM's, its API key (else the LLM's key).
EMBEDDINGS_URL_ENV = "PAPERDIGEST_EMBEDDINGS_URL"
EMBEDDINGS_MODEL_ENV = "PAPERDIGEST_EMBEDDINGS_MODEL"
EMBEDDINGS_KEY_ENV = "PAPERDIGEST_EMBEDDINGS_API_KEY"
#: How error messages name the setting that gives the endpoint's URL.
EMBEDDINGS_URL_SETTING = f"--embeddings-url / {EMBEDDINGS_URL_ENV}"
#: What error messages call the endpoint.
EMBEDDINGS_SERVER = "embeddings endpoint"

#: Passages per embeddings request.
BATCH = 64
#: Characters of a passage sent to the endpoint (embedding models read ~512 tokens).
MAX_CHARS = 2000

_SCHEMA = """CREATE TABLE IF NOT EXISTS ask_vectors (
    row_id INTEGER NOT NULL,
    model TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (row_id, model)
)"""


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:
        raise ConfigError(
            "dense retrieval needs numpy: pip install 'paperdigest[dense]'") from None
    return numpy


@dataclass
class Embedder:
    """Text → unit vectors, through one embeddings endpoint.

    ``embed`` takes a list of texts and returns one vector (list of floats) per text, in
    order; :meth:`from_settings` builds it on the library's LLM client. ``endpoint`` is
    the (redacted) URL that error messages name.
    """

    model: str
    embed_texts: Callable[[list[str]], list[list[float]]]
    endpoint: str = ""

    @classmethod
    def from_settings(cls, settings: Settings, base_url: str, model: str) -> Embedder:
        """An embedder for ``POST {base_url}/embeddings`` with ``model``. The API key is
        ``$PAPERDIGEST_EMBEDDINGS_API_KEY`` when set (an embeddings provider other than the
        LLM's), else the LLM's (``llm.api_key``/``llm.api_key_env``); the HTTP policy is
        ``settings``' (``http.*``, ``limits.llm``).

        Raises:
            ConfigError: ``base_url`` or ``model`` is empty.
        """
        if not base_url or not model:
            raise ConfigError("embeddings need both a base URL and a model name "
                              "(--embeddings-url and --embeddings-model)")
        from ..llm.client import ChatClient

        update: dict[str, Any] = {"base_url": base_url.rstrip("/"), "model": model}
        if os.environ.get(EMBEDDINGS_KEY_ENV):
            update.update(api_key=None, api_key_env=EMBEDDINGS_KEY_ENV)
        llm = settings.llm.model_copy(update=update)
        client = ChatClient(settings.model_copy(update={"llm": llm}),
                            server=EMBEDDINGS_SERVER, url_setting=EMBEDDINGS_URL_SETTING)
        return cls(model=model, embed_texts=client.embed, endpoint=client.shown_url)

    @classmethod
    def from_url(cls, base_url: str, model: str) -> Embedder:
        """:meth:`from_settings` with default settings (benchmarks)."""
        from ..config import Settings

        return cls.from_settings(Settings(), base_url, model)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """``len(texts) × dim`` float32, each row of unit length.

        Raises:
            LLMError: the endpoint failed, or its reply is malformed: not one vector per
                text, or a vector that is not a non-empty list of finite numbers, has
                another dimension than the others, or has zero length (nothing is
                returned, so nothing of the batch is stored).
        """
        npm = _numpy()
        out: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            batch = [t[:MAX_CHARS] or " " for t in texts[start:start + BATCH]]
            vectors = self.embed_texts(batch)
            if len(vectors) != len(batch):
                raise self._malformed(f"{len(vectors)} vectors for {len(batch)} texts")
            out.extend(vectors)
        dim = None
        for i, vector in enumerate(out):
            if (not isinstance(vector, list | tuple) or not vector
                    or not all(isinstance(x, int | float) and not isinstance(x, bool)
                               for x in vector)):
                raise self._malformed(f"vector {i} is not a list of numbers")
            if dim is None:
                dim = len(vector)
            elif len(vector) != dim:
                raise self._malformed(f"vector {i} has {len(vector)} numbers, vector 0 {dim}")
        matrix = npm.asarray(out, dtype=npm.float64).reshape(len(texts), dim or 0)
        if not npm.isfinite(matrix).all():
            bad = int(npm.flatnonzero(~npm.isfinite(matrix).all(axis=1))[0])
            raise self._malformed(f"vector {bad} holds NaN or an infinite number")
        norms = npm.linalg.norm(matrix, axis=1, keepdims=True)
        usable = (norms[:, 0] > 0) & npm.isfinite(norms[:, 0])
        if not usable.all():
            bad = int(npm.flatnonzero(~usable)[0])
            raise self._malformed(f"vector {bad} is all zeros (or too long to scale)")
        unit: np.ndarray = (matrix / norms).astype(npm.float32)
        return unit

    def check_dimension(self, got: int, stored: int | None) -> None:
        """Raise the malformed-reply error when vectors of ``got`` numbers meet vectors of
        ``stored`` numbers kept for this model (``None``: none kept yet)."""
        if stored is not None and got != stored:
            raise self._malformed(f"vectors of {got} numbers, but those stored for the "
                                  f"model have {stored}")

    def _malformed(self, what: str) -> LLMError:
        where = f" at {self.endpoint}" if self.endpoint else ""
        return LLMError(f"the {EMBEDDINGS_SERVER}{where} sent a malformed reply for model "
                        f"{self.model}: {what}; check {EMBEDDINGS_URL_SETTING} and "
                        "--embeddings-model")


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _has_vectors(conn: sqlite3.Connection) -> bool:
    """Whether the ``ask_vectors`` table exists (it is created on first embedding)."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                        "AND name = 'ask_vectors'").fetchone() is not None


def _pending(conn: sqlite3.Connection, model: str, kinds: Sequence[str] | None,
             ) -> tuple[list[tuple[int, str, str]], list[int]]:
    """(passages to embed as (row id, text hash, text), row ids of vectors to drop)."""
    known: dict[int, str] = {}
    if _has_vectors(conn):
        known = {row[0]: row[1] for row in conn.execute(
            "SELECT row_id, text_hash FROM ask_vectors WHERE model = ?", (model,))}
    todo: list[tuple[int, str, str]] = []
    present: set[int] = set()
    for row_id, kind, text in conn.execute("SELECT id, kind, text FROM search_rows"):
        present.add(row_id)
        if kinds is not None and kind not in kinds:
            continue
        plain = unsegment(text)
        digest = _hash(plain)
        if known.get(row_id) != digest:
            todo.append((row_id, digest, plain))
    return todo, [r for r in known if r not in present]


def missing_vectors(conn: sqlite3.Connection, model: str,
                    kinds: Sequence[str] | None = None) -> int:
    """Passages :func:`update_vectors` would embed for ``model`` (reads only: for a
    read-only store, where they take part in BM25 only)."""
    return len(_pending(conn, model, kinds)[0])


def update_vectors(conn: sqlite3.Connection, embedder: Embedder,
                   kinds: Sequence[str] | None = None,
                   progress: Callable[[int, int], None] | None = None) -> int:
    """Embed every index passage that has no current vector for ``embedder.model``; drop
    vectors of passages gone from the index. ``conn`` must be writable (autocommit; for a
    read-only store count what is missing with :func:`missing_vectors` instead).
    ``kinds`` limits which passages are embedded (e.g. leave out ``summary`` fields, which
    repeat the abstract's sentences); passages without a vector take part in BM25 only.
    ``progress(done, total)`` is called once with ``done = 0`` before the first request
    (when there is anything to embed), then after each stored request batch of
    :data:`BATCH` passages.

    Returns:
        The number of passages embedded.
    Raises:
        paperdigest.errors.LLMError: the endpoint failed or sent a malformed reply, or
            vectors of another dimension than those stored for the model (vectors stored
            from earlier batches are kept; nothing of the failed batch is stored).
    """
    conn.execute(_SCHEMA)
    np = _numpy()
    todo, gone = _pending(conn, embedder.model, kinds)
    if gone:
        conn.executemany("DELETE FROM ask_vectors WHERE row_id = ? AND model = ?",
                         [(r, embedder.model) for r in gone])
    if todo and progress is not None:
        progress(0, len(todo))
    stored = conn.execute("SELECT length(vector) FROM ask_vectors WHERE model = ? LIMIT 1",
                          (embedder.model,)).fetchone()
    dim = stored[0] // 4 if stored else None
    for start in range(0, len(todo), BATCH):
        chunk = todo[start:start + BATCH]
        vectors = embedder.embed([t[2] for t in chunk])
        embedder.check_dimension(vectors.shape[1], dim)
        dim = vectors.shape[1]
        conn.executemany(
            "INSERT OR REPLACE INTO ask_vectors (row_id, model, text_hash, vector) "
            "VALUES (?, ?, ?, ?)",
            [(row_id, embedder.model, digest, vectors[i].astype(np.float32).tobytes())
             for i, (row_id, digest, _) in enumerate(chunk)],
        )
        if progress is not None:
            progress(start + len(chunk), len(todo))
    return len(todo)


def dense_ranking(conn: sqlite3.Connection, embedder: Embedder, question: str,
                  allowed: set[str] | None, lang: str | None,
                  limit: int) -> list[tuple[int, str, str, str, str, float]]:
    """Passages by cosine similarity to ``question``: rows as
    :func:`paperdigest.ask.retrieve._bm25` returns them; empty when no vector is stored."""
    if not _has_vectors(conn):
        return []
    np = _numpy()
    rows = conn.execute(
        "SELECT v.row_id, v.vector, r.arxiv_id, r.kind, r.label, r.lang FROM ask_vectors v "
        "JOIN search_rows r ON r.id = v.row_id WHERE v.model = ?", (embedder.model,)).fetchall()
    meta = []
    blobs = []
    for row_id, blob, arxiv_id, kind, label, row_lang in rows:
        if allowed is not None and arxiv_id not in allowed:
            continue
        if lang and kind == "summary" and row_lang != lang:
            continue
        meta.append((row_id, arxiv_id, kind, label, row_lang))
        blobs.append(blob)
    if not meta:
        return []
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(meta), -1)
    query = embedder.embed([question])[0]
    embedder.check_dimension(query.shape[0], matrix.shape[1])
    scores = matrix @ query
    top = np.argsort(-scores)[:limit]
    return [(*meta[i], float(scores[i])) for i in top]
