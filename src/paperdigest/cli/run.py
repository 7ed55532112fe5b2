"""``paperdigest run``: options → :meth:`paperdigest.pipeline.Pipeline.run` → lines, exit code."""

from __future__ import annotations

import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from ..dates import requested_days
from ..errors import InputError
from ..models import PaperReport
from ..pipeline import FORMATS, RunOptions, RunResult, open_pipeline
from ..sources.arxiv import validate_ids
from .common import State, clock, cli, err, print_json, stop_on_signals
from .progress import make_progress


def _parse_formats(text: str) -> list[str]:
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise click.BadParameter(
            f"unknown format {', '.join(unknown) or text!r}; available: {', '.join(FORMATS)}",
            param_hint="--format",
        )
    return formats


@cli.command()
@click.option("--date", "day", metavar="YYYY-MM-DD", help="The day to report on.")
@click.option("--week", metavar="YYYY-Www", help="Every day of an ISO week, e.g. 2026-W05.")
@click.option("--month", metavar="YYYY-MM",
              help="Every day of a month, e.g. 2026-01 (with one digest over the month).")
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
@click.option("--only-relevant", is_flag=True,
              help="Leave out papers that match nothing in [interests].")
@click.pass_obj
def run(state: State, day: str | None, week: str | None, month: str | None,
        start: str | None, end: str | None,
        ids: str | None, lang: str | None, backend: str | None, model: str | None,
        concurrency: int | None, out: Path | None, formats: str, force: bool, refresh: bool,
        wait: float, quiet: bool, as_json: bool, only_relevant: bool = False) -> int:
    """Write the reading report of a day (or week, range, or list of ids).

    The report goes to OUT/DATE.md and OUT/DATE.json. A day without a list (weekends)
    uses the latest earlier day that has one and says so. Reruns cost nothing: stored
    listings, documents and summaries are reused unless --refresh/--force.

    \b
    Exit codes: 0 all papers done; 1 usage/config/key/store/output error;
                2 some papers failed or were degraded by a server fault (report written);
                3 nothing could be done; 130 interrupted (what was done is written).

    \b
    Examples:
      paperdigest run --date 2026-01-30
      paperdigest run --week 2026-W05 --lang en
      paperdigest run --ids 2601.21872,2601.22153 --backend openai --model gpt-4o-mini
    """
    fmt_list = _parse_formats(formats)
    if not math.isfinite(wait) or wait < 0:
        raise InputError(f"--wait {wait}: give a number of seconds, 0 or more")
    flags: dict[str, Any] = {"lang": lang, "backend": backend, "llm.model": model,
                             "concurrency": concurrency, "out": str(out) if out else None}
    settings = state.settings(flags).settings
    now = clock()
    if ids and (day or week or month or start or end):
        raise InputError("--ids cannot be combined with --date/--week/--month/--from/--to")
    if month:  # issue 15: a month is the range of its days (up to today)
        if day or week or start or end:
            raise InputError("give exactly one of --date, --week, --month, --from/--to or --ids")
        from ..dates import parse_month

        first, last = parse_month(month, now().date())
        start, end = first.isoformat(), min(last, now().date()).isoformat()
    days = [] if ids else requested_days(now().date(), day=day, week=week, start=start, end=end)
    id_list = validate_ids(ids) if ids else []  # the arXiv id grammar, in order
    options = RunOptions(lang=settings.lang, force=force, refresh=refresh,
                         out=Path(settings.out), formats=tuple(fmt_list),
                         only_relevant=only_relevant)
    progress = make_progress(quiet=quiet or as_json)
    try:
        with open_pipeline(settings, options=options, progress=progress, now=now,
                           wait=wait) as pipeline, stop_on_signals(pipeline):
            result = pipeline.run(days, id_list)
    finally:
        progress.close()
    _print(result, quiet=quiet, as_json=as_json)
    return result.exit_code


#: Failed papers named one line each under a report's summary line (the rest: the report).
MAX_FAILURE_LINES = 20


def _failure_lines(papers: list[PaperReport]) -> list[str]:
    """One line per failed paper: id, stage and reason (issue 13: the terminal says why)."""
    failed = [p for p in papers if p.failure is not None]
    lines = [f"  {p.ref.arxiv_id} failed at {p.failure.stage}: "
             f"{' '.join(p.failure.reason.split())}" for p in failed[:MAX_FAILURE_LINES]
             if p.failure is not None]
    if len(failed) > MAX_FAILURE_LINES:
        lines.append(f"  … and {len(failed) - MAX_FAILURE_LINES} more failed papers "
                     "(see the report)")
    return lines


def _print(result: RunResult, *, quiet: bool, as_json: bool) -> None:
    # A day that could not be done is an error, shown even with --quiet/--json (one line
    # each, on stderr, so that --json output stays parseable).
    for outcome in result.days:
        if outcome.error:
            err.print(f"Error: {outcome.date}: {outcome.error}", markup=False, highlight=False)
    if as_json:
        print_json({"exit_code": result.exit_code, "days": [d.to_dict() for d in result.days],
                    "stats": asdict(result.stats)})
        return
    degraded = result.stats.degraded
    if degraded:
        err.print(f"Warning: {degraded} paper(s) were read from a worse source because a "
                  "server failed (see the report's ⚠ lines); the next run re-checks them",
                  markup=False, highlight=False)
    if quiet:
        return
    for outcome in result.days:
        if outcome.report is not None and outcome.report.stats is not None:
            stats = outcome.report.stats
            err.print(f"{outcome.report.date}: {stats.done}/{stats.papers} papers summarized"
                      + (f", {stats.failed} failed" if stats.failed else "")
                      + f" → {', '.join(str(p) for p in outcome.outputs)}",
                      markup=False, highlight=False)
            for line in _failure_lines(outcome.report.papers):
                err.print(line, markup=False, highlight=False)
        elif outcome.report is not None and outcome.outputs:  # a period's digest (issue 15)
            err.print(f"{outcome.date}: digest of {len(outcome.report.papers)} papers → "
                      f"{', '.join(str(p) for p in outcome.outputs)}",
                      markup=False, highlight=False)
    total = result.stats
    err.print(f"tokens {total.tokens_in:,} in / {total.tokens_out:,} out, "
              f"{total.llm_calls} LLM calls"
              + (f" ({total.llm_failed_calls} failed)" if total.llm_failed_calls else "")
              + f", {total.http_requests} HTTP requests, "
              f"{total.seconds:.1f} s", markup=False, highlight=False)
