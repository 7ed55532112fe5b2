"""Backfill benchmark: papers/s of the local and the ray engine on one synthetic workload.

Run: ``python bench/backfill.py [--papers 5000] [--per-day 50] [--llm-latency 0.05]
[--cpus 1,2] [--memory-at 1000,5000]`` (not a test; needs the ``ray`` and ``bench`` extras).

The workload: ``--papers`` synthetic papers listed ``--per-day`` a day on consecutive days
from 2025-01-01 by a fake Hugging Face server, each with a generated LaTeXML arXiv HTML page
(bench/scale.py's generator: sections, inline math, a results table, a bibliography) that a
fake arXiv renders on request, and a fake OpenAI-compatible LLM that answers every request
after a fixed ``--llm-latency`` seconds with a valid summary quoting the page (so
verification has claims to trace). Fakes run in a separate process; politeness limits are
raised to 1000 requests/s per role (the fakes need no politeness; real arXiv at 1 request/s
bounds any engine, see docs/backfill.md).

Each measurement is a fresh child process with a fresh data directory, pinned to the first
``k`` CPUs (``os.sched_setaffinity``; Ray's workers inherit it, and Ray gets
``num_cpus=k``): ``paperdigest.backfill.run_backfill`` over every day, timed from the call
to its return (Ray's start-up is outside the timing; its actors' start-up is inside).
The child prints papers/s and its peak RSS (``ru_maxrss``, the driver only: Ray workers
are other processes).

Output: one line per run, then the ratios ray/local at each CPU count, and the ray driver's
peak RSS at the ``--memory-at`` sizes and their ratio (flat: the driver holds no list of all
papers; target <= 1.3).
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # tests.fakes and bench.scale

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

#: Peak driver RSS at the largest size may be at most this multiple of the smallest's.
RSS_TARGET = 1.3
START = date(2025, 1, 1)
SEED = 7


def day_items(papers: int, per_day: int) -> dict[str, list[dict[str, Any]]]:
    """HF API items per day for the synthetic papers (SYNTHESIZED, not recordings)."""
    from bench.scale import synth_paper

    days: dict[str, list[dict[str, Any]]] = {}
    for index in range(papers):
        paper = synth_paper(SEED, index)
        day = (START + timedelta(days=index // per_day)).isoformat()
        item = {"paper": {"id": paper.arxiv_id, "title": paper.title,
                          "summary": paper.abstract, "upvotes": index % 97,
                          "publishedAt": f"{day}T00:00:00.000Z",
                          "authors": [{"name": a} for a in paper.authors]},
                "publishedAt": f"{day}T00:00:00.000Z", "title": paper.title,
                "summary": paper.abstract}
        days.setdefault(day, []).append(item)
    return days


def serve_fakes(conn: Connection, papers: int, per_day: int, latency: float) -> None:
    """Child process: fake HF, the lazy synthetic arXiv and the fixed-latency LLM."""
    from bench._synth_fakes import LeanLLM, SynthArxiv
    from bench.scale import fast_answer, synth_page
    from tests.fakes.servers import FakeHF

    page = functools.partial(synth_page, SEED)
    with FakeHF(None, days=day_items(papers, per_day)) as hf, SynthArxiv(page) as arxiv, \
            LeanLLM(fast_answer, model="fast-fake", delay=latency) as llm:
        conn.send({"hf_url": hf.url, "arxiv_url": arxiv.url, "arxiv_api_url": arxiv.api_url,
                   "llm_url": llm.base_url})
        conn.recv()  # "stop"
    conn.close()


# --------------------------------------------------------------------------- child run


def child(args: argparse.Namespace) -> None:
    """One measured backfill (in a fresh process); prints one JSON line."""
    from paperdigest.backfill import BackfillOptions, run_backfill
    from paperdigest.config import Settings
    from paperdigest.pipeline import RunOptions

    cpus = sorted(os.sched_getaffinity(0))[: args.cpus]
    os.sched_setaffinity(0, cpus)
    urls = json.loads(args.urls)
    home = Path(tempfile.mkdtemp(prefix="paperdigest-bench-backfill-"))
    settings = Settings.model_validate({
        "home": str(home), "backend": "openai", "concurrency": 8,
        "llm": {"base_url": urls["llm_url"], "model": "fast-fake", "api_key": "sk-bench"},
        "endpoints": {"hf_url": urls["hf_url"], "arxiv_url": urls["arxiv_url"],
                      "arxiv_api_url": urls["arxiv_api_url"]},
        "limits": {"hf": 1000.0, "arxiv": 1000.0, "arxiv_api": 1000.0, "llm": 1000.0},
        "http": {"cache": False},
    })
    options = BackfillOptions(engine=args.engine, ray_cpus=args.cpus,
                              fetch_workers=args.cpus, llm_workers=args.cpus,
                              batch_size=16)
    if args.engine == "ray":
        from paperdigest.backfill.ray_engine import connect

        connect(options)  # Ray's own start-up is not the engine's throughput
    days = -(-args.papers // args.per_day)
    started = time.monotonic()
    result = run_backfill(settings, START, START + timedelta(days=days - 1), options=options,
                          run_options=RunOptions(lang="zh"))
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    stats = result.stats
    print(json.dumps({"engine": args.engine, "cpus": len(cpus), "papers": stats.papers,
                      "done": result.summarized, "failed": stats.failed, "seconds": seconds,
                      "papers_per_s": stats.papers / seconds, "peak_rss": peak}))
    if args.engine == "ray":
        import ray

        ray.shutdown()


def run_child(urls: dict[str, str], engine: str, cpus: int, papers: int,
              per_day: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", "--engine", engine, "--cpus", str(cpus),
           "--papers", str(papers), "--per-day", str(per_day), "--urls", json.dumps(urls)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=REPO)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"bench: FAILED: {engine} at {cpus} CPU(s) exited {proc.returncode}")
    data: dict[str, Any] = json.loads(lines[-1])
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=5000)
    parser.add_argument("--per-day", type=int, default=50)
    parser.add_argument("--llm-latency", type=float, default=0.05)
    parser.add_argument("--cpus", default="1,2", help="CPU counts to compare (e.g. 1,2)")
    parser.add_argument("--memory-at", default="1000,5000",
                        help="paper counts at which to read the ray driver's peak RSS")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", default="local", help=argparse.SUPPRESS)
    parser.add_argument("--urls", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.cpus = int(args.cpus)
        child(args)
        return
    try:
        import ray  # noqa: F401
    except ImportError:
        raise SystemExit("bench: needs Ray: pip install -e '.[ray,bench]'") from None

    cpu_counts = [int(c) for c in args.cpus.split(",")]
    sizes = [int(n) for n in args.memory_at.split(",")]
    available = len(os.sched_getaffinity(0))
    if max(cpu_counts) > available:
        raise SystemExit(f"bench: only {available} CPU(s) available here")
    biggest = max([args.papers, *sizes])
    parent, child_conn = multiprocessing.Pipe()
    fakes = multiprocessing.get_context("spawn").Process(
        target=serve_fakes, args=(child_conn, biggest, args.per_day, args.llm_latency),
        daemon=True)
    fakes.start()
    urls = parent.recv()
    print(f"workload: {args.papers} synthetic papers (HTML), {args.per_day}/day, fake LLM "
          f"{args.llm_latency * 1000:.0f} ms/answer, limits 1000 req/s; "
          f"{available} CPU(s) here, load {os.getloadavg()[0]:.1f}", flush=True)
    rates: dict[tuple[str, int], float] = {}
    peaks: dict[int, int] = {}
    try:
        for cpus in cpu_counts:
            for engine in ("local", "ray"):
                res = run_child(urls, engine, cpus, args.papers, args.per_day)
                rates[(engine, cpus)] = res["papers_per_s"]
                if engine == "ray" and cpus == max(cpu_counts):
                    peaks[args.papers] = res["peak_rss"]
                print(f"{engine:5s} {cpus} CPU: {res['papers']} papers ({res['failed']} "
                      f"failed) in {res['seconds']:.1f} s = {res['papers_per_s']:.1f} "
                      f"papers/s; driver peak RSS {res['peak_rss'] / 2**20:.0f} MiB",
                      flush=True)
        for size in sizes:
            if size not in peaks:
                res = run_child(urls, "ray", max(cpu_counts), size, args.per_day)
                peaks[size] = res["peak_rss"]
                print(f"ray   {max(cpu_counts)} CPU: {size} papers: driver peak RSS "
                      f"{res['peak_rss'] / 2**20:.0f} MiB", flush=True)
    finally:
        parent.send("stop")
        fakes.join(timeout=10)
    for cpus in cpu_counts:
        print(f"ratio ray/local at {cpus} CPU: "
              f"{rates[('ray', cpus)] / rates[('local', cpus)]:.2f}")
    small, large = min(sizes), max(sizes)
    ratio = peaks[large] / peaks[small]
    print(f"ray driver peak RSS {large}/{small} papers: {peaks[large] / 2**20:.0f}/"
          f"{peaks[small] / 2**20:.0f} MiB = {ratio:.2f} (target <= {RSS_TARGET})")
    if ratio > RSS_TARGET:
        print("bench: FAILED: the driver's memory grows with the number of papers",
              file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
