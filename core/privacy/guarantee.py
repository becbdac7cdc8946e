"""The one privacy guarantee the engine states, written once (``docs/privacy.md`` explains it).

Every release is calibrated to it: the person-level diffprivlib models
(:mod:`core.privacy.private_models`), the DP popularity histogram, the local randomiser
(:mod:`core.privacy.controls`). Every sentence the app shows about what ε protects is built from
here.
"""

from __future__ import annotations

from core.privacy.metrics import membership_auc_bound, membership_guess_bound
from core.setting.formatting import format_epsilon
from core.setting.scenario import Scenario

UNIT = (
    "one person's whole record: every feature, their purchase category (the label), and their "
    "consent and opt-out choices"
)
NEIGHBOURING = "add/remove one person (the data set with or without that person's whole record)"
PUBLIC = (
    "the schema: every column's bounds, every category's value list and the list of purchase "
    "categories (never read from the data)",
    "the setting: model, ε, consent and opt-out rates, k, local ε, and how many people the "
    "synthetic population has",
    "not the training-set size: each person is held out for testing by a coin of their own, and "
    "nothing released (not even which parts are released) depends on how many people trained",
)
SECRET_NOISE = (
    "The guarantee assumes the noise is secret. This app shows its random seed so that any view "
    "can be reproduced: anyone with the seed could regenerate the noise and remove it. A real "
    "deployment draws its noise from a secret source and never publishes a seed."
)
EXACT_FIGURES = (
    "Accuracies, the ceiling, the floor, per-group figures and re-identification risks are exact "
    "statistics of the data, computed to teach on synthetic people; they are not part of the "
    "private release and a real platform could publish them only with a privacy budget of their "
    "own."
)


def k_anonymity_caveat(k: int, epsilon: float) -> str:
    """What remains of the per-person guarantee when k-anonymity recodes the data first."""
    return (
        f"k-anonymity (k = {k}) is not differentially private: how records are generalised and "
        "which are suppressed depend on everyone's data, so one person's presence can change how "
        "other people are stored. ε then covers the stored table, and one person is protected "
        "only as a group: m·ε for the m stored records their presence changes, at best "
        f"k·ε = {format_epsilon(k * epsilon)} (a fixed generalisation, where a person can push "
        "at most their own group of k below k), more when the chosen generalisation changes."
    )


# What the local randomiser hides: the values sent. Which categories someone shares, whether they
# opted out and that they sent a report are seen by the platform.
LOCAL_UNIT = (
    "what one person sends: every feature they share and their purchase category (the label); not "
    "which data categories they share, whether they opted out, or that they sent a report"
)
LOCAL_NEIGHBOURING = (
    "any two records of one person (local DP: every input against every other, seen by the "
    "platform itself)"
)
LOCAL_COVERS = (
    "everything released in local mode: the model and the popular-items list are computed from "
    "the randomised reports only, so each is ε_local-DP for what a person's record says, against "
    "anyone, the platform included; not whether they sent a report, which the platform sees (the "
    "central ε covers that in what is released)"
)


def local_k_anonymity_caveat(k: int, quasi_identifiers: str = "their quasi-identifiers") -> str:
    """What local DP still covers when k-anonymity generalises first (docs/privacy.md, "k > 1")."""
    return (
        f"With k-anonymity (k = {k}) each person sends {quasi_identifiers} true: the platform "
        "chooses the generalisation and who is suppressed from everyone's true values, and only "
        "then is the generalised record randomised. So the platform does receive those true "
        "values, and ε_local covers the rest of the record (the other columns and the purchase "
        "category, for two records of one person that agree on the quasi-identifiers), not the "
        "quasi-identifiers themselves"
    )


def local_guarantee(scenario: Scenario, quasi_identifiers: str = "their quasi-identifiers") -> dict:
    """The local-DP part of the guarantee of ``scenario`` (local ε > 0), as a JSON-ready dict."""
    per_person = scenario.k == 1
    return {
        "epsilon": scenario.local_epsilon,
        "unit": LOCAL_UNIT
        if per_person
        else LOCAL_UNIT + ", and not the quasi-identifiers (sent "
        "true for the k-anonymity generalisation)",
        "neighbouring": LOCAL_NEIGHBOURING,
        "covers": LOCAL_COVERS
        if per_person
        else local_k_anonymity_caveat(scenario.k, quasi_identifiers),
        "holds_per_person": per_person,
        # Best guess between two records of one person, from a 50/50 start.
        "max_guess_between_two_records": membership_guess_bound(scenario.local_epsilon),
    }


def person_epsilon(k: int, epsilon: float) -> float:
    """The ε that bounds what a release reveals about one person: ε, or k·ε under k-anonymity.

    k-anonymity recodes records with everyone's data first, so one person is protected only as
    a group, at best k·ε (:func:`k_anonymity_caveat`). Every attacker's-best-guess figure the app
    shows (Explore, Save & compare and its downloads, the label, the tour, the Attack audit's
    cap) is computed from this one value.
    """
    return float(epsilon) * (int(k) if k > 1 else 1)


def person_guess_bound(k: int, epsilon: float) -> float:
    """Highest share of right guesses "is this person in the data?": e^ε'/(1+e^ε'), ε' as above."""
    return membership_guess_bound(person_epsilon(k, epsilon))


def person_auc_bound(k: int, epsilon: float) -> float:
    """Highest ROC AUC of any membership attack on one person, from the same ε'."""
    return membership_auc_bound(person_epsilon(k, epsilon))


def guarantee(scenario: Scenario, epsilon_spent: float) -> dict:
    """The stated guarantee of one release of ``scenario``, as a JSON-ready dict.

    Parameters
    ----------
    epsilon_spent : float
        Central ε of the whole release (model and popularity list together), > 0.
    """
    notes = [SECRET_NOISE, EXACT_FIGURES]
    if scenario.k > 1:
        notes.append(k_anonymity_caveat(scenario.k, epsilon_spent))
    result = {
        "unit": UNIT,
        "neighbouring": NEIGHBOURING,
        "epsilon": epsilon_spent,
        "delta": 0.0,
        "holds_per_person": scenario.k == 1,
        "person_epsilon": person_epsilon(scenario.k, epsilon_spent),
        "public": list(PUBLIC),
        "notes": notes,
    }
    if scenario.local_epsilon > 0:
        result["local"] = local_guarantee(scenario)
    return result


def one_line(scenario: Scenario, epsilon_spent: float) -> str:
    """The guarantee in one sentence, for help texts, the label and the report."""
    text = (
        f"ε = {format_epsilon(epsilon_spent)} differential privacy for {UNIT}, against "
        f"{NEIGHBOURING}"
    )
    if scenario.k > 1:
        text += (
            f"; with k-anonymity it holds for the stored table, and for one person only as "
            f"group privacy (at best {format_epsilon(scenario.k * epsilon_spent)})"
        )
    if scenario.local_epsilon > 0:
        local = format_epsilon(scenario.local_epsilon)
        if scenario.k == 1:
            text += (
                f"; everything released is computed from randomised reports, so it is also "
                f"ε_local = {local} locally private for what each person's record says, from "
                "the platform too (not whether they sent one)"
            )
        else:
            text += (
                f"; ε_local = {local} local privacy covers each record except its "
                "quasi-identifiers, which are sent true for the k-anonymity generalisation"
            )
    return text + ". It assumes the noise is secret (this app shows its seed to be reproducible)."
