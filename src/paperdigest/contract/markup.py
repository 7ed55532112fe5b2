"""Make raw HTML and unsafe links in model or paper text inert in Markdown (issue 11, item 10).

Used by the validator (a valid summary holds none, :func:`neutralize_markup` is the fix) and
by the renderers for every piece of text they write (titles, reasons, notes, fields), so that
even a summary stored before this rule cannot put markup into a report.
"""

from __future__ import annotations

import html
import re

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
_INVISIBLE = re.compile(r"[\x00-\x20\u200b-\u200f\u2028\u2029\ufeff]")


def _unsafe_url(dest: str) -> bool:
    url = _INVISIBLE.sub("", html.unescape(dest)).lstrip("<").lower()
    return url.startswith(_UNSAFE_SCHEMES)


def _neutralize_plain(text: str) -> str:
    text = _RAW_HTML.sub("&lt;", text)
    text = _AUTOLINK.sub(lambda m: "&lt;" if _unsafe_autolink(text, m.end()) else "<", text)
    text = _INLINE_LINK.sub(
        lambda m: "]\\(" + m.group("dest") if _unsafe_url(m.group("dest")) else m.group(0), text
    )
    return _LINK_DEFINITION.sub(
        lambda m: (
            f"{m.group('lead')}\\[{m.group('ref')}]: {m.group('dest')}"
            if _unsafe_url(m.group("dest"))
            else m.group(0)
        ),
        text,
    )


def _unsafe_autolink(text: str, start: int) -> bool:
    end = text.find(">", start)
    return _unsafe_url(text[start:end])


def neutralize_markup(text: str) -> str:
    """Make raw HTML and unsafe links in ``text`` inert in Markdown; code spans are kept.

    ``<script>`` → ``&lt;script>``, ``<!-- x -->`` → ``&lt;!-- x -->``,
    ``[x](javascript:alert(1))`` → ``[x]\\(javascript:alert(1))`` (no longer a link),
    ``<javascript:…>`` → ``&lt;javascript:…>``. Plain ``<`` (``a < b``, ``$x<y$``), safe links
    and `` `<thinking>` `` inside backticks are unchanged. Idempotent.
    """
    if "<" not in text and "](" not in text and "]:" not in text:
        return text
    out: list[str] = []
    last = 0
    for span in _CODE_SPAN.finditer(text):
        out.append(_neutralize_plain(text[last : span.start()]))
        out.append(span.group(0))
        last = span.end()
    out.append(_neutralize_plain(text[last:]))
    return "".join(out)
