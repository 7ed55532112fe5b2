"""paperdigest: turn a day of research papers into a verified reading report.

The public API is re-exported here. Records and errors are imported eagerly (they are light);
the heavier parts (extractors, pipeline, store, summarizers) load on first access, so that
the PDF worker process and ``paperdigest --help`` start fast.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from .config import Settings, load_settings
from .errors import (
    AuthError,
    BodyTooLargeError,
    ConfigError,
    ContextLengthError,
    DeadlineExceededError,
    ExtractionError,
    FetchError,
    HTTPError,
    InputError,
    LLMError,
    LLMOutputError,
    LLMUnavailableError,
    NoPapersError,
    NoStoreError,
    NotFoundError,
    OutputError,
    PaperdigestError,
    RateLimitedError,
    ReportFormatError,
    SourceError,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    StoreReadOnlyError,
    VerifyError,
)
from .models import (
    Claim,
    DayReport,
    Document,
    Failure,
    Fetched,
    Innovation,
    PackedContext,
    PaperRef,
    PaperReport,
    PaperSummary,
    Result,
    RunStats,
    Section,
    SummaryKey,
    Table,
    Usage,
    Verification,
)

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

#: Lazily imported names → their module.
_LAZY = {
    "HFSource": "paperdigest.sources.hf",
    "ArxivSource": "paperdigest.sources.arxiv",
    "HttpClient": "paperdigest.fetch.http",
    "fetch_paper": "paperdigest.acquire",
    "acquire": "paperdigest.acquire",
    "digest": "paperdigest.core",
    "PaperResult": "paperdigest.core",
    "open_pipeline": "paperdigest.pipeline",
    "RunOptions": "paperdigest.pipeline",
    "RunResult": "paperdigest.pipeline",
    "write_outputs": "paperdigest.pipeline",
    "extract": "paperdigest.extract",
    "extract_html": "paperdigest.extract.html",
    "extract_pdf": "paperdigest.extract.pdf",
    "document_from_abstract": "paperdigest.extract.abstract",
    "pack": "paperdigest.context",
    "estimate_tokens": "paperdigest.context",
    "make_summarizer": "paperdigest.summarize",
    "verify": "paperdigest.verify",
    "Store": "paperdigest.store",
    "Pipeline": "paperdigest.pipeline",
    "render_day": "paperdigest.render.markdown",
    "render_json": "paperdigest.render.json",
    "parse_report": "paperdigest.render.parse",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'paperdigest' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ArxivSource",
    "AuthError",
    "BodyTooLargeError",
    "Claim",
    "ConfigError",
    "ContextLengthError",
    "DayReport",
    "DeadlineExceededError",
    "Document",
    "ExtractionError",
    "Failure",
    "FetchError",
    "Fetched",
    "HFSource",
    "HTTPError",
    "HttpClient",
    "Innovation",
    "InputError",
    "LLMError",
    "LLMOutputError",
    "LLMUnavailableError",
    "NoPapersError",
    "NoStoreError",
    "NotFoundError",
    "OutputError",
    "PackedContext",
    "PaperRef",
    "PaperReport",
    "PaperResult",
    "PaperSummary",
    "PaperdigestError",
    "Pipeline",
    "RateLimitedError",
    "ReportFormatError",
    "Result",
    "RunOptions",
    "RunResult",
    "RunStats",
    "Section",
    "Settings",
    "SourceError",
    "Store",
    "StoreCorruptError",
    "StoreError",
    "StoreLockedError",
    "StoreReadOnlyError",
    "SummaryKey",
    "Table",
    "Usage",
    "Verification",
    "VerifyError",
    "__version__",
    "acquire",
    "digest",
    "document_from_abstract",
    "estimate_tokens",
    "extract",
    "extract_html",
    "extract_pdf",
    "fetch_paper",
    "load_settings",
    "make_summarizer",
    "open_pipeline",
    "pack",
    "parse_report",
    "render_day",
    "render_json",
    "verify",
    "write_outputs",
]
