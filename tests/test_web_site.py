"""The static archive, the served archive and the feeds, read back by parsers (no browser)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("jinja2", reason="the [web] extra is not installed")
feedparser = pytest.importorskip("feedparser", reason="feedparser (test extra) not installed")
lxml_html = pytest.importorskip("lxml.html")

from lxml import etree

from paperdigest.cli import main
from paperdigest.store import Store
from paperdigest.web.links import safe_url
from paperdigest.web.site import build_site
from tests.fakes.archive import (
    BOLD,
    DAYS,
    EARLY_REF,
    FAILED_REF,
    HOSTILE,
    HOSTILE_REF,
    UNIQUE_ZH,
    WEBARBITER,
    add_second_day,
    assert_inert,
    fill_archive,
)

ALL_IDS = {WEBARBITER.arxiv_id, HOSTILE_REF.arxiv_id, FAILED_REF.arxiv_id, EARLY_REF.arxiv_id}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    st = Store(tmp_path / "pd.sqlite3")
    fill_archive(st)
    yield st
    st.close()


def _doc(path: Path) -> Any:
    return lxml_html.fromstring(path.read_text(encoding="utf-8"))


def test_site_has_index_day_paper_search_and_feeds(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = build_site(store.conn, out)
    assert result.days == 2
    index = _doc(out / "index.html")
    # Newest day first, with its paper count.
    dates = [a.text_content() for a in index.xpath("//ol[@class='days']//a")]
    assert dates == [DAYS[1], DAYS[0]]
    counts = [s.text_content() for s in index.xpath("//ol[@class='days']//span[@class='count']")]
    assert counts[0].startswith("3") and counts[1].startswith("2")

    day = _doc(out / "days" / f"{DAYS[1]}.html")
    articles = day.xpath("//article[@class='paper']")
    # Report order: upvotes descending (42, 30, 7).
    assert [a.get("data-arxiv-id") for a in articles] == [
        WEBARBITER.arxiv_id, EARLY_REF.arxiv_id, HOSTILE_REF.arxiv_id]
    first = articles[0]
    assert [h.text_content() for h in first.xpath(".//section/h3")] == [
        "1. 应用领域", "2. 一句话核心贡献", "3. 使用指南", "4. 主要创新点", "5. 实验效果"]
    links = {a.text_content(): a.get("href") for a in first.xpath(".//p[@class='links']/a")}
    assert links == {
        "Hugging Face": "https://huggingface.co/papers/2601.90001",
        "arXiv": "https://arxiv.org/abs/2601.90001",
        "PDF": "https://arxiv.org/pdf/2601.90001",
        "GitHub": "https://github.com/example/webarbiter",
        "Project page": "https://example.org/webarbiter",
    }
    assert "阅读来源: HTML" in first.text_content()
    assert "GPT-9" in first.xpath(".//p[@class='warn']")[0].text_content()
    assert "2/3" in first.xpath(".//p[@class='verify']")[0].text_content()

    early = _doc(out / "days" / f"{DAYS[0]}.html")
    failure = early.xpath(f"//article[@data-arxiv-id='{FAILED_REF.arxiv_id}']"
                          "//p[@class='failure']")[0].text_content()
    assert "fetch" in failure and "HTTP 503 from arxiv.org" in failure
    assert {p.name for p in (out / "papers").iterdir()} == {f"{i}.html" for i in ALL_IDS}
    for name in ("style.css", "theme.js", "search.js", "search/2026-01.js"):
        assert (out / "static" / name).is_file()


def test_static_pages_load_nothing_from_outside(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(store.conn, out)
    for page in out.rglob("*.html"):
        doc = _doc(page)
        for el in doc.xpath("//script[@src] | //link[@href] | //img[@src] | //iframe"):
            ref = el.get("src") or el.get("href")
            if el.tag == "link" and el.get("rel") == "alternate":
                continue
            assert not ref.startswith(("http:", "https:", "//")), (page, ref)
            assert (page.parent / ref).resolve().is_file(), (page, ref)
    css = (out / "static" / "style.css").read_text()
    assert "url(" not in css and "@import" not in css


def test_hostile_title_and_links_are_inert_in_every_page(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(store.conn, out)
    for page in out.rglob("*.html"):
        assert_inert(_doc(page))
    day = (out / "days" / f"{DAYS[1]}.html").read_text(encoding="utf-8")
    assert HOSTILE not in day
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in day
    # Escaped exactly once (issue 14): the reader sees "<b>bold</b>", not "&lt;b>bold".
    assert "&lt;b&gt;bold&lt;/b&gt;" in day
    for page in out.rglob("*.html"):
        assert "&amp;lt;" not in page.read_text(encoding="utf-8"), page
    hostile = _doc(out / "papers" / f"{HOSTILE_REF.arxiv_id}.html")
    assert HOSTILE in hostile.xpath("//h1")[0].text_content()  # shown as text
    shown = hostile.text_content()
    assert f"安全 {HOSTILE} {BOLD}" in shown
    assert "[点我](javascript:alert(document.cookie))" in shown  # visible, not a link
    assert "&lt;" not in shown and "]\\(" not in shown
    labels = [a.text_content() for a in hostile.xpath("//p[@class='links']/a")]
    assert labels == ["Hugging Face", "arXiv", "PDF"]  # javascript: links dropped
    index_js = (out / "static" / "search" / "2026-01.js").read_text(encoding="utf-8")
    assert "</script" not in index_js.lower()


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)",
                                 "java\tscript:alert(1)", " javascript:x", "data:text/html,x",
                                 "vbscript:x", "//evil.example", "/relative", "https://",
                                 'https://a.example/"onmouseover="x', ""])
def test_safe_url_rejects(url: str) -> None:
    assert safe_url(url) is None


def test_safe_url_keeps_http_links() -> None:
    assert safe_url(" https://github.com/a/b ") == "https://github.com/a/b"
    assert safe_url("http://example.org/x?y=1&z=2") == "http://example.org/x?y=1&z=2"


def test_incremental_rebuild_rewrites_only_the_new_day(tmp_path: Path) -> None:
    st = Store(tmp_path / "pd.sqlite3")
    # Day 1 alone first.
    from tests.fakes import archive

    fetched = archive.datetime(2026, 2, 1, 12, 0, tzinfo=archive.UTC)
    st.save_day(DAYS[0], DAYS[0], [FAILED_REF], fetched, True)
    st.save_day("2026-01-29", "2026-01-29", [archive.PaperRef("2601.90005", "Other")], fetched,
                True)
    out = tmp_path / "site"
    first = build_site(st.conn, out)
    assert "days/2026-01-29.html" in first.written
    untouched = out / "days" / "2026-01-29.html"
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert build_site(st.conn, out).written == []  # nothing changed, nothing written
    time.sleep(0.01)
    add_second_day(st)
    second = build_site(st.conn, out)
    assert second.days_rendered == 1
    new_pages = {f"days/{DAYS[1]}.html", f"feeds/{DAYS[1]}.rss.xml", f"feeds/{DAYS[1]}.atom.xml",
                 *(f"papers/{i}.html" for i in (WEBARBITER.arxiv_id, HOSTILE_REF.arxiv_id,
                                               EARLY_REF.arxiv_id))}
    indexes = {"index.html", "static/search/2026-01.js", "feeds/rss.xml", "feeds/atom.xml",
               ".paperdigest-site.json"}
    assert new_pages <= set(second.written) <= new_pages | indexes
    assert untouched.stat().st_mtime_ns == before[untouched]
    assert (out / "days" / f"{DAYS[0]}.html").stat().st_mtime_ns == before[
        out / "days" / f"{DAYS[0]}.html"]
    # A full rebuild gives the same bytes as the incremental one.
    snapshot = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    full = build_site(st.conn, tmp_path / "full", full=True)
    again = {out / p.relative_to(full.out): p.read_bytes()
             for p in full.out.rglob("*") if p.is_file()}
    assert again == snapshot
    st.close()


def test_a_new_summary_rerenders_its_day(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(store.conn, out)
    from tests.fakes.archive import EARLY_SUMMARY, _key

    store.save_summary(_key(FAILED_REF), EARLY_SUMMARY)
    store.resolve_failures(FAILED_REF.arxiv_id)
    result = build_site(store.conn, out)
    assert f"days/{DAYS[0]}.html" in result.written
    assert f"papers/{FAILED_REF.arxiv_id}.html" in result.written
    page = _doc(out / "papers" / f"{FAILED_REF.arxiv_id}.html")
    assert not page.xpath("//p[@class='failure']")


def _entries(path: Path) -> Any:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_feeds_parse_and_keep_stable_ids(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(store.conn, out)
    rss, atom = _entries(out / "feeds" / "rss.xml"), _entries(out / "feeds" / "atom.xml")
    assert rss.version == "rss20" and atom.version == "atom10"
    expected = [WEBARBITER.arxiv_id, EARLY_REF.arxiv_id, HOSTILE_REF.arxiv_id,
                FAILED_REF.arxiv_id]  # newest day first, report order, each paper once
    for feed in (rss, atom):
        assert [e.id for e in feed.entries] == [f"urn:paperdigest:paper:{i}" for i in expected]
    day = _entries(out / "feeds" / f"{DAYS[1]}.atom.xml")
    assert len(day.entries) == 3
    assert day.entries[0].link == WEBARBITER.hf_url
    assert UNIQUE_ZH in day.entries[0].content[0].value
    # Rebuilding from scratch elsewhere gives the same ids and the same bytes.
    build_site(store.conn, tmp_path / "other", full=True)
    assert (tmp_path / "other" / "feeds" / "rss.xml").read_bytes() == (
        out / "feeds" / "rss.xml").read_bytes()


def test_feed_content_escapes_hostile_text(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(store.conn, out)
    for name in (f"{DAYS[1]}.rss.xml", f"{DAYS[1]}.atom.xml"):
        tree = etree.fromstring((out / "feeds" / name).read_bytes())
        titles = [t.text for t in tree.iter("title", "{http://www.w3.org/2005/Atom}title")]
        assert f"Hostile {HOSTILE} title" in titles  # plain text, as XML text
        contents = [c.text for c in tree.iter("{http://purl.org/rss/1.0/modules/content/}encoded",
                                              "{http://www.w3.org/2005/Atom}content")]
        assert len(contents) == 3
        for html in contents:
            fragment = lxml_html.fragment_fromstring(html, create_parent="div")
            assert_inert(fragment)
        hostile = next(c for c in contents if "2601.90002" in c)
        shown = lxml_html.fragment_fromstring(hostile, create_parent="div").text_content()
        assert "<script>alert(1)</script>" in shown
        assert BOLD in shown and "&lt;" not in shown  # escaped once, for HTML in XML
        for link in tree.iter("link", "{http://www.w3.org/2005/Atom}link"):
            href = link.get("href") or link.text or ""
            assert href.startswith("https://"), href


def test_site_command(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                      capsys: pytest.CaptureFixture[str]) -> None:
    home = Path(os.environ["PAPERDIGEST_HOME"])
    store.close()
    (tmp_path / "pd.sqlite3").rename(home / "paperdigest.sqlite3")
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"pd.sqlite3{suffix}").unlink(missing_ok=True)
    out = tmp_path / "out"
    assert main(["site", "--out", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["days"] == 2 and "index.html" in report["written"]
    assert main(["site", "--out", str(out / "index.html")]) == 1
    assert "is a file" in capsys.readouterr().err
