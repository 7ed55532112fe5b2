"""The result of one delivery attempt, per recipient."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Outcome"]


@dataclass
class Outcome:
    """What happened for one recipient (an email address or a webhook name)."""

    recipient: str
    ok: bool
    detail: str
    """``sent`` (with counts), or the reason it failed, one line; never a secret."""
