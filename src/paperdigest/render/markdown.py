"""Render paper blocks and whole days in the reference Markdown format, in zh or en.

The format is DESIGN §2 (reference: ``reference/daily_report_2026-01-31.md``): a three-line
header, optional ``> `` notes, an optional overview, then one block per paper between 60-'='
separators, and an optional footer after the last separator. Everything beyond the reference
(notes, verification warnings, provenance, failure lines, footer) is a ``> `` line or lies
outside the paper blocks, so :func:`paperdigest.render.parse.parse_report` ignores it.

The five parts are written by the summary codec
(:func:`paperdigest.contract.markdown.render_summary`); every fixed string comes from the
report language's :class:`~paperdigest.contract.vocab.Vocabulary` (``zh`` is byte-identical to
the reference; ``en`` has no CJK character outside paper content). Text from papers and models
(titles, failure reasons, notes, summary fields) is stored as plain text and escaped for
Markdown once, here, with :func:`~paperdigest.contract.markup.neutralize_markup`.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from paperdigest.contract.markdown import render_summary
from paperdigest.contract.markup import neutralize_markup
from paperdigest.contract.vocab import REPORT_TITLE, SEPARATOR, Vocabulary, vocabulary
from paperdigest.models import DayReport, PaperReport, RunStats, order_reports
from paperdigest.render.tex import readable_summary

logger = logging.getLogger(__name__)

__all__ = [
    "REPORT_TITLE",
    "SEPARATOR",
    "render_day",
    "render_footer",
    "render_paper",
    "render_summary",
]


def _one_line(text: str) -> str:
    """Collapse whitespace (HF titles sometimes contain line breaks); make markup inert."""
    return neutralize_markup(" ".join(text.split()))


def _untraced_line(report: PaperReport, vocab: Vocabulary) -> str | None:
    if report.verification is None:
        return None
    names: list[str] = []
    for claim in report.verification.untraced:
        text = _one_line(claim.text)
        if text and text not in names:
            names.append(text)
    return f"> {vocab.untraced}{vocab.list_joiner.join(names)}" if names else None


def _checked_lines(report: PaperReport, vocab: Vocabulary) -> list[str]:
    """Coverage beside precision, and the flag of a summary with no concrete claim; only
    when the paper has key facts (issue 10, item 8)."""
    check = report.verification
    if check is None or not check.key_facts:
        return []
    if check.vague:
        return [f"> {vocab.vague.format(facts=len(check.key_facts))}"]
    traced = len(check.claims) - len(check.untraced)
    line = vocab.checked.format(traced=traced, claims=len(check.claims),
                                used=len(check.key_facts_used), facts=len(check.key_facts))
    return [f"> {line}"]


def _provenance_line(report: PaperReport, vocab: Vocabulary) -> str | None:
    parts: list[str] = []
    if report.coverage is not None or report.context_tokens is not None:
        read = vocab.read_abstract if report.source_kind == "ArXiv Abs" else vocab.read_full_text
        if report.coverage is not None:
            read += f" {round(report.coverage * 100)}%"
        if report.context_tokens is not None:
            read += vocab.tokens.format(tokens=f"{report.context_tokens:,}")
        parts.append(read)
    who = vocab.backend_names.get(report.backend) or report.model or report.backend
    if who:
        parts.append(_one_line(who))
    # DESIGN §2 writes "正文 78%（16,000 tokens）· 抽取式摘要": no space after a full-width ")".
    return f"> {vocab.read}{' · '.join(parts).replace('） · ', '）· ')}" if parts else None


def _paper_notes(report: PaperReport) -> list[str]:
    """The paper's own ``> `` notes (``PaperReport.notes``, e.g. a source lost to a server
    fault, written with the vocabulary's ``degraded_note``)."""
    return [f"> {_one_line(note)}" for note in getattr(report, "notes", []) if note.strip()]


def _language(report: PaperReport, lang: str | None) -> str:
    if lang:
        return lang
    return report.summary.language if report.summary is not None else "zh"


def render_paper(report: PaperReport, lang: str | None = None) -> str:
    """One paper's block, from ``## 📄 {title}`` to its last line, newline-terminated.

    A paper with a summary gets the ``# {title}`` line, the five parts, then (if any) the
    ``> ⚠ 未在原文中找到：…`` and ``> 已读：…`` lines. A paper without one (``failure`` set, or
    no summary) gets ``> ❌ 未能生成：{stage}: {reason}`` instead; its ``阅读来源`` is the source
    that was read (a paper that failed at the summarize stage was read) or ``无`` when nothing
    was (issue 13).
    Fixed strings are those of ``lang`` (default: the summary's language, else ``zh``).
    Separators are added by :func:`render_day`.
    """
    vocab = vocabulary(_language(report, lang))
    title = _one_line(report.ref.title)
    source = report.source_kind or vocab.no_source
    lines = [
        f"## 📄 {title}",
        "",
        f"- **{vocab.link_label}**: {report.ref.hf_url}",
        f"- **{vocab.source_label}**: {source}",
        "",
    ]
    if report.summary is None or report.failure is not None:
        if report.failure is not None:
            stage, reason = report.failure.stage, _one_line(report.failure.reason)
        else:
            stage, reason = "summarize", "no summary was produced"
        lines.append(f"> {vocab.failed}{stage}: {reason}")
        lines += _paper_notes(report)
        return "\n".join(lines) + "\n"
    # TeX shown readably in Markdown only; JSON keeps it (render/tex.py).
    text = f"# {title}\n\n" + render_summary(readable_summary(report.summary), vocab.lang)
    notes = [
        n
        for n in (
            _untraced_line(report, vocab),
            *_checked_lines(report, vocab),
            *_paper_notes(report),
            _provenance_line(report, vocab),
        )
        if n
    ]
    if notes:
        text += "\n" + "\n".join(notes) + "\n"
    return "\n".join(lines) + "\n" + text


def render_footer(stats: RunStats, lang: str | None = None, *, reused: bool = False,
                  original_seconds: float | None = None,
                  original: dict[str, Any] | None = None) -> list[str]:
    """The ``> `` lines after the last separator: backend, model, counts, tokens, cost, time.

    A ``stats.cost`` of ``None`` (no price known for the model) is shown as "unknown", never
    as ``$0.0000``. ``reused``: every result came from the store (a rerun); the time line
    says so, with ``original_seconds`` (the run that made them) when known (issue 13), and
    the token and cost lines add ``original``'s tokens, LLM calls and cost
    (``DayReport.original``) when known, so a rerun's zeros never read as "free" (QA 8).
    """
    vocab = vocabulary(lang)
    model = vocab.footer_model.format(model=stats.model) if stats.model else ""
    shown = cost_text(stats.cost, llm_calls=stats.llm_calls, model=stats.model, lang=lang)
    values = {
        "backend": stats.backend or "?",
        "model": model,
        "papers": stats.papers,
        "done": stats.done,
        "failed": stats.failed,
        "tokens_in": f"{stats.tokens_in:,}",
        "tokens_out": f"{stats.tokens_out:,}",
        # Every call, failed and invalid ones included; how many failed, if any (issue 13).
        "calls": f"{stats.llm_calls}"
        + (vocab.failed_calls.format(failed=stats.llm_failed_calls)
           if getattr(stats, "llm_failed_calls", 0) else ""),
        "cost": shown,
        "seconds": f"{stats.seconds:.1f}",
    }
    lines = [line.format(**values) for line in vocab.footer]
    if reused:
        lines[-1] += (vocab.reused_time_unknown if original_seconds is None
                      else vocab.reused_time.format(seconds=f"{original_seconds:.1f}"))
    if reused and original:
        made_cost = original.get("cost")
        lines[2] += vocab.reused_tokens.format(tokens_in=f"{original.get('tokens_in', 0):,}",
                                               tokens_out=f"{original.get('tokens_out', 0):,}")
        lines[3] += vocab.reused_cost.format(
            calls=original.get("llm_calls", 0),
            cost=cost_text(made_cost, llm_calls=original.get("llm_calls", 0), lang=lang,
                           short=True))
    return [f"> {_one_line(line)}" for line in lines]


def cost_text(cost: float | None, *, llm_calls: int, model: str | None = None,
              lang: str | None = None, short: bool = False) -> str:
    """The one way a cost (USD) is written, in the report footer, ``status`` and its runs
    table (README "Cost": never ``$0.0000``).

    ``None`` (an LLM model without a price) → "unknown (no price for MODEL: set [prices])"
    (``short``: "unknown"); 0 with no LLM call (the extractive backend, a rerun) →
    "$0 (no LLM calls)" / "$0（未调用 LLM）"; 0 with calls (a model priced at 0) → "$0";
    under a hundredth of a cent → "<$0.0001"; else ``$x.xxxx``.
    """
    vocab = vocabulary(lang)
    if cost is None:
        return vocab.cost_unknown_short if short else \
            vocab.cost_unknown.format(model=model or "?")
    if cost == 0:
        return "$0" if llm_calls else vocab.cost_none
    if cost < 0.0001:
        return "<$0.0001"
    return f"${cost:.4f}"


def day_language(day: DayReport) -> str:
    """The language most of the day's summaries are written in (``zh`` when none)."""
    counts = Counter(p.summary.language for p in day.papers if p.summary is not None)
    return counts.most_common(1)[0][0] if counts else "zh"


#: Ids written in a ``run --ids`` report's header line before "… and N more".
HEADER_IDS = 10


def _ids_line(ids: list[str]) -> str:
    """``**Source**: arXiv ids given to run --ids (3): 2601.00001, …`` (ids are validated)."""
    shown = ", ".join(ids[:HEADER_IDS])
    more = f", … and {len(ids) - HEADER_IDS} more" if len(ids) > HEADER_IDS else ""
    return f"**Source**: arXiv ids given to run --ids ({len(ids)}): {shown}{more}"


def render_day(day: DayReport, overview: str = "", lang: str | None = None) -> str:
    """The whole report file for one requested day.

    Header (byte-identical to the reference's three lines), ``> `` notes, the optional
    ``overview`` Markdown, then the paper blocks ordered by upvotes descending, ties by arXiv
    id, each followed by two blank lines and the separator; the footer (``day.stats``) comes
    after the last separator. Fixed strings are those of ``lang`` (default:
    :func:`day_language`); notes are written as given (make them with the vocabulary's
    ``empty_day_note``/``ids_note``/``extractive_note``).
    """
    lang = lang or day_language(day)
    out = [
        REPORT_TITLE,
        f"**Date**: {day.date}",
        # A `run --ids` report comes from no Daily Papers day: it says what it is (issue 13).
        _ids_line(day.ids) if getattr(day, "ids", None)
        else f"**Source URL**: https://huggingface.co/papers/date/{day.date}",
        "",
    ]
    if day.notes:
        out += [f"> {_one_line(note)}" for note in day.notes] + [""]
    if overview.strip():
        out += [overview.strip("\n"), ""]
    out.append(SEPARATOR)
    text = "\n".join(out) + "\n"
    for report in order_reports(day.papers):
        text += "\n" + render_paper(report, lang) + "\n\n" + SEPARATOR + "\n"
    if day.stats is not None:
        text += "\n" + "\n".join(render_footer(
            day.stats, lang, reused=getattr(day, "reused", False),
            original_seconds=getattr(day, "original_seconds", None),
            original=getattr(day, "original", None))) + "\n"
    return text
