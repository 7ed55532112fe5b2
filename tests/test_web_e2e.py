"""A recorded day through the real pipeline, then out through the site, serve and feeds.

Fake Hugging Face serves the recording of 2026-01-30 (45 papers, used for 2026-01-31); the
replay LLM answers with the reference report's summaries. Expectations come from the
recording and the reference report, read independently of the web code.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("jinja2", reason="the [web] extra is not installed")
feedparser = pytest.importorskip("feedparser", reason="feedparser (test extra) not installed")
lxml_html = pytest.importorskip("lxml.html")

from paperdigest.cli import main
from tests.fakes.llm import FakeLLM
from tests.fakes.world import offline_world

pytestmark = pytest.mark.slow
DAY = "2026-01-31"


@pytest.fixture
def stored_day(corpus: Path, reference_report: Path, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with offline_world(corpus, reference_report, tmp_path, monkeypatch) as world:
        raw = json.loads((corpus / "hf_api" / "daily_papers_2026-01-30.json").read_text())
        with FakeLLM(world["responder"]) as llm:
            monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
            monkeypatch.setenv("OPENAI_API_KEY", "sk-test-replay")
            assert main(["run", "--date", DAY, "--backend", "openai", "--model", "replay",
                         "--quiet"]) == 0
        world["raw"] = raw
        world["reference"] = reference_report.read_text(encoding="utf-8")
        yield world


def test_recorded_day_in_site_serve_and_feeds(stored_day: dict[str, Any], tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    raw = stored_day["raw"]
    titles = {item["paper"]["id"]: " ".join(item["paper"]["title"].split()) for item in raw}
    out = tmp_path / "site"
    assert main(["site", "--out", str(out)]) == 0, capsys.readouterr().err
    day = lxml_html.fromstring((out / "days" / f"{DAY}.html").read_text(encoding="utf-8"))
    articles = day.xpath("//article[@class='paper']")
    assert {a.get("data-arxiv-id") for a in articles} == set(titles)
    upvotes = [next(i["paper"]["upvotes"] for i in raw if i["paper"]["id"] == a.get(
        "data-arxiv-id")) for a in articles]
    assert upvotes == sorted(upvotes, reverse=True)
    for article in articles:
        arxiv_id = article.get("data-arxiv-id")
        assert article.xpath(".//*[@class='title']")[0].text_content() == titles[arxiv_id]
        assert len(article.xpath(".//section[contains(@class, 'part')]")) == 5, arxiv_id
    # The reference's summary of WebArbiter says 过程奖励模型; its page shows it.
    page = (out / "papers" / "2601.21872.html").read_text(encoding="utf-8")
    assert "过程奖励模型" in page and "过程奖励模型" in stored_day["reference"]

    feed = feedparser.parse((out / "feeds" / f"{DAY}.atom.xml").read_bytes())
    assert not feed.bozo and len(feed.entries) == len(titles)
    assert {e.id for e in feed.entries} == {f"urn:paperdigest:paper:{i}" for i in titles}

    from starlette.testclient import TestClient

    from paperdigest.web.app import create_app

    db = Path(os.environ["PAPERDIGEST_HOME"]) / "paperdigest.sqlite3"
    with TestClient(create_app(db), base_url="http://127.0.0.1") as client:
        for query, expected in (("过程奖励", "2601.21872"), ("WebArbiter", "2601.21872")):
            html = client.get("/search", params={"q": query}).text
            hits = re.findall(r'<li data-arxiv-id="([^"]+)"', html)
            assert expected in hits[:3], (query, hits)
