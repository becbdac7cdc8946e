"""One figure and one wording per number, on every page (issue 20, items 2, 3 and 6)."""

import math
import re

import pytest

from core.engine import build_workbench, evaluate
from core.engine.lenses import attack_rows
from core.presentation.explain import (
    anonymity_takeaway,
    attack_cap_sentence,
    audit_rates_sentence,
    audit_scope_sentence,
    epsilon_card,
    frontier_takeaway,
    group_gap_sentence,
    local_limit_sentence,
    model_budget_words,
    privacy_label,
    structure_limit_sentence,
)
from core.presentation.export import comparison_numbers, comparison_table
from core.privacy.guarantee import person_auc_bound, person_epsilon, person_guess_bound
from core.privacy.metrics import membership_guess_bound
from core.setting.formatting import guess_text, odds_factor_text, signed_points, spread_words
from core.setting.scenario import Scenario
from core.setting.schema import load_schema

SMALL = {"profiles": 2_000, "repeats": 3}


@pytest.fixture(scope="module")
def k5():
    scenario = Scenario(epsilon=0.5, k=5, **SMALL)
    return scenario, evaluate(scenario)


def test_the_guess_under_k_anonymity_is_the_group_bound_everywhere(k5):
    """evaluate(), Save & compare's table, its CSV and the Explore card give one figure: k·ε."""
    scenario, result = k5
    expected = membership_guess_bound(5 * 0.5)
    assert result["person_epsilon"] == pytest.approx(2.5)
    assert result["max_membership_guess"] == pytest.approx(expected)
    named = {"k5": (scenario, result)}
    shown = comparison_table(named).loc["Attacker's best guess (cap)", "k5"]
    assert shown == guess_text(expected) == "92%"
    assert comparison_numbers(named)["Attacker's best guess (cap) (%)"][0] == pytest.approx(
        math.floor(10_000 * expected) / 100
    )
    # Explore's card is built from person_epsilon(k, ε): the same headline.
    assert epsilon_card(person_epsilon(5, 0.5))["headline"] == f"≤ {shown} right"


def test_the_attack_audit_cap_is_the_group_bound_under_k_anonymity():
    """The membership attack's cap at k = 16 is k·ε's, not the per-record ε's."""
    scenario = Scenario(k=16, opt_out=0.55, **SMALL)
    rows = attack_rows(build_workbench(scenario), [0.05])
    row = rows.iloc[0]
    spent = row["person_epsilon"] / 16
    assert row["theoretical_max_auc"] == pytest.approx(person_auc_bound(16, spent))
    assert row["theoretical_max_guess"] == pytest.approx(person_guess_bound(16, spent))
    assert row["theoretical_max_auc"] > 0.6  # k·ε = 0.8, where ε = 0.05 alone capped it at 0.512


def test_an_interval_crossing_the_cap_is_explained():
    """The issue's case (AUC 0.514, CI 0.496–0.532, cap 0.512): said and explained as noise."""
    sentence = attack_cap_sentence(0.514, 0.496, 0.532, 0.512, 1, 0.05)
    assert "0.514" in sentence and "0.512" in sentence and "sampling noise" in sentence
    assert "no evidence of a breach" in sentence
    above = attack_cap_sentence(0.6, 0.55, 0.65, 0.512, 1, 0.05)
    assert "wholly above" in above
    assert attack_cap_sentence(0.50, 0.48, 0.51, 0.512, 1, 0.05) is None
    grouped = attack_cap_sentence(0.7, 0.68, 0.72, 0.69, 16, 0.05)
    assert "k·ε = 0.8" in grouped


def test_audit_scope_names_the_group_bound_with_k_anonymity():
    """At k > 1 the audit's surviving claim is said of the table, with k·ε for one person."""
    assert audit_scope_sentence(1, 0.45) is None
    text = audit_scope_sentence(16, 0.45)
    assert "k·ε = 7.2" in text and "not about one person" in text


@pytest.mark.parametrize(
    ("caught", "alarm", "words"),
    [(1.0, 1.0, "could not tell them apart"), (0.0, 0.0, "could not tell them apart")],
)
def test_audit_rates_that_are_equal_do_not_read_as_success(caught, alarm, words):
    """'caught 100.0% … false alarm on 100.0%' says the attack failed to separate the sides."""
    assert words in audit_rates_sentence(caught, alarm)
    assert "a gap of 60.0 points" in audit_rates_sentence(0.8, 0.2)


@pytest.mark.parametrize("epsilon", [1.43, 1.4, 0.047, 2.26, 9.96])
def test_e_to_the_epsilon_is_computed_from_the_epsilon_shown(epsilon):
    """'Smallest ε 1.4 … e^ε = 3.9' can be checked with a calculator: e^(shown ε)."""
    sentence = epsilon_card(epsilon)["sentence"]
    shown = float(re.search(r"With ε = ([\d.]+)", sentence).group(1))
    odds = float(re.search(r"e\^ε = ([\d.,]+)\.", sentence).group(1).replace(",", ""))
    assert odds == pytest.approx(round(math.exp(shown), 1))
    assert odds_factor_text(epsilon) == f"{math.exp(shown):,.1f}"


@pytest.mark.parametrize(
    ("guess", "text"), [(0.62, "62%"), (0.996, "99.6%"), (0.99996, "99.9+%"), (1.0, "99.9+%")]
)
def test_one_guess_format(guess, text):
    """Never '100%' or '100.0%' for a bound: '99.9+%' on every page and in the exports."""
    assert guess_text(guess) == text


def test_the_label_quotes_the_spread_as_explore_does():
    """The label's '± 1%' became Explore's '± 1.3 pp between noise draws'."""
    scenario = Scenario(**SMALL)
    result = evaluate(scenario)
    measured = dict(privacy_label(scenario, result, load_schema()))[
        "Measured in this simulation (not part of the notice)"
    ]
    assert spread_words(result["accuracy_std"], scenario.repeats) in measured


def test_model_budget_words_match_the_audit():
    """The persona's ε is the model's share, as the audit says: 0.45 of 0.5."""
    assert model_budget_words(0.45, 0.5) == (
        "ε = 0.45 of the release's ε = 0.5 (the other 0.05 pays for the popular-items list)"
    )
    assert model_budget_words(0.5, 0.5) == "ε = 0.5"


@pytest.mark.parametrize(
    ("before", "after", "text"),
    [
        (0.371, 0.370, "37% → 37%: no change at whole points"),
        (0.37, 0.36, "37% → 36%: 1 point lower"),
        (0.30, 0.38, "30% → 38%: 8 points higher"),
    ],
)
def test_changes_are_computed_from_the_percents_shown(before, after, text):
    """The tour's 'k = 50 costs -0.1 points (37% → 37%)' cannot be written any more."""
    assert signed_points(before, after) == text


@pytest.fixture(scope="module")
def with_local():
    scenario = Scenario(epsilon=1.0, local_epsilon=1.0, **SMALL)
    return scenario, evaluate(scenario)


def test_takeaway_with_local_dp_names_the_local_epsilon_as_the_limit(with_local):
    """Local ε = 1: not 'the central ε drowns what the data says' but the local ε's limit."""
    scenario, result = with_local
    text = frontier_takeaway(
        scenario.epsilon,
        result["accuracy"],
        result["accuracy_std"],
        result["popularity_accuracy"],
        result["nonprivate_accuracy"],
        draws=scenario.repeats,
        local_epsilon=scenario.local_epsilon,
        local_ceiling=result["local_plain_accuracy"],
    )
    assert "drowns" not in text
    assert "ε_local = 1" in text and "that is the limit here" in text
    assert f"{result['local_plain_accuracy']:.0%}" in text


def test_an_unreachable_target_with_local_dp_names_the_local_epsilon():
    """Accuracy target: out of reach because of the local ε, said so, with its figure."""
    text = local_limit_sentence(1.0, 0.15, 0.45, 0.3)
    assert "ε_local = 1" in text and "15%" in text and "30%" in text


def test_anonymisation_takeaway_counts_the_local_noise_in_the_dp_cost():
    """With local ε on, the DP cost beside k-anonymity's is said to include the local noise."""
    text = anonymity_takeaway(2.0, 1.0, 0.01, 0.25)
    assert "ε_local = 1 included" in text and "25.0 points" in text
    assert "ε_local" not in anonymity_takeaway(2.0, 0.0, 0.01, 0.25)


def test_a_gap_of_one_point_is_singular():
    """Who pays with local ε on: 'a gap of 1 percentage point', not 'points'."""
    text = group_gap_sentence(1.0, {"Minority tastes": 0.13, "Majority tastes": 0.12})
    assert "a gap of 1 percentage point (" in text


def test_an_unreachable_target_for_the_random_forest_names_its_random_trees():
    """Accuracy target, random forest: the limit is the random structure, not privacy."""
    text = structure_limit_sentence(0.33, 0.60, 0.35)
    assert "random forest" in text and "33%" in text and "No ε changes that" in text
