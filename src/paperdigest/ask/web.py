"""The ``/ask`` page of ``paperdigest serve``: the archive's passages for a question.

The server is read-only and makes no outside request, so the page shows what ``paperdigest
ask`` shows without an LLM: the best passages grouped by paper, each with its citation key,
section and link. A question with no searchable word, or a ``from``/``to`` date the CLI would
refuse (:func:`paperdigest.dates.parse_day`, the parser of ``paperdigest ask --from``), gets a
400 page saying why, in the page's language (:mod:`paperdigest.web.vocab`); so does the
"not found" line.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import date
from typing import Any

from ..clock import clock_from_env
from ..dates import check_order, parse_day
from ..errors import InputError
from ..index import SearchQueryError
from ..web.vocab import date_error, query_error, range_error
from .answer import ask, cite_key, passage_heading
from .retrieve import Filters

__all__ = ["ask_context"]

#: Longest question read from the query string.
MAX_QUESTION = 500


def ask_context(conn: sqlite3.Connection, params: Mapping[str, str], lang: str = "zh",
                today: date | None = None) -> tuple[int, dict[str, Any]]:
    """(HTTP status, template context) for ``GET /ask?q=…&from=…&to=…&k=…``.

    Args:
        conn: a store connection (only read).
        params: the query parameters.
        lang: the page's language (``zh``/``en``): error and "not found" lines use it.
        today: the UTC date a ``from``/``to`` may not be after; default: the clock of
            ``PAPERDIGEST_NOW`` (:func:`paperdigest.clock.clock_from_env`), as the CLI.
    """
    question = (params.get("q") or "").strip()[:MAX_QUESTION]
    context: dict[str, Any] = {"query": question, "answer": None, "error": "", "cards": [],
                               "date_from": "", "date_to": "", "not_found": ""}
    if not question:
        return 200, context
    start, end = (params.get("from") or "").strip(), (params.get("to") or "").strip()
    context["date_from"], context["date_to"] = start, end
    days: dict[str, str | None] = {}
    for option, value in (("from", start), ("to", end)):
        days[option] = None
        if not value:
            continue
        try:
            if today is None:
                today = clock_from_env()().date()
            days[option] = parse_day(value, today).isoformat()
        except InputError as exc:
            context["error"] = date_error(option, value, exc, lang)
            return 400, context
    if days["from"] and days["to"]:
        try:
            check_order(days["from"], days["to"])
        except InputError as exc:
            context["error"] = range_error(days["from"], days["to"], exc, lang)
            return 400, context
    try:
        k = max(1, min(20, int(params.get("k") or 8)))
    except ValueError:
        k = 8
    try:
        answer = ask(conn, question, k=k,
                     filters=Filters(date_from=days["from"], date_to=days["to"]))
    except SearchQueryError as exc:
        context["error"] = query_error(str(exc), lang)
        return 400, context
    context["answer"] = answer
    if not answer.found:
        context["not_found"] = answer.not_found_text(lang)  # why, in the page's language
    context["cards"] = [
        {"arxiv_id": p.arxiv_id, "title": " ".join(p.title.split()),
         "passages": [{"cite": cite_key(x, answer.lang), "where": passage_heading(x),
                       "text": x.text, "url": x.url} for x in p.passages]}
        for p in answer.papers
    ]
    return 200, context
