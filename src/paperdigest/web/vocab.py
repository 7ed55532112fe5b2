"""Part names and usage labels of the five-part summary, per report language, and the
served pages' error and status lines in the page's language.

The words are the report's (:mod:`paperdigest.contract.vocab`, one table per language);
:func:`part_names` and :func:`usage_labels` give them the shapes the web pages and
plain-text delivery use.
"""

from __future__ import annotations

import re
from datetime import date as _date

from ..contract.vocab import vocabulary

__all__ = ["date_error", "not_found", "not_own_day", "part_names", "query_error", "range_error",
           "usage_labels"]


def part_names(lang: str) -> tuple[str, ...]:
    """The five part headings (``应用领域`` … / ``Domain`` …)."""
    return tuple(vocabulary(lang).part_names)


def usage_labels(lang: str) -> dict[str, str]:
    """Usage field → label, in report order (``input`` → ``输入`` …)."""
    return {field: label for field, label in vocabulary(lang).usage_labels.items()}


# ------------------------------------------------------------------ messages of the pages
# The served pages' error and status lines in the page's language (QA: a Chinese page must
# not say "search syntax: …"). English lines are the library's own messages, unchanged (the
# same words the CLI prints); the Chinese ones say the same thing.

#: Chinese for the query errors of :mod:`paperdigest.index` and :mod:`paperdigest.ask`
#: (:class:`~paperdigest.index.SearchQueryError`): a pattern matched at the start of the
#: English message, and the Chinese line (``{0}`` … are the pattern's groups); the first
#: match wins.
_QUERY_ERRORS_ZH: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), text) for pattern, text in (
        (r"type one or more words", "请输入要搜索的词"),
        (r"search syntax: a double quote is not closed",
         "搜索语法：双引号没有闭合；短语请用一对双引号括起来，例如 \"reward model\""),
        (r"search syntax: (AND|OR|NOT) needs a word before and after it",
         "搜索语法：{0} 前后都需要词，例如 agents {0} robotics"),
        (r"search syntax: unexpected character ('.{1,8}?');",
         "搜索语法：无法识别的字符 {0}；请输入词语，例如 reward model"),
        (r"search syntax: empty parentheses",
         "搜索语法：括号里是空的；请在括号内写词，例如 (agents OR robotics)"),
        (r"search syntax: a closing parenthesis has no opening one",
         "搜索语法：右括号没有对应的左括号，例如 (agents OR robotics)"),
        (r"search syntax: a parenthesis is not closed",
         "搜索语法：括号没有闭合，例如 (agents OR robotics)"),
        (r"search syntax:", "搜索语法有误：请使用词语、\"带引号的短语\"、OR、NOT、括号和前缀*"),
        (r"the question has no word to search for",
         "问题中没有可搜索的词（只有停用词或标点）"),
    )
)
_QUERY_ERROR_ZH = "无法解析这个查询：多个词为“且”；可用 \"短语\"、OR、NOT、前缀*"


def query_error(message: str, lang: str) -> str:
    """A :class:`~paperdigest.index.SearchQueryError` message for a page in ``lang``.

    ``en``: the message as raised. ``zh``: its Chinese counterpart, or one general Chinese
    line for a message without one (never the English text on a Chinese page).
    """
    if lang == "en":
        return message
    for pattern, text in _QUERY_ERRORS_ZH:
        match = pattern.match(message)
        if match:
            return text.format(*match.groups())
    return _QUERY_ERROR_ZH


def date_error(option: str, value: str, error: Exception, lang: str) -> str:
    """A bad date in query parameter ``option`` (``from``/``to``) for a page in ``lang``.

    ``error`` is what :func:`paperdigest.dates.parse_day` raised (the CLI's parser): the
    English line is the CLI's (``from: invalid date '2026-13-01': month must be in 1..12;
    use YYYY-MM-DD``), the Chinese one says the same in Chinese.
    """
    if lang == "en":
        return f"{option}: {error}"
    return f"{option}：日期 {value!r} 无效，请用不晚于今天的真实日期 YYYY-MM-DD（例如 2026-01-31）"


def range_error(start: str, end: str, error: Exception, lang: str) -> str:
    """``from`` after ``to`` for a page in ``lang``: ``error`` is what
    :func:`paperdigest.dates.check_order` raised (the CLI's one wording of it)."""
    if lang == "en":
        return str(error)
    return f"from {start} 晚于 to {end}：起始日期不能晚于结束日期"


def not_own_day(date: str, page_of: str, lang: str, href: str | None = None) -> str:
    """Why ``date`` has no page: its list is the one shown on ``page_of``
    (:func:`paperdigest.web.data.day_pages`). With ``href`` (that page's URL) the words
    "the {page_of} page" are a link to it, as :class:`~markupsafe.Markup` (the rest escaped)."""
    if lang == "en":
        head = f"{date} has no list of its own: its papers are the {page_of} list, shown on "
        target = f"the {page_of} page"
    else:
        head = f"{date} 没有自己的论文列表：它的论文是 {page_of} 的列表，见"
        target = f" {page_of} 的页面"
    if href is None:
        return head + target
    from markupsafe import Markup  # the [web] extra (jinja2's); delivery imports this module

    return Markup('{}<a href="{}">{}</a>').format(head, href, target)


_NOT_FOUND = {
    "en": {"invalid_day": "invalid date {value}: not a real calendar date; use YYYY-MM-DD "
                          "(e.g. 2026-01-31)",
           "day": "no stored day {value}", "paper": "no stored paper {value}",
           "feed": "no such feed", "page": "no such page"},
    "zh": {"invalid_day": "日期 {value} 无效：不是真实的日历日期；请用 YYYY-MM-DD（例如 2026-01-31）",
           "day": "没有 {value} 这一天的已存列表", "paper": "没有已存的论文 {value}",
           "feed": "没有这个订阅源", "page": "没有这个页面"},
}
_DAY_FORM = re.compile(r"\d{4}-\d{2}-\d{2}")


def not_found(kind: str, lang: str, value: str = "") -> str:
    """The 404 line of a served page in ``lang`` (``zh`` for any other): ``kind`` is ``day``
    (a ``YYYY-MM-DD`` that is not a real calendar date, such as 2026-02-30, says so),
    ``paper`` (``value`` the arXiv id), ``feed`` or ``page``."""
    words = _NOT_FOUND["en" if lang == "en" else "zh"]
    if kind == "day":
        try:
            valid = bool(_DAY_FORM.fullmatch(value)) and bool(_date.fromisoformat(value))
        except ValueError:
            valid = False
        if not valid:
            kind = "invalid_day"
    return words[kind].format(value=value)
