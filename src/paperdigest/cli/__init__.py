"""Command line: options → library → exit codes (DESIGN §4).

Exit codes: 0 all papers summarized; 1 usage/config error, bad API key, store locked or
corrupt; 2 some papers failed (the report is still written); 3 nothing could be done (no list
within the look-back window, or the list source unreachable). Click's own usage errors
(exit 2 in click) are mapped to 1, because our 2 means "some papers failed".
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import click
from rich.console import Console

from ..errors import NoPapersError, PaperdigestError, SourceError

# Register the commands on the group.
from . import info as _info  # noqa: F401
from . import run as _run  # noqa: F401
from .common import EXIT_NOTHING, EXIT_USAGE, cli

__all__ = ["cli", "entry", "main"]

_err = Console(stderr=True, soft_wrap=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (never raises for user errors)."""
    try:
        result = cli.main(args=list(argv) if argv is not None else None,
                          prog_name="paperdigest", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:
        _err.print(f"Error: {exc.format_message()}", markup=False, highlight=False)
        if exc.ctx is not None:
            _err.print(f"Try '{exc.ctx.command_path} --help' for help.", markup=False,
                       highlight=False)
        return EXIT_USAGE
    except click.Abort:
        _err.print("Aborted.")
        return EXIT_USAGE
    except click.ClickException as exc:
        _err.print(f"Error: {exc.format_message()}", highlight=False, markup=False)
        return EXIT_USAGE
    except (NoPapersError, SourceError) as exc:
        _err.print(f"Error: {exc}", highlight=False, markup=False)
        return EXIT_NOTHING
    except PaperdigestError as exc:
        _err.print(f"Error: {exc}", highlight=False, markup=False)
        return EXIT_USAGE
    except KeyboardInterrupt:
        _err.print("Interrupted; completed papers are stored, rerun to finish.")
        return 130
    if isinstance(result, int):
        return result
    return 0


def entry() -> None:
    """Console-script entry point."""
    logging.captureWarnings(True)
    sys.exit(main())
