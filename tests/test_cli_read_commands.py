"""``extract ID`` and ``show`` read what the store holds (QA findings 5 and 7).

Expected values come from the HF recording (title, abstract, read with ``json``) and from the
report vocabulary written by hand here ("代码未公开" / "No code released").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from paperdigest.cli import main
from tests.test_cli_commands import DAY, _one_error, _raw, _serve, workdir  # noqa: F401
from tests.fakes.servers import FakeArxiv, FakeHF


def _one_paper_day(corpus: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> dict:
    """Run DAY with its first listed paper only (arXiv answers 404: the abstract is read)."""
    item = _raw(corpus)[0]
    with FakeHF(corpus, days={DAY: [item]}) as hf, FakeArxiv(None) as arxiv:
        _serve(monkeypatch, hf, arxiv)
        for lang in args or ("zh",):
            assert main(["run", "--date", DAY, "--quiet", "--lang", lang]) == 0
    return item["paper"]


def test_extract_id_uses_the_stored_document(
    workdir: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    paper = _one_paper_day(corpus, monkeypatch)
    capsys.readouterr()
    with FakeArxiv(None) as arxiv:  # arXiv knows nothing: a fetch could only fail
        _serve(monkeypatch, arxiv=arxiv)
        assert main(["extract", paper["id"], "--json"]) == 0
        captured = capsys.readouterr()
        assert arxiv.count() == 0
        assert "stored document" in captured.err and "--refresh" in captured.err
        assert " ".join(paper["summary"].split())[:80] in " ".join(captured.out.split())
        assert " ".join(paper["title"].split()) in captured.out

        # --refresh fetches again (and says why it fails, as before).
        assert main(["extract", paper["id"], "--refresh"]) == 1
        assert arxiv.count() > 0
        _one_error(capsys.readouterr().err, paper["id"])

