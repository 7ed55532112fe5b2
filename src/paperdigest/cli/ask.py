"""``paperdigest ask``: a question across every stored paper, answered with citations."""

from __future__ import annotations

from typing import Any

import click

from ..ask.dense import EMBEDDINGS_KEY_ENV, EMBEDDINGS_MODEL_ENV, EMBEDDINGS_URL_ENV
from ..errors import InputError
from ..runtime import open_store
from .common import EXIT_OK, EXIT_PARTIAL, State, cli, clock, err, out, print_json


def _day(text: str | None, option: str) -> str | None:
    if text is None:
        return None
    from ..dates import parse_day

    try:
        return parse_day(text, clock()().date()).isoformat()
    except InputError as exc:
        raise InputError(f"{option}: {exc}") from None


@cli.command()
@click.argument("question")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="Only papers listed on or after.")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Only papers listed on or before.")
@click.option("--k", "k", default=8, show_default=True, type=click.IntRange(1, 50),
              help="Papers retrieved.")
@click.option("--category", "categories", multiple=True, metavar="CAT",
              help="Only papers in this arXiv category (repeatable).")
@click.option("--has-code", is_flag=True, default=None, help="Only papers with a code repository.")
@click.option("--interest", metavar="QUERY",
              help='Only papers whose title, abstract or keywords match, e.g. "web agents".')
@click.option("--backend", type=click.Choice(["extractive", "openai"]),
              help="openai: compose an answer with the LLM; extractive: passages only "
                   "[config backend].")
@click.option("--model", help="LLM model name [config llm.model].")
@click.option("--embeddings-url", envvar=EMBEDDINGS_URL_ENV,
              help=f"OpenAI-compatible embeddings base URL: fuse dense retrieval with BM25 "
                   f"[env {EMBEDDINGS_URL_ENV}].")
@click.option("--embeddings-model", envvar=EMBEDDINGS_MODEL_ENV,
              help=f"Embeddings model [env {EMBEDDINGS_MODEL_ENV}; its API key: env "
                   f"{EMBEDDINGS_KEY_ENV}, else the LLM's].")
@click.option("--expand/--no-expand", default=None,
              help="With an LLM: first ask it for the English terms of the answer and search "
                   "by them too [default: only for a question not in English].")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.pass_obj
def ask(state: State, question: str, start: str | None, end: str | None, k: int,
        categories: tuple[str, ...], has_code: bool | None, interest: str | None,
        backend: str | None, model: str | None, embeddings_url: str | None,
        embeddings_model: str | None, expand: bool | None, as_json: bool) -> int:
    """Ask a question across every stored paper.

    Without an LLM (the extractive backend) prints the best passages grouped by paper, each
    with its title, arXiv id, section and link. With --backend openai the LLM answers in the
    question's language from those passages only, every sentence citing [arXiv-id section];
    numbers and names are checked against the cited passages and untraced ones are flagged.
    When nothing is found it says why: the store is empty, no paper matches the filters, no
    passage matches the question, or the passages do not hold the answer. An invalid answer
    from the model (empty, refused, malformed, citing nothing shown) is reported as such and
    exits 2.

    \b
    Examples:
      paperdigest ask "which papers evaluate on WebArena?"
      paperdigest ask "what hardware did the VLA papers train on?" --from 2026-01-01 --k 5
      paperdigest ask "哪些论文发布了网页智能体的奖励模型？" --backend openai --json
    """
    from ..ask import Filters
    from ..ask import ask as ask_archive

    if not question.strip():
        raise InputError("give a question, e.g. paperdigest ask \"which papers use WebArena?\"")
    if any(not c.strip() for c in categories):
        raise InputError("--category: give an arXiv category, e.g. --category cs.CL")
    if interest is not None and not interest.strip():
        raise InputError('--interest: give words to match, e.g. --interest "web agents"')
    filters = Filters(date_from=_day(start, "--from"), date_to=_day(end, "--to"),
                      categories=categories, has_code=has_code, interest=interest)
    if filters.date_from and filters.date_to:
        from ..dates import check_order

        check_order(filters.date_from, filters.date_to)
    if interest:  # checked before the store is opened; named by its option
        from ..index import SearchQueryError, to_fts_query

        try:
            to_fts_query(interest)
        except SearchQueryError as exc:
            raise InputError(f"--interest: {exc}") from None
    flags: dict[str, Any] = {"backend": backend, "llm.model": model}
    settings = state.settings(flags).settings
    embedder = None
    if embeddings_url or embeddings_model:
        from ..ask.dense import Embedder

        embedder = Embedder.from_settings(settings, embeddings_url or "", embeddings_model or "")
    client = None
    if settings.backend == "openai":
        from ..llm.client import ChatClient

        client = ChatClient(settings)
    with open_store(settings, reading=True) as store:
        if embedder is not None:
            _update_vectors(store, embedder, as_json)
        answer = ask_archive(store.conn, question, client=client, k=k, filters=filters,
                             embedder=embedder, backend=settings.backend, expand=expand)
    # The model's answer was rejected as invalid: the passages are shown, the answer failed.
    code = EXIT_PARTIAL if answer.reason == "invalid_answer" else EXIT_OK
    if as_json:
        print_json(answer.to_dict())
        return code
    _print(answer)
    return code


def _note(text: str) -> None:
    err.print(text, markup=False, highlight=False)


def _update_vectors(store: Any, embedder: Any, as_json: bool) -> None:
    """Embed the passages that have no vector yet, with progress on stderr; on a read-only
    store embed nothing (they rank by BM25 only) and say how many."""
    from ..ask.dense import missing_vectors, update_vectors

    if store.read_only:
        missing = missing_vectors(store.conn, embedder.model)
        if missing:  # on stderr also with --json: the ranking is BM25 for them
            _note(f"the store is read-only: {missing} new passages were not embedded")
        return

    def shown(done: int, total: int) -> None:
        if as_json:
            return
        if done == 0:
            _note(f"embedding {total} passages with {embedder.model}…")
        elif total > done:  # the last batch: the summary line below
            _note(f"embedding passages with {embedder.model}: {done}/{total}")

    embedded = update_vectors(store.conn, embedder, progress=shown)
    if embedded and not as_json:
        _note(f"embedded {embedded} new passages with {embedder.model}")


def _say(text: str = "", style: str | None = None) -> None:
    out.print(text, markup=False, highlight=False, style=style)


def _print(answer: Any) -> None:
    from ..ask import cite_key
    from ..ask.answer import passage_heading
    from ..contract.markup import strip_control

    if answer.expansion:
        _say(f"searched also for: {', '.join(answer.expansion)}")
    if answer.text:
        _say(answer.text, style=None if answer.found else "bold")
        for problem in answer.problems:
            _say(f"⚠ {problem}", style="yellow")
        if answer.papers:
            _say()
            _say("Sources:" if answer.lang == "en" else "来源：")
    elif not answer.papers:
        _say(answer.text)
    for n, paper in enumerate(answer.papers, start=1):
        # Paper text is stored as written; control characters never reach the terminal.
        _say(f"{n}. {' '.join(strip_control(paper.title).split())} — arXiv {paper.arxiv_id} "
             f"https://arxiv.org/abs/{paper.arxiv_id}", style="bold")
        for passage in paper.passages:
            # The citation key names the passage; a section's heading adds to it.
            heading = strip_control(passage_heading(passage))
            text = " ".join(strip_control(passage.text).split())
            if len(text) > 400:
                text = text[:399] + "…"
            where = f" {heading}:" if heading else ""
            _say(f"   [{cite_key(passage, answer.lang)}]{where} {text}")
            if passage.url and passage.kind in ("section", "table", "figure"):
                _say(f"      {passage.url}")
    if not answer.found and not answer.papers:
        return
    if answer.backend == "passages" and answer.papers:
        err.print("passages only (no LLM): use --backend openai for a composed answer",
                  markup=False, highlight=False)
