"""Every fixed string of a report and a prompt, once per language (``zh``, ``en``).

The Chinese strings are the reference report's (``reference/daily_report_2026-01-31.md``,
DESIGN §2): ``### 1. 应用领域``, ``**输入**：``, ``- **阅读来源**: HTML``, the ``> `` notes.
The English ones replace every one of them in an ``--lang en`` report (issue 13: "a whole
English report"), so an English report holds no CJK character outside paper content.

Also here, because the validator and the prompt must agree on them:

* :data:`SEPARATOR`, the 60-'=' line between paper blocks;
* the "not covered by the paper" marker (``论文未提及`` / ``Not mentioned in the paper``);
* the per-field *hints* the prompt shows the model (``"hardware needs (GPU type and count,
  model size)"``) and the *labels* a model may echo (``输入：``, ``创新点标题：``): a value
  that is only a hint or a label is rejected by :mod:`paperdigest.contract.validate`.

Data and small formatters only; no parsing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..models import NOT_MENTIONED
from .labels import USAGE_FIELDS, UsageField

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")

#: Line between the header and each paper block (60 '=', as in the reference).
SEPARATOR = "=" * 60
#: First line of every report (identical in both languages, as in the reference).
REPORT_TITLE = "# Hugging Face Daily Papers Report"
#: English counterpart of :data:`paperdigest.models.NOT_MENTIONED`.
NOT_MENTIONED_EN = "Not mentioned in the paper"

#: Summary field paths, in report order, as used in validation messages.
TEXT_FIELDS: tuple[str, ...] = (
    "domain",
    "contribution",
    *(f"usage.{name}" for name in USAGE_FIELDS),
)


@dataclass(frozen=True)
class Vocabulary:
    """The fixed strings of one report language."""

    lang: Language
    part_names: tuple[str, str, str, str, str]
    """Headings of the five parts: ``### {n}. {name}``."""
    usage_labels: dict[UsageField, str]
    """The label written for each usage field (``**输入**``, ``**Input**``)."""
    colon: str
    """After a bold label: ``：`` (zh, as in the reference) or ``: `` (en)."""
    not_mentioned: str
    default_result_setting: str
    """Setting given to a parsed result item that has none."""
    no_result_setting: str
    """Setting of the one result of a summary whose paper reports none (the finding is
    :attr:`not_mentioned`)."""
    link_label: str
    source_label: str
    no_source: str
    """``阅读来源`` of a paper that has no summary."""
    failed: str
    """Prefix of a failed paper's ``> ❌`` line (stage and reason follow)."""
    untraced: str
    """Prefix of the ``> ⚠`` line that lists claims not found in the paper."""
    list_joiner: str
    checked: str
    """Precision and coverage line: ``{traced}``/``{claims}``, ``{used}``/``{facts}``."""
    vague: str
    """Flag of a summary without a concrete claim: ``{facts}``."""
    read: str
    """Prefix of the provenance line."""
    read_abstract: str
    read_full_text: str
    tokens: str
    """Template for the token count after the share read: ``{tokens}`` is formatted."""
    backend_names: dict[str, str]
    footer: tuple[str, str, str, str, str]
    """Templates of the five footer lines (see :func:`paperdigest.render.markdown.render_footer`)."""
    footer_model: str
    cost_unknown: str
    empty_day_note: str
    """Note when a day has no list: ``{date}``, ``{listed}``, ``{count}``."""
    ids_note: str
    """Note of a ``run --ids`` report: ``{count}``."""
    extractive_note: str
    """Note of a report whose content is the paper's own sentences (extractive backend)."""
    degraded_note: str
    """Per-paper note: a better source was lost to a server fault: ``{reason}``."""
    only_relevant_ignored: str
    """Note when ``--only-relevant`` has no ``[interests]`` to filter by (it keeps every paper)."""
    hints: dict[str, str] = field(default_factory=dict)
    """Field path → what the prompt asks for in that field (shown to the model)."""
    echo_labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Field path → labels a model may write in front of that field's value."""
    failed_calls: str = " ({failed} failed)"
    """After the footer's LLM call count when some calls failed: ``{failed}`` (issue 13)."""
    reused_time: str = " (reused stored results; the run that made them took {seconds} s)"
    """After the footer's time when every result was reused from the store: ``{seconds}``."""
    reused_time_unknown: str = " (reused stored results)"
    reused_tokens: str = (" (reused stored results; the run that made them: input {tokens_in}"
                          " · output {tokens_out})")
    """After a rerun's token line: what the run that made the reused results spent (QA 8)."""
    reused_cost: str = " (the run that made them: LLM calls {calls} · cost {cost})"
    """After a rerun's LLM call/cost line: that run's calls and cost (``cost_unknown_short``
    when unknown)."""
    cost_unknown_short: str = "unknown"
    cost_none: str = "$0 (no LLM calls)"
    """The cost of a span that made no LLM call (the extractive backend, a rerun): never
    ``$0.0000`` (README "Cost"; ``render.markdown.cost_text``)."""
    other_language_note: str = (
        "no {wanted} summary of {arxiv_id} is stored; showing the {shown} one "
        "(`paperdigest run --ids {arxiv_id} --lang {wanted}` makes one)"
    )
    """Said when a paper's summary in the wanted language is not stored and the one stored in
    another language is shown (``show --lang``, the web archive): ``{wanted}``, ``{shown}``
    (language codes), ``{arxiv_id}``."""

    def part_heading(self, index: int) -> str:
        """``### 1. 应用领域`` … (``index`` 0–4)."""
        return f"### {index + 1}. {self.part_names[index]}"

    def bold(self, label: str) -> str:
        """``**label**：`` / ``**label**: ``."""
        return f"**{label}**{self.colon}"


ZH = Vocabulary(
    lang="zh",
    part_names=("应用领域", "一句话核心贡献", "使用指南", "主要创新点", "实验效果"),
    usage_labels={
        "input": "输入",
        "output": "输出",
        "workflow": "流程",
        "hardware": "硬件需求",
        "code_and_resources": "代码与资源",
    },
    colon="：",
    not_mentioned=NOT_MENTIONED,
    default_result_setting="结果",
    no_result_setting="实验",
    link_label="链接",
    source_label="阅读来源",
    no_source="无",
    failed="❌ 未能生成：",
    untraced="⚠ 未在原文中找到：",
    list_joiner="、",
    checked="核对：数字与名称 {traced}/{claims} 见于原文 · 用到摘要要点 {used}/{facts}",
    vague="⚠ 没有具体的数字或名称：摘要中的 {facts} 个要点一个也没有用到",
    read="已读：",
    read_abstract="摘要",
    read_full_text="正文",
    tokens="（{tokens} tokens）",
    backend_names={"extractive": "抽取式摘要", "replay": "回放"},
    footer=(
        "后端：{backend}{model}",
        "论文：{papers} 篇 · 完成 {done} · 失败 {failed}",
        "tokens：输入 {tokens_in} · 输出 {tokens_out}",
        "LLM 调用：{calls} · 费用：{cost}",
        "用时：{seconds} s",
    ),
    footer_model=" · 模型：{model}",
    cost_unknown="未知（{model} 没有价格：设置 [prices]）",
    failed_calls="（失败 {failed}）",
    reused_time="（复用已存结果；生成它们的运行用时 {seconds} s）",
    reused_time_unknown="（复用已存结果）",
    reused_tokens="（复用已存结果；生成它们的运行：输入 {tokens_in} · 输出 {tokens_out}）",
    reused_cost="（生成它们的运行：LLM 调用 {calls} · 费用 {cost}）",
    cost_unknown_short="未知",
    cost_none="$0（未调用 LLM）",
    other_language_note=("注：未存储 {arxiv_id} 的 {wanted} 摘要，下面显示的是 {shown} 摘要"
                         "（`paperdigest run --ids {arxiv_id} --lang {wanted}` 可生成）。"),
    empty_day_note="注：{date} 没有论文列表，本报告使用 {listed} 的 {count} 篇论文。",
    ids_note="注：本报告汇总指定的 {count} 篇论文。",
    extractive_note="注：本报告由抽取式后端生成（无需 API key），内容为论文原文的英文句子。",
    only_relevant_ignored="注：未配置 [interests]，--only-relevant 没有筛选依据，保留了全部论文。",
    degraded_note="⚠ 服务器故障，未能读取更好的来源（下次运行会重试）：{reason}",
    hints={
        "domain": "应用领域，例如：自然语言处理 - 智能体 / 强化学习",
        "contribution": "一句话核心贡献（一句话）",
        "usage.input": "论文方法的输入（数据类型、模态等）",
        "usage.output": "论文方法的输出（预测或生成的内容）",
        "usage.workflow": "使用流程（按步骤）",
        "usage.hardware": "硬件需求（如 GPU 型号、数量、模型规模）",
        "usage.code_and_resources": "代码与资源（如 GitHub 仓库、项目主页、数据集链接）",
        "innovations.title": "创新点标题（一行）",
        "innovations.detail": "具体说明",
        "results.setting": "实验设置或基准（一行）",
        "results.finding": "结果，保留论文原始数字",
    },
    echo_labels={
        "domain": ("应用领域", "领域"),
        "contribution": ("一句话核心贡献", "核心贡献", "一句话"),
        "usage.input": ("输入",),
        "usage.output": ("输出",),
        "usage.workflow": ("流程", "使用流程"),
        "usage.hardware": ("硬件需求", "硬件"),
        "usage.code_and_resources": ("代码与资源",),
        "innovations.title": ("创新点标题", "创新点", "标题"),
        "innovations.detail": ("具体说明", "说明"),
        "results.setting": ("实验设置或基准", "实验设置"),
        "results.finding": ("结果",),
    },
)

EN = Vocabulary(
    lang="en",
    part_names=("Domain", "Core contribution", "How to use", "Key innovations", "Results"),
    usage_labels={
        "input": "Input",
        "output": "Output",
        "workflow": "Workflow",
        "hardware": "Hardware",
        "code_and_resources": "Code and resources",
    },
    colon=": ",
    not_mentioned=NOT_MENTIONED_EN,
    default_result_setting="Result",
    no_result_setting="Experiments",
    link_label="Link",
    source_label="Source",
    no_source="none",
    failed="❌ Not generated: ",
    untraced="⚠ Not found in the paper: ",
    list_joiner=", ",
    checked=(
        "Checked: {traced}/{claims} numbers and names found in the paper · "
        "{used}/{facts} key facts of the abstract used"
    ),
    vague="⚠ No concrete claim: none of the abstract's {facts} key numbers and names is used",
    read="Read: ",
    read_abstract="abstract",
    read_full_text="full text",
    tokens=" ({tokens} tokens)",
    backend_names={"extractive": "extractive summary", "replay": "replay"},
    footer=(
        "Backend: {backend}{model}",
        "Papers: {papers} · done {done} · failed {failed}",
        "Tokens: input {tokens_in} · output {tokens_out}",
        "LLM calls: {calls} · cost: {cost}",
        "Time: {seconds} s",
    ),
    footer_model=" · model: {model}",
    cost_unknown="unknown (no price for {model}: set [prices])",
    failed_calls=" ({failed} failed)",
    reused_time=" (reused stored results; the run that made them took {seconds} s)",
    reused_time_unknown=" (reused stored results)",
    empty_day_note=(
        "Note: {date} has no paper list; this report uses the {count} papers of {listed}."
    ),
    ids_note="Note: this report covers the {count} requested papers.",
    only_relevant_ignored="Note: no [interests] configured: --only-relevant keeps every paper.",
    extractive_note=(
        "Note: written by the extractive backend (no API key): the content is the paper's "
        "own sentences."
    ),
    degraded_note=(
        "⚠ Server fault: a better source could not be read (the next run retries): {reason}"
    ),
    hints={
        "domain": "application domain, e.g. NLP - agents / reinforcement learning",
        "contribution": "the core contribution in one sentence",
        "usage.input": "what the method takes as input (data type, modality)",
        "usage.output": "what the method produces as output",
        "usage.workflow": "how it is used, step by step",
        "usage.hardware": "hardware needs (GPU type and count, model size)",
        "usage.code_and_resources": "code and resources (GitHub repository, project page, datasets)",
        "innovations.title": "innovation title (one line)",
        "innovations.detail": "explanation",
        "results.setting": "setting or benchmark (one line)",
        "results.finding": "result with the paper's own numbers",
    },
    echo_labels={
        "domain": ("domain", "application domain"),
        "contribution": ("core contribution", "contribution"),
        "usage.input": ("input", "inputs"),
        "usage.output": ("output", "outputs"),
        "usage.workflow": ("workflow",),
        "usage.hardware": ("hardware", "hardware needs"),
        "usage.code_and_resources": ("code and resources",),
        "innovations.title": ("innovation title", "innovation", "title"),
        "innovations.detail": ("explanation", "detail"),
        "results.setting": ("setting or benchmark", "setting"),
        "results.finding": ("result", "finding"),
    },
)

VOCABULARIES: dict[str, Vocabulary] = {"zh": ZH, "en": EN}


def vocabulary(lang: str | None) -> Vocabulary:
    """The vocabulary of a report language; anything but ``"en"`` is Chinese (the default)."""
    return EN if lang == "en" else ZH


def not_mentioned(lang: str | None) -> str:
    """The "not covered by the paper" marker for a report language."""
    return vocabulary(lang).not_mentioned


#: Both markers: a field holding one of them is empty on purpose.
NOT_MENTIONED_MARKERS: frozenset[str] = frozenset({NOT_MENTIONED, NOT_MENTIONED_EN})

_MARKER_KEYS = frozenset(m.casefold() for m in NOT_MENTIONED_MARKERS)


def is_not_mentioned(text: str) -> bool:
    """True when ``text`` says only that the paper does not cover it: one of
    :data:`NOT_MENTIONED_MARKERS` alone or after a label and a colon (``实验：论文未提及``,
    ``**Ablations**: Not mentioned in the paper.``, the way a result's setting and finding
    are joined). Case, spaces, bold marks and a final period are ignored."""
    tail = text.replace("：", ":").rpartition(":")[2]
    return tail.strip(" \t\n*").rstrip("。.").strip(" *").casefold() in _MARKER_KEYS
