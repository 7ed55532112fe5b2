"""A synthetic archive for the web benchmarks: N papers over days of 50, through the Store API.

Deterministic (seeded). Each paper gets an English title and abstract, HF keywords, and a
Chinese five-part summary (about 600 characters, 2 innovations, 2 results). Its Chinese text
is made of real sentences of the 45 reference summaries (``../shared/reference``, shuffled
and recombined), so character and word frequencies are those of real summaries (模型 occurs
in most papers); without ../shared it falls back to a vocabulary whose word frequencies
follow Zipf's law (rank^-1). Written through :class:`paperdigest.store.Store`
(``save_day``, ``save_summary``), so the search index is filled by the store's own triggers,
as in real use.
"""

from __future__ import annotations

import os
import random
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from paperdigest.models import (
    Claim,
    Innovation,
    PaperRef,
    PaperSummary,
    Result,
    Usage,
    Verification,
)
from paperdigest.store import Store, SummaryKey

_REPO = Path(__file__).resolve().parent.parent
REFERENCE = Path(os.environ.get("PAPERDIGEST_CORPUS", _REPO.parent / "shared" / "corpus")
                 ).parent / "reference" / "daily_report_2026-01-31.md"
_CJK = re.compile("[\u4e00-\u9fff]")
_CJK_RUN = re.compile("[\u4e00-\u9fff]{2,}")

PER_DAY = 50
FIRST_DAY = date(2024, 1, 1)
_CHARS = ("模型数据训练推理学习网络图像语言视觉生成检索增强对齐评估基准任务方法框架结构注意力"
          "机制参数优化梯度损失样本分布特征表示编码解码多模态智能体规划奖励策略强化蒸馏压缩"
          "量化稀疏专家混合扩散视频音频语音文本代码数学物理化学生物医学机器人控制导航操作感知")
_EN = ["transformer", "diffusion", "agent", "benchmark", "reasoning", "retrieval", "alignment", "vision", "language", "policy", "reward", "sparse", "expert", "mixture", "quantization", "distillation", "robot", "navigation", "video", "speech", "math", "code", "graph", "kernel", "attention", "scaling", "latency", "memory", "tokenizer", "adapter"]


class Vocabulary:
    """Chinese words (2-4 characters) and English terms with Zipf-distributed frequencies."""

    def __init__(self, seed: int = 7, size: int = 3000) -> None:
        rng = random.Random(seed)
        words: list[str] = []
        seen: set[str] = set()
        while len(words) < size:
            word = "".join(rng.choice(_CHARS) for _ in range(rng.choice((2, 2, 2, 3, 4))))
            if word not in seen:
                seen.add(word)
                words.append(word)
        self.zh = words
        self.weights = [1.0 / (rank + 1) for rank in range(size)]
        total = 0.0
        self.cum_weights = []
        for w in self.weights:
            total += w
            self.cum_weights.append(total)
        self.en = _EN + [f"{a}{b}" for a in _EN[:20] for b in ("net", "former", "bench", "lm")]

        self.sentences: list[str] = []
        self.source = "Zipf vocabulary (../shared/reference not found)"
        if REFERENCE.is_file():
            text = REFERENCE.read_text(encoding="utf-8")
            self.sentences = [
                " ".join(s.strip(" *-#>").split()) for s in re.split(r"[。；\n]", text)
                if len(_CJK.findall(s)) >= 8]
            self.source = f"{len(self.sentences)} sentences of {REFERENCE.name}"

    def sentence(self, rng: random.Random, words: int) -> str:
        if self.sentences:
            out = rng.choice(self.sentences)
            while len(out) < words * 2.5:
                out += "，" + rng.choice(self.sentences)
            return out + "。"
        chosen = rng.choices(self.zh, cum_weights=self.cum_weights, k=words)
        if rng.random() < 0.5:
            chosen.insert(rng.randrange(len(chosen)), rng.choice(self.en))
        return "".join(chosen) + "。"


def _paper(vocab: Vocabulary, rng: random.Random, index: int, day: str) -> tuple[PaperRef,
                                                                                PaperSummary]:
    arxiv_id = f"{2400 + index // 90000:04d}.{index % 90000:05d}"
    title = " ".join(rng.choice(vocab.en).capitalize() for _ in range(rng.randint(4, 9)))
    ref = PaperRef(
        arxiv_id=arxiv_id, title=f"{title}: {rng.choice(vocab.en)} at scale",
        abstract=" ".join(rng.choice(vocab.en) for _ in range(120)),
        upvotes=rng.randint(0, 300), ai_keywords=rng.sample(vocab.en, 4),
        github_repo=f"https://github.com/example/p{index}" if rng.random() < 0.4 else None,
        listed_date=day,
    )
    summary = PaperSummary(
        domain=vocab.sentence(rng, 4),
        contribution=vocab.sentence(rng, 30),
        usage=Usage(input=vocab.sentence(rng, 12), output=vocab.sentence(rng, 12),
                    workflow=vocab.sentence(rng, 20), hardware=vocab.sentence(rng, 8),
                    code_and_resources=vocab.sentence(rng, 6)),
        innovations=[Innovation(vocab.sentence(rng, 4), vocab.sentence(rng, 25))
                     for _ in range(2)],
        results=[Result(vocab.sentence(rng, 3), vocab.sentence(rng, 20) + f" {rng.random():.3f}")
                 for _ in range(2)],
    )
    return ref, summary


def fill(store: Store, papers: int, *, seed: int = 7, start: int = 0,
         first_day: date = FIRST_DAY) -> list[str]:
    """Write ``papers`` papers (ids from ``start``) on consecutive days; returns the days."""
    vocab = Vocabulary(seed)
    rng = random.Random(seed * 1_000_003 + start)
    days: list[str] = []
    for offset in range(0, papers, PER_DAY):
        day = (first_day + timedelta(days=(start + offset) // PER_DAY)).isoformat()
        batch = [_paper(vocab, rng, start + offset + i, day)
                 for i in range(min(PER_DAY, papers - offset))]
        fetched = datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(days=1)
        store.save_day(day, day, [ref for ref, _ in batch], fetched, True)
        for ref, summary in batch:
            key = SummaryKey(ref.arxiv_id, "1", "HTML", "0" * 16, "p1", "extractive",
                             "extractive", "zh")
            store.save_summary(key, summary, coverage=0.8, context_tokens=9000,
                               verification=Verification([Claim("0.5", "number", True)]))
        days.append(day)
    return days


def queries(count: int = 200, *, seed: int = 11) -> list[str]:
    """Search queries: 50% one Chinese word, 25% one English term, 25% a Chinese word and an
    English term (AND).

    Chinese words are two-character strings of the archive's text; half of them drawn
    uniformly from the distinct ones (mostly rare), half at random text positions (so as
    often as they occur: 模型 comes up often).
    """
    vocab = Vocabulary()
    rng = random.Random(seed)
    if vocab.sentences:
        runs = [m.group(0) for s in vocab.sentences for m in _CJK_RUN.finditer(s)]
        distinct = sorted({r[i:i + 2] for r in runs for i in range(len(r) - 1)})

        def zh(i: int) -> str:
            if i % 2 == 0:
                return rng.choice(distinct)
            run = rng.choice(runs)
            j = rng.randrange(len(run) - 1)
            return run[j:j + 2]
    else:
        def zh(i: int) -> str:
            return rng.choices(vocab.zh, cum_weights=vocab.cum_weights)[0]
    out = []
    for i in range(count):
        kind = i % 4
        if kind in (0, 1):
            out.append(zh(i // 4 + kind))
        elif kind == 2:
            out.append(rng.choice(vocab.en))
        else:
            out.append(f"{zh(i // 4)} {rng.choice(vocab.en)}")
    return out
