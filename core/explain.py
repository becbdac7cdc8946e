"""Plain-language sentences computed from results: what a newcomer reads in ten seconds.

Every sentence is built from numbers the engine computed, so it changes with the data.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from core.figures import format_epsilon, frontier_summary
from core.guarantee import EXACT_FIGURES, SECRET_NOISE, UNIT, k_anonymity_caveat
from core.metrics import membership_guess_bound


def epsilon_card(epsilon: float) -> dict[str, str]:
    """What ε means for one person, as a headline and a sentence."""
    guess = membership_guess_bound(epsilon)
    odds = math.exp(min(epsilon, 700))
    odds_text = f"{odds:,.1f}" if odds < 1e6 else "more than a million"
    return {
        "headline": f"≤ {guess:.0%} right",
        "sentence": (
            f"With ε = {format_epsilon(epsilon)}, an attacker who knows everything else about "
            f"the data guesses whether you are in it correctly at most {guess:.0%} of the time, "
            "against 50% by coin flip. Seeing the model can multiply their odds by at most "
            f"e^ε = {odds_text}."
        ),
        "strength": (
            "strong protection"
            if epsilon <= 1
            else "moderate protection"
            if epsilon <= 5
            else "weak protection"
            if epsilon <= 10
            else "mostly symbolic protection"
        ),
    }


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
) -> str:
    """One sentence on the current point of the frontier (two for a random forest, whose random
    trees cap it below the ceiling whatever ε: ``structure`` is their accuracy without noise)."""
    sentence = _frontier_sentence(epsilon, accuracy, accuracy_std, floor, ceiling)
    if structure is None:
        return sentence
    return sentence + (
        f" The private forest's trees split at random, so the splits reveal nothing about anyone;"
        f" even with exact labels those trees get {structure:.0%}. Most of the gap to the ceiling "
        "is that random structure, not the privacy noise."
    )


def _frontier_sentence(
    epsilon: float, accuracy: float, accuracy_std: float, floor: float, ceiling: float
) -> str:
    share = share_of_personalisation(accuracy, floor, ceiling)
    base = (
        f"At ε = {format_epsilon(epsilon)} the private recommender gets {accuracy:.0%} "
        f"(± {accuracy_std:.0%}) of next choices right"
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
        protections.append(
            f"- The popular-items list for people who opt out counts everyone's purchase "
            f"category, opted-out people included, and is released with differential privacy "
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
        local_guess = epsilon_card(scenario.local_epsilon)["headline"].replace("right", "").strip()
        protections.append(
            f"- **Local differential privacy, ε_local = "
            f"{format_epsilon(scenario.local_epsilon)}**: your device randomises your whole record "
            "(what you share and your purchase category) before sending it, so what we receive "
            "about you is ε_local-differentially private even from us: anyone guessing between "
            f"two possible records of yours is right {local_guess} of the time. We still see "
            "that you sent something."
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
        f"were right {result['accuracy']:.0%} of the time (± {result['accuracy_std']:.0%} between "
        f"noise draws), against {result['nonprivate_accuracy']:.0%} for the same model without "
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


def _and_list(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
