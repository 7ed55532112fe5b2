"""The vLLM LLM stage on a GPU: synthetic papers through prepare → vLLM → finish rounds.

Run where a GPU and vLLM exist (``pip install 'paperdigest[ray]' 'ray[llm]'``)::

    python bench/ray_vllm.py --model Qwen/Qwen2.5-0.5B-Instruct --papers 200 \\
        [--tensor-parallel-size 1] [--batch-size 32] [--concurrency 1] [--max-model-len 8192]

Without a GPU or without vLLM it prints one line saying what is missing and exits 0 (it is
a benchmark, not a test). The model is loaded by vLLM from the Hugging Face cache or the
path given; nothing here downloads anything itself.

What runs: ``--papers`` synthetic papers (bench/scale.py's generator, as Documents with
their sections; no fetching) go through :func:`paperdigest.backfill.vllm.vllm_stages` —
the library's OpenAISummarizer with the replay client, the vLLM processor of
``ray.data.llm`` with JSON-schema guided decoding, validation, the repair round and
verification — and the bench prints papers/s, how many papers needed the repair round, how
many failed (with the first reasons) and the traced share of claims.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def missing() -> str | None:
    """What this machine lacks for the bench, or None."""
    for module, hint in (("ray", "pip install 'paperdigest[ray]'"),
                         ("vllm", "pip install 'ray[llm]' (brings vLLM)")):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed ({hint})"
    if shutil.which("nvidia-smi") is None:
        return "no NVIDIA GPU here (nvidia-smi not found)"
    try:
        import torch

        if not torch.cuda.is_available():
            return "torch sees no CUDA device"
    except ImportError:
        return "torch is not installed (vLLM needs it)"
    return None


def rows(papers: int) -> list[dict[str, Any]]:
    """Acquired rows (as the acquire stage emits them) for synthetic papers."""
    from bench.scale import synth_paper, synth_ref
    from paperdigest.backfill.worker import plan_row
    from paperdigest.models import Document, Section

    out = []
    for index in range(papers):
        paper = synth_paper(7, index)
        doc = Document(
            arxiv_id=paper.arxiv_id, title=paper.title, source_kind="HTML",
            authors=paper.authors, abstract=paper.abstract,
            sections=[Section(heading=h, paragraphs=[p.replace("$", "") for p in ps])
                      for h, ps in paper.sections])
        row = plan_row(synth_ref(7, index), "2026-02-02", None, None)
        row.update(acquired=json.dumps(doc.to_dict(), ensure_ascii=False), error="",
                   writes="[]")
        out.append(row)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="Qwen/Qwen2.5-0.5B-Instruct")
    parser.add_argument("--papers", type=int, default=200)
    parser.add_argument("--tensor-parallel-size", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--max-model-len", type=int, default=None)
    parser.add_argument("--lang", default="zh", choices=["zh", "en"])
    args = parser.parse_args()
    lack = missing()
    if lack:
        print(f"ray_vllm: skipped: {lack}; run it on a GPU node with vLLM")
        return

    import ray
    import ray.data

    from paperdigest.backfill.vllm import VLLMOptions, vllm_stages
    from paperdigest.backfill.worker import WorkerSpec
    from paperdigest.config import Settings
    from paperdigest.pipeline import RunOptions

    settings = Settings.model_validate({"backend": "openai", "lang": args.lang,
                                        "llm": {"model": args.model, "base_url": "http://vllm"},
                                        "http": {"cache": False}})
    options = VLLMOptions(model=args.model, tensor_parallel_size=args.tensor_parallel_size,
                          batch_size=args.batch_size, concurrency=args.concurrency,
                          max_model_len=args.max_model_len)
    spec = WorkerSpec(settings=settings, options=RunOptions(lang=args.lang),
                      now=datetime.now(UTC), threads=8)
    ray.init(include_dashboard=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    data = rows(args.papers)
    started = time.monotonic()
    ds = vllm_stages(ray.data.from_items(data), spec, options)
    done = failed = repaired = claims = traced = 0
    reasons: list[str] = []
    for row in ds.iter_rows():
        if row["failure"]:
            failed += 1
            if len(reasons) < 5:
                reasons.append(f"{row['arxiv_id']}: {json.loads(row['failure'])['reason']}")
            continue
        done += 1
        stats = json.loads(row["stats"])
        repaired += stats["llm_calls"] > 1
        for method, payload in json.loads(row["writes"]):
            if method == "save_summary" and payload["verification"]:
                found = [c["found"] for c in payload["verification"]["claims"]]
                claims += len(found)
                traced += sum(found)
    seconds = time.monotonic() - started
    print(f"ray_vllm: {args.model} tp={args.tensor_parallel_size} batch={args.batch_size} "
          f"engines={args.concurrency}: {args.papers} papers in {seconds:.1f} s = "
          f"{args.papers / seconds:.2f} papers/s; {done} summarized ({repaired} after the "
          f"repair round), {failed} failed; claims traced {traced}/{claims}")
    for reason in reasons:
        print(f"  failed: {reason}")
    ray.shutdown()


if __name__ == "__main__":
    main()
