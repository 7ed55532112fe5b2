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


# ------------------------------------------------------------------ 2. no API key, said first


@pytest.mark.parametrize(("url", "local"), [
    ("https://api.openai.com/v1", False),
    ("https://api.deepseek.com/v1", False),
    ("http://8.8.8.8:8000/v1", False),
    ("http://localhost:11434/v1", True),
    ("http://127.0.0.1:8000/v1", True),
    ("http://[::1]:8080/v1", True),
    ("http://192.168.1.20:8000/v1", True),
    ("http://10.0.0.5/v1", True),
    ("http://172.16.3.4/v1", True),
    ("http://ollama:11434/v1", True),  # a compose service name
    ("http://gpu-box.lan:8000/v1", True),
    ("http://host.docker.internal:1234/v1", True),
])
def test_local_servers_are_told_from_public_ones_by_name(url: str, local: bool) -> None:
    from paperdigest.config import is_local_url

    assert is_local_url(url) is local


@pytest.mark.parametrize("argv", [
    ["ask", "web agents", "--backend", "openai"],
    ["run", "--date", DAY, "--backend", "openai"],
])
def test_openai_backend_without_a_key_is_one_config_line_before_any_request(
        argv: list[str], corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """QA: ``ask … --backend openai`` with no key waited 13 s, then said "cannot connect",
    never that OPENAI_API_KEY was unset. Now: one line naming the variable, exit 1, and no
    request to any server."""
    monkeypatch.chdir(tmp_path)
    with FakeHF(corpus) as hf, FakeArxiv(corpus) as arxiv:
        monkeypatch.setenv("PAPERDIGEST_HF_URL", hf.url)
        monkeypatch.setenv("PAPERDIGEST_ARXIV_URL", arxiv.url)
        monkeypatch.setenv("PAPERDIGEST_ARXIV_API_URL", arxiv.api_url)
        assert main(argv) == 1
        requests = hf.count("/") + arxiv.count("/")
    err = capsys.readouterr().err.strip()
    assert "\n" not in err, err
    assert err.startswith("Error: no API key for the LLM server https://api.openai.com/v1: "
                          "OPENAI_API_KEY is not set (llm.api_key_env)"), err
    assert "--backend extractive" in err and "local server" in err
    assert requests == 0


def test_the_key_check_names_the_configured_variable_and_spares_local_servers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from paperdigest.config import Settings
    from paperdigest.errors import ConfigError
    from paperdigest.llm.client import ChatClient

    settings = Settings.model_validate({"llm": {"base_url": "https://api.deepseek.com/v1",
                                                "api_key_env": "DEEPSEEK_API_KEY"}})
    with pytest.raises(ConfigError, match="DEEPSEEK_API_KEY is not set") as info:
        ChatClient(settings)
    assert "\n" not in str(info.value)
    monkeypatch.setenv("DEEPSEEK_API_KEY", "")  # empty is unset
    with pytest.raises(ConfigError):
        ChatClient(settings)
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-test")
    ChatClient(settings).close()
    # vLLM / Ollama / llama.cpp on this machine take no key.
    local = Settings.model_validate({"llm": {"base_url": "http://localhost:11434/v1"}})
    ChatClient(local).close()


# ------------------------------------------------------------------ 3. run --ids, run --json


def test_ids_run_says_what_it_is_and_its_json_lists_the_failures(
        world: Any, corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """QA: ``run --ids 2601.99999,…`` printed "processing 0 papers of ids-2026-11-29" and
    its JSON said ``"listed_date": "<today>"``; ``run --json`` gave counts only. The unknown
    id is fixed by the fake arXiv API (it knows no 2601.99999)."""
    with FakeHF(corpus) as hf, FakeArxiv(corpus) as arxiv:
        world.serve(hf, arxiv)
        code = main(["run", "--ids", "2601.99999,2601.12538", "--json"])
        first = capsys.readouterr()
        assert main(["run", "--ids", "2601.99999,2601.12538"]) == code == 2
        second = capsys.readouterr()
    summary = json.loads(first.out)
    [day] = summary["days"]
    assert day["listed_date"] is None and day["source"] == "ids"
    assert (day["papers"], day["failed"]) == (2, 1)
    assert day["failures"] == [{"arxiv_id": "2601.99999", "stage": "list",
                                "reason": "unknown arXiv id (the arXiv API does not know it)"}]
    report = json.loads((world.dir / day["outputs"][1]).read_text(encoding="utf-8"))
    assert report["listed_date"] is None and report["source"] == "ids"
    assert report["ids"] == ["2601.99999", "2601.12538"]
    lines = second.err.splitlines()
    assert "processing 2 papers (--ids)" in lines, second.err
    assert any(line.startswith("[1/2] 2601.99999 FAILED at list: unknown arXiv id")
               for line in lines), second.err
    assert any(line.startswith("--ids: 1/2 papers summarized, 1 failed") for line in lines)
    assert not any("ids-" in line and "processing" in line for line in lines)


def test_a_days_run_json_names_its_source_and_its_failures(
        world: Any, corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A day's entry keeps its listed date, says ``daily_papers``, and its ``failures`` are
    the report's failed blocks one for one (here: a malformed list item, a failed block of
    its own)."""
    raw = [dict(item) for item in world.raw]
    raw[0]["paper"] = {"id": "not an id"}  # one malformed item: a failed block
    with FakeHF(corpus, days={DAY: raw}) as hf, FakeArxiv(corpus) as arxiv:
        world.serve(hf, arxiv)
        assert main(["run", "--date", DAY, "--json"]) == 2
        summary = json.loads(capsys.readouterr().out)
    [day] = summary["days"]
    assert day["listed_date"] == DAY and day["source"] == "daily_papers"
    report = json.loads((world.dir / day["outputs"][1]).read_text(encoding="utf-8"))
    failed = [{"arxiv_id": p["paper"]["arxiv_id"], "stage": p["failure"]["stage"],
               "reason": p["failure"]["reason"]} for p in report["papers"] if p.get("failure")]
    assert day["failures"] == failed and len(failed) == day["failed"] == 1
    assert failed[0]["stage"] == "list"


# ------------------------------------------------------------------ 4. one cost wording


@pytest.mark.parametrize(("cost", "calls", "lang", "short", "expected"), [
    (0.0, 0, "en", False, "$0 (no LLM calls)"),
    (0.0, 0, "zh", False, "$0（未调用 LLM）"),
    (0.0, 3, "en", False, "$0"),  # a model priced at 0
    (0.00001, 3, "en", False, "<$0.0001"),
    (0.25, 6, "zh", False, "$0.2500"),
    (1234.5, 9, "en", False, "$1234.5000"),
    (None, 5, "en", False, "unknown (no price for m: set [prices])"),
    (None, 5, "zh", True, "未知"),
])
def test_cost_is_written_one_way(cost: float | None, calls: int, lang: str, short: bool,
                                 expected: str) -> None:
    from paperdigest.render.markdown import cost_text

    assert cost_text(cost, llm_calls=calls, model="m", lang=lang, short=short) == expected


def test_extractive_cost_is_never_dollar_zero_point_zero(
        world: Any, corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """QA: the extractive report footer said ``费用：$0.0000``, as did ``status`` and its runs
    table, while README promises cost is never shown as ``$0.0000``."""
    with FakeHF(corpus) as hf, FakeArxiv(corpus) as arxiv:
        world.serve(hf, arxiv)
        assert main(["run", "--ids", "2601.12538", "--quiet"]) == 0
        assert main(["run", "--ids", "2601.12538", "--quiet", "--lang", "en",
                     "--out", "en"]) == 0
    capsys.readouterr()
    [zh] = (world.dir / "paperdigest-out").glob("ids-*.md")
    [en] = (world.dir / "en").glob("ids-*.md")
    assert "> LLM 调用：0 · 费用：$0（未调用 LLM）" in zh.read_text(encoding="utf-8")
    assert "> LLM calls: 0 · cost: $0 (no LLM calls)" in en.read_text(encoding="utf-8")
    assert main(["status"]) == 0
    text = capsys.readouterr().out
    assert "0.0000" not in text
    rows = [line for line in text.splitlines() if "extractive" in line]
    assert len(rows) == 2 and all("$0 (no LLM calls)" in row for row in rows), text
