"""The person-level diffprivlib models: each changed step holds, and each spends exactly ε."""

import numpy as np
import pytest
from diffprivlib.accountant import BudgetAccountant
from scipy import stats
from scipy.special import expit

from core.people.encoding import data_norm, encode, model_bounds
from core.privacy.fast_lr import LRData, draw_releases
from core.privacy.private_models import (
    MAX_CLASS_COUNT,
    PersonLevelGaussianNB,
    PersonLevelLogisticRegression,
    fit_person_level_forest,
    objective_perturbation_calibration,
    tree_of_person,
    unit_ball_design,
)


@pytest.fixture(scope="module")
def data(population_5k, schema):
    """(X, y) of 2,000 of the shared people, with class 7 removed (an absent public class)."""
    X = encode(population_5k.features, schema)[:2_000]
    y = population_5k.label[:2_000]
    keep = y != 7
    return X[keep], y[keep]


def test_tree_assignment_depends_only_on_the_persons_own_key():
    """Removing one person leaves every other person in the same tree."""
    keys = np.arange(10_000)
    everyone = tree_of_person(keys, 10, seed=123)
    without = tree_of_person(np.delete(keys, 4_321), 10, seed=123)
    np.testing.assert_array_equal(np.delete(everyone, 4_321), without)
    # Roughly even trees, and another seed deals people differently.
    assert np.bincount(everyone, minlength=10).min() > 900
    assert np.mean(everyone != tree_of_person(keys, 10, seed=124)) > 0.8


def test_forest_trees_see_disjoint_people_and_spend_epsilon_once(data, schema):
    """Each tree is fitted on the people hashed to it; the forest spends ε once (parallel)."""
    X, y = data
    keys = np.arange(len(y)) * 7 + 3
    accountant = BudgetAccountant()
    forest = fit_person_level_forest(
        X,
        y,
        keys,
        n_trees=5,
        max_depth=4,
        epsilon=0.5,
        bounds=model_bounds(schema),
        classes=np.arange(schema.n_classes),
        random_state=9,
        accountant=accountant,
    )
    assert accountant.total()[0] == pytest.approx(0.5)
    assert len(forest.trees) == 5
    proba = forest.predict_proba(X[:50])
    assert proba.shape == (50, schema.n_classes)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_forest_does_not_depend_on_row_order(data, schema):
    """Shuffling the rows (with their keys) gives the same forest: people, not positions."""
    X, y = data
    keys = np.arange(len(y))
    order = np.random.default_rng(0).permutation(len(y))
    common = {
        "n_trees": 4,
        "max_depth": 4,
        "epsilon": 1.0,
        "bounds": model_bounds(schema),
        "classes": np.arange(schema.n_classes),
        "random_state": 5,
    }
    first = fit_person_level_forest(X, y, keys, accountant=BudgetAccountant(), **common)
    second = fit_person_level_forest(
        X[order], y[order], keys[order], accountant=BudgetAccountant(), **common
    )
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))


def test_logistic_regression_fits_every_public_class(data, schema):
    """Every public class gets coefficients, the absent class 7 included, with no intercept."""
    X, y = data
    accountant = BudgetAccountant()
    model = PersonLevelLogisticRegression(
        classes=np.arange(schema.n_classes),
        epsilon=2.0,
        data_norm=1.0,
        fit_intercept=False,
        random_state=3,
        accountant=accountant,
    ).fit(unit_ball_design(X, data_norm(schema)), y)
    assert accountant.total()[0] == pytest.approx(2.0)
    assert model.coef_.shape == (schema.n_classes, X.shape[1] + 1)
    np.testing.assert_array_equal(model.intercept_, 0.0)
    assert np.abs(model.coef_[7]).sum() > 0, "the absent class is noised too"
    # Classes get independent noise (one seed each), never one shared vector.
    assert not np.allclose(model.coef_[0] - model.coef_[1], 0.0)


def test_logistic_regression_refuses_a_free_intercept_or_a_large_norm(data, schema):
    """The proof needs every coordinate regularised and rows in the unit ball."""
    X, y = data
    for params in ({"fit_intercept": True, "data_norm": 1.0}, {"data_norm": 5.0}):
        model = PersonLevelLogisticRegression(
            classes=np.arange(schema.n_classes),
            epsilon=1.0,
            random_state=0,
            accountant=BudgetAccountant(),
            **{"fit_intercept": False, **params},
        )
        with pytest.raises(ValueError, match="fit_intercept=False and data_norm = 1"):
            model.fit(unit_ball_design(X, data_norm(schema)), y)


def _one_feature_design(values):
    return unit_ball_design(np.asarray(values, dtype=float)[:, None], 1.0)


def _noise_behind(coef, X, y, calibration):
    """The noise vector b of each class that makes ``coef`` the minimiser on (X, y), and the
    log |det ∂b/∂w| of the map from coefficients to noise (the objective's Hessian)."""
    noise, log_jacobian = [], 0.0
    for label, w in enumerate(coef):
        z = X @ w
        residual = expit(z) - (y == label)
        noise.append(-(calibration.regularisation * w + X.T @ residual))
        hessian = calibration.regularisation * np.eye(len(w)) + (X.T * expit(z) * expit(-z)) @ X
        log_jacobian += np.linalg.slogdet(hessian)[1]
    return np.array(noise), log_jacobian


def _log_density(coef, X, y, calibration):
    """log p(coef | X, y) up to a constant that is the same for every data set: the density of
    the noise that gives this release (∝ exp(−‖b‖/scale)) times the change of variables."""
    noise, log_jacobian = _noise_behind(coef, X, y, calibration)
    return -np.linalg.norm(noise, axis=1).sum() / calibration.noise_scale + log_jacobian


def _diffprivlib_release(X, y, epsilon, classes, seed):
    model = PersonLevelLogisticRegression(
        classes=classes,
        epsilon=epsilon,
        data_norm=1.0,
        fit_intercept=False,
        tol=1e-10,
        max_iter=1_000,
        random_state=seed,
        accountant=BudgetAccountant(),
    ).fit(X, y)
    return model.coef_, model.calibration_


def _batched_release(X, y, epsilon, classes, seed):
    coef, calibration = draw_releases(LRData.from_data(X, y, len(classes)), epsilon, [seed])
    return coef[0], calibration


@pytest.mark.parametrize("release", [_diffprivlib_release, _batched_release])
@pytest.mark.parametrize(
    ("epsilon", "tight"),
    # Two classes: ε/2 each, with the ridge at α (1.0), raised a little (0.3), raised (0.1).
    [(2.0, True), (0.6, False), (0.2, False)],
)
def test_logistic_regression_privacy_loss_reaches_but_never_exceeds_epsilon(
    release, epsilon, tight
):
    """Exact privacy loss of sampled releases on tiny neighbouring data (add/remove one person at
    the edge of the unit ball, with a surprising label): at most ε, and above ε/2, for the
    diffprivlib fit and the batched path alike.

    The release density is the noise density at the b behind the coefficients times the
    Jacobian of w ↦ b, so log p(w | D) − log p(w | D') is exact for every sampled w. The recovered
    noise norms must follow the fit's stated calibration (KS), so the loss is computed with the
    noise the fit really drew. Where the ridge is 1/C (``tight``), a fit with the noise of 2ε
    exceeds ε and diffprivlib's replace-one calibration (twice the noise needed) stays below ε/2;
    with a raised ridge the Jacobian's share is not reached at the noise's worst case.
    """
    classes = np.array([0, 1])
    data = (_one_feature_design([0.0, 1.0]), np.array([0, 1]))
    plus_one = (_one_feature_design([0.0, 1.0, 1.0]), np.array([0, 1, 0]))
    losses, norms = [], []
    for (X, y), (X_other, y_other), first_seed in ((data, plus_one, 0), (plus_one, data, 1_000)):
        for seed in range(first_seed, first_seed + 150):
            coef, calibration = release(X, y, epsilon, classes, seed)
            losses.append(
                _log_density(coef, X, y, calibration)
                - _log_density(coef, X_other, y_other, calibration)
            )
            norms.extend(np.linalg.norm(_noise_behind(coef, X, y, calibration)[0], axis=1))
    assert calibration == objective_perturbation_calibration(epsilon / len(classes))
    # ‖b‖ ~ Gamma(d, noise_scale) for d = 2 coefficients.
    fit = stats.kstest(norms, stats.gamma(a=2, scale=calibration.noise_scale).cdf)
    assert fit.pvalue > 0.01, fit
    largest = np.abs(losses).max()
    assert largest <= epsilon + 1e-6
    if tight:
        assert largest > epsilon / 2, "calibrated for more noise than add/remove needs"


def test_unit_ball_design_keeps_every_row_in_the_unit_ball(data, schema):
    """Rows of [X, 1] scaled by a public constant have L2 norm at most 1."""
    X, _ = data
    design = unit_ball_design(X, data_norm(schema))
    assert np.linalg.norm(design, axis=1).max() <= 1.0 + 1e-12
    assert np.all(design[:, -1] == design[0, -1])


def test_naive_bayes_counts_use_a_public_clamp(data, schema):
    """Noisy counts are clamped to [1, MAX_CLASS_COUNT], never to the true n."""
    X, y = data
    model = PersonLevelGaussianNB(
        epsilon=0.01,
        bounds=model_bounds(schema),
        random_state=4,
        accountant=BudgetAccountant(),
    ).partial_fit(X, y, classes=np.arange(schema.n_classes))
    assert np.all(model.class_count_ >= 1)
    assert np.all(model.class_count_ <= MAX_CLASS_COUNT)
    assert model.class_count_.sum() != len(y) or model.class_prior_[7] > 0
