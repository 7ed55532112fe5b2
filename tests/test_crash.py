"""Crash safety (issue 11): seeded kill -9 trials at random points of real runs.

After every kill the report files are either exactly the previous ones or complete new ones
(never half a Markdown file or unparseable JSON); a rerun then finishes the day, and the store
passes ``PRAGMA integrity_check`` with no duplicate rows. A second set of trials kills a
process in the middle of :func:`paperdigest.pipeline.atomic_write` calls of a large report.
The seeds are fixed, so a failure names a trial that can be replayed.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from paperdigest.cli import main
from tests.conftest import DAY, _raw_day
from tests.fakes.llm import FakeLLM
from tests.fakes.servers import FakeArxiv
from tests.test_cli_faults import SEP, _blocks, _replay, _small_hf

REPO = Path(__file__).resolve().parent.parent
PAPERS = 6
TRIALS = 20
SEED = 20260130


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO / "src"))


def _complete(name: str, body: bytes) -> bool:
    """A whole report of the day: every paper's block and the closing separator / valid JSON."""
    if name.endswith(".json"):
        try:
            return len(json.loads(body.decode("utf-8"))["papers"]) == PAPERS
        except (ValueError, KeyError):
            return False
    text = body.decode("utf-8", errors="replace")
    return len(_blocks(text)) == PAPERS and text.count(SEP) == PAPERS + 1


def _check_store(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        duplicates = {
            "summaries": "SELECT count(*) FROM (SELECT 1 FROM summaries GROUP BY arxiv_id, "
                         "version, source_kind, context_hash, prompt_version, backend, model, "
                         "lang HAVING count(*) > 1)",
            "papers": "SELECT count(*) - count(DISTINCT arxiv_id) FROM papers",
            "day_papers": "SELECT count(*) FROM (SELECT 1 FROM day_papers GROUP BY date, "
                          "arxiv_id HAVING count(*) > 1)",
            "documents": "SELECT count(*) FROM (SELECT 1 FROM documents GROUP BY arxiv_id, "
                         "version, source_kind HAVING count(*) > 1)",
            "running": "SELECT count(*) FROM runs WHERE status = 'running'",
        }
        for what, sql in duplicates.items():
            assert conn.execute(sql).fetchone()[0] == 0, what


@pytest.mark.slow
def test_kill_9_at_random_points_never_loses_or_corrupts(
    world: Any, corpus: Path, reference_report: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(SEED)
    items = _raw_day(corpus)[:PAPERS]
    out = world.dir / "paperdigest-out"
    db = Path(os.environ["PAPERDIGEST_HOME"]) / "paperdigest.sqlite3"
    with _small_hf(corpus, items) as hf, FakeArxiv(None) as arxiv, \
            FakeLLM(_replay(reference_report), delay=0.05) as llm:
        world.serve(hf, arxiv)
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        run = ["run", "--date", DAY, "--backend", "openai", "--model", "replay", "--quiet"]
        for trial in range(TRIALS):
            previous = {p.name: p.read_bytes() for p in out.glob(f"{DAY}.*")} \
                if out.is_dir() else {}
            # Odd trials recompute every summary (kills land in summarize/store), even ones
            # reuse them (kills land in listing and in the report writes).
            argv = run + (["--force"] if trial % 2 else [])
            proc = subprocess.Popen([sys.executable, "-m", "paperdigest", *argv],
                                    cwd=world.dir, env=_env(), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.2, 2.5))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            for path in out.glob(f"{DAY}.*") if out.is_dir() else []:
                body = path.read_bytes()
                assert body == previous.get(path.name) or _complete(path.name, body), \
                    f"trial {trial}: {path.name} is neither the previous report nor a whole one"
            # The rerun finishes the day; the store holds.
            assert main([*run]) == 0, f"trial {trial}"
            for name in (f"{DAY}.md", f"{DAY}.json"):
                assert _complete(name, (out / name).read_bytes()), f"trial {trial}: {name}"
            assert "❌" not in (out / f"{DAY}.md").read_text(encoding="utf-8")
            _check_store(db)


_WRITER = """
import sys
from pathlib import Path
from paperdigest.pipeline import atomic_write
path = Path(sys.argv[1])
texts = [("A" * 1_000_000) + "\\nend A\\n", ("B" * 1_500_000) + "\\nend B\\n"]
print("ready", flush=True)
i = 0
while True:
    atomic_write(path, texts[i % 2])
    i += 1
"""


def test_kill_9_during_report_writes_leaves_a_whole_file(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    path = tmp_path / "2026-01-30.md"
    whole = {("A" * 1_000_000) + "\nend A\n", ("B" * 1_500_000) + "\nend B\n"}
    for trial in range(TRIALS):
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path)], env=_env(),
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        if path.exists():
            assert path.read_text() in whole, f"trial {trial}: a half-written report"
    # The next write clears the temporary files that the kills left behind.
    from paperdigest.pipeline import atomic_write

    atomic_write(path, "done\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
