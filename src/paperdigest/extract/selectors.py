"""LaTeXML class names, XPath expressions and quality thresholds used by ``extract.html``.

Data apart from logic (trafilatura keeps its XPaths in ``xpaths.py``): when arXiv changes
its page chrome or LaTeXML renames a class, this is the one file to edit.

The class names were read from the pages in ``shared/corpus/arxiv_html`` (ar5iv 0.7.4,
0.7.9 + bootstrap, the 2025-09 and 2026-01 chrome), ``shared/corpus/other`` (LaTeXML
0.8.7 as used by arXiv's HTML-feedback prototype) and the excerpts of latexml-oxide 0.7.6
pages (what arxiv.org/html serves since 2026-08-11) in
``shared/reference/latexml-oxide-snippets.html``.
"""

from __future__ import annotations

import re

# --- where the paper lives --------------------------------------------------------------
#: The paper itself; every page layout in the corpus wraps it in ``article.ltx_document``.
#: Everything outside it (header, footer, TOC, "Report Issue" dialog, reading-mode
#: buttons, ``.ltx_page_logo``, bootstrap navbars) is site chrome and never read.
DOCUMENT = "ltx_document"
#: Fallbacks for LaTeXML output without the ``article`` wrapper (older/partial renders).
XPATH_DOCUMENT_FALLBACKS = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' ltx_document ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' ltx_page_content ')]",
)

# --- front matter -------------------------------------------------------------------------
TITLE_DOCUMENT = "ltx_title_document"
AUTHORS = "ltx_authors"
PERSONNAME = "ltx_personname"
ABSTRACT = "ltx_abstract"
KEYWORDS = "ltx_keywords"
DATES = "ltx_dates"
CLASSIFICATION = "ltx_classification"
TITLE = "ltx_title"
#: Titles read as a Section's heading (or the document's title/abstract label); any other
#: ``ltx_title`` (theorem, proof, acknowledgements) stays in the text.
SECTIONAL_TITLES = frozenset(
    {"ltx_title_document", "ltx_title_abstract", "ltx_title_section", "ltx_title_subsection",
     "ltx_title_subsubsection", "ltx_title_paragraph", "ltx_title_subparagraph",
     "ltx_title_appendix", "ltx_title_bibliography", "ltx_title_chapter", "ltx_title_part",
     "ltx_title_keywords", "ltx_title_classification"}
)
#: A run-in title ("Theorem 1.", "Proof.") starts the paragraph that follows it.
RUNIN = "ltx_runin"
#: Front-matter blocks that carry no paper content for a reader (dates, MSC codes, the
#: acmart publication metadata that latexml-oxide prints after the title: CCS concepts,
#: DOI, journal, volume).
PUBNOTES = "ltx_pubnotes"
FRONTMATTER_SKIP = frozenset(
    {KEYWORDS, DATES, "ltx_date", CLASSIFICATION, "ltx_pagination", PUBNOTES}
)
#: Author-block notes (affiliation, e-mail, "Thanks") and their generated labels
#: (``span.ltx_contact_name`` "Affiliation: "): never part of a name or of the text.
AUTHOR_NOTES = frozenset({"ltx_author_notes", "ltx_contact", "ltx_contact_name", "ltx_role_email",
                          "ltx_role_affiliation", "ltx_role_address"})
#: Classes skipped wherever they occur (inline too: oxide nests ``ltx_pubnotes`` in the title).
SKIP_CLASSES = frozenset({PUBNOTES, "ltx_contact_name", "ltx_nodisplay"})
#: A hand-made keywords line in the front matter ("Keywords: LLM, agents", "Index Terms—").
KEYWORDS_PARAGRAPH_RE = re.compile(
    r"^\s*(?:keywords|key\s?words|index terms|ccs concepts)(?:\s*[:.\u2014\u2013-]|\s)",
    re.IGNORECASE,
)
#: A title-block date standing alone ("January 30, 2026", "2026-01-30", "Draft: 3 Feb 2026").
DATE_PARAGRAPH_RE = re.compile(
    r"^\W*(?:(?:date|dated|draft|preprint|version)\W*)?(?:\w+day,?\s*)?"
    r"(?:\d{1,2}(?:st|nd|rd|th)?\s+)?"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s*"
    r"(?:\d{1,2}(?:st|nd|rd|th)?,?\s*)?\d{4}\W*$"
    r"|^\W*\d{4}-\d{2}-\d{2}\W*$",
    re.IGNORECASE,
)

#: A level-1 heading that starts supplementary material (filed with the appendix).
SUPPLEMENT_HEADING_RE = re.compile(r"^(?:supplementary|supplemental)\b", re.IGNORECASE)

#: ``\\begin{acknowledgements}`` inside a section (no heading of its own): kept as one
#: paragraph that starts with "Acknowledgements".
ACKNOWLEDGEMENTS = "ltx_acknowledgements"
ACKNOWLEDGEMENTS_START_RE = re.compile(r"^\W*(?:acknowledge?ments?|funding)\b", re.IGNORECASE)

# --- sections ----------------------------------------------------------------------------
#: Section class -> Document level (DESIGN: 1 section, 2 subsection, 3 deeper).
SECTION_LEVELS: dict[str, int] = {
    "ltx_section": 1,
    "ltx_appendix": 1,
    "ltx_chapter": 1,
    "ltx_subsection": 2,
    "ltx_subsubsection": 3,
    "ltx_paragraph": 3,
    "ltx_subparagraph": 3,
}
APPENDIX = "ltx_appendix"
BIBLIOGRAPHY = "ltx_bibliography"
BIBITEM = "ltx_bibitem"
BIBBLOCK = "ltx_bibblock"
#: "Cited by: §II." back-links that the 2026 chrome adds to bibliography entries.
BIB_CITED = "ltx_bib_cited"
#: A numeric bibliography tag ("[12]") is kept; author-year tags repeat the entry.
NUMERIC_BIBTAG_RE = re.compile(r"^\[?\d+\]?$")

# --- blocks ------------------------------------------------------------------------------
#: A LaTeXML paragraph (``div.ltx_para > p.ltx_p``): a page without one is not LaTeXML.
PARA = "ltx_para"
P = "ltx_p"
TABLE_FIGURE = "ltx_table"
TABULAR = "ltx_tabular"
#: Rows, cells and row groups; ``\\resizebox`` output builds the whole tabular from spans
#: (``span.ltx_tabular > span.ltx_tr > span.ltx_td`` inside ``ltx_transformed_outer``).
TR = "ltx_tr"
TD = "ltx_td"
THEAD = "ltx_thead"
ROW_GROUPS = frozenset({THEAD, "ltx_tbody", "ltx_tfoot"})
FIGURE = "ltx_figure"
CAPTION = "ltx_caption"
EQUATION = "ltx_equation"
EQUATION_GROUP = "ltx_equationgroup"
EQUATION_NUMBER = "ltx_eqn_eqno"
TAG = "ltx_tag"
ITEM_TAG = "ltx_tag_item"
LISTING = "ltx_listing"
LISTING_LINE = "ltx_listingline"
#: Verbatim text (``\\verb``, ``{verbatim}``): oxide writes ``pre`` or ``span.ltx_verbatim``.
VERBATIM = "ltx_verbatim"
#: Floats whose body is text a reader wants (algorithm pseudo-code), not an image.
ALGORITHM_FLOATS = frozenset({"ltx_float_algorithm", "ltx_algorithm"})
#: Text inside an SVG ``foreignObject`` (tcolorbox prompt boxes) is kept when it is a ``pre``
#: or a block at least this long; shorter ones are TikZ labels (axis ticks, node names).
MIN_FOREIGN_TEXT_CHARS = 120

# --- inline ------------------------------------------------------------------------------
CITE = "ltx_cite"
#: ``\citep`` renders "(Smith et al., 2020; Lee, 2021)": shown as "[...]" so that the
#: parentheses of the prose stay unambiguous.
CITEP = "ltx_citemacro_citep"
NOTE = "ltx_note"
NOTE_CONTENT = "ltx_note_content"
NOTE_MARK = "ltx_note_mark"
NOTE_TYPE = "ltx_note_type"
#: Journal front-matter notes (pubyear, pagerange) are not footnotes a reader wants.
NOTE_FRONTMATTER = "ltx_note_frontmatter"
ERROR = "ltx_ERROR"
#: LaTeXML marks content it could not convert (unsupported packages) with this class.
MISSING = "ltx_missing"
XPATH_ERRORS = ".//*[contains(concat(' ', normalize-space(@class), ' '), ' ltx_ERROR ')]"

#: Elements that never carry paper text (scripts, chrome widgets, images). ``svg`` is read
#: only for the text of its ``foreignObject`` blocks (see ``MIN_FOREIGN_TEXT_CHARS``).
SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "button", "svg", "img", "input", "textarea", "select",
     "dialog", "header", "footer", "nav", "form", "annotation", "annotation-xml"}
)
#: MathML invisible operators (zero-width space, function application, invisible
#: times/separator/plus) that oxide writes inside ``<mo>``: never text.
INVISIBLE_CHARS_RE = re.compile("[\u200b\u2061\u2062\u2063\u2064\ufeff]")
#: TeX annotation of a formula (oxide writes presentation MathML plus only this one).
TEX_ANNOTATION = "application/x-tex"

# --- links -------------------------------------------------------------------------------
#: Hosts of code, models and data: their links are what 代码与资源 needs (suffix match).
CODE_HOSTS = (
    "github.com", "github.io", "gitlab.com", "bitbucket.org", "huggingface.co", "hf.co",
    "kaggle.com", "zenodo.org", "figshare.com", "modelscope.cn", "gitee.com",
    "codeberg.org", "sourceforge.net", "paperswithcode.com", "colab.research.google.com",
    "pypi.org", "npmjs.com", "dataverse.harvard.edu", "osf.io", "openreview.net",
)
#: Tags that start a new block when found between paragraphs.
BLOCK_TAGS = frozenset(
    {"div", "section", "figure", "table", "ul", "ol", "dl", "p", "blockquote", "pre",
     "article", "li", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption"}
)

# --- version / id --------------------------------------------------------------------------
#: ``<base href="/html/2312.12344v1/">`` (LaTeXML 0.8 chrome periods), the watermark text
#: ``arXiv:2508.08468v6 [cs.SD]`` (``<div id="watermark-tr">``, attributes in any order) or
#: the canonical link (latexml-oxide pages have no ``<base>``).
#: Only these places: an id-shaped string elsewhere may be a cited paper.
PAGE_ID_RES = (
    re.compile(rb"<base\s+href=\"/html/(\d{4}\.\d{4,5})(?:v(\d+))?/?\"", re.IGNORECASE),
    re.compile(
        rb"id=\"watermark-tr\"[^>]*>\s*arXiv:(\d{4}\.\d{4,5})(?:v(\d+))?", re.IGNORECASE
    ),
    re.compile(
        rb"<link\b(?=[^>]*\brel=\"canonical\")[^>]*\bhref=\"https?://(?:www\.)?arxiv\.org/"
        rb"(?:html|abs)/(\d{4}\.\d{4,5})(?:v(\d+))?",
        re.IGNORECASE,
    ),
)
#: The banner LaTeXML/ar5iv append when the conversion died part-way: the page is truncated.
FATAL_BANNER = b"had a Fatal error and exited abruptly"

# --- wrong document --------------------------------------------------------------------
#: Share of the listed title's content words that the page title must hold; below it the
#: page is another document (arXiv converted a checklist or template ``.tex``), unless
#: ``MIN_TEXT_TITLE_OVERLAP`` of them occur in the abstract and opening paragraphs.
MIN_TITLE_OVERLAP = 0.5
MIN_TEXT_TITLE_OVERLAP = 0.7
TITLE_STOPWORDS = frozenset(
    {"a", "an", "the", "of", "for", "and", "or", "in", "on", "to", "with", "via", "by", "from",
     "at", "as", "is", "are", "be", "its", "their", "into", "towards", "toward", "using",
     "through", "we", "our", "can", "do", "does", "not", "no", "all", "how", "what", "when",
     "why", "which", "that", "this", "it", "vs", "versus"}
)

# --- quality thresholds ------------------------------------------------------------------
# Pinned in src/paperdigest/eval_baseline.json ("extract_html"), which
# tests/test_extract_eval.py checks these constants against. Calibrated on the corpus:
# the worst real pages, 2405.12282v3 (\orcidlink) and 2501.11120v1 ({mdframed},
# {spverbatim}), have errors in under 3% of their paragraphs and read perfectly; a
# conversion whose errors reach a quarter of the paragraphs has lost whole environments and
# the PDF reads better (the eval injects 40% and 10% into a real page: unusable / usable).
# Re-run tests/test_extract_eval.py after any change.
MAX_ERROR_PARAGRAPH_RATIO = 0.25
#: A page with more than this share of sections without any text lost its content.
MAX_EMPTY_SECTION_RATIO = 0.5
#: Body text below this many characters is flagged ``too_short`` (the smallest corpus page,
#: 2510.11260v1, has about 25,000; an abstract alone is about 1,500).
MIN_BODY_CHARS = 2_000
#: Below this the HTML is judged unusable: nothing but a stub was converted.
MIN_USABLE_BODY_CHARS = 1_000
