"""Output formats: the reference Markdown report (and its parser) and JSON."""

from __future__ import annotations

from paperdigest.render.json import day_to_dict, render_json
from paperdigest.render.markdown import SEPARATOR, render_day, render_paper, render_summary
from paperdigest.render.parse import (
    ParsedEntry,
    ReportFormatError,
    ReportHeader,
    is_valid_summary,
    normalize_summary,
    parse_report,
    parse_summary_markdown,
    summary_language,
    summary_problems,
)

__all__ = [
    "SEPARATOR",
    "ParsedEntry",
    "ReportFormatError",
    "ReportHeader",
    "day_to_dict",
    "is_valid_summary",
    "normalize_summary",
    "parse_report",
    "parse_summary_markdown",
    "render_day",
    "render_json",
    "render_paper",
    "render_summary",
    "summary_language",
    "summary_problems",
]
