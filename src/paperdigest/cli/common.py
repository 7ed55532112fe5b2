"""The click group, shared options and helpers for every command."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.logging import RichHandler

from .. import __version__
from ..config import LoadedSettings, load_settings
from ..errors import InputError

EXIT_OK = 0
EXIT_USAGE = 1
EXIT_PARTIAL = 2
EXIT_NOTHING = 3

# Piped or captured output gets wide tables, so that ids, costs and counts are never cut to
# "…" at rich's default 80 columns (a terminal keeps its own width).
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, soft_wrap=True)


class State:
    """Global options, passed to every command through the click context."""

    def __init__(self, config_file: Path | None, verbose: int) -> None:
        self.config_file = config_file
        self.verbose = verbose

    def settings(self, flags: dict[str, Any] | None = None) -> LoadedSettings:
        if self.config_file is not None and not self.config_file.is_file():
            # An explicit --config that is missing is a typo, not "no user config".
            raise InputError(
                f"config file {self.config_file} does not exist; create it with "
                f"`paperdigest --config {self.config_file} config init`"
            )
        return load_settings(flags=flags, config_file=self.config_file)


def now_utc() -> datetime:
    """Current time; ``PAPERDIGEST_NOW`` (ISO 8601, UTC) overrides it for tests and replays."""
    fixed = os.environ.get("PAPERDIGEST_NOW")
    if fixed:
        try:
            value = datetime.fromisoformat(fixed)
        except ValueError:
            raise InputError(f"PAPERDIGEST_NOW={fixed!r} is not an ISO 8601 time") from None
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.now(UTC)


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
    if not any(isinstance(h, RichHandler) for h in root.handlers):
        handler = RichHandler(console=err, show_path=False, markup=False, rich_tracebacks=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
        root.addHandler(handler)


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
    everything in SQLite and writes paperdigest-out/DATE.md and DATE.json.

    \b
    Examples:
      paperdigest run --date 2026-01-30
      paperdigest run --date 2026-01-30 --backend openai --model deepseek-chat
      paperdigest papers --date 2026-01-30 --json
      paperdigest config show
    """
    ctx.obj = State(config_file, verbose)
    setup_logging(verbose)
