"""Progress display for long runs: a rich bar on a terminal, log lines otherwise."""

from __future__ import annotations

import threading
import time
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from .common import err


class QuietProgress:
    def event(self, name: str, **data: Any) -> None:
        return None

    def close(self) -> None:
        return None


class LogProgress:
    """Plain lines on stderr (not a TTY): one per finished or failed paper."""

    def __init__(self) -> None:
        self.total = 0
        self.finished = 0
        self.started = time.monotonic()
        self._lock = threading.Lock()

    def event(self, name: str, **data: Any) -> None:
        with self._lock:
            if name == "start":
                self.total = data["total"]
                self.finished = 0
                err.print(f"processing {self.total} papers", markup=False, highlight=False)
            elif name in ("done", "failed"):
                self.finished += 1
                what = "cached" if data.get("cached") else "done"
                if name == "failed":
                    what = f"FAILED at {data['stage']}: {data['reason']}"
                elapsed = time.monotonic() - self.started
                err.print(f"[{self.finished}/{self.total}] {data['arxiv_id']} {what} "
                          f"({elapsed:.0f} s)", markup=False, highlight=False)

    def close(self) -> None:
        return None


class RichProgress:
    """Papers done / failed / in flight, stage, elapsed, ETA and tokens."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=False,
        )
        self.task = self.progress.add_task("papers", total=0, detail="")
        self.failed = 0
        self.tokens = 0
        self.stages: dict[str, str] = {}
        self._lock = threading.Lock()
        self.progress.start()

    def _detail(self) -> str:
        counts: dict[str, int] = {}
        for stage in self.stages.values():
            counts[stage] = counts.get(stage, 0) + 1
        flight = " ".join(f"{k}:{v}" for k, v in sorted(counts.items()))
        return f"failed {self.failed} · in flight {flight or 0} · tokens {self.tokens:,}"

    def event(self, name: str, **data: Any) -> None:
        with self._lock:
            if name == "start":
                self.progress.reset(self.task, total=data["total"], detail="")
                self.failed = 0
                self.stages.clear()
            elif name == "stage":
                self.stages[data["arxiv_id"]] = data["stage"]
            elif name in ("done", "failed"):
                self.stages.pop(data["arxiv_id"], None)
                self.tokens += data.get("tokens", 0) or 0
                if name == "failed":
                    self.failed += 1
                self.progress.advance(self.task)
            self.progress.update(self.task, detail=self._detail())

    def close(self) -> None:
        self.progress.stop()


def make_progress(*, quiet: bool) -> QuietProgress | LogProgress | RichProgress:
    if quiet:
        return QuietProgress()
    if err.is_terminal:
        return RichProgress()
    return LogProgress()
