"""The engine: reproducible evaluations, the ε trend, budget accounting and every model path."""

import json
import math

import numpy as np
import pytest
from diffprivlib.accountant import BudgetAccountant

from core.engine import (
    POPULARITY_BUDGET_SHARE,
    budget_split,
    build_workbench,
    evaluate,
    fit_release,
    frontier,
    references,
    release_popularity,
    workbench_for,
)
from core.setting.scenario import Scenario

# diffprivlib 0.6.6 passes deprecated L-BFGS-B options to scipy; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:scipy.optimize.*:DeprecationWarning")

TREND_EPSILONS = (0.01, 0.1, 1.0, 10.0, 50.0)
TREND_REPEATS = 10
SMALL = {"profiles": 5_000, "repeats": 3}


@pytest.fixture(scope="module")
def default_bench():
    """The Workbench of the default Scenario (40,000 people, seed 42)."""
    return workbench_for(Scenario())


@pytest.fixture(scope="module")
def trend(default_bench):
    """Mean accuracy per ε over 10 repeats at the default population, and the references."""
    table = frontier(default_bench, TREND_EPSILONS, TREND_REPEATS)
    return table.groupby("epsilon")["accuracy"].mean(), references(default_bench)


def test_evaluate_is_reproducible():
    """Evaluating the same Scenario twice gives an identical result."""
    scenario = Scenario(opt_out=0.2, k=5, **SMALL)
    first, second = evaluate(scenario), evaluate(scenario)
    assert first == second


def test_evaluate_reuses_a_given_workbench():
    """Passing the Scenario's workbench gives the same result as building it inside evaluate."""
    scenario = Scenario(epsilon=0.3, **SMALL)
    assert evaluate(scenario, bench=workbench_for(scenario)) == evaluate(scenario)


def test_different_seed_gives_different_draws():
    """Another seed gives other people and other noise."""
    first = evaluate(Scenario(seed=1, **SMALL))
    other = evaluate(Scenario(seed=2, **SMALL))
    assert first["accuracy_draws"] != other["accuracy_draws"]


@pytest.mark.slow
def test_mean_accuracy_strictly_increases_with_epsilon(trend):
    """At 40,000 people and 10 repeats, mean accuracy rises at every step of ε = 0.01 ... 50.

    Seed 42 measured 0.149, 0.204, 0.363, 0.528, 0.552 (smallest step 0.025; seeds 1-5 also
    at least 0.025).
    """
    accuracy, _ = trend
    steps = np.diff(accuracy.loc[list(TREND_EPSILONS)].to_numpy())
    assert np.all(steps > 0.01), steps


@pytest.mark.slow
def test_tiny_epsilon_is_near_the_floor_and_large_near_the_ceiling(trend):
    """ε = 0.01 is within 0.06 of the popularity floor; ε = 50 within 0.03 of the non-private one.

    Seed 42 measured |0.149 - 0.185| = 0.037 and |0.552 - 0.552| < 0.001 (seeds 1-5: at most
    0.043 and 0.005). Note the private model at ε = 0.01 sits *below* the floor.
    """
    accuracy, refs = trend
    assert abs(accuracy[0.01] - refs["popularity_accuracy"]) < 0.06
    assert abs(accuracy[50.0] - refs["nonprivate_accuracy"]) < 0.03
    assert refs["nonprivate_accuracy"] > refs["popularity_accuracy"] + 0.2


@pytest.mark.slow
def test_accuracy_bends_at_both_ends(trend):
    """Accuracy still moves at both ends: gains from 0.01 to 0.1 and from 1 to 10 exceed 0.03.

    Seed 42 measured 0.055 and 0.165 (seeds 1-5: at least 0.044 and 0.158).
    """
    accuracy, _ = trend
    assert accuracy[0.1] - accuracy[0.01] > 0.03
    assert accuracy[10.0] - accuracy[1.0] > 0.03


@pytest.mark.parametrize("epsilon", [0.05, 1.0, 20.0])
def test_everyone_opting_out_gives_the_popularity_floor(epsilon):
    """opt_out = 1: nobody is personalised, accuracy is the popularity floor (±0.02)."""
    result = evaluate(Scenario(opt_out=1.0, epsilon=epsilon, **SMALL))
    assert result["nonprivate_accuracy"] == result["popularity_accuracy"]
    assert result["accuracy"] == pytest.approx(result["popularity_accuracy"], abs=0.02)
    assert result["epsilon_spent"] == pytest.approx(epsilon, rel=1e-12)
    assert result["n_train"] == 0
    assert result["membership_attack"] is None


def test_reported_budget_parts_add_up_when_everyone_opts_out():
    """With opt_out = 1 the whole ε goes to the popularity list, and the report says so."""
    result = evaluate(Scenario(opt_out=1.0, **SMALL))
    assert result["epsilon_model"] == 0.0
    assert result["epsilon_popularity"] == pytest.approx(result["epsilon_spent"])
    assert result["epsilon_spent"] == pytest.approx(1.0)


def test_opt_out_segments_are_reported():
    """Opted-in and opted-out people get their own accuracy; opted-out ones get the same list."""
    # ε = 10: enough for personalisation to beat the list clearly on 5,000 people.
    result = evaluate(Scenario(opt_out=0.3, epsilon=10.0, **SMALL))
    segments = result["segments"]
    expected = {"majority", "minority", "opted_in", "opted_out"}
    assert expected <= set(segments)
    assert {name for name in segments if name.startswith("age_")} == {
        "age_18_29",
        "age_30_44",
        "age_45_64",
        "age_65_90",
    }
    n_test = result["n_test"]
    assert segments["opted_in"]["people"] + segments["opted_out"]["people"] == n_test
    assert segments["opted_out"]["people"] / n_test == pytest.approx(0.3, abs=0.05)
    assert segments["majority"]["people"] + segments["minority"]["people"] == n_test
    for name in expected:
        assert 0.0 <= segments[name]["accuracy"] <= 1.0
    # Personalisation helps the opted-in, not the opted-out (who get one popular list).
    assert segments["opted_in"]["accuracy"] > segments["opted_out"]["accuracy"]


@pytest.mark.parametrize("epsilon", [0.1, 1.0, 7.3])
def test_epsilon_spent_without_opt_out(epsilon):
    """Without opt-out the model gets all of ε and one release spends exactly ε."""
    result = evaluate(Scenario(epsilon=epsilon, **SMALL))
    assert result["epsilon_spent"] == epsilon
    assert result["epsilon_model"] == epsilon
    assert result["epsilon_popularity"] == 0.0


@pytest.mark.parametrize("epsilon", [0.1, 1.0, 7.3])
@pytest.mark.parametrize("opt_out", [0.05, 0.5])
def test_epsilon_spent_with_opt_out_is_split(epsilon, opt_out):
    """With opt-out, 90% of ε trains the model and 10% releases the popularity list: ε in all."""
    result = evaluate(Scenario(epsilon=epsilon, opt_out=opt_out, **SMALL))
    assert result["epsilon_spent"] == pytest.approx(epsilon, rel=1e-12)
    assert result["epsilon_model"] == pytest.approx(0.9 * epsilon, rel=1e-12)
    assert result["epsilon_popularity"] == pytest.approx(0.1 * epsilon, rel=1e-12)


def test_epsilon_spent_with_rare_opt_out():
    """A release spends ε in full even when no test person opted out (seed 0: one on the train
    side did, and the popularity list must exist for them)."""
    result = evaluate(Scenario(opt_out=0.001, profiles=1_000, seed=0, repeats=2))
    assert result["segments"]["opted_out"]["people"] == 0
    assert result["epsilon_spent"] == pytest.approx(1.0)
    assert result["epsilon_model"] == pytest.approx(0.9)
    assert result["epsilon_popularity"] == pytest.approx(0.1)


def test_budget_split():
    """budget_split gives (ε, 0) without opt-out and (0.9·ε, 0.1·ε) with it."""
    assert budget_split(Scenario(), 2.0) == (2.0, 0.0)
    model, popularity = budget_split(Scenario(opt_out=0.2), 2.0)
    assert popularity == pytest.approx(2.0 * POPULARITY_BUDGET_SHARE)
    assert model + popularity == pytest.approx(2.0)


@pytest.mark.parametrize("epsilon", [0.01, 0.5, 1.0, 5.0, 100.0])
def test_max_membership_guess_is_the_dp_bound(epsilon):
    """max_membership_guess is e^ε / (1 + e^ε) of the ε spent."""
    result = evaluate(Scenario(epsilon=epsilon, profiles=2_000, repeats=1))
    expected = math.exp(epsilon) / (1 + math.exp(epsilon))
    assert result["max_membership_guess"] == pytest.approx(expected, rel=1e-12)
    assert result["posterior_odds_factor"] == pytest.approx(math.exp(epsilon), rel=1e-12)


def test_frontier_has_one_row_per_epsilon_and_repeat(default_bench):
    """frontier returns len(ε) x repeats rows with epsilon, repeat, accuracy and hit_at_3."""
    epsilons, repeats = (0.05, 0.5, 5.0), 4
    progress = []
    table = frontier(default_bench, epsilons, repeats, progress=lambda f, m: progress.append(f))
    assert len(table) == len(epsilons) * repeats
    assert {"epsilon", "repeat", "accuracy", "hit_at_3"} <= set(table.columns)
    assert sorted(table["epsilon"].unique()) == list(epsilons)
    assert sorted(table["repeat"].unique()) == list(range(repeats))
    assert table["accuracy"].between(0, 1).all()
    assert (table["hit_at_3"] >= table["accuracy"]).all()
    assert progress == pytest.approx([1 / 3, 2 / 3, 1.0])


@pytest.mark.parametrize("epsilon", [0.1, 2.0])
def test_evaluate_equals_frontier_rows_at_the_same_epsilon(default_bench, epsilon):
    """The current point and the frontier use the same seeds: identical accuracy draws."""
    table = frontier(default_bench, [0.05, epsilon, 10.0], 5)
    rows = table[table["epsilon"] == epsilon].sort_values("repeat")
    result = evaluate(Scenario(epsilon=epsilon, repeats=5), bench=default_bench)
    assert result["accuracy_draws"] == rows["accuracy"].tolist()
    assert result["accuracy"] == pytest.approx(rows["accuracy"].mean(), rel=1e-12)
    assert result["hit_at_3"] == pytest.approx(rows["hit_at_3"].mean(), rel=1e-12)


def test_membership_attack_report():
    """The membership attack reports an AUC in [0, 1] for the private model and the twin."""
    result = evaluate(Scenario(**SMALL))
    attack = result["membership_attack"]
    for side in ("private", "nonprivate"):
        report = attack[side]
        assert 0.0 <= report["auc_low"] <= report["auc"] <= report["auc_high"] <= 1.0
        assert 0.5 <= report["guess_accuracy"] <= 1.0
        assert report["n_members"] > 0
        assert report["n_non_members"] > 0
    assert attack["theoretical_max_guess"] == result["max_membership_guess"]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
def test_evaluate_survives_no_opted_in_test_people():
    """A valid Scenario where no test person opted in still evaluates (no attack report)."""
    result = evaluate(Scenario(opt_out=0.99, profiles=1_000, seed=6, repeats=2))
    assert 0.0 <= result["accuracy"] <= 1.0


@pytest.mark.slow
@pytest.mark.parametrize(
    "changes",
    [
        {"model": "gaussian_nb"},
        {"model": "logistic_regression"},
        {"model": "random_forest"},
        {"model": "random_forest", "opt_out": 0.2},
        {"k": 10},
        {"local_epsilon": 5.0},
        {
            "consent_demographics": 0.3,
            "consent_location": 0.3,
            "consent_browsing": 0.3,
            "consent_purchases": 0.3,
        },
        {"model": "logistic_regression", "k": 10, "local_epsilon": 5.0, "consent_browsing": 0.3},
    ],
    ids=lambda changes: ",".join(f"{k}={v}" for k, v in changes.items()),
)
def test_every_model_path_runs(changes):
    """Each model and control path evaluates to finite accuracies in [0, 1]."""
    result = evaluate(Scenario(profiles=3_000, repeats=2, **changes))
    for key in ("accuracy", "hit_at_3", "nonprivate_accuracy", "popularity_accuracy"):
        assert math.isfinite(result[key]), key
        assert 0.0 <= result[key] <= 1.0, key
    assert result["hit_at_3"] >= result["accuracy"]
    assert len(result["accuracy_draws"]) == 2
    json.dumps(result, allow_nan=False)


@pytest.mark.parametrize("model", ["gaussian_nb", "random_forest"])
def test_draws_sampled_together_equal_draws_sampled_alone(model):
    """private_draws samples the repeats of one ε together; each equals that repeat alone (and,
    for GaussianNB, the release fit_release gives the persona views)."""
    from diffprivlib.accountant import BudgetAccountant

    from core.engine import fit_release, private_draws

    bench = workbench_for(Scenario(model=model, opt_out=0.2, **SMALL))
    together = private_draws(bench, 0.7, range(4))
    for repeat in range(4):
        alone = private_draws(bench, 0.7, [repeat])[0]
        np.testing.assert_array_equal(alone.top1, together[repeat].top1)
        np.testing.assert_array_equal(alone.top3, together[repeat].top3)
        assert alone.epsilon_spent == together[repeat].epsilon_spent
    test = bench.data.test
    released = fit_release(bench, 0.7, 2, BudgetAccountant()).score(test.X, test.observed)
    hits = released.argmax(axis=1) == test.y
    np.testing.assert_array_equal(hits[~test.opted_out], together[2].top1[~test.opted_out])


def test_random_forest_reports_its_random_trees_without_noise():
    """A random forest's references include random trees with exact labels, well below the
    scikit-learn ceiling and close to the private forest at large ε (its structure's limit).

    The reference is one random forest and each private draw another, so "close" is measured
    against the spread of the private draws (3 standard deviations of 10 draws)."""
    scenario = Scenario(model="random_forest", epsilon=100.0, profiles=5_000, repeats=10)
    result = evaluate(scenario)
    draws = np.array(result["accuracy_draws"])
    assert result["structure_accuracy"] < result["nonprivate_accuracy"] - 0.1
    assert abs(draws.mean() - result["structure_accuracy"]) < 3 * draws.std(ddof=1)


def test_local_dp_ceiling_is_the_model_without_any_noise():
    """With local DP on, the ceiling is still the model with no noise at all: it does not drop
    below the popular-items floor (it used to be trained on the randomised data)."""
    plain = evaluate(Scenario(**SMALL))
    local = evaluate(Scenario(local_epsilon=1.0, **SMALL))
    assert local["nonprivate_accuracy"] == pytest.approx(plain["nonprivate_accuracy"])
    assert local["nonprivate_accuracy"] > local["popularity_accuracy"]
    assert local["local_plain_accuracy"] < local["nonprivate_accuracy"]
    assert local["guarantee"]["local"]["epsilon"] == 1.0


def test_evaluate_states_the_guarantee():
    """evaluate() carries the one stated guarantee: unit, neighbouring relation, ε, δ, public."""
    result = evaluate(Scenario(epsilon=0.5, k=5, **SMALL))
    guarantee = result["guarantee"]
    assert guarantee["unit"].startswith("one person's whole record")
    assert guarantee["neighbouring"].startswith("add/remove one person")
    assert guarantee["epsilon"] == result["epsilon_spent"] == 0.5
    assert guarantee["delta"] == 0.0
    assert not guarantee["holds_per_person"]
    assert any("group" in note for note in guarantee["notes"])
    assert any("secret" in note for note in guarantee["notes"])


def test_every_distinct_epsilon_gets_its_own_noise_stream():
    """ε keys a noise stream: tiny distinct ε values differ (all ε < 5e-10 used to share one),
    while 0.1 typed and 0.1 computed agree."""
    from core.engine.evaluation import _epsilon_key

    assert _epsilon_key(1e-10) != _epsilon_key(2e-10)
    assert _epsilon_key(1e-12) != _epsilon_key(3e-12)
    assert _epsilon_key(0.1) == _epsilon_key(0.3 - 0.2)
    assert _epsilon_key(0.01) >= 0


def test_local_mode_never_states_epsilon_zero():
    """Local DP with everyone opted out releases a popular-items list learnt from everyone's
    reports: evaluate() states central ε = 1 (the list's DP histogram, whole budget) and
    ε_local = 1 covering that list, never ε = 0 and a 50% guess (issue 19, item 3)."""
    result = evaluate(Scenario(local_epsilon=1.0, opt_out=1.0, **SMALL))
    assert result["n_train"] == 0
    assert result["epsilon_spent"] == pytest.approx(1.0)
    assert result["epsilon_popularity"] == pytest.approx(1.0)
    assert result["guarantee"]["epsilon"] == pytest.approx(1.0)
    assert result["max_membership_guess"] == pytest.approx(math.e / (1 + math.e))
    local = result["guarantee"]["local"]
    assert local["epsilon"] == 1.0
    assert "popular-items list" in local["covers"] and local["holds_per_person"]
    assert local["max_guess_between_two_records"] == pytest.approx(math.e / (1 + math.e))
    assert "consent" not in local["unit"] and "that they sent a report" in local["unit"]


@pytest.mark.parametrize("opt_out", [0.3, 1.0])
def test_local_popular_list_is_a_dp_histogram_of_the_reports(opt_out):
    """Under local DP the list spends central ε (10%, or all of it with nobody to personalise
    for) on a DP histogram of the randomised reports: it is noisy, not the exact debiased
    counts, whose total would give away how many reports were sent."""
    from diffprivlib.accountant import BudgetAccountant

    from core.engine import release_popularity
    from core.privacy.mechanisms import debiased_counts

    bench = workbench_for(Scenario(local_epsilon=1.0, opt_out=opt_out, **SMALL))
    accountant = BudgetAccountant()
    counts = release_popularity(bench, 1.0, 0, accountant)
    spent = 0.1 if opt_out < 1 else 1.0
    assert accountant.total()[0] == pytest.approx(spent)
    exact = debiased_counts(
        bench.data.popularity_labels,
        n_values=bench.schema.n_classes,
        epsilon=bench.data.local_epsilon_label,
    )
    assert not np.allclose(counts, exact)
    expected_split = (0.9, 0.1) if opt_out < 1 else (0.0, 1.0)
    assert budget_split(Scenario(local_epsilon=1.0, opt_out=opt_out), 1.0) == pytest.approx(
        expected_split
    )


def test_local_dp_with_k_generalises_from_true_values_and_says_so():
    """Local DP with k > 1: the generalisation is chosen from everyone's true quasi-identifiers
    (the same as without local DP), and the guarantee says the local part does not cover them
    (issue 19, item 4: stated, not changed; docs/privacy.md says why)."""
    from core.privacy.controls import prepare

    with_local = prepare(Scenario(k=5, local_epsilon=1.0, profiles=5_000))
    without = prepare(Scenario(k=5, profiles=5_000))
    assert with_local.anonymisation.levels == without.anonymisation.levels
    np.testing.assert_array_equal(
        with_local.anonymisation.suppressed, without.anonymisation.suppressed
    )
    result = evaluate(Scenario(k=5, local_epsilon=1.0, **SMALL))
    local = result["guarantee"]["local"]
    assert not local["holds_per_person"]
    assert "sends their quasi-identifiers true" in local["covers"]
    assert "not the quasi-identifiers themselves" in local["covers"]
    plain = evaluate(Scenario(local_epsilon=1.0, **SMALL))["guarantee"]["local"]
    assert plain["holds_per_person"] and "quasi-identifiers" not in plain["covers"]
    from core.setting.scenario import FIELDS_BY_NAME

    assert "the quasi-identifiers are sent true" in FIELDS_BY_NAME["local_epsilon"].help


def _release_structure(bench, epsilon: float) -> dict:
    """What one release of ``bench`` holds and what each part spent (draw 0)."""
    model_accountant, list_accountant = BudgetAccountant(), BudgetAccountant()
    model = fit_release(bench, epsilon, 0, model_accountant)
    counts = release_popularity(bench, epsilon, 0, list_accountant)
    result = evaluate(bench.scenario.replace(epsilon=epsilon, repeats=2), bench)
    return {
        "model": None if model is None else type(model).__name__,
        "model scores": None
        if model is None
        else model.score(bench.data.test.X, bench.data.test.observed).shape,
        "list": None if counts is None else counts.shape,
        "spent on the model": model_accountant.total()[0],
        "spent on the list": list_accountant.total()[0],
        "reported": (result["epsilon_model"], result["epsilon_popularity"]),
        "spent": result["epsilon_spent"],
    }


@pytest.mark.parametrize("opt_out", [0.0, 0.6])
@pytest.mark.parametrize("model", ["gaussian_nb", "logistic_regression", "random_forest"])
def test_what_is_released_does_not_depend_on_the_training_set_size(population_5k, model, opt_out):
    """|train| = 0, 1, 2, 3: the same released objects (a model and, with opt-out, the list) and
    the same ε split, read off the accountants and the report. The training-set size is private:
    before, fewer than 2 people in training meant no model and the whole ε on the list."""
    scenario = Scenario(model=model, opt_out=opt_out, seed=8, profiles=1_000)
    base = population_5k.subset(np.arange(300))
    trainable = set(workbench_for(scenario, base).data.train.key)
    others = [i for i, key in enumerate(base.key) if key not in trainable]
    candidates = [i for i, key in enumerate(base.key) if key in trainable][:3]
    structures = []
    for n_train in range(4):
        people = base.subset(np.sort(others + candidates[:n_train]))
        bench = workbench_for(scenario, people)
        assert len(bench.data.train.y) == n_train
        structures.append(_release_structure(bench, 1.0))
    assert all(s == structures[0] for s in structures), structures
    expected = budget_split(scenario, 1.0)
    assert structures[0]["model"] is not None
    assert structures[0]["spent on the model"] == pytest.approx(expected[0])
    assert structures[0]["spent on the list"] == pytest.approx(expected[1])
    assert (structures[0]["list"] is None) == (opt_out == 0)


@pytest.mark.parametrize("model", ["gaussian_nb", "logistic_regression", "random_forest"])
def test_local_workbench_may_take_the_central_ceiling(model):
    """The twin depends on the people and the data collected, not on local DP's noise: a local
    Workbench given the same Scenario's central twin has the references it fits itself."""
    scenario = Scenario(model=model, profiles=3_000, seed=5, opt_out=0.2, consent_location=0.5)
    central = workbench_for(scenario)
    local = scenario.replace(local_epsilon=2.0)
    alone = build_workbench(local, local_noise_draw=1)
    given = build_workbench(local, local_noise_draw=1, ceiling=central.nonprivate_model)
    np.testing.assert_array_equal(alone.nonprivate_scores, given.nonprivate_scores)
    assert references(alone) == references(given)
