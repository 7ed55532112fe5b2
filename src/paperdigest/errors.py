"""The paperdigest exception tree.

Every error raised by the library derives from :class:`PaperdigestError`, so callers
(the CLI, the pipeline) catch exactly one base class::

    PaperdigestError
    ├── ConfigError            broken/unknown config keys, bad values       (user-facing)
    ├── InputError             bad date, malformed arXiv id, bad range      (user-facing)
    ├── SourceError            listing a day failed
    │   └── NoPapersError      nothing listed within the look-back window
    ├── HTTPError              a request failed after retries (url, status)
    │   ├── NotFoundError      404
    │   ├── RateLimitedError   429/503 after all retries, or asked to wait > http.max_wait
    │   ├── DeadlineExceededError no complete answer within the request's total deadline
    │   └── BodyTooLargeError  body over the configured size cap
    ├── FetchError             no usable full text/abstract for one paper
    ├── ExtractionError        a page/PDF cannot be turned into a Document
    ├── LLMError               the LLM backend failed
    │   ├── AuthError          401/403: bad key — stop the run        (user-facing)
    │   ├── ContextLengthError prompt too long: repack smaller and retry
    │   ├── LLMUnavailableError cannot connect after retries: later papers fail fast
    │   └── LLMOutputError     empty/invalid/refused output after repair
    └── StoreError             the SQLite store failed
        ├── StoreLockedError   another run holds the data dir        (user-facing)
        └── StoreCorruptError  not a paperdigest database / corrupt   (user-facing)

Errors that carry fields implement ``__reduce__`` so they survive pickling across the
PDF worker process boundary.
"""

from __future__ import annotations

from typing import Any


class PaperdigestError(Exception):
    """Base class of every paperdigest error."""

    #: True when the message alone tells a user what went wrong and how to fix it.
    user_facing: bool = False


class ConfigError(PaperdigestError):
    """The configuration is invalid (file, line and key are in the message)."""

    user_facing = True


class InputError(PaperdigestError):
    """A date, id or range given by the user is invalid."""

    user_facing = True


class SourceError(PaperdigestError):
    """The paper list could not be obtained."""


class NoPapersError(SourceError):
    """No paper list was found for the date nor within the look-back window."""

    user_facing = True


class HTTPError(PaperdigestError):
    """An HTTP request failed after all retries."""

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


class ExtractionError(PaperdigestError):
    """A page or PDF could not be turned into a Document."""

    def __init__(self, message: str, reason: str = "unknown") -> None:
        super().__init__(message)
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.reason))


class LLMError(PaperdigestError):
    """The LLM backend failed."""


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


class StoreLockedError(StoreError):
    """Another paperdigest run holds the data directory."""

    user_facing = True


class StoreCorruptError(StoreError):
    """The database file is corrupt or is not a paperdigest database."""

    user_facing = True
