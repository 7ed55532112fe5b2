"""Runs: days, id lists and ranges through acquire → digest → store → report.

Library entry points (the CLI, the benchmarks, the backfill and tests call these):

* :func:`open_pipeline` — a context manager that takes the data directory's run lock, opens
  the store, the HTTP client and the summarizer, and closes all of them on exit.
* :meth:`Pipeline.run` — one recorded run (a ``runs`` row) over days and/or ids, returning a
  :class:`RunResult` with per-day outcomes, totals, status and exit code.
* :meth:`Pipeline.run_day` / :meth:`Pipeline.run_ids` / :meth:`Pipeline.run_range` — one
  report each (a :class:`~paperdigest.models.DayReport` with its notes and stats), written
  through :func:`write_outputs` when ``RunOptions.out`` is set.
* :meth:`Pipeline.process` / :meth:`Pipeline.process_all` — papers without a report.

One paper flows acquire (fetch + extract) → :func:`paperdigest.core.digest` (pack →
summarize → verify) → store as soon as its previous stage is done. Fetching is bounded by
the per-role rate limiters of the HTTP layer (and a small fetch semaphore so waiting fetches
never starve the LLM workers); summarizing is bounded by ``concurrency``. Blocking work runs
in a thread pool driven by asyncio, so the stages overlap across papers.

Every result is written to the store as soon as its paper completes, and the report files
are rewritten at least every :data:`CHECKPOINT_SECONDS` and on every exit path (done, error,
Ctrl-C), atomically, so a crash or an interrupt loses at most the papers in flight and never
a good report. A rerun recomputes nothing that is stored. One failure never stops the
others; it is recorded with its stage and reason. Only a rejected API key
(:class:`AuthError`) or a corrupt store (``errors.RUN_ENDING``) stops the run, because every
other paper would fail the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .acquire import acquire
from .clock import Now, utc_now
from .contract.vocab import vocabulary
from .core import EXTRACTIVE, PaperResult, cost_of, digest
from .errors import (
    EXIT_INTERRUPTED,
    EXIT_NOTHING,
    EXIT_OK,
    EXIT_PARTIAL,
    RUN_ENDING,
    LLMUnavailableError,
    NoPapersError,
    OutputError,
    PaperdigestError,
    SourceError,
)
from .models import (
    DayReport,
    Document,
    Failure,
    PaperRef,
    PaperReport,
    RunStats,
    order_reports,
    source_rank,
    split_arxiv_id,
)
from .sources.hf import HFSource, is_settled

if TYPE_CHECKING:
    from .config import Settings
    from .fetch.http import HttpClient
    from .models import PackedContext
    from .sources.arxiv import ArxivSource
    from .store import Store
    from .summarize.base import Summarizer, SummaryResult

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Abstract-only papers younger than this are re-checked for HTML on rerun (DESIGN §5).
RECHECK_ABSTRACT_DAYS = 14
#: Fetches in flight at once; the per-role rate limiters set the real pace.
FETCH_WORKERS = 4
#: While papers complete, the report files are rewritten at most this often (seconds).
CHECKPOINT_SECONDS = 5.0
#: Output formats and their renderers' module paths (imported on first write).
FORMATS = ("md", "json")
#: Most ids one ``run_ids`` takes (issue 11: 10,000 ids looked like a hang); larger sets
#: belong to ``paperdigest backfill``.
MAX_IDS = 1000
#: Reason given to papers a stopped run never finished.
NOT_FINISHED = "not finished: the run was interrupted; rerun to finish"


class ProgressSink(Protocol):
    """Receives pipeline events; the CLI turns them into a progress bar or log lines.

    Events: ``start(total, day, source)`` (``day``: the report's date, or "" for a
    ``run --ids`` report, whose ``source`` is ``"ids"``; ``total`` counts papers that failed
    before processing, e.g. unknown ids, each then sent as ``failed``),
    ``stage(arxiv_id, stage)`` (``fetch`` | ``summarize``), ``done(arxiv_id, cached, tokens)``,
    ``failed(arxiv_id, stage, reason)``, ``degraded(arxiv_id, reason)``.
    """

    def event(self, name: str, **data: Any) -> None: ...


class _NullProgress:
    def event(self, name: str, **data: Any) -> None:
        return None


class ReportHook(Protocol):
    """One report's extension (issue 15's insights, :class:`paperdigest.insights.hooks.DayHook`):
    made before the day is listed, it sees the listed papers and annotates the report
    (notes, order, overview) in place before every write."""

    def listed(self, refs: list[PaperRef]) -> list[PaperRef]: ...

    def annotate(self, report: DayReport, lang: str, final: bool) -> None: ...


class RunHooks(Protocol):
    """What a run adds beyond the reports themselves, passed in by the caller
    (``open_pipeline(hooks=)``; the CLI passes :class:`paperdigest.insights.hooks.InsightHooks`),
    so that the pipeline imports none of it. ``None``: plain reports, no period digest.

    * ``report(pipeline, day_key)``: a :class:`ReportHook`, made before ``day_key`` (the
      store's day key; ``None`` for an id list or a day listed already) is listed;
    * ``period(pipeline, days, outcomes)``: the outcome of a period's digest (its files
      written), or ``None``;
    * ``overview_markdown(report, lang)``: the overview block above a report's first
      separator ("" for none).
    """

    def report(self, pipeline: Pipeline, day_key: str | None) -> ReportHook: ...

    def period(self, pipeline: Pipeline, days: list[date],
               outcomes: list[DayOutcome]) -> DayOutcome | None: ...

    def overview_markdown(self, report: DayReport, lang: str | None) -> str: ...


@dataclass
class RunOptions:
    lang: str = "zh"
    force: bool = False
    """Recompute summaries even when their cache key is stored."""
    refresh: bool = False
    """Re-list settled days and re-fetch stored documents."""
    out: Path | None = None
    """Where :meth:`Pipeline.run_day`/:meth:`Pipeline.run_ids` write reports; ``None``: nowhere."""
    formats: tuple[str, ...] = FORMATS
    only_relevant: bool = False
    """Leave papers without an interest match out of reports (issue 15, ``[interests]``)."""


def only_relevant_ignored(settings: Settings, options: RunOptions) -> bool:
    """``--only-relevant`` (or ``[interests] only_relevant``) was asked for but the profile is
    empty, so every paper is kept: the CLI warns and each report notes it."""
    interests = settings.interests
    return bool(options.only_relevant or interests.only_relevant) and interests.empty


@dataclass
class DayListing:
    date: str
    listed_date: str
    refs: list[PaperRef]
    notes: list[str] = field(default_factory=list)
    rejected: list[PaperReport] = field(default_factory=list)
    """Malformed list items, each a failed block of its own (recorded in the ledger)."""


@dataclass
class DayOutcome:
    """One requested report of a run: the report and its files, or why there is none."""

    date: str
    report: DayReport | None = None
    outputs: list[Path] = field(default_factory=list)
    error: PaperdigestError | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``days[]`` entry of ``run --json``: date, ``listed_date`` (``None`` for a
        ``run --ids`` report), ``source`` (``daily_papers`` | ``ids``), counts, outputs and
        ``failures`` (``arxiv_id``, ``stage``, ``reason`` of each failed paper, as in the
        report and the failure ledger; not for a period digest, whose papers are the days')."""
        if self.report is None:
            return {"date": self.date, "error": str(self.error)}
        # A period digest has no stats of its own (its papers are the days'): count them.
        stats = self.report.stats or RunStats.of(self.report.papers)
        ids = bool(self.report.ids)
        data: dict[str, Any] = {
            "date": self.report.date,
            # An id list was listed on no Daily Papers date (QA 2026-11-29).
            "listed_date": None if ids else self.report.listed_date,
            "source": "ids" if ids else "daily_papers",
            "papers": stats.papers, "done": stats.done, "failed": stats.failed,
            "degraded": stats.degraded, "outputs": [str(p) for p in self.outputs]}
        if self.report.stats is not None:  # a digest's failures are its days'
            data["failures"] = [
                {"arxiv_id": p.ref.arxiv_id, "stage": p.failure.stage,
                 "reason": p.failure.reason}
                for p in self.report.papers if p.failure is not None]
        return data


@dataclass
class RunResult:
    """What one :meth:`Pipeline.run` did."""

    run_id: int | None
    days: list[DayOutcome]
    stats: RunStats
    status: str
    """``ok`` | ``partial`` (failed or degraded papers) | ``incomplete`` (a day could not be
    done) | ``interrupted``."""
    llm_unreachable: bool = False
    """The LLM server could not be reached (``LLMUnavailableError`` after retries) during
    this run: with no paper done, nothing could be done (exit 3)."""

    @property
    def exit_code(self) -> int:
        """0 all done; 2 some papers failed or degraded, or some days not done; 3 nothing
        could be done (no day listed, or no paper done because the LLM server was
        unreachable); 130 interrupted (README "Exit codes", docs/reliability.md)."""
        if self.status == "interrupted":
            return EXIT_INTERRUPTED
        if self.days and all(d.error for d in self.days):
            return EXIT_NOTHING
        if self.llm_unreachable and self.stats.papers and not self.stats.done:
            return EXIT_NOTHING
        if self.status == "ok":
            return EXIT_OK
        return EXIT_PARTIAL


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
        now: Now | None = None,
        progress: ProgressSink | None = None,
        arxiv: ArxivSource | None = None,
        run_id: int | None = None,
        hooks: RunHooks | None = None,
    ) -> None:
        self.settings = settings
        self.hooks = hooks
        self.store = store
        self.http = http
        self.summarizer = _Guarded(summarizer)
        self.options = options or RunOptions(lang=settings.lang)
        self.now: Now = now or utc_now
        self.progress: ProgressSink = progress or _NullProgress()
        self.arxiv = arxiv
        self.run_id = run_id
        self.hf = HFSource(http, settings)
        self._fatal: PaperdigestError | None = None
        self._stopping = threading.Event()
        # Stage 1 results per paper in this run (a Document or the error that stopped it),
        # so stage 2 never fetches twice.
        self._docs: dict[str, Document | PaperdigestError] = {}
        self._degraded: dict[str, str] = {}
        self._last_outputs: list[Path] = []
        #: The report being processed, for the progress display (``start`` event's ``day``).
        self._progress_day = ""
        #: The reports :meth:`run` made so far (their papers are the run's totals).
        self._run_reports: list[DayReport] = []
        #: :meth:`run`'s counters snapshot and start time (for checkpoints), or ``None``.
        self._run_since: tuple[Mapping[str, Any], float] | None = None
        #: Totals of every :meth:`process` call of this Pipeline (papers, tokens, cost).
        self.stats = RunStats(backend=summarizer.name, model=summarizer.model)

    @property
    def _llm_down(self) -> LLMUnavailableError | None:
        """The LLM outage that makes later papers fail at once (shared by backfill workers)."""
        return self.summarizer.down

    @_llm_down.setter
    def _llm_down(self, value: LLMUnavailableError | None) -> None:
        self.summarizer.down = value

    # ------------------------------------------------------------------ runs

    def run(self, days: Sequence[date] = (), ids: Sequence[str] = (),
            *, command: str = "run") -> RunResult:
        """One recorded run: a report for ``ids`` (if any), then one per day.

        The ``runs`` row is started here (unless ``run_id`` was given) and always finished,
        with status ``interrupted`` when Ctrl-C (``KeyboardInterrupt``) or an error ends it.

        Raises:
            AuthError: the LLM rejected the key (the run is recorded, reports written).
            KeyboardInterrupt: interrupted (the run is recorded as ``interrupted``).
        """
        if self.run_id is None:
            labels = [d.isoformat() for d in days] or ["ids"]
            self.run_id = self.store.start_run(command, labels, self.summarizer.name,
                                               self.summarizer.model)
        started = time.monotonic()
        since = self.http.counters()
        self._run_reports = []
        self._run_since = (since, started)
        outcomes: list[DayOutcome] = []
        status = "failed"
        try:
            if ids:
                report = self.run_ids(list(ids))
                outcomes.append(DayOutcome(report.date, report, self._last_outputs))
            outcomes.extend(self.run_range(days))
            status = "interrupted" if self._stopping.is_set() else _status(outcomes)
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            # Every report this run made, the one an interrupt cut short included (issue 13:
            # an interrupted run with 4 stored papers is not "done 0").
            papers = [p for r in self._run_reports for p in r.papers]
            totals = self._stats(papers, since, time.monotonic() - started)
            self.store.finish_run(self.run_id, totals, status)
        return RunResult(self.run_id, outcomes, totals, status,
                         llm_unreachable=self._llm_down is not None)

    def run_range(self, days: Iterable[date]) -> list[DayOutcome]:
        """:meth:`run_day` for each day; a day whose list fails becomes an outcome with its
        error (recorded in the failure ledger) and the others proceed.

        A period (more than one day, issue 15) reports only the days with a list of their own
        (:meth:`has_own_list`; the others are no error) and adds the hooks' period digest."""
        days = list(days)
        period = len(days) > 1  # issue 15: own-list days get a file, the period one digest
        outcomes = []
        for day in days:
            try:
                hook = self._hook(day.isoformat())
                if period and not self.has_own_list(day):
                    continue
                report = self.run_day(day, hook=hook)
            except SourceError as exc:
                outcomes.append(DayOutcome(day.isoformat(), error=exc))
            else:
                outcomes.append(DayOutcome(report.date, report, self._last_outputs))
        if period and not outcomes:  # no day of the period has a list: one clear error
            first, last = days[0].isoformat(), days[-1].isoformat()
            outcomes.append(DayOutcome(f"{first}..{last}", error=NoPapersError(
                f"no Hugging Face Daily Papers listed from {first} to {last} nor the "
                f"{self.settings.lookback_days} day(s) before; try another period")))
        if period and self.hooks is not None and \
                (digest := self.hooks.period(self, days, outcomes)) is not None:
            outcomes.append(digest)
        return outcomes

    def run_day(self, day: date, *, hook: ReportHook | None = None) -> DayReport:
        """The report of one day: list, process every paper, write the outputs.

        Raises:
            NoPapersError: nothing listed within the look-back window (recorded).
            SourceError: the list source failed (recorded).
            AuthError: the LLM rejected the key (what was done is written).
        """
        started = time.monotonic()
        since = self.http.counters()
        try:
            listing = self.list_day(day)
        except SourceError as exc:
            self.store.record_failure(self.run_id, "", day.isoformat(), "list", str(exc))
            raise
        # The day is listed now: an earlier run's list failure for it is no longer open, nor
        # one of the days the look-back went through to reach the listed day (issue 13).
        listed = date.fromisoformat(listing.listed_date)
        for offset in range(max((day - listed).days, 0) + 1):
            self.store.resolve_failures("", date=(listed + timedelta(days=offset)).isoformat())
        report = DayReport(date=listing.date, listed_date=listing.listed_date,
                           notes=listing.notes)
        if hook is None:
            hook = self._hook(None)  # listed already: nothing is "new"
        return self._report(report, listing.refs, listing.rejected, started, hook=hook,
                            since=since)

    def run_ids(self, ids: Sequence[str], today: date | None = None) -> DayReport:
        """The report of explicit arXiv ids, named ``ids-{today}`` so that it never
        overwrites the Daily Papers report of the same date.

        Ids are validated (arXiv grammar) and deduplicated; versions are dropped (the
        acquire stage learns them). An id the arXiv API does not know (or every id, when the
        API fails) is taken from the store when a day listed it before (title, abstract);
        ids known to neither become failed blocks (QA finding 13).

        Raises:
            InputError: an id is not an arXiv id, or more than :data:`MAX_IDS` ids.
            SourceError: the arXiv API failed and some id is not in the store.
        """
        started = time.monotonic()
        since = self.http.counters()
        wanted = list(dict.fromkeys(_bare_id(i) for i in ids))
        if len(wanted) > MAX_IDS:
            from .errors import InputError

            raise InputError(f"{len(wanted):,} ids in one run is more than {MAX_IDS:,}; split "
                             f"them into runs of at most {MAX_IDS:,} ids (whole Daily Papers "
                             "days: `paperdigest backfill --from DAY --to DAY`)")
        today = today or self.now().date()
        if self.arxiv is None:
            from .sources.arxiv import ArxivSource

            self.arxiv = ArxivSource(self.http, self.settings)
        stored = {i: ref for i in wanted if (ref := self.store.get_paper(i)) is not None
                  and ref.title and ref.abstract}
        try:
            found = self.arxiv.metadata(wanted)
        except SourceError:
            if len(stored) < len(wanted):
                raise
            logger.warning("the arXiv API failed; using the stored metadata of %d id(s)",
                           len(stored))
            found = {}
        refs, missing = [], []
        for arxiv_id in wanted:
            ref = found.get(arxiv_id) or stored.get(arxiv_id)
            if ref is None:
                reason = "unknown arXiv id (the arXiv API does not know it)"
                self.store.record_failure(self.run_id, arxiv_id, None, "list", reason)
                missing.append(PaperReport(ref=PaperRef(arxiv_id=arxiv_id, title=arxiv_id),
                                           failure=Failure("list", reason)))
            else:
                self.store.upsert_paper(ref)
                refs.append(ref)
        report = DayReport(date=today.isoformat(), listed_date=today.isoformat(),
                           notes=[vocabulary(self.options.lang).ids_note.format(
                               count=len(wanted))], ids=wanted)
        return self._report(report, refs, missing, started, name=f"ids-{today.isoformat()}",
                            hook=self._hook(None), since=since)

    def _report(self, report: DayReport, refs: list[PaperRef], extra: list[PaperReport],
                started: float, name: str | None = None, hook: ReportHook | None = None,
                since: Mapping[str, Any] | None = None) -> DayReport:
        """Process ``refs`` into ``report``, keeping its stats and files up to date: the files
        are rewritten while papers complete and on every exit path. ``since``: the HTTP
        client's counters when the report began (its requests, LLM calls and tokens)."""
        done: dict[str, PaperReport] = {}
        since = since if since is not None else self.http.counters()
        self._run_reports.append(report)
        last_write = time.monotonic()
        self._last_outputs = []

        def finish(final: bool) -> None:
            papers = [*done.values(), *extra]
            if not final:
                papers += [_not_finished(r) for r in refs if r.arxiv_id not in done]
            report.papers = order_reports(papers)
            # the content is the paper's own English sentences: say so once (issue 13)
            if (self.options.lang == "zh"
                    and any(p.summary is not None and p.backend == "extractive"
                            for p in report.papers)
                    and vocabulary("zh").extractive_note not in report.notes):
                report.notes.append(vocabulary("zh").extractive_note)
            ignored = vocabulary(self.options.lang).only_relevant_ignored
            if only_relevant_ignored(self.settings, self.options) and ignored not in report.notes:
                report.notes.append(ignored)
            if hook is not None:  # issue 15: marks, artifacts, interests, overview
                hook.annotate(report, self.options.lang, final)
            report.stats = self._stats(report.papers, since, time.monotonic() - started)
            if final:
                self._note_reuse(report, None if name else report.date)
            if self.options.out is not None:
                overview = (self.hooks.overview_markdown(report, self.options.lang)
                            if self.hooks is not None else "")
                self._last_outputs = write_outputs(report, self.options.out,
                                                   self.options.formats, name=name,
                                                   lang=self.options.lang, overview=overview)

        def on_done(paper: PaperReport) -> None:
            nonlocal last_write
            done[paper.ref.arxiv_id] = paper
            self._checkpoint_run(list(done.values()))
            if time.monotonic() - last_write >= CHECKPOINT_SECONDS:
                last_write = time.monotonic()
                try:
                    finish(final=False)
                except PaperdigestError as exc:  # e.g. disk full: the final write says it
                    logger.warning("could not write the partial report: %s", exc)

        complete = False
        try:
            if hook is not None:
                refs = hook.listed(refs)
            # The progress says which report: its date, or that it is an id list.
            self._progress_day = "" if report.ids else report.date
            self.process_all(refs, on_done=on_done, failed=extra)
            complete = True
        finally:
            try:
                finish(final=complete)
            except PaperdigestError:
                if complete:
                    raise
                logger.exception("could not write the partial report")
        return report

    def _hook(self, day_key: str | None) -> ReportHook | None:
        return self.hooks.report(self, day_key) if self.hooks is not None else None

    def has_own_list(self, day: date) -> bool:
        """Whether ``day`` has its own list (not an earlier day's). Nothing listed within the
        look-back window is "no" (in a period such a day is no error: the digest's note
        names it; QA finding 3). Any other list error counts as "yes", so that
        :meth:`run_day` records it as usual."""
        try:
            listing = self.list_day(day)
        except NoPapersError:
            return False
        except PaperdigestError:
            return True
        return listing.listed_date == listing.date

    def _stats(self, papers: list[PaperReport], since: Mapping[str, Any],
               seconds: float) -> RunStats:
        """The one place a day's or run's totals are made (issue 13): paper counts from the
        reports; HTTP requests, LLM calls and tokens — failed and invalid calls included —
        from the HTTP client's counters since ``since``; the cost of those tokens
        (``core.cost_of``: ``None`` for an LLM model without a price, even when this span
        spent nothing)."""
        stats = RunStats.of(papers, backend=self.summarizer.name, model=self.summarizer.model,
                            seconds=seconds, counters=self.http.counters_since(since))
        stats.cost = cost_of(self.settings, self.summarizer.model, stats.tokens_in,
                             stats.tokens_out, llm=self.summarizer.name != EXTRACTIVE)
        return stats

    def _checkpoint_run(self, current: list[PaperReport]) -> None:
        """Keep the ``runs`` row's totals current while papers finish (``current``: those of
        the report in progress), so that a killed run still shows what it stored."""
        if self.run_id is None or self._run_since is None:
            return
        since, started = self._run_since
        papers = [p for r in self._run_reports[:-1] for p in r.papers] + current
        try:
            self.store.checkpoint_run(self.run_id, self._stats(papers, since,
                                                               time.monotonic() - started))
        except PaperdigestError as exc:  # the paper is stored; the totals catch up at the end
            logger.warning("could not update the run's totals: %s", exc)

    def _note_reuse(self, report: DayReport, day_key: str | None) -> None:
        """A render that reused every stored result says so, with the time, tokens, calls
        and cost of the run that made them (not only its own zeros); a report that made
        results remembers those totals for the next rerun (issue 13, QA finding 8).
        ``day_key``: the day's store key (``None`` for ids)."""
        stats = report.stats
        made = [p for p in report.papers if p.summary is not None and p.failure is None]
        if not made or stats is None:
            return
        if all(p.cached for p in made) and not stats.llm_calls:
            report.reused = True
            report.original_seconds = self.store.day_seconds(day_key) if day_key else None
            report.original = self.store.day_made(day_key) if day_key else None
        elif day_key:
            self.store.save_day_made(day_key, stats)

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
        rejected: list[PaperReport] = []
        if record is None or not record.settled or self.options.refresh:
            self.hf.rejected.clear()
            listed_day, refs = self.hf.find_day(day, self.settings.lookback_days)
            for item in self.hf.rejected:
                # One malformed item is a failure of its own; the others proceed (issue 11).
                self.store.record_failure(self.run_id, item.label, key, "list", item.reason)
                rejected.append(PaperReport(ref=PaperRef(arxiv_id=item.label, title=item.label),
                                            failure=Failure("list", item.reason)))
            # save_day upserts the papers in the same transaction.
            now = self.now()
            self.store.save_day(key, listed_day.isoformat(), refs, now, is_settled(day, now))
            record = self.store.get_day(key)
            assert record is not None
        listed = self.store.day_papers(key)
        notes = []
        if record.listed_date != key:
            notes.append(vocabulary(self.options.lang).empty_day_note.format(
                date=key, listed=record.listed_date, count=len(listed)))
        return DayListing(key, record.listed_date, listed, notes, rejected)

    # --------------------------------------------------------------- per paper

    def _needs_fetch(self, ref: PaperRef, doc: Document | None) -> bool:
        if doc is None or self.options.refresh:
            return True
        if ref.version is not None and (doc.version is None or ref.version > doc.version):
            return True
        if any(flag.startswith("degraded:") for flag in doc.flags):
            return True  # a server fault cost the better source: try again (issue 11)
        if doc.source_kind == "ArXiv Abs":
            published = (ref.published_at or ref.submitted_on_daily_at or "")[:10]
            try:
                age = self.now().date() - date.fromisoformat(published)
            except ValueError:
                return False
            return age < timedelta(days=RECHECK_ABSTRACT_DAYS)
        return False

    def document(self, ref: PaperRef) -> Document:
        """The paper's Document: from the store, or acquired (and stored).

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
        self._check_stop()
        self.progress.event("stage", arxiv_id=ref.arxiv_id, stage="fetch")
        acquired = acquire(self.http, self.settings, ref, arxiv=self.arxiv, now=self.now)
        self.store.save_fetch(acquired.fetched)
        doc = acquired.document
        degraded = acquired.degraded
        if stored is not None and source_rank(stored.source_kind) > source_rank(doc.source_kind) \
                and not self.options.refresh:
            # Never replace a better stored source with a worse one (e.g. HTML with abstract).
            return stored
        if degraded:
            self._degraded[ref.arxiv_id] = degraded
            doc.flags.append(f"degraded:{degraded}")
            logger.warning("%s: read from %s because a server failed (%s); it is re-checked "
                           "on the next run", ref.arxiv_id, doc.source_kind, degraded)
            self.progress.event("degraded", arxiv_id=ref.arxiv_id, reason=degraded)
        self.store.save_document(doc)
        return doc

    def process(self, ref: PaperRef) -> PaperReport:
        """Run one paper through every stage; failures come back inside the report.

        Raises:
            AuthError: the LLM rejected the key (the whole run must stop).
        """
        report = self._process(ref)
        self.stats.add(RunStats.of([report]))
        return report

    def _process(self, ref: PaperRef) -> PaperReport:
        report = PaperReport(ref=ref, backend=self.summarizer.name, model=self.summarizer.model)
        try:
            doc = self.document(ref)
            report.source_kind = doc.source_kind
            degraded = self._degraded.get(ref.arxiv_id) or _flag(doc, "degraded:")
            if degraded:
                report.degraded = degraded
                report.notes.append(
                    vocabulary(self.options.lang).degraded_note.format(reason=degraded))
            self._check_stop()
            self.progress.event("stage", arxiv_id=ref.arxiv_id, stage="summarize")
            lookup = None if self.options.force else self.store.find_summary
            result = digest(ref, doc, self.summarizer, self.settings, lang=self.options.lang,
                            lookup=lookup)
            if not result.cached:
                self._save(result)
            self.store.resolve_failures(ref.arxiv_id)
            if degraded:
                # Open in `status` until a run reads the better source (issue 11).
                self.store.record_failure(self.run_id, ref.arxiv_id, ref.listed_date,
                                          "degraded", f"read from {doc.source_kind}: {degraded}")
            _fill(report, result)
            self.progress.event("done", arxiv_id=ref.arxiv_id, cached=result.cached,
                                tokens=result.tokens_in + result.tokens_out)
            return report
        except RUN_ENDING:  # a rejected key, a corrupt store
            raise
        except _Stopped:
            report.failure = Failure("run", NOT_FINISHED)
            return report
        except PaperdigestError as exc:
            report.failure = Failure(exc.stage, _one_line(exc))  # type: ignore[arg-type]
        except Exception as exc:
            if self._stopping.is_set():  # e.g. the client closed under a stopped run
                return _not_finished(ref)
            logger.exception("%s: unexpected error", ref.arxiv_id)
            report.failure = Failure("run", f"{type(exc).__name__}: {_one_line(exc)}")
        assert report.failure is not None
        if self._stopping.is_set():
            # A request cut by the stop is not the paper's fault: nothing to record.
            report.failure = Failure("run", NOT_FINISHED)
            return report
        self.store.record_failure(self.run_id, ref.arxiv_id, ref.listed_date,
                                  report.failure.stage, report.failure.reason)
        self.progress.event("failed", arxiv_id=ref.arxiv_id, stage=report.failure.stage,
                            reason=report.failure.reason)
        return report

    def _save(self, result: PaperResult) -> None:
        self.store.save_summary(
            result.key, result.summary, tokens_in=result.tokens_in,
            tokens_out=result.tokens_out, mode=result.mode, coverage=result.coverage,
            context_tokens=result.context_tokens, verification=result.verification)

    def stop(self) -> None:
        """Ask the run to stop: papers not yet started are skipped, the ones in flight end
        after their current request. Safe from any thread or a signal handler."""
        self._stopping.set()

    def _check_stop(self) -> None:
        if self._stopping.is_set():
            raise _Stopped()

    # ------------------------------------------------------------- concurrency

    def process_all(self, refs: list[PaperRef],
                    on_done: Callable[[PaperReport], None] | None = None,
                    failed: Sequence[PaperReport] = ()) -> list[PaperReport]:
        """Process papers concurrently; returns reports in input order.

        ``on_done`` is called with each paper's report as it completes (in the calling
        thread's event loop, one at a time). ``failed``: papers of the same report that
        failed before (unknown ids, malformed list items): counted in the progress's total
        and reported to it as failed, not processed.

        Raises:
            AuthError: the LLM rejected the key; papers finished so far are stored.
            KeyboardInterrupt: interrupted; papers finished so far are stored and passed to
                ``on_done``, those in flight end after their current request.
        """
        return asyncio.run(self._process_all(refs, on_done, failed))

    async def _process_all(self, refs: list[PaperRef],
                           on_done: Callable[[PaperReport], None] | None,
                           failed: Sequence[PaperReport] = ()) -> list[PaperReport]:
        concurrency = self.settings.concurrency
        executor = ThreadPoolExecutor(
            max_workers=concurrency + FETCH_WORKERS, thread_name_prefix="paperdigest"
        )
        fetch_sem = asyncio.Semaphore(FETCH_WORKERS)
        llm_sem = asyncio.Semaphore(concurrency)
        loop = asyncio.get_running_loop()
        self.progress.event("start", total=len(refs) + len(failed), day=self._progress_day,
                            source="daily_papers" if self._progress_day else "ids")
        for paper in failed:
            if paper.failure is not None:
                self.progress.event("failed", arxiv_id=paper.ref.arxiv_id,
                                    stage=paper.failure.stage, reason=paper.failure.reason)

        async def run(fn: Callable[..., T], *args: Any) -> T:
            return await loop.run_in_executor(executor, fn, *args)

        async def one(ref: PaperRef) -> PaperReport:
            # Stage 1 (acquire) under the fetch semaphore, stage 2 under the LLM one.
            async with fetch_sem:
                if self._fatal:
                    raise self._fatal
                try:
                    await run(self.document, ref)
                except (PaperdigestError, _Stopped):
                    pass  # remembered in self._docs; process() records it with its stage
            async with llm_sem:
                if self._fatal:
                    raise self._fatal
                try:
                    report = await run(self.process, ref)
                except RUN_ENDING as exc:
                    self._fatal = exc
                    raise
                finally:
                    # Memory stays flat over long runs: a finished paper's Document goes.
                    self._docs.pop(ref.arxiv_id, None)
                    self._degraded.pop(ref.arxiv_id, None)
            if on_done is not None:
                on_done(report)
            return report

        clean = False
        try:
            results = await asyncio.gather(*(one(ref) for ref in refs), return_exceptions=True)
            clean = True
        finally:
            if not clean:
                # Cancelled (Ctrl-C): in-flight papers end after their current request.
                self.stop()
            executor.shutdown(wait=clean, cancel_futures=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return [r for r in results if isinstance(r, PaperReport)]


# --------------------------------------------------------------------------- outputs


def check_output_dir(out: Path) -> None:
    """Make sure reports can be written to ``out`` (created if missing), before any network
    work, so that a run's work is never lost at the end.

    Raises:
        OutputError: ``out`` cannot be created or written.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".paperdigest-check-"):
            pass
    except OSError as exc:
        raise OutputError(
            f"cannot write reports to {out}: {exc.strerror or exc}; pass --out DIR with a "
            "writable directory"
        ) from None


def write_outputs(day_report: DayReport, out_dir: Path, formats: Iterable[str],
                  name: str | None = None, lang: str | None = None,
                  overview: str = "") -> list[Path]:
    """Write the day's report in each format; returns the paths written.

    Files are ``{out_dir}/{name}.{fmt}``; ``name`` defaults to the report's date. ``lang``:
    the run's report language, whose fixed strings the Markdown uses (default: the language
    of most summaries, :func:`paperdigest.render.markdown.day_language`). Each file
    is written atomically (:func:`atomic_write`): a crash or a full disk leaves the previous
    file whole. ``overview``: the Markdown block above the first separator
    (:meth:`RunHooks.overview_markdown`; "" for none).

    Raises:
        OutputError: a file could not be written (the previous one is intact).
    """
    from .render.json import render_json
    from .render.markdown import render_day

    renderers = {"md": lambda d: render_day(d, overview=overview, lang=lang),
                 "json": render_json}
    written = []
    for fmt in formats:
        path = out_dir / f"{name or day_report.date}.{fmt}"
        atomic_write(path, renderers[fmt](day_report))
        written.append(path)
    return written


def atomic_write(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) all at once: write a temporary file in the same
    directory, fsync it, rename it over ``path``, fsync the directory.

    Raises:
        OutputError: the directory cannot be written or the disk is full; ``path`` is
            untouched and the temporary file removed.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}; the previous "
                              "file is kept") from None
        raise
    # Temporary files of this report that a killed process left behind (one writer: the
    # run lock).
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# --------------------------------------------------------------------------- wiring


@contextlib.contextmanager
def open_pipeline(
    settings: Settings,
    *,
    options: RunOptions | None = None,
    progress: ProgressSink | None = None,
    now: Now = utc_now,
    wait: float = 0.0,
    summarizer: Summarizer | None = None,
    hooks: RunHooks | None = None,
) -> Iterator[Pipeline]:
    """A :class:`Pipeline` over ``settings``' data directory, closed on exit.

    Takes the run lock (so two runs never write one store), marks runs a dead process left
    ``running`` as ``killed``, checks ``options.out`` is writable, opens the store (with the
    same clock) and the HTTP client, and builds the summarizer. ``hooks``: see
    :class:`RunHooks` (the CLI passes the insights').

    Raises:
        StoreLockedError: another run holds the data directory (after ``wait`` seconds).
        StoreCorruptError / StoreReadOnlyError / StoreError: the store cannot be used.
        OutputError: ``options.out`` cannot be written.
        ConfigError: an unknown summarizer backend.
    """
    from .runtime import open_http, open_store, run_lock
    from .summarize import make_summarizer

    options = options or RunOptions(lang=settings.lang)
    if options.out is not None:
        check_output_dir(options.out)
    lock = run_lock(settings.home_path, wait=wait)
    try:
        with contextlib.ExitStack() as stack:
            store = stack.enter_context(open_store(settings, now=now))
            store.close_stale_runs()
            http = stack.enter_context(open_http(settings, refresh=options.refresh))
            # LLM calls go through the same HTTP policy: paced, counted, capped, deadlined.
            summarizer = summarizer or make_summarizer(settings, http_client=http)
            yield Pipeline(settings, store, http, summarizer, options=options, now=now,
                           progress=progress, hooks=hooks)
    finally:
        lock.release()


# --------------------------------------------------------------------------- helpers


class _Stopped(Exception):
    """The run was asked to stop before this paper's next stage."""


class _Guarded:
    """A summarizer that, once the LLM server was unreachable after retries, fails later
    papers at once with the same reason instead of each waiting through its own retries."""

    def __init__(self, inner: Summarizer) -> None:
        self.inner = inner
        self.name = inner.name
        self.model = inner.model
        self.prompt_version = inner.prompt_version
        self.down: LLMUnavailableError | None = None

    def summarize(self, ref: PaperRef, doc: Document, context: PackedContext,
                  lang: str) -> SummaryResult:
        if self.down is not None:
            raise LLMUnavailableError(f"not attempted: {self.down}")
        try:
            return self.inner.summarize(ref, doc, context, lang)
        except LLMUnavailableError as exc:
            if self.down is None:
                self.down = exc
            raise


def _not_finished(ref: PaperRef) -> PaperReport:
    return PaperReport(ref=ref, failure=Failure("run", NOT_FINISHED))


def _fill(report: PaperReport, result: PaperResult) -> None:
    report.summary = result.summary
    report.verification = result.verification
    report.coverage = result.coverage
    report.context_tokens = result.context_tokens
    report.cached = result.cached
    if not result.cached:
        report.backend, report.model = result.key.backend, result.key.model
        report.tokens_in, report.tokens_out = result.tokens_in, result.tokens_out
        report.llm_calls, report.cost = result.calls, result.cost


def _status(outcomes: list[DayOutcome]) -> str:
    if not outcomes or any(o.error for o in outcomes):
        return "incomplete"
    stats = [o.report.stats for o in outcomes if o.report and o.report.stats]
    if any(s.failed or s.degraded for s in stats):
        return "partial"
    return "ok"


def _flag(doc: Document, prefix: str) -> str:
    return next((f[len(prefix):] for f in doc.flags if f.startswith(prefix)), "")


def _bare_id(text: str) -> str:
    """An arXiv id without its version (the acquire stage learns versions).

    Raises:
        InputError: not an arXiv id.
    """
    from .errors import InputError

    try:
        return split_arxiv_id(text)[0]
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
