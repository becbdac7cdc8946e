"""Measure how fast the Privacy Tradeoff Explorer is, and write the figures as markdown tables.

Run as ``python -m scripts.bench`` (``__main__``). Sections (``--only NAME[,NAME]``; default: all
of them, ``--quick``: the first three, shorter), one module each:

``engine``
    Workbench build, one private draw, one evaluation, a 15 ε × 10 repeats frontier against the
    naive diffprivlib loop it replaces (time and a statistical check that both give the same
    accuracies), and single evaluations of the two slower models.
``app``
    Server-side rerun latency of the Explore page with ``streamlit.testing.v1.AppTest``.
``browser``
    Real headless Chromium against ``streamlit run app.py`` and a trivial comparison app served
    side by side: cold start of a deep link and ε key press → updated chart.
``million``
    Generation, Workbench, evaluation and frontier at 10k, 100k and 1M profiles, with peak RSS.
``concurrency``
    The same frontier (15 ε × 10 draws, default Scenario) in one process alone and in two
    processes at once, with NumPy's default BLAS threads and with one BLAS thread per process.
``models``
    For each model, the 15 ε × 10 draws frontier through the engine against a loop of real
    person-level diffprivlib fits, alternated in one process (logistic regression has no fast
    path: its per-draw time is measured).
``grid``
    ``python -m core grid`` of 64 cells in one process, with two forked workers and with two loky
    workers.
``logistic``
    Logistic regression's batched draws (core.privacy.fast_lr) against one plain scikit-learn fit of
    the same data and against diffprivlib's per-draw fit; the frontier before and after the
    add/remove calibration; the first visit of every lens page (AppTest) on logistic regression and
    on the random forest.

Every section runs in its own Python subprocess (``runner``) so imports, caches and peak memory
are its own. Nothing here asserts on seconds: the benchmark measures (``measuring``), prints and
(with ``--out``) writes (``tables``, ``document``).

    python -m scripts.bench                         # everything, print the tables
    python -m scripts.bench --quick                 # a short run (no 1M section)
    python -m scripts.bench --only engine,app       # some sections
    python -m scripts.bench --out docs/benchmarks.md  # rewrite the results file

This module holds what every section needs: the repository's root and the progress log.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
