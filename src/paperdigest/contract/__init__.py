"""The summary contract (DESIGN §3), in one place for every producer and consumer.

- :mod:`.vocab` — every fixed string per language (headings, labels, notes, footer, the
  60-'=' separator, the "not mentioned" marker, prompt hints);
- :mod:`.labels` — the usage label synonym table;
- :mod:`.markdown` — the Markdown codec (:func:`render_summary` / :func:`parse_summary_markdown`);
- :mod:`.validate` — the one validator (:func:`summary_problems`, :func:`normalize_summary`);
- :mod:`.markup` — :func:`neutralize_markup` (raw HTML, unsafe links made inert) and
  :func:`strip_control` (terminal escape sequences and control characters removed).

``summarize/`` and ``llm/`` import this package; ``render/`` builds whole reports on it. It
imports nothing but :mod:`paperdigest.models` and :mod:`paperdigest.errors`.
"""

from __future__ import annotations

from .labels import LABEL_SYNONYMS, USAGE_FIELDS, UsageField, usage_fields_for
from .markdown import (
    DEFAULT_RESULT_SETTING,
    PART_NAMES,
    parse_summary_markdown,
    render_summary,
    summary_language,
)
from .markup import neutralize_markup, strip_control
from .validate import (
    MAX_LABEL_CHARS,
    MAX_TEXT_CHARS,
    echo_problem,
    is_valid_summary,
    normalize_summary,
    plain_label,
    strip_echoed_label,
    summary_problems,
)
from .vocab import (
    EN,
    NOT_MENTIONED_EN,
    NOT_MENTIONED_MARKERS,
    REPORT_TITLE,
    SEPARATOR,
    ZH,
    Vocabulary,
    not_mentioned,
    vocabulary,
)

__all__ = [
    "DEFAULT_RESULT_SETTING",
    "EN",
    "LABEL_SYNONYMS",
    "MAX_LABEL_CHARS",
    "MAX_TEXT_CHARS",
    "NOT_MENTIONED_EN",
    "NOT_MENTIONED_MARKERS",
    "PART_NAMES",
    "REPORT_TITLE",
    "SEPARATOR",
    "USAGE_FIELDS",
    "ZH",
    "UsageField",
    "Vocabulary",
    "echo_problem",
    "is_valid_summary",
    "neutralize_markup",
    "normalize_summary",
    "not_mentioned",
    "parse_summary_markdown",
    "plain_label",
    "render_summary",
    "strip_control",
    "strip_echoed_label",
    "summary_language",
    "summary_problems",
    "usage_fields_for",
    "vocabulary",
]
