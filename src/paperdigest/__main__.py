"""``python -m paperdigest``: the same command line, exit codes included."""

from __future__ import annotations

from .cli import entry

if __name__ == "__main__":
    entry()
