"""Retrieval over the archive: passages of stored papers, ranked for a question.

Passages are the rows of the one search index (:mod:`paperdigest.index`): a paper's title,
abstract, keywords, the fields of its latest summaries, and the paragraphs, table rows and
figure captions of its best stored Document (:mod:`paperdigest.ask.passages`).

**Lexical (BM25).** A question is not a search query: its words are joined by OR (FTS5's
bareword AND would demand every word), after dropping English stop words and the words every
question about papers uses ("which paper", "what did they report"; :data:`STOP_WORDS`).
Latin words go through FTS5's ``porter`` tokenizer as indexed; CJK text is split into
overlapping character bigrams, each an FTS5 phrase of two adjacent characters (the index
makes every CJK character a token), so 模型训练 asks for 模型, 型训 and 训练. Each
passage's BM25 (FTS5 ``bm25()``, k1 = 1.2, b = 0.75) is multiplied by the weight of its
kind (:data:`KIND_WEIGHTS`: a summary field repeats sentences the abstract already has and
counts less). Optionally (``feedback=True``), one round of pseudo-relevance feedback
(RM3-style; Lavrenko & Croft 2001, Abdul-Jaleel et al. 2004) adds the terms that best
distinguish the top passages from the archive, with a lower weight, and ranks again.

**Expansion.** With an LLM, :func:`paperdigest.ask.answer.ask` first asks it for the English
terms of the answer (:mod:`paperdigest.ask.expand`): a Chinese question over English papers,
or one that paraphrases them, then also matches their words. Those terms are a second BM25
query weighted :data:`EXPANSION_WEIGHT`, merged as the feedback terms are.

**Papers.** Passages are grouped by paper; a paper's score is its best passage's score plus
a decaying share of its next ones (:data:`PAPER_DECAY`), so a paper that matches in several
places ranks above one with a single lucky passage of the same strength.

**Dense (optional).** With an embeddings endpoint (:class:`~paperdigest.ask.dense.Embedder`),
passages are also ranked by cosine similarity of their stored vectors (numpy), and the two
rankings are fused by reciprocal rank fusion (Cormack, Clarke & Büttcher 2009, k = 60).

**Filters.** :class:`Filters` restricts papers by the days that listed them, arXiv category,
a linked code repository and an interest (a search query the paper's title, abstract or
keywords must match), before ranking.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..index import ZWSP, SearchQueryError, to_fts_query, unsegment
from ..models import document_rank
from .passages import PASSAGE_KINDS

if TYPE_CHECKING:
    from .dense import Embedder

__all__ = [
    "KIND_WEIGHTS",
    "STOP_WORDS",
    "Filters",
    "PaperHits",
    "Passage",
    "Retrieval",
    "query_terms",
    "retrieve",
]

#: English stop words (the Lucene/Snowball English list and common question words) and the
#: words any question about papers in an archive uses; none of them says what is asked about.
STOP_WORDS = frozenset(["a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "aren't", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "cannot", "could", "did", "do", "does", "doing", "don't", "down", "during", "each", "either", "ever", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "let", "me", "more", "most", "much", "my", "myself", "no", "nor", "not", "of", "off", "on", "once", "only", "or", "other", "ought", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "upon", "very", "via", "was", "we", "were", "what", "when", "where", "whether", "which", "while", "who", "whom", "whose", "why", "will", "with", "within", "without", "would", "you", "your", "yours", "yourself", "yourselves", "any", "anyone", "anything", "else", "ever", "every", "many", "may", "might", "must", "one", "ones", "per", "there's", "what's", "whats", "is", "there", "kind", "kinds", "sort", "way", "ways", "get", "got", "use", "used", "uses", "using", "make", "makes", "made", "paper", "papers", "work", "works", "study", "studies", "article", "articles", "report", "reports", "archive", "archives", "author", "authors", "publication", "publications", "describe", "describes", "described", "present", "presents", "presented", "propose", "proposes", "proposed", "introduce", "introduces", "introduced", "show", "shows", "shown", "find", "finds", "found", "say", "says", "said", "mention", "mentions", "mentioned"])

#: BM25 multiplier per passage kind (``summary`` fields repeat the paper's own sentences).
KIND_WEIGHTS: dict[str, float] = {
    "title": 1.0,
    "abstract": 1.0,
    "keywords": 0.8,
    "summary": 0.6,
    "section": 1.0,
    "table": 0.7,
    "figure": 0.8,
}

#: A ranked passage: (search_rows.id, arxiv_id, kind, label, lang, score; higher = better).
Row = tuple[int, str, str, str, str, float]

#: A paper's score: best passage + PAPER_DECAY × second + PAPER_DECAY² × third …
PAPER_DECAY = 0.3
#: Passages per paper that count towards its score.
PAPER_PASSAGES = 4
#: Passages ranked by BM25 before grouping (bounds the work per question).
CANDIDATES = 400
#: Reciprocal rank fusion constant (Cormack et al. 2009).
RRF_K = 60
#: Pseudo-relevance feedback: top passages read, terms added, weight of the added terms.
PRF_DOCS = 8
PRF_TERMS = 8
PRF_WEIGHT = 0.35
#: Weight of the LLM's expansion terms (:mod:`paperdigest.ask.expand`) against the
#: question's own words: a prior, as the feedback terms' (the local 1.5B model's terms,
#: mostly the question's words again, measured +0.03 recall@5 at 0.2 and -0.03 at 0.5).
EXPANSION_WEIGHT = PRF_WEIGHT

_WORD = re.compile(r"[A-Za-z0-9]+(?:[.\-+][A-Za-z0-9]+)*")
_CJK_RUN = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]+"
)
_FTS_WORD = re.compile(r"[\w]+", re.UNICODE)


@dataclass
class Filters:
    """Which papers may answer; ``None``/empty means no restriction.

    Dates are ISO ``YYYY-MM-DD`` and inclusive, compared with the Hugging Face days that
    listed the paper (``day_papers``); a paper listed on no stored day passes only when no
    date bound is set.
    """

    date_from: str | None = None
    date_to: str | None = None
    categories: Sequence[str] = ()
    """arXiv categories (``cs.CL``); a paper with any of them passes."""
    has_code: bool | None = None
    """True: only papers with a GitHub repository; False: only those without."""
    interest: str | None = None
    """A search query (:func:`paperdigest.index.to_fts_query` syntax) that the paper's title,
    abstract or keywords must match, e.g. ``"web agents" OR robotics``."""

    def active(self) -> bool:
        return bool(self.date_from or self.date_to or self.categories
                    or self.has_code is not None or self.interest)


@dataclass
class Passage:
    """One retrieved passage."""

    id: int
    """``search_rows.id``."""
    arxiv_id: str
    kind: str
    """``title``, ``abstract``, ``keywords``, ``summary``, ``section``, ``table``, ``figure``."""
    label: str
    """Section number or heading, ``Table 2``, ``Figure 3``, a summary field (``results.0``)."""
    lang: str
    """Language of a summary field; empty otherwise."""
    text: str
    score: float
    """Higher is better (weighted BM25, or the fused RRF score)."""
    heading: str = ""
    """For a section passage: its number and heading (``4.2 Experimental setup``); for a
    table or figure: its label; else empty."""
    url: str = ""
    """Where to read it: the full text read (arXiv HTML/PDF) for section, table and figure
    passages, else the paper's arXiv abstract page."""

    @property
    def anchor(self) -> str:
        """Where in the paper, as a citation writes it: ``§4.2``, ``abstract``, ``Table 2``,
        ``results`` (summary field names are turned into report part names by the caller)."""
        if self.kind == "section":
            return f"§{self.label}"
        if self.kind in ("table", "figure"):
            return self.label
        if self.kind == "summary":
            return self.label.split(".", 1)[0]
        return self.kind


@dataclass
class PaperHits:
    """One paper and its retrieved passages, best first."""

    arxiv_id: str
    title: str
    score: float
    passages: list[Passage] = field(default_factory=list)


@dataclass
class Retrieval:
    """What :func:`retrieve` found."""

    question: str
    terms: list[str]
    """The query terms used (after stop words; with feedback terms)."""
    papers: list[PaperHits]
    """Best first."""
    method: str
    """``bm25`` or ``bm25+dense``."""

    @property
    def passages(self) -> list[Passage]:
        return [p for paper in self.papers for p in paper.passages]


# ------------------------------------------------------------------------- query terms


def query_terms(question: str) -> list[str]:
    """The question's search terms: lower-cased Latin words without stop words, and CJK
    character bigrams (a single character when a run has one), each once, in order."""
    terms: list[str] = []
    for match in re.finditer(f"{_WORD.pattern}|{_CJK_RUN.pattern}", question):
        token = match.group(0)
        if _CJK_RUN.fullmatch(token):
            grams = [token] if len(token) == 1 else [
                token[i:i + 2] for i in range(len(token) - 1)]
            terms.extend(grams)
            continue
        word = token.lower().strip(".-+")
        if not word or word in STOP_WORDS or (len(word) == 1 and not word.isdigit()):
            continue
        terms.append(word)
    return list(dict.fromkeys(terms))


def _phrase(term: str) -> str:
    """``term`` as an FTS5 string (CJK characters separated as the index separates them)."""
    spaced = ZWSP.join(term) if _CJK_RUN.fullmatch(term) else term
    return '"' + spaced.replace('"', '""') + '"'


def _or_query(terms: Sequence[str]) -> str:
    return " OR ".join(_phrase(t) for t in terms)


# ----------------------------------------------------------------------------- filters


def allowed_papers(conn: sqlite3.Connection, filters: Filters) -> set[str] | None:
    """The arXiv ids that pass ``filters``; ``None`` when nothing is filtered.

    Raises:
        SearchQueryError: ``filters.interest`` does not parse.
    """
    if not filters.active():
        return None
    sql = "SELECT p.arxiv_id, p.data FROM papers p WHERE 1"
    params: list[object] = []
    if filters.date_from or filters.date_to:
        sql += " AND EXISTS (SELECT 1 FROM day_papers d WHERE d.arxiv_id = p.arxiv_id"
        if filters.date_from:
            sql += " AND d.date >= ?"
            params.append(filters.date_from)
        if filters.date_to:
            sql += " AND d.date <= ?"
            params.append(filters.date_to)
        sql += ")"
    if filters.has_code is not None:
        has = "json_extract(p.data, '$.github_repo') IS NOT NULL AND " \
              "json_extract(p.data, '$.github_repo') != ''"
        sql += f" AND ({has})" if filters.has_code else f" AND NOT ({has})"
    if filters.categories:
        wanted = [c.strip() for c in filters.categories if c.strip()]
        marks = ",".join("?" * len(wanted))
        sql += (" AND EXISTS (SELECT 1 FROM json_each(p.data, '$.categories') c "
                f"WHERE c.value IN ({marks}))")
        params.extend(wanted)
    ids = {row[0] for row in conn.execute(sql, params)}
    if filters.interest:
        expr = to_fts_query(filters.interest)
        try:
            matched = {row[0] for row in conn.execute(
                "SELECT DISTINCT r.arxiv_id FROM search_fts f JOIN search_rows r "
                "ON r.id = f.rowid WHERE search_fts MATCH ? "
                "AND r.kind IN ('title', 'abstract', 'keywords')", (expr,))}
        except sqlite3.OperationalError as exc:
            raise SearchQueryError(f"interest: {exc}") from None
        ids &= matched
    return ids


# ------------------------------------------------------------------------------ ranking


def _bm25(conn: sqlite3.Connection, terms: Sequence[str], allowed: set[str] | None,
          lang: str | None, limit: int) -> list[Row]:
    """``(rowid, arxiv_id, kind, label, lang, score)`` best first; score = −bm25 × weight."""
    if not terms:
        return []
    sql = (
        "SELECT f.rowid, r.arxiv_id, r.kind, r.label, r.lang, f.rank FROM "
        "(SELECT rowid, rank FROM search_fts WHERE search_fts MATCH ? ORDER BY rank LIMIT ?) f "
        "JOIN search_rows r ON r.id = f.rowid"
    )
    params: list[object] = [_or_query(terms), limit * 4 if allowed is not None else limit]
    rows = conn.execute(sql, params).fetchall()
    out = []
    for rowid, arxiv_id, kind, label, row_lang, rank in rows:
        if allowed is not None and arxiv_id not in allowed:
            continue
        if lang and kind == "summary" and row_lang != lang:
            continue
        out.append((rowid, arxiv_id, kind, label, row_lang,
                    -float(rank) * KIND_WEIGHTS.get(kind, 1.0)))
    out.sort(key=lambda r: -r[5])
    return out[:limit]


def _texts(conn: sqlite3.Connection, rowids: Sequence[int]) -> dict[int, str]:
    if not rowids:
        return {}
    marks = ",".join("?" * len(rowids))
    return {row[0]: row[1] for row in conn.execute(
        f"SELECT id, text FROM search_rows WHERE id IN ({marks})", list(rowids))}


def _feedback_terms(conn: sqlite3.Connection, texts: Sequence[str], known: Sequence[str],
                    n_terms: int) -> list[str]:
    """Terms that are frequent in ``texts`` and rare in the archive (tf × idf), not already
    asked for; idf from FTS5's own document counts (the ``search_fts`` vocabulary)."""
    counts: Counter[str] = Counter()
    for text in texts:
        words = {w.lower() for w in _WORD.findall(text)}
        counts.update(w for w in words if w not in STOP_WORDS and len(w) > 2
                      and not w.isdigit())
    known_set = set(known)
    candidates = [w for w, c in counts.most_common(60) if c >= 2 and w not in known_set]
    if not candidates:
        return []
    total = conn.execute("SELECT count(*) FROM search_rows").fetchone()[0] or 1
    scored = []
    for word in candidates:
        try:
            df = conn.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH ?",
                              (_phrase(word),)).fetchone()[0]
        except sqlite3.OperationalError:
            continue
        if df == 0:
            continue
        scored.append((counts[word] * math.log(total / df), word))
    scored.sort(reverse=True)
    return [w for _, w in scored[:n_terms]]


def _merge(rows: Sequence[Row], added: Sequence[Row], weight: float) -> list[Row]:
    """``rows`` with ``weight`` × the score of each passage in ``added`` added to its own
    (a passage only in ``added`` enters with that share alone), best first, at most
    :data:`CANDIDATES`: how a second query's terms join the question's."""
    best = {r[0]: r for r in rows}
    extra: dict[int, float] = defaultdict(float)
    for r in added:
        best.setdefault(r[0], (*r[:5], 0.0))
        extra[r[0]] += weight * r[5]
    merged = sorted(((*r[:5], r[5] + extra[i]) for i, r in best.items()), key=lambda r: -r[5])
    return merged[:CANDIDATES]


def _rank_passages(conn: sqlite3.Connection, terms: list[str], allowed: set[str] | None,
                   lang: str | None, feedback: bool,
                   expansion: Sequence[str] = ()) -> tuple[list[Row], list[str]]:
    rows = _bm25(conn, terms, allowed, lang, CANDIDATES)
    extra = [t for t in dict.fromkeys(t for phrase in expansion for t in query_terms(phrase))
             if t not in terms]
    if extra:
        rows = _merge(rows, _bm25(conn, extra, allowed, lang, CANDIDATES), EXPANSION_WEIGHT)
        terms = [*terms, *extra]
    if not feedback or not rows:
        return rows, terms
    top = [r[0] for r in rows[:PRF_DOCS]]
    texts = _texts(conn, top)
    feedback_terms = _feedback_terms(conn, [unsegment(texts[i]) for i in top if i in texts],
                                     terms, PRF_TERMS)
    if not feedback_terms:
        return rows, terms
    expanded = _bm25(conn, feedback_terms, allowed, lang, CANDIDATES)
    return _merge(rows, expanded, PRF_WEIGHT), [*terms, *feedback_terms]


def _fuse(rankings: Sequence[Sequence[Row]]) -> list[Row]:
    """Reciprocal rank fusion of passage rankings (rows as from :func:`_bm25`)."""
    meta: dict[int, Row] = {}
    fused: dict[int, float] = defaultdict(float)
    for ranking in rankings:
        for rank, row in enumerate(ranking, start=1):
            meta.setdefault(row[0], row)
            fused[row[0]] += 1.0 / (RRF_K + rank)
    return sorted(((*meta[i][:5], score) for i, score in fused.items()), key=lambda r: -r[5])


def _group(rows: Sequence[Row]) -> dict[str, list[Row]]:
    by_paper: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_paper[row[1]].append(row)
    return by_paper


def _paper_score(rows: Sequence[Row]) -> float:
    return float(sum(r[5] * PAPER_DECAY ** i for i, r in enumerate(rows[:PAPER_PASSAGES])))


def retrieve(conn: sqlite3.Connection, question: str, *, k: int = 8,
             per_paper: int = 3, filters: Filters | None = None, lang: str | None = None,
             embedder: Embedder | None = None, feedback: bool = False,
             expansion: Sequence[str] = ()) -> Retrieval:
    """The best passages for ``question``, grouped by paper.

    Args:
        conn: a connection to the store (read-only is enough).
        question: what a person asks, in any language.
        k: most papers returned.
        per_paper: most passages returned per paper.
        filters: which papers may answer.
        lang: only summary fields in this language count (other passages always do).
        embedder: ranks passages by embedding too, fused with BM25 (see module docstring).
        feedback: one round of pseudo-relevance feedback (off by default: on the
            evaluation set it did not improve recall@5 or MRR, bench/eval_ask.py --feedback).
        expansion: more search terms or phrases (the LLM's, :mod:`paperdigest.ask.expand`),
            ranked as a second BM25 query weighted :data:`EXPANSION_WEIGHT` and merged.

    Raises:
        SearchQueryError: the question holds no searchable word, or a filter's interest
            query does not parse.
        paperdigest.errors.LLMError: the embeddings endpoint failed (only with ``embedder``).
    """
    terms = query_terms(question)
    if not terms:
        raise SearchQueryError(
            "the question has no word to search for (only stop words or punctuation)")
    allowed = allowed_papers(conn, filters) if filters else None
    rows, used = _rank_passages(conn, terms, allowed, lang, feedback, expansion)
    method = "bm25"
    if embedder is not None:
        from .dense import dense_ranking

        dense = dense_ranking(conn, embedder, question, allowed, lang, CANDIDATES)
        if dense:
            rows = _fuse([rows, dense])
            method = "bm25+dense"
    by_paper = _group(rows)
    order = sorted(by_paper, key=lambda a: -_paper_score(by_paper[a]))
    chosen = order[:k]
    keep = [r for a in chosen for r in by_paper[a][:per_paper]]
    texts = _texts(conn, [r[0] for r in keep])
    titles = _titles(conn, chosen)
    documents = _document_info(conn, sorted({r[1] for r in keep if r[2] in PASSAGE_KINDS}))
    papers = []
    for arxiv_id in chosen:
        source_url, headings = documents.get(arxiv_id, ("", {}))
        passages = []
        for r in by_paper[arxiv_id][:per_paper]:
            full_text = r[2] in PASSAGE_KINDS
            heading = headings.get(r[3], r[3]) if r[2] == "section" else (
                r[3] if full_text else "")
            passages.append(Passage(
                id=r[0], arxiv_id=r[1], kind=r[2], label=r[3], lang=r[4],
                text=unsegment(texts.get(r[0], "")), score=float(r[5]), heading=heading,
                url=(source_url if full_text and source_url else
                     f"https://arxiv.org/abs/{arxiv_id}")))
        papers.append(PaperHits(arxiv_id, titles.get(arxiv_id, arxiv_id),
                                _paper_score(by_paper[arxiv_id]), passages))
    return Retrieval(question=question, terms=used, papers=papers, method=method)


def _document_info(conn: sqlite3.Connection,
                   ids: Sequence[str]) -> dict[str, tuple[str, dict[str, str]]]:
    """arXiv id → (source URL, section label → "number heading") of its best Document."""
    out: dict[str, tuple[str, dict[str, str]]] = {}
    for arxiv_id in ids:
        # The best Document as Store.get_document picks it (ranked here, not in SQL, so a
        # plain read-only connection without the index's SQL functions works).
        rows = conn.execute("SELECT rowid, version, source_kind, created_at FROM documents "
                            "WHERE arxiv_id = ?", (arxiv_id,)).fetchall()
        if not rows:
            continue
        best = max(rows, key=lambda r: (document_rank(r[1], r[2]), r[3], r[0]))
        row = conn.execute("SELECT data FROM documents WHERE rowid = ?", (best[0],)).fetchone()
        try:
            data = json.loads(row[0])
        except ValueError:
            continue
        headings = {}
        for section in [*data.get("sections", []), *data.get("appendix", [])]:
            number = str(section.get("number") or "")
            heading = " ".join(str(section.get("heading") or "").split())
            headings[number or heading] = f"{number} {heading}".strip()
        out[arxiv_id] = (str(data.get("source_url") or ""), headings)
    return out


def _titles(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, str]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    return {row[0]: row[1] for row in conn.execute(
        f"SELECT arxiv_id, title FROM papers WHERE arxiv_id IN ({marks})", list(ids))}
