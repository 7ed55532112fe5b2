"""Read the archive out of the store: days, a day's papers with summaries, fingerprints.

Small read-only queries on a store connection (``Store.conn``, or a ``mode=ro`` connection
of the server), so that the web archive and delivery never write and never depend on the
store's Python API beyond its tables (``papers``, ``days``, ``day_papers``, ``summaries``,
``verifications``, ``failures``; see :mod:`paperdigest.store`). Records come back as the
models the Markdown renderer uses (:class:`~paperdigest.models.DayReport`,
:class:`~paperdigest.models.PaperReport`).

Which summary is shown: the latest stored one in the wanted language, else the latest in any
language. A paper without a summary shows its latest unresolved failure (stage and reason),
or "not summarized yet" when there is none.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..models import (
    Failure,
    PaperRef,
    PaperReport,
    PaperSummary,
    Verification,
    order_reports,
)

__all__ = [
    "DayEntry",
    "DayView",
    "day_fingerprints",
    "day_overview",
    "day_pages",
    "day_themes",
    "day_view",
    "days_of_papers",
    "list_days",
    "paper_view",
    "search_documents",
]


@dataclass
class DayEntry:
    """One day of the archive index."""

    date: str
    listed_date: str
    count: int
    """Papers listed."""
    summarized: int
    """Papers of the day with a stored summary."""
    failed: int
    """Papers without a summary whose latest failure is unresolved."""


@dataclass
class DayView:
    """A day's papers in report order (:func:`paperdigest.models.order_reports`)."""

    date: str
    listed_date: str
    fetched_at: str
    papers: list[PaperReport] = field(default_factory=list)

    @property
    def failed(self) -> list[PaperReport]:
        return [p for p in self.papers if p.failure is not None]

    @property
    def summarized(self) -> list[PaperReport]:
        return [p for p in self.papers if p.summary is not None and p.failure is None]


def day_pages(conn: sqlite3.Connection) -> dict[str, str]:
    """Every stored date → the date of the day page that shows its list.

    The one rule for which days have a page (the static site writes exactly these pages;
    ``serve`` answers exactly these dates; every "listed on" link points at one of them). A
    day whose list is an earlier day's (a weekend, a holiday: the look-back) is not a day of
    its own (issue 15, QA finding 3): a list is shown once, on the first stored day that
    listed it (``days.listed_date``; that is the listed day itself whenever it is stored),
    and every other stored day holding the same list maps to that page. A day with a page
    maps to itself: ``{"2026-01-30": "2026-01-30", "2026-01-31": "2026-01-30"}``.
    """
    first: dict[str, str] = {}
    pages: dict[str, str] = {}
    for date, listed in conn.execute("SELECT date, listed_date FROM days ORDER BY date"):
        pages[date] = first.setdefault(listed, date)
    return pages


def list_days(conn: sqlite3.Connection) -> list[DayEntry]:
    """Every stored day that has a page (:func:`day_pages`), newest first, with counts."""
    shown = set(day_pages(conn).values())
    rows = conn.execute(
        """
        SELECT d.date, d.listed_date, d.count,
          (SELECT COUNT(DISTINCT s.arxiv_id) FROM day_papers dp JOIN summaries s
             ON s.arxiv_id = dp.arxiv_id WHERE dp.date = d.date),
          (SELECT COUNT(DISTINCT f.arxiv_id) FROM day_papers dp JOIN failures f
             ON f.arxiv_id = dp.arxiv_id
             WHERE dp.date = d.date AND f.resolved = 0
               AND NOT EXISTS (SELECT 1 FROM summaries s WHERE s.arxiv_id = dp.arxiv_id))
        FROM days d
        ORDER BY d.date DESC
        """
    ).fetchall()
    return [DayEntry(r[0], r[1], int(r[2]), int(r[3]), int(r[4])) for r in rows if r[0] in shown]


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


def _reports(conn: sqlite3.Connection, refs: list[PaperRef], lang: str) -> list[PaperReport]:
    """PaperReports for ``refs`` with their chosen summary or open failure (few queries)."""
    if not refs:
        return []
    ids = [r.arxiv_id for r in refs]
    chosen: dict[str, tuple[Any, ...]] = {}
    # Chunks keep the number of SQL variables under SQLite's limit on big days.
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = conn.execute(
            "SELECT s.arxiv_id, s.lang, s.source_kind, s.backend, s.model, s.data, s.coverage, "
            "s.context_tokens, v.data FROM summaries s LEFT JOIN verifications v "
            f"ON v.summary_id = s.id WHERE s.arxiv_id IN ({_marks(chunk)}) "
            "ORDER BY s.created_at DESC, s.id DESC",
            chunk,
        ).fetchall()
        for row in rows:
            old = chosen.get(row[0])
            if old is None or (old[1] != lang and row[1] == lang):
                chosen[row[0]] = tuple(row)
    failures: dict[str, Failure] = {}
    missing = [i for i in ids if i not in chosen]
    for start in range(0, len(missing), 500):
        chunk = missing[start:start + 500]
        rows = conn.execute(
            "SELECT arxiv_id, stage, reason FROM failures WHERE resolved = 0 AND "
            f"arxiv_id IN ({_marks(chunk)}) ORDER BY id",
            chunk,
        ).fetchall()
        for arxiv_id, stage, reason in rows:
            failures[arxiv_id] = Failure(stage=stage, reason=reason)  # latest wins
    reports = []
    for ref in refs:
        row = chosen.get(ref.arxiv_id)
        if row is None:
            reports.append(PaperReport(ref=ref, failure=failures.get(ref.arxiv_id)))
            continue
        reports.append(PaperReport(
            ref=ref,
            source_kind=row[2],
            # The language is the row's (what the summary was made in), not a guess.
            summary=PaperSummary.from_dict({**json.loads(row[5]), "language": row[1]}),
            verification=Verification.from_dict(json.loads(row[8])) if row[8] else None,
            coverage=row[6],
            context_tokens=row[7],
            backend=row[3],
            model=row[4],
        ))
    return reports


def day_overview(conn: sqlite3.Connection, view: DayView, lang: str = "zh") -> dict[str, Any]:
    """The day at a glance for the day page (issue 15): themes with counts, must-read papers
    with their reasons, released code/models/data, computed from the stored papers
    (:func:`paperdigest.insights.overview.stored_overview`: no request, no LLM), plus
    ``"words"``: the headings in ``lang``."""
    from ..insights.overview import overview_words, stored_overview

    return {**stored_overview(conn, view.papers, lang), "words": overview_words(lang)}


def day_themes(conn: sqlite3.Connection, lang: str = "zh",
               top: int = 3) -> dict[str, list[dict[str, Any]]]:
    """Each stored day's ``top`` themes for the archive index (issue 14/15), ``date →
    [{"theme", "count", "papers"}]``: the day page's themes (:func:`day_overview`: Hugging
    Face ``ai_keywords``, primary arXiv categories, the chosen summary's 应用领域), in two
    queries over the whole archive (the domain read by SQLite's ``json_extract``)."""
    from ..insights.overview import themes_of

    domains: dict[str, tuple[str, str]] = {}  # arxiv_id → (lang, domain), as _reports chooses
    for arxiv_id, summary_lang, domain in conn.execute(
        "SELECT arxiv_id, lang, json_extract(data, '$.domain') FROM summaries "
        "ORDER BY created_at DESC, id DESC"
    ):
        old = domains.get(arxiv_id)
        if old is None or (old[0] != lang and summary_lang == lang):
            domains[arxiv_id] = (summary_lang, domain or "")
    by_day: dict[str, list[PaperReport]] = {}
    for date, data in conn.execute(
        "SELECT d.date, p.data FROM day_papers d JOIN papers p ON p.arxiv_id = d.arxiv_id"
    ):
        ref = PaperRef.from_dict(json.loads(data))
        domain = domains.get(ref.arxiv_id, ("", ""))[1]
        summary = PaperSummary(domain=domain, contribution="") if domain else None
        by_day.setdefault(date, []).append(PaperReport(ref=ref, summary=summary))
    return {date: themes[:top] for date, papers in by_day.items()
            if (themes := themes_of(papers, lang))}


def day_view(conn: sqlite3.Connection, date: str, lang: str = "zh") -> DayView | None:
    """The stored papers of ``date`` with summaries or failures; ``None`` if not stored."""
    day = conn.execute(
        "SELECT date, listed_date, fetched_at FROM days WHERE date = ?", (date,)
    ).fetchone()
    if day is None:
        return None
    refs = [
        PaperRef.from_dict(json.loads(r[0]))
        for r in conn.execute(
            "SELECT p.data FROM day_papers d JOIN papers p ON p.arxiv_id = d.arxiv_id "
            "WHERE d.date = ? ORDER BY d.position",
            (date,),
        )
    ]
    return DayView(date=day[0], listed_date=day[1], fetched_at=day[2],
                   papers=order_reports(_reports(conn, refs, lang)))


def paper_view(conn: sqlite3.Connection, arxiv_id: str, lang: str = "zh") -> PaperReport | None:
    """One stored paper with its summary or failure; ``None`` if the paper is not stored."""
    row = conn.execute("SELECT data FROM papers WHERE arxiv_id = ?", (arxiv_id,)).fetchone()
    if row is None:
        return None
    return _reports(conn, [PaperRef.from_dict(json.loads(row[0]))], lang)[0]


def days_of_papers(conn: sqlite3.Connection, ids: Sequence[str] | None = None
                   ) -> dict[str, list[str]]:
    """arXiv id → the day pages (:func:`day_pages`) whose list holds it, newest first.

    A paper listed on a day without a page of its own (a weekend's look-back) is listed on
    the page showing that list, once, so every date returned has a page.
    """
    sql = "SELECT arxiv_id, date FROM day_papers"
    params: list[str] = []
    if ids is not None:
        if not ids:
            return {}
        sql += f" WHERE arxiv_id IN ({_marks(ids)})"
        params = list(ids)
    pages = day_pages(conn)
    found: dict[str, set[str]] = {}
    for arxiv_id, date in conn.execute(sql, params):
        if date in pages:
            found.setdefault(arxiv_id, set()).add(pages[date])
    return {arxiv_id: sorted(dates, reverse=True) for arxiv_id, dates in found.items()}


def day_fingerprints(conn: sqlite3.Connection) -> dict[str, str]:
    """date → a hash that changes whenever anything shown on that day's pages changes.

    Covers the day's list (fetch time, count), its papers (``updated_at``), their summaries
    (ids, creation times) and failures (ids, resolution), and the other days that list the
    same papers (paper pages name them). Cheap: four grouped queries, no JSON decoding.
    """
    parts: dict[str, list[str]] = {}
    for row in conn.execute("SELECT date, listed_date, fetched_at, count FROM days"):
        parts[row[0]] = [str(v) for v in row]
    queries = [
        ("SELECT dp.date, MAX(p.updated_at), COUNT(*) FROM day_papers dp "
         "JOIN papers p ON p.arxiv_id = dp.arxiv_id GROUP BY dp.date"),
        ("SELECT dp.date, MAX(s.id), MAX(s.created_at), COUNT(s.id) FROM day_papers dp "
         "JOIN summaries s ON s.arxiv_id = dp.arxiv_id GROUP BY dp.date"),
        ("SELECT dp.date, MAX(f.id), SUM(f.resolved), MAX(f.resolved_at) FROM day_papers dp "
         "JOIN failures f ON f.arxiv_id = dp.arxiv_id GROUP BY dp.date"),
        ("SELECT a.date, group_concat(DISTINCT b.date) FROM day_papers a "
         "JOIN day_papers b ON b.arxiv_id = a.arxiv_id AND b.date != a.date GROUP BY a.date"),
    ]
    for sql in queries:
        for row in conn.execute(sql):
            if row[0] in parts:
                parts[row[0]].extend(str(v) for v in row[1:])
            parts.setdefault(row[0], [])
    return {
        date: hashlib.sha256("\x1f".join(values).encode("utf-8")).hexdigest()[:20]
        for date, values in parts.items()
        if values
    }


def search_documents(conn: sqlite3.Connection, lang: str = "zh",
                     month: str | None = None) -> list[dict[str, Any]]:
    """One record per listed paper (or per paper listed in ``month``, ``YYYY-MM``) for the
    static site's search index.

    Keys: ``id``, ``title``, ``date`` (newest day listing it, within ``month`` when given),
    ``text`` (title, keywords and
    the summary fields, one string). Newest days first. Read from the search index's
    passages (``search_rows``, :mod:`paperdigest.index`), which hold exactly these texts for
    each paper's latest summary per language: summaries in ``lang`` when the paper has one,
    else in any language.
    """
    from ..index import unsegment

    where, params = "", []
    if month is not None:
        where, params = "WHERE date >= ? AND date < ?", [f"{month}-01", f"{month}-99"]
    rows = conn.execute(
        f"""
        SELECT d.arxiv_id, d.date, p.title, r.kind, r.lang, r.text
        FROM (SELECT arxiv_id, MAX(date) AS date FROM day_papers {where} GROUP BY arxiv_id) d
        JOIN papers p ON p.arxiv_id = d.arxiv_id
        LEFT JOIN search_rows r ON r.arxiv_id = d.arxiv_id
             AND r.kind IN ('title', 'keywords', 'summary')
        ORDER BY d.date DESC, d.arxiv_id DESC, r.id
        """,
        params,
    ).fetchall()
    docs: dict[str, dict[str, Any]] = {}
    texts: dict[str, dict[str, list[str]]] = {}
    for arxiv_id, date, title, kind, row_lang, text in rows:
        if arxiv_id not in docs:
            docs[arxiv_id] = {"id": arxiv_id, "title": title, "date": date, "text": ""}
            texts[arxiv_id] = {}
        if text is not None:
            key = row_lang if kind == "summary" else ""
            texts[arxiv_id].setdefault(key, []).append(text)
    for arxiv_id, doc in docs.items():
        parts = texts[arxiv_id]
        summary_langs = [k for k in parts if k]
        chosen = lang if lang in parts else (summary_langs[0] if summary_langs else None)
        body = parts.get("", []) + (parts[chosen] if chosen else [])
        doc["text"] = unsegment("\n".join(body))
    return list(docs.values())


def summary_texts(summary: PaperSummary) -> list[str]:
    """Every text field of a summary, in report order (for search and plain-text output)."""
    usage = summary.usage
    return [
        summary.domain,
        summary.contribution,
        usage.input, usage.output, usage.workflow, usage.hardware, usage.code_and_resources,
        *(f"{i.title}：{i.detail}" for i in summary.innovations),
        *(f"{r.setting}：{r.finding}" for r in summary.results),
    ]
