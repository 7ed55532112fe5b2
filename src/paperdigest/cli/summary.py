"""The lines ``paperdigest run`` prints about a finished run: errors, warnings, per-day
summaries, failed papers and totals (``--json``: one JSON object on stdout)."""

from __future__ import annotations

from dataclasses import asdict

from ..models import PaperReport
from ..pipeline import RunResult
from .common import err, print_json

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


def print_run(result: RunResult, *, quiet: bool, as_json: bool) -> None:
    """What ``run`` says on stdout/stderr about a :class:`RunResult` (nothing it computes)."""
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
            label = "--ids" if outcome.report.ids else outcome.report.date
            err.print(f"{label}: {stats.done}/{stats.papers} papers summarized"
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
