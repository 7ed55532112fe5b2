"""The backend factory: a :class:`~paperdigest.summarize.base.Summarizer` from Settings.

It sits above the backends (``extractive``, ``openai``) and :mod:`.base`, so that no backend
module imports it back: the import graph of ``summarize/`` has no circle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ConfigError
from .base import FallbackSummarizer, Summarizer

if TYPE_CHECKING:
    import httpx

    from ..config import Settings
    from ..fetch.http import HttpClient

#: Backend names accepted by :func:`make_summarizer` (and ``--backend``).
BACKENDS: tuple[str, ...] = ("extractive", "openai")


def _make_one(
    settings: Settings, backend: str, http_client: HttpClient | httpx.Client | None
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
    settings: Settings, backend: str | None = None, *, http_client: HttpClient | httpx.Client | None = None
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
