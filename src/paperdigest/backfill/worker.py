"""What a backfill worker does with one paper, and how its results reach the store.

No Ray here: these functions run inside Ray Data stages (see :mod:`.ray_engine`) but are
plain Python, so tests and the driver can call them directly.

A worker never opens the SQLite store (on a cluster it is on another machine). It runs the
library's own per-paper code, :meth:`paperdigest.pipeline.Pipeline.document` (acquire) and
:meth:`~paperdigest.pipeline.Pipeline.process` (pack → summarize → verify), against a
:class:`RecordingStore`: reads are answered from what the driver put in the row (the stored
Document, the stored summary), and every write is appended to a log instead. The driver
replays the logs into the real store with :func:`apply_writes` (the single writer), so the
store ends up exactly as if the paper had gone through ``paperdigest run``.

Rows are dicts of strings, booleans and ints only (JSON text inside), so that Arrow blocks
of every batch have one schema.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import pickle
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from ..errors import AuthError, PaperdigestError
from ..models import (
    Document,
    FetchAttempt,
    PaperRef,
    PaperSummary,
    Verification,
)
from ..store import StoredSummary, SummaryKey

if TYPE_CHECKING:
    from ..config import Settings
    from ..fetch.http import HttpClient
    from ..pipeline import Pipeline, RunOptions
    from ..store import Store
    from ..summarize.base import Summarizer

logger = logging.getLogger(__name__)

Row = dict[str, Any]

#: Columns of a planned row (driver → acquire stage).
PLAN_COLUMNS = ("arxiv_id", "date", "ref", "doc", "stored_summary")
#: Columns added by the stages (acquire → LLM stage → writer).
RESULT_COLUMNS = ("acquired", "error", "writes", "failure", "stats", "fatal", "cached")


# ------------------------------------------------------------------ encoding helpers


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def encode_error(exc: BaseException) -> str:
    """A paperdigest error as text for a row (pickled; errors keep their class and fields)."""
    return base64.b64encode(pickle.dumps(exc)).decode("ascii")


def decode_error(text: str) -> PaperdigestError:
    value = pickle.loads(base64.b64decode(text))
    assert isinstance(value, PaperdigestError)
    return value


def encode_stored(stored: StoredSummary | None) -> str:
    """A stored summary as JSON text for a row; empty when there is none."""
    if stored is None:
        return ""
    data = dataclasses.asdict(stored)
    data["summary"] = stored.summary.to_dict()
    data["verification"] = stored.verification.to_dict() if stored.verification else None
    return _dumps(data)


def decode_stored(text: str) -> StoredSummary | None:
    if not text:
        return None
    data = json.loads(text)
    data["key"] = SummaryKey(**data["key"])
    data["summary"] = PaperSummary.from_dict(data["summary"])
    if data["verification"] is not None:
        data["verification"] = Verification.from_dict(data["verification"])
    return StoredSummary(**data)


def plan_row(ref: PaperRef, day: str, doc: Document | None,
             stored: StoredSummary | None) -> Row:
    """The row the driver sends to the stages for one paper that still needs work."""
    return {
        "arxiv_id": ref.arxiv_id,
        "date": day,
        "ref": _dumps(ref.to_dict()),
        "doc": _dumps(doc.to_dict()) if doc is not None else "",
        "stored_summary": encode_stored(stored),
    }


# ------------------------------------------------------------------ the recording store


class RecordingStore:
    """The subset of :class:`~paperdigest.store.Store` that a per-paper run touches.

    Reads come from the row (``doc``: the best stored Document; ``stored``: the latest stored
    summary of this paper for the run's backend, model and language); writes are appended to
    :attr:`writes` as ``[method, payload]`` pairs that :func:`apply_writes` replays.
    """

    def __init__(self, doc: Document | None = None, stored: StoredSummary | None = None) -> None:
        self.doc = doc
        self.stored = stored
        self.writes: list[list[Any]] = []
        self._lock = threading.Lock()

    def _log(self, method: str, payload: dict[str, Any]) -> None:
        with self._lock:
            self.writes.append([method, payload])

    # reads
    def get_document(self, arxiv_id: str, version: Any = None,
                     source_kind: str | None = None) -> Document | None:
        doc = self.doc
        if doc is None or doc.arxiv_id != arxiv_id:
            return None
        return doc

    def find_summary(self, key: SummaryKey) -> StoredSummary | None:
        stored = self.stored
        if stored is not None and stored.key.as_tuple() == key.as_tuple():
            return stored
        return None

    # writes
    def save_fetch(self, fetched: Any) -> None:
        self._log("save_fetch", {
            "arxiv_id": fetched.arxiv_id, "kind": fetched.kind, "url": fetched.url,
            "size": fetched.size, "version": fetched.version,
            "content_type": fetched.content_type, "fetched_at": fetched.fetched_at,
            "seconds": fetched.seconds,
            "attempts": [dataclasses.asdict(a) for a in fetched.attempts],
        })

    def save_document(self, doc: Document) -> None:
        self.doc = doc
        self._log("save_document", {"doc": doc.to_dict()})

    def save_summary(self, key: SummaryKey, summary: PaperSummary, **kwargs: Any) -> int:
        verification = kwargs.pop("verification", None)
        self._log("save_summary", {
            "key": dataclasses.asdict(key), "summary": summary.to_dict(),
            "verification": verification.to_dict() if verification is not None else None,
            **kwargs,
        })
        return 0

    def resolve_failures(self, arxiv_id: str, date: str | None = None) -> None:
        self._log("resolve_failures", {"arxiv_id": arxiv_id, "date": date})

    def record_failure(self, run_id: int | None, arxiv_id: str, date: str | None, stage: str,
                       reason: str) -> None:
        self._log("record_failure", {"arxiv_id": arxiv_id, "date": date, "stage": stage,
                                     "reason": reason})

    def upsert_paper(self, ref: PaperRef) -> None:
        self._log("upsert_paper", {"ref": ref.to_dict()})


def apply_writes(store: Store, writes: Iterable[list[Any]], run_id: int | None) -> None:
    """Replay a worker's write log into the real store (called by the single writer only).

    Raises:
        StoreError: the store refused a write.
        ValueError: an unknown write (a log from a newer worker).
    """
    for method, payload in writes:
        if method == "save_fetch":
            attempts = [FetchAttempt(**a) for a in payload.pop("attempts")]
            # Store.save_fetch reads attributes only; the body never travels back.
            store.save_fetch(SimpleNamespace(**payload, attempts=attempts))  # type: ignore[arg-type]
        elif method == "save_document":
            store.save_document(Document.from_dict(payload["doc"]))
        elif method == "save_summary":
            key = SummaryKey(**payload.pop("key"))
            summary = PaperSummary.from_dict(payload.pop("summary"))
            verification = payload.pop("verification")
            store.save_summary(
                key, summary,
                verification=Verification.from_dict(verification) if verification else None,
                **payload,
            )
        elif method == "resolve_failures":
            store.resolve_failures(payload["arxiv_id"], date=payload["date"])
        elif method == "record_failure":
            store.record_failure(run_id, payload["arxiv_id"], payload["date"], payload["stage"],
                                 payload["reason"])
        elif method == "upsert_paper":
            store.upsert_paper(PaperRef.from_dict(payload["ref"]))
        else:
            raise ValueError(f"unknown write {method!r} in a backfill result")


# ------------------------------------------------------------------ the worker context


class FixedClock:
    """``now`` for workers: the driver's start time, so every worker judges ages alike."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@dataclasses.dataclass
class WorkerSpec:
    """Everything a stage needs to build its worker state; picklable, sent once per actor."""

    settings: Settings
    options: RunOptions
    now: datetime
    threads: int
    """Papers handled at once inside one actor (blocking I/O runs in a thread pool)."""


class Worker:
    """Per-actor state: one HTTP client and one summarizer, reused for every row.

    ``limiters`` (role → object with ``acquire()``/``penalize(seconds)``) replace the HTTP
    client's own per-process limiters, so that pacing is global across all workers.
    """

    def __init__(self, spec: WorkerSpec, limiters: dict[str, Any] | None = None) -> None:
        from ..runtime import open_http

        self.spec = spec
        # No on-disk HTTP cache on workers: the store's Documents are what makes reruns free,
        # and a worker node has no data directory of its own.
        settings = spec.settings.model_copy(
            update={"http": spec.settings.http.model_copy(update={"cache": False})})
        self.settings = settings
        self.http: HttpClient = open_http(settings)
        if limiters:
            self.http.limiters.update(limiters)
        self._summarizer: Summarizer | None = None
        self._llm_down: PaperdigestError | None = None
        self._lock = threading.Lock()

    @property
    def summarizer(self) -> Summarizer:
        if self._summarizer is None:
            from ..summarize import make_summarizer

            # LLM requests go through this worker's HTTP client: one policy, paced and
            # counted by the global limiter like every fetch.
            self._summarizer = make_summarizer(self.settings, http_client=self.http)
        return self._summarizer

    def _pipeline(self, store: RecordingStore) -> Pipeline:
        from ..pipeline import Pipeline

        return Pipeline(self.settings, store, self.http, self.summarizer,  # type: ignore[arg-type]
                        options=self.spec.options, now=FixedClock(self.spec.now))

    def close(self) -> None:
        self.http.close()

    # ------------------------------------------------------------- stage 1: acquire

    def acquire(self, row: Row) -> Row:
        """Fetch and extract one paper (or take its stored Document); never raises.

        Adds ``acquired`` (the Document as JSON, or empty), ``error`` (the error that
        stopped it, encoded) and ``writes`` (the fetch/document writes).
        """
        ref = PaperRef.from_dict(json.loads(row["ref"]))
        doc = Document.from_dict(json.loads(row["doc"])) if row["doc"] else None
        store = RecordingStore(doc)
        pipeline = self._pipeline(store)
        out = dict(row, acquired="", error="")
        try:
            got = pipeline.document(ref)
        except PaperdigestError as exc:
            out["error"] = encode_error(exc)
        except Exception as exc:
            logger.exception("%s: unexpected error while fetching", ref.arxiv_id)
            out["error"] = encode_error(PaperdigestError(f"{type(exc).__name__}: {exc}"))
        else:
            out["acquired"] = _dumps(got.to_dict())
        out["writes"] = _dumps(store.writes)
        return out

    # ------------------------------------------------------------- stage 2: digest

    def digest(self, row: Row) -> Row:
        """Pack, summarize and verify one acquired paper (the library's per-paper core).

        Adds ``writes`` (every store write, the acquire stage's first), ``failure``
        (``{"stage", "reason"}`` JSON or empty), ``stats`` (tokens, calls, cost), ``cached``
        and ``fatal`` (an :class:`AuthError` message: the whole backfill must stop).
        """
        ref = PaperRef.from_dict(json.loads(row["ref"]))
        acquired = Document.from_dict(json.loads(row["acquired"])) if row["acquired"] else None
        store = RecordingStore(acquired, decode_stored(row["stored_summary"]))
        pipeline = self._pipeline(store)
        # The acquire stage's outcome, as Pipeline.document would have remembered it.
        pipeline._docs[ref.arxiv_id] = (
            decode_error(row["error"]) if row["error"] else acquired  # type: ignore[assignment]
        )
        with self._lock:
            pipeline._llm_down = self._llm_down  # type: ignore[assignment]
        out = {k: row[k] for k in ("arxiv_id", "date")}
        out.update(fatal="", failure="", cached=False)
        try:
            report = pipeline.process(ref)
        except AuthError as exc:
            out["fatal"] = str(exc)
            report = None
        with self._lock:
            if pipeline._llm_down is not None and self._llm_down is None:
                self._llm_down = pipeline._llm_down
        if report is not None and report.failure is not None:
            out["failure"] = _dumps({"stage": report.failure.stage,
                                     "reason": report.failure.reason})
        stats = pipeline.stats
        out["cached"] = bool(report is not None and report.failure is None
                             and stats.llm_calls == 0 and not any(
                                 w[0] == "save_summary" for w in store.writes))
        out["stats"] = _dumps({"tokens_in": stats.tokens_in, "tokens_out": stats.tokens_out,
                               "llm_calls": stats.llm_calls, "cost": stats.cost})
        out["writes"] = _dumps(json.loads(row["writes"]) + store.writes)
        return out


def run_threads(fn: Callable[[Row], Row], rows: list[Row], threads: int) -> list[Row]:
    """``fn`` over ``rows`` with up to ``threads`` at once; results in input order."""
    if threads <= 1 or len(rows) <= 1:
        return [fn(r) for r in rows]
    with ThreadPoolExecutor(max_workers=min(threads, len(rows)),
                            thread_name_prefix="paperdigest-backfill") as pool:
        return list(pool.map(fn, rows))
