"""The Summarizer protocol, its result record and the fallback chain.

Every backend turns one paper (its :class:`PaperRef`, :class:`Document` and the packed
context the model reads) into a :class:`SummaryResult` holding a validated
:class:`PaperSummary` (DESIGN §3) plus what the run accounting needs (tokens, calls, mode).

Backends:

- ``extractive`` — :class:`~paperdigest.summarize.extractive.ExtractiveSummarizer`: no key,
  deterministic, offline.
- ``openai`` — :class:`~paperdigest.summarize.openai.OpenAISummarizer`: any OpenAI-compatible
  server.

The factory lives in :mod:`paperdigest.summarize.factory` (it imports the backends, which
import this module). With ``llm.fallback`` set (e.g. ``["extractive"]``), ``make_summarizer`` wraps the main
backend in a :class:`FallbackSummarizer` that tries the next backend when one fails for a
paper — except on :class:`~paperdigest.errors.AuthError`, which must stop the run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..errors import AuthError, LLMError

if TYPE_CHECKING:
    from ..models import Document, PackedContext, PaperRef, PaperSummary

logger = logging.getLogger(__name__)


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
