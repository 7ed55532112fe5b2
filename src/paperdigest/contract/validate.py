"""The one validator of a :class:`~paperdigest.models.PaperSummary` (DESIGN §3).

Every summarizer's output passes here before it is stored or rendered; the LLM's JSON
(:mod:`paperdigest.llm.schema`) and Markdown answers are checked by the same rules.

A summary is valid when (:func:`summary_problems` returns ``[]``):

* every string is non-empty, without leading/trailing whitespace, blank lines, tabs or other
  line breaks than ``\\n``, lines starting with ``#`` or ``>``, or the 60-'=' separator;
* innovation titles and result settings are single-line, without ``**``, a leading/trailing
  ``*`` or a trailing colon, and do not read as a part heading;
* text is plain text, stored as it is: raw HTML, ``&lt;`` or a ``javascript:`` link in it is
  content (a paper about HTML may name ``<b>``), never escaped here; each output escapes it
  for its own format when it renders (issue 14 "escaping everywhere"; the Markdown report
  through :func:`~paperdigest.contract.markup.neutralize_markup`);
* no text is longer than :data:`MAX_TEXT_CHARS` (titles/settings :data:`MAX_LABEL_CHARS`);
* no value *is* a prompt hint or a label (``"输入"``, ``"hardware needs (GPU type and count,
  model size)"``, ``"创新点标题（一行）"``), compared after trimming punctuation and case, and
  none repeats a long hint (issue 10, item 5). A value that merely starts with a common word
  ("Input images …", "输入图像…") is fine;
* at least one innovation and one result; language ``zh`` or ``en``.

For a valid summary ``parse_summary_markdown(render_summary(s), s.language) == s``
(:mod:`paperdigest.contract.markdown`). :func:`normalize_summary` fixes what is only form
(whitespace, ``#``/``>`` at line starts, bold markers, echoed labels such as ``输入：``,
over-long text) and never invents content or escapes it. Problem messages name the field and say
what to change, because they are shown to the model in the repair round.
"""

from __future__ import annotations

import re
import unicodedata

from ..models import Innovation, PaperSummary, Result, Usage
from .labels import USAGE_FIELDS
from .markdown import part_heading
from .markup import strip_control
from .vocab import EN, NOT_MENTIONED_MARKERS, VOCABULARIES, Vocabulary, vocabulary

#: Longest text of a free-text field (domain, contribution, usage, detail, finding). The
#: reference's longest is 387 characters; a cap keeps one runaway answer from flooding a report.
MAX_TEXT_CHARS = 2000
#: Longest innovation title / result setting (reference: 50 characters).
MAX_LABEL_CHARS = 200
#: A hint with at least this many words (en) or characters (zh, punctuation removed) is
#: "long": a value that contains it repeats the prompt.
LONG_HINT_WORDS = 4
LONG_HINT_CHARS = 6

#: What each field holds, for repair messages ("write the paper's own …").
FIELD_WHAT: dict[str, str] = {
    "domain": "research field",
    "contribution": "core contribution in one sentence",
    "usage.input": "input (what the method takes)",
    "usage.output": "output (what the method produces)",
    "usage.workflow": "workflow (how it is used, step by step)",
    "usage.hardware": "hardware needs (GPU type and count, model size)",
    "usage.code_and_resources": "code and resources (repository, project page, datasets)",
    "innovations.title": "innovation's short name (e.g. the method or module name)",
    "innovations.detail": "explanation of the innovation",
    "results.setting": "setting or benchmark name",
    "results.finding": "result (with the numbers it reports)",
}

# Values that are labels but legitimate in one field: the parser's default result setting and
# the prompt's "no experiments" example.
_ALLOWED: dict[str, frozenset[str]] = {
    "results.setting": frozenset({"结果", "result", "results", "实验", "experiments"}),
}


# --------------------------------------------------------------------------- hints/labels


def _key(text: str) -> str:
    """Compare form: lower-case, without punctuation, symbols and spaces."""
    return "".join(
        ch for ch in unicodedata.normalize("NFKC", text).lower()
        if unicodedata.category(ch)[0] in "LN"
    )


_PARENTHETICAL = re.compile(r"[（(][^（）()]*[）)]")


def _hint_forms(hint: str) -> set[str]:
    """A hint and its short forms: without parentheses, and before its first comma."""
    bare = _PARENTHETICAL.sub("", hint).strip()
    return {hint, bare, re.split(r"[，,]", bare, maxsplit=1)[0]}


def _labels_of(vocab: Vocabulary) -> set[str]:
    """What a field must not consist of: part names, usage labels and the hints' short forms."""
    labels = {*vocab.part_names, *vocab.usage_labels.values()}
    for hint in vocab.hints.values():
        labels.update(_hint_forms(hint))
    return labels


_LABEL_KEYS: frozenset[str] = frozenset(
    _key(label) for vocab in VOCABULARIES.values() for label in _labels_of(vocab)
) - {""}
_HINT_KEYS: frozenset[str] = frozenset(
    _key(hint) for vocab in VOCABULARIES.values() for hint in vocab.hints.values()
)


def _is_long(hint: str, vocab: Vocabulary) -> bool:
    if vocab is EN:
        return len(re.findall(r"[A-Za-z0-9']+", hint)) >= LONG_HINT_WORDS
    return len(_key(hint)) >= LONG_HINT_CHARS


_LONG_HINT_KEYS: tuple[str, ...] = tuple(
    sorted(
        {
            _key(hint)
            for vocab in VOCABULARIES.values()
            for hint in vocab.hints.values()
            if _is_long(hint, vocab)
        }
    )
)


def _kind(path: str) -> str:
    """``innovations[2].title`` → ``innovations.title``."""
    return re.sub(r"\[\d+\]", "", path)


def echo_problem(path: str, value: str) -> str | None:
    """Why ``value`` of field ``path`` is a copied hint or label, or ``None``.

    ``path`` is e.g. ``usage.hardware`` or ``innovations[3].title``.
    """
    key = _key(value)
    if not key or value.strip() in NOT_MENTIONED_MARKERS:
        return None
    kind = _kind(path)
    if key in _ALLOWED.get(kind, frozenset()):
        return None
    what = FIELD_WHAT.get(kind, "content")
    fix = (
        f"replace it with the paper's own {what}, or '{vocabulary('zh').not_mentioned}' / "
        f"'{vocabulary('en').not_mentioned}' when the paper does not say"
    )
    if key in _HINT_KEYS:
        return f"{path} is the prompt's hint {value.strip()!r} copied, not content: {fix}"
    if key in _LABEL_KEYS:
        return f"{path} is only the label {value.strip()!r}, not content: {fix}"
    for hint in _LONG_HINT_KEYS:
        if hint in key:
            return f"{path} repeats the prompt's hint text, not content: remove the hint and {fix}"
    return None


def _echo_labels(path: str) -> list[str]:
    """Labels a model may write in front of field ``path``'s value, longest first."""
    kind = _kind(path)
    labels: set[str] = set()
    for vocab in VOCABULARIES.values():
        labels.update(vocab.echo_labels.get(kind, ()))
        if kind.startswith("usage."):
            labels.add(vocab.usage_labels[kind.removeprefix("usage.")])  # type: ignore[index]
    return sorted(labels, key=len, reverse=True)


def strip_echoed_label(path: str, value: str) -> str:
    """``value`` without a copied field label in front (``"输入：图像"`` → ``"图像"``).

    Only the labels of field ``path`` itself are removed (``输入``/``Input`` for
    ``usage.input``, ``创新点标题``/``创新点`` for ``innovations[i].title``, …), optionally in
    bold and followed by a colon; a value that is nothing but the label is returned as is
    (and then rejected by :func:`echo_problem`).
    """
    stripped = value.lstrip()
    for label in _echo_labels(path):
        pattern = re.compile(
            r"^\**\s*" + re.escape(label) + r"\s*\**\s*[：:]\s*\**\s*", re.IGNORECASE
        )
        match = pattern.match(stripped)
        if match and stripped[match.end() :].strip():
            return stripped[match.end() :]
    return value


# --------------------------------------------------------------------------- problems


_SEPARATOR_LINE = re.compile(r"={60,}")


def _text_problems(name: str, value: str, *, single_line: bool = False) -> list[str]:
    problems: list[str] = []
    if not value.strip():
        zh, en = vocabulary("zh").not_mentioned, vocabulary("en").not_mentioned
        return [f"{name} is empty: write its content, or '{zh}' / '{en}' when the paper does not say"]
    if value != value.strip():
        problems.append(f"{name} has leading/trailing whitespace")
    lines = value.split("\n")
    if value.splitlines() != lines or "\r" in value or "\t" in value:
        problems.append(f"{name} contains line breaks other than '\\n' or tabs")
    if single_line and len(lines) > 1:
        problems.append(f"{name} must be a single line: move the rest into the detail/finding")
    for line in lines:
        stripped = line.strip()
        if not stripped:
            problems.append(f"{name} contains a blank line")
        elif line != line.rstrip():
            problems.append(f"{name} has a line with trailing whitespace")
        elif stripped.startswith("#"):
            problems.append(f"{name} has a line starting with '#'")
        elif stripped.startswith(">"):
            problems.append(f"{name} has a line starting with '>' (a note)")
        elif _SEPARATOR_LINE.fullmatch(stripped):
            problems.append(f"{name} contains the 60-'=' separator line")
    limit = MAX_LABEL_CHARS if single_line else MAX_TEXT_CHARS
    if len(value) > limit:
        problems.append(f"{name} is longer than {limit} characters: shorten it")
    if echo := echo_problem(name, value):
        problems.append(echo)
    return problems


def _label_problems(name: str, value: str) -> list[str]:
    problems = _text_problems(name, value, single_line=True)
    if "**" in value or value.startswith("*") or value.endswith("*"):
        problems.append(f"{name} must not contain '**' or start/end with '*'")
    if value.endswith(("：", ":")):
        problems.append(f"{name} must not end with a colon")
    return problems


def _heading_problem(name: str, value: str) -> str:
    return (
        f"{name} {value!r} looks like a part heading: write the {FIELD_WHAT[_kind(name)]} "
        "itself, without a part name such as 应用领域/创新点/实验效果 or Domain/Results"
    )


def summary_problems(summary: PaperSummary) -> list[str]:
    """Why ``summary`` is not valid (empty list when it is); rules in the module docstring.

    Each message starts with the field path (``usage.input``, ``innovations[0].title``) and,
    where the model must change something, says what.
    """
    problems: list[str] = []
    for name in ("domain", "contribution"):
        value: str = getattr(summary, name)
        problems += _text_problems(name, value)
        if part_heading(value.split("\n", 1)[0]) is not None:
            problems.append(_heading_problem(name, value.split("\n", 1)[0]))
    for usage_field in USAGE_FIELDS:
        problems += _text_problems(f"usage.{usage_field}", getattr(summary.usage, usage_field))
    if not summary.innovations:
        problems.append("no innovations: give 1 to 6")
    for i, innovation in enumerate(summary.innovations):
        problems += _label_problems(f"innovations[{i}].title", innovation.title)
        # A numbered item such as "5.  **实验效果**：…" would read as the next part's heading.
        if part_heading(f"{i + 1}.  **{innovation.title}**：x") is not None:
            problems.append(_heading_problem(f"innovations[{i}].title", innovation.title))
        problems += _text_problems(f"innovations[{i}].detail", innovation.detail)
    if not summary.results:
        problems.append("no results: give at least 1")
    for i, result in enumerate(summary.results):
        problems += _label_problems(f"results[{i}].setting", result.setting)
        problems += _text_problems(f"results[{i}].finding", result.finding)
    if summary.language not in ("zh", "en"):
        problems.append(f"language must be 'zh' or 'en', not {summary.language!r}")
    return problems


def is_valid_summary(summary: PaperSummary) -> bool:
    """True when ``summary`` passes :func:`summary_problems` (it round-trips through Markdown)."""
    return not summary_problems(summary)


# --------------------------------------------------------------------------- normalisation


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def _clean_text(value: str, not_mentioned: str, path: str = "") -> str:
    # Terminal escapes and control characters from a model never reach a report or a verifier.
    lines = strip_control(value).expandtabs(4).splitlines()
    kept = [line.rstrip() for line in lines if line.strip()]
    kept = [line for line in kept if not _SEPARATOR_LINE.fullmatch(line.strip())]
    kept = [line.replace("#", "＃", 1) if line.lstrip().startswith("#") else line for line in kept]
    kept = [line.replace(">", "＞", 1) if line.lstrip().startswith(">") else line for line in kept]
    text = "\n".join(kept).strip()
    if path:
        text = strip_echoed_label(path, text).strip()
    return _cap(text, MAX_TEXT_CHARS) or not_mentioned


def _clean_label(value: str, not_mentioned: str, path: str = "") -> str:
    text = " ".join(_clean_text(value, "", path).split())
    text = text.replace("**", "")
    while (trimmed := text.strip("* ").rstrip("：:").strip()) != text:  # "0*:" → "0*" → "0"
        text = trimmed
    return _cap(text, MAX_LABEL_CHARS) or not_mentioned


def plain_label(value: str) -> str:
    """``value`` as a one-line label, cleaned as :func:`normalize_summary` cleans innovation
    titles: spaces collapsed, ``**`` removed, a leading/trailing ``*`` and a trailing colon
    trimmed (``"**自然语言处理"`` → ``"自然语言处理"``); ``""`` when nothing is left."""
    return _clean_label(value, "")


def normalize_summary(summary: PaperSummary) -> PaperSummary:
    """Fix what is only form, so that more model answers pass :func:`is_valid_summary`.

    Drops blank lines, trailing spaces, tabs and 60-'=' lines; turns a leading '#' or '>'
    into its full-width form (＃, ＞); removes a copied field label in front of a value
    (``输入：图像`` → ``图像``, :func:`strip_echoed_label`); cuts text beyond the length caps with "…"; makes
    titles/settings single-line without '**' or a trailing colon; empty strings become the
    language's "not mentioned" marker. It never invents content: an empty innovation/result
    list stays empty, and a part heading look-alike or a copied hint stays invalid. Markup is
    left as it is (``<b>`` stays ``<b>``): it is escaped by each output, not in the store.
    """
    nm = vocabulary(summary.language).not_mentioned
    usage = Usage(
        **{f: _clean_text(getattr(summary.usage, f), nm, f"usage.{f}") for f in USAGE_FIELDS}
    )
    return PaperSummary(
        domain=_clean_text(summary.domain, nm, "domain"),
        contribution=_clean_text(summary.contribution, nm, "contribution"),
        usage=usage,
        innovations=[
            Innovation(
                title=_clean_label(inn.title, nm, f"innovations[{i}].title"),
                detail=_clean_text(inn.detail, nm, f"innovations[{i}].detail"),
            )
            for i, inn in enumerate(summary.innovations)
        ],
        results=[
            Result(
                setting=_clean_label(res.setting, nm, f"results[{i}].setting"),
                finding=_clean_text(res.finding, nm, f"results[{i}].finding"),
            )
            for i, res in enumerate(summary.results)
        ],
        language=summary.language,
    )
