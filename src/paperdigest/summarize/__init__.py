"""Summarizers: the extractive default and the OpenAI-compatible LLM backend."""

from __future__ import annotations

from ..contract.vocab import NOT_MENTIONED_EN, not_mentioned
from .base import FallbackSummarizer, Summarizer, SummaryResult
from .extractive import ExtractiveSummarizer, split_sentences, summarize_document
from .factory import BACKENDS, make_summarizer
from .openai import OpenAISummarizer, load_prompt

__all__ = [
    "BACKENDS",
    "NOT_MENTIONED_EN",
    "ExtractiveSummarizer",
    "FallbackSummarizer",
    "OpenAISummarizer",
    "Summarizer",
    "SummaryResult",
    "load_prompt",
    "make_summarizer",
    "not_mentioned",
    "split_sentences",
    "summarize_document",
]
