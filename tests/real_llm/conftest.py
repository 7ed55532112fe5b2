"""A real small LLM for the ``real_llm`` group: llama.cpp's ``llama-server`` on loopback.

``../shared/tools/local-llm/serve.sh`` starts it (``setup.sh`` builds it once into
``$LOCAL_LLM_HOME``, default ``~/.cache/local-llm``; ``.ci/run`` does both). The session
fixture :func:`local_llm` starts one server for the whole group and stops it at the end; it
skips with the reason when the server or model is absent, and fails instead when ``CI`` is set
(a CI run must exercise a real model).

Server settings fit a 2-core CPU: one slot (``--parallel 1`` in serve.sh), a context of
:data:`SERVER_CTX` tokens, ``--seed`` fixed and ``--no-cache-prompt`` so that the server's
``/metrics`` counters count every prompt token the client is billed for.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO

SERVE = REPO.parent / "shared" / "tools" / "local-llm" / "serve.sh"
MODEL = "qwen2.5-coder-1.5b-instruct"
GGUF = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
#: Context of the server: the client's context budget (3,000) + output budget (1,000) + room
#: for the prompt's instructions.
SERVER_CTX = 5120
SEED = 42


def _absent(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI is set: the real_llm group must run in CI (.ci/run "
                    "builds it with ../shared/tools/local-llm/setup.sh)")
    pytest.skip(f"{reason} (the real_llm group needs the local model; build it with "
                "../shared/tools/local-llm/setup.sh)")


def _threads() -> int:
    """Generation threads: all cores on an idle machine; one on a busy one, where ggml's
    spinning thread barriers make two threads slower than one (measured here: 1.4 tokens/s
    with 2 threads at load 9 on 2 cores)."""
    cores = os.cpu_count() or 1
    return 1 if os.getloadavg()[0] >= cores else cores


@dataclass
class LocalLLM:
    """A running llama-server."""

    base_url: str
    """OpenAI base URL, ``http://127.0.0.1:PORT/v1``."""
    port: int
    model: str
    log: Path

    def metrics(self) -> dict[str, float]:
        """The server's Prometheus counters, e.g. ``prompt_tokens_total`` (prefix dropped)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=10) as r:
            text = r.read().decode("utf-8")
        values: dict[str, float] = {}
        for line in text.splitlines():
            match = re.match(r"^(?:llamacpp:)?(?P<name>[a-z_]+)\s+(?P<value>[-+0-9.eE]+)$", line)
            if match:
                values[match.group("name")] = float(match.group("value"))
        return values


@pytest.fixture(scope="session")
def local_llm(request: pytest.FixtureRequest) -> Iterator[LocalLLM]:
    """Start llama-server (serve.sh) once for the group; stop it afterwards.

    Outside CI the group runs only when asked for (``-m real_llm``): it takes minutes of
    both cores, and a shared development machine runs the fast suite many times a day.
    """
    if not os.environ.get("CI") and "real_llm" not in (request.config.getoption("-m") or ""):
        pytest.skip("the real-model group runs in CI or with `pytest -m real_llm` "
                    "(minutes of CPU with llama-server)")
    home = Path(os.environ.get("LOCAL_LLM_HOME") or Path.home() / ".cache" / "local-llm")
    if not SERVE.exists():
        _absent(f"{SERVE} not found")
    if not (home / "build" / "bin" / "llama-server").exists() or not (
        home / "models" / GGUF
    ).exists():
        _absent(f"llama-server or {GGUF} not found under {home}")
    env = {**os.environ, "MODEL": "1.5b", "LLM_CTX": str(SERVER_CTX),
           "LLM_THREADS": os.environ.get("LLM_THREADS") or str(_threads())}
    started = time.monotonic()
    proc = subprocess.run(
        ["bash", str(SERVE), str(home), "--", "--seed", str(SEED), "--no-cache-prompt"],
        capture_output=True, text=True, env=env, timeout=180, check=False,
    )
    if proc.returncode != 0 or not proc.stdout.strip().isdigit():
        pytest.fail(f"serve.sh failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    port = int(proc.stdout.strip())
    pid_file = home / f"server-{port}.pid"
    server = LocalLLM(f"http://127.0.0.1:{port}/v1", port, MODEL, home / f"server-{port}.log")
    print(f"\nllama-server on port {port} ready in {time.monotonic() - started:.1f} s")
    try:
        yield server
    finally:
        try:
            os.kill(int(pid_file.read_text().strip()), 15)
        except (OSError, ValueError):
            pass
        pid_file.unlink(missing_ok=True)
