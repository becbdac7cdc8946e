"""Section 6, models: for each model, the 15 ε × 10 draws frontier through the engine against a
loop of real person-level diffprivlib fits, alternated in one process."""

from __future__ import annotations

import os

import numpy as np

from scripts.bench import log
from scripts.bench.measuring import repeat, summary
from scripts.bench.tables import fmt_met, fmt_seconds, markdown_table, niceness_note

TITLE = "6. Every model's frontier: fast path against real fits, side by side"


def measure(quick: bool) -> dict:
    from diffprivlib.accountant import BudgetAccountant

    from core import engine
    from core.engine.threads import blas_threads, limit_blas_threads
    from core.privacy.controls import integer_seed
    from core.privacy.metrics import top_k_hits
    from core.privacy.models import fit_private
    from core.setting.scenario import Scenario

    limit_blas_threads()  # as the server, the CLI and the grid workers run
    epsilons = np.logspace(-2, 2, 15)
    repeats = 10
    rounds = 1 if quick else 2
    result = {"threads": blas_threads(), "models": {}, "niceness": os.nice(0)}
    for model in ("gaussian_nb", "random_forest", "logistic_regression"):
        bench = engine.workbench_for(Scenario(model=model))
        train, test = bench.data.train, bench.data.test

        def naive(count: int, bench=bench, train=train, test=test, model=model) -> None:
            """``count`` real person-level diffprivlib fits per ε, scored like the engine."""
            for epsilon in epsilons:
                for draw in range(count):
                    recommender = fit_private(
                        model,
                        train.X,
                        train.y,
                        epsilon=float(epsilon),
                        schema=bench.schema,
                        random_state=integer_seed(7, draw, int(epsilon * 1e6)),
                        accountant=BudgetAccountant(),
                        keys=train.key,
                    )
                    scores = recommender.score(test.X, test.observed)
                    top_k_hits(scores, test.y, 1), top_k_hits(scores, test.y, 3)

        engine.frontier(bench, epsilons[:2], 2)  # warm-up
        fast, slow = [], []
        naive_count = 2 if quick else repeats
        for round_ in range(rounds):
            log(f"models: {model}, round {round_ + 1}/{rounds}")
            fast += repeat(lambda b=bench: engine.frontier(b, epsilons, repeats), 3)
            slow += repeat(lambda n=naive_count: naive(n), 1)
        scale = repeats / naive_count  # a quick run extrapolates the loop per draw
        result["models"][model] = {
            "fast": summary(fast),
            "naive": summary([t * scale for t in slow]),
            "extrapolated": naive_count != repeats,
        }
    return result


def render(result: dict) -> str:
    labels = {
        "gaussian_nb": ("GaussianNB", 20.0),
        "random_forest": ("Random forest", 10.0),
        # Its target is against a plain scikit-learn fit (section 9), not against this loop.
        "logistic_regression": ("Logistic regression", None),
    }
    body = []
    for model, (label, target) in labels.items():
        r = result["models"].get(model)
        if r is None or "fast" not in r:
            continue
        ratio = r["naive"]["median"] / r["fast"]["median"]
        body.append(
            [
                label,
                f"{fmt_seconds(r['fast']['median'])} (p95 {fmt_seconds(r['fast']['p95'])}, "
                f"{r['fast']['n']} runs)",
                f"{fmt_seconds(r['naive']['median'])} ({r['naive']['n']} runs"
                + (", extrapolated" if r["extrapolated"] else "")
                + ")",
                f"{fmt_seconds(r['fast']['median'] / 150)} / "
                f"{fmt_seconds(r['naive']['median'] / 150)}",
                f"{ratio:.0f}×",
                "section 9" if target is None else f"≥ {target:.0f}×",
                "—" if target is None else fmt_met(ratio >= target),
            ]
        )
    threads = ", ".join(f"{n} thr." for n in sorted(set(result["threads"].values())))
    intro = (
        "Default Scenario (40,000 profiles) with each model; one BLAS thread per process "
        f"({threads}), as the app runs. Fast: `engine.frontier(bench, 15 ε, 10)`, the path "
        "the app takes (every draw's accuracy, hit@3 and group accuracies). Naive: a loop of "
        "real person-level fits (`core.privacy.models.fit_private`: diffprivlib's trees, "
        "GaussianNB or LogisticRegression) scored on the same test people; the two alternate in "
        "one process." + niceness_note(result)
    )
    table = markdown_table(
        [
            "model",
            "fast frontier 15 ε × 10",
            "naive loop 15 ε × 10",
            "per draw: fast / naive",
            "speed-up",
            "target",
            "met",
        ],
        body,
    )
    return "\n\n".join([intro, table])
