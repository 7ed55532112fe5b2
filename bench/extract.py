"""Extraction benchmark: paperdigest's LaTeXML extractor against trafilatura.

Run: ``python bench/extract.py [--corpus PATH] [--repeat N]`` (not a test; needs the
``bench`` extra: trafilatura, which itself needs ``lxml_html_clean`` with lxml >= 5.2).

Both extractors run in this one process on the same bytes (every page of
``corpus/arxiv_html`` and ``corpus/other``), each repeated N times after one warm-up pass.
Speed alone could be gamed by extracting nothing, so the benchmark also prints what each one
kept, counted the same way on both Markdown outputs: headings (``#`` lines), data-table
cells, equation-layout cells and TeX spans (``$...$`` holding a backslash command). Our
Document is rendered to Markdown for this count only, outside the timed loop.

Cells are the non-empty ``|``-separated cells of Markdown table rows (separator rows
excluded). A row is *equation layout* (LaTeXML typesets display equations as tables, which
trafilatura keeps as tables and we keep as ``$$TeX$$``) when every non-empty cell is a TeX
span or an equation number ``(n)`` and at least one is an equation number, a ``$$`` display
or holds ``\\displaystyle``; every other row holds *data-table* cells. Only data-table
cells are compared (``ratio ours/trafilatura data-table cells``).

If ``bench/extract_pdf.py`` defines ``pdf_bench(corpus: Path) -> list[str]``, its lines are
printed before the last line. The last line is always the speed ratio, e.g.
``ratio ours/trafilatura speed: 7.3x``.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from paperdigest.extract.html import extract_html
from paperdigest.models import Document

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = Path(os.environ.get("PAPERDIGEST_CORPUS", REPO.parent / "shared" / "corpus"))

_HEADING_RE = re.compile(r"^#{1,6} \S", re.MULTILINE)
_SEPARATOR_RE = re.compile(r"^\|?[\s:|-]+\|?$")
_TEX_RE = re.compile(r"\$\$?([^$\n]+?)\$\$?")
_TEX_CELL_RE = re.compile(r"^\$\$?[^$]*\$\$?$")
_EQNO_RE = re.compile(r"^\(\d+(?:\.\d+)?[a-z]?\)$")


@dataclass
class Kept:
    headings: int = 0
    table_cells: int = 0
    """Non-empty cells of data-table rows."""
    equation_cells: int = 0
    """Non-empty cells of equation-layout rows (see the module docstring)."""
    tex_spans: int = 0
    chars: int = 0

    def add(self, other: Kept) -> None:
        self.headings += other.headings
        self.table_cells += other.table_cells
        self.equation_cells += other.equation_cells
        self.tex_spans += other.tex_spans
        self.chars += other.chars


def is_equation_row(cells: list[str]) -> bool:
    """Every non-empty cell is TeX or an equation number, one of them marks a display."""
    return bool(cells) and all(_TEX_CELL_RE.match(c) or _EQNO_RE.match(c) for c in cells) and any(
        _EQNO_RE.match(c) or c.startswith("$$") or "\\displaystyle" in c for c in cells)


def count(markdown: str) -> Kept:
    """Headings, data-table and equation-layout cells and TeX spans in a Markdown text
    (the same rule for both tools)."""
    data = equation = 0
    for line in markdown.splitlines():
        line = line.strip()
        if line.startswith("|") and not _SEPARATOR_RE.match(line):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip("|"))]
            cells = [c for c in cells if c]
            if is_equation_row(cells):
                equation += len(cells)
            else:
                data += len(cells)
    tex = sum(1 for m in _TEX_RE.finditer(markdown) if "\\" in m.group(1))
    return Kept(len(_HEADING_RE.findall(markdown)), data, equation, tex, len(markdown))


def to_markdown(doc: Document) -> str:
    """A plain Markdown rendering of a Document, only for counting what it kept."""
    out = [f"# {doc.title}", "", doc.abstract, "", *doc.keywords, ""]
    for sec in [*doc.sections, *doc.appendix]:
        if sec.heading:
            title = " ".join(x for x in (sec.number, sec.heading) if x)
            out.append(f"{'#' * min(sec.level + 1, 6)} {title}")
        out.extend([*sec.paragraphs, ""])
    for table in doc.tables:
        out.extend([f"{table.label}: {table.caption}", "", table.markdown, ""])
    out.extend(doc.figures)
    out.extend(doc.footnotes)
    return "\n".join(out)


def timed(
    fns: list[Callable[[bytes], str]], bodies: list[bytes], repeat: int
) -> tuple[list[float], list[list[str]]]:
    """Seconds of ``repeat`` passes of each function, the passes interleaved (A B A B …) so
    that a change in machine load during the run affects both tools alike; and the outputs
    of the warm-up pass."""
    outputs = [[fn(b) for b in bodies] for fn in fns]  # warm-up; also the outputs we count
    seconds = [0.0] * len(fns)
    for _ in range(repeat):
        for k, fn in enumerate(fns):
            start = time.perf_counter()
            for body in bodies:
                fn(body)
            seconds[k] += time.perf_counter() - start
    return seconds, outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # trafilatura logs every page it finds "too short"

    try:
        import trafilatura
    except ImportError as exc:
        print(f"trafilatura is not importable ({exc}); pip install 'paperdigest[bench]' "
              "lxml_html_clean", file=sys.stderr)
        return 1

    paths = sorted((args.corpus / "arxiv_html").glob("*.html")) + sorted(
        (args.corpus / "other").glob("*.html"))
    if not paths:
        print(f"no HTML pages under {args.corpus}; pass --corpus", file=sys.stderr)
        return 1
    bodies = [p.read_bytes() for p in paths]
    total_mb = sum(len(b) for b in bodies) / 1e6

    def ours(body: bytes) -> str:
        return to_markdown(extract_html(body))

    def ours_timed(body: bytes) -> str:
        extract_html(body)
        return ""

    def theirs(body: bytes) -> str:
        # include_formatting keeps headings as "#" lines, as our rendering does.
        return trafilatura.extract(body, include_tables=True, output_format="markdown",
                                   include_formatting=True) or ""

    our_outputs = [ours(b) for b in bodies]
    (our_seconds, their_seconds), (_, their_outputs) = timed([ours_timed, theirs], bodies,
                                                              args.repeat)

    print(f"corpus: {len(bodies)} pages, {total_mb:.2f} MB, repeated {args.repeat}x, passes "
          "interleaved "
          f"(python {sys.version.split()[0]})")
    print("cells: non-empty cells of Markdown table rows; 'eq cells' are rows of LaTeXML "
          "equation layout (every cell TeX or an equation number '(n)', one of them '(n)', "
          "'$$' or \\displaystyle), 'data cells' all other rows")
    print(f"{'page':<28} {'tool':<12} {'headings':>8} {'data cells':>10} {'eq cells':>8} "
          f"{'tex':>6} {'chars':>8}")
    totals = {"ours": Kept(), "trafilatura": Kept()}
    for path, mine, other in zip(paths, our_outputs, their_outputs, strict=True):
        for tool, text in (("ours", mine), ("trafilatura", other)):
            kept = count(text)
            totals[tool].add(kept)
            print(f"{path.name[:28]:<28} {tool:<12} {kept.headings:>8} {kept.table_cells:>10} "
                  f"{kept.equation_cells:>8} {kept.tex_spans:>6} {kept.chars:>8}")
    rates = {}
    for tool, seconds in (("ours", our_seconds), ("trafilatura", their_seconds)):
        kept = totals[tool]
        rates[tool] = total_mb * args.repeat / seconds
        print(f"{tool:<12} {rates[tool]:7.2f} MB/s  {seconds / args.repeat * 1000:8.1f} ms/pass  "
              f"kept: {kept.headings} headings, {kept.table_cells} data-table cells, "
              f"{kept.equation_cells} equation-layout cells, {kept.tex_spans} TeX spans, "
              f"{kept.chars} chars")
    theirs_cells = totals["trafilatura"].table_cells
    print(f"ratio ours/trafilatura data-table cells: "
          f"{totals['ours'].table_cells / theirs_cells if theirs_cells else float('inf'):.2f} "
          f"({totals['ours'].table_cells} vs {theirs_cells}; target >= 1)")

    pdf_module = Path(__file__).resolve().parent / "extract_pdf.py"
    if pdf_module.exists():
        spec = importlib.util.spec_from_file_location("bench_extract_pdf", pdf_module)
        if spec is not None and spec.loader is not None:
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            pdf_bench = getattr(module, "pdf_bench", None)
            if callable(pdf_bench):
                for line in pdf_bench(args.corpus):
                    print(line)

    print(f"ratio ours/trafilatura speed: {rates['ours'] / rates['trafilatura']:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
