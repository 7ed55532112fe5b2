"""The CLI surface a fresh user meets (QA 2026-11-29): one-line usage errors, help with
examples everywhere, one wording per error, a closed stdout pipe, the data directory."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import click
import pytest

from paperdigest.cli import EXIT_BROKEN_PIPE, cli, main
from paperdigest.dates import iso_weeks, parse_week
from paperdigest.errors import InputError

REPO = Path(__file__).resolve().parent.parent


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    assert "Traceback" not in err and "Try '" not in err
    return lines[0]


# ------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(("args", "line"), [
    (["ask", "x", "--k", "0"],
     "Error: --k: 0 is not in the range 1<=x<=50 (paperdigest ask --help)"),
    (["run", "--date", "2026-01-30", "--lang", "fr"],
     "Error: --lang: 'fr' is not one of 'zh', 'en' (paperdigest run --help)"),
    (["run", "--date", "2026-01-30", "--backend", "gpt"],
     "Error: --backend: 'gpt' is not one of 'extractive', 'openai' (paperdigest run --help)"),
    (["run", "--date", "2026-01-30", "--concurrency", "0"],
     "Error: --concurrency: 0 is not in the range 1<=x<=256 (paperdigest run --help)"),
    (["run", "--date", "2026-01-30", "--format", "pdf"],
     "Error: --format: unknown format 'pdf'; available: md, json (paperdigest run --help)"),
    (["send", "--date", "2026-01-30"],
     "Error: missing option --to (one of: email, webhook) (paperdigest send --help)"),
    (["ask"], "Error: missing argument QUESTION (paperdigest ask --help)"),
    (["backfill", "--from", "2026-01-01"],
     "Error: missing option --to (paperdigest backfill --help)"),
])
def test_usage_errors_are_one_line_and_exit_1(args: list[str], line: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 1  # README "Exit codes": 1 = usage error
    captured = capsys.readouterr()
    assert _one_error_line(captured.err) == line
    assert captured.out == ""


@pytest.mark.parametrize("args", [[], ["config"]])
def test_a_bare_command_prints_its_help_on_stdout_and_exits_0(
        args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"Usage: paperdigest {' '.join(args)}".rstrip() + " [OPTIONS]")
    assert "Examples:" in captured.out and captured.err == ""


# --------------------------------------------------------------------------------- help


def _walk(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...],
                                                                         click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = []
    for name, command in group.commands.items():
        found.append(((*path, name), command))
        if isinstance(command, click.Group):
            found.extend(_walk(command, (*path, name)))
    return found


COMMANDS = [((), cli), *_walk(cli)]


@pytest.mark.parametrize(("path", "command"), COMMANDS,
                         ids=[" ".join(p) or "paperdigest" for p, _ in COMMANDS])
def test_every_command_has_examples_and_every_option_help(
        path: tuple[str, ...], command: click.Command,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*path, "--help"]) == 0
    text = capsys.readouterr().out
    block = re.search(r"^  Examples:\n((?:    paperdigest .*\n|    \S+=\S* paperdigest .*\n)+)",
                      text, re.MULTILINE)
    assert block is not None, f"{path}: no 'Examples:' block of paperdigest command lines"
    if path:  # a command's examples use that command
        assert any(" ".join(path) in line for line in block.group(1).splitlines()), path
    undocumented = [p.name for p in command.params
                    if isinstance(p, click.Option) and not (p.help or "").strip()]
    assert undocumented == [], f"{path}: options without help text: {undocumented}"


@pytest.mark.parametrize("columns", ["60", "80", "100", "160"])
def test_the_report_path_is_never_split_in_the_help(
        columns: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert "paperdigest-out/DATE.md" in text
    assert not re.search(r"paperdigest-\s", text)


# -------------------------------------------------------------- one wording per error


@pytest.mark.parametrize("command", [["run"], ["ask", "web agents"], ["backfill"]])
def test_an_inverted_range_is_worded_once(command: list[str],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--from", "2026-01-26", "--to", "2026-01-22"]) == 1
    assert _one_error_line(capsys.readouterr().err) == (
        "Error: invalid range: --from 2026-01-26 is after --to 2026-01-22; swap them")


def test_iso_week_counts() -> None:
    # By hand from the calendar: a year has 53 ISO weeks when it starts on a Thursday, or on
    # a Wednesday in a leap year (2015 and 2026 start on Thursday, 2020 is a leap year
    # starting on Wednesday); 2024 (leap, Monday) and 2025 (Wednesday, not leap) have 52.
    assert [iso_weeks(y) for y in (2015, 2020, 2024, 2025, 2026)] == [53, 53, 52, 52, 53]


@pytest.mark.parametrize(("week", "message"), [
    ("2026-W60", ("invalid week '2026-W60': week 60 does not exist: 2026 has 53 ISO "
                  "weeks (W01 to W53)")),
    ("2025-W53", ("invalid week '2025-W53': week 53 does not exist: 2025 has 52 ISO "
                  "weeks (W01 to W52)")),
    ("2026-W00", ("invalid week '2026-W00': week 0 does not exist: 2026 has 53 ISO "
                  "weeks (W01 to W53)")),
])
def test_a_week_that_does_not_exist(week: str, message: str,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InputError) as info:
        parse_week(week)
    assert str(info.value) == message
    assert parse_week("2026-W53") == (date(2026, 12, 28), date(2027, 1, 3))
    assert main(["run", "--week", week]) == 1
    assert _one_error_line(capsys.readouterr().err) == f"Error: {message}"


def test_extract_of_nothing_asks_for_an_id_or_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", ""]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "give an arXiv id" in line and "directory" not in line


# ------------------------------------------------------------------ the data directory


def test_a_data_directory_that_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "afile"
    file.write_text("x")
    monkeypatch.setenv("PAPERDIGEST_HOME", str(file))
    assert main(["status"]) == 1
    assert _one_error_line(capsys.readouterr().err) == (
        f"Error: the data directory {file} is a file, not a directory; set PAPERDIGEST_HOME "
        "to a directory")
    monkeypatch.setenv("PAPERDIGEST_HOME", str(file / "sub"))
    assert main(["status"]) == 1
    assert f"{file} is a file, not a directory" in _one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("command", [["status"], ["config", "init"]])
def test_an_empty_home_is_refused(command: list[str], tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PAPERDIGEST_HOME")
    monkeypatch.setenv("HOME", "")
    assert main(command) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "HOME is empty" in line and "set PAPERDIGEST_HOME" in line
    # With PAPERDIGEST_HOME set an empty HOME does not matter.
    monkeypatch.setenv("PAPERDIGEST_HOME", str(tmp_path / "home"))
    assert main(command) == 0


def test_site_counts_in_english(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("jinja2", reason="the [web] extra is not installed")
    from paperdigest.store import Store
    from tests.fakes.archive import add_second_day

    with Store(Path(os.environ["PAPERDIGEST_HOME"]) / "paperdigest.sqlite3") as st:
        add_second_day(st)  # one day in the store
    assert main(["site", "--out", str(tmp_path / "site")]) == 0
    line = capsys.readouterr().err.strip()
    assert line.startswith("1 day, 1 rendered, ") and " files written in " in line


# ------------------------------------------------------------------------ broken pipe


@pytest.mark.parametrize("args", [["--help"], ["config", "show"], ["config", "show", "--json"]])
def test_a_closed_stdout_pipe_exits_141_quietly(args: list[str], tmp_path: Path) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written (`| head -0`)
    try:
        proc = subprocess.run([sys.executable, "-m", "paperdigest", *args], check=False,
                              stdout=write,
                              stderr=subprocess.PIPE, text=True, cwd=tmp_path, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    finally:
        os.close(write)
    assert (proc.returncode, proc.stderr) == (EXIT_BROKEN_PIPE, "")
    assert EXIT_BROKEN_PIPE == 141  # 128 + SIGPIPE, what a shell shows for `yes | head -1`
