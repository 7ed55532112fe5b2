"""Inline TeX shown as readable text in Markdown (render/tex.py); expected values by hand."""

from __future__ import annotations

import pytest

from paperdigest.render.tex import tex_to_text


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        # 2501.11120 Table 2 as extracted (issue 13: "0.14 $\pm$ 0.01" left raw).
        ("FT on vulnerable code: 0.14 $\\pm$ 0.01", "FT on vulnerable code: 0.14 ± 0.01"),
        # 2601.13621: "$\sim 25\%$" and "$1.3\%$".
        ("contribute $\\sim 25\\%$ of it, only $1.3\\%$", "contribute ∼ 25% of it, only 1.3%"),
        # Simple superscripts and subscripts become raised/lowered characters …
        ("from $10^{-3}$ to $x_2$ and $n^2$", "from 10⁻³ to x₂ and n²"),
        # … others stay readable.
        ("$N_{\\mathrm{BBH}}$ binaries", "N_BBH binaries"),
        ("$(5-300~M_{\\odot})$", "(5-300 M_⊙)"),
        ("$\\frac{1}{2}$, $\\sqrt{n}$, $\\alpha=0.5$", "1/2, √n, α=0.5"),
        ("$z\\in[0.01,z_{0}]$", "z∈[0.01,z₀]"),
        ("$\\{m_{1,2}\\}$", "{m_(1,2)}"),
        ("$3.2\\times$ faster, $\\leq 5$ and $\\geq 7$", "3.2× faster, ≤ 5 and ≥ 7"),
        # Escaped characters outside a formula (HF abstracts: "just 7\% (123K samples)").
        ("just 7\\% (123K samples) \\& more", "just 7% (123K samples) & more"),
        # An unknown macro keeps its name.
        ("$\\modelname$ works", "modelname works"),
    ],
)
def test_tex_becomes_readable(tex: str, text: str) -> None:
    assert tex_to_text(tex) == text


@pytest.mark.parametrize(
    "plain",
    [
        "costs $5 and $10 per run",  # prices: "$" before a digit and after a space
        "no TeX at all: 12.5% better than GPT-5",
        "a lone $ sign",
        "",
    ],
)
def test_text_without_tex_is_unchanged(plain: str) -> None:
    assert tex_to_text(plain) == plain


def test_markdown_shows_tex_readably_and_json_keeps_it() -> None:
    import json

    from paperdigest.models import DayReport, PaperRef, PaperReport, PaperSummary, Result, Usage
    from paperdigest.render.json import render_json
    from paperdigest.render.markdown import render_paper

    finding = "FT on vulnerable code: 0.14 $\\pm$ 0.01 (Table 2)"
    summary = PaperSummary(
        domain="机器学习", contribution="We study $k=3$ coupling.", usage=Usage(),
        results=[Result("Table 2", finding)],
    )
    report = PaperReport(ref=PaperRef("2501.11120", "Tell me about yourself"),
                         source_kind="HTML", summary=summary, backend="extractive")
    markdown = render_paper(report)
    assert "**Table 2**：FT on vulnerable code: 0.14 ± 0.01 (Table 2)" in markdown
    assert "We study k=3 coupling." in markdown
    assert "$" not in markdown and "\\pm" not in markdown
    # The summary itself is untouched, and the JSON report keeps the paper's TeX.
    assert summary.results[0].finding == finding
    day = DayReport(date="2026-01-30", listed_date="2026-01-30", papers=[report])
    data = json.loads(render_json(day))
    assert data["papers"][0]["summary"]["results"][0]["finding"] == finding
