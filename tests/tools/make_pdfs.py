"""Make broken PDFs for the extractor tests, at test time, into a temporary directory.

Nothing here is committed as a binary: every file is derived from a corpus PDF (or built
from scratch with pikepdf) inside ``tmp_path``.
"""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf


def truncated(src: Path, fraction: float = 0.5) -> bytes:
    """The first ``fraction`` of a PDF's bytes (cross-reference table and trailer lost)."""
    data = src.read_bytes()
    return data[: int(len(data) * fraction)]


def garbage(size: int = 4096) -> bytes:
    """A ``%PDF-`` header followed by deterministic bytes that are no PDF structure."""
    body = bytes((i * 151 + 7) % 256 for i in range(size))
    return b"%PDF-1.7\n" + body


def encrypted(src: Path, user_password: str = "secret") -> bytes:
    """``src`` re-saved with AES-256 encryption and a user password."""
    with pikepdf.open(src) as pdf:
        out = io.BytesIO()
        pdf.save(out, encryption=pikepdf.Encryption(user=user_password, owner="owner-pw", R=6))
    return out.getvalue()


def blank(pages: int = 2) -> bytes:
    """A valid PDF whose pages carry no text at all (like a scan without OCR)."""
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(612, 792))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
