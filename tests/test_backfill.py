"""Backfill without Ray: the local engine, the skip rules, the CLI, the vLLM configuration.

The world: three recorded Hugging Face days of ../shared/corpus (2026-01-22, -23 and -26; the
weekend between reuses Friday's list) on the fake HF server, the fake arXiv server with one
recorded HTML page mapped to one paper (the others have no full text, so they are read from
their HF abstract), and a fake LLM that writes a valid summary from the prompt, except for
papers whose id ends in 3, which always get an invalid answer (so they fail after the repair
round). One paper's abstract is blanked in the HF list and the arXiv API does not know it:
it fails at the fetch stage. The Ray tests (test_backfill_ray.py) reuse this world.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Self

import pytest

from paperdigest.backfill import BackfillOptions, BackfillResult, backfill_days, run_backfill
from paperdigest.config import Settings
from paperdigest.errors import InputError
from paperdigest.llm.client import forget_modes
from paperdigest.pipeline import RunOptions
from paperdigest.store import Store
from tests.conftest import REPO
from tests.fakes.llm import FakeLLM, arxiv_id_of
from tests.fakes.servers import FakeArxiv, FakeHF, fake_settings, stand_in_page

START, END = date(2026, 1, 22), date(2026, 1, 26)
RECORDED = ("2026-01-22", "2026-01-23", "2026-01-26")
#: A fixed "now" three weeks later: every day is settled, no abstract is re-checked.
NOW = datetime(2026, 2, 20, tzinfo=UTC)
HTML_PAGE = "2601.13621v1.html"

_NAME = re.compile(r"\b[A-Z][a-z]+[A-Z][A-Za-z]*\b")
_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,2})?%")


def answer(request: dict[str, Any]) -> str | dict[str, Any]:
    """The fake model: a valid summary quoting the paper's first CamelCase name and
    percentage, plus a name that no paper contains (verification must flag it); ids
    ending in 3 get an answer that is not a summary, every time."""
    arxiv_id = arxiv_id_of(request)
    if arxiv_id.endswith("3"):
        return "this is not a summary"
    prompt = "\n".join(str(m.get("content") or "") for m in request.get("messages", []))
    name = (_NAME.search(prompt.split("<paper>", 1)[-1]) or _NAME.search(prompt))
    number = _NUMBER.search(prompt)
    named = name.group(0) if name else "论文未提及"
    value = number.group(0) if number else "论文未提及"
    return {
        "domain": "机器学习",
        "contribution": f"提出 {named}，主要指标达到 {value}。",
        "usage": {"input": "论文未提及", "output": "论文未提及", "workflow": "论文未提及",
                  "hardware": "论文未提及", "code_and_resources": "论文未提及"},
        "innovations": [{"title": named, "detail": f"{named} 的核心设计。"}],
        "results": [{"setting": "PhantomBenchXL", "finding": f"达到 {value}。"}],
    }


def load_days(corpus: Path) -> dict[str, list[dict[str, Any]]]:
    days = {d: json.loads((corpus / "hf_api" / f"daily_papers_{d}.json").read_text())
            for d in RECORDED}
    first = days["2026-01-22"][0]
    first["paper"]["summary"] = first["summary"] = ""  # no abstract, unknown to the arXiv API
    return days


class World:
    """Fakes for the three days; ``settings(home)`` points a store at them."""

    def __init__(self, corpus: Path) -> None:
        self.days = load_days(corpus)
        self.no_abstract = self.days["2026-01-22"][0]["paper"]["id"]
        self.html_id = self.days["2026-01-26"][0]["paper"]["id"]
        self.ids = {item["paper"]["id"] for items in self.days.values() for item in items}
        self.hf = FakeHF(None, days=self.days)
        html_title = self.days["2026-01-26"][0]["paper"]["title"]
        self.arxiv = FakeArxiv(None, html={
            self.html_id: stand_in_page(corpus / "arxiv_html" / HTML_PAGE, html_title)})
        self.llm = FakeLLM(answer)

    def __enter__(self) -> Self:
        forget_modes()
        self.hf.start()
        self.arxiv.start()
        self.llm.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in (self.llm, self.arxiv, self.hf):
            server.stop()

    def settings(self, home: Path) -> Settings:
        return fake_settings(self.hf, self.arxiv, home=str(home), backend="openai",
                             concurrency=4,
                             llm={"base_url": self.llm.base_url, "model": "fake-model"})

    def config_toml(self) -> str:
        """The same settings as a config file (the store is $PAPERDIGEST_HOME's)."""
        return ('backend = "openai"\nconcurrency = 4\n'
                f'[llm]\nbase_url = "{self.llm.base_url}"\nmodel = "fake-model"\n'
                f'[endpoints]\nhf_url = "{self.hf.url}"\narxiv_url = "{self.arxiv.url}"\n'
                f'arxiv_api_url = "{self.arxiv.api_url}"\n'
                "[limits]\nhf = 1000.0\narxiv = 1000.0\narxiv_api = 1000.0\nllm = 1000.0\n")


@pytest.fixture
def world(corpus: Path) -> Iterator[World]:
    with World(corpus) as w:
        yield w


def backfill(settings: Settings, engine: str = "local", **options: Any) -> BackfillResult:
    return run_backfill(settings, START, END, options=BackfillOptions(engine=engine, **options),
                        run_options=RunOptions(lang="zh"), now=lambda: NOW)


def snapshot(settings: Settings) -> dict[str, Any]:
    """What a backfill leaves in the store, independent of row ids and timestamps."""
    with Store(settings.db_path) as store:
        papers: dict[str, Any] = {}
        ids = {ref.arxiv_id for day in RECORDED for ref in store.day_papers(day)}
        for arxiv_id in sorted(ids):
            doc = store.get_document(arxiv_id)
            stored = store.latest_summary(arxiv_id)
            papers[arxiv_id] = {
                "source": doc.source_kind if doc else None,
                "key": stored.key.as_tuple() if stored else None,
                "summary": stored.summary.to_dict() if stored else None,
                "verification": (stored.verification.to_dict()
                                 if stored and stored.verification else None),
                "tokens": (stored.tokens_in, stored.tokens_out) if stored else None,
            }
        failures = sorted((f.arxiv_id, f.date or "", f.stage, f.reason)
                          for f in store.open_failures())
        totals = store.totals()
    counts = {k: totals[k] for k in ("papers", "days", "documents", "fetches", "summaries",
                                     "verifications")}
    return {"papers": papers, "failures": failures, "counts": counts}


def expected_failures(world: World) -> set[tuple[str, str]]:
    """(arxiv_id, stage) of every paper that must fail, from the inputs alone."""
    out = {(world.no_abstract, "fetch")}
    out |= {(i, "summarize") for i in world.ids if i.endswith("3") and i != world.no_abstract}
    return out


# ------------------------------------------------------------------------ local engine


def test_local_backfill_fills_the_store_and_reruns_free(world: World, tmp_path: Path) -> None:
    settings = world.settings(tmp_path / "local")
    result = backfill(settings)
    assert result.days == 5 and result.days_listed == 5 and not result.days_failed
    # 01-24 and 01-25 have no list: they reuse 01-23's, which is summarized once.
    assert result.stats.papers == len(world.ids) == 26 + 27 + 18
    failing = expected_failures(world)
    assert result.stats.failed == len(failing)
    assert result.summarized == len(world.ids) - len(failing) and result.cached == 0
    snap = snapshot(settings)
    assert {(f[0], f[2]) for f in snap["failures"]} == failing
    assert snap["papers"][world.html_id]["source"] == "HTML"
    ok = {i for i, p in snap["papers"].items() if p["summary"]}
    assert ok == world.ids - {i for i, _ in failing}
    for arxiv_id in ok:
        untraced = [c["text"] for c in snap["papers"][arxiv_id]["verification"]["claims"]
                    if not c["found"]]
        assert "PhantomBenchXL" in untraced

    calls, arxiv_requests = world.llm.calls, world.arxiv.count()
    again = backfill(settings)
    assert again.cached == len(ok) and again.summarized == 0
    assert again.stats.failed == len(failing)
    # Only the failed papers are tried again (their answers are still invalid).
    assert world.llm.calls - calls == 2 * len([1 for _, s in failing if s == "summarize"])
    # Stored Documents are not fetched again: only the paper without any source is retried.
    retried = [path for _, path, _ in world.arxiv.requests[arxiv_requests:]]
    assert retried and all(world.no_abstract in path for path in retried)
    after = snapshot(settings)
    assert after["counts"]["summaries"] == snap["counts"]["summaries"]
    assert after["papers"] == snap["papers"] and after["failures"] == snap["failures"]


def test_backfill_skips_what_run_stored(world: World, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A day done by ``paperdigest run`` costs a backfill nothing (same cache keys)."""
    from paperdigest.cli import main

    home = tmp_path / "home"
    monkeypatch.setenv("PAPERDIGEST_HOME", str(home))
    config = tmp_path / "config.toml"
    config.write_text(world.config_toml())
    monkeypatch.setenv("PAPERDIGEST_NOW", NOW.isoformat())
    monkeypatch.chdir(tmp_path)
    failing = [i["paper"]["id"] for i in world.days["2026-01-26"] if i["paper"]["id"][-1] == "3"]
    assert failing  # the day has papers whose answers are invalid: run exits 2
    assert main(["--config", str(config), "run", "--date", "2026-01-26", "--quiet"]) == 2
    calls, requests = world.llm.calls, world.arxiv.count()
    settings = world.settings(home)
    result = run_backfill(settings, date(2026, 1, 26), date(2026, 1, 26),
                          run_options=RunOptions(lang="zh"), now=lambda: NOW)
    assert result.stats.papers == 18 and result.cached == 18 - len(failing)
    assert result.summarized == 0
    # Only the failed papers cost LLM calls again (answer + repair); nothing is fetched.
    assert world.llm.calls - calls == 2 * len(failing)
    assert world.arxiv.count() == requests


def test_backfill_days() -> None:
    assert backfill_days(date(2026, 1, 30), date(2026, 2, 1)) == [
        date(2026, 1, 30), date(2026, 1, 31), date(2026, 2, 1)]
    with pytest.raises(InputError, match="is after --to"):
        backfill_days(date(2026, 2, 1), date(2026, 1, 1))


# ------------------------------------------------------------------------ CLI


def test_cli_backfill_json(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    from paperdigest.cli import main

    config = tmp_path / "config.toml"
    config.write_text(world.config_toml())
    monkeypatch.setenv("PAPERDIGEST_NOW", NOW.isoformat())
    code = main(["--config", str(config), "backfill", "--from", "2026-01-23", "--to",
                 "2026-01-25", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["days"] == 3 and data["days_listed"] == 3 and data["papers"] == 27
    failing = [i for i in world.ids if i.endswith("3")
               and any(it["paper"]["id"] == i for it in world.days["2026-01-23"])]
    assert data["failed"] == len(failing)
    assert code == (2 if failing else 0) == data["exit_code"]


@pytest.mark.parametrize("args, message", [
    (["--from", "2026-01-26", "--to", "2026-01-22"], "--from 2026-01-26 is after --to 2026-01-22"),
    (["--from", "2026-13-01", "--to", "2026-01-22"], "invalid date"),
    (["--from", "2026-01-22", "--to", "2026-01-23", "--vllm-model", "m"], "--engine ray"),
])
def test_cli_bad_input_is_one_line(args: list[str], message: str,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    from paperdigest.cli import main

    assert main(["backfill", *args]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert message in lines[0] and "Traceback" not in "\n".join(lines)


def test_cli_ray_missing_is_one_line(tmp_path: Path) -> None:
    """Without Ray the ray engine says which extra to install, in one line."""
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name == 'ray' or name.startswith('ray.'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import importlib.util\n"
        "importlib.util.find_spec = lambda name, *a: None if name.split('.')[0] == 'ray' "
        "else _orig(name, *a)\n"
        "from paperdigest.cli import main\n"
        "sys.exit(main(['backfill', '--from', '2026-01-22', '--to', '2026-01-22', "
        "'--engine', 'ray']))\n"
    ).replace("importlib.util.find_spec = ", "_orig = importlib.util.find_spec\n"
              "importlib.util.find_spec = ")
    env = {**os.environ, "PAPERDIGEST_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "Error: the ray engine needs Ray: pip install 'paperdigest[ray]'"]


def test_core_and_local_engine_never_import_ray(world: World, tmp_path: Path) -> None:
    """Importing paperdigest and running a local backfill leaves ray unimported."""
    config = tmp_path / "config.toml"
    config.write_text(world.config_toml())
    code = (
        "import sys\n"
        "import paperdigest, paperdigest.backfill, paperdigest.backfill.worker\n"
        "from paperdigest.cli import main\n"
        f"code = main(['--config', {str(config)!r}, 'backfill', '--from', '2026-01-26', "
        "'--to', '2026-01-26', '--quiet'])\n"
        "print(code, sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.')))\n"
    )
    env = {**os.environ, "PAPERDIGEST_NOW": NOW.isoformat()}
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert proc.stdout.split(None, 1) == ["2", "[]\n"], proc.stderr  # 2: some papers fail


# ------------------------------------------------------------------------ vLLM config


def test_vllm_processor_kwargs() -> None:
    from paperdigest.backfill.vllm import VLLMOptions, sampling_params, vllm_processor_kwargs
    from paperdigest.llm.schema import SUMMARY_JSON_SCHEMA

    settings = Settings.model_validate({"llm": {"context_tokens": 12000,
                                                "max_output_tokens": 2048,
                                                "temperature": 0.1}})
    options = VLLMOptions(model="Qwen/Qwen2.5-7B-Instruct", tensor_parallel_size=2,
                          batch_size=64, concurrency=3, accelerator_type="H100")
    kwargs = vllm_processor_kwargs(options, settings)
    assert kwargs == {
        "model_source": "Qwen/Qwen2.5-7B-Instruct",
        "engine_kwargs": {"tensor_parallel_size": 2, "max_model_len": 12000 + 2048 + 2048,
                          "gpu_memory_utilization": 0.9, "enable_prefix_caching": True},
        "batch_size": 64,
        "concurrency": 3,
        "should_continue_on_error": True,
        "accelerator_type": "H100",
    }
    explicit = vllm_processor_kwargs(VLLMOptions(model="m", max_model_len=8192), settings)
    assert explicit["engine_kwargs"]["max_model_len"] == 8192
    assert "accelerator_type" not in explicit
    assert sampling_params(settings) == {"temperature": 0.1, "max_tokens": 2048,
                                         "guided_decoding": {"json": SUMMARY_JSON_SCHEMA}}


def test_vllm_config_object_when_ray_llm_is_importable() -> None:
    """Where ray.data.llm imports (ray[llm]), the kwargs build a real processor config."""
    import warnings

    try:
        with warnings.catch_warnings():  # Ray's own deprecation notices on import
            warnings.simplefilter("ignore")
            from ray.data.llm import vLLMEngineProcessorConfig  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - ray or its llm extra absent
        pytest.skip(f"ray.data.llm not importable here ({type(exc).__name__}: {exc}); "
                    "it needs ray[llm], which is not part of the test extra")
    from paperdigest.backfill.vllm import VLLMOptions, build_vllm_config

    config = build_vllm_config(VLLMOptions(model="m", tensor_parallel_size=2, batch_size=16,
                                           concurrency=2), Settings())
    assert config.model_source == "m" and config.batch_size == 16
    assert config.engine_kwargs["tensor_parallel_size"] == 2


def test_vllm_rounds_run_the_same_summarizer(world: World, tmp_path: Path) -> None:
    """The vLLM stage's prepare → generate → finish rounds (generation played by the fake
    model's answer function) give what the hosted endpoint gives: the same summary and
    verification, and the same failure after the repair round."""
    from paperdigest.backfill.vllm import ROUNDS, VLLMWorker
    from paperdigest.backfill.worker import Worker, WorkerSpec, plan_row

    settings = world.settings(tmp_path)
    run_backfill(settings, date(2026, 1, 26), date(2026, 1, 26),
                 run_options=RunOptions(lang="zh"), now=lambda: NOW)
    with Store(settings.db_path) as store:
        refs = {ref.arxiv_id: ref for ref in store.day_papers("2026-01-26")}
    good = world.html_id  # read from HTML: the longest prompt
    bad = next(i for i in sorted(refs) if i.endswith("3"))
    spec = WorkerSpec(settings=settings, options=RunOptions(lang="zh"), now=NOW, threads=1)
    hosted, vllm = Worker(spec), VLLMWorker(spec)
    for arxiv_id in (good, bad):
        acquired = hosted.acquire(plan_row(refs[arxiv_id], "2026-01-26", None, None))
        expected = hosted.digest(acquired)
        row, rounds = vllm.step(acquired), 0
        while not row.get("finished"):
            rounds += 1
            assert rounds <= ROUNDS
            generated = answer({"messages": json.loads(row["messages"])})
            text = generated if isinstance(generated, str) else json.dumps(generated,
                                                                            ensure_ascii=False)
            row = vllm.step(dict(row, answers=json.dumps([*json.loads(row["answers"]), text])))
        if arxiv_id == good:
            assert rounds == 1 and not row["failure"]
            saved = [w[1] for w in json.loads(row["writes"]) if w[0] == "save_summary"]
            want = [w[1] for w in json.loads(expected["writes"]) if w[0] == "save_summary"]
            assert saved[0]["summary"] == want[0]["summary"]
            assert saved[0]["verification"] == want[0]["verification"]
            assert saved[0]["key"]["context_hash"] == want[0]["key"]["context_hash"]
        else:
            assert rounds == 2  # the answer, then the repair round
            got, want = json.loads(row["failure"]), json.loads(expected["failure"])
            assert got["stage"] == want["stage"] == "summarize"
            assert got["reason"].split(";")[0] == want["reason"].split(";")[0]
    hosted.close()
    vllm.close()


def test_cli_unreachable_ray_address_is_one_line(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A --ray-address where nothing listens fails at once, in one line (Ray itself would
    retry for minutes), before any day is listed."""
    import importlib.util
    import socket

    from paperdigest.cli import main

    if importlib.util.find_spec("ray") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("ray is not installed and CI=true (the test extra includes it)")
        pytest.skip("ray not installed (pip install 'paperdigest[ray]')")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once closed: nothing listens there
    code = main(["backfill", "--from", "2026-01-26", "--to", "2026-01-26", "--engine", "ray",
                 "--ray-address", f"127.0.0.1:{port}", "--quiet"])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert lines == [(f"Error: cannot reach the Ray cluster at 127.0.0.1:{port} (Connection "
                      "refused); start it with `ray start --head`, or check --ray-address")]
