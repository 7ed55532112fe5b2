"""Summaries from any OpenAI-compatible chat server.

One paper costs one request in the usual case:

1. Build the messages from the versioned prompt file (``prompts/{lang}.txt``): the system
   rules, the output format for the mode (JSON for ``json_schema``/``json_object``, the
   report's Markdown for ``text``; both examples are built from the contract's vocabulary, so
   the hints the model sees are the ones the validator rejects as copied), and the packed
   context with HF metadata between ``<paper>`` and ``</paper>``. The paper is untrusted
   data: its own ``<paper>``/``</paper>`` tags are neutralised (:func:`fence_data`) and the
   system prompt says to ignore instructions inside it.
2. :meth:`ChatClient.complete_structured` picks the mode (json_schema → json_object → text).
3. Remove reasoning (``<think>…</think>``; ``reasoning_content`` arrives apart), then parse
   (JSON via :mod:`paperdigest.llm.schema`, Markdown via the contract's codec) and validate
   with the contract's one validator. Refused or invalid answers get one repair round: the
   model sees its answer and the problems, each naming the field and the fix. An empty answer
   cut off at the output budget (``finish_reason: "length"``, usually a reasoning model that
   thought until the budget ran out) is not repaired: the error names ``llm.max_output_tokens``.
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
from typing import TYPE_CHECKING

from ..config import redact_url
from ..contract.markdown import parse_summary_markdown, render_summary
from ..contract.vocab import vocabulary
from ..errors import ConfigError, ContextLengthError, LLMOutputError
from ..llm.client import ChatAnswer, ChatClient, Message
from ..llm.schema import (
    SUMMARY_JSON_SCHEMA,
    SUMMARY_SCHEMA_NAME,
    parse_summary_json,
    strip_reasoning,
    validated,
)
from ..models import Innovation, PaperSummary, Result, Usage
from .base import SummaryResult

if TYPE_CHECKING:
    import httpx

    from ..config import Settings
    from ..fetch.http import HttpClient
    from ..models import Document, PackedContext, PaperRef

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


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _fill(template: str, values: dict[str, str]) -> str:
    """Replace ``{name}`` placeholders in one pass (text from a value is never re-scanned,
    so a paper containing ``{context}`` stays as it is). Not str.format: the templates
    contain literal JSON braces."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


# The data block's delimiter in any spelling a model would read as one: <paper>, </paper>,
# < / PAPER >, <paper id="x">.
_DATA_TAG = re.compile(r"<\s*(/?)\s*paper\b[^<>]*>", re.IGNORECASE)


def fence_data(text: str) -> str:
    """Neutralise the prompt's data delimiters inside paper text (issue 11, item 10).

    ``</paper>`` → ``[/paper]``, ``<paper>`` → ``[paper]``: text from the paper cannot close
    the ``<paper>`` block of the prompt and smuggle instructions after it.
    """
    return _DATA_TAG.sub(lambda m: f"[{m.group(1)}paper]", text)


def _metadata(ref: PaperRef, context: PackedContext) -> str:
    lines: list[str] = []
    if ref.title and ref.title not in context.text:
        lines.append(f"Title: {' '.join(ref.title.split())}")
    if f"arXiv: {ref.arxiv_id}" not in context.text:
        lines.append(f"arXiv: {ref.arxiv_id}")
    if ref.github_repo:
        lines.append(f"GitHub: {ref.github_repo}")
    if ref.project_page:
        lines.append(f"Project page: {ref.project_page}")
    return fence_data("\n".join(lines) + ("\n" if lines else ""))


def _bracket(hint: str, lang: str) -> str:
    if any(mark in hint for mark in "(（"):
        return hint
    return f"({hint})" if lang == "en" else f"（{hint}）"


def json_fields(lang: str) -> str:
    """The JSON answer's fields as a described list (``- usage.input: hint``), hints from the
    contract's vocabulary. A list of descriptions rather than a JSON template whose values
    are the hints: small models copy template values (measured with Qwen2.5-Coder-1.5B:
    ``"input": "input"``); the validator rejects a copied hint either way."""
    hints = vocabulary(lang).hints
    colon = ": " if lang == "en" else "："
    lines = [f"- {name}{colon}{hints[name]}" for name in (
        "domain", "contribution", "usage.input", "usage.output", "usage.workflow",
        "usage.hardware", "usage.code_and_resources")]
    for kind, (a, b) in (("innovations", ("title", "detail")), ("results", ("setting", "finding"))):
        lines.append(f"- {kind}[].{a}{colon}{hints[f'{kind}.{a}']}")
        lines.append(f"- {kind}[].{b}{colon}{hints[f'{kind}.{b}']}")
    return "\n".join(lines)


def markdown_example(lang: str) -> str:
    """The Markdown answer template shown in text mode: the report's own five parts (the
    contract's codec, so the model is shown exactly what the parser reads), hints in
    brackets."""
    hints = vocabulary(lang).hints
    h = {key: _bracket(value, lang) for key, value in hints.items()}
    example = PaperSummary(
        domain=h["domain"],
        contribution=h["contribution"],
        usage=Usage(**{name: h["usage." + name] for name in (
            "input", "output", "workflow", "hardware", "code_and_resources")}),
        innovations=[Innovation(h["innovations.title"], h["innovations.detail"])] * 2,
        results=[Result(h["results.setting"], h["results.finding"])],
        language="en" if lang == "en" else "zh",
    )
    return render_summary(example).rstrip("\n")


def _prompt_values(lang: str) -> dict[str, str]:
    return {
        "not_mentioned": vocabulary(lang).not_mentioned,
        "json_fields": json_fields(lang),
        "markdown_example": markdown_example(lang),
    }


class OpenAISummarizer:
    """Summarizer backed by an OpenAI-compatible chat server (``settings.llm``)."""

    name = "openai"

    def __init__(
        self,
        settings: Settings,
        client: ChatClient | None = None,
        *,
        http_client: HttpClient | httpx.Client | None = None,
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
            {"metadata": _metadata(ref, context), "context": fence_data(context.text)},
        )
        values = _prompt_values(lang)
        system = _fill(prompt.section("system"), values)

        def messages_for(mode: str) -> list[Message]:
            fmt = _fill(prompt.section("markdown" if mode == "text" else "json"), values)
            return [
                {"role": "system", "content": f"{system}\n\n{fmt}"},
                {"role": "user", "content": user},
            ]

        answers: list[ChatAnswer] = []
        answer = self.client.complete_structured(
            messages_for, SUMMARY_JSON_SCHEMA, SUMMARY_SCHEMA_NAME
        )
        answers.append(answer)
        try:
            summary = self._parse(answer, lang)
        except _OutOfBudget as exc:
            self._rejected()
            raise LLMOutputError(
                f"invalid LLM output: {exc}; model {self.model} at {redact_url(self.client.base_url)}"
            ) from None
        except LLMOutputError as first:
            self._rejected()
            logger.info("%s: invalid answer (%s); asking for a repair", ref.arxiv_id, first)
            repair = _fill(prompt.section("repair"), {"error": str(first)})
            previous = strip_reasoning(answer.text)[0] or answer.refusal or "(empty answer)"

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
                self._rejected()
                raise LLMOutputError(
                    f"invalid LLM output: {second} (first answer: {first}); "
                    f"model {self.model} at {redact_url(self.client.base_url)}"
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

    def _rejected(self) -> None:
        """Count the answer just rejected by :meth:`_parse` as a failed call (the client's
        HTTP counters are the one place calls are counted)."""
        reject = getattr(self.client, "reject_answer", None)
        if reject is not None:
            reject()

    def _parse(self, answer: ChatAnswer, lang: str) -> PaperSummary:
        """Validate one answer (reasoning removed first, in every mode).

        Raises:
            _OutOfBudget: no answer, cut off at the output budget (not worth a repair).
            LLMOutputError: empty, refused, cut off or not a valid summary.
        """
        text, reasoning = strip_reasoning(answer.text)
        reasoning = reasoning or (answer.reasoning or "")
        budget = self.settings.llm.max_output_tokens
        if answer.refusal:
            raise LLMOutputError(f"the model refused: {answer.refusal.strip()[:200]}")
        if not text:
            if answer.finish_reason == "length":
                spent = " while reasoning" if reasoning else ""
                raise _OutOfBudget(
                    f"empty answer: the output budget of {budget} tokens ran out{spent} "
                    f"before the answer (finish_reason 'length'); raise llm.max_output_tokens "
                    f"(now {budget}), or lower the model's reasoning effort"
                )
            raise LLMOutputError("empty answer")
        if (
            _REFUSAL.match(text)
            and not any(name in text for name in vocabulary(lang).part_names)
            and "{" not in text
        ):
            raise LLMOutputError(f"the model refused: {text[:200]}")
        cut = (
            f" (the answer was cut off at llm.max_output_tokens = {budget}; raise it)"
            if answer.finish_reason == "length"
            else ""
        )
        looks_json = text.startswith(("{", "```json"))
        try:
            if answer.mode != "text" or looks_json:
                return parse_summary_json(text, lang)
            # Same validator as the JSON path, so both modes yield equally valid summaries.
            return validated(parse_summary_markdown(text, language=lang))
        except LLMOutputError as exc:
            raise LLMOutputError(f"{exc}{cut}") from None


class _OutOfBudget(LLMOutputError):
    """The answer is empty because the output budget ran out: a repair would end the same."""
