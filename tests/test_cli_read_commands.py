"""``extract ID`` and ``show`` read what the store holds (QA findings 5 and 7).

Expected values come from the HF recording (title, abstract, read with ``json``) and from the
report vocabulary written by hand here ("代码未公开" / "No code released").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from paperdigest.cli import main
from tests.fakes.servers import FakeArxiv, FakeHF
from tests.test_cli_commands import DAY, _one_error, _raw, _serve, workdir  # noqa: F401


def _one_paper_day(corpus: Path, monkeypatch: pytest.MonkeyPatch, *args: str,
                   arxiv_id: str | None = None) -> tuple[dict, dict[str, str]]:
    """Run DAY with one listed paper only (the first, or ``arxiv_id``) in each of ``args``
    languages; arXiv answers 404, so the abstract is read. Returns the HF item's paper and
    each language's Markdown report."""
    raw = _raw(corpus)
    item = next(i for i in raw if i["paper"]["id"] == arxiv_id) if arxiv_id else raw[0]
    with FakeHF(corpus, days={DAY: [item]}) as hf, FakeArxiv(None) as arxiv:
        _serve(monkeypatch, hf, arxiv)
        reports = {}
        for lang in args or ("zh",):
            assert main(["run", "--date", DAY, "--quiet", "--lang", lang]) == 0
            reports[lang] = (Path("paperdigest-out") / f"{DAY}.md").read_text("utf-8")
    return item["paper"], reports


def test_extract_id_uses_the_stored_document(
    workdir: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    paper, _ = _one_paper_day(corpus, monkeypatch)
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


def test_show_lang_picks_the_summary_and_says_no_code_like_the_report(
    workdir: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    # zh stored first, en last: the default (configured lang zh) must still show zh.
    # WebArbiter (QA's example): no GitHub repository, no project page in the HF item.
    paper, reports = _one_paper_day(corpus, monkeypatch, "zh", "en", arxiv_id="2601.21872")
    assert not paper.get("githubRepo") and not paper.get("projectPage")
    capsys.readouterr()

    assert main(["show", paper["id"]]) == 0
    shown = capsys.readouterr().out
    assert "### 2. 一句话核心贡献" in shown and "Core contribution" not in shown
    assert "代码未公开" in shown and "代码未公开" in reports["zh"]

    assert main(["show", paper["id"], "--lang", "en"]) == 0
    shown = capsys.readouterr().out
    assert "Core contribution" in shown and "一句话核心贡献" not in shown
    assert "No code released" in shown and "No code released" in reports["en"]

    monkeypatch.setenv("PAPERDIGEST_LANG", "en")
    assert main(["show", paper["id"]]) == 0
    assert "Core contribution" in capsys.readouterr().out
