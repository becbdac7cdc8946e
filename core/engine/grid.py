"""Grids of Scenarios for policy teams: thousands of settings, resumable, on one machine or many.

Every cell (one Scenario) is evaluated independently. On one machine the default backend forks
its worker processes from this one (``backend="fork"``, the standard library's process pool):
they start with the engine already imported, where joblib's loky workers (``backend="loky"``)
each spend ~1.6 s of CPU importing it, more than a whole 64-cell grid of cheap cells costs
(docs/grid.md). ``backend="dask"`` hands the same cells to a Dask cluster through joblib's Dask
backend, so there is no scheduler of our own.
Each finished cell is written to its own small file with an atomic rename, so a kill leaves only
whole cells behind and a rerun skips them; the results file is assembled from the cells at the
end of every run.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import json
import math
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from joblib import Parallel, delayed, parallel_config

from core.engine import (
    evaluate,
    forget_last_workbench,
    last_workbench,
    measures,
    workbench_key,
)
from core.engine.threads import limit_blas_threads
from core.setting.scenario import FIELDS_BY_NAME, Scenario

Progress = Callable[[int, int, str], None] | None
# Forking is safe here because the grid's process runs no other thread (one BLAS thread, no
# server); macOS's system libraries are not fork-safe, and Windows cannot fork.
BACKENDS = ("fork", "loky", "dask")
DEFAULT_BACKEND = "fork" if sys.platform == "linux" else "loky"


def expand(base: Scenario, axes: Mapping[str, Sequence]) -> list[Scenario]:
    """Every combination of ``axes`` values applied to ``base``, validated by the Scenario."""
    names = list(axes)
    for name in names:
        if name not in FIELDS_BY_NAME:
            raise ValueError(
                f"Unknown grid field {name!r}. Known fields: {', '.join(FIELDS_BY_NAME)}."
            )
    return [
        base.replace(**dict(zip(names, values, strict=True)))
        for values in itertools.product(*(axes[n] for n in names))
    ]


def cell_key(scenario: Scenario) -> str:
    """Stable name of a cell: a hash of its Scenario's JSON (not Python's per-process hash)."""
    return hashlib.sha256(scenario.to_json().encode()).hexdigest()[:20]


def evaluate_cell(scenario: Scenario) -> dict:
    """One grid row: the Scenario's fields, its measures and how long it took."""
    # Runs in a worker process (forked, loky or Dask): one BLAS thread each, so two workers on two
    # cores do not fight over them (joblib limits loky workers too, Dask's are not limited).
    limit_blas_threads()
    started = time.perf_counter()
    result = evaluate(scenario, last_workbench(scenario))
    return {
        **scenario.to_dict(),
        **measures(result),
        "hit_at_3_std": result["hit_at_3_std"],
        "seconds": time.perf_counter() - started,
    }


def evaluate_cells(scenarios: list[Scenario]) -> list[tuple[Scenario, dict]]:
    """Several cells in one task (a forked worker): those sharing a Workbench build it once."""
    return [(scenario, evaluate_cell(scenario)) for scenario in scenarios]


def _tasks(todo: list[Scenario], n_jobs: int) -> list[list[Scenario]]:
    """Runs of cells sharing a Workbench (``todo`` is sorted by it), cut so that every worker
    gets at least two tasks: a grid over ε alone is one Workbench but still runs in parallel."""
    largest = max(1, math.ceil(len(todo) / (2 * n_jobs)))
    tasks: list[list[Scenario]] = []
    for _, run in itertools.groupby(todo, key=workbench_key):
        run = list(run)
        tasks.extend(run[i : i + largest] for i in range(0, len(run), largest))
    return tasks


def _forked(todo: list[Scenario], n_jobs: int) -> Iterator[tuple[Scenario, dict]]:
    # Objects made so far (the imported engine) move out of the garbage collector's reach: a
    # collection in a worker would otherwise write to each of them and copy the pages they sit on.
    gc.freeze()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=n_jobs, mp_context=context) as pool:
        futures = [pool.submit(evaluate_cells, task) for task in _tasks(todo, n_jobs)]
        for future in as_completed(futures):
            yield from future.result()


def _write_atomically(path: Path, row: dict) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(row), encoding="utf-8")
    os.replace(temporary, path)  # a reader sees the whole cell or nothing


def parts_dir(out: Path) -> Path:
    return out.with_name(out.name + ".cells")


@contextmanager
def _results(todo: list[Scenario], n_jobs: int, backend: str):
    """(Scenario, row) pairs as cells finish, in any order."""
    if backend == "fork" and n_jobs > 1 and todo:
        yield _forked(todo, n_jobs)
        return
    with parallel_config(backend="loky" if backend == "fork" else backend, n_jobs=n_jobs):
        yield Parallel(return_as="generator_unordered")(
            delayed(lambda s: (s, evaluate_cell(s)))(s) for s in todo
        )


def run_grid(
    scenarios: Iterable[Scenario],
    out: str | Path,
    *,
    n_jobs: int = 2,
    backend: str = DEFAULT_BACKEND,
    progress: Progress = None,
) -> dict:
    """Evaluate every Scenario not already finished, then write ``out`` (.csv or .parquet).

    ``backend`` is one of :data:`BACKENDS`; ``n_jobs=1`` evaluates in this process. Returns counts
    and timings: ``cells``, ``computed``, ``skipped``, ``seconds``.
    """
    if backend not in BACKENDS:
        raise ValueError(
            f"The 'backend' parameter must be one of {', '.join(BACKENDS)}. Got {backend!r}."
        )
    out = Path(out)
    cells = parts_dir(out)
    cells.mkdir(parents=True, exist_ok=True)
    scenarios = list(dict.fromkeys(scenarios))  # same Scenario twice is one cell
    todo = [s for s in scenarios if not (cells / f"{cell_key(s)}.json").exists()]
    # Cells sharing a Workbench one after another (a stable sort): each worker reuses it.
    todo.sort(key=lambda s: workbench_key(s).to_json())
    started = time.perf_counter()
    done = 0
    with _results(todo, n_jobs, backend) as results:
        for scenario, row in results:
            _write_atomically(cells / f"{cell_key(scenario)}.json", row)
            done += 1
            if progress is not None:
                progress(done, len(todo), f"{row['seconds']:.2f} s/cell")
    forget_last_workbench()  # cells run here too with n_jobs=1: do not keep its memory
    rows = [
        json.loads((cells / f"{cell_key(s)}.json").read_text(encoding="utf-8")) for s in scenarios
    ]
    table = pd.DataFrame(rows)
    if out.suffix == ".parquet":
        table.to_parquet(out, index=False)
    else:
        table.to_csv(out, index=False)
    return {
        "cells": len(scenarios),
        "computed": len(todo),
        "skipped": len(scenarios) - len(todo),
        "seconds": time.perf_counter() - started,
    }
