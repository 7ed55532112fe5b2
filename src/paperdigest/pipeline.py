"""The per-paper unit of work and the concurrent day pipeline.

One paper flows fetch → extract → pack → summarize → verify → store as soon as its
previous stage is done. Fetching is bounded by the per-role rate limiters of the HTTP layer
(and a small fetch semaphore so waiting fetches never starve the LLM workers); summarizing
is bounded by ``concurrency``. Blocking work (HTTP, PDF parsing, the LLM SDK) runs in a
thread pool driven by asyncio, so the stages overlap across papers.

Every result is written to the store as soon as its paper completes, so a crash loses at
most the papers in flight, and a rerun recomputes nothing that is stored: a settled day is
not listed again, stored documents are not fetched again, and a summary whose cache key
(DESIGN §5) is stored costs no LLM call. One failure never stops the others; it is
recorded with its stage and reason. Only a rejected API key (:class:`AuthError`) stops the
run, because every other paper would fail the same way.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .context import pack
from .errors import (
    AuthError,
    ExtractionError,
    FetchError,
    HTTPError,
    LLMError,
    LLMUnavailableError,
    PaperdigestError,
)
from .extract import extract
from .extract.abstract import document_from_abstract
from .fetch.chain import fetch_paper
from .models import DayReport, Document, Failure, PaperRef, PaperReport, RunStats
from .sources.hf import HFSource, is_settled
from .store import SummaryKey
from .verify import verify

if TYPE_CHECKING:
    from .config import Settings
    from .fetch.http import HttpClient
    from .sources.arxiv import ArxivSource
    from .store import Store
    from .summarize.base import Summarizer

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Abstract-only papers younger than this are re-checked for HTML on rerun (DESIGN §5).
RECHECK_ABSTRACT_DAYS = 14
#: Fetches in flight at once; the per-role rate limiters set the real pace.
FETCH_WORKERS = 4
#: Each context-length retry inside the summarizer shrinks the budget; nothing to do here.


class ProgressSink(Protocol):
    """Receives pipeline events; the CLI turns them into a progress bar or log lines."""

    def event(self, name: str, **data: Any) -> None: ...


class _NullProgress:
    def event(self, name: str, **data: Any) -> None:
        return None


@dataclass
class RunOptions:
    lang: str = "zh"
    force: bool = False
    """Recompute summaries even when their cache key is stored."""
    refresh: bool = False
    """Re-list settled days and re-fetch stored documents."""


@dataclass
class DayListing:
    date: str
    listed_date: str
    refs: list[PaperRef]
    notes: list[str] = field(default_factory=list)


def context_hash(text: str) -> str:
    """Stable short hash of the packed context (part of the summary cache key)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def order_reports(reports: Iterable[PaperReport]) -> list[PaperReport]:
    """Upvotes descending, ties by arXiv id (DESIGN §2)."""
    return sorted(reports, key=lambda r: (-r.ref.upvotes, r.ref.arxiv_id))


def cost_of(settings: Settings, model: str, tokens_in: int, tokens_out: int) -> float:
    """USD cost from the configured price table (per million tokens); 0 when unpriced."""
    price = settings.prices.get(model)
    if not price:
        return 0.0
    return tokens_in / 1e6 * price[0] + tokens_out / 1e6 * price[1]


class Pipeline:
    """Runs days (or explicit id lists) through every stage and into the store."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        http: HttpClient,
        summarizer: Summarizer,
        *,
        options: RunOptions | None = None,
        now: Callable[[], datetime] | None = None,
        progress: ProgressSink | None = None,
        arxiv: ArxivSource | None = None,
        run_id: int | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.http = http
        self.summarizer = summarizer
        self.options = options or RunOptions(lang=settings.lang)
        self.now = now or (lambda: datetime.now(UTC))
        self.progress: ProgressSink = progress or _NullProgress()
        self.arxiv = arxiv
        self.run_id = run_id
        self.hf = HFSource(http, settings)
        self.stats = RunStats(backend=summarizer.name, model=summarizer.model)
        self._fatal: PaperdigestError | None = None
        # Once the LLM server is unreachable after retries, later papers fail at once with
        # the same reason instead of each waiting through its own retries.
        self._llm_down: LLMUnavailableError | None = None
        # Stage 1 results per paper in this run (a Document or the error that stopped it),
        # so stage 2 never fetches twice.
        self._docs: dict[str, Document | PaperdigestError] = {}

    # ----------------------------------------------------------------- listing

    def list_day(self, day: date) -> DayListing:
        """The papers of ``day`` (or the latest earlier day with a list), via the store.

        A settled day is read from the store without any request; an unsettled one is
        re-listed and new papers are added to what is stored.

        Raises:
            NoPapersError: nothing listed within the look-back window.
            SourceError: the list source failed.
        """
        key = day.isoformat()
        record = self.store.get_day(key)
        if record is None or not record.settled or self.options.refresh:
            listed_day, refs = self.hf.find_day(day, self.settings.lookback_days)
            # save_day upserts the papers in the same transaction.
            self.store.save_day(
                key, listed_day.isoformat(), refs, self.now(), is_settled(day, self.now())
            )
            record = self.store.get_day(key)
            assert record is not None
        listed = self.store.day_papers(key)
        notes = []
        if record.listed_date != key:
            notes.append(
                f"注：{key} 没有论文列表，本报告使用 {record.listed_date} 的 {len(listed)} 篇论文。"
            )
        return DayListing(key, record.listed_date, listed, notes)

    # --------------------------------------------------------------- per paper

    def _needs_fetch(self, ref: PaperRef, doc: Document | None) -> bool:
        if doc is None or self.options.refresh:
            return True
        if ref.version is not None and (doc.version is None or ref.version > doc.version):
            return True
        if doc.source_kind == "ArXiv Abs":
            published = (ref.published_at or ref.submitted_on_daily_at or "")[:10]
            try:
                age = self.now().date() - date.fromisoformat(published)
            except ValueError:
                return False
            return age < timedelta(days=RECHECK_ABSTRACT_DAYS)
        return False

    def document(self, ref: PaperRef) -> Document:
        """The paper's Document: from the store, or fetched and extracted (and stored).

        The outcome is remembered for the rest of the run, failures included.

        Raises:
            FetchError: no source at all could be fetched.
            ExtractionError: the source could not be read and there is no abstract.
        """
        known = self._docs.get(ref.arxiv_id)
        if known is None:
            try:
                known = self._load_document(ref)
            except PaperdigestError as exc:
                known = exc
            self._docs[ref.arxiv_id] = known
        if isinstance(known, PaperdigestError):
            raise known
        return known

    def _load_document(self, ref: PaperRef) -> Document:
        stored = self.store.get_document(ref.arxiv_id)
        if not self._needs_fetch(ref, stored):
            assert stored is not None
            return stored
        self.progress.event("stage", arxiv_id=ref.arxiv_id, stage="fetch")
        fetched = fetch_paper(self.http, self.settings, ref, arxiv=self.arxiv)
        self.store.save_fetch(fetched)
        self.progress.event("stage", arxiv_id=ref.arxiv_id, stage="extract")
        try:
            doc = extract(
                fetched,
                ref,
                pdf_timeout=self.settings.pdf_timeout,
                max_bytes=int(self.settings.http.max_body_mb * 1_000_000),
            )
        except ExtractionError as exc:
            if not ref.abstract:
                raise
            # A broken page or PDF still leaves the abstract: read that and say why.
            logger.warning("%s: %s extraction failed (%s); using the abstract", ref.arxiv_id,
                           fetched.kind, exc)
            doc = document_from_abstract(ref)
            doc.flags.append(f"extract_failed:{fetched.kind}:{exc.reason}")
        if stored is not None and _rank(stored) > _rank(doc) and not self.options.refresh:
            # Never replace a better stored source with a worse one (e.g. HTML with abstract).
            return stored
        self.store.save_document(doc)
        return doc

    def process(self, ref: PaperRef) -> PaperReport:
        """Run one paper through every stage; failures come back inside the report.

        Raises:
            AuthError: the LLM rejected the key (the whole run must stop).
        """
        report = PaperReport(ref=ref, backend=self.summarizer.name, model=self.summarizer.model)
        stage = "fetch"
        try:
            doc = self.document(ref)
            report.source_kind = doc.source_kind
            stage = "summarize"
            packed = pack(doc, self.settings.llm.context_tokens, ref=ref)
            report.coverage = packed.coverage
            report.context_tokens = packed.tokens
            key = SummaryKey(
                arxiv_id=ref.arxiv_id,
                version=str(doc.version) if doc.version is not None else "unknown",
                source_kind=doc.source_kind,
                context_hash=context_hash(packed.text),
                prompt_version=self.summarizer.prompt_version,
                backend=self.summarizer.name,
                model=self.summarizer.model,
                lang=self.options.lang,
            )
            stored = None if self.options.force else self.store.find_summary(key)
            if stored is not None:
                report.summary = stored.summary
                report.verification = stored.verification
                self.store.resolve_failures(ref.arxiv_id)
                self.progress.event("done", arxiv_id=ref.arxiv_id, cached=True)
                return report
            self.progress.event("stage", arxiv_id=ref.arxiv_id, stage="summarize")
            if self._llm_down is not None:
                raise LLMUnavailableError(f"not attempted: {self._llm_down}")
            result = self.summarizer.summarize(ref, doc, packed, self.options.lang)
            stage = "verify"
            verification = verify(result.summary, source_text(doc, ref))
            stage = "store"
            key.backend, key.model = result.backend, result.model
            self.store.save_summary(
                key,
                result.summary,
                tokens_in=result.tokens_in,
                tokens_out=result.tokens_out,
                mode=result.mode,
                coverage=packed.coverage,
                context_tokens=packed.tokens,
                verification=verification,
            )
            self.store.resolve_failures(ref.arxiv_id)
            report.summary = result.summary
            report.verification = verification
            report.backend, report.model = result.backend, result.model
            self.stats.tokens_in += result.tokens_in
            self.stats.tokens_out += result.tokens_out
            self.stats.llm_calls += result.calls
            self.stats.cost += cost_of(self.settings, result.model, result.tokens_in,
                                       result.tokens_out)
            self.progress.event("done", arxiv_id=ref.arxiv_id, cached=False,
                                tokens=result.tokens_in + result.tokens_out)
            return report
        except AuthError:
            raise
        except (FetchError, HTTPError) as exc:
            report.failure = Failure("fetch", _one_line(exc))
        except ExtractionError as exc:
            report.failure = Failure("extract", _one_line(exc))
        except LLMUnavailableError as exc:
            if self._llm_down is None:
                self._llm_down = exc
            report.failure = Failure("summarize", _one_line(exc))
        except LLMError as exc:
            report.failure = Failure("summarize", _one_line(exc))
        except PaperdigestError as exc:
            report.failure = Failure(stage, _one_line(exc))  # type: ignore[arg-type]
        except Exception as exc:
            logger.exception("%s: unexpected error in stage %s", ref.arxiv_id, stage)
            report.failure = Failure(stage, f"{type(exc).__name__}: {exc}")  # type: ignore[arg-type]
        assert report.failure is not None
        self.store.record_failure(self.run_id, ref.arxiv_id, ref.listed_date,
                                  report.failure.stage, report.failure.reason)
        self.progress.event("failed", arxiv_id=ref.arxiv_id, stage=report.failure.stage,
                            reason=report.failure.reason)
        return report

    # ------------------------------------------------------------- concurrency

    def process_all(self, refs: list[PaperRef]) -> list[PaperReport]:
        """Process papers concurrently; returns reports in input order.

        Raises:
            AuthError: the LLM rejected the key; papers finished so far are stored.
        """
        return asyncio.run(self._process_all(refs))

    async def _process_all(self, refs: list[PaperRef]) -> list[PaperReport]:
        concurrency = self.settings.concurrency
        executor = ThreadPoolExecutor(
            max_workers=concurrency + FETCH_WORKERS, thread_name_prefix="paperdigest"
        )
        fetch_sem = asyncio.Semaphore(FETCH_WORKERS)
        llm_sem = asyncio.Semaphore(concurrency)
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        self.progress.event("start", total=len(refs))

        async def run(fn: Callable[..., T], *args: Any) -> T:
            return await loop.run_in_executor(executor, fn, *args)

        async def one(ref: PaperRef) -> PaperReport:
            # Stage 1 (fetch + extract) under the fetch semaphore, stage 2 under the LLM one.
            async with fetch_sem:
                if self._fatal:
                    raise self._fatal
                try:
                    await run(self.document, ref)
                except PaperdigestError:
                    pass  # remembered in self._docs; process() records it with its stage
            async with llm_sem:
                if self._fatal:
                    raise self._fatal
                try:
                    return await run(self.process, ref)
                except AuthError as exc:
                    self._fatal = exc
                    raise
                finally:
                    # Memory stays flat over long runs: a finished paper's Document goes.
                    self._docs.pop(ref.arxiv_id, None)

        try:
            results = await asyncio.gather(*(one(ref) for ref in refs), return_exceptions=True)
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        reports = [r for r in results if isinstance(r, PaperReport)]
        self.stats.seconds += time.monotonic() - started
        self.stats.papers += len(reports)
        self.stats.done += sum(r.failure is None for r in reports)
        self.stats.failed += sum(r.failure is not None for r in reports)
        return reports

def source_text(doc: Document, ref: PaperRef) -> str:
    """What a summary's claims may be traced to: the text read plus the listing's links."""
    links = [link for link in (ref.github_repo, ref.project_page) if link]
    return "\n".join([doc.full_text(), *links])


_SOURCE_RANK = {"HTML": 3, "PDF": 2, "ArXiv Abs": 1}


def _rank(doc: Document) -> int:
    return _SOURCE_RANK.get(doc.source_kind, 0)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def write_outputs(day_report: DayReport, out_dir: Path, formats: Iterable[str],
                  name: str | None = None) -> list[Path]:
    """Write the day's report in each format; returns the paths written.

    Files are ``{out_dir}/{name}.{fmt}``; ``name`` defaults to the report's date. A report
    of explicit ids passes ``ids-{date}`` so that it never overwrites that day's report.
    """
    from .render.json import render_json
    from .render.markdown import render_day

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    renderers = {"md": render_day, "json": render_json}
    for fmt in formats:
        path = out_dir / f"{name or day_report.date}.{fmt}"
        path.write_text(renderers[fmt](day_report), encoding="utf-8")
        written.append(path)
    return written
