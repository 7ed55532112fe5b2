"""Every number form (issue 12), built from the number grammar of ``paperdigest.verify``.

Property tests render one value in every form the grammar allows, in a source sentence and
in a summary sentence, and require that each summary form is traced to each source form
(and that a different value is not). Forms: digits with every thousands separator
(``,`` ``，`` U+00A0 U+2009 U+202F, TeX ``\\,`` ``{,}``), full-width digits, magnitude
letters and words, Chinese magnitudes (十 百 千 万/萬 亿/億 and their combinations, with and
without a space, after integers and decimals), scientific notation (``e``, ``×10^``,
``\\times10^{}``, superscripts), percentages and percentage points, multipliers
(``×`` ``x`` ``倍`` ``-fold`` words), ranges with one magnitude and ``±`` forms.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperdigest.verify import check_claim, claims_in_text

FULL_WIDTH = str.maketrans("0123456789.,%", "０１２３４５６７８９．，％")
SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

#: Chinese magnitudes (simplified and traditional, alone and combined) and their values.
CJK_MAGNITUDES = {
    "十": 1, "百": 2, "千": 3, "万": 4, "萬": 4, "十万": 5, "百万": 6, "千万": 7, "亿": 8,
    "億": 8, "十亿": 9, "百亿": 10, "千亿": 11, "万亿": 12, "萬億": 12,
}  # fmt: skip
LETTERS = {"K": 3, "k": 3, "M": 6, "B": 9, "T": 12}
WORDS = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12}
SEPARATORS = [",", "\u00a0", "\u2009", "\u202f", "\\,", "{,}"]


def fmt(value: Decimal) -> str:
    """Plain decimal notation without exponent or trailing zeros."""
    text = format(value.normalize(), "f")
    return text


def mantissa(value: Decimal, exponent: int) -> str | None:
    """``value / 10**exponent`` written plainly, when that is a sensible mantissa."""
    m = (value / Decimal(10) ** exponent).normalize()
    if not Decimal("0.01") <= m < 100_000 or -m.as_tuple().exponent > 4:  # type: ignore[operator]
        return None
    return fmt(m)


def grouped(value: Decimal, sep: str) -> str:
    whole, _, frac = fmt(value).partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sep.join(groups) + (f".{frac}" if frac else "")


def count_forms(value: Decimal) -> list[str]:
    """Every way the grammar writes the count ``value``."""
    forms = [fmt(value)]
    if value >= 1000:
        forms += [grouped(value, sep) for sep in SEPARATORS]
        forms.append(grouped(value, ",").translate(FULL_WIDTH))
    else:
        forms.append(fmt(value).translate(FULL_WIDTH))
    for table, space in ((LETTERS, ""), (WORDS, " ")):
        for unit, exp in table.items():
            m = mantissa(value, exp)
            if m is not None:
                forms.append(f"{m}{space}{unit}")
    for unit, exp in CJK_MAGNITUDES.items():
        m = mantissa(value, exp)
        if m is not None and value >= 10:
            forms += [f"{m}{unit}", f"{m} {unit}"]
    exp = value.adjusted()
    if exp != 0:
        m = fmt((value / Decimal(10) ** exp).normalize())
        forms += [f"{m}e{exp}", f"{m}E{exp:+d}", f"{m}×10^{exp}", f"{m} × 10^{{{exp}}}",
                  f"${m}\\times10^{{{exp}}}$", f"{m}×10{str(exp).translate(SUPERSCRIPT)}",
                  f"{m} \\cdot 10^{{{exp}}}"]
    return forms


values = st.builds(
    lambda digits, exp: (Decimal(digits) * Decimal(10) ** exp).normalize(),
    st.integers(1, 9999), st.integers(-4, 12),
).filter(lambda v: v >= Decimal("0.001"))


def _source(form: str) -> str:
    return f"The corpus holds {form} samples in total."


def _summary(form: str) -> str:
    return f"数据集包含 {form} 个样本。"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=values)
def test_every_count_form_traces_to_every_other(value: Decimal) -> None:
    forms = count_forms(value)
    for written in forms:
        # exactly one number claim: the form is read as one value, not split
        assert len([c for c in claims_in_text(_summary(written)) if c.kind == "number"]) == 1
        for source in forms:
            assert check_claim(_summary(written), _source(source)), (written, source)
            assert check_claim(_summary(written), f"Totals reach {source}."), (written, source)
    other = value * 2
    for written in forms:
        for source in count_forms(other):
            assert not check_claim(_summary(written), _source(source)), (written, source)


def test_count_forms_cover_the_grammar() -> None:
    forms = count_forms(Decimal(123_000))
    for expected in ["123000", "123,000", "123\u00a0000", "123\u2009000", "123\u202f000",
                     "123\\,000", "123{,}000", "１２３，０００", "123K", "0.123M",
                     "123 thousand", "12.3万", "12.3 万", "12.3萬", "1.23十万", "0.123百万",
                     "1.23e5", "1.23×10^5", "$1.23\\times10^{5}$", "1.23×10⁵"]:
        assert expected in forms, expected
    small = count_forms(Decimal("0.0012"))
    assert "1.2e-3" in small and "1.2×10⁻³" in small and "$1.2\\times10^{-3}$" in small


percent = st.builds(lambda n, p: (Decimal(n) / Decimal(10) ** p).normalize(),
                    st.integers(1, 999), st.integers(0, 2)).filter(lambda v: v < 100)


def percent_forms(p: Decimal) -> list[str]:
    s = fmt(p)
    return [f"{s}%", f"{s} %", f"{s}\\%", f"${s}\\%$", f"{s}%".translate(FULL_WIDTH),
            f"{s} percent", f"{s} per cent", f"{s} pp", f"{s}pp", f"{s} p.p.",
            f"{s} percentage points", f"{s}个百分点", f"{s} 个百分点", f"{s}百分点"]


@settings(max_examples=40, deadline=None)
@given(p=percent)
def test_percentages_and_points_trace(p: Decimal) -> None:
    forms = percent_forms(p)
    for written in forms:
        for source in forms:
            assert check_claim(f"准确率提升 {written}", f"accuracy improves by {source}"), (
                written, source)
        assert not check_claim(f"准确率提升 {written}", f"accuracy improves by {fmt(p + 3)}%")


WORD_NUMBERS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight",
                9: "nine", 10: "ten", 12: "twelve", 20: "twenty", 25: "twenty-five"}
CN_NUMBERS = {2: "两", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十",
              12: "十二", 20: "二十", 25: "二十五"}


def fold_forms(n: int) -> list[str]:
    forms = [f"{n}×", f"{n}x", f"{n}X", f"{n} ×", f"{n}-fold", f"{n} times", f"{n}倍",
             f"{n} 倍", f"${n}\\times$", f"{n}".translate(FULL_WIDTH) + "倍"]
    if n in WORD_NUMBERS:
        word = WORD_NUMBERS[n]
        forms += [f"{word}-fold", f"{word}fold".replace("-", "-"), f"{CN_NUMBERS[n]}倍"]
    return forms


@pytest.mark.parametrize("n", sorted(WORD_NUMBERS))
def test_multipliers_trace(n: int) -> None:
    forms = fold_forms(n)
    for written in forms:
        assert [c.text for c in claims_in_text(f"速度提升 {written}")], written
        for source in forms:
            assert check_claim(f"速度提升 {written}", f"a speedup of {source} over the baseline"), (
                written, source)
        assert not check_claim(f"速度提升 {written}", f"a speedup of {n + 1}× over the baseline")


@settings(max_examples=40, deadline=None)
@given(a=st.integers(1, 60), gap=st.integers(1, 60), unit=st.sampled_from(["B", "M", "K"]))
def test_ranges_with_one_magnitude(a: int, gap: int, unit: str) -> None:
    b = a + gap
    word = {"B": "billion", "M": "million", "K": "thousand"}[unit]
    exp = LETTERS[unit]
    cjk = {9: ("亿", 10), 6: ("万", 100), 3: ("千", 1)}[exp]
    sources = [f"{a}-{b}{unit}", f"{a}–{b}{unit}", f"{a}{unit}–{b}{unit}", f"{a}{unit} to {b}{unit}",
               f"{a} to {b} {word}", f"{a}~{b}{unit}", f"{a}{unit} and {b}{unit}"]
    summaries = [f"{a}-{b}{unit}", f"{a}~{b}{unit}", f"{a}～{b}{unit}", f"{a}{unit}-{b}{unit}",
                 f"{a} to {b} {word}", f"{a * cjk[1]}-{b * cjk[1]}{cjk[0]}",
                 f"{a * cjk[1]}至{b * cjk[1]}{cjk[0]}", f"{a * cjk[1]} 到 {b * cjk[1]} {cjk[0]}"]
    for written in summaries:
        for source in sources:
            assert check_claim(f"模型规模 {written}", f"models of {source} parameters"), (
                written, source)
        # both ends must be found
        assert not check_claim(f"模型规模 {written}", f"models of {a}{unit} parameters"), written


@settings(max_examples=30, deadline=None)
@given(mean=st.integers(100, 9999), err=st.integers(1, 99))
def test_plus_minus_forms(mean: int, err: int) -> None:
    m, e = fmt(Decimal(mean) / 10), fmt(Decimal(err) / 10)
    sources = [f"{m} ± {e}", f"{m}±{e}", f"${m}\\pm{e}$", f"{m} (±{e})", f"{m} +/- {e}",
               f"{m}".translate(FULL_WIDTH) + "±" + f"{e}".translate(FULL_WIDTH)]
    summaries = [f"{m}±{e}", f"{m} ± {e}", f"{m}（±{e}）", f"{m} +/- {e}"]
    for written in summaries:
        for source in sources:
            assert check_claim(f"得分 {written}", f"scores {source} on average"), (written, source)
        assert not check_claim(f"得分 {written}", f"scores {m} on average")  # the ± part is a claim


@pytest.mark.parametrize(
    ("claim", "source", "found"),
    [
        # rounding across magnitudes: a figure written with a magnitude is itself rounded
        ("12.3万", "123,456 samples", True),
        ("1.2M", "1,234,567 samples", True),
        ("12.3万", "124,000 samples", False),
        ("5 亿", "5.1B tokens", False),
        # 个 is a classifier, not a magnitude
        ("4 个", "four environments", True),
        ("4 个", "40 environments", False),
        # exponents stay exponents
        ("1.2e-3", "a rate of 1.2e3", False),
        ("1.2×10⁻³", "between 10 and 3", False),
    ],
)
def test_hand_checked_edges(claim: str, source: str, found: bool) -> None:
    assert check_claim(claim, source) is found
