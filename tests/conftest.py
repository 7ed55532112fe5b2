"""Shared fixtures: isolated state, corpus access, no network beyond loopback.

pytest-socket (``--allow-hosts`` in pyproject addopts) refuses every connection that is
not to 127.0.0.1/localhost, so no test can reach the internet by accident.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("PAPERDIGEST_CORPUS", REPO.parent / "shared" / "corpus"))
REFERENCE = CORPUS.parent / "reference"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

_ENV_PREFIXES = ("PAPERDIGEST_", "OPENAI_", "HF_ENDPOINT", "DEEPSEEK_")


def _need(path: Path) -> Path:
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing and CI=true: ../shared must be present in CI")
        pytest.skip(f"{path} not found (tests that read ../shared/corpus skip without it)")
    return path


@pytest.fixture
def corpus() -> Path:
    """Root of ../shared/corpus; skips (fails when CI=true) if absent."""
    return _need(CORPUS)


@pytest.fixture
def reference_report() -> Path:
    """../shared/reference/daily_report_2026-01-31.md; skips (fails when CI=true) if absent."""
    return _need(REFERENCE / "daily_report_2026-01-31.md")


def corpus_path(*parts: str) -> Path:
    """Path inside the corpus for module-level use; call inside a test (it may skip)."""
    return _need(CORPUS.joinpath(*parts))


# ------------------------------------------------ the CLI world (fault, crash, clock tests)

#: Fast settings of the ``world`` fixture: retries cut to one with zero backoff and every
#: rate limit at 1000/s, so nothing sleeps for real.
FAST_TOML = (
    "[limits]\nhf = 1000.0\narxiv = 1000.0\narxiv_api = 1000.0\nllm = 1000.0\n"
    "[http]\nretries = 1\nbackoff_base = 0\n"
)
#: The recorded Daily Papers day the ``world`` fixture's tests run.
DAY = "2026-01-30"


def _raw_day(corpus: Path) -> list[dict[str, Any]]:
    """The recorded HF list of :data:`DAY` (JSON items)."""
    data: list[dict[str, Any]] = json.loads(
        (corpus / "hf_api" / f"daily_papers_{DAY}.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture
def world(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Working directory with fast settings; the env vars point at fakes the test starts
    (``serve``, ``llm``); ``report(day)`` reads the Markdown report written there. Modules
    with a ``world`` of their own override this one."""
    from paperdigest.llm.client import forget_modes
    from tests.fakes.llm import FakeLLM
    from tests.fakes.servers import FakeArxiv, FakeHF

    forget_modes()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "paperdigest.toml").write_text(FAST_TOML)

    class World:
        dir = tmp_path
        raw = _raw_day(corpus)

        def serve(self, hf: FakeHF | None = None, arxiv: FakeArxiv | None = None) -> None:
            if hf is not None:
                monkeypatch.setenv("PAPERDIGEST_HF_URL", hf.url)
            if arxiv is not None:
                monkeypatch.setenv("PAPERDIGEST_ARXIV_URL", arxiv.url)
                monkeypatch.setenv("PAPERDIGEST_ARXIV_API_URL", arxiv.api_url)

        def llm(self, llm: FakeLLM) -> None:
            monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
            monkeypatch.setenv("OPENAI_API_KEY", "sk-test-faults")

        def report(self, day: str = DAY) -> str:
            return (tmp_path / "paperdigest-out" / f"{day}.md").read_text(encoding="utf-8")

    yield World()


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own PAPERDIGEST_HOME and a clean environment."""
    for key in list(os.environ):
        if key.startswith(_ENV_PREFIXES):
            monkeypatch.delenv(key, raising=False)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("PAPERDIGEST_HOME", str(home))
    return home


# Loopback fake servers as fixtures for every test module (hf_server, arxiv_server).
from tests.fakes.fixtures import arxiv_server, hf_server, receiver, ro_home  # noqa: F401
