"""Inline TeX made readable for a Markdown report: ``0.14 $\\pm$ 0.01`` → ``0.14 ± 0.01``.

Summaries keep the paper's TeX (the JSON report and the store hold it unchanged, so every
number stays traceable to the source); only the Markdown shows it as text
(:func:`readable_summary`, applied by :func:`paperdigest.render.markdown.render_paper`). The rules are
deliberately small (issue 13: "``$\\pm$`` → ±, simple sub/superscripts"):

- inside ``$…$`` (and ``\\(…\\)``): symbol commands become their Unicode characters
  (:data:`SYMBOLS`: ``\\pm`` ±, ``\\times`` ×, ``\\sim`` ∼, ``\\leq`` ≤, Greek letters, …);
  font and text wrappers keep their content (``\\mathrm{BBH}`` → ``BBH``);
  ``\\frac{a}{b}`` → ``a/b``; ``\\sqrt{x}`` → ``√x``; a superscript or subscript made only of
  characters that Unicode has in raised/lowered form becomes those (``10^{-3}`` → ``10⁻³``,
  ``x_2`` → ``x₂``), others stay readable as ``^(…)``/``_…`` (``N_{BBH}`` → ``N_BBH``);
  spacing commands and ``~`` become a space; an unknown command keeps its name without the
  backslash; grouping braces go;
- anywhere: the escaped characters ``\\%``, ``\\&``, ``\\_``, ``\\#``, ``\\$`` lose the
  backslash.

A ``$`` that does not open a formula (``$5`` and ``$10`` as prices: a space after the
opening or before the closing ``$``) is left alone.
"""

from __future__ import annotations

import dataclasses
import re

from paperdigest.models import Innovation, PaperSummary, Result, Usage

__all__ = ["SYMBOLS", "readable_summary", "tex_to_text"]

#: Symbol commands and their Unicode characters (the common ones in paper abstracts and
#: results; Unicode math symbols, https://www.unicode.org/charts/PDF/U2200.pdf).
SYMBOLS: dict[str, str] = {
    "pm": "±", "mp": "∓", "times": "×", "cdot": "·", "div": "÷", "ast": "∗", "star": "⋆",
    "sim": "∼", "approx": "≈", "simeq": "≃", "cong": "≅", "equiv": "≡", "propto": "∝",
    "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "ll": "≪", "gg": "≫",
    "lesssim": "≲", "gtrsim": "≳", "infty": "∞", "partial": "∂", "nabla": "∇",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒", "Leftarrow": "⇐",
    "leftrightarrow": "↔", "mapsto": "↦", "uparrow": "↑", "downarrow": "↓",
    "in": "∈", "notin": "∉", "subset": "⊂", "subseteq": "⊆", "cup": "∪", "cap": "∩",
    "forall": "∀", "exists": "∃", "emptyset": "∅", "odot": "⊙", "oplus": "⊕",
    "otimes": "⊗", "circ": "∘", "bullet": "•", "prime": "′", "degree": "°",
    "sum": "∑", "prod": "∏", "int": "∫", "sqrt": "√",
    "dots": "…", "ldots": "…", "cdots": "⋯", "langle": "⟨", "rangle": "⟩",
    "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "|": "‖",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε",
    "varepsilon": "ε", "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι",
    "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ",
    "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ",
    "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    "%": "%", "&": "&", "_": "_", "#": "#", "$": "$", "{": "{", "}": "}",
}
#: Commands whose argument is shown as it is (fonts, text, operator names).
_WRAPPERS = frozenset({
    "mathrm", "text", "textrm", "textit", "textbf", "textsf", "texttt", "mathbf", "mathit",
    "mathsf", "mathtt", "mathcal", "mathbb", "mathfrak", "mathscr", "boldsymbol", "bm",
    "operatorname", "emph", "mbox", "hbox", "rm", "bf", "it", "mathnormal", "textnormal",
    "underline", "overline", "hat", "bar", "tilde", "vec", "dot", "widehat", "widetilde",
    "left", "right", "big", "Big", "bigg", "Bigg", "displaystyle", "textstyle", "scriptstyle",
})
_SUPERSCRIPTS = dict(zip("0123456789+-−=()niae", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱᵃᵉ", strict=True))
_SUBSCRIPTS = dict(zip("0123456789+-−=()aeiox", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑᵢₒₓ", strict=True))

# A formula: "$…$" whose content neither starts nor ends with a space (so "$5 and $10"
# stays), or "\(…\)".
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\s)([^$\n]{1,400}?)(?<![\s\\])\$(?!\d)|\\\((.{1,400}?)\\\)")
_ESCAPED = re.compile(r"\\([%&_#$])")
_COMMAND = re.compile(r"\\([A-Za-z]+|[{}%&_#$|,;:! ])")


def _group(text: str, start: int) -> tuple[str, int]:
    """The argument at ``text[start:]``: a ``{…}`` group (nested braces counted) or one
    character/command; returns it and the index after it."""
    while start < len(text) and text[start] == " ":
        start += 1
    if start >= len(text):
        return "", start
    if text[start] == "{":
        depth = 0
        for index in range(start, len(text)):
            if text[index] == "{":
                depth += 1
            elif text[index] == "}":
                depth -= 1
                if depth == 0:
                    return text[start + 1:index], index + 1
        return text[start + 1:], len(text)
    if text[start] == "\\":
        match = _COMMAND.match(text, start)
        if match:
            return match.group(0), match.end()
    return text[start], start + 1


def _script(body: str, table: dict[str, str], mark: str) -> str:
    """A super/subscript: raised/lowered characters when Unicode has them all, else
    ``^(…)`` / ``_…``."""
    if body and all(ch in table for ch in body):
        return "".join(table[ch] for ch in body)
    if mark == "^" and body in ("′", "∗", "*", "⋆", "∘", "°"):
        return {"∘": "°"}.get(body, body)
    if len(body) == 1 or re.fullmatch(r"\w+", body):
        return f"{mark}{body}"
    return f"{mark}({body})"


def _math(tex: str) -> str:
    """One formula's TeX as readable text."""
    out: list[str] = []
    index = 0
    while index < len(tex):
        char = tex[index]
        if char == "\\":
            match = _COMMAND.match(tex, index)
            if not match:
                out.append(char)
                index += 1
                continue
            name = match.group(1)
            index = match.end()
            if name in (",", ";", ":", " "):
                out.append(" ")
            elif name == "!":
                pass
            elif name == "frac" or name == "dfrac" or name == "tfrac":
                num, index = _group(tex, index)
                den, index = _group(tex, index)
                num, den = _math(num), _math(den)
                num = num if re.fullmatch(r"[\w.]+", num) else f"({num})"
                den = den if re.fullmatch(r"[\w.]+", den) else f"({den})"
                out.append(f"{num}/{den}")
            elif name == "sqrt":
                arg, index = _group(tex, index)
                arg = _math(arg)
                out.append("√" + (arg if re.fullmatch(r"[\w.]+", arg) else f"({arg})"))
            elif name in _WRAPPERS:
                if name in ("left", "right", "big", "Big", "bigg", "Bigg", "displaystyle",
                            "textstyle", "scriptstyle", "rm", "bf", "it"):
                    continue
                arg, index = _group(tex, index)
                out.append(_math(arg))
            elif name in SYMBOLS:
                out.append(SYMBOLS[name])
            else:
                out.append(name)  # \log, \max, \exp, an unknown macro: its name
        elif char in "^_":
            arg, index = _group(tex, index + 1)
            body = _math(arg).strip()
            table = _SUPERSCRIPTS if char == "^" else _SUBSCRIPTS
            out.append(_script(body, table, char))
        elif char == "~":
            out.append(" ")
            index += 1
        elif char in "{}":
            index += 1
        else:
            out.append(char)
            index += 1
    return re.sub(r" {2,}", " ", "".join(out))


def tex_to_text(text: str) -> str:
    """``text`` with its inline TeX shown as readable text (rules in the module docstring).

    Text without TeX is returned unchanged; never raises.
    """
    if "$" not in text and "\\" not in text:
        return text

    def formula(match: re.Match[str]) -> str:
        tex = match.group(1) if match.group(1) is not None else match.group(2)
        return _math(tex).strip()

    text = _INLINE_MATH.sub(formula, text)
    return _ESCAPED.sub(r"\1", text)


def readable_summary(summary: PaperSummary) -> PaperSummary:
    """A copy of ``summary`` with :func:`tex_to_text` applied to every text field, for the
    Markdown report only (the JSON report and the store keep the TeX)."""
    usage = Usage(**{f.name: tex_to_text(getattr(summary.usage, f.name))
                     for f in dataclasses.fields(Usage)})
    return dataclasses.replace(
        summary,
        domain=tex_to_text(summary.domain),
        contribution=tex_to_text(summary.contribution),
        usage=usage,
        innovations=[Innovation(tex_to_text(i.title), tex_to_text(i.detail))
                     for i in summary.innovations],
        results=[Result(tex_to_text(r.setting), tex_to_text(r.finding))
                 for r in summary.results],
    )
