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

from core.engine import Workbench, build_workbench, private_draws, references, workbench_for
from core.people.anonymity import HIDDEN
from core.people.dataset import Dataset, builtin
from core.people.population import Population
from core.privacy.guarantee import person_auc_bound, person_epsilon, person_guess_bound
from core.privacy.metrics import membership_attack
from core.setting.scenario import Scenario
from core.setting.schema import CATEGORIES

Progress = Callable[[float, str], None] | None
CONSENT_RATES = (0.0, 0.25, 0.5, 0.75, 1.0)
OPT_OUT_RATES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
K_VALUES = (1, 2, 5, 10, 20, 50, 100)
LENS_EPSILONS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 50.0)
# Noise draws per ε on the local-vs-central curves: each local draw re-randomises every person's
# record and rebuilds the data, so the curves average fewer draws than Explore; the user's own ε
# is computed with the Scenario's repeats, as on Explore.
LENS_REPEATS = 3


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


def consent_point(
    scenario: Scenario,
    category: str,
    rate: float,
    dataset: Dataset | None = None,
    *,
    population: Population | None = None,
) -> pd.DataFrame:
    """Draws at the Scenario's ε with ``category``'s consent rate set to ``rate``."""
    varied = scenario.replace(**{f"consent_{category}": float(rate)})
    bench = workbench_for(varied, population, dataset=dataset)
    return pd.DataFrame(
        _draw_rows(bench, scenario.epsilon, scenario.repeats, category=category, consent_rate=rate)
    )


def consent_sweep(
    scenario: Scenario,
    rates: Sequence[float] = CONSENT_RATES,
    progress: Progress = None,
    dataset: Dataset | None = None,
) -> pd.DataFrame:
    """Accuracy at the Scenario's ε when one category's consent rate varies (others fixed).

    Returns one row per (category, consent_rate, repeat) with ``accuracy``,
    ``nonprivate_accuracy`` and ``data_collected_share``.
    """
    items = [(c, r) for c in CATEGORIES for r in rates]
    parts = []
    for i, (category, rate) in enumerate(items):
        parts.append(consent_point(scenario, category, rate, dataset))
        _tick(progress, i + 1, len(items), f"{category} at {rate:.0%}")
    return pd.concat(parts, ignore_index=True)


def opt_out_row(
    scenario: Scenario,
    rate: float,
    epsilons: Sequence[float] = LENS_EPSILONS,
    repeats: int = 3,
    dataset: Dataset | None = None,
    *,
    population: Population | None = None,
) -> pd.DataFrame:
    """Draws over ``epsilons`` with the opt-out rate set to ``rate``."""
    bench = workbench_for(scenario.replace(opt_out=float(rate)), population, dataset=dataset)
    rows = []
    for epsilon in epsilons:
        rows += _draw_rows(bench, float(epsilon), repeats, opt_out=rate)
    return pd.DataFrame(rows)


def opt_out_grid(
    scenario: Scenario,
    epsilons: Sequence[float] = LENS_EPSILONS,
    rates: Sequence[float] = OPT_OUT_RATES,
    repeats: int = 3,
    progress: Progress = None,
    dataset: Dataset | None = None,
) -> pd.DataFrame:
    """Accuracy over ε x opt-out rate: one row per (opt_out, epsilon, repeat)."""
    parts = []
    for i, rate in enumerate(rates):
        parts.append(opt_out_row(scenario, rate, epsilons, repeats, dataset))
        _tick(progress, i + 1, len(rates), f"opt-out {rate:.0%}")
    return pd.concat(parts, ignore_index=True)


def k_point(
    scenario: Scenario,
    k: int,
    dataset: Dataset | None = None,
    *,
    population: Population | None = None,
) -> pd.DataFrame:
    """Draws at the Scenario's ε with k-anonymity ``k``, plus the re-identification risk."""
    bench = workbench_for(scenario.replace(k=int(k)), population, dataset=dataset)
    anonymisation = bench.data.anonymisation
    rows = _draw_rows(bench, scenario.epsilon, scenario.repeats, k=int(k))
    for row in rows:
        row.update(
            share_suppressed=anonymisation.share_suppressed,
            mean_risk=anonymisation.after.mean_risk,
            max_risk=anonymisation.after.max_risk,
            share_unique=anonymisation.after.share_unique,
            share_below_k_before=anonymisation.before.share_below_k,
            generalisation=anonymisation.describe_levels(),
        )
    return pd.DataFrame(rows)


def k_sweep(
    scenario: Scenario,
    ks: Sequence[int] = K_VALUES,
    progress: Progress = None,
    dataset: Dataset | None = None,
) -> pd.DataFrame:
    """Accuracy and re-identification risk as k grows: one row per (k, repeat)."""
    parts = []
    for i, k in enumerate(ks):
        parts.append(k_point(scenario, k, dataset))
        _tick(progress, i + 1, len(ks), f"k = {k}")
    return pd.concat(parts, ignore_index=True)


def local_central_point(
    scenario: Scenario,
    epsilon: float,
    repeats: int = LENS_REPEATS,
    dataset: Dataset | None = None,
    *,
    population: Population | None = None,
    central: Workbench | None = None,
) -> pd.DataFrame:
    """The same ε spent centrally (noisy model) or locally (noisy data, plain model).

    ``central``: the Workbench of the Scenario with local DP off, when the caller has it.

    Central: local DP off, diffprivlib model at ε. Local: every person randomises their whole
    record (features and label) with ε, and the platform trains a plain model on the reports (the
    model adds nothing, so the people's ε is the whole story); opted-out people get a popular-items
    list estimated from the same reports. Each local repeat re-randomises the data.
    """
    dataset = dataset or builtin()
    population = population or dataset.population_for(scenario)
    central_bench = central or workbench_for(
        scenario.replace(local_epsilon=0.0), population, dataset=dataset
    )
    rows = _draw_rows(central_bench, float(epsilon), repeats, mode="central")
    local = scenario.replace(local_epsilon=float(epsilon), epsilon=1.0, repeats=1)
    for repeat in range(repeats):
        # Same people, same split; only the noise each person adds is drawn anew. The ceiling
        # (the twin on the data as collected, no noise) is the central Workbench's.
        bench = build_workbench(
            local,
            population,
            local_noise_draw=repeat,
            dataset=dataset,
            ceiling=central_bench.nonprivate_model,
        )
        refs = references(bench)
        rows.append(
            {
                "mode": "local",
                "epsilon": float(epsilon),
                "repeat": repeat,
                "accuracy": refs["local_plain_accuracy"],
                "nonprivate_accuracy": refs["nonprivate_accuracy"],
                "popularity_accuracy": refs["popularity_accuracy"],
                "data_collected_share": bench.data.data_collected_share,
            }
        )
    return pd.DataFrame(rows)


def local_vs_central(
    scenario: Scenario,
    epsilons: Sequence[float] = LENS_EPSILONS,
    repeats: int = LENS_REPEATS,
    progress: Progress = None,
    dataset: Dataset | None = None,
) -> pd.DataFrame:
    """:func:`local_central_point` over ``epsilons``."""
    parts = []
    for i, epsilon in enumerate(epsilons):
        parts.append(local_central_point(scenario, epsilon, repeats, dataset))
        _tick(progress, i + 1, len(epsilons), f"ε = {epsilon:g}")
    return pd.concat(parts, ignore_index=True)


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
    """A heuristic ε estimate from a membership attack's error rates on one trained model.

    It applies the audit formula of Jagielski et al. 2020 (threshold chosen on one half of the
    scores, Clopper-Pearson on the other: ε >= ln(TPR_low / FPR_high) and
    ε >= ln((1 - FPR_high) / (1 - TPR_low))), but its trials are different people scored by one
    model, not independent releases on neighbouring data sets, so it is not a bound on ε. The
    valid audit is :mod:`core.privacy.audit`.
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


def attack_rows(bench: Workbench, epsilons: Sequence[float]) -> pd.DataFrame:
    """Membership-inference attack on the private model at each ε (one draw each)."""
    rows = []
    if len(bench.attack_members) == 0 or len(bench.attack_non_members) == 0:
        return pd.DataFrame(rows)
    for epsilon in epsilons:
        draw = private_draws(bench, float(epsilon), [0], with_attack=True)[0]
        rows.append(
            {
                "epsilon": float(epsilon),
                "model": "private",
                **membership_attack(draw.member_confidence, draw.non_member_confidence),
                **empirical_epsilon(
                    draw.member_confidence, draw.non_member_confidence, bench.scenario.seed
                ),
                # Per person (k·ε under k-anonymity), the cap every page states.
                "person_epsilon": person_epsilon(bench.scenario.k, draw.epsilon_spent),
                "theoretical_max_guess": person_guess_bound(bench.scenario.k, draw.epsilon_spent),
                "theoretical_max_auc": person_auc_bound(bench.scenario.k, draw.epsilon_spent),
            }
        )
    return pd.DataFrame(rows)


def nonprivate_attack_row(bench: Workbench) -> pd.DataFrame:
    """The same attack on the non-private twin."""
    if bench.nonprivate_proba_members is None or len(bench.attack_non_members) == 0:
        return pd.DataFrame([])
    train, test = bench.data.train, bench.data.test
    members, non_members = bench.attack_members, bench.attack_non_members
    twin = bench.nonprivate_proba_members
    twin_members = twin["members"][np.arange(len(members)), train.y[members]]
    twin_non = twin["non_members"][np.arange(len(non_members)), test.y[non_members]]
    return pd.DataFrame(
        [
            {
                "epsilon": math.inf,
                "model": "non-private",
                **membership_attack(twin_members, twin_non),
                **empirical_epsilon(twin_members, twin_non, bench.scenario.seed),
                "theoretical_max_guess": 1.0,
                "theoretical_max_auc": 1.0,
            }
        ]
    )


def attack_audit(
    scenario: Scenario,
    epsilons: Sequence[float] = LENS_EPSILONS,
    progress: Progress = None,
    dataset: Dataset | None = None,
) -> pd.DataFrame:
    """Membership-inference attack on the private model across ε, and on the non-private twin.

    One row per (epsilon, model): AUC with 95% interval, advantage, the attack's best guess
    accuracy, the heuristic ε estimate (``epsilon_lower_bound``, not a bound: see
    :func:`empirical_epsilon`) and the theoretical cap e^ε/(1+e^ε).
    """
    bench = workbench_for(scenario, dataset=dataset)
    parts = [nonprivate_attack_row(bench)]
    for i, epsilon in enumerate(epsilons):
        parts.append(attack_rows(bench, [epsilon]))
        _tick(progress, i + 1, len(epsilons), f"ε = {epsilon:g}")
    return pd.concat(parts, ignore_index=True)


def homogeneity_example(bench: Workbench) -> dict | None:
    """The k-anonymous group whose members most often share the same next purchase category.

    k-anonymity hides who is who inside a group, but if (almost) everyone in the group shares a
    sensitive value, knowing someone is in the group reveals it anyway (homogeneity attack).
    """
    result = bench.data.anonymisation
    if not result.features:
        return None
    # Records whose quasi-identifiers are all hidden (not collected, suppressed) are no group.
    all_hidden = np.all([codes == HIDDEN for codes in result.codes], axis=0)
    keep = ~result.suppressed & ~all_hidden
    names = [f"qi_{i}" for i in range(len(result.codes))]
    frame = pd.DataFrame({name: code[keep] for name, code in zip(names, result.codes, strict=True)})
    frame["label"] = bench.data.labels[keep]
    groups = frame.groupby(names)["label"]
    size = groups.size()
    top_share = groups.agg(lambda labels: labels.value_counts(normalize=True).iloc[0])
    candidates = top_share[size >= max(result.k, 5)]
    if candidates.empty:
        return None
    best = candidates.idxmax()
    best = best if isinstance(best, tuple) else (best,)
    members = groups.get_group(best)
    dominant = int(members.value_counts().idxmax())
    return {
        "description": result.describe_class(tuple(best)),
        "size": int(len(members)),
        "category": bench.schema.class_label(dominant),
        "share": float(candidates.max()),
        "base_rate": float(np.mean(bench.data.labels == dominant)),
    }
