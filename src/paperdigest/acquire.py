"""The acquire stage: the best readable text of one paper, HTML → PDF → abstract (DESIGN §1).

It owns fetch-then-extract, so every fallback decision lives here and nowhere else:

1. arXiv HTML (LaTeXML). A page that answers but is unusable (``extract.html.check_html``:
   conversion errors, missing sections, truncation) falls through to the PDF; the check's
   parse is handed to the extractor, so each page is parsed once.
2. PDF (pypdfium2 in a worker process).
3. The abstract: the Hugging Face item's, else the arXiv API's.

and then, if the chosen HTML/PDF cannot be extracted, the abstract again. Each step that is
not used leaves a :class:`~paperdigest.models.FetchAttempt` with its reason (``404 No HTML``,
``HTTP 503``, ``not a PDF``, ``extraction failed: …``) and whether a *server fault* stopped it
(``fault``): a paper read from a worse source because of a fault is *degraded*
(:attr:`Acquired.degraded`), which the report, ``status`` and the exit code show (issue 11).
Only a paper with no HTML, no PDF *and* no abstract raises
:class:`~paperdigest.errors.FetchError`, whose message lists every reason.

The arXiv version is learned on the way when possible: from the HTML page (``<base
href="/html/2601.13621v1/">``, ``arXiv:2601.13621v1`` stamps, ``/abs/…vN`` links, the URL after
redirects), from the PDF response (final URL, ``Content-Disposition`` file name) or from the
Atom API. An unknown version stays ``None``.

``fetch/`` below this module is transport only (HTTP, pacing, cache): it imports neither
``extract`` nor ``sources``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .clock import Now, iso_utc, utc_now
from .errors import (
    BodyTooLargeError,
    ExtractionError,
    FetchError,
    HTTPError,
    InputError,
    NotFoundError,
    PaperdigestError,
    RateLimitedError,
)
from .extract import extract
from .extract.abstract import document_from_abstract
from .extract.html import check_html
from .models import Document, FetchAttempt, Fetched, PaperRef, SourceKind, split_arxiv_id

if TYPE_CHECKING:
    from .config import Settings
    from .fetch.http import HttpClient, Response
    from .sources.arxiv import ArxivSource

logger = logging.getLogger(__name__)

__all__ = ["Acquired", "HtmlCheck", "acquire", "fetch_paper", "read_local"]

#: A reason-only HTML check (tests inject one): returns why a page is unusable, or ``None``.
HtmlCheck = Callable[[bytes], "str | None"]

#: How far into an HTML page to look for the version (the <base>/<head> is at the top,
#: but the 2026 chrome puts ``/abs/…vN`` links in a header that may come later).
_VERSION_SCAN_BYTES = 400_000

#: Bytes read from a local file at most (``paperdigest extract FILE``): a device such as
#: /dev/zero must end in a clear error, not in MemoryError.
LOCAL_READ_LIMIT_MB = 100.0


@dataclass
class Acquired:
    """What the acquire stage read for one paper."""

    fetched: Fetched
    """What was downloaded (kind, URL, version) with every attempt, used or not."""
    document: Document
    """What will be read: extracted from ``fetched``, or the abstract when that failed."""

    @property
    def degraded(self) -> str:
        """Why a better source was lost to a server fault (``""`` when none was), e.g.
        ``"HTML: HTTP 503; PDF: HTTP 503"``: not a 404 or an unusable page."""
        faults = [a for a in self.fetched.attempts if a.fault]
        return "; ".join(f"{a.kind}: {a.reason}" for a in faults)


def acquire(
    http: HttpClient,
    settings: Settings,
    ref: PaperRef,
    *,
    arxiv: ArxivSource | None = None,
    now: Now = utc_now,
) -> Acquired:
    """Fetch and extract the best available text of one paper.

    Args:
        http: the shared polite client (roles ``arxiv`` and ``arxiv_api``).
        settings: endpoints, body cap (``http.max_body_mb``) and ``pdf_timeout``.
        ref: the paper; ``ref.version`` pins a version, ``ref.abstract`` is the last resort.
        arxiv: metadata source used for the abstract when ``ref.abstract`` is empty.
        now: UTC clock for ``fetched_at``.

    Returns:
        The download and the Document read from it. When the HTML/PDF cannot be extracted
        but an abstract exists, the Document is the abstract's, flagged
        ``extract_failed:{kind}:{reason}``, and the failed extraction is an attempt.

    Raises:
        FetchError: no HTML, no PDF and no abstract.
        ExtractionError: the source cannot be read and there is no abstract.
    """
    fetched, parsed = _fetch(http, settings, ref, None, arxiv, now)
    try:
        doc = extract(fetched, ref, pdf_timeout=settings.pdf_timeout,
                      max_bytes=_max_bytes(settings), parsed=parsed)
    except ExtractionError as exc:
        if not ref.abstract.strip():
            raise
        # A broken page or PDF still leaves the abstract: read that and say why.
        logger.warning("%s: %s extraction failed (%s); using the abstract", ref.arxiv_id,
                       fetched.kind, exc)
        fetched.attempts[-1].ok = False
        fetched.attempts[-1].reason = f"extraction failed: {exc.reason}"
        fetched.attempts.append(FetchAttempt(kind="ArXiv Abs", url=fetched.url, ok=True))
        doc = document_from_abstract(ref)
        doc.flags.append(f"extract_failed:{fetched.kind}:{exc.reason}")
    return Acquired(fetched, doc)


def fetch_paper(
    http: HttpClient,
    settings: Settings,
    ref: PaperRef,
    *,
    html_check: HtmlCheck | None = None,
    arxiv: ArxivSource | None = None,
    now: Now = utc_now,
) -> Fetched:
    """Download the best available source of one paper, without extracting it.

    ``html_check`` replaces the default usability check of HTML pages
    (``extract.html.check_html``). See :func:`acquire` for the other arguments.

    Raises:
        FetchError: no HTML, no PDF and no abstract; the message lists every attempt's reason.
    """
    return _fetch(http, settings, ref, html_check, arxiv, now)[0]


def read_local(path: Path, *, now: Now = utc_now,
               max_mb: float = LOCAL_READ_LIMIT_MB) -> tuple[PaperRef, Fetched]:
    """A local HTML or PDF file as a fetched source (``paperdigest extract FILE``).

    The kind comes from the bytes (``%PDF-`` → PDF, else HTML); the arXiv id and version
    from a file name such as ``2601.13621v1.html`` when it has one.

    Raises:
        InputError: a directory, an unreadable file, or more than ``max_mb`` MB.
    """
    if path.is_dir():
        raise InputError(f"{path} is a directory; give an HTML or PDF file or an arXiv id")
    limit = int(max_mb * 1_000_000)
    try:
        with path.open("rb") as handle:
            body = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(body) > limit:
        raise InputError(f"{path} is larger than {max_mb:g} MB; give an arXiv HTML or PDF file")
    kind: SourceKind = "PDF" if body[:5] == b"%PDF-" else "HTML"
    try:
        arxiv_id, version = split_arxiv_id(path.stem.split("-")[0])
    except ValueError:
        arxiv_id, version = path.stem, None
    ref = PaperRef(arxiv_id=arxiv_id, title="")
    fetched = Fetched(arxiv_id=arxiv_id, kind=kind, url=str(path), body=body,
                      fetched_at=iso_utc(now(), "seconds"), version=version)
    return ref, fetched


# ------------------------------------------------------------------------------ the chain


def _fetch(
    http: HttpClient,
    settings: Settings,
    ref: PaperRef,
    html_check: HtmlCheck | None,
    arxiv: ArxivSource | None,
    now: Now,
) -> tuple[Fetched, Document | None]:
    """(the chosen source, the HTML check's parse of it when it is HTML)."""
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
        return Fetched(arxiv_id=arxiv_id, kind=kind, url=url, body=body,
                       fetched_at=iso_utc(now(), "seconds"), version=ver, content_type=ctype,
                       attempts=attempts, seconds=time.monotonic() - started)

    # 1. HTML (LaTeXML conversion); 404 "No HTML for …" when arXiv has none.
    html_url = f"{base}/html/{_with_version(arxiv_id, version)}"
    try:
        # Never trusted forever: arXiv regenerated every HTML page on 2026-08-11; a
        # conditional request (ETag → 304) costs no body when the page is unchanged.
        response = http.get(html_url, role="arxiv", max_age=None)
    except HTTPError as exc:
        attempts.append(_failed("HTML", html_url, exc))
    else:
        learned = _html_version(response, arxiv_id) or version
        parsed, problem = _check_html(html_check, response.content, arxiv_id, html_url,
                                      _max_bytes(settings), ref.title)
        if problem is None:
            fetched = done("HTML", html_url, response.content, learned,
                           _ctype(response, "text/html"))
            return fetched, parsed
        attempts.append(FetchAttempt(kind="HTML", url=html_url, ok=False, reason=problem))
        http.discard(html_url)  # an unusable body must not be served from the cache again
        version = learned

    # 2. PDF.
    pdf_url = f"{base}/pdf/{_with_version(arxiv_id, version)}"
    try:
        response = http.get(pdf_url, role="arxiv", max_age=_max_age(version))
    except HTTPError as exc:
        attempts.append(_failed("PDF", pdf_url, exc))
    else:
        if response.content.lstrip()[:5].startswith(b"%PDF"):
            learned = _pdf_version(response, arxiv_id) or version
            ctype = _ctype(response, "application/pdf")
            return done("PDF", pdf_url, response.content, learned, ctype), None
        what = _header(response, "content-type").split(";")[0] or "unknown type"
        http.discard(pdf_url)  # never serve a non-PDF body from the cache again
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
    fetched = done("ArXiv Abs", abs_url, abstract.encode("utf-8"), version,
                   "text/plain; charset=utf-8")
    return fetched, None


def _check_html(check: HtmlCheck | None, body: bytes, arxiv_id: str, url: str,
                max_bytes: int, title: str = "") -> tuple[Document | None, str | None]:
    """(the parsed Document when usable, else ``None``; the reason it is not usable).

    ``title`` is the listed title: a page whose own title does not match it loosely is the
    wrong document (arXiv converted another ``.tex``) and is not used.
    """
    if not body.strip():
        return None, "empty HTML page"
    try:
        if check is not None:
            return None, check(body)
        return check_html(body, arxiv_id, url=url, title=title, max_bytes=max_bytes)
    except PaperdigestError as exc:
        return None, f"unusable HTML: {exc}"


def _failed(kind: SourceKind, url: str, exc: HTTPError) -> FetchAttempt:
    """The attempt record of a failed request: its short reason and whether it was a fault."""
    text = str(exc)
    fault = not isinstance(exc, NotFoundError | BodyTooLargeError)
    if isinstance(exc, NotFoundError):
        reason = "404 No HTML" if "no html" in text.lower() else "404 Not Found"
    elif isinstance(exc, RateLimitedError):
        wait = f", retry after {exc.retry_after:g} s" if exc.retry_after else ""
        reason = f"{exc.status or 429} rate limited (retries exhausted{wait})"
    elif isinstance(exc, BodyTooLargeError):
        reason = f"too large: {text}"
    elif exc.status is not None:
        reason = f"HTTP {exc.status}"
        fault = exc.status >= 500 or exc.status in (408, 425)
    else:
        reason = text or type(exc).__name__
    return FetchAttempt(kind=kind, url=url, ok=False, reason=reason, fault=fault)


def _api_abstract(
    http: HttpClient, settings: Settings, arxiv: ArxivSource | None, arxiv_id: str
) -> tuple[str, int | None, str]:
    """(abstract, version, reason-if-empty) from the arXiv API."""
    if arxiv is None:
        from .sources.arxiv import ArxivSource

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


# ---------------------------------------------------------------------- versions, headers


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


def _ctype(response: Response, default: str) -> str:
    return _header(response, "content-type") or default


def _max_age(version: int | None) -> float | None:
    """A versioned arXiv URL is served from the cache without asking again; unversioned
    URLs follow the latest version, so they are revalidated (ETag / 304)."""
    return float("inf") if version else None


def _max_bytes(settings: Settings) -> int:
    return int(settings.http.max_body_mb * 1_000_000)


def _with_version(arxiv_id: str, version: int | None) -> str:
    return f"{arxiv_id}v{version}" if version else arxiv_id
