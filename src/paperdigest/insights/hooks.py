"""The insights stage's one place in a run: :class:`InsightHooks`, the
:class:`paperdigest.pipeline.RunHooks` that the CLI hands to ``open_pipeline(hooks=)`` (the
pipeline imports nothing of this package).

A :class:`DayHook` is made before a day is listed (:meth:`DayHook.before`: what the store knew
— the day's ids and each paper's best stored source), sees the listed papers
(:meth:`DayHook.listed`: arXiv categories in one batched request, Hugging Face artifacts,
the source kinds read before this run) and annotates the report before each write
(:meth:`DayHook.annotate`):

* a paper listed now but not in the stored list of the same day is marked new
  ("🆕 上次运行后新增" / "🆕 New since the last run");
* a paper read from the abstract before and from HTML/PDF now is marked
  "upgraded: abstract → HTML";
* the interest match ("matched: reward model; author X") is a ``> `` line;
* 代码与资源 says what can be run (:mod:`paperdigest.insights.artifacts`);
* ``--only-relevant`` drops unmatched papers (failed ones stay), said in a note;
* the overview (:mod:`paperdigest.insights.overview`) goes into ``DayReport.overview``.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import TYPE_CHECKING, Any

from ..models import NOT_MENTIONED, DayReport, PaperRef, PaperReport, source_rank
from .artifacts import code_and_resources, runnable
from .interests import score_papers

if TYPE_CHECKING:
    from datetime import date

    from ..pipeline import DayOutcome, Pipeline

logger = logging.getLogger(__name__)

__all__ = ["NEW_NOTE", "UPGRADED_NOTE", "DayHook", "InsightHooks"]

NEW_NOTE = {"zh": "🆕 上次运行后新增（new since the last run）",
            "en": "🆕 New since the last run"}
UPGRADED_NOTE = {"zh": "⬆ 已升级（upgraded: abstract → {kind}）：上次只读了摘要",
                 "en": "⬆ upgraded: abstract → {kind}"}
MATCHED_NOTE = {"zh": "🎯 兴趣匹配：{why}", "en": "🎯 Interest match: {why}"}


class InsightHooks:
    """The insights of a run (:class:`paperdigest.pipeline.RunHooks`): a :class:`DayHook`
    per report, the period digest (:func:`paperdigest.insights.digest.write_digest`) and
    the overview block (:func:`paperdigest.insights.overview.overview_markdown`)."""

    def report(self, pipeline: Pipeline, day_key: str | None) -> DayHook:
        return DayHook.before(pipeline, day_key)

    def period(self, pipeline: Pipeline, days: list[date],
               outcomes: list[DayOutcome]) -> DayOutcome | None:
        from .digest import write_digest

        return write_digest(pipeline, days, outcomes)

    def overview_markdown(self, report: DayReport, lang: str | None) -> str:
        from .overview import overview_markdown

        return overview_markdown(report, lang)


class DayHook:
    """Per-report insights state (:class:`paperdigest.pipeline.ReportHook`); see the module
    docstring."""

    def __init__(self, pipeline: Pipeline, previous_ids: set[str] | None) -> None:
        self.pipeline = pipeline
        self.previous_ids = previous_ids
        self.prior_kinds: dict[str, str] = {}
        self.hub: dict[str, dict[str, Any] | None] = {}
        self.links: dict[str, list[str]] = {}
        self.only_relevant = bool(getattr(pipeline.options, "only_relevant", False)
                                  or pipeline.settings.interests.only_relevant)
        self.dropped = 0
        self._examples: dict[str, str] | None = None
        self._hub_thread: threading.Thread | None = None

    @classmethod
    def before(cls, pipeline: Pipeline, day_key: str | None) -> DayHook:
        """State before listing ``day_key`` (``None`` for an id list)."""
        previous = None
        if day_key is not None:
            record = pipeline.store.get_day(day_key)
            previous = set(record.paper_ids) if record is not None else None
        return cls(pipeline, previous)

    def listed(self, refs: list[PaperRef]) -> list[PaperRef]:
        """Categories and artifacts for ``refs``, and their stored sources before this run;
        returns the refs with categories filled."""
        p = self.pipeline
        for ref in refs:
            doc = p.store.get_document(ref.arxiv_id)
            if doc is not None:
                self.prior_kinds[ref.arxiv_id] = doc.source_kind
        insights = p.settings.insights
        if insights.categories and refs:
            from .extras import fill_categories

            refs = fill_categories(p.http, p.settings, p.store, refs)
        if insights.artifacts and refs:
            # One HF request per paper (role ``hf``, its own pace): looked up while the
            # papers are fetched and summarized; the final write waits for it.
            self._hub_thread = threading.Thread(target=self._lookup_artifacts,
                                                args=(list(refs),), daemon=True,
                                                name="paperdigest-artifacts")
            self._hub_thread.start()
        return refs

    def _lookup_artifacts(self, refs: list[PaperRef]) -> None:
        from .extras import hf_artifacts

        p = self.pipeline
        try:
            for ref in refs:
                if p._stopping.is_set():
                    return
                self.hub[ref.arxiv_id] = hf_artifacts(p.http, p.settings, p.store, ref.arxiv_id)
        except Exception as exc:  # noqa: BLE001 - e.g. the client closed under a stopped run
            logger.warning("Hugging Face artifacts lookup stopped: %s", exc)

    def wait_for_artifacts(self) -> None:
        """Wait until every paper's artifacts were looked up (each request has a deadline)."""
        if self._hub_thread is not None:
            self._hub_thread.join()

    def _doc_links(self, arxiv_id: str) -> list[str]:
        if arxiv_id not in self.links:
            doc = self.pipeline.store.get_document(arxiv_id)
            self.links[arxiv_id] = list(doc.links) if doc is not None else []
        return self.links[arxiv_id]

    def _example_texts(self) -> dict[str, str]:
        if self._examples is None:
            self._examples = {}
            for arxiv_id in self.pipeline.settings.interests.examples:
                ref = self.pipeline.store.get_paper(arxiv_id.strip())
                stored = self.pipeline.store.latest_summary(arxiv_id.strip()) \
                    if hasattr(self.pipeline.store, "latest_summary") else None
                summary = getattr(stored, "summary", None)
                if ref is not None:
                    from .interests import paper_text

                    self._examples[ref.arxiv_id] = paper_text(ref, summary)
        return self._examples

    def annotate(self, report: DayReport, lang: str, final: bool) -> None:
        """Per-paper marks, 代码与资源, interest order/filter and the overview (in place)."""
        if final:
            self.wait_for_artifacts()
        annotate_papers(report.papers, self, lang)
        profile = self.pipeline.settings.interests
        if self.only_relevant and not profile.empty:
            kept = [p for p in report.papers
                    if p.failure is not None or p.insights.get("matched")]
            dropped = len(report.papers) - len(kept)
            if dropped:
                report.papers = kept
                note = (f"注：按兴趣筛选（--only-relevant），省略 {dropped} 篇不相关的论文。"
                        if lang == "zh" else
                        f"Note: --only-relevant left out {dropped} paper(s) without a match.")
                report.notes = [n for n in report.notes if "--only-relevant" not in n] + [note]
        new = sum(1 for p in report.papers if p.insights.get("new"))
        upgraded = sum(1 for p in report.papers if p.insights.get("upgraded"))
        report.notes = [n for n in report.notes if not n.startswith(("注：与上次运行相比",
                                                                     "Since the last run"))]
        if new or upgraded:
            report.notes.append(
                f"注：与上次运行相比，新增 {new} 篇论文，{upgraded} 篇从摘要升级为全文。"
                if lang == "zh" else
                f"Since the last run: {new} new paper(s), {upgraded} upgraded from the "
                "abstract to the full text.")
        from .overview import compute_overview

        overview = compute_overview(report, lang)
        overview["lang"] = lang
        if final:
            from .summary import llm_overview

            text = llm_overview(self.pipeline, report, overview, lang)
            if text:
                overview["text"] = text
        report.overview = overview


def annotate_papers(papers: list[PaperReport], hook: DayHook, lang: str) -> None:
    """Marks, artifacts and interest match of each paper (idempotent)."""
    p = hook.pipeline
    profile = p.settings.interests
    matches = {}
    if not profile.empty:
        embed = None
        if profile.embeddings_url and profile.embeddings_model:
            embed = _embedder(p, profile.embeddings_url, profile.embeddings_model)
        matches = score_papers([(r.ref, r.summary) for r in papers], profile,
                               examples=hook._example_texts(), embed=embed)
    for report in papers:
        info = report.insights
        aid = report.ref.arxiv_id
        notes = [n for n in report.notes if not n.startswith(("🆕", "⬆", "🎯"))]
        if hook.previous_ids is not None and aid not in hook.previous_ids:
            info["new"] = True
            notes.append(NEW_NOTE.get(lang, NEW_NOTE["zh"]))
        before = hook.prior_kinds.get(aid)
        if (before == "ArXiv Abs" and report.source_kind is not None
                and source_rank(report.source_kind) > source_rank(before)):
            info["upgraded"] = f"ArXiv Abs → {report.source_kind}"
            notes.append(UPGRADED_NOTE.get(lang, UPGRADED_NOTE["zh"]).format(
                kind=report.source_kind))
        match = matches.get(aid)
        if match is not None:
            info["score"] = match.score
            info["matched"] = match.explain()
            if match.relevant:
                notes.append(MATCHED_NOTE.get(lang, MATCHED_NOTE["zh"]).format(
                    why=match.explain()))
        report.notes = notes
        if report.summary is not None:
            original = info.setdefault("code_and_resources_summary",
                                       report.summary.usage.code_and_resources)
            text = "" if original == NOT_MENTIONED else original
            arts = runnable(report.ref, hook.hub.get(aid), hook._doc_links(aid), text)
            info["artifacts"] = [a.to_dict() for a in arts]
            report.summary = dataclasses.replace(
                report.summary,
                usage=dataclasses.replace(report.summary.usage,
                                          code_and_resources=code_and_resources(arts, lang)))
        else:
            arts = runnable(report.ref, hook.hub.get(aid))
            info["artifacts"] = [a.to_dict() for a in arts]


def _embedder(pipeline: Pipeline, base_url: str, model: str) -> Any:
    cache = pipeline.__dict__.setdefault("_insight_embed", {})
    if (base_url, model) not in cache:
        from ..llm.client import ChatClient

        settings = pipeline.settings
        llm = settings.llm.model_copy(update={"base_url": base_url.rstrip("/"), "model": model})
        client = ChatClient(settings.model_copy(update={"llm": llm}))
        cache[(base_url, model)] = client.embed
    return cache[(base_url, model)]
