"""Command line: options → library → exit codes (DESIGN §4, README "Exit codes").

Exit codes: 0 all papers summarized; 1 usage/config/input/output error, bad API key, store
locked, read-only or corrupt; 2 some papers failed or were degraded by a server fault (the
report is still written); 3 nothing could be done (no list within the look-back window, or the
list source unreachable); 130 interrupted; 141 stdout's reader closed the pipe early
(``… | head -1``: nothing more is printed, as a program ended by SIGPIPE). Click's own usage
errors (exit 2 in click) are mapped to 1, because our 2 means "some papers failed", and are
printed as one line (:func:`usage_line`). A bare ``paperdigest`` (or ``paperdigest config``)
prints its help on stdout and exits 0. Library errors map through one function,
:func:`paperdigest.errors.exit_code_for` (each error carries its exit code).
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
    EXIT_OK,
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

__all__ = ["EXIT_BROKEN_PIPE", "cli", "entry", "main", "usage_line"]

_err = Console(stderr=True, soft_wrap=True)
logger = logging.getLogger("paperdigest")


def _say(text: str) -> None:
    _err.print(text, markup=False, highlight=False)


#: Exit status when stdout's reader closed the pipe early (``… | head -1``): 128 + SIGPIPE,
#: what a shell reports for a program ended by SIGPIPE (``yes | head -1``), with nothing
#: printed (the Python docs' "Note on SIGPIPE" recipe, :func:`entry`).
EXIT_BROKEN_PIPE = 128 + 13


def usage_line(exc: click.UsageError) -> str:
    """One line for a click usage error: ``--k: 0 is not in the range 1<=x<=50
    (paperdigest ask --help)`` — the option or argument, what is wrong with it, and which
    help to read. Click's own text spans two or more lines (the ``Try … --help`` line, a
    missing choice's one line per choice)."""
    param = exc.param if isinstance(exc, click.BadParameter) else None
    hint = getattr(exc, "param_hint", None)
    if hint is None and param is not None:
        hint = _param_name(param)
    elif hint is not None and not isinstance(hint, str):
        hint = " / ".join(hint)
    if isinstance(exc, click.MissingParameter) and not exc.message:
        kind = exc.param_type or (param.param_type_name if param is not None else "parameter")
        text = f"missing {kind} {hint}" if hint else f"missing {kind}"
        if param is not None and isinstance(param.type, click.Choice):
            text += f" (one of: {', '.join(str(c) for c in param.type.choices)})"
    elif isinstance(exc, click.BadParameter) and hint:
        text = f"{hint}: {exc.message}"
    else:
        text = exc.format_message()
    text = " ".join(text.split()).rstrip(".")
    if exc.ctx is not None:
        text += f" ({exc.ctx.command_path} --help)"
    return text


def _stdout_closed() -> bool:
    """Whether click found stdout's pipe closed (it then wraps ``sys.stdout`` in its
    ``_PacifyFlushWrapper``, click ≥ 7, ``click.core.BaseCommand.main``)."""
    return type(sys.stdout).__name__ == "_PacifyFlushWrapper"


def _param_name(param: click.Parameter) -> str:
    """``--k`` for an option (its long name), ``QUESTION`` for an argument."""
    if isinstance(param, click.Option):
        longs = [o for o in param.opts if o.startswith("--")]
        return (longs or param.opts)[0]
    return param.human_readable_name


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (never raises, never prints a traceback)."""
    try:
        result = cli.main(args=list(argv) if argv is not None else None,
                          prog_name="paperdigest", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except SystemExit:
        # click ends a command whose output met a closed pipe (EPIPE) with exit 1, after
        # wrapping stdout so that later flushes stay silent: that is no error of ours.
        if _stdout_closed():
            return EXIT_BROKEN_PIPE
        raise
    except click.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx is not None:
            # A bare `paperdigest` (or `paperdigest config`) asks what there is: the help,
            # on stdout, exit 0 (as click < 8.2 did and `--help` does).
            click.echo(exc.ctx.get_help())
            return 0
        _say(f"Error: {usage_line(exc)}")
        return EXIT_USAGE
    except BrokenPipeError:
        # stdout's reader went away (`paperdigest ask … | head -1`): see entry().
        return EXIT_BROKEN_PIPE
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
        # One line (README), the -vv pointer included; an error that ends a command with
        # exit 0 (NoStoreError: nothing to read yet) is a plain line, no "Error:".
        message = " ".join(str(exc).split()) or type(exc).__name__
        code = exit_code_for(exc)
        if not exc.user_facing:
            logger.debug("details", exc_info=exc)
            if logger.getEffectiveLevel() > logging.DEBUG:
                message += "; rerun with -vv for details"
        _say(message if code == EXIT_OK else f"Error: {message}")
        return code
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
    try:
        sys.stdout.flush()  # what is still buffered may meet a closed pipe too
    except BrokenPipeError:
        code = EXIT_BROKEN_PIPE
    if code == EXIT_BROKEN_PIPE:
        # https://docs.python.org/3/library/signal.html#note-on-sigpipe: point stdout at
        # devnull so that the interpreter's final flush cannot fail again, and exit quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(code)
    if code == EXIT_INTERRUPTED:
        # Reports and the run record are written; worker threads may still wait on a
        # request: do not let the interpreter join them (Ctrl-C must end within seconds).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
