"""``paperdigest backfill``: summarize every day of a date range into the store."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import click

from ..dates import parse_day
from ..models import RunStats
from .common import (
    EXIT_NOTHING,
    EXIT_OK,
    EXIT_PARTIAL,
    State,
    cli,
    count,
    err,
    now_utc,
    print_json,
)
from .progress import make_progress


@cli.command()
@click.option("--from", "start", required=True, metavar="YYYY-MM-DD", help="First day.")
@click.option("--to", "end", required=True, metavar="YYYY-MM-DD", help="Last day (included).")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="local: the asyncio pipeline here; ray: a Ray Data pipeline (needs the "
                   "'ray' extra).")
@click.option("--ray-address", metavar="ADDRESS",
              help="Ray cluster to join: 'auto' or host:port [start a private local Ray].")
@click.option("--ray-cpus", type=click.IntRange(1, 4096),
              help="CPUs of the private local Ray [all].")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Summary language [zh].")
@click.option("--backend", type=click.Choice(["extractive", "openai"]),
              help="Summarizer: extractive (no key, default) or openai (any compatible server).")
@click.option("--model", help="LLM model name of the hosted endpoint.")
@click.option("--concurrency", type=click.IntRange(1, 256),
              help="Papers summarized at once (per LLM worker on Ray) [8].")
@click.option("--chunk", type=click.IntRange(1, 100_000), default=2000, show_default=True,
              help="Papers handed to Ray at once (bounds the driver's memory).")
@click.option("--fetch-workers", type=click.IntRange(1, 1024), default=2, show_default=True,
              help="Ray actors fetching (they share one global pace per site).")
@click.option("--llm-workers", type=click.IntRange(1, 1024), default=2, show_default=True,
              help="Ray actors calling the hosted LLM endpoint.")
@click.option("--batch-size", type=click.IntRange(1, 4096), default=8, show_default=True,
              help="Papers per Ray Data batch.")
@click.option("--vllm-model", metavar="MODEL",
              help="Summarize with this open model on Ray GPU workers (vLLM) instead of the "
                   "hosted endpoint, e.g. Qwen/Qwen2.5-7B-Instruct.")
@click.option("--tensor-parallel-size", type=click.IntRange(1, 64), default=1, show_default=True,
              help="GPUs per vLLM engine.")
@click.option("--vllm-batch-size", type=click.IntRange(1, 4096), default=32, show_default=True,
              help="Prompts per vLLM batch.")
@click.option("--vllm-concurrency", type=click.IntRange(1, 1024), default=1, show_default=True,
              help="vLLM engines (replicas).")
@click.option("--max-model-len", type=click.IntRange(512, 1_048_576),
              help="vLLM context length [the model's].")
@click.option("--force", is_flag=True, help="Recompute summaries even if stored.")
@click.option("--refresh", is_flag=True, help="Re-list settled days and re-fetch papers.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary of the backfill.")
@click.pass_obj
def backfill(state: State, start: str, end: str, engine: str, ray_address: str | None,
             ray_cpus: int | None, lang: str | None, backend: str | None, model: str | None,
             concurrency: int | None, chunk: int, fetch_workers: int, llm_workers: int,
             batch_size: int, vllm_model: str | None, tensor_parallel_size: int,
             vllm_batch_size: int, vllm_concurrency: int, max_model_len: int | None,
             force: bool, refresh: bool, quiet: bool, as_json: bool) -> int:
    """Summarize every Daily Papers day from --from to --to into the store.

    Days, Documents and summaries the store already has are skipped (the cache keys of
    `run`), so a stopped backfill resumes where it was. Render any day afterwards with
    `paperdigest run --date DAY` (no request, no LLM call).

    \b
    Exit codes: 0 all papers done; 1 usage/config/key/store error (also: Ray missing);
                2 some papers or days failed; 3 nothing could be done.

    \b
    Examples:
      paperdigest backfill --from 2025-01-01 --to 2025-01-31
      paperdigest backfill --from 2025-01-01 --to 2025-12-31 --engine ray --ray-address auto \\
          --backend openai --model deepseek-chat --llm-workers 8
      paperdigest backfill --from 2025-01-01 --to 2025-12-31 --engine ray --ray-address auto \\
          --backend openai --vllm-model Qwen/Qwen2.5-7B-Instruct --tensor-parallel-size 2
    """
    from ..backfill import BackfillOptions, run_backfill
    from ..pipeline import RunOptions

    flags: dict[str, Any] = {"lang": lang, "backend": backend, "llm.model": vllm_model or model,
                             "concurrency": concurrency}
    settings = state.settings(flags).settings
    today = now_utc().date()
    first, last = parse_day(start, today), parse_day(end, today)
    vllm = None
    if vllm_model:
        if engine != "ray":
            raise click.UsageError("--vllm-model runs on Ray GPU workers: add --engine ray")
        from ..backfill.vllm import VLLMOptions

        vllm = VLLMOptions(model=vllm_model, tensor_parallel_size=tensor_parallel_size,
                           batch_size=vllm_batch_size, concurrency=vllm_concurrency,
                           max_model_len=max_model_len)
    options = BackfillOptions(engine=engine, ray_address=ray_address,  # type: ignore[arg-type]
                              ray_cpus=ray_cpus, chunk_papers=chunk, fetch_workers=fetch_workers,
                              llm_workers=llm_workers, batch_size=batch_size, vllm=vllm)
    progress = make_progress(quiet=quiet or as_json)
    try:
        result = run_backfill(settings, first, last, options=options,
                              run_options=RunOptions(lang=settings.lang, force=force,
                                                     refresh=refresh),
                              progress=progress, now=now_utc)
    finally:
        progress.close()
    if result.days_listed == 0 and result.days_failed:
        code = EXIT_NOTHING
    elif result.stats.failed or result.days_failed:
        code = EXIT_PARTIAL
    else:
        code = EXIT_OK
    for day, reason in result.days_failed:
        err.print(f"Error: {day}: {reason}", markup=False, highlight=False)
    if as_json:
        # One flat object: the run's totals (RunStats.COUNTS; ``done`` = summarized now,
        # ``http_requests`` the driver's and paced workers') beside the range's counts.
        data = {k: v for k, v in asdict(result).items() if k != "stats"}
        data.update({name: getattr(result.stats, name) for name in RunStats.COUNTS},
                    done=result.summarized,
                    papers_per_second=round(result.papers_per_second, 3))
        print_json({"exit_code": code, **json.loads(json.dumps(data))})
    elif not quiet:
        stats = result.stats
        err.print(f"{result.days_listed}/{count(result.days, 'day')} listed; "
                  f"{count(stats.papers, 'paper')}: "
                  f"{result.summarized} summarized, {result.cached} already stored, "
                  f"{stats.failed} failed; {stats.llm_calls} LLM calls, "
                  f"{stats.seconds:.1f} s ({result.engine})", markup=False, highlight=False)
    return code
