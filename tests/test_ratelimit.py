"""RateLimiter pacing with a fake clock: no test sleeps for real."""

from __future__ import annotations

import itertools
import threading

import pytest

from paperdigest.config import Settings
from paperdigest.fetch.ratelimit import FakeClock, RateLimiter, SystemClock


def _start_times(limiter: RateLimiter, clock: FakeClock, n: int) -> list[float]:
    starts = []
    for _ in range(n):
        limiter.acquire()
        starts.append(clock.monotonic())
    return starts


def test_fake_clock_sleep_advances_and_records() -> None:
    clock = FakeClock(start=10.0)
    clock.sleep(1.5)
    clock.sleep(0)
    clock.sleep(-3)
    clock.advance(2.0)
    assert clock.monotonic() == 13.5
    assert clock.sleeps == [1.5]


def test_system_clock_is_monotonic() -> None:
    clock = SystemClock()
    first = clock.monotonic()
    clock.sleep(0)  # no real waiting
    assert clock.monotonic() >= first


def test_first_request_never_waits() -> None:
    clock = FakeClock()
    limiter = RateLimiter(0.5, clock)
    assert limiter.acquire() == 0.0
    assert clock.sleeps == []


def test_arxiv_api_requests_are_three_seconds_apart() -> None:
    # arXiv API terms: at most one request every 3 seconds (config.LimitSettings.arxiv_api).
    clock = FakeClock()
    limiter = RateLimiter(Settings().limits.arxiv_api, clock)
    starts = _start_times(limiter, clock, 5)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert gaps == pytest.approx([3.0] * 4)
    assert clock.sleeps == pytest.approx([3.0] * 4)


def test_arxiv_pages_are_one_second_apart() -> None:
    clock = FakeClock()
    limiter = RateLimiter(Settings().limits.arxiv, clock)
    starts = _start_times(limiter, clock, 4)
    assert [b - a for a, b in itertools.pairwise(starts)] == pytest.approx([1.0] * 3)


def test_hf_stays_under_500_calls_per_5_minutes() -> None:
    # Anonymous Hugging Face clients get about 500 calls per 5 minutes (DESIGN §5).
    clock = FakeClock()
    limiter = RateLimiter(Settings().limits.hf, clock)
    starts = _start_times(limiter, clock, 1200)
    window = 300.0
    j = 0
    busiest = 0
    for i, start in enumerate(starts):
        while starts[j] <= start - window:
            j += 1
        busiest = max(busiest, i - j + 1)
    assert busiest <= 500
    # ... and the limiter does not waste the quota either: 1.5/s over 300 s.
    assert busiest >= 450


def test_idle_time_is_not_charged() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1.0, clock)
    limiter.acquire()
    clock.advance(5.0)
    assert limiter.acquire() == 0.0
    assert limiter.acquire() == pytest.approx(1.0)


def test_partial_wait_after_some_time_passed() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1 / 3, clock)
    limiter.acquire()
    clock.advance(1.0)
    assert limiter.acquire() == pytest.approx(2.0)


def test_penalize_pushes_next_slot_back() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1.5, clock)
    limiter.acquire()
    limiter.penalize(7.0)
    assert limiter.acquire() == 7.0
    # The following request is spaced from the penalized one by the normal interval.
    assert limiter.acquire() == pytest.approx(1 / 1.5)


def test_penalize_shorter_than_interval_changes_nothing() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1 / 3, clock)
    limiter.acquire()
    limiter.penalize(1.0)
    limiter.penalize(0)
    assert limiter.acquire() == pytest.approx(3.0)


def test_burst_allows_back_to_back_then_spaces() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1.0, clock, burst=3)
    waits = [limiter.acquire() for _ in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3:] == pytest.approx([1.0, 1.0])


class _FrozenClock:
    """Time stands still and sleeping returns at once: each wait is then the reserved slot."""

    def monotonic(self) -> float:
        return 100.0

    def sleep(self, seconds: float) -> None:
        pass


def test_concurrent_acquires_get_distinct_slots() -> None:
    limiter = RateLimiter(2.0, _FrozenClock())
    waits: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        for _ in range(10):
            wait = limiter.acquire()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 80 requests at 2/s: slots 0, 0.5, 1.0, ... 39.5, each handed out exactly once.
    assert sorted(waits) == pytest.approx([i * 0.5 for i in range(80)])


@pytest.mark.parametrize("rate", [0.0, -1.0, float("inf"), float("nan")])
def test_invalid_rate_is_rejected(rate: float) -> None:
    with pytest.raises(ValueError, match="rate_per_s"):
        RateLimiter(rate)


def test_invalid_burst_is_rejected() -> None:
    with pytest.raises(ValueError, match="burst"):
        RateLimiter(1.0, burst=0)
