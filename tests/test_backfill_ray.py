"""The ray backfill engine on a real local Ray (num_cpus=2, no dashboard, bound to 127.0.0.1).

Same world as test_backfill.py: three recorded HF days, fake arXiv and fake LLM on loopback.
The ray engine must leave the store exactly as the local engine does (summaries,
verification, failures, counts), write nothing twice on a rerun, send every worker request
through the one global rate limiter, and resume after its driver is killed.

Needs the ``ray`` extra: skipped with a reason when Ray is absent, failed when CI=true.
"""

from __future__ import annotations

import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_backfill import NOW, World, backfill, snapshot

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(600),
    # Ray's own deprecation notices about its internal settings are not ours to fix.
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    # Older Rays (2.44) leave their own helper processes running past Popen.__del__.
    pytest.mark.filterwarnings("ignore:subprocess .* is still running:ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

try:
    import ray
except ImportError:  # pragma: no cover - depends on the environment
    ray = None


@pytest.fixture(scope="module")
def ray_address() -> Iterator[str]:
    """One local Ray for the module (starting Ray costs seconds)."""
    if ray is None:
        if os.environ.get("CI") == "true":
            pytest.fail("ray is not installed and CI=true: install the extra, "
                        "pip install -e '.[test]' (it includes paperdigest[ray])")
        pytest.skip("ray not installed (pip install 'paperdigest[ray]'); the ray engine "
                    "tests need it")
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
             log_to_driver=False, configure_logging=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


@pytest.fixture
def world(corpus: Path) -> Iterator[World]:
    with World(corpus) as w:
        yield w


#: Two fetching actors (their requests share one pace), one LLM actor sending as many
#: requests at once as the local engine (concurrency 4), chunks of 30 papers (three chunks).
RAY_OPTIONS: dict[str, Any] = {"fetch_workers": 2, "llm_workers": 1, "batch_size": 4,
                               "chunk_papers": 30}


def test_ray_engine_matches_local_and_reruns_free(ray_address: str, world: World,
                                                  tmp_path: Path) -> None:
    local = backfill(world.settings(tmp_path / "local"))
    expected = snapshot(world.settings(tmp_path / "local"))

    settings = world.settings(tmp_path / "ray")
    arxiv_before, llm_before = world.arxiv.count(), world.llm.calls
    result = backfill(settings, "ray", **RAY_OPTIONS)
    got = snapshot(settings)
    assert got["failures"] == expected["failures"]
    assert got["papers"] == expected["papers"]  # summaries, verification, keys, tokens
    assert got["counts"] == expected["counts"]
    assert (result.cached, result.days_listed) == (local.cached, local.days_listed)
    # The run's totals (summed over three chunks by the writer) are the local engine's.
    for name in ("papers", "done", "failed", "tokens_in", "tokens_out", "llm_calls", "cost"):
        assert getattr(result.stats, name) == getattr(local.stats, name), name
    assert result.stats.tokens_in > 0 and result.stats.llm_calls > 0
    # Every arXiv request of the workers went through the one global limiter.
    paced = result.paced_requests
    assert paced["arxiv"] + paced["arxiv_api"] == world.arxiv.count() - arxiv_before > 0
    # ... and every LLM request too (the library's LLM client on the worker's HTTP client).
    assert paced["llm"] == world.llm.calls - llm_before > 0

    # Rerun: nothing is fetched again except the paper without any source, no summary is
    # written twice, the failing papers are retried (answer + repair each).
    calls, requests = world.llm.calls, world.arxiv.count()
    again = backfill(settings, "ray", **RAY_OPTIONS)
    assert again.summarized == 0 and again.cached == local.summarized
    assert again.stats.failed == local.stats.failed
    assert world.llm.calls - calls == 2 * (local.stats.failed - 1)
    retried = [path for _, path, _ in world.arxiv.requests[requests:]]
    assert retried and all(world.no_abstract in path for path in retried)
    after = snapshot(settings)
    assert after == got


def test_rate_limit_actor_paces_all_workers_together(ray_address: str) -> None:
    """Slots booked from two Ray tasks at once are spaced by 1/rate across both."""
    from paperdigest.backfill.ray_engine import RateLimitActor

    class Recording(RateLimitActor):
        """Also remembers when each booked slot starts (the actor's clock)."""

        def __init__(self, rates: dict[str, float]) -> None:
            super().__init__(rates)
            self.slots: list[float] = []

        def reserve(self, role: str) -> float:
            wait = super().reserve(role)
            self.slots.append(time.monotonic() + wait)
            return wait

        def booked(self) -> list[float]:
            return self.slots

    actor = ray.remote(num_cpus=0)(Recording).remote({"arxiv": 2.0})

    @ray.remote(num_cpus=0)
    def book(n: int) -> list[float]:
        return [ray.get(actor.reserve.remote("arxiv")) for _ in range(n)]

    waits = [w for ws in ray.get([book.remote(5), book.remote(5)]) for w in ws]
    assert min(waits) == 0.0 and max(waits) > 0
    # Ten bookings at 2 per second, whoever booked them: starts at least 0.5 s apart.
    slots = sorted(ray.get(actor.booked.remote()))
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    assert len(slots) == 10 and min(gaps) >= 0.5 - 1e-3, gaps
    assert ray.get(actor.stats.remote()) == {"arxiv": 10}
    # A server's Retry-After seen by one worker holds back every worker's next request.
    ray.get(actor.penalize.remote("arxiv", 30.0))
    assert ray.get(actor.reserve.remote("arxiv")) >= 29.0
    ray.kill(actor)


def _summaries(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return int(con.execute("SELECT COUNT(*) FROM summaries").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_ray_backfill_resumes_after_the_driver_is_killed(ray_address: str, world: World,
                                                         tmp_path: Path) -> None:
    local = backfill(world.settings(tmp_path / "local"))
    expected = snapshot(world.settings(tmp_path / "local"))

    home = tmp_path / "ray"
    config = tmp_path / "config.toml"
    config.write_text(world.config_toml())
    env = {**os.environ, "PAPERDIGEST_HOME": str(home), "PAPERDIGEST_NOW": NOW.isoformat()}
    world.llm.delay = 0.3  # slow answers, so that the driver dies mid-way
    driver = subprocess.Popen(
        [sys.executable, "-m", "paperdigest", "--config", str(config), "backfill", "--from",
         "2026-01-22", "--to", "2026-01-26", "--engine", "ray", "--ray-address", ray_address,
         "--fetch-workers", "1", "--llm-workers", "1", "--batch-size", "2", "--concurrency",
         "2", "--quiet"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    db = world.settings(home).db_path
    try:
        deadline = time.monotonic() + 300
        while _summaries(db) < 4:
            assert driver.poll() is None, driver.stderr.read().decode() if driver.stderr else ""
            assert time.monotonic() < deadline, "the killed driver never wrote a summary"
            time.sleep(0.2)
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.wait(timeout=30)
        if driver.stderr:
            driver.stderr.close()
    written = _summaries(db)
    assert 4 <= written < local.summarized

    world.llm.delay = 0.0
    calls = world.llm.calls
    settings = world.settings(home)
    resumed = backfill(settings, "ray", **RAY_OPTIONS)
    # What the killed driver had written is kept, not redone.
    assert resumed.cached >= written
    assert resumed.summarized == local.summarized - resumed.cached
    assert world.llm.calls - calls < local.stats.llm_calls + 2 * local.stats.failed
    assert snapshot(settings) == expected


def test_rejected_key_stops_the_ray_backfill(ray_address: str, world: World,
                                             tmp_path: Path) -> None:
    """A 401 from the LLM on a worker stops the whole backfill with AuthError (like run);
    what came back before is stored, and the run is recorded as finished."""
    from paperdigest.errors import AuthError
    from paperdigest.store import Store
    from tests.fakes.llm import LLMFault

    world.llm.inject([LLMFault(401)] * 50)
    settings = world.settings(tmp_path / "ray")
    with pytest.raises(AuthError, match="rejected the API key"):
        backfill(settings, "ray", **RAY_OPTIONS)
    with Store(settings.db_path) as store:
        runs = store.runs()
    assert runs[0].command == "backfill" and runs[0].finished_at is not None
    assert runs[0].status != "ok"
