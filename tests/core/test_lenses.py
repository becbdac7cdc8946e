"""The privacy lenses: table shapes, monotone trends, risk bounds and the membership audit.

The lenses run on 4,000 people with 3 noise draws (seed 42); every statistical margin below was
measured first on seed 42 and on other seeds, and the tolerance is stated next to it.
"""

import math
from collections import Counter, defaultdict

import numpy as np
import pytest
from scipy.stats import binomtest

from core.engine import evaluate, workbench_for
from core.engine.lenses import (
    CONSENT_RATES,
    K_VALUES,
    LENS_EPSILONS,
    OPT_OUT_RATES,
    attack_audit,
    clopper_pearson,
    consent_sweep,
    empirical_epsilon,
    homogeneity_example,
    k_sweep,
    local_vs_central,
    opt_out_grid,
)
from core.people.anonymity import HIDDEN, MAX_SUPPRESSION
from core.privacy.metrics import membership_auc_bound, membership_guess_bound
from core.setting.scenario import Scenario
from core.setting.schema import CATEGORIES

SCENARIO = Scenario(profiles=4_000, repeats=3, seed=42)
REPEATS = 3


def _cap(epsilon: float) -> float:
    """e^ε / (1 + e^ε), written so that ε = inf gives 1."""
    return 1.0 / (1.0 + math.exp(-epsilon))


@pytest.fixture(scope="module")
def consent():
    """consent_sweep of SCENARIO, and the progress fractions it reported."""
    fractions = []
    table = consent_sweep(SCENARIO, progress=lambda fraction, _: fractions.append(fraction))
    return table, fractions


@pytest.fixture(scope="module")
def grid():
    return opt_out_grid(SCENARIO, repeats=REPEATS)


@pytest.fixture(scope="module")
def anonymity():
    return k_sweep(SCENARIO)


@pytest.fixture(scope="module")
def local_central():
    return local_vs_central(SCENARIO, repeats=REPEATS)


@pytest.fixture(scope="module")
def audit():
    return attack_audit(SCENARIO)


# -- consent ------------------------------------------------------------------------------------


def test_consent_sweep_has_one_row_per_category_rate_and_repeat(consent):
    """consent_sweep returns exactly one row per (category, consent_rate, repeat)."""
    table, fractions = consent
    assert len(table) == len(CATEGORIES) * len(CONSENT_RATES) * SCENARIO.repeats
    counts = table.groupby(["category", "consent_rate", "repeat"]).size()
    assert (counts == 1).all()
    assert set(table["category"]) == set(CATEGORIES)
    assert sorted(table["consent_rate"].unique()) == list(CONSENT_RATES)
    assert fractions == pytest.approx(
        [(i + 1) / (len(CATEGORIES) * len(CONSENT_RATES)) for i in range(len(fractions))]
    )
    assert fractions[-1] == pytest.approx(1.0)


@pytest.mark.parametrize("category", CATEGORIES)
def test_data_collected_share_follows_the_consent_rate(consent, category):
    """With the other categories at 1 and no opt-out, the collected share is (3 + rate) / 4
    (±0.03) and grows strictly with the rate."""
    table, _ = consent
    rows = table[table["category"] == category]
    share = rows.groupby("consent_rate")["data_collected_share"].agg(["min", "max"])
    # The share is a property of the data, not of the noise draw.
    assert (share["min"] == share["max"]).all()
    expected = (len(CATEGORIES) - 1 + share.index.to_numpy()) / len(CATEGORIES)
    np.testing.assert_allclose(share["min"].to_numpy(), expected, atol=0.03)
    assert np.all(np.diff(share["min"].to_numpy()) > 0)
    assert share.loc[0.0, "min"] == pytest.approx(0.75, abs=0.03)
    assert share.loc[1.0, "min"] == 1.0


def test_browsing_consent_raises_the_nonprivate_ceiling(consent):
    """The non-private twin is at least 0.03 better with everyone's browsing than with nobody's.

    Seed 42 measured 0.560 vs 0.493 (gap 0.067); seeds 1-3 gave gaps 0.071, 0.075 and 0.100.
    """
    table, _ = consent
    browsing = table[table["category"] == "browsing"]
    ceiling = browsing.groupby("consent_rate")["nonprivate_accuracy"].mean()
    assert ceiling[1.0] > ceiling[0.0] + 0.03


# -- opt-out ------------------------------------------------------------------------------------


def test_opt_out_grid_has_one_row_per_rate_epsilon_and_repeat(grid):
    """opt_out_grid returns rates x epsilons x repeats rows, one per combination."""
    assert len(grid) == len(OPT_OUT_RATES) * len(LENS_EPSILONS) * REPEATS
    assert (grid.groupby(["opt_out", "epsilon", "repeat"]).size() == 1).all()
    assert sorted(grid["opt_out"].unique()) == list(OPT_OUT_RATES)
    assert sorted(grid["epsilon"].unique()) == list(LENS_EPSILONS)
    assert grid["accuracy"].between(0, 1).all()


def test_everyone_opting_out_gets_the_popularity_floor(grid):
    """At opt-out 1 the ceiling is the floor, and from ε = 0.5 on every draw equals it (±0.03).

    Below ε = 0.5 the DP popularity list may rank another category first: over seeds 0-7 and 42
    this moved accuracy by up to 0.116 at ε = 0.01 and 0.045 at ε = 0.05 (seed 42 itself).
    """
    everyone = grid[grid["opt_out"] == 1.0]
    assert (everyone["nonprivate_accuracy"] == everyone["popularity_accuracy"]).all()
    assert everyone["accuracy_opted_in"].isna().all()
    settled = everyone[everyone["epsilon"] >= 0.5]
    np.testing.assert_allclose(settled["accuracy"], settled["popularity_accuracy"], atol=0.03)


def test_opting_out_costs_accuracy_at_large_epsilon(grid):
    """At ε = 50, mean accuracy with nobody opted out beats 80% opted out by more than 0.15.

    Seed 42 measured 0.521 vs 0.242 (gap 0.28); seeds 0-5 gave gaps of at least 0.23.
    """
    mean = grid.groupby(["opt_out", "epsilon"])["accuracy"].mean()
    assert mean[0.0, 50.0] > mean[0.8, 50.0] + 0.15


# -- k-anonymity --------------------------------------------------------------------------------


def test_k_sweep_has_one_row_per_k_and_repeat(anonymity):
    """k_sweep returns one row per (k, repeat) with the risk columns filled in."""
    assert len(anonymity) == len(K_VALUES) * SCENARIO.repeats
    assert sorted(anonymity["k"].unique()) == list(K_VALUES)
    for column in ("share_suppressed", "mean_risk", "max_risk", "share_unique", "generalisation"):
        assert anonymity[column].notna().all(), column


def test_k_sweep_risk_is_bounded_by_one_over_k(anonymity):
    """After anonymisation no kept record is re-identifiable with probability above 1/k, and at
    most MAX_SUPPRESSION of the records were suppressed."""
    per_k = anonymity.groupby("k").first()
    for k, row in per_k.iterrows():
        assert row["max_risk"] <= 1.0 / k + 1e-12, k
        assert row["mean_risk"] <= row["max_risk"] + 1e-12, k
        assert 0.0 <= row["share_suppressed"] <= MAX_SUPPRESSION, k
    assert per_k.loc[1, "share_suppressed"] == 0.0


def test_k_sweep_mean_risk_does_not_grow_with_k(anonymity):
    """Mean re-identification risk is non-increasing in k (tolerance 1e-9)."""
    mean_risk = anonymity.groupby("k")["mean_risk"].first().loc[list(K_VALUES)].to_numpy()
    assert np.all(np.diff(mean_risk) <= 1e-9), mean_risk


# -- local vs central ---------------------------------------------------------------------------


def test_local_vs_central_has_both_modes_for_every_epsilon(local_central):
    """Every ε has REPEATS central rows and REPEATS local rows."""
    counts = local_central.groupby(["epsilon", "mode"]).size()
    for epsilon in LENS_EPSILONS:
        assert counts[epsilon, "central"] == REPEATS
        assert counts[epsilon, "local"] == REPEATS
    assert local_central["accuracy"].between(0, 1).all()


@pytest.mark.parametrize("epsilon", [10.0, 50.0])
def test_central_dp_beats_local_dp_at_large_epsilon(local_central, epsilon):
    """At ε = 10 and 50, central mean accuracy exceeds local by more than 0.1.

    Seed 42 measured gaps 0.22 (ε = 10) and 0.29 (ε = 50); seeds 0-5 at least 0.15 and 0.21.
    At ε = 1 the gap is small (0.007-0.054 over those seeds), so it is not asserted.
    """
    mean = local_central.groupby(["mode", "epsilon"])["accuracy"].mean()
    assert mean["central", epsilon] > mean["local", epsilon] + 0.1


def test_local_dp_stays_near_the_floor_up_to_epsilon_10(local_central):
    """Spread over the whole record, label included, a local ε <= 10 personalises nothing: the
    plain model on the reports stays at or below the exact popular-items list (+0.02).

    Seed 42 measured 0.07 below the floor at ε <= 1 and 0.008 below at ε = 10.
    """
    floor = local_central["popularity_accuracy"].dropna().iloc[0]
    local = local_central[local_central["mode"] == "local"]
    mean = local.groupby("epsilon")["accuracy"].mean()
    assert (mean[mean.index <= 10.0] - floor).max() < 0.02


def test_local_vs_central_accepts_the_largest_seed():
    """A valid Scenario with the largest allowed seed can be compared local vs central."""
    scenario = Scenario(profiles=1_000, repeats=2, seed=2**31 - 1)
    table = local_vs_central(scenario, epsilons=(1.0,), repeats=2)
    assert set(table["mode"]) == {"central", "local"}


# -- Clopper-Pearson and the empirical ε --------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "trials"), [(0, 1), (1, 1), (0, 10), (3, 10), (10, 10), (57, 200), (0, 500)]
)
def test_clopper_pearson_matches_scipy(successes, trials):
    """clopper_pearson equals scipy's exact binomial interval, including k = 0 and k = n."""
    expected = binomtest(successes, trials).proportion_ci(confidence_level=0.95, method="exact")
    low, high = clopper_pearson(successes, trials)
    assert low == pytest.approx(expected.low, rel=1e-9, abs=1e-12)
    assert high == pytest.approx(expected.high, rel=1e-9, abs=1e-12)


def test_empirical_epsilon_is_small_for_identical_distributions():
    """Members and non-members from the same sampler (2,000 each, seed 0): bound <= 0.3.

    Seeds 0-4 all measured 0.0.
    """
    rng = np.random.default_rng(0)
    result = empirical_epsilon(rng.random(2_000), rng.random(2_000), seed=0)
    assert 0.0 <= result["epsilon_lower_bound"] <= 0.3


def test_empirical_epsilon_is_large_for_separated_distributions():
    """Members ~ U(0.5, 1), non-members ~ U(0, 0.5) (2,000 each, seed 0): bound > 3.

    Seeds 0-4 measured 5.60 (the Clopper-Pearson limit for 1,000 held-out scores per side).
    """
    rng = np.random.default_rng(0)
    members, non_members = rng.uniform(0.5, 1.0, 2_000), rng.uniform(0.0, 0.5, 2_000)
    result = empirical_epsilon(members, non_members, seed=0)
    assert result["epsilon_lower_bound"] > 3.0
    assert 0.45 <= result["threshold"] <= 0.55


@pytest.mark.parametrize(
    "scores",
    [
        lambda rng: (rng.random(500), rng.random(500)),
        lambda rng: (rng.uniform(0.0, 0.5, 500), rng.uniform(0.5, 1.0, 500)),
        lambda rng: (np.ones(500), np.ones(500)),
        lambda rng: (rng.normal(0.2, 1.0, 300), rng.normal(0.0, 1.0, 700)),
    ],
    ids=["same", "reversed", "constant", "shifted-normal"],
)
def test_empirical_epsilon_is_never_negative(scores):
    """The empirical ε lower bound is >= 0 and finite, whatever the scores."""
    members, non_members = scores(np.random.default_rng(3))
    bound = empirical_epsilon(members, non_members, seed=3)["epsilon_lower_bound"]
    assert 0.0 <= bound < math.inf


# -- membership-inference audit -----------------------------------------------------------------


def test_attack_audit_has_the_twin_and_one_row_per_epsilon(audit):
    """attack_audit returns one non-private row (ε = inf) and one private row per ε."""
    assert (audit["model"] == "non-private").sum() == 1
    assert math.isinf(audit.loc[audit["model"] == "non-private", "epsilon"].iloc[0])
    private = audit[audit["model"] == "private"]
    assert sorted(private["epsilon"]) == list(LENS_EPSILONS)


def test_attack_audit_aucs_and_intervals_are_consistent(audit):
    """Every AUC is in [0, 1] and inside its own 95% interval; sample sizes are positive."""
    assert audit["auc"].between(0, 1).all()
    assert (audit["auc_low"] <= audit["auc"]).all()
    assert (audit["auc"] <= audit["auc_high"]).all()
    assert audit["auc_low"].between(0, 1).all() and audit["auc_high"].between(0, 1).all()
    assert (audit["n_members"] > 0).all() and (audit["n_non_members"] > 0).all()


def test_attack_audit_caps_are_the_dp_bound(audit):
    """theoretical_max_auc and theoretical_max_guess are e^ε/(1+e^ε) in every row (to 1e-9)."""
    for _, row in audit.iterrows():
        assert row["theoretical_max_auc"] == pytest.approx(_cap(row["epsilon"]), abs=1e-9)
        assert row["theoretical_max_guess"] == pytest.approx(_cap(row["epsilon"]), abs=1e-9)


def test_attack_audit_respects_the_dp_cap(audit):
    """On private rows the 95% empirical ε lower bound is at most ε + 0.5, and the AUC interval
    starts below the cap (95% bounds: with 8 rows a lone miss is possible but was not seen;
    seed 42 measured bounds of 0.0 and AUCs of 0.49-0.50)."""
    private = audit[audit["model"] == "private"]
    assert (private["epsilon_lower_bound"] >= 0).all()
    assert (private["epsilon_lower_bound"] <= private["epsilon"] + 0.5).all()
    assert (private["auc_low"] <= private["theoretical_max_auc"]).all()


@pytest.mark.parametrize("seed", [4, 6])
def test_audit_and_evaluate_survive_almost_everyone_opting_out(seed):
    """opt_out = 0.99 on 1,000 people: attack_audit and evaluate run (seed 6 leaves no opted-in
    test person, so the audit is empty; seed 4 leaves exactly one)."""
    scenario = Scenario(opt_out=0.99, profiles=1_000, seed=seed, repeats=2)
    table = attack_audit(scenario, epsilons=(0.1, 1.0))
    result = evaluate(scenario)
    assert 0.0 <= result["accuracy"] <= 1.0
    if table.empty:
        assert result["membership_attack"] is None
    else:
        assert table["auc"].between(0, 1).all()
        assert (table["n_non_members"] >= 1).all()


# -- homogeneity --------------------------------------------------------------------------------


def _groups_by_brute_force(bench) -> dict[tuple, list[int]]:
    """Labels of the kept records per (age, gender, region) code tuple, by a plain loop."""
    result = bench.data.anonymisation
    groups = defaultdict(list)
    for *codes, label, suppressed in zip(
        *result.codes,
        bench.data.labels,
        result.suppressed,
        strict=True,
    ):
        if not suppressed and any(code != HIDDEN for code in codes):
            groups[tuple(codes)].append(int(label))
    return groups


@pytest.mark.parametrize("k", [1, 5, 20])
def test_homogeneity_example_matches_brute_force(schema, k):
    """The example's share is the highest dominant-label share over groups of >= max(k, 5), and a
    group of that size, share and dominant category exists."""
    bench = workbench_for(Scenario(profiles=4_000, seed=42, k=k))
    example = homogeneity_example(bench)
    assert example is not None
    minimum = max(k, 5)
    assert example["size"] >= minimum
    candidates = []
    for labels in _groups_by_brute_force(bench).values():
        if len(labels) >= minimum:
            counts = Counter(labels)
            top = max(counts.values())
            dominant = {label for label, count in counts.items() if count == top}
            candidates.append((top / len(labels), len(labels), dominant))
    best_share = max(share for share, _, _ in candidates)
    assert example["share"] == pytest.approx(best_share, rel=1e-12)
    assert any(
        share == pytest.approx(example["share"], rel=1e-12)
        and size == example["size"]
        and example["category"] in {schema.class_label(label) for label in dominant}
        for share, size, dominant in candidates
    )
    dominant_index = schema.class_labels.index(example["category"])
    assert example["base_rate"] == pytest.approx(np.mean(bench.data.labels == dominant_index))
    assert example["description"].startswith(("people", "everyone"))


# -- the AUC cap --------------------------------------------------------------------------------


@pytest.mark.parametrize("epsilon", [0.0, 0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 50.0, 1000.0])
def test_membership_auc_bound_equals_the_guess_bound(epsilon):
    """The area of the ε-DP ROC region equals e^ε / (1 + e^ε), the best guess accuracy."""
    assert membership_auc_bound(epsilon) == pytest.approx(
        membership_guess_bound(epsilon), abs=1e-12
    )
    assert membership_auc_bound(epsilon) == pytest.approx(_cap(epsilon), abs=1e-12)


def test_membership_auc_bound_is_a_coin_flip_at_zero():
    """At ε = 0 no attack beats a coin flip: the AUC cap is 0.5."""
    assert membership_auc_bound(0.0) == pytest.approx(0.5, abs=1e-15)
