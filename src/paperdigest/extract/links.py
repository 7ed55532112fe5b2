"""External links of a paper: which ones point at code, models or data.

``Document.links`` holds every external link target of a paper's body (HTML: the
``href`` of each ``http(s)`` anchor outside the bibliography; PDF: the URLs printed in the
text). :func:`code_links` picks those on code/model/data hosts (``selectors.CODE_HOSTS``:
github.com, gitlab.com, huggingface.co, zenodo.org, …), which is what 代码与资源 wants.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from paperdigest.extract import selectors as S

__all__ = ["code_links", "is_code_host", "urls_in_text"]

#: A URL printed in running text; trailing sentence punctuation is not part of it.
_URL_IN_TEXT_RE = re.compile(r"\bhttps?://[^\s<>()\[\]{}\"'`，。；、）]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\""


def is_code_host(url: str) -> bool:
    """Whether ``url``'s host is a code/model/data host or a subdomain of one.

    ``https://github.com/x/y`` and ``https://x.github.io/proj`` are; ``https://doi.org/…``
    and ``https://arxiv.org/abs/…`` are not. Never raises (a malformed URL is ``False``).
    """
    try:
        host = (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return False
    host = host.removeprefix("www.")
    return any(host == h or host.endswith("." + h) for h in S.CODE_HOSTS)


def code_links(urls: Iterable[str]) -> list[str]:
    """The URLs of ``urls`` on code/model/data hosts, in order, each once."""
    out: list[str] = []
    for url in urls:
        if is_code_host(url) and url not in out:
            out.append(url)
    return out


def urls_in_text(text: str) -> list[str]:
    """``http(s)`` URLs printed in ``text``, in order, each once, without trailing
    punctuation (``"see https://github.com/a/b."`` gives ``https://github.com/a/b``)."""
    out: list[str] = []
    for match in _URL_IN_TEXT_RE.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        if url not in out and "." in url.split("://", 1)[1]:
            out.append(url)
    return out
