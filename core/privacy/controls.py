"""Privacy controls applied before training: consent, opt-out, k-anonymity, local DP.

:func:`prepare` turns a Scenario and its synthetic population into what the platform actually
holds: a train split (opted-in people only, non-consented data not collected, quasi-identifiers
generalised, values randomised locally if asked) and a test split treated the same way. Nothing
here depends on the central ε or on a model's noise draw, so it is computed once per Scenario and
reused across the whole ε frontier.

Every per-person draw (consent per data category, opt-out, being held out for testing) is a coin
of that person's own, from their key and the seed (:func:`core.people.person_keys.keyed_uniform`):
independent of everyone else's and unchanged by anyone else's presence. Being held out is such a
coin too (probability ``TEST_SHARE``), so the training-set size is a sum of independent coins,
not a function of the public settings, and adding or removing one person changes the training
set by at most that person (``docs/privacy.md``, "What holds on each release path").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.people.anonymity import HIDDEN, AnonymisationResult, anonymise, generalised_numeric
from core.people.encoding import encode, missing_mask, model_bounds, not_collected_values
from core.people.person_keys import keyed_uniform
from core.people.population import Population, generate_profiles
from core.privacy.mechanisms import laplace_truncated, randomised_response
from core.setting.scenario import Scenario
from core.setting.schema import CATEGORIES, Schema, load_schema

# Each person is held out for testing with this probability, by their own coin.
TEST_SHARE = 0.2
# At most this many held-out people are scored (±0.7 pp accuracy; keeps 1M-profile frontiers
# fast). Only scoring: nobody held out is ever trained on, whether scored or not.
MAX_TEST_PEOPLE = 20_000
# Share of ε_local a person spends on their label (the purchase category the model predicts): the
# label is one value, the features are many columns, and without a usable label nothing is learnt.
LOCAL_LABEL_SHARE = 0.5
AGE_BANDS = ((18, 29, "18–29"), (30, 44, "30–44"), (45, 64, "45–64"), (65, 90, "65+"))

# Independent random streams, one per control, derived from the Scenario seed. The split, consent,
# opt-out and scoring coins are per-person coins (keyed_uniform); local DP noise is a stream.
_STREAM_SPLIT, _STREAM_CONSENT, _STREAM_OPT_OUT, _STREAM_LOCAL_DP, _STREAM_SCORED = range(5)


def stream(seed: int, *key: int) -> np.random.Generator:
    """A reproducible generator for one purpose, independent of the others from the same seed."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=tuple(key)))


def integer_seed(seed: int, *key: int) -> int:
    """An integer ``random_state`` for diffprivlib/scikit-learn, derived like :func:`stream`."""
    state = np.random.SeedSequence(int(seed), spawn_key=tuple(key)).generate_state(1)[0]
    return int(state)


def held_out(keys: np.ndarray, seed: int) -> np.ndarray:
    """Whether each person is held out for testing: their own coin, heads with ``TEST_SHARE``.

    Independent across people and of every other draw; a person's coin depends on their key and
    the seed only, so nobody else's presence changes it.
    """
    return keyed_uniform(keys, seed, _STREAM_SPLIT) < TEST_SHARE


def scored(keys: np.ndarray, seed: int) -> np.ndarray:
    """Which of these held-out people are scored: all, or the ``MAX_TEST_PEOPLE`` whose own
    scoring coins are smallest. Scoring only: it decides no one's place in training."""
    if len(keys) <= MAX_TEST_PEOPLE:
        return np.ones(len(keys), dtype=bool)
    coins = keyed_uniform(keys, seed, _STREAM_SCORED)
    chosen = np.zeros(len(keys), dtype=bool)
    chosen[np.argpartition(coins, MAX_TEST_PEOPLE - 1)[:MAX_TEST_PEOPLE]] = True
    return chosen


@dataclass(frozen=True)
class Split:
    """One side of the train/test split, as the platform holds it."""

    X: np.ndarray  # model matrix, [0, 1]
    observed: np.ndarray  # bool, same shape: column collected for this person
    y: np.ndarray
    segment: np.ndarray
    age_band: np.ndarray  # index into AGE_BANDS from the true age (-1: the data has no age)
    opted_out: np.ndarray  # bool
    key: np.ndarray  # each person's own key (core.people.person_keys), uint64


@dataclass(frozen=True)
class PreparedData:
    train: Split  # opted-in people: what the model learns from (as received: randomised locally)
    test: Split  # everyone held out; opted-out people get popularity recommendations
    anonymisation: AnonymisationResult
    data_collected_share: float  # share of (person, data category) cells collected
    category_collected_share: dict[str, float]
    popularity_labels: np.ndarray  # engagement categories of everyone in the train split, as sent
    popularity_true_labels: np.ndarray  # the same people's true categories (the exact floor)
    labels: np.ndarray  # every person's label, in population order (for anonymity examples)
    purchase_unique_share: float | None  # people unique on purchases alone (None: none held)
    n_opted_out_train: int
    local_epsilon_per_column: float
    local_epsilon_label: float  # ε_local spent on the label (k-ary randomised response), 0: off
    # Both splits without local randomisation: what the noise-free ceiling learns and is scored on.
    exact_train: Split
    exact_test: Split
    popularity_from_reports: bool  # popularity_labels are randomised reports (local DP)
    segment_names: tuple[str, ...]  # names of the fairness segments (codes in Split.segment)
    age_bands: tuple  # the AGE_BANDS reported on, () when the data has no age feature


def _unique_share(rows: np.ndarray) -> float:
    """Share of rows that no other row equals (re-identifiable by these values alone)."""
    # pandas hashes rows: ~35x faster than np.unique(axis=0) at 1M rows.
    return float(np.mean(~pd.DataFrame(rows).duplicated(keep=False).to_numpy()))


def _age_bands(population: Population, schema: Schema) -> tuple[tuple, np.ndarray]:
    """Fairness age bands from the true age, when the data has a numeric ``age`` feature."""
    names = [f.name for f in schema.features]
    age = schema.feature("age") if "age" in names else None
    # The bands are adult ages in years: report them only where the public bounds say so.
    if age is None or age.type != "numeric" or age.lower < AGE_BANDS[0][0] or age.upper > 120:
        return (), np.full(population.n_profiles, -1, dtype=np.int64)
    age = population.features["age"].to_numpy(dtype=float)
    band = np.zeros(age.shape, dtype=np.int64)
    for index, (low, _, _) in enumerate(AGE_BANDS):
        band[age >= low] = index
    return AGE_BANDS, band


def apply_generalisation(
    X: np.ndarray, observed: np.ndarray, result: AnonymisationResult, schema: Schema
) -> None:
    """Rewrite the quasi-identifier columns (in place) with their generalised values.

    A hidden quasi-identifier becomes "not collected": the public placeholder, not observed.
    """
    columns = {name: i for i, name in enumerate(schema.columns)}
    placeholder = not_collected_values(schema)
    for feature in result.features:
        level = result.level_of(feature.name)
        codes = result.codes_of(feature.name)
        index = [columns[c] for c in feature.columns]
        hidden = codes == HIDDEN
        if level.kind == "exact":
            continue
        if feature.type == "numeric":
            middle = generalised_numeric(result, feature)
            scaled = (middle - feature.lower) / (feature.upper - feature.lower)
            X[:, index[0]] = np.where(hidden, X[:, index[0]], scaled)
        elif level.kind == "group":
            # A group spreads the one-hot weight evenly over the values it contains.
            spread = np.zeros((len(codes), len(feature.values)))
            for group_index, group in enumerate(feature.groups):
                members = [feature.values.index(v) for v in group]
                spread[np.ix_(codes == group_index, members)] = 1.0 / len(members)
            X[:, index] = np.where(hidden[:, None], X[:, index], spread)
        # Hidden by the generalisation, or not collected in the first place.
        X[np.ix_(hidden, index)] = placeholder[index]
        observed[np.ix_(hidden, index)] = False


def prepare(
    scenario: Scenario,
    population: Population | None = None,
    schema: Schema | None = None,
    local_noise_draw: int = 0,
) -> PreparedData:
    """Apply the Scenario's privacy controls (everything except the central ε).

    Parameters
    ----------
    scenario : Scenario
    population : Population, optional
        Generated from ``scenario.profiles`` and ``scenario.seed`` when not given.
    local_noise_draw : int
        Which independent draw of the local-DP noise to use (same people, same split).
    """
    schema = schema or load_schema()
    population = population or generate_profiles(scenario.profiles, scenario.seed, schema)
    seed = scenario.seed

    X = encode(population.features, schema)
    column_categories = schema.column_categories

    # Consent: per person and data category, independent coins at the Scenario's rates. Each is
    # the person's own (their key and the seed), so removing someone else changes nobody's.
    keys = population.key
    consent = np.column_stack(
        [
            keyed_uniform(keys, seed, _STREAM_CONSENT, index) < scenario.consent(category)
            for index, category in enumerate(CATEGORIES)
        ]
    )
    opted_out = keyed_uniform(keys, seed, _STREAM_OPT_OUT) < scenario.opt_out
    # Opted-out people share nothing for personalisation.
    consent &= ~opted_out[:, None]
    # A cell the data does not hold (an empty cell in an upload) is not collected either.
    observed = consent[:, [CATEGORIES.index(c) for c in column_categories]] & ~missing_mask(X)
    X = np.where(observed, X, not_collected_values(schema))

    # Risk is measured even at k = 1 (nothing generalised) so "before" is always known.
    quasi_identifiers = {}
    for feature in schema.quasi_identifiers:
        known = consent[:, CATEGORIES.index(feature.category)]
        values = population.features[feature.name].to_numpy(dtype=float)
        missing = np.nan if feature.type == "numeric" else HIDDEN
        unknown = np.isnan(values) if feature.type == "numeric" else values < 0
        quasi_identifiers[feature.name] = np.where(known & ~unknown, values, missing)
    anonymisation = anonymise(quasi_identifiers, k=scenario.k, schema=schema)
    if scenario.k > 1:
        apply_generalisation(X, observed, anonymisation, schema)
        # Suppression as ARX does it: the record stays, its quasi-identifiers become '*'.
        qi_columns = [
            i
            for i, name in enumerate(schema.columns)
            if name.split("=")[0] in {f.name for f in schema.quasi_identifiers}
        ]
        suppressed = anonymisation.suppressed
        placeholder = not_collected_values(schema)
        X[np.ix_(suppressed, qi_columns)] = placeholder[qi_columns]
        observed[np.ix_(suppressed, qi_columns)] = False

    X_exact, labels = X, population.label
    local_epsilon_per_column = local_epsilon_label = 0.0
    if scenario.local_epsilon > 0:
        # Each person randomises their whole record before sending it: LOCAL_LABEL_SHARE of
        # ε_local for the label (k-ary randomised response), the rest split equally over every
        # column they could send (Laplace, clamped to the public bounds). Sequential composition
        # over the parts: ε_local for the record, whatever the other people send.
        rng = stream(seed, _STREAM_LOCAL_DP, local_noise_draw)
        lower, upper = model_bounds(schema)
        local_epsilon_label = scenario.local_epsilon * LOCAL_LABEL_SHARE
        local_epsilon_per_column = (scenario.local_epsilon - local_epsilon_label) / X.shape[1]
        noisy = laplace_truncated(
            X,
            epsilon=local_epsilon_per_column,
            sensitivity=upper - lower,
            lower=lower,
            upper=upper,
            rng=rng,
        )
        X = np.where(observed, noisy, X)
        labels = randomised_response(
            population.label, n_values=schema.n_classes, epsilon=local_epsilon_label, rng=rng
        )

    # Each person's own coin holds them out for testing (never a fixed number of people: the
    # training-set size must not be a function of public settings; docs/privacy.md).
    test_side = held_out(keys, seed)
    train_side = np.flatnonzero(~test_side)
    test_index = np.flatnonzero(test_side)
    test_index = test_index[scored(keys[test_index], seed)]
    # Opting out stops personalisation, not being counted: the popularity list counts everyone's
    # engagements (with DP noise centrally, or from their randomised reports under local DP).
    popularity_labels = labels[train_side]
    train_index = train_side[~opted_out[train_side]]

    age_bands, age_band = _age_bands(population, schema)
    purchase_columns = [f.name for f in schema.features_in("purchases")]

    def split(index: np.ndarray, X: np.ndarray, y: np.ndarray) -> Split:
        return Split(
            X=X[index],
            observed=observed[index],
            y=y[index],
            segment=population.segment[index],
            age_band=age_band[index],
            opted_out=opted_out[index],
            key=keys[index],
        )

    train = split(train_index, X, labels)
    # The test people are scored on what they would send, against what they truly bought.
    test = split(test_index, X, population.label)
    local = scenario.local_epsilon > 0
    return PreparedData(
        train=train,
        test=test,
        anonymisation=anonymisation,
        data_collected_share=float(consent.mean()),
        category_collected_share={c: float(consent[:, i].mean()) for i, c in enumerate(CATEGORIES)},
        popularity_labels=popularity_labels,
        popularity_true_labels=population.label[train_side],
        labels=population.label,
        purchase_unique_share=(
            _unique_share(population.features[purchase_columns].to_numpy())
            if purchase_columns
            else None
        ),
        n_opted_out_train=int(opted_out[train_side].sum()),
        local_epsilon_per_column=local_epsilon_per_column,
        local_epsilon_label=local_epsilon_label,
        exact_train=split(train_index, X_exact, population.label) if local else train,
        exact_test=split(test_index, X_exact, population.label) if local else test,
        popularity_from_reports=local,
        segment_names=population.segment_names,
        age_bands=age_bands,
    )
