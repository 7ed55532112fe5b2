"""A store that cannot be written (QA finding 1): read commands work, nothing says "corrupt".

The store is in WAL mode; on a read-only file system SQLite cannot create its ``-shm`` file
and answers "unable to open database file" (SQLITE_CANTOPEN), which used to be reported as
"not a paperdigest database (or is corrupt) … move it away" — advice that invites deleting
good data. Here the store really is read-only: a read-only bind mount when the tests run as
root and may mount, else (not root) a directory and file without write permission, which
SQLite meets in the same way (it cannot create ``-shm``). As root without ``mount`` no file
mode stops SQLite, so the tests skip with that reason.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from paperdigest.cli import main
from paperdigest.errors import StoreCorruptError, StoreReadOnlyError
from paperdigest.store import Store, connect
from tests.fakes.archive import DAYS, WEBARBITER

DB = "paperdigest.sqlite3"


def test_read_only_store_is_never_called_corrupt(ro_home: Path) -> None:
    with pytest.raises(StoreReadOnlyError) as caught:
        Store(ro_home / DB)
    assert not isinstance(caught.value, StoreCorruptError)
    message = str(caught.value)
    assert "intact" in message and "corrupt" not in message and "move it away" not in message


def test_read_commands_work_on_a_read_only_store(
    ro_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["totals"]["papers"] == 4  # the four papers fill_archive stored

    assert main(["show", WEBARBITER.arxiv_id]) == 0
    assert "WebArbiter" in capsys.readouterr().out

    assert main(["ask", "WebArbiter"]) == 0
    assert WEBARBITER.arxiv_id in capsys.readouterr().out

    pytest.importorskip("jinja2", reason="site needs the [web] extra")
    site = tmp_path / "site"
    assert main(["site", "--out", str(site)]) == 0
    assert (site / "days" / f"{DAYS[1]}.html").is_file()
    # Nothing was written beside the store.
    assert sorted(p.name for p in ro_home.iterdir()) == [DB]


def test_send_reads_a_read_only_store(
    ro_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bodies: list[bytes] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.chdir(tmp_path)
        (tmp_path / "paperdigest.toml").write_text(
            "[[delivery.webhooks]]\nname = \"hook\"\nkind = \"generic\"\n"
            f"url = \"http://127.0.0.1:{server.server_address[1]}/hook\"\n")
        assert main(["send", "--date", DAYS[1], "--to", "webhook"]) == 0, \
            capsys.readouterr().err
    finally:
        server.shutdown()
        server.server_close()
    assert len(bodies) == 1 and WEBARBITER.arxiv_id.encode() in bodies[0]


def test_serve_reads_a_read_only_store(ro_home: Path) -> None:
    pytest.importorskip("starlette", reason="serve needs the [web] extra")
    from starlette.testclient import TestClient

    from paperdigest.web.app import LOOPBACK_HOSTS, create_app

    app = create_app(ro_home / DB, allowed_hosts=list(LOOPBACK_HOSTS))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert client.get(f"/days/{DAYS[1]}").status_code == 200
        assert client.get("/search", params={"q": "WebArbiter"}).status_code == 200


def test_read_only_connection_of_a_read_only_store(ro_home: Path) -> None:
    conn = connect(ro_home / DB, read_only=True)
    try:
        count = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
        assert count == 4
        with pytest.raises(sqlite3.OperationalError):
            conn.execute("DELETE FROM papers")
    finally:
        conn.close()
