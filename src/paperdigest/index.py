"""The full-text search index over the store: SQLite FTS5 with CJK segmentation.

One index serves the web archive's search (``paperdigest serve``) and is meant to be reused
by retrieval over the archive (issue 17): rows are *passages* — a paper's title, abstract and
keywords, each field of its latest summary per language, and the section paragraphs, table
rows and figure captions of its best stored Document (kinds ``section``/``table``/``figure``,
:mod:`paperdigest.ask.passages`) — in ``search_rows``, indexed by
the external-content FTS5 table ``search_fts`` (https://www.sqlite.org/fts5.html §4.4.3).

CJK text. FTS5's ``unicode61`` tokenizer keeps a run of Chinese characters as one token, and
``trigram`` cannot match two-character words such as 模型. Python's sqlite3 cannot register
an FTS5 tokenizer, so the text is segmented *before* it reaches FTS5: a zero-width space
(U+200B, a separator for ``unicode61``) is put between adjacent CJK characters, making each
character a token. A query for a CJK word gets the same treatment, and a bareword that
tokenizes to several tokens is an FTS5 phrase, so 模型 matches exactly the adjacent pair
模 型 (a substring match, with no dictionary to download or load). Display strips the
zero-width spaces again, so ``snippet()`` output reads as the original text.

Keeping in step. Triggers on ``papers``, ``summaries`` and ``documents`` rewrite a paper's
rows on every insert, update and delete, calling the SQL functions that
:func:`register_functions` registers; every connection the library opens to a store gets
them from :func:`paperdigest.store.connect`. :func:`ensure_index` runs on every
:class:`~paperdigest.store.Store` open: it creates the tables and triggers and fills them from
the stored papers and summaries when the index is missing or of an older
:data:`INDEX_VERSION` (the migration for existing stores), and writes nothing when the index
is current. A connection that writes ``papers``/``summaries``/``documents`` without these
functions fails with "no such function: paperdigest_segment"; open one with
:func:`paperdigest.store.connect`.

Queries. :func:`search` takes what a person types: words (AND), ``"quoted phrases"``,
``OR``/``NOT``/``AND``, parentheses and ``prefix*``. Barewords holding punctuation
(``GPT-4o``, ``2601.21872``) are quoted automatically and words of punctuation only are
left out; what still does not parse (an unclosed quote or parenthesis, a dangling operator)
raises :class:`SearchQueryError` from :func:`to_fts_query` with a one-line explanation in
plain words: FTS5's own messages never reach a person.
"""

from __future__ import annotations

import math
import re
import sqlite3
from dataclasses import dataclass, field

from .contract.markup import strip_control
from .contract.vocab import is_not_mentioned
from .errors import InputError

__all__ = [
    "CANDIDATES",
    "HIGHLIGHT_END",
    "HIGHLIGHT_START",
    "INDEX_VERSION",
    "SearchHit",
    "SearchQueryError",
    "ensure_index",
    "query_terms",
    "rebuild_index",
    "search",
    "segment",
    "snippet_parts",
    "to_fts_query",
    "unsegment",
]

#: Bump when the tables, triggers or segmentation change: the next open rebuilds the index.
#: 3: a summary field that only says "not mentioned" (``实验：论文未提及``) is no passage.
INDEX_VERSION = 3

#: Zero-width space put between adjacent CJK characters (a separator for ``unicode61``).
ZWSP = "\u200b"
#: Markers around highlighted terms in :attr:`SearchHit.snippet` (control characters,
#: removed from indexed text, so they never occur in it).
HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"

#: Han (BMP, extension A, compatibility, extensions B–F) and kana: scripts written without
#: spaces between words.
_CJK_CLASS = (
    "[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0002ebef]"
)
_BETWEEN_CJK = re.compile(f"(?<={_CJK_CLASS})(?={_CJK_CLASS})")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\u200b]")

_TOKENIZE = "porter unicode61 remove_diacritics 2"


class SearchQueryError(InputError):
    """The search query does not parse; the message says why, in one line."""


def segment(text: str | None) -> str:
    """``text`` as indexed: control characters dropped, U+200B between adjacent CJK characters.

    ``segment("基于大模型")`` → ``"基\\u200b于\\u200b大\\u200b模\\u200b型"``; Latin text is unchanged.
    """
    if not text:
        return ""
    # A whole terminal escape sequence goes, so no fragment such as "[31m" is indexed as a word.
    return _BETWEEN_CJK.sub(ZWSP, _CONTROL.sub("", strip_control(text)))


def unsegment(text: str) -> str:
    """Undo :func:`segment` for display (removes every U+200B)."""
    return text.replace(ZWSP, "")


# ------------------------------------------------------------------------------- schema

def _paper_rows(row: str, source: str = "", where: str = "") -> str:
    """``INSERT`` of a paper's title/abstract/keywords rows.

    ``row`` names the papers row (``new`` in a trigger); ``source`` is the FROM item that
    provides it outside a trigger (``papers p``), ``where`` an extra filter on it.
    """
    src = f" FROM {source}" if source else ""
    cond = f" AND ({where})" if where else ""
    kw = f"(SELECT group_concat(value, ' · ') FROM json_each({row}.data, '$.ai_keywords'))"
    selects = [
        f"SELECT {row}.arxiv_id AS a, 'title' AS k, {row}.title AS t{src}",
        f"SELECT {row}.arxiv_id, 'abstract', json_extract({row}.data, '$.abstract'){src}",
        f"SELECT {row}.arxiv_id, 'keywords', {kw}{src}",
    ]
    return (
        "INSERT INTO search_rows (arxiv_id, kind, label, lang, summary_id, text) "
        "SELECT a, k, '', '', NULL, paperdigest_segment(t) FROM ("
        + " UNION ALL ".join(f"{sel} WHERE 1{cond}" for sel in selects)
        + ") WHERE t IS NOT NULL AND t != ''"
    )


def _summary_rows(row: str, source: str = "", where: str = "") -> str:
    """``INSERT`` of one summary's field rows (arguments as for :func:`_paper_rows`).

    A field that only says the paper does not cover it — the marker alone, or a result's
    setting or an innovation's title joined to it (``实验：论文未提及``) — is no passage
    (:func:`paperdigest.contract.vocab.is_not_mentioned`, the SQL function
    ``paperdigest_mentioned``)."""
    cond = f" AND ({where})" if where else ""
    plain = f" FROM {source}" if source else ""

    def each(path: str) -> str:
        return f" FROM {source + ', ' if source else ''}json_each({row}.data, '{path}')"

    cols = f"{row}.arxiv_id AS a, {row}.lang AS g, {row}.id AS i"
    selects = [
        f"SELECT {cols}, 'domain' AS l, json_extract({row}.data, '$.domain') AS t{plain}",
        f"SELECT {cols}, 'contribution', json_extract({row}.data, '$.contribution'){plain}",
        f"SELECT {cols}, 'usage.' || key, value{each('$.usage')}",
        (f"SELECT {cols}, 'innovations.' || key, json_extract(value, '$.title') || '：' || "
         f"json_extract(value, '$.detail'){each('$.innovations')}"),
        (f"SELECT {cols}, 'results.' || key, json_extract(value, '$.setting') || '：' || "
         f"json_extract(value, '$.finding'){each('$.results')}"),
    ]
    return (
        "INSERT INTO search_rows (arxiv_id, kind, label, lang, summary_id, text) "
        "SELECT a, 'summary', l, g, i, paperdigest_segment(t) FROM ("
        + " UNION ALL ".join(f"{sel} WHERE 1{cond}" for sel in selects)
        + ") WHERE t IS NOT NULL AND t != '' AND paperdigest_mentioned(t)"
    )


#: Rows read from a paper's best stored Document (:mod:`paperdigest.ask.passages`, issue 17).
_DOCUMENT_KINDS_SQL = "('section', 'table', 'figure')"


def _document_rows(arxiv_id: str, *, every: bool = False) -> str:
    """``INSERT`` of the passages of the best stored Document of the paper ``arxiv_id``
    (``new.arxiv_id`` in a trigger), or of every paper's best Document when ``every``."""

    def best(column: str) -> str:
        return (
            f"SELECT rowid FROM documents WHERE arxiv_id = {column} ORDER BY "
            "paperdigest_document_rank(version, source_kind) DESC, created_at DESC, "
            "rowid DESC LIMIT 1"
        )

    where = (
        f"d.rowid IN (SELECT ({best('a.arxiv_id')}) FROM "
        "(SELECT DISTINCT arxiv_id FROM documents) a)"
        if every else f"d.rowid = ({best(arxiv_id)})"
    )
    return (
        "INSERT INTO search_rows (arxiv_id, kind, label, lang, summary_id, text) "
        "SELECT d.arxiv_id, json_extract(p.value, '$[0]'), json_extract(p.value, '$[1]'), "
        "'', NULL, paperdigest_segment(json_extract(p.value, '$[2]')) "
        f"FROM documents d, json_each(paperdigest_passages(d.data)) p WHERE {where}"
    )


_SCHEMA = [
    """CREATE TABLE search_rows (
        id INTEGER PRIMARY KEY,
        arxiv_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        lang TEXT NOT NULL DEFAULT '',
        summary_id INTEGER,
        text TEXT NOT NULL
    )""",
    "CREATE INDEX search_rows_paper ON search_rows(arxiv_id, kind, lang)",
    "CREATE INDEX search_rows_summary ON search_rows(summary_id)",
    f"""CREATE VIRTUAL TABLE search_fts USING fts5(
        text, content='search_rows', content_rowid='id', tokenize='{_TOKENIZE}'
    )""",
    """CREATE TRIGGER search_rows_ai AFTER INSERT ON search_rows BEGIN
        INSERT INTO search_fts (rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER search_rows_ad AFTER DELETE ON search_rows BEGIN
        INSERT INTO search_fts (search_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END""",
    f"""CREATE TRIGGER search_papers_ai AFTER INSERT ON papers BEGIN {_paper_rows('new')}; END""",
    f"""CREATE TRIGGER search_papers_au AFTER UPDATE OF title, data ON papers
        WHEN old.title IS NOT new.title OR old.data IS NOT new.data BEGIN
        DELETE FROM search_rows WHERE arxiv_id = old.arxiv_id
            AND kind IN ('title', 'abstract', 'keywords');
        {_paper_rows('new')};
    END""",
    """CREATE TRIGGER search_papers_ad AFTER DELETE ON papers BEGIN
        DELETE FROM search_rows WHERE arxiv_id = old.arxiv_id;
    END""",
    # A paper's rows hold its latest summary per language (the one just written).
    f"""CREATE TRIGGER search_summaries_ai AFTER INSERT ON summaries BEGIN
        DELETE FROM search_rows WHERE arxiv_id = new.arxiv_id AND kind = 'summary'
            AND lang = new.lang;
        {_summary_rows('new')};
    END""",
    f"""CREATE TRIGGER search_summaries_au AFTER UPDATE OF data ON summaries BEGIN
        DELETE FROM search_rows WHERE arxiv_id = new.arxiv_id AND kind = 'summary'
            AND lang = new.lang;
        {_summary_rows('new')};
    END""",
    """CREATE TRIGGER search_summaries_ad AFTER DELETE ON summaries BEGIN
        DELETE FROM search_rows WHERE summary_id = old.id;
    END""",
    # A paper's full-text passages come from its best stored Document (issue 17).
    f"""CREATE TRIGGER search_documents_ai AFTER INSERT ON documents BEGIN
        DELETE FROM search_rows WHERE arxiv_id = new.arxiv_id AND kind IN {_DOCUMENT_KINDS_SQL};
        {_document_rows('new.arxiv_id')};
    END""",
    f"""CREATE TRIGGER search_documents_au AFTER UPDATE ON documents BEGIN
        DELETE FROM search_rows WHERE arxiv_id = old.arxiv_id AND kind IN {_DOCUMENT_KINDS_SQL};
        {_document_rows('old.arxiv_id')};
    END""",
    f"""CREATE TRIGGER search_documents_ad AFTER DELETE ON documents BEGIN
        DELETE FROM search_rows WHERE arxiv_id = old.arxiv_id AND kind IN {_DOCUMENT_KINDS_SQL};
        {_document_rows('old.arxiv_id')};
    END""",
]

_OBJECTS = [
    ("trigger", "search_documents_ad"),
    ("trigger", "search_documents_au"),
    ("trigger", "search_documents_ai"),
    ("trigger", "search_summaries_ad"),
    ("trigger", "search_summaries_au"),
    ("trigger", "search_summaries_ai"),
    ("trigger", "search_papers_ad"),
    ("trigger", "search_papers_au"),
    ("trigger", "search_papers_ai"),
    ("trigger", "search_rows_ad"),
    ("trigger", "search_rows_ai"),
    ("table", "search_fts"),
    ("table", "search_rows"),
]


def register_functions(conn: sqlite3.Connection) -> None:
    """Register the SQL functions the index's triggers call on ``conn`` (idempotent).

    ``paperdigest_segment``, ``paperdigest_mentioned``, ``paperdigest_passages`` and
    ``paperdigest_document_rank``: a connection without them fails with "no such function"
    on any write to ``papers``, ``summaries`` or ``documents``.
    :func:`paperdigest.store.connect` calls this on every connection the library opens to a
    store.
    """
    conn.create_function("paperdigest_segment", 1, segment, deterministic=True)
    conn.create_function("paperdigest_mentioned", 1, _mentioned, deterministic=True)
    from .ask.passages import passages_json
    from .models import document_rank

    conn.create_function("paperdigest_passages", 1, passages_json, deterministic=True)
    conn.create_function("paperdigest_document_rank", 2, document_rank, deterministic=True)


def _mentioned(text: object) -> int:
    """SQL function ``paperdigest_mentioned``: 0 for a field that only says "not mentioned"."""
    return 0 if text is None or is_not_mentioned(str(text)) else 1


def _current_version(conn: sqlite3.Connection) -> int:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_meta'"
    ).fetchone()
    if row is None:
        return 0
    got = conn.execute("SELECT version FROM search_meta").fetchone()
    return int(got[0]) if got else 0


def ensure_index(conn: sqlite3.Connection) -> bool:
    """Register ``paperdigest_segment`` on ``conn`` and make the index current.

    ``conn`` must be in autocommit mode (``isolation_level=None``) with no open transaction
    (the store's connection after its migrations). Writes only when the index is missing or
    older than :data:`INDEX_VERSION`: then it (re)creates tables and triggers and indexes
    every stored paper and latest summary, in one ``BEGIN IMMEDIATE`` transaction. An index
    written by a *newer* paperdigest is used as it is.

    Returns:
        True when the index was (re)built.

    Raises:
        sqlite3.Error: the database could not be read or written (the store maps it).
    """
    register_functions(conn)
    if _current_version(conn) >= INDEX_VERSION:
        return False
    conn.execute("BEGIN IMMEDIATE")
    try:
        if _current_version(conn) < INDEX_VERSION:  # re-read under the write lock
            _build(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return True


def rebuild_index(conn: sqlite3.Connection) -> None:
    """Drop and rebuild the index inside the caller's transaction (see :func:`ensure_index`)."""
    register_functions(conn)
    _build(conn)


def _build(conn: sqlite3.Connection) -> None:
    for kind, name in _OBJECTS:
        conn.execute(f"DROP {kind.upper()} IF EXISTS {name}")
    for sql in _SCHEMA:
        conn.execute(sql)
    conn.execute("CREATE TABLE IF NOT EXISTS search_meta (version INTEGER NOT NULL)")
    conn.execute("DELETE FROM search_meta")
    conn.execute("INSERT INTO search_meta (version) VALUES (?)", (INDEX_VERSION,))
    # Fill from what is stored, with the triggers' own SQL.
    conn.execute(_paper_rows("p", "papers p"))
    latest = (
        "s.id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY arxiv_id, lang "
        "ORDER BY created_at DESC, id DESC) AS n FROM summaries) WHERE n = 1)"
    )
    conn.execute(_summary_rows("s", "summaries s", latest))
    conn.execute(_document_rows("", every=True))


# -------------------------------------------------------------------------------- query

_TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"]|"")*")|(?P<open>\()|(?P<close>\))|(?P<word>[^\s()"]+)'
    r'|(?P<bad>"[^"]*$))'
)
_BAREWORD = re.compile(r"^[\w\u0080-\U0010ffff]+\*?$")
_OPERATORS = {"AND", "OR", "NOT"}


_EXAMPLE = "e.g. (agents OR robotics) NOT survey"


def _has_token(text: str) -> bool:
    """Whether FTS5's ``unicode61`` finds a token in ``text`` (a letter or a digit): a word of
    punctuation only is an empty phrase, which makes an AND match nothing."""
    return any(ch.isalnum() for ch in text)


def to_fts_query(text: str) -> str:
    """The FTS5 MATCH expression for what a person typed (see the module docstring).

    The expression is checked here (operators between words, parentheses paired and not
    empty), so FTS5 never sees one it cannot parse and its own messages never reach a person.
    Words of punctuation only (``<``, ``=``) are left out; a group next to a word is joined
    with an explicit ``AND`` (FTS5 does not accept ``word (group)``).

    Raises:
        SearchQueryError: the query is empty, a double quote or a parenthesis is not closed,
            a parenthesis has no opening one or nothing inside, ``AND``/``OR``/``NOT`` lacks a
            word on either side, or the query holds no word at all; the message is one line
            saying what to write instead.
    """
    if not text or not text.strip():
        raise SearchQueryError("type one or more words to search for")
    items: list[tuple[str, str]] = []  # (term | op | open | close, FTS5 text)
    skipped = ""
    pos = 0
    text = _CONTROL.sub(" ", text).strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            break
        pos = match.end()
        if match.group("bad") is not None:
            raise SearchQueryError(
                "search syntax: a double quote is not closed; "
                'put phrases in pairs of quotes, e.g. "reward model"'
            )
        if match.group("string") is not None:
            phrase = match.group("string")
            if _has_token(phrase):
                items.append(("term", segment(phrase)))
            else:
                skipped = skipped or phrase
        elif match.group("open") is not None:
            items.append(("open", "("))
        elif match.group("close") is not None:
            items.append(("close", ")"))
        else:
            word = match.group("word")
            if word in _OPERATORS:
                items.append(("op", word))
            elif not _has_token(word):
                skipped = skipped or word
            elif _BAREWORD.match(word) and word.rstrip("*") not in _OPERATORS:
                items.append(("term", segment(word)))
            else:
                # GPT-4o, 2601.21872, C++ (and AND*): a phrase of the word's tokens.
                stripped = word.rstrip("*")
                star = "*" if stripped != word else ""
                items.append(("term", '"' + segment(stripped).replace('"', '""') + '"' + star))
    if not items:
        raise SearchQueryError(
            f"search syntax: unexpected character {skipped[:1]!r}; type words, e.g. reward model")
    _check_syntax(items)
    parts: list[str] = []
    previous = ""
    for kind, value in items:
        if (previous in ("term", "close") and kind == "open"
                or previous == "close" and kind == "term"):
            parts.append("AND")
        parts.append(value)
        previous = kind
    return " ".join(parts)


def _check_syntax(items: list[tuple[str, str]]) -> None:
    """Raise :class:`SearchQueryError` unless ``items`` is ``operand ([op] operand)*`` with
    ``operand = term | ( … )`` (FTS5's grammar, https://www.sqlite.org/fts5.html §3)."""

    def dangling(op: str) -> SearchQueryError:
        return SearchQueryError(
            f"search syntax: {op} needs a word before and after it, e.g. agents {op} robotics")

    depth = 0
    previous, previous_value = "", ""
    for kind, value in items:
        if kind == "op" and previous in ("", "op", "open"):
            raise dangling(value)
        if kind == "close":
            if previous == "op":
                raise dangling(previous_value)
            if previous == "open":
                raise SearchQueryError(
                    "search syntax: empty parentheses; put words inside, e.g. (agents OR robotics)")
            if depth == 0:
                raise SearchQueryError(
                    f"search syntax: a closing parenthesis has no opening one, {_EXAMPLE}")
            depth -= 1
        elif kind == "open":
            depth += 1
        previous, previous_value = kind, value
    if previous == "op":
        raise dangling(previous_value)
    if depth:
        raise SearchQueryError(f"search syntax: a parenthesis is not closed, {_EXAMPLE}")


@dataclass
class SearchHit:
    """One paper found, with its best-matching passage."""

    arxiv_id: str
    title: str
    kind: str
    """Where the best passage is: ``title``, ``abstract``, ``keywords``, ``summary`` (or a
    full-text kind such as ``section``)."""
    label: str
    """For ``summary``: the field, e.g. ``contribution``, ``results.0``; else empty or the
    section heading."""
    lang: str
    snippet: str
    """The passage around the match, unsegmented, with matched terms between
    :data:`HIGHLIGHT_START` and :data:`HIGHLIGHT_END` (not HTML: escape it to show it)."""
    score: float
    """BM25 of the best passage (higher = better; see :func:`search`)."""
    kinds: list[str] = field(default_factory=list)
    """Every kind of passage of this paper that matched, best first."""


def snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """``snippet`` as ``(text, highlighted)`` pieces, for templates that escape each piece."""
    parts: list[tuple[str, bool]] = []
    for i, piece in enumerate(re.split(f"[{HIGHLIGHT_START}{HIGHLIGHT_END}]", snippet)):
        if piece:
            parts.append((piece, i % 2 == 1))
    return parts


#: Matching passages ranked per query, newest first (see :func:`search`).
CANDIDATES = 600
#: BM25 parameters (Robertson & Zaragoza 2009, the usual defaults; FTS5 uses the same).
BM25_K1 = 1.2
BM25_B = 0.75
#: Passage kind weights for web search: a match in the title counts most.
KIND_WEIGHTS = {"title": 1.5, "keywords": 1.2, "summary": 1.0, "abstract": 0.8}
_CJK_RE = re.compile(_CJK_CLASS)


def query_terms(text: str) -> list[str]:
    """The positive terms of a query (words and phrases not after ``NOT``), lower-cased,
    without quotes, operators, parentheses or a trailing ``*``; for ranking and highlighting."""
    terms: list[str] = []
    negate = False
    for match in _TOKEN.finditer(_CONTROL.sub(" ", text)):
        if match.group("open") or match.group("close"):
            continue
        raw = match.group("string") or match.group("word") or match.group("bad") or ""
        if raw in _OPERATORS:
            negate = raw == "NOT"
            continue
        term = " ".join(raw.strip('"').replace('""', '"').rstrip("*").split()).lower()
        if term and not negate and term not in terms:
            terms.append(term)
        negate = False
    return terms


def _term_pattern(term: str) -> re.Pattern[str]:
    # CJK: a plain substring. Latin: at a word start, any ending (a stand-in for FTS5's
    # porter stemming: "model" counts in "models").
    if _CJK_RE.search(term[:1]):
        return re.compile(re.escape(term))
    return re.compile(r"(?<![0-9a-z])" + re.escape(term))


def _snippet(text: str, patterns: list[re.Pattern[str]], width: int) -> str:
    lower = text.lower()
    first = min((m.start() for p in patterns for m in [p.search(lower)] if m), default=0)
    start = max(0, first - width // 3)
    end = min(len(text), start + width)
    if start > 0:
        space = text.rfind(" ", max(0, start - 12), start)
        start = space + 1 if space >= 0 else start
    marks: list[tuple[int, int]] = []
    for pattern in patterns:
        for m in pattern.finditer(lower, start, end):
            stop = m.end()
            if not _CJK_RE.search(m.group(0)[:1]):  # extend to the end of the word
                while stop < end and lower[stop].isalnum():
                    stop += 1
            marks.append((m.start(), stop))
    out, pos = [], start
    for a, b in sorted(marks):
        if a < pos:
            continue
        out += [text[pos:a], HIGHLIGHT_START, text[a:b], HIGHLIGHT_END]
        pos = b
    out.append(text[pos:end])
    body = " ".join("".join(out).split())
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


def search(conn: sqlite3.Connection, query: str, *, limit: int = 20, lang: str | None = None,
           candidates: int = CANDIDATES, snippet_chars: int = 120) -> list[SearchHit]:
    """Papers matching ``query``, best first, each with a highlighted snippet.

    Matching is FTS5's (phrases, AND/OR/NOT, prefix*, CJK segmented as indexed); ranking is
    BM25 computed here over the newest ``candidates`` matching passages (FTS5 streams
    matches in rowid order, so the cost of a query is bounded by ``candidates`` however
    common its words are; FTS5's own ``ORDER BY rank`` reads every match, which at 50,000
    papers takes ~0.4 s for a word such as 模型). When fewer passages match, this is BM25
    over all of them. Term statistics (idf, average length) come from the candidate set; a
    paper's score is its best passage's, weighted by :data:`KIND_WEIGHTS`.

    Args:
        conn: a connection to the store (read-only is enough).
        query: what a person typed (see :func:`to_fts_query`).
        limit: most papers returned.
        lang: only summary passages in this language count (titles etc. always do).
        candidates: matching passages ranked, newest first.
        snippet_chars: characters of passage text around the first match.

    Raises:
        SearchQueryError: the query does not parse (one line, says what to fix).
        sqlite3.Error: any other database error.
    """
    expr = to_fts_query(query)
    try:
        rowids = [r[0] for r in conn.execute(
            "SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
            (expr, candidates))]
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if "fts5" in message or "syntax" in message or "no such column" in message:
            # to_fts_query checks the syntax; should FTS5 still refuse, its text (which
            # quotes the query back) is not shown.
            raise SearchQueryError(
                'search syntax: the query could not be read; use words, "quoted phrases", '
                "OR, NOT, parentheses and prefix*"
            ) from None
        raise
    if not rowids:
        return []
    # Lower-cased, unsegmented text straight from SQLite (C speed; lower() folds ASCII only,
    # which is all the folding Latin query terms need; CJK has no case).
    rows = conn.execute(
        "SELECT id, arxiv_id, kind, label, lang, lower(replace(text, char(8203), '')) "
        f"FROM search_rows WHERE id IN ({','.join('?' * len(rowids))}) ORDER BY id DESC",
        rowids,
    ).fetchall()
    passages = [tuple(r) for r in rows if not (lang and r[2] == "summary" and r[4] != lang)]
    if not passages:
        return []
    terms = query_terms(query)
    # Term frequency as substring counts: FTS5 has already decided that the passage matches;
    # this only weighs it (a Latin term also counts inside longer words, like a prefix).
    counts = [[text.count(t) for t in terms] for *_, text in passages]
    n = len(passages)
    idf = [math.log(1 + (n - df + 0.5) / (df + 0.5))
           for df in (sum(1 for c in counts if c[i]) for i in range(len(terms)))]
    avg = sum(len(p[5]) for p in passages) / n or 1.0
    best: dict[str, tuple[float, int, list[str]]] = {}
    for (rowid, arxiv_id, kind, _label, _lang, text), tfs in zip(passages, counts, strict=True):
        norm = BM25_K1 * (1 - BM25_B + BM25_B * len(text) / avg)
        score = sum(w * tf * (BM25_K1 + 1) / (tf + norm) for w, tf in zip(idf, tfs, strict=True))
        score = (score or 0.01) * KIND_WEIGHTS.get(kind, 1.0)
        old = best.get(arxiv_id)
        if old is None:
            best[arxiv_id] = (score, rowid, [kind])
        else:
            kinds = old[2] if kind in old[2] else [*old[2], kind]
            best[arxiv_id] = (score, rowid, kinds) if score > old[0] else (*old[:2], kinds)
    chosen = sorted(best.items(), key=lambda item: (-item[1][0], -item[1][1]))[:limit]
    by_id = {p[0]: p for p in passages}
    ids = [arxiv_id for arxiv_id, _ in chosen]
    titles = dict(conn.execute(
        f"SELECT arxiv_id, title FROM papers WHERE arxiv_id IN ({','.join('?' * len(ids))})",
        ids).fetchall())
    best_rows = [v[1] for _, v in chosen]
    texts = dict(conn.execute(
        f"SELECT id, text FROM search_rows WHERE id IN ({','.join('?' * len(best_rows))})",
        best_rows).fetchall())
    patterns = [_term_pattern(t) for t in terms]
    hits = []
    for arxiv_id, (score, rowid, kinds) in chosen:
        _, _, kind, label, row_lang, _ = by_id[rowid]
        kinds = [kind, *(k for k in kinds if k != kind)]  # best kind first
        hits.append(SearchHit(
            arxiv_id=arxiv_id, title=titles.get(arxiv_id, arxiv_id), kind=kind, label=label,
            lang=row_lang, snippet=_snippet(unsegment(texts.get(rowid, "")), patterns,
                                            snippet_chars),
            score=score, kinds=kinds))
    return hits
