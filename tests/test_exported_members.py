"""The public API: ``__all__`` is sorted, complete and every name resolves."""

from __future__ import annotations

import paperdigest


def test_all_is_sorted_and_resolves() -> None:
    names = paperdigest.__all__
    assert names == sorted(names)
    assert len(set(names)) == len(names)
    for name in names:
        assert getattr(paperdigest, name) is not None, name


def test_errors_and_models_are_exported() -> None:
    from paperdigest import errors, models

    for module in (errors, models):
        public = {
            name for name, obj in vars(module).items()
            if isinstance(obj, type) and obj.__module__ == module.__name__
            and not name.startswith("_")
        }
        missing = public - set(paperdigest.__all__) - {"FetchAttempt", "RunStats"}
        assert "PaperSummary" in paperdigest.__all__
        assert not missing, missing
