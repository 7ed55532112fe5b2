"""Issue 13, "Honest numbers": what the tool prints about cost, calls, tokens, time, sources,
status, extract, ``run --ids``, progress and ``config show --json`` is true.

Whole-day runs go through the command line against the offline world (fake HF over the
recorded 2026-01-30 list, fake arXiv without full text, a replay LLM); expected numbers come
from what the fake servers saw (their request counts), never from our own output.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paperdigest.cli import main
from tests.fakes.llm import FakeLLM, LLMFault, arxiv_id_of
from tests.fakes.world import offline_world

DAY = "2026-01-30"
RUN = ["run", "--date", DAY, "--backend", "openai", "--model", "replay", "--quiet"]
SEP = "=" * 60


@pytest.fixture
def env(corpus: Path, reference_report: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with offline_world(corpus, reference_report, tmp_path, monkeypatch) as world:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        yield world


def _report(env: dict[str, Any], name: str = DAY) -> str:
    return (env["dir"] / "paperdigest-out" / f"{name}.md").read_text(encoding="utf-8")


def _report_json(env: dict[str, Any], name: str = DAY) -> dict[str, Any]:
    data = json.loads((env["dir"] / "paperdigest-out" / f"{name}.json").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def _footer(text: str) -> list[str]:
    return text.rsplit(SEP, 1)[1].strip().splitlines()


def _add_config(env: dict[str, Any], text: str) -> None:
    path = env["dir"] / "paperdigest.toml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


# ------------------------------------------------------------------------------ 1. cost


def test_unpriced_model_cost_is_unknown_not_free(env: dict[str, Any],
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with FakeLLM(env["responder"]) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        assert main(RUN) == 0
    footer = "\n".join(_footer(_report(env)))
    assert "$0.0000" not in footer
    assert "费用：未知（replay 没有价格：设置 [prices]）" in footer
    assert _report_json(env)["stats"]["cost"] is None
    capsys.readouterr()
    assert main(["status"]) == 0
    text = capsys.readouterr().out
    assert "cost unknown (no price for replay: set [prices])" in text
    assert "$0.0000" not in text
    assert main(["status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["cost"] is None
    assert data["runs"][0]["cost"] is None


def test_priced_model_cost_is_a_figure(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    _add_config(env, "\n[prices]\nreplay = [1000000.0, 0.0]\n")  # $1 per input token
    with FakeLLM(env["responder"]) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        assert main(RUN) == 0
    stats = _report_json(env)["stats"]
    assert stats["tokens_in"] > 0
    assert stats["cost"] == pytest.approx(stats["tokens_in"])
    assert f"${stats['cost']:.4f}" in "\n".join(_footer(_report(env)))
    capsys.readouterr()
    assert main(["status"]) == 0
    text = capsys.readouterr().out
    assert "unknown" not in text and f"${stats['cost']:.4f}" in text
