"""Render a day's report as JSON (the ``json`` output format).

The JSON is ``DayReport.to_dict()``: date, listed date, source URL, notes, one object per
paper (paper metadata, link, source, summary, verification, failure, coverage, tokens,
backend, model) and the run stats. Papers keep the Markdown report's order (upvotes
descending, ties by arXiv id), so both files list the same papers in the same order.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from paperdigest.models import DayReport, order_reports

logger = logging.getLogger(__name__)


def day_to_dict(day: DayReport) -> dict[str, Any]:
    """``day.to_dict()`` with the papers in report order."""
    data = day.to_dict()
    data["papers"] = [p.to_dict() for p in order_reports(day.papers)]
    return data


def render_json(day: DayReport) -> str:
    """The day as indented UTF-8 JSON text (Chinese kept as is), newline-terminated."""
    return json.dumps(day_to_dict(day), ensure_ascii=False, indent=2) + "\n"
