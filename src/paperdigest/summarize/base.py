"""The Summarizer protocol, its result record, and the backend factory.

Every backend turns one paper (its :class:`PaperRef`, :class:`Document` and the packed
context the model reads) into a :class:`SummaryResult` holding a validated
:class:`PaperSummary` (DESIGN §3) plus what the run accounting needs (tokens, calls, mode).

Backends:

- ``extractive`` — :class:`~paperdigest.summarize.extractive.ExtractiveSummarizer`: no key,
  deterministic, offline.
- ``openai`` — :class:`~paperdigest.summarize.openai.OpenAISummarizer`: any OpenAI-compatible
  server.

With ``llm.fallback`` set (e.g. ``["extractive"]``), :func:`make_summarizer` wraps the main
backend in a :class:`FallbackSummarizer` that tries the next backend when one fails for a
paper — except on :class:`~paperdigest.errors.AuthError`, which must stop the run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..errors import AuthError, ConfigError, LLMError

if TYPE_CHECKING:
    import httpx

    from ..config import Settings
    from ..models import Document, PackedContext, PaperRef, PaperSummary

logger = logging.getLogger(__name__)

#: Backend names accepted by :func:`make_summarizer` (and ``--backend``).
BACKENDS: tuple[str, ...] = ("extractive", "openai")

#: English counterpart of :data:`paperdigest.models.NOT_MENTIONED` for ``lang="en"`` reports.
NOT_MENTIONED_EN = "Not mentioned in the paper"


def not_mentioned(lang: str) -> str:
    """The "not covered by the paper" marker for a report language."""
    from ..models import NOT_MENTIONED

    return NOT_MENTIONED_EN if lang == "en" else NOT_MENTIONED


@dataclass
class SummaryResult:
    """A summary and how it was produced."""

    summary: PaperSummary
    backend: str
    """Backend that produced it (``extractive``/``openai``), after any fallback."""
    model: str
    prompt_version: str
    tokens_in: int = 0
    tokens_out: int = 0
    calls: int = 0
    """LLM HTTP requests spent on this paper (rejected, retried and repair calls included)."""
    mode: str = ""
    """``json_schema`` | ``json_object`` | ``text`` | ``extractive``."""
    estimated_usage: bool = False
    """True when a server sent no usage and token counts are estimates."""
    context_budget: int | None = None
    """Token budget of the context finally used (smaller than asked after a repack)."""


@runtime_checkable
class Summarizer(Protocol):
    """Turns one paper into a :class:`SummaryResult`."""

    name: str
    model: str
    prompt_version: str

    def summarize(
        self, ref: PaperRef, doc: Document, context: PackedContext, lang: str
    ) -> SummaryResult:
        """Summarize one paper.

        Raises:
            AuthError: the LLM rejected the key (stop the run).
            LLMError: this paper could not be summarized (recorded as a failure).
        """
        ...


class FallbackSummarizer:
    """Tries backends in order for each paper; the first success wins.

    ``name``/``model``/``prompt_version`` are the main backend's, so cache keys stay stable;
    the :class:`SummaryResult` says which backend really produced each summary.
    """

    def __init__(self, chain: list[Summarizer]) -> None:
        if not chain:
            raise ValueError("FallbackSummarizer needs at least one backend")
        self.chain = chain
        self.name = chain[0].name
        self.model = chain[0].model
        self.prompt_version = chain[0].prompt_version

    def summarize(
        self, ref: PaperRef, doc: Document, context: PackedContext, lang: str
    ) -> SummaryResult:
        """Summarize with the first backend that succeeds.

        Raises:
            AuthError: from any backend (never masked by a fallback).
            LLMError: the last backend's error when all failed.
        """
        last: LLMError | None = None
        for index, summarizer in enumerate(self.chain):
            try:
                return summarizer.summarize(ref, doc, context, lang)
            except AuthError:
                raise
            except LLMError as exc:
                last = exc
                if index + 1 < len(self.chain):
                    logger.warning(
                        "%s: backend %s failed (%s); falling back to %s",
                        ref.arxiv_id, summarizer.name, exc, self.chain[index + 1].name,
                    )
        assert last is not None
        raise last


def _make_one(
    settings: Settings, backend: str, http_client: httpx.Client | None
) -> Summarizer:
    if backend == "extractive":
        from .extractive import ExtractiveSummarizer

        return ExtractiveSummarizer()
    if backend == "openai":
        from .openai import OpenAISummarizer

        return OpenAISummarizer(settings, http_client=http_client)
    raise ConfigError(
        f"unknown summarizer backend {backend!r}: use one of {', '.join(BACKENDS)} "
        "(--backend, PAPERDIGEST_BACKEND, backend or llm.fallback in the config)"
    )


def make_summarizer(
    settings: Settings, backend: str | None = None, *, http_client: httpx.Client | None = None
) -> Summarizer:
    """The summarizer for ``backend`` (default ``settings.backend``).

    When ``settings.llm.fallback`` lists other backends, returns a :class:`FallbackSummarizer`
    trying the main backend first, then those in order (duplicates skipped).

    Raises:
        ConfigError: an unknown backend name.
    """
    names = [backend or settings.backend]
    for name in settings.llm.fallback:
        if name not in names:
            names.append(name)
    chain = [_make_one(settings, name, http_client) for name in names]
    if len(chain) == 1:
        return chain[0]
    return FallbackSummarizer(chain)
