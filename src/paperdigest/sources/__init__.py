"""Where paper lists come from: Hugging Face Daily Papers and the arXiv API."""

from __future__ import annotations

from .arxiv import ArxivSource, parse_atom, validate_ids
from .hf import HFSource, is_settled, parse_daily_papers

__all__ = [
    "ArxivSource",
    "HFSource",
    "is_settled",
    "parse_atom",
    "parse_daily_papers",
    "validate_ids",
]
