"""One clock (issue 9): "now" is UTC, injectable, and the store's timestamps follow it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from paperdigest.cli import main
from paperdigest.clock import as_utc, clock_from_env, iso_utc, utc_now
from paperdigest.errors import InputError
from tests.conftest import DAY
from tests.fakes.servers import FakeArxiv
from tests.test_cli_faults import _small_hf


def test_clock_from_env_pins_and_converts_to_utc() -> None:
    assert clock_from_env({}) is utc_now
    now = clock_from_env({"PAPERDIGEST_NOW": "2026-01-31T08:00:00+08:00"})
    assert now() == datetime(2026, 1, 31, 0, 0, tzinfo=UTC)
    naive = clock_from_env({"PAPERDIGEST_NOW": "2026-01-31T08:00:00"})
    assert naive().tzinfo is not None and naive().hour == 8  # naive is taken as UTC
    with pytest.raises(InputError, match="PAPERDIGEST_NOW"):
        clock_from_env({"PAPERDIGEST_NOW": "tomorrow"})
    east = datetime(2026, 1, 31, 1, 0, tzinfo=timezone(timedelta(hours=2)))
    assert as_utc(east).hour == 23 and iso_utc(east).endswith("+00:00")


def test_pinned_now_reaches_the_store_timestamps(
    world: Any, corpus: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PAPERDIGEST_NOW", "2026-02-03T04:05:06+00:00")
    with _small_hf(corpus) as hf, FakeArxiv(None) as arxiv:
        world.serve(hf, arxiv)
        assert main(["run", "--date", DAY, "--quiet"]) == 0
        capsys.readouterr()
        assert main(["status", "--json"]) == 0
    run = json.loads(capsys.readouterr().out)["runs"][0]
    assert run["started_at"] == "2026-02-03T04:05:06+00:00"
    assert run["finished_at"] == "2026-02-03T04:05:06+00:00"
