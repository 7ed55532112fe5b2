"""The embedded default summarizer: sentences picked from the paper, no model, no network.

Deterministic and offline, so a run without an API key still produces a complete report.
Each of the five parts (DESIGN §3) is filled from the Document by simple, documented rules;
an abstract-only Document uses the abstract, a full text (HTML/PDF) adds its sections,
tables and appendix:

- 应用领域: arXiv categories through :data:`CATEGORY_LABELS`; else the fields recognised in
  the title, abstract and HF ``ai_keywords`` (:data:`TOPIC_RULES`), followed by the
  keywords; keywords alone name no field: then "论文未提及".
- 一句话核心贡献: the abstract's claim sentence ("we propose/present/introduce …", "this paper
  …"); else its first sentence with "we"; else its first sentence; never the paper's title
  said again. When the claim sentence is the only evidence of the innovations (or of
  输入/输出), it is split at a clause break (:func:`_claim_split`, :func:`_io_split`): that
  field gets the part that is its evidence (how the method works: "which merges …", "by
  introducing …"; what goes in or comes out: "…, producing Y") and this part keeps the main
  clause ("We introduce X, a … framework."), or the whole claim when its main clause only
  names the method ("We introduce ConceptMoE, which …": the innovation is then the claim's
  description part).
- 使用指南: 输入/输出 only from explicit phrasings about the paper's own system ("takes X as
  input", "given X, <system> …", "conditioned on", "from a single image", "using X data, we
  measure", "<system> outputs/produces/generates/predicts Y", "maps X to Y", "the output
  is"), never from background or prior-work sentences, and from an authors' construction,
  setup or finding sentence ("we introduce X …, producing Y", "we conduct studies
  demonstrating that X can generate Y") only its part that says it; else "论文未提及".
  Workflow from a pipeline sentence of the method sections ("consists of three stages",
  "first … then"), else their first complete sentences, else the abstract's method sentences; hardware from
  accelerator, memory and training-time mentions in body and appendix; code from the HF
  item's GitHub repo/project page, the paper's own code links (``Document.links``) and URLs.
- 主要创新点: contribution statements only: the introduction's contribution list ("Our
  contributions are:" followed by bullets, "1)", "First, …", or an inline "(1) … (2) …");
  enumerations after a design cue ("three key designs: 1) …"); else the construction and
  study claims ("we propose/introduce/present/design …", "in this paper, we study …") of the
  abstract, introduction and conclusion — never background, prior work's weaknesses,
  findings or code-release sentences. Titles are the item's label ("**X**:", "X (C1):") or
  the object of its claim verb / its leading noun phrase, cut at a phrase boundary — before
  a preposition, conjunction or participle, or after a comma — (≤ 8 words, ≤ 80 characters,
  no "…"), in the paper's own casing (mHC stays mHC).
- 实验效果: sentences of the paper's own work with a number, an explicit comparison or a
  named benchmark that also say what came out (not setups, qualitative claims or release
  sentences), labelled by what they measure: the benchmark(s) named, else the metric, else
  "对比基线" (only when a baseline is named: :data:`_BASELINE`), else "数值结果", else
  "比较结果"; for a full text also the results sections' sentences with a figure
  and a comparison (labelled by benchmark, else section heading) and the best result table
  as "caption — the paper's own row" (labelled by the table's label).

No sentence fills two fields: the fields are filled in a fixed order (contribution,
input, output, results, innovations, workflow, hardware), each from the sentences no
earlier field took (:class:`_Used`); a sentence split at a clause break gives each part to
one field (only a claim whose main clause just names the method stays whole in 一句话核心贡献
beside its description part in 主要创新点). Evaluated against independent hand labels by
``bench/eval_extractive.py`` (floors in ``eval_baseline.json``).

Every sentence, row and label is copied from the Document, so no number can be invented.
The text stays in the paper's language (the headings are Chinese anyway; a zh report says so
once in a note under its header); the marker that a summary is extractive is
:attr:`SummaryResult.mode` ``"extractive"``, which the renderer prints in the provenance line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..contract.markdown import part_heading
from ..contract.validate import normalize_summary
from ..contract.vocab import not_mentioned, vocabulary
from ..models import Innovation, PaperSummary, Result, Usage
from .base import SummaryResult

if TYPE_CHECKING:
    from ..models import Document, PackedContext, PaperRef, Section, Table

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
        ((r"mixture-of-experts|\bMoE\b|sparsity|scaling|pretrain|pre-train|residual|"
          r"hyper-connections?|\barchitecture|normali[sz]ation layer"), "模型架构与训练",
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
    r"\b(e\.g|i\.e|et al|etc|vs|Fig|Figs|Eq|Eqs|Sec|Secs|Tab|cf|approx|resp|No|Dr|Mr|Ms)\.",
    re.IGNORECASE,
)
# A sentence ends at . ! ? followed by space and an upper-case letter, digit or opening mark.
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+(?=[A-Z0-9(\[\"“‘\\])|(?<=[。！？])")
_DOT = "\u2024"  # one-dot leader: stands in for protected abbreviation dots while splitting

# "we/this paper" followed, within three words, by a claim verb. The short gap keeps "We find
# that models … even without its trigger being present" from reading as "we … present".
_CLAIM = re.compile(
    r"\b(we|this (paper|work|report|study)|in this (paper|work|report|study))\b(\s+[\w-]+){0,3}?"
    r"\s+(propos|present|introduc|develop|design|releas|build|construct|stud|explor|"
    r"investigat|address|show|demonstrat|extend|formulat|curat|report|updat|find|deriv|"
    r"analy[sz]|measur|quantif|provid|test|reconstruct|constrain|examin)\w*\b",
    re.IGNORECASE,
)
# The strongest claim verbs; a sentence with one wins over "we address/study …".
_CLAIM_STRONG = re.compile(
    r"\b(we|this (paper|work|report|study))\b(\s+(also|further|here|therefore|then|thus|"
    r"hence|now|first|\w+ly))?\s+(propose|present|introduce)[sd]?\b",
    re.IGNORECASE,
)
_GAP = r"(\s+(also|further|then|first|here|now|therefore|thus|hence|next|finally|additionally|\w+ly))?"
# Contribution statements of construction: what the authors built ("we propose/introduce/
# present/design/develop/build/construct/curate/release/formulate/extend …").
_CONSTRUCT = re.compile(
    r"\b(we|this (paper|work|report|study)|our (work|paper))" + _GAP +
    r"\s+(propose[sd]?|introduce[sd]?|present(s|ed)?|design(s|ed)?|develop(s|ed)?|build|built|"
    r"construct(s|ed|e)?|curate[sd]?|release[sd]?|formulate[sd]?|create[sd]?|devise[sd]?|"
    r"contribute[sd]?|extend(ed)?)\b",
    re.IGNORECASE,
)
# "In this paper, we study …": the contribution statement of an analysis paper.
_STUDY = re.compile(
    r"\b(we|this (paper|work|report|study))" + _GAP +
    r"\s+(stud(y|ies|ied)|investigate[sd]?|explore[sd]?|examine[sd]?|analy[sz]e[sd]?|"
    r"address(es|ed)?|tackle[sd]?|emphasi[sz]e[sd]?|take)\b",
    re.IGNORECASE,
)
# "We investigate this question for various behaviors": a study claim that only points back
# at one made before ("this problem of X" still says what it is).
_ANAPHORIC_STUDY = re.compile(
    r"\bwe\s+(\w+ly\s+)?(stud(y|ied)|investigated?|explored?|examined?|address(ed)?|"
    r"tackled?)\s+(this|these|it|them)\b(?!\s+(\w+\s+)?(of|whether|how)\b)",
    re.IGNORECASE,
)
# Findings the authors claim ("we show/find/demonstrate that …").
_FINDING = re.compile(
    r"\b(we|this (paper|work|study))" + _GAP +
    r"\s+(show(s|ed)?|find|found|demonstrate[sd]?|reveal(s|ed)?|uncover(s|ed)?|identif(y|ies|ied)|"
    r"observe[sd]?|discover(s|ed)?|prove[sd]?|derive[sd]?|report(s|ed)?|establish(es|ed)?)\b",
    re.IGNORECASE,
)
# "We release the code/models at …": a release, not a contribution (the labels' rule).
_BARE_RELEASE = re.compile(
    r"\b(releas\w*|open-?sourc\w*|make \w+ (publicly )?available|(publicly|freely) available|"
    r"available at)\b[^.]*\b(code|codes|models?|weights|checkpoints|data|datasets|license|"
    r"https?://|github|harness)\b|\b(code|models?|weights|datasets?)\b[^.]{0,40}\b(are|is) "
    r"(all )?(released|available)\b",
    re.IGNORECASE,
)
# Items of an enumeration are innovations only after a cue that they are ("three key designs:
# 1) …", "our contributions: (i) …"), not a pipeline's stages or an output's parts.
_DESIGN_CUE = re.compile(
    r"\b(contributions?|innovations?|novelt(y|ies)|"
    r"(key|main|core|major|novel|technical)\s+(designs?|components?|techniques?|ideas?|"
    r"innovations?|contributions?|modules?|features?|mechanisms?|strateg(y|ies)|aspects?|"
    r"ingredients?)|"
    r"(two|three|four|five|several)\s+(key\s+|novel\s+|main\s+)?(designs|components|"
    r"techniques|innovations|modules|mechanisms|strategies|ingredients))\b",
    re.IGNORECASE,
)
_WE = re.compile(r"\b(we|our)\b", re.IGNORECASE)
# "As we show later", "shown in Fig. 2": pointers, not claims.
_LATER = re.compile(r"\b(later|below|above|shown in|as shown)\b", re.IGNORECASE)
# Background rather than the paper's own system: hedges, prior work and citations.
_BACKGROUND_WORDS = re.compile(
    r"\b(however|existing|previous(ly)?|prior (work|studies|methods|approaches)|traditional(ly)?|"
    r"conventional|manual(ly)?|typically|recent (work|studies|advances)|future work|"
    r"has been|have been|remains? (an? )?(open|challenge))\b",
    re.IGNORECASE,
)
# Words that put a sentence about the paper's own work next to prior work's weaknesses
# ("unlike existing methods that …", "we attribute this to prevailing VLMs, which …").
_PRIOR_WORK = re.compile(
    r"\b(however|existing|previous(ly)?|prior (work|studies|methods|approaches)|"
    r"traditional(ly)?|conventional|prevailing|mainstream|we attribute|unlike|rather than|"
    r"instead of)\b",
    re.IGNORECASE,
)
_CITATION = re.compile(r"\[\d|\bet al\.|\((\w[^()]*)?\d{4}[a-z]?\)")
_BACKGROUND = re.compile(f"{_BACKGROUND_WORDS.pattern}|{_CITATION.pattern}", re.IGNORECASE)
_ROADMAP = re.compile(
    r"\b(in|see) (sec(tion|s?\.)|appendix|chapter|fig(ure|s?\.)|table)\s*[\dA-Z]", re.IGNORECASE
)
# References to parts of the paper; their numbers are not results ("see Figure 15").
_REFERENCE = re.compile(
    r"\b(sec(tion)?s?\.?|appendix|fig(ure)?s?\.?|tables?|eqs?\.?|equations?|panel)\s*\(?"
    r"[\dA-Z][\d.]*\)?",
    re.IGNORECASE,
)
_SUBJECT = re.compile(
    r"\b(we|our|ours|the proposed|the (model|system|framework|method|pipeline|agent|network|"
    r"approach|encoder|decoder))\b",
    re.IGNORECASE,
)
# Explicit input phrasings (the evaluation labels' rule: "given an image sequence", "takes …
# as input", "using X data … we measure"); anything vaguer leaves 输入 "论文未提及".
_IO_INPUT = re.compile(
    r"\b(takes?|taking|accepts?|receives?|consumes?|ingests?)\b[^.;]{0,100}?\bas (its |an? |the )?"
    r"inputs?\b|(?<!such )\bas ([\w-]+ ){0,2}inputs?\b(?! injection)|"
    r"\b(the |its |our |model |system )inputs? (is|are|"
    r"consists?|compris\w+|includ\w+)\b|\binputs? (to|of) (the|our|this) [\w-]+ (is|are)\b|"
    r"^(given|conditioned on) (?!that\b)[^,;]{3,120},|\bcondition(s|ed|ing)? on\b|"
    r"\b(fed|feeds?|feeding) ([\w-]+ ){0,2}into\b|\binputs? (like|such as|including)\b|"
    r"\bfrom ([\w-]+ ){0,2}(different|various|multiple|arbitrary|diverse|any) ([\w-]+ )?"
    r"inputs?\b|"
    r"\bfrom (a |an |the )?(given|single|single-view|monocular|input|raw|casually captured|"
    r"user-provided|multi-view|sparse|unposed|noisy|short|long)\b[^.;]{0,60}?\b(images?|videos?|"
    r"views?|sequences?|clips?|scans?|text|prompts?|audio|speech|recordings?|signals?|"
    r"frames?|photos?|sketch(es)?|point clouds?|captures?|descriptions?|instructions?)\b|"
    r"^(using|by (using|integrating|combining|fitting|analy[sz]ing)|based on) [^,;]{3,160}\b"
    r"(data|measurements?|observations?|posteriors?|catalogu?es?|samples?|surveys?|signals?|"
    r"spectra|images?|videos?|recordings?|logs?|corpus|corpora|datasets?|inputs?)\b[^,;]{0,80},"
    r"\s+we\s+(\w+ly\s+)?(measur|estimat|deriv|infer|fit|comput|obtain|find|found|reconstruct|"
    r"constrain|construct|quantif|detect|determin|calculat|predict|model|simulat)\w*\b",
    re.IGNORECASE,
)
# "<system> maps X to Y", "transforms X into Y": X is the input (the subject must be the
# system, see :func:`_system_subject`).
_IO_MAP = re.compile(r"(?<!-)\b(maps|converts|lifts)\b[^.;]{3,100}?\b(in)?to\b",
                     re.IGNORECASE)
# Explicit output phrasings, with the paper's system (not "we") as the subject.
_IO_OUTPUT_VERB = re.compile(
    r"\b(outputs|produces|generates|returns|predicts|synthesi[sz]es|emits|renders|"
    r"(?<=, )(producing|generating|outputting|predicting|returning)|"
    r"(can|could|will|is able to|are able to|learns? to|is trained to|are trained to|"
    r"designed to|developed to) (\w+ly )?(output|produce|generate|return|predict|"
    r"synthesi[sz]e|derive|reconstruct|render|select|extract|detect|classify|estimate|"
    r"segment|locali[sz]e|rank|retrieve|identify))\b",
    re.IGNORECASE,
)
_IO_OUTPUT_NOUN = re.compile(
    r"\b(is|are) (a|an)\b[^.;,]{0,60}\b(predictor|generator|estimator|detector|classifier|"
    r"segmenter|synthesi[sz]er)s?\b|"
    r"\b(the |its |our |model |system |final )outputs? (is|are|consists?|compris\w+|includ\w+)\b|"
    r"\bas (its |the )?outputs?\b|\boutputs? (of|from) (the|our|this) [\w-]+ (is|are)\b",
    re.IGNORECASE,
)
_SYSTEM_NOUN = re.compile(
    r"\b(model|network|system|framework|method|approach|pipeline|agent|decoder|encoder|"
    r"generator|module|architecture|algorithm|predictor|detector|transformer|estimator|policy|"
    r"policies|tokenizer|planner|simulator|renderer|engine|verifier|critic|judge)s?\b",
    re.IGNORECASE,
)
_METHOD_SENTENCE = re.compile(
    r"\b(first|then|finally|stage|step|pipeline|module|framework|consists?|compris\w*|"
    r"architecture|trained?|training|fine-tun\w*|encoder|decoder|we (use|employ|adopt|"
    r"leverage|combine|train|fine-tune|design|build))\b",
    re.IGNORECASE,
)
# A sentence that lays out the pipeline: "consists of three stages", "first … then …".
_PIPELINE = re.compile(
    r"\b(consists? of|(is )?composed of|compris\w+|multi-stage|two-stage|three-stage|"
    r"operates in (two|three|four|five|\d)|(two|three|four|five|six|\d) (main |key |sequential )?"
    r"(stages|steps|phases|modules|components|parts|agents|nodes)|first\b[^.]*\bthen)\b",
    re.IGNORECASE,
)
# Compute: accelerators, memory, GPU-hours and training time ("trained on 8 A100 GPUs",
# "takes 12 hours", "80GB"); model sizes alone are the weaker tier.
_HARDWARE = re.compile(
    r"\b(A100|H100|H200|H800|A800|V100|A6000|A40|L40S?|T4|RTX\s?\d+\w*|TPU\w*|GPUs?|"
    r"GPU[- ]hours?|(train\w*|fine-?tun\w*|finetun\w*)\b[^.]{0,60}?\b"
    r"(\d+(\.\d+)?|one|two|three|four|eight|several)\s*(hours?|days?|weeks?))",
)
# Memory sizes count only beside memory words ("50 TB of image data" is a dataset).
_MEMORY = re.compile(r"\b\d+(\.\d+)?\s?(GB|TB)\b[^.]{0,40}\b(memory|VRAM|RAM|HBM)\b|"
                     r"\b(memory|VRAM|RAM|HBM)\b[^.]{0,40}\b\d+(\.\d+)?\s?(GB|TB)\b")
_MODEL_SIZE = re.compile(
    r"\b(\d+(\.\d+)?\s?[BM]\s?param\w*|\d+(\.\d+)?B[- ](parameters?|activated)|"
    r"\d+(\.\d+)?[BM]-parameter)\b"
)
_URL = re.compile(r"https?://[^\s)\]}>,;\"'`]+")
_RESULT = re.compile(
    r"\b(outperform\w*|improv\w*|achiev\w*|surpass\w*|exceed\w*|gains?|speedups?|faster|"
    r"reduc\w*|state-of-the-art|SOTA|beats?|better|superior|competitive|boost\w*|"
    r"accuracy|results? (show|demonstrate|reveal|suggest)|experiments? (show|demonstrate|"
    r"reveal)|reveal\w*|demonstrat\w*|match\w*|comparable)\b",
    re.IGNORECASE,
)
# Comparison verbs of a result sentence in the body (stricter than _RESULT: "accuracy" or
# "demonstrate" alone do not compare anything).
_COMPARE = re.compile(
    r"\b(outperform\w*|improv\w*|achiev\w*|surpass\w*|exceed\w*|reduc\w*|increas\w*|"
    r"decreas\w*|gains?|better|worse|higher|lower|faster|slower|speedups?|beats?|"
    r"compared (to|with)|comparing to|relative to|drops?|rises?|reach\w*|attain\w*|"
    r"prefer\w*|exclud\w*|consistent with|constrain\w*|upper limit|lower limit|favou?r\w*|"
    r"indicat\w*|tension)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d")
# A quantity worth reporting: a decimal, a percentage, a multiplier or a unit.
_QUANTITY = re.compile(
    r"\d+\.\d+|\d+(\.\d+)?\s?(%|\\%|×|x\b|points?\b|pp\b|dB\b|ms\b|s\b|seconds\b|σ|\\sigma|"
    r"times\b|fps\b|hours?\b|[KMB]\b)|\+\d"
)
_ENUM_MARK = re.compile(r"(?:^|\s|:)(\((?:\d|i{1,3}|iv|v|vi)\)|(?<![\w.])\d\)|(?<![\w.])[ivx]+\))\s")
_ORDINAL = re.compile(r"^\s*(first|second|third|fourth|fifth|finally|lastly)\s*,", re.IGNORECASE)
_BULLET = re.compile(r"^\s*([•\-–*]|\(?\d+[.)]|\(?[ivx]+\))\s+")
# "Our contributions are:", "we make the following contributions", "In summary, …".
_CONTRIB_CUE = re.compile(
    r"\b(contributions?\b[^.]{0,60}?(are|is|include|as follows|summari[sz]ed|threefold|"
    r"twofold|fourfold)|following contributions|in summary|to summari[sz]e|we summari[sz]e)\b",
    re.IGNORECASE,
)

_GENERIC_HEADING = re.compile(
    r"^(main |experimental |quantitative |overall )?(results?|evaluation|experiments?)"
    r"( and (results?|discussion|analysis))?$",
    re.IGNORECASE,
)
# Captions of tables that describe the setup rather than a result.
_SETUP_CAPTION = re.compile(
    r"\b(prompts?|examples?|hyper-?parameters?|configurations?|overview|statistics|taxonomy|"
    r"composition|details|architecture|notation|rewordings?|descriptions?|personas?)\b",
    re.IGNORECASE,
)
_RESULT_CAPTION = re.compile(
    r"\b(results?|comparison|compar\w+|performance|accuracy|scores?|evaluat\w*|benchmarks?|"
    r"ablation|outperform\w*|latency|error|precision|recall|F1|win rate|best-fit)\b",
    re.IGNORECASE,
)

MAX_INNOVATIONS = 5
MAX_RESULTS = 4
"""Results for an abstract-only document."""
MAX_RESULTS_FULL = 5
"""Results for a full-text document: at most 2 from the abstract, 3 from the results
sections, 1 table row (in that order)."""
MAX_FIELD_CHARS = 600
"""Longer picked sentences are cut at a word boundary; a report field stays readable."""
MAX_TITLE_WORDS = 8
MAX_TITLE_CHARS = 80


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences without breaking "e.g.", "et al.", "Fig. 2" or "3.5"."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    protected = _ABBREVIATIONS.sub(lambda m: m.group(0)[:-1] + _DOT, text)
    parts = _SENTENCE_END.split(protected)
    return [p.replace(_DOT, ".").strip() for p in parts if p and p.strip()]


def _clip(text: str, limit: int = MAX_FIELD_CHARS) -> str:
    """``text`` on one line, cut at a word boundary with " …" beyond ``limit`` characters."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


_LEAD_IN = re.compile(
    r"^(to [^,]{3,120}|in (this|our) [^,]{2,40}|moreover|furthermore|additionally|finally|"
    r"specifically|notably|crucially|in addition|guided by [^,]{2,60}|building on [^,]{2,60}|"
    r"to this end|however|first(ly)?|second(ly)?|third(ly)?|lastly|overall|in summary|"
    r"in particular|for (all|each) [^,]{2,40}|here|importantly|indeed|"
    r"[^,]{2,100}(?=,\s+we\b)),\s+",
    re.IGNORECASE,
)
_CLAIM_VERB = re.compile(
    r"^(we|this (paper|work|report|study))\s+(also\s+|further\s+|then\s+|therefore\s+|"
    r"thus\s+|hence\s+|here\s+|now\s+|first\s+|next\s+|\w+ly\s+)?(propos|"
    r"present|introduc|develop|design|releas|build|built|construct|curat|formulat|extend|find|found|"
    r"show|demonstrat|deriv|measur|report|provid|stud|investigat|analy[sz]|establish|identif|"
    r"updat|integrat|reconstruct|constrain|obtain|examin|explor|address|tackl|emphasi[sz])\w*"
    r"\s+(that,?\s+|whether\s+|how\s+|what\s+|if\s+|why\s+)?((a|an|the)\s+)?",
    re.IGNORECASE,
)
# "Using an estimate of …, we constrain …": the participial lead-in is not the claim.
_PARTICIPLE_LEAD = re.compile(
    r"^(using|by|adopting|based on|given|building (on|upon)|leveraging|combining|with|through)\b"
    r"[^.]*?,\s+(?=(we|this (paper|work|study))\b)",
    re.IGNORECASE,
)
# "**Architecture (C1):** …" or "Dataset (C3): …": a bolded or labelled lead-in names the item.
_LEAD_LABEL = re.compile(r"^\*{0,2}([A-Z][^:.;*]{1,60}?)\*{0,2}\s*[:：]\*{0,2}\s+(?=\S)")
# Words a title may be cut before (a phrase boundary) and may not end with.
_TITLE_BREAK = frozenset(
    re.findall(
        r"\w+",
        "of for in on over with across from to that which who via using by through into while "
        "where whereas when as at and or but than under between among without whether if "
        "within",
    )
)
_TITLE_TAIL = _TITLE_BREAK | frozenset(
    re.findall(
        r"\w+",
        "a an the its their our this these those is are can could may might will would should "
        "not only some also",
    )
)


def _one_line_title(text: str, max_words: int = MAX_TITLE_WORDS) -> str:
    """A short single-line label: the item's lead-in ("**X**:", "X:"), else its leading noun
    phrase cut at a clause or phrase boundary, ≤ ``max_words`` words and
    :data:`MAX_TITLE_CHARS` characters, with no trailing "…"."""
    text = re.sub(r"\s+", " ", text).strip()
    text = _BULLET.sub("", text, count=1).strip()
    label = _lead_label(text)
    if label:
        return label
    text = text.strip("*").strip()
    for _ in range(2):  # "In this paper, to this end, we …"
        text = _LEAD_IN.sub("", text, count=1)
    text = _PARTICIPLE_LEAD.sub("", text, count=1)
    text = _CLAIM_VERB.sub("", text, count=1)
    # "we take a further step … and propose X": the object of the claim verb.
    later = re.search(r"\band (propose|introduce|present)[sd]?\s+((a|an|the)\s+)?", text)
    if later and re.match(r"we\b", text, re.IGNORECASE):
        text = text[later.end():]
    # Cut at a clause break that is not inside a number ("1,230" stays whole); a one- or
    # two-word head ("Idea2Story,") keeps its apposition ("a … framework for …").
    breaks = [m.start() for m in re.finditer(r"(:|;|, (?!\d)| — |—| -- | – |\. |\?)", text)]
    head = text
    for pos in breaks:
        before = text[:pos].split()
        if len(before) == 1 and before[0].islower() and re.match(
            r", (?!(a|an|the|and|or|but|which|that|where|while|as|with|for)\b)[a-z]", text[pos:]
        ):
            continue  # "lightweight, training-free approach": adjectives, not a clause
        if len(before) <= 3 and re.match(r", (which|that|where|whose) ", text[pos:]):
            head = text[:pos]  # "ConceptMoE, which dynamically merges …": the name
            break
        if (text[pos] == ":" and " ".join(before).islower() and not before[-1].endswith("s")
                and re.match(r":\s+[A-Z]", text[pos:])):
            # "an intermediate alternative: Slot-Based Representations (SBOCR), which …": the
            # name after the colon, up to its own clause break ("three strategies: A, B and
            # C" lists several: the plural noun stays the title).
            named = text[pos + 1:].strip()
            stop = re.search(r"(;|, (?!\d)| — |—| -- | – |\. |\?)", named)
            head = named[: stop.start()] if stop else named
            break
        if len(text[:pos].split()) <= 2 and re.match(r", (a|an|the) ", text[pos:]):
            head = text  # "ToyNet, a fast … model for …": name and apposition, cut by words
            break
        if len(text[:pos].split()) >= 4 or pos == breaks[-1]:
            head = text[:pos]
            break
    head = head.replace(" ,", ",").strip(" ,;:.")
    words = head.split()
    relative = next((i for i, w in enumerate(words) if i >= 2 and w.lower() in
                     ("that", "which", "who", "whose", "where")), None)
    if len(words) > max_words and relative is not None and relative <= max_words:
        words = words[:relative]  # "… approach that effectively suppresses …": the noun
    if len(words) > max_words or len(" ".join(words)) > MAX_TITLE_CHARS:
        words = _phrase_prefix(words, max_words)
    while len(words) > 1 and words[-1].lower().strip(",;:") in _TITLE_TAIL:
        words.pop()
    title = " ".join(words).strip(" ,;:-—")
    if title.count("(") > title.count(")"):
        title = title[: title.rfind("(")].strip(" ,;:")
    if title.count("$") % 2:
        title = title[: title.rfind("$")].strip(" ,;:")
    title = title.lstrip("#*").strip()
    if title.lower().startswith(("a ", "an ", "the ")) and len(title.split()) > 2:
        title = title.split(" ", 1)[1]
    return _sentence_case(title)


# Participles that start a modifier after a noun ("a benchmark | spanning four …").
_TITLE_PARTICIPLE = frozenset(re.findall(r"\w+", (
    "comprising containing spanning featuring covering consisting enabling allowing producing "
    "generating outputting predicting yielding using leveraging combining integrating including "
    "built based designed tailored trained driven guided grounded conditioned equipped "
    "composed")))


def _phrase_prefix(words: list[str], max_words: int) -> list[str]:
    """The longest prefix of ``words`` within ``max_words`` words and
    :data:`MAX_TITLE_CHARS` characters that ends at a phrase boundary — before a preposition
    or conjunction ("Real-world deployment and end-to-end evaluation | of audio-visual …"),
    after a comma, or before a participle ("WebPRMBench, a comprehensive benchmark |
    spanning four diverse web environments") — so a title is never cut mid-phrase ("…
    spanning four diverse web"); the longest prefix that fits when there is none."""
    fits = [k for k in range(1, min(len(words), max_words) + 1)
            if len(" ".join(words[:k])) <= MAX_TITLE_CHARS] or [1]
    for k in reversed(fits):
        following = words[k].lower().strip(",;:()") if k < len(words) else ""
        participle = k >= 2 and following in _TITLE_PARTICIPLE
        # A comma ends a phrase before an article, a name or a linking word, not inside a
        # list of adjectives ("advanced multilingual, | controllable").
        comma = words[k - 1].endswith(",") and (
            following in ("a", "an", "the") or following in _TITLE_BREAK or participle
            or (k < len(words) and words[k][:1].isupper()))
        if comma or following in _TITLE_BREAK or participle:
            prefix = words[:k]
            if len(prefix) > 2 and prefix[-1].lower() in _TITLE_PARTICIPLE:
                prefix.pop()  # "benchmark specifically designed | to evaluate …"
                participle = True
            if participle and len(prefix) > 2 and prefix[-1].lower().endswith("ly"):
                prefix.pop()  # "benchmark specifically | designed for …"
            while len(prefix) > 1 and prefix[-1].lower().strip(",;:") in _TITLE_TAIL:
                prefix.pop()
            if prefix[-1].lower().strip(",;:") not in _TITLE_TAIL:
                return prefix
    return words[: fits[-1]]


def _sentence_case(title: str) -> str:
    """``title`` with its first letter capitalised only when the first word is a plain
    lower-case word ("toy encoder" → "Toy encoder"); names keep their casing ("mHC",
    "pMF", "iPhone")."""
    first = title.split(" ", 1)[0].rstrip(",;:") if title else ""
    if first and first.replace("-", "").isalpha() and first.islower():
        return title[0].upper() + title[1:]
    return title


def _lead_label(text: str) -> str:
    """The "X" of an item that starts "**X**:" or "X:" (a short name, not a clause)."""
    match = _LEAD_LABEL.match(text)
    if not match:
        return ""
    label = match.group(1).strip().strip("*").strip()
    if len(label.split()) > MAX_TITLE_WORDS or _WE.search(label) or re.search(
        r"\b(is|are|was|were|has|have)\b", label
    ):
        return ""
    return label


def _after_label(text: str) -> str:
    """``text`` without its bullet and lead-in label (the detail of a labelled item)."""
    text = _BULLET.sub("", re.sub(r"\s+", " ", text).strip(), count=1)
    if _lead_label(text):
        text = text[_LEAD_LABEL.match(text).end():]  # type: ignore[union-attr]
    return text.strip()


class ExtractiveSummarizer:
    """Deterministic summaries made of the paper's own sentences."""

    name = "extractive"
    model = "extractive"
    prompt_version = "extractive-4"

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


@dataclass
class _Part:
    """One body section with its sentences split once, and what kind of section it is."""

    heading: str
    parent: str
    paragraphs: list[str]
    sentences: list[str]
    intro: bool = False
    method: bool = False
    results: bool = False
    conclusion: bool = False


def _parts(sections: list[Section]) -> list[_Part]:
    """Body sections tagged intro/method/results/conclusion by
    :func:`paperdigest.sections.section_roles` (the one heading-role rule; a subsection
    inherits its parent's role: "V-A …" under "Experimental Results" is a result)."""
    from ..sections import section_roles

    out: list[_Part] = []
    stack: list[tuple[int, str]] = []
    for sec, role in zip(sections, section_roles(sections), strict=True):
        while stack and stack[-1][0] >= sec.level:
            stack.pop()
        heading = sec.heading.strip()
        sentences = [s for p in sec.paragraphs for s in split_sentences(p)]
        part = _Part(heading, stack[-1][1] if stack else "", sec.paragraphs, sentences)
        part.intro = role == "introduction"
        part.method = role == "method"
        part.results = role == "results"
        part.conclusion = role == "conclusion"
        out.append(part)
        stack.append((sec.level, heading))
    return out


class _Used:
    """The sentences already placed in a field: no sentence fills two fields (issue 13).

    A text counts as taken when, whitespace and case aside, it equals, contains or is
    contained in a placed sentence (a clipped field "… …" is a prefix of its sentence).
    """

    def __init__(self) -> None:
        self._keys: list[str] = []

    @staticmethod
    def _key(text: str) -> str:
        text = re.sub(r"\s*…$", "", re.sub(r"\s+", " ", text).strip())
        return re.sub(r"\W+", " ", text).strip().lower()

    def add(self, text: str) -> None:
        for sentence in split_sentences(text) or [text]:
            key = self._key(sentence)
            if len(key) >= 12:
                self._keys.append(key)

    def taken(self, text: str) -> bool:
        key = self._key(text)
        if len(key) < 12:
            return False
        return any(
            key == used or (len(key) >= 30 and key in used) or (len(used) >= 30 and used in key)
            for used in self._keys
        )


def summarize_document(ref: PaperRef, doc: Document, lang: str = "zh") -> PaperSummary:
    """The five-part extractive summary of ``doc`` (``lang`` sets labels and markers).

    An abstract-only document is summarized from its abstract; a full text adds the
    introduction's contribution list, the results sections and tables, the method section's
    pipeline and the compute mentions of body and appendix.

    Fields are filled in a fixed order — contribution, input, output, results, innovations,
    workflow, hardware — and each takes only sentences no earlier field took, so no sentence
    appears in two fields; a field without its own evidence is "论文未提及".
    """
    missing = not_mentioned(lang)
    abstract = doc.abstract or ref.abstract
    abstract_sents = split_sentences(abstract)
    parts = _parts(doc.sections)
    full_text = any(p.sentences for p in parts)
    intro = [p for p in parts if p.intro]
    methods = [p for p in parts if p.method]
    intro_sents = [s for p in intro for s in p.sentences]
    method_sents = [s for p in methods for s in p.sentences]
    names = _method_names(ref.title or doc.title, abstract)
    used = _Used()

    contribution, claim_index = _contribution(abstract_sents, intro_sents, doc)
    contribution = contribution or missing
    used.add(contribution)
    domain = _domain(ref, doc, abstract, lang) or missing
    input_text, output_text = _input_output(
        abstract_sents, claim_index, intro_sents, method_sents, names, used,
        [s for p in parts if p.results for s in p.sentences],
    )
    results = _results(abstract_sents, claim_index, parts, doc, names, lang, used)
    for result in results:
        used.add(result.finding)
    innovations = _innovations(intro, parts, abstract_sents, claim_index, full_text, used)
    for innovation in innovations:
        used.add(innovation.detail)
    workflow = _workflow(methods, intro_sents, abstract_sents, claim_index, used)
    used.add(workflow)
    hardware = _hardware(parts, doc, abstract_sents, used)
    # The claim sentence is the only evidence of a field left empty (the innovations, else
    # the input, else the output): that field gets the claim's part that is its evidence (how
    # the method works, what goes in or comes out) and 一句话核心贡献 keeps the claim's main
    # clause (:func:`_claim_split`, :func:`_io_split`), so one sentence never fills two fields
    # and the contribution is never the paper's title said again.
    claim_sentence = contribution if _CLAIM.search(contribution) else ""  # a claim, not a
    # first sentence taken for want of one
    if claim_sentence and claim_index >= 0 and not any(
        i.detail.rstrip(". …") in abstract_sents[claim_index] for i in innovations
    ):
        claim_sentence = abstract_sents[claim_index]  # whole, not cut before a list
    name_re = _names_re(names)
    if claim_sentence:
        if not innovations and _is_contribution_statement(claim_sentence):
            innovations, contribution = _claim_innovation(
                claim_sentence, contribution, abstract_sents, claim_index, names, used)
        elif not input_text and _input_at(claim_sentence, name_re) >= 0:
            split = _io_split(claim_sentence, _input_at(claim_sentence, name_re), "input",
                              claim=True)
            if split:
                contribution, input_text = split
        elif not output_text and _output_at(claim_sentence, name_re) >= 0:
            split = _io_split(claim_sentence, _output_at(claim_sentence, name_re), "output",
                              claim=True)
            if split:
                contribution, output_text = split
    usage = Usage(
        input=_clip(input_text) if input_text else missing,
        output=_clip(output_text) if output_text else missing,
        workflow=workflow or missing,
        hardware=hardware or missing,
        code_and_resources=_resources(ref, doc, names) or missing,
    )
    if not innovations:
        innovations = [Innovation(missing, missing)]
    if not results:
        results = [Result(vocabulary(lang).no_result_setting, missing)]
    for number, innovation in enumerate(innovations, start=1):
        innovation.title = _not_a_heading(innovation.title, number)
    # The summary contract's form rules (raw HTML such as "<EOS>" made inert, length caps):
    # an extractive summary is valid like any other.
    return normalize_summary(PaperSummary(
        domain=domain,
        contribution=contribution,
        usage=usage,
        innovations=innovations,
        results=results,
        language="en" if lang == "en" else "zh",
    ))


def _not_a_heading(title: str, number: int) -> str:
    """``title``, shortened by words while its numbered item would read as a part heading
    ("5.  **… emerging domain**" reads as 应用领域/Domain to the report parser)."""
    words = title.split()
    while len(words) > 1 and part_heading(f"{number}.  **{' '.join(words)}**：x") is not None:
        words.pop()
        while len(words) > 1 and words[-1].lower().strip(",;:") in _TITLE_TAIL:
            words.pop()
    return " ".join(words)


def _method_names(title: str, abstract: str) -> list[str]:
    """Names the paper gives its own method, for spotting its row in a table: the title's
    head before ":" ("SemiFA"), a short title ("Mistral 7B"), and the name after "we
    propose/introduce/present" in the abstract."""
    names: list[str] = []
    title = re.sub(r"\s+", " ", title).strip()
    if ":" in title and len(title.split(":", 1)[0].split()) <= 4:
        names.append(title.split(":", 1)[0].strip())
    elif len(title.split()) <= 3:
        names.append(title)
    for match in re.finditer(
        r"\b(?:propose|introduce|present)s?\s+(?:\w+\s+)?([A-Z][\w.-]*[A-Z0-9][\w.-]*"
        r"(?:[- ]\d+[BMK]?)?)",
        abstract,
    ):
        names.append(match.group(1).rstrip(".-"))
    out: list[str] = []
    for name in names:
        if len(name) > 2 and name.lower() not in [n.lower() for n in out]:
            out.append(name)
    return out


def _complete(sentence: str) -> bool:
    """A complete sentence: long enough, ends like a sentence (not "… through" before a
    display equation), starts like one (not "where $L$ is …"), no question, no roadmap."""
    return (
        40 <= len(sentence) <= 500
        and sentence.rstrip()[-1:] in ".!?。！？)"
        and not _ROADMAP.search(sentence)
        and "?" not in sentence
        and "$$" not in sentence
        and not sentence[:1].islower()
    )


def _prose(sentence: str) -> bool:
    """A complete sentence in the paper's own voice: no background or citation."""
    return _complete(sentence) and not _BACKGROUND.search(sentence)


# A sentence about others' work: "However, existing methods …", "Prior work …".
_BACKGROUND_START = re.compile(
    r"^(however|existing|previous|prior|traditional|conventional|most|recent|current|many|"
    r"these (methods|approaches|models|systems|works?)|such (methods|approaches))\b",
    re.IGNORECASE,
)


def _own_sentences(
    abstract_sents: list[str], claim_index: int, names: list[str]
) -> list[tuple[int, str]]:
    """``(index, sentence)`` of the abstract sentences about the paper's own work: those from
    the claim on, and earlier ones that say "we/our" or name the method; never background
    (hedges, prior work, citations) or a pointer to another part of the paper."""
    name_re = _names_re(names)
    out: list[tuple[int, str]] = []
    for index, sentence in enumerate(abstract_sents):
        own = _WE.search(sentence) or (name_re and name_re.search(sentence))
        if index < max(claim_index, 0) and not own:
            continue
        if _CITATION.search(sentence) or (not own and _BACKGROUND_START.match(sentence)):
            continue
        out.append((index, sentence))
    return out


def _is_contribution_statement(sentence: str) -> bool:
    """A construction or study claim ("we propose …", "in this paper, we study …"), not a
    release sentence."""
    return bool(
        (_CONSTRUCT.search(sentence) or _STUDY.search(sentence))
        and not _BARE_RELEASE.search(sentence)
    )


def _names_re(names: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(re.escape(n) for n in names)) if names else None


def _explicit_input(sentence: str, name_re: re.Pattern[str] | None) -> bool:
    """An explicit input phrasing about the paper's own system (:data:`_IO_INPUT`): "takes …
    as input", "as input", "the input is", "given X, <system> …", "conditioned on",
    "using X data …, we …"."""
    return _input_at(sentence, name_re) >= 0


def _input_at(sentence: str, name_re: re.Pattern[str] | None) -> int:
    """Where :func:`_explicit_input`'s phrasing starts in ``sentence`` (-1: none)."""
    match = _IO_INPUT.search(sentence)
    if not match:
        mapping = _IO_MAP.search(sentence)
        if mapping is not None and _system_subject(sentence[: mapping.start()].rstrip(),
                                                   name_re):
            return mapping.start()
        return -1
    if re.match(r"(given|conditioned on)\b", match.group(0), re.IGNORECASE):
        rest = sentence[match.end():]  # the main clause must be about the system
        head = " ".join(rest.split()[:4])  # "the agent formulates", "Memory-V2V employs"
        if re.match(r"\s*we\b", rest, re.IGNORECASE) and re.match(
            r"(given|conditioned on)\s+(the|these|this|those|its|their|our|such)\b",
            match.group(0), re.IGNORECASE,
        ):
            return -1  # "Given the distributions of the model, we generate …": a method step
        about_system = bool(
            _SUBJECT.match(rest.strip()) or (name_re and name_re.match(rest.strip()))
            or re.match(r"\s*it\b", rest, re.IGNORECASE)
            or (re.match(r"\s*(the|our|this|a|an)\b", rest, re.IGNORECASE)
                and _SYSTEM_NOUN.search(head)))
        return match.start() if about_system else -1
    if "conditioned on" in match.group(0).lower():
        about_system = bool(_SUBJECT.search(sentence) or (name_re and name_re.search(sentence))
                            or re.search(r"\b(which|that)\b", sentence[: match.start()]))
        return match.start() if about_system else -1
    return match.start()


# "produces consistent gains": a result, not an output.
_RESULT_OBJECT = re.compile(
    r"^\s*(\w+\s+){0,2}(gains?|improvements?|results?|performance|speedups?|better|"
    r"state-of-the-art|competitive|comparable|higher|lower|fewer|more accurate|similar|"
    r"changes|effects)\b",
    re.IGNORECASE,
)


# "Experiments show that X produces …": a result about the output, not what it is.
_SHOWN = re.compile(r"\b(experiments?|results?|evaluations?|studies|analys[ie]s)\s+(\w+\s+)?"
                    r"(show|demonstrate|reveal|indicate|confirm|suggest)\w*\b", re.IGNORECASE)


def _system_subject(before: str, name_re: re.Pattern[str] | None) -> bool:
    """Whether the nearest subject before a verb is the paper's system (its name, "it/which/
    that", "the model/framework/…" in the same clause) rather than "we/our"."""
    clause = re.split(r"[,;:]\s|\s(?:—|--)\s", before)[-1]
    words = clause.split()[-12:]
    tail = " ".join(words)
    last_we = max((m.end() for m in re.finditer(r"\b(we|our|us)\b", tail, re.IGNORECASE)),
                  default=-1)
    system = [m.end() for m in _SYSTEM_NOUN.finditer(tail)]
    system += [m.end() for m in re.finditer(r"\b(which|that|it)\b", tail, re.IGNORECASE)]
    if name_re:
        system += [m.end() for m in name_re.finditer(tail)]
    return bool(system) and max(system) > last_we


def _explicit_output(sentence: str, name_re: re.Pattern[str] | None) -> bool:
    """An explicit output phrasing: "the output is", "as output", or an output verb
    ("outputs/produces/generates/predicts/returns …", "learns to predict …") whose subject
    is the system (the method's name, "it", "which", "the model/framework/…"), never "we"."""
    return _output_at(sentence, name_re) >= 0


def _output_at(sentence: str, name_re: re.Pattern[str] | None) -> int:
    """Where :func:`_explicit_output`'s phrasing starts in ``sentence`` (-1: none)."""
    if _COMPARE_STRICT.search(sentence) or _FINDING.match(sentence) or _SHOWN.search(sentence):
        return -1  # "we show that X produces better …": a result
    noun = _IO_OUTPUT_NOUN.search(sentence)
    if noun:
        return noun.start()
    for match in _IO_OUTPUT_VERB.finditer(sentence):
        after = sentence[match.end():]
        if _RESULT_OBJECT.match(after):
            continue
        if match.group(0).lower() == "outputs" and re.match(
            r"\s*([,.;:)]|(of|from|into|to|in|for|and|or|are|is|were|was|that|which)\b)",
            after, re.IGNORECASE,
        ):
            continue  # "model outputs, …", "LLM outputs into …": the noun
        before = sentence[: match.start()].rstrip()
        if re.search(r"\b(whether|if|how well|evaluat\w*|assess\w*|test(s|ed|ing)?|"
                     r"measur\w*|check\w*)\b", re.split(r"[,;:]\s", before)[-1], re.IGNORECASE):
            continue  # "questions evaluate whether the model can identify …": an evaluation
        if _system_subject(before, name_re):
            return match.start()
    mapping = _IO_MAP.search(sentence)  # "maps X to Y": Y is the output
    if mapping is not None and _system_subject(sentence[: mapping.start()].rstrip(), name_re):
        return mapping.start()
    return -1


# Where a subordinate part of a sentence begins after its main clause: a second claim ("… and
# introduce TRACE"), a means ("by introducing"), a finding's content ("demonstrating that …"),
# a relative clause ("…, which merges", "a model that takes", "while"), a purpose ("for
# evaluating"), a participle ("…, producing", "comprising", "built on") and, weakest, an
# apposition ("X, a framework …").
_CLAUSE_BREAK = re.compile(
    r"(?P<coord>,?\s+and\s+(?=(we\s+)?(introduce|propose|present|release|construct|build|"
    r"design|develop|curate|create)[sd]?\b))|"
    r"(?P<means>\s+(?=by\s+[a-z]+ing\b))|"
    r"(?P<finding>\s+(demonstrating|showing|revealing|indicating|confirming|suggesting)\s+that"
    r"\s+)|"
    r"(?P<rel>,?\s+(?=(which|that|who|whose|while|whereas)\s))|"
    r"(?P<purpose>\s+(?=for\s+[a-z]+ing\b))|"
    r"(?P<part>,\s+(?=[a-z][a-z-]*ing\b)|\s+(?=([a-z]+ly\s+)?(comprising|containing|spanning|featuring|"
    r"covering|consisting|enabling|allowing|producing|generating|outputting|predicting|"
    r"yielding|built|based|designed|tailored|composed|consisting)\b))|"
    r"(?P<appos>[,:]\s+(?=(a|an)\s))"
)
# "show that", "such that": a complementizer, not a relative pronoun.
_THAT_COMPLEMENT = frozenset(re.findall(r"\w+", (
    "show shows showed shown find finds found demonstrate demonstrates demonstrated prove "
    "proves ensure ensures such so note argue observe reveal reveals indicate indicates suggest "
    "suggests confirm confirms given assume assuming hypothesize now means is are was were "
    "believe claim claims posit")))


_LINK_WORDS = frozenset(re.findall(r"\w+", (
    "a an the our this these its their which that who whose of for in on with to and or by "
    "from as at into via new novel")))


def _describing_words(text: str) -> int:
    """Words of ``text`` that describe rather than name: lower-case words (or figures such as
    "900-prompt") that are not articles, pronouns, prepositions or "new/novel"."""
    return sum(
        1 for word in re.findall(r"[\w-]+", re.sub(r"\([^()]*\)", " ", text))
        if (word.islower() or word[0].isdigit()) and word.lower() not in _LINK_WORDS
    )


@dataclass
class _Break:
    """A clause break: the main clause ends at ``end``, the subordinate part starts at
    ``start`` (:data:`_CLAUSE_BREAK`)."""

    end: int
    start: int
    kind: str


def _breaks(sentence: str, after: int = 0) -> list[_Break]:
    """The clause breaks of ``sentence`` after position ``after``, outside brackets."""
    depth = [0] * (len(sentence) + 1)
    level = 0
    for index, char in enumerate(sentence):
        level += (char in "([{") - (char in ")]}")
        depth[index + 1] = max(level, 0)
    out: list[_Break] = []
    for match in _CLAUSE_BREAK.finditer(sentence, after):
        if depth[match.start()] or not match.lastgroup:
            continue
        if match.lastgroup == "rel" and sentence[match.end():].lower().startswith("that "):
            before = sentence[: match.start()].split()
            if not before or before[-1].lower().strip(",") in _THAT_COMPLEMENT:
                continue
        out.append(_Break(match.start(), match.end(), match.lastgroup))
    return out


_LEADING_LINK = re.compile(r"^(and\s+|which\s+|that\s+|who\s+)", re.IGNORECASE)


def _part_after(sentence: str, start: int) -> str:
    """The subordinate part of ``sentence`` from ``start``, without its linking word ("which
    merges …" → "merges …")."""
    return _LEADING_LINK.sub("", sentence[start:].strip(), count=1)


def _main_clause(sentence: str, end: int) -> str:
    """The sentence up to a clause break, ended like a sentence."""
    return sentence[:end].rstrip(" ,;:—-") + "."


def _claim_split(sentence: str) -> tuple[str, str, str, str] | None:
    """A construction or study claim split into what was made and how it works: ``(main
    clause, description, title source, kind)``, e.g. "We introduce ConceptMoE, which merges similar
    tokens …" → ("We introduce ConceptMoE.", "merges similar tokens …", main clause).

    The description is the claim's second claim ("… and introduce TRACE, …"), else its means
    ("by introducing …", when both parts keep some length), else its first relative, purpose
    or participle part, else its apposition ("UniMRG, a simple post-training method"). The
    main clause keeps the claim verb and its object; the description has at least four
    words; ``kind`` is the :data:`_CLAUSE_BREAK` group it was split at. When no main clause
    names what was made ("we introduce ConceptMoE, which …"), the main clause is the whole
    claim and ``kind`` is ``"whole"``. ``None`` when the claim has no such part ("we study how
    X affects Y")."""
    claim = _CONSTRUCT.search(sentence) or _STUDY.search(sentence)
    if not claim:
        return None
    breaks = [
        b for b in _breaks(sentence, claim.end())
        if sentence[claim.end():b.end].strip() and len(_part_after(sentence, b.start).split()) >= 4
    ]
    if not breaks:
        return None
    coord = [b for b in breaks if b.kind == "coord"]
    means = [b for b in breaks if b.kind == "means"
             and len(sentence[: b.end].split()) >= 6 and len(sentence[b.start:].split()) >= 6]
    rest = [b for b in breaks if b.kind not in ("coord", "means", "finding", "appos")][:1]
    appos = [b for b in breaks if b.kind == "appos"]
    # The main clause must say what was made, not only name it: three describing words after
    # the claim verb ("MMFineReason, a large-scale multimodal reasoning dataset"), not a bare
    # name or noun ("we introduce ConceptMoE", "we propose SCOUT (…), a novel framework").
    named = [b for b in coord + means + rest + appos
             if _describing_words(sentence[claim.end():b.end]) >= 3]
    if not named:
        chosen = (coord + means + rest or appos)[0]
        kind = "whole" if chosen.kind != "appos" else "whole-appos"
        return sentence, _part_after(sentence, chosen.start), sentence, kind
    chosen = named[0]
    head = _main_clause(sentence, chosen.end)
    detail = _part_after(sentence, chosen.start)
    # The item is named by what the description is about: a second claim's own object.
    title_source = "We " + detail if chosen.kind == "coord" else head
    return head, detail, title_source, chosen.kind


# "UniMRG enhances …", "It merges …", "Our method uses …": a sentence about how the paper's
# own method works (its subject is the method).
_METHOD_SUBJECT = re.compile(
    r"^((it|our|the proposed|this) ([\w-]+ ){0,2}?(method|approach|framework|model|system|"
    r"pipeline|algorithm|architecture|module|recipe|benchmark|dataset)s?|it)\s+(\w+ly\s+)?"
    r"[a-z]+s\b",
    re.IGNORECASE,
)


def _claim_innovation(
    claim: str,
    contribution: str,
    abstract_sents: list[str],
    claim_index: int,
    names: list[str],
    used: _Used,
) -> tuple[list[Innovation], str]:
    """``(innovations, contribution)`` of a paper whose only contribution statement is its
    claim sentence: the claim's description (:func:`_claim_split`: "which merges …", "by
    introducing …") as the innovation and its main clause as 一句话核心贡献 (the whole claim
    when its main clause only names the method); else (the claim says only what was made)
    the first abstract sentence after the claim that says how the method works (its subject
    is the method's name, "it" or "our method/…"; not a result) with the whole claim as the
    contribution; else the claim's apposition ("UniMRG, a … post-training method"); else no
    innovation and the whole claim stays the contribution. The contribution is never the
    paper's title said again."""
    split = _claim_split(claim)
    if split and split[3] not in ("appos", "whole-appos"):
        head, detail, title_source, _ = split
        return [Innovation(_one_line_title(title_source), _clip(detail))], _clip(head)
    name_re = re.compile(r"^(" + "|".join(re.escape(n) for n in names) + r")\s+(\w+ly\s+)?"
                         r"[a-z]+s\b") if names else None
    for sentence in abstract_sents[claim_index + 1:]:
        about_method = _METHOD_SUBJECT.match(sentence) or (name_re and name_re.match(sentence))
        if (about_method and _complete(sentence) and not used.taken(sentence)
                and not _is_result(sentence, names) and not _BACKGROUND.search(sentence)
                and not _BARE_RELEASE.search(sentence)):
            used.add(sentence)
            return [Innovation(_one_line_title(claim), _clip(sentence))], contribution
    if split:  # the claim's description (the whole claim stays the contribution) or apposition
        head, detail, title_source, _ = split
        return [Innovation(_one_line_title(title_source), _clip(detail))], _clip(head)
    return [], contribution


def _io_split(
    sentence: str, at: int, kind: str, claim: bool = False
) -> tuple[str, str] | None:
    """``(main clause, I/O part)`` when the 输入/输出 phrasing at ``at`` sits in a subordinate
    part of a sentence whose main clause is the authors' ("We introduce WebArbiter, a … PRM
    that formulates …, producing structured justifications …" → the part "structured
    justifications …"; "We conduct studies demonstrating that Idea2Story can generate …" →
    "Idea2Story can generate …"). An output part that starts with its verb keeps only the
    verb's object. ``None`` when the phrasing is not in such a part (the whole sentence is
    the evidence), or, for the ``claim`` sentence, when the part does not follow its claim
    verb's object."""
    after = 0
    if claim:
        verb = _CONSTRUCT.search(sentence) or _STUDY.search(sentence) or _CLAIM.search(sentence)
        if not verb:
            return None
        lead = re.match(r"[^.]*?,\s+(?=we\b)", sentence, re.IGNORECASE)
        if at < verb.start() and lead and at < lead.end() and kind == "input":
            # "Using DESI BAO measurements …, we measure …": the lead-in is the input.
            rest = sentence[lead.end():]
            return rest[:1].upper() + rest[1:], sentence[: lead.end()].rstrip(" ,")
        after = verb.end()
    before = [b for b in _breaks(sentence, after) if b.start <= at and b.kind != "appos"]
    if not before:
        return None
    chosen = before[-1]
    if not claim and not _WE.search(sentence[: chosen.end]):
        return None  # the main clause is the system's own ("ToyNet, which …"): whole sentence
    part = _part_after(sentence, chosen.start)
    if kind == "output":
        part = re.sub(r"^(outputs|produces|generates|returns|predicts|emits|producing|"
                      r"generating|outputting|predicting|returning)\s+", "", part,
                      flags=re.IGNORECASE)
    if len(part.split()) < 3:
        return None
    return _main_clause(sentence, chosen.end), part


def _input_output(
    abstract_sents: list[str],
    claim_index: int,
    intro_sents: list[str],
    method_sents: list[str],
    names: list[str],
    used: _Used,
    result_sents: list[str],
) -> tuple[str, str]:
    """Sentences that say explicitly what the system takes and what it gives back.

    Only explicit phrasings count (:func:`_explicit_input`, :func:`_explicit_output`), in
    the abstract's sentences about the paper's own work, then the method sections, the
    introduction and the results sections; background sentences and sentences another field
    took never count. No
    such sentence: ``""`` (the field says "论文未提及").
    """
    name_re = _names_re(names)
    pool = [s for _, s in _own_sentences(abstract_sents, claim_index, names)]
    pool += [s for s in method_sents[:80] + intro_sents[:60] + result_sents[:80] if _prose(s)]
    pool = [s for s in pool if not used.taken(s) and not _PRIOR_WORK.search(s)]
    inputs = [s for s in pool if _io_evidence(s, "input", name_re)][:6]
    # "outputs"/"the output is" are the most explicit, then "predicts/returns/emits", then
    # "generates/produces/…"; ties keep the pool's order.
    outputs = sorted(
        (s for s in pool if _io_evidence(s, "output", name_re)),
        key=lambda s: 0 if re.search(r"\boutputs?\b", s, re.IGNORECASE) else
        1 if re.search(r"\b(predicts|returns|emits)\b", s, re.IGNORECASE) else 2,
    )[:6]
    # One sentence, one field: when the best input sentence is also the only output
    # sentence, take the next input sentence if there is one (both fields filled).
    input_text = inputs[0] if inputs else ""
    output_text = next((s for s in outputs if s != input_text), "")
    if input_text and not output_text and outputs and len(inputs) > 1:
        input_text, output_text = inputs[1], outputs[0]
    for text in (input_text, output_text):
        if text:
            used.add(text)
    return (_io_evidence(input_text, "input", name_re) if input_text else "",
            _io_evidence(output_text, "output", name_re) if output_text else "")


def _io_evidence(sentence: str, kind: str, name_re: re.Pattern[str] | None) -> str:
    """What ``sentence`` says goes in (``kind`` "input") or comes out ("output"), or ``""``.

    A sentence whose main clause is the authors' construction, setup or finding ("we
    introduce X, …, producing Y"; "we conduct studies demonstrating that X can generate Y")
    gives only its part that says it (:func:`_io_split`); when that part cannot be cut out,
    the sentence is no evidence: a "we introduce/conduct …" sentence is never 输入/输出."""
    at = _input_at(sentence, name_re) if kind == "input" else _output_at(sentence, name_re)
    if at < 0:
        return ""
    split = _io_split(sentence, at, kind)
    text = split[1] if split else sentence
    if _CONSTRUCT.search(text) or _SETUP.match(text):
        return ""
    return text


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
    keywords = [k.strip() for k in ref.ai_keywords if k.strip()][:MAX_KEYWORDS]
    # Score topics by evidence: a title hit counts 3, each abstract or keyword hit 1; ties
    # keep the table's order. Two hits at least, so one stray word ("agentic") does not set
    # a domain — unless nothing reaches two, then one hit names the field.
    keyword_text = " ; ".join(ref.ai_keywords)
    scored: list[tuple[int, int, str]] = []
    for order, (pattern, zh, en) in enumerate(TOPIC_RULES):
        score = (3 * len(pattern.findall(title)) + len(pattern.findall(abstract))
                 + len(pattern.findall(keyword_text)))
        if score >= 1:
            scored.append((-score, order, en if col else zh))
    strong = [item for item in scored if -item[0] >= 2]
    topics = [label for _, _, label in sorted(strong or scored)[:MAX_TOPICS]]
    if not topics:
        return ""  # keywords alone name no field: 应用领域 says "论文未提及"
    parts = [" / ".join(topics)]
    if keywords:
        parts.append(("关键词：" if lang == "zh" else "Keywords: ") + ", ".join(keywords))
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def _contribution(
    abstract_sents: list[str], intro_sents: list[str], doc: Document
) -> tuple[str, int]:
    """The claim sentence (``""`` when the document has no text) and its index in the
    abstract (-1 when not from the abstract)."""
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
    return _clip(doc.title), -1  # "" when there is no text at all: the caller's marker


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
    methods: list[_Part],
    intro_sents: list[str],
    abstract_sents: list[str],
    claim_index: int,
    used: _Used,
) -> str:
    """How the method runs: a pipeline sentence of the method sections ("consists of three
    stages", "first … then …") and the one after it; else the pipeline sentence of the
    introduction or abstract; else the method section's first two complete sentences; else
    the abstract's method sentences after the claim (never a result). Sentences another
    field took are skipped; none left: ``""``."""
    for part in methods:
        for index, sentence in enumerate(part.sentences):
            if _PIPELINE.search(sentence) and _complete(sentence) and not used.taken(sentence):
                follow = [s for s in part.sentences[index + 1: index + 2]
                          if _complete(s) and not used.taken(s)]
                return _clip(" ".join([sentence, *follow]))
    for sentence in [*abstract_sents, *intro_sents]:
        if _PIPELINE.search(sentence) and _prose(sentence) and _SUBJECT.search(sentence) and (
            not used.taken(sentence)
        ):
            return _clip(sentence)
    for part in methods:
        good = [s for s in part.sentences if _complete(s) and not _BACKGROUND_WORDS.search(s)
                and not used.taken(s)][:2]
        if good:
            return _clip(" ".join(good))
    for part in methods:  # a method section of formulas only: its first sentences anyway
        first = [s for s in part.sentences[:2] if not used.taken(s)]
        if first:
            return _clip(" ".join(first))
    after = abstract_sents[claim_index + 1:] if claim_index >= 0 else abstract_sents
    picked = [
        s for s in after
        if _METHOD_SENTENCE.search(s) and not used.taken(s) and not _RESULT.search(s)
        and not _BARE_RELEASE.search(s) and not _URL.search(s)
        and not _is_contribution_statement(s)
    ][:2]
    return _clip(" ".join(picked)) if picked else ""


def _hardware(
    parts: list[_Part], doc: Document, abstract_sents: list[str], used: _Used
) -> str:
    """Up to two compute sentences (accelerators, memory, training time) from the abstract,
    body and appendix; a model-size mention only when nothing else is said. Sentences
    another field took are skipped."""
    pools: list[Iterable[str]] = [abstract_sents, (s for p in parts for s in p.sentences)]
    # The appendix is split only where a paragraph mentions compute at all (speed: a long
    # appendix has hundreds of paragraphs).
    pools.append(
        s for sec in doc.appendix for p in sec.paragraphs
        if _HARDWARE.search(p) or _MEMORY.search(p) or _MODEL_SIZE.search(p)
        for s in split_sentences(p)
    )
    found: list[str] = []
    size: list[str] = []
    for pool in pools:
        for sentence in pool:
            if re.search(r"\bfuture work\b", sentence, re.IGNORECASE) or sentence in found:
                continue
            if used.taken(sentence):
                continue
            if _HARDWARE.search(sentence) or _MEMORY.search(sentence):
                found.append(sentence)
                if len(found) == 2:
                    return _clip(" ".join(found))
            elif not size and _MODEL_SIZE.search(sentence):
                size.append(sentence)
    return _clip(" ".join(found or size)) if found or size else ""


# A sentence that gives the paper's own code/data ("Our code is available at …").
_AVAILABILITY = re.compile(
    r"\b(our|we|code|codes|available|release[sd]?|open-?sourc\w*|project page|website|"
    r"implementation|repository|demo)\b",
    re.IGNORECASE,
)


def _resources(ref: PaperRef, doc: Document, names: list[str]) -> str:
    """The paper's own code/model/data links, at most five: the HF item's GitHub repo and
    project page; code-host URLs of the abstract; the paper's external links on code hosts
    (``Document.links``, :func:`paperdigest.extract.links.code_links`) that are its own — given
    in the abstract or a footnote, in a sentence that offers code ("our code is available
    at …", not a citation), or named after the method; a "Project page: URL" of the abstract
    on any host. Links to other works' code are left out."""
    from ..extract.links import code_links, urls_in_text

    links: list[str] = []

    def add(url: str) -> None:
        url = url.strip().rstrip(".")
        if url and url.rstrip("/") not in [u.rstrip("/") for u in links]:
            links.append(url)

    for url in (ref.github_repo, ref.project_page):
        if url:
            add(url)
    abstract = doc.abstract or ref.abstract or ""
    front = " ".join([abstract, ref.abstract or "", *doc.footnotes])
    for url in code_links(urls_in_text(front)):
        add(url)
    offering = [
        sentence for sec in doc.sections for para in sec.paragraphs if "http" in para
        for sentence in split_sentences(para)
        if "http" in sentence and _AVAILABILITY.search(sentence) and not _CITATION.search(sentence)
    ]
    offered = " ".join(offering)
    keys = [re.sub(r"\W", "", n).lower() for n in names if len(n) >= 3]
    body_urls = list(doc.links) + urls_in_text(offered)
    for url in code_links(body_urls):
        path = re.sub(r"\W", "", url.split("://", 1)[-1].split("/", 1)[-1]).lower()
        if url in front or url in offered or any(k and k in path for k in keys):
            add(url)
    # "Project page: https://…" in the abstract names a page on other hosts too.
    for match in re.finditer(r"(?:project page|code|website|demo)\s*(?:is)?\s*(?:at|:)\s*(\S+)",
                             abstract, re.IGNORECASE):
        url_match = _URL.match(match.group(1))
        if url_match:
            add(url_match.group(0))
    return "；".join(links[:5])


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8}


def _ordered_marks(text: str) -> list[re.Match[str]]:
    """The enumeration marks that count 1, 2, 3 … in order ("Llama 2)" alone is no list)."""
    marks = list(_ENUM_MARK.finditer(text))
    values = []
    for mark in marks:
        token = mark.group(1).strip("()")
        values.append(int(token) if token.isdigit() else _ROMAN.get(token, 0))
    for start, value in enumerate(values):
        if value != 1:
            continue
        run = [marks[start]]
        for mark, following in zip(marks[start + 1:], values[start + 1:], strict=False):
            if following == len(run) + 1:
                run.append(mark)
        if len(run) >= 2:
            return run
    return []


def _enumerated_items(text: str) -> list[str]:
    """Items of an inline enumeration "(1) … (2) …", "1) … 2) …" or "(i) … (ii) …"."""
    marks = _ordered_marks(text)
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


def _contribution_list(intro: list[_Part]) -> list[str]:
    """The items after "Our contributions are:" (bullets, "1)", "First, …"), or the inline
    enumeration of that paragraph."""
    paragraphs = [p for part in intro for p in part.paragraphs]
    for index, para in enumerate(paragraphs):
        cue = _CONTRIB_CUE.search(para)
        if not cue:
            continue
        items: list[str] = []
        for follow in paragraphs[index + 1:]:
            if _BULLET.match(follow) or _ORDINAL.match(follow):
                items.append(follow)
            elif items or len(follow) > 40:
                break
        if len(items) >= 2:
            return items
        tail = para[cue.start():]
        items = _enumerated_items(tail)
        if len(items) >= 2:
            return items
        ordinals = [
            s for s in split_sentences(tail)
            if re.match(r"(first|second|third|fourth|fifth|finally|lastly|moreover)\b", s,
                        re.IGNORECASE)
        ]
        if len(ordinals) >= 2:
            return ordinals
    return []


def _bullet_run(intro: list[_Part]) -> list[str]:
    """A run of two or more bullet or "First, …" paragraphs in the introduction."""
    for part in intro:
        items = [p for p in part.paragraphs if _BULLET.match(p) or _ORDINAL.match(p)]
        if len(items) >= 2:
            return items
    return []


def _similar(a: str, b: str) -> bool:
    """Two sentences say the same thing (word overlap of the shorter ≥ 60%)."""
    wa = set(re.findall(r"\w+", a.lower()))
    wb = set(re.findall(r"\w+", b.lower()))
    if not wa or not wb:
        return False
    return len(wa & wb) / min(len(wa), len(wb)) >= 0.6


def _innovations(
    intro: list[_Part],
    parts: list[_Part],
    abstract_sents: list[str],
    claim_index: int,
    full_text: bool,
    used: _Used,
) -> list[Innovation]:
    """Innovations from contribution statements only, never background or prior work.

    From the first source that yields items: the introduction's contribution list, a
    bullet run in the introduction; enumerations after a design cue ("three key designs:
    1) …") in the introduction, then the abstract; "Firstly, … Secondly, …" claims after a
    contribution cue; followed (abstract only) or else replaced by
    the contribution statements of the abstract (and, for a full text, of the introduction
    and conclusion): construction claims ("we propose/introduce/present/design …"), then
    study claims ("in this paper, we study …"), then — only when there is none of those —
    findings without numbers ("we show that …"). Release sentences ("we release the code")
    are no innovation. Sentences another field took are skipped (the contribution's
    sentence included), so the list may be empty.
    """
    items = _contribution_list(intro) or _bullet_run(intro)
    if len(items) < 2:
        items = []
        pools = [" ".join(p for s in intro for p in s.paragraphs), " ".join(abstract_sents)]
        for pool in pools:
            for block, lead in _enumeration_blocks(pool):
                if _DESIGN_CUE.search(lead) and not _BACKGROUND.search(lead):
                    items.extend(_enumerated_items(block))
            if len(items) >= 2:
                break
        items = [i for i in items if not used.taken(i)]
    if len(items) < 2:
        conclusion = [s for p in parts if p.conclusion for s in p.sentences]
        ordinals = _ordinal_items(abstract_sents) or _ordinal_items(conclusion)
        if len(ordinals) >= 2:
            items = ordinals
    from_list = len(items) >= 2
    if not from_list or not full_text:
        names: list[str] = []
        candidates = [s for _, s in _own_sentences(abstract_sents, claim_index, names)]
        if full_text:
            body = [s for p in parts if p.intro or p.conclusion for s in p.sentences]
            candidates += [s for s in body if _complete(s) and not _LATER.search(s)
                           and not _BACKGROUND.search(s)]
        candidates = [s for s in candidates
                      if not used.taken(s) and not _BARE_RELEASE.search(s)]
        construct = [s for s in candidates if _CONSTRUCT.search(s)]
        study = [s for s in candidates if _STUDY.search(s) and s not in construct
                 and not _ANAPHORIC_STUDY.search(s)]
        claims = construct + study
        order = {s: i for i, s in enumerate(candidates)}
        if from_list:  # an abstract's enumerated designs, then its other claims
            claims = [c for c in claims if not any(i.rstrip(".") in c for i in items)]
        items = items + sorted(claims, key=lambda s: order[s])
    out: list[Innovation] = []
    for item in items:
        detail = _clip(_after_label(item))
        title = _one_line_title(item)
        if not title or not detail or used.taken(detail) or any(
            _similar(detail, o.detail) for o in out
        ):
            continue
        out.append(Innovation(title, detail))
        if len(out) == MAX_INNOVATIONS:
            break
    return out


def _enumeration_blocks(text: str) -> list[tuple[str, str]]:
    """``(block, lead-in)``: the text from the first enumeration mark of a list to the end of
    its last item, and the 80 characters before the mark (where a design cue would be)."""
    text = re.sub(r"\s+", " ", text)
    marks = _ordered_marks(text)
    if len(marks) < 2:
        return []
    start = marks[0].start()
    lead = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text[max(0, start - 160):start])[-1]
    return [(text[start:], lead)]


def _ordinal_items(sentences: list[str]) -> list[str]:
    """"Firstly, … Secondly, … Finally, …" sentences that follow one another, when the first
    is announced as contributions ("our contributions are: First, …", "three key designs:
    First, …"); "We report three new insights: Firstly, …" lists findings, not
    innovations."""
    items: list[str] = []
    for index, sentence in enumerate(sentences):
        found = re.search(r"(?:^|: )(first(ly)?|second(ly)?|third(ly)?|finally|lastly),\s",
                          sentence, re.IGNORECASE)
        if found:
            items.append(sentence[found.start():].lstrip(": "))
            lead = sentence[: found.start()] or (sentences[index - 1] if index else "")
            if len(items) == 1 and not (
                _WE.search(sentence) and (_DESIGN_CUE.search(lead) or _CONTRIB_CUE.search(lead))
            ):
                return []  # an argument or a list of findings
        elif items:
            break
    return items if len(items) >= 2 else []


# An explicit comparison (the labels' "outperforms, higher than, compared to, improves over").
_COMPARE_STRICT = re.compile(
    r"\b(outperform\w*|surpass\w*|exceed(s|ed|ing)?|beats?|"
    r"(better|worse|higher|lower|faster|slower|fewer|less|more|larger|smaller|stronger|"
    r"greater|cheaper)(\s+[\w-]+){0,3}\s+than|compared (to|with)|comparing (to|with)|relative to|"
    r"in comparison (to|with)|competitive with|comparable to|on par with|"
    r"improv\w* (over|upon)|"
    r"(achiev\w*|set\w*|establish\w*|reach\w*|attain\w*) (a )?(new )?(state-of-the-art|SOTA)|"
    r"(state-of-the-art|SOTA) (performance|results?|accuracy)|"
    r"over (the |all |strong |existing |prior |previous )?(baselines?|prior|previous)|up from|"
    r"from [\d.]+\s?%? to [\d.]+)\b",
    re.IGNORECASE,
)
# Change words that make a comparison only with a figure ("improves accuracy by 3.2%";
# "thereby improving fusion" is a claim).
_CHANGE = re.compile(
    r"\b(improv\w*|reduc\w*|boost\w*|gains?|speedups?|increas\w*|decreas\w*|accelerat\w*|"
    r"sav\w+|cuts?|lowers?|raises?)\b",
    re.IGNORECASE,
)
# What makes a sentence report a result rather than a setup ("we evaluate on 12 benchmarks").
_RESULT_CUE = re.compile(
    r"\b(achiev\w*|reach\w*|attain\w*|obtain\w*|scor\w*|yield\w*|sets?|establish\w*|"
    r"shows?|showing|reveal\w*|demonstrat\w*|indicat\w*|suggest\w*|leads? to|results? in|"
    r"sav\w+|accelerat\w*|remains?|struggl\w*|fails?|lag\w*|exhibit\w*|"
    r"outperform\w*|surpass\w*|improv\w*|reduc\w*)\b",
    re.IGNORECASE,
)
# Setup sentences: what was run, not what came out.
_SETUP = re.compile(
    r"^(\w+,\s+)?(we|our experiments)\s+(\w+ly\s+)?(evaluat|conduct|test|benchmark|train|"
    r"fine-?tun|compar|consider|run|perform|collect|use|adopt|experiment|employ|leverag|"
    r"utili[sz]|apply|appli|integrat|incorporat|combin|design|formulat)\w*\b",
    re.IGNORECASE,
)
# A number written in a sentence (not a citation "[3]", a model name "GPT-5"/"Qwen2.5-3B",
# an exponent "n^2" or a reference "Table 2"): the evidence test of a result.
_STANDALONE_NUMBER = re.compile(r"(?<![\w.\-/^_{])[+\-−~≈]?\d+(?:[.,]\d+)*(?![\w\-])|"
                                r"\d+(?:\.\d+)?\s?(?:%|\\%|×|x\b|[KMB]\b)")


_MODAL = re.compile(r"\b(can|could|may|might|would)\b", re.IGNORECASE)


def _figures(sentence: str) -> str:
    """The sentence without what looks like a number but is none: URLs, references
    ("Table 2", "Sec. 3.2"), enumeration marks ("(1)", "2)")."""
    text = _URL.sub(" ", sentence)
    text = _REFERENCE.sub(" ", text)
    return _ENUM_MARK.sub(" ", text)


# Named benchmarks: a name after "on/across/in/such as", or a word ending in -Bench/-QA/
# -Eval; a size suffix ("LLaMA-1B", "8B") marks a model, not a benchmark.
_BENCH_PLACE = re.compile(
    r"(?:\b(?:on|across)\s+(?:the\s+)?(?:challenging\s+)?|"
    r"\b(?:benchmarks?|datasets?|tasks|suites?)\s+(?:such as|including|like)\s+)"
    r"((?:[A-Z][\w.+\-]*|\d[\w.+\-]*[A-Za-z][\w.+\-]*)(?:\s+(?:[A-Z0-9][\w.+\-]*))?"
    r"(?:(?:,\s*(?:and\s+)?|\s+and\s+)(?:[A-Z][\w.+\-]*|\d[\w.+\-]*[A-Za-z][\w.+\-]*))*)"
)
_BENCH_WORD = re.compile(r"\b([A-Z][\w\-]*(?:Bench|bench|QA|Eval)[\w\-]*)\b")
_NOT_BENCH = re.compile(
    r"^(We|Our|The|This|These|That|In|On|Table|Figure|Fig|Section|Appendix|Eq|GPU|GPUs|"
    r"English|Chinese|Thai|LLMs?|VLMs?|MLLMs?|AI|RL|SFT|Transformer)\b|\d+(\.\d+)?[BMK]$|"
    r"^[A-Z][a-z]+$|^\d+(\.\d+)?[xX×KMBT%]?$"
)
_METRICS = re.compile(
    r"\b(success rates?|win rates?|accuracy|pass@\d+|F1|BLEU|ROUGE[\w-]*|PSNR|SSIM|LPIPS|FID|"
    r"FVD|Chamfer[\w-]*|mAP|AUC|AUROC|WER|CER|perplexity|latency|throughput|speedups?|"
    r"recall|precision|detection rates?|token (usage|counts?)|compression (ratio|rate)s?|"
    r"(peak |GPU )?memory (usage|footprint|consumption)|FLOPs|GPU hours|"
    r"(average|mean|episode) rewards?|error rates?|Elo|BPC|exact match|TTFT|lower bounds?)\b",
    re.IGNORECASE,
)


def _benchmarks(sentence: str, names: list[str]) -> list[str]:
    """Benchmark/dataset names a result sentence cites (the paper's own method names and
    model names excluded)."""
    found: list[str] = []
    own = {n.lower() for n in names}
    placed = [(m.start(1), m.group(1)) for m in _BENCH_WORD.finditer(sentence)]
    for match in _BENCH_PLACE.finditer(sentence):
        offset = match.start(1)
        for part in re.split(r"(\s+(?:and|or)\s+|,\s*)", match.group(1)):
            placed.append((offset, part))
            offset += len(part)
    candidates = [name for _, name in sorted(placed)]  # in the sentence's order
    for name in candidates:
        name = name.strip(" .,;:()")
        if len(name) < 3 or _NOT_BENCH.search(name):
            continue
        benchmark_word = bool(_BENCH_WORD.fullmatch(name))  # the paper's own benchmark counts
        if not benchmark_word and any(
            name.lower().startswith(o) or o.startswith(name.lower()) for o in own
        ):
            continue
        # A name has a capital after its first letter, or a digit, or ends in a
        # benchmark word ("ImageNet", "MATH500", "GAIA", "Crello" is only with "dataset").
        if not (re.search(r"^.[^\s]*[A-Z0-9]", name) or benchmark_word):
            continue
        if name not in found:
            found.append(name)
    return found[:2]


def _result_label(sentence: str, names: list[str], lang: str) -> str:
    """What a result sentence measures: its benchmark(s), else its metric, else that it
    compares with a baseline (对比基线: :data:`_BASELINE` names one), else that it reports a
    figure (数值结果), else that it compares (比较结果)."""
    benches = _benchmarks(sentence, names)
    if benches:
        return " / ".join(benches)
    metric = _METRICS.search(sentence)
    if metric:
        return metric.group(0)
    if _COMPARE_STRICT.search(sentence) and _BASELINE.search(sentence):
        return "对比基线" if lang == "zh" else "Comparison with baselines"
    if _STANDALONE_NUMBER.search(_figures(sentence)):
        return "数值结果" if lang == "zh" else "Reported figures"
    return "比较结果" if lang == "zh" else "Comparison"


# What a comparison is made against when it is a baseline: other methods or models ("the
# strongest baseline", "state-of-the-art", "prior methods", "proprietary models", "GPT-5"),
# not the paper's own settings ("the full dataset") or other quantities ("CMB photons").
_BASELINE = re.compile(
    r"\b(baselines?|state-of-the-art|SOTA|(prior|previous|existing|standard|conventional|"
    r"competing|traditional|vanilla|popular|proprietary|open-source|closed-source|larger|"
    r"leading|strong|best[- ]known)\s+([\w-]+\s+){0,2}?(methods?|models?|approaches|"
    r"systems?|pipelines?|variants?|counterparts?|works?|results?|techniques?|algorithms?|"
    r"agents?|baselines?|APIs?)|counterparts?|base models?|the base model|"
    r"(GPT|Gemini|Claude|Llama|LLaMA|Qwen|DeepSeek|Mistral|PaLM|o\d)[\w.-]*)\b|"
    r"\b(outperform\w*|surpass\w*|beat\w*|exceed\w*|than|over|compared (to|with)|"
    r"relative to|on par with|comparable to|competitive with)\s+(the\s+)?([A-Z][\w-]*[A-Z0-9]|"
    r"(\w+\s+){0,2}?(standard|prior|previous|existing|conventional|vanilla|strongest|best|"
    r"leading|competing|popular|proprietary|original|advanced|other)\b)"
)


def _is_result(sentence: str, names: list[str]) -> int:
    """How strongly a sentence of the paper's own work reports a result (0: not one).

    A result carries a number, an explicit comparison (:data:`_COMPARE_STRICT`) or a named
    benchmark (the evaluation labels' rule) *and* says what came out (a result verb, a
    comparison or a quantity): "we evaluate on 12 benchmarks" is a setup, "thereby improving
    fusion" a claim (a change word counts only with a figure), both 0; a construction claim
    ("we introduce a 900-prompt benchmark") is an innovation, not a result, unless it also
    compares with a figure.
    """
    bare = _figures(sentence)
    number = bool(_STANDALONE_NUMBER.search(bare))
    quantity = bool(_QUANTITY.search(bare))
    compare = bool(_COMPARE_STRICT.search(sentence)) or (
        quantity and bool(_CHANGE.search(sentence))
    )
    bench = bool(_benchmarks(sentence, names))
    if not (number or compare or bench):
        return 0
    if (_CONSTRUCT.search(sentence) and not (compare and quantity)) or _BARE_RELEASE.search(
        sentence
    ):
        return 0
    cue = bool(_RESULT_CUE.search(sentence)) or compare
    if _SETUP.match(sentence) and not (quantity and cue):
        return 0
    if not cue:
        return 0
    return 3 * (number and compare) + 2 * quantity + compare + bench + number


def _results(
    abstract_sents: list[str],
    claim_index: int,
    parts: list[_Part],
    doc: Document,
    names: list[str],
    lang: str,
    used: _Used,
) -> list[Result]:
    """The abstract's result sentences (:func:`_is_result`, labelled by what they measure:
    :func:`_result_label`), then (full text) the best numeric comparison sentences of the
    results sections and the paper's own row of its best result table."""
    result_parts = [p for p in parts if p.results and p.sentences]
    full_text = bool(result_parts) or bool(doc.tables)
    scored: list[tuple[int, int, str]] = []
    for index, sentence in _own_sentences(abstract_sents, claim_index, names):
        if used.taken(sentence):
            continue
        strength = _is_result(sentence, names)
        if strength and (not full_text or _STANDALONE_NUMBER.search(sentence)):
            scored.append((-strength, index, sentence))
    limit = 2 if full_text else MAX_RESULTS
    picked = sorted(sorted(scored)[:limit], key=lambda item: item[1])
    results = [Result(_result_label(s, names, lang), _clip(s)) for _, _, s in picked]
    if not full_text:
        return results
    taken = [r.finding for r in results]
    table_result = _best_table(doc, parts, names)
    room = MAX_RESULTS_FULL - len(results) - (1 if table_result else 0)
    results += _body_results(result_parts, names, taken, room, used, lang)
    if len(results) + (1 if table_result else 0) < 2:  # few comparisons: any numeric sentence
        taken = [r.finding for r in results]
        results += _body_results(result_parts, names, taken, 1, used, lang, relaxed=True)
    if table_result:
        results.append(table_result)
    return results


def _body_results(
    parts: list[_Part],
    names: list[str],
    taken: list[str],
    limit: int,
    used: _Used,
    lang: str,
    relaxed: bool = False,
) -> list[Result]:
    """Up to ``limit`` result sentences of the results sections, in the paper's order, chosen
    best first: a quantity with a comparison verb, about the paper's own method; at most two
    per section."""
    name_re = re.compile("|".join(re.escape(n) for n in names), re.IGNORECASE) if names else None
    candidates: list[tuple[int, int, str, str]] = []
    order = 0
    for part in parts:
        setting = _section_setting(part)
        for sentence in part.sentences:
            order += 1
            if not (40 <= len(sentence) <= 450) or sentence.rstrip()[-1:] not in ".!?。)":
                continue
            if _ROADMAP.search(sentence) and not _COMPARE.search(sentence):
                continue
            if used.taken(sentence) or (_CONSTRUCT.search(sentence) and not relaxed):
                continue
            if (_SETUP.match(sentence) or _MODAL.search(sentence)) and not _COMPARE_STRICT.search(
                sentence
            ):
                continue  # "we use the setting of Section 3.2": what was run; "X can reduce"
            score = 0
            bare = _figures(sentence)
            numeric = bool(_NUMBER.search(bare))
            quantity = bool(_QUANTITY.search(bare))
            if not quantity and not _COMPARE_STRICT.search(sentence) and not relaxed:
                numeric = False  # "for $z<2$": a condition, not a figure
            if _COMPARE.search(sentence):
                score += 3
            if quantity:
                score += 2
            elif numeric:
                score += 1
            if _SUBJECT.search(sentence) or (name_re and name_re.search(sentence)):
                score += 1
            if re.search(r"\[\d|\bet al\.|\bprevious(ly)?\b", sentence):
                score -= 3
            if sentence.count("$") > 6 or sentence.count("\\") > 6:
                score -= 1  # mostly formula
            # Numbers with a comparison first; a comparison of the paper's own method without
            # a number ("our models consistently outperform the baseline") only after them.
            if numeric and (score >= 3 or relaxed):
                candidates.append((-score, order, setting, sentence))
            elif score >= 4 and _SUBJECT.search(sentence) and not _ROADMAP.search(sentence):
                candidates.append((10 - score, order, setting, sentence))
    picked: list[tuple[int, str, str]] = []
    per_section: dict[str, int] = {}
    for _, order, setting, sentence in sorted(candidates):
        if len(picked) >= limit:
            break
        if per_section.get(setting, 0) >= 2:
            continue
        if any(_similar(_clip(sentence), t) for t in taken) or any(
            _similar(sentence, s) for _, _, s in picked
        ):
            continue
        per_section[setting] = per_section.get(setting, 0) + 1
        picked.append((order, setting, sentence))
    picked.sort()
    out: list[Result] = []
    for _, setting, sentence in picked:
        benches = _benchmarks(sentence, names)
        label = " / ".join(benches) if benches else setting or _result_label(
            sentence, names, lang)
        out.append(Result(label, _clip(sentence)))
    return out


def _section_setting(part: _Part) -> str:
    """A result's setting: its section heading, or the parent's for a generic "Results";
    ``""`` when both are generic (the sentence's own benchmark or metric labels it then)."""
    heading = part.heading
    if _GENERIC_HEADING.match(heading) and part.parent and not _GENERIC_HEADING.match(
        part.parent
    ):
        heading = part.parent
    heading = re.sub(r"\s+", " ", heading).strip(" :：*#")
    heading = re.sub(r"^([\dIVX]+(\.\d+)*|[A-Z])[.)]?\s+", "", heading)  # "V. Results"
    if _GENERIC_HEADING.match(heading):
        return ""
    if len(heading) > 60:
        heading = heading[:60].rsplit(" ", 1)[0].strip(" ,;:(")
    return heading


def _caption(table: Table) -> str:
    """The caption without its own "Table 2:" label, first sentence only."""
    caption = re.sub(r"\s+", " ", table.caption).strip()
    caption = re.sub(r"^(table|tab\.)\s*[\dIVXLC]+[.:]?\s*", "", caption, flags=re.IGNORECASE)
    sentences = split_sentences(caption)
    return sentences[0] if sentences else caption


def _best_table(doc: Document, parts: list[_Part], names: list[str]) -> Result | None:
    """The table that best reports results (caption words, results section, the paper's own
    row) as "caption — row", labelled by the table's own label."""
    result_headings = {p.heading for p in parts if p.results}
    scored: list[tuple[int, int, Table, str]] = []
    for index, table in enumerate(doc.tables):
        caption = _caption(table)
        row = _table_finding(table, names)
        score = 3 if row else 0
        if _RESULT_CAPTION.search(caption):
            score += 2
        if table.section in result_headings:
            score += 1
        if _SETUP_CAPTION.search(caption) and not row:
            score -= 3
        if not row:
            row = _first_numeric_row(table)
        if score >= 2 and (row or caption):
            scored.append((-score, index, table, row))
    if not scored:
        return None
    _, _, table, row = min(scored, key=lambda s: (s[0], s[1]))
    caption = _clip(_caption(table), 240)
    finding = f"{caption} — {row}" if caption and row else caption or row
    return Result(table.label or "Table", _clip(finding))


def _rows(markdown: str) -> tuple[list[str], list[list[str]]]:
    rows = [r.strip() for r in markdown.splitlines() if r.strip().startswith("|")]
    if len(rows) < 2:
        return [], []
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    body = [
        [c.strip() for c in r.strip("|").split("|")]
        for r in rows[1:] if not re.fullmatch(r"\|?[\s:|-]+\|?", r)
    ]
    return header, body


def _row_text(header: list[str], cells: list[str]) -> str:
    if len(cells) == 1:  # a PDF row kept as one cell: "Mistral 7B Pretrained 60.1% …"
        return cells[0]
    pairs = [f"{h}: {c}" if h else c for h, c in zip(header[1:], cells[1:], strict=False) if c]
    return f"{cells[0]} — " + "; ".join(pairs) if cells[0] else "; ".join(pairs)


def _first_numeric_row(table: Table) -> str:
    """The first row with a number, for a small table (≤ 8 rows) without an "ours" row."""
    header, body = _rows(table.markdown)
    if not body or len(body) > 8:
        return ""
    for cells in body:
        if any(_NUMBER.search(c) for c in cells[1:]) or (
            len(cells) == 1 and _QUANTITY.search(cells[0])
        ):
            return _clip(_row_text(header, cells), 300)
    return ""


def _table_finding(table: Table, names: list[str]) -> str:
    """The paper's own row of a Markdown table ("ours", "proposed" or the method's name in
    the first cell) as ``first cell — header: value; …``, or ``""``."""
    header, body = _rows(table.markdown)
    if not body or not header:
        return ""
    lowered = [n.lower() for n in names]
    for cells in body:
        first = cells[0].lower() if cells else ""
        values = cells[1:] if len(cells) > 1 else [re.sub(r"^\D*", "", cells[0])]
        mine = "ours" in first or "proposed" in first or any(n in first for n in lowered)
        if mine and any(_NUMBER.search(c) for c in values):
            return _clip(_row_text(header, cells), 300)
    return ""
