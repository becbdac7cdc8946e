"""Frontiers of the models without a fast path, one ε at a time on worker processes.

Logistic regression has no exact shortcut across noise draws (each class and draw is its own
objective-perturbation solve, docs/benchmarks.md section 8), so its 13-stop × 10-draw frontier is
~1,300 L-BFGS solves. They are independent: each ε goes to one of this module's loky worker
processes, which stay up between requests (the engine is imported once per worker, not per
request) and keep the last Workbench they built (``engine.last_workbench``). On two cores two
workers halve the wait. The pool is this module's own, not loky's global reusable one: joblib's
loky backend (the grid's ``--backend loky``) reshapes that one for itself and cannot share it.

The numbers are those of :func:`core.engine.frontier` in this process: every draw comes from its
own seeded stream (seed, ε, repeat), wherever it runs (``tests/core/test_frontier_workers.py``).
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool

import pandas as pd
from joblib.externals.loky import ProcessPoolExecutor

from core.dataset import Dataset
from core.engine import frontier, last_workbench
from core.scenario import Scenario
from core.threads import limit_blas_threads

WORKERS = 2  # the machines this serves have two cores
# Workers left idle this long exit (a workshop pauses; importing the engine again costs ~1.6 s).
IDLE_TIMEOUT_S = 1800

_pool: list[ProcessPoolExecutor] = []
_pool_lock = threading.Lock()


def _executor(fresh: bool = False) -> ProcessPoolExecutor:
    """The module's pool, started on first use (``fresh``: a new one, the old one being broken)."""
    with _pool_lock:
        if fresh or not _pool:
            _pool[:] = [ProcessPoolExecutor(max_workers=WORKERS, timeout=IDLE_TIMEOUT_S)]
        return _pool[0]


def frontier_at(
    scenario: Scenario, dataset: Dataset | None, epsilon: float, repeats: int
) -> pd.DataFrame:
    """The frontier rows of one ε (runs in a worker; callable in this process too)."""
    limit_blas_threads()
    return frontier(last_workbench(scenario, dataset), [epsilon], repeats)


def submit_frontier_at(
    scenario: Scenario, dataset: Dataset | None, epsilon: float, repeats: int
) -> Future:
    """Compute :func:`frontier_at` on a worker process; returns its future.

    ``dataset`` None is the built-in people (the worker generates them from the Scenario); an
    uploaded Dataset is sent along with the request.
    """
    args = (scenario, None if dataset is None or dataset.is_builtin else dataset, epsilon, repeats)
    try:
        return _executor().submit(frontier_at, *args)
    except (BrokenProcessPool, RuntimeError):  # a worker died, or the pool was shut down
        return _executor(fresh=True).submit(frontier_at, *args)
