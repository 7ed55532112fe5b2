"""Hugging Face Daily Papers: the list of papers for a day, an ISO week or a month.

The API is ``GET {hf_url}/api/daily_papers?date=YYYY-MM-DD&limit=100&p=N`` (also ``week=`` and
``month=``), answering a JSON list of items ``{"paper": {...}, ...}``. Its schema grew over
time (see ``corpus/SOURCES.md``): 2024 items have only ``paper.{id, authors, publishedAt, title,
summary, upvotes}``, with hard line breaks in titles and summaries; mid-2025 items add
``ai_summary``, ``ai_keywords``, ``githubRepo`` and ``projectPage``; later ones ``githubStars``,
``organization`` (an object) and ``submittedOnDailyAt``. :func:`parse_daily_papers` reads all of
them into :class:`~paperdigest.models.PaperRef`.

A day with no list answers ``[]``; :meth:`HFSource.find_day` then looks back to the latest
earlier day that has one (DESIGN §2).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..dates import format_week, parse_month, parse_week
from ..errors import HTTPError, NoPapersError, NotFoundError, RateLimitedError, SourceError
from ..models import ARXIV_ID_RE, PaperRef

if TYPE_CHECKING:
    from ..config import Settings
    from ..fetch.http import HttpClient

logger = logging.getLogger(__name__)

#: Items per page. 100 is the largest page the HF API serves; a page with fewer items is last.
PAGE_LIMIT = 100
#: Safety stop for a server that ignores ``p`` (a busy month has ~1,000 papers = 10 pages).
MAX_PAGES = 50
#: A listed day is settled once fetched this long after the UTC day ended (DESIGN §5).
SETTLE_AFTER = timedelta(hours=36)

_WS_RE = re.compile(r"\s+")


def _clean(text: Any) -> str:
    """Collapse runs of whitespace (the 2024 API kept the arXiv hard line breaks)."""
    if not isinstance(text, str):
        return ""
    return _WS_RE.sub(" ", text).strip()


def _opt_str(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _opt_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _organization(value: Any) -> str | None:
    """``organization`` is an object (``fullname``, ``name``); older mirrors may send a string."""
    if isinstance(value, dict):
        return _opt_str(value.get("fullname")) or _opt_str(value.get("name"))
    return _opt_str(value)


def _authors(value: Any) -> list[str]:
    names: list[str] = []
    if not isinstance(value, list):
        return names
    for author in value:
        if isinstance(author, dict):
            # Hidden authors are still authors of the paper; HF only hides their profile link.
            name = _clean(author.get("name"))
            if not name and isinstance(author.get("user"), dict):
                name = _clean(author["user"].get("fullname"))
        else:
            name = _clean(author)
        if name:
            names.append(name)
    return names


def _parse_item(item: Any, index: int, listed_date: str | None) -> PaperRef:
    if not isinstance(item, dict) or not isinstance(item.get("paper"), dict):
        raise SourceError(
            f"unexpected Hugging Face daily_papers item #{index}: no 'paper' object; "
            "is the endpoint (PAPERDIGEST_HF_URL) a Hugging Face API?"
        )
    paper: dict[str, Any] = item["paper"]
    raw_id = paper.get("id")
    if raw_id is None or raw_id == "":
        raise SourceError(f"unexpected Hugging Face daily_papers item #{index}: no paper.id")
    arxiv_id = raw_id if isinstance(raw_id, str) else ""
    if not ARXIV_ID_RE.match(arxiv_id) or "\n" in arxiv_id:
        # Ids are used in URLs, file names and report headings: only the arXiv grammar.
        raise SourceError(f"Hugging Face daily_papers item #{index}: paper.id "
                          f"{_one_line(repr(raw_id), 60)} is not an arXiv id")
    title = _clean(paper.get("title")) or _clean(item.get("title"))
    abstract = _clean(paper.get("summary")) or _clean(item.get("summary"))
    submitted = _opt_str(paper.get("submittedOnDailyAt"))
    keywords = paper.get("ai_keywords")
    if not isinstance(keywords, list):
        keywords = []
    upvotes = _opt_int(paper.get("upvotes"))
    return PaperRef(
        arxiv_id=arxiv_id,
        title=title,
        authors=_authors(paper.get("authors")),
        abstract=abstract,
        upvotes=upvotes if upvotes is not None else 0,
        published_at=_opt_str(paper.get("publishedAt")) or _opt_str(item.get("publishedAt")),
        submitted_on_daily_at=submitted,
        ai_summary=_clean(paper.get("ai_summary")) or None,
        ai_keywords=[_clean(k) for k in keywords if _clean(k)],
        github_repo=_opt_str(paper.get("githubRepo")),
        github_stars=_opt_int(paper.get("githubStars")),
        project_page=_opt_str(paper.get("projectPage")),
        organization=_organization(paper.get("organization"))
        or _organization(item.get("organization")),
        listed_date=listed_date or (submitted[:10] if submitted else None),
    )


def parse_daily_papers(data: Any, listed_date: str | None = None,
                       rejected: list[RejectedItem] | None = None) -> list[PaperRef]:
    """Turn a decoded ``/api/daily_papers`` response into paper refs, in the server's order.

    Args:
        data: the decoded JSON (a list of items).
        listed_date: the day (YYYY-MM-DD) that was asked for; when ``None`` each paper's
            ``submittedOnDailyAt`` date is used where present.
        rejected: when given, a malformed item (no ``paper`` object, no ``paper.id``, an id
            that is not an arXiv id) is appended here with its reason and the other items
            proceed (issue 11); when ``None`` it raises.

    Raises:
        SourceError: ``data`` is not a list; a malformed item when ``rejected`` is ``None``;
            every item malformed (not a Daily Papers list at all).
    """
    if not isinstance(data, list):
        kind = type(data).__name__
        detail = f": {data.get('error')}" if isinstance(data, dict) and data.get("error") else ""
        raise SourceError(
            f"unexpected Hugging Face daily_papers response: expected a JSON list, got {kind}"
            f"{detail}"
        )
    if rejected is None:
        return [_parse_item(item, i, listed_date) for i, item in enumerate(data)]
    refs, bad = [], []
    for i, item in enumerate(data):
        try:
            refs.append(_parse_item(item, i, listed_date))
        except SourceError as exc:
            bad.append(RejectedItem(f"item-{i}", str(exc)))
    if bad and not refs:
        raise SourceError(f"{bad[0].reason} (and every other item of the list is malformed)")
    rejected.extend(bad)
    return refs


@dataclass
class RejectedItem:
    """A list item that could not be used: a label (``item-3``) and the one-line reason."""

    label: str
    reason: str


def is_settled(day: date, fetched_at: datetime) -> bool:
    """True when a list fetched at ``fetched_at`` can no longer change (DESIGN §5).

    Late submissions and upvotes keep arriving for a while; a list fetched more than
    36 hours after the UTC day ended is treated as final. Naive datetimes are taken as UTC.
    """
    if fetched_at.tzinfo is None:
        fetched_at = fetched_at.replace(tzinfo=UTC)
    day_end = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
    return fetched_at - day_end > SETTLE_AFTER


class HFSource:
    """Lists papers from the Hugging Face Daily Papers API (``settings.endpoints.hf_url``)."""

    def __init__(self, http: HttpClient, settings: Settings, page_limit: int = PAGE_LIMIT) -> None:
        self.http = http
        self.settings = settings
        self.page_limit = page_limit
        """Items asked per page; tests lower it to exercise paging."""
        self.rejected: list[RejectedItem] = []
        """Malformed items of the lists fetched so far (each a failure of its own)."""

    @property
    def api_url(self) -> str:
        return f"{self.settings.endpoints.hf_url.rstrip('/')}/api/daily_papers"

    def list_day(self, day: date) -> list[PaperRef]:
        """Every paper listed for ``day`` (possibly none), deduplicated by id.

        Raises:
            SourceError: the API is missing, rejected the request or answered garbage.
        """
        text = day.isoformat()
        return self._list({"date": text}, listed_date=text)

    def list_week(self, iso_week: str) -> list[PaperRef]:
        """Every paper listed in the ISO week ``YYYY-Www``.

        Raises:
            InputError: the week is malformed.
            SourceError: see :meth:`list_day`.
        """
        monday, _ = parse_week(iso_week)
        return self._list({"week": format_week(monday)}, listed_date=None)

    def list_month(self, month: str) -> list[PaperRef]:
        """Every paper listed in the month ``YYYY-MM``.

        Raises:
            InputError: the month is malformed.
            SourceError: see :meth:`list_day`.
        """
        first, _ = parse_month(month)
        return self._list({"month": first.strftime("%Y-%m")}, listed_date=None)

    def find_day(self, day: date, lookback: int | None = None) -> tuple[date, list[PaperRef]]:
        """The list for ``day``, or for the latest earlier day that has one.

        Args:
            day: the requested day.
            lookback: how many earlier days to try (default ``settings.lookback_days``, 7).

        Returns:
            ``(listed_day, papers)``; ``listed_day`` is ``day`` unless its list was empty.

        Raises:
            NoPapersError: neither ``day`` nor the ``lookback`` days before it list anything.
            SourceError: see :meth:`list_day`.
        """
        if lookback is None:
            lookback = self.settings.lookback_days
        for back in range(lookback + 1):
            candidate = day - timedelta(days=back)
            papers = self.list_day(candidate)
            if papers:
                if back:
                    logger.info(
                        "no papers listed for %s; using %s (%d papers)", day, candidate, len(papers)
                    )
                return candidate, papers
            logger.debug("no papers listed for %s", candidate)
        first = day - timedelta(days=lookback)
        window = (
            f" nor the {lookback} day(s) before it ({first.isoformat()}..{day.isoformat()})"
            if lookback
            else ""
        )
        raise NoPapersError(
            f"no Hugging Face Daily Papers listed for {day.isoformat()}{window}; "
            "try another --date"
        )

    def _list(self, query: dict[str, str], listed_date: str | None) -> list[PaperRef]:
        seen: dict[str, PaperRef] = {}
        for page in range(MAX_PAGES):
            params = {**query, "limit": str(self.page_limit), "p": str(page)}
            items = self._get_page(params, listed_date)
            new = 0
            for ref in items:
                if ref.arxiv_id not in seen:
                    seen[ref.arxiv_id] = ref
                    new += 1
            if len(items) < self.page_limit or new == 0:
                # A short page is the last one; a page of repeats means the server ignores `p`.
                break
        else:
            logger.warning("stopped paging %s after %d pages", query, MAX_PAGES)
        return list(seen.values())

    def _get_page(self, params: dict[str, str], listed_date: str | None) -> list[PaperRef]:
        where = "&".join(f"{k}={v}" for k, v in params.items())
        url = self.api_url
        from ..fetch.http import parse_json, require_json

        try:
            # require_json: a body that is not sane UTF-8 JSON is an error, and never cached.
            response = self.http.get(url, role="hf", params=params, check=require_json)
        except NotFoundError as exc:
            raise SourceError(
                f"{url} answered 404: this Hugging Face endpoint has no daily_papers API "
                "(a mirror?); set PAPERDIGEST_HF_URL to https://huggingface.co or a server "
                "that serves /api/daily_papers"
            ) from exc
        except RateLimitedError as exc:
            wait = f" (retry after {exc.retry_after:g} s)" if exc.retry_after else ""
            raise SourceError(
                f"Hugging Face rate-limited the paper list{wait}; wait a few minutes and rerun, "
                "or lower limits.hf"
            ) from exc
        except HTTPError as exc:
            if exc.status == 200 and exc.detail:  # the body failed require_json
                raise SourceError(
                    f"Hugging Face answered invalid JSON for {where} ({exc.detail}); retry "
                    "later, or check PAPERDIGEST_HF_URL"
                ) from None
            if exc.status == 400:
                detail = _server_message(getattr(exc, "body", "")) or _one_line(str(exc))
                raise SourceError(f"Hugging Face rejected the request {where}: {detail}") from exc
            raise SourceError(
                f"could not list Hugging Face Daily Papers ({where}): {_one_line(str(exc))}"
            ) from exc
        try:
            data = parse_json(response.content)
        except ValueError as exc:
            raise SourceError(
                f"Hugging Face answered invalid JSON for {where} "
                f"(HTTP {response.status}, {len(response.content)} bytes); retry later, or check "
                "PAPERDIGEST_HF_URL"
            ) from exc
        return parse_daily_papers(data, listed_date, rejected=self.rejected)


def _server_message(body: Any) -> str:
    """The ``error`` field of a JSON error body (HF answers ``{"error": "..."}``), else ``""``."""
    if not isinstance(body, str) or not body.strip():
        return ""
    from ..fetch.http import parse_json

    try:
        data = parse_json(body)
    except ValueError:
        return _one_line(body)
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return _one_line(data["error"])
    return _one_line(body)


def _one_line(text: str, limit: int = 300) -> str:
    text = _WS_RE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
