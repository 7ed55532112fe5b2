"""An offline world for whole-day runs: fake HF, fake arXiv and a replay responder.

``offline_world`` starts FakeHF over the corpus and a FakeArxiv with no full text, points the
environment at them (fast rate limits in ./paperdigest.toml of ``workdir``), and yields a
dict with the servers, the work directory and a replay responder for FakeLLM.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperdigest.llm.client import forget_modes
from tests.fakes.llm import arxiv_id_of, mode_of
from tests.fakes.replay import load_reference_summaries, replay_answer
from tests.fakes.servers import FakeArxiv, FakeHF

if TYPE_CHECKING:  # pytest only for the annotation: the fakes import without it
    import pytest

FAST_LIMITS = "[limits]\nhf = 1000.0\narxiv = 1000.0\narxiv_api = 1000.0\nllm = 1000.0\n"


@contextlib.contextmanager
def offline_world(corpus: Path, reference: Path, workdir: Path,
                  monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    entries = load_reference_summaries(reference)

    def responder(request: dict[str, Any]) -> str:
        return replay_answer(entries[arxiv_id_of(request)], as_json=mode_of(request) != "text")

    forget_modes()
    with FakeHF(corpus) as hf, FakeArxiv(None) as arxiv:
        monkeypatch.chdir(workdir)
        (workdir / "paperdigest.toml").write_text(FAST_LIMITS)
        monkeypatch.setenv("PAPERDIGEST_HF_URL", hf.url)
        monkeypatch.setenv("PAPERDIGEST_ARXIV_URL", arxiv.url)
        monkeypatch.setenv("PAPERDIGEST_ARXIV_API_URL", arxiv.api_url)
        yield {"hf": hf, "arxiv": arxiv, "responder": responder, "dir": workdir}
