"""Issue 13, "Honest numbers": what the tool prints about cost, calls, tokens, time, sources,
status, extract, ``run --ids``, progress and ``config show --json`` is true.

Whole-day runs go through the command line against the offline world (fake HF over the
recorded 2026-01-30 list, fake arXiv without full text, a replay LLM); expected numbers come
from what the fake servers saw (their request counts), never from our own output.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paperdigest.cli import main
from tests.fakes.llm import FakeLLM, LLMFault, _prompt_text, arxiv_id_of
from tests.fakes.world import offline_world

DAY = "2026-01-30"
RUN = ["run", "--date", DAY, "--backend", "openai", "--model", "replay", "--quiet"]
SEP = "=" * 60


@pytest.fixture
def env(corpus: Path, reference_report: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with offline_world(corpus, reference_report, tmp_path, monkeypatch) as world:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        yield world


def _report(env: dict[str, Any], name: str = DAY) -> str:
    return (env["dir"] / "paperdigest-out" / f"{name}.md").read_text(encoding="utf-8")


def _report_json(env: dict[str, Any], name: str = DAY) -> dict[str, Any]:
    data = json.loads((env["dir"] / "paperdigest-out" / f"{name}.json").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def _footer(text: str) -> list[str]:
    return text.rsplit(SEP, 1)[1].strip().splitlines()


def _add_config(env: dict[str, Any], text: str) -> None:
    path = env["dir"] / "paperdigest.toml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


# ------------------------------------------------------------------------------ 1. cost


def test_unpriced_model_cost_is_unknown_not_free(env: dict[str, Any],
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with FakeLLM(env["responder"]) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        assert main(RUN) == 0
    footer = "\n".join(_footer(_report(env)))
    assert "$0.0000" not in footer
    assert "费用：未知（replay 没有价格：设置 [prices]）" in footer
    assert _report_json(env)["stats"]["cost"] is None
    capsys.readouterr()
    assert main(["status"]) == 0
    text = capsys.readouterr().out
    assert "cost unknown (no price for replay: set [prices])" in text
    assert "$0.0000" not in text
    assert main(["status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["cost"] is None
    assert data["runs"][0]["cost"] is None


def test_priced_model_cost_is_a_figure(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    # $0.10 per input token: the largest price [prices] accepts (100000 USD per million)
    _add_config(env, "\n[prices]\nreplay = [100000.0, 0.0]\n")
    with FakeLLM(env["responder"]) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        assert main(RUN) == 0
    stats = _report_json(env)["stats"]
    assert stats["tokens_in"] > 0
    assert stats["cost"] == pytest.approx(stats["tokens_in"] * 0.1)
    assert f"${stats['cost']:.4f}" in "\n".join(_footer(_report(env)))
    capsys.readouterr()
    assert main(["status"]) == 0
    text = capsys.readouterr().out
    assert "unknown" not in text and f"${stats['cost']:.4f}" in text


# ------------------------------------------------------------------- 2. calls and tokens


def test_every_llm_call_and_token_is_counted_once(env: dict[str, Any],
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Invalid answers (the repair round) and server errors are calls too, with their tokens;
    an answer rejected by validation is a failed call (QA finding 8); ``run --json``, the
    report JSON, the footer and ``status`` agree with the server's count."""
    target = "2601.21872"
    sent = {"in": 0, "out": 0}
    invalid = [0]  # answers the fake sent that the validator must reject
    lock = threading.Lock()

    def responder(request: dict[str, Any]) -> str:
        if arxiv_id_of(request) == target:
            content = "I cannot summarise this."  # invalid every time: repair, then failure
            with lock:
                invalid[0] += 1
        else:
            content = env["responder"](request)
        with lock:  # the fake's own usage numbers (tests/fakes/llm.py: chars / 4)
            sent["in"] += max(1, len(_prompt_text(request)) // 4)
            sent["out"] += len(content) // 4
        return content

    with FakeLLM(responder) as llm:
        llm.inject([LLMFault(500), LLMFault(500)])  # retried by the HTTP layer
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        capsys.readouterr()
        assert main([*RUN, "--json"]) == 2
        run_stats = json.loads(capsys.readouterr().out)["stats"]
        calls = llm.calls
    target_calls = sum(arxiv_id_of(r) == target for r in llm.requests)
    assert target_calls >= 2  # the invalid answer was repaired once at least
    assert calls >= 45 + 2 + target_calls - 1
    day_stats = _report_json(env)["stats"]
    assert invalid[0] == 2  # the answer and its repair
    for stats in (run_stats, day_stats):
        assert stats["llm_calls"] == calls
        assert stats["llm_failed_calls"] == 2 + invalid[0]  # two 500s, two rejected answers
        assert (stats["tokens_in"], stats["tokens_out"]) == (sent["in"], sent["out"])
    assert run_stats["http_requests"] == day_stats["http_requests"] > calls
    footer = _footer(_report(env))
    assert f"> LLM 调用：{calls}（失败 {2 + invalid[0]}） · 费用：未知（replay 没有价格：设置 [prices]）" \
        in footer
    assert f"> tokens：输入 {sent['in']:,} · 输出 {sent['out']:,}" in footer
    assert main(["status", "--json"]) == 0
    totals = json.loads(capsys.readouterr().out)["totals"]
    assert (totals["llm_calls"], totals["tokens_in"]) == (calls, sent["in"])


def test_every_invalid_answer_is_a_failed_call(env: dict[str, Any],
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """QA finding 8: a run whose LLM answers were all invalid JSON reported
    ``llm_failed_calls: 0``; every answered call whose answer was rejected is failed."""
    with FakeLLM(lambda request: '{"domain": "unterminated') as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        capsys.readouterr()
        assert main([*RUN, "--json"]) == 2
        run_stats = json.loads(capsys.readouterr().out)["stats"]
        calls = llm.calls
    assert calls == 2 * 45  # each paper: the answer and its repair, both invalid
    for stats in (run_stats, _report_json(env)["stats"]):
        assert (stats["llm_calls"], stats["llm_failed_calls"], stats["done"]) == (calls, calls, 0)
        assert stats["tokens_in"] > 0  # the rejected answers' tokens, counted once
    assert f"> LLM 调用：{calls}（失败 {calls}）" in "\n".join(_footer(_report(env)))


# ------------------------------------------------------------------------ 3. rerun time


def test_rerun_footer_shows_the_original_time_and_reuse(env: dict[str, Any],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeLLM(env["responder"]) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        assert main(RUN) == 0
        first = _report_json(env)
        assert "reused" not in first and "复用已存结果" not in _report(env)
        assert main(RUN) == 0
        assert llm.calls == 45  # the rerun made no call
    again = _report_json(env)
    assert again["reused"] is True
    assert again["original_seconds"] == pytest.approx(first["stats"]["seconds"])
    assert again["stats"]["llm_calls"] == 0
    time_line = _footer(_report(env))[-1]
    assert time_line == (f"> 用时：{again['stats']['seconds']:.1f} s（复用已存结果；生成它们的运行"
                         f"用时 {first['stats']['seconds']:.1f} s）")


def test_rerun_of_an_unpriced_model_is_never_free(env: dict[str, Any],
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """QA finding 8: the rerun footer said tokens 0 and ``$0.0000``, its JSON ``"cost": 0.0``
    and ``status`` ``$0.0000``, while the run that made the results had an unknown cost. The
    rerun's own cost is unknown (no price), and it shows what the first run spent."""
    with FakeLLM(env["responder"]) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        assert main(RUN) == 0
        first = _report_json(env)["stats"]
        calls = llm.calls
        assert main(RUN) == 0
        assert llm.calls == calls  # the rerun made no call
    again = _report_json(env)
    assert (again["stats"]["llm_calls"], again["stats"]["tokens_in"]) == (0, 0)
    assert again["stats"]["cost"] is None
    assert again["original"] == {"seconds": first["seconds"], "tokens_in": first["tokens_in"],
                                 "tokens_out": first["tokens_out"], "llm_calls": calls,
                                 "llm_failed_calls": 0, "cost": None}
    footer = _footer(_report(env))
    assert "$0.0000" not in "\n".join(footer)
    assert footer[2] == (f"> tokens：输入 0 · 输出 0（复用已存结果；生成它们的运行：输入 "
                         f"{first['tokens_in']:,} · 输出 {first['tokens_out']:,}）")
    assert footer[3] == (f"> LLM 调用：0 · 费用：未知（replay 没有价格：设置 [prices]）"
                         f"（生成它们的运行：LLM 调用 {calls} · 费用 未知）")
    capsys.readouterr()
    assert main(["status"]) == 0
    assert "$0.0000" not in capsys.readouterr().out
    assert main(["status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["cost"] for r in data["runs"]] == [None, None]
    assert data["totals"]["cost"] is None


def test_status_cost_of_an_extractive_store_is_dollars(env: dict[str, Any],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """QA finding 8: the stored table printed ``0.0000`` (no ``$``) for an extractive store."""
    assert main(["run", "--date", DAY, "--quiet"]) == 0
    capsys.readouterr()
    assert main(["status"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines()
            if line.startswith("│ cost ")]
    # and never "$0.0000": no LLM call, so "$0 (no LLM calls)" (README "Cost", QA 11-29)
    assert len(rows) == 1 and rows[0].split("│")[2].strip() == "$0 (no LLM calls)"


# ------------------------------------------------------------- 4. failed block's source


def test_failed_block_names_the_source_that_was_read() -> None:
    from paperdigest.models import Failure, PaperRef, PaperReport
    from paperdigest.render.markdown import render_paper

    ref = PaperRef(arxiv_id="2601.00001", title="Paper")
    read = PaperReport(ref=ref, source_kind="HTML", failure=Failure("summarize", "bad answer"))
    assert "- **阅读来源**: HTML\n" in render_paper(read, "zh")
    assert "- **Source**: HTML\n" in render_paper(read, "en")
    unread = PaperReport(ref=ref, failure=Failure("fetch", "404"))
    assert "- **阅读来源**: 无\n" in render_paper(unread, "zh")


# ---------------------------------------------------------------------------- 5. status


def _open_list_failures(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    failures = json.loads(capsys.readouterr().out)["failures"]
    return [f for f in failures if f["stage"] == "list"]


@pytest.mark.parametrize("later", ["2026-01-30", "2026-01-31"])
def test_a_day_listed_later_closes_its_list_failure(env: dict[str, Any], later: str,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """2026-01-30 fails to list (offline); a later run lists it, directly or through the
    weekend look-back of 2026-01-31 (which has no list of its own): nothing stays open."""
    with FakeLLM(env["responder"]) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        monkeypatch.setenv("PAPERDIGEST_HF_URL", "http://127.0.0.1:9")  # nothing listens
        assert main(RUN) == 3
        assert [f["date"] for f in _open_list_failures(capsys)] == [DAY]
        monkeypatch.setenv("PAPERDIGEST_HF_URL", env["hf"].url)
        assert main(["run", "--date", later, *RUN[3:]]) == 0
    assert _open_list_failures(capsys) == []


def test_status_counts_the_papers_an_interrupted_run_stored(env: dict[str, Any],
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    """While a run goes, its ``runs`` row counts what is stored (a kill -9 leaves that); a run
    stopped after some papers is "interrupted" with those papers done, not "done 0"."""
    from paperdigest.clock import clock_from_env
    from paperdigest.config import load_settings
    from paperdigest.dates import parse_day
    from paperdigest.pipeline import RunOptions, open_pipeline

    db = Path(os.environ["PAPERDIGEST_HOME"]) / "paperdigest.sqlite3"
    seen: list[tuple[str, int]] = []
    holder: dict[str, Any] = {}

    class StopAfterSix:
        done = 0

        def event(self, name: str, **data: Any) -> None:
            if name != "done":
                return
            self.done += 1
            if self.done == 6:  # papers 1-5 went through on_done (concurrency 1)
                with sqlite3.connect(db) as conn:
                    row = conn.execute("SELECT status, done FROM runs").fetchone()
                seen.append((row[0], row[1]))
                holder["pipeline"].stop()

    with FakeLLM(env["responder"]) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        settings = load_settings(flags={"backend": "openai", "llm.model": "replay",
                                        "concurrency": 1}).settings
        now = clock_from_env()
        options = RunOptions(lang=settings.lang, out=Path(settings.out))
        with open_pipeline(settings, options=options, progress=StopAfterSix(),
                           now=now) as pipeline:
            holder["pipeline"] = pipeline
            result = pipeline.run([parse_day(DAY, now().date())])
    assert seen == [("running", 5)]
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT COUNT(*) FROM summaries").fetchone()[0]
    assert 6 <= stored < 45
    assert result.status == "interrupted"
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    run = json.loads(capsys.readouterr().out)["runs"][0]
    assert (run["status"], run["done"]) == ("interrupted", stored)


# --------------------------------------------------------------------------- 6. extract

ABSTRACT_ONLY = "2601.06037"
#: The title in corpus/arxiv_atom/id_list_2601.06037.xml (read by hand).
ABSTRACT_ONLY_TITLE = "TeleMem: Building Long-Term and Multimodal Memory for Agentic AI"


def test_extract_abstract_only_id_has_its_title_and_says_what_was_cut(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from tests.fakes.servers import FakeArxiv
    from tests.fakes.world import FAST_LIMITS

    monkeypatch.chdir(tmp_path)
    (tmp_path / "paperdigest.toml").write_text(FAST_LIMITS)
    with FakeArxiv(corpus, no_html={ABSTRACT_ONLY}, no_pdf={ABSTRACT_ONLY}) as arxiv:
        monkeypatch.setenv("PAPERDIGEST_ARXIV_URL", arxiv.url)
        monkeypatch.setenv("PAPERDIGEST_ARXIV_API_URL", arxiv.api_url)
        assert main(["extract", ABSTRACT_ONLY]) == 0
        whole = capsys.readouterr()
        assert main(["extract", ABSTRACT_ONLY, "--budget", "300"]) == 0
        cut = capsys.readouterr()
    assert f"# {ABSTRACT_ONLY_TITLE}" in whole.out and "Untitled" not in whole.out
    assert "source ArXiv Abs" in whole.err and "100% of the paper; left out: nothing" in whole.err
    assert f"# {ABSTRACT_ONLY_TITLE}" in cut.out
    share = int(cut.err.split("% of the paper")[0].rsplit(" ", 1)[1])
    assert share < 100
    assert "left out: nothing" not in cut.err
    assert "left out: abstract (" in cut.err  # with the reason


# ----------------------------------------------------------------------------- 7. --ids


def test_run_ids_names_each_failure_and_has_its_own_header(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from tests.fakes.servers import FakeArxiv
    from tests.fakes.world import FAST_LIMITS

    monkeypatch.chdir(tmp_path)
    (tmp_path / "paperdigest.toml").write_text(FAST_LIMITS)
    unknown = "2601.99999"
    with FakeArxiv(corpus, no_html={ABSTRACT_ONLY}, no_pdf={ABSTRACT_ONLY}) as arxiv:
        monkeypatch.setenv("PAPERDIGEST_ARXIV_URL", arxiv.url)
        monkeypatch.setenv("PAPERDIGEST_ARXIV_API_URL", arxiv.api_url)
        assert main(["run", "--ids", f"{ABSTRACT_ONLY},{unknown}", "--backend", "extractive",
                     "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "1/2 papers summarized, 1 failed" in err
    reason = "unknown arXiv id (the arXiv API does not know it)"
    assert [line for line in err.splitlines() if "failed at" in line] == [
        f"  {unknown} failed at list: {reason}"]
    (report,) = (tmp_path / "out").glob("ids-*.md")
    header = report.read_text("utf-8").splitlines()[:3]
    assert header[2] == f"**Source**: arXiv ids given to run --ids (2): {ABSTRACT_ONLY}, {unknown}"
    assert "huggingface.co/papers/date" not in report.read_text("utf-8")
    data = json.loads(report.with_suffix(".json").read_text("utf-8"))
    assert data["source_url"] is None and data["ids"] == [ABSTRACT_ONLY, unknown]


# ------------------------------------------------------------------------- 8. progress


def test_progress_lines_name_the_day_and_count_each_stage(env: dict[str, Any],
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    with FakeLLM(env["responder"]) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        capsys.readouterr()
        assert main(RUN[:-1]) == 0  # not --quiet: stderr is no terminal, so log lines
    err = capsys.readouterr().err
    assert f"processing 45 papers of {DAY}" in err
    lines = [line for line in err.splitlines() if line.startswith(f"[{DAY} ")]
    assert len(lines) == 45
    assert lines[-1].startswith(f"[{DAY} 45/45] ")
    assert lines[-1].endswith("fetching 0 · summarizing 0 · done 45 · failed 0)")


def test_rich_progress_shows_the_day_and_stage_counts() -> None:
    from paperdigest.cli.progress import RichProgress

    progress = RichProgress()
    try:
        for day, ids in (("2026-01-29", ["a", "b"]), ("2026-01-30", ["c", "d", "e", "f"])):
            progress.event("start", total=len(ids), day=day)
            progress.event("stage", arxiv_id=ids[0], stage="fetch")
            progress.event("stage", arxiv_id=ids[1], stage="summarize")
            progress.event("done", arxiv_id=ids[1], cached=False, tokens=10)
            progress.event("stage", arxiv_id=ids[0], stage="summarize")
        progress.event("failed", arxiv_id="c", stage="fetch", reason="404")
        progress.event("stage", arxiv_id="e", stage="fetch")
        task = progress.progress.tasks[0]
        assert task.description == "papers 2026-01-30"
        assert (task.completed, task.total) == (2, 4)
        assert task.fields["detail"] == ("fetching 1 · summarizing 0 · done 1 · failed 1 · "
                                         "tokens 20")
    finally:
        progress.close()


# --------------------------------------------------------------------- 9. config show


def test_config_show_json_is_typed_and_rates_are_readable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "paperdigest.toml").write_text("concurrency = 3\n[limits]\nhf = 1.5\n")
    assert main(["config", "show", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["concurrency"] == {"value": 3, "source": str(tmp_path / "paperdigest.toml")}
    assert data["http.cache"]["value"] is True
    assert isinstance(data["http.timeout"]["value"], float)
    # arXiv API terms: one request every 3 seconds (config.LimitSettings.arxiv_api = 1/3).
    assert data["limits.arxiv_api"]["value"] == 0.3333
    assert data["limits.arxiv_api"]["rate"] == "1 request every 3 s"
    assert data["limits.hf"]["rate"] == "1.5 requests/s"
    assert data["lang"]["value"] == "zh"
    assert main(["config", "show"]) == 0
    text = capsys.readouterr().out
    assert "0.3333333" not in text and "1 request every 3 s" in text
