"""Issue 11, pipeline and command line: nothing lost, no traceback, bad input is one line.

* Bad environment and input (item 8), table-driven: each case runs ``paperdigest`` once and
  expects exactly one ``Error:`` line, no traceback and the documented exit code, and no
  request to any server when the problem can be seen before network work.
* Work done is written (item 3): on a stop the report holds the finished papers and says which
  were not finished; the run is recorded ``interrupted`` (exit 130); SIGINT and SIGTERM end a
  real process promptly with 130; a run killed with SIGKILL shows as ``killed`` in ``status``.
* Atomic report writes (item 4): a full disk while writing keeps the last good report.
* Large inputs (item 11): 10,000 ids are refused at once, before any request.

Faults at the operating-system boundary that a test cannot cause for real as root (a full
disk, a read-only SQLite file) are injected there: ``os.fsync`` raising ``ENOSPC``, the store
opened with SQLite's ``mode=ro``.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from paperdigest.cli import main
from paperdigest.config import load_settings
from paperdigest.pipeline import RunOptions, open_pipeline
from tests.conftest import DAY, _raw_day
from tests.fakes.llm import FakeLLM
from tests.fakes.servers import FakeArxiv
from tests.test_cli_faults import _blocks, _replay, _small_hf

REPO = Path(__file__).resolve().parent.parent


def _one_error(err: str) -> str:
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("Error")]
    assert len(lines) == 1, err
    return lines[0]


# ------------------------------------------------------------------ bad input (item 8)


def _home(value: str) -> Callable[[Any, pytest.MonkeyPatch, Path], list[str]]:
    def setup(world: Any, monkeypatch: pytest.MonkeyPatch, tmp: Path) -> list[str]:
        monkeypatch.setenv("PAPERDIGEST_HOME", value)
        return ["run", "--date", DAY]
    return setup


def _args(*args: str) -> Callable[[Any, pytest.MonkeyPatch, Path], list[str]]:
    return lambda world, monkeypatch, tmp: list(args)


def _bad_config(world: Any, monkeypatch: pytest.MonkeyPatch, tmp: Path) -> list[str]:
    path = tmp / "bad.toml"
    path.write_bytes(b'lang = "zh"\n# \xff\xfe not UTF-8\n')
    return ["--config", str(path), "run", "--date", DAY]


def _garbage_llm_url(world: Any, monkeypatch: pytest.MonkeyPatch, tmp: Path) -> list[str]:
    monkeypatch.setenv("OPENAI_BASE_URL", "::garbage::")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    return ["run", "--date", DAY, "--backend", "openai"]


def _readonly_store(world: Any, monkeypatch: pytest.MonkeyPatch, tmp: Path) -> list[str]:
    # A good store that SQLite may only read (as root no file mode stops a write; SQLite's
    # own read-only mode does): it must be "cannot be written", never "corrupt".
    import paperdigest.store as store_mod

    # A good store (status no longer creates one: read commands never do).
    home = Path(os.environ["PAPERDIGEST_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    store_mod.Store(home / "paperdigest.sqlite3").close()
    assert main(["status"]) == 0

    real = sqlite3.connect

    def read_only(path: str, **kwargs: Any) -> sqlite3.Connection:
        return real(f"file:{path}?mode=ro", uri=True, **kwargs)

    monkeypatch.setattr(store_mod.sqlite3, "connect", read_only)
    return ["run", "--date", DAY]


def _unwritable_home(world: Any, monkeypatch: pytest.MonkeyPatch, tmp: Path) -> list[str]:
    if not os.path.isdir("/sys/kernel") or os.access("/sys/kernel", os.W_OK) and \
            _can_create("/sys/kernel"):
        pytest.skip("no read-only directory (/sys/kernel) on this machine")
    monkeypatch.setenv("PAPERDIGEST_HOME", "/sys/kernel")
    return ["run", "--date", DAY]


def _can_create(directory: str) -> bool:
    try:
        fd = os.open(os.path.join(directory, ".paperdigest-probe"), os.O_CREAT | os.O_WRONLY)
    except OSError:
        return False
    os.close(fd)
    os.unlink(os.path.join(directory, ".paperdigest-probe"))
    return True


#: (case, setup → argv, exit code, words the one error line must hold)
BAD_INPUT: list[tuple[str, Callable[[Any, pytest.MonkeyPatch, Path], list[str]], int,
                      tuple[str, ...]]] = [
    ("home is /dev/null", _home("/dev/null"), 1, ("/dev/null", "PAPERDIGEST_HOME")),
    ("home under /dev/null", _home("/dev/null/home"), 1, ("/dev/null", "PAPERDIGEST_HOME")),
    ("home read-only", _unwritable_home, 1, ("/sys/kernel", "PAPERDIGEST_HOME")),
    ("store read-only, not corrupt", _readonly_store, 1, ("cannot be written", "intact")),
    ("--out under a file", _args("run", "--date", DAY, "--out", "/dev/null/out"), 1,
     ("/dev/null/out", "--out")),
    ("--out is a file", _args("run", "--date", DAY, "--out", "/dev/null"), 1, ("--out",)),
    ("--wait nan", _args("run", "--date", DAY, "--wait", "nan"), 1, ("--wait",)),
    ("--wait -1", _args("run", "--date", DAY, "--wait", "-1"), 1, ("--wait",)),
    ("--wait inf", _args("run", "--date", DAY, "--wait", "inf"), 1, ("--wait",)),
    ("extract /dev/zero", _args("extract", "/dev/zero"), 1, ("/dev/zero",)),
    ("extract a directory", _args("extract", "/"), 1, ("directory",)),
    ("config not UTF-8", _bad_config, 1, ("utf-8",)),
    ("OPENAI_BASE_URL garbage", _garbage_llm_url, 1, ("base_url",)),
    ("PAPERDIGEST_NOW garbage", lambda w, m, t: (m.setenv("PAPERDIGEST_NOW", "soon"),
                                                 ["run", "--date", DAY])[1], 1,
     ("PAPERDIGEST_NOW",)),
    ("10,000 ids", _args("run", "--ids", ",".join(f"2601.{i:05d}" for i in range(10_000))), 1,
     ("10,000 ids", "at most 1,000 ids", "backfill --from")),  # backfill has no --ids
    ("--config /dev/null", _args("--config", "/dev/null", "status"), 1,
     ("/dev/null", "not a regular file")),
    ("id with a newline", _args("run", "--ids", "2601.21872\n## x"), 1, ("arxiv id",)),
    ("date in the future", _args("run", "--date", "2999-01-01"), 1, ("2999-01-01",)),
    ("two day forms", _args("run", "--date", DAY, "--week", "2026-W05"), 1, ("exactly one",)),
]


@pytest.mark.parametrize(("case", "setup", "code", "words"), BAD_INPUT,
                         ids=[row[0] for row in BAD_INPUT])
def test_bad_input_is_one_line_and_its_exit_code(
    world: Any, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], case: str,
    setup: Callable[[Any, pytest.MonkeyPatch, Path], list[str]], code: int,
    words: tuple[str, ...],
) -> None:
    with _small_hf(corpus) as hf, FakeArxiv(None) as arxiv:
        world.serve(hf, arxiv)
        argv = setup(world, monkeypatch, tmp_path)
        capsys.readouterr()
        assert main(argv) == code
        line = _one_error(capsys.readouterr().err)
        for word in words:
            assert word.lower() in line.lower(), line
        # Seen before any network work: no request reached a server.
        assert hf.count() == 0 and arxiv.count() == 0, case


def test_full_disk_keeps_the_last_good_report(
    world: Any, corpus: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with _small_hf(corpus) as hf, FakeArxiv(None) as arxiv:
        world.serve(hf, arxiv)
        assert main(["run", "--date", DAY, "--quiet"]) == 0
        out = world.dir / "paperdigest-out"
        before = {p.name: p.read_bytes() for p in out.iterdir()}
        import paperdigest.pipeline as pipeline_mod

        def full(fd: int) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(pipeline_mod.os, "fsync", full)
        capsys.readouterr()
        assert main(["run", "--date", DAY, "--quiet", "--force"]) == 1
        line = _one_error(capsys.readouterr().err)
        assert "No space left on device" in line and "previous file is kept" in line
        after = {p.name: p.read_bytes() for p in out.iterdir()}
        assert after == before  # whole, and no temporary file left behind


# ------------------------------------------------------------- work done is written (3)


def test_stop_writes_what_is_done_and_marks_the_run_interrupted(
    world: Any, corpus: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    items = _raw_day(corpus)[:6]
    with _small_hf(corpus, items) as hf, FakeArxiv(None) as arxiv:
        world.serve(hf, arxiv)
        settings = load_settings(flags={"concurrency": 1}).settings
        out = world.dir / "out"

        class StopAfterTwo:
            done = 0

            def event(self, name: str, **data: Any) -> None:
                if name == "done":
                    self.done += 1
                    if self.done == 2:
                        pipeline.stop()  # what Ctrl-C / SIGTERM do

        progress = StopAfterTwo()
        with open_pipeline(settings, options=RunOptions(out=out), progress=progress) as pipeline:
            result = pipeline.run([date.fromisoformat(DAY)])
        assert (result.status, result.exit_code) == ("interrupted", 130)
        blocks = _blocks((out / f"{DAY}.md").read_text(encoding="utf-8"))
        assert len(blocks) == 6  # every listed paper has its block
        unfinished = [b for b in blocks.values() if "not finished" in b]
        assert 2 <= 6 - len(unfinished) < 6
        data = json.loads((out / f"{DAY}.json").read_text(encoding="utf-8"))
        assert len(data["papers"]) == 6
    status = json.loads(_status_json())
    assert status["runs"][0]["status"] == "interrupted"
    # Papers cut by the stop are not failures of the papers: nothing in the ledger.
    assert status["failures"] == []


def _status_json() -> str:
    proc = subprocess.run([sys.executable, "-m", "paperdigest", "status", "--json"],
                          capture_output=True, text=True, check=True, env=_child_env())
    return proc.stdout


def _child_env(**extra: str) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO / "src"), **extra)


@pytest.fixture
def slow_day(world: Any, corpus: Path, reference_report: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    items = _raw_day(corpus)[:8]
    with _small_hf(corpus, items) as hf, FakeArxiv(None) as arxiv, \
            FakeLLM(_replay(reference_report), delay=1.5) as llm:
        world.serve(hf, arxiv)
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        yield llm


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_promptly_writes_and_exits_130(
    world: Any, slow_day: FakeLLM, signum: int,
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "paperdigest", "run", "--date", DAY, "--backend", "openai",
         "--model", "slow", "--concurrency", "2", "--quiet"],
        cwd=world.dir, env=_child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    deadline = time.monotonic() + 60
    while slow_day.calls < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signum)
    # Wall-clock guard only: each LLM call takes 1.5 s, eight papers at two at a time would
    # take 6 s more; the stop must not wait for them.
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Interrupted" in err
    report = (world.dir / "paperdigest-out" / f"{DAY}.md").read_text(encoding="utf-8")
    assert len(_blocks(report)) == 8
    status = json.loads(_status_json())
    assert status["runs"][0]["status"] == "interrupted"


@pytest.mark.slow
def test_killed_run_is_not_running_forever(world: Any, slow_day: FakeLLM) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "paperdigest", "run", "--date", DAY, "--backend", "openai",
         "--model", "slow", "--quiet"],
        cwd=world.dir, env=_child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while slow_day.calls < 1 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    runs = json.loads(_status_json())["runs"]
    assert runs[0]["status"] == "killed" and runs[0]["finished_at"]


def test_report_is_written_while_papers_complete(
    world: Any, corpus: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Issue 11 item 3: a paper that hangs must not hold back the report of the ones done.
    import paperdigest.pipeline as pipeline_mod

    monkeypatch.setattr(pipeline_mod, "CHECKPOINT_SECONDS", 0.0)
    items = _raw_day(corpus)[:5]
    seen: list[tuple[int, int]] = []
    with _small_hf(corpus, items) as hf, FakeArxiv(None) as arxiv:
        world.serve(hf, arxiv)
        settings = load_settings(flags={"concurrency": 1}).settings
        out = world.dir / "out"

        class Peek:
            def event(self, name: str, **data: Any) -> None:
                if name == "done" and (out / f"{DAY}.md").exists():
                    blocks = _blocks((out / f"{DAY}.md").read_text(encoding="utf-8"))
                    waiting = sum("not finished" in b for b in blocks.values())
                    seen.append((len(blocks), waiting))

        with open_pipeline(settings, options=RunOptions(out=out), progress=Peek()) as pipeline:
            result = pipeline.run([date.fromisoformat(DAY)])
    assert result.exit_code == 0
    # Mid-run the file already held every block: the finished papers and the waiting ones.
    assert seen and all(total == 5 for total, _ in seen)
    assert any(0 < waiting < 5 for _, waiting in seen)
    final = _blocks((out / f"{DAY}.md").read_text(encoding="utf-8"))
    assert not any("not finished" in b for b in final.values())
