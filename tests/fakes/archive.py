"""A small archive written through the store's API, for the web, feed and delivery tests.

Two days. 2026-01-30 lists two papers (one summarized, one that failed at fetch);
2026-01-31 lists three: a normal Chinese summary, a hostile paper whose title, abstract,
summary and links carry markup and ``javascript:`` URLs, and the 2026-01-30 paper again.
Every value is written here by hand (SYNTHESIZED, not recorded data).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from paperdigest.contract import normalize_summary
from paperdigest.models import (
    Claim,
    Innovation,
    PaperRef,
    PaperSummary,
    Result,
    Usage,
    Verification,
)
from paperdigest.store import Store, SummaryKey

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(1)>"
#: Markup a reader must see as written, once (issue 14): the site's HTML source holds
#: ``&lt;b&gt;bold&lt;/b&gt;``, the JSON ``<b>bold</b>``, never ``&amp;lt;`` or ``&lt;b>``.
BOLD = "<b>bold</b>"
JS_URL = "javascript:alert(document.cookie)"
#: A word that occurs in exactly one paper's summary (2601.90001), for search tests.
UNIQUE_ZH = "蜂鸟调度"
UNIQUE_EN = "quokkaformer"
DAYS = ("2026-01-30", "2026-01-31")

WEBARBITER = PaperRef(
    arxiv_id="2601.90001", title="WebArbiter: A Principle-Guided Process Reward Model",
    authors=["A. Author"], abstract="We present WebArbiter, a process reward model.",
    upvotes=42, ai_keywords=["reward model", "web agents"],
    github_repo="https://github.com/example/webarbiter", github_stars=120,
    project_page="https://example.org/webarbiter",
)
HOSTILE_REF = PaperRef(
    arxiv_id="2601.90002", title=f"Hostile {HOSTILE} title", abstract=f"Abstract {HOSTILE}",
    upvotes=7, github_repo=JS_URL, project_page="java\tscript:alert(2)",
    ai_keywords=[HOSTILE],
)
FAILED_REF = PaperRef(arxiv_id="2601.90003", title="KromHC: Kronecker residual matrices",
                      abstract="Hyper-connections with Kronecker products.", upvotes=15)
EARLY_REF = PaperRef(arxiv_id="2601.90004", title="DynamicVLA for moving objects",
                     abstract="A compact vision-language-action model.", upvotes=30)

WEBARBITER_SUMMARY = PaperSummary(
    domain="自然语言处理 - 智能体 / 强化学习",
    contribution=f"提出过程奖励模型 WebArbiter，用{UNIQUE_ZH}机制评估网页导航动作（{UNIQUE_EN}）。",
    usage=Usage(input="任务指令与网页观测", output="结构化理由与偏好判定",
                hardware="8 张 NVIDIA A100-80GB GPU", code_and_resources="GitHub 仓库已公开"),
    innovations=[Innovation("原则引导的奖励建模", "把奖励建模写成文本生成任务。"),
                 Innovation("两阶段训练", "推理蒸馏加强化学习。")],
    results=[Result("AgentRewardBench", "领先最强基线 9.1 分。"),
             Result("WebArena-Lite", "成功率提升 7.2 个百分点。")],
)
HOSTILE_SUMMARY = PaperSummary(
    domain=f"安全 {HOSTILE} {BOLD}",
    contribution=f"贡献 {HOSTILE} [点我]({JS_URL})",
    usage=Usage(input=HOSTILE),
    innovations=[Innovation(HOSTILE, HOSTILE)],
    results=[Result(HOSTILE, f"{HOSTILE} 提升 3.0%")],
)
EARLY_SUMMARY = PaperSummary(
    domain="机器人学习", contribution="提出紧凑的视觉-语言-动作模型 DynamicVLA。",
    usage=Usage(input="多视角图像与语言指令"),
    innovations=[Innovation("连续推理", "推理与执行重叠。")],
    results=[Result("DOM 基准", "成功率 60.5%。")],
)


def _key(ref: PaperRef, lang: str = "zh") -> SummaryKey:
    return SummaryKey(ref.arxiv_id, "1", "HTML", "0123456789abcdef", "p1", "extractive",
                      "extractive", lang)


def fill_archive(store: Store) -> None:
    """Write the two days (lists, papers, summaries, verifications, one failure)."""
    fetched = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
    store.save_day(DAYS[0], DAYS[0], [EARLY_REF, FAILED_REF], fetched, True)
    store.save_summary(_key(EARLY_REF), EARLY_SUMMARY,
                       verification=Verification([Claim("60.5%", "number", True)]))
    run_id = store.start_run("run", [DAYS[0]], "extractive", "extractive")
    store.record_failure(run_id, FAILED_REF.arxiv_id, DAYS[0], "fetch",
                         f"HTTP 503 from arxiv.org after 4 attempts {HOSTILE}")
    add_second_day(store)


def add_second_day(store: Store) -> None:
    """The 2026-01-31 list (for incremental-build tests it can come later)."""
    fetched = datetime(2026, 2, 1, 13, 0, tzinfo=UTC)
    store.save_day(DAYS[1], DAYS[1], [WEBARBITER, HOSTILE_REF, EARLY_REF], fetched, True)
    store.save_summary(_key(WEBARBITER), WEBARBITER_SUMMARY, verification=Verification([
        Claim("9.1", "number", True), Claim("WebArena-Lite", "name", True),
        Claim("GPT-9", "name", False)]))
    # Through the validator, as every summarizer's output is before it is stored.
    store.save_summary(_key(HOSTILE_REF), normalize_summary(HOSTILE_SUMMARY),
                       verification=Verification([Claim(HOSTILE, "name", False)]))


def assert_inert(doc: Any) -> None:
    """No script but our own, no event handler, no non-http(s) link anywhere in ``doc``."""
    for script in doc.iter("script"):
        src = script.get("src", "")
        assert src.endswith(("theme.js", "search.js")) or "static/search/" in src, src
        assert not (script.text or "").strip()
    assert not doc.xpath("//img")
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), (el.tag, name)
            if name in ("href", "src", "action"):
                assert "javascript" not in value.lower().replace("\t", ""), value


def archive_day_view(path: Any) -> Any:
    """The 2026-01-31 :class:`~paperdigest.web.data.DayView` of this archive, written to a
    new store at ``path`` (for the delivery tests; needs the ``web`` extra)."""
    from paperdigest.web.data import day_view

    with Store(path) as store:
        fill_archive(store)
        view = day_view(store.conn, DAYS[1])
    assert view is not None
    return view
