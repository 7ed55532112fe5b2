"""Rerun benchmark: a finished day costs nothing the second time (issue "Fast and resumable").

Run from the repository root (needs ``../shared``)::

    python bench/rerun.py [--papers 45] [--delay 0.05]

What runs: the day of ``paperdigest run --date 2026-01-30 --backend openai``, through the
library's ``open_pipeline`` → ``Pipeline.run`` (in this
process, imports warmed up first) against the loopback fakes of ``bench/_common.py`` with
fast limits (1000 requests/s per role) and a small LLM delay, then the same command again with
the same fresh ``PAPERDIGEST_HOME`` and output directory.

Between the runs the rendered outputs (``out/2026-01-30.md`` and ``.json``) are deleted, so
the rerun must render them again from the store. The rerun must make zero LLM calls and zero
HTTP requests (counted by the fakes themselves: FakeLLM.calls and each fake server's request
log), exit 0, write both files again with the same papers, and finish under 2 s. The day is
settled relative to now (2026-01-30 ended long ago; if the clock says otherwise,
``PAPERDIGEST_NOW`` is set to a settled time), so its list is never fetched again.

Finally the outputs are deleted once more and the command runs as a new process
(``python -m paperdigest run …``), to show what a user's cold rerun costs including interpreter
start-up and imports; it must also make no call and no request, and its time is printed
beside the cost of the imports alone (``python -c "import …"``), for information.

The last line is the ratio rerun/first run, e.g. ``ratio rerun/first: 0.06``.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import time
from pathlib import Path

from _common import DAY, RUN_MODULES, OfflineDay, RunResult, fail, source_kinds, warm_imports

RERUN_LIMIT_S = 2.0
"""The rerun must finish under this many seconds (issue "Fast and resumable")."""


def _papers_of(result: RunResult) -> list[str]:
    path = next((p for p in result.outputs if p.suffix == ".json"), None)
    if path is None:
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [p["paper"]["arxiv_id"] for p in data["papers"]]


def _md_blocks(result: RunResult) -> int:
    path = next((p for p in result.outputs if p.suffix == ".md"), None)
    if path is None:
        return 0
    return path.read_text(encoding="utf-8").count("- **链接**: https://huggingface.co/papers/")


def _delete_outputs(workdir: Path) -> None:
    # Not gameable: the rerun cannot just find the previous files, it must render them.
    for path in (workdir / "out").glob(f"{DAY}.*"):
        path.unlink()
    if any((workdir / "out").glob(f"{DAY}.*")):
        fail("rendered outputs still present before the rerun")


def _problems(rerun: RunResult, papers: int, first_papers: list[str]) -> list[str]:
    problems = []
    if rerun.exit_code != 0:
        problems.append(f"exit code {rerun.exit_code}")
    if rerun.llm_calls:
        problems.append(f"{rerun.llm_calls} LLM calls")
    if rerun.hf_requests or rerun.arxiv_requests:
        problems.append(f"{rerun.hf_requests + rerun.arxiv_requests} HTTP requests")
    if sorted(p.suffix for p in rerun.outputs) != [".json", ".md"]:
        problems.append("md and json not both rendered again")
    elif sorted(_papers_of(rerun)) != first_papers or _md_blocks(rerun) != papers:
        problems.append("the rerendered report does not hold the same papers")
    return problems


def _describe(result: RunResult) -> str:
    return (f"{result.seconds:.2f} s; {result.llm_calls} LLM calls, {result.hf_requests} HF + "
            f"{result.arxiv_requests} arXiv requests; "
            f"outputs {', '.join(p.name for p in result.outputs) or 'none'}")


def _import_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import " + ", ".join(RUN_MODULES)], check=True)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=45, help="papers of the day [45]")
    parser.add_argument("--delay", type=float, default=0.05,
                        help="seconds the fake LLM takes per answer [0.05]")
    parser.add_argument("--concurrency", type=int, default=8, help="--concurrency of the run [8]")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    limits = {"hf": 1000.0, "arxiv": 1000.0, "arxiv_api": 1000.0, "llm": 1000.0}
    warm_imports()  # both in-process runs then time only the command's own work

    with OfflineDay(args.papers, args.delay, limits) as world:
        papers = world.papers
        workdir = world.workdir("day")
        first = world.run_in_process(workdir, args.concurrency)
        if first.exit_code != 0:
            fail(f"first run exited {first.exit_code}")
        if first.llm_calls != papers or source_kinds(first) != {"HTML": papers}:
            fail(f"first run: {first.llm_calls} LLM calls, sources {source_kinds(first)} "
                 f"for {papers} papers")
        first_papers = sorted(_papers_of(first))
        print(f"first run: {_describe(first)}")

        _delete_outputs(workdir)
        rerun = world.run_in_process(workdir, args.concurrency)
        print(f"rerun (outputs deleted first): {_describe(rerun)}")
        problems = _problems(rerun, papers, first_papers)
        if rerun.seconds >= RERUN_LIMIT_S:
            problems.append(f"took {rerun.seconds:.2f} s (limit {RERUN_LIMIT_S:g} s)")
        if problems:
            fail("rerun: " + "; ".join(problems))

        _delete_outputs(workdir)
        cold = world.run_subprocess(workdir, args.concurrency)
        problems = _problems(cold, papers, first_papers)
        if problems:
            fail("cold-process rerun: " + "; ".join(problems))
        imports = _import_seconds()
        print(f"cold-process rerun (python -m paperdigest run, outputs deleted first): "
              f"{_describe(cold)}")
        print(f"  of which interpreter start-up and imports alone take {imports:.2f} s"
              + ("" if cold.seconds < RERUN_LIMIT_S
                 else f" (over {RERUN_LIMIT_S:g} s: see docs/performance.md)"))
    print(f"rerun under {RERUN_LIMIT_S:g} s with 0 LLM calls and 0 HTTP requests: ok")
    print(f"ratio rerun/first: {rerun.seconds / first.seconds:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
