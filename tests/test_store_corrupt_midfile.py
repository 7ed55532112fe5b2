"""A store damaged in the middle of the file (QA: ``dd … seek=120 conv=notrunc``).

The header, ``sqlite_master`` (page 1) and the migration record are intact, so the store
opens; the pages of the data tables are overwritten with seeded random bytes, so SQLite
reports "database disk image is malformed" at whichever later query reads them. Every
command must then end with the one line of :func:`paperdigest.store.damaged` and exit 1,
never a traceback; ``serve`` answers 503 with that line.
"""

from __future__ import annotations

import logging
import random
import sqlite3
from pathlib import Path

import pytest

from paperdigest.cli import main
from paperdigest.errors import StoreCorruptError
from paperdigest.store import Store
from tests.fakes.archive import DAYS, UNIQUE_EN, WEBARBITER, fill_archive

#: Tables whose pages stay intact: what opening the store reads (migrations, index version).
_KEPT = {"_migrations", "search_meta"}


def _damage(path: Path, seed: int = 120) -> list[int]:
    """Overwrite the root page of every data table and index (not ``_KEPT``) with bytes from
    ``random.Random(seed)``, as ``dd if=/dev/urandom … conv=notrunc`` would; returns the
    page numbers (1-based; page N starts at byte (N - 1) * page_size)."""
    conn = sqlite3.connect(path)
    try:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = sorted(row[0] for row in conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE rootpage > 1 AND tbl_name NOT IN (?, ?)",
            tuple(_KEPT)))
    finally:
        conn.close()
    rng = random.Random(seed)
    with path.open("r+b") as handle:
        for page in pages:
            handle.seek((page - 1) * page_size)
            handle.write(rng.randbytes(page_size))
    return pages


@pytest.fixture
def damaged_home(_isolated: Path) -> Path:
    """``$PAPERDIGEST_HOME`` with a filled store damaged mid-file."""
    path = _isolated / "paperdigest.sqlite3"
    with Store(path) as st:
        fill_archive(st)
    assert _damage(path)[0] > 2
    return _isolated


def _one_line(err: str, path: Path) -> None:
    """``err`` is the one line of :func:`paperdigest.store.damaged` (its detail is SQLite's
    and depends on which damaged page the command read first)."""
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"Error: the store {path} is corrupt: "), err
    assert lines[0].endswith("; restore a backup or move it aside, or set PAPERDIGEST_HOME to "
                             "use another store"), err


def test_the_damage_is_mid_file_the_store_still_opens(damaged_home: Path) -> None:
    path = damaged_home / "paperdigest.sqlite3"
    with Store(path) as st:  # header, schema and migrations intact: open succeeds
        with pytest.raises(StoreCorruptError, match=r"is corrupt: database disk image"):
            st.get_paper(WEBARBITER.arxiv_id)
        # A raw query on the store's connection (as search, ask and site make) too.
        with pytest.raises(StoreCorruptError, match=str(path)):
            st.conn.execute("SELECT data FROM summaries").fetchall()
        with pytest.raises(StoreCorruptError, match="restore a backup"):
            st.check()


@pytest.mark.parametrize("args", [
    ["ask", "web"],
    ["ask", UNIQUE_EN],
    ["site", "--out", "SITE"],
    ["show", WEBARBITER.arxiv_id],
    ["run", "--date", DAYS[1], "--quiet"],
    ["backfill", "--from", DAYS[0], "--to", DAYS[1]],
], ids=lambda a: a[0] + ("-" + a[1] if a[0] == "ask" else ""))
def test_command_on_a_mid_file_damaged_store_says_one_line(
    damaged_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], args: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    args = [str(tmp_path / "site") if a == "SITE" else a for a in args]
    assert main(args) == 1
    _one_line(capsys.readouterr().err, damaged_home / "paperdigest.sqlite3")


@pytest.mark.parametrize("as_json", [False, True])
def test_status_reports_the_damage(damaged_home: Path, capsys: pytest.CaptureFixture[str],
                                   as_json: bool) -> None:
    assert main(["status", *(["--json"] if as_json else [])]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    _one_line(captured.err, damaged_home / "paperdigest.sqlite3")


def test_status_finds_damage_its_own_queries_do_not_read(
    _isolated: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    # Only the documents table is damaged: status's counts come from indexes and other tables.
    path = _isolated / "paperdigest.sqlite3"
    with Store(path) as st:
        fill_archive(st)
        st.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (root,) = st.conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'documents'").fetchone()
    with path.open("r+b") as handle:
        handle.seek((root - 1) * 4096)
        handle.write(random.Random(7).randbytes(4096))
    assert main(["status"]) == 1
    _one_line(capsys.readouterr().err, path)


def test_serve_answers_503_with_the_one_line(damaged_home: Path,
                                             caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("starlette", reason="the [web] extra is not installed")
    from starlette.testclient import TestClient

    from paperdigest.web.app import LOOPBACK_HOSTS, create_app

    path = damaged_home / "paperdigest.sqlite3"
    app = create_app(path, allowed_hosts=list(LOOPBACK_HOSTS))
    with caplog.at_level(logging.INFO), \
            TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=True) as client:
        for url, params in (("/", {}), (f"/days/{DAYS[1]}", {}), ("/ask", {"q": "web"}),
                            ("/search", {"q": UNIQUE_EN}),
                            (f"/papers/{WEBARBITER.arxiv_id}", {})):
            response = client.get(url, params=params)
            assert response.status_code == 503, (url, response.text[:300])
            assert f"the store {path} is corrupt: " in response.text, url
            assert "restore a backup or move it aside" in response.text
    assert not any(r.exc_info for r in caplog.records)
    assert "Traceback" not in caplog.text
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 5 and all("\n" not in r.getMessage() for r in errors)
