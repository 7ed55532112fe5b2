"""QA 2026-11-29, second fresh-user pass: bounded durations/sizes, line numbers of
``[prices]`` errors, read commands on a home without a store, one-line network errors, the
corpus option of the demo servers and the demo LLM's answers to ``ask`` prompts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from paperdigest.cli import main
from paperdigest.config import read_config_file
from paperdigest.errors import EXIT_OK, ConfigError, HTTPError

REPO = Path(__file__).resolve().parents[1]

# Keys x absurd values: a float that overflowed the clocks (1e308, 1e12 s), a rate whose
# interval overflows (1e-300 requests/s), sizes and counts far past anything real.
ABSURD = [
    ("http", "timeout", "1e308"),
    ("http", "timeout", "1e12"),
    ("http", "deadline", "1e12"),
    ("http", "max_wait", "1e308"),
    ("http", "backoff_base", "1e308"),
    ("http", "backoff_max", "1e12"),
    ("http", "retries", "1000000"),
    ("http", "max_body_mb", "1e308"),
    ("llm", "timeout", "1e12"),
    ("llm", "context_tokens", "1000000000000"),
    ("llm", "max_output_tokens", "1000000000000"),
    ("limits", "hf", "1e-300"),
    ("limits", "arxiv", "1e308"),
    ("limits", "arxiv_api", "1e-300"),
    ("limits", "llm", "1e308"),
    ("limits", "webhook", "1e-300"),
    (None, "pdf_timeout", "1e308"),
]


@pytest.mark.parametrize(("table", "key", "value"), ABSURD)
def test_absurd_durations_sizes_and_rates_are_one_config_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    table: str | None, key: str, value: str,
) -> None:
    header = f"[{table}]\n" if table else ""
    (tmp_path / "paperdigest.toml").write_text(f"{header}{key} = {value}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["config", "show"]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    dotted = f"{table}.{key}" if table else key
    line = 2 if table else 1
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"Error: {tmp_path / 'paperdigest.toml'}:{line}: key '{dotted}': ")


@pytest.mark.parametrize(("table", "key", "value"), [
    ("http", "timeout", "86400"), ("llm", "timeout", "86400"), ("http", "max_wait", "0"),
    ("limits", "arxiv_api", "0.0001"), ("http", "max_body_mb", "4096"),
])
def test_the_bounds_themselves_are_accepted(tmp_path: Path, table: str, key: str,
                                            value: str) -> None:
    path = tmp_path / "paperdigest.toml"
    path.write_text(f"[{table}]\n{key} = {value}\n", encoding="utf-8")
    assert read_config_file(path)[table][key] == float(value)


@pytest.mark.parametrize(("body", "line", "key"), [
    ('backend = "extractive"\n[prices]\n"gpt-4o" = [-1, 2]\n', 3, "prices.gpt-4o.0"),
    ('[prices]\ngpt = [1, "a"]\n', 2, "prices.gpt.1"),
    ("[prices]\n'deepseek-chat' = [1]\n", 2, "prices.deepseek-chat.1"),
    ('[llm]\nmodel = "m"\n[prices]\nm = [1, 2]\nx = 3\n', 5, "prices.x"),
])
def test_prices_errors_name_their_line(tmp_path: Path, body: str, line: int, key: str) -> None:
    path = tmp_path / "paperdigest.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_config_file(path)
    assert str(caught.value).startswith(f"{path}:{line}: key '{key}': ")


def test_a_key_is_found_under_its_own_table(tmp_path: Path) -> None:
    path = tmp_path / "paperdigest.toml"
    path.write_text("[llm]\ntimeout = 60\n[http]\ntimeout = 1e308\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r":4: key 'http.timeout'"):
        read_config_file(path)


@pytest.mark.parametrize("argv", [
    ["status"], ["status", "--json"], ["show", "2601.21872"], ["ask", "what is GRPO"],
    ["site", "--out", "SITE"], ["serve", "--port", "0"],
])
def test_read_commands_on_a_home_without_a_store_create_nothing(
    _isolated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], argv: list[str],
) -> None:
    home = _isolated / "fresh"  # not even the directory exists yet
    monkeypatch.setenv("PAPERDIGEST_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    argv = [str(tmp_path / "site") if a == "SITE" else a for a in argv]
    capsys.readouterr()
    assert main(argv) == EXIT_OK
    captured = capsys.readouterr()
    assert captured.err.strip().splitlines() == [
        f"no store yet at {home / 'paperdigest.sqlite3'}: run `paperdigest run` first"]
    assert not home.exists()
    assert list(tmp_path.iterdir()) == []
    # send is not a read: with no store nothing is sent, which is a failure
    # (tests/test_delivery_checks.py::test_send_without_a_store_is_an_error_not_an_empty_read).


def test_a_network_error_is_one_line_with_the_details_pointer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    from paperdigest.cli import info

    def fail(*args: Any, **kwargs: Any) -> None:
        raise HTTPError("cannot connect to https://huggingface.co: connection refused")

    monkeypatch.setattr(info, "open_store", fail)
    capsys.readouterr()
    assert main(["status"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        ("Error: cannot connect to https://huggingface.co: connection refused; "
        "rerun with -vv for details")]


# ------------------------------------------------------------------ the demo servers
def _python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=REPO, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120, check=False)


def test_serve_and_eval_ask_take_the_corpus_from_the_flag_or_the_environment(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no-corpus"
    from_env = tmp_path / "env-corpus"
    for args in (["-m", "tests.fakes.serve"], ["bench/eval_ask.py"]):
        by_env = _python(args, {"PAPERDIGEST_CORPUS": str(from_env)})
        assert by_env.returncode != 0 and str(from_env) in by_env.stderr, by_env.stderr
        by_flag = _python([*args, "--corpus", str(missing)],
                          {"PAPERDIGEST_CORPUS": str(from_env)})
        assert by_flag.returncode != 0 and str(missing) in by_flag.stderr, by_flag.stderr
        assert str(from_env) not in by_flag.stderr


def _request(messages: list[dict[str, str]], mode: str) -> dict[str, Any]:
    request: dict[str, Any] = {"model": "replay", "messages": messages}
    if mode != "text":
        request["response_format"] = {"type": "json_object"}
    return request


@pytest.mark.parametrize("mode", ["json_object", "text"])
def test_the_demo_llm_answers_ask_prompts(reference_report: Path, mode: str) -> None:
    from paperdigest.ask.answer import _messages, cite_key
    from paperdigest.ask.expand import _messages as expansion_messages
    from paperdigest.ask.retrieve import Passage
    from tests.fakes.serve import replay_responder

    respond = replay_responder(reference_report)
    passages = [Passage(id=1, arxiv_id="2601.21872", kind="abstract", label="", lang="",
                        text="We propose GRPO-X. It beats PPO by 3.2 points.", score=2.0),
                Passage(id=2, arxiv_id="2601.00001", kind="abstract", label="", lang="",
                        text="Another paper.", score=1.0)]
    cite = cite_key(passages[0], "en")
    answer = respond(_request(_messages("What is GRPO-X?", passages, {}, "en", mode), mode))
    if mode == "text":
        assert answer == f"We propose GRPO-X. [{cite}]"
    else:
        assert answer == {"sentences": [{"text": "We propose GRPO-X.", "cite": [cite]}],
                          "found": True}
    terms = respond(_request(expansion_messages("How does GRPO compare with PPO on MATH?",
                                                mode), mode))
    expected = ["How", "GRPO", "PPO", "MATH"]
    assert terms == ({"terms": expected} if mode != "text" else "\n".join(expected))
    # A summary request still gets the replay (or its refusal), never the demo answer.
    refusal = respond(_request([{"role": "user", "content": "arXiv: 2601.99999\nsummarize"}],
                               mode))
    assert "refusal" in json.dumps(refusal)
