"""PDF extraction speed: ``parse_pdf_text`` in-process, on one core, over the corpus PDFs.

Prints, per file, what was extracted (pages, sections, tables, figures, references,
characters, links, the share of common English words that the ``no_text`` language check
reads) beside the time, then ``pdf pages/s: N (target 20)`` as the last line.
Run: ``python bench/extract_pdf.py [CORPUS_DIR]`` (default ``../shared/corpus``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pypdfium2 as pdfium

from paperdigest.extract.pdf import common_word_share, parse_pdf_text

TARGET_PAGES_PER_SECOND = 20
#: Each file is parsed this many times; the best run counts (less noise from other jobs).
REPEATS = 3


def pdf_bench(corpus: Path) -> list[str]:
    """Time ``parse_pdf_text`` over ``corpus/pdf/*.pdf``; return report lines (last: pages/s)."""
    lines: list[str] = []
    total_pages = 0
    total_seconds = 0.0
    for path in sorted((corpus / "pdf").glob("*.pdf")):
        body = path.read_bytes()
        pdf = pdfium.PdfDocument(body)
        pages = len(pdf)
        pdf.close()
        best = float("inf")
        doc = None
        for _ in range(REPEATS):
            start = time.perf_counter()
            doc = parse_pdf_text(body, path.stem)
            best = min(best, time.perf_counter() - start)
        assert doc is not None
        text = doc.full_text()
        chars = len(text)
        share = common_word_share(text[:40_000])
        total_pages += pages
        total_seconds += best
        lines.append(
            f"{path.name:32} {pages:3d} pages {best * 1000:7.1f} ms  "
            f"sections={len(doc.sections)} tables={len(doc.tables)} figures={len(doc.figures)} "
            f"refs={len(doc.references)} chars={chars} links={len(doc.links)} "
            f"common-words={share if share is None else round(share, 2)} "
            f"flags={','.join(doc.flags) or '-'}"
        )
    rate = total_pages / total_seconds if total_seconds else 0.0
    lines.append(f"pdf pages/s: {rate:.0f} (target {TARGET_PAGES_PER_SECOND})")
    return lines


def main(argv: list[str]) -> int:
    default = Path(__file__).resolve().parents[2] / "shared" / "corpus"
    corpus = Path(argv[1]) if len(argv) > 1 else default
    for line in pdf_bench(corpus):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
