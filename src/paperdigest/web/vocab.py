"""Part names and usage labels of the five-part summary, per report language.

The words are the report's (:mod:`paperdigest.contract.vocab`, one table per language);
these two functions give them the shapes the web pages and plain-text delivery use.
"""

from __future__ import annotations

from ..contract.vocab import vocabulary

__all__ = ["part_names", "usage_labels"]


def part_names(lang: str) -> tuple[str, ...]:
    """The five part headings (``应用领域`` … / ``Domain`` …)."""
    return tuple(vocabulary(lang).part_names)


def usage_labels(lang: str) -> dict[str, str]:
    """Usage field → label, in report order (``input`` → ``输入`` …)."""
    return {field: label for field, label in vocabulary(lang).usage_labels.items()}
