"""pytest fixtures over the loopback fakes (registered in tests/conftest.py).

They live apart from :mod:`tests.fakes.servers` so that the fakes import without pytest
(``python -m tests.fakes.serve``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.servers import FakeArxiv, FakeHF
from tests.fakes.webhooks import WebhookReceiver


@pytest.fixture
def hf_server(corpus: Path) -> Iterator[FakeHF]:
    """A started :class:`FakeHF` over the shared corpus."""
    with FakeHF(corpus) as server:
        yield server


@pytest.fixture
def arxiv_server(corpus: Path) -> Iterator[FakeArxiv]:
    """A started :class:`FakeArxiv` over the shared corpus."""
    with FakeArxiv(corpus) as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A started :class:`WebhookReceiver`, shut down afterwards."""
    r = WebhookReceiver()
    r.thread.start()
    try:
        yield r
    finally:
        r.server.shutdown()
        r.server.server_close()
