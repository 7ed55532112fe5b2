"""What is looked up about a day's papers besides their text (issue 15), stored once.

* **arXiv categories**: Hugging Face items carry none. :func:`fill_categories` asks the arXiv
  API for every paper of a day that has none stored in ONE ``id_list`` request (role
  ``arxiv_api``, so the HTTP client keeps the API's one-request-every-3-seconds rule).
* **Hugging Face artifacts**: the models, datasets and Spaces linked to a paper, from
  ``GET {hf_url}/api/arxiv/{id}/repos`` (the Hub endpoint behind a paper page's "Models
  citing this paper" lists; its answer is ``{"models": [...], "datasets": [...], "spaces":
  [...]}``, each item a repo with ``id`` and ``likes``; ``hugging_face_client``'s
  ``ArxivReposRes`` documents the shape). One request per paper, role ``hf``.

Each lookup's answer, even an empty one, is stored in the ``paper_extras`` table (store
migration ``m003_paper_extras``) under ``(arxiv_id, kind)``, so a rerun asks no server again.
A failed lookup is logged and left unstored (retried next run); it never fails a paper.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..errors import PaperdigestError
from ..models import PaperRef

if TYPE_CHECKING:
    from ..config import Settings
    from ..fetch.http import HttpClient
    from ..store import Store

logger = logging.getLogger(__name__)

__all__ = ["ARTIFACTS", "CATEGORIES", "fill_categories", "hf_artifacts", "load_extra",
           "save_extra"]

CATEGORIES = "arxiv_categories"
ARTIFACTS = "hf_artifacts"
#: Repos of each kind kept per paper (the most liked first).
MAX_REPOS = 5


def load_extra(store: Store, arxiv_id: str, kind: str) -> Any | None:
    """The stored answer of lookup ``kind`` for a paper, or ``None`` when never looked up."""
    with store._read() as db:
        row = db.execute("SELECT data FROM paper_extras WHERE arxiv_id = ? AND kind = ?",
                         (arxiv_id, kind)).fetchone()
    return json.loads(row["data"]) if row else None


def save_extra(store: Store, arxiv_id: str, kind: str, data: Any) -> None:
    """Store (replace) the answer of lookup ``kind`` for a paper."""
    with store._tx() as db:
        db.execute(
            "INSERT INTO paper_extras (arxiv_id, kind, data, fetched_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (arxiv_id, kind) DO UPDATE SET data = excluded.data, "
            "fetched_at = excluded.fetched_at",
            (arxiv_id, kind, json.dumps(data, ensure_ascii=False), store._now()),
        )


def fill_categories(http: HttpClient, settings: Settings, store: Store,
                    refs: Iterable[PaperRef]) -> list[PaperRef]:
    """``refs`` with their arXiv categories (primary first), from the store or from one
    batched arXiv API request for those never looked up. Papers the API does not know keep
    no categories (and are not asked again). Never raises: a failed request is logged and
    the papers keep what they had."""
    from ..sources.arxiv import ArxivSource

    refs = list(refs)
    out: list[PaperRef] = []
    missing: list[str] = []
    for ref in refs:
        stored = load_extra(store, ref.arxiv_id, CATEGORIES)
        if stored is None and not ref.categories:
            missing.append(ref.arxiv_id)
    found: dict[str, PaperRef] = {}
    if missing:
        try:
            source = ArxivSource(http, settings, batch_size=len(missing))
            found = source.metadata(missing)
        except PaperdigestError as exc:
            logger.warning("arXiv categories of %d paper(s) not fetched: %s", len(missing), exc)
            missing = []
    for ref in refs:
        cats = list(ref.categories)
        if ref.arxiv_id in missing:
            cats = list(found[ref.arxiv_id].categories) if ref.arxiv_id in found else []
            save_extra(store, ref.arxiv_id, CATEGORIES, cats)
            if cats:
                store.upsert_paper(dataclasses.replace(ref, categories=cats))
        elif not cats:
            cats = load_extra(store, ref.arxiv_id, CATEGORIES) or []
        out.append(dataclasses.replace(ref, categories=cats))
    return out


def _repos(items: Any, kind: str) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        return []
    repos = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"].strip():
            likes = item.get("likes")
            repos.append({"id": item["id"].strip(), "kind": kind,
                          "likes": likes if isinstance(likes, int) else 0})
    repos.sort(key=lambda r: (-r["likes"], r["id"]))
    return repos[:MAX_REPOS]


def hf_artifacts(http: HttpClient, settings: Settings, store: Store,
                 arxiv_id: str) -> dict[str, list[dict[str, Any]]] | None:
    """The Hugging Face models, datasets and Spaces linked to a paper:
    ``{"models": [{"id", "kind", "likes"}], "datasets": [...], "spaces": [...]}``, at most
    :data:`MAX_REPOS` each, most liked first; from the store, else one request. A 404 (the
    Hub has no page for the paper) is an empty answer; ``None`` when the lookup failed (logged,
    retried next run)."""
    from ..errors import NotFoundError
    from ..fetch.http import parse_json

    stored = load_extra(store, arxiv_id, ARTIFACTS)
    if stored is not None:
        return stored  # type: ignore[no-any-return]
    url = f"{settings.endpoints.hf_url.rstrip('/')}/api/arxiv/{arxiv_id}/repos"
    try:
        data = parse_json(http.get(url, role="hf").content)
    except NotFoundError:
        data = {}
    except (PaperdigestError, ValueError) as exc:
        logger.warning("%s: Hugging Face artifacts not fetched: %s", arxiv_id, exc)
        return None
    if not isinstance(data, dict):
        data = {}
    result = {kind: _repos(data.get(kind), kind) for kind in ("models", "datasets", "spaces")}
    save_extra(store, arxiv_id, ARTIFACTS, result)
    return result
