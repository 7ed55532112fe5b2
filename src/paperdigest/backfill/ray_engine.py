"""The ``ray`` backfill engine: a Ray Data pipeline with one global pace and one writer.

::

    driver: planned rows (chunks of BackfillOptions.chunk_papers)
      → acquire   map_batches(AcquireStage)   fetch + extract, fetch_workers actors
      → LLM stage map_batches(DigestStage)    pack → summarize → verify (hosted endpoint)
                  or prepare → ray.data.llm vLLM processor → finish (open model on GPUs)
      → driver:   iter_batches → apply_writes into SQLite (the only writer)

Politeness is global: every worker's HTTP client paces its requests through one
:class:`RateLimitActor` (the library's own :class:`~paperdigest.fetch.ratelimit.RateLimiter`
per role, living in one actor), so arXiv sees at most ``limits.arxiv`` requests per second
however many workers run. The per-paper work is the library's own
(:class:`paperdigest.backfill.worker.Worker`), so prompts, schema, validation, repair,
fallbacks and verification are those of ``paperdigest run``.

This module imports Ray at import time; :mod:`paperdigest.backfill` imports it only for
``engine="ray"``.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from queue import Full, Queue
from typing import TYPE_CHECKING, Any

from ..errors import AuthError, ConfigError
from ..fetch.ratelimit import RateLimiter
from ..models import RunStats
from ..pipeline import FETCH_WORKERS
from .worker import Row, Worker, WorkerSpec, apply_writes, run_threads

if TYPE_CHECKING:
    from ..config import Settings
    from ..pipeline import ProgressSink, RunOptions
    from ..store import Store
    from . import BackfillOptions, BackfillResult

logger = logging.getLogger(__name__)

#: Rows per batch the driver writes in one go.
WRITE_BATCH = 32


def require_ray() -> None:
    """Raise a one-line ConfigError when Ray (the ``ray`` extra) is not installed."""
    from . import RAY_MISSING

    if importlib.util.find_spec("ray") is None:
        raise ConfigError(RAY_MISSING)
    try:
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise ConfigError(f"{RAY_MISSING} ({exc})") from None


# --------------------------------------------------------------------------- pacing


class _NoSleep:
    """A clock that never sleeps: the actor hands the wait back to the caller."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        return None


class RateLimitActor:
    """One RateLimiter per role for the whole cluster; callers sleep on their own side.

    :meth:`reserve` books the next free slot of a role and returns how long the caller must
    wait for it (seconds, ``>= 0``), so the actor itself never blocks and slots are handed
    out strictly in arrival order.
    """

    def __init__(self, rates: dict[str, float]) -> None:
        self.limiters = {role: RateLimiter(rate, _NoSleep()) for role, rate in rates.items()}
        self.counts = dict.fromkeys(rates, 0)

    def reserve(self, role: str) -> float:
        self.counts[role] += 1
        return self.limiters[role].acquire()

    def penalize(self, role: str, seconds: float) -> None:
        self.limiters[role].penalize(seconds)

    def stats(self) -> dict[str, int]:
        """Requests paced so far, per role."""
        return dict(self.counts)


class RemoteLimiter:
    """Drop-in for a worker's RateLimiter: books slots in the shared :class:`RateLimitActor`."""

    def __init__(self, actor: Any, role: str) -> None:
        self.actor = actor
        self.role = role

    def acquire(self) -> float:
        import ray

        wait = float(ray.get(self.actor.reserve.remote(self.role)))
        if wait > 0:
            time.sleep(wait)
        return wait

    def penalize(self, seconds: float) -> None:
        self.actor.penalize.remote(self.role, seconds)


def remote_limiters(actor: Any, roles: Iterable[str]) -> dict[str, RemoteLimiter]:
    return {role: RemoteLimiter(actor, role) for role in roles}


# --------------------------------------------------------------------------- stages


def _table(rows: list[Row]) -> Any:
    """Rows as one Arrow table (every column a string, bool or int: one schema per stage)."""
    import pyarrow as pa  # type: ignore[import-untyped]

    return pa.Table.from_pylist(rows)


class AcquireStage:
    """Ray Data callable class: fetch + extract each row of a batch (threads inside)."""

    def __init__(self, spec: WorkerSpec, limiter: Any) -> None:
        self.worker = Worker(spec, remote_limiters(limiter, ("arxiv", "arxiv_api", "hf", "llm")))
        self.threads = spec.threads

    def __call__(self, batch: Any) -> Any:
        return _table(run_threads(self.worker.acquire, batch.to_pylist(), self.threads))


class DigestStage:
    """Ray Data callable class: pack → summarize (hosted endpoint) → verify, per row."""

    def __init__(self, spec: WorkerSpec, limiter: Any) -> None:
        self.worker = Worker(spec, remote_limiters(limiter, ("arxiv", "arxiv_api", "hf", "llm")))
        self.threads = spec.threads

    def __call__(self, batch: Any) -> Any:
        return _table(run_threads(self.worker.digest, batch.to_pylist(), self.threads))


# --------------------------------------------------------------------------- driver


def _is_loopback(address: str | None) -> bool:
    if address in (None, "auto"):
        return address is None
    host = address.split("://")[-1].rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast, in one line, when nothing listens at ``host:port`` (Ray itself would
    retry for minutes).

    Raises:
        ConfigError: the address is malformed or refuses connections.
    """
    target = address.split("://")[-1]
    host, _, port = target.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit():
        raise ConfigError(f"--ray-address {address!r}: use 'auto' or host:port")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except OSError as exc:
        raise ConfigError(
            f"cannot reach the Ray cluster at {address} ({exc.strerror or exc}); start it with "
            "`ray start --head`, or check --ray-address"
        ) from None


def check_address(options: BackfillOptions) -> None:
    """Raise a one-line ConfigError when an explicit ``--ray-address`` refuses connections."""
    if options.ray_address not in (None, "auto"):
        _check_reachable(options.ray_address)


def connect(options: BackfillOptions) -> bool:
    """Connect to (or start) Ray; returns True when this call started it.

    A private local Ray binds to 127.0.0.1 only and has no dashboard.
    """
    import ray

    if ray.is_initialized():
        return False
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                              "configure_logging": False}
    if options.ray_address is None:
        kwargs["num_cpus"] = options.ray_cpus
    else:
        kwargs["address"] = options.ray_address
    if _is_loopback(options.ray_address):
        kwargs["_node_ip_address"] = "127.0.0.1"
    check_address(options)
    try:
        ray.init(**kwargs)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = f"the Ray cluster at {options.ray_address}" if options.ray_address else "Ray"
        first = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise ConfigError(f"cannot start or reach {where}: {first}") from None
    return True


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _prefetched(chunks: Iterator[list[Row]]) -> Iterator[list[Row]]:
    """``chunks``, with the next one planned in a thread while the current one runs.

    At most two chunks are in the driver at once (the running one and the next).
    """
    done = object()
    queue: Queue[Any] = Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        queue.put(chunk, timeout=0.2)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            queue.put(exc)

    thread = threading.Thread(target=produce, name="paperdigest-plan", daemon=True)
    thread.start()
    try:
        while True:
            item = queue.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=30)


def run_ray(
    settings: Settings,
    store: Store,
    run_id: int,
    rows: Iterable[Row],
    *,
    options: BackfillOptions,
    run_options: RunOptions,
    now: datetime,
    progress: ProgressSink,
    result: BackfillResult,
) -> None:
    """Run ``rows`` through the Ray Data pipeline and write every result into ``store``.

    Raises:
        AuthError: a worker's LLM rejected the key (results so far are written).
    """
    import ray
    import ray.data

    started_here = connect(options)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    spec = WorkerSpec(settings=settings, options=run_options, now=now,
                      threads=settings.concurrency)
    fetch_spec = WorkerSpec(settings=settings, options=run_options, now=now,
                            threads=FETCH_WORKERS)
    rates = settings.limits.model_dump()
    actor_cls = ray.remote(num_cpus=0)(RateLimitActor)
    limiter: Any = actor_cls.options(name=f"paperdigest-pace-{uuid.uuid4().hex[:8]}").remote(rates)
    try:
        for chunk in _prefetched(_chunks(rows, options.chunk_papers)):
            ds: Any = ray.data.from_items(
                chunk, override_num_blocks=max(1, min(len(chunk) // options.batch_size, 64)))
            ds = ds.map_batches(
                AcquireStage, fn_constructor_kwargs={"spec": fetch_spec, "limiter": limiter},
                batch_format="pyarrow", batch_size=options.batch_size,
                compute=ray.data.ActorPoolStrategy(size=options.fetch_workers), num_cpus=0.5)
            if options.vllm is not None:
                from .vllm import vllm_stages

                ds = vllm_stages(ds, spec, options.vllm)
            else:
                ds = ds.map_batches(
                    DigestStage, fn_constructor_kwargs={"spec": spec, "limiter": limiter},
                    batch_format="pyarrow", batch_size=options.batch_size,
                    compute=ray.data.ActorPoolStrategy(size=options.llm_workers),
                    num_cpus=0.5)
            returned = _write(ds, store, run_id, progress, result)
            for row in chunk:
                if row["arxiv_id"] not in returned:
                    # Never silently dropped: a paper that did not come back is a failure.
                    reason = "no result came back from the Ray pipeline; rerun to retry"
                    store.record_failure(run_id, row["arxiv_id"], row["date"], "run", reason)
                    progress.event("failed", arxiv_id=row["arxiv_id"], stage="run",
                                   reason=reason)
    finally:
        try:
            result.paced_requests = ray.get(limiter.stats.remote())
        finally:
            ray.kill(limiter)
            if started_here:
                ray.shutdown()


def _write(ds: Any, store: Store, run_id: int, progress: ProgressSink,
           result: BackfillResult) -> set[str]:
    """The single writer: results into the store as each batch arrives; each row's tokens,
    calls and cost are added to ``result.stats`` (called once per chunk, same ``result``).

    Returns the arXiv ids that came back.
    """
    fatal = ""
    returned: set[str] = set()
    for batch in ds.iter_batches(batch_size=WRITE_BATCH, batch_format="pyarrow"):
        for row in batch.to_pylist():
            returned.add(row["arxiv_id"])
            apply_writes(store, json.loads(row["writes"]), run_id)
            # This row's tokens, calls and cost, added once (RunStats.add: an unknown cost
            # stays unknown); ``result`` carries the sums across chunks.
            result.stats.add(RunStats(**json.loads(row["stats"])))
            if row["fatal"]:
                fatal = fatal or row["fatal"]
            elif row["failure"]:
                failure = json.loads(row["failure"])
                progress.event("failed", arxiv_id=row["arxiv_id"], stage=failure["stage"],
                               reason=failure["reason"])
            else:
                progress.event("done", arxiv_id=row["arxiv_id"], cached=row["cached"])
        if fatal:
            raise AuthError(fatal)
    return returned
