"""The day (or period) at a glance: themes with counts, must-read papers, released code.

:func:`compute_overview` works without any LLM: themes count papers per Hugging Face
``ai_keywords`` term, primary arXiv category and 应用领域 lead phrase (a paper counts once per
theme; themes held by at least two papers, most papers first, at most
:data:`MAX_THEMES`); the must-read list takes 3–5 papers by ``log(1 + upvotes) + ½·log(1 + GitHub stars) + 1
(code found) + 6 × interest`` (interest scaled so that the best match is 1), papers that
match the interest profile first, each with a one-line reason; "released" lists
the papers with code, models or datasets found (:mod:`paperdigest.insights.artifacts`).

:func:`overview_markdown` renders it as a section of plain ``###``/``-`` lines placed above
the first separator: the report parser reads only ``**Date**``, ``**Source URL**`` and ``> ``
lines there, so the reference format is intact. Titles and model text are made inert with
``neutralize_markup``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import cache
from typing import Any

from ..contract.markup import neutralize_markup
from ..contract.validate import plain_label
from ..contract.vocab import NOT_MENTIONED_MARKERS
from ..models import DayReport, PaperReport

__all__ = ["compute_overview", "overview_markdown", "overview_words", "themes_of"]

MAX_THEMES = 8
MUST_READ = (3, 5)

_HEADINGS = {
    "zh": {"title": "### 今日概览", "period": "### 本期概览", "themes": "主题",
           "must": "必读", "released": "开源代码/模型/数据", "none": "无",
           "papers": "篇", "upvotes": "{n} 赞", "stars": "GitHub ★ {n}", "code": "有代码",
           "models": "有模型/数据", "llm": "综述", "untraced": "未在摘要数据中找到"},
    "en": {"title": "### Today at a glance", "period": "### The period at a glance",
           "themes": "Themes", "must": "Must read", "released": "Released code/models/data",
           "none": "none", "papers": "", "upvotes": "{n} upvotes", "stars": "GitHub ★ {n}",
           "code": "code available", "models": "models/data on the Hub", "llm": "Summary",
           "untraced": "not found in the summaries"},
}


def overview_words(lang: str) -> dict[str, str]:
    """The overview's headings and words in ``lang`` (``zh`` for an unknown one), without
    Markdown (``"title": "今日概览"``), for templates."""
    words = _HEADINGS.get(lang, _HEADINGS["zh"])
    return {k: v.lstrip("# ") for k, v in words.items()}


def _domain_themes(report: PaperReport) -> list[str]:
    """The 应用领域 lead phrase's parts (``强化学习 / 自然语言处理`` → two themes), each without
    the model's Markdown emphasis (``**自然语言处理 / 信息检索**`` → the same two themes as
    without it; :func:`~paperdigest.contract.validate.plain_label`)."""
    if report.summary is None:
        return []
    lead = re.split(r"[，,；;。（(：:]", report.summary.domain.strip(), maxsplit=1)[0]
    parts = [plain_label(p) for p in re.split(r"\s*[/、]\s*", lead)]
    return [p for p in parts if 2 <= len(p) <= 24 and p not in NOT_MENTIONED_MARKERS]


#: Abbreviations that name the same theme as their long form (matched after folding).
_ABBREVIATIONS = {"llm": "large language model", "nlp": "natural language processing",
                  "rl": "reinforcement learning", "vlm": "vision language model",
                  "mllm": "multimodal large language model", "cv": "computer vision",
                  "moe": "mixture of experts", "rag": "retrieval augmented generation"}


def _fold(text: str) -> str:
    """A theme's comparison form: case, hyphens and spacing folded, a trailing English
    plural dropped, a known abbreviation expanded ("LLMs" → "large language model")."""
    folded = re.sub(r"[\s_\-‐–]+", " ", text.strip().lower())
    folded = re.sub(r"\s*\([^)]*\)\s*$", "", folded).strip()  # "(图像/视频)", "(image/video)"
    if re.fullmatch(r"[a-z0-9 .]+", folded) and re.search(r"[a-z]{3,}s$", folded) \
            and not folded.endswith("ss"):
        folded = folded[:-1]
    return _ABBREVIATIONS.get(folded, folded)


@cache
def _concepts() -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """``(alias → key, key → (zh label, en label))`` for the themes the library names in
    both languages: the arXiv category labels and topic rules of the extractive summarizer
    (one table, :mod:`paperdigest.summarize.extractive`), pair by pair (``自然语言处理 /
    大语言模型`` ↔ ``NLP / large language models``), and the category codes themselves."""
    from ..summarize.extractive import CATEGORY_LABELS, TOPIC_RULES

    alias: dict[str, str] = {}
    labels: dict[str, tuple[str, str]] = {}

    def add(zh: str, en: str, *codes: str) -> None:
        zh = re.sub(r"\s*[（(][^)）]*[)）]\s*$", "", zh).strip()
        en = re.sub(r"\s*\([^)]*\)\s*$", "", en).strip()
        key = alias.get(_fold(en)) or alias.get(_fold(zh)) or _fold(en)
        for name in (zh, en, *codes):
            alias.setdefault(_fold(name), key)
        labels.setdefault(key, (zh, en[:1].upper() + en[1:]))

    for code, (zh, en) in CATEGORY_LABELS.items():
        add(zh, en, code)
    for _pattern, zh, en in TOPIC_RULES:
        zh_parts, en_parts = re.split(r"\s+/\s+", zh), re.split(r"\s+/\s+", en)
        if len(zh_parts) == len(en_parts):
            for z, e in zip(zh_parts, en_parts):
                add(z, e)
    return alias, labels


def _theme_key(text: str) -> str:
    folded = _fold(text)
    return _concepts()[0].get(folded, folded)


def themes_of(papers: list[PaperReport], lang: str = "zh") -> list[dict[str, Any]]:
    """Themes held by at least two papers, most papers first (at most :data:`MAX_THEMES`):
    ``[{"theme", "count", "papers": [arxiv_id, ...]}]``.

    A paper's themes are its Hugging Face ``ai_keywords``, its primary arXiv category and its
    应用领域 lead phrase, merged by one key across languages and sources (QA finding 12:
    ``大语言模型``, ``Large Language Models`` and ``LLMs`` are one theme, a paper counted
    once): case, hyphens, plurals and known abbreviations folded (:func:`_fold`), and the
    names the library knows in both languages mapped to one key (:func:`_concepts`). A theme
    the library names is shown in ``lang``; another one by its most used spelling."""
    _alias, labels = _concepts()
    counts: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    members: dict[str, list[str]] = {}
    for report in papers:
        keys: dict[str, str] = {}
        names = [kw.strip() for kw in report.ref.ai_keywords]
        if report.ref.categories:
            names.append(report.ref.categories[0])
        names += _domain_themes(report)
        for name in names:
            if name and (key := _theme_key(name)):
                keys.setdefault(key, name)
        for key, shown in keys.items():
            counts[key] += 1
            spellings.setdefault(key, Counter())[shown] += 1
            members.setdefault(key, []).append(report.ref.arxiv_id)
    themes = [(k, n) for k, n in counts.items() if n >= 2]
    themes.sort(key=lambda kn: (-kn[1], kn[0]))

    def label(key: str) -> str:
        if key in labels:
            return labels[key][1 if lang == "en" else 0]
        return spellings[key].most_common(1)[0][0]  # ties: the first seen

    return [{"theme": label(k), "count": n, "papers": members[k]} for k, n in themes[:MAX_THEMES]]


def _insight(report: PaperReport) -> dict[str, Any]:
    return getattr(report, "insights", None) or {}


def _must_read(papers: list[PaperReport], lang: str) -> list[dict[str, Any]]:
    words = _HEADINGS.get(lang, _HEADINGS["zh"])
    scored = []
    top_interest = max((float(_insight(p).get("score", 0.0)) for p in papers), default=0.0)
    for report in papers:
        if report.failure is not None:
            continue
        info = _insight(report)
        kinds = {a["kind"] for a in info.get("artifacts", [])}
        stars = report.ref.github_stars or 0
        interest = float(info.get("score", 0.0)) / top_interest if top_interest else 0.0
        # log(1 + upvotes) + ½·log(1 + stars) + 1 for code + 6 × interest (0..1, the
        # day's best match = 1): the best match weighs like ~400 upvotes.
        score = (math.log1p(report.ref.upvotes) + 0.5 * math.log1p(stars)
                 + (1.0 if kinds - {"page"} else 0.0) + 6.0 * interest)
        reason = []
        if info.get("matched"):
            reason.append(info["matched"])
        reason.append(words["upvotes"].format(n=report.ref.upvotes))
        if stars:
            reason.append(words["stars"].format(n=f"{stars:,}"))
        if kinds & {"code", "link"}:
            reason.append(words["code"])
        if kinds & {"model", "dataset", "space"}:
            reason.append(words["models"])
        scored.append((score, report, "；".join(reason) if lang == "zh" else "; ".join(reason)))
    # Papers matching the reader's interests come first (issue 15: "what matters for them").
    scored.sort(key=lambda t: (not _insight(t[1]).get("matched"), -t[0], -t[1].ref.upvotes,
                               t[1].ref.arxiv_id))
    low, high = MUST_READ
    count = max(min(low, len(scored)), min(high, sum(1 for s in scored if s[0] >= scored[0][0] / 2)))
    return [{"arxiv_id": r.ref.arxiv_id, "title": r.ref.title, "reason": why,
             "score": round(s, 3)} for s, r, why in scored[:count]]


def _released(papers: list[PaperReport]) -> list[dict[str, Any]]:
    out = []
    for report in papers:
        arts = [a for a in _insight(report).get("artifacts", []) if a["kind"] != "page"]
        if arts:
            out.append({"arxiv_id": report.ref.arxiv_id, "title": report.ref.title,
                        "kinds": sorted({a["kind"] for a in arts}),
                        "urls": [a["url"] for a in arts[:3]]})
    return out


def compute_overview(day: DayReport | list[PaperReport], lang: str = "zh") -> dict[str, Any]:
    """The overview of a report's papers (no LLM): ``{"papers", "themes": [{"theme",
    "count", "papers"}], "must_read": [{"arxiv_id", "title", "reason", "score"}],
    "released": [{"arxiv_id", "title", "kinds", "urls"}]}``."""
    papers = day.papers if isinstance(day, DayReport) else list(day)
    return {"papers": len(papers), "themes": themes_of(papers, lang),
            "must_read": _must_read(papers, lang), "released": _released(papers)}


def _line(text: str) -> str:
    return neutralize_markup(" ".join(str(text).split()))


def overview_markdown(day: DayReport, lang: str | None = None, *, period: bool = False) -> str:
    """``day.overview`` as Markdown lines (empty when there is none)."""
    data = getattr(day, "overview", None)
    if not data:
        return ""
    lang = lang or data.get("lang") or "zh"
    w = _HEADINGS.get(lang, _HEADINGS["zh"])
    sep = "、" if lang == "zh" else ", "
    themes = sep.join(f"{_line(t['theme'])}（{t['count']}）" if lang == "zh"
                      else f"{_line(t['theme'])} ({t['count']})" for t in data.get("themes", []))
    colon = "：" if lang == "zh" else ": "
    lines = [w["period"] if period else w["title"], ""]
    if data.get("text"):
        lines.append(f"- {w['llm']}{colon}{_line(data['text'])}")
        if data.get("untraced"):
            flagged = sep.join(_line(t) for t in data["untraced"])
            lines.append(f"  - ⚠ {w['untraced']}{colon}{flagged}")
    lines.append(f"- {w['themes']}{colon}{themes or w['none']}")
    lines.append(f"- {w['must']}{colon}")
    for n, item in enumerate(data.get("must_read", []), start=1):
        lines.append(f"  {n}. {_line(item['title'])} ({item['arxiv_id']}) — {_line(item['reason'])}")
    released = data.get("released", [])
    shown = sep.join(f"{_line(r['title'])} ({r['arxiv_id']})" for r in released[:10])
    more = len(released) - 10
    if more > 0:
        shown += f" … +{more}"
    lines.append(f"- {w['released']}{colon}{shown or w['none']}")
    return "\n".join(lines) + "\n"


def stored_overview(conn: Any, papers: list[PaperReport], lang: str = "zh") -> dict[str, Any]:
    """The overview of stored papers for the web day page (no request, no LLM).

    ``conn`` is a ``sqlite3.Connection`` on the store; each paper's Hugging Face artifacts
    are read from the ``paper_extras`` table (missing table or rows: none), its code links
    from its HF item and summary. Returns :func:`compute_overview`'s dict; render it with
    :func:`overview_markdown` (through a ``DayReport``) or use its fields in a template.
    """
    import dataclasses
    import json
    import sqlite3

    from ..models import NOT_MENTIONED
    from .artifacts import runnable
    from .extras import ARTIFACTS

    annotated = []
    for report in papers:
        hub = None
        try:
            row = conn.execute("SELECT data FROM paper_extras WHERE arxiv_id = ? AND kind = ?",
                               (report.ref.arxiv_id, ARTIFACTS)).fetchone()
            hub = json.loads(row[0]) if row else None
        except sqlite3.Error:
            hub = None
        text = report.summary.usage.code_and_resources if report.summary is not None else ""
        arts = runnable(report.ref, hub, (), "" if text == NOT_MENTIONED else text)
        copy = dataclasses.replace(report, insights={**report.insights,
                                                     "artifacts": [a.to_dict() for a in arts]})
        annotated.append(copy)
    return compute_overview(annotated, lang)
