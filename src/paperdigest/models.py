"""Plain records passed between the pipeline stages.

Records are dataclasses (pydantic lives only at trust boundaries: config, LLM JSON).
Every record converts to and from plain dicts (``to_dict``/``from_dict``) so it can be
stored as JSON in SQLite and written to the day's JSON report.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

SourceKind = Literal["HTML", "PDF", "ArXiv Abs"]
#: The three source labels, in the order the acquire stage tries them (best first).
SOURCE_KINDS: tuple[SourceKind, ...] = ("HTML", "PDF", "ArXiv Abs")


def source_rank(kind: str | None) -> int:
    """How good a source kind is: higher is better (HTML 3 > PDF 2 > ArXiv Abs 1 > other 0).

    The one ranking of sources: the store's "best document" and the pipeline's "never
    replace a better stored source with a worse one" both use it.
    """
    if kind in SOURCE_KINDS:
        return len(SOURCE_KINDS) - SOURCE_KINDS.index(kind)
    return 0

#: Value for a summary field the paper does not cover (DESIGN §3).
NOT_MENTIONED = "论文未提及"

#: New-style arXiv ids (2007+): YYMM.NNNN(N) with an optional vN suffix.
ARXIV_ID_RE = re.compile(r"^(?P<id>\d{4}\.\d{4,5})(?:v(?P<version>\d+))?$")


def split_arxiv_id(text: str) -> tuple[str, int | None]:
    """Split ``"2601.21872v2"`` into ``("2601.21872", 2)``; the version may be ``None``.

    Raises:
        ValueError: ``text`` is not a new-style arXiv id.
    """
    match = ARXIV_ID_RE.match(text.strip())
    if not match:
        raise ValueError(f"not an arXiv id: {text!r} (expected e.g. 2601.21872 or 2601.21872v2)")
    version = match.group("version")
    return match.group("id"), int(version) if version else None


def _asdict(obj: Any) -> dict[str, Any]:
    return dataclasses.asdict(obj)


@dataclass
class PaperRef:
    """One paper as listed by a source (Hugging Face Daily Papers or arXiv)."""

    arxiv_id: str
    """New-style arXiv id without version, e.g. ``2601.21872``."""
    title: str
    version: int | None = None
    """arXiv version if known; HF ids carry none."""
    authors: list[str] = field(default_factory=list)
    abstract: str = ""
    upvotes: int = 0
    published_at: str | None = None
    submitted_on_daily_at: str | None = None
    ai_summary: str | None = None
    ai_keywords: list[str] = field(default_factory=list)
    github_repo: str | None = None
    github_stars: int | None = None
    project_page: str | None = None
    organization: str | None = None
    categories: list[str] = field(default_factory=list)
    """arXiv categories when known (from the Atom API)."""
    listed_date: str | None = None
    """The HF day (YYYY-MM-DD) whose list contained this paper."""

    @property
    def hf_url(self) -> str:
        return f"https://huggingface.co/papers/{self.arxiv_id}"

    def to_dict(self) -> dict[str, Any]:
        return _asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PaperRef:
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data})


@dataclass
class FetchAttempt:
    """One step of the HTML → PDF → abstract chain and why it was (not) used."""

    kind: SourceKind
    url: str
    ok: bool
    reason: str = ""
    """Why this step failed or was skipped (e.g. ``404 No HTML``); empty when used."""
    fault: bool = False
    """True when a server fault (5xx, 429 after retries, timeout, reset) stopped this step,
    as opposed to "not there" (404) or "not usable" (broken page): a later step then
    degrades the paper, which the report, ``status`` and the exit code say (issue 11)."""


@dataclass
class Fetched:
    """The raw text source chosen for one paper."""

    arxiv_id: str
    kind: SourceKind
    url: str
    body: bytes
    """Raw HTML/PDF bytes; for ``ArXiv Abs`` the abstract as UTF-8 text."""
    fetched_at: str
    """ISO-8601 UTC timestamp."""
    version: int | None = None
    content_type: str = ""
    attempts: list[FetchAttempt] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def size(self) -> int:
        return len(self.body)


@dataclass
class Section:
    heading: str
    level: int = 1
    """1 = section, 2 = subsection, 3 = subsubsection/paragraph."""
    number: str = ""
    """Printed number, e.g. ``"2.1"``; empty when unnumbered."""
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class Table:
    caption: str
    markdown: str
    """GitHub-style Markdown table; the header row is kept."""
    label: str = ""
    """Printed label, e.g. ``"Table 2"``."""
    section: str = ""
    """Heading of the section that holds the table."""


@dataclass
class Document:
    """A paper's full text in a structured form, whatever it was read from."""

    arxiv_id: str
    title: str
    source_kind: SourceKind
    authors: list[str] = field(default_factory=list)
    abstract: str = ""
    sections: list[Section] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    """Figure captions."""
    footnotes: list[str] = field(default_factory=list)
    equations: list[str] = field(default_factory=list)
    """Display equations as TeX."""
    references: list[str] = field(default_factory=list)
    appendix: list[Section] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    """Quality flags, e.g. ``ltx_error:3``, ``missing_abstract``, ``too_short``."""
    version: int | None = None
    source_url: str = ""
    links: list[str] = field(default_factory=list)
    """External link targets the paper gives (``http(s)`` URLs from the body, not the
    bibliography), in document order, each once; e.g. ``\\href{https://github.com/x/y}{here}``
    keeps ``https://github.com/x/y`` here. ``paperdigest.extract.links.code_links`` picks the
    code/model/data ones (github.com, huggingface.co, …) for 代码与资源."""
    keywords: list[str] = field(default_factory=list)
    """Keyword lines as the paper writes them (``\\keywords``, "Keywords: a, b", "Index
    Terms—…"): front matter, not body text."""

    def full_text(self) -> str:
        """Everything a claim could be traced to: title, abstract, body, tables, captions."""
        parts: list[str] = [self.title, self.abstract]
        for sec in [*self.sections, *self.appendix]:
            parts.append(sec.heading)
            parts.extend(sec.paragraphs)
        for tab in self.tables:
            parts.extend([tab.caption, tab.markdown])
        parts.extend(self.figures)
        parts.extend(self.footnotes)
        parts.extend(self.equations)
        parts.extend(self.links)
        parts.extend(self.keywords)
        return "\n".join(p for p in parts if p)

    def to_dict(self) -> dict[str, Any]:
        return _asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        data = dict(data)
        data["sections"] = [Section(**s) for s in data.get("sections", [])]
        data["appendix"] = [Section(**s) for s in data.get("appendix", [])]
        data["tables"] = [Table(**t) for t in data.get("tables", [])]
        return cls(**data)


@dataclass
class PackedContext:
    """What the LLM reads for one paper, chosen under a token budget."""

    text: str
    tokens: int
    """Estimated tokens of ``text`` (see ``paperdigest.context.estimate_tokens``)."""
    budget: int
    included: list[str] = field(default_factory=list)
    """Names of the parts included, e.g. ``abstract``, ``section:1 Introduction``, ``table:Table 2``."""
    dropped: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)
    """Why each part in ``dropped`` was left out, e.g. ``{"references": "references, read
    only when room is left", "section:4 Results": "no room left in the token budget"}``."""
    coverage: float = 1.0
    """Share (0..1) of the document's estimated tokens that was included."""
    document_tokens: int = 0


#: Hex digits of :func:`context_hash` kept in a summary cache key. Stored keys have this form:
#: changing it would turn every stored summary into a cache miss (tested in test_store).
CONTEXT_HASH_HEX = 16

#: Stored in place of an unknown arXiv version (DESIGN §5: "version or 'unknown'").
UNKNOWN_VERSION = "unknown"


def context_hash(text: str) -> str:
    """The packed context's part of the summary cache key: SHA-256 of the UTF-8 text, as
    its first :data:`CONTEXT_HASH_HEX` hex digits (e.g. ``"9f86d081884c7d65"``)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:CONTEXT_HASH_HEX]


def version_key(version: int | str | None) -> str:
    """An arXiv version as a cache-key column: ``"2"``, or ``"unknown"`` when not known."""
    if version is None or version == "" or version == "None":
        return UNKNOWN_VERSION
    return str(version)


def document_rank(version: str | None, source_kind: str | None) -> int:
    """How good a stored Document is: higher is better. The one "best stored document" rule,
    used by :meth:`paperdigest.store.Store.get_document` and the search index (SQL function
    ``paperdigest_document_rank``): the highest known version first (an unknown or
    unreadable version ranks below every known one), then :func:`source_rank`."""
    try:
        known = -1 if version in (None, UNKNOWN_VERSION) else int(str(version))
    except ValueError:
        known = -1
    return (known + 1) * 16 + source_rank(source_kind)


@dataclass
class SummaryKey:
    """The summary cache key of DESIGN §5; equal keys mean the same summary.

    ``version`` is the arXiv version as text, or ``"unknown"``; ints and ``None`` are
    normalised by :meth:`as_tuple`, so ``version=2`` and ``version="2"`` are one key.
    """

    arxiv_id: str
    version: str
    source_kind: str
    context_hash: str
    prompt_version: str
    backend: str
    model: str
    lang: str

    def as_tuple(self) -> tuple[str, str, str, str, str, str, str, str]:
        """The eight key columns, in the order of the ``summaries`` UNIQUE constraint."""
        return (
            self.arxiv_id,
            version_key(self.version),
            self.source_kind,
            self.context_hash,
            self.prompt_version,
            self.backend,
            self.model,
            self.lang,
        )


@dataclass
class Usage:
    input: str = NOT_MENTIONED
    output: str = NOT_MENTIONED
    workflow: str = NOT_MENTIONED
    hardware: str = NOT_MENTIONED
    code_and_resources: str = NOT_MENTIONED


@dataclass
class Innovation:
    title: str
    detail: str


@dataclass
class Result:
    setting: str
    finding: str


@dataclass
class PaperSummary:
    """The five-part summary of DESIGN §3."""

    domain: str
    contribution: str
    usage: Usage = field(default_factory=Usage)
    innovations: list[Innovation] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    language: Literal["zh", "en"] = "zh"

    def to_dict(self) -> dict[str, Any]:
        return _asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PaperSummary:
        return cls(
            domain=data["domain"],
            contribution=data["contribution"],
            usage=Usage(**data.get("usage", {})),
            innovations=[Innovation(**i) for i in data.get("innovations", [])],
            results=[Result(**r) for r in data.get("results", [])],
            language=data.get("language", "zh"),
        )


@dataclass
class Claim:
    """One checkable statement in a summary: a number or a name."""

    text: str
    """The claim as written in the summary, e.g. ``12.5%`` or ``WebPRMBench``."""
    kind: Literal["number", "name"]
    found: bool = False
    field: str = ""
    """Summary field it came from, e.g. ``results[0].finding``."""


@dataclass
class Verification:
    claims: list[Claim] = field(default_factory=list)
    key_facts: list[str] = field(default_factory=list)
    """The paper's key numbers and names (those written in its abstract), for coverage."""
    key_facts_used: list[str] = field(default_factory=list)
    """The key facts the summary uses."""

    @property
    def untraced(self) -> list[Claim]:
        return [c for c in self.claims if not c.found]

    @property
    def traced_ratio(self) -> float:
        """Share of claims found in the source (precision); 1.0 when there are no claims."""
        if not self.claims:
            return 1.0
        return sum(c.found for c in self.claims) / len(self.claims)

    @property
    def coverage(self) -> float | None:
        """Share of the paper's key facts the summary uses (recall); ``None`` when the paper
        has none."""
        if not self.key_facts:
            return None
        return len(self.key_facts_used) / len(self.key_facts)

    @property
    def vague(self) -> bool:
        """The summary states no concrete claim (no number or name) although the paper has
        key facts: a perfect ``traced_ratio`` would be meaningless."""
        return not self.claims and bool(self.key_facts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "claims": [_asdict(c) for c in self.claims],
            "untraced": [c.text for c in self.untraced],
            "traced_ratio": self.traced_ratio,
            "key_facts": list(self.key_facts),
            "key_facts_used": list(self.key_facts_used),
            "coverage": self.coverage,
            "vague": self.vague,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Verification:
        return cls(
            claims=[Claim(**c) for c in data.get("claims", [])],
            key_facts=list(data.get("key_facts", [])),
            key_facts_used=list(data.get("key_facts_used", [])),
        )


@dataclass
class Failure:
    """Why a paper has no summary: the stage that failed and the reason."""

    stage: Literal["list", "fetch", "extract", "summarize", "verify", "store", "run"]
    """``run``: the run stopped before the paper finished, or an unexpected error."""
    reason: str


@dataclass
class PaperReport:
    """Everything the renderer needs for one paper's block."""

    ref: PaperRef
    source_kind: SourceKind | None = None
    summary: PaperSummary | None = None
    verification: Verification | None = None
    failure: Failure | None = None
    coverage: float | None = None
    context_tokens: int | None = None
    backend: str = ""
    model: str = ""
    notes: list[str] = field(default_factory=list)
    """Per-paper ``> `` notes for the report (e.g. a source lost to a server fault)."""
    degraded: str = ""
    """Why the paper was read from a worse source because a server failed (not a 404);
    empty when the source is the best one available."""
    tokens_in: int = 0
    """LLM tokens spent on this paper in this run (0 when the summary came from the store)."""
    tokens_out: int = 0
    llm_calls: int = 0
    cost: float = 0.0
    """USD spent on this paper in this run (``Settings.prices``)."""
    cached: bool = False
    """The summary was reused from the store: no summarizer call in this run."""
    insights: dict[str, Any] = field(default_factory=dict)
    """Issue 15 (paperdigest.insights): ``new``, ``upgraded``, ``score``, ``matched``,
    ``artifacts``; empty when the insights stage did not run."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "paper": self.ref.to_dict(),
            "link": self.ref.hf_url,
            "source": self.source_kind,
            "summary": self.summary.to_dict() if self.summary else None,
            "verification": self.verification.to_dict() if self.verification else None,
            "failure": _asdict(self.failure) if self.failure else None,
            "coverage": self.coverage,
            "context_tokens": self.context_tokens,
            "backend": self.backend,
            "model": self.model,
            **({"degraded": self.degraded} if self.degraded else {}),
            **({"insights": self.insights} if self.insights else {}),
        }


def report_order_key(ref: PaperRef) -> tuple[int, str]:
    """The one order of papers in a report or listing: upvotes descending, ties by arXiv id
    (DESIGN §2)."""
    return (-ref.upvotes, ref.arxiv_id)


def order_reports(reports: Iterable[PaperReport]) -> list[PaperReport]:
    """``reports`` in report order (:func:`report_order_key`)."""
    return sorted(reports, key=lambda r: report_order_key(r.ref))


@dataclass
class RunStats:
    """Totals of a run (or of one day of it): the footer of a report and a ``runs`` row."""

    backend: str = ""
    model: str = ""
    papers: int = 0
    done: int = 0
    failed: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float | None = 0.0
    """USD; ``None`` for an LLM model without a price (``core.cost_of``): shown as "cost
    unknown", never as ``$0.0000``, and stored as NULL (``runs.cost``, migration m007)."""
    seconds: float = 0.0
    llm_calls: int = 0
    http_requests: int = 0
    degraded: int = 0
    """Papers read from a worse source because a server failed (issue 11: exit code 2)."""
    llm_failed_calls: int = 0
    """LLM requests that got no valid answer: no 2xx completion (errors, retries, timeouts)
    or an answer rejected by validation (empty, refused, invalid JSON/schema; its tokens are
    counted once in ``tokens_in``/``tokens_out``); they are included in ``llm_calls`` (issue
    13: every call counted, failed or not)."""

    #: Fields summed by :meth:`add` (the rest name the backend/model).
    COUNTS: ClassVar[tuple[str, ...]] = (
        "papers", "done", "failed", "tokens_in", "tokens_out", "cost", "seconds", "llm_calls",
        "http_requests", "degraded", "llm_failed_calls",
    )

    @classmethod
    def of(cls, reports: Iterable[PaperReport], *, backend: str = "", model: str = "",
           seconds: float = 0.0, http_requests: int = 0,
           counters: Mapping[str, Any] | None = None) -> RunStats:
        """The totals of a set of paper reports: counts, tokens, calls and cost.

        ``counters`` — the HTTP client's counts over the same span
        (``HttpClient.counters_since``) — is the one source of requests, LLM calls and tokens
        when given: every call and token, failed and invalid ones included (issue 13); the
        per-paper sums (calls whose summary was accepted) are used only without it.
        """
        stats = cls(backend=backend, model=model, seconds=seconds, http_requests=http_requests)
        for report in reports:
            stats.papers += 1
            stats.done += report.failure is None
            stats.failed += report.failure is not None
            stats.degraded += bool(report.degraded)
            stats.tokens_in += report.tokens_in
            stats.tokens_out += report.tokens_out
            stats.llm_calls += report.llm_calls
            stats.cost = (stats.cost or 0.0) + report.cost
        if counters is not None:
            stats.http_requests = int(counters.get("http_requests", 0))
            stats.llm_calls = int(counters.get("llm_calls", 0))
            stats.llm_failed_calls = int(counters.get("llm_failed_calls", 0))
            stats.tokens_in = int(counters.get("llm_tokens_in", 0))
            stats.tokens_out = int(counters.get("llm_tokens_out", 0))
        return stats

    def add(self, other: RunStats) -> None:
        """Add ``other``'s counts, tokens, cost and time to these totals (in place); an
        unknown cost (``None``) makes the sum unknown."""
        for name in self.COUNTS:
            mine, theirs = getattr(self, name), getattr(other, name)
            setattr(self, name, None if mine is None or theirs is None else mine + theirs)


@dataclass
class DayReport:
    """One requested day's report."""

    date: str
    """The requested date (report file name and ``**Date**``)."""
    listed_date: str
    """The date whose list was used (earlier than ``date`` on empty days)."""
    papers: list[PaperReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Extra ``> `` lines under the header (e.g. the empty-day note)."""
    stats: RunStats | None = None
    ids: list[str] = field(default_factory=list)
    """The arXiv ids of a ``run --ids`` report (its header names them, not a Daily Papers
    date); empty for a day's report."""
    reused: bool = False
    """This render reused stored results for every paper (a rerun): the footer says so and
    shows :attr:`original_seconds` instead of a meaningless ``0.0 s`` (issue 13)."""
    original_seconds: float | None = None
    """How long the run that made the reused results took (``None``: not known)."""
    original: dict[str, Any] | None = None
    """What the run that made the reused results spent (``Store.day_made``: ``tokens_in``,
    ``tokens_out``, ``llm_calls``, ``llm_failed_calls``, ``cost`` — USD or ``None`` when
    unknown — and ``seconds``), or ``None`` when not known: a rerun's footer and JSON show
    it next to this render's own zeros (QA finding 8)."""
    overview: dict[str, Any] | None = None
    """The day at a glance (paperdigest.insights.overview.compute_overview), or ``None``."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date,
            # A run --ids report was listed on no Daily Papers date (QA 2026-11-29).
            "listed_date": None if self.ids else self.listed_date,
            "source": "ids" if self.ids else "daily_papers",
            "source_url": None if self.ids else f"https://huggingface.co/papers/date/{self.date}",
            **({"ids": list(self.ids)} if self.ids else {}),
            "notes": list(self.notes),
            "papers": [p.to_dict() for p in self.papers],
            "stats": _asdict(self.stats) if self.stats else None,
            **({"reused": True, "original_seconds": self.original_seconds,
                "original": self.original} if self.reused else {}),
            **({"overview": self.overview} if self.overview else {}),
        }
