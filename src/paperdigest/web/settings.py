"""The ``[site]`` config section (web archive, server, feeds); core-safe (pydantic only).

::

    [site]
    title = "Hugging Face Daily Papers"
    base_url = "https://papers.example.org/"   # absolute site URL, used by feeds
    feed_items = 100                            # papers in the archive feed
    lang = "zh"                                 # summaries shown; default: the report lang
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["SiteSettings"]


class SiteSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    title: str = "Hugging Face Daily Papers"
    base_url: str = ""
    """Absolute http(s) URL where the site is published; feeds link to its pages. Empty:
    feed items link to Hugging Face."""
    feed_items: int = Field(default=100, ge=1, le=5000)
    """Papers in the archive-wide feeds (newest days first)."""
    lang: Literal["zh", "en"] | None = None
    """Language of the summaries shown; ``None`` = the report language (``lang``)."""

    @field_validator("base_url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        from .links import safe_url

        value = value.strip()
        if value and safe_url(value) is None:
            raise ValueError("must be an absolute http(s) URL, e.g. https://papers.example.org/")
        return value
