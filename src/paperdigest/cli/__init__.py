"""Command line: options → library → exit codes (DESIGN §4, README "Exit codes").

Exit codes: 0 all papers summarized; 1 usage/config/input/output error, bad API key, store
locked, read-only or corrupt; 2 some papers failed or were degraded by a server fault (the
report is still written); 3 nothing could be done (no list within the look-back window, or the
list source unreachable); 130 interrupted. Click's own usage errors (exit 2 in click) are
mapped to 1, because our 2 means "some papers failed". Library errors map through one
function, :func:`paperdigest.errors.exit_code_for` (each error carries its exit code).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

import click
from rich.console import Console

from ..errors import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    PaperdigestError,
    describe_os_error,
    exit_code_for,
)

# Register the commands on the group.
from . import ask as _ask  # noqa: F401
from . import backfill as _backfill  # noqa: F401
from . import info as _info  # noqa: F401
from . import run as _run  # noqa: F401
from . import send as _send  # noqa: F401
from . import web as _web  # noqa: F401
from .common import cli

__all__ = ["cli", "entry", "main"]

_err = Console(stderr=True, soft_wrap=True)
logger = logging.getLogger("paperdigest")


def _say(text: str) -> None:
    _err.print(text, markup=False, highlight=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (never raises, never prints a traceback)."""
    try:
        result = cli.main(args=list(argv) if argv is not None else None,
                          prog_name="paperdigest", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:
        _say(f"Error: {exc.format_message()}")
        if exc.ctx is not None:
            _say(f"Try '{exc.ctx.command_path} --help' for help.")
        return EXIT_USAGE
    except click.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # click wraps Ctrl-C / SIGTERM
            _say("Interrupted; completed papers are stored and written, rerun to finish.")
            return EXIT_INTERRUPTED
        _say("Aborted.")
        return EXIT_USAGE
    except click.ClickException as exc:
        _say(f"Error: {exc.format_message()}")
        return EXIT_USAGE
    except PaperdigestError as exc:
        # One mapping, driven by the error: its message, its exit code; an error whose
        # message is not meant for users alone gets a pointer to the details.
        message = " ".join(str(exc).split()) or type(exc).__name__
        _say(f"Error: {message}")
        if not exc.user_facing:
            logger.debug("details", exc_info=exc)
            if logger.getEffectiveLevel() > logging.DEBUG:
                _say("(rerun with -vv for details)")
        return exit_code_for(exc)
    except KeyboardInterrupt:
        _say("Interrupted; completed papers are stored and written, rerun to finish.")
        return EXIT_INTERRUPTED
    except OSError as exc:
        # The environment: a read-only or full disk, a path that is a device…
        _say(f"Error: {describe_os_error(exc)}")
        return EXIT_USAGE
    except (MemoryError, RecursionError) as exc:
        _say(f"Error: input too large or too deeply nested ({type(exc).__name__})")
        return EXIT_USAGE
    if isinstance(result, int):
        return result
    return 0


def entry() -> None:
    """Console-script entry point."""
    logging.captureWarnings(True)
    code = main()
    if code == EXIT_INTERRUPTED:
        # Reports and the run record are written; worker threads may still wait on a
        # request: do not let the interpreter join them (Ctrl-C must end within seconds).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
