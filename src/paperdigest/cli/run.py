"""``paperdigest run``: options → :meth:`paperdigest.pipeline.Pipeline.run` → lines, exit code."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click

from ..contract.vocab import vocabulary
from ..dates import requested_days
from ..errors import InputError
from ..insights.hooks import InsightHooks
from ..pipeline import (
    FORMATS,
    RunOptions,
    only_relevant_ignored,
    open_pipeline,
)
from ..sources.arxiv import validate_ids
from .common import State, cli, clock, err, stop_on_signals
from .progress import make_progress
from .summary import print_run


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
    uses the latest earlier day that has one and says so; inside a --week/--month/--from
    period such a day gets no file (the period's digest names it) and is no error.
    Reruns cost nothing: stored
    listings, documents and summaries are reused unless --refresh/--force.

    \b
    Exit codes: 0 all papers done; 1 usage/config/key/store/output error;
                2 some papers failed or were degraded by a server fault (report written);
                3 nothing could be done (no list, list source or LLM server
                unreachable); 130 interrupted (what was done is written).

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
    if only_relevant_ignored(settings, options):  # one line, then the run as usual
        err.print("Warning: " + vocabulary("en").only_relevant_ignored.removeprefix("Note: "),
                  markup=False, highlight=False)
    progress = make_progress(quiet=quiet or as_json)
    try:
        with open_pipeline(settings, options=options, progress=progress, now=now,
                           wait=wait, hooks=InsightHooks()) as pipeline, \
                stop_on_signals(pipeline):
            result = pipeline.run(days, id_list)
    finally:
        progress.close()
    print_run(result, quiet=quiet, as_json=as_json)
    return result.exit_code
