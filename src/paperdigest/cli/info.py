"""Read-only commands: papers, extract, show, status, config."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from ..config import DEFAULT_CONFIG_TOML
from ..dates import parse_day
from ..errors import ExtractionError, InputError
from ..models import PaperRef, report_order_key, split_arxiv_id
from ..runtime import close_stale_runs, open_http, open_store
from .common import State, cli, clock, err, out, print_json


@cli.command()
@click.option("--date", "day", required=True, metavar="YYYY-MM-DD", help="The day to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_obj
def papers(state: State, day: str, as_json: bool) -> None:
    """List a day's Hugging Face Daily Papers (id, title, upvotes, GitHub repo).

    On a day without a list (weekends) it shows the latest earlier day and says so.

    \b
    Examples:
      paperdigest papers --date 2026-01-30
      paperdigest papers --date 2026-01-30 --json | jq '.papers[].arxiv_id'
    """
    from ..sources.hf import HFSource

    settings = state.settings().settings
    requested = parse_day(day, clock()().date())
    with open_http(settings) as http:
        listed, refs = HFSource(http, settings).find_day(requested, settings.lookback_days)
    refs = sorted(refs, key=report_order_key)
    if as_json:
        print_json({"date": requested.isoformat(), "listed_date": listed.isoformat(),
                    "count": len(refs), "papers": [r.to_dict() for r in refs]})
        return
    if listed != requested:
        err.print(f"{requested} has no list; showing {listed}.", markup=False, highlight=False)
    table = Table(title=f"Hugging Face Daily Papers {listed} ({len(refs)} papers)")
    table.add_column("arXiv id", no_wrap=True)
    table.add_column("title")
    table.add_column("upvotes", justify="right")
    table.add_column("GitHub")
    for ref in refs:
        table.add_row(ref.arxiv_id, ref.title, str(ref.upvotes), ref.github_repo or "")
    out.print(table)


@cli.command(name="extract")
@click.argument("target", metavar="FILE_OR_ID")
@click.option("--json", "as_json", is_flag=True, help="The whole Document as JSON.")
@click.option("--markdown", "as_markdown", is_flag=True,
              help="The packed context the LLM would read (default).")
@click.option("--budget", type=click.IntRange(50), help="Token budget for the packed context.")
@click.option("--refresh", is_flag=True,
              help="Fetch the paper again even when its document is in the store.")
@click.pass_obj
def extract_cmd(state: State, target: str, as_json: bool, as_markdown: bool,
                budget: int | None, refresh: bool) -> None:
    """Show what the model will read: a local HTML/PDF file or an arXiv id.

    For an arXiv id the document stored by a run is shown (the one that run read); it is
    fetched (HTML, else PDF, else abstract) only when the store has none, or with --refresh.

    \b
    Examples:
      paperdigest extract paper.html --json
      paperdigest extract 2601.13621 --markdown --budget 8000
      paperdigest extract 2601.13621 --refresh
    """
    from ..acquire import acquire, read_local
    from ..context import pack
    from ..extract import extract

    if not target.strip():  # Path("") is ".", the current directory
        raise InputError("give an arXiv id (e.g. 2601.13621) or an HTML or PDF file to extract")
    settings = state.settings().settings
    path = Path(target)
    if path.exists():
        ref, fetched = read_local(path, now=clock())
        try:
            doc = extract(fetched, ref, pdf_timeout=settings.pdf_timeout,
                          max_bytes=int(settings.http.max_body_mb * 1_000_000))
        except ExtractionError as exc:
            # Name the file: the library's message speaks of a fetched body.
            raise InputError(f"{path} (read as {fetched.kind}): {exc}") from None
    else:
        try:
            arxiv_id, version = split_arxiv_id(target)
        except ValueError:
            raise InputError(f"{target!r} is neither a file nor an arXiv id") from None
        stored = None if refresh else _stored_document(settings, arxiv_id, version)
        if stored is not None:
            ref, doc = stored
            err.print(f"stored document of {arxiv_id} ({doc.source_kind}, as the last run read "
                      "it); --refresh fetches it again", markup=False, highlight=False)
        else:
            with open_http(settings, refresh=refresh) as http:
                ref = PaperRef(arxiv_id=arxiv_id, title="", version=version)
                doc = acquire(http, settings, ref, now=clock()).document
                if not doc.title.strip():
                    # An abstract has no title of its own; the arXiv API knows it (issue 13:
                    # not "# Untitled").
                    ref = _listed_ref(http, settings, ref)
                    doc.title = " ".join(ref.title.split())
    if as_json:
        print_json(doc.to_dict())
        return
    packed = pack(doc, budget or settings.llm.context_tokens, ref=ref)
    click.echo(packed.text)
    err.print(
        f"source {doc.source_kind}; {len(doc.sections)} sections, {len(doc.tables)} tables, "
        f"{len(doc.equations)} equations; packed {packed.tokens:,}/{packed.budget:,} tokens, "
        f"{packed.coverage:.0%} of the paper; left out: {_left_out(packed)}; "
        f"flags: {', '.join(doc.flags) or 'none'}",
        markup=False, highlight=False)


def _listed_ref(http: Any, settings: Any, ref: PaperRef) -> PaperRef:
    """``ref`` with its title from the arXiv API (unchanged when the API fails)."""
    from ..errors import PaperdigestError
    from ..sources.arxiv import ArxivSource

    try:
        found = ArxivSource(http, settings).metadata([ref.arxiv_id]).get(ref.arxiv_id)
    except PaperdigestError:
        return ref
    return dataclasses.replace(ref, title=found.title) if found is not None else ref


def _stored_document(settings: Any, arxiv_id: str,
                     version: int | None) -> tuple[PaperRef, Any] | None:
    """The store's paper record and best Document of ``arxiv_id`` (of ``version`` when
    given), or ``None`` when there is no store or no such document. Never creates a store."""
    if not settings.db_path.is_file():
        return None
    with open_store(settings, reading=True) as store:
        doc = store.get_document(arxiv_id, version=version)
        ref = store.get_paper(arxiv_id)
    if doc is None:
        return None
    ref = ref or PaperRef(arxiv_id=arxiv_id, title=doc.title, version=doc.version)
    if not doc.title.strip():
        doc.title = " ".join(ref.title.split())
    return ref, doc


def _left_out(packed: Any) -> str:
    """What the budget left out and why (``PackedContext.reasons``), parts cut short
    included, so that "60% of the paper" never comes with "nothing" (issue 13)."""
    parts = [f"{name} ({packed.reasons.get(name, 'left out')})" for name in packed.dropped]
    parts += [f"{name.removesuffix(' (partial)')} (cut short to fit the budget)"
              for name in packed.included if name.endswith(" (partial)")]
    return "; ".join(parts) or "nothing"


@cli.command()
@click.argument("paper_id")
@click.option("--lang", type=click.Choice(["zh", "en"]),
              help="Which stored summary to show [the configured lang].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def show(state: State, paper_id: str, lang: str | None, as_json: bool) -> None:
    """Show one paper's stored summary, source and verification.

    The summary in --lang (default: the configured lang) is shown; when only another
    language's summary is stored, that one is shown and a line says so.

    \b
    Examples:
      paperdigest show 2601.21872
      paperdigest show 2601.21872 --lang en
    """
    try:
        arxiv_id, _ = split_arxiv_id(paper_id)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    from ..render.markdown import render_paper

    settings = state.settings().settings
    lang = lang or settings.lang
    with open_store(settings, reading=True) as store:
        stored = store.latest_summary(arxiv_id, lang=lang)
        other = None if stored is not None else store.latest_summary(arxiv_id)
        report = store.paper_report(arxiv_id, lang=lang if other is None else None)
        stored = stored or other
        fetch = store.latest_fetch(arxiv_id)
        document = store.get_document(arxiv_id)
        failures = [f for f in store.open_failures() if f.arxiv_id == arxiv_id]
    if report is None:
        raise InputError(f"{arxiv_id} is not in the store; run `paperdigest run --ids {arxiv_id}`")
    if other is not None:
        from ..contract.vocab import vocabulary

        err.print(vocabulary("en").other_language_note.format(
            wanted=lang, shown=other.key.lang, arxiv_id=arxiv_id), markup=False, highlight=False)
    shown_lang = other.key.lang if other is not None else lang
    _code_as_in_the_report(report, document, shown_lang)
    if as_json:
        print_json({
            "paper": report.ref.to_dict(),
            "fetch": _plain(fetch),
            # What was read in the end, and why (e.g. extract_failed:PDF:… when a broken PDF
            # left only the abstract): the fetch above is what was downloaded.
            "document": {"source_kind": document.source_kind, "version": document.version,
                         "flags": list(document.flags)} if document else None,
            "summary": stored.summary.to_dict() if stored else None,
            "verification": stored.verification.to_dict()
            if stored and stored.verification else None,
            "failures": [_plain(f) for f in failures],
        })
        return
    click.echo(render_paper(report, shown_lang))
    if fetch:
        err.print(f"source: {fetch.kind} {fetch.url}", markup=False, highlight=False)
    if document and document.flags:
        err.print(f"flags: {', '.join(document.flags)}", markup=False, highlight=False)


def _code_as_in_the_report(report: Any, document: Any, lang: str) -> None:
    """代码与资源 written as the report writes it (``insights.hooks.annotate_papers``), in
    place: what can be run, found offline (the HF item's repository and project page, the
    links in the stored document and in the summary), else "代码未公开" / "No code released".
    The Hugging Face Hub's models, datasets and Spaces need the network and are not looked up.
    """
    from ..contract.vocab import NOT_MENTIONED_MARKERS
    from ..insights.artifacts import code_and_resources, runnable

    if report.summary is None:
        return
    original = report.summary.usage.code_and_resources
    text = "" if original in NOT_MENTIONED_MARKERS else original
    arts = runnable(report.ref, None, document.links if document is not None else (), text)
    report.summary = dataclasses.replace(
        report.summary, usage=dataclasses.replace(
            report.summary.usage, code_and_resources=code_and_resources(arts, lang)))


def _plain(obj: Any) -> Any:
    if obj is None:
        return None
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return json.loads(json.dumps(dataclasses.asdict(obj), default=str))
    return obj


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def status(state: State, as_json: bool) -> None:
    """What is stored: papers, days, summaries, open failures, token and cost totals.

    \b
    Examples:
      paperdigest status
      paperdigest status --json | jq .totals
    """
    settings = state.settings().settings
    with open_store(settings, reading=True) as store:
        store.check()  # damage anywhere in the file: one "is corrupt" line, exit 1
        close_stale_runs(settings, store)  # a killed run does not stay "running"
        totals = store.totals()
        failures = store.open_failures()
        runs = store.runs(limit=5)
        # Runs on a model without a price have a NULL cost (unknown, never $0; m007): the
        # totals' cost is then unknown too (Store.totals).
        unpriced = store.unknown_cost_models()
    if as_json:
        print_json({"database": str(settings.db_path), "totals": totals,
                    "failures": [_plain(f) for f in failures],
                    "runs": [_plain(r) for r in runs]})
        return
    from ..render.markdown import cost_text

    out.print(f"database: {settings.db_path}", markup=False, highlight=False)
    table = Table(title="stored")
    table.add_column("item")
    table.add_column("value", justify="right")
    for key, value in totals.items():
        if key == "cost" and value is None:
            table.add_row(key, Text(_cost_unknown(unpriced)))  # "[prices]" is not markup
            continue
        table.add_row(str(key), cost_text(value, llm_calls=totals.get("llm_calls", 0), lang="en")
                      if key == "cost" else str(value))
    out.print(table)
    if runs:
        table = Table(title="recent runs")
        for col in ("id", "started", "dates", "backend", "model", "done", "failed",
                    "degraded", "tokens", "cost", "seconds", "status"):
            table.add_column(col)
        for r in runs:
            table.add_row(str(r.id), str(r.started_at)[:19], ",".join(r.dates), r.backend,
                          r.model, str(r.done), str(r.failed), str(r.degraded),
                          f"{r.tokens_in + r.tokens_out:,}", _cost_text(r),
                          f"{r.seconds:.1f}", r.status)
        out.print(table)
    if failures:
        table = Table(title=f"open failures ({len(failures)})")
        for col in ("paper", "date", "stage", "reason"):
            table.add_column(col)
        for f in failures:
            table.add_row(f.arxiv_id, f.date or "", f.stage, f.reason)
        out.print(table)


def _cost_unknown(models: list[str]) -> str:
    """``cost unknown (no price for MODEL: set [prices])`` (the report vocabulary's words)."""
    from ..contract.vocab import vocabulary

    return "cost " + vocabulary("en").cost_unknown.format(model=", ".join(models) or "?")


def _cost_text(run: Any) -> str:
    """A stored run's cost as stored: ``unknown`` (NULL: no price when it ran) or as
    :func:`~paperdigest.render.markdown.cost_text` writes it."""
    from ..render.markdown import cost_text

    return cost_text(run.cost, llm_calls=run.llm_calls, lang="en", short=True)


@cli.group()
def config() -> None:
    """Show or create the configuration.

    Precedence: defaults < user config file ($PAPERDIGEST_HOME/config.toml)
    < ./paperdigest.toml < environment < flags.

    \b
    Examples:
      paperdigest config init
      paperdigest config show
      paperdigest --config ./team.toml config show --json
    """


@config.command(name="show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def config_show(state: State, as_json: bool) -> None:
    """Print the effective configuration and where each value came from (secrets masked).

    \b
    Examples:
      paperdigest config show
      paperdigest config show --json | jq '."llm.model".value'
      PAPERDIGEST_LANG=en paperdigest config show
    """
    loaded = state.settings()
    if as_json:  # typed values (numbers, booleans, null), a rate also in words (issue 13)
        from ..config import readable_rate

        print_json({key: {"value": value, "source": source,
                          **({"rate": readable_rate(value)} if key.startswith("limits.")
                             and isinstance(value, float) else {})}
                    for key, value, source in loaded.show(typed=True)})
        return
    rows = loaded.show()
    table = Table(title="paperdigest configuration")
    table.add_column("key")
    table.add_column("value")
    table.add_column("source")
    for key, value, source in rows:
        table.add_row(key, value, source)
    out.print(table)


@config.command(name="init")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.pass_obj
def config_init(state: State, force: bool) -> None:
    """Write a commented config file to $PAPERDIGEST_HOME/config.toml (or to --config FILE).

    \b
    Examples:
      paperdigest config init
      paperdigest --config ./paperdigest.toml config init --force
    """
    import os

    from ..config import default_home
    from ..runtime import check_home

    if state.config_file is None:
        check_home(os.environ.get("PAPERDIGEST_HOME") or "~/.paperdigest")
    path = state.config_file or default_home(os.environ) / "config.toml"
    if path.exists() and not force:
        raise click.ClickException(f"{path} exists; pass --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(DEFAULT_CONFIG_TOML, encoding="utf-8")
    click.echo(f"wrote {path}")
