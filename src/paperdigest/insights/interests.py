"""Score papers against the reader's interest profile and say why (issue 15).

The score of a paper is the sum of explainable parts:

* **keywords** — Okapi BM25 (k1 = 1.2, b = 0.75; Robertson & Zaragoza 2009) of each profile
  keyword over the paper's title, abstract, Hugging Face keywords and summary, with the
  day's (or period's) papers as the collection; a keyword counts as matched when its terms
  occur in the paper one after the other (stop words and a plural ``s`` aside), and only
  matched keywords add their BM25 score;
* **categories** — +1 per profile arXiv category the paper is in;
* **authors / organizations** — +2 per profile author on the paper (whole name, case
  ignored) and +2 for the paper's Hugging Face organization;
* **examples** — "papers like these": +2 × the cosine similarity (term counts weighted by
  BM25 idf) to the most similar example paper, counted when it is at least
  :data:`LIKE_THRESHOLD`;
* **embeddings** (when ``interests.embeddings_url`` is set) — +2 × the cosine similarity of
  the paper's embedding to the profile's (keywords and example summaries), when at least
  :data:`EMBED_THRESHOLD`.

:func:`score_papers` returns one :class:`Match` per paper with its score and the reasons in
the order above ("matched: reward model, web agents; author X"). An empty profile scores
every paper 0 with no reasons.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ..errors import PaperdigestError
from ..models import PaperRef, PaperSummary
from .settings import InterestSettings

logger = logging.getLogger(__name__)

__all__ = ["Match", "paper_text", "score_papers", "tokens"]

K1 = 1.2
B = 0.75
LIKE_THRESHOLD = 0.2
EMBED_THRESHOLD = 0.3
_TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*|[\u4e00-\u9fff]")
_STOP = frozenset(["a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is",
                   "it", "of", "on", "or", "our", "that", "the", "this", "to", "we", "with"])


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (single CJK characters count as tokens), stop words out,
    a final plural ``s`` dropped (``agents`` → ``agent``)."""
    out = []
    for tok in _TOKEN.findall(text.lower()):
        if tok in _STOP:
            continue
        if len(tok) > 3 and tok.endswith("s") and not tok.endswith("ss"):
            tok = tok[:-1]
        out.append(tok)
    return out


def paper_text(ref: PaperRef, summary: PaperSummary | None = None) -> str:
    """What a paper is matched on: title, abstract, HF keywords, HF summary and our summary."""
    parts = [ref.title, ref.abstract, " ".join(ref.ai_keywords), ref.ai_summary or ""]
    if summary is not None:
        parts += [summary.domain, summary.contribution,
                  *(f"{i.title} {i.detail}" for i in summary.innovations)]
    return "\n".join(p for p in parts if p)


@dataclass
class Match:
    """One paper's interest score and why."""

    arxiv_id: str
    score: float = 0.0
    keywords: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    """Each part that matched, e.g. ``matched: reward model, web agents``, ``author X``."""

    @property
    def relevant(self) -> bool:
        return bool(self.reasons)

    def explain(self) -> str:
        """``matched: reward model, web agents; author X`` (empty when nothing matched)."""
        return "; ".join(self.reasons)


class _BM25:
    def __init__(self, docs: Sequence[list[str]]) -> None:
        self.tf = [Counter(d) for d in docs]
        self.len = [len(d) for d in docs]
        self.avg = (sum(self.len) / len(docs)) if docs else 0.0
        df: Counter[str] = Counter()
        for counts in self.tf:
            df.update(counts.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self.n = n

    def term(self, i: int, term: str) -> float:
        f = self.tf[i].get(term, 0)
        if not f:
            return 0.0
        norm = K1 * (1 - B + B * self.len[i] / (self.avg or 1))
        return self.idf.get(term, 0.0) * f * (K1 + 1) / (f + norm)

    def vector(self, words: list[str]) -> dict[str, float]:
        counts = Counter(words)
        return {t: c * self.idf.get(t, math.log(1 + (self.n + 0.5) / 0.5))
                for t, c in counts.items()}


def _cosine_terms(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(x * x for x in b))
    return dot / (na * nb) if na and nb else 0.0


def _has_phrase(words: list[str], terms: list[str]) -> bool:
    """Whether ``terms`` occur in ``words`` one after the other (stop words aside)."""
    n = len(terms)
    first = terms[0]
    return any(words[i:i + n] == terms for i, w in enumerate(words) if w == first)


def score_papers(
    papers: Sequence[tuple[PaperRef, PaperSummary | None]],
    profile: InterestSettings,
    *,
    examples: Mapping[str, str] | None = None,
    embed: Callable[[list[str]], list[list[float]]] | None = None,
) -> dict[str, Match]:
    """Score ``papers`` (ref, summary or ``None``) against ``profile``.

    Args:
        examples: arXiv id → text (title + summary) of the profile's example papers.
        embed: texts → vectors (``ChatClient.embed``); ``None``: lexical only. A failing
            endpoint is logged and the scores stay lexical.

    Returns:
        arXiv id → :class:`Match`.
    """
    texts = [paper_text(ref, summary) for ref, summary in papers]
    docs = [tokens(t) for t in texts]
    index = _BM25(docs)
    out: dict[str, Match] = {}
    wanted_cats = {c.strip() for c in profile.categories if c.strip()}
    wanted_authors = {a.strip().lower(): a.strip() for a in profile.authors if a.strip()}
    wanted_orgs = {o.strip().lower(): o.strip() for o in profile.organizations if o.strip()}
    example_vectors = {i: index.vector(tokens(t)) for i, t in (examples or {}).items()}
    profile_vector: list[float] | None = None
    paper_vectors: list[list[float]] = []
    if embed is not None and (profile.keywords or examples):
        try:
            wanted = "; ".join(profile.keywords) + "\n" + "\n".join((examples or {}).values())
            vectors = embed([wanted, *texts])
            profile_vector, paper_vectors = vectors[0], vectors[1:]
        except (PaperdigestError, ValueError, IndexError) as exc:  # optional: never fatal
            logger.warning("interest embeddings not used: %s", exc)
            profile_vector = None
    for i, (ref, _summary) in enumerate(papers):
        match = Match(ref.arxiv_id)
        for keyword in profile.keywords:
            terms = tokens(keyword)
            if terms and _has_phrase(docs[i], terms):
                match.keywords.append(keyword.strip())
                match.score += sum(index.term(i, t) for t in set(terms))
        if match.keywords:
            match.reasons.append("matched: " + ", ".join(match.keywords))
        cats = [c for c in ref.categories if c in wanted_cats]
        if cats:
            match.score += len(cats)
            match.reasons.append("category " + ", ".join(cats))
        for author in ref.authors:
            if author.strip().lower() in wanted_authors:
                match.score += 2
                match.reasons.append(f"author {author.strip()}")
        org = (ref.organization or "").strip().lower()
        if org and org in wanted_orgs:
            match.score += 2
            match.reasons.append(f"organization {wanted_orgs[org]}")
        if example_vectors and ref.arxiv_id not in example_vectors:
            mine = index.vector(docs[i])
            best_id, best = max(((eid, _cosine_terms(mine, vec)) for eid, vec in
                                 example_vectors.items()), key=lambda p: p[1])
            if best >= LIKE_THRESHOLD:
                match.score += 2 * best
                match.reasons.append(f"like {best_id} ({best:.2f})")
        if profile_vector is not None and i < len(paper_vectors):
            sim = _cosine(profile_vector, paper_vectors[i])
            if sim >= EMBED_THRESHOLD:
                match.score += 2 * sim
                match.reasons.append(f"embedding similarity {sim:.2f}")
        match.score = round(match.score, 4)
        out[ref.arxiv_id] = match
    return out
