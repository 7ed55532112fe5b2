"""The loopback fakes themselves, exercised with a plain httpx.Client.

Expected values are read from the corpus files independently (json.load, byte equality,
regex counts of ``<entry>`` in the raw Atom) so that the fakes are checked against the
recordings, not against our own client.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.servers import FakeArxiv, FakeHF, Fault, fake_settings, merge_feeds, split_version


@pytest.fixture
def hf(hf_server: FakeHF) -> FakeHF:
    """The shared started FakeHF (tests/fakes/fixtures.py), under this file's short name."""
    return hf_server


@pytest.fixture
def arxiv(arxiv_server: FakeArxiv) -> FakeArxiv:
    """The shared started FakeArxiv, under this file's short name."""
    return arxiv_server


@pytest.fixture
def web() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def _day(corpus: Path, name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((corpus / "hf_api" / name).read_text("utf-8"))
    return data


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["paper"]["id"] for item in items]


# --------------------------------------------------------------------------- Hugging Face


def test_hf_serves_a_recorded_day(hf: FakeHF, web: httpx.Client, corpus: Path) -> None:
    r = web.get(hf.url + "/api/daily_papers", params={"date": "2026-01-30", "limit": 100})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == _day(corpus, "daily_papers_2026-01-30.json")
    assert len(r.json()) == 45  # SOURCES.md: the complete day holds 45 papers


def test_hf_default_page_size_is_50(hf: FakeHF, web: httpx.Client, corpus: Path) -> None:
    # 2026-W05 = Mon 2026-01-26 .. Sun 2026-02-01; recorded (exact-name) days: 26, 28, 29, 30.
    expected: list[dict[str, Any]] = []
    for day in ("2026-01-26", "2026-01-28", "2026-01-29", "2026-01-30"):
        expected += _day(corpus, f"daily_papers_{day}.json")
    assert len(expected) == 18 + 21 + 22 + 45  # per-file counts from SOURCES.md
    pages = [web.get(hf.url + f"/api/daily_papers?week=2026-W05&p={p}").json() for p in range(4)]
    assert [len(page) for page in pages] == [50, 50, 6, 0]
    assert _ids(pages[0] + pages[1] + pages[2]) == _ids(expected)


def test_hf_paging_with_limit(hf: FakeHF, web: httpx.Client, corpus: Path) -> None:
    expected = _ids(_day(corpus, "daily_papers_2026-01-30.json"))
    got: list[str] = []
    for page in range(5):
        got += _ids(web.get(hf.url + f"/api/daily_papers?date=2026-01-30&limit=10&p={page}").json())
    assert got == expected


def test_hf_month_concatenates_recorded_days(hf: FakeHF, web: httpx.Client, corpus: Path) -> None:
    names = sorted(
        p.name for p in (corpus / "hf_api").glob("daily_papers_2026-01-??.json")
    )  # exact names only: the partial snapshots have a suffix
    expected: list[str] = []
    for name in names:
        expected += _ids(_day(corpus, name))
    got: list[str] = []
    page = 0
    while batch := web.get(hf.url + f"/api/daily_papers?month=2026-01&limit=100&p={page}").json():
        got += _ids(batch)
        page += 1
    assert got == expected


def test_hf_unrecorded_date_is_an_empty_list(hf: FakeHF, web: httpx.Client) -> None:
    # DESIGN §6: no recording exists for the Saturday 2026-01-31; the fake answers 200 [].
    r = web.get(hf.url + "/api/daily_papers?date=2026-01-31")
    assert r.status_code == 200
    assert r.json() == []


@pytest.mark.parametrize(
    "query",
    [
        "date=2026-13-45",
        "date=yesterday",
        "date=2026-1-3",
        "week=2026-W60",
        "month=2026-13",
        "limit=0",
        "limit=abc",
        "limit=101",
    ],
)
def test_hf_bad_parameters_answer_400_json(hf: FakeHF, web: httpx.Client, query: str) -> None:
    r = web.get(hf.url + "/api/daily_papers?" + query)
    assert r.status_code == 400
    assert "error" in r.json()


def test_hf_partial_snapshot_by_explicit_mapping(corpus: Path, web: httpx.Client) -> None:
    name = "daily_papers_2026-01-30_partial-sameday-0804UTC.json"
    with FakeHF(corpus, days={"2026-01-30": name}) as server:
        items = web.get(server.url + "/api/daily_papers?date=2026-01-30&limit=100").json()
    assert items == _day(corpus, name)
    assert len(items) == 27  # SOURCES.md: 27 of the day's 45 papers at 08:04 UTC


def test_hf_partial_files_are_not_served_by_default(hf: FakeHF, web: httpx.Client) -> None:
    # Only daily_papers_2026-02-02_partial-sameday.json exists for that date.
    assert web.get(hf.url + "/api/daily_papers?date=2026-02-02").json() == []
    assert "2026-02-02" not in hf.days


def test_hf_in_memory_days(hf: FakeHF, web: httpx.Client) -> None:
    hf.add_day("2026-02-07", [{"paper": {"id": "2602.00001", "title": "T"}}])
    hf.set_day("2026-01-30", None)
    assert _ids(web.get(hf.url + "/api/daily_papers?date=2026-02-07").json()) == ["2602.00001"]
    assert web.get(hf.url + "/api/daily_papers?date=2026-01-30").json() == []


def test_hf_other_paths_are_404(hf: FakeHF, web: httpx.Client) -> None:
    assert web.get(hf.url + "/api/models").status_code == 404


def test_hf_validators_and_304(hf: FakeHF, web: httpx.Client) -> None:
    url = hf.url + "/api/daily_papers?date=2026-01-29"
    first = web.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert web.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert web.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert web.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    older = (dt.datetime(2000, 1, 1, tzinfo=dt.UTC)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert web.get(url, headers={"If-Modified-Since": older}).status_code == 200
    # A different day has a different body, hence a different ETag.
    assert web.get(hf.url + "/api/daily_papers?date=2026-01-30").headers["etag"] != etag


# --------------------------------------------------------------------------- arXiv HTML / PDF


@pytest.mark.parametrize("ref", ["2601.13621", "2601.13621v1", "2601.13621v1/"])
def test_arxiv_html_from_corpus(
    arxiv: FakeArxiv, web: httpx.Client, corpus: Path, ref: str
) -> None:
    r = web.get(arxiv.url + f"/html/{ref}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.content == (corpus / "arxiv_html" / "2601.13621v1.html").read_bytes()


@pytest.mark.parametrize("ref", ["2601.21872", "2601.13621v2"])
def test_arxiv_html_unknown_is_404_no_html(arxiv: FakeArxiv, web: httpx.Client, ref: str) -> None:
    r = web.get(arxiv.url + f"/html/{ref}")
    assert r.status_code == 404
    assert r.text == f"No HTML for '{ref}'"


def test_arxiv_overrides_and_no_html(corpus: Path, web: httpx.Client) -> None:
    page = b"<html><body><h1 class='ltx_title'>Made up</h1></body></html>"
    with FakeArxiv(corpus, html={"2601.21872v2": page}, no_html={"2601.13621"}) as server:
        assert web.get(server.url + "/html/2601.21872").content == page
        assert web.get(server.url + "/html/2601.21872v2").content == page
        assert web.get(server.url + "/html/2601.21872v1").status_code == 404
        assert web.get(server.url + "/html/2601.13621").status_code == 404
        # The PDF of a paper without HTML is still there.
        assert web.get(server.url + "/pdf/2601.13621").status_code == 200


def test_arxiv_pdf_from_corpus(arxiv: FakeArxiv, web: httpx.Client, corpus: Path) -> None:
    mistral = (corpus / "pdf" / "2310.06825v1.pdf").read_bytes()
    assert web.get(arxiv.url + "/pdf/2310.06825v1").content == mistral
    assert web.get(arxiv.url + "/pdf/2310.06825").content == mistral
    assert web.get(arxiv.url + "/pdf/2310.06825v1.pdf").content == mistral
    # An unversioned recording is served for any version.
    unversioned = (corpus / "pdf" / "2312.12344.pdf").read_bytes()
    r = web.get(arxiv.url + "/pdf/2312.12344v1")
    assert r.content == unversioned
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")


def test_arxiv_single_page_pdf_is_not_a_paper(arxiv: FakeArxiv, web: httpx.Client) -> None:
    # 2305.03393v1-page9-only.pdf is one page cut out by docling (SOURCES.md), not the paper.
    assert web.get(arxiv.url + "/pdf/2305.03393v1").status_code == 404


def test_arxiv_pdf_override_and_no_pdf(corpus: Path, web: httpx.Client) -> None:
    with FakeArxiv(corpus, pdf={"2601.21872": b"%PDF-1.4 fake"}, no_pdf={"1505.01373"}) as s:
        assert web.get(s.url + "/pdf/2601.21872v1").content == b"%PDF-1.4 fake"
        assert web.get(s.url + "/pdf/1505.01373").status_code == 404


# --------------------------------------------------------------------------- arXiv API


def _entries(xml: bytes) -> list[bytes]:
    found: list[bytes] = re.findall(rb"<id>https?://arxiv\.org/abs/([^<]+)</id>", xml)
    return found


def test_arxiv_api_single_id_is_verbatim(arxiv: FakeArxiv, web: httpx.Client, corpus: Path) -> None:
    raw = (corpus / "arxiv_atom" / "id_list_2601.12538.xml").read_bytes()
    r = web.get(arxiv.api_url, params={"id_list": "2601.12538"})
    assert r.content == raw
    assert r.headers["content-type"].startswith("application/atom+xml")
    assert web.get(arxiv.api_url, params={"id_list": "2601.12538v1"}).content == raw


def test_arxiv_api_merges_several_ids(arxiv: FakeArxiv, web: httpx.Client, corpus: Path) -> None:
    ids = ["2601.06037", "2407.01231", "2601.21872"]  # the last was never recorded
    expected: list[bytes] = []
    for paper in ids[:2]:
        expected += _entries((corpus / "arxiv_atom" / f"id_list_{paper}.xml").read_bytes())
    assert len(expected) == 2
    r = web.get(arxiv.api_url, params={"id_list": ",".join(ids)})
    assert r.status_code == 200
    assert _entries(r.content) == expected
    assert b"<opensearch:totalResults>2</opensearch:totalResults>" in r.content


def test_arxiv_api_unknown_ids_give_an_empty_feed(arxiv: FakeArxiv, web: httpx.Client) -> None:
    r = web.get(arxiv.api_url, params={"id_list": "2601.21872,2601.22000"})
    assert r.status_code == 200
    assert b"<entry>" not in r.content
    assert b"<opensearch:totalResults>0</opensearch:totalResults>" in r.content


def test_merge_feeds_keeps_all_entries(corpus: Path) -> None:
    files = sorted((corpus / "arxiv_atom").glob("id_list_*.xml"))
    raws = [p.read_bytes() for p in files]
    merged = merge_feeds(raws)
    expected = [e for raw in raws for e in _entries(raw)]
    assert _entries(merged) == expected
    assert len(expected) == len(files)


def test_split_version() -> None:
    assert split_version("2601.13621v12") == ("2601.13621", 12)
    assert split_version("2601.13621") == ("2601.13621", None)


# --------------------------------------------------------------------------- faults and log


def test_faults_are_consumed_one_per_request(hf: FakeHF, web: httpx.Client) -> None:
    url = hf.url + "/api/daily_papers?date=2026-01-29"
    hf.inject(
        "/api/daily_papers", [Fault.http(503), Fault.http(429, {"Retry-After": "2"}, "slow down")]
    )
    assert hf.pending_faults() == 2
    assert web.get(url).status_code == 503
    second = web.get(url)
    assert second.status_code == 429
    assert second.headers["retry-after"] == "2"
    assert second.text == "slow down"
    assert web.get(url).status_code == 200
    assert hf.pending_faults() == 0
    assert hf.count("/api/daily_papers") == 3
    assert hf.count("/api/daily_papers?date=2026-01-29") == 3
    assert hf.count("/api/other") == 0


def test_fault_prefix_only_hits_matching_paths(arxiv: FakeArxiv, web: httpx.Client) -> None:
    arxiv.inject("/html/2601.13621", Fault.http(500))
    assert web.get(arxiv.url + "/html/2510.11260").status_code == 200
    assert web.get(arxiv.url + "/pdf/2601.13621").status_code == 200
    assert web.get(arxiv.url + "/html/2601.13621v1").status_code == 500
    assert web.get(arxiv.url + "/html/2601.13621v1").status_code == 200


def test_longest_prefix_wins(arxiv: FakeArxiv, web: httpx.Client) -> None:
    arxiv.inject("/", Fault.http(502))
    arxiv.inject("/html/", Fault.http(504))
    assert web.get(arxiv.url + "/html/2510.11260").status_code == 504
    assert web.get(arxiv.url + "/html/2510.11260").status_code == 502
    assert web.get(arxiv.url + "/html/2510.11260").status_code == 200


def test_garbage_json_fault(hf: FakeHF, web: httpx.Client) -> None:
    hf.inject("/api/", Fault.garbage_json())
    r = web.get(hf.url + "/api/daily_papers?date=2026-01-29")
    assert r.status_code == 200
    with pytest.raises(ValueError):  # JSONDecodeError or UnicodeDecodeError
        json.loads(r.content)


def test_reset_fault_drops_the_connection(arxiv: FakeArxiv, web: httpx.Client) -> None:
    arxiv.inject("/html/", Fault.reset())
    with pytest.raises(httpx.TransportError):
        web.get(arxiv.url + "/html/2510.11260")
    assert web.get(arxiv.url + "/html/2510.11260").status_code == 200


def test_truncated_fault_cuts_the_body(arxiv: FakeArxiv, web: httpx.Client) -> None:
    arxiv.inject("/pdf/", Fault.truncated())
    with pytest.raises(httpx.RemoteProtocolError):
        web.get(arxiv.url + "/pdf/1505.01373")
    assert web.get(arxiv.url + "/pdf/1505.01373").status_code == 200


def test_slow_fault_delays_the_answer(arxiv: FakeArxiv) -> None:
    arxiv.inject("/html/", Fault.slow(30))
    with httpx.Client(timeout=0.2) as client, pytest.raises(httpx.ReadTimeout):
        client.get(arxiv.url + "/html/2510.11260")
    # Stopping the server interrupts the pending slow answer instead of waiting 30 s.


def test_request_log_keeps_method_path_and_headers(hf: FakeHF, web: httpx.Client) -> None:
    web.get(hf.url + "/api/daily_papers?date=2026-01-29", headers={"X-Test": "1"})
    method, path, headers = hf.requests[-1]
    assert (method, path) == ("GET", "/api/daily_papers?date=2026-01-29")
    assert headers["X-Test"] == "1"


def test_fake_settings_point_at_the_fakes(hf: FakeHF, arxiv: FakeArxiv) -> None:
    settings = fake_settings(hf, arxiv, llm_url="http://127.0.0.1:1/v1", lang="en")
    assert settings.endpoints.hf_url == hf.url
    assert settings.endpoints.arxiv_url == arxiv.url
    assert settings.endpoints.arxiv_api_url == arxiv.url + "/api/query"
    assert settings.llm.base_url == "http://127.0.0.1:1/v1"
    assert settings.limits.arxiv_api == 1000.0
    assert settings.lang == "en"
    assert fake_settings(fast=False).limits.arxiv_api == pytest.approx(1 / 3)


def test_server_url_requires_start(corpus: Path) -> None:
    with pytest.raises(RuntimeError, match="not started"):
        _ = FakeHF(corpus).url
