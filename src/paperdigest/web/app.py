"""``paperdigest serve``: the archive live from the store (Starlette), with FTS5 search.

Read-only by construction: every request reads through its own ``mode=ro`` SQLite connection
(one per worker thread), routes accept only GET and HEAD, and there is no form that writes.
Pages are the static site's templates with absolute links (:class:`.render.ServerUrls`);
``/search?q=`` queries the store's FTS5 index (:func:`paperdigest.index.search`), and a query
that does not parse gets a 400 page that says why (never a 500). Responses carry a
Content-Security-Policy that allows only this origin's own scripts and styles.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

from .. import __version__
from ..errors import StoreCorruptError
from ..index import SearchQueryError, search
from ..store import connect
from .data import (
    day_overview,
    day_pages,
    day_themes,
    day_view,
    days_of_papers,
    list_days,
    paper_view,
)
from .feeds import FeedEntry, build_feeds, feed_paths
from .render import STATIC, ServerUrls, card, environment, ui
from .settings import SiteSettings
from .vocab import not_found, not_own_day, query_error

try:
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles
except ImportError as exc:  # pragma: no cover - exercised without the extra
    from ..errors import InputError

    raise InputError("serve needs the [web] extra: pip install 'paperdigest[web]'") from exc

__all__ = ["LOOPBACK_HOSTS", "create_app"]

logger = logging.getLogger(__name__)

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ARXIV = re.compile(r"^\d{4}\.\d{4,5}$")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class _Connections:
    """One read-only connection per worker thread; all closed at shutdown."""

    def __init__(self, db_path: Path) -> None:
        self.path = db_path
        self.local = threading.local()
        self.all: list[sqlite3.Connection] = []
        self.lock = threading.Lock()

    def get(self) -> sqlite3.Connection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = connect(self.path, read_only=True)
            self.local.conn = conn
            with self.lock:
                self.all.append(conn)
        return conn

    def close(self) -> None:
        with self.lock:
            for conn in self.all:
                conn.close()
            self.all.clear()


def create_app(db_path: Path, site: SiteSettings | None = None, *, lang: str = "zh",
               allowed_hosts: list[str] | None = None) -> Starlette:
    """The ASGI app serving the store at ``db_path`` (which must exist and be migrated).

    Args:
        db_path: the store file (opened read-only per thread).
        site: the ``[site]`` settings.
        lang: summary language shown; ``site.lang`` wins when set.
        allowed_hosts: ``Host`` header values accepted (DNS-rebinding guard); ``None``
            accepts any host.
    """
    site = site or SiteSettings()
    lang = site.lang or lang
    words = ui(lang)
    urls = ServerUrls()
    env = environment()
    conns = _Connections(db_path)
    base = {"site_title": site.title, "t": words, "generated": f"v{__version__}", "urls": urls}

    def page(template: str, status: int = 200, **context: object) -> HTMLResponse:
        html = env.get_template(template).render(**base, **context)
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    def index(request: Request) -> Response:
        return page("index.html", days=list_days(conns.get()), themes=day_themes(conns.get(), lang))

    def own_day(date: str) -> None:
        """404 unless ``date`` has a page of its own (:func:`.data.day_pages`, as the site)."""
        page_of = day_pages(conns.get()).get(date) if _DATE.match(date) else None
        if page_of is None:
            raise HTTPException(404, not_found("day", lang, date))
        if page_of != date:
            raise HTTPException(404, not_own_day(date, page_of, lang, urls.day(page_of)))

    def day(request: Request) -> Response:
        date = request.path_params["date"]
        own_day(date)
        view = day_view(conns.get(), date, lang)
        if view is None:
            raise HTTPException(404, not_found("day", lang, date))
        listed = days_of_papers(conns.get(), [p.ref.arxiv_id for p in view.papers])
        cards = [card(p, listed.get(p.ref.arxiv_id)) for p in view.papers]
        return page("day.html", day=view, cards=cards,
                    overview=day_overview(conns.get(), view, lang))

    def paper(request: Request) -> Response:
        arxiv_id = request.path_params["arxiv_id"]
        report = paper_view(conns.get(), arxiv_id, lang) if _ARXIV.match(arxiv_id) else None
        if report is None:
            raise HTTPException(404, not_found("paper", lang, arxiv_id))
        listed = days_of_papers(conns.get(), [arxiv_id])
        return page("paper.html", card=card(report, listed.get(arxiv_id)))

    def search_page(request: Request) -> Response:
        query = request.query_params.get("q", "").strip()[:500]
        if not query:
            return page("search.html", mode="server", query="", hits=[], error="")
        try:
            hits = search(conns.get(), query, limit=50)
        except SearchQueryError as exc:
            return page("search.html", status=400, mode="server", query=query, hits=[],
                        error=query_error(str(exc), lang))
        return page("search.html", mode="server", query=query, hits=hits, error="")

    def ask_page(request: Request) -> Response:
        from ..ask.web import ask_context  # issue 17: passages for a question

        status, context = ask_context(conns.get(), request.query_params, lang)
        return page("ask.html", status=status, **context)

    def feed(request: Request) -> Response:
        name = request.path_params["name"]
        match = re.match(r"^(?:(\d{4}-\d{2}-\d{2})\.)?(rss|atom)\.xml$", name)
        if match is None:
            raise HTTPException(404, not_found("feed", lang))
        date, fmt = match.groups()
        conn = conns.get()
        if date:
            own_day(date)
            view = day_view(conn, date, lang)
            if view is None:
                raise HTTPException(404, not_found("day", lang, date))
            entries = [FeedEntry(p, view.date) for p in view.papers]
            title, feed_id, updated = (f"{site.title} · {date}", f"urn:paperdigest:day:{date}",
                                       view.fetched_at)
        else:
            entries, seen = [], set()
            for entry in list_days(conn):
                view = day_view(conn, entry.date, lang)
                for report in view.papers if view else []:
                    if report.ref.arxiv_id not in seen and len(entries) < site.feed_items:
                        seen.add(report.ref.arxiv_id)
                        entries.append(FeedEntry(report, entry.date))
                if len(entries) >= site.feed_items:
                    break
            row = conn.execute("SELECT MAX(fetched_at) FROM days").fetchone()
            title, feed_id, updated = site.title, "urn:paperdigest:archive", str(row[0] or "")
        rss, atom = build_feeds(entries, title=title, feed_id=feed_id, base_url=site.base_url,
                                self_path=feed_paths(date), updated=updated, lang=lang)
        body, media = (rss, "application/rss+xml") if fmt == "rss" else (
            atom, "application/atom+xml")
        return Response(body, media_type=media, headers=SECURITY_HEADERS)

    async def error_page(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        detail = getattr(exc, "detail", "")
        if status == 404 and (not detail or detail == "Not Found"):  # Starlette's: no route
            detail = not_found("page", lang)
        html = env.get_template("error.html").render(**base, status=status, detail=detail)
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    async def unavailable(request: Request, exc: Exception) -> Response:
        # A damaged store (found by whichever query reads the damage): 503 with the CLI's
        # one line (paperdigest.store.damaged), and one log line, never a traceback.
        detail = " ".join(str(exc).split())
        logger.error("%s %s: %s", request.method, request.url.path, detail)
        html = env.get_template("error.html").render(**base, status=503, detail=detail)
        return HTMLResponse(html, status_code=503, headers=SECURITY_HEADERS)

    get = ["GET", "HEAD"]
    routes = [
        Route("/", index, methods=get),
        Route("/days/{date}", day, methods=get),
        Route("/papers/{arxiv_id}", paper, methods=get),
        Route("/search", search_page, methods=get),
        Route("/ask", ask_page, methods=get),
        Route("/feeds/{name}", feed, methods=get),
        Mount("/static", app=StaticFiles(directory=str(STATIC)), name="static"),
    ]
    middleware = []
    if allowed_hosts:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts))
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            conns.close()

    return Starlette(routes=routes, middleware=middleware,
                     exception_handlers={HTTPException: error_page,
                                         StoreCorruptError: unavailable},
                     lifespan=lifespan)
