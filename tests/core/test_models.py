"""The diffprivlib models, their non-private twins and the DP popularity list."""

import warnings

import numpy as np
import pytest
from diffprivlib.accountant import BudgetAccountant
from diffprivlib.utils import BudgetError, PrivacyLeakWarning

from core.privacy.controls import prepare
from core.privacy.models import (
    dp_popularity_counts,
    exact_popularity_counts,
    fit_nonprivate,
    fit_private,
)
from core.setting.scenario import MODELS, Scenario

# diffprivlib 0.6.6 passes deprecated L-BFGS-B options to scipy; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:scipy.optimize.*:DeprecationWarning")


@pytest.fixture(scope="module")
def data(population_5k, schema):
    return prepare(Scenario(profiles=5_000, seed=7), population_5k, schema)


@pytest.mark.parametrize("model", list(MODELS))
@pytest.mark.parametrize("epsilon", [0.5, 3.0])
def test_private_model_fits_without_leak_and_spends_exactly_epsilon(data, schema, model, epsilon):
    """Each diffprivlib model fits with no PrivacyLeakWarning and spends exactly ε."""
    accountant = BudgetAccountant()
    with warnings.catch_warnings():
        warnings.simplefilter("error", PrivacyLeakWarning)
        recommender = fit_private(
            model,
            data.train.X,
            data.train.y,
            epsilon=epsilon,
            schema=schema,
            random_state=1,
            accountant=accountant,
        )
    assert accountant.total() == (epsilon, 0.0)
    assert accountant.spent_budget == [(epsilon, 0)]
    test = data.test
    scores = recommender.score(test.X, test.observed)
    assert scores.shape == (len(test.y), schema.n_classes)
    proba = recommender.predict_proba(test.X, test.observed)
    assert proba.shape == (len(test.y), schema.n_classes)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize("model", list(MODELS))
def test_private_model_respects_the_accountant_limit(data, schema, model):
    """A model asking for more ε than its accountant holds raises BudgetError and spends nothing."""
    accountant = BudgetAccountant(epsilon=0.5)
    with pytest.raises(BudgetError):
        fit_private(
            model,
            data.train.X,
            data.train.y,
            epsilon=1.0,
            schema=schema,
            random_state=1,
            accountant=accountant,
        )
    assert accountant.total() == (0.0, 0.0)


@pytest.mark.parametrize("model", list(MODELS))
def test_private_model_is_reproducible_with_an_integer_seed(data, schema, model):
    """The same integer random_state gives the same private model (same scores)."""

    def scores(random_state: int) -> np.ndarray:
        recommender = fit_private(
            model,
            data.train.X,
            data.train.y,
            epsilon=1.0,
            schema=schema,
            random_state=random_state,
            accountant=BudgetAccountant(),
        )
        return recommender.score(data.test.X, data.test.observed)

    np.testing.assert_array_equal(scores(4), scores(4))
    assert not np.array_equal(scores(4), scores(5))


@pytest.mark.parametrize("model", list(MODELS))
def test_nonprivate_twin_fits_and_beats_chance(data, schema, model):
    """Each non-private twin fits, scores every class, and beats the majority-class rate."""
    recommender = fit_nonprivate(model, data.train.X, data.train.y, schema=schema, random_state=1)
    scores = recommender.score(data.test.X, data.test.observed)
    assert scores.shape == (len(data.test.y), schema.n_classes)
    accuracy = np.mean(scores.argmax(axis=1) == data.test.y)
    majority = np.mean(data.test.y == np.bincount(data.train.y).argmax())
    assert accuracy > majority + 0.1


@pytest.mark.parametrize("fit", [fit_private, fit_nonprivate])
def test_unknown_model_is_a_value_error(data, schema, fit):
    """An unknown model name raises ValueError naming it."""
    extra = {"epsilon": 1.0, "accountant": BudgetAccountant()} if fit is fit_private else {}
    with pytest.raises(ValueError, match="Unknown model 'svm'"):
        fit("svm", data.train.X, data.train.y, schema=schema, random_state=1, **extra)


@pytest.mark.parametrize("model", ["logistic_regression", "random_forest"])
def test_missing_class_still_scores_every_public_class(data, schema, model):
    """A twin trained without one class still returns a score column for all 8 classes, and
    never recommends the class it has not seen."""
    keep = data.train.y != 3
    recommender = fit_nonprivate(
        model, data.train.X[keep], data.train.y[keep], schema=schema, random_state=1
    )
    proba = recommender.predict_proba(data.test.X, data.test.observed)
    assert proba.shape == (len(data.test.y), schema.n_classes)
    assert not np.any(proba.argmax(axis=1) == 3)


@pytest.mark.parametrize("epsilon", [0.05, 1.0])
def test_dp_popularity_counts_spend_epsilon(data, schema, epsilon):
    """The DP popularity histogram spends exactly its ε and returns one count per class."""
    accountant = BudgetAccountant()
    with warnings.catch_warnings():
        warnings.simplefilter("error", PrivacyLeakWarning)
        counts = dp_popularity_counts(
            data.popularity_labels,
            epsilon=epsilon,
            n_classes=schema.n_classes,
            random_state=2,
            accountant=accountant,
        )
    assert accountant.total() == (epsilon, 0.0)
    assert counts.shape == (schema.n_classes,)
    assert np.all(counts >= 0)


def test_dp_popularity_counts_approach_exact_counts(data, schema):
    """With a large ε the DP counts are within a few of the exact counts (Laplace scale 1/100)."""
    exact = exact_popularity_counts(data.popularity_labels, schema.n_classes)
    np.testing.assert_array_equal(
        exact, np.bincount(data.popularity_labels, minlength=schema.n_classes)
    )
    noisy = dp_popularity_counts(
        data.popularity_labels,
        epsilon=100.0,
        n_classes=schema.n_classes,
        random_state=2,
        accountant=BudgetAccountant(),
    )
    np.testing.assert_allclose(noisy, exact, atol=2)
