"""The planner: each accountant pinned, the solver, validation, unit of protection."""

import math

import numpy as np
import pandas as pd
import pytest
from dp_accounting.pld import common as pld_common
from dp_accounting.pld import privacy_loss_distribution as pld_lib

from core.over_time import plan
from core.over_time.plan import (
    CADENCES,
    METHODS,
    Plan,
    advanced_composition,
    basic_composition,
    budget_accuracy,
    budget_table,
    drv_bound,
    epsilon_per_release_for,
    event_histogram,
    event_level_losses,
    event_summary,
    events_per_person,
    guess_bound,
    laplace_composition,
    loss_curve,
    optimal_composition,
    optimal_delta,
    parse_lenient,
    releases_in,
    total_loss,
    total_losses,
)
from core.privacy.metrics import membership_guess_bound
from core.setting.scenario import FIELDS_BY_NAME as SCENARIO_FIELDS
from core.setting.schema import Schema

GRID = [
    (epsilon, releases, delta)
    for epsilon in (0.01, 0.1, 1.0, 5.0)
    for releases in (1, 2, 12, 52, 365)
    for delta in (1e-12, 1e-6, 1e-3)
]


@pytest.mark.parametrize(("epsilon", "releases"), [(0.1, 52), (1.0, 1), (0.02, 365), (3.0, 4)])
def test_basic_is_k_times_epsilon(epsilon, releases):
    """Basic composition is k·ε whatever δ."""
    assert total_loss("basic", epsilon, releases, 1e-6) == pytest.approx(releases * epsilon)
    assert basic_composition(epsilon, releases) == pytest.approx(releases * epsilon)


def _kairouz(epsilon: float, k: int, delta: float) -> float:
    """Kairouz, Oh & Viswanath (2015) Theorem 3.5 for k pure-ε releases, written out here."""
    mean = k * epsilon * math.tanh(epsilon / 2)
    first = mean + epsilon * math.sqrt(2 * k * math.log(1 / delta))
    second = mean + epsilon * math.sqrt(2 * k * math.log(math.e + epsilon * math.sqrt(k) / delta))
    return min(k * epsilon, first, second)


@pytest.mark.parametrize(("epsilon", "releases", "delta"), GRID)
def test_advanced_is_kairouz_theorem_and_below_drv(epsilon, releases, delta):
    """diffprivlib's advanced composition equals Kairouz et al.'s bound, never above DRV or kε."""
    value = advanced_composition(epsilon, releases, delta)
    assert value == pytest.approx(_kairouz(epsilon, releases, delta), rel=1e-12)
    assert value <= min(drv_bound(epsilon, releases, delta), releases * epsilon) + 1e-12


def test_drv_bound_written_out():
    """The DRV formula: √(2k ln(1/δ))·ε + kε(e^ε − 1), at the weekly setting."""
    expected = math.sqrt(2 * 52 * math.log(1e6)) * 0.1 + 52 * 0.1 * (math.exp(0.1) - 1)
    assert drv_bound(0.1, 52, 1e-6) == pytest.approx(expected)
    assert expected == pytest.approx(4.3374, abs=1e-4)


def test_pld_at_the_published_setting():
    """52 Laplace releases at ε = 0.1 give ε ≈ 3.19 at δ = 1e-6 (dp-accounting)."""
    assert laplace_composition(0.1, 52, 1e-6) == pytest.approx(3.19, abs=0.01)
    assert total_loss("pld", 0.1, 52, 1e-6) == pytest.approx(3.19, abs=0.01)


@pytest.mark.parametrize(("epsilon", "releases"), [(0.1, 52), (0.5, 12), (0.02, 365), (2.0, 4)])
def test_optimal_composition_agrees_with_dp_accounting(epsilon, releases):
    """The closed form equals dp-accounting's PLD of the worst ε-DP pair, which only rounds up."""
    exact = optimal_composition(epsilon, releases, 1e-6)
    library = pld_lib.from_privacy_parameters(
        pld_common.DifferentialPrivacyParameters(epsilon, 0.0),
        value_discretization_interval=epsilon / 1000 * (1 + 1e-9),
    ).self_compose(releases)
    from_library = library.get_epsilon_for_delta(1e-6)
    assert exact <= from_library + 1e-9
    assert from_library <= exact * 1.01


def test_optimal_delta_ends():
    """δ of the worst case is 0 at kε and the chance of the top loss times (1 − e^−2ε) at 0."""
    assert optimal_delta(5.2, 0.1, 52) == 0.0
    # One release: loss +ε with probability p, so δ(0) = p(1 − e^−ε) = tanh(ε/2).
    assert optimal_delta(0.0, 1.0, 1) == pytest.approx(math.tanh(0.5))


@pytest.mark.parametrize(("epsilon", "releases", "delta"), GRID)
def test_numerical_accountants_never_above_basic(epsilon, releases, delta):
    """pld ≤ optimal ≤ advanced ≤ basic at every point of a grid."""
    totals = total_losses(epsilon, releases, delta)
    assert totals["pld"] <= totals["optimal"] + 1e-6
    assert totals["optimal"] <= totals["advanced"] + 1e-9
    assert totals["advanced"] <= totals["basic"] + 1e-12


def test_many_releases_stay_tight_and_bounded():
    """Ten years of daily releases: every total is finite, below k·ε, ordered."""
    totals = total_losses(0.1, 3650, 1e-6)
    assert totals["basic"] == pytest.approx(365.0)
    assert totals["pld"] < totals["optimal"] < totals["advanced"] < 60


def test_loss_curve_columns_and_last_row():
    """One row per release count, one column per method; the last row is the plan's total."""
    curve = loss_curve(0.1, 52, 1e-6)
    assert list(curve.columns) == ["releases", *METHODS]
    assert curve["releases"].tolist() == list(range(1, 53))
    last = curve.iloc[-1]
    for method, value in total_losses(0.1, 52, 1e-6).items():
        assert last[method] == pytest.approx(value)
    for method in METHODS:
        assert np.all(np.diff(curve[method]) >= -1e-9), method


def test_loss_curve_thins_long_horizons():
    """A long horizon is drawn through a few dozen counts including 1 and the last."""
    curve = loss_curve(0.1, 3650, 1e-6)
    assert curve["releases"].iloc[0] == 1 and curve["releases"].iloc[-1] == 3650
    assert len(curve) <= 70


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("releases", list(CADENCES.values()))
def test_solver_inverts_the_totals(method, releases):
    """The ε per release found for a budget spends the budget, never more."""
    epsilon = epsilon_per_release_for(1.0, releases, 1e-6, method)
    total = total_loss(method, epsilon, releases, 1e-6)
    assert total <= 1.0 + 1e-12
    assert total == pytest.approx(1.0, rel=1e-5)
    assert epsilon >= 1.0 / releases - 1e-15


def test_budget_table_orders_the_methods():
    """A tighter accountant affords at least as much ε per release."""
    table = budget_table(1.0, 1e-6)
    assert len(table) == len(CADENCES) * len(METHODS)
    for cadence, rows in table.groupby("cadence"):
        eps = rows.set_index("method")["epsilon_per_release"]
        assert eps["basic"] == pytest.approx(1.0 / CADENCES[cadence], rel=1e-3)
        assert (rows["total"] <= 1.0 + 1e-12).all()
        assert (rows["total"] >= 0.999).all()
        assert eps["basic"] <= eps["advanced"] + 1e-12 <= eps["optimal"] + 2e-12
        assert eps["optimal"] <= eps["pld"] + 1e-9


def test_budget_accuracy_joins_the_draws():
    """Accuracy per release is the mean and 5–95% quantiles of the draws at exactly that ε."""
    budget = budget_table(1.0, 1e-6, {"weekly": 52})
    rows = []
    for epsilon in budget["epsilon_per_release"].unique():
        for repeat, accuracy in enumerate((0.2, 0.3, 0.4)):
            rows.append({"epsilon": epsilon, "repeat": repeat, "accuracy": accuracy + epsilon})
    joined = budget_accuracy(budget, pd.DataFrame(rows))
    for row in joined.itertuples():
        assert row.accuracy == pytest.approx(0.3 + row.epsilon_per_release)
        assert row.accuracy_q05 == pytest.approx(
            np.quantile([0.2, 0.3, 0.4], 0.05) + row.epsilon_per_release
        )
        assert row.draws == 3
    with pytest.raises(ValueError, match="frontier_rows"):
        budget_accuracy(budget, pd.DataFrame(rows[:3]))


@pytest.mark.parametrize(
    ("per_year", "years", "expected"), [(52, 1, 52), (52, 0.25, 13), (365, 0.25, 92), (1, 0.25, 1)]
)
def test_releases_in_a_horizon(per_year, years, expected):
    """One release at the start of every period of the horizon."""
    assert releases_in(per_year, years) == expected


def test_plan_defaults_and_releases():
    """The plan's ε is the Scenario's ε field; releases follow the horizon."""
    assert plan.FIELDS_BY_NAME["epsilon"] is SCENARIO_FIELDS["epsilon"]
    assert Plan(epsilon=0.1, releases_per_year=52, years=2).releases == 104


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"releases_per_year": 400}, ValueError, "releases_per_year"),
        ({"releases_per_year": 2.5}, ValueError, "releases_per_year"),
        ({"years": 0.1}, ValueError, "years"),
        ({"years": "1"}, TypeError, "years"),
        ({"delta": 0.5}, ValueError, "delta"),
        ({"delta": math.nan}, ValueError, "delta"),
        ({"epsilon": 0}, ValueError, "epsilon"),
        ({"yearly_budget": 1000}, ValueError, "yearly_budget"),
    ],
)
def test_validation_names_the_field(changes, error, field):
    """A bad value raises with the field's name, its range and the value."""
    with pytest.raises(error, match=f"'{field}' parameter must be"):
        Plan(**changes)


def test_from_params_is_strict():
    """Unknown fields and bad text are refused; good text round-trips."""
    with pytest.raises(ValueError, match="Unknown parameter 'cadence'"):
        Plan.from_params({"cadence": "weekly"})
    with pytest.raises(ValueError, match="'delta' parameter must be a number in"):
        Plan.from_params({"delta": "lots"})
    original = Plan(epsilon=0.1, releases_per_year=12, years=2.5, delta=1e-8)
    assert Plan.from_params(original.to_params()) == original


def test_parse_lenient_reads_what_it_can():
    """Good values are read, bad ones become notices naming the field, unknown ones are skipped."""
    values, notices = parse_lenient(
        {"releases_per_year": "12", "delta": "huge", "years": ["1", "2"], "opt_out": "0.2"}
    )
    assert values == {"releases_per_year": 12, "years": 2.0}
    assert len(notices) == 1 and "delta" in notices[0] and "1e-12" in notices[0]
    values, notices = parse_lenient({"epsilon": "oops"}, names=("years",))
    assert values == {} and notices == []


@pytest.mark.parametrize("epsilon", [0.01, 0.1, 1.0, 3.2, 800.0])
def test_guess_bound_at_delta_zero_is_the_metrics_bound(epsilon):
    """At δ = 0 the (ε, δ) guess bound is e^ε/(1+e^ε); δ adds at most δ/(1+e^ε)."""
    assert guess_bound(epsilon) == pytest.approx(membership_guess_bound(epsilon))
    assert guess_bound(epsilon, 1e-6) <= membership_guess_bound(epsilon) + 1e-6


def test_events_are_the_purchase_counts(population_5k, schema):
    """Purchases per person sum the orders_* columns of the built-in people."""
    events = events_per_person(population_5k.features, schema)
    orders = population_5k.features[[c for c in population_5k.features if c.startswith("orders_")]]
    assert np.array_equal(events, orders.sum(axis=1).to_numpy().astype(int))
    assert events.min() >= 0 and events.max() <= 20 * 8


def test_no_purchase_columns_means_no_events(schema):
    """A schema without purchase counts has no event-level reading."""
    other = Schema(
        features=tuple(f for f in schema.features if f.category != "purchases"),
        classes=schema.classes,
        class_labels=schema.class_labels,
        category_info=schema.category_info,
    )
    assert events_per_person(pd.DataFrame({"age": [30.0]}), other) is None


def test_empty_cells_count_as_no_purchase(schema):
    """An empty purchase cell (not collected) counts as zero purchases."""
    frame = pd.DataFrame({f"orders_{c}": [np.nan, 2.0] for c in schema.classes})
    assert events_per_person(frame, schema).tolist() == [0, 16]


def test_event_level_losses():
    """Group privacy is m·ε; separate noisy counts compose tighter; one event is ε."""
    losses = event_level_losses(0.1, 120, 1e-6)
    assert losses["events"].iloc[0] == 0 and losses["events"].iloc[-1] == 120
    assert np.allclose(losses["group"], losses["events"] * 0.1)
    assert (losses["person_level"] == 0.1).all()
    assert (losses["separate_counts"] <= losses["group"] + 1e-12).all()
    one = losses[losses["events"] == 1].iloc[0]
    assert one["separate_counts"] == pytest.approx(0.1, abs=1e-3)
    last = losses.iloc[-1]
    assert last["separate_counts"] == pytest.approx(laplace_composition(0.1, 120, 1e-6))


def test_event_summary_and_histogram():
    """Quantiles, shares and the heaviest shoppers' loss come from the counts."""
    events = np.r_[np.zeros(50, int), np.ones(30, int), np.full(19, 10), 100]
    summary = event_summary(events, 0.1, 1e-6)
    assert summary["people"] == 100
    assert summary["quantiles"]["max"] == 100
    assert summary["group_loss"]["max"] == pytest.approx(10.0)
    assert summary["share_more_than_one"] == pytest.approx(0.2)
    assert summary["share_none"] == pytest.approx(0.5)
    histogram = event_histogram(events)
    assert histogram["people"].sum() == 100
    assert histogram.set_index("events").loc[10, "people"] == 19


def test_plan_report_matches_the_functions():
    """The CLI's report holds the same totals as the functions, and every assumption."""
    report = plan.plan_report(Plan(epsilon=0.1, releases_per_year=52, years=1, delta=1e-6))
    assert report["releases"] == 52 and report["epsilon_per_release"] == 0.1
    for method, value in total_losses(0.1, 52, 1e-6).items():
        assert report[method] == value
        assert method in report["assumptions"]
    weekly = report["yearly_budget"]["epsilon_per_release"]["weekly"]
    assert weekly["basic"] == pytest.approx(1 / 52, rel=1e-3)


# -- the attacker's best guess, read two ways (issue 19, item 6) ----------------------------------
def _rr_total_variation(epsilon: float, releases: int) -> float:
    """TV between k randomised-response answers with and without the person, from two binomials
    (independent of core.over_time.plan's privacy-loss formula)."""
    from scipy.stats import binom

    keep = math.exp(epsilon) / (1 + math.exp(epsilon))
    j = np.arange(releases + 1)
    return 0.5 * float(
        np.abs(binom.pmf(j, releases, keep) - binom.pmf(j, releases, 1 - keep)).sum()
    )


def _laplace_total_variation_sampled(epsilon: float, releases: int, samples: int = 400_000):
    """TV between k Laplace(0, 1/ε) and k Laplace(1, 1/ε) draws, E_P[(1 − e^(−L))₊] by sampling
    the privacy loss L = Σ ε(|x − 1| − |x|) (independent of dp-accounting)."""
    rng = np.random.default_rng(19)
    loss = np.zeros(samples)
    for _ in range(releases):
        x = rng.laplace(0.0, 1.0 / epsilon, samples)
        loss += epsilon * (np.abs(x - 1) - np.abs(x))
    values = np.clip(-np.expm1(-loss), 0.0, None)
    return float(values.mean()), float(values.std() / math.sqrt(samples))


def test_tight_best_guess_for_a_year_of_weekly_releases():
    """52 releases at ε = 0.1, δ = 1e-6: the exact best guess (1 + TV)/2 is about 64% (randomised
    response 64.0%, Laplace 63.9%), the (ε, δ) reading of the composed total about 96%; both
    computed here independently of core.over_time.plan's formulas."""
    tv_rr = _rr_total_variation(0.1, 52)
    tv_laplace, standard_error = _laplace_total_variation_sampled(0.1, 52)
    assert plan.optimal_total_variation(0.1, 52) == pytest.approx(tv_rr, rel=1e-9)
    # dp-accounting rounds up (pessimistic), never below the sampled value's noise.
    assert plan.laplace_total_variation(0.1, 52) == pytest.approx(
        tv_laplace, abs=4 * standard_error
    )
    guesses = plan.best_guesses(0.1, 52, 1e-6, total_losses(0.1, 52, 1e-6))
    assert guesses["exact"]["optimal"] == pytest.approx((1 + tv_rr) / 2, rel=1e-9)
    assert guesses["exact"]["optimal"] == pytest.approx(0.640, abs=0.001)
    assert guesses["exact"]["pld"] == pytest.approx(0.639, abs=0.002)
    total = optimal_composition(0.1, 52, 1e-6)
    loose = (math.exp(total) + 1e-6) / (math.exp(total) + 1)
    assert guesses["from_epsilon_delta"]["optimal"] == pytest.approx(loose, rel=1e-12)
    assert guesses["from_epsilon_delta"]["optimal"] == pytest.approx(0.962, abs=0.001)


@pytest.mark.parametrize(("epsilon", "releases"), [(0.01, 1), (0.1, 12), (1.0, 52), (5.0, 365)])
def test_exact_guess_never_exceeds_the_epsilon_delta_reading(epsilon, releases):
    """(1 + TV)/2 is at most the (ε, δ) cap of the same releases' total, and Laplace at most the
    worst ε-DP release (randomised response), up to dp-accounting's rounding up."""
    totals = total_losses(epsilon, releases, 1e-6)
    guesses = plan.best_guesses(epsilon, releases, 1e-6, totals)
    assert guesses["exact"]["optimal"] <= guesses["from_epsilon_delta"]["optimal"] + 1e-12
    assert guesses["exact"]["pld"] <= guesses["exact"]["optimal"] + 1e-3
    assert guesses["exact"]["optimal"] == pytest.approx(
        (1 + _rr_total_variation(epsilon, releases)) / 2, abs=1e-9
    )


def test_the_loss_exceeds_the_total_with_more_than_delta_probability():
    """Why "odds multiplied by at most e^ε' except with probability δ" is not what (ε', δ) means:
    for 52 randomised-response releases at ε = 0.1 the privacy loss exceeds ε' = 3.241 with
    probability about 5.4e-6 > δ = 1e-6, while the releases are still (3.241, 1e-6)-DP."""
    from scipy.stats import binom

    total = optimal_composition(0.1, 52, 1e-6)
    flips = np.arange(53)
    loss = 0.1 * (52 - 2 * flips)
    chance = binom.pmf(flips[loss > total], 52, 1 / (1 + math.exp(0.1))).sum()
    assert chance == pytest.approx(5.4e-6, rel=0.05)
    assert optimal_delta(total, 0.1, 52) <= 1e-6
