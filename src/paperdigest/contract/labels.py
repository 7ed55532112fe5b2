"""The usage label synonym table (使用指南 / How to use): free-form labels → the five usage fields.

LLMs label the usage bullets of a report in many ways. The reference report
(``reference/daily_report_2026-01-31.md``) alone uses more than 70 distinct labels for its
45 entries (输入数据, 模型输出, 训练与硬件, 部署方式, 硬件要求, 代码获取, 输入/输出, …); they
were collected with ``grep`` over its 使用指南 sections and are all listed in
:data:`LABEL_SYNONYMS` below. Labels not in the table are classified by keyword
(:data:`KEYWORD_RULES`); a label matching nothing is *unmatched* and its text goes into
``workflow`` as ``"label：text"`` (rules in the :mod:`paperdigest.contract.markdown` docstring).

Data only, no parsing logic beyond the lookup: extend the table when a new model invents a
new label.
"""

from __future__ import annotations

import logging
import re
from typing import Literal

logger = logging.getLogger(__name__)

UsageField = Literal["input", "output", "workflow", "hardware", "code_and_resources"]

#: The five usage fields in the order the report renders them.
USAGE_FIELDS: tuple[UsageField, ...] = (
    "input",
    "output",
    "workflow",
    "hardware",
    "code_and_resources",
)

_IN: tuple[UsageField, ...] = ("input",)
_OUT: tuple[UsageField, ...] = ("output",)
_IO: tuple[UsageField, ...] = ("input", "output")
_FLOW: tuple[UsageField, ...] = ("workflow",)
_HW: tuple[UsageField, ...] = ("hardware",)
_CODE: tuple[UsageField, ...] = ("code_and_resources",)
_HW_CODE: tuple[UsageField, ...] = ("hardware", "code_and_resources")

#: Exact labels (normalised by :func:`normalize_label`) → the field(s) their text fills.
#: A label naming two fields (``输入/输出``, ``硬件与代码``) fills both; hardware+workflow
#: labels (``训练与硬件``) fill only hardware.
LABEL_SYNONYMS: dict[str, tuple[UsageField, ...]] = {
    # input
    "输入": _IN,
    "输入数据": _IN,
    "输入流程": _IN,
    "数据需求": _IN,
    "输入要求": _IN,
    "input": _IN,
    "inputs": _IN,
    # output
    "输出": _OUT,
    "输出结果": _OUT,
    "模型输出": _OUT,
    "输出应用": _OUT,
    "output": _OUT,
    "outputs": _OUT,
    # both
    "输入/输出": _IO,
    "输入与输出": _IO,
    "输入和输出": _IO,
    "输入输出": _IO,
    "input/output": _IO,
    "inputs/outputs": _IO,
    "inputandoutput": _IO,
    # workflow
    "流程": _FLOW,
    "过程": _FLOW,
    "方法": _FLOW,
    "训练流程": _FLOW,
    "训练阶段": _FLOW,
    "推理阶段": _FLOW,
    "操作流程": _FLOW,
    "操作方式": _FLOW,
    "评估流程": _FLOW,
    "评估方式": _FLOW,
    "处理流程": _FLOW,
    "处理机制": _FLOW,
    "核心流程": _FLOW,
    "核心步骤": _FLOW,
    "核心操作": _FLOW,
    "核心处理": _FLOW,
    "系统流程": _FLOW,
    "模型处理": _FLOW,
    "预处理": _FLOW,
    "数据采集": _FLOW,
    "集成方式": _FLOW,
    "部署": _FLOW,
    "部署方式": _FLOW,
    "部署建议": _FLOW,
    "使用流程": _FLOW,
    "使用方法": _FLOW,
    "workflow": _FLOW,
    "usage": _FLOW,
    "procedure": _FLOW,
    "method": _FLOW,
    "process": _FLOW,
    "pipeline": _FLOW,
    "steps": _FLOW,
    # hardware
    "硬件需求": _HW,
    "硬件要求": _HW,
    "硬件": _HW,
    "硬件与环境": _HW,
    "硬件/环境要求": _HW,
    "硬件与开销": _HW,
    "算力需求": _HW,
    "计算资源": _HW,
    "预算": _HW,
    "hardware": _HW,
    "compute": _HW,
    # hardware + how it is run: the text is mostly about hardware, and copying it into
    # workflow too would repeat it in the report
    "训练与硬件": _HW,
    "硬件与部署": _HW,
    "硬件与实现": _HW,
    # hardware + code: usually one fact of each kind in one sentence; both fields get it
    "硬件与代码": _HW_CODE,
    "硬件/代码": _HW_CODE,
    "硬件与资源": _HW_CODE,
    "资源与硬件": _HW_CODE,
    "硬件与模型": _HW_CODE,
    "硬件/模型需求": _HW_CODE,
    "资源需求": _HW_CODE,
    # code and resources
    "代码与资源": _CODE,
    "代码获取": _CODE,
    "代码状态": _CODE,
    "代码支持": _CODE,
    "代码情况": _CODE,
    "代码开源": _CODE,
    "代码实现": _CODE,
    "代码与模型": _CODE,
    "代码/模型": _CODE,
    "代码/模型兼容性": _CODE,
    "开源情况": _CODE,
    "开源状态": _CODE,
    "开源/资源": _CODE,
    "资源": _CODE,
    "代码": _CODE,
    "code": _CODE,
    "resources": _CODE,
    "codeandresources": _CODE,
}

#: Fallback for labels not in the table: a keyword found in the label selects a field.
#: Every matching keyword contributes its field, in the order of :data:`USAGE_FIELDS`.
KEYWORD_RULES: tuple[tuple[str, UsageField], ...] = (
    ("输入", "input"),
    ("input", "input"),
    ("输出", "output"),
    ("output", "output"),
    ("流程", "workflow"),
    ("步骤", "workflow"),
    ("workflow", "workflow"),
    ("硬件", "hardware"),
    ("gpu", "hardware"),
    ("算力", "hardware"),
    ("hardware", "hardware"),
    ("代码", "code_and_resources"),
    ("开源", "code_and_resources"),
    ("code", "code_and_resources"),
)

_SPACES = re.compile(r"\s+")


def normalize_label(label: str) -> str:
    """Lower-case, drop whitespace, bold markers and trailing colons: ``" 输入 ：" → "输入"``."""
    text = label.replace("*", "").strip().rstrip("：:").strip()
    return _SPACES.sub("", text).lower()


def usage_fields_for(label: str) -> tuple[UsageField, ...]:
    """Return the usage field(s) a 使用指南 label fills; ``()`` when the label is unmatched."""
    key = normalize_label(label)
    if key in LABEL_SYNONYMS:
        return LABEL_SYNONYMS[key]
    hits = {field for keyword, field in KEYWORD_RULES if keyword in key}
    fields = tuple(f for f in USAGE_FIELDS if f in hits)
    if not fields:
        logger.debug("usage label %r matches no field; it goes into workflow", label)
    return fields
