"""Wiring: build the HTTP client, store, summarizer and lock from Settings.

The CLI, the benchmarks and library users share these constructors so that every entry point
gets the same cache location, limits and lock.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import filelock

from .clock import Now, utc_now
from .errors import ConfigError, NoStoreError, StoreLockedError, StoreReadOnlyError

if TYPE_CHECKING:
    from .config import Settings
    from .fetch.http import HttpClient
    from .fetch.ratelimit import Clock
    from .store import Store

LOCK_NAME = "paperdigest.lock"

logger = logging.getLogger(__name__)


def open_http(
    settings: Settings, *, clock: Clock | None = None, refresh: bool = False
) -> HttpClient:
    """The one HTTP client, with its on-disk response cache under ``$PAPERDIGEST_HOME``;
    ``refresh`` (``--refresh``) never answers from that cache."""
    from .fetch.cache import ResponseCache
    from .fetch.http import HttpClient

    cache = ResponseCache(settings.cache_dir) if settings.http.cache else None
    return HttpClient(settings, clock=clock, cache=cache, refresh=refresh)


def open_store(settings: Settings, *, now: Now = utc_now, reading: bool = False) -> Store:
    """The SQLite store at ``$PAPERDIGEST_HOME/paperdigest.sqlite3``, stamping times by ``now``.

    ``reading`` is for commands that only read (status, show, ask, site, serve, send): a
    store that cannot be written (a read-only mount, another user's files) is then opened
    read-only (``Store(read_only=True)``) instead of refused, and a missing store is not
    created: :class:`NoStoreError` (exit 0) says to run ``paperdigest run`` first.

    Raises:
        NoStoreError: with ``reading``, there is no store file yet (nothing is created).
        StoreCorruptError: the file is not a paperdigest database.
        StoreReadOnlyError: the data directory or the store cannot be written (with
            ``reading``: nor read, or it needs an upgrade, which needs writing).
        StoreError: with ``reading``, the read-only open found another problem (a store from
            a newer paperdigest, for one).
    """
    from .store import Store

    if reading and not settings.db_path.exists():
        _check_home_path(settings.home_path)  # a file is an error, not "no store yet"
        raise NoStoreError(f"no store yet at {settings.db_path}: run `paperdigest run` first")
    if reading and settings.db_path.is_file():
        try:
            return Store(settings.db_path, clock=now)
        except StoreReadOnlyError as exc:
            # Why it cannot be read either (if so) is the error worth showing.
            store = Store(settings.db_path, clock=now, read_only=True)
            logger.info("%s; opened read-only", exc)
            return store
    _make_home(settings.home_path)
    return Store(settings.db_path, clock=now)


def check_home(home: str, env: Mapping[str, str] | None = None) -> None:
    """Refuse a data directory under ``~`` when ``HOME`` is set but empty: Python would read
    ``~/.paperdigest`` as ``/.paperdigest`` (``os.path.expanduser`` joins the empty value).
    An unset ``HOME`` is fine (the password database gives the home directory).

    Args:
        home: the ``home`` setting as written (``~/.paperdigest`` by default).
        env: the environment (default ``os.environ``).

    Raises:
        ConfigError: ``home`` starts with ``~`` and ``HOME`` is empty.
    """
    env = os.environ if env is None else env
    if (home == "~" or home.startswith("~/")) and "HOME" in env and not env["HOME"].strip():
        raise ConfigError(f"HOME is empty, so the data directory {home} has no place; set "
                          "PAPERDIGEST_HOME to the data directory (or set HOME)")


def _not_a_directory(path: Path) -> bool:
    try:
        return path.exists() and not path.is_dir()
    except OSError:  # cannot even look: mkdir below says why
        return False


def _check_home_path(home: Path) -> None:
    """Refuse a data directory that is a file or lies under one (creates nothing)."""
    if _not_a_directory(home):
        raise StoreReadOnlyError(
            f"the data directory {home} is a file, not a directory; set PAPERDIGEST_HOME to a "
            "directory"
        )
    file_above = next((p for p in home.parents if _not_a_directory(p)), None)
    if file_above is not None:
        raise StoreReadOnlyError(
            f"cannot create the data directory {home}: {file_above} is a file, not a "
            "directory; set PAPERDIGEST_HOME to a directory"
        )


def _make_home(home: Path) -> None:
    _check_home_path(home)
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreReadOnlyError(
            f"cannot create the data directory {home}: {exc.strerror or exc}; set "
            "PAPERDIGEST_HOME to a writable directory"
        ) from None
    if not home.is_dir():
        raise StoreReadOnlyError(
            f"the data directory {home} is not a directory; set PAPERDIGEST_HOME to a "
            "writable directory"
        )


def run_lock(home: Path, *, wait: float = 0.0) -> filelock.FileLock:
    """An acquired lock on the data directory, so two runs never write the same store.

    Raises:
        StoreLockedError: another run holds it (after waiting ``wait`` seconds).
        StoreReadOnlyError: the directory or the lock file cannot be written.
    """
    _make_home(home)
    lock = filelock.FileLock(str(home / LOCK_NAME))
    try:
        lock.acquire(timeout=wait)
    except filelock.Timeout:
        raise StoreLockedError(
            f"another paperdigest run is using {home}; wait for it to finish "
            "(or pass --wait SECONDS), or set PAPERDIGEST_HOME to use another data directory"
        ) from None
    except OSError as exc:
        raise StoreReadOnlyError(
            f"cannot create the lock file in {home}: {exc.strerror or exc}; the data there is "
            "intact; make it writable or set PAPERDIGEST_HOME to a writable directory"
        ) from None
    return lock


def close_stale_runs(settings: Settings, store: Store) -> int:
    """Mark runs that a dead process left ``running`` as ``killed``, when no run is alive.

    Takes the run lock without waiting: if another run holds it, nothing is touched (its
    row is really running). Returns how many rows were closed.
    """
    try:
        lock = run_lock(settings.home_path, wait=0)
    except (StoreLockedError, StoreReadOnlyError):
        return 0
    try:
        return store.close_stale_runs()
    finally:
        lock.release()
