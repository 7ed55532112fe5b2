"""QA pass of 2026-11-29 (second session), run side: visible retries, the missing API key said
up front, honest ``run --ids`` progress and JSON, failures in ``run --json``, and one cost
wording for "no LLM calls" in the report footer, ``status`` and its runs table."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from paperdigest.cli import main
from tests.conftest import DAY
from tests.fakes.servers import FakeArxiv, FakeHF

pytestmark = pytest.mark.timeout(120)


def _closed_port() -> int:
    """A loopback port nobody listens on (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# ------------------------------------------------------------------ 1. retries are visible


def test_cli_retry_warnings_are_one_line_each(world: Any, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """QA: ``papers`` against a refused port waited ~10 s in silence (the retry log was at
    INFO, and a RichHandler wrapped it over 4 lines of an 80-column pipe). Each retry is one
    ``Warning:`` line on stderr at the default verbosity."""
    (world.dir / "paperdigest.toml").write_text("[http]\nretries = 2\nbackoff_base = 0\n")
    url = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("PAPERDIGEST_HF_URL", url)
    assert main(["papers", "--date", DAY]) != 0
    err = capsys.readouterr().err
    retries = [line for line in err.splitlines() if line.startswith("Warning: ")]
    assert len(retries) == 2, err
    for n, line in enumerate(retries, start=1):
        assert f"GET {url}/api/daily_papers" in line and "Connection refused" in line
        assert line.endswith(f"retry {n}/2 in 0.0 s"), line
