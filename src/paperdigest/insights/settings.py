"""``[interests]`` and ``[insights]`` settings (issue 15).

``[interests]`` is the reader's profile: what to look for in a day's papers. Every list may be
empty; an empty profile scores nothing and orders papers as the reference does.

```toml
[interests]
keywords = ["reward model", "web agents"]
categories = ["cs.CL", "cs.LG"]
authors = ["Yoshua Bengio"]
organizations = ["Qwen"]
examples = ["2601.21872"]         # arXiv ids whose summaries define "papers like these"
embeddings_url = ""               # OpenAI-compatible /embeddings base URL; empty: lexical only
embeddings_model = ""
only_relevant = false             # same as `run --only-relevant`

[insights]
categories = true                 # one batched arXiv API request per day
artifacts = true                  # Hugging Face models/datasets/Spaces per paper
overview_llm = false              # true: with an LLM backend, one extra call writes the overview
```
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class InterestSettings(BaseModel):
    """The reader's interest profile (``[interests]``)."""

    model_config = ConfigDict(extra="forbid")

    keywords: list[str] = Field(default_factory=list)
    """Phrases matched (BM25) in title, abstract, HF keywords and summary."""
    categories: list[str] = Field(default_factory=list)
    """arXiv categories, e.g. ``cs.CL``; a paper in one of them matches."""
    authors: list[str] = Field(default_factory=list)
    """Author names, matched case-insensitively on the whole name."""
    organizations: list[str] = Field(default_factory=list)
    """Hugging Face organization names (the list item's ``organization``)."""
    examples: list[str] = Field(default_factory=list)
    """arXiv ids whose stored summaries define "papers like these"."""
    embeddings_url: str = ""
    """OpenAI-compatible base URL with ``POST /embeddings``; empty: lexical scoring only."""
    embeddings_model: str = ""
    only_relevant: bool = False
    """Drop papers with no match from reports (``run --only-relevant``)."""

    @property
    def empty(self) -> bool:
        return not (self.keywords or self.categories or self.authors or self.organizations
                    or self.examples)


class InsightSettings(BaseModel):
    """What the insights stage may look up (``[insights]``)."""

    model_config = ConfigDict(extra="forbid")

    categories: bool = True
    """Fetch arXiv categories (one batched arXiv API request per day, ``limits.arxiv_api``)."""
    artifacts: bool = True
    """Look up the Hugging Face models, datasets and Spaces linked to each paper."""
    overview_llm: bool = False
    """With an LLM backend, write the overview with one extra call over the summaries (off by
    default: a run then makes exactly one LLM call per paper, as the cache tests count)."""
