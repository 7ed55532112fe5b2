"""The LLM's JSON answer: schema sent to the server and local validation.

Pydantic lives here because this is a trust boundary (STYLE §6): whatever the server sends,
with or without ``response_format`` support, is parsed and validated locally into a
:class:`~paperdigest.models.PaperSummary` (DESIGN §3). Validation is lenient where the
meaning is clear (extra keys ignored, strings stripped, more than six innovations truncated,
a few usage key synonyms) and strict where the report format would break (empty strings,
the 60-'=' separator, leading '#', multi-line titles).
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import LLMOutputError
from ..models import Innovation, PaperSummary, Result, Usage

#: Maximum number of innovations kept (DESIGN §3: 1–6 items); longer lists are truncated.
MAX_INNOVATIONS = 6
#: Results beyond this are dropped; a report block stays readable.
MAX_RESULTS = 8

SEPARATOR = "=" * 60

#: Usage keys models write instead of the five canonical names.
USAGE_SYNONYMS: dict[str, str] = {
    "inputs": "input",
    "input_data": "input",
    "输入": "input",
    "outputs": "output",
    "输出": "output",
    "process": "workflow",
    "pipeline": "workflow",
    "steps": "workflow",
    "流程": "workflow",
    "hardware_requirements": "hardware",
    "硬件需求": "hardware",
    "code": "code_and_resources",
    "resources": "code_and_resources",
    "code_and_resource": "code_and_resources",
    "code_resources": "code_and_resources",
    "代码与资源": "code_and_resources",
}


def _clean(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):  # some models answer a list of lines for a text field
        value = "；".join(_clean(v) for v in value if _clean(v))
    # Report-safe whitespace: no tabs, no blank lines, no trailing spaces (DESIGN §3).
    lines = str(value).replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines if line.strip()).strip()


def _check_text(value: str) -> str:
    if not value:
        raise ValueError("must be a non-empty string")
    if SEPARATOR in value:
        raise ValueError("must not contain the 60-'=' separator line")
    for line in value.split("\n"):
        if line.lstrip().startswith("#"):
            raise ValueError("must not have a line starting with '#'")
        if line.lstrip().startswith(">"):
            raise ValueError("must not have a line starting with '>'")
    return value


def _single_line(value: str) -> str:
    # Titles/settings are printed inside '**…**' on one line: join lines, drop bold markers.
    value = " ".join(part.strip() for part in value.splitlines() if part.strip())
    value = value.replace("**", "").strip()
    return value.rstrip("：:").strip()


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
            canonical = USAGE_SYNONYMS.get(str(key).strip().lower(), USAGE_SYNONYMS.get(key))
            if canonical and canonical not in out:
                out[canonical] = value
        return out

    @field_validator("*")
    @classmethod
    def _valid(cls, value: str) -> str:
        return _check_text(value)


class InnovationModel(_Texts):
    title: str
    detail: str

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _check_text(_single_line(value))

    @field_validator("detail")
    @classmethod
    def _detail(cls, value: str) -> str:
        return _check_text(value)


class ResultModel(_Texts):
    setting: str
    finding: str

    @field_validator("setting")
    @classmethod
    def _setting(cls, value: str) -> str:
        return _check_text(_single_line(value))

    @field_validator("finding")
    @classmethod
    def _finding(cls, value: str) -> str:
        return _check_text(value)


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

    @field_validator("domain", "contribution")
    @classmethod
    def _valid(cls, value: str) -> str:
        return _check_text(value)

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


def extract_json(text: str) -> dict[str, Any]:
    """The JSON object in a model answer, tolerating ```json fences and prose around it.

    Raises:
        LLMOutputError: no JSON object could be decoded.
    """
    candidates: list[str] = [text.strip()]
    candidates += [m.group(1).strip() for m in _FENCE.finditer(text)]
    decoder = json.JSONDecoder()
    for candidate in candidates:
        try:
            value = json.loads(candidate)
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
    raise LLMOutputError("answer is not a JSON object (no parsable {...} found)")


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

    Raises:
        LLMOutputError: fields missing/empty/malformed (named in the message).
    """
    try:
        model = SummaryModel.model_validate(data)
    except ValidationError as exc:
        raise LLMOutputError(f"JSON does not match the summary schema: {_describe(exc)}") from None
    return model.to_summary(language)
