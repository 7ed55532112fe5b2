"""arXiv Atom API: parsing both feed formats, batching, id validation."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from paperdigest.errors import InputError, SourceError
from paperdigest.fetch.http import HttpClient
from paperdigest.fetch.ratelimit import FakeClock
from paperdigest.sources.arxiv import ArxivSource, parse_atom, validate_ids
from tests.fakes.servers import FakeArxiv, Fault, fake_settings

# SYNTHESIZED from the error example in the arXiv API user manual ("Errors" section): the API
# answers a malformed id with a feed whose single entry is titled "Error".
ERROR_FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">ArXiv Query: search_query=&amp;id_list=1234.12345&amp;start=0</title>
  <id>http://arxiv.org/api/kvuntZ8c9a4Eq5CF7KY03nMug+Q</id>
  <entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345</id>
    <title>Error</title>
    <summary>incorrect id format for 1234.12345</summary>
    <updated>2007-10-12T00:00:00-04:00</updated>
    <author><name>arXiv api core</name></author>
  </entry>
</feed>
"""


def _raw_entries(xml: str) -> list[dict[str, object]]:
    """Entries read with regexes, independently of the lxml parser under test."""
    entries = []
    for chunk in xml.split("<entry>")[1:]:
        abs_id = re.search(r"<id>https?://arxiv\.org/abs/([^<]+)</id>", chunk)
        assert abs_id is not None
        title = re.search(r"<title>(.*?)</title>", chunk, re.DOTALL)
        summary = re.search(r"<summary>(.*?)</summary>", chunk, re.DOTALL)
        assert title is not None and summary is not None
        entries.append(
            {
                "id": abs_id.group(1),
                "title": " ".join(html.unescape(title.group(1)).split()),
                "summary": " ".join(html.unescape(summary.group(1)).split()),
                "authors": [
                    " ".join(html.unescape(n).split())
                    for n in re.findall(r"<author>\s*<name>(.*?)</name>", chunk, re.DOTALL)
                ],
                "categories": re.findall(r'<category term="([^"]+)"', chunk),
            }
        )
    return entries


def test_every_corpus_feed_parses(corpus: Path) -> None:
    files = sorted((corpus / "arxiv_atom").glob("*.xml"))
    assert len(files) == 7  # SOURCES.md: arxiv_atom/ 7 files
    for path in files:
        raw = _raw_entries(path.read_text("utf-8"))
        refs = parse_atom(path.read_bytes())
        assert len(refs) == len(raw) > 0, path.name
        for ref, entry in zip(refs, raw, strict=True):
            versioned = f"{ref.arxiv_id}v{ref.version}" if ref.version else ref.arxiv_id
            assert versioned == entry["id"], path.name
            assert ref.title == entry["title"]
            assert ref.abstract == entry["summary"]
            assert ref.authors == entry["authors"]
            assert set(ref.categories) == set(entry["categories"])  # type: ignore[arg-type]
            assert ref.published_at and ref.published_at[:2] in ("19", "20")


def test_new_format_id_list(corpus: Path) -> None:
    refs = parse_atom((corpus / "arxiv_atom" / "id_list_2601.06037.xml").read_bytes())
    assert len(refs) == 1
    ref = refs[0]
    # Read by hand from the file: <id>http://arxiv.org/abs/2601.06037v4</id>.
    assert (ref.arxiv_id, ref.version) == ("2601.06037", 4)
    assert ref.title == "TeleMem: Building Long-Term and Multimodal Memory for Agentic AI"
    assert ref.categories[0] == "cs.CL"  # arxiv:primary_category first
    assert ref.categories == ["cs.CL", "cs.AI", "cs.CV"]
    assert ref.authors[0] == "Chunliang Chen" and len(ref.authors) == 11
    assert ref.published_at == "2025-12-12T11:24:52Z"
    assert ref.abstract.endswith("on the ZH-4O long-term role-play gaming benchmark.")


def test_old_format_header(corpus: Path) -> None:
    path = corpus / "arxiv_atom" / "query_search_cat-cs.RO_neural_max2_2025-10-17.xml"
    text = path.read_text("utf-8")
    assert "ArXiv Query:" in text  # the OLD header (SOURCES.md)
    refs = parse_atom(path.read_bytes())
    assert [(r.arxiv_id, r.version) for r in refs] == [("2510.14968", 1), ("2510.14827", 1)]
    # The title has a hard line break in the feed: "...Planner Alignment in\n  Long-Horizon".
    assert refs[0].title == (
        "RDD: Retrieval-Based Demonstration Decomposer for Planner Alignment in Long-Horizon Tasks"
    )
    assert refs[0].abstract.startswith("To tackle long-horizon tasks")
    assert "\n" not in refs[0].abstract
    assert refs[0].categories[0] == "cs.RO"
    assert len(refs[0].categories) == 6


def test_old_style_ids_in_search_feed(corpus: Path) -> None:
    path = corpus / "arxiv_atom" / "query_search_all-nicotine_max10_2026-07-17.xml"
    refs = parse_atom(path.read_bytes())
    pairs = [(r.arxiv_id, r.version) for r in refs]
    # Read by hand: the 9th entry is the pre-2007 id q-bio/0509018v2.
    assert pairs[8] == ("q-bio/0509018", 2)
    assert pairs[1] == ("1206.3474", 2)


def test_error_entry_names_bad_id() -> None:
    with pytest.raises(InputError, match=r"incorrect id format for 1234\.12345"):
        parse_atom(ERROR_FEED)


def test_not_xml_or_not_atom() -> None:
    with pytest.raises(SourceError, match="not XML"):
        parse_atom(b"<html><body>502 Bad Gateway")
    with pytest.raises(SourceError, match="not an Atom feed"):
        parse_atom(b"<rss><channel/></rss>")


def test_parser_resolves_no_entities(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        "<id>http://arxiv.org/abs/2601.00001v1</id><title>T &x;</title>"
        "<summary>S</summary></entry></feed>"
    ).encode()
    refs = parse_atom(xml)
    assert "TOP-SECRET" not in refs[0].title


def test_empty_feed_has_no_entries() -> None:
    from tests.fakes.servers import EMPTY_FEED

    assert parse_atom(EMPTY_FEED.format(ids="9999.99999").encode()) == []


# --------------------------------------------------------------------------- validate_ids


def test_validate_ids() -> None:
    assert validate_ids("2601.21872,2601.20833") == ["2601.21872", "2601.20833"]
    assert validate_ids("1412.1234 0704.0001v3") == ["1412.1234", "0704.0001v3"]
    assert validate_ids(" 2601.21872v2  2601.20833, ,arXiv:2601.22153 2601.21872v2") == [
        "2601.21872v2",
        "2601.20833",
        "2601.22153",
    ]


@pytest.mark.parametrize(
    "text",
    # 2601.2187: ids from 2015 on have 5 digits; 2613.12345: month 13; 1412.12345: 4-digit era.
    [
        "2601.2187",
        "2613.12345",
        "1412.12345",
        "hep-th/9901001",
        "2601.21872v",
        "abc",
        "2601.21872x",
    ],
)
def test_validate_ids_rejects_malformed(text: str) -> None:
    with pytest.raises(InputError, match="malformed arXiv id") as info:
        validate_ids(f"2601.21872,{text}")
    assert repr(text) in str(info.value)


def test_validate_ids_rejects_empty() -> None:
    with pytest.raises(InputError, match="no arXiv ids"):
        validate_ids(" , ")


# --------------------------------------------------------------------------- over HTTP


@pytest.fixture
def fake_arxiv(corpus: Path) -> Iterator[FakeArxiv]:
    with FakeArxiv(corpus) as server:
        yield server


def _source(server: FakeArxiv, batch_size: int = 50) -> ArxivSource:
    settings = fake_settings(arxiv=server)
    settings.http.cache = False
    return ArxivSource(HttpClient(settings, clock=FakeClock()), settings, batch_size=batch_size)


def test_metadata_batches_in_one_request(fake_arxiv: FakeArxiv) -> None:
    ids = ["2601.06037", "2601.12538", "2407.01231v1", "2601.99999"]
    found = _source(fake_arxiv).metadata(ids)
    assert fake_arxiv.count("/api/query") == 1
    (_method, path, headers) = fake_arxiv.requests[0]
    assert "id_list=2601.06037%2C2601.12538%2C2407.01231v1%2C2601.99999" in path
    assert "paperdigest" in headers.get("User-Agent", headers.get("user-agent", ""))
    assert "2601.99999" not in found  # unknown ids are simply absent
    assert found["2601.06037"].version == 4
    assert found["2601.12538"].version == 1
    # Asked with a version: found under the bare id and under the spelling asked.
    assert found["2407.01231v1"] is found["2407.01231"]
    assert found["2407.01231"].title == "MIRAI: Evaluating LLM Agents for Event Forecasting"


def test_metadata_splits_batches(fake_arxiv: FakeArxiv) -> None:
    ids = ["2601.06037", "2601.12538", "2407.01231", "2504.09037", "2510.19361"]
    found = _source(fake_arxiv, batch_size=2).metadata(ids + ["2601.06037"])
    assert fake_arxiv.count("/api/query") == 3  # 5 distinct ids in batches of 2
    assert sorted(found) == sorted(ids)
    assert found["2504.09037"].version == 4 and found["2510.19361"].version == 3


def test_metadata_single_unknown_id(fake_arxiv: FakeArxiv) -> None:
    assert _source(fake_arxiv).metadata(["2601.99999"]) == {}


def test_metadata_api_error_entry(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.inject("/api/query", Fault.http(200, {"Content-Type": "application/atom+xml"},
                                                ERROR_FEED))
    with pytest.raises(InputError, match="1234.12345"):
        _source(fake_arxiv).metadata(["1234.12345"])


def test_metadata_http_failure_is_source_error(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.inject("/api/query", [Fault.http(503)] * 10)
    with pytest.raises(SourceError, match="arXiv API lookup"):
        _source(fake_arxiv).metadata(["2601.06037"])
