"""Run the privacy audit on the real release and on the broken references; print the figures.

Every row is :func:`core.privacy.audit.audit_nb` (or :func:`core.privacy.audit.audit_fitted_model`,
:func:`core.privacy.audit.audit_workbench`) with fixed seeds, so the table in docs/audit.md can be
regenerated:

    python scripts/audit_report.py                 # markdown tables
    python scripts/audit_report.py --json          # one JSON object per row
    python scripts/audit_report.py --quick         # fewer trials and seeds (a smoke run)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.engine import budget_split, workbench_for  # noqa: E402
from core.privacy.audit import (  # noqa: E402
    absent_class_release,
    audit_fitted_model,
    audit_nb,
    audit_workbench,
    double_epsilon_release,
    exact_n_release,
    nb_release,
    seed_range_words,
    worst_case_pair,
)
from core.setting.scenario import Scenario  # noqa: E402


def _nb_rows(trials: int, seeds: list[int]) -> list[dict]:
    pair = worst_case_pair(members_per_class=1, n_columns=1).nb_pair()
    absent = worst_case_pair(members_per_class=1, n_columns=1, canary_class_members=0).nb_pair()
    variants = [
        ("real release", 0.5, pair, nb_release(0.5)),
        ("real release", 1.0, pair, nb_release(1.0)),
        ("real release", 2.0, pair, nb_release(2.0)),
        ("real release, canary's class otherwise empty", 1.0, absent, nb_release(1.0)),
        ("BROKEN: exact n (counts forced to n)", 1.0, pair, exact_n_release(1.0)),
        ("BROKEN: noise at 2ε", 1.0, pair, double_epsilon_release(1.0)),
        ("BROKEN: noise at 3ε", 1.0, pair, double_epsilon_release(1.0, 3.0)),
        ("BROKEN: absent class released exactly", 1.0, absent, absent_class_release(1.0)),
    ]
    rows = []
    for name, epsilon, (without, with_), release in variants:
        bounds, started, first = [], time.perf_counter(), None
        for seed in seeds:
            result = audit_nb(
                without, with_, epsilon, release=release, trials_per_side=trials, seed=seed
            )
            first = first or result
            bounds.append(result.epsilon_lower_bound)
        rows.append(
            {
                "variant": name,
                "claimed_epsilon": epsilon,
                "trials_per_side": trials,
                "seeds": seeds,
                "epsilon_lower_bounds": bounds,
                "power_limit": first.power_limit,
                "first_seed_score": first.score,
                "first_seed_tpr": first.true_positive_rate,
                "first_seed_fpr": first.false_positive_rate,
                "seconds_per_audit": (time.perf_counter() - started) / len(seeds),
            }
        )
        print(f"  {name} at ε = {epsilon}: {[round(b, 2) for b in bounds]}", file=sys.stderr)
    return rows


def _empty_class_scenario() -> Scenario:
    return Scenario(profiles=1_000, opt_out=0.98, seed=1)


def _other_rows(nb_trials: int, slow_trials: int) -> list[dict]:
    rows = []
    started = time.perf_counter()
    bench = workbench_for(Scenario())
    build = time.perf_counter() - started
    started = time.perf_counter()
    result = audit_workbench(bench, 1.0, nb_trials_per_side=nb_trials, seed=42)
    rows.append(
        {
            "variant": "default Scenario (40,000 profiles, GaussianNB), canary added",
            **result.to_dict(),
            "seconds_per_audit": time.perf_counter() - started,
            "workbench_seconds": build,
        }
    )
    # The app's own data with the broken references: exact n on the default people, and a
    # class with no trainee (1,000 profiles, 98% opt-out, seed 1) released exactly.
    for name, scenario, release in (
        ("default Scenario at 2,000 profiles, BROKEN: exact n", Scenario(profiles=2_000), None),
        ("1,000 profiles, 98% opt-out, seed 1 (empty classes)", _empty_class_scenario(), None),
        (
            "1,000 profiles, 98% opt-out, seed 1, BROKEN: absent class exact",
            _empty_class_scenario(),
            absent_class_release,
        ),
    ):
        release = release or (exact_n_release if "exact n" in name else nb_release)
        model_epsilon, _ = budget_split(scenario, scenario.epsilon)
        started = time.perf_counter()
        result = audit_workbench(
            workbench_for(scenario),
            model_epsilon,
            nb_trials_per_side=min(nb_trials, 1_000),
            seed=scenario.seed,
            release=release,
        )
        rows.append(
            {
                "variant": name,
                **result.to_dict(),
                "seconds_per_audit": time.perf_counter() - started,
            }
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # scipy's L-BFGS-B option notice
        for model in ("logistic_regression", "random_forest"):
            started = time.perf_counter()
            result = audit_fitted_model(model, 1.0, trials_per_side=slow_trials, seed=0)
            rows.append(
                {
                    "variant": f"{model}, tiny data",
                    **result.to_dict(),
                    "seconds_per_audit": time.perf_counter() - started,
                }
            )
            print(f"  {model}: {result.epsilon_lower_bound:.2f}", file=sys.stderr)
    return rows


def _markdown(nb_rows: list[dict], other_rows: list[dict]) -> str:
    lines = [
        "| release | claimed ε | ε_lb, seed 0 | lowest–highest ε_lb of separate audits "
        "| runs a side | power limit "
        "| score chosen (seed 0) | TPR / FPR (seed 0) | s per audit |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in nb_rows:
        bounds = row["epsilon_lower_bounds"]
        lines.append(
            f"| {row['variant']} | {row['claimed_epsilon']:g} | {bounds[0]:.2f} "
            f"| {min(bounds):.2f}–{max(bounds):.2f} (seeds {row['seeds'][0]}–{row['seeds'][-1]}) "
            f"| {row['trials_per_side']:,} | {row['power_limit']:.2f} | {row['first_seed_score']} "
            f"| {row['first_seed_tpr']:.3f} / {row['first_seed_fpr']:.4f} "
            f"| {row['seconds_per_audit']:.1f} |"
        )
    if nb_rows:
        row = nb_rows[0]
        lines += [
            "",
            "Reading the range: " + seed_range_words(row["epsilon_lower_bounds"], row["seeds"]),
        ]
    lines += [
        "",
        "| audit | claimed ε | ε_lb | runs a side | power limit | TPR / FPR | s |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in other_rows:
        lines.append(
            f"| {row['variant']} | {row['claimed_epsilon']:g} | {row['epsilon_lower_bound']:.2f} "
            f"| {row['trials_per_side']:,} | {row['power_limit']:.2f} "
            f"| {row['true_positive_rate']:.3f} / {row['false_positive_rate']:.3f} "
            f"| {row['seconds_per_audit']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON rows instead of tables")
    parser.add_argument("--quick", action="store_true", help="fewer trials and seeds")
    args = parser.parse_args()
    trials, seeds = (4_000, [0, 1]) if args.quick else (40_000, [0, 1, 2, 3, 4])
    nb_rows = _nb_rows(trials, seeds)
    other_rows = _other_rows(1_000 if args.quick else 4_000, 20 if args.quick else 200)
    if args.json:
        for row in nb_rows + other_rows:
            print(json.dumps(row))
    else:
        print(_markdown(nb_rows, other_rows))


if __name__ == "__main__":
    main()
