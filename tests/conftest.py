"""Shared fixtures: isolated state, corpus access, no network beyond loopback.

pytest-socket (``--allow-hosts`` in pyproject addopts) refuses every connection that is
not to 127.0.0.1/localhost, so no test can reach the internet by accident.
"""

from __future__ import annotations

import os
from pathlib import Path

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
from tests.fakes.servers import arxiv_server, hf_server  # noqa: F401
