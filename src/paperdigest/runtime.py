"""Wiring: build the HTTP client, store, summarizer and lock from Settings.

The CLI, the benchmarks and library users share these constructors so that every entry point
gets the same cache location, limits and lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import filelock

from .errors import StoreLockedError

if TYPE_CHECKING:
    from .config import Settings
    from .fetch.http import HttpClient
    from .fetch.ratelimit import Clock
    from .store import Store

LOCK_NAME = "paperdigest.lock"


def open_http(settings: Settings, *, clock: Clock | None = None) -> HttpClient:
    """The one HTTP client, with its on-disk response cache under ``$PAPERDIGEST_HOME``."""
    from .fetch.cache import ResponseCache
    from .fetch.http import HttpClient

    cache = ResponseCache(settings.cache_dir) if settings.http.cache else None
    return HttpClient(settings, clock=clock, cache=cache)


def open_store(settings: Settings) -> Store:
    """The SQLite store at ``$PAPERDIGEST_HOME/paperdigest.sqlite3``.

    Raises:
        StoreCorruptError: the file is not a paperdigest database.
    """
    from .store import Store

    settings.home_path.mkdir(parents=True, exist_ok=True)
    return Store(settings.db_path)


def run_lock(home: Path, *, wait: float = 0.0) -> filelock.FileLock:
    """An acquired lock on the data directory, so two runs never write the same store.

    Raises:
        StoreLockedError: another run holds it (after waiting ``wait`` seconds).
    """
    home.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(home / LOCK_NAME))
    try:
        lock.acquire(timeout=wait)
    except filelock.Timeout:
        raise StoreLockedError(
            f"another paperdigest run is using {home}; wait for it to finish "
            "(or pass --wait SECONDS), or set PAPERDIGEST_HOME to use another data directory"
        ) from None
    return lock
