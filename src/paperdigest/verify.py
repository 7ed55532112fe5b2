"""Trace a summary's numbers and names back to the text it was written from.

Owns claim extraction (:func:`extract_claims`), the normalised source index
(:class:`SourceIndex`, :func:`index_source`, :func:`normalize_source`) and the lookup
(:func:`verify`, :func:`is_traced`, :func:`check_claim`).

What counts as a claim (decisions, see DESIGN §1 "verify"):

* **Numbers**: decimals, thousands separators (``1,150``), percentages (``12.5%``),
  folds (``3.5×``, ``3.5x``, ``3.5 倍``), magnitudes (``1.5B``, ``200K``, ``180 万`` =
  1.8M, ``12.3万`` = 123K, ``5 亿`` = 500M, ``1.8 million``), ranges (``7–13B`` is
  7B and 13B; both ends must be found), counts before a name (``8×A100`` is 8) and
  numbers with an attached unit (``88Hz``, ``80GB``). The claim text keeps the number
  and its sign-less suffix; a Chinese classifier is not part of it (``4 个`` → ``4``).
  A number is *found* when its value is a number token of the source: ``7.2`` never
  matches inside ``17.25``; a claim written with decimals also matches a more precise
  source value that rounds to it (``9.1`` ← ``9.13``); an integer claim marked as
  approximate (``约``, ``~``, ``超过``…) also matches a decimal that rounds to it.
  Signs are ignored (``+9.1`` = ``9.1``; summaries add signs to gains).
* **Not numbers**: list numbering (``1.`` at line start, ``(2)``, ``2)``, ``第1``),
  references to the paper's own structure (``Table 2``, ``图 3``, ``Step 1``),
  exponents/subscripts (``m/s^2``), dates (``2026-01-31``), versions (``1.2.3``),
  arXiv ids, digits inside a name (``Qwen2.5-7B`` is one name claim) and English number
  words written in the summary (``two-stage`` is wording, not a measurement).
  Years are kept as numbers: a wrong year is the kind of error the verifier exists to
  catch, and the reference report (45 entries) contains no year that would be noise.
* **Names**: single tokens that look like a proper name of a model, benchmark, dataset
  or method: CamelCase (``WebArbiter``, ``mHC``), acronyms (``GRPO``), words with
  digits and a capital (``GPT-5``, ``A100``, ``Mind2Web``), hyphenated capitalised
  compounds (``WebArena-Lite``, ``Flash-Lite``) and URLs. A capitalised ordinary word
  (``Transformer``) is not a name; generic acronyms are dropped via
  :data:`GENERIC_TERMS`. The ``domain`` field is not checked: it is the summarizer's
  classification, not a statement taken from the paper.
  A name is *found* when all its parts appear in order in the lower-cased source with at
  most one separator (space, ``-``, ``_``) between parts, on token boundaries:
  ``WebArena-Lite`` = ``WebArena Lite`` = ``WebArenaLite``; ``GPT-5`` is not found in
  ``GPT-5.1`` and ``WebArena`` not in ``VisualWebArena``; a trailing plural ``s`` and
  a hyphenated continuation are allowed (``WebPRM`` ← ``WebPRMs``, ``Qwen2.5-7B`` ←
  ``Qwen2.5-7B-Instruct``).

Source text is normalised once per document (NFKC, dashes, TeX such as ``12.5\\%``,
``$9.1$``, ``\\times``, ``1{,}024``; English number words ``four`` = 4 up to
ninety-nine, ``hundred``, ``twice``) into a set of number values and a lower-cased
text, so that checking a summary is a handful of set and regex lookups.

The number grammar (the same for the summary and the source; property-tested in
``tests/test_verify_forms.py`` by rendering one value in every form on both sides):

* digits, with thousands separators ``,`` ``，`` U+00A0 U+2007 U+2009 U+202F and TeX
  ``\\,`` ``\\;`` ``{,}`` between groups of three (``1 234 567`` = 1234567), full-width
  digits and punctuation (``１２．５％``);
* magnitudes: ``k K M B T``, ``thousand million billion trillion``, and the Chinese
  characters 十 百 千 万/萬 亿/億 alone or combined (千万 = 10^7, 千亿 = 10^11, 万亿 =
  10^12, 十亿 = 10^9), with or without a space, after an integer or a decimal; 个 is a
  classifier (``4 个`` = 4);
* scientific notation: ``1.2e-3``, ``1.2E-3``, ``1.2×10^-3``, ``1.2 x 10^{-3}``,
  ``1.2\\times10^{-3}``, ``1.2·10⁻³`` (superscripts), ``10^5``;
* ranges ``a-b``, ``a–b``, ``a~b``, ``a～b``, ``a to b``, ``a至b``, ``a到b``: a magnitude
  written after the second end applies to both (``7~13B``, ``3至5万``), and both ends must
  be found; ``a ± b``, ``a±b``, ``a +/- b``, ``a\\pm b``: both numbers are claims;
* percentages and percentage points are traced by their number: ``12.5%``, ``12.5 %``,
  ``12.5 percent``, ``12.5 pp``, ``12.5 p.p.``, ``12.5 percentage points``,
  ``12.5 个百分点`` all claim 12.5;
* multipliers: ``3×``, ``3x``, ``3 倍``, ``3-fold``, ``three-fold``, ``threefold``,
  ``三倍`` all claim 3 (a number word before ``-fold`` or a Chinese numeral before 倍 is a
  claim; other number words in a summary are wording).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

from .contract.vocab import NOT_MENTIONED_MARKERS
from .models import Claim, Document, PaperSummary, Verification

logger = logging.getLogger(__name__)

__all__ = [
    "GENERIC_TERMS",
    "SourceIndex",
    "check_claim",
    "claims_in_text",
    "extract_claims",
    "index_source",
    "is_traced",
    "normalize_source",
    "verify",
]

#: Acronyms and tokens that look like names but are generic vocabulary, platforms or
#: units, compared upper-cased with a plural ``s`` removed. Kept small on purpose: every
#: entry is a claim the verifier will never check. Chosen from the reference report,
#: where summaries add field labels ("NLP", "LLM", "RL") and hardware/platform words
#: ("GPU", "CUDA", "GitHub") that the paper text often spells out or omits.
GENERIC_TERMS: frozenset[str] = frozenset(
    {
        # field / task labels
        "AI", "AGI", "LLM", "MLLM", "VLM", "LM", "NLP", "CV", "RL", "ML", "DL", "NN",
        "SOTA",
        # computing and formats
        "GPU", "CPU", "TPU", "NPU", "API", "SDK", "CUDA", "URL", "HTTP", "HTTPS", "JSON",
        "PDF", "HTML", "ID", "IO", "OK", "PHD", "FAQ", "TODO",
        # generic method labels that abstracts spell out ("supervised fine-tuning");
        # in the replayed day (45 entries vs abstracts) these were the most frequent
        # untraced acronyms, and none names a specific model, benchmark or dataset
        "SFT", "RAG", "COT", "KL", "VQA", "RGB",
        # platforms and vendors: where code/weights live or who makes the GPU; the model
        # (H100, A6000) is the claim, the vendor in front of it is not
        "GITHUB", "HUGGINGFACE", "ARXIV", "NVIDIA", "RTX", "AMD", "INTEL",
        # units and dimensions
        "GB", "MB", "KB", "TB", "HZ", "KHZ", "MHZ", "GHZ", "FPS", "FLOP", "TFLOP", "PFLOP",
        "1D", "2D", "3D", "4D",
        # roman numerals (Phase II, Table III)
        "II", "III", "IV", "VI", "VII", "VIII", "IX", "XI", "XII",
    }
)  # fmt: skip

# ---------------------------------------------------------------------------------------
# Shared normalisation

_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d]")
# Circled/parenthesised digits are list markers; NFKC would turn them into plain digits.
_CIRCLED = re.compile(r"[\u2460-\u24ff\u2776-\u2793\u3251-\u325f\u32b1-\u32bf]")
# Spaces used as thousands separators (no-break, figure, thin, hair, narrow no-break):
# removed between digit groups before NFKC turns them into ordinary spaces.
_THOUSANDS_SPACE = re.compile(r"(?<=\d)[\u00a0\u2007\u2009\u200a\u202f](?=\d{3}(?!\d))")
# Superscript exponents (10⁻³): kept as "^-3" before NFKC flattens them into "10-3".
_SUPERSCRIPT = re.compile(r"[\u2070\u00b9\u00b2\u00b3\u2074-\u207b]+")
_SUPERSCRIPT_MAP = str.maketrans("\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079\u207a\u207b",
                                 "0123456789+-")


def _unicode(text: str) -> str:
    text = _CIRCLED.sub(" ", text)
    if not text.isascii():
        text = _THOUSANDS_SPACE.sub("", text)
        text = _SUPERSCRIPT.sub(lambda m: "^" + m.group(0).translate(_SUPERSCRIPT_MAP), text)
    text = unicodedata.normalize("NFKC", text)
    return _DASHES.sub("-", text).replace("+/-", "±")


_TEX_SYMBOLS = (
    (re.compile(r"\\(?:times|cdot)(?![A-Za-z])"), "×"),
    (re.compile(r"\\(?:approx|sim)(?![A-Za-z])"), "~"),
    (re.compile(r"\\pm(?![A-Za-z])"), "±"),
    (re.compile(r"(?<=\d)\{,\}(?=\d)"), ","),  # 1{,}024
    (re.compile(r"(?<=\d)\\[,;: ](?=\d{3}(?!\d))"), ""),  # 1\,024 (thin space), 1\;024
    (re.compile(r"\\([%$&#_{}~,;:! ])"), r"\1"),  # \% \$ \~ …
    (re.compile(r"\\[A-Za-z]+\*?"), " "),  # remaining commands: \mathbf, \text, …
    (re.compile(r"[{}$]"), ""),
)


def _detex(text: str) -> str:
    if "\\" not in text and "$" not in text and "{" not in text:
        return text
    for pattern, repl in _TEX_SYMBOLS:
        text = pattern.sub(repl, text)
    return text


def _normalize(text: str) -> str:
    return _detex(_unicode(text))


_SCALES: dict[str, Decimal] = {
    "k": Decimal(10) ** 3,
    "K": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "B": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "thousand": Decimal(10) ** 3,
    "million": Decimal(10) ** 6,
    "billion": Decimal(10) ** 9,
    "trillion": Decimal(10) ** 12,
}
#: Chinese magnitude characters (simplified and traditional); a run of them multiplies
#: (千万 = 10^7, 万亿 = 10^12).
_CJK_SCALES: dict[str, Decimal] = {
    "十": Decimal(10), "百": Decimal(100), "千": Decimal(1000),
    "万": Decimal(10) ** 4, "萬": Decimal(10) ** 4, "亿": Decimal(10) ** 8, "億": Decimal(10) ** 8,
}  # fmt: skip
#: A Chinese magnitude after a number: 十/百/千, optionally followed by 万/萬 and/or 亿/億.
_CJK_MAG = r"[十百千]?[万萬][亿億]?|[十百千]?[亿億]|[十百千]"


def _scale(word: str | None) -> Decimal:
    if not word:
        return Decimal(1)
    if word[0] in _CJK_SCALES:
        value = Decimal(1)
        for char in word:
            value *= _CJK_SCALES.get(char, Decimal(1))
        return value
    return _SCALES.get(word) or _SCALES.get(word.lower(), Decimal(1))


def _decimal(text: str) -> tuple[Decimal, int]:
    """``"1,150.5"`` → (Decimal('1150.5'), 1): the value and its written decimal places."""
    clean = text.replace(",", "")
    value = Decimal(clean)
    places = len(clean.split(".", 1)[1]) if "." in clean else 0
    return value, places


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------
# Source index

_SRC_NUMBER = re.compile(
    r"(?<![0-9])(?<![0-9]\.)"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![0-9])|\d+(?:\.\d+)?)"
    rf"(?:\s?(?P<cjk>{_CJK_MAG})"
    r"|[\s-]?(?P<word>(?i:thousand|million|billion|trillion))(?![A-Za-z])"
    r"|(?P<mag>[kKMBT])(?![A-Za-z]))?"
)
#: Range separators: hyphen (all dashes are one), tilde (also full-width), "to", 至, 到.
_RANGE_SEP = r"\s?(?:-|~|to|至|到)\s?"
# "7-13B", "0.5 to 9.8 billion", "3至5万": the first end shares the second end's magnitude.
_SRC_RANGE = re.compile(
    rf"(?<![0-9.])(?P<a>\d+(?:\.\d+)?){_RANGE_SEP}(?P<b>\d+(?:\.\d+)?)"
    rf"(?:\s?(?P<cjk>{_CJK_MAG})|[\s-]?(?P<word>(?i:thousand|million|billion|trillion))"
    r"(?![A-Za-z])|(?P<mag>[kKMBT])(?![A-Za-z]))"
)
# Scientific notation: 1.2e-3, 1.2E+05, 1.2×10^-3, 1.2 x 10^-3, 1.2*10^3, bare 10^5 (after
# normalisation: TeX \times and \cdot are ×, superscripts are ^n, braces are gone).
_SCIENTIFIC = re.compile(
    r"(?<![\w.])(?:(?P<m>\d+(?:\.\d+)?)(?:[eE](?P<e1>[+-]?\d{1,3})(?!\w|\.\d)"
    r"|\s?[×xX*·]\s?10\^\(?(?P<e2>[+-]?\d{1,3})\)?)"
    r"|10\^\(?(?P<e3>[+-]?\d{1,3})\)?)(?!\d|\.\d)"
)
#: Chinese numerals before 倍 (三倍, 十五倍): small integers.
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_FOLD = re.compile(r"(?P<cn>[零一二两三四五六七八九十]{1,3})\s?倍")


def _cn_number(text: str) -> int | None:
    """A Chinese numeral up to 99 (三 = 3, 十五 = 15, 二十 = 20, 二十五 = 25)."""
    if "十" not in text:
        return _CN_DIGITS.get(text) if len(text) == 1 else None
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return None
    value = (_CN_DIGITS.get(tens, -100) if tens else 1) * 10 + (_CN_DIGITS.get(units, -100)
                                                                 if units else 0)
    return value if value > 0 else None


def _scientific(m: re.Match[str]) -> tuple[str, Decimal]:
    """(mantissa as written, 10**exponent) of a ``_SCIENTIFIC`` match."""
    exponent = m.group("e1") or m.group("e2") or m.group("e3")
    mantissa = m.group("m") or "1"
    return mantissa, Decimal(10) ** int(exponent)

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_WORD_SCALES = {
    "hundred": Decimal(100),
    "thousand": Decimal(10) ** 3,
    "million": Decimal(10) ** 6,
    "billion": Decimal(10) ** 9,
}
_SPECIAL_WORDS = {"twice": 2, "double": 2, "thrice": 3, "triple": 3, "dozen": 12, "hundred": 100}
_TENS_ALT = "|".join(_TENS)
_DIGIT_ALT = "|".join(u for u, v in _UNITS.items() if 0 < v < 10)
_UNIT_ALT = "|".join(sorted(_UNITS, key=len, reverse=True))  # "seventeen" before "seven"
_SPECIAL_ALT = "|".join(_SPECIAL_WORDS)
_NUMBER_WORD = re.compile(
    rf"(?<![A-Za-z])(?:(?P<tens>{_TENS_ALT})(?:[-\s](?P<unit1>{_DIGIT_ALT}))?"
    rf"|(?P<unit>{_UNIT_ALT})|(?P<special>{_SPECIAL_ALT}))"
    r"(?:-?fold)?(?:[\s-](?P<scale>hundred|thousand|million|billion))?(?![A-Za-z])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SourceIndex:
    """A source text prepared for repeated claim lookups (build with :func:`index_source`)."""

    text: str
    """The normalised, lower-cased source text that names are searched in."""
    numbers: frozenset[Decimal]
    """Every number value in the source, raw and with its magnitude applied."""
    rounded: frozenset[Decimal]
    """Source values rounded to fewer (≥ 1) decimal places than written."""
    rounded_int: frozenset[Decimal]
    """Source decimals rounded to integers (for claims marked as approximate)."""
    compact: str
    """The text with everything but letters and digits removed (fast name pre-check)."""


def _add_value(
    mantissa: str,
    scale: Decimal,
    numbers: set[Decimal],
    rounded: set[Decimal],
    rounded_int: set[Decimal],
    *,
    bare: bool = True,
) -> None:
    try:
        value, places = _decimal(mantissa)
    except InvalidOperation:  # pragma: no cover - the regexes only admit digits
        return
    for factor in {Decimal(1), scale} if bare else {scale}:
        numbers.add(value * factor)
        for p in range(1, places):
            rounded.add(_round(value, p) * factor)
        if places:
            rounded_int.add(_round(value, 0) * factor)


def _build_index(text: str) -> SourceIndex:
    norm = _normalize(text)
    numbers: set[Decimal] = set()
    rounded: set[Decimal] = set()
    rounded_int: set[Decimal] = set()
    for m in _SCIENTIFIC.finditer(norm):
        mantissa, scale = _scientific(m)
        _add_value(mantissa, scale, numbers, rounded, rounded_int, bare=False)
    # The "10" and the exponent of 1.2×10^-3 are not numbers of their own.
    plain = _SCIENTIFIC.sub(" ", norm) if ("^" in norm or "e" in norm or "E" in norm) else norm
    for m in _SRC_NUMBER.finditer(plain):
        scale = _scale(m.group("cjk") or m.group("word") or m.group("mag"))
        _add_value(m.group("num"), scale, numbers, rounded, rounded_int)
    for m in _SRC_RANGE.finditer(plain):
        scale = _scale(m.group("cjk") or m.group("word") or m.group("mag"))
        _add_value(m.group("a"), scale, numbers, rounded, rounded_int)
    for m in _CN_FOLD.finditer(norm):
        value = _cn_number(m.group("cn"))
        if value is not None:
            numbers.add(Decimal(value))
    for m in _NUMBER_WORD.finditer(plain):
        if m.group("tens"):
            value = _TENS[m.group("tens").lower()]
            if m.group("unit1"):
                value += _UNITS[m.group("unit1").lower()]
        elif m.group("unit"):
            value = _UNITS[m.group("unit").lower()]
        else:
            value = _SPECIAL_WORDS[m.group("special").lower()]
        numbers.add(Decimal(value))
        if m.group("scale"):
            numbers.add(Decimal(value) * _WORD_SCALES[m.group("scale").lower()])
    lower = norm.lower()
    return SourceIndex(
        text=lower,
        numbers=frozenset(numbers),
        rounded=frozenset(rounded),
        rounded_int=frozenset(rounded_int),
        compact=re.sub(r"[^a-z0-9]+", "", lower),
    )


@lru_cache(maxsize=8)  # a pipeline verifies each document once or twice in a row
def index_source(text: str) -> SourceIndex:
    """Normalise ``text`` once and return its :class:`SourceIndex` (cached per text)."""
    return _build_index(text)


def normalize_source(text: str) -> str:
    """The normalised, lower-cased form of a source text that names are matched in.

    NFKC (full-width digits, ``％``), all dashes as ``-``, TeX commands and ``$`` removed
    (``12.5\\%`` → ``12.5%``, ``$9.1$`` → ``9.1``, ``\\times`` → ``×``). Cached.
    """
    return index_source(text).text


# ---------------------------------------------------------------------------------------
# Claim extraction

_URL = re.compile(
    r"https?://[^\s<>()\[\]\"'`，。；、）;,]+|(?:www\.)?github\.com/[\w.\-/]+", re.IGNORECASE
)
_TOKEN = re.compile(
    r"(?<![A-Za-z0-9])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![0-9])"
    r"|[A-Za-z0-9]+(?:[.\-_][A-Za-z0-9]+)*)"
)
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# A number with letters attached: a magnitude (1.5B), fold (3.5x) or unit (88Hz), or a
# range of those (3B-4.5B, 7-13B).
_NUM_UNIT = r"(?:[kKMBT]|[xX]|[kMG]?Hz|[KMGT]i?B|ms|s|h|min|fps|FPS|px|pp|dB)"
_NUMBER_TOKEN = re.compile(
    rf"^(?P<a>{_NUM})(?P<ua>{_NUM_UNIT})?(?:-(?P<b>{_NUM})(?P<ub>{_NUM_UNIT})?)?$"
)
_DATE_OR_VERSION = re.compile(r"^\d+(?:[.\-]\d+){2,}$|^\d{4}\.\d{4,5}$")
# What may follow a number and belongs to it.
_SUFFIX = re.compile(
    r"\s?(?P<pct>%|个百分点|百分点)"
    r"|\s?(?P<fold>×|倍)(?P<times_name>[A-Za-z][A-Za-z0-9\-]*)?"
    rf"|\s?(?P<cjk>{_CJK_MAG})"
    r"|[\s-](?P<word>(?i:thousand|million|billion|trillion))(?![A-Za-z])"
)
# A range whose magnitude is written once, after the second end ("7~13B", "7 to 13
# billion", "3至5万"); "7-13B" without spaces is also one token (see _NUMBER_TOKEN).
_SHARED_RANGE = re.compile(
    rf"(?<![\w.])(?P<a>{_NUM}){_RANGE_SEP}(?P<b>{_NUM})"
    rf"(?:\s?(?P<cjk>{_CJK_MAG})|[\s-](?P<word>(?i:thousand|million|billion|trillion))"
    r"(?![A-Za-z])|(?P<mag>[kKMBT])(?![A-Za-z]))"
)
# A multiplier written as a word: "three-fold", "threefold", "ten fold" (number words
# elsewhere in a summary are wording, not claims).
_FOLD_WORD = re.compile(
    rf"(?<![A-Za-z0-9.])(?:(?P<d>\d+(?:\.\d+)?)|(?P<w>(?:{_TENS_ALT})(?:[-\s](?:{_DIGIT_ALT}))?"
    rf"|{_UNIT_ALT}))[-\s]?fold"
    r"(?![A-Za-z])",
    re.IGNORECASE,
)
# Words before a number that make it a pointer into the paper's structure.
_STRUCTURE_BEFORE = re.compile(
    r"(?:(?i:table|tab\.|figure|fig\.|figs\.|section|sec\.|eq\.|equation|appendix|step|"
    r"stage|phase|chapter|line|algorithm|alg\.|theorem|lemma|definition)"
    r"|表|图|公式|章节|阶段|步骤|附录|算法|定理|第)\s?$"
)
_LINE_START = re.compile(r"(?:^|\n)[\s*\->#]*$")
_APPROX_BEFORE = re.compile(
    r"(?:[~≈约近逾]|大约|超过|接近|将近|(?i:about|around|approximately|nearly|over|roughly))\s?$"
)
_CAMEL_PARTS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+(?:\.\d+)*")


@dataclass(frozen=True)
class _Parsed:
    """A claim with what is needed to look it up."""

    text: str
    kind: Literal["number", "name"]
    values: tuple[Decimal, ...] = ()
    places: int = 0
    approx: bool = False
    pattern: re.Pattern[str] | None = None
    compact: str = ""
    scale: Decimal = Decimal(1)
    """The magnitude the claim was written with (``12.3万``: 10^4); 1 when none."""


def _is_name(token: str) -> bool:
    if len(token) < 2 or not any(c.isalpha() for c in token):
        return False
    has_digit = any(c.isdigit() for c in token)
    has_upper = any(c.isupper() for c in token)
    inner_upper = any(c.isupper() for c in token[1:])
    if not (inner_upper or (has_digit and has_upper)):
        return False
    key = token.upper()
    if key.endswith("S") and token[-1] == "s" and len(key) > 2:
        key = key[:-1]
    return key not in GENERIC_TERMS and token.upper() not in GENERIC_TERMS


def _name_pattern(token: str) -> tuple[re.Pattern[str], str]:
    plural = len(token) > 2 and token[-1] == "s" and token[-2].isupper()
    base = token[:-1] if plural else token
    parts: list[str] = []
    for chunk in re.split(r"[\s\-_/]+", base):
        parts.extend(_CAMEL_PARTS.findall(chunk) or [chunk])
    parts = [p.lower() for p in parts if p]
    body = r"[\s\-_]?".join(re.escape(p) for p in parts)
    pattern = re.compile(rf"(?<![a-z0-9]){body}(?:e?s)?(?![a-z0-9])(?!\.\d)")
    return pattern, "".join(re.sub(r"[^a-z0-9]", "", p) for p in parts)


def _url_claim(url: str) -> _Parsed:
    url = url.rstrip(".,;:!?")
    key = re.sub(r"^(?:https?://)?(?:www\.)?", "", url.lower()).rstrip("/")
    pattern = re.compile(re.escape(key) + r"/?(?![a-z0-9\-_])")
    return _Parsed(text=url, kind="name", pattern=pattern, compact="")


def _is_structural(text: str, start: int, end: int, token: str) -> bool:
    before = text[max(0, start - 16) : start]
    after = text[end : end + 2]
    if before.endswith(("^", "_", "@")):
        return True
    if _STRUCTURE_BEFORE.search(before):
        return True
    small_int = token.isdigit() and len(token) <= 2
    if small_int and not before.rstrip().endswith("±"):  # "81.2 (±3)" is an error bar
        if before.endswith("(") and after.startswith(")"):
            return True  # (2)
        if after.startswith((")", "、")):
            return True  # 2) / 2、
        if _LINE_START.search(before) and re.match(r"\.(?:\s|\*|$)", text[end : end + 2]):
            return True  # "1. " at the start of a line
    return False


def _number_claim(text: str, m: re.Match[str], token: str) -> _Parsed | None:
    nm = _NUMBER_TOKEN.match(token)
    if nm is None:
        return None
    a, ua, b, ub = nm.group("a"), nm.group("ua"), nm.group("b"), nm.group("ub")
    end = m.end()
    display = token
    scale_word: str | None = None
    suffix = _SUFFIX.match(text, end)
    if suffix:
        if suffix.group("pct"):
            if suffix.group("pct") == "%":
                display += "%"
        elif suffix.group("fold"):
            display += suffix.group("fold")
            if suffix.group("times_name"):
                display += suffix.group("times_name")
        else:
            scale_word = suffix.group("cjk") or suffix.group("word")
            display += suffix.group(0)
    mag_a = ua if ua in _SCALES else None
    mag_b = ub if ub in _SCALES else None
    # "7-13B": the first end shares the last end's magnitude; "7-13 万" both ends.
    scale_b = _scale(mag_b or scale_word)
    scale_a = _scale(mag_a or (mag_b if b else None) or scale_word)
    value_a, places_a = _decimal(a)
    values = [value_a * scale_a]
    places = places_a
    if b:
        value_b, places_b = _decimal(b)
        values.append(value_b * scale_b)
        places = min(places, places_b)
    approx = bool(_APPROX_BEFORE.search(text[max(0, m.start() - 14) : m.start()]))
    return _Parsed(
        text=display.strip(),
        kind="number",
        values=tuple(values),
        places=places,
        approx=approx,
        scale=scale_b if b else scale_a,
    )


def _word_value(word: str) -> int:
    parts = re.split(r"[-\s]", word.lower())
    if parts[0] in _TENS:
        return _TENS[parts[0]] + (_UNITS[parts[1]] if len(parts) > 1 else 0)
    return _UNITS[parts[0]]


def _grammar_claims(norm: str, spans: list[tuple[int, int]]) -> list[tuple[int, _Parsed]]:
    """Claims the token scan would split or miss: scientific notation, ranges with one
    magnitude, multiplier words. Their spans are added to ``spans``."""
    found: list[tuple[int, _Parsed]] = []

    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in spans)

    for m in _SCIENTIFIC.finditer(norm):
        if not free(*m.span()):
            continue
        mantissa, scale = _scientific(m)
        value, places = _decimal(mantissa)
        exponent = scale.adjusted()
        found.append((m.start(), _Parsed(text=m.group(0).strip(), kind="number",
                                         values=(value * scale,),
                                         places=max(0, places - exponent))))
        spans.append(m.span())
    for m in _SHARED_RANGE.finditer(norm):
        if not free(*m.span()) or _is_structural(norm, m.start(), m.end(), m.group("a")):
            continue
        scale = _scale(m.group("cjk") or m.group("word") or m.group("mag"))
        (a, pa), (b, pb) = _decimal(m.group("a")), _decimal(m.group("b"))
        found.append((m.start(), _Parsed(text=m.group(0).strip(), kind="number",
                                         values=(a * scale, b * scale), places=min(pa, pb),
                                         scale=scale)))
        spans.append(m.span())
    for m in _FOLD_WORD.finditer(norm):
        if free(*m.span()):
            digits = m.group("d")
            if digits:
                value, places = _decimal(digits)
            else:
                value, places = Decimal(_word_value(m.group("w"))), 0
            found.append((m.start(), _Parsed(text=m.group(0), kind="number", values=(value,),
                                             places=places)))
            spans.append(m.span())
    for m in _CN_FOLD.finditer(norm):
        number = _cn_number(m.group("cn"))
        if number is not None and free(*m.span()):
            found.append((m.start(), _Parsed(text=m.group(0), kind="number",
                                             values=(Decimal(number),))))
            spans.append(m.span())
    return found


def _parse_text(text: str) -> list[_Parsed]:
    norm = _normalize(text).replace("`", " ")
    found: list[tuple[int, _Parsed]] = []
    spans: list[tuple[int, int]] = []
    for um in _URL.finditer(norm):
        found.append((um.start(), _url_claim(um.group(0))))
        spans.append(um.span())
    found.extend(_grammar_claims(norm, spans))
    for m in _TOKEN.finditer(norm):
        if any(s <= m.start() < e for s, e in spans):
            continue
        token = m.group(0)
        if token[0].isdigit():
            if _DATE_OR_VERSION.match(token) or _is_structural(norm, m.start(), m.end(), token):
                continue
            parsed = _number_claim(norm, m, token)
            if parsed is not None:
                found.append((m.start(), parsed))
                continue
        if _is_name(token):
            pattern, compact = _name_pattern(token)
            found.append((m.start(), _Parsed(text=token, kind="name", pattern=pattern,
                                             compact=compact)))
    found.sort(key=lambda item: item[0])
    return [parsed for _, parsed in found]


def claims_in_text(text: str, field: str = "") -> list[Claim]:
    """The claims (numbers and names) written in one piece of summary text, in order."""
    return [Claim(text=p.text, kind=p.kind, field=field) for p in _parse_text(text)]


def _summary_fields(summary: PaperSummary) -> list[tuple[str, str]]:
    # ``domain`` is left out on purpose: it is the summarizer's label for the paper.
    fields = [("contribution", summary.contribution)]
    usage = summary.usage
    fields += [
        ("usage.input", usage.input),
        ("usage.output", usage.output),
        ("usage.workflow", usage.workflow),
        ("usage.hardware", usage.hardware),
        ("usage.code_and_resources", usage.code_and_resources),
    ]
    for i, inn in enumerate(summary.innovations):
        fields += [(f"innovations[{i}].title", inn.title), (f"innovations[{i}].detail", inn.detail)]
    for i, res in enumerate(summary.results):
        fields += [(f"results[{i}].setting", res.setting), (f"results[{i}].finding", res.finding)]
    return [(name, text) for name, text in fields
            if text and text.strip() not in NOT_MENTIONED_MARKERS]


def _parsed_claims(summary: PaperSummary) -> list[tuple[_Parsed, str]]:
    seen: set[str] = set()
    out: list[tuple[_Parsed, str]] = []
    for field_name, text in _summary_fields(summary):
        for parsed in _parse_text(text):
            if parsed.text in seen:
                continue
            seen.add(parsed.text)
            out.append((parsed, field_name))
    return out


def extract_claims(summary: PaperSummary) -> list[Claim]:
    """Every checkable number and name in ``summary``, once per claim text.

    Claims come in field order (contribution, usage, innovations, results); ``field``
    names the first field a claim appears in, e.g. ``results[0].finding``. ``found`` is
    ``False`` until :func:`verify` looks the claims up.
    """
    return [Claim(text=p.text, kind=p.kind, field=f) for p, f in _parsed_claims(summary)]


# ---------------------------------------------------------------------------------------
# Lookup


def _lookup(parsed: _Parsed, index: SourceIndex) -> bool:
    if parsed.kind == "name":
        if parsed.pattern is None:
            return False
        if parsed.compact and parsed.compact not in index.compact:
            return False
        return parsed.pattern.search(index.text) is not None
    for value in parsed.values:
        if value in index.numbers:
            continue
        if parsed.places >= 1 and value in index.rounded:
            continue
        if parsed.approx and parsed.places == 0 and value in index.rounded_int:
            continue
        if parsed.scale > 1 and _rounds_to(value, parsed.scale, parsed.places, index):
            continue
        return False
    return True


def _rounds_to(value: Decimal, scale: Decimal, places: int, index: SourceIndex) -> bool:
    """A claim written with a magnitude (``12.3万``, ``1.2M``, ``180 万``) is itself a rounded
    figure: it is found when a source number, expressed in that magnitude, rounds to it
    (``123,456`` = 12.3456万 → ``12.3万``). Only source numbers within half a unit of the
    claim's last place are looked at."""
    half = scale * Decimal(1).scaleb(-places) / 2
    mantissa = value / scale
    for number in index.numbers:
        if abs(number - value) <= half and _round(number / scale, places) == mantissa:
            return True
    return False


def _as_index(source: str | Document | SourceIndex) -> SourceIndex:
    if isinstance(source, SourceIndex):
        return source
    if isinstance(source, Document):
        return index_source(source.full_text())
    return index_source(source)


def is_traced(claim: Claim, source: str | Document | SourceIndex) -> bool:
    """Whether ``claim`` (as returned by :func:`extract_claims`) appears in ``source``."""
    parsed = [p for p in _parse_text(claim.text) if p.kind == claim.kind]
    if not parsed:
        return False
    index = _as_index(source)
    return all(_lookup(p, index) for p in parsed)


def check_claim(text: str, source: str | Document | SourceIndex) -> bool:
    """Whether every claim written in ``text`` (e.g. ``"4 个"``, ``"WebArena-Lite"``) is found.

    Raises:
        ValueError: ``text`` contains no number or name claim.
    """
    parsed = _parse_text(text)
    if not parsed:
        raise ValueError(f"no checkable number or name in {text!r}")
    index = _as_index(source)
    return all(_lookup(p, index) for p in parsed)


def verify(
    summary: PaperSummary,
    source: str | Document | SourceIndex,
    *,
    abstract: str | None = None,
) -> Verification:
    """Look every claim of ``summary`` up in ``source`` (text, Document or prepared index).

    Returns a :class:`Verification` whose ``untraced`` lists the claims that the source
    does not support, in field order (precision), and whose ``key_facts`` /
    ``key_facts_used`` say how many of the paper's key numbers and names the summary uses
    (coverage, :func:`key_fact_coverage`). The key facts come from ``abstract`` (default:
    the Document's abstract; none for plain text without ``abstract``).
    """
    index = _as_index(source)
    claims: list[Claim] = []
    for parsed, field_name in _parsed_claims(summary):
        claims.append(
            Claim(
                text=parsed.text, kind=parsed.kind, found=_lookup(parsed, index), field=field_name
            )
        )
    logger.debug("verified %d claims, %d untraced", len(claims), sum(not c.found for c in claims))
    if abstract is None and isinstance(source, Document):
        abstract = source.abstract
    facts, used = key_fact_coverage(summary, abstract or "")
    return Verification(claims=claims, key_facts=facts, key_facts_used=used)


# ---------------------------------------------------------------------------------------
# Coverage (issue 10, item 8): a vague summary verifies perfectly, so precision is reported
# with recall of the paper's key facts beside it.


def key_facts(text: str) -> list[str]:
    """The numbers and names written in ``text`` (a paper's abstract), once each, in order:
    the facts a summary of the paper is expected to carry. Same claim grammar as
    :func:`extract_claims`."""
    return list(dict.fromkeys(p.text for p in _parse_text(text)))


def key_fact_coverage(summary: PaperSummary, abstract: str) -> tuple[list[str], list[str]]:
    """``(key facts of abstract, those the summary uses)``; a fact is used when the
    summary's text contains it by the same lookup as verification (``9.1`` ← ``9.13``,
    ``WebArena-Lite`` = ``WebArena Lite``)."""
    facts = {p.text: p for p in _parse_text(abstract)}
    if not facts:
        return [], []
    text = "\n".join(value for _name, value in _summary_fields(summary))
    index = index_source(summary.domain + "\n" + text)
    used = [name for name, parsed in facts.items() if _lookup(parsed, index)]
    return list(facts), used
