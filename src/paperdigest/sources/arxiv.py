"""arXiv ids given by the user, and paper metadata from the arXiv Atom API.

The API (``settings.endpoints.arxiv_api_url``, default ``https://export.arxiv.org/api/query``)
answers ``?id_list=a,b,c`` with an Atom feed. Two feed headers exist (see
``corpus/SOURCES.md``): the OLD one (``ArXiv Query:`` title, ``http://arxiv.org/api/…`` id,
opensearch namespaces declared inline) and the NEW 2025 one (``arXiv Query:``,
``https://arxiv.org/api/…``); the entries have the same shape in both, so :func:`parse_atom`
reads only entries. A request the API rejects comes back as a feed whose single entry is titled
``Error`` (e.g. ``incorrect id format for 1234.5678``).

The API terms ask for at most one request every 3 seconds on one connection; the HTTP
client enforces it per role (``limits.arxiv_api``), so ids are batched (50 per request).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from lxml import etree

from ..errors import HTTPError, InputError, SourceError
from ..models import PaperRef, split_arxiv_id

if TYPE_CHECKING:
    from ..config import Settings
    from ..fetch.http import HttpClient

logger = logging.getLogger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV_NS = "{http://arxiv.org/schemas/atom}"

#: Ids per API request. arXiv's manual suggests modest slices; 50 keeps URLs short and
#: a day of papers (≤ 100) within two requests at the 3-second pace.
BATCH_SIZE = 50

#: ``http://arxiv.org/abs/2601.06037v4`` or an old-style ``…/abs/q-bio/0509018v2``.
_ABS_ID_RE = re.compile(r"/abs/(?P<id>.+?)(?:v(?P<version>\d+))?$")
_SPLIT_RE = re.compile(r"[\s,]+")
_WS_RE = re.compile(r"\s+")


def _clean(text: str | None) -> str:
    return _WS_RE.sub(" ", text or "").strip()


def _safe_parser() -> etree.XMLParser:
    # No DTDs, no entity expansion, no network: the feed is untrusted input.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
    )


def parse_atom(xml: bytes) -> list[PaperRef]:
    """Read the entries of an arXiv API Atom feed (old or new header format).

    Returns:
        One ref per paper entry, in feed order, with id, version, title, abstract (whitespace
        normalised), authors, categories (primary first) and ``published_at``.

    Raises:
        InputError: the API reported an error for the request (e.g. a malformed id).
        SourceError: the body is not an Atom feed.
    """
    try:
        root = etree.fromstring(xml, parser=_safe_parser())
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"arXiv API answered something that is not XML: {exc}") from exc
    if root.tag != f"{ATOM}feed":
        raise SourceError(f"arXiv API answered XML that is not an Atom feed (root {root.tag!r})")
    refs: list[PaperRef] = []
    for entry in root.iter(f"{ATOM}entry"):
        entry_id = _clean(entry.findtext(f"{ATOM}id"))
        title = _clean(entry.findtext(f"{ATOM}title"))
        summary = _clean(entry.findtext(f"{ATOM}summary"))
        if title == "Error" or "/api/errors" in entry_id:
            raise InputError(f"arXiv API rejected the request: {summary or entry_id}")
        match = _ABS_ID_RE.search(entry_id)
        if not match or not title:
            # The old API answered unknown (well-formed) ids with an empty entry: skip it.
            logger.debug("skipping arXiv entry without id/title: %r", entry_id)
            continue
        version = match.group("version")
        primary = entry.find(f"{ARXIV_NS}primary_category")
        categories: list[str] = []
        if primary is not None and primary.get("term"):
            categories.append(str(primary.get("term")))
        for cat in entry.iter(f"{ATOM}category"):
            term = cat.get("term")
            if term and term not in categories:
                categories.append(str(term))
        refs.append(
            PaperRef(
                arxiv_id=match.group("id"),
                version=int(version) if version else None,
                title=title,
                abstract=summary,
                authors=[
                    name
                    for a in entry.iter(f"{ATOM}author")
                    if (name := _clean(a.findtext(f"{ATOM}name")))
                ],
                categories=categories,
                published_at=_clean(entry.findtext(f"{ATOM}published")) or None,
            )
        )
    return refs


def validate_ids(text: str) -> list[str]:
    """Split a comma/space separated list of arXiv ids and check each one.

    Returns:
        The ids in the given order without duplicates, versions kept (``2601.21872v2``).

    Raises:
        InputError: the list is empty or an id is not a new-style arXiv id.
    """
    ids: list[str] = []
    for token in _SPLIT_RE.split(text.strip()):
        if not token:
            continue
        # Accept ids pasted with their "arXiv:" label, whatever its case.
        raw = token[6:] if token.lower().startswith("arxiv:") else token
        try:
            base, version = split_arxiv_id(raw)
        except ValueError:
            base, version = "", None
        if not base or not _plausible(base):
            raise InputError(
                f"malformed arXiv id {token!r}: expected e.g. 2601.21872 or 2601.21872v2"
            )
        norm = f"{base}v{version}" if version else base
        if norm not in ids:
            ids.append(norm)
    if not ids:
        raise InputError("no arXiv ids given: pass e.g. --ids 2601.21872,2601.20833")
    return ids


class ArxivSource:
    """Paper metadata from the arXiv API, batched and rate-limited (role ``arxiv_api``)."""

    def __init__(self, http: HttpClient, settings: Settings, batch_size: int = BATCH_SIZE) -> None:
        self.http = http
        self.settings = settings
        self.batch_size = batch_size

    def metadata(self, ids: list[str]) -> dict[str, PaperRef]:
        """Look up ``ids`` (with or without version) in batches of ``batch_size``.

        Returns:
            Bare id (no version) → ref, plus each id as it was asked (``2601.21872v2``) →
            the same ref. Ids the API does not know are simply absent; the caller reports
            them as "unknown arXiv id".

        Raises:
            InputError: the API rejected an id as malformed.
            SourceError: the API is unreachable or answered garbage (``__cause__`` holds the
                HTTP error).
        """
        wanted: list[str] = []
        for raw in ids:
            if raw not in wanted:
                wanted.append(raw)
        found: dict[str, PaperRef] = {}
        for start in range(0, len(wanted), self.batch_size):
            batch = wanted[start : start + self.batch_size]
            params = {"id_list": ",".join(batch), "max_results": str(len(batch))}
            try:
                response = self.http.get(
                    self.settings.endpoints.arxiv_api_url, role="arxiv_api", params=params
                )
            except HTTPError as exc:
                raise SourceError(
                    f"arXiv API lookup of {len(batch)} id(s) failed: {exc}; "
                    "check PAPERDIGEST_ARXIV_API_URL or retry later"
                ) from exc
            asked: dict[str, list[str]] = {}
            for raw in batch:
                asked.setdefault(_bare(raw), []).append(raw)
            for ref in parse_atom(response.content):
                if ref.arxiv_id not in asked:
                    logger.debug("arXiv API returned an unasked id: %s", ref.arxiv_id)
                    continue
                found[ref.arxiv_id] = ref
                for raw in asked[ref.arxiv_id]:
                    found[raw] = ref
        return found


def _plausible(base: str) -> bool:
    """Month 01-12, and the number length of its period: 4 digits until 1412, 5 from 1501.

    arXiv identifier scheme (arxiv.org/help/arxiv_identifier): ``YYMM.NNNN`` from April 2007,
    ``YYMM.NNNNN`` from January 2015.
    """
    yymm, number = base.split(".")
    if not 1 <= int(yymm[2:]) <= 12:
        return False
    return len(number) == (5 if int(yymm) >= 1501 else 4)


def _bare(arxiv_id: str) -> str:
    try:
        return split_arxiv_id(arxiv_id)[0]
    except ValueError:
        return arxiv_id
