"""The acquire stage's fetch chain HTML → PDF → abstract, against the loopback arXiv fake."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperdigest.acquire import fetch_paper
from paperdigest.config import Settings
from paperdigest.errors import FetchError
from paperdigest.fetch.http import HttpClient, Response
from paperdigest.fetch.ratelimit import FakeClock
from paperdigest.models import Fetched, PaperRef
from paperdigest.sources.arxiv import ArxivSource
from tests.fakes.servers import FakeArxiv, Fault, fake_settings

NOW = datetime(2026, 1, 31, 3, 24, 53, tzinfo=UTC)
ABSTRACT = "We propose a method. It improves accuracy by 12.5% on Bench-1."


@pytest.fixture
def arxiv(corpus: Path) -> Iterator[FakeArxiv]:
    with FakeArxiv(corpus) as server:
        yield server


def _settings(server: FakeArxiv) -> Settings:
    settings = fake_settings(arxiv=server)
    settings.http.cache = False
    settings.http.retries = 2
    return settings


def _fetch(
    server: FakeArxiv, ref: PaperRef, settings: Settings | None = None, **kwargs: object
) -> Fetched:
    settings = settings or _settings(server)
    http = HttpClient(settings, clock=FakeClock())  # retries never sleep for real
    kwargs.setdefault("html_check", lambda body: None)
    return fetch_paper(http, settings, ref, now=lambda: NOW, **kwargs)  # type: ignore[arg-type]


def _ref(arxiv_id: str, abstract: str = ABSTRACT, version: int | None = None) -> PaperRef:
    return PaperRef(arxiv_id=arxiv_id, title=f"Paper {arxiv_id}", abstract=abstract,
                    version=version)


def test_html_when_available(arxiv: FakeArxiv, corpus: Path) -> None:
    fetched = _fetch(arxiv, _ref("2601.13621"))
    assert fetched.kind == "HTML"
    assert fetched.body == (corpus / "arxiv_html" / "2601.13621v1.html").read_bytes()
    assert fetched.url == f"{arxiv.url}/html/2601.13621"
    # Learned from the page: <base href="/html/2601.13621v1/"/>.
    assert fetched.version == 1
    assert fetched.content_type.startswith("text/html")
    assert fetched.fetched_at == "2026-01-31T03:24:53+00:00"
    assert [(a.kind, a.ok) for a in fetched.attempts] == [("HTML", True)]
    assert arxiv.count("/pdf/") == 0 and arxiv.count("/api/") == 0


def test_mixed_day_each_paper_gets_the_best_source(arxiv: FakeArxiv, corpus: Path) -> None:
    # Which corpus files exist decides the expected kind (SOURCES.md lists them).
    expected = {
        "2405.12282": "HTML",  # arxiv_html/2405.12282v3.html
        "2510.11260": "HTML",  # arxiv_html/2510.11260v1.html
        "2312.12344": "HTML",  # HTML and pdf/2312.12344.pdf: HTML wins
        "2310.06825": "PDF",  # pdf/2310.06825v1.pdf only
        "1505.01373": "PDF",  # pdf/1505.01373.pdf only
        "2601.20833": "ArXiv Abs",  # an HF paper of 2026-01-30: neither HTML nor PDF recorded
        "2601.21872": "ArXiv Abs",
    }
    for arxiv_id, kind in expected.items():
        fetched = _fetch(arxiv, _ref(arxiv_id))
        assert fetched.kind == kind, arxiv_id
        assert fetched.arxiv_id == arxiv_id
        if kind == "HTML":
            assert fetched.attempts[-1].ok and len(fetched.attempts) == 1
        if kind == "PDF":
            assert fetched.body.startswith(b"%PDF")
            assert [(a.kind, a.ok, a.reason) for a in fetched.attempts] == [
                ("HTML", False, "404 No HTML"),
                ("PDF", True, ""),
            ]
            pdf_name = next((corpus / "pdf").glob(f"{arxiv_id}*.pdf"))
            assert fetched.body == pdf_name.read_bytes()
        if kind == "ArXiv Abs":
            assert fetched.body == ABSTRACT.encode()
            assert fetched.url == f"{arxiv.url}/abs/{arxiv_id}"
            assert [(a.kind, a.ok, a.reason) for a in fetched.attempts] == [
                ("HTML", False, "404 No HTML"),
                ("PDF", False, "404 Not Found"),
                ("ArXiv Abs", True, ""),
            ]
    assert arxiv.count("/api/query") == 0  # every ref carried its HF abstract


def test_pinned_version_is_requested(arxiv: FakeArxiv) -> None:
    fetched = _fetch(arxiv, _ref("2405.12282", version=3))
    assert fetched.url == f"{arxiv.url}/html/2405.12282v3"
    assert (fetched.kind, fetched.version) == ("HTML", 3)
    fetched = _fetch(arxiv, _ref("2405.12282v3"))  # a versioned id works the same way
    assert fetched.url == f"{arxiv.url}/html/2405.12282v3"
    assert fetched.arxiv_id == "2405.12282"


def test_versioned_pages_come_from_the_cache(arxiv: FakeArxiv, tmp_path: Path) -> None:
    settings = fake_settings(arxiv=arxiv, home=str(tmp_path))  # cache under tmp_path
    assert settings.http.cache
    first = _fetch(arxiv, _ref("2405.12282", version=3), settings)
    again = _fetch(arxiv, _ref("2405.12282", version=3), settings)
    assert first.body == again.body and again.kind == "HTML"
    # arXiv regenerated every HTML page on 2026-08-11 (issue 11 item 5): even a versioned
    # HTML URL is revalidated, with a conditional request that the fake answers 304.
    assert arxiv.count("/html/2405.12282v3") == 2
    _, _, headers = arxiv.requests[-1]
    assert "If-None-Match" in headers
    # An unversioned URL is revalidated (conditional request, 304 from the fake).
    _fetch(arxiv, _ref("2510.11260"), settings)
    _fetch(arxiv, _ref("2510.11260"), settings)
    assert arxiv.count("/html/2510.11260") == 2


def test_broken_html_falls_back_to_pdf(arxiv: FakeArxiv) -> None:
    seen: list[int] = []

    def check(body: bytes) -> str | None:
        seen.append(len(body))
        return "ltx_ERROR density 0.4 over threshold"

    fetched = _fetch(arxiv, _ref("2601.13621"), html_check=check)
    assert len(seen) == 1
    assert fetched.kind == "PDF"
    assert [(a.kind, a.ok, a.reason) for a in fetched.attempts] == [
        ("HTML", False, "ltx_ERROR density 0.4 over threshold"),
        ("PDF", True, ""),
    ]
    # The version learned from the rejected HTML pins the PDF request.
    assert fetched.url == f"{arxiv.url}/pdf/2601.13621v1"
    assert fetched.version == 1


def test_html_rate_limited_falls_back_with_reason(arxiv: FakeArxiv) -> None:
    settings = _settings(arxiv)
    # 1 try + 2 retries, all answered 429: the client gives up with RateLimitedError.
    arxiv.inject("/html/2601.13621", [Fault.http(429, {"Retry-After": "1"})] * 3)
    fetched = _fetch(arxiv, _ref("2601.13621"), settings)
    assert fetched.kind == "PDF"
    html_attempt = fetched.attempts[0]
    assert (html_attempt.kind, html_attempt.ok) == ("HTML", False)
    assert html_attempt.reason.startswith("429 rate limited")
    assert arxiv.count("/html/2601.13621") == 3
    assert arxiv.pending_faults() == 0


def test_transient_429_is_retried_by_the_client(arxiv: FakeArxiv) -> None:
    arxiv.inject("/html/2601.13621", Fault.http(429, {"Retry-After": "1"}))
    fetched = _fetch(arxiv, _ref("2601.13621"))
    assert fetched.kind == "HTML"
    assert arxiv.count("/html/2601.13621") == 2


def test_nothing_at_all_raises_with_every_reason(arxiv: FakeArxiv) -> None:
    with pytest.raises(FetchError) as info:
        _fetch(arxiv, _ref("2601.99999", abstract=""))
    message = str(info.value)
    assert "2601.99999" in message
    assert "HTML: 404 No HTML" in message
    assert "PDF: 404 Not Found" in message
    assert "ArXiv Abs: unknown arXiv id" in message
    assert arxiv.count("/api/query") == 1


def test_missing_abstract_comes_from_the_api(arxiv: FakeArxiv) -> None:
    source = ArxivSource(HttpClient(_settings(arxiv), clock=FakeClock()), _settings(arxiv))
    fetched = _fetch(arxiv, _ref("2601.06037", abstract=""), arxiv=source)
    assert fetched.kind == "ArXiv Abs"
    # Read by hand from arxiv_atom/id_list_2601.06037.xml: v4, TeleMem abstract.
    assert fetched.version == 4
    assert fetched.body.decode().startswith("Large language models (LLMs) excel at many NLP")
    assert fetched.url == f"{arxiv.url}/abs/2601.06037"
    assert arxiv.count("/api/query?id_list=2601.06037") == 1


def test_api_failure_is_listed(arxiv: FakeArxiv) -> None:
    arxiv.inject("/api/query", [Fault.http(500)] * 3)
    with pytest.raises(FetchError, match=r"ArXiv Abs: arXiv API failed: .*500"):
        _fetch(arxiv, _ref("2601.06037", abstract=""))


def test_pdf_that_is_not_a_pdf(corpus: Path) -> None:
    # SYNTHESIZED: a PDF URL that answers an HTML page (e.g. a captcha or error page).
    with FakeArxiv(corpus, pdf={"2601.20833": b"<html>Please verify you are human</html>"}) as srv:
        fetched = _fetch(srv, _ref("2601.20833"))
    assert fetched.kind == "ArXiv Abs"
    assert fetched.attempts[1].reason == "not a PDF (application/pdf)"


def test_too_large_bodies_fall_through(arxiv: FakeArxiv, corpus: Path) -> None:
    settings = _settings(arxiv)
    # 0.1 MB cap: arxiv_html/2601.13621v1.html (474,635 bytes) and pdf/2601.13621.pdf
    # (2,488,503 bytes) are both over it.
    settings.http.max_body_mb = 0.1
    fetched = _fetch(arxiv, _ref("2601.13621"), settings)
    assert fetched.kind == "ArXiv Abs"
    assert [a.reason.split(":")[0] for a in fetched.attempts[:2]] == ["too large", "too large"]


def test_connection_reset_on_pdf(arxiv: FakeArxiv) -> None:
    arxiv.inject("/pdf/2310.06825", [Fault.reset()] * 3)
    fetched = _fetch(arxiv, _ref("2310.06825"))
    assert fetched.kind == "ArXiv Abs"
    assert fetched.attempts[1].kind == "PDF" and not fetched.attempts[1].ok
    assert "failed after 3 attempt(s)" in fetched.attempts[1].reason


def test_default_html_check_is_extract_html(
    arxiv: FakeArxiv, monkeypatch: pytest.MonkeyPatch
) -> None:
    import paperdigest.acquire as acquire_mod

    # The acquire stage's default check is extract.html.check_html (imported, no guard).
    monkeypatch.setattr(acquire_mod, "check_html", lambda body, *a, **k: (None, "too broken"))
    settings = _settings(arxiv)
    http = HttpClient(settings, clock=FakeClock())
    fetched = fetch_paper(http, settings, _ref("2601.13621"), now=lambda: NOW)
    assert fetched.kind == "PDF"
    assert fetched.attempts[0].reason == "too broken"


def test_accepting_html_check_means_html_is_used(arxiv: FakeArxiv) -> None:
    # Was "a missing extract module means HTML is used": the acquire stage now imports
    # extract directly (no ImportError guard), so an accepting check stands in for it.
    settings = _settings(arxiv)
    fetched = fetch_paper(HttpClient(settings, clock=FakeClock()), settings, _ref("2601.13621"),
                          html_check=lambda body: None)
    assert fetched.kind == "HTML"


def test_real_html_check_accepts_corpus_page_and_rejects_junk(corpus: Path) -> None:
    pytest.importorskip("paperdigest.extract.html")
    # SYNTHESIZED: a 200 answer that is not a LaTeXML paper at all.
    junk = b"<html><body><p>Conversion failed.</p></body></html>"
    with FakeArxiv(corpus, html={"2310.06825": junk}) as srv:
        settings = _settings(srv)
        http = HttpClient(settings, clock=FakeClock())
        good = fetch_paper(http, settings, _ref("2601.13621"))
        bad = fetch_paper(http, settings, _ref("2310.06825"))
    assert good.kind == "HTML"
    assert bad.kind == "PDF"
    assert not bad.attempts[0].ok and bad.attempts[0].reason


@pytest.mark.parametrize(
    ("url", "headers", "version"),
    [
        ("https://arxiv.org/pdf/2601.13621v2", {}, 2),
        (
            "https://arxiv.org/pdf/2601.13621",
            {"content-disposition": 'inline; filename="2601.13621v3.pdf"'},
            3,
        ),
        ("https://arxiv.org/pdf/2601.13621", {}, None),
    ],
)
def test_pdf_version_from_response(url: str, headers: dict[str, str], version: int | None) -> None:
    from paperdigest.acquire import _pdf_version

    response = Response(url=url, status=200, headers=headers, content=b"%PDF-1.5")
    assert _pdf_version(response, "2601.13621") == version


def test_html_version_from_stamp(corpus: Path) -> None:
    from paperdigest.acquire import _html_version

    # arxiv_html/2508.08468v6.html (2026 chrome) has no <base>; it links /abs/2508.08468v6.
    body = (corpus / "arxiv_html" / "2508.08468v6.html").read_bytes()
    response = Response(url="http://x/html/2508.08468", status=200, headers={}, content=body)
    assert _html_version(response, "2508.08468") == 6
