"""Privacy controls before training: consent, opt-out, k-anonymity and local DP."""

import numpy as np
import pytest

from core.people.encoding import not_collected_values
from core.people.person_keys import generated_keys
from core.people.population import generate_profiles
from core.privacy.controls import (
    LOCAL_LABEL_SHARE,
    MAX_TEST_PEOPLE,
    TEST_SHARE,
    integer_seed,
    prepare,
    scored,
    stream,
)
from core.privacy.mechanisms import keep_probability
from core.setting.scenario import Scenario
from core.setting.schema import CATEGORIES

N_PROFILES = 10_000


@pytest.fixture(scope="module")
def population(schema):
    return generate_profiles(N_PROFILES, 31, schema)


def _prepare(population, schema, **changes):
    scenario = Scenario(profiles=N_PROFILES, seed=31, **changes)
    return prepare(scenario, population, schema)


def _both_splits(data):
    return (data.train, data.test)


@pytest.mark.parametrize("category", CATEGORIES)
def test_no_consent_means_placeholder_and_unobserved(population, schema, category):
    """Consent 0 for a category: its columns hold the public placeholder and are never observed."""
    data = _prepare(population, schema, **{f"consent_{category}": 0.0})
    columns = schema.column_categories == category
    placeholder = not_collected_values(schema)[columns]
    for split in _both_splits(data):
        assert np.all(split.X[:, columns] == placeholder)
        assert not split.observed[:, columns].any()
        assert split.observed[:, ~columns].all()
    assert data.category_collected_share[category] == 0.0


@pytest.mark.parametrize(
    "rates",
    [
        {"demographics": 0.3, "location": 0.7, "browsing": 0.5, "purchases": 0.9},
        {"demographics": 1.0, "location": 0.05, "browsing": 0.95, "purchases": 0.0},
    ],
)
def test_consent_rates_give_matching_collected_shares(population, schema, rates):
    """Each category is collected for about its consent rate of people (±0.03 on 10,000 people)."""
    data = _prepare(population, schema, **{f"consent_{c}": r for c, r in rates.items()})
    for category, rate in rates.items():
        assert data.category_collected_share[category] == pytest.approx(rate, abs=0.03)
        columns = schema.column_categories == category
        observed = np.concatenate([s.observed[:, columns].all(axis=1) for s in _both_splits(data)])
        assert observed.mean() == pytest.approx(rate, abs=0.03)
    assert data.data_collected_share == pytest.approx(np.mean(list(rates.values())), abs=0.02)


@pytest.mark.parametrize("opt_out", [0.1, 0.3, 0.7])
def test_opted_out_people_are_only_in_the_test_split(population, schema, opt_out):
    """Opted-out people never train the model; they are in the test split at about the rate."""
    data = _prepare(population, schema, opt_out=opt_out)
    assert not data.train.opted_out.any()
    assert data.test.opted_out.mean() == pytest.approx(opt_out, abs=0.03)
    n_train_side = N_PROFILES - len(data.test.y)
    assert data.n_opted_out_train / n_train_side == pytest.approx(opt_out, abs=0.03)
    # Opted-out test people share nothing for personalisation.
    assert not data.test.observed[data.test.opted_out].any()
    # The popularity list counts everyone on the training side, opted out or not.
    assert len(data.popularity_labels) == n_train_side


def test_everyone_opting_out_leaves_no_training_data(population, schema):
    """opt_out = 1: the training split is empty and every test person opted out."""
    data = _prepare(population, schema, opt_out=1.0)
    assert len(data.train.y) == 0
    assert data.train.X.shape == (0, len(schema.columns))
    assert data.test.opted_out.all()
    assert data.data_collected_share == 0.0


def test_split_sizes(population, schema):
    """Each person is held out by their own coin: the test split holds about TEST_SHARE of the
    people (within 4 binomial sd; its size is not fixed by the settings) and training the rest."""
    data = _prepare(population, schema)
    sd = (N_PROFILES * TEST_SHARE * (1 - TEST_SHARE)) ** 0.5
    assert abs(len(data.test.y) - N_PROFILES * TEST_SHARE) < 4 * sd
    assert len(data.train.y) + len(data.test.y) == N_PROFILES
    # Another seed holds out other people, and a different number of them.
    other = prepare(Scenario(profiles=N_PROFILES, seed=32), population, schema)
    assert len(other.test.y) != len(data.test.y)
    assert len(set(other.test.key) & set(data.test.key)) < 0.3 * len(data.test.y)


def test_at_most_max_test_people_are_scored():
    """Above MAX_TEST_PEOPLE held out, exactly that many are scored, chosen by their own coins
    (the same ones every time); below it, everyone held out is scored."""
    keys = generated_keys(MAX_TEST_PEOPLE + 5_000, 1)
    chosen = scored(keys, 4)
    assert chosen.sum() == MAX_TEST_PEOPLE
    np.testing.assert_array_equal(chosen, scored(keys, 4))
    assert scored(keys[:1_000], 4).all()


def test_prepare_is_deterministic(population, schema):
    """The same Scenario gives identical prepared data, with or without a given population."""
    changes = {"opt_out": 0.2, "consent_location": 0.5, "k": 5, "local_epsilon": 10.0}
    first = _prepare(population, schema, **changes)
    second = prepare(Scenario(profiles=N_PROFILES, seed=31, **changes))
    for a, b in zip(_both_splits(first), _both_splits(second), strict=True):
        for name in ("X", "observed", "y", "segment", "age_band", "opted_out"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_epsilon_and_model_do_not_change_prepared_data(population, schema):
    """Central ε and the model choice do not touch the prepared data (it is reused across ε)."""
    base = _prepare(population, schema, k=5)
    other = _prepare(population, schema, k=5, epsilon=0.05, model="random_forest", repeats=3)
    np.testing.assert_array_equal(base.train.X, other.train.X)
    np.testing.assert_array_equal(base.test.X, other.test.X)


def test_local_dp_changes_values_and_keeps_them_in_unit_range(population, schema):
    """Local DP randomises collected values, stays in [0, 1] and leaves uncollected ones alone."""
    plain = _prepare(population, schema, consent_browsing=0.5)
    noisy = _prepare(population, schema, consent_browsing=0.5, local_epsilon=5.0)
    for before, after in zip(_both_splits(plain), _both_splits(noisy), strict=True):
        assert after.X.min() >= 0.0
        assert after.X.max() <= 1.0
        changed = before.X != after.X
        # Noise of scale 58/5 on [0, 1] is clamped; a 0 stays 0 about half the time.
        assert changed[after.observed].mean() > 0.5
        assert not changed[~after.observed].any()
    # The exact splits (the ceiling's) are the plain ones.
    np.testing.assert_array_equal(noisy.exact_train.X, plain.train.X)
    np.testing.assert_array_equal(noisy.exact_test.X, plain.test.X)


def test_local_dp_spends_the_whole_budget_on_the_whole_record(population, schema):
    """ε_local = label share + one share per column: the record, label included, is covered."""
    noisy = _prepare(population, schema, local_epsilon=5.0)
    assert noisy.local_epsilon_label == pytest.approx(5.0 * LOCAL_LABEL_SHARE)
    total = noisy.local_epsilon_label + noisy.local_epsilon_per_column * len(schema.columns)
    assert total == pytest.approx(5.0)


def test_local_dp_randomises_the_label_by_randomised_response(population, schema):
    """Training labels are reported through k-ary randomised response (kept with probability
    e^ε/(e^ε + k − 1)); test labels stay true (they only score the model)."""
    plain = _prepare(population, schema)
    noisy = _prepare(population, schema, local_epsilon=2.0)
    kept = np.mean(noisy.train.y == plain.train.y)
    expected = keep_probability(noisy.local_epsilon_label, schema.n_classes)
    # 8,000 training people: sd of the kept share ≈ 0.0055; 5 sd tolerance.
    assert kept == pytest.approx(expected, abs=0.03)
    np.testing.assert_array_equal(noisy.test.y, plain.test.y)
    np.testing.assert_array_equal(noisy.exact_train.y, plain.train.y)
    assert noisy.popularity_from_reports
    assert not np.array_equal(noisy.popularity_labels, noisy.popularity_true_labels)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"k": 10},
        {"local_epsilon": 5.0},
        {"local_epsilon": 0.01, "k": 50},
        {"consent_demographics": 0.3, "consent_location": 0.3, "k": 20},
        {"opt_out": 0.5, "consent_browsing": 0.0},
    ],
)
def test_model_matrix_is_in_unit_range(population, schema, changes):
    """Every prepared X is finite and in [0, 1], whatever the controls."""
    data = _prepare(population, schema, **changes)
    for split in _both_splits(data):
        assert np.isfinite(split.X).all()
        assert split.X.min() >= 0.0
        assert split.X.max() <= 1.0
        assert split.observed.dtype == bool
        assert split.X.shape == split.observed.shape == (len(split.y), len(schema.columns))


def test_k_anonymity_generalises_and_blanks_suppressed_quasi_identifiers(population, schema):
    """With k > 1 age takes band midpoints, and suppressed people keep their record but their
    quasi-identifiers become the unobserved placeholder (ARX-style suppression)."""
    data = _prepare(population, schema, k=50)
    result = data.anonymisation
    assert result.k == 50
    assert result.level_of("age").kind != "exact"
    assert result.suppressed.sum() > 0
    assert len(data.train.y) + len(data.test.y) == N_PROFILES  # nobody is dropped
    qi_names = {f.name for f in schema.quasi_identifiers}
    qi = np.array([name.split("=")[0] in qi_names for name in schema.columns])
    placeholder = not_collected_values(schema)
    observed = np.concatenate([s.observed for s in _both_splits(data)])
    X = np.concatenate([s.X for s in _both_splits(data)])
    blanked = ~observed[:, qi].any(axis=1)
    # With full consent, only suppression hides quasi-identifiers.
    assert blanked.sum() == result.suppressed.sum()
    assert np.all(X[np.ix_(blanked, qi)] == placeholder[qi])
    assert observed[np.ix_(blanked, ~qi)].all()
    age_column = list(schema.columns).index("age")
    level = result.level_of("age")
    assert level.kind == "band", "k=50 on 10,000 people should band age, not hide it"
    width = level.width
    n_bands = -(-(schema.feature("age").upper - schema.feature("age").lower + 1) // width)
    assert len(np.unique(X[~blanked, age_column])) <= n_bands


def test_streams_are_reproducible_and_independent():
    """stream/integer_seed give the same numbers for the same key and differ across keys."""
    assert stream(5, 1).random() == stream(5, 1).random()
    assert stream(5, 1).random() != stream(5, 2).random()
    assert stream(5, 1).random() != stream(6, 1).random()
    seed = integer_seed(5, 10, 3)
    assert seed == integer_seed(5, 10, 3)
    assert seed != integer_seed(5, 10, 4)
    assert isinstance(seed, int)
    assert 0 <= seed < 2**32
