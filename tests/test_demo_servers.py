"""``python -m tests.fakes.serve``: the loopback fakes as a command for trying paperdigest offline.

The server runs as a real subprocess (as a user starts it), the CLI runs against the URLs it
publishes, and the fakes import with pytest unavailable (a user's install has no pytest).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paperdigest.cli import main
from tests.conftest import FAST_TOML, REPO
from tests.fakes.ask_archive import HTML_DAY

#: Seconds to wait for the server to listen, and to exit after a signal (a deadline, not a
#: timing assertion: a hung server fails the test instead of hanging the suite).
START_DEADLINE = 60.0
STOP_DEADLINE = 20.0


class Served:
    def __init__(self, proc: subprocess.Popen[str], info: dict[str, Any]) -> None:
        self.proc = proc
        self.info = info

    def stop(self, signum: int) -> tuple[int, str, str]:
        self.proc.send_signal(signum)
        out, err = self.proc.communicate(timeout=STOP_DEADLINE)
        return self.proc.returncode, out, err


def _start(corpus: Path, port_file: Path, *extra: str) -> Served:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.serve", "--corpus", str(corpus),
         "--port-file", str(port_file), *extra],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + START_DEADLINE
    while not port_file.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"serve exited {proc.returncode} before listening:\n{out}\n{err}")
        if time.monotonic() > deadline:
            proc.kill()
            proc.communicate()
            pytest.fail(f"serve wrote no port file within {START_DEADLINE} s")
        time.sleep(0.05)
    return Served(proc, json.loads(port_file.read_text(encoding="utf-8")))


@pytest.fixture
def served(corpus: Path, tmp_path: Path) -> Iterator[Served]:
    server = _start(corpus, tmp_path / "ports.json")
    yield server
    if server.proc.poll() is None:
        server.proc.kill()
        server.proc.communicate()


def test_cli_reads_full_text_from_the_served_html_day(
        served: Served, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    env = served.info["env"]
    assert set(env) == {"PAPERDIGEST_HF_URL", "PAPERDIGEST_ARXIV_URL",
                        "PAPERDIGEST_ARXIV_API_URL"}
    html_pages = sorted(p.stem.split("v")[0] for p in (corpus / "arxiv_html").glob("*.html"))
    assert served.info["html_day"] == HTML_DAY
    assert served.info["html_papers"] == len(html_pages) == 6
    assert HTML_DAY in served.info["days"] and "2026-01-30" in served.info["days"]

    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    (work / "paperdigest.toml").write_text(FAST_TOML)
    monkeypatch.setenv("PAPERDIGEST_HOME", str(tmp_path / "home"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    assert main(["run", "--date", HTML_DAY, "--quiet"]) == 0, capsys.readouterr().err
    report = (work / "paperdigest-out" / f"{HTML_DAY}.md").read_text(encoding="utf-8")
    sources = [line for line in report.splitlines() if line.startswith("- **阅读来源**")]
    assert sources == ["- **阅读来源**: HTML"] * 6
    linked = sorted(line.rsplit("/", 1)[1] for line in report.splitlines()
                    if line.startswith("- **链接**"))
    assert linked == html_pages
    data = json.loads((work / "paperdigest-out" / f"{HTML_DAY}.json").read_text("utf-8"))
    assert len(data["papers"]) == 6

    rc, out, err = served.stop(signal.SIGINT)
    assert rc == 0, err
    assert "Traceback" not in err
    # The banner a user pastes: the export lines name the same URLs as the port file.
    exports = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines()
                   if line.startswith("export PAPERDIGEST_") and "HOME" not in line)
    assert exports == env
    assert f"paperdigest run --date {HTML_DAY}" in out


def test_llm_replay_serves_the_reference_summaries(corpus: Path, reference_report: Path,
                                                   tmp_path: Path) -> None:
    import httpx

    server = _start(corpus, tmp_path / "ports.json", "--llm")
    try:
        env = server.info["env"]
        assert env["OPENAI_API_KEY"]
        request = {"model": "replay", "messages": [
            {"role": "user", "content": "Title: ...\narXiv: 2601.21872\n..."}]}
        reply = httpx.post(f"{env['OPENAI_BASE_URL']}/chat/completions", json=request,
                           timeout=10).json()
        content = reply["choices"][0]["message"]["content"]
        # The replay answers from the reference report (its first block is WebArbiter).
        assert "WebArbiter" in content
    finally:
        rc, _out, err = server.stop(signal.SIGTERM)
    assert rc == 0, err


def test_missing_corpus_is_one_clear_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.fakes.serve", "--corpus", str(tmp_path / "nowhere")],
        check=False, cwd=REPO, capture_output=True, text=True,
        timeout=STOP_DEADLINE)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "--corpus" in proc.stderr


def test_fakes_import_without_pytest() -> None:
    code = ("import sys; sys.modules['pytest'] = None\n"
            "import tests.fakes.serve, tests.fakes.servers, tests.fakes.world, "
            "tests.fakes.llm, tests.fakes.replay, tests.fakes.hub, tests.fakes.ask_archive\n")
    proc = subprocess.run([sys.executable, "-c", code], check=False, cwd=REPO, capture_output=True,
                          text=True, timeout=STOP_DEADLINE)
    assert proc.returncode == 0, proc.stderr
