"""Issue 15: period digests, late papers, upgrades, categories, artifacts, interests, overview.

Expected values come from the recorded Hugging Face days (counted here from the JSON files,
independently of the code under test) or are written by hand; synthesized server answers
are in tests/fakes/hub.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paperdigest.cli import main
from paperdigest.insights.interests import score_papers
from paperdigest.insights.overview import compute_overview
from paperdigest.insights.settings import InterestSettings
from paperdigest.models import PaperReport
from paperdigest.render.parse import parse_report
from paperdigest.sources.hf import parse_daily_papers
from tests.fakes.hub import FakeHubRepos, atom_entry_feed, hub_repo
from tests.fakes.servers import FakeArxiv

LIMITS = "[limits]\nhf = 1000.0\narxiv = 1000.0\narxiv_api = 1000.0\nllm = 1000.0\n"


def _items(corpus: Path, name: str) -> list[dict[str, Any]]:
    return json.loads((corpus / "hf_api" / name).read_text(encoding="utf-8"))


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["paper"]["id"] for item in items]


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A work directory with fast limits; servers are started by each test."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "paperdigest.toml").write_text(LIMITS)
    yield {"dir": tmp_path, "out": tmp_path / "paperdigest-out"}


def _point(monkeypatch: pytest.MonkeyPatch, hf: Any, arxiv: FakeArxiv) -> None:
    monkeypatch.setenv("PAPERDIGEST_HF_URL", hf.url)
    monkeypatch.setenv("PAPERDIGEST_ARXIV_URL", arxiv.url)
    monkeypatch.setenv("PAPERDIGEST_ARXIV_API_URL", arxiv.api_url)


def _blocks(path: Path) -> list[str]:
    return [e.arxiv_id for e in parse_report(path.read_text(encoding="utf-8"))[1]]


# ------------------------------------------------------------------------ period digests


def test_weekly_digests_list_every_paper_once(corpus: Path, world: dict[str, Any],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    own = {d: _items(corpus, f"daily_papers_{d}.json") for d in
           ("2026-01-19", "2026-01-20", "2026-01-21", "2026-01-22", "2026-01-23",
            "2026-01-26", "2026-01-28", "2026-01-29", "2026-01-30")}
    # A synthetic day (written here) listing two papers already listed on 2026-01-26.
    synthetic = own["2026-01-26"][:2]
    with FakeHubRepos(corpus, days={"2026-01-27": synthetic}) as hf, FakeArxiv(None) as arxiv:
        _point(monkeypatch, hf, arxiv)
        for week, days in (("2026-W04", ["2026-01-19", "2026-01-20", "2026-01-21",
                                         "2026-01-22", "2026-01-23"]),
                           ("2026-W05", ["2026-01-26", "2026-01-27", "2026-01-28",
                                         "2026-01-29", "2026-01-30"])):
            assert main(["run", "--week", week, "--quiet"]) == 0
            out = world["out"]
            lists = {d: (_ids(synthetic) if d == "2026-01-27" else _ids(own[d])) for d in days}
            for day, ids in lists.items():  # a file for each day with its own list
                assert sorted(_blocks(out / f"{day}.md")) == sorted(ids)
            digest = _blocks(out / f"digest-{week}.md")
            every = [i for ids in lists.values() for i in ids]
            assert len(digest) == len(set(digest)) == len(set(every))
            assert set(digest) == set(every)
            data = json.loads((out / f"digest-{week}.json").read_text())
            assert [p["paper"]["arxiv_id"] for p in data["papers"]] == digest
            assert data["overview"]["themes"] and data["overview"]["must_read"]
        out = world["out"]
        # Days without a list of their own get no file.
        for day in ("2026-01-24", "2026-01-25", "2026-01-31", "2026-02-01"):
            assert not (out / f"{day}.md").exists()
        # W05 by hand: 18 + 2 + 21 + 22 + 45 = 108 entries over five day files, 106 papers.
        w05 = [p for p in out.glob("2026-01-2*.md") if p.stem >= "2026-01-26"] + \
            [out / "2026-01-30.md"]
        assert sum(len(_blocks(p)) for p in w05) == 108
        assert len(_blocks(out / "digest-2026-W05.md")) == 106
        assert len(_blocks(out / "digest-2026-W04.md")) == 22 + 11 + 32 + 26 + 27
        # The repeated paper says on which days it was listed.
        data = json.loads((out / "digest-2026-W05.json").read_text())
        repeated = next(p for p in data["papers"] if p["paper"]["arxiv_id"] == _ids(synthetic)[0])
        assert repeated["insights"]["listed_on"] == ["2026-01-26", "2026-01-27"]
        text = (out / "digest-2026-W05.md").read_text()
        assert "2026-01-31、2026-02-01 没有自己的论文列表" in text


def test_single_weekend_date_keeps_the_reference_behaviour(corpus: Path, world: dict[str, Any],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeHubRepos(corpus) as hf, FakeArxiv(None) as arxiv:
        _point(monkeypatch, hf, arxiv)
        assert main(["run", "--date", "2026-01-31", "--quiet"]) == 0
    report = (world["out"] / "2026-01-31.md").read_text()
    assert "本报告使用 2026-01-30 的 45 篇论文" in report
    assert not list(world["out"].glob("digest-*"))


# ------------------------------------------------------------------ what changed since


def test_late_papers_are_marked_new_on_a_rerun(corpus: Path, world: dict[str, Any],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    partial = _items(corpus, "daily_papers_2026-01-30_partial-sameday-0804UTC.json")
    complete = _items(corpus, "daily_papers_2026-01-30.json")
    late = set(_ids(complete)) - set(_ids(partial))
    assert len(late) == 18  # 45 - 27, by the files
    with FakeHubRepos(corpus, days={"2026-01-30": partial}) as hf, FakeArxiv(None) as arxiv:
        _point(monkeypatch, hf, arxiv)
        monkeypatch.setenv("PAPERDIGEST_NOW", "2026-01-30T08:10:00Z")
        assert main(["run", "--date", "2026-01-30", "--quiet"]) == 0
        first = (world["out"] / "2026-01-30.md").read_text()
        assert "🆕" not in first and len(_blocks(world["out"] / "2026-01-30.md")) == 27
        hf.set_day("2026-01-30", complete)
        monkeypatch.setenv("PAPERDIGEST_NOW", "2026-01-31T12:00:00Z")
        assert main(["run", "--date", "2026-01-30", "--quiet"]) == 0
    _, entries = parse_report((world["out"] / "2026-01-30.md").read_text())
    marked = {e.arxiv_id for e in entries if any(n.startswith("🆕") for n in e.notes)}
    assert marked == late
    data = json.loads((world["out"] / "2026-01-30.json").read_text())
    assert {p["paper"]["arxiv_id"] for p in data["papers"]
            if p.get("insights", {}).get("new")} == late
    assert "新增 18 篇论文" in (world["out"] / "2026-01-30.md").read_text()


def test_abstract_only_entry_is_marked_upgraded_when_html_appears(
        corpus: Path, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    html = corpus / "arxiv_html" / "2601.13621v1.html"
    if not html.exists():
        pytest.skip("corpus HTML 2601.13621v1 missing")
    # A synthetic list item for a recorded HTML paper (its real title; a stand-in abstract).
    item = {"paper": {"id": "2601.13621", "title": "Cosmological Budget of Entropy from "
                      "Merging Black Holes", "summary": "We estimate the entropy budget of "
                      "merging black holes over cosmic history.", "upvotes": 3,
                      "publishedAt": "2026-01-20T00:00:00.000Z", "authors": []}}
    monkeypatch.setenv("PAPERDIGEST_NOW", "2026-01-22T12:00:00Z")
    with FakeHubRepos(None, days={"2026-01-21": [item]}) as hf:
        with FakeArxiv(None) as arxiv:  # no HTML, no PDF yet: the abstract is read
            _point(monkeypatch, hf, arxiv)
            assert main(["run", "--date", "2026-01-21", "--quiet"]) == 0
        path = world["out"] / "2026-01-21.md"
        assert "- **阅读来源**: ArXiv Abs" in path.read_text()
        with FakeArxiv(None, html={"2601.13621v1": html}) as arxiv:
            _point(monkeypatch, hf, arxiv)
            assert main(["run", "--date", "2026-01-21", "--quiet"]) == 0
    text = path.read_text()
    assert "- **阅读来源**: HTML" in text
    _, entries = parse_report(text)
    assert any("upgraded: abstract → HTML" in n for n in entries[0].notes)
    data = json.loads((world["out"] / "2026-01-21.json").read_text())
    assert data["papers"][0]["insights"]["upgraded"] == "ArXiv Abs → HTML"


# ------------------------------------------------- categories, artifacts, 代码与资源


def _item(arxiv_id: str, title: str, upvotes: int, **paper: Any) -> dict[str, Any]:
    return {"paper": {"id": arxiv_id, "title": title, "upvotes": upvotes,
                      "publishedAt": "2026-01-27T00:00:00.000Z", "authors": [],
                      "summary": paper.pop("summary", f"We study {title.lower()}."),
                      **paper}}


def test_categories_artifacts_and_code_availability(world: dict[str, Any],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    items = [
        _item("2601.10001", "Code With Stars", 50, githubRepo="https://github.com/a/code",
              githubStars=1234, ai_keywords=["agents"]),
        _item("2601.10002", "Weights On The Hub", 40, ai_keywords=["agents"]),
        _item("2601.10003", "Link In The Abstract", 30,
              summary="We present a tool. Our code is available at https://github.com/c/tool ."),
        _item("2601.10004", "Nothing Released", 20, projectPage="https://d.example.org/proj"),
    ]
    repos = {"2601.10002": {"models": [hub_repo("org/model-7b", likes=12)],
                            "datasets": [hub_repo("org/data", likes=3)],
                            "spaces": [hub_repo("org/demo", likes=1)]}}
    atom = {i["paper"]["id"]: atom_entry_feed(i["paper"]["id"], i["paper"]["title"], cats)
            for i, cats in zip(items, (["cs.CL", "cs.AI"], ["cs.CL"], ["cs.CV"], ["cs.LG"]),
                               strict=True)}
    monkeypatch.setenv("PAPERDIGEST_NOW", "2026-02-10T12:00:00Z")
    with FakeHubRepos(None, days={"2026-01-27": items}, repos=repos) as hf, \
            FakeArxiv(None, atom=atom) as arxiv:
        _point(monkeypatch, hf, arxiv)
        assert main(["run", "--date", "2026-01-27", "--quiet"]) == 0
        assert arxiv.count("/api/query") == 1  # one batched id_list request for the day
        assert hf.count("/api/arxiv/") == 4
        api, repo_calls = arxiv.count(), hf.count()
        assert main(["run", "--date", "2026-01-27", "--quiet"]) == 0  # stored: no request
        assert arxiv.count() == api and hf.count() == repo_calls
    data = json.loads((world["out"] / "2026-01-27.json").read_text())
    papers = {p["paper"]["arxiv_id"]: p for p in data["papers"]}
    assert papers["2601.10001"]["paper"]["categories"] == ["cs.CL", "cs.AI"]
    code = {i: p["summary"]["usage"]["code_and_resources"] for i, p in papers.items()}
    assert "https://github.com/a/code" in code["2601.10001"] and "1,234" in code["2601.10001"]
    for repo in ("https://huggingface.co/org/model-7b", "https://huggingface.co/datasets/org/data",
                 "https://huggingface.co/spaces/org/demo"):
        assert repo in code["2601.10002"]
    assert "https://github.com/c/tool" in code["2601.10003"]
    # 代码未公开 only where no code link was found anywhere (a project page is not code).
    assert [i for i, text in code.items() if "代码未公开" in text] == ["2601.10004"]
    overview = data["overview"]
    themes = {t["theme"]: t["count"] for t in overview["themes"]}
    # By hand from the items above: agents (智能体) and cs.CL (自然语言处理, also the
    # extractive 应用领域 of the cs.CL papers: each paper once) on two papers each.
    assert themes["智能体"] == 2 and themes["自然语言处理"] == 2
    released = {r["arxiv_id"] for r in overview["released"]}
    assert released == {"2601.10001", "2601.10002", "2601.10003"}
    md = (world["out"] / "2026-01-27.md").read_text()
    assert "### 今日概览" in md and "智能体（2）" in md
    assert len(parse_report(md)[1]) == 4  # the overview is not a paper block


# ---------------------------------------------------------------- interests, overview


def _day_refs(corpus: Path) -> list[PaperReport]:
    refs = parse_daily_papers(_items(corpus, "daily_papers_2026-01-30.json"), "2026-01-30")
    return [PaperReport(ref=r) for r in refs]


def test_ranking_changes_with_the_profile_and_explains_itself(corpus: Path) -> None:
    papers = _day_refs(corpus)
    pairs = [(p.ref, None) for p in papers]

    def top(profile: InterestSettings) -> list[tuple[str, str]]:
        scores = score_papers(pairs, profile)
        ranked = sorted(scores.values(), key=lambda m: (-m.score, m.arxiv_id))
        return [(m.arxiv_id, m.explain()) for m in ranked if m.relevant]

    agents = top(InterestSettings(keywords=["reward model", "web agents"]))
    # By hand: only WebArbiter's title holds both phrases.
    assert agents[0] == ("2601.21872", "matched: reward model, web agents")
    video = top(InterestSettings(keywords=["video generation"]))
    assert video and video[0][0] != "2601.21872"
    assert all(why == "matched: video generation" for _, why in video)
    titles = {p.ref.arxiv_id: p.ref.title.lower() for p in papers}
    assert any("video" in titles[i] for i, _ in video[:3])
    # An author of 2601.20833 (Idea2Story), by the file.
    by_author = top(InterestSettings(authors=["Tengyue Xu"]))
    assert by_author == [("2601.20833", "author Tengyue Xu")]
    assert top(InterestSettings()) == []
    # The overview's must-read ranking follows the profile and says why.
    plain = [m["arxiv_id"] for m in compute_overview(papers, "zh")["must_read"]]
    assert "2601.21872" not in plain  # 0 upvotes, no code, by the file
    for p, m in zip(papers, score_papers(pairs, InterestSettings(
            keywords=["reward model", "web agents"])).values(), strict=True):
        p.insights = {"score": m.score, "matched": m.explain()}
    ranked = compute_overview(papers, "zh")["must_read"]
    assert ranked[0]["arxiv_id"] == "2601.21872"
    assert ranked[0]["reason"].startswith("matched: reward model, web agents；0 赞")


def test_day_overview_themes_with_counts_and_must_read(corpus: Path) -> None:
    papers = _day_refs(corpus)
    overview = compute_overview(papers, "zh")
    keywords = [{k.strip().lower() for k in item["paper"].get("ai_keywords", [])}
                for item in _items(corpus, "daily_papers_2026-01-30.json")]
    # One theme per concept, whatever its spelling (QA finding 12); spellings by hand.
    llm = {"large language models", "large language model", "llms", "llm"}
    rl = {"reinforcement learning", "rl"}
    expected = [("大语言模型", sum(1 for k in keywords if k & llm)),
                ("强化学习", sum(1 for k in keywords if k & rl))]
    assert expected == [("大语言模型", 9), ("强化学习", 7)]  # 5 + 3 + 1 spellings; 7
    assert [(t["theme"], t["count"]) for t in overview["themes"][:2]] == expected
    for theme in overview["themes"]:
        assert theme["count"] == len(theme["papers"]) == len(set(theme["papers"]))
    labels = [t["theme"].lower() for t in overview["themes"]]
    assert "large language models" not in labels and len(labels) == len(set(labels))
    assert 3 <= len(overview["must_read"]) <= 5
    assert all(re.search(r"\d+ 赞", m["reason"]) for m in overview["must_read"])
    upvotes = {p.ref.arxiv_id: p.ref.upvotes for p in papers}
    assert overview["must_read"][0]["arxiv_id"] == max(upvotes, key=lambda i: (upvotes[i], i)) \
        or upvotes[overview["must_read"][0]["arxiv_id"]] > 0


def test_only_relevant_drops_unmatched_papers(world: dict[str, Any],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    items = [_item("2601.10001", "Web Agents With Reward Models", 5),
             _item("2601.10002", "Protein Folding At Scale", 9)]
    (world["dir"] / "paperdigest.toml").write_text(
        LIMITS + '[interests]\nkeywords = ["web agents"]\n')
    monkeypatch.setenv("PAPERDIGEST_NOW", "2026-02-10T12:00:00Z")
    with FakeHubRepos(None, days={"2026-01-27": items}) as hf, FakeArxiv(None) as arxiv:
        _point(monkeypatch, hf, arxiv)
        assert main(["run", "--date", "2026-01-27", "--quiet"]) == 0
        assert len(_blocks(world["out"] / "2026-01-27.md")) == 2
        assert main(["run", "--date", "2026-01-27", "--quiet", "--only-relevant"]) == 0
    text = (world["out"] / "2026-01-27.md").read_text()
    header, entries = parse_report(text)
    assert [e.arxiv_id for e in entries] == ["2601.10001"]
    assert any("省略 1 篇" in n for n in header.notes)
    assert any("matched: web agents" in n for n in entries[0].notes)


def test_llm_overview_is_one_call_over_summaries_and_verified(corpus: Path) -> None:
    from types import SimpleNamespace

    from paperdigest.config import Settings
    from paperdigest.insights.summary import llm_overview
    from paperdigest.llm.client import ChatAnswer
    from paperdigest.models import DayReport, PaperSummary

    papers = _day_refs(corpus)[:3]
    for p in papers:
        p.summary = PaperSummary(domain="强化学习", contribution=f"{p.ref.title} 的贡献。")
    sent: list[list[dict[str, Any]]] = []

    class Client:
        def complete_text(self, messages: list[dict[str, Any]]) -> ChatAnswer:
            sent.append(messages)
            # One name from the data, one invented (must be flagged as untraced).
            return ChatAnswer(text=f"今天的重点是 {papers[0].ref.arxiv_id} 与 FakeBench-9000。",
                              mode="text", tokens_in=100, tokens_out=20)

    settings = Settings.model_validate({"insights": {"overview_llm": True}})
    pipeline = SimpleNamespace(settings=settings, summarizer=SimpleNamespace(
        name="openai", inner=SimpleNamespace(client=Client())))
    day = DayReport(date="2026-01-30", listed_date="2026-01-30", papers=papers)
    overview = compute_overview(day, "zh")
    text = llm_overview(pipeline, day, overview, "zh")  # type: ignore[arg-type]
    assert len(sent) == 1 and text.startswith("今天的重点是")
    data = json.loads(sent[0][1]["content"])  # the structured summaries, not full texts
    assert [p["id"] for p in data["papers"]] == [p.ref.arxiv_id for p in papers]
    assert "FakeBench-9000" in overview["untraced"]
    assert papers[0].ref.arxiv_id not in overview["untraced"]
    off = SimpleNamespace(settings=Settings(), summarizer=pipeline.summarizer)
    assert llm_overview(off, day, overview, "zh") == "" and len(sent) == 1  # type: ignore[arg-type]


def test_stored_overview_for_the_web_day_page(world: dict[str, Any],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    from paperdigest.config import load_settings
    from paperdigest.insights.overview import stored_overview
    from paperdigest.web.data import day_view

    items = [_item("2601.10001", "Agents One", 5, ai_keywords=["agents"]),
             _item("2601.10002", "Agents Two", 9, ai_keywords=["agents"])]
    repos = {"2601.10002": {"models": [hub_repo("org/m", likes=2)]}}
    monkeypatch.setenv("PAPERDIGEST_NOW", "2026-02-10T12:00:00Z")
    with FakeHubRepos(None, days={"2026-01-27": items}, repos=repos) as hf, \
            FakeArxiv(None) as arxiv:
        _point(monkeypatch, hf, arxiv)
        assert main(["run", "--date", "2026-01-27", "--quiet"]) == 0
    conn = sqlite3.connect(load_settings().settings.db_path)
    view = day_view(conn, "2026-01-27")
    assert view is not None
    overview = stored_overview(conn, view.papers)
    assert overview["themes"][0] == {"theme": "智能体", "count": 2,
                                     "papers": ["2601.10002", "2601.10001"]}
    assert [r["arxiv_id"] for r in overview["released"]] == ["2601.10002"]


def test_embeddings_add_matches_that_share_no_word(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from paperdigest.config import Settings
    from paperdigest.insights.hooks import _embedder
    from paperdigest.models import PaperRef
    from tests.fakes.embeddings import FakeEmbeddings

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    refs = [PaperRef("2601.10001", "Robot grasping of cups"),
            PaperRef("2601.10002", "Dexterous manipulation with hands"),
            PaperRef("2601.10003", "Protein folding")]
    profile = InterestSettings(keywords=["grasping"])
    lexical = score_papers([(r, None) for r in refs], profile)
    assert [i for i, m in lexical.items() if m.relevant] == ["2601.10001"]
    concepts = {w: "manip" for w in ("grasping", "manipulation", "dexterous", "hand", "robot")}
    with FakeEmbeddings(concepts) as emb:
        pipeline = SimpleNamespace(settings=Settings())
        embed = _embedder(pipeline, emb.base_url, "fake-embed")  # type: ignore[arg-type]
        dense = score_papers([(r, None) for r in refs], profile, embed=embed)
        assert len(emb.requests) == 1  # the profile and every paper in one request
    assert dense["2601.10002"].relevant
    assert dense["2601.10002"].explain().startswith("embedding similarity 0.")
    assert not dense["2601.10003"].relevant
    assert dense["2601.10001"].score > lexical["2601.10001"].score


def test_month_and_range_digests(world: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    first = [_item("2512.10001", "Alpha", 5), _item("2512.10002", "Beta", 3)]
    second = [_item("2512.10002", "Beta", 4), _item("2512.10003", "Gamma", 9)]
    monkeypatch.setenv("PAPERDIGEST_NOW", "2026-01-20T12:00:00Z")
    with FakeHubRepos(None, days={"2025-12-01": first, "2025-12-02": second}) as hf, \
            FakeArxiv(None) as arxiv:
        _point(monkeypatch, hf, arxiv)
        assert main(["run", "--from", "2025-12-01", "--to", "2025-12-03", "--quiet",
                     "--json"]) == 0
        summary = json.loads(capsys.readouterr().out)
        digest = summary["days"][-1]
        assert digest["date"] == "2025-12-01_2025-12-03" and digest["papers"] == 3
        assert [d["date"] for d in summary["days"][:-1]] == ["2025-12-01", "2025-12-02"]
        out = world["out"]
        assert not (out / "2025-12-03.md").exists()  # 2025-12-02's list: no file of its own
        # By hand: Gamma (9 upvotes), Alpha (5), Beta (3 on 12-01, listed first) once.
        assert _blocks(out / "digest-2025-12-01_2025-12-03.md") == \
            ["2512.10003", "2512.10001", "2512.10002"]
        # A whole month: days after the look-back window have no list at all, and are no
        # error in a period (QA finding 3).
        assert main(["run", "--month", "2025-12", "--quiet"]) == 0
        assert sorted(_blocks(out / "digest-2025-12.md")) == \
            ["2512.10001", "2512.10002", "2512.10003"]
        assert "**Source URL**: https://huggingface.co/papers/month/2025-12" in \
            (out / "digest-2025-12.md").read_text()


def test_period_days_without_own_list_are_no_error_nor_a_day(
        corpus: Path, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """QA finding 3: inside a period, a day without its own list (nothing recorded within the
    look-back window, or an earlier day's list) is no error, no failure and no day of its
    own on the site. Two papers of each recorded day keep the run small."""
    recorded = ["2026-01-19", "2026-01-20", "2026-01-26"]
    days = {d: _items(corpus, f"daily_papers_{d}.json")[:2] for d in recorded}
    monkeypatch.setenv("PAPERDIGEST_NOW", "2026-02-10T12:00:00Z")
    with FakeHubRepos(None, days=days) as hf, FakeArxiv(None) as arxiv:
        _point(monkeypatch, hf, arxiv)
        # 01-15..01-18: no list within the 7-day look-back (the fake answers [] like HF).
        assert main(["run", "--from", "2026-01-15", "--to", "2026-01-20", "--quiet"]) == 0
        err = capsys.readouterr().err
        assert "Error" not in err and "try another --date" not in err
        # 01-21..01-25: 01-20's list; 01-27: 01-26's.
        assert main(["run", "--from", "2026-01-21", "--to", "2026-01-27", "--quiet"]) == 0
        assert "Error" not in capsys.readouterr().err
    out = world["out"]
    assert sorted(p.name for p in out.glob("2026-*.md")) == [f"{d}.md" for d in recorded]
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["failures"] == []
    assert main(["site", "--out", str(world["dir"] / "site")]) == 0
    capsys.readouterr()
    assert sorted(p.stem for p in (world["dir"] / "site" / "days").glob("*.html")) == recorded


def test_period_without_any_list_is_one_clear_error(world: dict[str, Any],
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PAPERDIGEST_NOW", "2026-02-10T12:00:00Z")
    with FakeHubRepos(None, days={}) as hf, FakeArxiv(None) as arxiv:
        _point(monkeypatch, hf, arxiv)
        assert main(["run", "--from", "2025-11-01", "--to", "2025-11-03", "--quiet"]) == 3
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and "2025-11-01" in err[0] and "2025-11-03" in err[0]


def test_web_day_page_shows_the_overview_and_the_index_the_themes(
        world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14/15: the day page shows the day at a glance, the index each day's themes
    (static site and server alike). Expected by hand from the items written here."""
    pytest.importorskip("starlette")
    from starlette.testclient import TestClient

    from paperdigest.config import load_settings
    from paperdigest.web.app import LOOPBACK_HOSTS, create_app

    items = [_item("2601.10001", "Alpha Planner", 5, ai_keywords=["planning", "scheduling"]),
             _item("2601.10002", "Beta <b>Planner</b>", 9, ai_keywords=["planning", "scheduling"]),
             _item("2601.10003", "Gamma", 1, ai_keywords=["biology"])]
    repos = {"2601.10002": {"models": [hub_repo("org/m", likes=2)]}}
    monkeypatch.setenv("PAPERDIGEST_NOW", "2026-02-10T12:00:00Z")
    with FakeHubRepos(None, days={"2026-01-27": items}, repos=repos) as hf, \
            FakeArxiv(None) as arxiv:
        _point(monkeypatch, hf, arxiv)
        assert main(["run", "--date", "2026-01-27", "--quiet"]) == 0
    site = world["dir"] / "site"
    assert main(["site", "--out", str(site)]) == 0
    app = create_app(load_settings().settings.db_path, allowed_hosts=list(LOOPBACK_HOSTS))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        served_day = client.get("/days/2026-01-27").text
        served_index = client.get("/").text
    for day in ((site / "days" / "2026-01-27.html").read_text("utf-8"), served_day):
        overview = day[day.index('<section class="overview">'):day.index("</section>")]
        assert "今日概览" in overview
        # planning and scheduling: 2 papers each; biology: one paper, no theme.
        assert re.findall(r'class="theme">([^<]*)<', overview) == ["planning (2)", "scheduling (2)"]
        assert "biology" not in overview
        # Must read: by upvotes, each linked to its block, the title escaped.
        assert re.findall(r'<a href="#p-([^"]+)">', overview)[:3] == \
            ["2601.10002", "2601.10001", "2601.10003"]
        assert "Beta &lt;b&gt;Planner&lt;/b&gt;" in overview and "<b>Planner" not in overview
        assert 'class="released">' in overview and "2601.10002</a>" in overview
    for index in ((site / "index.html").read_text("utf-8"), served_index):
        assert re.findall(r'class="theme">([^<]*)<', index) == ["planning (2)", "scheduling (2)"]


def test_index_themes_are_the_day_pages_themes(world: dict[str, Any],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The index counts a theme like the day page does: the summaries' 应用领域 included
    (by hand: "agent" in both abstracts → the extractive 应用领域 智能体 on both papers,
    one of them also with the keyword "agents": 2 papers, not 1)."""
    items = [_item("2601.10001", "Alpha", 5, ai_keywords=["agents"],
                   summary="We study an agent that plans."),
             _item("2601.10002", "Beta", 9, summary="We study an agent that acts.")]
    monkeypatch.setenv("PAPERDIGEST_NOW", "2026-02-10T12:00:00Z")
    with FakeHubRepos(None, days={"2026-01-27": items}) as hf, FakeArxiv(None) as arxiv:
        _point(monkeypatch, hf, arxiv)
        assert main(["run", "--date", "2026-01-27", "--quiet"]) == 0
    site = world["dir"] / "site"
    assert main(["site", "--out", str(site)]) == 0
    day = (site / "days" / "2026-01-27.html").read_text("utf-8")
    index = (site / "index.html").read_text("utf-8")
    assert re.findall(r'class="theme">([^<]*)<', day) == ["智能体 (2)"]
    assert re.findall(r'class="theme">([^<]*)<', index) == ["智能体 (2)"]


def test_themes_merge_one_topic_across_languages_and_sources() -> None:
    """QA finding 12: "大语言模型（23）… Large Language Models（8）" is one theme. Papers and
    counts written by hand."""
    from paperdigest.models import PaperRef, PaperSummary

    def paper(arxiv_id: str, keywords: list[str], domain: str = "",
              categories: list[str] | None = None) -> PaperReport:
        ref = PaperRef(arxiv_id, f"Paper {arxiv_id}", ai_keywords=keywords,
                       categories=categories or [])
        summary = PaperSummary(domain=domain, contribution="x") if domain else None
        return PaperReport(ref=ref, summary=summary)

    papers = [
        paper("2601.00001", ["Large Language Models", "agents"], "自然语言处理 / 大语言模型"),
        paper("2601.00002", ["LLMs", "reinforcement learning"], "强化学习"),
        paper("2601.00003", ["large-language model"], "Reinforcement Learning", ["cs.CL"]),
        paper("2601.00004", ["Agents"], "NLP / large language models"),
    ]
    # By hand: LLM on 1 (keyword + domain, once), 2, 3, 4; NLP on 1 (domain), 3 (cs.CL),
    # 4 (domain); RL on 2 (keyword + domain, once), 3; agents on 1, 4. Ties: the same
    # order in both languages.
    zh = compute_overview(papers, "zh")["themes"]
    assert [(t["theme"], t["count"]) for t in zh] == \
        [("大语言模型", 4), ("自然语言处理", 3), ("智能体", 2), ("强化学习", 2)]
    assert zh[0]["papers"] == ["2601.00001", "2601.00002", "2601.00003", "2601.00004"]
    en = compute_overview(papers, "en")["themes"]
    assert [(t["theme"], t["count"]) for t in en] == \
        [("Large language models", 4), ("Natural language processing", 3),
         ("Agents", 2), ("Reinforcement learning", 2)]
