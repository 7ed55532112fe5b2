"""The JSON renderer: valid UTF-8 JSON holding every paper, in report order."""

from __future__ import annotations

import json

from paperdigest.models import (
    DayReport,
    Failure,
    Innovation,
    PaperRef,
    PaperReport,
    PaperSummary,
    Result,
    RunStats,
)
from paperdigest.render import render_json


def _day() -> DayReport:
    summary = PaperSummary(
        domain="机器人学习",
        contribution="提出了 DynamicVLA。",
        innovations=[Innovation("紧凑架构", "0.4B 参数")],
        results=[Result("DOM", "成功率 60.5%")],
    )
    return DayReport(
        date="2026-01-31",
        listed_date="2026-01-30",
        papers=[
            PaperReport(
                ref=PaperRef(arxiv_id="2601.22153", title="DynamicVLA", upvotes=3),
                source_kind="HTML",
                summary=summary,
            ),
            PaperReport(
                ref=PaperRef(arxiv_id="2601.21872", title="WebArbiter", upvotes=7),
                failure=Failure("fetch", "404"),
            ),
        ],
        notes=["注：使用 2026-01-30 的列表"],
        stats=RunStats(backend="extractive", papers=2, done=1, failed=1),
    )


def test_render_json_loads_back() -> None:
    text = render_json(_day())
    assert text.endswith("\n")
    assert "机器人学习" in text  # ensure_ascii=False keeps Chinese readable
    data = json.loads(text)
    assert data["date"] == "2026-01-31" and data["listed_date"] == "2026-01-30"
    assert data["source_url"] == "https://huggingface.co/papers/date/2026-01-31"
    assert data["notes"] == ["注：使用 2026-01-30 的列表"]
    # report order: upvotes descending, as in the Markdown file
    assert [p["paper"]["arxiv_id"] for p in data["papers"]] == ["2601.21872", "2601.22153"]
    failed, done = data["papers"]
    assert failed["summary"] is None
    assert failed["failure"] == {"stage": "fetch", "reason": "404"}
    assert done["link"] == "https://huggingface.co/papers/2601.22153"
    assert done["source"] == "HTML"
    assert PaperSummary.from_dict(done["summary"]) == _day().papers[0].summary
    assert data["stats"]["failed"] == 1


def test_render_json_of_an_empty_day() -> None:
    data = json.loads(render_json(DayReport(date="2026-02-01", listed_date="2026-02-01")))
    assert data["papers"] == [] and data["stats"] is None
