"""The summary contract: vocabulary per language, codec, validator (issues 9, 10, 11, 13).

Expected texts are written by hand from DESIGN §2 and issue 13's list of English strings.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperdigest.contract import (
    EN,
    MAX_LABEL_CHARS,
    ZH,
    echo_problem,
    is_valid_summary,
    neutralize_markup,
    normalize_summary,
    parse_summary_markdown,
    render_summary,
    strip_echoed_label,
    summary_problems,
)
from paperdigest.contract.labels import USAGE_FIELDS
from paperdigest.contract.markup import unescape_legacy, unescape_markup
from paperdigest.models import (
    Claim,
    DayReport,
    Failure,
    Innovation,
    PaperRef,
    PaperReport,
    PaperSummary,
    Result,
    RunStats,
    Usage,
    Verification,
)
from paperdigest.render.markdown import render_day, render_paper
from paperdigest.render.parse import parse_report

# Everything a CJK reader would see as Chinese: ideographs and CJK/full-width punctuation.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _en_summary() -> PaperSummary:
    return PaperSummary(
        domain="NLP - web agents",
        contribution="WebArbiter, a reasoning process reward model.",
        usage=Usage(input="Task and candidate actions", output="A verdict",
                    workflow="Distillation, then RL", hardware="8 A100 GPUs",
                    code_and_resources="Not mentioned in the paper"),
        innovations=[Innovation("Principle-guided", "Writes a justification.\n- then a verdict")],
        results=[Result("WebPRMBench", "Beats GPT-5 by 9.1 points.")],
        language="en",
    )


EXPECTED_EN_BLOCK = """\
## 📄 Paper 2601.00002

- **Link**: https://huggingface.co/papers/2601.00002
- **Source**: HTML

# Paper 2601.00002

### 1. Domain
NLP - web agents

### 2. Core contribution
WebArbiter, a reasoning process reward model.

### 3. How to use
*   **Input**: Task and candidate actions
*   **Output**: A verdict
*   **Workflow**: Distillation, then RL
*   **Hardware**: 8 A100 GPUs
*   **Code and resources**: Not mentioned in the paper

### 4. Key innovations
1.  **Principle-guided**: Writes a justification.
    - then a verdict

### 5. Results
*   **WebPRMBench**: Beats GPT-5 by 9.1 points.

> ⚠ Not found in the paper: AgentRewardBench, 12.3%
> Read: full text 78% (16,000 tokens) · extractive summary
"""


def _en_paper(**kwargs: object) -> PaperReport:
    ref = PaperRef(arxiv_id="2601.00002", title="Paper 2601.00002", upvotes=2)
    return PaperReport(ref=ref, **kwargs)  # type: ignore[arg-type]


def test_english_block_is_all_english() -> None:
    report = _en_paper(
        source_kind="HTML", summary=_en_summary(), coverage=0.78, context_tokens=16000,
        backend="extractive",
        verification=Verification([Claim("AgentRewardBench", "name"), Claim("12.3%", "number")]),
    )
    assert render_paper(report) == EXPECTED_EN_BLOCK


def test_english_day_has_no_cjk_outside_paper_content() -> None:
    failed = PaperReport(ref=PaperRef(arxiv_id="2601.00001", title="Failed one", upvotes=9),
                         failure=Failure("fetch", "404 No HTML"))
    day = DayReport(
        date="2026-01-31", listed_date="2026-01-30",
        papers=[_en_paper(source_kind="ArXiv Abs", summary=_en_summary(), coverage=1.0,
                          context_tokens=300, backend="openai", model="qwen"), failed],
        notes=[EN.empty_day_note.format(date="2026-01-31", listed="2026-01-30", count=2),
               EN.extractive_note],
        stats=RunStats(backend="openai", model="qwen", papers=2, done=1, failed=1,
                       tokens_in=1234, tokens_out=56, llm_calls=1, seconds=3.0),
    )
    text = render_day(day, lang="en")
    assert CJK.findall(text) == []
    assert "- **Source**: none\n\n> ❌ Not generated: fetch: 404 No HTML" in text
    assert "> Read: abstract 100% (300 tokens) · qwen" in text
    assert "> Tokens: input 1,234 · output 56" in text
    # The language is the summaries' when not given.
    assert render_day(day) == text
    header, entries = parse_report(text)
    assert header.notes[0].startswith("Note: 2026-01-31 has no paper list")
    by_id = {e.arxiv_id: e for e in entries}
    assert by_id["2601.00002"].summary == _en_summary()
    assert by_id["2601.00002"].source == "ArXiv Abs"
    assert by_id["2601.00001"].failure == Failure("fetch", "404 No HTML")
    assert by_id["2601.00001"].source == "none"


def test_unknown_cost_is_not_shown_as_free() -> None:
    stats = RunStats(backend="openai", model="m", cost=None)  # type: ignore[arg-type]
    text = render_day(DayReport("2026-01-31", "2026-01-31", stats=stats), lang="en")
    assert "cost: unknown (no price for m: set [prices])" in text and "$0.0000" not in text
    zh = render_day(DayReport("2026-01-31", "2026-01-31", stats=stats))
    assert "费用：未知（m 没有价格：设置 [prices]）" in zh


def test_every_fixed_string_has_both_languages() -> None:
    for name in (f.name for f in dataclasses.fields(ZH)):
        if name == "lang":
            continue
        zh, en = getattr(ZH, name), getattr(EN, name)
        assert type(zh) is type(en), name
        values = list(en.values()) if isinstance(en, dict) else [en]
        flat = [v for value in values for v in (value if isinstance(value, tuple) else [value])]
        assert not any(CJK.search(str(v)) for v in flat), name
        if isinstance(zh, dict):
            assert zh.keys() == en.keys(), name


# ------------------------------------------------------------------ round trip, both languages

# Markup and references are content too: they must come back as written (issue 14).
_MARKUP_TOKENS = ["<b>", "</b>", "&lt;", "&amp;", "&#40;", "&", "[x](javascript:y)",
                  "<img src=x onerror=y>", "`<t>`", "[r]: data:x", "&#91;"]
_EN_TOKENS = st.sampled_from(
    list("modelataxyzXYZ019 .,%*:-()[]") + ["**", "1. ", "* ", "Input", "Results"]
    + _MARKUP_TOKENS
)
_CJK_TOKENS = st.sampled_from(
    list("的模型数据实验效果输入abc019 .,%*：:-（）、") + ["**", "1. "] + _MARKUP_TOKENS
)


def _line(tokens: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return (
        st.lists(tokens, min_size=1, max_size=10).map("".join).map(str.strip).filter(bool)
        .filter(lambda s: echo_problem("domain", s) is None)
    )


def _text(tokens: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    lead = st.sampled_from(["", "  ", "*   ", "1.  ", "- "])
    more = st.lists(st.tuples(lead, _line(tokens)).map("".join), max_size=2)
    return st.tuples(_line(tokens), more).map(lambda p: "\n".join([p[0], *p[1]])).filter(
        lambda s: echo_problem("domain", s) is None
    )


def _label(tokens: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return _line(tokens).filter(
        lambda s: "**" not in s and not s.startswith("*") and not s.endswith(("*", "：", ":"))
    )


@st.composite
def summaries(draw: st.DrawFn) -> PaperSummary:
    lang = draw(st.sampled_from(["zh", "en"]))
    tokens = _EN_TOKENS if lang == "en" else _CJK_TOKENS
    usage = Usage(**{f: draw(_text(tokens)) for f in USAGE_FIELDS})
    return PaperSummary(
        domain=draw(_text(tokens)),
        contribution=draw(_text(tokens)),
        usage=usage,
        innovations=draw(st.lists(st.builds(Innovation, _label(tokens), _text(tokens)),
                                  min_size=1, max_size=4)),
        results=draw(st.lists(st.builds(Result, _label(tokens), _text(tokens)),
                              min_size=1, max_size=3)),
        language=lang,
    )


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(summaries())
def test_parse_render_round_trip_in_both_languages(summary: PaperSummary) -> None:
    if not is_valid_summary(summary):  # e.g. a title that reads as a part heading
        assert any("part heading" in p for p in summary_problems(summary))
        return
    text = render_summary(summary)
    vocab = EN if summary.language == "en" else ZH
    assert text.startswith(vocab.part_heading(0) + "\n")
    assert parse_summary_markdown(text, summary.language) == summary


def test_parser_reads_english_headings_and_labels() -> None:
    text = render_summary(_en_summary())
    assert "### 3. How to use\n*   **Input**: Task" in text
    assert parse_summary_markdown(text, "en") == _en_summary()
    # And the Chinese report's own layout through the same codec.
    zh = dataclasses.replace(_en_summary(), language="zh")
    assert "### 3. 使用指南\n*   **输入**：Task" in render_summary(zh)
    assert parse_summary_markdown(render_summary(zh), "zh") == zh


# ------------------------------------------------------------------ validator


@pytest.mark.parametrize(
    ("path", "value", "bad"),
    [
        ("usage.input", "输入", True),
        ("usage.input", "Input.", True),
        ("usage.hardware", "Hardware needs (GPU type and count, model size)", True),
        ("usage.hardware", "8 GPUs; hardware needs (GPU type and count, model size)", True),
        ("innovations[0].title", "创新点标题", True),
        ("results[0].finding", "结果，保留论文原始数字", True),
        ("usage.input", "Input images and text", False),
        ("usage.input", "输入图像与文本", False),
        ("results[0].setting", "结果", False),
        ("results[0].setting", "实验设置", False),
        ("usage.code_and_resources", "论文未提及", False),
    ],
)
def test_copied_hints_and_labels(path: str, value: str, bad: bool) -> None:
    assert (echo_problem(path, value) is not None) is bad


def test_echoed_labels_are_stripped_for_their_own_field_only() -> None:
    assert strip_echoed_label("usage.input", "输入：图像") == "图像"
    assert strip_echoed_label("usage.input", "**Input**: images") == "images"
    assert strip_echoed_label("innovations[3].title", "创新点标题：X") == "X"
    assert strip_echoed_label("usage.output", "输入：图像") == "输入：图像"
    assert strip_echoed_label("usage.input", "输入：") == "输入："


def test_markup_is_escaped_for_markdown_outside_code_spans() -> None:
    assert neutralize_markup("a <b>x</b> `<thinking>` c") == "a &lt;b>x&lt;/b> `<thinking>` c"
    assert neutralize_markup("[x](javascript:alert(1))") == "[x]&#40;javascript:alert(1))"
    assert neutralize_markup("[x]( JaVa&#115;cript:alert(1))") == (
        "[x]&#40; JaVa&amp;#115;cript:alert(1))")
    assert neutralize_markup("[x](https://github.com/a/b) <https://x.org>") == (
        "[x](https://github.com/a/b) <https://x.org>")
    assert neutralize_markup("<javascript:alert(1)>") == "&lt;javascript:alert(1)>"
    assert neutralize_markup("[r]: javascript:alert(1)") == "&#91;r]: javascript:alert(1)"
    assert neutralize_markup("$a<b$ and 3 < 4 <!-- c -->") == "$a<b$ and 3 < 4 &lt;!-- c -->"
    # The text's own references are shown as written, not decoded by a Markdown reader.
    assert neutralize_markup("&lt;b> R&D &amp; co") == "&amp;lt;b> R&D &amp;amp; co"


@pytest.mark.parametrize("text", [
    "<b>bold</b>", "&lt;b>", "&amp;lt;", "[x](javascript:alert(1))", "[x]&#40;y)",
    "&#91;r]: javascript:x", "[r]: javascript:x", "a < b & c > d", "`&lt;` and &lt;",
    "<script>alert(1)</script><img src=x onerror=alert(1)>", "R&D", "&&lt;&",
])
def test_unescape_markup_is_the_exact_inverse(text: str) -> None:
    assert unescape_markup(neutralize_markup(text)) == text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>&;#[]():`ltamp4019 jsx/!-\n")), max_size=20))
def test_unescape_markup_inverts_any_text(text: str) -> None:
    assert unescape_markup(neutralize_markup(text)) == text


def test_rendered_report_neutralises_hostile_titles_reasons_and_fields() -> None:
    hostile = dataclasses.replace(_en_summary(), domain="<iframe src=x></iframe> <b>bold</b>",
                                  contribution="See [x](javascript:alert(1)) &lt;b>.")
    # Markup is content, not a problem: stored as written, escaped by each output.
    assert summary_problems(hostile) == []
    assert normalize_summary(hostile) == hostile
    ref = PaperRef(arxiv_id="2601.00003", title="T <script>alert(1)</script>")
    failed = PaperReport(ref=ref, failure=Failure("summarize", "bad <img src=x onerror=y>"))
    text = render_day(DayReport("2026-01-31", "2026-01-31", papers=[
        failed, _en_paper(source_kind="HTML", summary=hostile)]))
    assert "<script>" not in text and "<img" not in text and "<iframe" not in text
    assert "](javascript:" not in text
    # The reader of the Markdown sees the characters once: '&lt;b>' renders as '<b>', the
    # text's own '&lt;' as '&lt;'.
    assert "&lt;iframe src=x>&lt;/iframe> &lt;b>bold&lt;/b>" in text
    assert "See [x]&#40;javascript:alert(1)) &amp;lt;b>." in text
    _, entries = parse_report(text)
    by_title = {entry.title: entry for entry in entries}
    assert set(by_title) == {"T <script>alert(1)</script>", "Paper 2601.00002"}
    assert by_title["Paper 2601.00002"].summary == hostile


def test_legacy_escaped_text_is_restored() -> None:
    # What the validator of earlier versions stored (the old neutralize_markup output).
    assert unescape_legacy("&lt;b>bold&lt;/b>, x y") == "<b>bold</b>, x y"
    assert unescape_legacy("[链接]\\(javascript:alert(1))") == "[链接](javascript:alert(1))"
    assert unescape_legacy("\\[r]: javascript:alert(1)") == "[r]: javascript:alert(1)"
    assert unescape_legacy("&lt;javascript:alert(1)>") == "<javascript:alert(1)>"
    assert unescape_legacy("&lt;img src=x onerror=alert(1)> EvilNet") == (
        "<img src=x onerror=alert(1)> EvilNet")
    # What the old escape never wrote is left alone.
    for kept in ("a &lt; b", "f]\\(x)", "`&lt;b>`", "\\(x\\)", "[x]\\(https://a.org)"):
        assert unescape_legacy(kept) == kept


def test_field_lengths_are_capped() -> None:
    long = dataclasses.replace(_en_summary(), results=[Result("s" * 500, "f" * 9000)])
    problems = summary_problems(long)
    assert any("results[0].setting is longer than 200" in p for p in problems)
    assert any("results[0].finding is longer than 2000" in p for p in problems)
    fixed = normalize_summary(long)
    assert len(fixed.results[0].setting) == MAX_LABEL_CHARS
    assert is_valid_summary(fixed)


def test_not_mentioned_marker_follows_the_language() -> None:
    blank = PaperSummary(domain="", contribution="x", innovations=[Innovation("a", "b")],
                         results=[Result("c", "d")], language="en")
    assert normalize_summary(blank).domain == "Not mentioned in the paper"
    assert normalize_summary(dataclasses.replace(blank, language="zh")).domain == "论文未提及"


# ------------------------------------------------------------------ coverage (issue 10, item 8)


def test_coverage_is_reported_beside_precision_and_a_vague_summary_is_flagged() -> None:
    from paperdigest.verify import verify

    abstract = ("We propose WebArbiter. On WebPRMBench it beats GPT-5 by 9.1 points "
                "and WebShepherd by 7.2 points.")
    summary = _en_summary()  # uses WebArbiter, WebPRMBench, GPT-5, 9.1; not WebShepherd, 7.2
    check = verify(summary, abstract, abstract=abstract)
    assert check.key_facts == ["WebArbiter", "WebPRMBench", "GPT-5", "9.1", "WebShepherd", "7.2"]
    assert check.key_facts_used == ["WebArbiter", "WebPRMBench", "GPT-5", "9.1"]
    assert check.coverage == 4 / 6 and not check.vague
    assert check.to_dict()["coverage"] == 4 / 6
    block = render_paper(_en_paper(source_kind="HTML", summary=summary, verification=check))
    # claims: WebArbiter, WebPRMBench, GPT-5, 9.1 found; "8" and "A100" (hardware) are not.
    assert "> Checked: 4/6 numbers and names found in the paper · 4/6 key facts" in block

    vague = PaperSummary(domain="AI", contribution="A new method for agents.",
                         innovations=[Innovation("Method", "It is better.")],
                         results=[Result("Experiments", "It works well.")], language="en")
    check = verify(vague, abstract, abstract=abstract)
    assert check.traced_ratio == 1.0 and check.vague and check.coverage == 0.0
    block = render_paper(_en_paper(source_kind="HTML", summary=vague, verification=check))
    assert "> ⚠ No concrete claim: none of the abstract's 6 key numbers and names is used" in block


def test_per_paper_notes_are_written_in_the_block() -> None:
    note = EN.degraded_note.format(reason="HTML 503")
    ok = _en_paper(source_kind="ArXiv Abs", summary=_en_summary(), notes=[note])
    assert f"\n> {note}\n" in render_paper(ok)
    failed = PaperReport(ref=PaperRef(arxiv_id="2601.00001", title="F"),
                         failure=Failure("fetch", "x"), notes=[note])
    assert render_paper(failed, "en").endswith(f"> ❌ Not generated: fetch: x\n> {note}\n")
