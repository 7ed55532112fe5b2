"""Hugging Face Daily Papers: parsing every recorded schema, paging, look-back, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from paperdigest.errors import InputError, NoPapersError, SourceError
from paperdigest.fetch.http import HttpClient
from paperdigest.fetch.ratelimit import FakeClock
from paperdigest.sources.hf import HFSource, is_settled, parse_daily_papers
from tests.fakes.servers import FakeHF, Fault, fake_settings

DAY_FILE = "daily_papers_2026-01-30.json"


def _load(corpus: Path, name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((corpus / "hf_api" / name).read_text("utf-8"))
    return data


def _norm(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- parsing


def test_full_day_matches_raw_json(corpus: Path) -> None:
    raw = _load(corpus, DAY_FILE)
    refs = parse_daily_papers(raw, listed_date="2026-01-30")
    # SOURCES.md: the file holds exactly the 45 papers of 2026-01-30.
    assert len(refs) == 45
    assert [r.arxiv_id for r in refs] == [item["paper"]["id"] for item in raw]
    assert [r.title for r in refs] == [_norm(item["paper"]["title"]) for item in raw]
    assert [r.upvotes for r in refs] == [item["paper"]["upvotes"] for item in raw]
    assert [r.abstract for r in refs] == [_norm(item["paper"]["summary"]) for item in raw]
    assert [len(r.authors) for r in refs] == [len(item["paper"]["authors"]) for item in raw]
    assert all(r.listed_date == "2026-01-30" for r in refs)
    assert all(r.version is None for r in refs)  # HF ids carry no version


def test_2026_fields(corpus: Path) -> None:
    refs = {r.arxiv_id: r for r in parse_daily_papers(_load(corpus, DAY_FILE))}
    # Read by hand from hf_api/daily_papers_2026-01-30.json, first item (Idea2Story).
    first = refs["2601.20833"]
    assert first.title.startswith("Idea2Story: An Automated Pipeline")
    assert first.upvotes == 115
    assert first.authors[:2] == ["Tengyue Xu", "Zhuoyang Qian"]
    assert first.github_repo == "https://github.com/AgentAlphaAGI/Idea2Paper"
    assert first.github_stars == 54
    assert first.organization == "AgentAlpha"  # organization.fullname (name is AgentAlphaAGI)
    assert first.project_page is None
    assert first.submitted_on_daily_at == "2026-01-30T03:32:00.106Z"
    assert first.published_at == "2026-01-28T18:31:54.000Z"  # paper.publishedAt
    assert first.ai_summary is not None and first.ai_summary.startswith("Offline knowledge")
    assert "methodological knowledge graph" in first.ai_keywords
    # DynamicVLA: repo, stars and project page all present.
    dyn = refs["2601.22153"]
    assert (dyn.github_repo, dyn.github_stars, dyn.project_page) == (
        "https://github.com/hzxie/DynamicVLA",
        48,
        "https://haozhexie.com/project/dynamic-vla",
    )
    assert dyn.organization == "MMLab@NTU"
    # No organization object at all.
    assert refs["2601.21639"].organization is None
    # listed_date falls back to submittedOnDailyAt when the caller does not say.
    assert first.listed_date == "2026-01-30"


def test_every_corpus_file_parses(corpus: Path) -> None:
    files = sorted((corpus / "hf_api").glob("*.json"))
    assert len(files) == 14  # SOURCES.md: hf_api/ 14 files
    for path in files:
        raw = json.loads(path.read_text("utf-8"))
        refs = parse_daily_papers(raw)
        assert [r.arxiv_id for r in refs] == [i["paper"]["id"] for i in raw], path.name
        for ref, item in zip(refs, raw, strict=True):
            assert ref.title and "\n" not in ref.title and "  " not in ref.title
            assert ref.abstract and "\n" not in ref.abstract
            assert ref.upvotes == item["paper"]["upvotes"]
            names = [a["name"] for a in item["paper"]["authors"]]
            assert ref.authors == [_norm(n) for n in names]


def test_old_2024_format(corpus: Path) -> None:
    raw = _load(corpus, "daily_papers_2024-05-28_oldformat.json")
    # SOURCES.md: old schema, summaries with hard line breaks.
    assert any("\n" in item["paper"]["summary"] for item in raw)
    refs = parse_daily_papers(raw, listed_date="2024-05-28")
    assert len(refs) == 15
    for ref, item in zip(refs, raw, strict=True):
        assert ref.ai_summary is None
        assert ref.ai_keywords == []
        assert ref.github_repo is None and ref.github_stars is None
        assert ref.organization is None
        assert ref.submitted_on_daily_at is None
        assert ref.abstract == _norm(item["paper"]["summary"])
    assert refs[0].arxiv_id == "2405.17247"
    assert refs[0].authors[0] == "Florian Bordes"


def test_late_2024_format_title_line_breaks(corpus: Path) -> None:
    raw = _load(corpus, "daily_papers_2024-12-02.json")
    refs = parse_daily_papers(raw)
    # First item's paper.title has a hard break: "...In-Context\n  Learning via MCTS".
    assert "\n" in raw[0]["paper"]["title"]
    assert refs[0].title == (
        "Beyond Examples: High-level Automated Reasoning Paradigm in In-Context Learning via MCTS"
    )
    assert refs[0].upvotes == 20
    assert refs[0].ai_summary is None
    assert refs[0].listed_date is None  # no submittedOnDailyAt in 2024 and no date given


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"error": "Invalid date"}, "expected a JSON list, got dict: Invalid date"),
        ("nope", "expected a JSON list, got str"),
        (None, "expected a JSON list, got NoneType"),
        ([{"title": "x"}], "item #0: no 'paper' object"),
        ([{"paper": {"title": "x"}}], "item #0: no paper.id"),
        ([{"paper": {"id": "2601.00001", "title": "a"}}, 3], "item #1"),
    ],
)
def test_garbage_raises_source_error(data: Any, fragment: str) -> None:
    with pytest.raises(SourceError, match=fragment) as info:
        parse_daily_papers(data)
    assert "\n" not in str(info.value)


def test_missing_optional_fields_are_tolerated() -> None:
    refs = parse_daily_papers(
        [{"paper": {"id": "2601.00001", "title": " A\n  title ", "upvotes": None, "authors": None,
                    "organization": "Org Name", "githubStars": "many"}}]
    )
    ref = refs[0]
    assert (ref.title, ref.upvotes, ref.authors, ref.organization, ref.github_stars) == (
        "A title", 0, [], "Org Name", None,
    )


# --------------------------------------------------------------------------- settledness


def test_is_settled_after_36_hours() -> None:
    day = date(2026, 1, 30)
    end = datetime(2026, 1, 31, tzinfo=UTC)  # the UTC day ends at midnight
    assert not is_settled(day, datetime(2026, 1, 30, 8, 4, tzinfo=UTC))
    assert not is_settled(day, end + timedelta(hours=36))
    assert is_settled(day, end + timedelta(hours=36, seconds=1))
    assert is_settled(day, datetime(2026, 2, 2, 0, 0))  # naive = UTC
    # The complete corpus file was fetched 2026-01-31 03:24 UTC: not yet settled by the rule.
    assert not is_settled(day, datetime(2026, 1, 31, 3, 24, tzinfo=UTC))


# --------------------------------------------------------------------------- over HTTP


@pytest.fixture
def fake_hf(corpus: Path) -> Iterator[FakeHF]:
    with FakeHF(corpus) as server:
        yield server


def _source(fake_hf: FakeHF, page_limit: int = 100) -> HFSource:
    settings = fake_settings(hf=fake_hf)
    settings.http.cache = False
    # FakeClock: retries and backoff never sleep for real.
    http = HttpClient(settings, clock=FakeClock())
    return HFSource(http, settings, page_limit=page_limit)


def test_list_day_over_http(fake_hf: FakeHF, corpus: Path) -> None:
    raw = _load(corpus, DAY_FILE)
    refs = _source(fake_hf).list_day(date(2026, 1, 30))
    assert [r.arxiv_id for r in refs] == [i["paper"]["id"] for i in raw]
    assert {r.listed_date for r in refs} == {"2026-01-30"}
    assert fake_hf.count("/api/daily_papers?date=2026-01-30&limit=100&p=0") == 1


def test_paging(fake_hf: FakeHF, corpus: Path) -> None:
    raw = _load(corpus, DAY_FILE)
    refs = _source(fake_hf, page_limit=10).list_day(date(2026, 1, 30))
    assert [r.arxiv_id for r in refs] == [i["paper"]["id"] for i in raw]
    assert [r.upvotes for r in refs] == [i["paper"]["upvotes"] for i in raw]
    # 45 papers in pages of 10: 4 full pages and a short fifth one (p=0..4).
    assert fake_hf.count("/api/daily_papers") == 5
    assert fake_hf.count("/api/daily_papers?date=2026-01-30&limit=10&p=4") == 1


def test_paging_exact_multiple(fake_hf: FakeHF) -> None:
    refs = _source(fake_hf, page_limit=15).list_day(date(2026, 1, 30))
    assert len(refs) == 45
    # 3 full pages of 15, then an empty page that ends the list.
    assert fake_hf.count("/api/daily_papers") == 4


def test_paging_dedupes_repeated_items(corpus: Path) -> None:
    raw = _load(corpus, DAY_FILE)
    # A list whose second half repeats the first (a server that shifts while we page).
    with FakeHF(corpus, days={"2026-01-30": raw[:20] + raw[:20] + raw[20:25]}) as server:
        refs = _source(server, page_limit=20).list_day(date(2026, 1, 30))
    assert [r.arxiv_id for r in refs] == [i["paper"]["id"] for i in raw[:20]]


def test_list_week(fake_hf: FakeHF, corpus: Path) -> None:
    # 2026-W05 = 26 Jan .. 1 Feb; recorded days in it: 26, 28, 29 and 30 January.
    expected: list[str] = []
    for day in ("2026-01-26", "2026-01-28", "2026-01-29", "2026-01-30"):
        expected += [i["paper"]["id"] for i in _load(corpus, f"daily_papers_{day}.json")]
    refs = _source(fake_hf).list_week("2026-W05")
    assert [r.arxiv_id for r in refs] == list(dict.fromkeys(expected))
    assert fake_hf.count("/api/daily_papers?week=2026-W05") >= 1
    with pytest.raises(InputError):
        _source(fake_hf).list_week("2026-W60")


def test_list_month(fake_hf: FakeHF, corpus: Path) -> None:
    files = sorted((corpus / "hf_api").glob("daily_papers_2026-01-??.json"))
    expected: list[str] = []
    for path in files:
        expected += [i["paper"]["id"] for i in json.loads(path.read_text("utf-8"))]
    refs = _source(fake_hf).list_month("2026-01")
    assert [r.arxiv_id for r in refs] == list(dict.fromkeys(expected))
    assert fake_hf.count("/api/daily_papers?month=2026-01") >= 2  # > 100 papers: paged


def test_find_day_looks_back(fake_hf: FakeHF) -> None:
    # 2026-01-31 was never recorded: the fake answers [] (DESIGN §6), as the API did.
    listed, refs = _source(fake_hf).find_day(date(2026, 1, 31))
    assert listed == date(2026, 1, 30)
    assert len(refs) == 45
    assert {r.listed_date for r in refs} == {"2026-01-30"}


def test_find_day_same_day(fake_hf: FakeHF) -> None:
    listed, refs = _source(fake_hf).find_day(date(2026, 1, 29))
    assert listed == date(2026, 1, 29)
    assert len(refs) == 22  # SOURCES.md: 2026-01-29 holds 22 papers
    assert fake_hf.count("/api/daily_papers") == 1


def test_find_day_lookback_exhausted(fake_hf: FakeHF) -> None:
    source = _source(fake_hf)
    with pytest.raises(NoPapersError, match="2026-01-10") as info:
        source.find_day(date(2026, 1, 10), lookback=3)
    assert "3 day(s) before it (2026-01-07..2026-01-10)" in str(info.value)
    assert info.value.user_facing
    # The day itself and the 3 days before it were asked, nothing more.
    assert fake_hf.count("/api/daily_papers") == 4


def test_find_day_without_lookback(fake_hf: FakeHF) -> None:
    with pytest.raises(NoPapersError, match=r"listed for 2026-01-31; try another --date$"):
        _source(fake_hf).find_day(date(2026, 1, 31), lookback=0)


def test_package_exports() -> None:
    from paperdigest import sources

    assert sources.__all__ == sorted(sources.__all__)
    assert all(hasattr(sources, name) for name in sources.__all__)


def test_find_day_default_lookback_comes_from_settings(fake_hf: FakeHF) -> None:
    source = _source(fake_hf)
    source.settings.lookback_days = 1
    with pytest.raises(NoPapersError):
        # 2026-01-25 (Sunday) and 2026-01-24 are both unrecorded.
        source.find_day(date(2026, 1, 25))
    assert source.find_day(date(2026, 1, 27))[0] == date(2026, 1, 26)


def test_http_404_mentions_setting(fake_hf: FakeHF) -> None:
    fake_hf.inject("/api/daily_papers", Fault.http(404, body="Not Found"))
    with pytest.raises(SourceError, match="PAPERDIGEST_HF_URL") as info:
        _source(fake_hf).list_day(date(2026, 1, 30))
    assert "\n" not in str(info.value)


def test_mirror_without_api_mentions_setting(fake_hf: FakeHF) -> None:
    settings = fake_settings(hf=fake_hf)
    settings.endpoints.hf_url = fake_hf.url + "/mirror"  # the fake 404s every other path
    with pytest.raises(SourceError, match="set PAPERDIGEST_HF_URL"):
        HFSource(HttpClient(settings, clock=FakeClock()), settings).list_day(date(2026, 1, 30))


def test_http_400_has_server_message(fake_hf: FakeHF) -> None:
    fake_hf.inject(
        "/api/daily_papers",
        Fault.http(400, {"Content-Type": "application/json"}, '{"error": "Invalid date"}'),
    )
    with pytest.raises(SourceError, match=r"rejected the request .*: Invalid date$") as info:
        _source(fake_hf).list_day(date(2026, 1, 30))
    assert "\n" not in str(info.value)


def test_http_500_is_one_line_source_error(fake_hf: FakeHF) -> None:
    fake_hf.inject("/api/daily_papers", [Fault.http(500, body="boom\nline two")] * 10)
    with pytest.raises(SourceError) as info:
        _source(fake_hf).list_day(date(2026, 1, 30))
    assert "500" in str(info.value)
    assert "\n" not in str(info.value)


def test_500_then_recovery(fake_hf: FakeHF) -> None:
    fake_hf.inject("/api/daily_papers", Fault.http(503))
    assert len(_source(fake_hf).list_day(date(2026, 1, 30))) == 45
    assert fake_hf.count("/api/daily_papers") == 2


def test_rate_limited_is_source_error(fake_hf: FakeHF) -> None:
    fake_hf.inject("/api/daily_papers", Fault.http(429, {"Retry-After": "9999"}))
    with pytest.raises(SourceError, match="rate-limited"):
        _source(fake_hf).list_day(date(2026, 1, 30))


def test_garbage_json_is_source_error(fake_hf: FakeHF) -> None:
    fake_hf.inject("/api/daily_papers", Fault.garbage_json())
    with pytest.raises(SourceError, match="invalid JSON") as info:
        _source(fake_hf).list_day(date(2026, 1, 30))
    assert "\n" not in str(info.value)
