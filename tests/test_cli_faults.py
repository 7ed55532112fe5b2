"""Bad input through the whole tool: never a traceback, nothing silently dropped.

Every test drives ``paperdigest.cli.main`` against the loopback fakes (Hugging Face, arXiv,
the LLM) with one fault injected, and checks the exit code (DESIGN §4), a one-line error on
stderr, and what lands in the report and in the failure ledger (``status --json``).

Speed: the ``world`` fixture (tests/conftest.py) cuts retries to one with zero backoff
and raises every rate limit to 1000/s, so nothing here sleeps for real; days are small
(three papers taken from the recorded 2026-01-30 list) unless the test needs the whole day.
"""

from __future__ import annotations

import copy
import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from paperdigest.cli import main
from paperdigest.llm.client import forget_modes
from tests.conftest import DAY, FAST_TOML, _raw_day
from tests.fakes.llm import REFUSAL_TEXT, FakeLLM, LLMFault, arxiv_id_of, mode_of
from tests.fakes.replay import load_reference_summaries, replay_answer
from tests.fakes.servers import FakeArxiv, FakeHF, Fault

#: Three papers of the recorded 2026-01-30 list (the top three by upvotes in the file).
SMALL = 3
SEP = "=" * 60
#: 2601.13621 ('Cosmological Budget of Entropy from Merging Black Holes') has HTML and PDF in
#: the corpus but was never on a Daily Papers list; tests that need full text list it.
FULL_TEXT_ID = "2601.13621"


# ----------------------------------------------------------------------------- helpers


def _full_text_item(corpus: Path) -> dict[str, Any]:
    """An HF list item for 2601.13621.

    SYNTHESIZED: no recorded list holds this paper, so the first recorded item of 2026-01-30
    is copied with the id, title and abstract replaced (title from the HTML's <title>; the
    abstract is a short stand-in that the abstract fallback reads).
    """
    item = copy.deepcopy(_raw_day(corpus)[0])
    item["paper"]["id"] = FULL_TEXT_ID
    item["paper"]["title"] = "Cosmological Budget of Entropy from Merging Black Holes"
    item["paper"]["summary"] = (
        "We estimate the cosmological entropy budget produced by merging black holes.")
    item["paper"]["upvotes"] = 1
    item["paper"].pop("githubRepo", None)
    item["paper"].pop("projectPage", None)
    return item


def _blocks(text: str) -> dict[str, str]:
    """arXiv id → raw text of its block in a report (split on the 60-'=' separators)."""
    found = {}
    for block in text.split(SEP):
        match = re.search(r"- \*\*链接\*\*: https://huggingface.co/papers/(\S+)", block)
        if match:
            found[match.group(1)] = block
    return found


def _source_of(block: str) -> str:
    match = re.search(r"- \*\*阅读来源\*\*: (.+)", block)
    assert match, block
    return match.group(1).strip()


def _one_line_error(err: str, *needles: str) -> str:
    """The single ``Error: …`` line of stderr; asserts no traceback and the needles in it."""
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("Error")]
    assert len(lines) == 1, err
    for needle in needles:
        assert needle.lower() in lines[0].lower(), lines[0]
    return lines[0]


def _status(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def _db() -> Path:
    return Path(os.environ["PAPERDIGEST_HOME"]) / "paperdigest.sqlite3"


def _small_hf(corpus: Path, items: list[dict[str, Any]] | None = None) -> FakeHF:
    return FakeHF(corpus, days={DAY: items if items is not None else _raw_day(corpus)[:SMALL]})


# ----------------------------------------------------------------------- list source


@pytest.mark.parametrize(
    ("faults", "needles"),
    [
        ([Fault.http(400, body='{"error": "Invalid date"}')], ["rejected", "Invalid date"]),
        ([Fault.http(500)] * 2, ["500"]),
        ([Fault.garbage_json()], ["JSON"]),
        ([Fault.reset()] * 2, ["daily_papers"]),
        ([Fault.http(404, body='{"error": "Not Found"}')], ["PAPERDIGEST_HF_URL"]),
    ],
    ids=["400", "500-all-retries", "garbage-json", "reset", "404-mirror"],
)
@pytest.mark.parametrize("command", ["run", "papers"])
def test_list_source_failure_exits_3(
    world: Any, corpus: Path, capsys: pytest.CaptureFixture[str], faults: list[Fault],
    needles: list[str], command: str,
) -> None:
    with _small_hf(corpus) as hf, FakeArxiv(None) as arxiv:
        world.serve(hf, arxiv)
        hf.inject("/api/daily_papers", faults)
        args = ["run", "--date", DAY, "--quiet"] if command == "run" else ["papers", "--date", DAY]
        # DESIGN §4: 3 = nothing could be done (the list source unreachable).
        assert main(args) == 3
        _one_line_error(capsys.readouterr().err, *needles)
        assert arxiv.count() == 0  # nothing was fetched for a list that never came
    assert not (world.dir / "paperdigest-out" / f"{DAY}.md").exists()


def test_list_failure_is_in_the_ledger(world: Any, corpus: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    with _small_hf(corpus) as hf, FakeArxiv(None) as arxiv:
        world.serve(hf, arxiv)
        hf.inject("/api/daily_papers", [Fault.http(500)] * 2)
        assert main(["run", "--date", DAY, "--quiet"]) == 3
        status = _status(capsys)
        assert [(f["date"], f["stage"]) for f in status["failures"]] == [(DAY, "list")]
        assert status["runs"][0]["status"] == "incomplete"
        # The next run (list source back) succeeds and closes the day's list failure.
        assert main(["run", "--date", DAY, "--quiet"]) == 0
        assert len(_blocks(world.report())) == SMALL
        assert _status(capsys)["failures"] == []


def test_no_list_within_lookback_exits_3(world: Any, corpus: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    with FakeHF(corpus) as hf, FakeArxiv(None) as arxiv:
        world.serve(hf, arxiv)
        # Nothing is recorded for 2025-05-25 … 2025-06-01: every date answers 200 [].
        assert main(["run", "--date", "2025-06-01", "--quiet"]) == 3
        _one_line_error(capsys.readouterr().err, "2025-06-01")
        assert hf.count("/api/daily_papers") == 8  # the day and the 7 days before it
        assert main(["papers", "--date", "2025-06-01"]) == 3
        _one_line_error(capsys.readouterr().err, "2025-06-01")


# ----------------------------------------------------------------------- arXiv faults


def test_html_429_falls_back_to_pdf(world: Any, corpus: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    with _small_hf(corpus, [_full_text_item(corpus)]) as hf, FakeArxiv(corpus) as arxiv:
        world.serve(hf, arxiv)
        arxiv.inject(f"/html/{FULL_TEXT_ID}", [Fault.http(429, {"Retry-After": "0"})] * 2)
        # Exit 2, not 0: a paper read from a worse source because of a server fault is
        # degraded, and says so (issue 11 item 7; _assert_degraded).
        assert main(["run", "--date", DAY, "--quiet"]) == 2
        _assert_degraded(world, capsys, "HTML: 429 rate limited")
        block = _blocks(world.report())[FULL_TEXT_ID]
        assert _source_of(block) == "PDF"
        assert arxiv.count(f"/html/{FULL_TEXT_ID}") == 2  # one try and one retry
        assert arxiv.count(f"/pdf/{FULL_TEXT_ID}") == 1
        capsys.readouterr()
        assert main(["show", FULL_TEXT_ID, "--json"]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert shown["fetch"]["kind"] == "PDF"


def _assert_degraded(world: Any, capsys: pytest.CaptureFixture[str], reason: str) -> None:
    """A fault-degraded paper is visible: a warning line, a per-paper ⚠ note, a status entry."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "Warning: 1 paper(s) were read from a worse source because a server failed" in err
    block = _blocks(world.report())[FULL_TEXT_ID]
    assert "> ⚠ 服务器故障" in block and reason in block
    failures = _status(capsys)["failures"]
    assert [(f["arxiv_id"], f["stage"]) for f in failures] == [(FULL_TEXT_ID, "degraded")]


def test_degraded_paper_is_rechecked_and_resolved_next_run(
        world: Any, corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with _small_hf(corpus, [_full_text_item(corpus)]) as hf, FakeArxiv(corpus) as arxiv:
        world.serve(hf, arxiv)
        arxiv.inject("/html/", [Fault.http(503)] * 2)
        arxiv.inject("/pdf/", [Fault.http(503)] * 2)
        assert main(["run", "--date", DAY, "--quiet"]) == 2
        assert _source_of(_blocks(world.report())[FULL_TEXT_ID]) == "ArXiv Abs"
        # The servers are back: the next run re-checks (no --refresh) and reads the HTML.
        assert main(["run", "--date", DAY, "--quiet"]) == 0
        block = _blocks(world.report())[FULL_TEXT_ID]
        assert _source_of(block) == "HTML" and "⚠ 服务器故障" not in block
        assert _status(capsys)["failures"] == []


def test_arxiv_500s_fall_back_to_abstract(world: Any, corpus: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    with _small_hf(corpus, [_full_text_item(corpus)]) as hf, FakeArxiv(corpus) as arxiv:
        world.serve(hf, arxiv)
        arxiv.inject("/html/", [Fault.http(500)] * 2)
        arxiv.inject("/pdf/", [Fault.http(502)] * 2)
        assert main(["run", "--date", DAY, "--quiet"]) == 2  # degraded (issue 11 item 7)
        _assert_degraded(world, capsys, "HTML: HTTP 500; PDF: HTTP 502")
        block = _blocks(world.report())[FULL_TEXT_ID]
        assert _source_of(block) == "ArXiv Abs"
        assert "> 已读：摘要" in block
        assert arxiv.pending_faults() == 0


def test_corrupt_pdf_without_html_still_gets_a_block(world: Any, corpus: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    items = _raw_day(corpus)[:SMALL]
    target = items[0]["paper"]["id"]
    with _small_hf(corpus, items) as hf, \
            FakeArxiv(None, pdf={target: b"%PDF-1.4 garbage"}) as arxiv:
        world.serve(hf, arxiv)
        assert main(["run", "--date", DAY, "--quiet"]) == 0
        assert "Traceback" not in capsys.readouterr().err
        blocks = _blocks(world.report())
        assert set(blocks) == {i["paper"]["id"] for i in items}
        # The broken PDF leaves the HF abstract: read that, and say why.
        assert _source_of(blocks[target]) == "ArXiv Abs"
        assert main(["show", target, "--json"]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert shown["fetch"]["kind"] == "PDF"  # what was downloaded …
        assert shown["document"]["source_kind"] == "ArXiv Abs"  # … and what was read
        assert any(f.startswith("extract_failed:PDF") for f in shown["document"]["flags"])


def test_truncated_html_is_not_read_as_a_paper(world: Any, corpus: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    with _small_hf(corpus, [_full_text_item(corpus)]) as hf, FakeArxiv(corpus) as arxiv:
        world.serve(hf, arxiv)
        arxiv.inject(f"/html/{FULL_TEXT_ID}", [Fault.truncated()] * 2)
        assert main(["run", "--date", DAY, "--quiet"]) == 2  # degraded (issue 11 item 7)
        _assert_degraded(world, capsys, "HTML: ")
        block = _blocks(world.report())[FULL_TEXT_ID]
        # Half a page never counts as the paper: the PDF is read instead.
        assert _source_of(block) == "PDF"


# ----------------------------------------------------------------------------- the LLM


def _replay(reference_report: Path) -> Any:
    entries = load_reference_summaries(reference_report)

    def responder(request: dict[str, Any]) -> str:
        return replay_answer(entries[arxiv_id_of(request)], as_json=mode_of(request) != "text")

    return responder


RUN_LLM = ["run", "--date", DAY, "--backend", "openai", "--model", "replay", "--quiet",
           "--concurrency", "1"]


def _target_only(target: str, bad: Any, good: Any) -> Any:
    def responder(request: dict[str, Any]) -> Any:
        return bad(request) if arxiv_id_of(request) == target else good(request)

    return responder


def _completion(content: str | None, refusal: str | None = None) -> dict[str, Any]:
    """A whole chat completion body, shaped like FakeLLM's own (SYNTHESIZED)."""
    return {"id": "chatcmpl-fault", "object": "chat.completion", "created": 1769817600,
            "model": "replay",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content,
                                     "refusal": refusal}}]}


#: What the model says for the target paper, per fault (every answer, repair included).
BAD_ANSWERS: dict[str, Any] = {
    "empty": lambda request: _completion(""),
    "invalid_json": lambda request: _completion("{this is not json"),
    "refusal": lambda request: _completion(None, refusal=REFUSAL_TEXT),
    # Valid JSON, wrong shape: innovations must be a list of {title, detail}.
    "schema": lambda request: {"domain": "NLP", "contribution": "x", "innovations": "many",
                               "results": []},
    # Text mode (the server rejects response_format): two of the five parts only.
    "markdown_missing": lambda request: "### 1. 应用领域\nNLP\n\n### 2. 一句话核心贡献\n一个贡献。\n",
}


@pytest.mark.parametrize("fault", list(BAD_ANSWERS))
def test_bad_llm_answer_fails_one_paper_and_rerun_fixes_it(
    world: Any, corpus: Path, reference_report: Path, capsys: pytest.CaptureFixture[str],
    fault: str,
) -> None:
    items = _raw_day(corpus)[:SMALL]
    target = items[1]["paper"]["id"]
    good = _replay(reference_report)
    responder = _target_only(target, BAD_ANSWERS[fault], good)
    with _small_hf(corpus, items) as hf, FakeArxiv(None) as arxiv:
        world.serve(hf, arxiv)
        with FakeLLM(responder, reject_response_format=fault == "markdown_missing") as llm:
            world.llm(llm)
            assert main(RUN_LLM) == 2
            # One answer and at most one repair round for the bad paper, no endless retries.
            asked = [r for r in llm.requests if arxiv_id_of(r) == target]
            assert 1 <= len(asked) <= 2 + 2 * (fault == "markdown_missing")
        assert "Traceback" not in capsys.readouterr().err
        blocks = _blocks(world.report())
        assert set(blocks) == {i["paper"]["id"] for i in items}
        block = blocks[target]
        # The text was read; only the summary failed (issue 13: the source, not "无").
        assert _source_of(block) == "ArXiv Abs"
        assert "> ❌ 未能生成：summarize: " in block
        for item in items:
            if item["paper"]["id"] != target:
                assert "### 5. 实验效果" in blocks[item["paper"]["id"]]
        ledger = _status(capsys)["failures"]
        assert [(f["arxiv_id"], f["stage"]) for f in ledger] == [(target, "summarize")]
        # Rerun with a good model: only the failed paper costs a call.
        forget_modes()
        with FakeLLM(good) as llm:
            world.llm(llm)
            assert main(RUN_LLM) == 0
            assert {arxiv_id_of(r) for r in llm.requests} == {target}
        assert "> ❌" not in world.report()
        assert _status(capsys)["failures"] == []


def test_llm_429_with_retry_after_backs_off_then_succeeds(
    world: Any, corpus: Path, reference_report: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    items = _raw_day(corpus)[:1]
    with _small_hf(corpus, items) as hf, FakeArxiv(None) as arxiv, \
            FakeLLM(_replay(reference_report)) as llm:
        world.serve(hf, arxiv)
        world.llm(llm)
        # Retry-After 0 keeps the test instant; the client honours it instead of its backoff.
        llm.inject([LLMFault(429, headers={"Retry-After": "0"})])
        assert main(RUN_LLM) == 0, capsys.readouterr().err
        assert llm.calls == 2 and llm.pending_faults == 0
    block = _blocks(world.report())[items[0]["paper"]["id"]]
    assert "### 5. 实验效果" in block


def test_llm_429_every_time_fails_the_paper(
    world: Any, corpus: Path, reference_report: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    items = _raw_day(corpus)[:1]
    with _small_hf(corpus, items) as hf, FakeArxiv(None) as arxiv, \
            FakeLLM(_replay(reference_report)) as llm:
        world.serve(hf, arxiv)
        world.llm(llm)
        llm.inject([LLMFault(429, headers={"Retry-After": "0"})] * 2)  # retries = 1
        assert main(RUN_LLM) == 2
        assert "Traceback" not in capsys.readouterr().err
    block = _blocks(world.report())[items[0]["paper"]["id"]]
    assert "> ❌ 未能生成：summarize: " in block and "429" in block


def test_context_length_error_repacks_and_succeeds(
    world: Any, corpus: Path, reference_report: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    # Full text (arXiv HTML of 2601.13621) so that a smaller budget means a shorter prompt;
    # the answer is any valid summary (the reference has no entry for this paper).
    entries = load_reference_summaries(reference_report)
    some = next(iter(entries.values()))

    def responder(request: dict[str, Any]) -> str:
        return replay_answer(some, as_json=mode_of(request) != "text")

    with _small_hf(corpus, [_full_text_item(corpus)]) as hf, FakeArxiv(corpus) as arxiv, \
            FakeLLM(responder) as llm:
        world.serve(hf, arxiv)
        world.llm(llm)
        llm.inject(["context_length"])
        assert main(RUN_LLM) == 0, capsys.readouterr().err
        assert llm.calls == 2
        first, second = (len(json.dumps(r["messages"], ensure_ascii=False))
                         for r in llm.requests)
        assert second < first * 0.8  # repacked with 60 % of the budget
    assert _source_of(_blocks(world.report())[FULL_TEXT_ID]) == "HTML"


# ----------------------------------------------------------------- config, store, input


def test_unknown_config_key_names_file_line_and_key(world: Any,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    # Top level (line 1), and inside [http] (line 9: FAST_TOML has 8 lines, [http] last).
    for text, where, key in (("colour = 'blue'\n" + FAST_TOML, ":1:", "'colour'"),
                             (FAST_TOML + "colour = 'blue'\n", ":9:", "'http.colour'")):
        (world.dir / "paperdigest.toml").write_text(text)
        for args in (["run", "--date", DAY, "--quiet"], ["papers", "--date", DAY], ["status"]):
            assert main(args) == 1
            line = _one_line_error(capsys.readouterr().err, "unknown key", key)
            assert f"paperdigest.toml{where}" in line
    assert not _db().exists()  # nothing was started


def test_foreign_sqlite_database_is_left_alone(world: Any, corpus: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    _db().parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(_db()) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        conn.execute("INSERT INTO notes (text) VALUES ('mine')")
    conn.close()
    before = _db().read_bytes()
    with _small_hf(corpus) as hf, FakeArxiv(None) as arxiv:
        world.serve(hf, arxiv)
        for args in (["run", "--date", DAY, "--quiet"], ["status"], ["show", "2601.21872"]):
            assert main(args) == 1
            _one_line_error(capsys.readouterr().err, "paperdigest.sqlite3")
        assert hf.count() == 0
    assert _db().read_bytes() == before


@pytest.mark.parametrize("ids", ["2601.21872,1234.5", "2601.21872,../etc/passwd",
                                 "2601.21872 http://x"])
def test_malformed_id_in_ids_exits_1(world: Any, ids: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    with FakeArxiv(None) as arxiv:
        world.serve(arxiv=arxiv)
        assert main(["run", "--ids", ids, "--quiet"]) == 1
        _one_line_error(capsys.readouterr().err)
        assert arxiv.count() == 0  # validated before anything is fetched


def test_missing_explicit_config_file_exits_1(world: Any,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    missing = world.dir / "nope.toml"
    assert main(["--config", str(missing), "status"]) == 1
    _one_line_error(capsys.readouterr().err, "nope.toml", "does not exist", "config init")
    # config init is how it gets created.
    assert main(["--config", str(missing), "config", "init"]) == 0
    assert main(["--config", str(missing), "status", "--json"]) == 0


@pytest.mark.parametrize(
    ("text", "needle"),
    [("lang = \n", "invalid TOML"), ("concurrency = 'many'\n", "concurrency")],
    ids=["toml-syntax", "bad-value"],
)
def test_broken_user_config_exits_1(world: Any, text: str, needle: str,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = world.dir / "user.toml"
    path.write_text(text)
    assert main(["--config", str(path), "run", "--date", DAY, "--quiet"]) == 1
    _one_line_error(capsys.readouterr().err, "user.toml", needle)


def test_bad_environment_value_exits_1(world: Any, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PAPERDIGEST_CONCURRENCY", "lots")
    assert main(["run", "--date", DAY, "--quiet"]) == 1
    _one_line_error(capsys.readouterr().err, "PAPERDIGEST_CONCURRENCY", "concurrency")


def test_llm_server_down_fails_papers_with_a_reason(
    world: Any, corpus: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    items = _raw_day(corpus)[:2]
    with _small_hf(corpus, items) as hf, FakeArxiv(None) as arxiv:
        world.serve(hf, arxiv)
        # Port 9 (discard) on loopback: nothing listens, the connection is refused.
        monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        # Nothing could be done because a required server was unreachable: exit 3 (was 2).
        assert main([*RUN_LLM, "--concurrency", "1"]) == 3
        assert "Traceback" not in capsys.readouterr().err
        reasons = sorted(
            line.split("summarize: ", 1)[1]
            for block in _blocks(world.report()).values()
            for line in block.splitlines() if line.startswith("> ❌")
        )
        # The first paper waits through the retries; the second fails at once, same reason.
        assert len(reasons) == 2
        assert reasons[0].startswith("cannot connect to the LLM server http://127.0.0.1:9/v1")
        assert reasons[1] == f"not attempted: {reasons[0]}"
        assert len(_status(capsys)["failures"]) == 2


def test_llm_unreachable_is_exit_3_only_when_no_paper_was_done() -> None:
    """docs/reliability.md "Exit codes": 3 = nothing could be done; one paper done (e.g. a
    stored summary) while the LLM server is down is a partial run (2)."""
    from paperdigest.models import RunStats
    from paperdigest.pipeline import DayOutcome, RunResult

    days = [DayOutcome(DAY)]
    nothing = RunResult(1, days, RunStats(papers=3, failed=3), "partial", llm_unreachable=True)
    some = RunResult(1, days, RunStats(papers=3, done=1, failed=2), "partial",
                     llm_unreachable=True)
    other = RunResult(1, days, RunStats(papers=3, failed=3), "partial")
    assert (nothing.exit_code, some.exit_code, other.exit_code) == (3, 2, 2)


@pytest.mark.parametrize(
    ("damage", "needle"),
    [
        (lambda paper: paper.pop("id"), "no paper.id"),
        (lambda paper: paper.update(id=2601), "not an arXiv id"),
        (lambda paper: paper.update(id="2601.21872\n## 📄 fake\n" + "=" * 60), "not an arXiv id"),
    ],
    ids=["missing", "integer", "newline"],
)
def test_malformed_list_item_is_its_own_failure_not_the_days(
    world: Any, corpus: Path, capsys: pytest.CaptureFixture[str], damage: Any, needle: str,
) -> None:
    # Issue 11 item 6 (was: one item without id failed the day with exit 3, dropping the
    # valid papers). Now the item is a recorded failure; the other papers proceed.
    items = copy.deepcopy(_raw_day(corpus)[:SMALL])
    damage(items[1]["paper"])  # SYNTHESIZED damage to a recorded item
    with _small_hf(corpus, items) as hf, FakeArxiv(None) as arxiv:
        world.serve(hf, arxiv)
        assert main(["run", "--date", DAY, "--quiet"]) == 2
        assert "Traceback" not in capsys.readouterr().err
        report = world.report()
        blocks = _blocks(report)
        valid = {items[0]["paper"]["id"], items[2]["paper"]["id"]}
        assert valid <= set(blocks)
        assert all("> ❌" not in blocks[i] for i in valid)
        failed = [line for line in report.splitlines() if line.startswith("> ❌")]
        assert len(failed) == 1
        assert failed[0].startswith("> ❌ 未能生成：list: ")
        assert "daily_papers item #1" in failed[0] and needle in failed[0]
        # The id never reaches the report as structure: one fake heading at most as text.
        assert report.count("## 📄 fake") == 0 or "## 📄 fake" not in report.split(SEP)[0]
        assert report.count(SEP) == 1 + SMALL
        failures = _status(capsys)["failures"]
        assert [(f["stage"], f["arxiv_id"]) for f in failures] == [("list", "item-1")]
