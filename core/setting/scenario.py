"""The Scenario: every knob a person can turn, in one immutable, validated value.

One table (:data:`FIELDS`) owns each field's name, type, range, default, step and help text. The
CLI flags, the URL query parameters, the sliders and the validators all read it, so a range
changes in one place. Parsing is strict (:meth:`Scenario.from_params` raises with a message that
names the field, the allowed range and the value) or lenient (:func:`parse_lenient`, for URLs:
bad values fall back to defaults and each one becomes a notice).
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from core.setting.schema import CATEGORIES

MODELS = {
    "gaussian_nb": "Naive Bayes (GaussianNB)",
    "logistic_regression": "Logistic regression",
    "random_forest": "Random forest",
}

# Readable stops for ε on a log scale, from "very private" to "barely private".
EPSILON_STOPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)


@dataclass(frozen=True)
class Field:
    """One row of the parameter table."""

    name: str
    kind: type  # float, int or str
    default: Any
    help: str
    label: str
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    log_scale: bool = False
    zero_means_off: bool = False
    advanced: bool = False

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def describe_range(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        allowed = f"[{_format_number(self.minimum)}, {_format_number(self.maximum)}]"
        if self.zero_means_off:
            return f"0 (off) or a number in {allowed}"
        return ("an integer in " if self.kind is int else "a number in ") + allowed

    def check(self, value: Any) -> Any:
        """Coerce and validate one value; raise TypeError/ValueError naming the field."""
        if self.kind is str:
            if not isinstance(value, str):
                raise TypeError(self._message(value))
            if value not in self.choices:
                raise ValueError(self._message(value))
            return value
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(self._message(value))
        try:
            number = float(value)
        except OverflowError:
            raise ValueError(self._message(value)) from None
        if not math.isfinite(number):
            raise ValueError(self._message(value))
        if self.kind is int and not number.is_integer():
            raise ValueError(self._message(value))
        if self.zero_means_off and number == 0:
            return self.kind(0)  # also turns -0.0 into 0
        if not self.minimum <= number <= self.maximum:
            raise ValueError(self._message(value))
        return int(number) if self.kind is int else number

    def parse(self, text: str) -> Any:
        """Parse the text form used by URLs, CLI flags and saved rows."""
        if not isinstance(text, str):
            raise TypeError(self._message(text))
        stripped = text.strip()
        if self.kind is str:
            return self.check(stripped)
        try:
            # Plain ASCII decimal notation only: float() would also take '1_0' or Arabic digits.
            if not stripped.isascii() or "_" in stripped:
                raise ValueError
            return self.check(float(stripped))
        except (TypeError, ValueError):
            raise ValueError(self._message(text)) from None

    def format(self, value: Any) -> str:
        """Shortest text that parses back to exactly ``value`` (1.0 -> "1", 0.1 -> "0.1")."""
        if self.kind is float:
            text = repr(float(value))
            return text[:-2] if text.endswith(".0") else text
        return str(value)

    def _message(self, value: Any) -> str:
        return (
            f"The '{self.name}' parameter must be {self.describe_range()}. Got {value!r} instead."
        )


def _format_number(value: float) -> str:
    return format(float(value), ".12g")


def _consent_field(category: str) -> Field:
    return Field(
        f"consent_{category}",
        float,
        1.0,
        f"Share of people who agree to share their {category} data. For the others it is simply "
        "not collected: the model never sees it, neither to learn nor to recommend. (What they "
        "buy next, the category the model predicts, is collected from everyone who did not opt "
        "out.)",
        f"Consent: {category}",
        0.0,
        1.0,
        0.05,
    )


FIELDS: tuple[Field, ...] = (
    Field(
        "model",
        str,
        "gaussian_nb",
        "The recommender that learns from people's data. Each has a differentially private "
        "version (diffprivlib) and the same model trained without noise, which gives the "
        "ceiling (the best this data allows). Naive Bayes is the fastest.",
        "Model",
        choices=tuple(MODELS),
        advanced=True,
    ),
    Field(
        "epsilon",
        float,
        1.0,
        "Privacy budget ε of one release (the trained model, and the popular-items list when "
        "someone opts out): ε-differential privacy for one person's whole record, whether they "
        "are in the data or not. Smaller means more noise: more private, less accurate. From "
        "about 5 an attacker's guess is right 99% of the time: the protection is mostly symbolic.",
        "Privacy budget ε",
        0.01,
        100.0,
        log_scale=True,
    ),
    Field(
        "profiles",
        int,
        40_000,
        "How many synthetic people the platform has. More people means the same noise hurts "
        "less: privacy is cheaper for big platforms.",
        "Number of people",
        1_000,
        1_000_000,
        1_000,
        advanced=True,
    ),
    Field(
        "seed",
        int,
        42,
        "Random seed. The same seed gives the same people and the same noise, so any view can be "
        "reproduced exactly.",
        "Random seed",
        0,
        2**31 - 1,
        1,
        advanced=True,
    ),
    Field(
        "repeats",
        int,
        10,
        "How many times the noise is redrawn. The spread over repeats shows how much a single "
        "private model can vary by luck.",
        "Noise repeats",
        1,
        50,
        1,
        advanced=True,
    ),
    Field(
        "opt_out",
        float,
        0.0,
        "Share of people who opt out of personalisation. Their data does not train the "
        "recommender and they get a non-personalised 'popular items' list; their purchase "
        "category is still counted, with noise, in that list.",
        "Opt-out rate",
        0.0,
        1.0,
        0.05,
    ),
    *(_consent_field(category) for category in CATEGORIES),
    Field(
        "k",
        int,
        1,
        "k-anonymity: every stored record must look identical to at least k−1 others in its "
        "quasi-identifiers (details like age, gender and region that single someone out when "
        "combined). 1 means no anonymisation. Not differential privacy: with k > 1 one person "
        "is protected only as part of a group.",
        "Anonymity: crowd size k",
        1,
        100,
        1,
    ),
    Field(
        "local_epsilon",
        float,
        0.0,
        "Local differential privacy: each person randomises their whole record (what they share "
        "and their purchase category) before sending it, with this budget, half for the "
        "category and half over the rest. 0 switches it off. The platform never receives a true "
        "value, only randomised ones (it still sees who sent a report), with one exception: with "
        "k-anonymity on (k > 1) the quasi-identifiers are sent true, so that the platform can "
        "generalise them with everyone's, and local DP does not cover them.",
        "Local ε (0 = off)",
        0.01,
        100.0,
        log_scale=True,
        zero_means_off=True,
        advanced=True,
    ),
)
FIELDS_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}


@dataclass(frozen=True)
class Scenario:
    """One validated setting of every knob. Hashable, so it can key caches."""

    model: str = "gaussian_nb"
    epsilon: float = 1.0
    profiles: int = 40_000
    seed: int = 42
    repeats: int = 10
    opt_out: float = 0.0
    consent_demographics: float = 1.0
    consent_location: float = 1.0
    consent_browsing: float = 1.0
    consent_purchases: float = 1.0
    k: int = 1
    local_epsilon: float = 0.0

    def __post_init__(self):
        for name, spec in FIELDS_BY_NAME.items():
            object.__setattr__(self, name, spec.check(getattr(self, name)))

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> Scenario:
        """Strictly parse a flat ``{field: text}`` mapping; missing fields take defaults.

        Raises ``ValueError`` (unknown field, bad value) or ``TypeError`` naming the field.
        """
        return cls(**parse_known(params, FIELDS_BY_NAME))

    @classmethod
    def from_json(cls, text: str) -> Scenario:
        """Parse the JSON form written by :meth:`to_json` (values may be numbers or strings)."""
        try:
            raw = json.loads(text)
        except (json.JSONDecodeError, TypeError) as error:
            raise ValueError(f"A saved scenario must be a JSON object: {error}") from None
        if not isinstance(raw, dict):
            raise ValueError(f"A saved scenario must be a JSON object. Got {type(raw).__name__}.")
        return cls.from_params(
            {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}
        )

    # -- serialisation -----------------------------------------------------------------------
    def to_params(self) -> dict[str, str]:
        """Flat ``{field: text}`` form for URL query parameters and CLI round trips."""
        return {spec.name: spec.format(getattr(self, spec.name)) for spec in FIELDS}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=False)

    def replace(self, **changes) -> Scenario:
        return replace(self, **changes)

    def consent(self, category: str) -> float:
        return getattr(self, f"consent_{category}")

    def differs_from_default(self) -> dict[str, str]:
        """Only the fields whose value is not the default (for short, shareable URLs)."""
        default = Scenario().to_params()
        return {k: v for k, v in self.to_params().items() if default[k] != v}


def parse_known(params: Mapping[str, str], table: Mapping[str, Field]) -> dict[str, Any]:
    """Strictly parse ``{field: text}`` against a parameter table (unknown names refused)."""
    unknown = sorted(set(params) - set(table))
    if unknown:
        raise ValueError(f"Unknown parameter {unknown[0]!r}. Known parameters: {', '.join(table)}.")
    return {name: table[name].parse(text) for name, text in params.items()}


def read_leniently(spec: Field, raw: Any, values: dict, notices: list[str]) -> None:
    """Parse one untrusted value (a URL's: the last of repeats) into ``values``, or add a notice
    naming the field, what is allowed and the default used instead."""
    text = raw[-1] if isinstance(raw, list | tuple) and raw else raw
    try:
        values[spec.name] = spec.parse(str(text))
    except (TypeError, ValueError):
        shown = str(text)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        notices.append(
            f"Ignored {spec.name}={shown!r}: it must be {spec.describe_range()}. "
            f"Using the default {spec.format(spec.default)}."
        )


def parse_lenient(params: Mapping[str, Any]) -> tuple[Scenario, list[str]]:
    """Read what can be read from untrusted input (a URL); defaults for the rest.

    Returns
    -------
    (Scenario, notices)
        Each notice is one plain sentence naming the field, what is allowed and what was given.
    """
    values: dict[str, Any] = {}
    notices: list[str] = []
    for name, raw in params.items():
        spec = FIELDS_BY_NAME.get(name)
        if spec is None:
            continue  # other query parameters (page flags) are not ours to judge
        read_leniently(spec, raw, values, notices)
    return Scenario(**values), notices


assert [f.name for f in fields(Scenario)] == [f.name for f in FIELDS], "table and type disagree"
assert all(getattr(Scenario(), f.name) == f.default for f in FIELDS), "defaults disagree"
