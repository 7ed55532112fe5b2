"""The pure per-paper core: pack → summarize → verify, as a plain function.

:func:`digest` takes a paper, the Document read for it and a summarizer, and returns a
:class:`PaperResult`. It touches no store, no progress display and no global state, so the
single-machine pipeline (:mod:`paperdigest.pipeline`) and a Ray worker (the backfill) call the
same code and get the same results; persistence and progress wrap it. A stored summary is
reused through the ``lookup`` callable (e.g. ``store.find_summary``), so the core never
imports the store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .context import pack
from .errors import PaperdigestError, VerifyError
from .models import (
    Document,
    PaperRef,
    PaperSummary,
    SummaryKey,
    Verification,
    context_hash,
    version_key,
)
from .verify import verify

if TYPE_CHECKING:
    from .config import Settings
    from .store import StoredSummary
    from .summarize.base import Summarizer

logger = logging.getLogger(__name__)

__all__ = ["Lookup", "PaperResult", "cost_of", "digest", "source_text"]

#: The backend that uses no LLM (its cost is 0, not unknown; ``ExtractiveSummarizer.name``).
EXTRACTIVE = "extractive"

#: Finds a stored summary by its cache key (``Store.find_summary``), or ``None``.
Lookup = Callable[[SummaryKey], "StoredSummary | None"]


@dataclass
class PaperResult:
    """One paper's summary, its verification and what it cost."""

    key: SummaryKey
    """The cache key it is (or was) stored under; backend/model are those that produced it."""
    summary: PaperSummary
    verification: Verification | None
    coverage: float
    """Share (0..1) of the Document's estimated tokens that the summarizer read."""
    context_tokens: int
    cached: bool = False
    """True when ``lookup`` found it: no summarizer call was made."""
    tokens_in: int = 0
    tokens_out: int = 0
    calls: int = 0
    """LLM requests spent (0 when cached or extractive)."""
    mode: str = ""
    """``json_schema`` | ``json_object`` | ``text`` | ``extractive``."""
    cost: float = 0.0
    """USD, from ``Settings.prices`` (0 when unpriced or cached; the day's and run's totals
    say "unknown" for an unpriced model, see :func:`cost_of`)."""


def digest(
    ref: PaperRef,
    document: Document,
    summarizer: Summarizer,
    settings: Settings,
    *,
    lang: str | None = None,
    lookup: Lookup | None = None,
) -> PaperResult:
    """Pack ``document`` under the context budget, summarize it and verify the summary.

    Args:
        ref: the paper as listed (its links count as source for verification).
        document: what was read (see :func:`paperdigest.acquire.acquire`).
        summarizer: any :class:`~paperdigest.summarize.base.Summarizer`.
        settings: ``llm.context_tokens`` (budget) and ``prices`` (cost).
        lang: report language, ``"zh"`` or ``"en"`` (default ``settings.lang``).
        lookup: returns the stored summary for a cache key (DESIGN §5); ``None`` never reuses.

    Returns:
        The summary with its key and verification; ``cached`` when ``lookup`` found it.

    Raises:
        AuthError: the LLM rejected the key (the caller stops the run).
        LLMError: this paper could not be summarized.
        VerifyError: the claim check failed unexpectedly.
    """
    lang = lang or settings.lang
    packed = pack(document, settings.llm.context_tokens, ref=ref)
    key = SummaryKey(
        arxiv_id=ref.arxiv_id,
        version=version_key(document.version),
        source_kind=document.source_kind,
        context_hash=context_hash(packed.text),
        prompt_version=summarizer.prompt_version,
        backend=summarizer.name,
        model=summarizer.model,
        lang=lang,
    )
    stored = lookup(key) if lookup is not None else None
    if stored is not None:
        return PaperResult(key=stored.key, summary=stored.summary,
                           verification=stored.verification, coverage=packed.coverage,
                           context_tokens=packed.tokens, cached=True, mode=stored.mode)
    result = summarizer.summarize(ref, document, packed, lang)
    try:
        verification = verify(result.summary, source_text(document, ref),
                              abstract=document.abstract or ref.abstract)
    except PaperdigestError:
        raise
    except Exception as exc:
        logger.exception("%s: unexpected error while verifying", ref.arxiv_id)
        raise VerifyError(f"{type(exc).__name__}: {exc}") from exc
    key.backend, key.model = result.backend, result.model
    return PaperResult(
        key=key,
        summary=result.summary,
        verification=verification,
        coverage=packed.coverage,
        context_tokens=packed.tokens,
        tokens_in=result.tokens_in,
        tokens_out=result.tokens_out,
        calls=result.calls,
        mode=result.mode,
        cost=cost_of(settings, result.model, result.tokens_in, result.tokens_out,
                     llm=result.backend != EXTRACTIVE) or 0.0,
    )


def source_text(doc: Document, ref: PaperRef) -> str:
    """What a summary's claims may be traced to: the text read plus the listing's links."""
    links = [link for link in (ref.github_repo, ref.project_page) if link]
    return "\n".join([doc.full_text(), *links])


def cost_of(settings: Settings, model: str, tokens_in: int, tokens_out: int, *,
            llm: bool = True) -> float | None:
    """USD cost from the configured price table (``[prices]``, USD per million tokens).

    Returns 0.0 when no LLM is used (``llm=False``: the extractive backend), and ``None``
    for an LLM model that has no price, whatever was spent — a rerun that reused its stored
    results spent nothing, yet they were not free: the cost is unknown, never ``$0`` (issue
    13, QA finding 8; shown as "cost unknown (no price for MODEL: set [prices])"). A figure
    is given only when the price is known.
    """
    if not llm:
        return 0.0
    price = settings.prices.get(model)
    if price is None:
        return None
    return tokens_in / 1e6 * price[0] + tokens_out / 1e6 * price[1]
