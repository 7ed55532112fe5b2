"""The archive in a real browser: headless Chromium (Debian's package) driven by Playwright.

Against the static site opened from ``file://`` and against ``paperdigest serve``'s app on
127.0.0.1: the index lists the days, a day page shows every paper with its five parts, a
search for a word of one summary finds that paper, the dark theme toggles, hostile paper text
never runs, and no request leaves 127.0.0.1/file:// (every request is recorded; anything
else is aborted and fails the test). Screenshots of a day page are written under the test's
temporary directory and their paths printed (``pytest -s`` or ``-rP`` shows them).

Chromium is never downloaded (no ``playwright install``): the tests use ``/usr/bin/chromium``
(``PAPERDIGEST_CHROMIUM`` overrides), installed by ``.ci/run`` with apt. Without it or without
Playwright they skip with the reason; with ``CI=true`` they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paperdigest.store import Store
from tests.fakes.archive import DAYS, FAILED_REF, HOSTILE_REF, UNIQUE_EN, UNIQUE_ZH, WEBARBITER

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("PAPERDIGEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} and CI=true: .ci/run installs it")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[test]')")
    for module in ("jinja2", "starlette", "uvicorn", "feedgen"):
        try:
            __import__(module)
        except ImportError:
            _missing(f"{module} is not installed (the [web] extra)")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        _missing(f"{CHROMIUM} not found (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from paperdigest.web.site import build_site
    from tests.fakes.archive import fill_archive

    root = tmp_path_factory.mktemp("browser")
    db = root / "pd.sqlite3"
    with Store(db) as st:
        fill_archive(st)
        build_site(st.conn, root / "site")
    return {"db": db, "site": root / "site", "root": root}


@pytest.fixture(scope="module")
def server(archive: dict[str, Path]) -> Iterator[str]:
    import uvicorn

    from paperdigest.web.app import LOOPBACK_HOSTS, create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(archive["db"], allowed_hosts=list(LOOPBACK_HOSTS))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


class Recorder:
    """Every request the page makes; anything not local is aborted and kept in ``outside``."""

    def __init__(self, allowed: tuple[str, ...]) -> None:
        self.allowed = allowed
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []

    def route(self, route: Any) -> None:
        url = route.request.url
        self.requests.append(url)
        if url.startswith(self.allowed):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()


@pytest.fixture
def page_for(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def make(allowed: tuple[str, ...], **options: Any) -> tuple[Any, Recorder]:
        context = browser.new_context(**options)
        contexts.append(context)
        recorder = Recorder(allowed)
        context.route("**/*", recorder.route)
        page = context.new_page()
        page.on("dialog", lambda d: (recorder.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: recorder.errors.append(str(e)))
        return page, recorder

    yield make
    for context in contexts:
        context.close()


def _check_day_page(page: Any) -> None:
    articles = page.locator("article.paper")
    assert articles.count() == 3
    ids = [articles.nth(i).get_attribute("data-arxiv-id") for i in range(3)]
    assert ids == [WEBARBITER.arxiv_id, "2601.90004", HOSTILE_REF.arxiv_id]
    for i in range(3):
        headings = articles.nth(i).locator("section.part h3").all_inner_texts()
        assert [h.split(".")[0] for h in headings] == ["1", "2", "3", "4", "5"]
    assert page.locator("img").count() == 0  # the hostile <img> is text, not an element
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _toggle_theme(page: Any) -> None:
    background = "getComputedStyle(document.body).backgroundColor"
    before_theme = page.evaluate("document.documentElement.getAttribute('data-theme')")
    before = page.evaluate(background)
    page.click("#theme-toggle")
    after = page.evaluate(background)
    theme = page.evaluate("document.documentElement.getAttribute('data-theme')")
    assert theme in ("dark", "light") and theme != before_theme and after != before
    page.click("#theme-toggle")
    assert page.evaluate(background) == before


def _assert_local_only(recorder: Recorder) -> None:
    assert recorder.requests, "no request was recorded"
    assert recorder.outside == []
    assert recorder.dialogs == []  # alert(1) never ran
    assert recorder.errors == []


def test_static_site_from_files(page_for: Any, archive: dict[str, Path],
                                tmp_path: Path) -> None:
    site = archive["site"]
    page, recorder = page_for(("file://",), viewport={"width": 390, "height": 844})
    page.goto((site / "index.html").as_uri())
    days = page.locator("ol.days a").all_inner_texts()
    assert days == [DAYS[1], DAYS[0]]
    page.click(f"text={DAYS[1]}")
    page.wait_for_url("**/days/2026-01-31.html")
    _check_day_page(page)
    shot = tmp_path / "day-static-phone.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot of the static day page: {shot}")
    assert shot.stat().st_size > 10_000
    _toggle_theme(page)

    page.goto((site / "days" / f"{DAYS[0]}.html").as_uri())
    failure = page.locator(f"article[data-arxiv-id='{FAILED_REF.arxiv_id}'] .failure")
    assert "fetch" in failure.inner_text() and "HTTP 503" in failure.inner_text()

    for word, expected in ((UNIQUE_ZH, WEBARBITER.arxiv_id), (UNIQUE_EN, WEBARBITER.arxiv_id)):
        page.goto((site / "search.html").as_uri())
        page.fill("#q", word)
        page.press("#q", "Enter")
        page.wait_for_selector("#results li")
        assert page.locator("#results li").evaluate_all(
            "els => els.map(e => e.dataset.arxivId)") == [expected]
        assert page.locator("#results mark").first.inner_text().lower() == word.lower()
        page.click("#results li a")
        page.wait_for_url(f"**/papers/{expected}.html")
    # The header's search box hands the query over in the URL.
    page.goto((site / "index.html").as_uri())
    page.fill("header input[name=q]", "alert")
    page.press("header input[name=q]", "Enter")
    page.wait_for_selector("#results li")
    assert HOSTILE_REF.arxiv_id in page.locator("#results li").evaluate_all(
        "els => els.map(e => e.dataset.arxivId)")
    _assert_local_only(recorder)
    assert all(u.startswith("file://") for u in recorder.requests)


def test_served_archive(page_for: Any, server: str, tmp_path: Path) -> None:
    page, recorder = page_for((server + "/",))
    page.goto(server + "/")
    assert page.locator("ol.days a").all_inner_texts() == [DAYS[1], DAYS[0]]
    page.click(f"text={DAYS[1]}")
    page.wait_for_url(f"**/days/{DAYS[1]}")
    _check_day_page(page)
    shot = tmp_path / "day-served.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot of the served day page: {shot}")
    _toggle_theme(page)
    # The choice survives a reload (localStorage).
    page.click("#theme-toggle")
    chosen = page.evaluate("document.documentElement.getAttribute('data-theme')")
    page.reload()
    assert page.evaluate("document.documentElement.getAttribute('data-theme')") == chosen

    for query in (UNIQUE_ZH[:2], "模型", UNIQUE_EN):
        page.fill("header input[name=q]", query)
        page.press("header input[name=q]", "Enter")
        page.wait_for_selector("#search-status")
        hits = page.locator("#results li").evaluate_all("els => els.map(e => e.dataset.arxivId)")
        assert WEBARBITER.arxiv_id in hits, (query, hits)
        assert page.locator(f"#results li[data-arxiv-id='{WEBARBITER.arxiv_id}'] mark").count()
    page.fill("#q", '"unclosed')
    page.press("#q", "Enter")
    page.wait_for_selector("#search-error")
    # The page is Chinese (default lang): so is the error (web.vocab.query_error).
    assert page.inner_text("#search-error").startswith("搜索语法")
    page.goto(f"{server}/papers/{HOSTILE_REF.arxiv_id}")
    assert "<script>alert(1)</script>" in page.inner_text("h1")
    _assert_local_only(recorder)
