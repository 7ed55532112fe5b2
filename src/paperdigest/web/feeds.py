"""RSS 2.0 and Atom 1.0 feeds of the archive and of each day (feedgen).

One item per paper: title, a link, the five-part summary as HTML content (rendered with the
site's autoescaping templates, so paper text is escaped inside the HTML, and feedgen escapes
that HTML again as XML text), the core contribution as the plain description.

Stable ids: an item's id is ``urn:paperdigest:paper:{arxiv_id}`` in every feed and every
rebuild (RSS ``guid isPermaLink="false"``, Atom ``id``); dates come from the store (the day,
the list's fetch time), never from the build clock, so an unchanged archive rebuilds to the
same bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..models import PaperReport
from .links import safe_url
from .render import PaperCard, StaticUrls, card, environment, ui

try:
    from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]
except ImportError as exc:  # pragma: no cover - exercised without the extra
    from ..errors import InputError

    raise InputError("feeds need the [web] extra: pip install 'paperdigest[web]'") from exc

__all__ = ["FeedEntry", "build_feeds", "item_id"]

HF_PAPERS = "https://huggingface.co/papers"


def item_id(arxiv_id: str) -> str:
    """The id of a paper's item in every feed (stable across rebuilds)."""
    return f"urn:paperdigest:paper:{arxiv_id}"


class FeedEntry:
    """A paper as a feed item: the report, the day it is filed under, and optionally its
    card with the body already rendered (:func:`.render.with_body`)."""

    def __init__(self, report: PaperReport, date: str, paper_card: PaperCard | None = None
                 ) -> None:
        self.report = report
        self.date = date
        self.card = paper_card


def _day_time(date: str) -> datetime:
    return datetime.fromisoformat(date).replace(tzinfo=UTC)


def build_feeds(
    entries: list[FeedEntry],
    *,
    title: str,
    feed_id: str,
    base_url: str,
    self_path: tuple[str, str],
    updated: str,
    lang: str,
) -> tuple[bytes, bytes]:
    """RSS 2.0 and Atom documents for ``entries`` (newest day first).

    Args:
        entries: the items, in feed order.
        title: the feed title.
        feed_id: the Atom feed id (stable, e.g. ``urn:paperdigest:day:2026-01-31``).
        base_url: absolute URL of the site root (``site.base_url``), or empty: then item links
            go to Hugging Face and the feed links to the Hugging Face papers page.
        self_path: the RSS and Atom documents' paths below the site root.
        updated: ISO 8601 time of the newest change (a day's list fetch time).
        lang: report language (``zh``/``en``).

    Returns:
        ``(rss_bytes, atom_bytes)``, UTF-8 XML.
    """
    base = safe_url(base_url)
    base = base.rstrip("/") + "/" if base else None
    words = ui(lang)
    template = environment().get_template("feed_item.html")
    urls = StaticUrls(0)
    stamp = datetime.fromisoformat(updated) if updated else datetime(1970, 1, 1, tzinfo=UTC)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)

    # Each item's HTML is rendered once and used by both documents.
    html = {id(e): template.render(card=_detached(e.card) if e.card else card(e.report),
                                   urls=urls, t=words) for e in entries}
    outputs: list[bytes] = []
    for fmt, path in zip(("rss", "atom"), self_path, strict=True):
        fg = FeedGenerator()
        fg.id(feed_id)
        fg.title(title)
        fg.language("zh-CN" if lang == "zh" else "en")
        fg.link(href=base or HF_PAPERS, rel="alternate")
        if base:
            fg.link(href=base + path, rel="self")
        fg.description(title)
        fg.generator("paperdigest")
        fg.author({"name": "paperdigest"})
        fg.updated(stamp)
        fg.lastBuildDate(stamp)
        for entry in reversed(entries):  # feedgen prepends: add oldest first
            report = entry.report
            ref = report.ref
            fe = fg.add_entry()
            fe.id(item_id(ref.arxiv_id))
            fe.guid(item_id(ref.arxiv_id), permalink=False)
            fe.title(" ".join(ref.title.split()) or ref.arxiv_id)
            link = base + urls.paper(ref.arxiv_id) if base else ref.hf_url
            fe.link(href=link, rel="alternate")
            when = _day_time(entry.date)
            fe.published(when)
            fe.updated(when)
            plain = _plain(report)
            fe.description(plain)
            fe.summary(plain)
            fe.content(html[id(entry)], type="html")
            for keyword in ref.ai_keywords[:8]:
                fe.category(term=keyword)
        outputs.append(fg.rss_str(pretty=True) if fmt == "rss" else fg.atom_str(pretty=True))
    return outputs[0], outputs[1]


def _detached(c: PaperCard) -> PaperCard:
    """The card without its days (they are site links)."""
    return PaperCard(report=c.report, links=c.links, untraced=c.untraced, traced=c.traced,
                     days=[], body_html=c.body_html)


def _plain(report: PaperReport) -> str:
    if report.summary is not None and report.failure is None:
        return " ".join(report.summary.contribution.split())
    if report.failure is not None:
        return f"{report.failure.stage}: {' '.join(report.failure.reason.split())}"
    return " ".join(report.ref.abstract.split())[:600] or report.ref.arxiv_id


def feed_paths(date: str | None = None) -> tuple[str, str]:
    """The RSS and Atom paths below the site root (archive, or one day)."""
    urls = StaticUrls(0)
    return urls.feed("rss", date), urls.feed("atom", date)
