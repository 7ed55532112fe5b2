"""The Ray engine's single writer sums worker costs; an unpriced model's cost (None) makes the
total unknown instead of failing (core.cost_of returns None for a model without a price).
The writer runs once per chunk on the same BackfillResult: each row is counted exactly once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from paperdigest.backfill import BackfillResult
from paperdigest.backfill.ray_engine import _write
from paperdigest.store import Store


class _Batch:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def to_pylist(self) -> list[dict[str, Any]]:
        return self.rows


class _Dataset:
    """The one method of a Ray Dataset that the writer reads."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def iter_batches(self, **_: Any) -> list[_Batch]:
        return [_Batch(self.rows)]


class _Progress:
    def event(self, *args: Any, **kwargs: Any) -> None:
        return None


def _row(arxiv_id: str, cost: float | None) -> dict[str, Any]:
    return {"arxiv_id": arxiv_id, "writes": "[]", "fatal": "", "failure": "", "cached": False,
            "stats": json.dumps({"tokens_in": 100, "tokens_out": 10, "llm_calls": 1,
                                 "cost": cost})}


@pytest.mark.parametrize(("costs", "total"), [((0.25, 0.5), 0.75), ((0.25, None), None),
                                              ((None, 0.5), None)])
def test_the_writer_sums_costs_and_an_unknown_cost_stays_unknown(
        tmp_path: Path, costs: tuple[float | None, float | None], total: float | None) -> None:
    result = BackfillResult(engine="ray")
    rows = [_row(f"2601.0000{i}", cost) for i, cost in enumerate(costs)]
    with Store(tmp_path / "pd.sqlite3") as store:
        _write(_Dataset(rows), store, 1, _Progress(), result)  # type: ignore[arg-type]
    assert result.stats.cost == total
    assert (result.stats.tokens_in, result.stats.tokens_out, result.stats.llm_calls) == (
        200, 20, 2)


def test_the_writer_counts_each_chunk_once(tmp_path: Path) -> None:
    """Three chunks of 2, 1 and 3 rows (run_ray calls the writer once per chunk): the totals
    are those of the six rows, by hand: 600 tokens in, 60 out, 6 calls, $0.25 * 6."""
    result = BackfillResult(engine="ray")
    chunks = [[_row(f"2601.0{c}00{i}", 0.25) for i in range(n)]
              for c, n in enumerate((2, 1, 3))]
    with Store(tmp_path / "pd.sqlite3") as store:
        for chunk in chunks:
            returned = _write(_Dataset(chunk), store, 1, _Progress(),  # type: ignore[arg-type]
                              result)
            assert returned == {row["arxiv_id"] for row in chunk}
    stats = result.stats
    assert (stats.tokens_in, stats.tokens_out, stats.llm_calls) == (600, 60, 6)
    assert stats.cost == pytest.approx(1.5)
    # Paper counts are the driver's (from progress events), not the writer's.
    assert (stats.papers, stats.done, stats.failed) == (0, 0, 0)
