"""Plain-language sentences: computed numbers, branch phrases, ε interpolation, privacy label."""

import math

import pandas as pd
import pytest

from core.engine import evaluate
from core.presentation.explain import (
    PROTECTION_WORDS,
    SYMBOLIC_PROTECTION,
    consent_gain_sentence,
    epsilon_card,
    frontier_takeaway,
    group_gap_sentence,
    noise_reversal_sentence,
    privacy_label,
    share_of_personalisation,
    smallest_epsilon_for,
    spread_words,
)
from core.setting.formatting import format_epsilon
from core.setting.scenario import EPSILON_STOPS, Scenario

SMALL = {"profiles": 3_000, "repeats": 2}
LABEL_HEADINGS = [
    "What we collect, and why",
    "How it is protected",
    "What you can switch off",
    "Measured in this simulation (not part of the notice)",
]


# -- epsilon_card -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("epsilon", "guess", "odds"),
    [
        (0.01, "50%", "1.0"),
        (1.0, "73%", "2.7"),
        (2.0, "88%", "7.4"),
        (5.0, "99%", "148.4"),
        (10.0, "99.9+%", "22,026.5"),
        (6.0, "99.8%", "403.4"),
        (20.0, "99.9+%", "more than a million"),
    ],
)
def test_epsilon_card_states_the_guess_bound_and_the_odds(epsilon, guess, odds):
    """The sentence quotes e^ε/(1+e^ε) as a percentage (one decimal above 99.5%, never a
    rounded-up 100%) and e^ε itself (hand-computed)."""
    card = epsilon_card(epsilon)
    assert card["headline"] == f"≤ {guess} right"
    assert f"at most {guess} of the time" in card["sentence"]
    assert f"e^ε = {odds}." in card["sentence"]
    assert f"ε = {format_epsilon(epsilon)}," in card["sentence"]


@pytest.mark.parametrize(
    ("epsilon", "strength"),
    [
        (0.1, "strong protection"),  # guess ≤ 52%
        (0.4, "strong protection"),  # 59.9%
        (1.0, "moderate protection"),  # 73%
        (2.0, "weak protection"),  # 88%
        (3.0, "very weak protection"),  # 95%
        (5.0, "mostly symbolic protection"),  # 99.3%: the headline reads "≤ 99% right"
        (50.0, "mostly symbolic protection"),
    ],
)
def test_epsilon_card_strength_follows_the_guess_bound(epsilon, strength):
    """The strength word is read from the best-guess bound (60%, 75%, 90%, 99%, inclusive)."""
    assert epsilon_card(epsilon)["strength"] == strength


def test_protection_words_never_get_stronger_as_epsilon_grows():
    """Along the ε stops the words only weaken: the scale follows the odds."""
    order = [word for _, word in PROTECTION_WORDS] + [SYMBOLIC_PROTECTION]
    ranks = [order.index(epsilon_card(e)["strength"]) for e in EPSILON_STOPS]
    assert ranks == sorted(ranks) and ranks[0] == 0 and ranks[-1] == len(order) - 1


# -- frontier_takeaway --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accuracy", "floor", "ceiling", "phrase"),
    [
        (0.15, 0.2, 0.5, "worse than simply recommending popular items (20%)"),
        (0.195, 0.2, 0.5, "no better than the popular-items list (20%)"),
        (0.205, 0.2, 0.5, "no better than the popular-items list (20%)"),
        (0.35, 0.2, 0.5, ": 50% of the way from the popular-items list (20%) to the model"),
        (0.49, 0.2, 0.5, "as good as without privacy (50%)"),
        (0.2, 0.2, 0.2, "the same as recommending what is popular"),
    ],
    ids=["below-floor", "just-below-floor", "near-floor", "middle", "near-ceiling", "no-gap"],
)
def test_frontier_takeaway_branches(accuracy, floor, ceiling, phrase):
    """Each position between floor and ceiling gets its own phrase after the computed numbers."""
    sentence = frontier_takeaway(1.0, accuracy, 0.02, floor, ceiling)
    assert sentence.startswith(
        f"At ε = 1 the private recommender gets {accuracy:.0%} (± 2.0 pp between noise draws)"
    )
    assert phrase in sentence


def test_share_of_personalisation():
    """The share is 0 at the floor, 1 at the ceiling and None when they coincide."""
    assert share_of_personalisation(0.2, 0.2, 0.6) == 0.0
    assert share_of_personalisation(0.6, 0.2, 0.6) == pytest.approx(1.0)
    assert share_of_personalisation(0.3, 0.2, 0.6) == pytest.approx(0.25)
    assert share_of_personalisation(0.3, 0.4, 0.4) is None


# -- smallest_epsilon_for -----------------------------------------------------------------------


def _frontier(draws: dict[float, list[float]]) -> pd.DataFrame:
    """A frontier table (epsilon, repeat, accuracy) from {ε: [accuracy per repeat]}."""
    return pd.DataFrame(
        [
            {"epsilon": epsilon, "repeat": repeat, "accuracy": accuracy}
            for epsilon, values in draws.items()
            for repeat, accuracy in enumerate(values)
        ]
    )


RISING = _frontier({0.1: [0.2, 0.2], 1.0: [0.3, 0.5], 10.0: [0.6, 0.6]})


@pytest.mark.parametrize(
    ("target", "statistic", "expected"),
    [
        # mean 0.2 -> 0.4 between ε 0.1 and 1: 3/4 of the way in log ε is 10^-0.25.
        (0.35, "mean", 0.5623413251903491),
        # mean 0.4 -> 0.6 between ε 1 and 10: half way in log ε is sqrt(10).
        (0.5, "mean", 3.1622776601683795),
        # Exactly reached at a grid point.
        (0.4, "mean", 1.0),
        # q05 at ε = 1 is 0.3 + 0.05 * 0.2 = 0.31; 0.31 -> 0.6 reaches 0.35 at 10^(0.04/0.29).
        (0.35, "q05", 1.3738237958832638),
    ],
)
def test_smallest_epsilon_interpolates_in_log_epsilon(target, statistic, expected):
    """smallest_epsilon_for interpolates linearly in log ε between frontier points."""
    assert smallest_epsilon_for(RISING, target, statistic=statistic) == pytest.approx(
        expected, rel=1e-9
    )


def test_smallest_epsilon_is_none_when_never_reached():
    """A target above every point of the frontier gives None."""
    assert smallest_epsilon_for(RISING, 0.61) is None


def test_smallest_epsilon_is_the_first_epsilon_when_already_reached():
    """A target below the smallest ε's value gives that ε."""
    assert smallest_epsilon_for(RISING, 0.1) == 0.1
    assert smallest_epsilon_for(RISING, 0.2) == 0.1


def test_smallest_epsilon_ignores_an_early_noisy_crossing():
    """A frontier that dips back below the target counts from where it stays above."""
    wiggly = _frontier({0.1: [0.6], 1.0: [0.3], 10.0: [0.7]})
    assert smallest_epsilon_for(wiggly, 0.5) == pytest.approx(math.sqrt(10), rel=1e-9)


def test_smallest_epsilon_reads_any_column():
    """``column`` selects which frontier column is compared with the target."""
    table = RISING.assign(hit_at_3=RISING["accuracy"] + 0.2)
    assert smallest_epsilon_for(table, 0.7, column="hit_at_3") == pytest.approx(math.sqrt(10))


# -- privacy_label ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def labels(schema):
    """privacy_label for a plain Scenario and for one with every extra control switched on."""
    plain = Scenario(**SMALL)
    guarded = Scenario(k=5, local_epsilon=5.0, opt_out=0.2, consent_location=0.5, **SMALL)
    central = Scenario(k=5, opt_out=0.2, **SMALL)
    # Local DP with everyone opted out: only the popular-items list, learnt from the reports.
    local = Scenario(local_epsilon=1.0, opt_out=1.0, **SMALL)
    named = (("plain", plain), ("guarded", guarded), ("central", central), ("local", local))
    return {
        name: (scenario, result, dict(privacy_label(scenario, result, schema)))
        for name, scenario in named
        for result in [evaluate(scenario)]
    }


@pytest.mark.parametrize("name", ["plain", "guarded"])
def test_privacy_label_has_every_section(labels, name):
    """The label has the four sections, in order, each with text."""
    scenario, result, sections = labels[name]
    assert list(sections) == LABEL_HEADINGS
    assert all(text.strip() for text in sections.values())


def test_privacy_label_mentions_k_anonymity_only_when_k_above_one(labels):
    """k-anonymity appears in the protections only when k > 1, with k and the suppressed share."""
    assert "k-anonymity" not in "".join(labels["plain"][2].values())
    scenario, result, sections = labels["guarded"]
    protection = sections["How it is protected"]
    assert "k-anonymity, k = 5" in protection
    assert f"{result['anonymity']['share_suppressed']:.1%} of records" in protection


def test_privacy_label_mentions_local_dp_only_when_on(labels):
    """Local differential privacy appears only when local_epsilon > 0, with its ε."""
    assert "Local differential privacy" not in "".join(labels["plain"][2].values())
    protection = labels["local"][2]["How it is protected"]
    assert "Local differential privacy, ε_local = 1" in protection
    assert "randomises your whole record" in protection
    assert "computed from those randomised reports" in protection
    assert "We see that you sent something" in protection


def test_privacy_label_says_local_dp_skips_the_quasi_identifiers_with_k(labels):
    """Local DP with k > 1: the label says the quasi-identifiers are sent true for the
    generalisation and local DP does not cover them (issue 19, item 4)."""
    protection = labels["guarded"][2]["How it is protected"]
    assert "Local differential privacy, ε_local = 5" in protection
    assert "randomises your whole record" not in protection
    assert "except your age, gender and postcode region" in protection
    assert "local differential privacy does not cover them" in protection


def test_privacy_label_mentions_the_popularity_budget_only_with_opt_out(labels):
    """The DP popular-items list is described only when someone opted out; it spends central ε,
    under local DP too (a histogram of the randomised reports)."""
    phrase = "is released with differential privacy (ε = 0.1 of the ε above)"
    assert phrase not in labels["plain"][2]["How it is protected"]
    assert phrase in labels["guarded"][2]["How it is protected"]
    assert "randomised purchase-category report" in labels["guarded"][2]["How it is protected"]
    assert phrase in labels["central"][2]["How it is protected"]
    assert "opted-out people included" in labels["central"][2]["How it is protected"]


def test_local_mode_never_states_epsilon_zero(labels):
    """Local DP with everyone opted out releases a list learnt from everyone's reports: the label
    states central ε = 1 (the list's DP histogram) and ε_local = 1, never ε = 0 or "at most 50%"
    (issue 19, item 3)."""
    scenario, result, sections = labels["local"]
    protection = sections["How it is protected"]
    assert result["epsilon_spent"] == pytest.approx(1.0)
    assert "Differential privacy, ε = 1**" in protection
    assert "ε = 0" not in protection and "at most 50%" not in protection
    assert "is released with differential privacy (ε = 1 of the ε above)" in protection
    assert "right at most 73% of the time" in protection


def test_privacy_label_states_group_privacy_under_k_anonymity(labels):
    """With k > 1 the label says the per-person guarantee is group privacy, at best k·ε."""
    protection = labels["central"][2]["How it is protected"]
    assert "not differentially private" in protection
    assert "k·ε = 5" in protection
    assert "group" not in labels["plain"][2]["How it is protected"]


def test_privacy_label_sets_the_exact_figures_apart(labels):
    """The measured accuracies sit in their own section that says they are exact statistics
    and that the guarantee assumes secret noise."""
    measured = labels["plain"][2]["Measured in this simulation (not part of the notice)"]
    assert "exact statistics" in measured
    assert "noise is secret" in measured


@pytest.mark.parametrize("name", ["plain", "guarded"])
def test_privacy_label_quotes_the_result(labels, name):
    """The measured section and collected shares are the evaluated numbers."""
    scenario, result, sections = labels[name]
    cost = sections["Measured in this simulation (not part of the notice)"]
    assert f"right {result['accuracy']:.0%} of the time" in cost
    assert f"against {result['nonprivate_accuracy']:.0%} for the same model without" in cost
    location = result["category_collected_share"]["location"]
    assert f"collected from {location:.0%} of people" in sections["What we collect, and why"]
    assert (
        f"({scenario.opt_out:.0%} of people opted out today)" in sections["What you can switch off"]
    )


# -- format_epsilon -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("epsilon", "text"),
    [
        (0.01, "0.01"),
        (0.05, "0.05"),
        (0.123, "0.12"),
        (1.0, "1"),
        (1.71066, "1.7"),
        (7.3, "7.3"),
        (50.0, "50"),
        (99.4, "99"),
        (100.0, "100"),
    ],
)
def test_format_epsilon(epsilon, text):
    """ε is shown with at most two significant digits and no exponent."""
    assert format_epsilon(epsilon) == text


@pytest.mark.parametrize("epsilon", [99.5, 99.7])
def test_format_epsilon_has_no_exponent_just_below_100(epsilon):
    """A valid ε just below 100 is shown as "100", not "1e+02"."""
    assert format_epsilon(epsilon) == "100"


def test_spread_words_one_unit_and_no_spread_from_one_draw():
    """Headline and takeaway quote the spread in pp with one decimal; one draw measures none."""
    assert spread_words(0.0271, 10) == "± 2.7 pp between noise draws"
    assert spread_words(0.0, 1) == "one draw: no spread measured"
    assert "one draw: no spread measured" in frontier_takeaway(1.0, 0.3, 0.0, 0.2, 0.5, draws=1)


def test_takeaway_says_when_the_private_model_beats_the_ceiling():
    """Small uploads can put the private model above its exact twin: the text says why."""
    text = frontier_takeaway(100.0, 0.40, 0.01, 0.20, 0.35)
    assert "more than the same model without privacy (35%)" in text
    assert "small-data effect" in text


def test_group_gap_adds_up_from_the_rounded_percents():
    """'40% … 32%: a gap of 8 points' even when the unrounded gap rounds to 9."""
    text = group_gap_sentence(1.0, {"Common tastes": 0.404, "Rare tastes": 0.3159})
    assert "get 40% of recommendations right" in text
    assert "rare tastes 32%: a gap of 8 percentage points" in text
    assert group_gap_sentence(1.0, {"Everyone": 0.4}) is None


def _dipping_frontier(spread: float) -> pd.DataFrame:
    rows = []
    for epsilon, mean in ((0.01, 0.20), (0.1, 0.15), (1.0, 0.30)):
        for repeat, noise in enumerate((-spread, 0.0, spread)):
            rows.append({"epsilon": epsilon, "repeat": repeat, "accuracy_minority": mean + noise})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("spread", "why"), [(0.05, "overlap"), (0.001, "by chance")])
def test_noise_reversal_is_named_and_explained(spread, why):
    """A group better at ε = 0.01 than at 0.1 gets a sentence: noise, with or without overlap."""
    text = noise_reversal_sentence(_dipping_frontier(spread), {"accuracy_minority": "Rare tastes"})
    assert text.startswith("Rare tastes: right 20% of the time at ε = 0.01 but 15% at ε = 0.1")
    assert "not a real effect" in text and why in text


def test_no_reversal_sentence_for_a_rising_curve():
    """A curve that only rises gets no sentence."""
    table = _dipping_frontier(0.01)
    table.loc[table["epsilon"] == 0.1, "accuracy_minority"] += 0.1
    assert noise_reversal_sentence(table, {"accuracy_minority": "Rare tastes"}) is None


def test_consent_sentence_has_units_and_sign_words():
    """Signed points become 'raises/lowers it by N percentage points'; −0 reads as no change."""
    text = consent_gain_sentence(1.0, {"browsing": 0.083, "location": -0.004})
    assert "**browsing** data raises it by 8 percentage points of accuracy for everyone" in text
    assert "**location**, changes it by less than one percentage point." in text
    assert "noise" not in text


@pytest.mark.parametrize(("noise", "phrase"), [(0.03, "within the noise"), (0.005, "larger than")])
def test_consent_sentence_explains_a_drop_only_when_it_happens(noise, phrase):
    """A category whose sharing lowers accuracy gets a word on the noise; beyond it, why."""
    text = consent_gain_sentence(1.0, {"browsing": 0.08, "location": -0.02}, {"location": noise})
    assert "**location**, lowers it by 2 percentage points." in text
    assert phrase in text
    assert ("withholding it raises accuracy" in text) == (phrase == "larger than")
