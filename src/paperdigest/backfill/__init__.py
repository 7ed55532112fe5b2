"""Backfill: summarize every Daily Papers day of a date range into the store.

Two engines share the driver below:

* ``local`` — the asyncio :class:`~paperdigest.pipeline.Pipeline` of ``paperdigest run``, one
  day after another, in this process.
* ``ray`` — a Ray Data pipeline (:mod:`paperdigest.backfill.ray_engine`, needs the ``ray``
  extra): paper rows → acquire (fetch + extract, paced by one global rate-limiting actor) →
  pack, LLM, verify → back to this process, which alone writes the store.

Both skip what the store already has with the cache keys of ``run``: a settled day is not
listed again, a stored Document is not fetched again, a summary whose key is stored costs
nothing. Results are written as each batch of papers comes back, so a killed backfill loses
only the papers in flight; running it again resumes.

The driver keeps no list of all papers: days are listed first (only their dates and counts
stay in memory), then each day's papers are read back from the store and streamed through
the engine in chunks of ``chunk_papers``.

Nothing here imports Ray; the ``ray`` engine imports it on first use.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from ..dates import check_order
from ..errors import ConfigError, InputError, NoPapersError, PaperdigestError, SourceError
from ..models import RunStats
from .worker import RecordingStore, Row, apply_writes, plan_row

if TYPE_CHECKING:
    from ..config import Settings
    from ..models import PaperRef, PaperReport
    from ..pipeline import Pipeline, ProgressSink, RunOptions
    from ..store import Store, StoredSummary, SummaryKey
    from ..summarize.base import Summarizer
    from .vllm import VLLMOptions

logger = logging.getLogger(__name__)

__all__ = [
    "ENGINES",
    "BackfillOptions",
    "BackfillResult",
    "backfill_days",
    "run_backfill",
]

Engine = Literal["local", "ray"]
#: Engines accepted by :func:`run_backfill` and ``paperdigest backfill --engine``.
ENGINES: tuple[str, ...] = ("local", "ray")

#: Longest range one backfill accepts (about 27 years: every Daily Papers day there is).
MAX_BACKFILL_DAYS = 10_000

RAY_MISSING = "the ray engine needs Ray: pip install 'paperdigest[ray]'"


@dataclass
class BackfillOptions:
    """How to run a backfill (what to compute is in Settings and RunOptions)."""

    engine: Engine = "local"
    ray_address: str | None = None
    """``None``: start a private local Ray; ``"auto"``: join the running cluster; or an
    address ``host:port``."""
    ray_cpus: int | None = None
    """CPUs of a private local Ray (default: all)."""
    chunk_papers: int = 2000
    """Papers per Ray Data execution; the driver holds at most two chunks of rows (the
    running one and the next, planned meanwhile). Each chunk starts the stage actors."""
    fetch_workers: int = 2
    """Ray actors in the acquire stage (their requests share one global pace)."""
    llm_workers: int = 2
    """Ray actors in the LLM stage (hosted endpoints); each sends ``concurrency`` at once."""
    batch_size: int = 8
    """Rows per Ray Data batch in both stages."""
    vllm: VLLMOptions | None = None
    """Run the LLM stage on GPU workers with vLLM (``ray.data.llm``) instead of a hosted
    endpoint."""


@dataclass
class BackfillResult:
    """What a backfill did: the range, its listing and the run's totals."""

    engine: str
    days: int = 0
    """Days in the range."""
    days_listed: int = 0
    days_failed: list[tuple[str, str]] = field(default_factory=list)
    """(day, reason) for each day whose list could not be read."""
    cached: int = 0
    """Papers already in the store: no request, no LLM call (counted in ``stats.done``)."""
    paced_requests: dict[str, int] = field(default_factory=dict)
    """Requests per role that workers sent through the global rate limiter (ray engine)."""
    stats: RunStats = field(default_factory=RunStats)
    """The run's totals, as stored in its ``runs`` row and summed by :meth:`RunStats.add`:
    ``papers`` of the listed days (a day without its own list shares an earlier one's),
    ``done`` (cached ones included) and ``failed`` papers, tokens, LLM calls, ``cost`` (USD;
    ``None`` when a model without a price was called, :func:`paperdigest.core.cost_of`),
    ``http_requests`` (the driver's and the paced workers'), ``seconds``."""

    @property
    def summarized(self) -> int:
        """Papers summarized by this backfill (done and not already stored)."""
        return self.stats.done - self.cached

    @property
    def papers_per_second(self) -> float:
        seconds = self.stats.seconds
        return self.stats.papers / seconds if seconds > 0 else 0.0


def backfill_days(start: date, end: date) -> list[date]:
    """Every day from ``start`` to ``end``, both included.

    Raises:
        InputError: ``end`` before ``start`` (:func:`~paperdigest.dates.check_order`), or
            more than :data:`MAX_BACKFILL_DAYS` days.
    """
    check_order(start, end)
    count = (end - start).days + 1
    if count > MAX_BACKFILL_DAYS:
        raise InputError(f"{count} days is more than a backfill takes ({MAX_BACKFILL_DAYS})")
    return [start + timedelta(days=i) for i in range(count)]


# ---------------------------------------------------------------------------- progress


class _Progress:
    """Forwards paper events to the user's sink with one overall total; counts outcomes."""

    def __init__(self, sink: ProgressSink | None) -> None:
        self.sink = sink
        self.cached = 0
        self.done = 0
        self.failed = 0
        self._lock = threading.Lock()  # the ray engine plans in a thread of its own

    def start(self, total: int) -> None:
        if self.sink is not None:
            self.sink.event("start", total=total)

    def event(self, name: str, **data: Any) -> None:
        if name == "start":
            return  # the per-day starts of Pipeline.process_all; ours came first
        with self._lock:
            if name == "done":
                if data.get("cached"):
                    self.cached += 1
                else:
                    self.done += 1
            elif name == "failed":
                self.failed += 1
        if self.sink is not None:
            self.sink.event(name, **data)


# ------------------------------------------------------------------------ the probe


class _Deferred(PaperdigestError):
    """Work that needs the network or the LLM: it belongs on a worker (internal)."""


class _DeferringHttp:
    """Stands in for the HTTP client in the driver's probe; any request defers the paper."""

    def __init__(self) -> None:
        self.touched = False
        self.request_count = 0

    def get(self, *args: Any, **kwargs: Any) -> Any:
        self.touched = True
        raise _Deferred("needs a fetch")

    def __getattr__(self, name: str) -> Any:
        # Any other use of the client (post, request, discard…) also means "a worker's job".
        return self.get


class _DeferringSummarizer:
    """The run's summarizer as far as cache keys go; summarizing defers the paper."""

    def __init__(self, real: Summarizer) -> None:
        self.name = real.name
        self.model = real.model
        self.prompt_version = real.prompt_version
        self.touched = False

    def summarize(self, *args: Any, **kwargs: Any) -> Any:
        self.touched = True
        raise _Deferred("needs the LLM")


class _ProbeStore(RecordingStore):
    """Reads from the real store, records writes (applied only when nothing was deferred)."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.real = store

    def get_document(self, arxiv_id: str, version: Any = None,
                     source_kind: str | None = None) -> Any:
        return self.real.get_document(arxiv_id, version, source_kind)

    def find_summary(self, key: SummaryKey) -> StoredSummary | None:
        return self.real.find_summary(key)


class Planner:
    """Decides per paper, with ``Pipeline.process`` itself, whether anything is left to do.

    The probe runs the library's per-paper code against the real store with an HTTP client
    and a summarizer that refuse to work: a paper that gets through without touching either
    is complete under ``run``'s cache keys (its writes, e.g. closing old failures, are
    applied); any other paper becomes a row for the engine.
    """

    def __init__(self, settings: Settings, store: Store, summarizer: Summarizer,
                 options: RunOptions, now: Callable[[], datetime],
                 run_id: int | None = None) -> None:
        self.run_id = run_id
        self.settings = settings
        self.store = store
        self.summarizer = summarizer
        self.options = options
        self.now = now

    def plan(self, ref: PaperRef, day: str) -> Row | PaperReport:
        """The row for ``ref``; or its report when nothing is left for a worker (the stored
        summary, or a failure that needs no request, recorded as ``run`` records it)."""
        from ..pipeline import Pipeline

        probe_store = _ProbeStore(self.store)
        http = _DeferringHttp()
        summarizer = _DeferringSummarizer(self.summarizer)
        pipeline = Pipeline(self.settings, probe_store, http, summarizer,  # type: ignore[arg-type]
                            options=self.options, now=self.now)
        report = pipeline.process(ref)
        if not (http.touched or summarizer.touched):
            apply_writes(self.store, probe_store.writes, self.run_id)
            return report
        stored = self.store.latest_summary(ref.arxiv_id, lang=self.options.lang,
                                           backend=self.summarizer.name,
                                           model=self.summarizer.model)
        return plan_row(ref, day, self.store.get_document(ref.arxiv_id), stored)


# ---------------------------------------------------------------------------- driver


@dataclass
class _Listed:
    day: str
    listed_date: str
    count: int


def _list_day(pipeline: Pipeline, day: date) -> _Listed | str:
    """List ``day`` into the store like ``run`` does; the reason on failure."""
    key = day.isoformat()
    try:
        listing = pipeline.list_day(day)
    except (NoPapersError, SourceError) as exc:
        pipeline.store.record_failure(pipeline.run_id, "", key, "list", str(exc))
        return str(exc)
    # The day is listed now: an earlier run's list failure for it is no longer open.
    pipeline.store.resolve_failures("", date=key)
    return _Listed(listing.date, listing.listed_date, len(listing.refs))


def run_backfill(
    settings: Settings,
    start: date,
    end: date,
    *,
    options: BackfillOptions | None = None,
    run_options: RunOptions | None = None,
    progress: ProgressSink | None = None,
    now: Callable[[], datetime] | None = None,
) -> BackfillResult:
    """Summarize every paper listed from ``start`` to ``end`` into the store.

    Args:
        settings: as for ``paperdigest run`` (store, endpoints, limits, backend, model).
        start, end: the range, both included.
        options: engine and its tuning (:class:`BackfillOptions`).
        run_options: language, ``force`` and ``refresh`` as for ``run``.
        progress: receives ``start`` (total papers), then ``done``/``failed`` per paper.
        now: UTC clock (default: the real one).

    Returns:
        Counts and totals; the summaries, Documents and failures are in the store.

    Raises:
        ConfigError: the ray engine without Ray installed (one line naming the extra).
        InputError: a bad range.
        StoreLockedError: another run uses the data directory.
        AuthError: the LLM rejected the key (papers finished so far are stored).
    """
    from ..pipeline import RunOptions, open_pipeline

    options = options or BackfillOptions()
    if options.engine not in ENGINES:
        raise ConfigError(f"unknown engine {options.engine!r}: use one of {', '.join(ENGINES)}")
    run_options = run_options or RunOptions(lang=settings.lang)
    clock = now or (lambda: datetime.now(UTC))
    days = backfill_days(start, end)
    if options.engine == "ray":
        from .ray_engine import check_address, require_ray

        require_ray()
        check_address(options)  # a wrong --ray-address fails before any listing
    result = BackfillResult(engine=options.engine, days=len(days))
    stats = result.stats
    started = time.monotonic()
    sink = _Progress(progress)
    with open_pipeline(settings, options=run_options, progress=sink, now=clock) as pipeline:
        store, summarizer = pipeline.store, pipeline.summarizer
        run_id = store.start_run("backfill", [d.isoformat() for d in days], summarizer.name,
                                 summarizer.model)
        pipeline.run_id = run_id
        status = "incomplete"
        papers = 0
        try:
            listed = _list_days(pipeline, days, result)
            papers = sum(d.count for d in listed)
            sink.start(papers)
            if options.engine == "local":
                _run_local(pipeline, listed, result)
            else:
                from .ray_engine import run_ray

                planner = Planner(settings, store, summarizer, run_options, clock, run_id)
                rows = _planned_rows(pipeline, planner, listed, sink)
                run_ray(settings, store, run_id, rows, options=options, run_options=run_options,
                        now=clock(), progress=sink, result=result)
            status = "ok" if not (result.days_failed or sink.failed) else "partial"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            # Tokens, calls and cost were summed by the engine; the rest is the driver's.
            stats.backend, stats.model = summarizer.name, summarizer.model
            result.cached = sink.cached
            stats.papers, stats.done, stats.failed = papers, sink.cached + sink.done, sink.failed
            stats.http_requests = (pipeline.http.request_count
                                   + sum(result.paced_requests.values()))
            stats.seconds = time.monotonic() - started
            store.finish_run(run_id, stats, status)
    return result


def _list_days(pipeline: Pipeline, days: list[date], result: BackfillResult) -> list[_Listed]:
    """List every day (stored, or from HF); one entry per distinct listed day."""
    seen: set[str] = set()
    listed: list[_Listed] = []
    for day in days:
        outcome = _list_day(pipeline, day)
        if isinstance(outcome, str):
            result.days_failed.append((day.isoformat(), outcome))
            continue
        result.days_listed += 1
        # A day without a list of its own (a weekend) reuses an earlier day's: do it once.
        if outcome.listed_date in seen:
            continue
        seen.add(outcome.listed_date)
        listed.append(outcome)
    return listed


def _run_local(pipeline: Pipeline, listed: list[_Listed], result: BackfillResult) -> None:
    for entry in listed:
        refs = pipeline.store.day_papers(entry.day)
        pipeline.process_all(refs)
    # Tokens, calls and cost; the driver sets the paper counts from its progress.
    result.stats.add(pipeline.stats)


def _planned_rows(pipeline: Pipeline, planner: Planner, listed: list[_Listed],
                  sink: _Progress) -> Iterator[Row]:
    """Rows of papers with work left, day by day; complete papers are reported as cached."""
    for entry in listed:
        for ref in pipeline.store.day_papers(entry.day):
            planned = planner.plan(ref, entry.day)
            if isinstance(planned, dict):
                yield planned
            elif planned.failure is not None:
                sink.event("failed", arxiv_id=ref.arxiv_id, stage=planned.failure.stage,
                           reason=planned.failure.reason)
            else:
                sink.event("done", arxiv_id=ref.arxiv_id, cached=True)
