"""The embedded default summarizer: sentences picked from the paper, no model, no network.

Deterministic and offline, so a run without an API key still produces a complete report.
Each of the five parts (DESIGN §3) is filled from the Document by simple, documented rules:

- 应用领域: arXiv categories through :data:`CATEGORY_LABELS`; else topics recognised in the
  title/abstract (:data:`TOPIC_RULES`) with the HF ``ai_keywords``; else "论文未提及".
- 一句话核心贡献: the abstract's claim sentence ("we propose/present/introduce …", "this paper
  …"); else its first sentence with "we"; else its first sentence.
- 使用指南: input/output from sentences that talk about inputs/outputs; workflow from the
  method section (or the abstract's method sentences); hardware from GPU/TPU/model-size
  mentions; code from the HF item's GitHub repo/project page and URLs in the text.
- 主要创新点: the introduction's contribution list, enumerations such as "(1) … (2) …";
  else claim sentences ("novel", "propose", "introduce", "we design").
- 实验效果: result sentences with numbers or result verbs, and the "ours" row of tables.

The text stays in the paper's language (the headings are Chinese anyway); the marker that
a summary is extractive is :attr:`SummaryResult.mode` ``"extractive"``, which the renderer
prints in the provenance line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..models import Innovation, PaperSummary, Result, Usage
from .base import SummaryResult, not_mentioned

if TYPE_CHECKING:
    from ..models import Document, PackedContext, PaperRef, Section

logger = logging.getLogger(__name__)

#: arXiv category → (zh label, en label). A small table of the categories HF Daily Papers
#: usually carries (arxiv.org/category_taxonomy); others fall back to the raw code.
CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "cs.CL": ("自然语言处理", "Natural language processing"),
    "cs.CV": ("计算机视觉", "Computer vision"),
    "cs.LG": ("机器学习", "Machine learning"),
    "cs.AI": ("人工智能", "Artificial intelligence"),
    "cs.RO": ("机器人", "Robotics"),
    "cs.IR": ("信息检索", "Information retrieval"),
    "cs.SD": ("声音处理", "Sound"),
    "cs.MA": ("多智能体系统", "Multiagent systems"),
    "cs.HC": ("人机交互", "Human-computer interaction"),
    "cs.CR": ("密码学与安全", "Cryptography and security"),
    "cs.SE": ("软件工程", "Software engineering"),
    "cs.DC": ("分布式计算", "Distributed computing"),
    "cs.GR": ("计算机图形学", "Graphics"),
    "cs.NE": ("神经与进化计算", "Neural and evolutionary computing"),
    "stat.ML": ("统计机器学习", "Statistical machine learning"),
    "eess.AS": ("音频与语音处理", "Audio and speech processing"),
    "eess.IV": ("图像与视频处理", "Image and video processing"),
    "eess.SP": ("信号处理", "Signal processing"),
    "math.OC": ("优化与控制", "Optimization and control"),
    "astro-ph": ("天体物理", "Astrophysics"),
    "astro-ph.CO": ("宇宙学", "Cosmology"),
    "astro-ph.GA": ("星系天体物理", "Galaxy astrophysics"),
    "astro-ph.HE": ("高能天体物理", "High-energy astrophysics"),
    "gr-qc": ("广义相对论与量子宇宙学", "General relativity and quantum cosmology"),
    "hep-th": ("高能物理理论", "High-energy physics theory"),
    "quant-ph": ("量子物理", "Quantum physics"),
    "q-bio": ("定量生物学", "Quantitative biology"),
}

#: Topics recognised in title + abstract when no category is known: (pattern, zh, en).
#: Order is priority order; at most :data:`MAX_TOPICS` are named.
TOPIC_RULES: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(p, re.IGNORECASE), zh, en)
    for p, zh, en in [
        (r"\brobot|manipulation|embodied|\bVLA\b|vision-language-action", "机器人 / 具身智能",
         "Robotics / embodied AI"),
        (r"\bagent(s|ic)?\b", "智能体", "Agents"),
        (r"speech|\bASR\b|audio|acoustic|\bmusic", "语音与音频", "Speech and audio"),
        (r"text-to-image|image generation|video generation|diffusion|\bT2I\b|text-to-video",
         "生成模型 (图像/视频)", "Generative models (image/video)"),
        (r"vision[- ]language|multimodal|\bVLMs?\b|\bMLLMs?\b", "多模态", "Multimodal"),
        (r"\bimage|\bvideo|visual|3D|reconstruction|segmentation|\bOCR\b|Gaussian",
         "计算机视觉", "Computer vision"),
        (r"language model|\bLLMs?\b|\bNLP\b|natural language|reasoning|token",
         "自然语言处理 / 大语言模型", "NLP / large language models"),
        (r"reinforcement learning|\bRL\b|reward|policy optimization", "强化学习",
         "Reinforcement learning"),
        (r"benchmark|evaluation", "评测基准", "Benchmarks and evaluation"),
        (r"mixture-of-experts|\bMoE\b|sparsity|scaling|pretrain|pre-train", "模型架构与训练",
         "Model architecture and training"),
        (r"retrieval|search|recommend", "信息检索", "Information retrieval"),
        (r"math|theorem|geometr|combinator", "数学与优化", "Mathematics and optimization"),
        (r"black hole|cosmolog|galax|gravitational", "天体物理 / 宇宙学",
         "Astrophysics / cosmology"),
        (r"molecul|protein|biolog|medical|clinical", "生物医学", "Biomedicine"),
    ]
]
MAX_TOPICS = 2
MAX_KEYWORDS = 4

_ABBREVIATIONS = re.compile(
    r"\b(e\.g|i\.e|et al|etc|vs|Fig|Figs|Eq|Eqs|Sec|Tab|cf|approx|resp|No|Dr|Mr|Ms)\.",
    re.IGNORECASE,
)
# A sentence ends at . ! ? followed by space and an upper-case letter, digit or opening mark.
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+(?=[A-Z0-9(\[\"“‘\\])|(?<=[。！？])")
_DOT = "\u2024"  # one-dot leader: stands in for protected abbreviation dots while splitting

_CLAIM = re.compile(
    r"\b(we|this (paper|work|report|study)|in this (paper|work|report|study))\b[^.]*?\b("
    r"propose|present|introduce|develop|design|release|build|construct|study|explore|"
    r"investigate|address|show|demonstrate|extend|formulate|curate|report|update|find|derive|"
    r"analy[sz]e|measure|quantify|provide)",
    re.IGNORECASE,
)
# The strongest claim verbs; a sentence with one wins over "we address/study …".
_CLAIM_STRONG = re.compile(
    r"\b(we|this (paper|work|report|study))\b[^.]*?\b(propose|present|introduce)",
    re.IGNORECASE,
)
_WE = re.compile(r"\b(we|our)\b", re.IGNORECASE)
_INPUT_STRONG = re.compile(
    r"\b(inputs?|takes?|taking|given|conditioned on|operat\w+ on|accepts?|consum\w+|"
    r"from (a |an |the )?(single|monocular|raw|natural|user|text|image|video|speech|audio|"
    r"multi\w*)|[\w-]+-to-[\w-]+)\b",
    re.IGNORECASE,
)
_INPUT = re.compile(
    r"\b(quer(y|ies)|prompts?|instructions?|observations?|images?|videos?|texts?|documents?|"
    r"speech|audio|sequences?|tokens?|trajector(y|ies)|papers?|designs?|data(sets?)?|"
    r"scenes?|contexts?|tasks?|intents?|signals?|frames?|questions?|problems?)\b",
    re.IGNORECASE,
)
_OUTPUT_STRONG = re.compile(
    r"\b(outputs?|generat\w*|produc\w*|predict\w*|returns?|yields?|synthesi[sz]\w*)\b",
    re.IGNORECASE,
)
_OUTPUT = re.compile(
    r"\b(reconstruct\w*|transcri\w*|translat\w*|answers?|estimat\w*|discover\w*|detect\w*|"
    r"classif\w*|retriev\w*|scores?|evaluat\w*|verdicts?|decisions?|actions?|plans?|"
    r"configurations?|representations?|feedback|justifications?|rewards?|summar\w*|"
    r"edits?|improv\w+ (designs?|images?)|align\w*|timestamps?|responses?|solutions?)\b",
    re.IGNORECASE,
)
_METHOD_SENTENCE = re.compile(
    r"\b(first|then|finally|stage|step|pipeline|module|framework|consists?|compris\w*|"
    r"architecture|trained?|training|fine-tun\w*|encoder|decoder|we (use|employ|adopt|"
    r"leverage|combine|train|fine-tune|design|build))\b",
    re.IGNORECASE,
)
_HARDWARE = re.compile(
    r"\b(A100|H100|H200|H800|A800|V100|A6000|L40S?|RTX\s?\d+\w*|TPU\w*|GPUs?|"
    r"\d+(\.\d+)?\s?[BM]\s?param\w*|\d+(\.\d+)?B[- ](parameters?|model|activated)|"
    r"\d+\s?GPU[- ]hours|\d+(\.\d+)?[BM]-parameter)\b",
)
_URL = re.compile(r"https?://[^\s)\]}>,;\"'`]+")
_RESOURCE_URL = re.compile(r"https?://(www\.)?(github\.com|huggingface\.co)/[^\s)\]}>,;\"'`]+")
_NOVEL = re.compile(
    r"\b(novel|propose|introduce|we design|we develop|we present|first|new)\b", re.IGNORECASE
)
_RESULT = re.compile(
    r"\b(outperform\w*|improv\w*|achiev\w*|surpass\w*|exceed\w*|gains?|speedups?|faster|"
    r"reduc\w*|state-of-the-art|SOTA|beats?|better|superior|competitive|boost\w*|"
    r"accuracy|results? (show|demonstrate|reveal|suggest)|experiments? (show|demonstrate|"
    r"reveal)|reveal\w*|demonstrat\w*|match\w*|comparable)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d")
_ENUM_MARK = re.compile(r"(?:^|\s|:)(\((?:\d|i{1,3}|iv|v|vi)\)|(?<![\w.])\d\)|(?<![\w.])[ivx]+\))\s")
_ORDINAL = re.compile(r"^\s*(first|second|third|fourth|fifth|finally|lastly)\s*,", re.IGNORECASE)
_BULLET = re.compile(r"^\s*([•\-–*]|\(?\d+[.)]|\(?[ivx]+\))\s+")

_INTRO = re.compile(r"introduction|overview", re.IGNORECASE)
_CONTRIB = re.compile(r"contribution", re.IGNORECASE)
_METHOD = re.compile(
    r"method|approach|framework|model|architecture|system|design|pipeline|algorithm",
    re.IGNORECASE,
)
_RESULTS = re.compile(r"experiment|result|evaluation|benchmark|performance", re.IGNORECASE)
_NOT_METHOD = re.compile(r"related|background|preliminar|introduction|conclusion", re.IGNORECASE)

MAX_INNOVATIONS = 4
MAX_RESULTS = 4
MAX_FIELD_CHARS = 600
"""Longer picked sentences are cut at a word boundary; a report field stays readable."""


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences without breaking "e.g.", "et al.", "Fig. 2" or "3.5"."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    protected = _ABBREVIATIONS.sub(lambda m: m.group(0)[:-1] + _DOT, text)
    parts = _SENTENCE_END.split(protected)
    return [p.replace(_DOT, ".").strip() for p in parts if p and p.strip()]


def _clip(text: str, limit: int = MAX_FIELD_CHARS) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


_LEAD_IN = re.compile(
    r"^(to [^,]{3,80}|in (this|our) [^,]{2,40}|moreover|furthermore|additionally|finally|"
    r"specifically|notably|crucially|in addition|guided by [^,]{2,60}|building on [^,]{2,60}|"
    r"to this end|however|first(ly)?|second(ly)?|third(ly)?|lastly|overall),\s+",
    re.IGNORECASE,
)
_CLAIM_VERB = re.compile(
    r"^(we|this (paper|work|report|study))\s+(also\s+)?(propose|present|introduce|develop|"
    r"design|release|build|construct|curate|formulate)[sd]?\s+((a|an|the)\s+)?",
    re.IGNORECASE,
)


def _one_line_title(text: str, max_words: int = 10) -> str:
    """A short single-line label: the named thing or leading clause, ≤ ``max_words`` words."""
    text = re.sub(r"\s+", " ", text).strip().strip("*").strip()
    text = _LEAD_IN.sub("", text, count=1)
    text = _CLAIM_VERB.sub("", text, count=1)
    # Cut at a clause break that is not inside a number ("1,230" stays whole); a one- or
    # two-word head ("Idea2Story,") keeps its apposition ("a … framework for …").
    breaks = [m.start() for m in re.finditer(r"(:|;|, (?!\d)| — | -- | – |\. |\()", text)]
    head = text
    for pos in breaks:
        if len(text[:pos].split()) >= 4 or pos == breaks[-1]:
            head = text[:pos]
            break
    head = head.replace(" ,", ",").strip(" ,;:")
    words = head.split()
    title = " ".join(words[:max_words])
    if len(words) > max_words:
        title = title.rstrip(",;:") + " …"
    title = title.lstrip("#").strip()
    return title[0].upper() + title[1:] if title else title


class ExtractiveSummarizer:
    """Deterministic summaries made of the paper's own sentences."""

    name = "extractive"
    model = "extractive"
    prompt_version = "extractive-1"

    def summarize(
        self, ref: PaperRef, doc: Document, context: PackedContext, lang: str
    ) -> SummaryResult:
        """Summarize from the Document alone (``context`` is not needed; never raises
        LLMError)."""
        summary = summarize_document(ref, doc, lang)
        return SummaryResult(
            summary=summary,
            backend=self.name,
            model=self.model,
            prompt_version=self.prompt_version,
            mode="extractive",
            context_budget=context.budget,
        )


def summarize_document(ref: PaperRef, doc: Document, lang: str = "zh") -> PaperSummary:
    """The five-part extractive summary of ``doc`` (``lang`` sets labels and markers)."""
    missing = not_mentioned(lang)
    abstract = doc.abstract or ref.abstract
    abstract_sents = split_sentences(abstract)
    intro = [s for s in doc.sections if _INTRO.search(s.heading) or _CONTRIB.search(s.heading)]
    methods = _method_sections(doc.sections)
    result_secs = [s for s in doc.sections if _RESULTS.search(s.heading)]
    intro_sents = _sentences_of(intro)
    method_sents = _sentences_of(methods)

    contribution, claim_index = _contribution(abstract_sents, intro_sents, doc)
    domain = _domain(ref, doc, abstract, lang) or missing
    results = _results(abstract_sents, claim_index, result_secs, doc, lang)
    result_texts = {r.finding for r in results}

    # Input/output: the claim and what follows it first (they describe the system), then
    # the introduction and method, and the background sentences before the claim last.
    head = max(claim_index, 0)
    io_pool = abstract_sents[head:] + intro_sents[:40] + method_sents[:40]
    io_pool += abstract_sents[:head]
    input_text = _pick(io_pool, _INPUT_STRONG, set()) or _pick(io_pool, _INPUT, set())
    output_text = (
        _pick(io_pool, _OUTPUT_STRONG, {input_text})
        or _pick(io_pool, _OUTPUT, {input_text})
        or _pick(io_pool, _OUTPUT_STRONG, set())
    )
    usage = Usage(
        input=_clip(input_text) if input_text else missing,
        output=_clip(output_text) if output_text else missing,
        workflow=_workflow(methods, abstract_sents, claim_index, result_texts) or missing,
        hardware=_hardware(doc, abstract_sents) or missing,
        code_and_resources=_resources(ref, doc) or missing,
    )
    innovations = _innovations(intro, abstract_sents, contribution) or []
    if not innovations:
        innovations = [Innovation(_one_line_title(contribution), contribution)] if (
            contribution != missing
        ) else [Innovation(missing, missing)]
    if not results:
        results = [Result("实验" if lang == "zh" else "Experiments", missing)]
    return PaperSummary(
        domain=domain,
        contribution=contribution,
        usage=usage,
        innovations=innovations,
        results=results,
        language="en" if lang == "en" else "zh",
    )


def _method_sections(sections: list[Section]) -> list[Section]:
    """Sections whose heading names the method, each followed by its subsections (a
    "Methods" heading often holds no paragraph of its own)."""
    out: list[Section] = []
    for index, sec in enumerate(sections):
        if not _METHOD.search(sec.heading) or _NOT_METHOD.search(sec.heading):
            continue
        out.append(sec)
        for sub in sections[index + 1:]:
            if sub.level <= sec.level:
                break
            if sub not in out:
                out.append(sub)
    return out


def _sentences_of(sections: Iterable[Section]) -> list[str]:
    out: list[str] = []
    for sec in sections:
        for para in sec.paragraphs:
            out.extend(split_sentences(para))
    return out


def _pick(sentences: list[str], pattern: re.Pattern[str], exclude: set[str]) -> str:
    for sentence in sentences:
        if sentence in exclude or len(sentence) < 20:
            continue
        if pattern.search(sentence):
            return sentence
    return ""


def _domain(ref: PaperRef, doc: Document, abstract: str, lang: str) -> str:
    col = 1 if lang == "en" else 0
    labels: list[str] = []
    for cat in ref.categories:
        entry = CATEGORY_LABELS.get(cat) or CATEGORY_LABELS.get(cat.split(".")[0])
        label = f"{entry[col]} ({cat})" if entry else cat
        if label not in labels:
            labels.append(label)
    if labels:
        return " / ".join(labels[:MAX_TOPICS])
    title = ref.title or doc.title
    # Score topics by evidence: a title hit counts 3, each abstract hit 1; ties keep the
    # table's order. Two hits at least, so one stray word ("agentic") does not set a domain.
    scored: list[tuple[int, int, str]] = []
    for order, (pattern, zh, en) in enumerate(TOPIC_RULES):
        score = 3 * len(pattern.findall(title)) + len(pattern.findall(abstract))
        if score >= 2:
            scored.append((-score, order, en if col else zh))
    topics = [label for _, _, label in sorted(scored)[:MAX_TOPICS]]
    keywords = [k.strip() for k in ref.ai_keywords if k.strip()][:MAX_KEYWORDS]
    parts = []
    if topics:
        parts.append(" / ".join(topics))
    if keywords:
        parts.append(("关键词：" if lang == "zh" else "Keywords: ") + ", ".join(keywords))
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def _contribution(
    abstract_sents: list[str], intro_sents: list[str], doc: Document
) -> tuple[str, int]:
    """The claim sentence and its index in the abstract (-1 when not from the abstract)."""
    for pattern in (_CLAIM_STRONG, _CLAIM, _WE):
        for index, sentence in enumerate(abstract_sents):
            if pattern.search(sentence):
                return _claim_text(sentence), index
    for sentence in intro_sents:
        if _CLAIM.search(sentence):
            return _claim_text(sentence), -1
    if abstract_sents:
        return _clip(abstract_sents[0]), 0
    for sec in doc.sections:
        for para in sec.paragraphs:
            first = split_sentences(para)
            if first:
                return _clip(first[0]), -1
    return _clip(doc.title) or "论文未提及", -1


def _claim_text(sentence: str) -> str:
    """The claim without a trailing enumeration: "… through three key designs: 1) …" is cut
    before "1)" (the items become innovations)."""
    mark = _ENUM_MARK.search(sentence)
    if mark and mark.start() > 40:
        head = sentence[: mark.start()].rstrip(" :,;-—")
        head = re.sub(r"[,;]?\s*(covering|including|namely|with|through)$", "", head).rstrip(" ,")
        return _clip(head + ".")
    return _clip(sentence)


def _workflow(
    methods: list[Section], abstract_sents: list[str], claim_index: int, exclude: set[str]
) -> str:
    for sec in methods:
        for para in sec.paragraphs:
            sentences = split_sentences(para)
            if sentences:
                return _clip(" ".join(sentences[:2]))
    after = abstract_sents[claim_index + 1:] if claim_index >= 0 else abstract_sents
    picked = [
        s for s in after
        if _METHOD_SENTENCE.search(s) and s not in exclude and not _RESULT.search(s)
    ][:2]
    if not picked and claim_index >= 0 and claim_index + 1 < len(abstract_sents):
        picked = [abstract_sents[claim_index + 1]]
    return _clip(" ".join(picked)) if picked else ""


def _hardware(doc: Document, abstract_sents: list[str]) -> str:
    found: list[str] = []
    pools: list[Iterable[str]] = [abstract_sents]
    pools.append(s for sec in doc.sections for p in sec.paragraphs for s in split_sentences(p))
    pools.append(s for sec in doc.appendix for p in sec.paragraphs for s in split_sentences(p))
    for pool in pools:
        for sentence in pool:
            if _HARDWARE.search(sentence) and sentence not in found:
                found.append(sentence)
                if len(found) == 2:
                    return _clip(" ".join(found))
    return _clip(" ".join(found)) if found else ""


def _resources(ref: PaperRef, doc: Document) -> str:
    links: list[str] = []
    for url in (ref.github_repo, ref.project_page):
        if url and url.strip() not in links:
            links.append(url.strip())
    texts = [doc.abstract, ref.abstract, *doc.footnotes]
    texts += [p for sec in doc.sections for p in sec.paragraphs]
    for text in texts:
        for match in _RESOURCE_URL.finditer(text or ""):
            url = match.group(0).rstrip(".")
            if url not in links and url.rstrip("/") not in [u.rstrip("/") for u in links]:
                links.append(url)
    # "Project page: https://…" in the abstract names a page on other hosts too.
    for match in re.finditer(r"(?:project page|code|website|demo)\s*(?:is)?\s*(?:at|:)\s*(\S+)",
                             ref.abstract or doc.abstract or "", re.IGNORECASE):
        url_match = _URL.match(match.group(1))
        if url_match:
            url = url_match.group(0).rstrip(".")
            if url.rstrip("/") not in [u.rstrip("/") for u in links]:
                links.append(url)
    return "；".join(links[:5])


def _enumerated_items(text: str) -> list[str]:
    """Items of an inline enumeration "(1) … (2) …", "1) … 2) …" or "(i) … (ii) …"."""
    marks = list(_ENUM_MARK.finditer(text))
    if len(marks) < 2:
        return []
    items: list[str] = []
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        item = text[mark.end(1):end].strip(" ,;:")
        item = re.sub(r"[,;]?\s*(and|or)$", "", item).strip(" ,;")
        if index + 1 == len(marks):
            item = split_sentences(item)[0] if split_sentences(item) else item
        if len(item) >= 10:
            items.append(item.rstrip("."))
    return items


def _innovations(
    intro: list[Section], abstract_sents: list[str], contribution: str
) -> list[Innovation]:
    items: list[str] = []
    # 1. Bulleted / ordinal contribution lists in the introduction.
    for sec in intro:
        for para in sec.paragraphs:
            if _BULLET.match(para) or _ORDINAL.match(para):
                items.append(_BULLET.sub("", para, count=1))
        if len(items) >= 2:
            break
    # 2. Inline enumerations in the introduction's contribution sentences, then the abstract.
    if len(items) < 2:
        items = []
        pools = [" ".join(p for s in intro for p in s.paragraphs), " ".join(abstract_sents)]
        for pool in pools:
            for sentence_block in _enumeration_blocks(pool):
                items.extend(_enumerated_items(sentence_block))
            if len(items) >= 2:
                break
    # 3. Claim sentences of the abstract.
    if len(items) < 2:
        claims = [s for s in abstract_sents if _NOVEL.search(s)]
        for sentence in claims:
            if sentence not in items:
                items.append(sentence)
    out: list[Innovation] = []
    seen: set[str] = set()
    for item in items:
        detail = _clip(item)
        title = _one_line_title(item)
        if not title or detail in seen:
            continue
        seen.add(detail)
        out.append(Innovation(title, detail))
        if len(out) == MAX_INNOVATIONS:
            break
    return out


def _enumeration_blocks(text: str) -> list[str]:
    """Text from the first enumeration mark of each list to the end of its last item."""
    text = re.sub(r"\s+", " ", text)
    marks = list(_ENUM_MARK.finditer(text))
    if len(marks) < 2:
        return []
    start = marks[0].start()
    return [text[start:]]


def _results(
    abstract_sents: list[str],
    claim_index: int,
    result_secs: list[Section],
    doc: Document,
    lang: str,
) -> list[Result]:
    label = "摘要" if lang == "zh" else "Abstract"
    results: list[Result] = []
    scored: list[tuple[int, int, str]] = []
    for index, sentence in enumerate(abstract_sents):
        has_verb = bool(_RESULT.search(sentence))
        has_number = bool(_NUMBER.search(sentence)) and bool(
            re.search(r"\d+(\.\d+)?\s?(%|x|×|points?|dB|pp|times|ms|seconds)|\+\d", sentence)
        )
        if index <= claim_index and not has_number:
            continue  # background sentences ("LLMs have achieved …") are not results
        if has_verb or has_number:
            # Numbers first, then order of appearance.
            scored.append((0 if has_number and has_verb else 1 if has_number else 2, index,
                           sentence))
    for _, _, sentence in sorted(scored)[:MAX_RESULTS - 1]:
        results.append(Result(label, _clip(sentence)))
    for sec in result_secs:
        for para in sec.paragraphs:
            for sentence in split_sentences(para):
                if _RESULT.search(sentence) and _NUMBER.search(sentence):
                    results.append(Result(_one_line_title(sec.heading, 6) or label,
                                          _clip(sentence)))
                    break
            if len(results) >= MAX_RESULTS:
                break
        if len(results) >= MAX_RESULTS:
            break
    if len(results) < MAX_RESULTS:
        for table in doc.tables:
            row = _table_finding(table.markdown, doc.title)
            if row:
                setting = _one_line_title(
                    f"{table.label} {table.caption}".strip() or label, 6
                )
                results.append(Result(setting, _clip(row)))
            if len(results) >= MAX_RESULTS:
                break
    return results


def _table_finding(markdown: str, title: str) -> str:
    """The "ours" row of a Markdown table as ``header: value`` pairs, or ``""``."""
    rows = [r.strip() for r in markdown.splitlines() if r.strip().startswith("|")]
    if len(rows) < 3:
        return ""
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    body = [r for r in rows[1:] if not re.fullmatch(r"\|?[\s:|-]+\|?", r)]
    name = re.split(r"[:\s]", title.strip(), maxsplit=1)[0].lower() if title else ""
    for row in body:
        cells = [c.strip() for c in row.strip("|").split("|")]
        first = cells[0].lower() if cells else ""
        if ("ours" in first or (name and len(name) > 3 and name in first)) and any(
            _NUMBER.search(c) for c in cells[1:]
        ):
            pairs = [
                f"{h}: {c}" if h else c
                for h, c in zip(header[1:], cells[1:], strict=False)
                if c
            ]
            return f"{cells[0]} — " + "; ".join(pairs)
    return ""
