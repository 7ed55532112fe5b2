"""Summaries from any OpenAI-compatible chat server.

One paper costs one request in the usual case:

1. Build the messages from the versioned prompt file (``prompts/{lang}.txt``): the system
   rules, the output format for the mode (JSON for ``json_schema``/``json_object``, the
   report's Markdown for ``text``), and the packed context with HF metadata.
2. :meth:`ChatClient.complete_structured` picks the mode (json_schema → json_object → text).
3. Parse and validate locally (JSON via :mod:`paperdigest.llm.schema`, Markdown via
   ``paperdigest.render.parse.parse_summary_markdown``). Empty, refused or invalid answers
   get one repair round: the model sees its answer and the validation error.
4. A context-length error repacks the Document with 60 % of the budget, at most twice.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, ContextLengthError, LLMError, LLMOutputError
from ..llm.client import ChatAnswer, ChatClient, Message
from ..llm.schema import (
    SUMMARY_JSON_SCHEMA,
    SUMMARY_SCHEMA_NAME,
    parse_summary_json,
    summary_from_data,
)
from .base import SummaryResult

if TYPE_CHECKING:
    import httpx

    from ..config import Settings
    from ..models import Document, PackedContext, PaperRef, PaperSummary

logger = logging.getLogger(__name__)

#: Share of the previous budget used when the server says the prompt is too long, and how
#: many times to shrink. 0.6 twice reaches 36 % of the original budget, which covers the
#: usual case of a budget set for a 32K model used against an 8K/16K one.
REPACK_FACTOR = 0.6
MAX_REPACKS = 2

# Openings of refusals seen from chat models (OpenAI, Qwen, DeepSeek), English and Chinese.
_REFUSAL = re.compile(
    r"^\s*(I['’]m sorry|I am sorry|I'm unable|I am unable|I cannot|I can['’]t|As an AI|"
    r"Sorry, I|抱歉|对不起|很抱歉|我无法|我不能)",
    re.IGNORECASE,
)
_VERSION = re.compile(r"^#\s*version:\s*(\S+)\s*$")


@dataclass(frozen=True)
class Prompt:
    """A parsed prompt file."""

    version: str
    sections: dict[str, str]

    def section(self, name: str) -> str:
        try:
            return self.sections[name]
        except KeyError:
            raise ConfigError(f"prompt {self.version}: missing section '@@ {name}'") from None


def parse_prompt(text: str, name: str = "prompt") -> Prompt:
    """Parse a prompt file: ``# version: X`` header, then ``@@ section`` blocks.

    Raises:
        ConfigError: no version line.
    """
    version = ""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if current is None:
            match = _VERSION.match(line)
            if match and not version:
                version = match.group(1)
            if line.startswith("@@ "):
                current = sections.setdefault(line[3:].strip(), [])
            continue
        if line.startswith("@@ "):
            current = sections.setdefault(line[3:].strip(), [])
        else:
            current.append(line)
    if not version:
        raise ConfigError(f"{name}: the first lines must include '# version: NAME'")
    return Prompt(version, {k: "\n".join(v).strip() for k, v in sections.items()})


@functools.lru_cache(maxsize=8)
def load_prompt(lang: str) -> Prompt:
    """The packaged prompt for ``lang`` (``zh`` or ``en``).

    Raises:
        ConfigError: no prompt for that language.
    """
    if lang not in ("zh", "en"):
        raise ConfigError(f"no prompt for language {lang!r}: use zh or en")
    path = resources.files("paperdigest.summarize").joinpath("prompts", f"{lang}.txt")
    return parse_prompt(path.read_text(encoding="utf-8"), f"prompts/{lang}.txt")


def _fill(template: str, values: dict[str, str]) -> str:
    # Plain replacement, not str.format: the templates contain literal JSON braces.
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


def _metadata(ref: PaperRef, context: PackedContext) -> str:
    lines: list[str] = []
    if ref.title and ref.title not in context.text:
        lines.append(f"Title: {ref.title}")
    if f"arXiv: {ref.arxiv_id}" not in context.text:
        lines.append(f"arXiv: {ref.arxiv_id}")
    if ref.github_repo:
        lines.append(f"GitHub: {ref.github_repo}")
    if ref.project_page:
        lines.append(f"Project page: {ref.project_page}")
    return "\n".join(lines) + ("\n" if lines else "")


class OpenAISummarizer:
    """Summarizer backed by an OpenAI-compatible chat server (``settings.llm``)."""

    name = "openai"

    def __init__(
        self,
        settings: Settings,
        client: ChatClient | None = None,
        *,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.client = client or ChatClient(settings, http_client=http_client, sleep=sleep)
        self.model = self.client.model
        self.prompt_version = load_prompt(settings.lang).version

    def summarize(
        self, ref: PaperRef, doc: Document, context: PackedContext, lang: str
    ) -> SummaryResult:
        """Summarize one paper, repacking the context smaller on a context-length error.

        Raises:
            AuthError: the server rejected the key (stop the run).
            ContextLengthError: still too long after :data:`MAX_REPACKS` repacks.
            LLMOutputError: empty/refused/invalid answer, also after the repair round.
            LLMError: server/network failure after retries.
        """
        prompt = load_prompt(lang)
        budget = context.budget
        spent_calls = 0
        for repack in range(MAX_REPACKS + 1):
            try:
                result = self._summarize_once(ref, context, lang, prompt)
            except ContextLengthError:
                spent_calls += 1
                if repack == MAX_REPACKS:
                    raise
                from ..context import pack

                budget = max(1, int(budget * REPACK_FACTOR))
                logger.info(
                    "%s: prompt too long for %s; repacking with %d tokens",
                    ref.arxiv_id, self.model, budget,
                )
                context = pack(doc, budget, ref=ref)
                continue
            result.calls += spent_calls
            result.context_budget = context.budget
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _summarize_once(
        self, ref: PaperRef, context: PackedContext, lang: str, prompt: Prompt
    ) -> SummaryResult:
        user = _fill(
            prompt.section("user"),
            {"metadata": _metadata(ref, context), "context": context.text},
        )

        def messages_for(mode: str) -> list[Message]:
            fmt = prompt.section("markdown" if mode == "text" else "json")
            return [
                {"role": "system", "content": f"{prompt.section('system')}\n\n{fmt}"},
                {"role": "user", "content": user},
            ]

        answers: list[ChatAnswer] = []
        answer = self.client.complete_structured(
            messages_for, SUMMARY_JSON_SCHEMA, SUMMARY_SCHEMA_NAME
        )
        answers.append(answer)
        try:
            summary = self._parse(answer, lang)
        except LLMOutputError as first:
            logger.info("%s: invalid answer (%s); asking for a repair", ref.arxiv_id, first)
            repair = _fill(prompt.section("repair"), {"error": str(first)})
            previous = answer.text or answer.refusal or "(empty answer)"

            def repair_for(mode: str) -> list[Message]:
                return [
                    *messages_for(mode),
                    {"role": "assistant", "content": previous},
                    {"role": "user", "content": repair},
                ]

            answer = self.client.complete_structured(
                repair_for, SUMMARY_JSON_SCHEMA, SUMMARY_SCHEMA_NAME
            )
            answers.append(answer)
            try:
                summary = self._parse(answer, lang)
            except LLMOutputError as second:
                raise LLMOutputError(
                    f"invalid LLM output: {second} (first answer: {first}); "
                    f"model {self.model} at {self.client.base_url}"
                ) from None
        return SummaryResult(
            summary=summary,
            backend=self.name,
            model=self.model,
            prompt_version=prompt.version,
            tokens_in=sum(a.tokens_in for a in answers),
            tokens_out=sum(a.tokens_out for a in answers),
            calls=sum(a.calls for a in answers),
            mode=answer.mode,
            estimated_usage=any(a.estimated for a in answers),
        )

    def _parse(self, answer: ChatAnswer, lang: str) -> PaperSummary:
        """Validate one answer.

        Raises:
            LLMOutputError: empty, refused, cut off or not a valid summary.
        """
        text = answer.text.strip()
        if answer.refusal:
            raise LLMOutputError(f"the model refused: {answer.refusal.strip()[:200]}")
        if not text:
            raise LLMOutputError("empty answer")
        if _REFUSAL.match(text) and "应用领域" not in text and "{" not in text:
            raise LLMOutputError(f"the model refused: {text[:200]}")
        cut = (
            " (the answer was cut off at llm.max_output_tokens; raise it)"
            if answer.finish_reason == "length"
            else ""
        )
        looks_json = text.startswith(("{", "```json"))
        try:
            if answer.mode != "text" or looks_json:
                summary = parse_summary_json(text, lang)
            else:
                summary = _parse_markdown(text, lang)
        except LLMOutputError as exc:
            raise LLMOutputError(f"{exc}{cut}") from None
        _check_report_safe(summary)
        return summary


def _check_report_safe(summary: PaperSummary) -> None:
    """The renderer's own validity rules (round trip through Markdown).

    Raises:
        LLMOutputError: naming the problems.
    """
    try:
        from ..render.parse import summary_problems
    except ImportError:  # pragma: no cover - only while render/parse.py is missing
        return
    problems = summary_problems(summary)
    if problems:
        raise LLMOutputError("summary breaks the report format: " + "; ".join(problems[:6]))


def _parse_markdown(text: str, lang: str) -> PaperSummary:
    try:
        from ..render.parse import parse_summary_markdown
    except ImportError as exc:  # pragma: no cover - only while render/parse.py is missing
        raise LLMError("the Markdown summary parser (paperdigest.render.parse) is missing") from exc
    summary = parse_summary_markdown(text, language=lang)
    # Same rules as the JSON path, so both modes yield equally valid summaries.
    data: dict[str, Any] = summary.to_dict()
    return summary_from_data(data, lang)
