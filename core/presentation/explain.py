"""Plain-language sentences computed from results: what a newcomer reads in ten seconds.

Every sentence is built from numbers the engine computed, so it changes with the data.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from core.presentation.figures import frontier_summary
from core.privacy.guarantee import (
    EXACT_FIGURES,
    SECRET_NOISE,
    UNIT,
    k_anonymity_caveat,
    person_epsilon,
    person_guess_bound,
)
from core.privacy.metrics import membership_guess_bound
from core.setting.formatting import (
    format_epsilon,
    guess_text,
    odds_factor_text,
    shown_epsilon,
    spread_words,
)

# The words follow the attacker's best-guess bound shown next to them, not ε itself: a headline
# "≤ 99% right" beside "moderate protection" contradicted itself. (bound, word) in rising order.
PROTECTION_WORDS = (
    (0.60, "strong protection"),  # ε ≤ 0.41: the guess stays close to a coin flip
    (0.75, "moderate protection"),  # ε ≤ 1.1
    (0.90, "weak protection"),  # ε ≤ 2.2
    (0.99, "very weak protection"),  # ε ≤ 4.6
)
SYMBOLIC_PROTECTION = "mostly symbolic protection"


def protection_word(guess_bound: float) -> str:
    """The word for a best-guess bound in [0.5, 1]: 'strong protection' … 'mostly symbolic'."""
    for bound, word in PROTECTION_WORDS:
        if guess_bound <= bound:
            return word
    return SYMBOLIC_PROTECTION


def epsilon_card(epsilon: float) -> dict[str, str]:
    """What ε means for one person, as a headline and a sentence.

    Every figure is computed from ε as shown (1.43 is shown 1.4, and e^ε = 4.1 is e^1.4), so the
    sentence can be checked with a calculator.
    """
    guess = membership_guess_bound(shown_epsilon(epsilon))
    odds_text = odds_factor_text(epsilon)
    return {
        "headline": f"≤ {guess_text(guess)} right",
        "sentence": (
            f"With ε = {format_epsilon(epsilon)}, an attacker who knows everything else about "
            f"the data guesses whether you are in it correctly at most {guess_text(guess)} of "
            "the time, "
            "against 50% by coin flip. Seeing the model can multiply their odds by at most "
            f"e^ε = {odds_text}."
        ),
        "strength": protection_word(guess),
    }


def local_sentence(local_epsilon: float, k: int = 1, quasi_identifiers: str = "") -> str:
    """What local DP protects, for a person: the local part of the guarantee
    (core.privacy.guarantee).

    Everything released in local mode is learnt from the randomised reports, so it is
    ε_local-DP for what a record says; with k > 1 the quasi-identifiers are sent true first.
    """
    guess = guess_text(membership_guess_bound(local_epsilon))
    qi = quasi_identifiers or "quasi-identifiers"
    if k > 1:
        return (
            f"your device randomises your record (what you share and your purchase category) "
            f"before sending it, except your {qi}: with k-anonymity on (k = {k}) they are sent "
            "as they are, so that we can coarsen them together with everyone else's, and local "
            "differential privacy does not cover them. For the rest of your record, everything "
            "we learn and release (the recommender and the popular-items list) comes from the "
            "randomised reports: anyone, us included, guessing between two possible records of "
            f"yours with the same {qi} is right at most {guess} of the time. We see that you "
            "sent something, and which kinds of data you share."
        )
    return (
        "your device randomises your whole record (what you share and your purchase category) "
        "before sending it, and everything we learn and release (the recommender and the "
        "popular-items list) is computed from those randomised reports. So all of it is "
        "ε_local-differentially private for what your record says, even from us: anyone guessing "
        f"between two possible records of yours is right at most {guess} of the time. We see that "
        "you sent something, and which kinds of data you share."
    )


def local_dp_words(scenario, schema) -> str:
    """:func:`local_sentence` for ``scenario``, naming the schema's quasi-identifiers."""
    names = _and_list([f.label.lower() for f in schema.quasi_identifiers])
    return local_sentence(scenario.local_epsilon, scenario.k, names)


def model_budget_words(epsilon_model: float, epsilon_spent: float) -> str:
    """The model's part of the release's ε, in one wording (the persona, the audit).

    'ε = 0.45 of the release's ε = 0.5 (the other 0.05 pays for the popular-items list)', or
    'ε = 0.5' when the model gets all of it. The remainder is computed from the two ε shown.
    """
    if math.isclose(epsilon_model, epsilon_spent, rel_tol=1e-9):
        return f"ε = {format_epsilon(epsilon_model)}"
    rest = shown_epsilon(epsilon_spent) - shown_epsilon(epsilon_model)
    return (
        f"ε = {format_epsilon(epsilon_model)} of the release's ε = {format_epsilon(epsilon_spent)} "
        f"(the other {format_epsilon(rest)} pays for the popular-items list)"
    )


def share_of_personalisation(accuracy: float, floor: float, ceiling: float) -> float | None:
    """Where ``accuracy`` sits between no personalisation (0) and no privacy (1)."""
    if ceiling - floor < 1e-9:
        return None
    return (accuracy - floor) / (ceiling - floor)


def frontier_takeaway(
    epsilon: float,
    accuracy: float,
    accuracy_std: float,
    floor: float,
    ceiling: float,
    structure: float | None = None,
    draws: int = 2,
    local_epsilon: float = 0.0,
    local_ceiling: float | None = None,
) -> str:
    """One sentence on the current point of the frontier (two for a random forest, whose random
    trees cap it below the ceiling whatever ε: ``structure`` is their accuracy without noise).
    ``draws``: how many noise draws the accuracy averages (one draw measures no spread).
    With local DP on, ``local_ceiling`` is a plain model on the randomised reports (no central
    noise): the most any central ε can reach, so the sentence names the local ε as the limit."""
    if local_epsilon > 0 and local_ceiling is not None:
        return _local_sentence(
            epsilon, accuracy, accuracy_std, floor, ceiling, draws, local_epsilon, local_ceiling
        )
    sentence = _frontier_sentence(epsilon, accuracy, accuracy_std, floor, ceiling, draws)
    if structure is None:
        return sentence
    return sentence + (
        f" The private forest's trees split at random, so the splits reveal nothing about anyone;"
        f" even with exact labels those trees get {structure:.0%}. Most of the gap to the ceiling "
        "is that random structure, not the privacy noise."
    )


def _local_sentence(
    epsilon: float,
    accuracy: float,
    accuracy_std: float,
    floor: float,
    ceiling: float,
    draws: int,
    local_epsilon: float,
    local_ceiling: float,
) -> str:
    base = (
        f"At ε = {format_epsilon(epsilon)} the private recommender gets {accuracy:.0%} "
        f"({spread_words(accuracy_std, draws)}) of next choices right"
    )
    limit = (
        f"With local DP on, each person randomises their record with ε_local = "
        f"{format_epsilon(local_epsilon)} before sending it, and that is the limit here: even "
        f"with no central noise a model on those reports gets {local_ceiling:.0%} (with no "
        f"noise at all: {ceiling:.0%}; popular items: {floor:.0%}). No central ε gets past it: the "
        "curve levels off there as ε grows"
    )
    if round(100 * accuracy) >= round(100 * local_ceiling) - 1:
        return f"{base}. {limit}; at this ε the central noise costs almost nothing on top."
    return (
        f"{base}. {limit}; at this ε the central noise costs another "
        f"{round(100 * local_ceiling) - round(100 * accuracy)} points on top."
    )


def _frontier_sentence(
    epsilon: float, accuracy: float, accuracy_std: float, floor: float, ceiling: float, draws: int
) -> str:
    share = share_of_personalisation(accuracy, floor, ceiling)
    base = (
        f"At ε = {format_epsilon(epsilon)} the private recommender gets {accuracy:.0%} "
        f"({spread_words(accuracy_std, draws)}) of next choices right"
    )
    if share is None:
        return base + ", the same as recommending what is popular: nothing is personalised."
    if accuracy < floor - 0.01:
        return (
            base + f": worse than simply recommending popular items ({floor:.0%}). At this ε the "
            "noise drowns what the data says; a careful platform would not personalise at all."
        )
    if share < 0.05:
        return (
            base + f": no better than the popular-items list ({floor:.0%}). At this ε the noise "
            "drowns what the data says."
        )
    if accuracy > ceiling + 0.01:
        return (
            base + f", more than the same model without privacy ({ceiling:.0%}). With few "
            "people the exact model is over-confident and a little noise smooths it: a small-data "
            "effect, not a benefit of privacy."
        )
    if share > 0.95:
        return (
            base + f", as good as without privacy ({ceiling:.0%}): at this ε privacy costs "
            "almost nothing here, and protects little."
        )
    return (
        base + f": {share:.0%} of the way from the popular-items list ({floor:.0%}) to the model "
        f"without privacy ({ceiling:.0%})."
    )


def smallest_epsilon_for(
    table: pd.DataFrame, target: float, column: str = "accuracy", statistic: str = "mean"
) -> float | None:
    """Smallest ε at which ``statistic`` of ``column`` reaches ``target``.

    Interpolates linearly in log ε between the frontier's ε values and returns None when the
    target is never reached. ``statistic`` is "mean" or "q05" (reached in 95% of draws).
    """
    summary = frontier_summary(table, column).sort_values("epsilon")
    eps = summary["epsilon"].to_numpy()
    values = summary[statistic].to_numpy()
    # Smallest ε after which the curve stays above the target (noise can make it wiggle).
    above_from = len(values)
    for i in range(len(values) - 1, -1, -1):
        if values[i] >= target:
            above_from = i
        else:
            break
    if above_from == len(values):
        return None
    if above_from == 0:
        return float(eps[0])
    lo, hi = above_from - 1, above_from
    fraction = (target - values[lo]) / (values[hi] - values[lo])
    log_eps = np.log(eps[lo]) + fraction * (np.log(eps[hi]) - np.log(eps[lo]))
    return float(np.exp(log_eps))


def privacy_label(
    scenario, result: dict, schema, data_words: str = "synthetic people"
) -> list[tuple[str, str]]:
    """A plain-language privacy notice for the Scenario, as (heading, text) sections.

    ``result`` is :func:`core.engine.evaluate` of the same Scenario; every number comes from it.
    The first sections are what a platform would publish; the last one, set apart, carries the
    exact figures this simulation measured, which a real notice could not publish as they are.
    """
    collected = []
    for category, info in schema.category_info.items():
        share = result["category_collected_share"][category]
        collected.append(
            f"- **{info['label']}** ({info['plain']}), {info['purpose']}: "
            f"collected from {share:.0%} of people, only with their consent."
        )
    collected.append(
        "- **What you buy next** (the purchase category the recommender learns to predict) is "
        "collected from everyone who did not opt out, whatever else they consented to."
    )
    epsilon = result["epsilon_spent"]
    card = epsilon_card(epsilon)
    if scenario.k > 1:
        # The per-person sentence would be false: k-anonymity recodes with everyone's data first.
        protections = [
            f"- **Differential privacy, ε = {format_epsilon(epsilon)}**, for the stored "
            f"(k-anonymised) table rather than for each person: see k-anonymity below."
        ]
    else:
        protections = [
            f"- **Differential privacy, ε = {format_epsilon(epsilon)}** ({card['strength']}): "
            f"{card['sentence']} This covers {UNIT}."
        ]
    if result["epsilon_popularity"]:
        counted = (
            "everyone's randomised purchase-category report"
            if scenario.local_epsilon > 0
            else "everyone's purchase category"
        )
        protections.append(
            f"- The popular-items list for people who opt out counts {counted}, opted-out people "
            f"included, and is released with differential privacy "
            f"(ε = {format_epsilon(result['epsilon_popularity'])} of the ε above)."
        )
    anonymity = result["anonymity"]
    if scenario.k > 1:
        names = [f.label.lower() for f in schema.quasi_identifiers]
        protections.append(
            f"- **k-anonymity, k = {scenario.k}**: stored records are generalised "
            f"({anonymity['generalisation']}) so that each looks like at least {scenario.k - 1} "
            f"others in {_and_list(names) or 'its quasi-identifiers'}; "
            f"{anonymity['share_suppressed']:.1%} of records had these details removed. This "
            "does not stop linkage through other attributes. "
            + k_anonymity_caveat(scenario.k, epsilon)
        )
    if scenario.local_epsilon > 0:
        protections.append(
            f"- **Local differential privacy, ε_local = "
            f"{format_epsilon(scenario.local_epsilon)}**: " + local_dp_words(scenario, schema)
        )
    protections.append(
        "- **Encryption** in transit and at rest protects against outsiders and stolen disks. "
        "It does not limit what the trained model reveals, and it costs no accuracy."
    )
    controls = [
        "- Switch off any data category above, at any time: it is then neither collected nor used.",
        "- Opt out of personalisation entirely: your data no longer trains the recommender and you "
        "get the popular-items list; your purchase category is still counted, with noise, in "
        f"that list ({scenario.opt_out:.0%} of people opted out today).",
    ]
    measured = (
        f"In this simulation on {data_words}, recommendations "
        f"were right {result['accuracy']:.0%} of the time "
        f"({spread_words(result['accuracy_std'], scenario.repeats)}), against "
        f"{result['nonprivate_accuracy']:.0%} for the same model without "
        f"noise and {result['popularity_accuracy']:.0%} for the exact popular-items list. "
        + EXACT_FIGURES
        + " "
        + SECRET_NOISE
    )
    return [
        ("What we collect, and why", "\n".join(collected)),
        ("How it is protected", "\n".join(protections)),
        ("What you can switch off", "\n".join(controls)),
        ("Measured in this simulation (not part of the notice)", measured),
    ]


def group_gap_sentence(epsilon: float, means: dict[str, float]) -> str | None:
    """Best and worst group at ``epsilon`` and their gap, computed from the rounded percents shown.

    ``means`` maps a group's label to its accuracy (average over noise draws). None with fewer
    than two groups. Rounding first makes the sentence add up ("40% … 32%: a gap of 8 points").
    """
    shown = {label: round(100 * value) for label, value in means.items() if not math.isnan(value)}
    if len(shown) < 2:
        return None
    best, worst = max(shown, key=shown.get), min(shown, key=shown.get)
    gap = shown[best] - shown[worst]
    return (
        f"At ε = {format_epsilon(epsilon)}, people with {best.lower()} get {shown[best]}% of "
        f"recommendations right and people with {worst.lower()} {shown[worst]}%: a gap of "
        f"{gap} percentage point{'' if gap == 1 else 's'} (average over noise draws)."
    )


def noise_reversal_sentence(table: pd.DataFrame, groups: dict[str, str]) -> str | None:
    """When a group is right more often at a smaller ε than at the next larger one, say why.

    A larger budget means less noise, so such a dip is the noise between draws, not an effect of
    the budget. Reports the largest dip over ``groups`` (column -> label) of a frontier table, and
    whether the ±1 sd bars drawn on the chart overlap; None when no group dips by a shown point.
    """
    worst = None
    for column, label in groups.items():
        summary = frontier_summary(table.dropna(subset=[column]), column).sort_values("epsilon")
        rows = summary.to_dict("records")
        for low, high in zip(rows, rows[1:], strict=False):
            dip = round(100 * low["mean"]) - round(100 * high["mean"])
            if dip >= 1 and (worst is None or dip > worst[0]):
                worst = (dip, label, low, high)
    if worst is None:
        return None
    dip, label, low, high = worst
    overlap = high["mean"] + high["std"] >= low["mean"] - low["std"]
    why = (
        "their bars (±1 standard deviation) overlap on the chart"
        if overlap
        else "with this few people in the group, the average over these draws still moves by "
        "chance; more noise repeats (Advanced) narrow it"
    )
    return (
        f"{label}: right {round(100 * low['mean'])}% of the time at ε = "
        f"{format_epsilon(low['epsilon'])} but {round(100 * high['mean'])}% at ε = "
        f"{format_epsilon(high['epsilon'])}, a larger budget. Less noise should not make a model "
        f"worse: this dip is the noise between the {int(low['draws'])} draws, not a real "
        f"effect ({why})."
    )


def consent_gain_sentence(
    epsilon: float, gain: dict[str, float], spread: dict[str, float] | None = None
) -> str:
    """Which category is most and least worth asking for, in signed percentage points.

    ``gain`` maps a category to accuracy (for everyone) with all consenting minus none
    consenting, at ``epsilon``; ``spread`` to the standard deviation of that difference over the
    noise draws. Points are rounded before they are compared, so the words (raises, lowers,
    changes it by less than one point) match the numbers shown. When sharing a category lowers
    accuracy, says whether that is beyond the noise between draws.
    """
    points = {category: round(100 * value) for category, value in gain.items()}
    best = max(points, key=points.get)
    least = min(points, key=points.get)
    sentence = (
        f"At ε = {format_epsilon(epsilon)}, going from nobody to everybody sharing **{best}** "
        f"data {_signed_points(points[best])} of accuracy for everyone, the most of any category"
    )
    if least == best:
        return sentence + "."
    sentence += f"; the least useful, **{least}**, {_signed_points(points[least])}."
    if points[least] < 0:
        noise = 100 * (spread or {}).get(least, 0.0)
        if -points[least] <= noise:
            sentence += (
                f" That drop is within the noise between draws (± {noise:.1f} points): sharing "
                f"{least} data makes no measurable difference here."
            )
        else:
            sentence += (
                f" That drop is larger than the noise between draws (± {noise:.1f} points): "
                "with differential privacy more data is not always better. The model learns "
                f"{least} only through noisy statistics, and here they mislead it more than "
                "they help: withholding it raises accuracy."
            )
    return sentence


def _signed_points(points: int) -> str:
    if points == 0:
        return "changes it by less than one percentage point"
    unit = "percentage point" if abs(points) == 1 else "percentage points"
    return f"{'raises' if points > 0 else 'lowers'} it by {abs(points)} {unit}"


def comparison_headline(named: dict) -> str:
    """Which compared setting is most accurate and which most private, naming ties.

    ``named`` maps a label to (Scenario, evaluation). Identical settings get no winner;
    accuracy is compared as the whole percents shown, ε as spent.
    """
    if len({scenario for scenario, _ in named.values()}) == 1:
        return "These settings are identical: the same numbers, nothing to choose between them."
    shown = {label: round(100 * result["accuracy"]) for label, (_, result) in named.items()}
    spent = {label: result["epsilon_spent"] for label, (_, result) in named.items()}
    top, low = max(shown.values()), min(spent.values())
    best = [label for label, value in shown.items() if value == top]
    private = [label for label, value in spent.items() if math.isclose(value, low)]
    accurate = (
        f"Equally accurate: every setting gets {top}% right."
        if len(best) == len(named)
        else f"Most accurate: {_names(best)} ({top}%)."
    )
    protected = (
        f"Equally private: every setting spends ε = {format_epsilon(low)}."
        if len(private) == len(named)
        else f"Most private: {_names(private)} (ε = {format_epsilon(low)})."
    )
    return f"{accurate} {protected}"


def _names(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def shared_frontiers(named: dict) -> list[list[str]]:
    """Groups of labels whose settings differ only in ε: their frontiers are the same curve."""
    groups: dict = {}
    for label, (scenario, _) in named.items():
        groups.setdefault(scenario.replace(epsilon=1.0), []).append(label)
    return [labels for labels in groups.values() if len(labels) > 1]


def _and_list(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def audit_rates_sentence(true_positive_rate: float, false_positive_rate: float) -> str:
    """The privacy audit's hit and false-alarm rates, said so that they cannot read as success.

    An attack that flags every release (100% caught, 100% false alarms) tells the two sides apart
    no better than a coin: what counts is the gap between the rates, in points as shown.
    """
    caught, alarm = round(100 * true_positive_rate, 1), round(100 * false_positive_rate, 1)
    gap = round(caught - alarm, 1)
    rates = (
        f"the attack flagged {caught:.1f}% of releases with the canary and {alarm:.1f}% of those "
        "without"
    )
    if abs(gap) < 1:
        return (
            f"{rates}: the same share either way, so it could not tell them apart (a gap of "
            f"{abs(gap):.1f} points; a perfect attack would flag 100% and 0%)"
        )
    return (
        f"{rates}: a gap of {gap:.1f} points between the two sides (0 is chance, 100 a perfect "
        "attack)"
    )


def audit_scope_sentence(k: int, claimed_epsilon: float) -> str | None:
    """With k-anonymity, what a surviving audit claim covers, and the per-person bound instead."""
    if k <= 1:
        return None
    person = person_epsilon(k, claimed_epsilon)
    return (
        f"With k-anonymity (k = {k}) this audits the model's ε = {format_epsilon(claimed_epsilon)} "
        "on the stored, generalised table: a claim about that table, not about one person. "
        f"For one person the bound is k·ε = {format_epsilon(person)} at best (the attacker's "
        f"best guess ≤ {guess_text(person_guess_bound(k, claimed_epsilon))} right), because "
        "how everyone is generalised depends on everyone's data; this audit does not test that."
    )


def attack_cap_sentence(
    auc: float, auc_low: float, auc_high: float, cap: float, k: int, epsilon: float
) -> str | None:
    """What a measured attack AUC whose 95% interval reaches its DP cap means, or None.

    ``cap`` is the highest AUC any attack can reach on one person (:func:`person_auc_bound`,
    k·ε under k-anonymity). The cap is on the attack's true AUC; the measurement on a finite set
    of people has sampling noise, so an interval crossing the cap is expected now and then and is
    no breach unless the whole interval lies above it.
    """
    if auc_high < cap:
        return None
    shown = f"AUC {auc:.3f} (95% CI {auc_low:.3f}–{auc_high:.3f})"
    person = format_epsilon(person_epsilon(k, epsilon))
    cap_words = (
        f"the cap for one person under k-anonymity, k·ε = {person}"
        if k > 1
        else f"DP's cap at ε = {format_epsilon(epsilon)}"
    )
    if auc_low > cap:
        return (
            f"At ε = {format_epsilon(epsilon)} the measured {shown} lies wholly above "
            f"{cap_words} (AUC {cap:.3f}): more than the guarantee allows. Report it: either "
            "the release leaks more than its ε says or the measurement is wrong."
        )
    return (
        f"At ε = {format_epsilon(epsilon)} the measured {shown} reaches above {cap_words} "
        f"(AUC {cap:.3f}). The cap limits the attack's true AUC; the measurement on "
        "this many people has sampling noise of its own (the interval), and the interval still "
        "contains values under the cap: no evidence of a breach."
    )


def local_central_headline(
    epsilon: float,
    local_epsilon: float,
    setting: float,
    central_alone: float,
    local_at_epsilon: float,
    local_alone: float | None,
    floor: float,
    draws: int,
) -> str:
    """The Local vs central page's answer for the user's own setting, in Explore's numbers.

    ``setting`` is Explore's accuracy for the Scenario (central ε, and local ε when set);
    ``central_alone`` the same central ε without local noise; ``local_at_epsilon`` a plain model
    on records each person randomised with ``epsilon``; ``local_alone`` the same at
    ``local_epsilon`` (None when local DP is off). All average ``draws`` noise draws.
    """
    eps = format_epsilon(epsilon)
    average = f"(averages of {draws} noise draws, as on Explore; exact popular items: {floor:.0%})"
    if local_epsilon == 0:
        return (
            f"At your ε = {eps}, central DP keeps {setting:.0%} of recommendations right, as on "
            f"Explore; the same ε spent locally, each person randomising their own record, "
            f"{local_at_epsilon:.0%} {average}. Local noise must hide each person's every value, "
            "so it needs a far larger ε for the same accuracy."
        )
    local = format_epsilon(local_epsilon)
    return (
        f"Your setting, central ε = {eps} on records each person already randomised with "
        f"ε_local = {local}, gets {setting:.0%} right, as on Explore. The local noise alone "
        f"(ε_local = {local}, a plain model, no central noise) leaves {local_alone:.0%}; central "
        f"ε = {eps} alone, without local noise, {central_alone:.0%}; ε = {eps} spent locally "
        f"instead, {local_at_epsilon:.0%} {average}. The curves below compare central and local "
        "DP at each ε with nothing else switched on."
    )


def local_limit_sentence(
    local_epsilon: float, local_ceiling: float, ceiling: float, target: float
) -> str:
    """Why a target is out of reach with local DP on: the people's own noise, not central ε."""
    return (
        f"Not reachable with local DP at ε_local = {format_epsilon(local_epsilon)}: each person "
        "randomises their record before sending it, and even with no central noise a model on "
        f"those reports gets {local_ceiling:.0%}, below your target of {target:.0%}. No central "
        f"ε changes that. Raise the local ε or switch it off (with no noise at all the model "
        f"gets {ceiling:.0%})."
    )


def anonymity_takeaway(
    epsilon: float, local_epsilon: float, k_cost: float, dp_cost: float | None
) -> str:
    """Anonymisation's answer: what k = 1 → 100 costs, beside what the privacy noise costs.

    ``k_cost``: accuracy at k = 1 minus at k = 100 (at ``epsilon``); ``dp_cost``: the model
    without noise minus the private model at ``epsilon`` and k = 1 (None when not measured).
    With local DP on, that noise cost is the people's and the platform's together, and is said so.
    """
    points = round(100 * k_cost, 1)
    if points > 0:
        k_effect = f"lowers accuracy by {points:.1f} percentage points"
    elif points < 0:
        k_effect = (
            f"raises accuracy by {-points:.1f} percentage points (coarser records rarely help a "
            "model: most likely the noise between draws; see the bars)"
        )
    else:
        k_effect = "changes accuracy by less than 0.1 percentage points"
    sentence = f"Going from k = 1 to k = 100 {k_effect} at ε = {format_epsilon(epsilon)}."
    if dp_cost is None:
        return sentence
    who = (
        f" Differential privacy at this ε, each person's own noise at ε_local = "
        f"{format_epsilon(local_epsilon)} included, costs"
        if local_epsilon > 0
        else " Differential privacy at this ε costs"
    )
    more = (
        ", more, because it protects everything the model learns, not just these columns."
        if dp_cost > k_cost
        else "."
    )
    return f"{sentence}{who} {100 * dp_cost:.1f} points against no privacy{more}"


def structure_limit_sentence(structure: float, ceiling: float, target: float) -> str:
    """Why a target is out of reach for the private random forest: its random trees, not ε."""
    return (
        f"Not reachable with the private random forest: its trees split at random, so the splits "
        f"reveal nothing about anyone, and even with exact labels those trees get "
        f"{structure:.0%}, below your target of {target:.0%}. No ε changes that (the same data "
        f"without privacy: {ceiling:.0%}). Pick another model or lower the target."
    )
