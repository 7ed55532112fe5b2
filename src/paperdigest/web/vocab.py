"""Part names and usage labels of the five-part summary, per report language.

The report format's vocabulary lives in ``paperdigest.contract.vocab`` where this version
has it; the table below is the same words for versions that do not (core-safe, no extras).
"""

from __future__ import annotations

__all__ = ["part_names", "usage_labels"]

_PARTS = {
    "zh": ("应用领域", "一句话核心贡献", "使用指南", "主要创新点", "实验效果"),
    "en": ("Domain", "Core contribution", "How to use", "Key innovations", "Results"),
}
_USAGE = {
    "zh": {"input": "输入", "output": "输出", "workflow": "流程", "hardware": "硬件需求",
           "code_and_resources": "代码与资源"},
    "en": {"input": "Input", "output": "Output", "workflow": "Workflow", "hardware": "Hardware",
           "code_and_resources": "Code and resources"},
}


def _vocab(lang: str) -> object | None:
    try:
        from ..contract.vocab import vocabulary
    except ImportError:
        return None
    return vocabulary(lang)


def part_names(lang: str) -> tuple[str, ...]:
    """The five part headings (``应用领域`` … / ``Domain`` …)."""
    vocab = _vocab(lang)
    names = getattr(vocab, "part_names", None)
    return tuple(names) if names else _PARTS["en" if lang == "en" else "zh"]


def usage_labels(lang: str) -> dict[str, str]:
    """Usage field → label, in report order (``input`` → ``输入`` …)."""
    vocab = _vocab(lang)
    labels = getattr(vocab, "usage_labels", None)
    return dict(labels) if labels else dict(_USAGE["en" if lang == "en" else "zh"])
