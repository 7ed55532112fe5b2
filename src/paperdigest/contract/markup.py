"""The Markdown escaping of text from papers and models (issue 11, item 10; issue 14).

Text is stored, put in JSON and handed to every output as the plain text it is; each output
escapes it for its own format exactly once, when it renders (HTML: jinja2 autoescape; feeds:
feedgen; chat: each platform's rule; terminal: rich with ``markup=False``). This module is the
Markdown report's escape: :func:`neutralize_markup` is applied by the Markdown renderers to
every piece of text they write (titles, reasons, notes, summary fields) and
:func:`unescape_markup` is its exact inverse, applied by the summary parser, so
``unescape_markup(neutralize_markup(t)) == t`` for every ``t`` and the report round-trips.

:func:`unescape_legacy` undoes what the validator of earlier versions wrote into stored
summaries (``&lt;b>``, ``]\\(javascript:``), for the store migration that turns them back
into plain text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
# CommonMark raw HTML: open/closing tags, comments, CDATA, declarations, processing
# instructions (spec §6.6), and autolinks (§6.5) — only the '<' is replaced.
_RAW_HTML = re.compile(
    r"<(?=/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|!--|!\[CDATA\[|![A-Za-z]|\?)"
)
_AUTOLINK = re.compile(r"<(?=[A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*>)")
_INLINE_LINK = re.compile(r"\]\((?P<dest>\s*<?[^)\s>]*)")
_LINK_DEFINITION = re.compile(r"^(?P<lead> {0,3})\[(?P<ref>[^\]\n]+)\]:\s*<?(?P<dest>\S*)", re.MULTILINE)
_UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")
# An '&' that would start a character reference in CommonMark (named, decimal or hex): it is
# written as '&amp;' so that a reader sees the text's own '&lt;' and the parser gets it back.
_ENTITY_LIKE = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9A-Fa-f]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)")
#: What :func:`neutralize_markup` writes and :func:`unescape_markup` reads back.
_ESCAPES = {"&amp;": "&", "&lt;": "<", "&#40;": "(", "&#91;": "["}
_ESCAPED = re.compile("|".join(re.escape(e) for e in _ESCAPES))
_INVISIBLE = re.compile(r"[\x00-\x20\u200b-\u200f\u2028\u2029\ufeff]")


# ECMA-48 escape sequences: CSI (ESC [ or U+009B, parameters, intermediates, final byte), OSC/DCS/
# SOS/PM/APC strings up to BEL or ST, and two-character escapes (ESC + one character).
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)
# Unicode category Cc (C0, DEL, C1) except newline and tab.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_control(text: str) -> str:
    """``text`` without terminal escape sequences and control characters (Unicode category
    ``Cc``) other than ``\\n`` and ``\\t``; ``\\r\\n`` and a lone ``\\r`` become ``\\n``.

    ``"a\\x1b[2J\\x1b[31mRED"`` → ``"aRED"`` (a whole ECMA-48 sequence goes, so no fragment such
    as ``[31m`` is left to read as text). For text from models and papers before it reaches a
    terminal or a verifier: unlike :func:`neutralize_markup` it is a cleaning, not an escape,
    and it is not undone.
    """
    if not _CONTROL.search(text):
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))


def _unsafe_url(dest: str) -> bool:
    # '&amp;' first: the text's own references were escaped before the links are looked at.
    url = _INVISIBLE.sub("", html.unescape(dest.replace("&amp;", "&"))).lstrip("<").lower()
    return url.startswith(_UNSAFE_SCHEMES)


def _neutralize_plain(text: str) -> str:
    # Each replacement writes one character as a reference that starts with '&' (and the
    # '&' of the text's own references as '&amp;'), so the inverse is one left-to-right pass.
    text = _ENTITY_LIKE.sub("&amp;", text)
    text = _RAW_HTML.sub("&lt;", text)
    text = _AUTOLINK.sub(lambda m: "&lt;" if _unsafe_autolink(text, m.end()) else "<", text)
    text = _INLINE_LINK.sub(
        lambda m: "]&#40;" + m.group("dest") if _unsafe_url(m.group("dest")) else m.group(0),
        text,
    )
    return _LINK_DEFINITION.sub(
        lambda m: (
            f"{m.group('lead')}&#91;{m.group('ref')}]: {m.group('dest')}"
            if _unsafe_url(m.group("dest"))
            else m.group(0)
        ),
        text,
    )


def _unsafe_autolink(text: str, start: int) -> bool:
    end = text.find(">", start)
    return _unsafe_url(text[start:end])


def _outside_code_spans(text: str, fn: Callable[[str], str]) -> str:
    out: list[str] = []
    last = 0
    for span in _CODE_SPAN.finditer(text):
        out.append(fn(text[last : span.start()]))
        out.append(span.group(0))
        last = span.end()
    out.append(fn(text[last:]))
    return "".join(out)


def neutralize_markup(text: str) -> str:
    """Escape ``text`` for the Markdown report: raw HTML and unsafe links become inert text.

    ``<script>`` → ``&lt;script>``, ``<!-- x -->`` → ``&lt;!-- x -->``,
    ``[x](javascript:alert(1))`` → ``[x]&#40;javascript:alert(1))`` (no longer a link),
    ``[r]: javascript:x`` → ``&#91;r]: javascript:x``, ``<javascript:…>`` →
    ``&lt;javascript:…>``, and the text's own ``&lt;`` → ``&amp;lt;`` (so a Markdown reader
    shows it as written). Plain ``<`` (``a < b``, ``$x<y$``), ``&`` (``R&D``), safe links and
    `` `<thinking>` `` inside backticks are unchanged. An escape, not a normaliser: apply it
    once, when writing Markdown; :func:`unescape_markup` is its inverse.
    """
    if "<" not in text and "](" not in text and "]:" not in text and "&" not in text:
        return text
    return _outside_code_spans(text, _neutralize_plain)


def unescape_markup(text: str) -> str:
    """The inverse of :func:`neutralize_markup`: ``&amp;`` ``&lt;`` ``&#40;`` ``&#91;`` outside
    code spans become ``&`` ``<`` ``(`` ``[``; nothing else changes.

    ``unescape_markup(neutralize_markup(t)) == t`` for every string ``t``. Applied by the
    summary parser, so a model's Markdown answer that writes ``&lt;`` means ``<`` too.
    """
    if "&" not in text:
        return text
    return _outside_code_spans(text, lambda part: _ESCAPED.sub(lambda m: _ESCAPES[m.group(0)], part))


# What the validator of versions before the plain-text rule stored (it applied the old
# neutralize_markup): '&lt;' before a tag or an unsafe autolink, ']\\(' before an unsafe
# destination, '\\[ref]: ' before an unsafe link definition.
_LEGACY_TAG = re.compile(
    r"&lt;(?=/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|!--|!\[CDATA\[|![A-Za-z]|\?)"
)
_LEGACY_AUTOLINK = re.compile(r"&lt;(?=[A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*>)")
_LEGACY_LINK = re.compile(r"\]\\\((?P<dest>\s*<?[^)\s>]*)")
_LEGACY_DEFINITION = re.compile(
    r"^(?P<lead> {0,3})\\\[(?P<ref>[^\]\n]+)\]: (?P<dest>\S*)", re.MULTILINE
)


def _unescape_legacy_plain(text: str) -> str:
    text = _LEGACY_TAG.sub("<", text)
    text = _LEGACY_AUTOLINK.sub(lambda m: "<" if _unsafe_autolink(text, m.end()) else "&lt;", text)
    text = _LEGACY_LINK.sub(
        lambda m: "](" + m.group("dest") if _unsafe_url(m.group("dest")) else m.group(0), text
    )
    return _LEGACY_DEFINITION.sub(
        lambda m: (
            f"{m.group('lead')}[{m.group('ref')}]: {m.group('dest')}"
            if _unsafe_url(m.group("dest"))
            else m.group(0)
        ),
        text,
    )


def unescape_legacy(text: str) -> str:
    """Undo the Markdown escaping that earlier versions stored in summaries (store migration).

    ``&lt;b>bold&lt;/b>`` → ``<b>bold</b>``, ``[x]\\(javascript:y)`` → ``[x](javascript:y)``,
    ``\\[r]: javascript:y`` → ``[r]: javascript:y``; only where the old escape would have
    written exactly that (a ``&lt;`` before a tag, a ``]\\(`` before an unsafe URL), so text
    such as ``a &lt; b`` or ``f]\\(x)`` is kept; code spans are kept.
    """
    if "&lt;" not in text and "\\" not in text:
        return text
    return _outside_code_spans(text, _unescape_legacy_plain)
