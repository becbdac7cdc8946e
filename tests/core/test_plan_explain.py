"""The planner's sentences are built from the computed numbers and say what holds."""

import math

import numpy as np
import pytest

from core.over_time import plan as planner
from core.over_time.plan import Plan
from core.over_time.plan_explain import (
    HEADLINE_METHOD,
    budget_takeaway,
    curve_takeaway,
    headline,
    horizon_words,
    local_note,
    unit_sentences,
)
from core.privacy import guarantee

POINT = {"accuracy": 0.31, "accuracy_q05": 0.27, "accuracy_q95": 0.35}
REFS = {"popularity_accuracy": 0.19, "nonprivate_accuracy": 0.55}


def test_headline_uses_the_accountant_true_for_any_release():
    """The answer states the optimal composition total, its δ, odds and guess bound."""
    plan = Plan(epsilon=0.1, releases_per_year=52, years=1, delta=1e-6)
    totals = planner.total_losses(0.1, 52, 1e-6)
    text = headline(plan, totals, POINT, REFS)
    assert HEADLINE_METHOD == "optimal"
    assert "a year of weekly retraining (52 releases)" in text
    assert f"ε = {totals['optimal']:.3g} (δ = 1e-06)" in text
    assert f"{math.exp(totals['optimal']):,.1f}" in text
    assert f"{planner.guess_bound(totals['optimal'], 1e-6):.0%}" in text
    assert "31%" in text and "27%" in text and "35%" in text and "19%" in text


@pytest.mark.parametrize(
    ("per_year", "years", "words"),
    [(52, 1, "a year of weekly retraining"), (12, 2.5, "2.5 years of monthly retraining")],
)
def test_horizon_words(per_year, years, words):
    """Named cadences and horizons in words; other cadences as a count."""
    assert horizon_words(Plan(releases_per_year=per_year, years=years)) == words
    assert horizon_words(Plan(releases_per_year=6)) == "a year of retraining 6 times a year"


def test_odd_cadences_and_hopeless_totals_read_well():
    """One yearly release is singular; a total that stops nothing says so instead of 100%."""
    plan = Plan(epsilon=0.1, releases_per_year=1, years=1)
    text = headline(plan, planner.total_losses(0.1, 1, 1e-6), POINT, REFS)
    assert "a year of yearly retraining (1 release) at" in text
    plan = Plan(epsilon=10, releases_per_year=52)
    text = headline(plan, planner.total_losses(10, 52, 1e-6), POINT, REFS)
    assert "no longer stops an attacker" in text and "100%" not in text


def test_curve_takeaway_says_when_the_sum_is_nearly_tight():
    """Many small releases: the sum overstates; few large ones: the accountants agree."""
    many = Plan(epsilon=0.1, releases_per_year=52)
    text = curve_takeaway(many, planner.total_losses(0.1, 52, 1e-6))
    assert text.startswith("Adding up (5.2) overstates")
    few = Plan(epsilon=5.0, releases_per_year=4)
    text = curve_takeaway(few, planner.total_losses(5.0, 4, 1e-6))
    assert text.startswith("Here the accountants nearly agree")


def test_budget_takeaway_reads_daily_and_quarterly():
    """The tension sentence quotes the ε per release and accuracy of both ends."""
    budget = planner.budget_table(1.0, 1e-6)
    table = budget.assign(accuracy=np.where(budget["cadence"] == "daily", 0.15, 0.25))
    text = budget_takeaway(table, 1.0)
    rows = budget[budget["method"] == "optimal"].set_index("cadence")["epsilon_per_release"]
    assert f"ε = {rows['daily']:.3g} per release (15% right)" in text
    assert f"ε = {rows['quarterly']:.3g} (25% right)" in text
    assert "no better than recommending popular items" not in text
    assert "no better than recommending popular items to everyone (19%)" in budget_takeaway(
        table, 1.0, floor=0.19
    )


def test_unit_sentences_name_the_engine_guarantee_and_the_heaviest():
    """Person-level for the engine; m·ε for event-level, quoted at the people's quantiles."""
    events = np.r_[np.zeros(50, int), np.ones(30, int), np.full(19, 10), 100]
    summary = planner.event_summary(events, 0.1, 1e-6)
    sentences = unit_sentences(summary, 0.1, 1e-6)
    assert "differ by add/remove one person" in sentences["guarantee"]
    assert "m·ε (group privacy)" in sentences["event_level"]
    assert "up to 100 (ε = 10)" in sentences["takeaway"]
    assert "20% with more than one purchase" in sentences["takeaway"]


def test_local_note_and_guarantee_words():
    """Local DP over time and the engine's unit come from core.privacy.guarantee's words."""
    assert "afresh for every release" in local_note(0.5)
    summary = planner.event_summary(np.r_[0, 1, 2, 3], 0.1, 1e-6)
    assert guarantee.UNIT in unit_sentences(summary, 0.1, 1e-6)["guarantee"]


def test_headline_gives_both_guesses_and_says_what_epsilon_delta_means():
    """A year of weekly releases at ε = 0.1: the headline gives the exact best guess (64%) beside
    the (ε, δ) cap (96%), says which is which, and no longer reads (ε, δ) as "odds multiplied by
    at most e^ε except with probability δ"."""
    plan = Plan(epsilon=0.1, releases_per_year=52, years=1, delta=1e-6)
    totals = planner.total_losses(0.1, 52, 1e-6)
    text = headline(plan, totals, POINT, REFS)
    assert "right at most 64% of the time" in text
    assert "coin flip at 96% right, the guarantee for any release with this total" in text
    assert "exact for the worst such releases; Laplace releases: 64%" in text
    assert "plus δ" in text
    assert "except with probability δ" not in text
    assert not any("except with probability" in words for words in planner.ASSUMPTIONS.values())
    assert "multiplies an attacker's odds" not in text
