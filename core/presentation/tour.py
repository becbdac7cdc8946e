"""The guided tour: steps (``data/tour.json``) and answers computed from the engine.

Each step sets the app to a teaching moment and asks the room a question; the answer is built
from fresh results, never written in advance. ``evaluate`` is passed in so the app can give its
cached version; it must behave like :func:`core.engine.evaluate`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from core.presentation.explain import epsilon_card
from core.setting.formatting import guess_text, signed_points, spread_words
from core.setting.scenario import Scenario
from core.setting.schema import DATA_DIR

TOUR_PATH = DATA_DIR / "tour.json"
Evaluate = Callable[[Scenario], dict]


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    question: str
    scenario: Scenario
    page: str


@cache
def load_steps() -> tuple[Step, ...]:
    raw = json.loads(TOUR_PATH.read_text(encoding="utf-8"))
    steps = []
    for entry in raw:
        if entry["key"] not in ANSWERS:
            raise ValueError(f"Tour step {entry['key']!r} has no answer builder.")
        scenario = Scenario.from_json(json.dumps(entry["settings"]))
        steps.append(Step(entry["key"], entry["title"], entry["question"], scenario, entry["page"]))
    return tuple(steps)


def _pct(value: float) -> str:
    return f"{value:.0%}"


def _epsilon(step: Step, evaluate: Evaluate) -> str:
    return epsilon_card(step.scenario.epsilon)["sentence"]


def _cost(step: Step, evaluate: Evaluate) -> str:
    low, high = evaluate(step.scenario), evaluate(step.scenario.replace(epsilon=10.0))
    return (
        f"At ε = 10 the model gets {_pct(high['accuracy'])} right; at ε = 0.1 only "
        f"{_pct(low['accuracy'])}, close to recommending popular items to everyone "
        f"({_pct(low['popularity_accuracy'])}). Without privacy: "
        f"{_pct(low['nonprivate_accuracy'])}."
    )


def _size(step: Step, evaluate: Evaluate) -> str:
    big, small = evaluate(step.scenario), evaluate(step.scenario.replace(profiles=40_000))
    return (
        f"Better: {_pct(big['accuracy'])} right with 100,000 people against "
        f"{_pct(small['accuracy'])} with 40,000, at the same ε. The noise protecting one person "
        "is the same size; with more people it drowns less of the signal."
    )


def _consent(step: Step, evaluate: Evaluate) -> str:
    without, full = evaluate(step.scenario), evaluate(step.scenario.replace(consent_browsing=1.0))
    return (
        f"Without browsing data the model without noise drops from "
        f"{_pct(full['nonprivate_accuracy'])} to {_pct(without['nonprivate_accuracy'])}, and the "
        f"private one from {_pct(full['accuracy'])} to {_pct(without['accuracy'])}."
    )


def _opt_out(step: Step, evaluate: Evaluate) -> str:
    result = evaluate(step.scenario)
    segments = result["segments"]
    return (
        f"Those who stay in get {_pct(segments['opted_in']['accuracy'])} right, those who opted "
        f"out {_pct(segments['opted_out']['accuracy'])} (the popular-items list). Everyone "
        f"together: {_pct(result['accuracy'])}."
    )


def _anonymisation(step: Step, evaluate: Evaluate) -> str:
    anonymous, plain = evaluate(step.scenario), evaluate(step.scenario.replace(k=1))
    strict_dp = evaluate(step.scenario.replace(k=1, epsilon=0.1))
    risk = anonymous["anonymity"]
    return (
        # Changes are computed from the percents shown: "-0.1 points (37% → 37%)" read as a gain.
        f"k = {step.scenario.k} takes accuracy from "
        f"{signed_points(plain['accuracy'], anonymous['accuracy'])} "
        f"({spread_words(anonymous['accuracy_std'], step.scenario.repeats)}) and cuts the "
        f"average re-identification risk from {risk['before']['mean_risk']:.1%} to "
        f"{risk['after']['mean_risk']:.1%}. ε = 0.1 instead takes it from "
        f"{signed_points(plain['accuracy'], strict_dp['accuracy'])}, but protects everything "
        "the model learns, not just age, gender and region."
    )


def _who_pays(step: Step, evaluate: Evaluate) -> str:
    result = evaluate(step.scenario)
    segments = result["segments"]
    names = result.get("segment_names", ("majority", "minority"))
    if tuple(names) == ("majority", "minority"):
        majority, minority = segments["majority"]["accuracy"], segments["minority"]["accuracy"]
        return (
            f"No: majority tastes get {_pct(majority)} right, rare tastes {_pct(minority)}. Few "
            "examples per rare taste means the same noise drowns them first."
        )
    measured = {n: segments[n]["accuracy"] for n in names if segments[n]["accuracy"] is not None}
    if len(measured) < 2:
        return "Your data has one group only: map a group column to compare groups."
    best, worst = max(measured, key=measured.get), min(measured, key=measured.get)
    return (
        f"Not equally: {best} gets {_pct(measured[best])} right, {worst} {_pct(measured[worst])}. "
        "Smaller groups give fewer examples, so the same noise drowns them first."
    )


def _attack(step: Step, evaluate: Evaluate) -> str:
    result = evaluate(step.scenario)
    attack = result["membership_attack"]
    if attack is None:
        return "Nobody is left to attack in this setting."
    measured = attack["private"]
    # In the question's terms (how often right), with the attack's AUC for the audit page.
    return (
        f"The guarantee allows at most {guess_text(result['max_membership_guess'])}. A real attack "
        f"(it guesses 'in the data' when the model is very sure about a person) is right "
        f"{_pct(measured['guess_accuracy'])} of the time, even with its best cut-off chosen "
        "after the fact, on a set where half the people are in the data: a coin flip gets "
        f"50%. Barely better than guessing, because this model does not memorise individuals "
        f"(AUC {measured['auc']:.3f}, see the Attack audit page). ε is a worst-case promise."
    )


ANSWERS: dict[str, Callable[[Step, Evaluate], str]] = {
    "epsilon": _epsilon,
    "cost": _cost,
    "size": _size,
    "consent": _consent,
    "opt_out": _opt_out,
    "anonymisation": _anonymisation,
    "who_pays": _who_pays,
    "attack": _attack,
}


def answer(step: Step, evaluate: Evaluate) -> str:
    """The computed answer to ``step``'s question."""
    return ANSWERS[step.key](step, evaluate)
