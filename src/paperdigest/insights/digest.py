"""Period digests: ``run --week``, ``--month``, ``--from/--to`` (issue 15).

A run over more than one day writes a per-day report only for the days that have their own
Hugging Face list (:meth:`paperdigest.pipeline.Pipeline.has_own_list`; a day whose list would
be an earlier day's — weekends, holidays — gets no file: its papers are that earlier day's),
plus ONE digest over the period:
``digest-{label}.md``/``.json`` where ``label`` is ``2026-W05`` (a whole ISO week),
``2026-01`` (a whole month) or ``2026-01-26_2026-01-28`` (any other range).

The digest lists every paper of the period once (a paper listed on two days counts once;
the days it was listed on are kept in ``insights["listed_on"]``), ordered by interest score
(:mod:`paperdigest.insights.interests`) and then by the report order (upvotes, id), in the
reference block format, with the overview (:mod:`paperdigest.insights.overview`) over the
whole period above the first separator. A single ``--date`` keeps the reference's behaviour
(the latest earlier day's list, said in a note).
"""

from __future__ import annotations

import calendar
import json
import logging
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..models import DayReport, PaperReport, RunStats, report_order_key

if TYPE_CHECKING:
    from ..pipeline import DayOutcome, Pipeline

logger = logging.getLogger(__name__)

__all__ = ["build_digest", "period_label", "render_digest", "write_digest"]


def period_label(days: list[date]) -> tuple[str, str]:
    """The digest's label and its Hugging Face page: a whole ISO week → ``2026-W05``
    (``/papers/week/2026-W05``), a whole month → ``2026-01`` (``/papers/month/2026-01``),
    else ``first_last`` (``/papers/date/first``)."""
    days = sorted(days)
    first, last = days[0], days[-1]
    year, week, weekday = first.isocalendar()
    if weekday == 1 and len(days) == 7 and (last - first).days == 6:
        label = f"{year}-W{week:02d}"
        return label, f"https://huggingface.co/papers/week/{label}"
    month_days = calendar.monthrange(first.year, first.month)[1]
    if first.day == 1 and last == first.replace(day=month_days) and len(days) == month_days:
        label = f"{first.year}-{first.month:02d}"
        return label, f"https://huggingface.co/papers/month/{label}"
    return (f"{first.isoformat()}_{last.isoformat()}",
            f"https://huggingface.co/papers/date/{first.isoformat()}")


def build_digest(pipeline: Pipeline, days: list[date], outcomes: list[DayOutcome],
                 lang: str) -> DayReport:
    """The period's digest report (see the module docstring); ``stats`` are the totals of
    its distinct papers."""
    label, _url = period_label(days)
    papers: dict[str, PaperReport] = {}
    reported: list[str] = []
    for outcome in outcomes:
        if outcome.report is None:
            continue
        reported.append(outcome.report.date)
        for paper in outcome.report.papers:
            aid = paper.ref.arxiv_id
            if aid in papers:
                papers[aid].insights.setdefault("listed_on", []).append(outcome.report.date)
                continue
            copy = PaperReport(**{f: getattr(paper, f) for f in paper.__dataclass_fields__})
            copy.insights = {**paper.insights, "listed_on": [outcome.report.date]}
            copy.notes = [n for n in paper.notes]
            papers[aid] = copy
    ordered = sorted(papers.values(), key=lambda p: (-float(p.insights.get("score", 0.0)),
                                                     *report_order_key(p.ref)))
    wanted = {d.isoformat() for d in days}
    skipped = sorted(wanted - set(reported))
    entries = sum(len(o.report.papers) for o in outcomes if o.report is not None)
    if lang == "zh":
        notes = [(f"注：本期（{label}）共 {len(ordered)} 篇论文（{len(reported)} 天的列表共 "
                  f"{entries} 条，同一论文只列一次），按兴趣得分和点赞数排序。")]
        if skipped:
            notes.append(f"注：{'、'.join(skipped)} 没有自己的论文列表，未单独成文。")
    else:
        notes = [(f"Note: {len(ordered)} papers in {label} ({entries} entries over "
                  f"{len(reported)} day lists, each paper once), ordered by interest score "
                  "and upvotes.")]
        if skipped:
            notes.append(f"Note: {', '.join(skipped)} had no list of their own; no file "
                         "was written for them.")
    digest = DayReport(date=label, listed_date=label, papers=ordered, notes=notes,
                       stats=RunStats.of(ordered, backend=pipeline.summarizer.name,
                                         model=pipeline.summarizer.model))
    from .overview import compute_overview
    from .summary import llm_overview

    overview = compute_overview(ordered, lang)
    overview["lang"] = lang
    text = llm_overview(pipeline, digest, overview, lang)
    if text:
        overview["text"] = text
    digest.overview = overview
    return digest


def render_digest(digest: DayReport, source_url: str, lang: str) -> str:
    """The digest in the reference block format, papers in the digest's own order."""
    from ..contract.markup import neutralize_markup
    from ..contract.vocab import REPORT_TITLE, SEPARATOR
    from ..render.markdown import render_footer, render_paper
    from .overview import overview_markdown

    out = [REPORT_TITLE, f"**Date**: {digest.date}", f"**Source URL**: {source_url}", ""]
    out += [f"> {neutralize_markup(' '.join(n.split()))}" for n in digest.notes] + [""]
    overview = overview_markdown(digest, lang, period=True)
    if overview:
        out += [overview.strip("\n"), ""]
    out.append(SEPARATOR)
    text = "\n".join(out) + "\n"
    for report in digest.papers:
        text += "\n" + render_paper(report, lang) + "\n\n" + SEPARATOR + "\n"
    if digest.stats is not None:
        text += "\n" + "\n".join(render_footer(digest.stats, lang)) + "\n"
    return text


def write_digest(pipeline: Pipeline, days: list[date],
                 outcomes: list[DayOutcome]) -> DayOutcome | None:
    """Build the period's digest and write ``digest-{label}.{md,json}`` to
    ``options.out``; ``None`` when no day of the period has a report.

    Raises:
        OutputError: a file could not be written.
    """
    from ..pipeline import DayOutcome, atomic_write

    if not any(o.report is not None for o in outcomes):
        return None
    lang = pipeline.options.lang
    digest = build_digest(pipeline, days, outcomes, lang)
    label, url = period_label(days)
    written: list[Path] = []
    out = pipeline.options.out
    if out is not None:
        for fmt in pipeline.options.formats:
            path = out / f"digest-{label}.{fmt}"
            if fmt == "md":
                atomic_write(path, render_digest(digest, url, lang))
            elif fmt == "json":
                data: dict[str, Any] = digest.to_dict()
                data["source_url"] = url
                data["period"] = {"label": label, "days": [d.isoformat() for d in days]}
                atomic_write(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
            else:
                continue
            written.append(path)
    digest.stats = None  # its papers are the days' papers: not added to the run's totals twice
    return DayOutcome(label, digest, written)
