"""Sentences of the privacy-over-time page, built from the planner's computed numbers.

Every privacy sentence here is a claim under the engine's stated guarantee: each release is
ε-DP for one person's whole record (add/remove-one neighbours), about the same people every time.
"""

from __future__ import annotations

import math

import pandas as pd

from core.over_time.plan import CADENCES, Plan, best_guesses
from core.privacy import guarantee
from core.setting.formatting import format_epsilon, guess_text

# The accountant the headline uses: true for any ε-DP release, so for the engine's releases
# (which split ε between several noisy statistics, not one Laplace mechanism).
HEADLINE_METHOD = "optimal"


# Names for the cadences a slider offers besides the four of the budget table.
CADENCE_WORDS = {
    **{count: name for name, count in CADENCES.items()},
    1: "yearly",
    2: "half-yearly",
    26: "fortnightly",
}


def releases_words(count: int) -> str:
    """'1 release', '52 releases'."""
    return f"{count:,} release" + ("" if count == 1 else "s")


def format_total(value: float) -> str:
    """A total ε in 3 significant digits, or with thousands separators past 1,000."""
    return f"{value:.3g}" if value < 1000 else f"{value:,.0f}"


def _odds(epsilon: float) -> str:
    if epsilon > 13:  # e^13 ≈ 440,000
        return "more than 400,000"
    return f"{math.exp(epsilon):,.1f}"


def horizon_words(plan: Plan) -> str:
    """'a year of weekly retraining' / '2.5 years of retraining 26 times a year'."""
    cadence = CADENCE_WORDS.get(plan.releases_per_year)
    span = "a year" if plan.years == 1 else f"{plan.years:g} years"
    every = (
        f"{cadence} retraining" if cadence else f"retraining {plan.releases_per_year} times a year"
    )
    return f"{span} of {every}"


def headline(
    plan: Plan, totals: dict[str, float], point: dict, refs: dict, per_person: bool = True
) -> str:
    """The page's answer: what one person has given up, and what each release still delivers.

    ``point`` has the accuracy at ε per release (``accuracy``, ``accuracy_q05``,
    ``accuracy_q95``); ``refs`` the engine's ``nonprivate_accuracy`` and
    ``popularity_accuracy``. ``per_person`` is False when each release is ε-DP only for the
    stored table (k-anonymity first): the total is then said of a stored record, not a person.
    """
    total = totals[HEADLINE_METHOD]
    guesses = best_guesses(plan.epsilon, plan.releases, plan.delta, totals)
    loose = guesses["from_epsilon_delta"][HEADLINE_METHOD]
    exact = guesses["exact"][HEADLINE_METHOD]
    who = "one person" if per_person else "one stored record (not one person: see k-anonymity)"
    # (ε, δ) bounds every event's probability, P[with] ≤ e^ε·P[without] + δ; it does not say the
    # odds grow by at most e^ε except with probability δ (randomised response exceeds the loss
    # 3.241 with probability 5.4e-6 > δ = 1e-6 at 52 releases of ε = 0.1).
    likely = (
        f"at most e^ε = {_odds(total)} times as likely"
        if total <= 13
        else f"up to e^{format_total(total)} times (more than 400,000 times) as likely"
    )
    meaning = (
        f"anything an attacker can conclude from all the releases is {likely} with them in the "
        "data as without, plus δ."
    )
    if exact < 0.995:
        meaning += (
            " That pair alone caps a guess that starts as a coin flip at "
            f"{guess_text(loose)} right, the guarantee for any release with this total; "
            f"these {releases_words(plan.releases)}"
            f" are each ε = {format_epsilon(plan.epsilon)}-DP, and against them the best "
            f"possible guess is right at most {guess_text(exact)} of the time (exact for the worst "
            "such releases; Laplace releases: "
            f"{guess_text(guesses['exact']['pld'])})."
        )
    else:
        meaning += (
            " The guarantee no longer stops an attacker from telling whether they are in the data."
        )
    return (
        f"After {horizon_words(plan)} ({releases_words(plan.releases)}) at ε = "
        f"{format_epsilon(plan.epsilon)} each, {who} has given up at most ε = "
        f"{format_total(total)} (δ = {plan.delta:g}): {meaning} "
        "Each release still gets "
        f"{point['accuracy']:.0%} of next choices right (90% of noise draws between "
        f"{point['accuracy_q05']:.0%} and {point['accuracy_q95']:.0%}), against "
        f"{refs['popularity_accuracy']:.0%} for the popular items and "
        f"{refs['nonprivate_accuracy']:.0%} with no privacy noise."
    )


def curve_takeaway(plan: Plan, totals: dict[str, float]) -> str:
    """One sentence on the loss curve: how far the accountants are from the simple sum."""
    basic, optimal = totals["basic"], totals["optimal"]
    if optimal >= 0.95 * basic:
        return (
            f"Here the accountants nearly agree: after {releases_words(plan.releases)} the simple "
            "sum "
            f"k·ε = {format_total(basic)} is almost tight (exact optimal composition: "
            f"{format_total(optimal)} at δ = {plan.delta:g}). Few releases or a large ε leave "
            "little to gain from a cleverer accountant."
        )
    return (
        f"Adding up ({format_total(basic)}) overstates the loss: the exact composition of "
        f"{releases_words(plan.releases)} that are each ε-DP is {format_total(optimal)} at "
        f"δ = {plan.delta:g} "
        f"({format_total(totals['pld'])} if each release were one Laplace mechanism; "
        f"{format_total(totals['advanced'])} by diffprivlib's advanced composition), still "
        f"{optimal / plan.epsilon:,.0f} times one release's ε."
    )


def budget_takeaway(table: pd.DataFrame, yearly_budget: float, floor: float | None = None) -> str:
    """The honest tension: a fixed yearly budget, shared by more releases, makes each noisier.

    ``table`` is :func:`core.over_time.plan.budget_accuracy`; the sentence uses the headline
    accountant. ``floor`` (accuracy with no personalisation) adds a warning when daily releases fall
    to it.
    """
    rows = table[table["method"] == HEADLINE_METHOD].set_index("cadence")
    often, rarely = rows.loc["daily"], rows.loc["quarterly"]
    text = (
        f"A budget of ε = {format_epsilon(yearly_budget)} per person per year leaves daily "
        f"retraining ε = {format_total(often['epsilon_per_release'])} per release "
        f"({often['accuracy']:.0%} right) and quarterly retraining "
        f"ε = {format_total(rarely['epsilon_per_release'])} ({rarely['accuracy']:.0%} right): "
        "retraining more often spends the same budget on noisier models."
    )
    if floor is not None and often["accuracy"] <= floor:
        text += (
            f" Daily, each release is no better than recommending popular items to everyone "
            f"({floor:.0%})."
        )
    return text


def local_note(local_epsilon: float) -> str:
    """Local DP over time: fresh randomisation per release adds up; one reused report does not."""
    return (
        f"Local DP (ε_local = {format_epsilon(local_epsilon)}): if each person randomises their "
        "data afresh for every release, their local losses add up in the same way; if one "
        "randomised report is reused for every retraining, it costs nothing more (anything "
        "computed from a private output is as private)."
    )


def unit_sentences(summary: dict, epsilon: float, delta: float) -> dict[str, str]:
    """What event-level ε would mean here, against the engine's person-level ε.

    ``summary`` is :func:`core.over_time.plan.event_summary` of the people's purchase counts.
    """
    q, loss = summary["quantiles"], summary["group_loss"]
    eps = format_epsilon(epsilon)
    return {
        "guarantee": (
            f"The engine's unit of protection is {guarantee.UNIT}; neighbouring data sets differ "
            f"by {guarantee.NEIGHBOURING}. Each release is ε-DP for everything a person "
            "contributes at once, all their purchases "
            f"included. A heavy shopper and someone who bought nothing get the same ε = {eps} "
            "per release."
        ),
        "event_level": (
            f"Many systems state ε per event (one purchase, one click) instead. The same ε = "
            f"{eps} then covers a person with m purchases only at m·ε (group privacy), and a "
            "noisy count that all m purchases change reaches that bound. Only if each purchase "
            "changed a different, separately noised count would the loss compose more gently "
            f"(the dashed line, at δ = {delta:g})."
        ),
        "takeaway": (
            "The heaviest shoppers are the least protected by an event-level ε: half of these "
            f"{summary['people']:,} people have at most {q['median']:.0f} purchases "
            f"(event-level ε up to {format_total(loss['median'])}), the top 1% have "
            f"{q['p99']:.0f} or more (ε ≥ {format_total(loss['p99'])}), up to {q['max']:.0f} "
            f"(ε = {format_total(loss['max'])}); for the {summary['share_more_than_one']:.0%} "
            f"with more than one purchase, an event-level ε = {eps} is weaker than the engine's "
            f"person-level ε = {eps}."
        ),
    }
