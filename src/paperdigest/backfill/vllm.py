"""The LLM stage on GPU workers: an open model served by vLLM through ``ray.data.llm``.

Install on the GPU cluster (not part of the ``ray`` extra, which stays CPU-only)::

    pip install 'paperdigest[ray]' 'ray[llm]'   # ray[llm] brings vLLM and a CUDA torch

Same prompts, schema, validation, repair and fallbacks as ``paperdigest run``: the library's
own :class:`~paperdigest.summarize.openai.OpenAISummarizer` runs on CPU workers with a
:class:`ReplayClient` instead of an HTTP client. A round goes::

    prepare: run the summarizer; the client records the request it would send → "pending"
    vLLM processor: generate the pending request (JSON-schema guided decoding)
    finish: run the summarizer again; the client replays the answers so far

An invalid answer makes the summarizer ask for a repair, which is a second round; after
:data:`ROUNDS` rounds every paper has its result (the summarizer never asks more than twice).
A row with nothing pending in a round sends a one-token prompt, so that rows need not be
split and re-joined.

:func:`vllm_processor_kwargs` is plain Python (tested without vLLM); :func:`build_vllm_config`
turns it into ``ray.data.llm.vLLMEngineProcessorConfig``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import LLMError
from ..llm.client import ChatAnswer
from .worker import Row, Worker, WorkerSpec, run_threads

if TYPE_CHECKING:
    from ..config import Settings
    from ..summarize.base import Summarizer

logger = logging.getLogger(__name__)

#: vLLM rounds per paper: the answer, then at most one repair (OpenAISummarizer's rule).
ROUNDS = 2
#: The mode the summarizer is told the answer came in: vLLM decodes guided by the schema.
MODE = "json_schema"


@dataclass
class VLLMOptions:
    """The vLLM engine of the LLM stage."""

    model: str
    """Hugging Face model id or a local path on the GPU nodes."""
    tensor_parallel_size: int = 1
    """GPUs per engine."""
    batch_size: int = 32
    """Prompts per batch sent to one engine."""
    concurrency: int = 1
    """Engines (each on ``tensor_parallel_size`` GPUs)."""
    max_model_len: int | None = None
    gpu_memory_utilization: float = 0.90
    accelerator_type: str | None = None
    """Ray accelerator type, e.g. ``H100`` (``None``: any GPU)."""


def vllm_processor_kwargs(options: VLLMOptions, settings: Settings) -> dict[str, Any]:
    """Keyword arguments of ``vLLMEngineProcessorConfig`` for ``options``.

    The context length defaults to what the packer may send plus the answer budget
    (``llm.context_tokens + llm.max_output_tokens`` and room for the prompt), so that no
    packed paper overflows the engine.
    """
    max_len = options.max_model_len or (
        settings.llm.context_tokens + settings.llm.max_output_tokens + 2048)
    engine_kwargs: dict[str, Any] = {
        "tensor_parallel_size": options.tensor_parallel_size,
        "max_model_len": max_len,
        "gpu_memory_utilization": options.gpu_memory_utilization,
        "enable_prefix_caching": True,  # every prompt starts with the same system rules
    }
    kwargs: dict[str, Any] = {
        "model_source": options.model,
        "engine_kwargs": engine_kwargs,
        "batch_size": options.batch_size,
        "concurrency": options.concurrency,
        # One paper's bad prompt must become that paper's failure, not stop the backfill.
        "should_continue_on_error": True,
    }
    if options.accelerator_type:
        kwargs["accelerator_type"] = options.accelerator_type
    return kwargs


def build_vllm_config(options: VLLMOptions, settings: Settings) -> Any:
    """``ray.data.llm.vLLMEngineProcessorConfig`` for ``options`` (needs ``ray[llm]``).

    Raises:
        ConfigError: ``ray.data.llm`` cannot be imported (vLLM path not installed).
    """
    from ..errors import ConfigError

    try:
        from ray.data.llm import vLLMEngineProcessorConfig
    except ImportError as exc:
        raise ConfigError(
            f"the vLLM stage needs ray[llm] on the cluster: pip install 'ray[llm]' ({exc})"
        ) from None
    return vLLMEngineProcessorConfig(**vllm_processor_kwargs(options, settings))


def sampling_params(settings: Settings) -> dict[str, Any]:
    """vLLM sampling parameters: the run's temperature and answer cap, schema-guided JSON."""
    from ..llm.schema import SUMMARY_JSON_SCHEMA

    return {
        "temperature": settings.llm.temperature,
        "max_tokens": settings.llm.max_output_tokens,
        "guided_decoding": {"json": SUMMARY_JSON_SCHEMA},
    }


# ------------------------------------------------------------------------ replay client


class _Pending(LLMError):
    """The answer to this request is not known yet (internal)."""


class ReplayClient:
    """A :class:`~paperdigest.llm.client.ChatClient` stand-in that answers from a list.

    The n-th request gets the n-th answer; a request past the end is recorded in
    :attr:`pending` (the messages to generate) and fails with an LLMError, which the worker
    recognises and discards.
    """

    def __init__(self, model: str, answers: Sequence[str]) -> None:
        self.model = model
        self.base_url = "vllm"
        self.answers = list(answers)
        self.used = 0
        self.pending: list[dict[str, Any]] | None = None

    def complete_structured(self, messages: Any, schema: dict[str, Any],
                            schema_name: str) -> ChatAnswer:
        msgs = list(messages(MODE) if callable(messages) else messages)
        if self.used < len(self.answers):
            text = self.answers[self.used]
            self.used += 1
            return ChatAnswer(text=text, mode=MODE, estimated=True,
                              tokens_in=sum(len(str(m.get("content") or "")) for m in msgs) // 4,
                              tokens_out=len(text) // 4)
        self.pending = msgs
        raise _Pending("answer not generated yet")

    def complete_text(self, messages: Any) -> ChatAnswer:
        return self.complete_structured(messages, {}, "")


def _with_client(summarizer: Summarizer, client: ReplayClient) -> Summarizer:
    from ..summarize.base import FallbackSummarizer
    from ..summarize.openai import OpenAISummarizer

    chain = summarizer.chain if isinstance(summarizer, FallbackSummarizer) else [summarizer]
    for one in chain:
        if isinstance(one, OpenAISummarizer):
            one.client = client  # type: ignore[assignment]
    return summarizer


class VLLMWorker(Worker):
    """A :class:`Worker` whose summarizer answers from the row's generated texts."""

    def step(self, row: Row) -> Row:
        """Run the per-paper core with the answers so far: a result, or the next request."""
        from ..summarize import make_summarizer

        answers = json.loads(row.get("answers") or "[]")
        if row.get("generated_error"):
            # vLLM failed this prompt: that is this paper's LLM failure, like an HTTP error.
            answers = answers[:-1]
        client = ReplayClient(self.settings.llm.model, answers)
        self._summarizer = _with_client(make_summarizer(self.settings, http_client=self.http),
                                        client)
        if row.get("generated_error"):
            self._summarizer = _FailingSummarizer(self._summarizer, row["generated_error"])
        out = self.digest(row)
        if client.pending is not None and not out["fatal"]:
            return dict(row, messages=json.dumps(client.pending, ensure_ascii=False),
                        answers=json.dumps(answers, ensure_ascii=False), generated_error="")
        return dict(row, **out, messages="", answers=json.dumps(answers, ensure_ascii=False),
                    generated_error="", finished=True)


class _FailingSummarizer:
    def __init__(self, real: Summarizer, reason: str) -> None:
        self.name, self.model, self.prompt_version = real.name, real.model, real.prompt_version
        self.reason = reason

    def summarize(self, *args: Any, **kwargs: Any) -> Any:
        raise LLMError(f"vLLM could not generate this paper's summary: {self.reason}")


class StepStage:
    """Ray Data callable class around :meth:`VLLMWorker.step` (CPU workers)."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.worker = VLLMWorker(spec)
        self.threads = spec.threads

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa  # type: ignore[import-untyped]

        rows = []
        for row in batch.to_pylist():
            row.setdefault("finished", False)
            rows.append(row)
        todo = [r for r in rows if not r["finished"]]
        done = run_threads(self.worker.step, todo, self.threads)
        finished = iter(done)
        out = [r if r["finished"] else next(finished) for r in rows]
        return pa.Table.from_pylist(out)


def _preprocess(settings: Settings) -> Any:
    params = sampling_params(settings)

    def preprocess(row: Row) -> Row:
        if row.get("finished") or not row.get("messages"):
            # Nothing to generate for this paper this round: one cheap token.
            return dict(row, messages=[{"role": "user", "content": "."}],
                        sampling_params={"max_tokens": 1, "temperature": 0.0})
        return dict(row, messages=json.loads(row["messages"]), sampling_params=params)

    return preprocess


def _postprocess(row: Row) -> Row:
    keep = {k: v for k, v in row.items() if k in _ROW_KEYS}
    if keep.get("finished") or not row.get("messages"):
        return keep
    answers = json.loads(keep.get("answers") or "[]")
    error = row.get("__inference_error__") or ""
    answers.append(row.get("generated_text") or "")
    return dict(keep, answers=json.dumps(answers, ensure_ascii=False),
                generated_error=str(error) if error else "", messages="")


_ROW_KEYS = ("arxiv_id", "date", "ref", "doc", "stored_summary", "acquired", "error", "writes",
             "failure", "stats", "fatal", "cached", "answers", "finished", "generated_error")


def vllm_stages(ds: Any, spec: WorkerSpec, options: VLLMOptions) -> Any:
    """Append prepare → (vLLM → step) × :data:`ROUNDS` to an acquired dataset."""
    import ray.data
    from ray.data import llm

    settings = spec.settings
    build = getattr(llm, "build_processor", None) or getattr(llm, "build_llm_processor")  # noqa: B009
    config = build_vllm_config(options, settings)
    step = {"fn_constructor_kwargs": {"spec": spec}, "batch_format": "pyarrow",
            "batch_size": 16, "compute": ray.data.ActorPoolStrategy(size=1), "num_cpus": 0.5}
    ds = ds.map_batches(StepStage, **step)
    for _ in range(ROUNDS):
        processor = build(config, preprocess=_preprocess(settings), postprocess=_postprocess)
        ds = processor(ds)
        ds = ds.map_batches(StepStage, **step)
    return ds.map(_final)


def _final(row: Row) -> Row:
    if row.get("finished"):
        return {k: row[k] for k in ("arxiv_id", "date", "writes", "failure", "stats", "fatal",
                                    "cached")}
    # Cannot happen with OpenAISummarizer (two requests at most); fail the paper, loudly.
    return {"arxiv_id": row["arxiv_id"], "date": row["date"], "writes": row["writes"],
            "failure": json.dumps({"stage": "summarize",
                                   "reason": f"no answer after {ROUNDS} vLLM rounds"}),
            "stats": json.dumps({"tokens_in": 0, "tokens_out": 0, "llm_calls": 0, "cost": 0.0}),
            "fatal": "", "cached": False}
