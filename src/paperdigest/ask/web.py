"""The ``/ask`` page of ``paperdigest serve``: the archive's passages for a question.

The server is read-only and makes no outside request, so the page shows what ``paperdigest
ask`` shows without an LLM: the best passages grouped by paper, each with its citation key,
section and link. A question with no searchable word or an interest that does not parse gets
a 400 page saying why.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from typing import Any

from ..index import SearchQueryError
from .answer import ask, cite_key
from .retrieve import Filters

__all__ = ["ask_context"]

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Longest question read from the query string.
MAX_QUESTION = 500


def ask_context(conn: sqlite3.Connection, params: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
    """(HTTP status, template context) for ``GET /ask?q=…&from=…&to=…&k=…``."""
    question = (params.get("q") or "").strip()[:MAX_QUESTION]
    context: dict[str, Any] = {"query": question, "answer": None, "error": "", "cards": [],
                               "date_from": "", "date_to": ""}
    if not question:
        return 200, context
    start, end = (params.get("from") or "").strip(), (params.get("to") or "").strip()
    for value in (start, end):
        if value and not _DAY.match(value):
            context["error"] = f"invalid date {value!r}: use YYYY-MM-DD"
            return 400, context
    context["date_from"], context["date_to"] = start, end
    try:
        k = max(1, min(20, int(params.get("k") or 8)))
    except ValueError:
        k = 8
    try:
        answer = ask(conn, question, k=k,
                     filters=Filters(date_from=start or None, date_to=end or None))
    except SearchQueryError as exc:
        context["error"] = str(exc)
        return 400, context
    context["answer"] = answer
    context["cards"] = [
        {"arxiv_id": p.arxiv_id, "title": " ".join(p.title.split()),
         "passages": [{"cite": cite_key(x, answer.lang), "where": x.heading or x.anchor,
                       "text": x.text, "url": x.url} for x in p.passages]}
        for p in answer.papers
    ]
    return 200, context
