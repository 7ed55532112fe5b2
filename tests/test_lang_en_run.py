"""An ``--lang en`` run is English in every fixed string, even when no paper succeeds.

The report's fixed strings (notes, failed-paper lines, footer) come from the run's language
(contract/vocab.py), not from the language of the summaries: with every paper failed there
is no summary to infer a language from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paperdigest.cli import main
from paperdigest.llm.client import forget_modes
from tests.fakes.llm import FakeLLM
from tests.fakes.servers import FakeArxiv, FakeHF

FAST_TOML = (
    "[limits]\nhf = 1000.0\narxiv = 1000.0\narxiv_api = 1000.0\nllm = 1000.0\n"
    "[http]\nretries = 1\nbackoff_base = 0\n"
)
LISTED = "2026-01-30"
ASKED = "2026-01-31"  # no list of its own: the report uses 2026-01-30's (a note says so)
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    forget_modes()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "paperdigest.toml").write_text(FAST_TOML)
    yield tmp_path


def test_an_en_run_where_every_paper_fails_has_no_cjk_outside_paper_content(
        corpus: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    items: list[dict[str, Any]] = json.loads(
        (corpus / "hf_api" / f"daily_papers_{LISTED}.json").read_text("utf-8"))[:3]
    with (FakeHF(corpus, days={LISTED: items, ASKED: []}) as hf, FakeArxiv(None) as arxiv,
          FakeLLM(lambda request: "not a summary") as llm):
        monkeypatch.setenv("PAPERDIGEST_HF_URL", hf.url)
        monkeypatch.setenv("PAPERDIGEST_ARXIV_URL", arxiv.url)
        monkeypatch.setenv("PAPERDIGEST_ARXIV_API_URL", arxiv.api_url)
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-en")
        code = main(["run", "--date", ASKED, "--lang", "en", "--backend", "openai", "--quiet"])
    assert code == 2  # papers failed
    report = (workdir / "paperdigest-out" / f"{ASKED}.md").read_text("utf-8")
    assert report.count("❌") == 3  # every paper failed
    assert f"Note: {ASKED} has no paper list; this report uses the 3 papers of {LISTED}." in (
        report)
    # Paper content (titles) comes from the source; everything else is the run's language.
    text = report
    for item in items:
        text = text.replace(item["paper"]["title"], "")
    assert CJK.findall(text) == [], [line for line in text.splitlines() if CJK.search(line)]
