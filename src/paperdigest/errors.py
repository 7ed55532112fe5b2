"""The paperdigest exception tree.

Every error raised by the library derives from :class:`PaperdigestError`, so callers
(the CLI, the pipeline) catch exactly one base class::

    PaperdigestError                                          stage      exit
    ├── ConfigError            broken/unknown config keys, bad values       (user-facing)  config     1
    ├── InputError             bad date, malformed arXiv id, bad range      (user-facing)  input      1
    │   └── OutputError        --out cannot be created/written, disk full   (user-facing)  output     1
    ├── SourceError            listing a day failed                                        list       3
    │   └── NoPapersError      nothing listed within the look-back window                  list       3
    ├── HTTPError              a request failed after retries (url, status)                fetch      1
    │   ├── NotFoundError      404
    │   ├── RateLimitedError   429/503 after all retries, or asked to wait > http.max_wait
    │   ├── DeadlineExceededError no complete answer within the request's total deadline
    │   └── BodyTooLargeError  body over the configured size cap
    ├── FetchError             no usable full text/abstract for one paper                  fetch      1
    ├── ExtractionError        a page/PDF cannot be turned into a Document                 extract    1
    ├── VerifyError            the claim check crashed on one summary                      verify     1
    ├── LLMError               the LLM backend failed                                      summarize  1
    │   ├── AuthError          401/403: bad key — stop the run        (user-facing)
    │   ├── ContextLengthError prompt too long: repack smaller and retry
    │   ├── LLMUnavailableError cannot connect after retries: later papers fail fast
    │   └── LLMOutputError     empty/invalid/refused output after repair
    ├── StoreError             the SQLite store failed                                     store      1
    │   ├── StoreLockedError   another run holds the data dir        (user-facing)
    │   ├── StoreReadOnlyError the data dir or store is not writable  (user-facing)
    │   ├── NoStoreError       a read command found no store yet      (user-facing)      0
    │   └── StoreCorruptError  not a paperdigest database / corrupt   (user-facing)
    └── ReportFormatError      a daily report lacks the reference layout                   render     1

``stage`` is the pipeline stage a per-paper failure is recorded under (DESIGN §2's
``> ❌ 未能生成：{stage}: {reason}``); ``exit_code`` is what the CLI exits with when the error
ends a command (one mapping: :func:`exit_code_for`). ``user_facing`` says whether the message
alone tells the user what to fix; the CLI prints other errors with a hint to rerun with ``-v``
(which logs the traceback). Per-paper failures never end a run; they make it exit
:data:`EXIT_PARTIAL`; only :data:`RUN_ENDING` errors (a rejected key, a corrupt store) do.

Errors that carry fields implement ``__reduce__`` so they survive pickling across the
PDF worker process boundary.
"""

from __future__ import annotations

from typing import Any

#: Exit codes of ``paperdigest`` (README "Exit codes"; DESIGN §4 as amended by issue 11).
EXIT_OK = 0
"""Every paper summarized from the source it should have been read from."""
EXIT_USAGE = 1
"""Usage, config, input or environment error; bad API key; store locked, read-only or corrupt."""
EXIT_PARTIAL = 2
"""Some papers failed, or were read from a worse source because a server failed (report written)."""
EXIT_NOTHING = 3
"""Nothing could be done: no list within the look-back window, the list source unreachable, or
no paper done because the LLM server was unreachable (``LLMUnavailableError``)."""
EXIT_INTERRUPTED = 130
"""Interrupted (Ctrl-C / SIGTERM): what was done is stored and written, the run marked so."""


class PaperdigestError(Exception):
    """Base class of every paperdigest error."""

    #: True when the message alone tells a user what went wrong and how to fix it.
    user_facing: bool = False
    #: Pipeline stage under which a per-paper failure of this kind is recorded.
    stage: str = "run"
    #: Exit code of a command that this error ends.
    exit_code: int = EXIT_USAGE


class ConfigError(PaperdigestError):
    """The configuration is invalid (file, line and key are in the message)."""

    user_facing = True
    stage = "config"


class InputError(PaperdigestError):
    """A date, id or range given by the user is invalid."""

    user_facing = True
    stage = "input"


class OutputError(InputError):
    """The output directory cannot be created or written (checked before any network work),
    or writing a report failed (e.g. the disk is full); the last good report is kept."""

    stage = "output"


class SourceError(PaperdigestError):
    """The paper list could not be obtained."""

    stage = "list"
    exit_code = EXIT_NOTHING


class NoPapersError(SourceError):
    """No paper list was found for the date nor within the look-back window."""

    user_facing = True


class HTTPError(PaperdigestError):
    """An HTTP request failed after all retries."""

    stage = "fetch"

    #: Start of the error response body, when there was one (e.g. arXiv's "No HTML for …").
    body: str = ""
    #: The server's own message (one line), when it sent one.
    detail: str = ""
    #: Requests the failed logical request cost, when retries ran out.
    attempts: int | None = None

    def __init__(self, message: str, url: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.url, self.status))


class NotFoundError(HTTPError):
    """The server answered 404."""


class RateLimitedError(HTTPError):
    """The server kept answering 429/503 after all retries."""

    def __init__(
        self, message: str, url: str = "", status: int | None = 429, retry_after: float | None = None
    ) -> None:
        super().__init__(message, url, status)
        self.retry_after = retry_after

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.url, self.status, self.retry_after))


class BodyTooLargeError(HTTPError):
    """The response body exceeded the configured size cap."""


class DeadlineExceededError(HTTPError):
    """No complete answer within the request's total deadline (``http.deadline``, or
    ``llm.timeout`` for LLM calls): connect and every read included."""


class FetchError(PaperdigestError):
    """No usable text (HTML, PDF or abstract) could be fetched for a paper."""

    stage = "fetch"


class ExtractionError(PaperdigestError):
    """A page or PDF could not be turned into a Document."""

    stage = "extract"

    def __init__(self, message: str, reason: str = "unknown") -> None:
        super().__init__(message)
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.reason))


class VerifyError(PaperdigestError):
    """Checking a summary's claims against the source failed unexpectedly."""

    stage = "verify"


class LLMError(PaperdigestError):
    """The LLM backend failed."""

    stage = "summarize"


class AuthError(LLMError):
    """The LLM server rejected the API key (401/403)."""

    user_facing = True


class ContextLengthError(LLMError):
    """The prompt exceeded the model's context window."""


class LLMUnavailableError(LLMError):
    """The LLM server could not be reached, even after retries."""


class LLMOutputError(LLMError):
    """The model's answer was empty, invalid or a refusal, even after repair."""


class StoreError(PaperdigestError):
    """The SQLite store failed."""

    stage = "store"


class StoreLockedError(StoreError):
    """Another paperdigest run holds the data directory."""

    user_facing = True


class StoreReadOnlyError(StoreError):
    """The data directory or the store file cannot be written (read-only file system,
    permissions); the data in it is intact."""

    user_facing = True


class NoStoreError(StoreError):
    """A command that only reads found no store yet (nothing is created); not a failure:
    the CLI prints the message as is and exits 0."""

    user_facing = True
    exit_code = EXIT_OK


class StoreCorruptError(StoreError):
    """The database file is corrupt or is not a paperdigest database."""

    user_facing = True


class ReportFormatError(PaperdigestError, ValueError):
    """A daily report does not have the reference layout (header, separators, blocks)."""

    stage = "render"


#: Errors that end a whole run instead of failing one paper, because every other paper
#: would fail the same way: a rejected API key, a damaged store.
RUN_ENDING: tuple[type[PaperdigestError], ...] = (AuthError, StoreCorruptError)


def exit_code_for(exc: BaseException) -> int:
    """The exit code of a command ended by ``exc`` (the CLI's one mapping).

    A :class:`PaperdigestError` carries its own; ``KeyboardInterrupt`` is
    :data:`EXIT_INTERRUPTED`; anything else is :data:`EXIT_USAGE`.
    """
    if isinstance(exc, PaperdigestError):
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    return EXIT_USAGE


def describe_os_error(exc: OSError) -> str:
    """One line for an operating-system error that reached the top: what failed, on which
    path, and the usual fix (e.g. ``No space left on device: /out/x.md; free space …``)."""
    import errno

    where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
    text = exc.strerror or str(exc) or type(exc).__name__
    hints = {
        errno.ENOSPC: "free some space or choose another directory",
        errno.EROFS: "the file system is read-only; choose a writable directory",
        errno.EACCES: "check the permissions or choose another directory",
        errno.EPERM: "check the permissions or choose another directory",
        errno.ENOTDIR: "a path component is not a directory",
    }
    hint = hints.get(exc.errno or -1)
    return f"{text}{where}" + (f"; {hint}" if hint else "")
