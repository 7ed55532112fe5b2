"""Replay answers for the fake LLM: the reference report's summary for each arXiv id.

The fake LLM server (DESIGN §6) answers a chat completion for paper ``{id}`` with the
reference report's block for that id: as JSON (``PaperSummary.to_dict()``, ``language``
included) when the request asks for ``json_schema``/``json_object``, or as the block's raw
Markdown otherwise, which the client must then parse itself.
"""

from __future__ import annotations

import json
from pathlib import Path

from paperdigest.render.parse import ParsedEntry, parse_report


def load_reference_summaries(path: Path) -> dict[str, ParsedEntry]:
    """Parse the report at ``path``; return arXiv id → its entry (every reference entry has
    a summary)."""
    _header, entries = parse_report(path.read_text(encoding="utf-8"))
    return {entry.arxiv_id: entry for entry in entries}


def replay_answer(entry: ParsedEntry, *, as_json: bool) -> str:
    """The assistant message content the fake LLM returns for ``entry``.

    Raises:
        ValueError: ``as_json`` for an entry without a summary (a failed paper's block).
    """
    if not as_json:
        return entry.raw
    if entry.summary is None:
        raise ValueError(f"entry {entry.arxiv_id} has no summary to replay as JSON")
    return json.dumps(entry.summary.to_dict(), ensure_ascii=False)
