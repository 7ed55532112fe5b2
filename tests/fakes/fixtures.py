"""pytest fixtures over the loopback fakes (registered in tests/conftest.py).

They live apart from :mod:`tests.fakes.servers` so that the fakes import without pytest
(``python -m tests.fakes.serve``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from paperdigest.store import Store
from tests.fakes.archive import fill_archive
from tests.fakes.servers import FakeArxiv, FakeHF
from tests.fakes.webhooks import WebhookReceiver


@pytest.fixture
def hf_server(corpus: Path) -> Iterator[FakeHF]:
    """A started :class:`FakeHF` over the shared corpus."""
    with FakeHF(corpus) as server:
        yield server


@pytest.fixture
def arxiv_server(corpus: Path) -> Iterator[FakeArxiv]:
    """A started :class:`FakeArxiv` over the shared corpus."""
    with FakeArxiv(corpus) as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A started :class:`WebhookReceiver`, shut down afterwards."""
    r = WebhookReceiver()
    r.thread.start()
    try:
        yield r
    finally:
        r.server.shutdown()
        r.server.server_close()


DB = "paperdigest.sqlite3"


def _mount_read_only(source: Path, target: Path) -> bool:
    target.mkdir()
    if not shutil.which("mount"):
        return False
    bind = subprocess.run(["mount", "--bind", str(source), str(target)],
                          capture_output=True, check=False)
    if bind.returncode != 0:
        return False
    remount = subprocess.run(["mount", "-o", "remount,ro,bind", str(target)],
                             capture_output=True, check=False)
    if remount.returncode != 0:
        subprocess.run(["umount", str(target)], check=False)
        return False
    return True


@pytest.fixture
def ro_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data directory holding a filled store (WAL mode, closed) that cannot be written;
    ``PAPERDIGEST_HOME`` points at it."""
    home = tmp_path / "home"
    home.mkdir()
    with Store(home / DB) as store:
        fill_archive(store)
    with closing(sqlite3.connect(home / DB)) as conn:  # the store is a WAL database
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert not (home / f"{DB}-shm").exists()  # closed cleanly: SQLite must create it
    if os.geteuid() == 0:
        ro = tmp_path / "ro"
        if not _mount_read_only(home, ro):
            pytest.skip("as root only a read-only mount stops SQLite writing, and `mount "
                        "--bind` is not permitted here (needs CAP_SYS_ADMIN)")
        try:
            monkeypatch.setenv("PAPERDIGEST_HOME", str(ro))
            yield ro
        finally:
            # A connection still open under the mount makes umount fail ("target is busy");
            # detach it lazily then, or the mount outlives the test run.
            if subprocess.run(["umount", str(ro)], check=False).returncode != 0:
                subprocess.run(["umount", "-l", str(ro)], check=False)
        return
    (home / DB).chmod(0o444)
    home.chmod(0o555)
    try:
        monkeypatch.setenv("PAPERDIGEST_HOME", str(home))
        yield home
    finally:
        home.chmod(0o755)
        (home / DB).chmod(0o644)
