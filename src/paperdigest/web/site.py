"""``paperdigest site``: the static HTML archive, built incrementally from the store.

Layout of ``OUT``::

    index.html                 days, newest first, with counts
    days/YYYY-MM-DD.html       a day: every paper's five parts, links, notes, failures
    papers/ARXIV_ID.html       one paper
    search.html                search over static/search/YYYY-MM.js (static/search.js)
    feeds/rss.xml, atom.xml    the archive feed; feeds/YYYY-MM-DD.{rss,atom}.xml per day
    static/                    style.css, theme.js, search.js; search/YYYY-MM.js shards
    .paperdigest-site.json     the build manifest (day fingerprints)

Incremental: the manifest keeps each day's fingerprint (:func:`.data.day_fingerprints`); a
rebuild renders only the days whose fingerprint changed (their day page, paper pages and day
feeds, the search shard of their month) plus the archive-wide files (index, search
page, archive feeds). Every file is
written atomically and only when its bytes change, and each written path is reported in
:attr:`BuildResult.written`. Templates, static files, site settings or the version changing
rebuild everything. Pages load nothing from outside ``OUT``.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..errors import InputError
from .data import (
    DayEntry,
    DayView,
    day_fingerprints,
    day_overview,
    day_themes,
    day_view,
    days_of_papers,
    list_days,
    search_documents,
)
from .feeds import FeedEntry, build_feeds, feed_paths
from .render import STATIC, StaticUrls, card, environment, templates_digest, ui, with_body
from .settings import SiteSettings

__all__ = ["BuildResult", "build_site"]

MANIFEST = ".paperdigest-site.json"
STATIC_FILES = ("style.css", "theme.js", "search.js")
_ARCHIVE_FILES = ("index.html", "search.html", "feeds/rss.xml", "feeds/atom.xml", MANIFEST)
#: File names taken from the store (dates, arXiv ids) must look like this.
_SAFE_NAME = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,80}$")


@dataclass
class BuildResult:
    """What a build did."""

    out: Path
    written: list[str] = field(default_factory=list)
    """Paths (relative to ``out``, ``/``-separated) whose bytes were written, in order."""
    removed: list[str] = field(default_factory=list)
    """Pages of days an earlier build wrote that no longer have a page of their own
    (:func:`.data.day_pages`: their list is now shown on an earlier stored day), removed."""
    days: int = 0
    """Days in the archive."""
    days_rendered: int = 0
    pages_rendered: int = 0
    """HTML pages rendered (written or found unchanged)."""
    seconds: float = 0.0


class _Writer:
    def __init__(self, out: Path, result: BuildResult) -> None:
        self.out = out
        self.result = result

    def write(self, rel: str, data: str | bytes) -> None:
        body = data.encode("utf-8") if isinstance(data, str) else data
        path = self.out / rel
        try:
            if path.stat().st_size == len(body) and path.read_bytes() == body:
                return
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.result.written.append(rel)

    def remove(self, rel: str) -> None:
        try:
            (self.out / rel).unlink()
        except FileNotFoundError:
            return
        self.result.removed.append(rel)


def _salt(settings: SiteSettings, lang: str) -> str:
    return json.dumps([__version__, templates_digest(), settings.model_dump(), lang],
                      sort_keys=True)


def build_site(conn: sqlite3.Connection, out: Path, settings: SiteSettings | None = None, *,
               lang: str = "zh", full: bool = False) -> BuildResult:
    """Build (or update) the static archive in ``out`` from the store behind ``conn``.

    Args:
        conn: a store connection (only read).
        out: the output directory (created).
        settings: the ``[site]`` settings.
        lang: summary language shown (``zh``/``en``); ``settings.lang`` wins when set.
        full: ignore the manifest and render every day.

    Raises:
        InputError: ``out`` exists and is not a directory, or cannot be written.
    """
    started = time.perf_counter()
    settings = settings or SiteSettings()
    lang = settings.lang or lang
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file; give a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create {out}: {exc.strerror}") from None
    result = BuildResult(out=out)
    writer = _Writer(out, result)
    manifest_path = out / MANIFEST
    salt = _salt(settings, lang)
    old: dict[str, str] = {}
    built: list[str] = []  # the days whose pages an earlier build wrote
    if manifest_path.is_file():
        try:
            data = json.loads(manifest_path.read_text(encoding="utf-8"))
            built = [str(d) for d in data.get("days", {})]
            if data.get("salt") == salt and not full:
                old = dict(data.get("days", {}))
        except (ValueError, OSError, AttributeError):
            old, built = {}, []

    incremental = bool(old)
    env = environment()
    words = ui(lang)
    base = {"site_title": settings.title, "t": words, "generated": f"v{__version__}"}

    for name in STATIC_FILES:
        writer.write(f"static/{name}", (STATIC / name).read_bytes())

    days = [d for d in list_days(conn) if _SAFE_NAME.match(d.date)]
    result.days = len(days)
    # A day built before whose list is now shown on an earlier stored day (its weekend run
    # came first): its page and feeds go, so the site holds exactly the days of day_pages.
    shown = {d.date for d in days}
    for date in built:
        if date in shown:
            continue
        old.pop(date, None)
        if _SAFE_NAME.match(date):
            for rel in (f"days/{date}.html", f"feeds/{date}.rss.xml", f"feeds/{date}.atom.xml"):
                writer.remove(rel)
    fingerprints = day_fingerprints(conn)
    day_tpl = env.get_template("day.html")
    paper_tpl = env.get_template("paper.html")
    done_papers: set[str] = set()
    views: dict[str, DayView] = {}
    for entry in days:
        fp = fingerprints.get(entry.date, "")
        if old.get(entry.date) == fp and (out / "days" / f"{entry.date}.html").is_file():
            continue
        view = day_view(conn, entry.date, lang)
        if view is None:
            continue
        views[entry.date] = view
        result.days_rendered += 1
        reports = [p for p in view.papers if _SAFE_NAME.match(p.ref.arxiv_id)]
        listed = days_of_papers(conn, [p.ref.arxiv_id for p in reports])
        cards = [with_body(card(p, listed.get(p.ref.arxiv_id)), words) for p in reports]
        writer.write(f"days/{entry.date}.html",
                     day_tpl.render(**base, urls=StaticUrls(1), day=view, cards=cards,
                                    overview=day_overview(conn, view, lang)))
        result.pages_rendered += 1
        for c in cards:
            if c.ref.arxiv_id in done_papers:
                continue
            done_papers.add(c.ref.arxiv_id)
            writer.write(f"papers/{c.ref.arxiv_id}.html",
                         paper_tpl.render(**base, urls=StaticUrls(1), card=c))
            result.pages_rendered += 1
        rss, atom = build_feeds(
            [FeedEntry(c.report, view.date, c) for c in cards],
            title=f"{settings.title} · {view.date}", feed_id=f"urn:paperdigest:day:{view.date}",
            base_url=settings.base_url, self_path=feed_paths(view.date),
            updated=view.fetched_at, lang=lang)
        writer.write(f"feeds/{view.date}.rss.xml", rss)
        writer.write(f"feeds/{view.date}.atom.xml", atom)
        old[entry.date] = fp

    # Archive-wide files: the index, the search page and index, the archive feeds. They
    # depend on nothing but the days: without a changed day they are up to date.
    if not views and not result.removed and all(
            (out / rel).is_file() for rel in _ARCHIVE_FILES):
        result.seconds = time.perf_counter() - started
        return result
    writer.write("index.html", env.get_template("index.html").render(
        **base, urls=StaticUrls(0), days=days, themes=day_themes(conn, lang)))
    months = sorted({d.date[:7] for d in days}, reverse=True)
    writer.write("search.html", env.get_template("search.html").render(
        **base, urls=StaticUrls(0), mode="static", query="", shards=months))
    result.pages_rendered += 2
    for month in months:
        if (not incremental or month in {d[:7] for d in views}
                or not (out / "static" / "search" / f"{month}.js").is_file()):
            writer.write(f"static/search/{month}.js", _search_shard(conn, month, lang))
    entries = _newest_entries(conn, days, views, lang, settings.feed_items)
    rss, atom = build_feeds(
        entries, title=settings.title, feed_id="urn:paperdigest:archive",
        base_url=settings.base_url, self_path=feed_paths(),
        updated=_newest_fetch(conn),
        lang=lang)
    writer.write("feeds/rss.xml", rss)
    writer.write("feeds/atom.xml", atom)
    writer.write(MANIFEST, json.dumps({"salt": salt, "days": old}, indent=0, sort_keys=True))
    result.seconds = time.perf_counter() - started
    return result


def _search_shard(conn: sqlite3.Connection, month: str, lang: str) -> str:
    """``static/search/MONTH.js``: the search records of the papers listed in ``month``.

    Shards are plain scripts (``file://`` pages cannot fetch JSON); each appends its records
    to ``window.PD_SEARCH_SHARDS``; search.js reads the newest month first and keeps each
    paper's first (newest) record.
    """
    docs = search_documents(conn, lang, month)
    for doc in docs:
        doc["url"] = StaticUrls(0).paper(str(doc["id"]))
    payload = json.dumps(docs, ensure_ascii=False, separators=(",", ":"))
    return ("(window.PD_SEARCH_SHARDS = window.PD_SEARCH_SHARDS || []).push("
            + payload.replace("</", "<\\/") + ");\n")


def _newest_fetch(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT MAX(fetched_at) FROM days").fetchone()
    return str(row[0] or "")


def _newest_entries(conn: sqlite3.Connection, days: list[DayEntry], views: dict[str, DayView],
                    lang: str, limit: int) -> list[FeedEntry]:
    """The archive feed's items: papers of the newest days, each paper once, at most ``limit``."""
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for entry in days:
        view = views.get(entry.date) or day_view(conn, entry.date, lang)
        if view is None:
            continue
        for report in view.papers:
            if report.ref.arxiv_id in seen or not _SAFE_NAME.match(report.ref.arxiv_id):
                continue
            seen.add(report.ref.arxiv_id)
            entries.append(FeedEntry(report, view.date))
            if len(entries) >= limit:
                return entries
    return entries
