"""``paperdigest run``: the main job."""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..dates import date_range, parse_day, parse_week
from ..errors import NoPapersError, SourceError
from ..models import DayReport, Failure, PaperRef, PaperReport, RunStats, split_arxiv_id
from ..runtime import open_http, open_store, run_lock
from .common import EXIT_NOTHING, EXIT_OK, EXIT_PARTIAL, State, cli, err, now_utc, print_json
from .progress import make_progress

if TYPE_CHECKING:
    from ..pipeline import Pipeline

FORMATS = ("md", "json")


def _parse_formats(text: str) -> list[str]:
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise click.BadParameter(
            f"unknown format {', '.join(unknown) or text!r}; available: {', '.join(FORMATS)}",
            param_hint="--format",
        )
    return formats


def _requested_days(today: date, day: str | None, week: str | None, start: str | None,
                    end: str | None) -> list[date]:
    chosen = [x for x in (day, week, start or end) if x]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --date, --week, --from/--to or --ids")
    if day:
        return [parse_day(day, today)]
    if week:
        monday, sunday = parse_week(week)
        return date_range(monday, min(sunday, today))
    if not (start and end):
        raise click.UsageError("--from and --to go together")
    return date_range(parse_day(start, today), parse_day(end, today))


@cli.command()
@click.option("--date", "day", metavar="YYYY-MM-DD", help="The day to report on.")
@click.option("--week", metavar="YYYY-Www", help="Every day of an ISO week, e.g. 2026-W05.")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="First day of a range.")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last day of a range.")
@click.option("--ids", metavar="ID,ID,...", help="Explicit arXiv ids instead of a day.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Report language [zh].")
@click.option("--backend", type=click.Choice(["extractive", "openai"]),
              help="Summarizer: extractive (no key, default) or openai (any compatible server).")
@click.option("--model", help="LLM model name, e.g. gpt-4o-mini, deepseek-chat, qwen-plus.")
@click.option("--concurrency", type=click.IntRange(1, 256), help="Papers summarized at once [8].")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Output directory [paperdigest-out].")
@click.option("--format", "formats", default="md,json", show_default=True,
              help="Comma-separated output formats: md, json.")
@click.option("--force", is_flag=True, help="Recompute summaries even if stored.")
@click.option("--refresh", is_flag=True, help="Re-list settled days and re-fetch papers.")
@click.option("--wait", type=float, default=0.0, metavar="SECONDS",
              help="Wait this long for another run on the same data directory.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary of the run.")
@click.pass_obj
def run(state: State, day: str | None, week: str | None, start: str | None, end: str | None,
        ids: str | None, lang: str | None, backend: str | None, model: str | None,
        concurrency: int | None, out: Path | None, formats: str, force: bool, refresh: bool,
        wait: float, quiet: bool, as_json: bool) -> int:
    """Write the reading report of a day (or week, range, or list of ids).

    The report goes to OUT/DATE.md and OUT/DATE.json. A day without a list (weekends)
    uses the latest earlier day that has one and says so. Reruns cost nothing: stored
    listings, documents and summaries are reused unless --refresh/--force.

    \b
    Exit codes: 0 all papers done; 1 usage/config/key/store error;
                2 some papers failed (report written); 3 nothing could be done.

    \b
    Examples:
      paperdigest run --date 2026-01-30
      paperdigest run --week 2026-W05 --lang en
      paperdigest run --ids 2601.21872,2601.22153 --backend openai --model gpt-4o-mini
    """
    fmt_list = _parse_formats(formats)
    flags: dict[str, Any] = {"lang": lang, "backend": backend, "llm.model": model,
                             "concurrency": concurrency, "out": str(out) if out else None}
    settings = state.settings(flags).settings
    now = now_utc()
    today = now.date()
    if ids and (day or week or start or end):
        raise click.UsageError("--ids cannot be combined with --date/--week/--from/--to")
    days = [] if ids else _requested_days(today, day, week, start, end)
    id_list = _parse_ids(ids) if ids else []

    from ..pipeline import Pipeline, RunOptions
    from ..summarize import make_summarizer

    lock = run_lock(settings.home_path, wait=wait)
    try:
        store = open_store(settings)
        http = open_http(settings)
        summarizer = make_summarizer(settings)
        run_id = store.start_run(
            "run", [d.isoformat() for d in days] or ["ids"], summarizer.name, summarizer.model)
        progress = make_progress(quiet=quiet or as_json)
        pipeline = Pipeline(settings, store, http, summarizer,
                            options=RunOptions(lang=settings.lang, force=force, refresh=refresh),
                            now=now_utc, progress=progress, run_id=run_id)
        started = time.monotonic()
        requests_before = http.request_count
        results: list[dict[str, Any]] = []
        total = RunStats(backend=summarizer.name, model=summarizer.model)
        status = "ok"
        try:
            if id_list:
                results.append(_run_ids(pipeline, id_list, today, Path(settings.out), fmt_list))
            for requested in days:
                results.append(_run_day(pipeline, requested, Path(settings.out), fmt_list))
        finally:
            progress.close()
            for res in results:
                stats = res.pop("_stats", None)
                if stats:
                    for name in ("papers", "done", "failed", "tokens_in", "tokens_out",
                                 "llm_calls"):
                        setattr(total, name, getattr(total, name) + getattr(stats, name))
                    total.cost += stats.cost
            total.seconds = time.monotonic() - started
            total.http_requests = http.request_count - requests_before
            if not results or any(r.get("error") for r in results):
                status = "incomplete"
            store.finish_run(run_id, total, status)
            http.close()
    finally:
        lock.release()

    if all(r.get("error") for r in results):
        code = EXIT_NOTHING
    elif total.failed or any(r.get("error") for r in results):
        code = EXIT_PARTIAL
    else:
        code = EXIT_OK
    # A day that could not be done is an error, shown even with --quiet/--json (one line
    # each, on stderr, so that --json output stays parseable).
    for res in results:
        if res.get("error"):
            err.print(f"Error: {res['date']}: {res['error']}", markup=False, highlight=False)
    if as_json:
        print_json({"exit_code": code, "days": results, "stats": asdict(total)})
    elif not quiet:
        for res in results:
            if not res.get("error"):
                err.print(
                    f"{res['date']}: {res['done']}/{res['papers']} papers summarized"
                    + (f", {res['failed']} failed" if res["failed"] else "")
                    + f" → {', '.join(res['outputs'])}",
                    markup=False, highlight=False)
        err.print(f"tokens {total.tokens_in:,} in / {total.tokens_out:,} out, "
                  f"{total.llm_calls} LLM calls, {total.http_requests} HTTP requests, "
                  f"{total.seconds:.1f} s", markup=False, highlight=False)
    return code


def _parse_ids(text: str) -> list[str]:
    """The ids of ``--ids`` without versions (the fetch chain learns them), no duplicates."""
    from ..sources.arxiv import validate_ids

    return list(dict.fromkeys(split_arxiv_id(i)[0] for i in validate_ids(text)))


def _finish_day(pipeline: Pipeline, report: DayReport, out: Path,
                formats: list[str], name: str | None = None) -> dict[str, Any]:
    from ..pipeline import order_reports, write_outputs

    report.papers = order_reports(report.papers)
    stats = pipeline.stats
    stats.papers = len(report.papers)
    stats.done = sum(p.failure is None for p in report.papers)
    stats.failed = stats.papers - stats.done
    report.stats = stats
    paths = write_outputs(report, out, formats, name=name)
    return {"date": report.date, "listed_date": report.listed_date,
            "papers": stats.papers, "done": stats.done, "failed": stats.failed,
            "outputs": [str(p) for p in paths], "_stats": stats}


def _reset_stats(pipeline: Pipeline) -> None:
    pipeline.stats = RunStats(backend=pipeline.summarizer.name, model=pipeline.summarizer.model)


def _run_day(pipeline: Pipeline, requested: date, out: Path, formats: list[str]) -> dict[str, Any]:
    _reset_stats(pipeline)
    started = time.monotonic()
    try:
        listing = pipeline.list_day(requested)
    except (NoPapersError, SourceError) as exc:
        pipeline.store.record_failure(pipeline.run_id, "", requested.isoformat(), "list", str(exc))
        return {"date": requested.isoformat(), "error": str(exc)}
    # The day is listed now: an earlier run's list failure for it is no longer open.
    pipeline.store.resolve_failures("", date=requested.isoformat())
    reports = pipeline.process_all(listing.refs)
    report = DayReport(date=listing.date, listed_date=listing.listed_date, papers=reports,
                       notes=listing.notes)
    result = _finish_day(pipeline, report, out, formats)
    pipeline.stats.seconds = time.monotonic() - started
    return result


def _run_ids(pipeline: Pipeline, ids: list[str], today: date, out: Path,
             formats: list[str]) -> dict[str, Any]:
    from ..sources.arxiv import ArxivSource

    _reset_stats(pipeline)
    source = pipeline.arxiv or ArxivSource(pipeline.http, pipeline.settings)
    pipeline.arxiv = source
    found = source.metadata(ids)
    refs = []
    missing: list[PaperReport] = []
    for arxiv_id in ids:
        ref = found.get(arxiv_id)
        if ref is None:
            reason = "unknown arXiv id (the arXiv API does not know it)"
            pipeline.store.record_failure(pipeline.run_id, arxiv_id, None, "list", reason)
            missing.append(PaperReport(ref=PaperRef(arxiv_id=arxiv_id, title=arxiv_id),
                                       failure=Failure("list", reason)))
        else:
            pipeline.store.upsert_paper(ref)
            refs.append(ref)
    reports = pipeline.process_all(refs) + missing
    report = DayReport(date=today.isoformat(), listed_date=today.isoformat(), papers=reports,
                       notes=[f"注：本报告汇总指定的 {len(ids)} 篇论文。"])
    # Named ids-DATE so that it never overwrites the Daily Papers report of the same date.
    return _finish_day(pipeline, report, out, formats, name=f"ids-{today.isoformat()}")
