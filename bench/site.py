"""Site benchmark: full and incremental builds of the static archive for 5,000 papers.

Run: ``python bench/site.py [--papers 5000]`` (not a test; needs the ``[web]`` extra).

A synthetic archive (``bench/_archive.py``: 50 papers a day, Chinese five-part summaries,
written through the Store API) is built into a temporary directory three ways:

* full build (``--full``): every day page, paper page, feed, the index and search index;
  reported as pages/s, against the target of 30 s for 5,000 papers (on 2 cores: the build is
  single-threaded, so the core count does not change it). Targets are judged on the
  process's CPU time (user + system, ``time.process_time``), printed beside the wall time:
  on a shared machine the wall time also measures the neighbours (the load average is
  printed);
* no-change rebuild: nothing rendered but the archive-wide files, nothing written;
* incremental rebuild after one new day (50 papers) is stored: only that day's pages, its
  feeds and the archive-wide files, against the target of 2 s.

Baseline in the same process: reading the same data out of the store without rendering
(``day_view`` for every day + the search documents); the full build is printed as a ratio to
it, so the figure says how much rendering and writing add to the reads. The last line is
``bench: ok`` or, on stderr with exit status 1, ``bench: FAILED: …``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import _archive

from paperdigest.store import Store

FULL_TARGET_S = 30.0
INCREMENTAL_TARGET_S = 2.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=5000)
    args = parser.parse_args()
    try:
        from paperdigest.web.data import day_view, list_days, search_documents
        from paperdigest.web.site import build_site
    except ImportError as exc:  # the [web] extra
        print(f"bench: FAILED: {exc}", file=sys.stderr)
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {cores} cores available, load average {os.getloadavg()[0]:.1f}; "
          f"python {sys.version.split()[0]}")
    print(f"text: {_archive.Vocabulary().source}")
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="pd-bench-site-") as tmp:
        root = Path(tmp)
        store = Store(root / "pd.sqlite3")
        started = time.perf_counter()
        days = _archive.fill(store, args.papers)
        print(f"archive: {args.papers:,} papers over {len(days)} days, stored in "
              f"{time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        for entry in list_days(store.conn):
            day_view(store.conn, entry.date)
        search_documents(store.conn)
        baseline = time.perf_counter() - started
        print(f"baseline (read every day and the search documents, no rendering): "
              f"{baseline:.2f} s")

        out = root / "site"
        cpu = time.process_time()
        full = build_site(store.conn, out, full=True)
        full_cpu = time.process_time() - cpu
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        print(f"full build: {full.pages_rendered:,} pages ({len(full.written):,} files, "
              f"{size / 1e6:.1f} MB) in {full_cpu:.2f} s CPU ({full.seconds:.2f} s wall) = "
              f"{full.pages_rendered / full_cpu:,.0f} pages/s; "
              f"{full.seconds / baseline:.1f}x the baseline (wall); "
              f"target < {FULL_TARGET_S:.0f} s")
        if full_cpu >= FULL_TARGET_S:
            failures.append(f"full build {full_cpu:.1f} s CPU >= {FULL_TARGET_S} s")

        same = build_site(store.conn, out)
        print(f"no-change rebuild: {same.days_rendered} days rendered, {len(same.written)} files "
              f"written in {same.seconds:.2f} s")
        if same.written:
            failures.append(f"a rebuild without changes wrote {same.written[:5]}")

        new_days = _archive.fill(store, _archive.PER_DAY, start=args.papers)
        cpu = time.process_time()
        incremental = build_site(store.conn, out)
        inc_cpu = time.process_time() - cpu
        expected_day = f"days/{new_days[0]}.html"
        print(f"incremental rebuild after one new day ({_archive.PER_DAY} papers): "
              f"{incremental.days_rendered} day rendered, {len(incremental.written)} files "
              f"written in {inc_cpu:.2f} s CPU ({incremental.seconds:.2f} s wall); "
              f"target < {INCREMENTAL_TARGET_S:.0f} s")
        if inc_cpu >= INCREMENTAL_TARGET_S:
            failures.append(f"incremental {inc_cpu:.2f} s CPU >= {INCREMENTAL_TARGET_S} s")
        if incremental.days_rendered != 1 or expected_day not in incremental.written:
            failures.append("the incremental build did not render exactly the new day")
        store.close()
    if failures:
        print(f"bench: FAILED: {'; '.join(failures)}", file=sys.stderr)
        return 1
    print("bench: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
