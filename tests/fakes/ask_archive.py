"""The archive the ask evaluation assumes (tests/fixtures/ASK_EVAL.md), built by the pipeline.

Every recorded Hugging Face day of ``corpus/hf_api`` is served by FakeHF (the same-day partial
snapshots of days that have no full recording, and the 2024 old-format day, under their own
dates) and the 6 arXiv HTML pages of ``corpus/arxiv_html`` under one SYNTHESIZED day
(:data:`HTML_DAY`), whose items carry each page's title and abstract as extracted. FakeArxiv
serves only those 6 pages, so every other paper is read from its HF abstract. The pipeline runs
over all days with the extractive backend (no LLM), writing a store at ``home``.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from paperdigest.config import EndpointSettings, LimitSettings, Settings
from paperdigest.extract.html import extract_html
from paperdigest.pipeline import RunOptions, open_pipeline
from tests.fakes.servers import FakeArxiv, FakeHF

#: The synthetic day listing the full-text pages (after every recorded day).
HTML_DAY = "2026-02-05"
#: Recorded snapshots served under their own date (those dates have no full recording).
EXTRA_DAYS = {
    "2024-05-28": "daily_papers_2024-05-28_oldformat.json",
    "2026-02-02": "daily_papers_2026-02-02_partial-sameday.json",
    "2026-02-03": "daily_papers_2026-02-03_partial-sameday.json",
}


def html_day_items(corpus: Path) -> list[dict[str, Any]]:
    """SYNTHESIZED HF items for the corpus HTML pages: id, title and abstract as extracted."""
    items = []
    for path in sorted((corpus / "arxiv_html").glob("*.html")):
        doc = extract_html(path.read_bytes())
        items.append({
            "paper": {
                "id": doc.arxiv_id, "title": doc.title, "summary": doc.abstract,
                "authors": [{"name": name} for name in doc.authors[:20]],
                "publishedAt": f"{HTML_DAY}T00:00:00.000Z", "upvotes": 1,
            },
            "publishedAt": f"{HTML_DAY}T00:00:00.000Z", "title": doc.title,
            "numComments": 0,
        })
    return items


def archive_settings(home: Path, hf: FakeHF, arxiv: FakeArxiv) -> Settings:
    return Settings(
        home=str(home), backend="extractive", lang="zh", concurrency=4,
        endpoints=EndpointSettings(hf_url=hf.url, arxiv_url=arxiv.url,
                                   arxiv_api_url=arxiv.api_url),
        limits=LimitSettings(hf=1000.0, arxiv=1000.0, arxiv_api=1000.0, llm=1000.0),
    )


def build_ask_archive(corpus: Path, home: Path) -> Path:
    """Run the pipeline over the archive into ``home``; returns the store's path."""
    html_files = {p.stem: p for p in sorted((corpus / "arxiv_html").glob("*.html"))}
    with FakeHF(corpus, days=EXTRA_DAYS) as hf, FakeArxiv(None, html=html_files) as arxiv:
        hf.add_day(HTML_DAY, html_day_items(corpus))
        settings = archive_settings(home, hf, arxiv)
        days = [date.fromisoformat(d) for d in hf.days]
        with open_pipeline(settings, options=RunOptions(lang="zh", out=None)) as pipeline:
            pipeline.run(days)
    return settings.db_path


def eval_questions() -> list[dict[str, Any]]:
    """The questions of tests/fixtures/ask_eval.json."""
    path = Path(__file__).resolve().parent.parent / "fixtures" / "ask_eval.json"
    questions: list[dict[str, Any]] = json.loads(path.read_text("utf-8"))["questions"]
    return questions
