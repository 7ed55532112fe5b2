"""Paper and model text is stored as plain text; each output escapes it once (issue 14).

QA finding 2: the validator used to Markdown-escape summaries before they were stored, so the
site, feeds, JSON, webhooks and ``ask`` showed ``&lt;b>bold&lt;/b>`` and ``[x]\\(…)``. Here:
what a store written by those versions holds is turned back into the text (migration
``m006_summaries_plain_text``), the JSON report keeps the text as written, the terminal
commands print it as is, and the Markdown report alone escapes it (and reads it back).
Expected values are written by hand.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest

from paperdigest.cli import main
from paperdigest.contract import normalize_summary, parse_summary_markdown, render_summary
from paperdigest.models import DayReport, Innovation, PaperSummary, Result, Usage
from paperdigest.render.json import render_json
from paperdigest.store import Store, SummaryKey
from tests.fakes.archive import BOLD, DAYS, HOSTILE, HOSTILE_REF, fill_archive

KEY = SummaryKey("2601.90009", "1", "HTML", "0123456789abcdef", "p1", "extractive",
                 "extractive", "zh")

#: A summary as the validator of earlier versions stored it (its neutralize_markup applied).
LEGACY = PaperSummary(
    domain="计算机视觉；关键词：&lt;b>bold&lt;/b>, x y",
    contribution="&lt;img src=x onerror=alert(1)> EvilNet：提出 [链接]\\(javascript:alert(1))。",
    usage=Usage(input="图像", workflow="\\[r]: javascript:alert(1)"),
    innovations=[Innovation("EvilNet", "当 a &lt; b 时成立，见 `&lt;b>`。")],
    results=[Result("ImageNet", "top-1 提升 3.0%。")],
)
PLAIN = PaperSummary(
    domain="计算机视觉；关键词：<b>bold</b>, x y",
    contribution="<img src=x onerror=alert(1)> EvilNet：提出 [链接](javascript:alert(1))。",
    usage=Usage(input="图像", workflow="[r]: javascript:alert(1)"),
    # Neither a '&lt;' before a space nor one inside a code span was written by the old escape.
    innovations=[Innovation("EvilNet", "当 a &lt; b 时成立，见 `&lt;b>`。")],
    results=[Result("ImageNet", "top-1 提升 3.0%。")],
)


def _unapply_m006(path: Path) -> None:
    """Make the store look like one written before migration m006 existed."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM _migrations WHERE name = 'm006_summaries_plain_text'")
        count = conn.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0]
        conn.execute(f"PRAGMA user_version = {count}")
    conn.close()


def test_migration_turns_stored_escapes_back_into_text(tmp_path: Path) -> None:
    path = tmp_path / "pd.sqlite3"
    with Store(path) as store:
        store.save_summary(KEY, LEGACY)
    _unapply_m006(path)
    with Store(path) as store:
        assert "m006_summaries_plain_text" in store.migrations()
        stored = store.find_summary(KEY)
        assert stored is not None and stored.summary == PLAIN  # the cache key is unchanged
        # The search index follows the rewritten row (its UPDATE trigger).
        texts = [r[0] for r in store.conn.execute(
            "SELECT text FROM search_rows WHERE arxiv_id = ?", (KEY.arxiv_id,))]
        assert any("<b>bold</b>" in t for t in texts)
        assert not any("&lt;b>bold" in t for t in texts)
    # Plain text is left alone by a second run of the migration's rule.
    _unapply_m006(path)
    with Store(path) as store:
        stored = store.find_summary(KEY)
        assert stored is not None and stored.summary == PLAIN


def test_validator_keeps_markup_as_text_and_markdown_alone_escapes_it() -> None:
    assert normalize_summary(PLAIN) == PLAIN
    markdown = render_summary(PLAIN)
    assert "<b>" not in markdown and "<img" not in markdown and "](javascript:" not in markdown
    assert "&lt;b>bold&lt;/b>" in markdown
    assert "[链接]&#40;javascript:alert(1))" in markdown
    assert "&#91;r]: javascript:alert(1)" in markdown
    assert "当 a &amp;lt; b 时成立，见 `&lt;b>`。" in markdown  # its own '&lt;' shown as written
    assert parse_summary_markdown(markdown, "zh") == PLAIN


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PAPERDIGEST_HOME", str(tmp_path))
    with Store(tmp_path / "paperdigest.sqlite3") as store:
        fill_archive(store)
    return tmp_path


def test_json_report_holds_the_text_as_written(home: Path) -> None:
    with Store(home / "paperdigest.sqlite3") as store:
        report = store.paper_report(HOSTILE_REF.arxiv_id)
    assert report is not None
    data = json.loads(render_json(DayReport(DAYS[1], DAYS[1], papers=[report])))
    summary = data["papers"][0]["summary"]
    assert summary["domain"] == f"安全 {HOSTILE} {BOLD}"
    assert summary["contribution"] == f"贡献 {HOSTILE} [点我](javascript:alert(document.cookie))"
    assert data["papers"][0]["paper"]["title"] == f"Hostile {HOSTILE} title"


def test_show_and_ask_print_the_text_once_for_their_format(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # `show` prints the paper's block as the Markdown report has it: escaped once, for Markdown.
    assert main(["show", HOSTILE_REF.arxiv_id]) == 0
    shown = capsys.readouterr().out
    assert "&lt;b>bold&lt;/b>" in shown and "&amp;lt;" not in shown
    assert "<script>" not in shown and "](javascript:" not in shown
    assert main(["show", HOSTILE_REF.arxiv_id, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["domain"] == f"安全 {HOSTILE} {BOLD}"
    # `ask` prints plain text (rich with markup off): the characters as written.
    assert main(["ask", "bold", "--k", "3"]) == 0
    answer = capsys.readouterr().out
    assert BOLD in answer and "&lt;" not in answer


def test_json_of_a_fresh_summary_keeps_tex_and_markup() -> None:
    # The JSON is the summary's own text: no Markdown escape, TeX kept (issue 13).
    summary = dataclasses.replace(PLAIN, domain="$a<b$ 与 <b>bold</b>")
    report_json = json.dumps(normalize_summary(summary).to_dict(), ensure_ascii=False)
    assert "$a<b$ 与 <b>bold</b>" in report_json
