"""Persistent HTTP response cache keyed by the full request URL.

One small SQLite file (``http-cache.sqlite3``) under ``settings.cache_dir``. It stores
successful (200) bodies that passed the client's checks, with their headers, so that :class:`~paperdigest.fetch.http.HttpClient`
can revalidate them with ``If-None-Match`` / ``If-Modified-Since`` (a 304 costs no body), or
skip the request entirely when an entry is younger than the caller's ``max_age``.

Header names are stored lower-cased. ``stored_at`` is wall-clock time in seconds since the
epoch (from the one clock, :data:`paperdigest.clock.Now`) because entries outlive the process.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from ..clock import Now, utc_now
from ..errors import StoreError

logger = logging.getLogger(__name__)

CACHE_FILE = "http-cache.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    url TEXT PRIMARY KEY,
    status INTEGER NOT NULL,
    headers TEXT NOT NULL,
    content BLOB NOT NULL,
    stored_at REAL NOT NULL
)
"""


@dataclass
class CachedResponse:
    """One stored response."""

    url: str
    """The full request URL including the query string (the cache key)."""
    status: int
    headers: dict[str, str]
    """Response headers, names lower-cased."""
    content: bytes
    stored_at: float
    """Wall-clock time (seconds since the epoch) when the body was stored or last revalidated."""

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


class ResponseCache:
    """A thread-safe on-disk cache of HTTP responses.

    Raises:
        StoreError: the cache file cannot be opened (e.g. the directory is not writable).
    """

    def __init__(self, directory: Path, *, now: Now = utc_now) -> None:
        self.directory = Path(directory)
        self.path = self.directory / CACHE_FILE
        self.now = now
        """Wall clock used for ``stored_at`` and freshness checks; injectable for tests."""
        self._lock = threading.Lock()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute(_SCHEMA)
            self._conn.commit()
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"cannot open the HTTP cache at {self.path}: {exc}; "
                "check that PAPERDIGEST_HOME is writable or disable the cache (http.cache = false)"
            ) from exc

    def timestamp(self) -> float:
        """Now, in seconds since the epoch (the unit of ``stored_at``)."""
        return self.now().timestamp()

    def get(self, url: str) -> CachedResponse | None:
        """The stored response for ``url``, or ``None``."""
        with self._lock:
            try:
                row = self._conn.execute(
                    "SELECT status, headers, content, stored_at FROM responses WHERE url = ?",
                    (url,),
                ).fetchone()
            except sqlite3.Error as exc:
                logger.warning("HTTP cache read failed for %s: %s", url, exc)
                return None
        if row is None:
            return None
        status, headers, content, stored_at = row
        return CachedResponse(
            url=url,
            status=int(status),
            headers=dict(json.loads(headers)),
            content=bytes(content),
            stored_at=float(stored_at),
        )

    def put(self, url: str, status: int, headers: dict[str, str], content: bytes) -> None:
        """Store (or replace) the response for ``url``, stamped with ``now()``."""
        lowered = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            try:
                self._conn.execute(
                    "INSERT OR REPLACE INTO responses (url, status, headers, content, stored_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (url, status, json.dumps(lowered), content, self.timestamp()),
                )
                self._conn.commit()
            except sqlite3.Error as exc:
                # A cache that cannot write only costs a refetch next time.
                logger.warning("HTTP cache write failed for %s: %s", url, exc)

    def touch(self, url: str, headers: dict[str, str] | None = None) -> None:
        """Mark ``url`` as revalidated now (after a 304), merging any new validators."""
        entry = self.get(url)
        if entry is None:
            return
        merged = dict(entry.headers)
        for key, value in (headers or {}).items():
            if key.lower() in ("etag", "last-modified", "cache-control", "expires"):
                merged[key.lower()] = value
        self.put(url, entry.status, merged, entry.content)

    def delete(self, url: str) -> None:
        """Forget ``url``."""
        with self._lock:
            self._conn.execute("DELETE FROM responses WHERE url = ?", (url,))
            self._conn.commit()

    def discard(self, url: str) -> None:
        """Forget ``url`` because its body turned out unusable (never raises: a cache that
        cannot write only costs a refetch). Called through ``HttpClient.discard``."""
        try:
            self.delete(url)
        except sqlite3.Error as exc:
            logger.warning("HTTP cache delete failed for %s: %s", url, exc)

    def __len__(self) -> int:
        with self._lock:
            (count,) = self._conn.execute("SELECT COUNT(*) FROM responses").fetchone()
        return int(count)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
