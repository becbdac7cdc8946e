"""The engine: one Scenario in, one evaluation out, and the views built on it.

Lives here: the evaluation itself (``evaluation``: the workbench, private releases, the
frontier, references, :func:`evaluate`), the lens of each page that looks at a Scenario from one
side (``lenses``, ``persona``), the grid of many Scenarios run in parallel (``grid``) and the
BLAS thread limit it needs (``threads``).

``core.engine``'s public names are the evaluation's, re-exported here so that
``from core.engine import evaluate`` keeps working for pages, scripts and tests.

May import: ``core.setting``, ``core.people``, ``core.privacy``. See docs/architecture.md.
"""

from core.engine.evaluation import (
    ATTACK_SAMPLE,
    POPULARITY_BUDGET_SHARE,
    Draw,
    Workbench,
    budget_split,
    build_workbench,
    evaluate,
    fit_release,
    forget_last_workbench,
    frontier,
    last_workbench,
    measures,
    private_draws,
    references,
    release_popularity,
    releases_model,
    workbench_for,
    workbench_key,
)

__all__ = [
    "ATTACK_SAMPLE",
    "POPULARITY_BUDGET_SHARE",
    "Draw",
    "Workbench",
    "budget_split",
    "build_workbench",
    "evaluate",
    "fit_release",
    "forget_last_workbench",
    "frontier",
    "last_workbench",
    "measures",
    "private_draws",
    "references",
    "release_popularity",
    "releases_model",
    "workbench_for",
    "workbench_key",
]
