"""The click group, shared options and helpers for every command."""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from .. import __version__
from ..clock import Now, clock_from_env
from ..config import LoadedSettings, load_settings
from ..errors import EXIT_INTERRUPTED, EXIT_NOTHING, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, InputError
from ..runtime import check_home

if TYPE_CHECKING:
    from ..pipeline import Pipeline

__all__ = ["EXIT_INTERRUPTED", "EXIT_NOTHING", "EXIT_OK", "EXIT_PARTIAL", "EXIT_USAGE", "State",
           "cli", "clock", "count", "err", "now_utc", "out", "print_json", "setup_logging",
           "stop_on_signals"]


class _Stdout(Console):
    """stdout: a reader that closed the pipe (``paperdigest ask … | head -1``) raises
    ``BrokenPipeError`` to the entry point, which exits quietly with 141
    (:data:`paperdigest.cli.EXIT_BROKEN_PIPE`); rich's default is ``SystemExit(1)``."""

    def on_broken_pipe(self) -> None:
        self.quiet = True  # nothing more is written
        raise BrokenPipeError


# Piped or captured output gets wide tables, so that ids, costs and counts are never cut to
# "…" at rich's default 80 columns (a terminal keeps its own width).
out = _Stdout(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, soft_wrap=True)


class State:
    """Global options, passed to every command through the click context."""

    def __init__(self, config_file: Path | None, verbose: int) -> None:
        self.config_file = config_file
        self.verbose = verbose

    def settings(self, flags: dict[str, Any] | None = None) -> LoadedSettings:
        if self.config_file is not None and not self.config_file.is_file():
            # An explicit --config that is missing is a typo, not "no user config".
            if self.config_file.exists():  # /dev/null, a FIFO, a directory
                raise InputError(
                    f"config file {self.config_file} is not a regular file; pass the path "
                    "of a TOML file (`paperdigest --config FILE config init` writes one)"
                )
            raise InputError(
                f"config file {self.config_file} does not exist; create it with "
                f"`paperdigest --config {self.config_file} config init`"
            )
        loaded = load_settings(flags=flags, config_file=self.config_file)
        check_home(loaded.settings.home)  # HOME='' would make ~/.paperdigest /.paperdigest
        return loaded


def now_utc() -> datetime:
    """Current time (UTC): the command's clock (:func:`clock`) read once; usable as a ``Now``."""
    return clock()()


def clock() -> Now:
    """The clock of this command: ``PAPERDIGEST_NOW`` (ISO 8601, UTC) pins it for tests and
    replays (:func:`paperdigest.clock.clock_from_env`).

    Raises:
        InputError: ``PAPERDIGEST_NOW`` is not an ISO 8601 time.
    """
    return clock_from_env()


@contextlib.contextmanager
def stop_on_signals(pipeline: Pipeline) -> Iterator[None]:
    """SIGTERM (``kill``, cron timeouts) ends a run like Ctrl-C: the pipeline stops taking
    papers, what is done is written, the run is marked ``interrupted`` and the command exits
    130. Only in the main thread (signal handlers can be installed nowhere else)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        pipeline.stop()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def setup_logging(verbose: int, quiet: bool = False) -> None:
    level = logging.WARNING
    if quiet:
        level = logging.ERROR
    elif verbose == 1:
        level = logging.INFO
    elif verbose >= 2:
        level = logging.DEBUG
    root = logging.getLogger("paperdigest")
    root.setLevel(level)
    if not any(isinstance(h, LineHandler) for h in root.handlers):
        handler = LineHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        root.addHandler(handler)


class LineHandler(logging.Handler):
    """Log records as plain ``Warning: …`` lines on stderr, like the CLI's own warnings: one
    line per record however wide the terminal (a RichHandler wraps a long URL over 4 lines of
    an 80-column pipe), printed above a live progress bar (same console). -vv adds the level
    and logger name to every line."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
            prefix = {logging.WARNING: "Warning: ", logging.ERROR: "Error: ",
                      logging.CRITICAL: "Error: "}.get(record.levelno, "")
            if logging.getLogger("paperdigest").getEffectiveLevel() <= logging.DEBUG:
                prefix = f"{record.levelname} {record.name}: "
            err.print(prefix + text, markup=False, highlight=False, soft_wrap=True)
        except Exception:  # noqa: BLE001 - logging must never raise (logging.Handler.emit)
            self.handleError(record)


def count(n: int, noun: str) -> str:
    """``1 day``, ``2 days``, ``0 files``: a number and its noun in English (plural ``-s``)."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="paperdigest")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="User config file (default: $PAPERDIGEST_HOME/config.toml).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.pass_context
def cli(ctx: click.Context, config_file: Path | None, verbose: int) -> None:
    """Turn a day of Hugging Face Daily Papers into a verified reading report.

    paperdigest lists the day's papers, reads each one's full text (arXiv HTML, else PDF,
    else the abstract), summarizes it in five parts (extractive by default, or with any
    OpenAI-compatible LLM), checks every number and name against the paper, stores
    everything in SQLite and writes the report to:

    \b
      paperdigest-out/DATE.md and paperdigest-out/DATE.json

    Run without a command to see this help (exit 0). Bad input is one "Error:" line and
    exit 1; `run --help`, `backfill --help` and `send --help` list the other exit codes.
    When the reader of stdout stops early (`paperdigest ask … | head -1`), paperdigest
    stops quietly with exit 141, as a program ended by SIGPIPE.

    \b
    Examples:
      paperdigest run --date 2026-01-30
      paperdigest run --date 2026-01-30 --backend openai --model deepseek-chat
      paperdigest papers --date 2026-01-30 --json
      paperdigest config show
    """
    ctx.obj = State(config_file, verbose)
    setup_logging(verbose)
