"""One synthetic person up close: what is collected, what the model infers, what they are shown.

Personas live in ``data/personas.json``: raw feature values (schema names and values) and the
person's own choices (which data categories they share, whether they opted out).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from diffprivlib.accountant import BudgetAccountant

from core.engine import Workbench, budget_split, fit_release, release_popularity
from core.people.anonymity import HIDDEN, AnonymisationResult, Level, generalise
from core.people.dataset import Dataset
from core.people.encoding import encode, model_bounds, not_collected_values
from core.privacy.controls import apply_generalisation, stream
from core.privacy.mechanisms import laplace_truncated
from core.setting.schema import CATEGORIES, DATA_DIR, Feature, Schema

PERSONAS_PATH = DATA_DIR / "personas.json"
_STREAM_PERSONA_LOCAL_DP = 30


@dataclass(frozen=True)
class Persona:
    name: str
    description: str
    features: dict
    shares: tuple[str, ...]
    opted_out: bool = False


@cache
def load_personas(path: str | Path = PERSONAS_PATH) -> tuple[Persona, ...]:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    personas = []
    for name, entry in raw.items():
        unknown = set(entry["shares"]) - set(CATEGORIES)
        if unknown:
            raise ValueError(f"Persona {name!r} shares unknown categories {sorted(unknown)}.")
        personas.append(
            Persona(
                name=name,
                description=entry["description"],
                features=dict(entry["features"]),
                shares=tuple(entry["shares"]),
                opted_out=bool(entry.get("opted_out", False)),
            )
        )
    return tuple(personas)


def personas_from(dataset: Dataset, count: int = 3) -> tuple[Persona, ...]:
    """People of an uploaded table to look at up close: complete rows with different labels.

    They are rows of the uploader's own file, shown only in the uploader's session.
    """
    population, schema = dataset.population, dataset.schema
    if population is None:
        return load_personas()
    complete = ~population.features.isna().any(axis=1).to_numpy()
    for feature in schema.features:
        if feature.type == "categorical":
            complete &= population.features[feature.name].to_numpy() >= 0
    chosen: list[int] = []
    for index in np.flatnonzero(complete):
        if population.label[index] not in {population.label[i] for i in chosen}:
            chosen.append(int(index))
        if len(chosen) == count:
            break
    personas = []
    for index in chosen:
        row = population.features.iloc[index]
        features = {
            f.name: f.values[int(row[f.name])] if f.type == "categorical" else float(row[f.name])
            for f in schema.features
        }
        personas.append(
            Persona(
                name=f"Person {index + 1} of your data",
                description=(
                    f"Row {index + 1} of the uploaded table (after cleaning): a real record of "
                    "your file, shown only in this session."
                ),
                features=features,
                shares=CATEGORIES,
            )
        )
    return tuple(personas)


def persona_matrix(
    persona: Persona, schema: Schema, shares: tuple[str, ...] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The persona's model row and which columns are collected, given what they share."""
    shares = persona.shares if shares is None else shares
    row = {}
    for feature in schema.features:
        value = persona.features[feature.name]
        row[feature.name] = feature.values.index(value) if feature.type == "categorical" else value
    X = encode(pd.DataFrame([row]), schema)
    observed = np.isin(schema.column_categories, shares)[None, :]
    return np.where(observed, X, not_collected_values(schema)), observed


def _stored_level(feature: Feature, anonymisation: AnonymisationResult | None) -> Level:
    """The generalisation level the platform stores ``feature`` at (exact if not a QI)."""
    if anonymisation is None or feature.name not in [f.name for f in anonymisation.features]:
        return Level("exact")
    return anonymisation.level_of(feature.name)


def _missing(feature: Feature) -> float:
    return np.nan if feature.type == "numeric" else HIDDEN


def _raw_value(persona: Persona, feature: Feature) -> float:
    value = persona.features[feature.name]
    return float(feature.values.index(value) if feature.type == "categorical" else value)


def stored_matrix(
    persona: Persona,
    schema: Schema,
    shares: tuple[str, ...],
    anonymisation: AnonymisationResult | None,
) -> tuple[np.ndarray, np.ndarray]:
    """The persona's row as the platform holds it: consent, then the Scenario's k-anonymity
    generalisation of the quasi-identifiers (the persona is assumed not suppressed)."""
    X, observed = persona_matrix(persona, schema, shares)
    if anonymisation is None or anonymisation.k == 1:
        return X, observed
    one_row = replace(
        anonymisation,
        codes=tuple(
            generalise(
                np.array([_raw_value(persona, f) if f.category in shares else _missing(f)]),
                f,
                _stored_level(f, anonymisation),
            )
            for f in anonymisation.features
        ),
        suppressed=np.zeros(1, dtype=bool),
    )
    X, observed = X.copy(), observed.copy()
    apply_generalisation(X, observed, one_row, schema)
    return X, observed


def _stored_text(persona: Persona, feature: Feature, level: Level) -> str:
    value = persona.features[feature.name]
    if level.kind == "exact":
        return str(value)
    if level.kind == "hidden":
        return "hidden by k-anonymity"
    if level.kind == "band":
        start = feature.lower + np.floor((float(value) - feature.lower) / level.width) * level.width
        return f"{start:g}–{start + level.width:g}"
    group = next(g for g in feature.groups if value in g)
    return " or ".join(group)


def collected_table(
    persona: Persona,
    schema: Schema,
    shares: tuple[str, ...],
    anonymisation: AnonymisationResult | None = None,
) -> pd.DataFrame:
    """What the platform holds about the persona: every feature, collected or not, with the
    quasi-identifiers as stored under the Scenario's k-anonymity."""
    return pd.DataFrame(
        [
            {
                "Data": schema.category_info[f.category]["label"],
                "Feature": f"{f.label} ({f.unit})" if f.unit else f.label,
                "Value": str(persona.features[f.name]),
                "Stored as": (
                    _stored_text(persona, f, _stored_level(f, anonymisation))
                    if f.category in shares
                    else "—"
                ),
                "Collected": "yes" if f.category in shares else "no",
            }
            for f in schema.features
        ]
    )


def _top3(scores: np.ndarray) -> list[int]:
    return [int(i) for i in np.argsort(-scores, kind="stable")[:3]]


def persona_report(bench: Workbench, persona: Persona, epsilon: float, repeats: int) -> dict:
    """What ``persona`` is shown under the Scenario of ``bench`` at ``epsilon``.

    "The model" is ONE release: draw 0, the draw the rest of the app also calls the release. It
    is fitted, with its popular-items list, on one explicit accountant whose spend is reported
    (``epsilon_spent``). The other ``repeats - 1`` draws are what-ifs, never released: they show
    how the answer could have looked had a different noise draw been published (each on its own
    accountant, spend not reported because nothing is released).

    Returns
    -------
    dict
        ``private_probabilities`` (draw 0, in [0, 1]), ``private_low``/``private_high`` (lowest and
        highest probability over all ``draws``, draw 0 included: always in [0, 1]),
        ``private_top3`` (draw 0's top 3, or the popular list for someone opted out),
        ``private_top3_frequency`` (share of the draws whose top 3 holds each class),
        ``full_top3`` (the non-private twin on everything), ``opt_out_top3`` (draw 0's DP
        popular-items list, None when nobody opted out, so no list is released),
        ``epsilon_spent`` and ``draws``.
    """
    scenario, schema = bench.scenario, bench.schema
    shares = () if persona.opted_out else persona.shares
    X, observed = stored_matrix(persona, schema, shares, bench.data.anonymisation)
    if scenario.local_epsilon > 0:
        lower, upper = model_bounds(schema)
        noisy = laplace_truncated(
            X,
            epsilon=scenario.local_epsilon / X.shape[1],
            sensitivity=upper - lower,
            lower=lower,
            upper=upper,
            rng=stream(scenario.seed, _STREAM_PERSONA_LOCAL_DP),
        )
        X = np.where(observed, noisy, X)

    release = BudgetAccountant()
    popularity = release_popularity(bench, epsilon, 0, release)
    popular_top3 = (
        None if popularity is None else _top3(popularity - np.arange(len(popularity)) * 1e-9)
    )
    probabilities, in_top3 = [], np.zeros(schema.n_classes)
    if not persona.opted_out and bench.releases_model:
        for repeat in range(max(repeats, 1)):
            accountant = release if repeat == 0 else BudgetAccountant()  # what-if: not released
            recommender = fit_release(bench, epsilon, repeat, accountant)
            proba = recommender.predict_proba(X, observed)[0]
            probabilities.append(proba)
            in_top3[_top3(proba)] += 1
    full_top3 = None
    if bench.nonprivate_model is not None:
        X_all, observed_all = persona_matrix(persona, schema, CATEGORIES)
        full_top3 = _top3(bench.nonprivate_model.predict_proba(X_all, observed_all)[0])
    released = probabilities[0] if probabilities else None
    return {
        "shares": shares,
        "private_probabilities": released,
        "private_low": np.min(probabilities, axis=0) if probabilities else None,
        "private_high": np.max(probabilities, axis=0) if probabilities else None,
        "private_top3": _top3(released) if released is not None else popular_top3,
        "private_top3_frequency": in_top3 / max(len(probabilities), 1),
        "full_top3": full_top3,
        "opt_out_top3": popular_top3,
        "epsilon_spent": float(release.total()[0]),
        # What the model itself gets: the popular-items list takes its share when people opt out.
        "epsilon_model": budget_split(scenario, epsilon)[0] if probabilities else 0.0,
        "draws": len(probabilities),
    }
