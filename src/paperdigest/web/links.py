"""Outbound links of a paper, and the one check that keeps every link inert.

Links come from Hugging Face data (``githubRepo``, ``projectPage``) and so from whoever
submitted the paper: only absolute ``http``/``https`` URLs are ever emitted
(``javascript:``, ``data:``, relative or malformed values are dropped), in the site, served
pages, feeds, email and webhook payloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ..models import PaperRef

__all__ = ["Link", "paper_links", "safe_url"]

ARXIV_ABS = "https://arxiv.org/abs/{id}"
ARXIV_PDF = "https://arxiv.org/pdf/{id}"


def safe_url(url: str | None) -> str | None:
    """``url`` stripped, if it is an absolute http(s) URL with a host; else ``None``.

    Control characters and whitespace inside the URL also reject it (browsers strip them,
    which is how ``java\\tscript:`` slips through naive checks).
    """
    if not url:
        return None
    url = url.strip()
    if any(ord(c) < 33 or c in '<>"\'`\\' or ord(c) == 127 for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


@dataclass(frozen=True)
class Link:
    label: str
    """What the link is: ``Hugging Face``, ``arXiv``, ``PDF``, ``GitHub``, ``Project page``."""
    url: str


def paper_links(ref: PaperRef) -> list[Link]:
    """The paper's links in a fixed order; unsafe GitHub/project URLs are left out."""
    links = [
        Link("Hugging Face", ref.hf_url),
        Link("arXiv", ARXIV_ABS.format(id=ref.arxiv_id)),
        Link("PDF", ARXIV_PDF.format(id=ref.arxiv_id)),
    ]
    for label, url in (("GitHub", ref.github_repo), ("Project page", ref.project_page)):
        safe = safe_url(url)
        if safe:
            links.append(Link(label, safe))
    return links
