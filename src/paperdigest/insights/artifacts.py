"""What of a paper can actually be run: code, models, datasets, Spaces, project page.

:func:`runnable` gathers, in this order and each once: the Hugging Face item's GitHub
repository (with its stars) and project page, the Hugging Face models / datasets / Spaces
linked to the paper (:func:`paperdigest.insights.extras.hf_artifacts`), and the code links
found in the paper's own text (``Document.links`` through
:func:`paperdigest.extract.links.code_links`) or in the summary's 代码与资源 text.

:func:`code_and_resources` writes 代码与资源 from them; "代码未公开" (``No code released``)
only when no code link was found anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..extract.links import code_links, urls_in_text
from ..models import PaperRef

__all__ = ["Artifact", "code_and_resources", "has_code", "runnable"]

NO_CODE = {"zh": "代码未公开", "en": "No code released"}
_LABELS = {
    "zh": {"code": "代码", "model": "模型", "dataset": "数据集", "space": "Space 演示",
           "page": "项目主页", "link": "论文给出的链接", "runnable": "可运行："},
    "en": {"code": "code", "model": "model", "dataset": "dataset", "space": "Space demo",
           "page": "project page", "link": "link in the paper", "runnable": "Runnable: "},
}
_HF_KIND = {"models": "model", "datasets": "dataset", "spaces": "space"}


@dataclass
class Artifact:
    kind: str
    """``code`` | ``model`` | ``dataset`` | ``space`` | ``page`` | ``link``."""
    url: str
    name: str = ""
    stars: int | None = None
    """GitHub stars (code) or Hub likes (model/dataset/space), when known."""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "url": self.url, "name": self.name, "stars": self.stars}


def _hub_url(kind: str, repo_id: str) -> str:
    prefix = {"model": "", "dataset": "datasets/", "space": "spaces/"}[kind]
    return f"https://huggingface.co/{prefix}{repo_id}"


def _norm(url: str) -> str:
    return url.strip().rstrip("/.").lower().removeprefix("https://").removeprefix("http://") \
        .removeprefix("www.")


def runnable(ref: PaperRef, hub: dict[str, list[dict[str, Any]]] | None,
             doc_links: Iterable[str] = (), summary_text: str = "") -> list[Artifact]:
    """Everything found for ``ref``, each URL once (see the module docstring for the order)."""
    out: list[Artifact] = []
    seen: set[str] = set()

    def add(item: Artifact) -> None:
        key = _norm(item.url)
        if key and key not in seen:
            seen.add(key)
            out.append(item)

    if ref.github_repo:
        add(Artifact("code", ref.github_repo, ref.github_repo.rstrip("/").split("github.com/")[-1],
                     ref.github_stars))
    if ref.project_page:
        add(Artifact("page", ref.project_page))
    for hf_kind, kind in _HF_KIND.items():
        for repo in (hub or {}).get(hf_kind, []):
            add(Artifact(kind, _hub_url(kind, repo["id"]), repo["id"], repo.get("likes")))
    for url in code_links([*doc_links, *urls_in_text(summary_text)]):
        kind = "code" if any(h in url for h in ("github.com/", "gitlab.com/")) else "link"
        add(Artifact(kind, url))
    return out


def has_code(artifacts: Iterable[Artifact]) -> bool:
    """Whether anything runnable was found (code, model, dataset, Space or a code link)."""
    return any(a.kind != "page" for a in artifacts)


def code_and_resources(artifacts: list[Artifact], lang: str) -> str:
    """The 代码与资源 text: ``可运行：代码 https://github.com/a/b（★ 1,234）；模型 …``, or
    "代码未公开" when nothing was found (a project page alone is listed, not called code)."""
    labels = _LABELS.get(lang, _LABELS["zh"])
    if not artifacts:
        return NO_CODE.get(lang, NO_CODE["zh"])
    parts = []
    for art in artifacts:
        text = f"{labels[art.kind]} {art.url}"
        if art.stars:
            star = f"★ {art.stars:,}" if art.kind == "code" else f"♥ {art.stars:,}"
            text += f"（{star}）" if lang == "zh" else f" ({star})"
        parts.append(text)
    joiner = "；" if lang == "zh" else "; "
    prefix = labels["runnable"] if has_code(artifacts) else ""
    text = prefix + joiner.join(parts)
    if not has_code(artifacts):
        text += ("；" + NO_CODE["zh"]) if lang == "zh" else ("; " + NO_CODE["en"])
    return text
