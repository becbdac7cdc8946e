"""Room codes, keys, and the randomised-response maths: ε, the estimator and its interval."""

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from core.rooms import workshop as rooms
from core.rooms.workshop import (
    COINS,
    PICK_EPSILON,
    RANDOMISED_RESPONSE,
    ROOM_CONSENT,
    RoomError,
    check_answer,
    estimate_true_share,
    randomise,
)
from core.setting.scenario import EPSILON_STOPS, Scenario
from core.setting.schema import CATEGORIES

TRUTH_PROBABILITIES = sorted(coin.truth_probability for coin in COINS.values())


# -- codes and keys ------------------------------------------------------------------------------
def test_room_codes_use_the_unambiguous_alphabet():
    """Codes look like K7Q-2MF and never contain 0, 1, I, L or O."""
    codes = {rooms.new_room_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == 7 and code[3] == "-"
        assert not set(code.replace("-", "")) & set("01ILO")
        assert rooms.normalise_room_code(code) == code


@pytest.mark.parametrize("typed", ["k7q-2mf", "K7Q2MF", " k7q 2mf ", "K7Q-2MF"])
def test_typed_codes_are_read_leniently(typed):
    """Case, spaces and the dash do not matter when a code is typed."""
    assert rooms.normalise_room_code(typed) == "K7Q-2MF"


@pytest.mark.parametrize("bad", ["", "K7Q-2M", "K7Q-2MFF", "K0Q-2MF", "KIQ-2MF", "<b>x</b>", 42])
def test_bad_codes_name_the_format(bad):
    """A wrong code says what a code looks like and echoes what was typed."""
    with pytest.raises(RoomError, match="room code"):
        rooms.normalise_room_code(bad)


def test_secrets_are_stored_hashed_and_compared_safely():
    """A key matches its own hash only; wrong, empty and non-text keys do not match."""
    key = rooms.new_secret()
    stored = rooms.hash_secret(key)
    assert key not in stored and len(stored) == 64
    assert rooms.secret_matches(key, stored)
    for wrong in (rooms.new_secret(), "", None, key[:-1], key + "x", 123):
        assert not rooms.secret_matches(wrong, stored)


@pytest.mark.parametrize("hours", [0, -1, 73, math.inf, math.nan])
def test_room_hours_are_checked(hours):
    """A room lives more than 0 and at most 72 hours."""
    with pytest.raises(ValueError, match="'hours' parameter"):
        rooms.check_room_hours(hours)


def test_questions_are_checked_and_kept_verbatim():
    """Markup is kept as text (escaping is the page's job); empty and long questions refused."""
    assert rooms.check_question("  Have you <b>ever</b>\n lied? ") == "Have you <b>ever</b> lied?"
    with pytest.raises(RoomError, match="Type a yes/no question"):
        rooms.check_question("   ")
    with pytest.raises(RoomError, match="at most 200"):
        rooms.check_question("x" * 201)


# -- ε and odds ----------------------------------------------------------------------------------
def test_fair_coin_is_ln3():
    """The fair-coin protocol: P(yes|yes) = 3/4, P(yes|no) = 1/4, ε = ln 3, odds 3 : 1."""
    p = COINS["fair"].truth_probability
    assert rooms.yes_probability(p, True) == 0.75 and rooms.yes_probability(p, False) == 0.25
    assert rooms.randomised_response_epsilon(p) == pytest.approx(math.log(3), abs=1e-15)
    assert rooms.posterior_odds(math.log(3)) == pytest.approx(3.0)
    assert rooms.odds_text(rooms.posterior_odds(COINS["fair"].epsilon)) == "3 : 1"


@pytest.mark.parametrize("p", TRUTH_PROBABILITIES)
def test_epsilon_is_the_worst_likelihood_ratio(p):
    """ε equals the larger of the yes and no likelihood ratios (both are the same)."""
    yes_ratio = rooms.yes_probability(p, True) / rooms.yes_probability(p, False)
    no_ratio = (1 - rooms.yes_probability(p, False)) / (1 - rooms.yes_probability(p, True))
    assert math.log(yes_ratio) == pytest.approx(rooms.randomised_response_epsilon(p))
    assert math.log(no_ratio) == pytest.approx(rooms.randomised_response_epsilon(p))


def test_a_more_truthful_coin_costs_more_epsilon():
    """Cautious < fair < candid in ε: ln(5/3), ln 3, ln 7."""
    eps = [COINS[name].epsilon for name in ("cautious", "fair", "candid")]
    assert eps == pytest.approx([math.log(5 / 3), math.log(3), math.log(7)])


@pytest.mark.parametrize("p", TRUTH_PROBABILITIES)
def test_the_device_coin_follows_the_protocol(p):
    """Simulated coin flips say yes at (1+p)/2 for a true yes and (1−p)/2 for a true no."""
    rng = random.Random(12)
    n = 40_000
    for true_yes, expected in ((True, (1 + p) / 2), (False, (1 - p) / 2)):
        outcomes = [randomise(true_yes, p, rng.random) for _ in range(n)]
        share = sum(o.said_yes for o in outcomes) / n
        # 5 standard errors: fails on a wrong protocol (differences ≥ 0.125), never by chance.
        assert abs(share - expected) < 5 * math.sqrt(expected * (1 - expected) / n)
        truthful = [o for o in outcomes if o.truth_heads]
        assert all(o.said_yes == true_yes and o.second_heads is None for o in truthful)
        assert all(o.said_yes == o.second_heads for o in outcomes if not o.truth_heads)


# -- the estimator -------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(
    p=st.sampled_from(TRUTH_PROBABILITIES),
    true_share=st.floats(0, 1),
    answers=st.integers(1, 300),
)
def test_estimator_is_exactly_unbiased(p, true_share, answers):
    """E[π̂] = π, summed exactly over the binomial distribution of "yes" answers."""
    yes_rate = rooms.yes_probability(p, true_share)
    k = np.arange(answers + 1)
    estimates = [estimate_true_share(int(i), answers, p).estimate for i in k]
    expected = float(np.dot(binom.pmf(k, answers, yes_rate), estimates))
    assert expected == pytest.approx(true_share, abs=1e-9)


@pytest.mark.parametrize("p", TRUTH_PROBABILITIES)
@pytest.mark.parametrize("answers", [20, 60])
def test_interval_coverage_is_near_95_percent_exactly(p, answers):
    """Exact coverage (summed over the binomial) stays within [0.92, 0.99] on a grid of π."""
    k = np.arange(answers + 1)
    intervals = [estimate_true_share(int(i), answers, p) for i in k]
    for true_share in np.linspace(0, 1, 41):
        pmf = binom.pmf(k, answers, rooms.yes_probability(p, true_share))
        covered = [e.low - 1e-12 <= true_share <= e.high + 1e-12 for e in intervals]
        coverage = float(np.dot(pmf, covered))
        assert 0.92 <= coverage <= 0.995, (p, answers, true_share, coverage)


@pytest.mark.parametrize(("p", "true_share"), [(0.5, 0.3), (0.25, 0.6), (0.75, 0.1)])
def test_simulated_rooms_of_60(p, true_share):
    """4,000 simulated rooms of 60 (seeded): mean estimate within 0.01 of π, coverage 93–97%."""
    rng = random.Random(2026)
    estimates, covered = [], 0
    for _ in range(4_000):
        truths = [rng.random() < true_share for _ in range(60)]
        said = sum(randomise(t, p, rng.random).said_yes for t in truths)
        result = estimate_true_share(said, 60, p)
        estimates.append(result.estimate)
        # The interval is for the population share the room was drawn from.
        covered += result.low <= true_share <= result.high
    assert abs(np.mean(estimates) - true_share) < 0.01
    assert 0.93 <= covered / 4_000 <= 0.97


def test_estimate_edges():
    """No answers: nothing estimated; all yes/all no: clipped display and interval in [0, 1]."""
    empty = estimate_true_share(0, 0, 0.5)
    assert (
        empty.estimate is None and empty.low is None and empty.epsilon == pytest.approx(math.log(3))
    )
    all_no = estimate_true_share(0, 10, 0.5)
    assert all_no.estimate == pytest.approx(-0.5) and all_no.shown_estimate == 0.0
    assert all_no.low == 0.0 and 0 < all_no.high < 1
    all_yes = estimate_true_share(10, 10, 0.5)
    assert all_yes.shown_estimate == 1.0 and all_yes.high == 1.0
    with pytest.raises(ValueError, match="said_yes"):
        estimate_true_share(11, 10, 0.5)
    with pytest.raises(ValueError, match="truth_probability"):
        estimate_true_share(1, 10, 1.0)


# -- answers and the two other activities --------------------------------------------------------
def consent(opt_out=False, **shared):
    return {"share": {c: shared.get(c, False) for c in CATEGORIES}, "opt_out": opt_out}


@pytest.mark.parametrize(
    ("kind", "answer"),
    [
        (RANDOMISED_RESPONSE, {"said_yes": "yes"}),
        (RANDOMISED_RESPONSE, {"said_yes": True, "truth": True}),
        (ROOM_CONSENT, {"share": {"location": True}, "opt_out": False}),
        (ROOM_CONSENT, {"share": {c: 1 for c in CATEGORIES}, "opt_out": False}),
        (PICK_EPSILON, {"epsilon": 0.3}),
        (PICK_EPSILON, {"epsilon": True}),
        ("poll", {"x": 1}),
        (RANDOMISED_RESPONSE, ["said_yes"]),
    ],
)
def test_bad_answers_are_refused(kind, answer):
    """Malformed answers (extra fields, wrong types, ε off the stops) are refused, not stored."""
    with pytest.raises(RoomError):
        check_answer(kind, answer)


def test_room_consent_becomes_a_valid_scenario():
    """Four participants' choices become the Scenario's consent and opt-out shares."""
    answers = [
        consent(location=True, purchases=True),
        consent(location=True),
        consent(opt_out=True),
        consent(demographics=True, location=True, browsing=True, purchases=True),
    ]
    scenario = rooms.room_scenario(answers, base=Scenario(epsilon=2))
    assert scenario.epsilon == 2
    assert (scenario.consent_demographics, scenario.consent_location) == (0.25, 0.75)
    assert (scenario.consent_browsing, scenario.consent_purchases) == (0.25, 0.5)
    assert scenario.opt_out == 0.25
    assert Scenario.from_params(scenario.to_params()) == scenario
    assert rooms.room_scenario([]) is None


def test_epsilon_choices_count_every_stop():
    """Counts per ε stop (zeros included) and a median somebody actually picked."""
    picks = [{"epsilon": e} for e in (0.5, 1.0, 1.0, 10.0)]
    summary = rooms.epsilon_choices(picks)
    assert list(summary.counts) == list(EPSILON_STOPS)
    assert summary.counts[1.0] == 2 and summary.counts[0.5] == 1 and summary.total == 4
    assert summary.median == 1.0
    assert rooms.epsilon_choices([]).median is None


@pytest.mark.parametrize(
    ("choices", "revealed", "shown"),
    [
        (0, False, False),
        (1, False, False),
        (rooms.MIN_CONSENT_CHOICES, False, False),  # never live: changes would show each choice
        (60, False, False),
        (rooms.MIN_CONSENT_CHOICES - 1, True, False),
        (rooms.MIN_CONSENT_CHOICES, True, True),
        (60, True, True),
    ],
)
def test_consent_totals_only_once_revealed_and_from_the_minimum(choices, revealed, shown):
    """Consent totals are released once, on reveal, and only from MIN_CONSENT_CHOICES choices."""
    assert rooms.consent_totals_shown(choices, revealed) is shown
    if not shown:
        text = rooms.consent_withheld_text(choices, revealed)
        assert str(choices) in text and str(rooms.MIN_CONSENT_CHOICES) in text


def test_most_private_pick_is_the_smallest_epsilon_picked():
    """The smallest ε somebody picked, whatever the order; None with no picks."""
    picks = [{"epsilon": e} for e in (5.0, 0.5, 1.0)]
    assert rooms.epsilon_choices(picks).most_private == 0.5
    assert rooms.epsilon_choices([]).most_private is None


def test_estimate_from_answers_counts_the_yes_answers():
    """Stored answers give the same estimate as their counts; malformed ones are refused."""
    answers = [{"said_yes": True}, {"said_yes": True}, {"said_yes": False}]
    assert rooms.estimate_from_answers(answers, 0.5) == estimate_true_share(2, 3, 0.5)
    assert rooms.estimate_from_answers([], 0.25) == estimate_true_share(0, 0, 0.25)
    with pytest.raises(RoomError):
        rooms.estimate_from_answers([{"said_yes": "yes"}], 0.5)


# -- what the room pages say ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("number", "text"), [(0, "0 answers"), (1, "1 answer"), (2, "2 answers"), (60, "60 answers")]
)
def test_counts_are_plural_unless_one(number, text):
    """A count reads '1 answer' and otherwise takes the plural."""
    assert rooms.count_text(number, "answer") == text


def test_closing_and_status_lines():
    """The facilitator's close message and the projector's status line name room and count."""
    assert rooms.closed_room_text("K7Q-2MF", 1) == "Room K7Q-2MF closed; 1 answer deleted."
    assert rooms.closed_room_text("K7Q-2MF", 0) == "Room K7Q-2MF closed; 0 answers deleted."
    assert (
        rooms.projector_status_text("K7Q-2MF", 3, False, 1.5)
        == "Room K7Q-2MF · 3 answers · answers open · updates every 1.5 s"
    )
    assert (
        rooms.projector_status_text("K7Q-2MF", 1, True, 1.5) == "Room K7Q-2MF · 1 answer · revealed"
    )


@pytest.mark.parametrize(("name", "epsilon"), [("fair", "ln 3"), ("candid", "ln 7")])
def test_coin_choice_names_its_epsilon(name, epsilon):
    """Each coin is offered with its label and the ε of one answer."""
    text = rooms.coin_choice_text(COINS[name])
    assert text.startswith(COINS[name].label + ": ε = " + epsilon + " ≈ ")


def test_randomised_response_headlines():
    """Estimate, raw share and ε per answer; how sure about one person only once revealed."""
    result = estimate_true_share(2, 3, 0.5)
    live = rooms.randomised_response_headlines(result, COINS["fair"], revealed=False)
    assert [item[0] for item in live] == [
        "Truly yes (estimate)",
        "Said yes after the coin",
        "ε per answer",
    ]
    assert live[0][1] == "83%" and live[0][2].startswith("95% interval ")
    assert live[1][1:3] == ("67%", "3 answers")
    assert live[2][1:3] == ("ln 3", "≈ 1.10 · fair coin")
    revealed = rooms.randomised_response_headlines(result, COINS["fair"], revealed=True)
    assert revealed[:3] == live
    assert revealed[3][:3] == (
        "How sure about one person?",
        "3 : 1",
        "at most 75%, from an even guess",
    )
    empty = rooms.randomised_response_headlines(
        estimate_true_share(0, 0, 0.5), COINS["fair"], revealed=False
    )
    assert [item[1] for item in empty[:2]] == ["—", "—"] and empty[0][2] == "—"
    one = rooms.randomised_response_headlines(
        estimate_true_share(1, 1, 0.5), COINS["fair"], revealed=False
    )
    assert one[1][2] == "1 answer"


def test_consent_headlines():
    """The room's accuracy with its spread and data collected, everyone's, and the opted-out's."""
    result = {
        "accuracy": 0.41,
        "accuracy_std": 0.0123,
        "data_collected_share": 0.55,
        "segments": {"opted_out": {"accuracy": 0.2}},
    }
    items = rooms.consent_headlines(result, {"accuracy": 0.5}, {"opt_out": 0.4}, epsilon=1.0)
    assert [item[:3] for item in items] == [
        ("The room's choices", "41%", "± 1.2 pp · 55% of the data collected"),
        ("Everyone shares all", "50%", "same ε = 1, nobody opts out"),
        ("Opted out get", "20%", "popular items · 40% of the room"),
    ]


def test_epsilon_headlines():
    """How many picked, the median with its odds, the most private pick; dashes with none."""
    picks = rooms.epsilon_choices([{"epsilon": e} for e in (0.5, 1.0, 1.0)])
    assert rooms.epsilon_headlines(picks) == [
        ("Picks", "3", "from the room", ""),
        ("Median ε", "1", f"odds about you grow at most {rooms.odds_text(math.e)}", ""),
        ("Most private pick", "0.5", "", ""),
    ]
    assert [item[1:3] for item in rooms.epsilon_headlines(rooms.epsilon_choices([]))] == [
        ("0", "from the room"),
        ("—", ""),
        ("—", ""),
    ]


@pytest.mark.parametrize(("name", "odds"), [("fair", "3 : 1"), ("cautious", "5 : 3")])
def test_a_phone_says_how_sure_anyone_can_be(name, odds):
    """Before answering, a phone names the coin's likelihood ratio, the odds and its ε."""
    coin = COINS[name]
    text = rooms.randomised_response_odds_text(coin)
    assert f"at most {odds} sure" in text
    assert f"{math.exp(coin.epsilon):.3g} times as likely" in text
    assert f"(ε = {rooms.epsilon_text(coin.epsilon)} for this one question)" in text
    assert text.endswith("The server never sees a coin.")


def test_a_phone_reads_the_revealed_result():
    """The interval, the count and raw yes share, and the odds about one person; none from 0."""
    text = rooms.randomised_response_result_text(estimate_true_share(2, 3, 0.5))
    assert text.startswith("95% interval: **")
    assert "from 3 answers, of which 67% said yes after the coin." in text
    assert "At most **3 : 1** (75%)" in text and text.endswith("ε = ln 3 ≈ 1.10.")
    assert "from 1 answer," in rooms.randomised_response_result_text(estimate_true_share(1, 1, 0.5))
    with pytest.raises(ValueError, match="at least one answer"):
        rooms.randomised_response_result_text(estimate_true_share(0, 0, 0.5))


def test_a_phone_lists_the_consent_totals():
    """One line per category in the schema's order, under its label, then opting out."""
    shares = {f"consent_{c}": i / 4 for i, c in enumerate(CATEGORIES)} | {"opt_out": 0.4}
    text = rooms.consent_totals_text(shares, {c: c.title() for c in CATEGORIES})
    lines = text.splitlines()
    assert lines[0] == "#### What the room would share"
    assert lines[1:-1] == [f"- {c.title()}: **{i / 4:.0%}**" for i, c in enumerate(CATEGORIES)]
    assert lines[-1] == "- Opt out entirely: **40%**"


@pytest.mark.parametrize("name", sorted(COINS))
def test_randomised_response_sentences_say_the_coin_is_never_sent(name):
    """The phone's instructions and the projector's note: only the randomised yes/no is sent
    (check_answer accepts nothing but a yes/no for this activity)."""
    coin = COINS[name]
    instructions = rooms.coin_instructions_text(coin)
    assert coin.real_coins in instructions and "never sent" in instructions
    note = rooms.randomised_response_server_text(coin)
    assert "only the randomised yes/no" in note and "never a coin" in note
    assert note.endswith(coin.real_coins)
    with pytest.raises(RoomError):
        check_answer(RANDOMISED_RESPONSE, {"said_yes": True, "coin": "heads"})


def test_consent_sentences_say_not_private_and_name_the_threshold():
    """The consent activity is not DP, and both the phone and the projector say so; the phone's
    note names the same minimum the projector enforces (consent_totals_shown)."""
    text = rooms.consent_not_private_text()
    assert "not differentially private" in text
    assert f"at least {rooms.MIN_CONSENT_CHOICES} people" in text
    assert not rooms.consent_totals_shown(rooms.MIN_CONSENT_CHOICES - 1, revealed=True)
    assert rooms.consent_totals_shown(rooms.MIN_CONSENT_CHOICES, revealed=True)
    assert text.endswith(rooms.SERVER_SEES)
    assert rooms.CONSENT_PROJECTOR_NOTE.startswith("Not differential privacy")


def test_what_the_server_sees_names_the_token_and_no_identifiers():
    """The phones' note on what the server keeps: the answer and a browser token, no name or IP
    (held in tests/core/test_room_store.py: test_only_hashes_are_stored,
    test_closing_deletes_answers_and_refuses_new_ones)."""
    assert "only the answer you send, and a random token" in rooms.SERVER_SEES
    assert "no name and no IP address" in rooms.SERVER_SEES
    assert "Closing the room deletes the answers" in rooms.SERVER_SEES
