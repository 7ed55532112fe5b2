"""Second fresh-user QA pass: model and paper content is data in every output.

- ``ask`` with a model whose answer carries terminal escape sequences: nothing below 0x20
  but newline/tab reaches stdout, and the verifier reads no escape fragment as a name;
- overview themes from the LLM's 应用领域 with Markdown in them count as one theme;
- English pages of papers stored only in Chinese: the fixed labels are English too;
- ``serve`` in Chinese: Chinese errors, and a link to the page of the day that is shown.

The archive is tests/fakes/archive.py (SYNTHESIZED) plus one Document written here by hand;
the LLM is FakeLLM with a scripted responder. Expected values are read off these inputs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paperdigest.cli import main
from paperdigest.contract.markup import strip_control
from paperdigest.models import Document, Section
from paperdigest.store import Store
from tests.fakes.archive import WEBARBITER, fill_archive
from tests.fakes.llm import FakeLLM

AID = WEBARBITER.arxiv_id
ESCAPES = "\x1b[2J\x1b[31mRED <script>alert(1)</script>\x07\x1b]0;pwned\x07"


def _document() -> Document:
    return Document(
        arxiv_id=AID, title=WEBARBITER.title, source_kind="HTML",
        abstract=WEBARBITER.abstract, version=1, source_url=f"https://arxiv.org/html/{AID}v1",
        sections=[Section("Training hardware", 2, "4.2", [
            f"We train WebArbiter on 8 NVIDIA A100-80GB GPUs for 36 hours.{ESCAPES} Done."])],
    )


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with Store(tmp_path / "paperdigest.sqlite3") as store:
        fill_archive(store)
        store.save_document(_document())
    monkeypatch.setenv("PAPERDIGEST_HOME", str(tmp_path))
    yield tmp_path


def _controls(text: str) -> list[str]:
    return [ch for ch in text if ord(ch) < 0x20 and ch not in "\n\t" or 0x7F <= ord(ch) <= 0x9F]


def test_strip_control_removes_whole_escape_sequences() -> None:
    assert strip_control("a\x1b[2J\x1b[31mRED b") == "aRED b"
    assert strip_control("x\x1b]0;title\x07y\x00\x7f\x9b1mz") == "xyz"
    assert strip_control("行一\r\n行二\t<b>") == "行一\n行二\t<b>"


def test_ask_answer_and_passages_reach_the_terminal_without_control_characters(
        home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def responder(request: dict[str, Any]) -> dict[str, Any]:
        user = request["messages"][-1]["content"]
        cite = re.search(rf'"({re.escape(AID)} §4\.2)"', user)
        assert cite
        return {"found": True, "answer": (
            f"WebArbiter was trained on 8 A100 GPUs for 36 hours [{cite.group(1)}]. "
            f"{ESCAPES} It is the judge [{cite.group(1)}].")}

    with FakeLLM(responder) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        main(["ask", "Which GPUs trained WebArbiter for how many hours?",
              "--backend", "openai"])
    out = capsys.readouterr().out
    assert "RED <script>alert(1)</script>" in out  # the content stays, as plain text
    assert _controls(out) == []
    assert "2J" not in out and "31mRED" not in out and "[31m" not in out
    assert "We train WebArbiter on 8 NVIDIA A100-80GB GPUs" in out


def test_overview_themes_from_domains_with_markdown_are_one_theme() -> None:
    """QA2: "自然语言处理（4）、**自然语言处理（3）" from the LLM's 应用领域. Counts by hand:
    four plain domains and three with the model's bold markers, all 自然语言处理."""
    from paperdigest.insights.overview import compute_overview
    from paperdigest.models import PaperRef, PaperReport, PaperSummary

    def paper(n: int, domain: str) -> PaperReport:
        ref = PaperRef(f"2601.0000{n}", f"Paper {n}")
        return PaperReport(ref=ref, summary=PaperSummary(domain=domain, contribution="x"))

    papers = [paper(n, "自然语言处理，检索增强生成") for n in range(1, 5)]
    papers += [paper(n, "**自然语言处理 / 信息检索**：面向长文档") for n in range(5, 8)]
    themes = [(t["theme"], t["count"]) for t in compute_overview(papers, "zh")["themes"]]
    assert themes == [("自然语言处理", 7), ("信息检索", 3)]
    assert not any("*" in theme for theme, _ in themes)


def test_english_page_of_a_chinese_summary_translates_the_fixed_labels(tmp_path: Path) -> None:
    """QA2: ``<strong>论文未提及</strong>: Not mentioned in the paper`` and
    ``<strong>实验</strong>: Not mentioned in the paper`` on English pages. The summary is the
    one the extractive summarizer writes for a paper without innovations/results (labels from
    contract.vocab), plus one real result whose label stays as stored."""
    pytest.importorskip("jinja2", reason="the [web] extra is not installed")
    lxml_html = pytest.importorskip("lxml.html")
    from datetime import UTC, datetime

    from paperdigest.contract.vocab import EN, NOT_MENTIONED, ZH
    from paperdigest.models import Innovation, PaperRef, PaperSummary, Result, Usage
    from paperdigest.store import SummaryKey
    from paperdigest.web.site import build_site

    ref = PaperRef(arxiv_id="2601.90077", title="A paper without results", abstract="x.")
    summary = PaperSummary(
        domain="机器人", contribution="一个模型。",
        usage=Usage(*(["多视角图像"] + [NOT_MENTIONED] * 4)),
        innovations=[Innovation(NOT_MENTIONED, NOT_MENTIONED)],
        results=[Result("实验", NOT_MENTIONED), Result("结果", "成功率 60.5%")],
        language="zh")
    with Store(tmp_path / "pd.sqlite3") as st:
        st.save_day("2026-01-29", "2026-01-29", [ref], datetime(2026, 2, 1, tzinfo=UTC), True)
        st.save_summary(SummaryKey(ref.arxiv_id, "1", "HTML", "0123456789abcdef", "p1",
                                   "extractive", "extractive", "zh"), summary)
        build_site(st.conn, tmp_path / "en", lang="en")
        build_site(st.conn, tmp_path / "zh", lang="zh")

    def labels(lang: str, part: int) -> list[tuple[str, str]]:
        page = lxml_html.fromstring((tmp_path / lang / "papers" / f"{ref.arxiv_id}.html")
                                    .read_text(encoding="utf-8"))
        return [(li.xpath("strong")[0].text_content(), li.xpath("span")[0].text_content())
                for li in page.xpath(f"//section[contains(@class, 'part-{part}')]//li")]

    assert labels("en", 4) == [(EN.not_mentioned, EN.not_mentioned)]
    assert labels("en", 5) == [("Experiments", EN.not_mentioned), ("结果", "成功率 60.5%")]
    assert labels("zh", 4) == [(ZH.not_mentioned, ZH.not_mentioned)]
    assert labels("zh", 5) == [("实验", NOT_MENTIONED), ("结果", "成功率 60.5%")]


def test_chinese_serve_errors_are_chinese_and_name_the_page_to_read(tmp_path: Path) -> None:
    """QA2: serve in Chinese (the default) answered 404s in English, did not say 2026-02-30
    is no date, and named the page that shows a look-back day's list without linking it.
    2026-02-01 holds the 2026-01-31 list (as a Sunday would)."""
    pytest.importorskip("starlette", reason="the [web] extra is not installed")
    lxml_html = pytest.importorskip("lxml.html")
    from datetime import UTC, datetime

    from starlette.testclient import TestClient

    from paperdigest.web.app import LOOPBACK_HOSTS, create_app
    from tests.fakes.archive import DAYS, EARLY_REF

    path = tmp_path / "pd.sqlite3"
    with Store(path) as st:
        fill_archive(st)
        st.save_day("2026-02-01", DAYS[1], [WEBARBITER, EARLY_REF],
                    datetime(2026, 2, 2, 9, 0, tzinfo=UTC), True)
    app = create_app(path, allowed_hosts=list(LOOPBACK_HOSTS))

    def error(response: Any) -> Any:
        assert response.status_code == 404
        return lxml_html.fromstring(response.text).xpath("//p[@class='error']")[0]

    with TestClient(app, base_url="http://127.0.0.1") as client:
        invalid = error(client.get("/days/2026-02-30")).text_content()
        assert "2026-02-30" in invalid and "无效" in invalid and "no stored" not in invalid
        missing = error(client.get("/days/2026-01-29")).text_content()
        assert "2026-01-29" in missing and "无效" not in missing and "no stored" not in missing
        paper = error(client.get("/papers/9999.99999")).text_content()
        assert "9999.99999" in paper and "no stored" not in paper and "没有" in paper
        assert "no such" not in error(client.get("/feeds/x.xml")).text_content()
        hidden = error(client.get("/days/2026-02-01"))
        assert hidden.xpath("a/@href") == [f"/days/{DAYS[1]}"]
        assert DAYS[1] in hidden.xpath("a")[0].text_content()
        assert client.get(hidden.xpath("a/@href")[0]).status_code == 200
    en = create_app(path, allowed_hosts=list(LOOPBACK_HOSTS), lang="en")
    with TestClient(en, base_url="http://127.0.0.1") as client:
        assert error(client.get("/days/2026-02-30")).text_content().startswith(
            "invalid date 2026-02-30")
        assert error(client.get("/papers/9999.99999")).text_content() == \
            "no stored paper 9999.99999"


def test_a_model_summary_loses_terminal_escapes_before_it_is_stored() -> None:
    from paperdigest.contract import normalize_summary
    from paperdigest.models import PaperSummary, Usage

    summary = normalize_summary(PaperSummary(
        domain="NLP\x1b[2J", contribution="We cut latency\x1b[31m by 2×.\x07",
        usage=Usage(input="text\r\nimages")))
    assert summary.domain == "NLP"
    assert summary.contribution == "We cut latency by 2×."
    assert summary.usage.input == "text\nimages"
