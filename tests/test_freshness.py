"""Freshness (DESIGN §5): unsettled days are re-listed, settled ones never; abstract-only
papers are re-checked for HTML while young. "Now" is injected with PAPERDIGEST_NOW."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paperdigest.cli import main
from tests.fakes.servers import FakeArxiv, FakeHF, stand_in_page

PARTIAL = "daily_papers_2026-01-30_partial-sameday-0804UTC.json"
RUN = ["run", "--date", "2026-01-30", "--quiet"]


@pytest.fixture
def world(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with FakeHF(corpus, days={"2026-01-30": PARTIAL}) as hf, FakeArxiv(None) as arxiv:
        monkeypatch.chdir(tmp_path)
        (tmp_path / "paperdigest.toml").write_text(
            "[limits]\nhf = 1000.0\narxiv = 1000.0\narxiv_api = 1000.0\n")
        monkeypatch.setenv("PAPERDIGEST_HF_URL", hf.url)
        monkeypatch.setenv("PAPERDIGEST_ARXIV_URL", arxiv.url)
        monkeypatch.setenv("PAPERDIGEST_ARXIV_API_URL", arxiv.api_url)
        yield {"hf": hf, "arxiv": arxiv, "dir": tmp_path, "corpus": corpus}


def _papers(world: dict[str, Any]) -> list[dict[str, Any]]:
    data = json.loads((world["dir"] / "paperdigest-out" / "2026-01-30.json").read_text())
    return list(data["papers"])


def _raw_ids(path: Path) -> set[str]:
    return {item["paper"]["id"] for item in json.loads(path.read_text())}


def test_unsettled_day_is_relisted_and_grows(world: dict[str, Any],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    hf_dir = world["corpus"] / "hf_api"
    partial, full = _raw_ids(hf_dir / PARTIAL), _raw_ids(hf_dir / "daily_papers_2026-01-30.json")
    assert len(partial) == 27 and len(full) == 45 and partial <= full
    # Same day, 08:05 UTC: the list is young, so it is not settled.
    monkeypatch.setenv("PAPERDIGEST_NOW", "2026-01-30T08:05:00+00:00")
    assert main(RUN) == 0
    assert {p["paper"]["arxiv_id"] for p in _papers(world)} == partial
    # Next morning the complete list is out; the day is still unsettled (< 36 h after it).
    world["hf"].set_day("2026-01-30", "daily_papers_2026-01-30.json")
    monkeypatch.setenv("PAPERDIGEST_NOW", "2026-01-31T03:30:00+00:00")
    listed_before = world["hf"].count("/api/daily_papers")
    assert main(RUN) == 0
    assert world["hf"].count("/api/daily_papers") > listed_before
    assert {p["paper"]["arxiv_id"] for p in _papers(world)} == full
    # Three days later the day is settled once listed again; after that no more listing.
    monkeypatch.setenv("PAPERDIGEST_NOW", "2026-02-02T13:00:00+00:00")
    assert main(RUN) == 0
    settled_count = world["hf"].count("/api/daily_papers")
    assert main(RUN) == 0
    assert world["hf"].count("/api/daily_papers") == settled_count


def test_young_abstract_only_paper_upgrades_to_html(world: dict[str, Any], corpus: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERDIGEST_NOW", "2026-01-31T03:30:00+00:00")
    world["hf"].set_day("2026-01-30", "daily_papers_2026-01-30.json")
    assert main(RUN) == 0
    target = "2601.21872"
    first = {p["paper"]["arxiv_id"]: p for p in _papers(world)}
    assert first[target]["source"] == "ArXiv Abs"
    # HTML appears for one paper (a corpus page, retitled, stands in for its conversion).
    world["arxiv"].html[target] = stand_in_page(corpus / "arxiv_html" / "2510.11260v1.html",
                                                first[target]["paper"]["title"])
    monkeypatch.setenv("PAPERDIGEST_NOW", "2026-02-03T12:00:00+00:00")
    assert main(RUN) == 0
    second = {p["paper"]["arxiv_id"]: p for p in _papers(world)}
    assert second[target]["source"] == "HTML"
    assert sum(p["source"] == "ArXiv Abs" for p in second.values()) == 44
    # Older than 14 days: abstract-only papers are not re-checked any more.
    monkeypatch.setenv("PAPERDIGEST_NOW", "2026-03-30T12:00:00+00:00")
    before = world["arxiv"].count("/html/")
    assert main(RUN) == 0
    assert world["arxiv"].count("/html/") == before
