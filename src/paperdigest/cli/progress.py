"""Progress display for long runs: a rich bar on a terminal, log lines otherwise.

Both say which report (day) is being processed and how many papers are at each stage:
fetching, summarizing, done, failed (issue 13).
"""

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

#: The stage names of the pipeline's ``stage`` events, as shown.
STAGE_WORDS = {"fetch": "fetching", "summarize": "summarizing"}


class StageCounts:
    """Papers per stage of one report: in flight (by the last ``stage`` event), done, failed."""

    def __init__(self) -> None:
        self.stages: dict[str, str] = {}
        self.done = 0
        self.failed = 0

    def reset(self) -> None:
        self.stages.clear()
        self.done = self.failed = 0

    def event(self, name: str, data: dict[str, Any]) -> None:
        if name == "stage":
            self.stages[data["arxiv_id"]] = data["stage"]
        elif name in ("done", "failed"):
            self.stages.pop(data["arxiv_id"], None)
            if name == "done":
                self.done += 1
            else:
                self.failed += 1

    def text(self) -> str:
        """``fetching 2 · summarizing 4 · done 7 · failed 1``."""
        counts = dict.fromkeys(STAGE_WORDS.values(), 0)
        for stage in self.stages.values():
            word = STAGE_WORDS.get(stage, stage)
            counts[word] = counts.get(word, 0) + 1
        parts = [f"{word} {n}" for word, n in counts.items()]
        return " · ".join([*parts, f"done {self.done}", f"failed {self.failed}"])


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
        self.day = ""
        self.counts = StageCounts()
        self.started = time.monotonic()
        self._lock = threading.Lock()

    def event(self, name: str, **data: Any) -> None:
        with self._lock:
            self.counts.event(name, data)
            if name == "start":
                self.total = data["total"]
                self.finished = 0
                self.day = data.get("day") or ""
                self.counts.reset()
                of = f" of {self.day}" if self.day else (
                    " (--ids)" if data.get("source") == "ids" else "")
                err.print(f"processing {self.total} papers{of}", markup=False, highlight=False)
            elif name in ("done", "failed"):
                self.finished += 1
                what = "cached" if data.get("cached") else "done"
                if name == "failed":
                    what = f"FAILED at {data['stage']}: {data['reason']}"
                elapsed = time.monotonic() - self.started
                day = f"{self.day} " if self.day else ""
                err.print(f"[{day}{self.finished}/{self.total}] {data['arxiv_id']} {what} "
                          f"({elapsed:.0f} s; {self.counts.text()})",
                          markup=False, highlight=False)

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
        self.tokens = 0
        self.counts = StageCounts()
        self._lock = threading.Lock()
        self.progress.start()

    def _detail(self) -> str:
        return f"{self.counts.text()} · tokens {self.tokens:,}"

    def event(self, name: str, **data: Any) -> None:
        with self._lock:
            self.counts.event(name, data)
            if name == "start":
                self.counts.reset()
                day = data.get("day") or ("--ids" if data.get("source") == "ids" else "")
                # Rich markup off for the label: a day or "--ids" only, but keep it inert.
                self.progress.reset(self.task, total=data["total"], detail="",
                                    description=f"papers {day}".strip().replace("[", "\\["))
            elif name in ("done", "failed"):
                self.tokens += data.get("tokens", 0) or 0
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
