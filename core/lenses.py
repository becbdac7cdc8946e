"""The privacy lenses: one computation per practice, each a pure function of a Scenario.

Consent and opt-out, k-anonymity, local vs central DP and the membership-inference audit each
vary one control while the Scenario fixes the rest, and return tidy DataFrames (one row per
setting and noise draw) that the pages plot and the tests check.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy.stats import beta

from core.engine import build_workbench, private_draws, references, workbench_for
from core.metrics import membership_attack, membership_guess_bound
from core.scenario import Scenario
from core.schema import CATEGORIES

Progress = Callable[[float, str], None] | None
CONSENT_RATES = (0.0, 0.25, 0.5, 0.75, 1.0)
OPT_OUT_RATES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
K_VALUES = (1, 2, 5, 10, 20, 50, 100)
LENS_EPSILONS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 50.0)


def _tick(progress: Progress, done: int, total: int, message: str) -> None:
    if progress is not None:
        progress(done / total, message)


def _draw_rows(bench, epsilon: float, repeats: int, **labels) -> list[dict]:
    """Accuracy per noise draw at ``epsilon`` plus the ceiling, labelled with ``labels``."""
    refs = references(bench)
    test = bench.data.test
    rows = []
    for draw in private_draws(bench, epsilon, range(repeats)):
        opted_in, opted_out = ~test.opted_out, test.opted_out
        rows.append(
            {
                **labels,
                "epsilon": epsilon,
                "repeat": draw.repeat,
                "accuracy": float(draw.top1.mean()),
                "accuracy_opted_in": float(draw.top1[opted_in].mean()) if opted_in.any() else None,
                "accuracy_opted_out": (
                    float(draw.top1[opted_out].mean()) if opted_out.any() else None
                ),
                "nonprivate_accuracy": refs["nonprivate_accuracy"],
                "popularity_accuracy": refs["popularity_accuracy"],
                "data_collected_share": bench.data.data_collected_share,
            }
        )
    return rows


def consent_sweep(
    scenario: Scenario, rates: Sequence[float] = CONSENT_RATES, progress: Progress = None
) -> pd.DataFrame:
    """Accuracy at the Scenario's ε when one category's consent rate varies (others fixed).

    Returns one row per (category, consent_rate, repeat) with ``accuracy``,
    ``nonprivate_accuracy`` and ``data_collected_share``.
    """
    rows = []
    total = len(CATEGORIES) * len(rates)
    for i, category in enumerate(CATEGORIES):
        for j, rate in enumerate(rates):
            varied = scenario.replace(**{f"consent_{category}": float(rate)})
            bench = workbench_for(varied)
            rows += _draw_rows(
                bench, scenario.epsilon, scenario.repeats, category=category, consent_rate=rate
            )
            _tick(progress, i * len(rates) + j + 1, total, f"{category} at {rate:.0%}")
    return pd.DataFrame(rows)


def opt_out_grid(
    scenario: Scenario,
    epsilons: Sequence[float] = LENS_EPSILONS,
    rates: Sequence[float] = OPT_OUT_RATES,
    repeats: int | None = None,
    progress: Progress = None,
) -> pd.DataFrame:
    """Accuracy over ε x opt-out rate: one row per (opt_out, epsilon, repeat)."""
    repeats = repeats or scenario.repeats
    rows = []
    for i, rate in enumerate(rates):
        bench = workbench_for(scenario.replace(opt_out=float(rate)))
        for epsilon in epsilons:
            rows += _draw_rows(bench, float(epsilon), repeats, opt_out=rate)
        _tick(progress, i + 1, len(rates), f"opt-out {rate:.0%}")
    return pd.DataFrame(rows)


def k_sweep(
    scenario: Scenario, ks: Sequence[int] = K_VALUES, progress: Progress = None
) -> pd.DataFrame:
    """Accuracy and re-identification risk as k grows: one row per (k, repeat)."""
    rows = []
    for i, k in enumerate(ks):
        bench = workbench_for(scenario.replace(k=int(k)))
        anonymisation = bench.data.anonymisation
        for row in _draw_rows(bench, scenario.epsilon, scenario.repeats, k=int(k)):
            row.update(
                share_suppressed=anonymisation.share_suppressed,
                mean_risk=anonymisation.after.mean_risk,
                max_risk=anonymisation.after.max_risk,
                share_unique=anonymisation.after.share_unique,
                generalisation=anonymisation.describe_levels(),
            )
            rows.append(row)
        _tick(progress, i + 1, len(ks), f"k = {k}")
    return pd.DataFrame(rows)


def local_vs_central(
    scenario: Scenario,
    epsilons: Sequence[float] = LENS_EPSILONS,
    repeats: int = 3,
    progress: Progress = None,
) -> pd.DataFrame:
    """The same ε spent centrally (noisy model) or locally (noisy data, plain model).

    Central: local DP off, diffprivlib model at ε. Local: every person randomises their own data
    with ε, and the platform trains the non-private twin on what it received (the model adds
    nothing, so the people's ε is the whole story). Each local repeat re-randomises the data.
    """
    central_bench = workbench_for(scenario.replace(local_epsilon=0.0))
    rows = []
    for i, epsilon in enumerate(epsilons):
        for row in _draw_rows(central_bench, float(epsilon), repeats, mode="central"):
            rows.append(row)
        for repeat in range(repeats):
            local = scenario.replace(local_epsilon=float(epsilon), seed=scenario.seed + repeat)
            refs = references(build_workbench(local.replace(epsilon=1.0, repeats=1)))
            rows.append(
                {
                    "mode": "local",
                    "epsilon": float(epsilon),
                    "repeat": repeat,
                    "accuracy": refs["nonprivate_accuracy"],
                }
            )
        _tick(progress, i + 1, len(epsilons), f"ε = {epsilon:g}")
    return pd.DataFrame(rows)


def clopper_pearson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact binomial confidence interval for a proportion."""
    alpha = 1 - confidence
    low = 0.0 if successes == 0 else float(beta.ppf(alpha / 2, successes, trials - successes + 1))
    high = (
        1.0
        if successes == trials
        else float(beta.ppf(1 - alpha / 2, successes + 1, trials - successes))
    )
    return low, high


def empirical_epsilon(member_scores, non_member_scores, seed: int = 0) -> dict[str, float]:
    """Lower bound on ε implied by an attack's error rates (Jagielski et al. 2020).

    The threshold is chosen on one half of the scores and evaluated on the other half, so the
    95% Clopper-Pearson intervals are honest: ε >= ln(TPR_low / FPR_high) and
    ε >= ln((1 - FPR_high) / (1 - TPR_low)).
    """
    rng = np.random.default_rng(seed)
    members = rng.permutation(np.asarray(member_scores, dtype=float))
    non_members = rng.permutation(np.asarray(non_member_scores, dtype=float))
    m_half, n_half = len(members) // 2, len(non_members) // 2
    choose_m, test_m = members[:m_half], members[m_half:]
    choose_n, test_n = non_members[:n_half], non_members[n_half:]
    thresholds = np.unique(np.quantile(np.r_[choose_m, choose_n], np.linspace(0.01, 0.99, 99)))

    def bound(m_scores, n_scores, t):
        tp, fp = int((m_scores >= t).sum()), int((n_scores >= t).sum())
        tpr_low, _ = clopper_pearson(tp, len(m_scores))
        _, fpr_high = clopper_pearson(fp, len(n_scores))
        candidates = [0.0]
        if tpr_low > 0 and fpr_high > 0:
            candidates.append(math.log(tpr_low / fpr_high))
        if 1 - tpr_low > 0 and 1 - fpr_high > 0:
            candidates.append(math.log((1 - fpr_high) / (1 - tpr_low)))
        return max(candidates)

    best = max(thresholds, key=lambda t: bound(choose_m, choose_n, t))
    return {"epsilon_lower_bound": bound(test_m, test_n, best), "threshold": float(best)}


def attack_audit(
    scenario: Scenario, epsilons: Sequence[float] = LENS_EPSILONS, progress: Progress = None
) -> pd.DataFrame:
    """Membership-inference attack on the private model across ε, and on the non-private twin.

    One row per (epsilon, model): AUC with 95% interval, advantage, the attack's best guess
    accuracy, the empirical ε lower bound and the theoretical cap e^ε/(1+e^ε).
    """
    bench = workbench_for(scenario)
    train, test = bench.data.train, bench.data.test
    members, non_members = bench.attack_members, bench.attack_non_members
    rows = []
    if bench.nonprivate_proba_members is None:
        return pd.DataFrame(rows)
    twin = bench.nonprivate_proba_members
    twin_members = twin["members"][np.arange(len(members)), train.y[members]]
    twin_non = twin["non_members"][np.arange(len(non_members)), test.y[non_members]]
    rows.append(
        {
            "epsilon": math.inf,
            "model": "non-private",
            **membership_attack(twin_members, twin_non),
            **empirical_epsilon(twin_members, twin_non, scenario.seed),
            "theoretical_max_guess": 1.0,
        }
    )
    for i, epsilon in enumerate(epsilons):
        draw = private_draws(bench, float(epsilon), [0], with_attack=True)[0]
        rows.append(
            {
                "epsilon": float(epsilon),
                "model": "private",
                **membership_attack(draw.member_confidence, draw.non_member_confidence),
                **empirical_epsilon(
                    draw.member_confidence, draw.non_member_confidence, scenario.seed
                ),
                "theoretical_max_guess": membership_guess_bound(draw.epsilon_spent),
            }
        )
        _tick(progress, i + 1, len(epsilons), f"ε = {epsilon:g}")
    return pd.DataFrame(rows)
