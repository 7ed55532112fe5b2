"""Pipeline behaviour: overlap, resume after a crash, the lock, failures recorded and retried.

None of these tests time anything: overlap is shown by the fake LLM's peak of concurrent
requests and by the order of stage events, resume by counting LLM calls and rows. Runs go
through the library entry points (:func:`open_pipeline`, :meth:`Pipeline.run`); the lock and
corrupt-store tests check the command line's one-line errors and exit codes.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paperdigest.cli import main
from paperdigest.clock import clock_from_env
from paperdigest.config import load_settings
from paperdigest.dates import parse_day
from paperdigest.errors import AuthError
from paperdigest.pipeline import ProgressSink, RunOptions, open_pipeline
from paperdigest.runtime import run_lock
from tests.fakes.llm import FakeLLM, LLMFault, arxiv_id_of
from tests.fakes.world import offline_world

REPO = Path(__file__).resolve().parent.parent
DAY = ["run", "--date", "2026-01-30", "--backend", "openai", "--model", "replay", "--quiet"]


@pytest.fixture
def env(corpus: Path, reference_report: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with offline_world(corpus, reference_report, tmp_path, monkeypatch) as world:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        yield world


def _run_day(concurrency: int | None = None, progress: ProgressSink | None = None) -> int:
    """``paperdigest run --date 2026-01-30 --backend openai --model replay`` as a library call;
    returns the run's exit code."""
    flags: dict[str, Any] = {"backend": "openai", "llm.model": "replay",
                             "concurrency": concurrency}
    settings = load_settings(flags=flags).settings
    now = clock_from_env()
    options = RunOptions(lang=settings.lang, out=Path(settings.out))
    with open_pipeline(settings, options=options, progress=progress, now=now) as pipeline:
        result = pipeline.run([parse_day("2026-01-30", now().date())])
    return result.exit_code


def _db() -> Path:
    return Path(os.environ["PAPERDIGEST_HOME"]) / "paperdigest.sqlite3"


def _count(table: str) -> int:
    with sqlite3.connect(_db()) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_llm_calls_overlap_up_to_concurrency(env: dict[str, Any],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    gate = threading.Barrier(4, timeout=10)
    seen = []
    lock = threading.Lock()

    def responder(request: dict[str, Any]) -> str:
        # The first four requests only return once four are in flight together: with a
        # sequential pipeline this barrier would break (after 10 s) instead.
        with lock:
            seen.append(1)
            first = len(seen) <= 4
        if first:
            gate.wait()
        return env["responder"](request)

    with FakeLLM(responder) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        assert _run_day(concurrency=4) == 0
        assert llm.max_concurrent == 4  # bounded by --concurrency, and reached
        assert llm.calls == 45


def test_fetching_and_summarizing_overlap(env: dict[str, Any],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[tuple[str, str]] = []

    class Recorder:
        def event(self, name: str, **data: Any) -> None:
            if name == "stage":
                events.append((data["stage"], data["arxiv_id"]))

    with FakeLLM(env["responder"], delay=0.02) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        assert _run_day(progress=Recorder()) == 0
    stages = [stage for stage, _ in events]
    first_summary = stages.index("summarize")
    last_fetch = len(stages) - 1 - stages[::-1].index("fetch")
    # A paper is summarized while later papers are still being fetched.
    assert first_summary < last_fetch


def test_auth_error_stops_the_run(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    with FakeLLM(env["responder"]) as llm:
        llm.inject([LLMFault(401)] * 3)
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        with pytest.raises(AuthError) as info:
            _run_day()
        assert info.value.exit_code == 1
        assert "API key" in str(info.value)
        assert llm.calls < 45  # it stopped instead of failing every paper
    with FakeLLM(env["responder"]) as llm:
        llm.inject([LLMFault(401)] * 3)
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        # The command line: one line, exit 1, no traceback.
        assert main(DAY) == 1
        err = capsys.readouterr().err
        assert "API key" in err and "Traceback" not in err


def test_invalid_output_is_recorded_and_retried(env: dict[str, Any],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    target = "2601.21872"

    def responder(request: dict[str, Any]) -> str:
        if arxiv_id_of(request) == target:
            return "I cannot summarise this."
        return env["responder"](request)

    with FakeLLM(responder) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        assert _run_day() == 2  # some papers failed, report still written
        report = (env["dir"] / "paperdigest-out" / "2026-01-30.md").read_text()
        block = report.split(f"papers/{target}")[1].split("=" * 60)[0]
        # The text was read; the failure came later (issue 13: not "无").
        assert "- **阅读来源**: ArXiv Abs" in block and "> ❌ 未能生成：summarize:" in block
        assert main(["status", "--json"]) == 0
    # Second run with a working model: only the failed paper costs a call.
    with FakeLLM(env["responder"]) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        assert _run_day() == 0
        assert llm.calls == 1
        assert arxiv_id_of(llm.requests[0]) == target
    assert _count("summaries") == 45


def test_second_run_waits_or_exits_on_lock(env: dict[str, Any],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    settings = load_settings().settings
    lock = run_lock(settings.home_path)
    try:
        assert main(DAY) == 1
        err = capsys.readouterr().err
        assert "another paperdigest run" in err
    finally:
        lock.release()


def test_corrupt_store_is_a_clear_error(env: dict[str, Any],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    _db().parent.mkdir(parents=True, exist_ok=True)
    _db().write_bytes(b"this is not a database" * 100)
    before = _db().read_bytes()
    assert main(["run", "--date", "2026-01-30", "--quiet"]) == 1
    assert "not a paperdigest database" in capsys.readouterr().err
    assert _db().read_bytes() == before


@pytest.mark.slow
def test_resume_after_kill_9(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """kill -9 in the middle of a run; the rerun finishes the rest without redoing work."""
    with FakeLLM(env["responder"], delay=0.15) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        child_env = dict(os.environ, OPENAI_BASE_URL=llm.base_url,
                         PYTHONPATH=str(REPO / "src"))
        proc = subprocess.Popen(
            [sys.executable, "-m", "paperdigest", *DAY, "--concurrency", "2"],
            cwd=env["dir"], env=child_env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while llm.calls < 12 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        stored = _count("summaries")
        assert 0 < stored < 45
        calls_before = llm.calls
        code = _run_day()
        report = (env["dir"] / "paperdigest-out" / "2026-01-30.md").read_text()
        assert code == 0, [line for line in report.splitlines() if "❌" in line]
        # Only the papers not stored before the crash are summarized again (the ones in
        # flight at the kill were asked once already and are asked again).
        assert llm.calls - calls_before == 45 - stored
    assert _count("summaries") == 45
    with sqlite3.connect(_db()) as conn:
        dupes = conn.execute(
            "SELECT count(*) FROM (SELECT arxiv_id FROM summaries GROUP BY arxiv_id "
            "HAVING count(*) > 1)").fetchone()[0]
    assert dupes == 0
    data = json.loads((env["dir"] / "paperdigest-out" / "2026-01-30.json").read_text())
    assert len(data["papers"]) == 45
