"""The command line contract: help, usage errors mapped to exit 1, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from paperdigest.cli import cli, main


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        found.append(path)
        if isinstance(command, click.Group):
            found.extend(_commands(command, path))
    return found


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    paths = _commands(cli)
    assert {("run",), ("papers",), ("extract",), ("show",), ("status",), ("config", "show"),
            ("config", "init")} <= set(paths)
    assert main(["--help"]) == 0
    assert "Examples" in capsys.readouterr().out
    for path in paths:
        assert main([*path, "--help"]) == 0
        text = capsys.readouterr().out
        assert "Usage:" in text
        command = cli
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        assert command.help and len(command.help) > 30, path
        if not isinstance(command, click.Group) and path[0] != "config":
            assert "Example" in text, path


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "--date", "2026-02-30"], "2026-02-30"),
        (["run", "--date", "tomorrow"], "tomorrow"),
        (["run", "--date", "2999-01-01"], "future"),
        (["run", "--date", "2026-01-30", "--format", "pdf"], "format"),
        (["run", "--date", "2026-01-30", "--backend", "gpt"], "gpt"),
        (["run"], "exactly one"),
        (["run", "--ids", "not-an-id"], "not-an-id"),
        (["papers"], "--date"),
        (["nonsense"], "nonsense"),
        (["show", "12345"], "12345"),
    ],
)
def test_bad_input_exits_1_with_one_line(
    args: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert needle.lower() in captured.err.lower()
    error_lines = [line for line in captured.err.splitlines() if line.startswith("Error")]
    assert len(error_lines) == 1


def test_broken_config_file_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "paperdigest.toml").write_text('lang = "zh"\ncolour = "blue"\n')
    assert main(["config", "show"]) == 1
    err = capsys.readouterr().err
    assert "paperdigest.toml:2" in err and "colour" in err
    assert len(err.strip().splitlines()) == 1


def test_config_show_json_masks_key(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-abcdefghijkl9876")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    assert main(["config", "show", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["llm.base_url"] == {"value": "http://127.0.0.1:9/v1", "source": "env OPENAI_BASE_URL"}
    assert "abcdefghijkl" not in data["llm.api_key"]["value"]
    assert data["backend"]["source"] == "default"


def test_config_init_writes_valid_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["config", "init"]) == 0
    assert main(["config", "init"]) == 1  # refuses to overwrite
    assert main(["config", "show", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"source": "' in out
