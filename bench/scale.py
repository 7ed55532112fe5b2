"""Scale benchmark: thousands of synthetic papers through the whole pipeline, memory flat.

Run: ``python bench/scale.py [--papers 2000] [--checkpoint 200] [--quick]`` (not a test;
needs the ``bench`` extra for psutil).

What runs: N synthetic LaTeXML-like arXiv HTML pages (seeded, deterministic: title, abstract,
5-8 ``section.ltx_section``, paragraphs with numbers, CamelCase names and inline ``math``
with ``alttext``, one ``figure.ltx_table`` with a ``table.ltx_tabular``, a bibliography) go
through the real :class:`~paperdigest.pipeline.Pipeline`: fetch over loopback HTTP →
extract → pack → summarize with the OpenAI-compatible backend → verify → SQLite store, with
the settings a user would have (HTTP response cache on unless ``--no-http-cache``) except
fast rate limits (1000 requests/s per role) and a fresh temporary ``PAPERDIGEST_HOME``.

The fakes live in a *separate process* (``multiprocessing`` spawn): the arXiv fake renders
each page only when it is requested, and the fake LLM answers at once with a valid JSON
summary built from the request (it quotes the first CamelCase name and the first
percentage of the paper text in the prompt, so verification has claims to trace). Every tenth
paper's summary also names ``PhantomBench``, which no page contains: the benchmark checks
that verification flags exactly those, so a pipeline that skipped verification would show.
The bench process therefore measures the pipeline's memory, not the fakes'.

Papers are fed in chunks (``--chunk``, default 200) to :meth:`Pipeline.process_all`, one
pipeline and one store for the whole run, like a backfill; each chunk's reports are counted
and dropped. Peak RSS is ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (a lifetime peak)
read at the checkpoint and at the end; the current RSS (psutil) is printed per chunk so a
slow leak shows as a trend. ``--tracemalloc`` adds a snapshot diff between the checkpoint
and the end (slower, and tracemalloc's own bookkeeping raises the RSS figures).

The last line is always the RSS ratio, e.g.
``rss ratio peak@2000/peak@200: 1.08 (target <= 1.3)``. Before it, ``bench: FAILED: …`` goes
to stderr, and the exit status is 1, when the ratio misses the target, a paper failed or was
not read from HTML, or verification did not flag exactly the planted claims.
"""

from __future__ import annotations

import argparse
import functools
import gc
import html
import logging
import multiprocessing
import random
import re
import resource
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # tests.fakes: the loopback fakes are test code

from paperdigest.config import (
    EndpointSettings,
    HTTPSettings,
    LimitSettings,
    LLMSettings,
    Settings,
)
from paperdigest.models import PaperRef

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from paperdigest.models import PaperReport

logger = logging.getLogger(__name__)

#: Peak RSS at the end may be at most this multiple of the peak at the checkpoint (the
#: task's target: memory stays flat when ten times more papers go through one process).
RSS_TARGET = 1.3
#: Requests per second per endpoint role: fast enough that pacing is not what is measured.
FAST_LIMIT = 1000.0
#: Synthetic ids are ``2602.NNNNN`` starting here (5-digit numbers, valid new-style ids).
ID_BASE = 10000
#: Every PLANT_EVERY-th paper's summary names PLANTED, which no synthetic page contains.
PLANT_EVERY = 10
PLANTED = "PhantomBench"
MIB = 1024 * 1024

# --------------------------------------------------------------------------- synthetic papers

_PREFIXES = ["Meta", "Deep", "Graph", "Vision", "Flow", "Sparse", "Token", "Code", "Agent",
             "Robo", "Neuro", "Quant", "Hyper", "Omni", "Tiny", "Long", "Chain", "Pixel"]
_SUFFIXES = ["Former", "Net", "Bench", "Mix", "Align", "Router", "Coder", "Planner", "Diff",
             "Search", "Reason", "Tune", "Gate", "Mem", "Scope", "Eval"]
_NOUNS = ["attention", "retrieval", "alignment", "reasoning", "planning", "distillation",
          "quantization", "tokenization", "decoding", "pretraining", "evaluation", "routing"]
_ADJS = ["efficient", "robust", "scalable", "sparse", "adaptive", "hierarchical", "unified",
         "lightweight", "multimodal", "contrastive"]
_TOPICS = ["language models", "vision transformers", "web agents", "code generation",
           "speech recognition", "protein design", "robot manipulation", "video synthesis"]
_HEADINGS = ["Introduction", "Related Work", "Preliminaries", "Method", "Training Setup",
             "Experiments", "Ablation Study", "Analysis", "Limitations", "Conclusion"]
_FILLER = ("We study how {noun} interacts with {adj} {noun2} when the budget is fixed, and "
           "we find that the gap widens as the model grows. ")
_MATH = [r"\alpha=0.5", r"\mathcal{L}=\sum_{i}\ell_{i}", r"\beta\in[0,1]",
         r"O(n\log n)", r"\lambda_{\mathrm{kl}}"]


def paper_id(index: int) -> str:
    """The synthetic arXiv id of paper ``index`` (0-based)."""
    return f"2602.{ID_BASE + index:05d}"


def index_of(arxiv_id: str) -> int | None:
    """Inverse of :func:`paper_id`; ``None`` for ids that are not synthetic."""
    match = re.fullmatch(r"2602\.(\d{5})", arxiv_id)
    return int(match.group(1)) - ID_BASE if match else None


@dataclass
class SynthPaper:
    """One synthetic paper, fully determined by (seed, index)."""

    arxiv_id: str
    title: str
    abstract: str
    authors: list[str]
    names: list[str]
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)
    table_caption: str = ""
    table_section: int = 0

    def html(self, version: int = 1) -> bytes:
        """The paper as a LaTeXML page (the structure of the 2025/2026 arXiv chrome)."""
        esc = html.escape
        out = [
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
            f"<title>{esc(self.title)}</title>",
            f"<base href=\"/html/{self.arxiv_id}v{version}/\"></head><body>",
            "<div class=\"ltx_page_main\"><div class=\"ltx_page_content\">",
            "<article class=\"ltx_document ltx_authors_1line\">",
            f"<h1 class=\"ltx_title ltx_title_document\">{esc(self.title)}</h1>",
            "<div class=\"ltx_authors\">",
            *(f"<span class=\"ltx_creator ltx_role_author\"><span class=\"ltx_personname\">"
              f"{esc(a)}</span></span>" for a in self.authors),
            "</div><div class=\"ltx_abstract\">",
            "<h6 class=\"ltx_title ltx_title_abstract\">Abstract</h6>",
            f"<p class=\"ltx_p\">{esc(self.abstract)}</p></div>",
        ]
        for s, (heading, paragraphs) in enumerate(self.sections, start=1):
            out.append(f"<section class=\"ltx_section\" id=\"S{s}\">"
                       f"<h2 class=\"ltx_title ltx_title_section\">"
                       f"<span class=\"ltx_tag ltx_tag_section\">{s} </span>{esc(heading)}</h2>")
            for p, text in enumerate(paragraphs, start=1):
                out.append(f"<div class=\"ltx_para\" id=\"S{s}.p{p}\">"
                           f"<p class=\"ltx_p\">{_inline_math(text, f'S{s}.p{p}')}</p></div>")
            if s == self.table_section:
                out.append(self._table_html(s))
            out.append("</section>")
        out.append("<section class=\"ltx_bibliography\" id=\"bib\">"
                   "<h2 class=\"ltx_title ltx_title_bibliography\">References</h2>"
                   "<ul class=\"ltx_biblist\">")
        for b, name in enumerate(self.names, start=1):
            out.append(f"<li class=\"ltx_bibitem\" id=\"bib.bib{b}\">"
                       f"<span class=\"ltx_tag ltx_tag_bibitem\">[{b}]</span>"
                       f"<span class=\"ltx_bibblock\">A. Author. {esc(name)}: a baseline. "
                       f"In Proc. of a Venue, 2025.</span></li>")
        out.append("</ul></section></article></div></div></body></html>")
        return "\n".join(out).encode("utf-8")

    def _table_html(self, s: int) -> str:
        rows = []
        for r, row in enumerate(self.table_rows):
            cells = "".join(
                f"<td class=\"ltx_td ltx_align_{'left' if c == 0 else 'center'}"
                f"{' ltx_border_t' if r == 0 else ''}\">{html.escape(cell)}</td>"
                for c, cell in enumerate(row)
            )
            rows.append(f"<tr class=\"ltx_tr\">{cells}</tr>")
        return (f"<figure class=\"ltx_table\" id=\"S{s}.T1\"><figcaption class=\"ltx_caption\">"
                f"<span class=\"ltx_tag ltx_tag_table\">Table 1: </span>"
                f"{html.escape(self.table_caption)}</figcaption>"
                f"<table class=\"ltx_tabular ltx_align_middle\"><tbody class=\"ltx_tbody\">"
                f"{''.join(rows)}</tbody></table></figure>")


def _inline_math(text: str, anchor: str) -> str:
    """Escape ``text`` and turn each ``$tex$`` span into a LaTeXML ``math`` element."""
    parts = text.split("$")
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out.append(html.escape(part))
        else:
            tex = html.escape(part, quote=True)
            out.append(f"<math alttext=\"{tex}\" class=\"ltx_Math\" display=\"inline\" "
                       f"id=\"{anchor}.m{i // 2 + 1}\"><semantics><mi>x</mi>"
                       f"<annotation encoding=\"application/x-tex\">{tex}</annotation>"
                       f"</semantics></math>")
    return "".join(out)


def synth_paper(seed: int, index: int) -> SynthPaper:
    """Build paper ``index`` deterministically (string seeds hash the same in every process)."""
    rng = random.Random(f"paperdigest-scale:{seed}:{index}")
    names = sorted({rng.choice(_PREFIXES) + rng.choice(_SUFFIXES) for _ in range(6)})
    ours = names[0]
    bench = rng.choice(names[1:]) if len(names) > 1 else ours + "Eval"
    score = f"{rng.uniform(40, 95):.1f}"
    gain = f"{rng.uniform(1, 15):.1f}"
    title = (f"{ours}: {rng.choice(_ADJS).capitalize()} {rng.choice(_NOUNS)} for "
             f"{rng.choice(_TOPICS)}")
    abstract = (f"We present {ours}, a {rng.choice(_ADJS)} approach to {rng.choice(_NOUNS)} "
                f"for {rng.choice(_TOPICS)}. On {bench}, {ours} reaches {score}% accuracy, "
                f"{gain} points above the strongest baseline, while using "
                f"{rng.randint(2, 64)} GPUs for {rng.randint(3, 48)} hours. "
                f"Code is released with the paper.")
    headings = ["Introduction", *rng.sample(_HEADINGS[1:-1], rng.randint(3, 6)), "Conclusion"]
    sections = []
    for heading in headings:
        paragraphs = []
        for _ in range(rng.randint(3, 6)):
            sentences = []
            for _ in range(rng.randint(4, 7)):
                kind = rng.random()
                if kind < 0.35:
                    sentences.append(
                        f"{rng.choice(names)} improves {rng.choice(_NOUNS)} by "
                        f"{rng.uniform(0.5, 30):.2f}% over {rng.choice(names)} with "
                        f"{rng.randint(1, 512):,} samples. ")
                elif kind < 0.55:
                    sentences.append(
                        f"We set ${rng.choice(_MATH)}$ and train for {rng.randint(1, 90)} "
                        f"epochs on {rng.randint(1, 16)} A100 GPUs. ")
                else:
                    sentences.append(_FILLER.format(noun=rng.choice(_NOUNS),
                                                    adj=rng.choice(_ADJS),
                                                    noun2=rng.choice(_NOUNS)))
            paragraphs.append("".join(sentences).strip())
        sections.append((heading, paragraphs))
    table_rows = [["Model", bench, "Latency (ms)", "Params"]]
    for name in rng.sample(names[1:], min(4, len(names) - 1)):
        table_rows.append([name, f"{rng.uniform(30, 95):.1f}", f"{rng.uniform(5, 400):.1f}",
                           f"{rng.choice([1.3, 7, 13, 70])}B"])
    table_rows.append([ours, score, f"{rng.uniform(5, 400):.1f}", "7B"])
    return SynthPaper(
        arxiv_id=paper_id(index),
        title=title,
        abstract=abstract,
        authors=[f"{rng.choice(['A.', 'B.', 'C.', 'D.'])} {rng.choice(_PREFIXES)}son"
                 for _ in range(rng.randint(1, 4))],
        names=names,
        sections=sections,
        table_rows=table_rows,
        table_caption=f"Results on {bench}. Higher is better; {ours} is ours.",
        table_section=headings.index("Conclusion"),  # the section before Conclusion
    )


def synth_page(seed: int, arxiv_id: str, version: int) -> str | None:
    """The LaTeXML page of synthetic paper ``arxiv_id`` (no version), or ``None`` when the id
    is not one of :func:`paper_id`'s."""
    index = index_of(arxiv_id)
    return None if index is None else synth_paper(seed, index).html(version)


def synth_ref(seed: int, index: int) -> PaperRef:
    """The listing entry (HF-like PaperRef) for paper ``index``; no version, like HF ids."""
    paper = synth_paper(seed, index)
    return PaperRef(
        arxiv_id=paper.arxiv_id,
        title=paper.title,
        authors=paper.authors,
        abstract=paper.abstract,
        upvotes=index % 97,
        published_at="2026-02-01T00:00:00.000Z",
        listed_date="2026-02-02",
    )


# --------------------------------------------------------------------------- fakes (child process)

_NAME_RE = re.compile(r"\b[A-Z][a-z]+[A-Z][A-Za-z]*\b")
#: A percentage such as ``79.0%`` (never an arXiv id such as ``2602.10003``).
_NUMBER_RE = re.compile(r"(?<![\w.])\d{1,3}\.\d{1,2}%")
_ARXIV_RE = re.compile(r"arXiv:\s*(\d{4}\.\d{4,5})")


def fast_answer(request: dict[str, Any]) -> dict[str, Any]:
    """A valid PaperSummary JSON built from the request's paper text (no delay).

    Quotes the first CamelCase name and the first percentage of the ``<paper>`` text so
    that verification traces them; every PLANT_EVERY-th paper also names PLANTED.
    """
    prompt = "\n".join(str(m.get("content") or "") for m in request.get("messages", []))
    paper = prompt.split("<paper>", 1)[-1]
    name_match = _NAME_RE.search(paper)
    number_match = _NUMBER_RE.search(paper)
    name = name_match.group(0) if name_match else "论文未提及"
    number = number_match.group(0) if number_match else "论文未提及"
    results = [{"setting": f"{name} 主实验", "finding": f"主要指标达到 {number}。"}]
    id_match = _ARXIV_RE.search(prompt)
    index = index_of(id_match.group(1)) if id_match else None
    if index is not None and index % PLANT_EVERY == 0:
        results.append({"setting": PLANTED, "finding": "在该基准上表现最好。"})
    return {
        "domain": "机器学习 - 合成基准",
        "contribution": f"提出 {name}，主要指标达到 {number}。",
        "usage": {"input": "论文未提及", "output": "论文未提及", "workflow": "论文未提及",
                  "hardware": "论文未提及", "code_and_resources": "论文未提及"},
        "innovations": [{"title": name, "detail": f"{name} 的核心设计。"}],
        "results": results,
    }


def serve_fakes(conn: Connection, seed: int) -> None:
    """Child process: run the lazy arXiv fake and the fast LLM until told to stop."""
    from bench._synth_fakes import LeanLLM, SynthArxiv

    with SynthArxiv(functools.partial(synth_page, seed)) as arxiv, LeanLLM(fast_answer, model="fast-fake") as llm:
        arxiv.validators = True
        conn.send({"arxiv_url": arxiv.url, "arxiv_api_url": arxiv.api_url,
                   "llm_url": llm.base_url})
        conn.recv()  # "stop"
        conn.send({"html_requests": arxiv.count("/html/"), "other_requests":
                   arxiv.count("/") - arxiv.count("/html/"), "llm_calls": llm.calls,
                   "llm_max_concurrent": llm.max_concurrent})
    conn.close()


# --------------------------------------------------------------------------- measurement


def peak_rss() -> int:
    """Lifetime peak RSS of this process in bytes (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def current_rss() -> int:
    import psutil  # type: ignore[import-untyped]

    return int(psutil.Process().memory_info().rss)


def sqlite_memory() -> int | None:
    """Bytes SQLite's allocator holds now (page caches of every connection), if readable.

    ``sqlite3_memory_used`` is outside Python's heap, so tracemalloc never sees it.
    """
    import ctypes

    try:
        import _sqlite3

        used = ctypes.CDLL(_sqlite3.__file__).sqlite3_memory_used
    except (ImportError, OSError, AttributeError):
        return None
    used.restype = ctypes.c_int64
    return int(used())


def rss_parts() -> str:
    """Linux's split of the current RSS: anonymous (heaps), file-backed and shared pages."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return ""
    parts = dict(re.findall(r"^(RssAnon|RssFile|RssShmem):\s+(\d+) kB", status, re.MULTILINE))
    text = ", ".join(f"{k[3:].lower()} {int(v) / 1024:.1f}" for k, v in parts.items())
    sqlite = sqlite_memory()
    return text + (f"; SQLite {sqlite / MIB:.1f}" if sqlite is not None else "")


@dataclass
class Tally:
    papers: int = 0
    done: int = 0
    failed: int = 0
    html: int = 0
    claims: int = 0
    untraced: int = 0
    untraced_planted: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, reports: list[PaperReport]) -> None:
        for report in reports:
            self.papers += 1
            if report.failure is not None:
                self.failed += 1
                if len(self.failures) < 5:
                    self.failures.append(f"{report.ref.arxiv_id}: {report.failure.stage}: "
                                         f"{report.failure.reason}")
                continue
            self.done += 1
            self.html += report.source_kind == "HTML"
            if report.verification is not None:
                self.claims += len(report.verification.claims)
                untraced = [c.text for c in report.verification.untraced]
                self.untraced += len(untraced)
                self.untraced_planted += untraced.count(PLANTED)


def make_settings(home: Path, urls: dict[str, str], *, cache: bool, concurrency: int) -> Settings:
    return Settings(
        backend="openai",
        lang="zh",
        concurrency=concurrency,
        home=str(home),
        out=str(home / "out"),
        llm=LLMSettings(base_url=urls["llm_url"], model="fast-fake", api_key="sk-bench"),
        limits=LimitSettings(hf=FAST_LIMIT, arxiv=FAST_LIMIT, arxiv_api=FAST_LIMIT,
                             llm=FAST_LIMIT),
        endpoints=EndpointSettings(arxiv_url=urls["arxiv_url"],
                                   arxiv_api_url=urls["arxiv_api_url"]),
        http=HTTPSettings(cache=cache),
    )


def run_bench(args: argparse.Namespace) -> int:
    from paperdigest.pipeline import Pipeline, RunOptions
    from paperdigest.runtime import open_http, open_store
    from paperdigest.summarize import make_summarizer

    total, checkpoint, chunk = args.papers, args.checkpoint, args.chunk
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=serve_fakes, args=(child, args.seed), daemon=True)
    proc.start()
    urls: dict[str, str] = parent.recv()
    if args.tracemalloc:
        tracemalloc.start(args.tracemalloc_frames)
    print(f"scale: {total:,} synthetic LaTeXML papers (seed {args.seed}) through fetch → "
          f"extract → pack → summarize (openai backend, fast fake LLM, 0 ms) → verify → store")
    print(f"settings: concurrency {args.concurrency}, limits {FAST_LIMIT:.0f}/s per role, "
          f"HTTP cache {'on' if not args.no_http_cache else 'off'}, chunks of {chunk} per "
          f"process_all, fakes in a separate process (pid {proc.pid})")
    # Ideal bounds from the configured limits, not measured (DESIGN §6): one HTML request
    # and one LLM call per paper, each role paced at FAST_LIMIT requests/s.
    print(f"ideal bound from limits: {total:,} arXiv requests and {total:,} LLM calls at "
          f"{FAST_LIMIT:.0f}/s each → ≥ {total / FAST_LIMIT:.1f} s "
          f"(≤ {FAST_LIMIT:.0f} papers/s)")

    tally = Tally()
    phases: list[tuple[int, float, int, int]] = []  # (papers, seconds, peak, current)
    snapshot: tracemalloc.Snapshot | None = None
    with tempfile.TemporaryDirectory(prefix="paperdigest-scale-") as tmp:
        home = Path(tmp)
        settings = make_settings(home, urls, cache=not args.no_http_cache,
                                 concurrency=args.concurrency)
        store = open_store(settings)
        http = open_http(settings)
        summarizer = make_summarizer(settings, "openai")
        pipeline = Pipeline(settings, store, http, summarizer, options=RunOptions(lang="zh"))
        try:
            start = 0
            for stop in (min(checkpoint, total), total):
                if stop <= start:
                    continue
                began = time.perf_counter()
                for lo in range(start, stop, chunk):
                    hi = min(lo + chunk, stop)
                    refs = [synth_ref(args.seed, i) for i in range(lo, hi)]
                    reports = pipeline.process_all(refs)
                    tally.add(reports)
                    del refs, reports
                    if args.verbose:
                        traced = (f", traced by tracemalloc {_traced_mib():.1f} MiB"
                                  if args.tracemalloc else "")
                        print(f"  {hi:>6,} papers: RSS {current_rss() / MIB:6.1f} MiB "
                              f"({rss_parts()}), peak {peak_rss() / MIB:6.1f} MiB{traced}")
                seconds = time.perf_counter() - began
                gc.collect()
                phases.append((stop - start, seconds, peak_rss(), current_rss()))
                label = f"@{stop}"
                print(f"{label:>7}: {stop - start:,} papers in {seconds:.1f} s = "
                      f"{(stop - start) / seconds:.1f} papers/s; peak RSS "
                      f"{phases[-1][2] / MIB:.1f} MiB (now {phases[-1][3] / MIB:.1f} MiB)")
                if args.tracemalloc:
                    if snapshot is None:
                        snapshot = tracemalloc.take_snapshot()
                    else:
                        _print_growth(snapshot, tracemalloc.take_snapshot())
                start = stop
            sample = store.get_document(paper_id(0))
            stored = store.conn.execute("SELECT count(*) FROM summaries").fetchone()[0]
        finally:
            http.close()
            store.close()
            parent.send("stop")
            served: dict[str, int] = parent.recv()
            proc.join(timeout=10)
        db_mib = sum(p.stat().st_size for p in home.rglob("*.sqlite3*")) / MIB

    planted = sum(1 for i in range(tally.papers) if i % PLANT_EVERY == 0)
    print(f"done {tally.done:,}, failed {tally.failed:,}; read from HTML {tally.html:,}; "
          f"stored summaries {stored:,}; store+cache on disk {db_mib:.1f} MiB")
    for line in tally.failures:
        print(f"  failed: {line}")
    print(f"verification: {tally.claims:,} claims checked, {tally.untraced:,} untraced "
          f"({tally.untraced_planted:,} of {planted:,} planted '{PLANTED}' flagged)")
    print(f"fakes served: {served['html_requests']:,} HTML pages, "
          f"{served['other_requests']:,} other requests, {served['llm_calls']:,} LLM calls "
          f"(peak {served['llm_max_concurrent']} concurrent)")
    if sample is not None:
        print(f"sample {sample.arxiv_id}: {sample.source_kind} v{sample.version}, "
              f"{len(sample.sections)} sections, {len(sample.tables)} table(s) "
              f"({len(sample.tables[0].markdown.splitlines()) if sample.tables else 0} lines), "
              f"{sum(p.count('$') // 2 for s in sample.sections for p in s.paragraphs)} TeX "
              f"spans, {len(sample.full_text()):,} chars, flags {sample.flags or 'none'}")
    if len(phases) == 2:
        (n1, s1, p1, _), (n2, s2, p2, _) = phases
        ratio = p2 / p1
        print(f"throughput: {n1 / s1:.1f} papers/s for the first {n1:,}, "
              f"{n2 / s2:.1f} papers/s for the next {n2:,}")
        problems = []
        if tally.failed or stored != total:
            problems.append(f"{tally.failed} papers failed, {stored} of {total} stored")
        if tally.html != tally.done:
            problems.append(f"only {tally.html} of {tally.done} papers read from HTML")
        if tally.untraced != planted or tally.untraced_planted != planted:
            problems.append(f"verification flagged {tally.untraced} claims "
                            f"({tally.untraced_planted} planted), expected exactly {planted}")
        if ratio > RSS_TARGET:
            problems.append(f"peak RSS grew {ratio:.2f}x (target <= {RSS_TARGET}); rerun with "
                            f"--tracemalloc -v to see what holds memory")
        for problem in problems:
            print(f"bench: FAILED: {problem}", file=sys.stderr)
        sys.stderr.flush()
        print(f"rss ratio peak@{total}/peak@{checkpoint}: {ratio:.2f} "
              f"(target <= {RSS_TARGET})")
        return 1 if problems else 0
    print(f"rss ratio: n/a (need --papers > --checkpoint; peak {peak_rss() / MIB:.1f} MiB)")
    return 1


def _traced_mib() -> float:
    """Python heap blocks traced now (tracemalloc's own bookkeeping excluded)."""
    return tracemalloc.get_traced_memory()[0] / MIB


def _print_growth(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot) -> None:
    """The allocation sites that grew most between the checkpoint and the end."""
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__),
              tracemalloc.Filter(False, "<frozen importlib._bootstrap*>")]
    diff = after.filter_traces(ignore).compare_to(before.filter_traces(ignore), "traceback")
    grown = sum(stat.size_diff for stat in diff)
    print(f"tracemalloc: Python heap {grown / MIB:+.2f} MiB net between the checkpoint and "
          f"the end (tracemalloc's own bookkeeping now "
          f"{tracemalloc.get_tracemalloc_memory() / MIB:.1f} MiB, counted in RSS); "
          f"top growth:")
    for stat in diff[:10]:
        frame = stat.traceback[0]
        print(f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7,} blocks  "
              f"{Path(frame.filename).name}:{frame.lineno}")
        for extra in list(stat.traceback)[1:4]:
            print(f"  {'':>34}<- {Path(extra.filename).name}:{extra.lineno}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--papers", type=int, default=2000, help="papers in all [2000]")
    parser.add_argument("--checkpoint", type=int, default=None,
                        help="papers before the first RSS reading [papers/10]")
    parser.add_argument("--chunk", type=int, default=None,
                        help="papers per process_all call [checkpoint]")
    parser.add_argument("--quick", action="store_true", help="300 papers, checkpoint at 30")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-http-cache", action="store_true",
                        help="switch the on-disk HTTP response cache off")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="print a tracemalloc diff between the checkpoint and the end")
    parser.add_argument("--tracemalloc-frames", type=int, default=6)
    parser.add_argument("--verbose", "-v", action="store_true", help="RSS after every chunk")
    args = parser.parse_args(argv)
    if args.quick:
        args.papers = 300 if args.papers == 2000 else args.papers
        args.checkpoint = args.checkpoint or 30
    args.checkpoint = args.checkpoint or max(1, args.papers // 10)
    args.chunk = args.chunk or args.checkpoint
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    return run_bench(args)


if __name__ == "__main__":
    sys.exit(main())
