"""Turn a fetched source (arXiv HTML, PDF or abstract) into a :class:`Document`.

``extract`` dispatches on :attr:`Fetched.kind`:

* ``"HTML"`` → :func:`paperdigest.extract.html.extract_html` (LaTeXML pages),
* ``"PDF"`` → :func:`paperdigest.extract.pdf.extract_pdf` (pypdfium2, in a worker process),
* ``"ArXiv Abs"`` → :func:`paperdigest.extract.abstract.document_from_abstract`.
"""

from __future__ import annotations

import logging

from paperdigest.errors import ExtractionError
from paperdigest.extract.abstract import document_from_abstract
from paperdigest.extract.html import extract_html, unusable_reason
from paperdigest.models import Document, Fetched, PaperRef

logger = logging.getLogger(__name__)

__all__ = ["document_from_abstract", "extract", "extract_html", "unusable_reason"]


def extract(
    fetched: Fetched,
    ref: PaperRef | None = None,
    *,
    pdf_timeout: float = 60.0,
    max_bytes: int = 30_000_000,
    parsed: Document | None = None,
) -> Document:
    """The Document for one fetched source.

    The title and abstract come from ``ref`` when the source lacks them (``missing_abstract``
    is then dropped from the flags); ``version`` and ``source_url`` come from ``fetched``
    (the version read from the page is kept when the fetch did not know it). ``parsed`` is
    the HTML usability check's Document of the same body (``html.check_html``), so that the
    acquire stage parses each page once.

    Raises:
        ExtractionError: the source cannot be read (``reason`` says why: ``empty``,
            ``too_large``, ``not_latexml``, ``unparseable``, ``timeout``, …), or its kind is
            unknown.
    """
    arxiv_id = fetched.arxiv_id
    if fetched.kind == "HTML":
        doc = parsed or extract_html(fetched.body, arxiv_id, url=fetched.url,
                                     max_bytes=max_bytes)
    elif fetched.kind == "PDF":
        # Imported here: the PDF stack (pypdfium2, worker pool) is only needed for PDFs.
        from paperdigest.extract.pdf import extract_pdf

        doc = extract_pdf(fetched.body, arxiv_id, timeout=pdf_timeout, max_bytes=max_bytes)
    elif fetched.kind == "ArXiv Abs":
        base = ref or PaperRef(arxiv_id=arxiv_id, title="")
        if fetched.body.strip():
            # The fetched text is what the chain chose to read; it wins over the listing.
            text = fetched.body.decode("utf-8", errors="replace")
            base = PaperRef.from_dict({**base.to_dict(), "abstract": text})
        doc = document_from_abstract(base, url=fetched.url)
    else:
        raise ExtractionError(
            f"unknown source kind {fetched.kind!r} for {arxiv_id}; expected HTML, PDF or "
            "ArXiv Abs",
            "unknown_kind",
        )
    if ref is not None:
        if not doc.title.strip() and ref.title:
            doc.title = ref.title
        if not doc.abstract.strip() and ref.abstract:
            doc.abstract = " ".join(ref.abstract.split())
            doc.flags = [f for f in doc.flags if f != "missing_abstract"]
        if not doc.authors and ref.authors:
            doc.authors = list(ref.authors)
    if not doc.arxiv_id:
        doc.arxiv_id = arxiv_id
    if fetched.version is not None:
        doc.version = fetched.version
    elif doc.version is None and ref is not None:
        doc.version = ref.version
    if fetched.url:
        doc.source_url = fetched.url
    return doc
