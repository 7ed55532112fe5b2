"""Try paperdigest offline: the loopback fakes as a command.

``python -m tests.fakes.serve [--corpus DIR] [--llm] [--port-file FILE]`` (run from the
repository root) starts on 127.0.0.1, each on a free port:

* FakeHF serving every recorded Hugging Face day of ``corpus/hf_api`` (the same-day partial
  snapshots and the 2024 old-format day under their own dates, as in
  :mod:`tests.fakes.ask_archive`) plus the SYNTHESIZED day
  :data:`~tests.fakes.ask_archive.HTML_DAY` listing the 6 papers whose arXiv HTML the corpus
  holds, so that a run reads full text;
* FakeArxiv serving the corpus's arXiv HTML pages, PDFs and Atom feeds;
* with ``--llm``, a FakeLLM (OpenAI-compatible) that replays the reference report's 45
  summaries (``reference/daily_report_2026-01-31.md``, the papers of the recorded day
  2026-01-30). A paper without a recorded summary gets a refusal, so it fails visibly.
  ``paperdigest ask --backend openai`` gets a DEMO answer (:func:`demo_ask_answer`: the
  first retrieved passage's first sentence, cited), not a model's.

It prints the ``export`` lines that point paperdigest at them (the variable names of
``paperdigest.config.ENV_VARS``) and the dates to try, every other line a ``#`` comment so
that the block can be pasted into a shell, then serves until SIGINT (Ctrl-C) or SIGTERM and
exits 0. ``--port-file`` also writes the same information as JSON (written atomically once
every server listens), for scripts and tests.

Nothing here imports pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import threading
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import Any

from bench._common import CORPUS as DEFAULT_CORPUS  # $PAPERDIGEST_CORPUS, else ../shared/corpus
from tests.fakes.ask_archive import EXTRA_DAYS, HTML_DAY, html_day_items
from tests.fakes.llm import FakeLLM, arxiv_id_of, mode_of
from tests.fakes.replay import load_reference_summaries, replay_answer
from tests.fakes.servers import FakeArxiv, FakeHF

#: The reference report replayed by ``--llm``, relative to the corpus's parent.
REFERENCE_REPORT = Path("reference") / "daily_report_2026-01-31.md"
#: The recorded day whose 45 papers the reference report summarizes.
REPLAY_DAY = "2026-01-30"
#: Any non-empty key: the fake LLM checks none, the client wants one.
FAKE_API_KEY = "sk-fake-replay"
#: ./paperdigest.toml lifting every rate limit (loopback fakes need no politeness).
FAST_LIMITS_TOML = "[limits]\nhf = 1000.0\narxiv = 1000.0\narxiv_api = 1000.0\nllm = 1000.0\n"


_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s")
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z0-9-]*[A-Za-z0-9]")


def _messages_text(request: dict[str, Any], role: str) -> str:
    return "\n".join(str(m.get("content") or "") for m in request.get("messages", [])
                     if m.get("role") == role)


def demo_ask_answer(request: dict[str, Any]) -> str | dict[str, Any] | None:
    """The replay server's DEMO answer to ``paperdigest ask`` prompts, else ``None``.

    SYNTHESIZED, not a model: for an answer prompt (``Passages (JSON):`` in the user
    message) the first passage's first sentence citing that passage, in the shape ask asks
    for (``{"sentences": [...], "found": true}``, or the sentence and ``[cite]`` in text
    mode); for the query-expansion prompt (``search terms`` in the system message) the
    question's capitalised words as ``{"terms": [...]}``.
    """
    user = _messages_text(request, "user")
    json_mode = mode_of(request) != "text"
    if "Passages (JSON):" in user:
        block = user.split("Passages (JSON):\n", 1)[1].split("\n\nQuestion (JSON", 1)[0]
        passages = json.loads(block)
        if not passages:
            return {"sentences": [], "found": False} if json_mode else "NOT_FOUND"
        first = passages[0]
        sentence = _SENTENCE_END.split(" ".join(str(first["text"]).split()), maxsplit=1)[0]
        if json_mode:
            return {"sentences": [{"text": sentence, "cite": [first["cite"]]}], "found": True}
        return f"{sentence} [{first['cite']}]"
    if "search terms" in _messages_text(request, "system"):
        question = user.split("Question (JSON):", 1)[-1].strip()
        try:
            question = str(json.loads(question))
        except ValueError:
            pass
        terms = list(dict.fromkeys(_CAPITALISED.findall(question)))
        return {"terms": terms} if json_mode else "\n".join(terms)
    return None


def replay_responder(reference: Path) -> Any:
    """A FakeLLM responder answering each paper with its reference summary (JSON or the
    block's Markdown, as the request asks); a refusal for a paper the reference lacks.
    ``paperdigest ask`` prompts get :func:`demo_ask_answer`."""
    entries = load_reference_summaries(reference)

    def respond(request: dict[str, Any]) -> str | dict[str, Any]:
        demo = demo_ask_answer(request)
        if demo is not None:
            return demo
        try:
            entry = entries.get(arxiv_id_of(request))
        except (ValueError, LookupError):
            entry = None
        if entry is None or entry.summary is None:
            # SYNTHESIZED: a refusal, so that the paper fails with a reason in the report.
            return {"choices": [{"index": 0, "finish_reason": "stop", "message": {
                "role": "assistant", "content": None,
                "refusal": "the replay server has no recorded summary for this paper "
                           f"(it replays the {len(entries)} papers of {REPLAY_DAY})"}}]}
        return replay_answer(entry, as_json=mode_of(request) != "text")

    return respond


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.serve",
        description="Serve the recorded corpus on loopback fakes of Hugging Face and arXiv "
                    "(and with --llm an OpenAI-compatible replay server) until Ctrl-C.")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help="the shared corpus directory (default: $PAPERDIGEST_CORPUS, else "
                             f"{DEFAULT_CORPUS})")
    parser.add_argument("--llm", action="store_true",
                        help="also serve the 45 reference summaries as an OpenAI-compatible LLM")
    parser.add_argument("--port-file", type=Path, default=None,
                        help="write the URLs and dates as JSON to this file once serving")
    return parser.parse_args(argv)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _banner(env: dict[str, str], info: dict[str, Any], corpus: Path, llm: bool) -> str:
    lines = [f"# paperdigest fake servers on 127.0.0.1, serving {corpus}",
             "# In another shell (from any directory), paste:", ""]
    lines += [f"export {name}={value}" for name, value in env.items()]
    lines += ["export PAPERDIGEST_HOME=$(mktemp -d)   # a throwaway store and cache", "",
              "# Then try:",
              (f"#   paperdigest run --date {HTML_DAY}   # SYNTHESIZED day: the "
               f"{info['html_papers']} corpus papers with arXiv HTML, read in full text"),
              (f"#   paperdigest run --date {REPLAY_DAY}   # a recorded day: 45 papers, "
               "read from their abstracts (the corpus has no full text for them)")]
    if llm:
        lines.append(f"#   paperdigest run --date {REPLAY_DAY} --backend openai   "
                     "# the same day summarized by the replay LLM")
    lines += ["# Reports land in ./paperdigest-out/DATE.md and DATE.json. The default polite rate",
              "# limits make the 45-paper day take about 90 s; the fakes need none, so for a few",
              "# seconds first run:  printf '" + FAST_LIMITS_TOML.replace("\n", "\\n")
              + "' > paperdigest.toml",
              "# Recorded days: " + ", ".join(d for d in info["days"] if d != HTML_DAY),
              "# Serving until Ctrl-C."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    corpus: Path = args.corpus.resolve()
    if not (corpus / "hf_api").is_dir() or not (corpus / "arxiv_html").is_dir():
        print(f"error: {corpus} is not the shared corpus (no hf_api/ and arxiv_html/); "
              "pass --corpus DIR", file=sys.stderr)
        return 2
    reference = corpus.parent / REFERENCE_REPORT
    if args.llm and not reference.is_file():
        print(f"error: --llm needs the reference report {reference}", file=sys.stderr)
        return 2

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    with ExitStack() as stack:
        hf = stack.enter_context(FakeHF(corpus, days=EXTRA_DAYS))
        html_items = html_day_items(corpus)
        hf.add_day(HTML_DAY, html_items)
        arxiv = stack.enter_context(FakeArxiv(corpus))
        env = {"PAPERDIGEST_HF_URL": hf.url, "PAPERDIGEST_ARXIV_URL": arxiv.url,
               "PAPERDIGEST_ARXIV_API_URL": arxiv.api_url}
        if args.llm:
            fake_llm = stack.enter_context(FakeLLM(replay_responder(reference), model="replay"))
            env |= {"OPENAI_BASE_URL": fake_llm.base_url, "OPENAI_API_KEY": FAKE_API_KEY}
        info: dict[str, Any] = {"env": env, "html_day": HTML_DAY,
                                "html_papers": len(html_items),
                                "replay_day": REPLAY_DAY if args.llm else None,
                                "days": hf.days}
        if args.port_file is not None:
            _write_atomically(args.port_file, json.dumps(info, indent=2) + "\n")
        print(_banner(env, info, corpus, args.llm), flush=True)
        while not stop.wait(0.5):
            pass
        print("# stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
