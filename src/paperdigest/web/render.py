"""HTML rendering with jinja2 (autoescape on for every HTML/XML template).

Everything that comes from papers or models (titles, abstracts, summaries, reasons, links)
reaches a template as data and is escaped there; URLs pass :func:`.links.safe_url` first.
Templates never mark data ``|safe``; the only markup built in Python is the search snippet,
whose pieces are escaped one by one (:func:`highlight`).

The same templates serve the static site (:class:`StaticUrls`: relative links, works from
``file://``) and ``paperdigest serve`` (:class:`ServerUrls`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..contract.vocab import NOT_MENTIONED_MARKERS, VOCABULARIES, vocabulary
from ..models import PaperReport
from .links import paper_links
from .vocab import part_names, usage_labels

try:
    import jinja2
    from markupsafe import Markup, escape
except ImportError as exc:  # pragma: no cover - exercised without the extra
    from ..errors import InputError

    raise InputError(
        "the web archive needs the [web] extra: pip install 'paperdigest[web]'"
    ) from exc

__all__ = [
    "AbsoluteUrls",
    "PaperCard",
    "ServerUrls",
    "StaticUrls",
    "card",
    "environment",
    "highlight",
    "templates_digest",
    "ui",
    "with_body",
]

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

#: Interface words per report language (summary part names come from the vocabulary).
UI: dict[str, dict[str, str]] = {
    "zh": {
        "archive": "归档", "search": "搜索", "feed": "订阅", "papers": "篇论文",
        "summarized": "已摘要", "failed": "失败", "listed_on": "列表日期", "theme": "切换深色/浅色",
        "links": "链接", "source": "阅读来源", "untraced": "⚠ 未在原文中找到：",
        "traced": "核验", "traced_fmt": "{found}/{total} 个数字与名称在原文中找到",
        "failure": "❌ 未能生成：", "pending": "尚未摘要", "read": "已读",
        "days": "出现于", "no_results": "没有找到结果", "search_placeholder": "搜索标题、摘要、关键词…",
        "results_for": "搜索结果", "failures": "失败的论文", "contents": "目录",
        "upvotes": "点赞", "no_days": "存档为空：先运行 paperdigest run",
        "search_help": "多个词为“且”；可用 \"短语\"、OR、NOT、前缀*",
        "loading": "正在加载索引…",
        "ask": "提问", "ask_title": "向存档提问", "question": "问题", "date_from": "起始日期",
        "date_to": "结束日期", "abstract": "原文摘要",
    },
    "en": {
        "archive": "Archive", "search": "Search", "feed": "Feed", "papers": "papers",
        "summarized": "summarized", "failed": "failed", "listed_on": "listed on",
        "theme": "Toggle dark/light theme", "links": "Links", "source": "Source",
        "untraced": "⚠ Not found in the paper: ", "traced": "Verified",
        "traced_fmt": "{found}/{total} numbers and names found in the paper",
        "failure": "❌ Not summarized: ", "pending": "Not summarized yet", "read": "Read",
        "days": "Listed on", "no_results": "No results", "search_placeholder":
        "Search titles, abstracts, keywords…", "results_for": "Results",
        "failures": "Failed papers", "contents": "Contents", "upvotes": "upvotes",
        "no_days": "The archive is empty: run paperdigest run first",
        "search_help": "Words are ANDed; use \"phrases\", OR, NOT, prefix*",
        "loading": "Loading the index…",
        "ask": "Ask", "ask_title": "Ask the archive", "question": "question",
        "date_from": "from", "date_to": "to", "abstract": "Abstract",
    },
}

_BACKENDS = {"extractive": {"zh": "抽取式摘要", "en": "extractive"}}


def ui(lang: str) -> dict[str, Any]:
    """Interface words, part names and usage labels for ``lang`` (``zh`` or ``en``)."""
    lang = lang if lang in UI else "zh"
    parts, usage = part_names(lang), usage_labels(lang)
    return {**UI[lang], "lang": lang, "parts": parts, "usage": usage}


class StaticUrls:
    """Relative links for a page ``depth`` folders below the site root (file:// works)."""

    suffix = ".html"

    def __init__(self, depth: int = 0) -> None:
        self.root = "../" * depth

    def index(self) -> str:
        return f"{self.root}index.html"

    def day(self, date: str) -> str:
        return f"{self.root}days/{date}.html"

    def paper(self, arxiv_id: str) -> str:
        return f"{self.root}papers/{arxiv_id}.html"

    def search(self) -> str:
        return f"{self.root}search.html"

    def static(self, name: str) -> str:
        return f"{self.root}static/{name}"

    def feed(self, fmt: str, date: str | None = None) -> str:
        return f"{self.root}feeds/{date + '.' if date else ''}{fmt}.xml"


class AbsoluteUrls(StaticUrls):
    """Static-site links below an absolute ``base_url`` (for email and feeds)."""

    def __init__(self, base_url: str) -> None:
        self.root = base_url.rstrip("/") + "/"


class ServerUrls(StaticUrls):
    """Absolute paths for ``paperdigest serve``."""

    def __init__(self) -> None:
        self.root = "/"

    def index(self) -> str:
        return "/"

    def day(self, date: str) -> str:
        return f"/days/{date}"

    def paper(self, arxiv_id: str) -> str:
        return f"/papers/{arxiv_id}"

    def search(self) -> str:
        return "/search"


@dataclass
class PaperCard:
    """What a template shows for one paper (a PaperReport plus derived values)."""

    report: PaperReport
    links: list[Any]
    untraced: list[str]
    traced: tuple[int, int] | None
    """(claims found, claims) of the verification, when there is one."""
    days: list[str]
    body_html: Markup | None = None
    """The rendered links, five parts and notes (:func:`with_body`), shared by the day page,
    the paper page and the feeds; rendered by the template when ``None``."""

    @property
    def ref(self) -> Any:
        return self.report.ref


def with_body(c: PaperCard, words: dict[str, Any]) -> PaperCard:
    """``c`` with :attr:`PaperCard.body_html` rendered once (autoescaped like every template)."""
    c.body_html = Markup(_paper_macros().body(c, words))
    return c


@cache
def _paper_macros() -> Any:
    return environment().get_template("_paper.html").module


def card(report: PaperReport, days: list[str] | None = None) -> PaperCard:
    verification = report.verification
    untraced: list[str] = []
    traced = None
    if verification is not None:
        for claim in verification.untraced:
            text = " ".join(claim.text.split())
            if text and text not in untraced:
                untraced.append(text)
        traced = (sum(c.found for c in verification.claims), len(verification.claims))
    return PaperCard(report=report, links=paper_links(report.ref), untraced=untraced,
                     traced=traced, days=days or [])


def highlight(snippet: str) -> Markup:
    """A search snippet (see :func:`paperdigest.index.snippet_parts`) as escaped HTML."""
    from ..index import snippet_parts

    return Markup("").join(
        Markup("<mark>{}</mark>").format(text) if marked else escape(text)
        for text, marked in snippet_parts(snippet)
    )


def field_text(text: str, lang: str) -> str:
    """A summary field as a page in ``lang`` shows it: either language's "not mentioned in the
    paper" marker (:data:`~paperdigest.contract.vocab.NOT_MENTIONED_MARKERS`, a field empty on
    purpose) is written in the page's language; any other text as stored."""
    return vocabulary(lang).not_mentioned if text.strip() in NOT_MENTIONED_MARKERS else text


def label_text(label: str, value: str, lang: str) -> str:
    """An innovation title / result setting as a page in ``lang`` shows it: when its value is
    a "not mentioned" marker, a label from the summarizers' fixed vocabulary (the marker
    itself, :attr:`~paperdigest.contract.vocab.Vocabulary.no_result_setting` ``实验`` /
    ``Experiments``, :attr:`~paperdigest.contract.vocab.Vocabulary.default_result_setting`)
    is written in ``lang`` too; any other label as stored."""
    if value.strip() not in NOT_MENTIONED_MARKERS:
        return label
    page = vocabulary(lang)
    for vocab in VOCABULARIES.values():
        for name in ("not_mentioned", "no_result_setting", "default_result_setting"):
            if label.strip() == getattr(vocab, name):
                return str(getattr(page, name))
    return label


def other_language_note(report: PaperReport, lang: str) -> str:
    """The note of a paper whose shown summary is not in the page's ``lang`` (only another
    language's is stored, :mod:`.data`), in ``lang``: the words ``paperdigest show --lang``
    prints (:attr:`~paperdigest.contract.vocab.Vocabulary.other_language_note`); ``""``
    when the summary is in ``lang`` or there is none."""
    summary = report.summary
    if summary is None or summary.language == lang:
        return ""
    return vocabulary(lang).other_language_note.format(
        wanted=lang, shown=summary.language, arxiv_id=report.ref.arxiv_id)


def _backend_label(report: PaperReport, lang: str) -> str:
    names = _BACKENDS.get(report.backend)
    if names:
        return names.get(lang, report.backend)
    return report.model or report.backend


@cache
def environment() -> jinja2.Environment:
    """The jinja2 environment: package templates, autoescape on, undefined is an error."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # package templates do not change while running
    )
    env.globals["backend_label"] = _backend_label
    env.globals["other_language_note"] = other_language_note
    env.filters["field"] = field_text
    env.filters["label"] = label_text
    env.filters["highlight"] = highlight
    env.filters["one_line"] = lambda text: " ".join(str(text or "").split())
    return env


@cache
def templates_digest() -> str:
    """Hash of every template and static file (a site built with other ones is rebuilt)."""
    digest = hashlib.sha256()
    for path in sorted([*TEMPLATES.rglob("*"), *STATIC.rglob("*")]):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:20]
