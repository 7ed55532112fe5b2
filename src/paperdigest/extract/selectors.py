"""LaTeXML class names, XPath expressions and quality thresholds used by ``extract.html``.

Data apart from logic (trafilatura keeps its XPaths in ``xpaths.py``): when arXiv changes
its page chrome or LaTeXML renames a class, this is the one file to edit.

The class names were read from the pages in ``shared/corpus/arxiv_html`` (ar5iv 0.7.4,
0.7.9 + bootstrap, the 2025-09 and 2026-01 chrome) and ``shared/corpus/other`` (LaTeXML
0.8.7 as used by arXiv's HTML-feedback prototype).
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
#: Front-matter blocks that carry no paper content for a reader (dates, MSC codes).
FRONTMATTER_SKIP = frozenset({KEYWORDS, DATES, CLASSIFICATION, "ltx_pagination"})

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
FIGURE = "ltx_figure"
CAPTION = "ltx_caption"
EQUATION = "ltx_equation"
EQUATION_GROUP = "ltx_equationgroup"
EQUATION_NUMBER = "ltx_eqn_eqno"
TAG = "ltx_tag"
ITEM_TAG = "ltx_tag_item"
LISTING = "ltx_listing"

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

#: Elements that never carry paper text (scripts, chrome widgets, images).
SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "button", "svg", "img", "input", "textarea", "select",
     "dialog", "header", "footer", "nav", "form", "annotation", "annotation-xml"}
)
#: Tags that start a new block when found between paragraphs.
BLOCK_TAGS = frozenset(
    {"div", "section", "figure", "table", "ul", "ol", "dl", "p", "blockquote", "pre",
     "article", "li", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption"}
)

# --- version / id --------------------------------------------------------------------------
#: ``<base href="/html/2312.12344v1/">`` (all chrome periods) or the watermark text
#: ``arXiv:2508.08468v6 [cs.SD]``.
#: Only these two places: an id-shaped string elsewhere may be a cited paper.
PAGE_ID_RES = (
    re.compile(rb"<base\s+href=\"/html/(\d{4}\.\d{4,5})(?:v(\d+))?/?\"", re.IGNORECASE),
    re.compile(
        rb"id=\"watermark-tr\"[^>]*>\s*arXiv:(\d{4}\.\d{4,5})(?:v(\d+))?", re.IGNORECASE
    ),
)
END_OF_HTML_RE = re.compile(rb"</html\s*>", re.IGNORECASE)
END_OF_BODY_RE = re.compile(rb"</body\s*>", re.IGNORECASE)

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
