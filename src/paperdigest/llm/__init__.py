"""OpenAI-compatible chat access: the client (structured-output fallback, learned request
parameters, every request through the one HTTP policy), and the schema that validates the
model's JSON answer."""

from __future__ import annotations

from .client import MODE_MEMORY, MODES, PARAM_MEMORY, ChatAnswer, ChatClient, forget_modes
from .schema import (
    SUMMARY_JSON_SCHEMA,
    SUMMARY_SCHEMA_NAME,
    extract_json,
    parse_summary_json,
    summary_from_data,
)

__all__ = [
    "MODES",
    "MODE_MEMORY",
    "PARAM_MEMORY",
    "SUMMARY_JSON_SCHEMA",
    "SUMMARY_SCHEMA_NAME",
    "ChatAnswer",
    "ChatClient",
    "extract_json",
    "forget_modes",
    "parse_summary_json",
    "summary_from_data",
]
