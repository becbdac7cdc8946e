"""Synthetic consumer profiles: realistic enough to teach with, fast enough for a million people.

Each person has a latent taste over the 8 item categories of the schema. The taste drives what
they browse and buy, and the category of their next engagement (the label). Demographics and
location shift the taste, so they predict it "realistically but imperfectly". A minority segment
(about 8%) has distinct tastes concentrated on categories that are rare overall, which is what
makes the cost of privacy visible for minorities: their classes have few examples, so the same
noise drowns them first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.people.person_keys import generated_keys
from core.setting.schema import Schema, load_schema

MIN_PROFILES = 1_000
MAX_PROFILES = 1_000_000
MINORITY_SHARE = 0.08
SEGMENTS = ("majority", "minority")

# Base taste logits over (books, electronics, fashion, groceries, home, sports, beauty, toys).
_MAJORITY_TASTE = np.array([0.2, 0.6, 0.7, 1.0, 0.5, 0.3, 0.4, -0.2])
_MINORITY_TASTE = np.array([0.9, -0.6, -0.6, -0.4, -0.6, 0.4, -0.4, 1.3])
# How strongly taste is peaked: larger means more predictable people.
_TASTE_SHARPNESS = 2.2
# Person-to-person spread of taste that no feature explains.
_IDIOSYNCRATIC_SPREAD = 1.0

# Effects of (standardised) demographics and location on the taste logits.
_AGE_EFFECT = np.array([0.35, -0.3, -0.35, 0.1, 0.4, -0.15, 0.0, -0.1])
_INCOME_EFFECT = np.array([0.1, 0.3, 0.15, -0.2, 0.25, 0.1, 0.05, 0.0])
_GENDER_EFFECT = np.array(
    [
        [0.15, -0.25, 0.3, 0.05, 0.0, -0.2, 0.35, 0.0],  # female
        [-0.1, 0.35, -0.25, 0.0, 0.05, 0.3, -0.3, 0.0],  # male
        [0.2, 0.1, 0.1, -0.1, -0.1, 0.0, 0.1, 0.1],  # non-binary
    ]
)
_REGION_WEIGHTS = np.array([0.14, 0.12, 0.2, 0.22, 0.12, 0.2])
_REGION_URBAN_SHARE = np.array([0.55, 0.45, 0.8, 0.75, 0.35, 0.6])
_URBAN_EFFECT = np.array([0.05, 0.1, 0.25, -0.05, -0.3, -0.2, 0.1, 0.0])
_REGION_EFFECT = np.array(
    [
        [0.1, 0.0, -0.1, 0.0, 0.1, 0.25, -0.1, 0.0],
        [0.0, 0.1, 0.0, 0.1, 0.15, 0.0, -0.1, 0.0],
        [0.0, 0.15, 0.15, -0.1, -0.1, -0.1, 0.1, 0.0],
        [-0.1, 0.0, 0.1, 0.1, 0.0, -0.1, 0.15, 0.0],
        [0.1, -0.15, -0.1, 0.0, 0.2, 0.2, 0.0, 0.0],
        [0.0, 0.05, 0.0, -0.05, 0.0, 0.05, 0.0, 0.0],
    ]
)
_MEAN_VIEWS = 30.0
_MEAN_ORDERS = 6.0


@dataclass(frozen=True)
class Population:
    """Synthetic people: raw features (schema names), taste segment, label and own key.

    Categorical features are stored as integer codes into the schema's ``values``. ``key`` is
    each person's own key (:mod:`core.people.person_keys`): it travels with their record, so
    removing someone else never changes it.
    """

    features: pd.DataFrame
    segment: np.ndarray  # index into segment_names (built in: 0 = majority, 1 = minority)
    label: np.ndarray  # index into schema.classes
    seed: int
    key: np.ndarray  # uint64, one per person, distinct
    segment_names: tuple[str, ...] = SEGMENTS

    @property
    def n_profiles(self) -> int:
        return len(self.label)

    def subset(self, index: np.ndarray) -> Population:
        """These people only (``index``: positions or a boolean mask), each with their own key."""
        index = np.flatnonzero(index) if np.asarray(index).dtype == bool else np.asarray(index)
        return Population(
            features=self.features.iloc[index].reset_index(drop=True),
            segment=self.segment[index],
            label=self.label[index],
            seed=self.seed,
            key=self.key[index],
            segment_names=self.segment_names,
        )


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    weights = np.exp(shifted)
    return weights / weights.sum(axis=1, keepdims=True)


def _sample_rows(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (n, k) probability matrix, vectorised."""
    cumulative = probabilities.cumsum(axis=1)
    draws = rng.random((probabilities.shape[0], 1)) * cumulative[:, -1:]
    return (draws > cumulative).sum(axis=1).clip(0, probabilities.shape[1] - 1)


def generate_profiles(n_profiles: int, seed: int, schema: Schema | None = None) -> Population:
    """Generate ``n_profiles`` synthetic consumers, deterministically from ``seed``.

    Parameters
    ----------
    n_profiles : int
        Number of people, in [1,000; 1,000,000].
    seed : int
        Non-negative integer; the same seed gives the same people.

    Returns
    -------
    Population
    """
    if isinstance(n_profiles, bool) or not isinstance(n_profiles, int | np.integer):
        raise TypeError(f"n_profiles must be an integer. Got {n_profiles!r} instead.")
    if not MIN_PROFILES <= n_profiles <= MAX_PROFILES:
        raise ValueError(
            f"n_profiles must be in [{MIN_PROFILES:,}, {MAX_PROFILES:,}]. Got {n_profiles} instead."
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be a non-negative integer. Got {seed!r} instead.")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer. Got {seed!r} instead.")
    schema = schema or load_schema()
    rng = np.random.default_rng(int(seed))
    n = int(n_profiles)

    segment = (rng.random(n) < MINORITY_SHARE).astype(np.int8)
    age_feature = schema.feature("age")
    age = np.clip(rng.normal(44, 15, n), age_feature.lower, age_feature.upper).round()
    gender = rng.choice(3, size=n, p=[0.49, 0.49, 0.02])
    income_feature = schema.feature("income")
    age_income_boost = 1 + 0.012 * (np.minimum(age, 55) - 35)
    income = np.clip(
        rng.lognormal(np.log(34), 0.5, n) * age_income_boost,
        income_feature.lower,
        income_feature.upper,
    ).round(1)
    household_size = np.clip(rng.poisson(1.5, n) + 1, 1, 6)
    region = rng.choice(len(_REGION_WEIGHTS), size=n, p=_REGION_WEIGHTS)
    urban = (rng.random(n) < _REGION_URBAN_SHARE[region]).astype(float)

    age_z = (age - 44) / 15
    income_z = (np.log(income + 1) - np.log(35)) / 0.5
    logits = np.where(segment[:, None] == 1, _MINORITY_TASTE, _MAJORITY_TASTE)
    logits = (
        logits
        + age_z[:, None] * _AGE_EFFECT
        + income_z[:, None] * _INCOME_EFFECT
        + _GENDER_EFFECT[gender]
        + _REGION_EFFECT[region]
        + urban[:, None] * _URBAN_EFFECT
        + rng.normal(0, _IDIOSYNCRATIC_SPREAD, (n, len(_MAJORITY_TASTE)))
    )
    taste = _softmax(_TASTE_SHARPNESS * logits)

    activity = rng.gamma(2.0, 0.5, n)  # some people browse a lot, some barely
    views = rng.poisson(_MEAN_VIEWS * activity[:, None] * taste)
    orders = rng.poisson(_MEAN_ORDERS * activity[:, None] * taste)
    label = _sample_rows(rng, taste)

    columns: dict[str, np.ndarray] = {
        "age": age,
        "gender": gender,
        "income": income,
        "household_size": household_size.astype(float),
        "region": region,
        "urban": urban,
    }
    for index, item in enumerate(schema.classes):
        feature = schema.feature(f"views_{item}")
        columns[feature.name] = np.clip(views[:, index], feature.lower, feature.upper).astype(float)
    for index, item in enumerate(schema.classes):
        feature = schema.feature(f"orders_{item}")
        columns[feature.name] = np.clip(orders[:, index], feature.lower, feature.upper).astype(
            float
        )
    return Population(
        features=pd.DataFrame(columns),
        segment=segment,
        label=label.astype(np.int64),
        seed=int(seed),
        key=generated_keys(n, int(seed)),
    )


def describe(population: Population, schema: Schema | None = None) -> pd.DataFrame:
    """Human-readable view of the people: categorical codes replaced by their schema names."""
    schema = schema or load_schema()
    frame = population.features.copy()
    for feature in schema.features:
        if feature.type == "categorical":
            frame[feature.name] = np.asarray(feature.values)[frame[feature.name].to_numpy()]
    frame["segment"] = np.asarray(population.segment_names)[population.segment]
    frame["next_category"] = np.asarray(schema.class_labels)[population.label]
    return frame
