"""The per-paper fetch chain: arXiv HTML → PDF → abstract (DESIGN §1).

Each step that is not used leaves a :class:`~paperdigest.models.FetchAttempt` with the reason
(``404 No HTML``, ``429 rate limited``, ``not a PDF``…), so that a report can say why a paper
was read from its abstract only. One failing step never stops the chain; only a paper with no
HTML, no PDF *and* no abstract raises :class:`~paperdigest.errors.FetchError`, whose message
lists every reason.

The arXiv version is learned on the way when possible: from the HTML page (``<base
href="/html/2601.13621v1/">``, ``arXiv:2601.13621v1`` stamps, ``/abs/…vN`` links, the URL after
redirects), from the PDF response (final URL, ``Content-Disposition`` file name) or from the
Atom API. An unknown version stays ``None``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..errors import (
    BodyTooLargeError,
    FetchError,
    HTTPError,
    NotFoundError,
    PaperdigestError,
    RateLimitedError,
)
from ..models import FetchAttempt, Fetched, PaperRef, SourceKind, split_arxiv_id

if TYPE_CHECKING:
    from ..config import Settings
    from ..sources.arxiv import ArxivSource
    from .http import HttpClient, Response

logger = logging.getLogger(__name__)

HtmlCheck = Callable[[bytes], "str | None"]

#: How far into an HTML page to look for the version (the <base>/<head> is at the top,
#: but the 2026 chrome puts ``/abs/…vN`` links in a header that may come later).
_VERSION_SCAN_BYTES = 400_000


def _default_html_check() -> HtmlCheck | None:
    """``paperdigest.extract.html.unusable_reason`` if that module exists yet."""
    try:
        from ..extract.html import unusable_reason
    except ImportError:
        logger.debug("paperdigest.extract.html.unusable_reason not available; HTML taken as is")
        return None
    return unusable_reason


def _version_in(text: str, arxiv_id: str) -> int | None:
    """The highest ``{id}vN`` version that a page or URL mentions next to a known marker."""
    esc = re.escape(arxiv_id)
    for pattern in (
        rf"/html/{esc}v(\d+)",
        rf"arXiv:{esc}v(\d+)",
        rf"/abs/{esc}v(\d+)",
        rf"/pdf/{esc}v(\d+)",
        rf"\b{esc}v(\d+)\.pdf",
    ):
        found = [int(v) for v in re.findall(pattern, text)]
        if found:
            return max(found)
    return None


def _html_version(response: Response, arxiv_id: str) -> int | None:
    version = _version_in(response.url, arxiv_id)
    if version is None:
        head = response.content[:_VERSION_SCAN_BYTES].decode("utf-8", "replace")
        version = _version_in(head, arxiv_id)
    return version


def _pdf_version(response: Response, arxiv_id: str) -> int | None:
    version = _version_in(response.url, arxiv_id)
    if version is None:
        disposition = _header(response, "content-disposition")
        version = _version_in(disposition, arxiv_id)
    return version


def _header(response: Response, name: str) -> str:
    headers = response.headers
    value = headers.get(name)
    if value is None:
        lowered = {str(k).lower(): v for k, v in headers.items()}
        value = lowered.get(name.lower())
    return str(value) if value is not None else ""


def _reason(exc: HTTPError) -> str:
    """A short reason for the attempts list, e.g. ``404 No HTML`` or ``429 rate limited``."""
    text = str(exc)
    if isinstance(exc, NotFoundError):
        return "404 No HTML" if "no html" in text.lower() else "404 Not Found"
    if isinstance(exc, RateLimitedError):
        wait = f", retry after {exc.retry_after:g} s" if exc.retry_after else ""
        return f"{exc.status or 429} rate limited (retries exhausted{wait})"
    if isinstance(exc, BodyTooLargeError):
        return f"too large: {text}"
    if exc.status is not None:
        return f"HTTP {exc.status}"
    return text or type(exc).__name__


def _max_age(version: int | None) -> float | None:
    """A versioned arXiv URL never changes: serve it from the cache without asking again.

    Unversioned URLs follow the latest version, so they are revalidated (ETag / 304).
    """
    return float("inf") if version else None


def _with_version(arxiv_id: str, version: int | None) -> str:
    return f"{arxiv_id}v{version}" if version else arxiv_id


def fetch_paper(
    http: HttpClient,
    settings: Settings,
    ref: PaperRef,
    *,
    html_check: HtmlCheck | None = None,
    arxiv: ArxivSource | None = None,
    now: Callable[[], datetime] | None = None,
) -> Fetched:
    """Fetch the best available text for one paper: HTML, else PDF, else the abstract.

    Args:
        http: the shared polite client (roles ``arxiv`` and ``arxiv_api``).
        settings: endpoints (``arxiv_url``, ``arxiv_api_url``) come from here.
        ref: the paper; ``ref.version`` pins a version, ``ref.abstract`` is the last resort.
        html_check: returns a reason when an HTML page is too broken to use (then the PDF is
            tried); default ``paperdigest.extract.html.unusable_reason`` when it exists.
        arxiv: metadata source used for the abstract when ``ref.abstract`` is empty.
        now: UTC clock for ``fetched_at`` (tests inject one).

    Returns:
        The chosen source with every attempt (used or not) in ``attempts``.

    Raises:
        FetchError: no HTML, no PDF and no abstract; the message lists every attempt's reason.
    """
    clock = now or (lambda: datetime.now(UTC))
    check = html_check if html_check is not None else _default_html_check()
    started = time.monotonic()
    base = settings.endpoints.arxiv_url.rstrip("/")
    try:
        arxiv_id, pinned = split_arxiv_id(ref.arxiv_id)
    except ValueError:
        arxiv_id, pinned = ref.arxiv_id, None
    version = ref.version or pinned
    attempts: list[FetchAttempt] = []

    def done(kind: SourceKind, url: str, body: bytes, ver: int | None, ctype: str) -> Fetched:
        attempts.append(FetchAttempt(kind=kind, url=url, ok=True))
        logger.info("%s: read from %s (%d bytes)", arxiv_id, kind, len(body))
        return Fetched(
            arxiv_id=arxiv_id,
            kind=kind,
            url=url,
            body=body,
            fetched_at=_iso_utc(clock()),
            version=ver,
            content_type=ctype,
            attempts=attempts,
            seconds=time.monotonic() - started,
        )

    # 1. HTML (LaTeXML conversion); 404 "No HTML for …" when arXiv has none.
    html_url = f"{base}/html/{_with_version(arxiv_id, version)}"
    try:
        response = http.get(html_url, role="arxiv", max_age=_max_age(version))
    except HTTPError as exc:
        attempts.append(FetchAttempt(kind="HTML", url=html_url, ok=False, reason=_reason(exc)))
    else:
        problem = _check_html(check, response.content)
        if problem is None:
            learned = _html_version(response, arxiv_id) or version
            return done("HTML", html_url, response.content, learned, _ctype(response, "text/html"))
        attempts.append(FetchAttempt(kind="HTML", url=html_url, ok=False, reason=problem))
        version = version or _html_version(response, arxiv_id)

    # 2. PDF.
    pdf_url = f"{base}/pdf/{_with_version(arxiv_id, version)}"
    try:
        response = http.get(pdf_url, role="arxiv", max_age=_max_age(version))
    except HTTPError as exc:
        attempts.append(FetchAttempt(kind="PDF", url=pdf_url, ok=False, reason=_reason(exc)))
    else:
        if response.content.lstrip()[:5].startswith(b"%PDF"):
            learned = _pdf_version(response, arxiv_id) or version
            ctype = _ctype(response, "application/pdf")
            return done("PDF", pdf_url, response.content, learned, ctype)
        what = _header(response, "content-type").split(";")[0] or "unknown type"
        attempts.append(
            FetchAttempt(kind="PDF", url=pdf_url, ok=False, reason=f"not a PDF ({what})")
        )

    # 3. The abstract: the HF item's, else the arXiv API's.
    abs_url = f"{base}/abs/{_with_version(arxiv_id, version)}"
    abstract = ref.abstract.strip()
    if not abstract:
        abstract, api_version, reason = _api_abstract(http, settings, arxiv, arxiv_id)
        version = version or api_version
        if not abstract:
            attempts.append(FetchAttempt(kind="ArXiv Abs", url=abs_url, ok=False, reason=reason))
            reasons = "; ".join(f"{a.kind}: {a.reason}" for a in attempts)
            raise FetchError(f"{arxiv_id}: no HTML, PDF or abstract could be fetched ({reasons})")
    return done(
        "ArXiv Abs", abs_url, abstract.encode("utf-8"), version, "text/plain; charset=utf-8"
    )


def _check_html(check: HtmlCheck | None, body: bytes) -> str | None:
    if not body.strip():
        return "empty HTML page"
    if check is None:
        return None
    try:
        return check(body)
    except PaperdigestError as exc:
        return f"unusable HTML: {exc}"


def _api_abstract(
    http: HttpClient, settings: Settings, arxiv: ArxivSource | None, arxiv_id: str
) -> tuple[str, int | None, str]:
    """(abstract, version, reason-if-empty) from the arXiv API."""
    if arxiv is None:
        from ..sources.arxiv import ArxivSource

        arxiv = ArxivSource(http, settings)
    try:
        found = arxiv.metadata([arxiv_id])
    except PaperdigestError as exc:
        return "", None, f"arXiv API failed: {exc}"
    meta = found.get(arxiv_id)
    if meta is None:
        return "", None, "unknown arXiv id (not in the arXiv API)"
    if not meta.abstract.strip():
        return "", meta.version, "the arXiv API has no abstract"
    return meta.abstract.strip(), meta.version, ""


def _ctype(response: Response, default: str) -> str:
    return _header(response, "content-type") or default


def _iso_utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")
