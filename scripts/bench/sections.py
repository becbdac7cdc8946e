"""The benchmark's sections, in the order they run and are written.

Each is a module with ``TITLE`` and ``render(result) -> str``, and ``measure(quick) -> dict``,
run in its own subprocess; ``million`` instead measures one size per subprocess
(``measure_size``).
"""

from __future__ import annotations

from scripts.bench import app, browser, concurrency, engine, grid, logistic, million, models

SECTIONS = {
    "engine": engine,
    "app": app,
    "browser": browser,
    "million": million,
    "concurrency": concurrency,
    "models": models,
    "grid": grid,
    "logistic": logistic,
}
QUICK_SECTIONS = ("engine", "app", "browser")
