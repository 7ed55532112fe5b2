"""The SQLite store: papers, days, fetches, documents, summaries, failures and runs.

One file (``Settings.db_path``) holds everything a rerun needs to recompute nothing: a
settled day's list, each paper's extracted Document, and summaries keyed by the cache key
of DESIGN §5 (:class:`SummaryKey`). Every record goes in and comes out as a dataclass; the
rich records (PaperRef, Document, PaperSummary, Verification) are stored as JSON text
(``json.dumps(ensure_ascii=False)``) next to the columns that queries need.

Schema changes are ordered, named, append-only migrations (the simonw/llm pattern,
``llm/migrations.py``)::

    @migration
    def m002_something(db: sqlite3.Connection) -> None: ...

The applied names are recorded in ``_migrations``; ``PRAGMA user_version`` holds their
count and ``PRAGMA application_id`` marks the file as ours. Never edit a shipped migration.

Opening a file is careful never to damage what is there:

* a file that does not start with the SQLite header → :class:`StoreCorruptError`;
* a SQLite database of another application (tables, but not our ``application_id``)
  → :class:`StoreCorruptError` ("foreign"); WAL mode is switched on only *after* this check,
  because switching it rewrites the file header;
* a database whose pages cannot be read → :class:`StoreCorruptError`;
* a database written by a newer paperdigest (more migrations than this code knows)
  → :class:`StoreError`.

The file is never overwritten, moved or deleted. ``PRAGMA quick_check`` is not run on every
open (it reads every page, O(file size)); the header/schema checks above catch foreign and
truncated files cheaply, and :meth:`Store.check` runs ``quick_check`` on demand.

Threads: the pipeline writes from a thread pool as each paper completes. The store keeps one
connection (``check_same_thread=False``) guarded by a re-entrant lock, and each write is one
``BEGIN IMMEDIATE`` transaction. Other processes may open the same file at the same time
(WAL mode, ``busy_timeout``); a writer blocked past the timeout raises
:class:`StoreLockedError`.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Self, TypeVar, cast
from urllib.parse import quote

from .clock import Now, iso_utc, utc_now
from .errors import StoreCorruptError, StoreError, StoreLockedError, StoreReadOnlyError
from .models import (
    Document,
    Failure,
    FetchAttempt,
    Fetched,
    PaperRef,
    PaperReport,
    PaperSummary,
    RunStats,
    SummaryKey,
    Verification,
    context_hash,
    document_rank,
    version_key,
)

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

__all__ = [
    "APPLICATION_ID",
    "MIGRATIONS",
    "DayRecord",
    "FailureRecord",
    "FetchRecord",
    "RunRecord",
    "Store",
    "StoredSummary",
    "SummaryKey",
    "connect",
    "context_hash",
    "migration",
]

#: ``PRAGMA application_id`` of a paperdigest store: ASCII "PDgs". SQLite reserves this
#: 32-bit header field for exactly this purpose (https://www.sqlite.org/fileformat.html §1.3.12).
APPLICATION_ID = 0x50446773

#: First 16 bytes of every SQLite 3 database file (https://www.sqlite.org/fileformat.html §1.3).
SQLITE_HEADER = b"SQLite format 3\x00"

#: Seconds a writer waits for another connection's lock before StoreLockedError.
DEFAULT_TIMEOUT = 10.0

Migration = Callable[[sqlite3.Connection], None]


def connect(
    path: str | Path,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    read_only: bool = False,
    isolation_level: Literal["DEFERRED", "EXCLUSIVE", "IMMEDIATE"] | None = None,
) -> sqlite3.Connection:
    """A ``sqlite3`` connection to the store at ``path``: the one way the library opens one.

    Rows come back as ``sqlite3.Row`` (read by column name), and the SQL functions that the
    search index's triggers call are registered (:func:`paperdigest.index.register_functions`),
    so a write through this connection to ``papers``, ``summaries`` or ``documents`` never
    fails with "no such function". ``read_only`` opens ``file:PATH?mode=ro``; the default
    ``isolation_level=None`` is autocommit (transactions are explicit ``BEGIN``).

    Damage found by any later statement or fetch on it (SQLite's ``SQLITE_CORRUPT`` /
    ``SQLITE_NOTADB``: "database disk image is malformed", "file is not a database") is
    raised as :class:`StoreCorruptError` naming the file (:class:`StoreConnection`), so every
    reader of the store, raw queries included, fails with the same one line.

    Raises:
        sqlite3.Error: the file could not be opened (callers map it to a StoreError).
        StoreCorruptError: the file is damaged (at open or at any later query).
    """
    from .index import register_functions

    conn: StoreConnection
    if read_only:
        conn = _connect_read_only(path, timeout=timeout, isolation_level=isolation_level)
    else:
        conn = sqlite3.connect(
            str(path), timeout=timeout, check_same_thread=False,
            isolation_level=isolation_level, factory=StoreConnection,
        )
    try:
        conn.store_path = str(path)
        conn.row_factory = sqlite3.Row
        register_functions(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _connect_read_only(
    path: str | Path, *, timeout: float, isolation_level: Any
) -> StoreConnection:
    """``file:PATH?mode=ro``, or ``mode=ro&immutable=1`` where SQLite cannot open the WAL
    store read-only: a WAL database needs its ``-shm`` (and ``-wal``) file, which cannot be
    created in a directory that is not writable (a read-only mount, another user's home).
    Since SQLite 3.22 such a database opens only if those files exist or it is immutable
    (https://www.sqlite.org/wal.html#readonly). An immutable open does not read the ``-wal``
    file: when a non-empty one is there (a run that did not close), its commits are not
    seen, and a warning says so.
    """
    location = f"file:{quote(str(path))}?mode=ro"
    conn = sqlite3.connect(location, uri=True, timeout=timeout, check_same_thread=False,
                           isolation_level=isolation_level, factory=StoreConnection)
    conn.store_path = str(path)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except StoreCorruptError:
        conn.close()
        raise
    except sqlite3.OperationalError as exc:
        conn.close()
        if not _cannot_open(exc) or not Path(path).is_file():
            raise
    wal = Path(f"{path}-wal")
    if wal.is_file() and wal.stat().st_size > 0:
        logger.warning(
            "%s: read-only, and its write-ahead log %s cannot be read here: the last "
            "commits of a run that did not close are not shown; open the store once where "
            "it can be written to fold them in", path, wal.name)
    conn = sqlite3.connect(f"{location}&immutable=1", uri=True, timeout=timeout,
                           check_same_thread=False, isolation_level=isolation_level,
                           factory=StoreConnection)
    conn.store_path = str(path)
    return conn


def _is_corrupt(exc: BaseException) -> bool:
    """SQLITE_CORRUPT or SQLITE_NOTADB: the file's pages are damaged or are not a database
    (https://www.sqlite.org/rescode.html#corrupt). Says nothing about locks or permissions."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def damaged(path: str, exc: BaseException | str) -> StoreCorruptError:
    """The one message for a store whose pages SQLite cannot read (at open or at any later
    query): ``the store PATH is corrupt: DETAIL; restore a backup or move it aside, or set
    PAPERDIGEST_HOME …``. The file is never repaired, moved or deleted here."""
    detail = " ".join(str(exc).split()) or "damaged pages"
    return StoreCorruptError(
        f"the store {path} is corrupt: {detail}; restore a backup or move it aside, "
        "or set PAPERDIGEST_HOME to use another store"
    )


def _guarded(method: Callable[..., _T]) -> Callable[..., _T]:
    """``method`` of a cursor or connection, raising :func:`damaged` for SQLite's damage
    codes (:func:`_is_corrupt`); every other ``sqlite3`` error goes up as it was."""

    @functools.wraps(method)
    def guarded(self: Any, *args: Any) -> _T:
        try:
            return method(self, *args)
        except sqlite3.DatabaseError as exc:
            if _is_corrupt(exc):
                raise damaged(self.store_path, exc) from exc
            raise

    return guarded


class StoreCursor(sqlite3.Cursor):
    """A cursor of :class:`StoreConnection`: damage found while executing or fetching is
    raised as :class:`StoreCorruptError`; every other ``sqlite3`` error is raised as is."""

    @property
    def store_path(self) -> str:
        return cast(StoreConnection, self.connection).store_path

    execute = _guarded(sqlite3.Cursor.execute)
    executemany = _guarded(sqlite3.Cursor.executemany)
    executescript = _guarded(sqlite3.Cursor.executescript)
    fetchone = _guarded(sqlite3.Cursor.fetchone)
    fetchmany = _guarded(sqlite3.Cursor.fetchmany)
    fetchall = _guarded(sqlite3.Cursor.fetchall)
    __next__ = _guarded(sqlite3.Cursor.__next__)


class StoreConnection(sqlite3.Connection):
    """The connection :func:`connect` returns: a ``sqlite3.Connection`` whose statements,
    fetches and commits raise :class:`StoreCorruptError` (naming ``store_path``) when SQLite
    finds the file damaged, wherever in the file and whichever query finds it, so that one
    translation serves the store's methods and every raw reader (search, ask, site, serve)."""

    #: The store file, for the message.
    store_path: str = ""

    def cursor(self, factory: Any = StoreCursor) -> Any:
        return super().cursor(factory)

    # sqlite3.Connection.execute* make a cursor and call the C Cursor.execute directly,
    # bypassing StoreCursor's: go through the guarded cursor instead.
    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> Any:
        return self.cursor().executemany(sql, parameters)

    def executescript(self, sql_script: str, /) -> Any:
        return self.cursor().executescript(sql_script)

    commit = _guarded(sqlite3.Connection.commit)


#: Ordered, append-only schema migrations; never edit one that has shipped.
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    """Register ``fn`` as the next migration.

    llm uses ``migration = MIGRATIONS.append``, which leaves the module-level names bound
    to ``None``; returning ``fn`` keeps them callable and typed for mypy.
    """
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_initial(db: sqlite3.Connection) -> None:
    # executescript() would COMMIT the surrounding transaction, so one execute per statement.
    statements = [
        """CREATE TABLE papers (
            arxiv_id TEXT PRIMARY KEY,
            version INTEGER,
            title TEXT NOT NULL,
            data TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE days (
            date TEXT PRIMARY KEY,
            listed_date TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            settled INTEGER NOT NULL DEFAULT 0,
            paper_ids TEXT NOT NULL,
            count INTEGER NOT NULL
        )""",
        # Reverse index of days.paper_ids: which days listed a paper (for `show`).
        """CREATE TABLE day_papers (
            date TEXT NOT NULL REFERENCES days(date) ON DELETE CASCADE,
            arxiv_id TEXT NOT NULL REFERENCES papers(arxiv_id),
            position INTEGER NOT NULL,
            PRIMARY KEY (date, arxiv_id)
        )""",
        "CREATE INDEX day_papers_arxiv_id ON day_papers(arxiv_id)",
        """CREATE TABLE fetches (
            id INTEGER PRIMARY KEY,
            arxiv_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            url TEXT NOT NULL,
            size INTEGER NOT NULL,
            version INTEGER,
            content_type TEXT NOT NULL DEFAULT '',
            fetched_at TEXT NOT NULL,
            seconds REAL NOT NULL DEFAULT 0,
            attempts TEXT NOT NULL
        )""",
        "CREATE INDEX fetches_arxiv_id ON fetches(arxiv_id, fetched_at)",
        """CREATE TABLE documents (
            arxiv_id TEXT NOT NULL,
            version TEXT NOT NULL,
            source_kind TEXT NOT NULL,
            data TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (arxiv_id, version, source_kind)
        )""",
        """CREATE TABLE summaries (
            id INTEGER PRIMARY KEY,
            arxiv_id TEXT NOT NULL,
            version TEXT NOT NULL,
            source_kind TEXT NOT NULL,
            context_hash TEXT NOT NULL,
            prompt_version TEXT NOT NULL,
            backend TEXT NOT NULL,
            model TEXT NOT NULL,
            lang TEXT NOT NULL,
            data TEXT NOT NULL,
            tokens_in INTEGER NOT NULL DEFAULT 0,
            tokens_out INTEGER NOT NULL DEFAULT 0,
            mode TEXT NOT NULL DEFAULT '',
            coverage REAL,
            context_tokens INTEGER,
            created_at TEXT NOT NULL,
            UNIQUE (arxiv_id, version, source_kind, context_hash, prompt_version,
                    backend, model, lang)
        )""",
        "CREATE INDEX summaries_arxiv_id ON summaries(arxiv_id, created_at)",
        """CREATE TABLE verifications (
            summary_id INTEGER PRIMARY KEY REFERENCES summaries(id) ON DELETE CASCADE,
            data TEXT NOT NULL,
            traced_ratio REAL NOT NULL
        )""",
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            command TEXT NOT NULL,
            dates TEXT NOT NULL,
            backend TEXT NOT NULL,
            model TEXT NOT NULL,
            papers INTEGER NOT NULL DEFAULT 0,
            done INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            tokens_in INTEGER NOT NULL DEFAULT 0,
            tokens_out INTEGER NOT NULL DEFAULT 0,
            cost REAL NOT NULL DEFAULT 0,
            seconds REAL NOT NULL DEFAULT 0,
            llm_calls INTEGER NOT NULL DEFAULT 0,
            http_requests INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'running'
        )""",
        """CREATE TABLE failures (
            id INTEGER PRIMARY KEY,
            run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
            arxiv_id TEXT NOT NULL,
            date TEXT,
            stage TEXT NOT NULL,
            reason TEXT NOT NULL,
            created_at TEXT NOT NULL,
            resolved INTEGER NOT NULL DEFAULT 0,
            resolved_at TEXT
        )""",
        "CREATE INDEX failures_open ON failures(resolved, arxiv_id)",
    ]
    for sql in statements:
        db.execute(sql)


@migration
def m002_runs_degraded(db: sqlite3.Connection) -> None:
    # RunStats.degraded: papers read from a worse source because a server failed (issue 11).
    db.execute("ALTER TABLE runs ADD COLUMN degraded INTEGER NOT NULL DEFAULT 0")


@migration
def m003_paper_extras(db: sqlite3.Connection) -> None:
    # Issue 15: what was looked up about a paper besides its text (arXiv categories, the
    # Hugging Face models/datasets/Spaces linked to it), one JSON row per (paper, kind), so
    # that a rerun asks no server again (paperdigest.insights.extras).
    db.execute("""CREATE TABLE paper_extras (
        arxiv_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        data TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (arxiv_id, kind)
    )""")


@migration
def m004_runs_llm_failed_calls(db: sqlite3.Connection) -> None:
    # RunStats.llm_failed_calls: LLM requests without a valid answer (issue 13).
    db.execute("ALTER TABLE runs ADD COLUMN llm_failed_calls INTEGER NOT NULL DEFAULT 0")


@migration
def m005_days_seconds(db: sqlite3.Connection) -> None:
    # How long the run that made a day's summaries took, for a rerun's footer (issue 13).
    db.execute("ALTER TABLE days ADD COLUMN seconds REAL")


@migration
def m006_summaries_plain_text(db: sqlite3.Connection) -> None:
    # Issue 14: a summary is stored as the plain text it is and each output escapes it; the
    # validator of earlier versions stored it Markdown-escaped ('&lt;b>', ']\(javascript:'),
    # which the site, feeds, JSON and `ask` then showed literally. Undo exactly that escape
    # (contract.markup.unescape_legacy); the search index follows through its UPDATE trigger.
    from .contract.markup import unescape_legacy

    def plain(value: Any) -> Any:
        if isinstance(value, str):
            return unescape_legacy(value)
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    marks = [json.dumps(m, ensure_ascii=False)[1:-1] for m in ("&lt;", "]\\(", "\\[")]
    rows = db.execute(
        "SELECT id, data FROM summaries WHERE "
        + " OR ".join("instr(data, ?) > 0" for _ in marks), marks
    ).fetchall()
    for summary_id, data in rows:
        value = json.loads(data)
        if (fixed := plain(value)) != value:
            db.execute("UPDATE summaries SET data = ? WHERE id = ?", (_dumps(fixed), summary_id))


@migration
def m007_runs_cost_nullable(db: sqlite3.Connection) -> None:
    # An unknown cost (an LLM model without a price, core.cost_of) is NULL, never 0, so that
    # it stays unknown (QA finding 8). SQLite cannot drop a NOT NULL: the table is rebuilt
    # (https://www.sqlite.org/lang_altertable.html#otheralter). Under foreign_keys = ON the
    # DROP's implicit DELETE sets failures.run_id to NULL: those links are kept and restored.
    (sql,) = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'runs'").fetchone()
    rebuilt = sql.replace("cost REAL NOT NULL DEFAULT 0", "cost REAL DEFAULT 0", 1)
    if rebuilt == sql:
        raise StoreError("m007: unexpected runs table definition")
    rebuilt = rebuilt.replace("CREATE TABLE runs", "CREATE TABLE runs_m007", 1)
    columns = ", ".join(row[1] for row in db.execute("PRAGMA table_info(runs)"))
    db.execute(rebuilt)
    db.execute(f"INSERT INTO runs_m007 ({columns}) SELECT {columns} FROM runs")
    db.execute("CREATE TEMP TABLE m007_links AS "
               "SELECT id, run_id FROM failures WHERE run_id IS NOT NULL")
    db.execute("DROP TABLE runs")
    db.execute("ALTER TABLE runs_m007 RENAME TO runs")
    db.execute("UPDATE failures SET run_id = (SELECT l.run_id FROM m007_links l "
               "WHERE l.id = failures.id) WHERE id IN (SELECT id FROM m007_links)")
    db.execute("DROP TABLE m007_links")
    # Before m007 an unknown cost was stored as 0: tokens spent at cost 0 is unknown.
    db.execute("UPDATE runs SET cost = NULL WHERE cost = 0 AND tokens_in + tokens_out > 0")


@migration
def m008_days_made(db: sqlite3.Connection) -> None:
    # The totals of the run that made a day's summaries (tokens, LLM calls, cost; JSON), for
    # a rerun's footer: a render that reused them shows what they cost (QA finding 8).
    db.execute("ALTER TABLE days ADD COLUMN made TEXT")


# ------------------------------------------------------------------------------ records


@dataclass
class DayRecord:
    """A stored day list: the ids in list order (merged across re-listings)."""

    date: str
    """The requested day (YYYY-MM-DD)."""
    listed_date: str
    """The day whose list was used (earlier than ``date`` on empty days)."""
    fetched_at: datetime
    """When the list was last fetched (UTC)."""
    settled: bool
    """True once the list was fetched late enough that it will not change (DESIGN §5)."""
    paper_ids: list[str] = field(default_factory=list)


@dataclass
class FetchRecord:
    """Metadata of the latest fetch of a paper's source (the body is not stored)."""

    id: int
    arxiv_id: str
    kind: str
    url: str
    size: int
    version: int | None
    fetched_at: str
    seconds: float = 0.0
    content_type: str = ""
    attempts: list[FetchAttempt] = field(default_factory=list)


@dataclass
class StoredSummary:
    """A summary as stored, with its key, verification and cost."""

    id: int
    key: SummaryKey
    summary: PaperSummary
    verification: Verification | None
    tokens_in: int
    tokens_out: int
    mode: str
    coverage: float | None
    context_tokens: int | None
    created_at: str


@dataclass
class FailureRecord:
    """One row of the failure ledger."""

    id: int
    run_id: int | None
    arxiv_id: str
    """Empty for failures that concern a whole day (stage ``list``)."""
    date: str | None
    stage: str
    reason: str
    created_at: str
    resolved: bool = False

    @property
    def failure(self) -> Failure:
        return Failure(stage=self.stage, reason=self.reason)  # type: ignore[arg-type]


@dataclass(kw_only=True)
class RunRecord(RunStats):
    """One ``paperdigest run`` (or other command): its :class:`RunStats` plus identity and state."""

    id: int
    command: str
    dates: list[str]
    started_at: str
    finished_at: str | None
    status: str
    """``running`` until :meth:`Store.finish_run`; then ``ok``, ``partial``, ``incomplete``,
    ``interrupted``; ``killed`` when a later run found it still ``running`` (the process died)."""

    @property
    def stats(self) -> RunStats:
        """The totals as the RunStats that :meth:`Store.finish_run` stored."""
        return RunStats(**{name: getattr(self, name) for name in _RUN_STATS})


# ------------------------------------------------------------------------------- helpers

#: The ``runs`` columns that hold RunStats fields: every RunStats field (a new one needs a
#: migration adding its column, see m002_runs_degraded).
_RUN_STATS = tuple(f.name for f in dataclasses.fields(RunStats))

#: The totals :meth:`Store.save_day_made` keeps of the run that made a day's summaries.
MADE_FIELDS = ("seconds", "tokens_in", "tokens_out", "llm_calls", "llm_failed_calls", "cost")


def _run_values(stats: RunStats, names: list[str]) -> list[Any]:
    """Column values of ``stats``: counts as numbers (``None`` → 0); an unknown ``cost``
    stays ``None`` (NULL, migration m007), never 0 (QA finding 8)."""
    return [getattr(stats, n) if n == "cost" else getattr(stats, n) or 0 for n in names]


_Record = TypeVar("_Record")


def _row(cls: type[_Record], row: sqlite3.Row, **override: Any) -> _Record:
    """A record built from a row by column name: the row's columns that are fields of ``cls``."""
    names = {f.name for f in dataclasses.fields(cast(Any, cls))}  # every record is a dataclass
    # sqlite3.Row iterates its values, not its column names: .keys() is needed.
    values = {key: row[key] for key in row.keys() if key in names}  # noqa: SIM118
    values.update(override)
    return cls(**values)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _merge_ref(old: PaperRef, new: PaperRef) -> PaperRef:
    """``new`` with the gaps filled from ``old``, keeping the highest known version.

    A source that knows less (an arXiv id list has no upvotes or HF summary) must not erase
    what another source stored, so empty values in ``new`` keep the old ones; upvotes 0 counts
    as empty for the same reason. An unknown version never counts as newer (DESIGN §5).
    """
    merged = dataclasses.replace(new)
    for f in dataclasses.fields(PaperRef):
        value = getattr(new, f.name)
        if _is_empty(value) or (f.name == "upvotes" and value == 0):
            setattr(merged, f.name, getattr(old, f.name))
    versions = [v for v in (old.version, new.version) if v is not None]
    merged.version = max(versions) if versions else None
    return merged


def _is_locked(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _is_readonly(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "readonly" in text or "read-only" in text or "read only" in text


def _readonly(path: str, exc: BaseException) -> StoreReadOnlyError:
    return StoreReadOnlyError(
        f"the store {path} cannot be written ({exc}): the data in it is intact; make the "
        "directory writable or set PAPERDIGEST_HOME to a writable directory"
    )


def _cannot_open(exc: BaseException) -> bool:
    """SQLITE_CANTOPEN: the file (or the ``-shm``/``-wal`` file beside it) could not be
    opened or created. It says nothing about the data being damaged."""
    code = getattr(exc, "sqlite_errorcode", None)
    return (code is not None and code & 0xFF == sqlite3.SQLITE_CANTOPEN) or \
        "unable to open database file" in str(exc).lower()


def _writable(path: str) -> bool:
    """Whether this process may create files beside ``path`` and write ``path`` itself."""
    file = Path(path)
    directory = file.parent
    try:
        if os.statvfs(directory).f_flag & os.ST_RDONLY:
            return False
    except OSError:
        return False
    if not os.access(directory, os.W_OK | os.X_OK):
        return False
    return not file.exists() or os.access(file, os.W_OK)


def _corrupt(path: str) -> StoreCorruptError:
    return StoreCorruptError(
        f"the store file is not a paperdigest database (or is corrupt): {path}; "
        "move it away or set PAPERDIGEST_HOME"
    )


# --------------------------------------------------------------------------------- store


class Store:
    """The paperdigest SQLite store; migrates on construction.

    Usable as a context manager (closes on exit). Safe to share between threads.

    Attributes:
        path: the database path as given (``":memory:"`` for a private in-memory store).
        conn: the one ``sqlite3.Connection`` (autocommit mode; the store issues its own
            ``BEGIN IMMEDIATE``). For read-only inspection; write through the methods.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Now = utc_now,
        read_only: bool = False,
    ) -> None:
        """Open (creating if needed) the store at ``path`` (``":memory:"`` for a private one).

        Parent directories are created. ``clock`` gives "now" (UTC) for timestamps.
        ``read_only`` opens an existing store for reading only (:func:`connect`), for a
        store that cannot be written (a read-only mount): no migration, no WAL switch, no
        index build; every write raises StoreReadOnlyError.

        Raises:
            StoreCorruptError: the file is not a SQLite database, belongs to another
                application, or cannot be read; it is left untouched.
            StoreLockedError: another process held the database past ``timeout`` seconds.
            StoreError: the database comes from a newer paperdigest, or cannot be opened.
            StoreReadOnlyError: the store cannot be written (it is intact); with
                ``read_only``: it needs a migration, which needs writing.
        """
        self.path = str(path)
        self._clock = clock
        self._lock = threading.RLock()
        self._depth = 0
        self._closed = False
        memory = self.path == ":memory:"
        self.read_only = read_only and not memory
        if not memory and not self.read_only:
            file = Path(self.path)
            try:
                file.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the directory of the store {self.path}: {exc}; "
                    "set PAPERDIGEST_HOME to a writable directory"
                ) from exc
        if not memory:
            self._check_header(Path(self.path))
        try:
            # Rows by column name; the index's SQL functions registered before any write
            # (a migration included).
            self.conn = connect(self.path, timeout=timeout, read_only=self.read_only)
        except sqlite3.Error as exc:
            if self.read_only:
                raise self._error(exc, StoreError(
                    f"cannot open the store {self.path} read-only: {exc}")) from exc
            raise StoreError(
                f"cannot open the store {self.path}: {exc}; "
                "check permissions or set PAPERDIGEST_HOME"
            ) from exc
        try:
            self._open(memory, timeout)
        except BaseException:
            self.conn.close()
            self._closed = True
            raise

    # -------------------------------------------------------------- opening

    def _check_header(self, file: Path) -> None:
        """Refuse a non-empty file without the SQLite header, before sqlite3 touches it."""
        if file.is_dir():
            raise StoreError(f"the store path {self.path} is a directory; set PAPERDIGEST_HOME")
        try:
            with file.open("rb") as handle:
                head = handle.read(len(SQLITE_HEADER))
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StoreError(f"cannot read the store {self.path}: {exc}") from exc
        if head and head != SQLITE_HEADER:
            raise _corrupt(self.path)

    def _open(self, memory: bool, timeout: float) -> None:
        conn = self.conn
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            # Read-only inspection first: nothing below writes until the file is known ours.
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            user_version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {
                row[0]
                for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        except sqlite3.DatabaseError as exc:
            raise self._error(exc, _corrupt(self.path)) from exc
        if app_id != APPLICATION_ID and (tables or app_id != 0):
            raise StoreCorruptError(
                "the store file is a foreign SQLite database (application_id "
                f"{app_id:#x}, tables: {', '.join(sorted(tables)) or 'none'}), "
                f"not a paperdigest database (or is corrupt): {self.path}; "
                "move it away or set PAPERDIGEST_HOME"
            )
        applied = self._refuse_newer(user_version, tables)
        if self.read_only:
            if not all(fn.__name__ in applied for fn in MIGRATIONS):
                raise StoreReadOnlyError(
                    f"the store {self.path} was written by an older paperdigest and cannot "
                    "be upgraded here (it cannot be written): the data in it is intact; open "
                    "it once where it can be written, or set PAPERDIGEST_HOME"
                )
            return
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            if not memory:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    # E.g. some network file systems; still correct, only less concurrent.
                    logger.warning("%s: WAL mode unavailable (journal_mode=%s)", self.path, mode)
                # NORMAL is durable in WAL mode except for the last commits on power loss
                # (https://www.sqlite.org/pragma.html#pragma_synchronous); a rerun redoes them.
                conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            raise self._error(exc, _corrupt(self.path)) from exc
        self._migrate(applied)
        self._ensure_search_index()

    def _ensure_search_index(self) -> None:
        """Keep the full-text index (:mod:`paperdigest.index`) in step: triggers + backfill."""
        from .index import ensure_index

        try:
            ensure_index(self.conn)
        except sqlite3.Error as exc:
            if "readonly" in str(exc).lower():
                # A read-only store stays readable; search needs one writable open first.
                logger.warning("%s: read-only, search index not built (%s)", self.path, exc)
                return
            raise self._error(
                exc, StoreError(f"cannot build the search index of {self.path}: {exc}")
            ) from exc

    def _refuse_newer(self, user_version: int, tables: set[str]) -> set[str]:
        """The applied migration names; refuses a store from a newer paperdigest."""
        known = [fn.__name__ for fn in MIGRATIONS]
        unknown: list[str] = []
        applied: list[str] = []
        if "_migrations" in tables:
            try:
                applied = [r[0] for r in self.conn.execute("SELECT name FROM _migrations")]
            except sqlite3.DatabaseError as exc:
                raise _corrupt(self.path) from exc
            unknown = [name for name in applied if name not in known]
        if user_version > len(known) or unknown:
            raise StoreError(
                f"{self.path} was written by a newer paperdigest (schema version "
                f"{user_version}{', migrations ' + ', '.join(unknown) if unknown else ''}; "
                f"this version knows {len(known)}); upgrade paperdigest "
                "(pip install -U paperdigest) or set PAPERDIGEST_HOME to use another store"
            )
        return set(applied)

    def _migrate(self, applied: set[str]) -> None:
        """Apply the migrations not yet recorded, each in its own transaction.

        An up-to-date store is opened without taking the write lock, so ``status`` or
        ``show`` never wait for a running ``run``.
        """
        if all(fn.__name__ in applied for fn in MIGRATIONS):
            return
        for index, fn in enumerate(MIGRATIONS, start=1):
            with self._tx() as db:
                # Re-read inside the write lock: another process may have migrated meanwhile.
                db.execute(
                    "CREATE TABLE IF NOT EXISTS _migrations "
                    "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
                )
                done = db.execute(
                    "SELECT 1 FROM _migrations WHERE name = ?", (fn.__name__,)
                ).fetchone()
                if done:
                    continue
                logger.info("%s: applying migration %s", self.path, fn.__name__)
                fn(db)
                db.execute(
                    "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                    (fn.__name__, self._now()),
                )
                # PRAGMAs take no parameters; both values are ints from this module.
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute(f"PRAGMA user_version = {index}")

    # ---------------------------------------------------------- transactions

    def _error(self, exc: sqlite3.Error, otherwise: StoreError) -> StoreError:
        """The StoreError for a sqlite3 error: locked, read-only, damaged (:func:`damaged`),
        else ``otherwise`` (so that a read-only store is never called corrupt)."""
        if _is_locked(exc):
            return self._locked(exc)
        if _is_readonly(exc):
            return _readonly(self.path, exc)
        if _cannot_open(exc):
            # Never "corrupt" for a file that could not be opened (issue 11 item 8).
            if not _writable(self.path):
                return _readonly(self.path, exc)
            return StoreError(
                f"cannot open the store {self.path} ({exc}): the data in it is intact; "
                "check the permissions of the file and its directory, or set PAPERDIGEST_HOME"
            )
        if _is_corrupt(exc):
            return damaged(self.path, exc)
        return otherwise

    def _locked(self, exc: BaseException) -> StoreLockedError:
        return StoreLockedError(
            f"the store {self.path} is locked by another process ({exc}); "
            "wait for the other paperdigest run to finish, or set PAPERDIGEST_HOME"
        )

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError(f"the store {self.path} is closed")
        return self.conn

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``); nested calls join the outer one."""
        with self._lock:
            conn = self._connection()
            if self._depth:
                self._depth += 1
                try:
                    yield conn
                finally:
                    self._depth -= 1
                return
            try:
                # IMMEDIATE takes the write lock up front, so two processes never deadlock
                # upgrading read locks; busy_timeout makes the wait polite.
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._error(
                    exc, StoreError(f"cannot write to the store {self.path}: {exc}")
                ) from exc
            self._depth = 1
            try:
                yield conn
            except BaseException as exc:
                self._depth = 0
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise self._error(
                        exc, StoreError(f"store write failed ({self.path}): {exc}")
                    ) from exc
                raise
            self._depth = 0
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise self._error(
                    exc, StoreError(f"store commit failed ({self.path}): {exc}")
                ) from exc

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._connection()
            try:
                yield conn
            except sqlite3.Error as exc:
                raise self._error(
                    exc, StoreError(f"store read failed ({self.path}): {exc}")
                ) from exc

    def _now(self) -> str:
        return iso_utc(self._clock())

    # ------------------------------------------------------------- lifecycle

    def close(self) -> None:
        """Close the connection; further calls raise StoreError. Idempotent."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def check(self) -> None:
        """Run ``PRAGMA quick_check`` (reads every page: O(file size), ~0.15 s for a
        cached 430 MB file).

        Raises:
            StoreCorruptError: SQLite reports damage (:func:`damaged`); the message gives the
                first problem.
            StoreLockedError: another process holds the store past the timeout.
        """
        try:
            with self._read() as db:
                rows = [str(r[0]) for r in db.execute("PRAGMA quick_check(1)")]
        except (StoreCorruptError, StoreLockedError):
            raise
        except StoreError as exc:
            raise damaged(self.path, exc) from exc
        if rows != ["ok"]:
            raise damaged(self.path, "; ".join(rows))

    def migrations(self) -> list[str]:
        """Names of the applied migrations, in the order they were applied."""
        with self._read() as db:
            return [r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY rowid")]

    # ---------------------------------------------------------------- papers

    def upsert_paper(self, ref: PaperRef) -> None:
        """Insert or refresh a paper, keeping the highest known version.

        Fields empty in ``ref`` keep their stored values (see :func:`_merge_ref`).
        """
        with self._tx() as db:
            self._upsert_paper(db, ref)

    def _upsert_paper(self, db: sqlite3.Connection, ref: PaperRef) -> None:
        row = db.execute("SELECT data FROM papers WHERE arxiv_id = ?", (ref.arxiv_id,)).fetchone()
        if row is not None:
            ref = _merge_ref(PaperRef.from_dict(json.loads(row["data"])), ref)
        db.execute(
            "INSERT INTO papers (arxiv_id, version, title, data, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (arxiv_id) DO UPDATE SET "
            "version = excluded.version, title = excluded.title, data = excluded.data, "
            "updated_at = excluded.updated_at",
            (ref.arxiv_id, ref.version, ref.title, _dumps(ref.to_dict()), self._now()),
        )

    def get_paper(self, arxiv_id: str) -> PaperRef | None:
        """The stored paper, or ``None``."""
        with self._read() as db:
            row = db.execute("SELECT data FROM papers WHERE arxiv_id = ?", (arxiv_id,)).fetchone()
        return PaperRef.from_dict(json.loads(row["data"])) if row else None

    # ------------------------------------------------------------------ days

    def save_day(
        self,
        date: str,
        listed_date: str,
        refs: list[PaperRef],
        fetched_at: datetime,
        settled: bool,
    ) -> None:
        """Store (or merge into) the list of ``date``; also upserts every paper.

        Merging: the ids come in this listing's order, followed by ids stored earlier that
        this listing lacks, so a later, fuller listing adds papers and never drops any.
        Upvotes and other fields are refreshed from ``refs``. A day once settled stays
        settled. A paper without ``listed_date`` is stored with ``listed_date``.
        """
        with self._tx() as db:
            ids: list[str] = []
            for ref in refs:
                if ref.listed_date is None:
                    ref = dataclasses.replace(ref, listed_date=listed_date)
                self._upsert_paper(db, ref)
                if ref.arxiv_id not in ids:
                    ids.append(ref.arxiv_id)
            row = db.execute(
                "SELECT paper_ids, settled FROM days WHERE date = ?", (date,)
            ).fetchone()
            if row is not None:
                ids.extend(i for i in json.loads(row["paper_ids"]) if i not in ids)
                settled = settled or bool(row["settled"])
            db.execute(
                "INSERT INTO days (date, listed_date, fetched_at, settled, paper_ids, count) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (date) DO UPDATE SET "
                "listed_date = excluded.listed_date, fetched_at = excluded.fetched_at, "
                "settled = excluded.settled, paper_ids = excluded.paper_ids, "
                "count = excluded.count",
                (date, listed_date, iso_utc(fetched_at), int(settled), _dumps(ids), len(ids)),
            )
            db.execute("DELETE FROM day_papers WHERE date = ?", (date,))
            db.executemany(
                "INSERT INTO day_papers (date, arxiv_id, position) VALUES (?, ?, ?)",
                [(date, arxiv_id, pos) for pos, arxiv_id in enumerate(ids)],
            )

    def get_day(self, date: str) -> DayRecord | None:
        """The stored list of ``date``, or ``None`` if it was never listed."""
        with self._read() as db:
            row = db.execute(
                "SELECT date, listed_date, fetched_at, settled, paper_ids FROM days WHERE date = ?",
                (date,),
            ).fetchone()
        if row is None:
            return None
        return _row(DayRecord, row, fetched_at=datetime.fromisoformat(row["fetched_at"]),
                    settled=bool(row["settled"]), paper_ids=json.loads(row["paper_ids"]))

    def save_day_seconds(self, date: str, seconds: float) -> None:
        """Remember how long the report of ``date`` took when its summaries were made (a
        rerun that reuses them shows it, issue 13). No-op for a date never listed."""
        with self._tx() as db:
            db.execute("UPDATE days SET seconds = ? WHERE date = ?", (float(seconds), date))

    def save_day_made(self, date: str, stats: RunStats) -> None:
        """Remember the totals of the report of ``date`` that made its summaries: seconds
        (as :meth:`save_day_seconds`) and ``tokens_in``, ``tokens_out``, ``llm_calls``,
        ``llm_failed_calls``, ``cost`` (USD, ``None``: unknown), for :meth:`day_made`."""
        made = {name: getattr(stats, name) for name in MADE_FIELDS}
        with self._tx() as db:
            db.execute("UPDATE days SET seconds = ?, made = ? WHERE date = ?",
                       (float(stats.seconds), _dumps(made), date))

    def day_made(self, date: str) -> dict[str, Any] | None:
        """What :meth:`save_day_made` stored for ``date`` (keys :data:`MADE_FIELDS`), or
        ``None`` (never saved, or saved before migration m008)."""
        with self._read() as db:
            row = db.execute("SELECT made FROM days WHERE date = ?", (date,)).fetchone()
        if row is None or row[0] is None:
            return None
        made: dict[str, Any] = json.loads(row[0])
        return made

    def day_seconds(self, date: str) -> float | None:
        """What :meth:`save_day_seconds` stored for ``date``, or ``None``."""
        with self._read() as db:
            row = db.execute("SELECT seconds FROM days WHERE date = ?", (date,)).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def day_papers(self, date: str) -> list[PaperRef]:
        """The stored papers of ``date`` in list order (empty if the day is unknown)."""
        with self._read() as db:
            rows = db.execute(
                "SELECT p.data FROM day_papers d JOIN papers p USING (arxiv_id) "
                "WHERE d.date = ? ORDER BY d.position",
                (date,),
            ).fetchall()
        return [PaperRef.from_dict(json.loads(r["data"])) for r in rows]

    def days_for_paper(self, arxiv_id: str) -> list[str]:
        """The stored dates whose list holds ``arxiv_id``, oldest first."""
        with self._read() as db:
            rows = db.execute(
                "SELECT date FROM day_papers WHERE arxiv_id = ? ORDER BY date", (arxiv_id,)
            ).fetchall()
        return [r[0] for r in rows]

    # --------------------------------------------------------------- fetches

    def save_fetch(self, fetched: Fetched) -> None:
        """Record a fetch's metadata (kind, url, size, version, attempts), not its body."""
        attempts = [dataclasses.asdict(a) for a in fetched.attempts]
        with self._tx() as db:
            db.execute(
                "INSERT INTO fetches (arxiv_id, kind, url, size, version, content_type, "
                "fetched_at, seconds, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    fetched.arxiv_id,
                    fetched.kind,
                    fetched.url,
                    fetched.size,
                    fetched.version,
                    fetched.content_type,
                    fetched.fetched_at,
                    fetched.seconds,
                    _dumps(attempts),
                ),
            )

    def latest_fetch(self, arxiv_id: str) -> FetchRecord | None:
        """The most recent fetch of ``arxiv_id`` (by ``fetched_at``, then insertion)."""
        with self._read() as db:
            row = db.execute(
                "SELECT id, arxiv_id, kind, url, size, version, fetched_at, seconds, "
                "content_type, attempts FROM fetches WHERE arxiv_id = ? "
                "ORDER BY fetched_at DESC, id DESC LIMIT 1",
                (arxiv_id,),
            ).fetchone()
        if row is None:
            return None
        return _row(FetchRecord, row,
                    attempts=[FetchAttempt(**a) for a in json.loads(row["attempts"])])

    # ------------------------------------------------------------- documents

    def save_document(self, doc: Document) -> None:
        """Store ``doc``, replacing the one with the same (id, version, source kind)."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO documents (arxiv_id, version, source_kind, data, created_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (arxiv_id, version, source_kind) "
                "DO UPDATE SET data = excluded.data, created_at = excluded.created_at",
                (
                    doc.arxiv_id,
                    version_key(doc.version),
                    doc.source_kind,
                    _dumps(doc.to_dict()),
                    self._now(),
                ),
            )

    def get_document(
        self,
        arxiv_id: str,
        version: int | str | None = None,
        source_kind: str | None = None,
    ) -> Document | None:
        """The best stored Document of ``arxiv_id``, or ``None``.

        Best = highest known version (an unknown version ranks below every known one), then
        HTML over PDF over ArXiv Abs, then the most recently stored. ``version`` and
        ``source_kind`` restrict the choice (``version="unknown"`` selects unknown ones).
        """
        sql = "SELECT version, source_kind, data, created_at FROM documents WHERE arxiv_id = ?"
        params: list[Any] = [arxiv_id]
        if version is not None:
            sql += " AND version = ?"
            params.append(version_key(version))
        if source_kind is not None:
            sql += " AND source_kind = ?"
            params.append(source_kind)
        with self._read() as db:
            rows = db.execute(sql, params).fetchall()
        if not rows:
            return None

        best = max(rows, key=lambda row: (document_rank(row["version"], row["source_kind"]),
                                          row["created_at"]))
        return Document.from_dict(json.loads(best["data"]))

    # ------------------------------------------------------------- summaries

    _SUMMARY_COLUMNS = (
        "id, arxiv_id, version, source_kind, context_hash, prompt_version, backend, model, "
        "lang, data, tokens_in, tokens_out, mode, coverage, context_tokens, created_at"
    )
    _KEY_WHERE = (
        "arxiv_id = ? AND version = ? AND source_kind = ? AND context_hash = ? AND "
        "prompt_version = ? AND backend = ? AND model = ? AND lang = ?"
    )

    def _summary_from_row(self, db: sqlite3.Connection, row: sqlite3.Row) -> StoredSummary:
        vrow = db.execute(
            "SELECT data FROM verifications WHERE summary_id = ?", (row["id"],)
        ).fetchone()
        return _row(
            StoredSummary,
            row,
            key=_row(SummaryKey, row),
            summary=PaperSummary.from_dict(json.loads(row["data"])),
            verification=Verification.from_dict(json.loads(vrow["data"])) if vrow else None,
        )

    def find_summary(self, key: SummaryKey) -> StoredSummary | None:
        """The summary stored under exactly ``key``, or ``None`` (a cache miss)."""
        with self._read() as db:
            row = db.execute(
                f"SELECT {self._SUMMARY_COLUMNS} FROM summaries WHERE {self._KEY_WHERE}",
                key.as_tuple(),
            ).fetchone()
            return self._summary_from_row(db, row) if row else None

    def latest_summary(
        self,
        arxiv_id: str,
        *,
        lang: str | None = None,
        backend: str | None = None,
        model: str | None = None,
    ) -> StoredSummary | None:
        """The most recently stored summary of ``arxiv_id`` matching the given filters."""
        sql = f"SELECT {self._SUMMARY_COLUMNS} FROM summaries WHERE arxiv_id = ?"
        params: list[Any] = [arxiv_id]
        for column, value in (("lang", lang), ("backend", backend), ("model", model)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        sql += " ORDER BY created_at DESC, id DESC LIMIT 1"
        with self._read() as db:
            row = db.execute(sql, params).fetchone()
            return self._summary_from_row(db, row) if row else None

    def save_summary(
        self,
        key: SummaryKey,
        summary: PaperSummary,
        *,
        tokens_in: int = 0,
        tokens_out: int = 0,
        mode: str = "",
        coverage: float | None = None,
        context_tokens: int | None = None,
        verification: Verification | None = None,
    ) -> int:
        """Store ``summary`` under ``key`` and return its row id.

        Idempotent: an existing row with the same key is replaced in place (same id), and
        its verification is replaced too (deleted when ``verification`` is ``None``).
        """
        with self._tx() as db:
            db.execute(
                "INSERT INTO summaries (arxiv_id, version, source_kind, context_hash, "
                "prompt_version, backend, model, lang, data, tokens_in, tokens_out, mode, "
                "coverage, context_tokens, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (arxiv_id, version, source_kind, context_hash, prompt_version, "
                "backend, model, lang) DO UPDATE SET data = excluded.data, "
                "tokens_in = excluded.tokens_in, tokens_out = excluded.tokens_out, "
                "mode = excluded.mode, coverage = excluded.coverage, "
                "context_tokens = excluded.context_tokens, created_at = excluded.created_at",
                (
                    *key.as_tuple(),
                    _dumps(summary.to_dict()),
                    tokens_in,
                    tokens_out,
                    mode,
                    coverage,
                    context_tokens,
                    self._now(),
                ),
            )
            summary_id: int = db.execute(
                f"SELECT id FROM summaries WHERE {self._KEY_WHERE}", key.as_tuple()
            ).fetchone()[0]
            db.execute("DELETE FROM verifications WHERE summary_id = ?", (summary_id,))
            if verification is not None:
                db.execute(
                    "INSERT INTO verifications (summary_id, data, traced_ratio) VALUES (?, ?, ?)",
                    (summary_id, _dumps(verification.to_dict()), verification.traced_ratio),
                )
        return summary_id

    def paper_report(self, arxiv_id: str, lang: str | None = None) -> PaperReport | None:
        """One paper's block as stored: its latest summary (in ``lang`` when given; with
        verification, source and provenance), else its latest open failure; ``None`` when the
        paper is unknown."""
        ref = self.get_paper(arxiv_id)
        stored = self.latest_summary(arxiv_id, lang=lang)
        if ref is None and stored is None:
            return None
        report = PaperReport(ref=ref or PaperRef(arxiv_id=arxiv_id, title=arxiv_id))
        if stored is not None:
            report.source_kind = stored.key.source_kind  # type: ignore[assignment]
            report.summary = stored.summary
            report.verification = stored.verification
            report.coverage = stored.coverage
            report.context_tokens = stored.context_tokens
            report.backend, report.model = stored.key.backend, stored.key.model
            return report
        failures = [f for f in self.open_failures() if f.arxiv_id == arxiv_id]
        if failures:
            report.failure = failures[-1].failure
        return report

    # -------------------------------------------------------------- failures

    def record_failure(
        self, run_id: int | None, arxiv_id: str, date: str | None, stage: str, reason: str
    ) -> None:
        """Append a failure to the ledger (``arxiv_id`` may be empty for a day's list).

        Raises:
            StoreError: ``run_id`` is not a stored run.
        """
        with self._tx() as db:
            db.execute(
                "INSERT INTO failures (run_id, arxiv_id, date, stage, reason, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (run_id, arxiv_id, date, stage, reason, self._now()),
            )

    def resolve_failures(self, arxiv_id: str, date: str | None = None) -> None:
        """Mark every open failure of ``arxiv_id`` resolved (a later run succeeded).

        ``date`` restricts it to failures recorded for that date; ``resolve_failures("",
        date)`` closes a day's ``list`` failure once the day was listed.
        """
        sql = "UPDATE failures SET resolved = 1, resolved_at = ? WHERE arxiv_id = ? AND resolved = 0"
        params: list[Any] = [self._now(), arxiv_id]
        if date is not None:
            sql += " AND date = ?"
            params.append(date)
        with self._tx() as db:
            db.execute(sql, params)

    def open_failures(self, date: str | None = None) -> list[FailureRecord]:
        """Unresolved failures, the latest one per (paper, date), oldest first.

        A paper that failed in three runs is one open problem, not three; its latest
        reason is the one that matters. ``date`` restricts to failures recorded for it.
        """
        sql = (
            "SELECT id, run_id, arxiv_id, date, stage, reason, created_at, resolved "
            "FROM failures WHERE id IN (SELECT MAX(id) FROM failures WHERE resolved = 0 "
            "GROUP BY arxiv_id, date)"
        )
        params: list[Any] = []
        if date is not None:
            sql += " AND date = ?"
            params.append(date)
        sql += " ORDER BY id"
        with self._read() as db:
            rows = db.execute(sql, params).fetchall()
        return [_row(FailureRecord, r, resolved=bool(r["resolved"])) for r in rows]

    # ------------------------------------------------------------------ runs

    def start_run(self, command: str, dates: list[str], backend: str, model: str) -> int:
        """Record the start of a run (status ``running``) and return its id."""
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO runs (started_at, command, dates, backend, model) "
                "VALUES (?, ?, ?, ?, ?)",
                (self._now(), command, _dumps(list(dates)), backend, model),
            )
            run_id = cursor.lastrowid
        assert run_id is not None
        return run_id

    def finish_run(self, run_id: int, stats: RunStats, status: str) -> None:
        """Store a run's totals and final ``status`` (e.g. ``ok``, ``partial``, ``interrupted``).

        Empty ``stats.backend``/``stats.model`` keep the values given to :meth:`start_run`.

        Raises:
            StoreError: no run has id ``run_id``.
        """
        counts = [name for name in _RUN_STATS if name not in ("backend", "model")]
        with self._tx() as db:
            cursor = db.execute(
                "UPDATE runs SET finished_at = ?, backend = COALESCE(NULLIF(?, ''), backend), "
                "model = COALESCE(NULLIF(?, ''), model), "
                + "".join(f"{name} = ?, " for name in counts)
                + "status = ? WHERE id = ?",
                (self._now(), stats.backend, stats.model,
                 *_run_values(stats, counts), status, run_id),
            )
            if cursor.rowcount != 1:
                raise StoreError(f"no run with id {run_id} in {self.path}")

    def checkpoint_run(self, run_id: int, stats: RunStats) -> None:
        """Store a ``running`` run's totals so far (papers done, failed, calls …), so that a
        run killed before :meth:`finish_run` still shows what it stored (issue 13)."""
        counts = [name for name in _RUN_STATS if name not in ("backend", "model")]
        with self._tx() as db:
            db.execute(
                "UPDATE runs SET " + ", ".join(f"{name} = ?" for name in counts)
                + " WHERE id = ? AND status = 'running'",
                (*_run_values(stats, counts), run_id),
            )

    def close_stale_runs(self) -> int:
        """Mark every run still ``running`` as ``killed``; returns how many.

        Call it only while holding the data directory's run lock
        (:func:`paperdigest.runtime.run_lock`): then no other run is alive, so a ``running``
        row is a process that died (kill -9, power loss) without finishing its record.
        """
        with self._tx() as db:
            cursor = db.execute(
                "UPDATE runs SET status = 'killed', finished_at = COALESCE(finished_at, ?) "
                "WHERE status = 'running'",
                (self._now(),),
            )
            return cursor.rowcount

    def runs(self, limit: int = 20) -> list[RunRecord]:
        """The latest ``limit`` runs, newest first."""
        with self._read() as db:
            rows = db.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [_row(RunRecord, r, dates=json.loads(r["dates"])) for r in rows]

    def unknown_cost_models(self) -> list[str]:
        """The models of runs whose cost is unknown (no price when they ran), sorted."""
        with self._read() as db:
            rows = db.execute("SELECT DISTINCT model FROM runs WHERE cost IS NULL "
                              "ORDER BY model").fetchall()
        return [str(r[0]) for r in rows]

    def models_with_tokens(self) -> list[str]:
        """The models that runs spent LLM tokens on, sorted (``status`` checks their prices)."""
        with self._read() as db:
            rows = db.execute("SELECT DISTINCT model FROM runs WHERE tokens_in + tokens_out > 0 "
                              "ORDER BY model").fetchall()
        return [str(r[0]) for r in rows]

    # ---------------------------------------------------------------- totals

    def totals(self) -> dict[str, Any]:
        """Counts and sums for ``paperdigest status``.

        Keys: ``papers``, ``days``, ``documents``, ``fetches``, ``summaries``,
        ``verifications``, ``failures_open`` (as :meth:`open_failures` counts them), ``runs``,
        ``tokens_in``, ``tokens_out``, ``cost`` (USD summed over runs; ``None`` when some
        run's cost is unknown), ``llm_calls``, ``http_requests``, ``path``.
        """
        with self._read() as db:
            counts = {
                name: db.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]
                for name in (
                    "papers",
                    "days",
                    "documents",
                    "fetches",
                    "summaries",
                    "verifications",
                    "runs",
                )
            }
            failures_open = db.execute(
                "SELECT COUNT(*) FROM (SELECT 1 FROM failures WHERE resolved = 0 "
                "GROUP BY arxiv_id, date)"
            ).fetchone()[0]
            sums = db.execute(
                "SELECT COALESCE(SUM(tokens_in), 0), COALESCE(SUM(tokens_out), 0), "
                "COALESCE(SUM(cost), 0.0), COALESCE(SUM(llm_calls), 0), "
                "COALESCE(SUM(http_requests), 0), COUNT(*) - COUNT(cost) FROM runs"
            ).fetchone()
        return {
            "path": self.path,
            **counts,
            "failures_open": failures_open,
            "tokens_in": sums[0],
            "tokens_out": sums[1],
            "cost": None if sums[5] else float(sums[2]),
            "llm_calls": sums[3],
            "http_requests": sums[4],
        }
