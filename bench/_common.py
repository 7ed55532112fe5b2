"""Shared helpers for the day benchmarks: the offline world a whole day runs against.

``bench/day.py`` and ``bench/rerun.py`` run a real day of Hugging Face Daily Papers
(``corpus/hf_api/daily_papers_2026-01-30.json``, 45 papers) through ``paperdigest run``
against the loopback fakes of ``tests/fakes``: FakeHF serves the recorded list, FakeArxiv
serves one recorded LaTeXML page per paper (the corpus has no full text for these 45 ids, so
each id is mapped round robin onto one of ``corpus/arxiv_html/*.html``; every paper then costs
exactly one arXiv request, HTML 200), and FakeLLM answers each chat request with the
reference report's summary for that id (the replay responder), after a fixed delay.

Nothing is downloaded and nothing is cached between runs: each run gets a fresh
``PAPERDIGEST_HOME`` (store and HTTP cache) unless a benchmark reuses one on purpose.

The benchmarks are scripts, not tests; they need ``../shared`` (override with
``PAPERDIGEST_CORPUS``, as in ``tests/conftest.py``) and exit with a clear message without it.
"""

from __future__ import annotations

import contextlib
import copy
import heapq
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

REPO = Path(__file__).resolve().parent.parent
# ``python bench/day.py`` puts bench/ on sys.path, not the repo root: add it so that
# ``tests.fakes`` (the loopback servers shared with the test suite) can be imported.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CORPUS = Path(os.environ.get("PAPERDIGEST_CORPUS", REPO.parent / "shared" / "corpus"))
REFERENCE = CORPUS.parent / "reference" / "daily_report_2026-01-31.md"

#: The recorded day: 45 papers, fetched 2026-01-31 03:24 UTC (corpus/SOURCES.md).
DAY = "2026-01-30"
DAY_FILE = f"daily_papers_{DAY}.json"
MAX_PAPERS = 45

#: A "now" at which DAY is settled (more than 36 h after its UTC end, DESIGN §5); used only
#: when the machine's clock is earlier than that, so a rerun never re-lists the day.
SETTLED_NOW = "2026-02-02T00:00:00+00:00"

# Environment variables that would let the caller's own configuration leak into a run
# (same prefixes as tests/conftest.py clears).
_ENV_PREFIXES = ("PAPERDIGEST_", "OPENAI_", "HF_ENDPOINT", "DEEPSEEK_")


#: What ``paperdigest run --backend openai`` imports before it does any work.
RUN_MODULES = ("paperdigest.cli", "paperdigest.cli.run", "paperdigest.pipeline",
               "paperdigest.summarize", "paperdigest.summarize.openai",
               "paperdigest.extract.html", "paperdigest.render.markdown",
               "paperdigest.render.json")


def warm_imports() -> None:
    """Import :data:`RUN_MODULES` now.

    The run imports them lazily; without this the first timed run would pay for them (the
    OpenAI SDK alone takes about a second) and the second would not. The ideal bound does
    not model imports, and a cold process is measured separately where it matters.
    """
    import importlib

    for name in RUN_MODULES:
        importlib.import_module(name)


def require_shared() -> tuple[Path, Path]:
    """The corpus and the reference report; exits with a message when ../shared is absent."""
    missing = [p for p in (CORPUS / "hf_api" / DAY_FILE, CORPUS / "arxiv_html", REFERENCE)
               if not p.exists()]
    if missing:
        sys.exit(
            "bench: needs the shared corpus next to the repository (../shared/corpus and "
            "../shared/reference), or PAPERDIGEST_CORPUS=/path/to/shared/corpus; missing: "
            + ", ".join(str(p) for p in missing)
        )
    return CORPUS, REFERENCE


def day_items(corpus: Path, papers: int) -> list[dict[str, Any]]:
    """The first ``papers`` items of the recorded day (API order)."""
    items: list[dict[str, Any]] = json.loads(
        (corpus / "hf_api" / DAY_FILE).read_text(encoding="utf-8"))
    if not 1 <= papers <= len(items):
        sys.exit(f"bench: --papers must be between 1 and {len(items)} (the recorded day)")
    return items[:papers]


def html_round_robin(corpus: Path, ids: list[str]) -> dict[str, Path]:
    """Map each id onto one recorded arXiv HTML page, round robin over the sorted pages."""
    pages = sorted((corpus / "arxiv_html").glob("*.html"))
    if not pages:
        sys.exit(f"bench: no HTML pages in {corpus / 'arxiv_html'}")
    return {arxiv_id: pages[i % len(pages)] for i, arxiv_id in enumerate(ids)}


def listed_as_page(items: list[dict[str, Any]], html: dict[str, Path]) -> list[dict[str, Any]]:
    """``items`` with each paper listed under the title of the page it is served (copies).

    SYNTHESIZED: the round-robin page is another paper's, and the fetch chain rejects a page
    whose title does not match the listed one (``extract.html.check_html``: "wrong document"),
    so each item's titles are replaced by the page's own title (read by our extractor).
    """
    from paperdigest.extract.html import extract_html

    titles = {path: extract_html(path.read_bytes()).title for path in set(html.values())}
    listed = copy.deepcopy(items)
    for item in listed:
        title = titles[html[item["paper"]["id"]]]
        item["paper"]["title"] = item["title"] = title
    return listed


def replay_responder(reference: Path) -> Any:
    """FakeLLM responder: the reference report's summary for the prompt's ``arXiv:`` id."""
    from tests.fakes.llm import arxiv_id_of, mode_of
    from tests.fakes.replay import load_reference_summaries, replay_answer

    entries = load_reference_summaries(reference)

    def responder(request: dict[str, Any]) -> str:
        return replay_answer(entries[arxiv_id_of(request)], as_json=mode_of(request) != "text")

    return responder


def ideal_makespan(papers: int, arxiv_per_paper: int, rate: float, delay: float,
                   concurrency: int) -> float:
    """Makespan of the ideal schedule of a day, from configuration only (never measured).

    Model: arXiv request ``k`` (k = 0 … n-1, n = papers × arxiv_per_paper) starts at
    ``k / rate`` (the limiter spaces starts ``1/rate`` apart, the first one is free); every
    request, extraction and store write costs zero time; paper ``i`` may start its LLM call
    once its last arXiv request has started, on one of ``concurrency`` slots, and the call
    takes exactly ``delay``. Calls are placed in fetch order on the earliest free slot, which
    is optimal for equal-length jobs with release times, so no real run can beat this.

    In closed form this is at least ``max((n - 1) / rate + delay,
    ceil(papers / concurrency) × delay)``: the last fetch plus that paper's own LLM call, or
    the LLM work spread over the slots.
    """
    slots = [0.0] * concurrency
    end = 0.0
    for i in range(papers):
        ready = ((i + 1) * arxiv_per_paper - 1) / rate
        start = max(heapq.heappop(slots), ready)
        heapq.heappush(slots, start + delay)
        end = max(end, start + delay)
    return end


def closed_form_terms(papers: int, arxiv_per_paper: int, rate: float, delay: float,
                      concurrency: int) -> tuple[float, float]:
    """``((n - 1) / rate + delay, ceil(papers / concurrency) × delay)``."""
    n = papers * arxiv_per_paper
    return (n - 1) / rate + delay, math.ceil(papers / concurrency) * delay


@contextlib.contextmanager
def patched_env(values: dict[str, str]) -> Iterator[None]:
    """Run with only ``values`` among the paperdigest/OpenAI variables; restore afterwards."""
    saved = dict(os.environ)
    try:
        for key in list(os.environ):
            if key.startswith(_ENV_PREFIXES):
                del os.environ[key]
        os.environ.update(values)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@dataclass
class RunResult:
    """One ``paperdigest run`` of the day."""

    exit_code: int
    seconds: float
    """Wall time of the command (perf_counter around it)."""
    llm_calls: int
    """Chat requests the fake LLM received during this run."""
    hf_requests: int
    arxiv_requests: int
    """Requests to /html, /pdf and /api/query during this run."""
    html_requests: int = 0
    """Of those, requests to /html (the politely paced page fetches)."""
    outputs: list[Path] = field(default_factory=list)


class OfflineDay:
    """The fakes for one recorded day, started as a context manager.

    Args:
        papers: how many of the day's papers FakeHF lists (the first N, API order).
        llm_delay: seconds FakeLLM takes for every answer (server side).
        limits: requests per second per endpoint role (``hf``, ``arxiv``, ``arxiv_api``,
            ``llm``), written to ``./paperdigest.toml`` of each run.
    """

    def __init__(self, papers: int, llm_delay: float, limits: dict[str, float]) -> None:
        from tests.fakes.llm import FakeLLM
        from tests.fakes.servers import FakeArxiv, FakeHF

        corpus, reference = require_shared()
        self.items = day_items(corpus, papers)
        self.ids = [item["paper"]["id"] for item in self.items]
        self.html = html_round_robin(corpus, self.ids)
        self.items = listed_as_page(self.items, self.html)
        self.limits = limits
        self.hf = FakeHF(corpus, days={DAY: self.items})
        self.arxiv = FakeArxiv(None, html=self.html)
        self.llm = FakeLLM(replay_responder(reference), delay=llm_delay)
        self._tmp = tempfile.TemporaryDirectory(prefix="paperdigest-bench-")
        self.root = Path(self._tmp.name)

    def __enter__(self) -> Self:
        self.hf.start()
        self.arxiv.start()
        self.llm.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.llm.close()
        self.arxiv.stop()
        self.hf.stop()
        self._tmp.cleanup()

    @property
    def papers(self) -> int:
        return len(self.ids)

    def workdir(self, name: str) -> Path:
        """A fresh run directory ``name`` holding ``paperdigest.toml`` and ``home/``."""
        path = self.root / name
        (path / "home").mkdir(parents=True, exist_ok=False)
        toml = "[limits]\n" + "".join(f"{k} = {v!r}\n" for k, v in self.limits.items())
        (path / "paperdigest.toml").write_text(toml, encoding="utf-8")
        return path

    def env(self, workdir: Path) -> dict[str, str]:
        """The variables that point ``paperdigest run`` at the fakes and at ``workdir``."""
        from paperdigest.sources.hf import is_settled

        values = {
            "PAPERDIGEST_HOME": str(workdir / "home"),
            "PAPERDIGEST_HF_URL": self.hf.url,
            "PAPERDIGEST_ARXIV_URL": self.arxiv.url,
            "PAPERDIGEST_ARXIV_API_URL": self.arxiv.api_url,
            "OPENAI_BASE_URL": self.llm.base_url,
            "OPENAI_API_KEY": "sk-bench-replay",
        }
        from datetime import UTC, date, datetime

        if not is_settled(date.fromisoformat(DAY), datetime.now(UTC)):
            values["PAPERDIGEST_NOW"] = SETTLED_NOW
        return values

    def args(self, concurrency: int) -> list[str]:
        """``paperdigest run`` arguments (after the program name) for the day."""
        return ["run", "--date", DAY, "--backend", "openai", "--model", "replay",
                "--concurrency", str(concurrency), "--out", "out", "--quiet"]

    def _counts(self) -> tuple[int, int, int, int]:
        return self.llm.calls, self.hf.count(), self.arxiv.count(), self.arxiv.count("/html")

    def run_in_process(self, workdir: Path, concurrency: int) -> RunResult:
        """The day's run in this process through the library entry points
        (:func:`paperdigest.pipeline.open_pipeline` → :meth:`Pipeline.run`), timed; the same
        settings as ``paperdigest run`` with :meth:`args` (``--out out``)."""
        from paperdigest.clock import clock_from_env
        from paperdigest.config import load_settings
        from paperdigest.dates import parse_day
        from paperdigest.insights.hooks import InsightHooks
        from paperdigest.llm.client import forget_modes
        from paperdigest.pipeline import RunOptions, open_pipeline

        forget_modes()  # the learned response_format mode must not carry over between runs
        before = self._counts()
        cwd = Path.cwd()
        with patched_env(self.env(workdir)):
            os.chdir(workdir)
            try:
                started = time.perf_counter()
                flags = {"backend": "openai", "llm.model": "replay",
                         "concurrency": concurrency, "out": "out"}
                settings = load_settings(flags=flags).settings
                now = clock_from_env()
                options = RunOptions(lang=settings.lang, out=Path(settings.out))
                with open_pipeline(settings, options=options, now=now,
                                   hooks=InsightHooks()) as pipeline:  # as `run` does
                    result = pipeline.run([parse_day(DAY, now().date())])
                seconds = time.perf_counter() - started
            finally:
                os.chdir(cwd)
        return self._result(workdir, result.exit_code, seconds, before)

    def run_subprocess(self, workdir: Path, concurrency: int) -> RunResult:
        """``python -m paperdigest run`` as a new process (cold imports included), timed."""
        import subprocess

        before = self._counts()
        env = {k: v for k, v in os.environ.items() if not k.startswith(_ENV_PREFIXES)}
        env.update(self.env(workdir))
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "paperdigest", *self.args(concurrency)],
                              cwd=workdir, env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
        return self._result(workdir, proc.returncode, seconds, before)

    def _result(self, workdir: Path, code: int, seconds: float,
                before: tuple[int, int, int, int]) -> RunResult:
        after = self._counts()
        outputs = sorted((workdir / "out").glob(f"{DAY}.*")) if (workdir / "out").is_dir() else []
        return RunResult(exit_code=code, seconds=seconds, llm_calls=after[0] - before[0],
                         hf_requests=after[1] - before[1],
                         arxiv_requests=after[2] - before[2],
                         html_requests=after[3] - before[3], outputs=outputs)


def source_kinds(result: RunResult) -> dict[str, int]:
    """How many papers of the run's JSON report were read from each source kind."""
    path = next((p for p in result.outputs if p.suffix == ".json"), None)
    if path is None:
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    kinds: dict[str, int] = {}
    for paper in data["papers"]:
        kind = paper.get("source") or "none"
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def fail(message: str) -> None:
    """Stop the benchmark: a result that breaks its own premise is not a figure."""
    sys.exit(f"bench: FAILED: {message}")
