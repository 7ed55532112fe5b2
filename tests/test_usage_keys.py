"""Usage keys a model writes instead of the five canonical names map through the report's one
label table (contract.labels), not a table of the LLM schema's own."""

from __future__ import annotations

import pytest

from paperdigest.llm.schema import UsageModel

FIELDS = ("input", "output", "workflow", "hardware", "code_and_resources")


@pytest.mark.parametrize(("key", "field"), [
    ("inputs", "input"), ("input_data", "input"), ("输入", "input"), ("outputs", "output"),
    ("process", "workflow"), ("pipeline", "workflow"), ("steps", "workflow"), ("流程", "workflow"),
    ("hardware_requirements", "hardware"), ("硬件需求", "hardware"),
    ("code", "code_and_resources"), ("code_resources", "code_and_resources"),
    ("代码与资源", "code_and_resources"),
])
def test_a_usage_key_synonym_fills_its_field(key: str, field: str) -> None:
    others = {name: "-" for name in FIELDS if name != field}
    usage = UsageModel.model_validate({key: "8 A100 GPUs", **others})
    assert getattr(usage, field) == "8 A100 GPUs"


def test_a_canonical_key_wins_over_a_synonym() -> None:
    others = {name: "-" for name in FIELDS if name != "input"}
    usage = UsageModel.model_validate({"inputs": "images", "input": "text", **others})
    assert usage.input == "text"
