"""Every command end to end against the loopback fakes: papers, extract, show, status, run.

Expected values come from the recordings, read here independently of our code: paper ids
and upvotes from the HF JSON with ``json``, section and table counts by counting LaTeXML
classes in the raw HTML with a regex, titles from the Atom feeds with a regex.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paperdigest.cli import main
from paperdigest.llm.client import forget_modes
from tests.fakes.llm import FakeLLM, arxiv_id_of, mode_of
from tests.fakes.replay import load_reference_summaries, replay_answer
from tests.fakes.servers import FakeArxiv, FakeHF

FAST_TOML = (
    "[limits]\nhf = 1000.0\narxiv = 1000.0\narxiv_api = 1000.0\nllm = 1000.0\n"
    "[http]\nretries = 1\nbackoff_base = 0\n"
)
DAY = "2026-01-30"
PARTIAL = "daily_papers_2026-01-30_partial-sameday-0804UTC.json"
SEP = "=" * 60
HTML_ID = "2601.13621"
HEADINGS = ("### 1. 应用领域", "### 2. 一句话核心贡献", "### 3. 使用指南", "### 4. 主要创新点",
            "### 5. 实验效果")


def _raw(corpus: Path, name: str = f"daily_papers_{DAY}.json") -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((corpus / "hf_api" / name).read_text("utf-8"))
    return data


def _blocks(text: str) -> dict[str, str]:
    """arXiv id → raw text of its block in a report (split on the 60-'=' separators)."""
    found = {}
    for block in text.split(SEP):
        match = re.search(r"- \*\*链接\*\*: https://huggingface.co/papers/(\S+)", block)
        if match:
            found[match.group(1)] = block
    return found


def _no_traceback(captured: Any) -> None:
    assert "Traceback" not in captured.out + captured.err


def _one_error(err: str, *needles: str) -> str:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("Error")]
    assert len(lines) == 1, err
    for needle in needles:
        assert needle.lower() in lines[0].lower(), lines[0]
    return lines[0]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    forget_modes()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "paperdigest.toml").write_text(FAST_TOML)
    yield tmp_path


def _serve(monkeypatch: pytest.MonkeyPatch, hf: FakeHF | None = None,
           arxiv: FakeArxiv | None = None, llm: FakeLLM | None = None) -> None:
    if hf is not None:
        monkeypatch.setenv("PAPERDIGEST_HF_URL", hf.url)
    if arxiv is not None:
        monkeypatch.setenv("PAPERDIGEST_ARXIV_URL", arxiv.url)
        monkeypatch.setenv("PAPERDIGEST_ARXIV_API_URL", arxiv.api_url)
    if llm is not None:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-commands")


# ----------------------------------------------------------------------------- papers


def test_papers_lists_the_whole_day(workdir: Path, corpus: Path,
                                    monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    raw = _raw(corpus)
    ids = [item["paper"]["id"] for item in raw]
    assert len(ids) == 45
    with FakeHF(corpus) as hf:
        _serve(monkeypatch, hf)
        assert main(["papers", "--date", DAY]) == 0
        captured = capsys.readouterr()
        _no_traceback(captured)
        for arxiv_id in ids:
            assert arxiv_id in captured.out
        assert "45 papers" in captured.out

        assert main(["papers", "--date", DAY, "--json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert data["count"] == 45 and data["listed_date"] == DAY
        upvotes = {item["paper"]["id"]: item["paper"]["upvotes"] for item in raw}
        assert {p["arxiv_id"]: p["upvotes"] for p in data["papers"]} == upvotes
        # Upvotes descending, as in the report.
        assert [p["upvotes"] for p in data["papers"]] == sorted(upvotes.values(), reverse=True)

        # Saturday 2026-01-31 has no list: the table is 2026-01-30's, and it says so.
        assert main(["papers", "--date", "2026-01-31"]) == 0
        captured = capsys.readouterr()
        assert "2026-01-31 has no list; showing 2026-01-30" in captured.err
        assert all(arxiv_id in captured.out for arxiv_id in ids)
        assert main(["papers", "--date", "2026-01-31", "--json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert (data["date"], data["listed_date"], data["count"]) == ("2026-01-31", DAY, 45)


def test_papers_same_day_partial_snapshot(workdir: Path, corpus: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    partial = _raw(corpus, PARTIAL)
    assert len(partial) == 27
    with FakeHF(corpus, days={DAY: PARTIAL}) as hf:
        _serve(monkeypatch, hf)
        assert main(["papers", "--date", DAY, "--json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert data["count"] == 27
        assert {p["arxiv_id"] for p in data["papers"]} == {i["paper"]["id"] for i in partial}


# ----------------------------------------------------------------------------- extract


def test_extract_html_file(workdir: Path, corpus: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    path = corpus / "arxiv_html" / f"{HTML_ID}v1.html"
    html = path.read_text("utf-8")
    # Independent counts from the raw LaTeXML classes.
    n_sections = len(re.findall(r"ltx_title ltx_title_section\b", html))
    n_subsections = len(re.findall(r"ltx_title ltx_title_subsection\b", html))
    n_tables = len(re.findall(r'<figure class="ltx_table\b', html))
    assert (n_sections, n_subsections, n_tables) == (6, 10, 1)

    assert main(["extract", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["arxiv_id"] == HTML_ID and doc["version"] == 1 and doc["source_kind"] == "HTML"
    assert doc["title"] == re.search(r"<title>([^<]*?)\s*(?:\||</title>)", html)[1].strip()
    assert sum(s["level"] == 1 for s in doc["sections"]) == n_sections
    assert len(doc["sections"]) == n_sections + n_subsections
    assert len(doc["tables"]) == n_tables
    assert doc["tables"][0]["label"] == "Table 1"

    assert main(["extract", str(path), "--markdown"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0] == f"# {doc['title']}"
    assert f"arXiv: {HTML_ID}" in lines[:3]
    assert "## Abstract" in captured.out
    assert f"{n_sections + n_subsections} sections, {n_tables} tables" in captured.err


def test_extract_pdf_file(workdir: Path, corpus: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    path = corpus / "pdf" / "1505.01373.pdf"
    assert main(["extract", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["source_kind"] == "PDF" and doc["arxiv_id"] == "1505.01373"
    # Title as printed on page 1 of the PDF (read by hand).
    assert doc["title"] == "Reconstruction of the dark matter-vacuum energy interaction"
    assert len(doc["sections"]) >= 3
    assert "vacuum" in doc["abstract"].lower()


def test_extract_id_fetches_html(workdir: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    with FakeArxiv(corpus) as arxiv:
        _serve(monkeypatch, arxiv=arxiv)
        assert main(["extract", HTML_ID, "--markdown", "--budget", "2000"]) == 0
        captured = capsys.readouterr()
        assert arxiv.count(f"/html/{HTML_ID}") == 1 and arxiv.count("/pdf/") == 0
    assert f"arXiv: {HTML_ID}" in captured.out
    assert "source HTML" in captured.err and "/2,000 tokens" in captured.err


@pytest.mark.parametrize(
    ("name", "body"),
    [("2601.00001.html", b""), ("2601.00002.pdf", b"%PDF-1.7\n\x00\x01garbage"),
     ("notes.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)],
    ids=["empty", "garbage-pdf", "binary"],
)
def test_extract_bad_file_exits_1(workdir: Path, name: str, body: bytes,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = workdir / name
    path.write_bytes(body)
    assert main(["extract", str(path)]) == 1
    _one_error(capsys.readouterr().err, name)


def test_extract_directory_or_nonsense_exits_1(workdir: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(workdir)]) == 1
    _one_error(capsys.readouterr().err, "is a directory")
    assert main(["extract", "no-such-file.html"]) == 1
    _one_error(capsys.readouterr().err, "neither a file nor an arXiv id")


# ----------------------------------------------------------------------------- show, status


def test_show_and_status_after_replayed_day(workdir: Path, corpus: Path, reference_report: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    entries = load_reference_summaries(reference_report)

    def responder(request: dict[str, Any]) -> str:
        return replay_answer(entries[arxiv_id_of(request)], as_json=mode_of(request) != "text")

    # $1 / $2 per million input / output tokens for the model "replay".
    (workdir / "paperdigest.toml").write_text(FAST_TOML + "[prices]\nreplay = [1.0, 2.0]\n")
    with FakeHF(corpus) as hf, FakeArxiv(None) as arxiv, FakeLLM(responder) as llm:
        _serve(monkeypatch, hf, arxiv, llm)
        assert main(["run", "--date", DAY, "--backend", "openai", "--model", "replay",
                     "--quiet"]) == 0
        calls = llm.calls
    capsys.readouterr()

    assert main(["show", "2601.21872"]) == 0
    captured = capsys.readouterr()
    _no_traceback(captured)
    assert "- **链接**: https://huggingface.co/papers/2601.21872" in captured.out
    assert "- **阅读来源**: ArXiv Abs" in captured.out
    assert all(h in captured.out for h in HEADINGS)
    assert "AgentRewardBench" in next(
        line for line in captured.out.splitlines() if line.startswith("> ⚠"))
    assert "source: ArXiv Abs" in captured.err

    assert main(["show", "2601.99999"]) == 1
    _one_error(capsys.readouterr().err, "2601.99999", "paperdigest run --ids 2601.99999")

    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["totals"]["papers"] == 45 and status["totals"]["summaries"] == 45
    assert status["failures"] == []
    run = status["runs"][0]
    assert run["dates"] == [DAY] and run["status"] == "ok"
    assert (run["done"], run["failed"], run["llm_calls"]) == (45, 0, calls)
    assert run["tokens_in"] > 0 and run["tokens_out"] > 0
    expected = run["tokens_in"] / 1e6 * 1.0 + run["tokens_out"] / 1e6 * 2.0
    assert run["cost"] == pytest.approx(expected) and run["cost"] > 0
    assert status["totals"]["cost"] == pytest.approx(expected)

    assert main(["status"]) == 0
    captured = capsys.readouterr()
    _no_traceback(captured)
    assert f"${expected:.4f}" in captured.out
    assert re.search(r"summaries\s*│\s*45", captured.out)


# ----------------------------------------------------------------------------- run


def _atom_title(corpus: Path, arxiv_id: str) -> str:
    text = (corpus / "arxiv_atom" / f"id_list_{arxiv_id}.xml").read_text("utf-8")
    # The second <title> is the entry's (the first is the feed's query).
    return re.findall(r"<title>([^<]*)</title>", text)[1]


def test_run_ids(workdir: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PAPERDIGEST_NOW", "2026-02-01T09:00:00+00:00")
    with FakeArxiv(corpus) as arxiv:
        _serve(monkeypatch, arxiv=arxiv)
        assert main(["run", "--ids", "2601.06037,2504.09037v4", "--quiet"]) == 0
        # Named after the run's date, with a prefix: never the Daily Papers file of that day.
        out = workdir / "paperdigest-out"
        assert sorted(p.name for p in out.iterdir()) == ["ids-2026-02-01.json",
                                                         "ids-2026-02-01.md"]
        report = (out / "ids-2026-02-01.md").read_text("utf-8")
        blocks = _blocks(report)
        assert set(blocks) == {"2601.06037", "2504.09037"}
        for arxiv_id, block in blocks.items():
            assert f"## 📄 {_atom_title(corpus, arxiv_id)}" in block
            # No HTML or PDF recorded for these: read from the Atom abstract.
            assert "- **阅读来源**: ArXiv Abs" in block
        assert "本报告汇总指定的 2 篇论文" in report

        assert main(["run", "--ids", "2601.06037,2601.99999", "--quiet", "--json"]) == 2
        summary = json.loads(capsys.readouterr().out)
        assert summary["exit_code"] == 2
        assert (summary["stats"]["done"], summary["stats"]["failed"]) == (1, 1)
        blocks = _blocks((out / "ids-2026-02-01.md").read_text("utf-8"))
        assert "> ❌ 未能生成：list: unknown arXiv id" in blocks["2601.99999"]
        assert "### 5. 实验效果" in blocks["2601.06037"]
    assert main(["status", "--json"]) == 0
    ledger = json.loads(capsys.readouterr().out)["failures"]
    assert [(f["arxiv_id"], f["stage"]) for f in ledger] == [("2601.99999", "list")]


def test_run_week_writes_one_file_per_day(workdir: Path, corpus: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    # Two papers of each recorded day of 2026-W05 keep the run small; 01-27, 01-31 and 02-01
    # have no recording (they answer []).
    recorded = ["2026-01-26", "2026-01-28", "2026-01-29", "2026-01-30"]
    days = {d: _raw(corpus, f"daily_papers_{d}.json")[:2] for d in recorded}
    with FakeHF(corpus, days=days) as hf, FakeArxiv(None) as arxiv:
        _serve(monkeypatch, hf, arxiv)
        assert main(["run", "--week", "2026-W05", "--quiet", "--json"]) == 0
        summary = json.loads(capsys.readouterr().out)
    # Issue 15: a file only for the days with their own list, plus one digest of the week
    # (01-27, 01-31 and 02-01 would repeat 01-26's and 01-30's lists).
    assert [d["date"] for d in summary["days"]] == [*recorded, "2026-W05"]
    out = workdir / "paperdigest-out"
    assert sorted(p.name for p in out.glob("*.md")) == \
        [f"{d}.md" for d in recorded] + ["digest-2026-W05.md"]
    for day in recorded:
        assert [d["listed_date"] for d in summary["days"] if d["date"] == day] == [day]
        report = (out / f"{day}.md").read_text("utf-8")
        assert report.splitlines()[1] == f"**Date**: {day}"
        assert set(_blocks(report)) == {i["paper"]["id"] for i in days[day]}
        assert "没有论文列表" not in report
    digest = (out / "digest-2026-W05.md").read_text("utf-8")
    assert sorted(_blocks(digest)) == sorted(i["paper"]["id"] for d in recorded for i in days[d])


def test_run_json_and_formats(workdir: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    items = _raw(corpus)[:3]
    with FakeHF(corpus, days={DAY: items}) as hf, FakeArxiv(None) as arxiv:
        _serve(monkeypatch, hf, arxiv)
        assert main(["run", "--date", DAY, "--format", "md", "--json"]) == 0
        captured = capsys.readouterr()
        summary = json.loads(captured.out)  # nothing but JSON on stdout
        assert summary["exit_code"] == 0
        (day,) = summary["days"]
        assert (day["date"], day["papers"], day["done"], day["failed"]) == (DAY, 3, 3, 0)
        assert day["outputs"] == [str(Path("paperdigest-out") / f"{DAY}.md")]
        assert summary["stats"]["llm_calls"] == 0 and summary["stats"]["backend"] == "extractive"
        out = workdir / "paperdigest-out"
        assert sorted(p.name for p in out.iterdir()) == [f"{DAY}.md"]

        assert main(["run", "--date", DAY, "--format", "html"]) == 1
        _one_error(capsys.readouterr().err, "html", "md, json")
        assert main(["run", "--date", DAY, "--format", "md,,json", "--quiet"]) == 0
        assert sorted(p.name for p in out.iterdir()) == [f"{DAY}.json", f"{DAY}.md"]


def test_run_lang_en_extractive(workdir: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    items = _raw(corpus)[:3]
    with FakeHF(corpus, days={DAY: items}) as hf, FakeArxiv(None) as arxiv:
        _serve(monkeypatch, hf, arxiv)
        assert main(["run", "--date", DAY, "--lang", "en", "--quiet"]) == 0
    report = (workdir / "paperdigest-out" / f"{DAY}.md").read_text("utf-8")
    # Issue 13 replaces DESIGN §2's "headings stay Chinese": an en report is English throughout.
    blocks = re.findall(r"- \*\*Link\*\*: https://huggingface.co/papers/(\S+)", report)
    assert len(blocks) == 3
    for heading in ("### 1. Domain", "### 2. Core contribution", "### 3. How to use",
                    "### 4. Key innovations", "### 5. Results"):
        assert report.count(heading) == 3
    assert report.count("*   **Input**:") == 3 and "**输入**" not in report
    assert "Not mentioned in the paper" in report
    assert "论文未提及" not in report
    data = json.loads((workdir / "paperdigest-out" / f"{DAY}.json").read_text("utf-8"))
    assert {p["summary"]["language"] for p in data["papers"]} == {"en"}


def test_only_relevant_without_interests_warns_and_keeps_every_paper(
    workdir: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """QA finding 14: ``--only-relevant`` with no ``[interests]`` kept every paper silently;
    now one warning line on stderr and a note in the report (Markdown and JSON)."""
    items = _raw(corpus)[:3]
    with FakeHF(corpus, days={DAY: items}) as hf, FakeArxiv(None) as arxiv:
        _serve(monkeypatch, hf, arxiv)
        assert main(["run", "--date", DAY, "--quiet", "--only-relevant"]) == 0
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if line.startswith("Warning")] == [
        "Warning: no [interests] configured: --only-relevant keeps every paper."]
    out = workdir / "paperdigest-out"
    assert set(_blocks((out / f"{DAY}.md").read_text("utf-8"))) == {
        item["paper"]["id"] for item in items}
    note = "注：未配置 [interests]，--only-relevant 没有筛选依据，保留了全部论文。"
    assert f"> {note}" in (out / f"{DAY}.md").read_text("utf-8")
    assert json.loads((out / f"{DAY}.json").read_text("utf-8"))["notes"].count(note) == 1


def test_run_ids_of_a_stored_paper_uses_its_stored_metadata(
    workdir: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """QA finding 13: ``run --ids`` of a paper a day already stored failed ("unknown arXiv
    id", 0 papers) when the arXiv API did not know it; the stored title and abstract serve."""
    monkeypatch.setenv("PAPERDIGEST_NOW", "2026-02-01T09:00:00+00:00")
    items = _raw(corpus)[:2]
    wanted = items[0]["paper"]
    with FakeHF(corpus, days={DAY: items}) as hf, FakeArxiv(None) as arxiv:
        _serve(monkeypatch, hf, arxiv)
        assert main(["run", "--date", DAY, "--quiet"]) == 0
        # The fake arXiv API (no corpus) knows no id, as in the QA session.
        assert main(["run", "--ids", f"{wanted['id']},2601.99999", "--quiet"]) == 2
    report = (workdir / "paperdigest-out" / "ids-2026-02-01.md").read_text("utf-8")
    blocks = _blocks(report)
    assert set(blocks) == {wanted["id"], "2601.99999"}
    assert f"## 📄 {' '.join(wanted['title'].split())}" in blocks[wanted["id"]]
    assert "> ❌" not in blocks[wanted["id"]]
    assert "### 5. 实验效果" in blocks[wanted["id"]]
    assert "> ❌ 未能生成：list: unknown arXiv id" in blocks["2601.99999"]
