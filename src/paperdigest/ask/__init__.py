"""Ask the archive (issue 17): questions across all stored papers, answered with citations.

* :mod:`~paperdigest.ask.passages` — a Document's paragraphs, table rows and figure captions
  as rows of the one search index (:mod:`paperdigest.index`);
* :mod:`~paperdigest.ask.retrieve` — BM25 over those rows, filters, grouping by paper;
* :mod:`~paperdigest.ask.dense` — optional embeddings (numpy, ``[dense]`` extra), fused by RRF;
* :mod:`~paperdigest.ask.answer` — :func:`ask`: passages, or an LLM answer with verified
  citations, or "not found in the archive".
"""

from __future__ import annotations

from .answer import NOT_FOUND, Answer, AnswerSentence, Citation, ask, cite_key
from .retrieve import Filters, PaperHits, Passage, Retrieval, retrieve

__all__ = [
    "NOT_FOUND",
    "Answer",
    "AnswerSentence",
    "Citation",
    "Filters",
    "PaperHits",
    "Passage",
    "Retrieval",
    "ask",
    "cite_key",
    "retrieve",
]
