"""The last step of the fetch chain: a Document made of the listed abstract only."""

from __future__ import annotations

import logging

from paperdigest.models import Document, PaperRef

logger = logging.getLogger(__name__)

__all__ = ["document_from_abstract"]


def document_from_abstract(ref: PaperRef, *, url: str = "") -> Document:
    """A Document holding only ``ref``'s title, authors and abstract.

    ``source_kind`` is ``"ArXiv Abs"``, there are no sections, and the flags say
    ``abstract_only`` (plus ``missing_abstract`` when the listing had none). Hard line
    breaks of old HF listings are joined into running text.
    """
    abstract = " ".join(ref.abstract.split())
    flags = ["abstract_only"]
    if not abstract:
        flags.append("missing_abstract")
    return Document(
        arxiv_id=ref.arxiv_id,
        title=" ".join(ref.title.split()),
        source_kind="ArXiv Abs",
        authors=list(ref.authors),
        abstract=abstract,
        flags=flags,
        version=ref.version,
        source_url=url or f"https://arxiv.org/abs/{ref.arxiv_id}",
    )
