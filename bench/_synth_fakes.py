"""Loopback fakes of the scale benchmarks (``bench/scale.py``, ``bench/backfill.py``).

Imported only by the child process that serves them, so the measured process never loads
``tests.fakes``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.fakes.llm import FakeLLM
from tests.fakes.servers import FakeArxiv, Reply, split_version


class SynthArxiv(FakeArxiv):
    """FakeArxiv whose ``/html/{id}`` pages are rendered on request, never held.

    ``page(base_id, version)`` returns the page's HTML, or ``None`` for an id it does not
    make (``bench.scale.synth_page``).
    """

    def __init__(self, page: Callable[[str, int], str | None]) -> None:
        super().__init__(None)
        self.page = page

    def handle(self, method: str, path: str, query: dict[str, list[str]]) -> Reply:
        if path.startswith("/html/"):
            base, version = split_version(path[len("/html/"):].strip("/"))
            body = self.page(base, version or 1)
            if body is not None:
                # SYNTHESIZED: a generated LaTeXML page, not a recording.
                return Reply(200, body, "text/html; charset=utf-8")
        return super().handle(method, path, query)


class LeanLLM(FakeLLM):
    """FakeLLM that keeps no request bodies (2,000 prompts would be tens of MB)."""

    def _handle_chat(self, request: dict[str, Any], headers: dict[str, str]) -> Any:
        answer = super()._handle_chat(request, headers)
        with self._lock:
            self.requests.clear()
            self.headers.clear()
        return answer
