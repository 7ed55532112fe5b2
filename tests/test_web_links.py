"""QA fixes of the web archive: the site and serve agree on which days have a page, and no
written page links a page that is not written (a link checker over the output directory);
/ask checks its dates with the CLI's parser; pages speak one language.

The store is the archive fake (tests/fakes/archive.py) plus look-back days written here by
hand: days whose stored list is an earlier day's (``days.listed_date`` before ``date``), as
``run --from … --to …`` stores a weekend (QA: 180 broken links over 45 paper pages).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

pytest.importorskip("jinja2", reason="the [web] extra is not installed")
pytest.importorskip("starlette", reason="the [web] extra is not installed")
lxml_html = pytest.importorskip("lxml.html")

from starlette.testclient import TestClient

from paperdigest.ask.answer import REASONS
from paperdigest.ask.web import ask_context
from paperdigest.contract.vocab import NOT_MENTIONED, NOT_MENTIONED_EN
from paperdigest.store import Store
from paperdigest.web.app import LOOPBACK_HOSTS, create_app
from paperdigest.web.site import build_site
from paperdigest.web.vocab import query_error
from tests.fakes.archive import DAYS, EARLY_REF, HOSTILE_REF, WEBARBITER, fill_archive

#: Two look-back days holding the 2026-01-31 list (as a Sunday and Monday holiday would).
LOOKBACK = ("2026-02-01", "2026-02-02")


def _add_lookback(store: Store, days: tuple[str, ...] = LOOKBACK, listed: str = DAYS[1]) -> None:
    fetched = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
    for day in days:
        store.save_day(day, listed, [WEBARBITER, HOSTILE_REF, EARLY_REF], fetched, True)


@pytest.fixture
def store(tmp_path: Path) -> Any:
    st = Store(tmp_path / "pd.sqlite3")
    fill_archive(st)
    _add_lookback(st)
    yield st
    st.close()


def broken_links(out: Path) -> list[str]:
    """Every internal ``href``/``src`` of every HTML page under ``out`` that does not resolve
    to a file under ``out`` (or whose ``#fragment`` names no element of its target)."""
    broken: list[str] = []
    ids: dict[Path, set[str]] = {}

    def ids_of(path: Path) -> set[str]:
        if path not in ids:
            doc = lxml_html.fromstring(path.read_text(encoding="utf-8"))
            ids[path] = {str(v) for v in doc.xpath("//@id")}
        return ids[path]

    pages = sorted(out.rglob("*.html"))
    assert pages
    for page in pages:
        doc = lxml_html.fromstring(page.read_text(encoding="utf-8"))
        for el in doc.iter():
            if not isinstance(el.tag, str):
                continue
            for attr in ("href", "src"):
                value = el.get(attr)
                if value is None:
                    continue
                parts = urlsplit(value)
                if parts.scheme or parts.netloc:
                    continue  # outbound (https://arxiv.org/…): not the site's own
                target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
                where = f"{page.relative_to(out)}: {value}"
                if not target.is_file() or not target.is_relative_to(out.resolve()):
                    broken.append(where)
                elif parts.fragment and target.suffix == ".html" and (
                        parts.fragment not in ids_of(target)):
                    broken.append(where + " (no such id)")
    return broken


def _written_days(out: Path) -> set[str]:
    return {p.stem for p in (out / "days").glob("*.html")}


def _index_days(out: Path) -> set[str]:
    doc = lxml_html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    return {a.text_content().strip() for a in doc.xpath("//ol[@class='days']//a")}


def test_every_internal_link_of_the_site_resolves(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(store.conn, out)
    assert broken_links(out) == []
    # The look-back days are no pages of their own: their list is 2026-01-31's.
    assert _written_days(out) == _index_days(out) == set(DAYS)
    paper = lxml_html.fromstring(
        (out / "papers" / f"{WEBARBITER.arxiv_id}.html").read_text(encoding="utf-8"))
    assert [a.text_content() for a in paper.xpath("//p[@class='days']/a")] == [DAYS[1]]
    # The paper listed on both lists links both days, newest first, each once.
    early = lxml_html.fromstring(
        (out / "papers" / f"{EARLY_REF.arxiv_id}.html").read_text(encoding="utf-8"))
    assert [a.text_content() for a in early.xpath("//p[@class='days']/a")] == [DAYS[1], DAYS[0]]


def test_a_weekend_built_first_then_its_list_day(tmp_path: Path) -> None:
    """A look-back day stored before the day of its list has the page (the list's first
    stored day); once the list's own day is stored, the page moves there and the old page
    and its feeds leave the site, so no page links it and nothing stale stays."""
    with Store(tmp_path / "pd.sqlite3") as st:
        fetched = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
        st.save_day(DAYS[0], DAYS[0], [EARLY_REF], fetched, True)
        _add_lookback(st, (LOOKBACK[0],))
        out = tmp_path / "site"
        build_site(st.conn, out)
        assert _written_days(out) == _index_days(out) == {DAYS[0], LOOKBACK[0]}
        assert broken_links(out) == []

        st.save_day(DAYS[1], DAYS[1], [WEBARBITER, HOSTILE_REF, EARLY_REF], fetched, True)
        result = build_site(st.conn, out)
        assert _written_days(out) == _index_days(out) == {DAYS[0], DAYS[1]}
        assert f"days/{LOOKBACK[0]}.html" in result.removed
        assert not (out / "feeds" / f"{LOOKBACK[0]}.rss.xml").exists()
        assert broken_links(out) == []
        # A full rebuild agrees with the incremental one.
        build_site(st.conn, out, full=True)
        assert _written_days(out) == {DAYS[0], DAYS[1]}
        assert broken_links(out) == []


def test_serve_answers_exactly_the_days_the_site_writes(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(store.conn, out)
    written = _written_days(out)
    stored = [r[0] for r in store.conn.execute("SELECT date FROM days")]
    assert set(LOOKBACK) <= set(stored)
    store.close()
    app = create_app(Path(store.path), allowed_hosts=list(LOOPBACK_HOSTS), lang="en")
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for day in stored:
            expected = 200 if day in written else 404
            assert client.get(f"/days/{day}").status_code == expected, day
            assert client.get(f"/feeds/{day}.atom.xml").status_code == expected, day
        hidden = client.get(f"/days/{LOOKBACK[0]}")
        assert f"{LOOKBACK[0]} has no list of its own" in hidden.text
        assert f"the {DAYS[1]} list" in hidden.text
        # The paper page's "Listed on" links are the site's.
        page = lxml_html.fromstring(client.get(f"/papers/{EARLY_REF.arxiv_id}").text)
        links = page.xpath("//p[@class='days']/a/@href")
        assert links == [f"/days/{DAYS[1]}", f"/days/{DAYS[0]}"]
        assert all(client.get(href).status_code == 200 for href in links)


# ---------------------------------------------------------------------------- /ask dates

@pytest.fixture
def clients(tmp_path: Path) -> Any:
    path = tmp_path / "pd.sqlite3"
    with Store(path) as st:
        fill_archive(st)
    apps = {lang: create_app(path, allowed_hosts=list(LOOPBACK_HOSTS), lang=lang)
            for lang in ("zh", "en")}
    with TestClient(apps["zh"], base_url="http://127.0.0.1") as zh, \
            TestClient(apps["en"], base_url="http://127.0.0.1") as en:
        yield {"zh": zh, "en": en}


def _error(html: str, element: str) -> str:
    found = lxml_html.fromstring(html).xpath(f"//p[@id='{element}']")
    return found[0].text_content() if found else ""


@pytest.mark.parametrize(("params", "says"), [
    ({"from": "2026-99-01"}, "from: invalid date '2026-99-01': month must be in 1..12"),
    ({"to": "2026-02-30"}, "to: invalid date '2026-02-30': day is out of range for month"),
    ({"from": "2026-1-5"}, "from: invalid date '2026-1-5': use YYYY-MM-DD"),
    ({"from": "2999-01-01"}, "from: invalid date '2999-01-01': it is after today"),
    ({"from": "2026-01-31", "to": "2026-01-30"},
     "--from 2026-01-31 is after --to 2026-01-30"),
])
def test_ask_refuses_the_dates_the_cli_refuses(clients: dict[str, Any], params: dict[str, str],
                                               says: str) -> None:
    response = clients["en"].get("/ask", params={"q": "web", **params})
    assert response.status_code == 400
    assert says in _error(response.text, "ask-error")
    # The Chinese page refuses it too, in Chinese.
    response = clients["zh"].get("/ask", params={"q": "web", **params})
    assert response.status_code == 400
    error = _error(response.text, "ask-error")
    assert error and "invalid" not in error and ("日期" in error)


def test_ask_keeps_good_dates(clients: dict[str, Any]) -> None:
    response = clients["en"].get("/ask", params={"q": "reward model", "from": DAYS[1],
                                                 "to": DAYS[1]})
    assert response.status_code == 200
    assert WEBARBITER.arxiv_id in response.text


def test_ask_dates_use_the_pinned_clock(tmp_path: Path) -> None:
    with Store(tmp_path / "pd.sqlite3") as st:
        fill_archive(st)
        status, context = ask_context(st.conn, {"q": "web", "from": "2026-02-02"}, "en",
                                      today=date(2026, 2, 1))
    assert status == 400 and "after today (2026-02-01 UTC)" in context["error"]


# ---------------------------------------------------------------------- page language

def test_not_found_and_query_errors_speak_the_page_language(clients: dict[str, Any]) -> None:
    question = {"q": "zzyzx quantum basketweaving"}
    zh = clients["zh"].get("/ask", params=question)
    assert _error(zh.text, "ask-status") == REASONS["no_match"]["zh"]
    assert "Not found in the archive:" not in zh.text
    en = clients["en"].get("/ask", params=question)
    assert _error(en.text, "ask-status") == REASONS["no_match"]["en"]

    zh = clients["zh"].get("/search", params={"q": '"unclosed'})
    assert zh.status_code == 400
    assert _error(zh.text, "search-error").startswith("搜索语法：双引号没有闭合")
    assert "search syntax" not in zh.text
    en = clients["en"].get("/search", params={"q": '"unclosed'})
    assert _error(en.text, "search-error").startswith("search syntax: a double quote")
    for query in ("(reward OR", "reward AND", "()", "reward)"):
        zh = clients["zh"].get("/search", params={"q": query})
        error = _error(zh.text, "search-error")
        assert zh.status_code == 400 and error.startswith("搜索语法"), (query, error)
        assert "search syntax" not in zh.text and "needs a word" not in error
    # A message without a Chinese line of its own gets the general Chinese line.
    assert query_error("search syntax: something new", "zh").startswith("搜索语法有误")
    assert query_error("interest: oops", "zh").startswith("无法解析这个查询")
    assert query_error("interest: oops", "en") == "interest: oops"
    # The ask form's words are the page's.
    form = lxml_html.fromstring(clients["zh"].get("/ask").text)
    assert form.xpath("//h1")[0].text_content() == "向存档提问"
    assert form.xpath("//input[@name='from']/@aria-label") == ["起始日期"]


def test_english_site_over_chinese_summaries_says_so(tmp_path: Path) -> None:
    """Only Chinese summaries stored, an English site: each summarized paper carries the note
    ``show --lang en`` prints, and the not-mentioned marker is the English one."""
    with Store(tmp_path / "pd.sqlite3") as st:
        fill_archive(st)
        out = tmp_path / "en"
        build_site(st.conn, out, lang="en")
        zh_out = tmp_path / "zh"
        build_site(st.conn, zh_out, lang="zh")
    page = lxml_html.fromstring(
        (out / "papers" / f"{EARLY_REF.arxiv_id}.html").read_text(encoding="utf-8"))
    note = page.xpath("//p[contains(@class, 'lang-note')]")
    assert [n.text_content() for n in note] == [
        (f"no en summary of {EARLY_REF.arxiv_id} is stored; showing the zh one "
         f"(`paperdigest run --ids {EARLY_REF.arxiv_id} --lang en` makes one)")]
    usage = {li.xpath("strong")[0].text_content(): li.xpath("span")[0].text_content()
             for li in page.xpath("//section[contains(@class, 'part-3')]//li")}
    assert usage["Input"] == "多视角图像与语言指令"  # content stays as stored
    assert usage["Output"] == NOT_MENTIONED_EN  # the marker in the page's language
    assert NOT_MENTIONED not in page.text_content()
    # The Chinese site: no note, the Chinese marker.
    zh_page = lxml_html.fromstring(
        (zh_out / "papers" / f"{EARLY_REF.arxiv_id}.html").read_text(encoding="utf-8"))
    assert not zh_page.xpath("//p[contains(@class, 'lang-note')]")
    assert NOT_MENTIONED in zh_page.text_content()
    # Day pages carry the same note per paper.
    day = (out / "days" / f"{DAYS[1]}.html").read_text(encoding="utf-8")
    assert day.count('class="note lang-note"') == 3
