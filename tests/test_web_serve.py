"""``paperdigest serve``'s app: pages, FTS5 search (Chinese and English), errors, read-only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the [web] extra is not installed")
lxml_html = pytest.importorskip("lxml.html")

from starlette.testclient import TestClient

from paperdigest.store import Store
from paperdigest.web.app import LOOPBACK_HOSTS, create_app
from tests.fakes.archive import (
    BOLD,
    DAYS,
    HOSTILE,
    HOSTILE_REF,
    UNIQUE_EN,
    UNIQUE_ZH,
    WEBARBITER,
    assert_inert,
    fill_archive,
)


@pytest.fixture
def client(tmp_path: Path) -> Any:
    path = tmp_path / "pd.sqlite3"
    with Store(path) as st:
        fill_archive(st)
    app = create_app(path, allowed_hosts=list(LOOPBACK_HOSTS))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def _hits(html: str) -> list[str]:
    doc = lxml_html.fromstring(html)
    return [li.get("data-arxiv-id") for li in doc.xpath("//ol[@id='results']/li")]


def test_pages(client: Any) -> None:
    index = client.get("/")
    assert index.status_code == 200
    assert index.text.index(DAYS[1]) < index.text.index(DAYS[0])
    day = client.get(f"/days/{DAYS[1]}")
    assert day.status_code == 200
    doc = lxml_html.fromstring(day.text)
    assert len(doc.xpath("//article[@class='paper']")) == 3
    assert client.get(f"/papers/{WEBARBITER.arxiv_id}").status_code == 200
    assert client.get("/days/2030-01-01").status_code == 404
    assert client.get("/papers/not-an-id").status_code == 404
    assert "script-src 'self'" in day.headers["content-security-policy"]


def test_two_character_chinese_query_finds_its_paper(client: Any) -> None:
    response = client.get("/search", params={"q": UNIQUE_ZH[:2]})
    assert response.status_code == 200
    assert _hits(response.text) == [WEBARBITER.arxiv_id]
    snippet = lxml_html.fromstring(response.text).xpath("//p[@class='snippet']/mark")
    assert [m.text_content() for m in snippet] == [UNIQUE_ZH[:2]]


def test_english_query_finds_its_paper(client: Any) -> None:
    response = client.get("/search", params={"q": UNIQUE_EN})
    assert _hits(response.text) == [WEBARBITER.arxiv_id]
    # Titles and abstracts are indexed too.
    assert _hits(client.get("/search", params={"q": "Kronecker"}).text) == ["2601.90003"]


@pytest.mark.parametrize("query", ['"unclosed', "(reward OR", "NOT", "reward AND"])
def test_malformed_query_gets_a_friendly_400(client: Any, query: str) -> None:
    response = client.get("/search", params={"q": query})
    assert response.status_code == 400
    error = lxml_html.fromstring(response.text).xpath("//p[@id='search-error']")[0]
    # The Chinese page says it in Chinese (QA: no English line on a Chinese page).
    assert error.text_content().startswith("搜索语法")


def test_hostile_text_is_escaped_in_pages_and_snippets(client: Any) -> None:
    for url in (f"/days/{DAYS[1]}", f"/papers/{HOSTILE_REF.arxiv_id}"):
        text = client.get(url).text
        assert HOSTILE not in text
        assert_inert(lxml_html.fromstring(text))
        # Escaped exactly once (issue 14).
        assert "&lt;b&gt;bold&lt;/b&gt;" in text and "&amp;lt;" not in text
        assert BOLD in lxml_html.fromstring(text).text_content()
    response = client.get("/search", params={"q": "alert"})
    assert HOSTILE_REF.arxiv_id in _hits(response.text)
    assert "<script>alert" not in response.text and "<img" not in response.text
    # The query itself is echoed escaped.
    echoed = client.get("/search", params={"q": '<img src=x onerror=alert(1)> "'}).text
    assert "<img src=x" not in echoed


def test_no_write_endpoints(client: Any) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        for url in ("/", "/search", f"/days/{DAYS[1]}"):
            assert client.request(method, url).status_code == 405


def test_foreign_host_header_is_refused(client: Any) -> None:
    assert client.get("/", headers={"host": "rebind.example"}).status_code == 400


def test_feeds_are_served(client: Any) -> None:
    feedparser = pytest.importorskip("feedparser")
    for url in ("/feeds/rss.xml", "/feeds/atom.xml", f"/feeds/{DAYS[1]}.rss.xml"):
        response = client.get(url)
        assert response.status_code == 200
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo and parsed.entries
    assert client.get("/feeds/2030-01-01.rss.xml").status_code == 404


def _fake_server_run(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """``uvicorn.Server.run`` replaced: records the config and the bound socket's address."""
    import uvicorn

    seen: dict[str, Any] = {}

    def run(self: Any, sockets: list[Any] | None = None) -> None:
        seen.update(host=self.config.host, port=self.config.port,
                    bound=[s.getsockname()[:2] for s in sockets or []])

    monkeypatch.setattr(uvicorn.Server, "run", run)
    return seen


def _empty_store() -> None:
    """An empty store in this test's home: serve on no store says so and serves nothing."""
    from paperdigest.config import load_settings
    from paperdigest.runtime import open_store

    open_store(load_settings().settings).close()


def test_serve_binds_loopback_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from paperdigest.cli import main

    _empty_store()
    seen = _fake_server_run(monkeypatch)
    assert main(["serve", "--port", "0"]) == 0
    assert seen["host"] == "127.0.0.1" and seen["bound"][0][0] == "127.0.0.1"
    assert seen["bound"][0][1] == seen["port"] > 0  # the port the system chose


def test_serve_on_a_busy_port_or_bad_host_is_one_error_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """QA finding 9: "serving … at http://…" then a uvicorn ERROR line, exit 3."""
    import socket

    from paperdigest.cli import main

    _empty_store()

    def one_error_line(argv: list[str], *words: str) -> None:
        capsys.readouterr()
        assert main(["serve", *argv]) == 1
        err = capsys.readouterr().err
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("Error:"), err
        assert all(word in lines[0] for word in words), lines[0]

    seen = _fake_server_run(monkeypatch)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        one_error_line(["--port", str(port)], f"port {port} is in use", "--port")
    one_error_line(["--host", "999.1.1.1"], "999.1.1.1", "--host")
    one_error_line(["--host", "192.0.2.1"], "192.0.2.1", "--host")  # not this machine's
    assert seen == {}  # the server never started
