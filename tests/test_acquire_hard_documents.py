"""Hard documents through the acquire stage (issue 12), against the loopback arXiv fake.

Every page and PDF is made here: the oxide pages of ``tests/test_extract_oxide.py`` and the
pikepdf PDFs of ``tests/test_extract_pdf_language.py``.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from paperdigest.acquire import acquire, fetch_paper
from paperdigest.extract.html import unusable_reason
from paperdigest.fetch.http import HttpClient
from paperdigest.fetch.ratelimit import FakeClock
from paperdigest.models import PaperRef
from tests.fakes.servers import FakeArxiv, fake_settings
from tests.test_extract_oxide import FATAL, FILLER, INTRO, TITLE, oxide_page, para, section
from tests.test_extract_pdf_language import ENGLISH, _shift, make_pdf

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
ID = "2609.00001"
ABSTRACT = "We mine seed-guided data for domain-specific pre-training and report gains."


def _ref() -> PaperRef:
    return PaperRef(arxiv_id=ID, title=TITLE, abstract=ABSTRACT)


def _client(server: FakeArxiv) -> tuple[HttpClient, object]:
    settings = fake_settings(arxiv=server)
    settings.http.cache = False
    return HttpClient(settings, clock=FakeClock()), settings


def test_fatal_banner_page_falls_back_to_the_pdf_with_the_reason() -> None:
    page = oxide_page(INTRO + section("S2", "Method", para("S2.p1", FILLER * 4), number="2"),
                      tail=FATAL)
    with FakeArxiv(None, html={ID: page}, pdf={ID: make_pdf(ENGLISH)}) as server:
        http, settings = _client(server)
        got = acquire(http, settings, _ref(), now=lambda: NOW)  # type: ignore[arg-type]
    assert got.fetched.kind == "PDF"
    html = got.fetched.attempts[0]
    assert (html.kind, html.ok) == ("HTML", False)
    assert html.reason.startswith("truncated:") and "Fatal error" in html.reason
    assert "We propose a method that reads the text" in got.document.full_text()


def test_wrong_document_falls_back_to_the_pdf_with_the_reason() -> None:
    checklist = oxide_page(
        section("S1", "Claims", para("S1.p1", "Do the main claims made in the abstract and "
                                     "introduction accurately reflect the paper? " * 30)),
        title="NeurIPS Paper Checklist",
    ).replace(b"We mine seed-guided data for domain-specific pre-training. ", b"Answer: [Yes]. ")
    ref = _ref()
    with FakeArxiv(None, html={ID: checklist}, pdf={ID: make_pdf(ENGLISH)}) as server:
        http, settings = _client(server)
        fetched = fetch_paper(http, settings, ref, now=lambda: NOW,  # type: ignore[arg-type]
                              html_check=functools.partial(unusable_reason, title=ref.title))
    assert fetched.kind == "PDF"
    assert fetched.attempts[0].reason.startswith("wrong document: page title 'NeurIPS Paper "
                                                 "Checklist'")


def test_wrong_document_falls_back_through_the_default_check() -> None:
    """The acquire stage hands the listed title to the default HTML check itself."""
    checklist = oxide_page(
        section("S1", "Claims", para("S1.p1", "Do the main claims made in the abstract and "
                                     "introduction accurately reflect the paper? " * 30)),
        title="NeurIPS Paper Checklist",
    ).replace(b"We mine seed-guided data for domain-specific pre-training. ", b"Answer: [Yes]. ")
    with FakeArxiv(None, html={ID: checklist}, pdf={ID: make_pdf(ENGLISH)}) as server:
        http, settings = _client(server)
        got = acquire(http, settings, _ref(), now=lambda: NOW)  # type: ignore[arg-type]
    assert got.fetched.kind == "PDF"
    assert got.fetched.attempts[0].reason.startswith("wrong document:")


def test_garbage_text_pdf_falls_back_to_the_abstract() -> None:
    with FakeArxiv(None, pdf={ID: make_pdf(_shift(ENGLISH))}, no_html=[ID]) as server:
        http, settings = _client(server)
        got = acquire(http, settings, _ref(), now=lambda: NOW)  # type: ignore[arg-type]
    assert got.document.source_kind == "ArXiv Abs"
    assert got.document.abstract == ABSTRACT
    assert "extract_failed:PDF:no_text" in got.document.flags
    assert any(a.kind == "PDF" and not a.ok and "no_text" in a.reason
               for a in got.fetched.attempts)
