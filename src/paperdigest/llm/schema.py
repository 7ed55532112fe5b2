"""The LLM's answer: reasoning removed, JSON decoded and repaired, shape checked.

Pydantic lives here because this is a trust boundary (STYLE §6): whatever the server sends,
with or without ``response_format`` support, is parsed locally into a
:class:`~paperdigest.models.PaperSummary` (DESIGN §3). This module owns what is specific to
LLM answers:

* :func:`strip_reasoning` — ``<think>…</think>`` blocks (DeepSeek-R1, Qwen3 thinking models
  via Ollama, vLLM, LM Studio) are removed before parsing in every mode (issue 10, item 1);
* :func:`extract_json` — the JSON object, tolerating fences and prose, and TeX whose
  backslash was eaten by a JSON escape (``"\text{x}"`` decodes to TAB + ``ext{x}``;
  :func:`repair_tex_escapes`, issue 10 item 7);
* :class:`SummaryModel` — the shape (keys, types, list lengths), lenient where the meaning is
  clear (extra keys ignored, lists of lines joined, more than six innovations truncated, a
  few usage key synonyms).

Validity (non-empty, report-safe, not a copied hint …) is the contract's one validator,
:func:`paperdigest.contract.validate.summary_problems`, applied after
:func:`~paperdigest.contract.validate.normalize_summary`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..contract.labels import usage_fields_for
from ..contract.validate import normalize_summary, summary_problems
from ..errors import LLMOutputError
from ..models import Innovation, PaperSummary, Result, Usage

#: Maximum number of innovations kept (DESIGN §3: 1–6 items); longer lists are truncated.
MAX_INNOVATIONS = 6
#: Results beyond this are dropped; a report block stays readable.
MAX_RESULTS = 8

def _clean(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):  # some models answer a list of lines for a text field
        value = "；".join(_clean(v) for v in value if _clean(v))
    if isinstance(value, dict):  # {"text": …} or a nested object: keep its text values
        value = "；".join(_clean(v) for v in value.values() if _clean(v))
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Texts(_Lenient):
    """A model whose fields are all strings, stripped of surrounding whitespace."""

    @field_validator("*", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> str:
        return _clean(value)


class UsageModel(_Texts):
    input: str
    output: str
    workflow: str
    hardware: str
    code_and_resources: str

    @model_validator(mode="before")
    @classmethod
    def _synonyms(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for key, value in data.items():
            # A usage key models write instead of a canonical name ("inputs", "流程",
            # "hardware_requirements"): the report's one label table decides, when it names
            # one field.
            fields = usage_fields_for(str(key))
            canonical = fields[0] if len(fields) == 1 else None
            if canonical and canonical not in out:
                out[canonical] = value
        return out


class InnovationModel(_Texts):
    title: str
    detail: str


class ResultModel(_Texts):
    setting: str
    finding: str


class SummaryModel(_Lenient):
    """DESIGN §3 as the LLM writes it (no ``language``: that is ours to set)."""

    domain: str
    contribution: str
    usage: UsageModel
    innovations: list[InnovationModel] = Field(min_length=1)
    results: list[ResultModel] = Field(min_length=1)

    @field_validator("domain", "contribution", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> str:
        return _clean(value)

    @field_validator("innovations", mode="before")
    @classmethod
    def _truncate_innovations(cls, value: Any) -> Any:
        return value[:MAX_INNOVATIONS] if isinstance(value, list) else value

    @field_validator("results", mode="before")
    @classmethod
    def _truncate_results(cls, value: Any) -> Any:
        return value[:MAX_RESULTS] if isinstance(value, list) else value

    def to_summary(self, language: str) -> PaperSummary:
        return PaperSummary(
            domain=self.domain,
            contribution=self.contribution,
            usage=Usage(**self.usage.model_dump()),
            innovations=[Innovation(i.title, i.detail) for i in self.innovations],
            results=[Result(r.setting, r.finding) for r in self.results],
            language="en" if language == "en" else "zh",
        )


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    # OpenAI strict structured outputs require every property listed in "required" and
    # additionalProperties false (platform.openai.com/docs/guides/structured-outputs).
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


_STR: dict[str, Any] = {"type": "string"}

#: JSON Schema sent as ``response_format.json_schema.schema`` (strict mode compatible).
SUMMARY_JSON_SCHEMA: dict[str, Any] = _object(
    {
        "domain": _STR,
        "contribution": _STR,
        "usage": _object(
            {
                "input": _STR,
                "output": _STR,
                "workflow": _STR,
                "hardware": _STR,
                "code_and_resources": _STR,
            }
        ),
        "innovations": {
            "type": "array",
            "items": _object({"title": _STR, "detail": _STR}),
        },
        "results": {
            "type": "array",
            "items": _object({"setting": _STR, "finding": _STR}),
        },
    }
)
SUMMARY_SCHEMA_NAME = "paper_summary"

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)

# Reasoning blocks of thinking models. Servers differ: DeepSeek-R1/Qwen3 via Ollama, vLLM
# (without a reasoning parser) and LM Studio put "<think>…</think>" before the answer; some
# chat templates open the block in the prompt, so the answer holds only the closing tag.
_REASONING_TAGS = ("think", "thinking", "reasoning", "reflection")
_LEADING_BLOCK = re.compile(
    r"\A\s*<(?P<tag>" + "|".join(_REASONING_TAGS) + r")>(?P<body>.*?)(?:</(?P=tag)>|\Z)",
    re.DOTALL | re.IGNORECASE,
)
_REASONING_CLOSE = re.compile(r"</(?:" + "|".join(_REASONING_TAGS) + r")>", re.IGNORECASE)
_ANSWER_START = ("{", "```", "#", "**", "[")


def strip_reasoning(text: str) -> tuple[str, str]:
    """Split a model answer into (answer, reasoning).

    Thinking models write their reasoning *before* the answer, so only leading blocks are
    removed: every ``<think>…</think>`` (also ``<thinking>``, ``<reasoning>``,
    ``<reflection>``) at the start; an unclosed one runs to the end of the text (the model was
    cut off while thinking: the answer is empty). Text before a lone closing tag is reasoning
    whose opening tag was in the chat template, unless it already looks like an answer. A tag
    quoted inside the answer (```<thinking>``` in a summary) is content and stays.
    """
    reasoning: list[str] = []
    close = _REASONING_CLOSE.search(text)
    head = text.lstrip()
    if (
        close
        and not head.startswith(_ANSWER_START)
        and not _LEADING_BLOCK.match(text)
    ):
        reasoning.append(text[: close.start()].strip())
        text = text[close.end() :]
    while match := _LEADING_BLOCK.match(text):
        reasoning.append(match.group("body").strip())
        text = text[match.end() :]
    return text.strip(), "\n\n".join(r for r in reasoning if r)


#: TeX commands whose name starts with a letter that is also a JSON escape (``\t`` tab,
#: ``\f`` form feed, ``\b`` backspace, ``\n`` newline, ``\r`` carriage return). A model that
#: writes ``"\text{x}"`` in a JSON string means the command, not TAB + "ext{x}".
TEX_COMMANDS_AFTER_ESCAPE: frozenset[str] = frozenset({
    # \t
    "text", "textbf", "textit", "texttt", "textrm", "textsc", "textsf", "textnormal",
    "textsuperscript", "textsubscript", "textcolor", "times", "theta", "tau", "tilde", "top",
    "to", "triangle", "tfrac", "tanh", "tan", "therefore", "tiny", "tt",
    # \f
    "frac", "forall", "flat", "footnote", "footnotesize", "fbox",
    # \b
    "beta", "bar", "bf", "boldsymbol", "begin", "bigl", "bigr", "big", "bm", "binom", "bullet",
    "bigcup", "bigcap", "bigoplus", "bigotimes", "bot", "boxed", "backslash", "bmod", "breve",
    "bmatrix",
    # \n
    "nabla", "neq", "ne", "nu", "not", "nonumber", "newline", "neg", "ni", "notin", "nleq",
    "ngeq", "nmid", "newcommand", "normalsize",
    # \r
    "rho", "rightarrow", "right", "rangle", "rm", "rfloor", "rceil", "rvert", "rbrace", "rbrack",
})  # fmt: skip
#: Commands too short to tell from a newline followed by a word without other TeX nearby.
_SHORT_N = frozenset({"ne", "nu", "ni", "not", "neg"})


def repair_tex_escapes(raw: str) -> str:
    r"""Double the backslash of TeX commands that JSON would otherwise misread.

    ``\text``, ``\frac``, ``\beta``, ``\nabla``, ``\rho`` … (a JSON escape letter followed by
    letters that form a command in :data:`TEX_COMMANDS_AFTER_ESCAPE`) and backslashes JSON
    does not allow at all (``\alpha``, ``\mathbf``, ``\%``) become ``\\…``, so that the
    decoded string holds the TeX the model wrote. Valid escapes (``\n`` before ordinary text,
    ``\"``, ``\\``, ``\u00e9``) are kept. Short ``\n`` commands (``\nu``, ``\ne``) are repaired
    only next to other TeX (a ``$`` in the text, or ``{``, ``_``, ``^``, ``$`` right after).
    """
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i, n = 0, len(raw)
    has_math = raw.count("$") >= 2
    while i < n:
        ch = raw[i]
        if ch != "\\" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        nxt = raw[i + 1]
        if nxt in '"\\/':
            out.append(raw[i : i + 2])
            i += 2
            continue
        if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", raw[i + 2 : i + 6]):
            out.append(raw[i : i + 6])
            i += 6
            continue
        end = i + 1
        while end < n and raw[end].isascii() and raw[end].isalpha():
            end += 1
        word = raw[i + 1 : end]
        after = raw[end : end + 1]
        if nxt in "bfnrt":
            command = word in TEX_COMMANDS_AFTER_ESCAPE
            if command and word in _SHORT_N:
                command = has_math or after in ("{", "_", "^", "$")
            out.append(("\\\\" if command else "\\") + word if word else raw[i : i + 2])
            i = end if word else i + 2
            continue
        # Not a JSON escape at all (\alpha, \mathbf, \%, \,): keep it as a literal backslash.
        out.append("\\\\")
        i += 1
    return "".join(out)


def _decode_object(text: str) -> dict[str, Any] | None:
    # strict=False: raw line breaks inside strings (common in model JSON) are accepted.
    decoder = json.JSONDecoder(strict=False)
    candidates: list[str] = [text.strip()]
    candidates += [m.group(1).strip() for m in _FENCE.finditer(text)]
    for candidate in candidates:
        try:
            value = decoder.decode(candidate)
        except ValueError:
            value = None
        if isinstance(value, dict):
            return value
    # Leading/trailing prose: decode from each '{' until one parses as an object.
    for match in re.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


_OUTER_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


def unfence(text: str) -> str:
    """``text`` without the Markdown code fence a model may wrap a whole reply in
    (```json … ```); fenced blocks inside prose are :func:`extract_json`'s."""
    return _OUTER_FENCE.sub("", text.strip())


def extract_json(text: str) -> dict[str, Any]:
    """The JSON object in a model answer, tolerating ```json fences, prose around it,
    reasoning blocks (:func:`strip_reasoning`) and TeX backslashes
    (:func:`repair_tex_escapes`).

    Raises:
        LLMOutputError: no JSON object could be decoded.
    """
    answer, _reasoning = strip_reasoning(text)
    from ..fetch.http import MAX_JSON_DEPTH, json_depth

    if json_depth(answer) > MAX_JSON_DEPTH:  # the stdlib decoder would raise RecursionError
        raise LLMOutputError(f"answer nests JSON more than {MAX_JSON_DEPTH} levels deep")
    value = _decode_object(repair_tex_escapes(answer))
    if value is None:
        raise LLMOutputError("answer is not a JSON object (no parsable {...} found)")
    return value


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:8]:
        loc = ".".join(str(p) for p in err["loc"]) or "answer"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def parse_summary_json(text: str, language: str = "zh") -> PaperSummary:
    """Parse and validate a JSON answer into a :class:`PaperSummary`.

    Raises:
        LLMOutputError: not JSON, or fields missing/empty/malformed (named in the message).
    """
    data = extract_json(text)
    return summary_from_data(data, language)


def summary_from_data(data: dict[str, Any], language: str = "zh") -> PaperSummary:
    """Validate already-decoded JSON data; see :func:`parse_summary_json`.

    The shape is checked by :class:`SummaryModel`; the result is normalised and checked by
    the contract's validator (:func:`~paperdigest.contract.validate.summary_problems`).

    Raises:
        LLMOutputError: fields missing/empty/malformed, or a value breaks the contract (each
            problem names its field and the fix, for the repair round).
    """
    try:
        model = SummaryModel.model_validate(data)
    except ValidationError as exc:
        raise LLMOutputError(f"JSON does not match the summary schema: {_describe(exc)}") from None
    return validated(model.to_summary(language))


def validated(summary: PaperSummary) -> PaperSummary:
    """``summary`` normalised (form only) and checked by the contract's validator.

    Raises:
        LLMOutputError: "summary breaks the contract: {problems}" (at most six, each naming
            its field and the fix).
    """
    summary = normalize_summary(summary)
    problems = summary_problems(summary)
    if problems:
        raise LLMOutputError("summary breaks the contract: " + "; ".join(problems[:6]))
    return summary
