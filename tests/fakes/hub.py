"""Fakes for issue 15's lookups: Hugging Face paper repos and arXiv category feeds.

SYNTHESIZED: nothing here is recorded. :class:`FakeHubRepos` answers
``GET /api/arxiv/{id}/repos`` with JSON written to match the documented schema of the Hub's
paper-repos endpoint (``{"models": [...], "datasets": [...], "spaces": [...]}``, each item a
repo object with at least ``id`` and ``likes``; see ``hugging_face_client``'s
``ArxivReposRes``), and 404 ``{"error": ...}`` for a paper the Hub has no page for. Every
other path is :class:`~tests.fakes.servers.FakeHF` (``/api/daily_papers``).

:func:`atom_entry_feed` writes a one-entry arXiv API Atom feed (the shape of the recorded
``corpus/arxiv_atom/id_list_*.xml`` files: ``arxiv:primary_category`` and ``category``
elements) for FakeArxiv's ``atom=`` mapping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from tests.fakes.servers import FakeHF, Reply, _json_reply

_REPOS = re.compile(r"^/api/arxiv/(?P<id>[^/]+)/repos/?$")


class FakeHubRepos(FakeHF):
    """FakeHF plus the paper-repos endpoint (SYNTHESIZED answers; see the module docstring).

    Args:
        repos: arXiv id → ``{"models": [...], "datasets": [...], "spaces": [...]}``; ids not
            given answer 404 like the Hub does for a paper without a page.
    """

    def __init__(self, corpus_dir: Path | None,
                 days: Mapping[str, Any] | None = None,
                 repos: Mapping[str, dict[str, list[dict[str, Any]]]] | None = None) -> None:
        super().__init__(corpus_dir, days)
        self.repos = dict(repos or {})

    def handle(self, method: str, path: str, query: dict[str, list[str]]) -> Reply:
        match = _REPOS.match(path)
        if match is None:
            return super().handle(method, path, query)
        found = self.repos.get(match.group("id"))
        if found is None:
            return _json_reply({"error": "Paper not found"}, 404)  # SYNTHESIZED
        return _json_reply({"models": [], "datasets": [], "spaces": [], **found})


def hub_repo(repo_id: str, likes: int = 0, **extra: Any) -> dict[str, Any]:
    """A repo object of the endpoint's answer (SYNTHESIZED: id, likes, a few common fields)."""
    return {"_id": f"fake{abs(hash(repo_id)) % 10**8:08d}", "id": repo_id, "likes": likes,
            "downloads": extra.pop("downloads", 0), "private": False, **extra}


def atom_entry_feed(arxiv_id: str, title: str, categories: list[str], version: int = 1) -> bytes:
    """A one-entry arXiv API feed for ``arxiv_id`` (SYNTHESIZED in the recorded feeds' shape);
    the first category is the primary one."""
    cats = "".join(f'    <category term="{escape(c)}" scheme="http://arxiv.org/schemas/atom"/>\n'
                   for c in categories)
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" \
xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/fake-{arxiv_id}</id>
  <title>arXiv Query: search_query=&amp;id_list={arxiv_id}&amp;start=0&amp;max_results=10</title>
  <updated>2026-01-31T00:00:00Z</updated>
  <opensearch:itemsPerPage>10</opensearch:itemsPerPage>
  <opensearch:totalResults>1</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
  <entry>
    <id>http://arxiv.org/abs/{arxiv_id}v{version}</id>
    <title>{escape(title)}</title>
    <summary>Synthesized entry.</summary>
    <published>2026-01-28T00:00:00Z</published>
    <updated>2026-01-28T00:00:00Z</updated>
    <author><name>A. Author</name></author>
    <arxiv:primary_category term="{escape(categories[0])}" scheme="http://arxiv.org/schemas/atom"/>
{cats}  </entry>
</feed>
""".encode()
