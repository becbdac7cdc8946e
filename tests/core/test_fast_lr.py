"""The batched logistic regression: diffprivlib's noise, diffprivlib's minimisers."""

import numpy as np
import pytest
from diffprivlib.accountant import BudgetAccountant
from diffprivlib.mechanisms import Vector
from scipy.special import expit

from core.engine import build_workbench, fit_release
from core.engine.evaluation import _STREAM_NOISE, _epsilon_key
from core.people.encoding import encode
from core.privacy.controls import integer_seed
from core.privacy.fast_lr import TOLERANCE, LRData, class_seeds, draw_releases, release_noise
from core.privacy.models import fit_private, lr_design, lr_probabilities
from core.privacy.private_models import (
    LOGISTIC_CURVATURE,
    PersonLevelLogisticRegression,
    objective_perturbation_calibration,
)
from core.setting.scenario import Scenario

# Per-class ε with the ridge raised (below 2·log(1 + c/α) ≈ 0.446, α = 1), inside diffprivlib's
# own window where its rule differs (0.223–0.446), and with the ridge at α.
CLASS_EPSILONS = (0.01, 0.2, 0.3, 3.0)


@pytest.fixture(scope="module")
def training(population_5k, schema):
    """(design, y) of 3,000 of the shared people, and their LRData."""
    design = lr_design(encode(population_5k.features, schema)[:3_000], schema)
    y = population_5k.label[:3_000]
    return design, y, LRData.from_data(design, y, schema.n_classes)


def _vector_noise(class_epsilon, dimension, n, seed):
    """What diffprivlib's Vector adds to the averaged objective at 2ε and C′ = 1/α′ (its
    replace-one calibration there is the add/remove one at ε), read back through its output:
    the noise b and the sum-form ridge α′ + n·Δ (Δ: its small-ε branch's extra ridge)."""
    ridge = objective_perturbation_calibration(class_epsilon).regularisation
    mechanism = Vector(
        epsilon=2 * class_epsilon,
        function_sensitivity=LOGISTIC_CURVATURE,
        data_sensitivity=1.0,
        dimension=dimension,
        alpha=ridge,
        n=n,
        random_state=np.random.RandomState(seed),
    )
    perturbed = mechanism.randomise(lambda w: (0.0, np.zeros(dimension)))
    noise = perturbed(np.zeros(dimension))[1] * n
    extra = (perturbed(np.eye(dimension)[0])[1] * n - noise)[0]
    return noise, ridge + extra


@pytest.mark.parametrize("class_epsilon", CLASS_EPSILONS)
def test_noise_and_ridge_are_diffprivlibs(class_epsilon):
    """release_noise gives, bit for bit, the vector diffprivlib's Vector draws from the same
    seed, and the calibration's scale and ridge are the ones it uses."""
    calibration = objective_perturbation_calibration(class_epsilon)
    seeds = class_seeds(123, 8)
    ours = release_noise(seeds, 30, calibration.noise_scale)
    for seed, noise in zip(seeds, ours, strict=True):
        theirs, ridge = _vector_noise(class_epsilon, 30, 1_000, seed)
        np.testing.assert_allclose(noise, theirs, rtol=1e-12)
        assert ridge == pytest.approx(calibration.regularisation, rel=1e-9)


def test_class_seeds_are_the_models():
    """The per-class seeds are those PersonLevelLogisticRegression draws from random_state."""
    np.testing.assert_array_equal(
        class_seeds(77, 8), np.random.RandomState(77).randint(2**31 - 1, size=8)
    )


@pytest.mark.parametrize("class_epsilon", CLASS_EPSILONS)
def test_batched_minimisers_are_stationary_for_diffprivlibs_noise(training, class_epsilon):
    """Every batched solution makes the gradient of J — with the noise diffprivlib's Vector
    draws for that class and seed — vanish to the solver's tolerance."""
    design, y, data = training
    n_classes = data.n_classes
    random_states = [5, 6, 7]
    coefs, calibration = draw_releases(data, class_epsilon * n_classes, random_states)
    for random_state, coef in zip(random_states, coefs, strict=True):
        seeds = class_seeds(random_state, n_classes)
        for label, (seed, w) in enumerate(zip(seeds, coef, strict=True)):
            noise, ridge = _vector_noise(class_epsilon, design.shape[1], len(y), seed)
            gradient = design.T @ (expit(design @ w) - (y == label)) + ridge * w + noise
            assert np.abs(gradient).max() <= TOLERANCE * len(y)


@pytest.mark.parametrize("class_epsilon", CLASS_EPSILONS)
def test_batched_releases_equal_diffprivlib_fits(training, schema, class_epsilon):
    """The batched coefficients equal PersonLevelLogisticRegression's (diffprivlib's L-BFGS,
    run to a tight tolerance) for the same random_state, and are at least as close to them as
    diffprivlib's own default stopping rule gets."""
    design, y, data = training
    epsilon = class_epsilon * schema.n_classes
    coefs, _ = draw_releases(data, epsilon, [11, 12])
    for random_state, coef in zip((11, 12), coefs, strict=True):

        def fit(random_state=random_state, **solver):
            return PersonLevelLogisticRegression(
                classes=np.arange(schema.n_classes),
                epsilon=epsilon,
                data_norm=1.0,
                fit_intercept=False,
                random_state=random_state,
                accountant=BudgetAccountant(),
                **solver,
            ).fit(design, y)

        tight = fit(tol=1e-10, max_iter=10_000).coef_
        default = fit(max_iter=100).coef_
        scale = np.abs(tight).max()
        assert np.abs(coef - tight).max() <= 1e-4 * scale
        assert np.abs(coef - tight).max() <= max(np.abs(default - tight).max(), 1e-6 * scale)


def test_engine_release_is_the_person_level_models(schema):
    """fit_release (batched path) gives the model PersonLevelLogisticRegression fits for the same
    integer seed (to a tight tolerance): the same probabilities for every test person; the app's
    own diffprivlib fit (fit_private, default stopping rule) is within its solver's error."""
    bench = build_workbench(Scenario(model="logistic_regression", profiles=2_000, seed=3))
    assert bench.lr_data is not None
    accountant = BudgetAccountant()
    fast = fit_release(bench, 5.0, 0, accountant)
    assert accountant.total()[0] == pytest.approx(5.0)
    seed = integer_seed(bench.scenario.seed, _STREAM_NOISE, _epsilon_key(5.0), 0)
    train, test = bench.data.train, bench.data.test
    tight = PersonLevelLogisticRegression(
        classes=np.arange(schema.n_classes),
        epsilon=5.0,
        data_norm=1.0,
        fit_intercept=False,
        tol=1e-10,
        max_iter=10_000,
        random_state=seed,
        accountant=BudgetAccountant(),
    ).fit(lr_design(train.X, schema), train.y)
    proba = fast.predict_proba(test.X, test.observed)
    np.testing.assert_allclose(
        proba, lr_probabilities(tight.coef_, lr_design(test.X, schema)), atol=1e-5
    )
    default = fit_private(
        "logistic_regression",
        train.X,
        train.y,
        epsilon=5.0,
        schema=schema,
        random_state=seed,
        accountant=BudgetAccountant(),
    )
    np.testing.assert_allclose(proba, default.predict_proba(test.X, test.observed), atol=0.02)


def test_the_ceiling_is_the_releases_limit(training):
    """The logistic-regression twin (the ceiling) is the private model without its noise: the
    releases tend to it as ε grows."""
    design, y, data = training
    coefs, _ = draw_releases(data, 1e7, [1, 2])
    scale = np.abs(data.warm).max()
    assert np.abs(coefs - data.warm).max() <= 1e-3 * scale
    far, _ = draw_releases(data, 1.0, [1])
    assert np.abs(far[0] - data.warm).max() > 0.1 * scale


@pytest.mark.parametrize("n_people", [0, 1, 2, 3])
def test_tiny_training_sets_give_the_person_level_release(schema, population_5k, n_people):
    """With 0 to 3 people in training the batched release is the diffprivlib fit's (nobody:
    the minimiser of ridge plus noise alone)."""
    X = encode(population_5k.features, schema)[:n_people]
    y = population_5k.label[:n_people]
    coef, _ = draw_releases(LRData.from_data(lr_design(X, schema), y, schema.n_classes), 1.0, [9])
    reference = fit_private(
        "logistic_regression",
        X,
        y,
        epsilon=1.0,
        schema=schema,
        random_state=9,
        accountant=BudgetAccountant(),
    )
    probe = encode(population_5k.features, schema)[100:200]
    np.testing.assert_allclose(
        lr_probabilities(coef[0], lr_design(probe, schema)),
        reference.predict_proba(probe, np.ones_like(probe, dtype=bool)),
        atol=1e-4,
    )
