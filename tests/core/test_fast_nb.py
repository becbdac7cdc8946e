"""The fast DP GaussianNB: same statistics, same noise distribution as diffprivlib's fits.

Power: the statistics are compared exactly; the noise samplers are compared at 4,000 draws a
side in ``test_mechanisms.py``. The accuracy comparison against real diffprivlib fits has 30 a
side, so KS at α = 0.001 only rejects CDF gaps above 0.50 (a gap of 0.6 is caught in 95% of
simulated runs): it guards against a wrong budget split or mechanism, not a subtle difference.
"""

import numpy as np
import pytest
from diffprivlib.accountant import BudgetAccountant
from scipy.stats import ks_2samp
from sklearn.naive_bayes import GaussianNB

from core.people.encoding import encode, model_bounds
from core.privacy.fast_nb import (
    VAR_SMOOTHING,
    NBParameters,
    NBStatistics,
    draw_parameters,
    joint_log_likelihood,
    parameters_from_estimator,
)
from core.privacy.private_models import PersonLevelGaussianNB

N_TRAIN = 4_000
DRAWS_PER_EPSILON = 30
MIN_P_VALUE = 0.001


@pytest.fixture(scope="module")
def split(population_5k, schema):
    """(X_train, y_train, X_test, y_test) from the shared 5,000 people: 4,000 / 1,000."""
    X = encode(population_5k.features, schema)
    y = population_5k.label
    return X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:]


def _accuracy(params, X, y) -> np.ndarray:
    """Accuracy of every draw in ``params`` on (X, y)."""
    return (joint_log_likelihood(params, X).argmax(axis=-1) == y).mean(axis=-1)


def test_statistics_equal_direct_numpy_sums(split, schema):
    """NBStatistics holds per-class counts, sums and sums of squares of the clipped data."""
    X, y, _, _ = split
    stats = NBStatistics.from_data(X, y, schema.n_classes, model_bounds(schema))
    assert stats.n_total == len(y)
    np.testing.assert_array_equal(stats.counts, np.bincount(y, minlength=schema.n_classes))
    for c in range(schema.n_classes):
        np.testing.assert_allclose(stats.sums[c], X[y == c].sum(axis=0), rtol=1e-12)
        np.testing.assert_allclose(stats.sums_of_squares[c], (X[y == c] ** 2).sum(axis=0))


def test_statistics_clip_to_public_bounds():
    """Values outside the public bounds are clipped before summing (the schema's DP promise)."""
    X = np.array([[-1.0, 0.5], [2.0, 0.25], [0.5, 3.0]])
    y = np.array([0, 0, 1])
    stats = NBStatistics.from_data(X, y, 3, (np.zeros(2), np.ones(2)))
    np.testing.assert_array_equal(stats.counts, [2, 1, 0])
    np.testing.assert_array_equal(stats.sums, [[1.0, 0.75], [0.5, 1.0], [0.0, 0.0]])
    np.testing.assert_array_equal(stats.sums_of_squares, [[1.0, 0.3125], [0.25, 1.0], [0.0, 0.0]])


def test_draw_shapes_and_priors(split, schema):
    """draw_parameters returns n_draws sets of (theta, var, prior); priors sum to one."""
    X, y, _, _ = split
    stats = NBStatistics.from_data(X, y, schema.n_classes, model_bounds(schema))
    params = draw_parameters(stats, 1.0, 5, np.random.default_rng(0))
    n_columns = X.shape[1]
    assert params.n_draws == 5
    assert params.theta.shape == params.var.shape == (5, schema.n_classes, n_columns)
    assert params.class_prior.shape == (5, schema.n_classes)
    np.testing.assert_allclose(params.class_prior.sum(axis=1), 1.0)
    assert np.all(params.var >= VAR_SMOOTHING)
    assert np.all((params.theta >= 0) & (params.theta <= 1))
    one = params.draw(3)
    assert one.n_draws == 1
    np.testing.assert_array_equal(one.theta[0], params.theta[3])


def test_noisy_counts_do_not_reveal_the_training_set_size(split, schema):
    """The prior is the noisy counts' share of their own total: prior × n is not forced to be
    all-integer for the true n (diffprivlib's post-processing did that, revealing n)."""
    X, y, _, _ = split
    stats = NBStatistics.from_data(X, y, schema.n_classes, model_bounds(schema))
    params = draw_parameters(stats, 0.05, 200, np.random.default_rng(1))
    counts = params.class_prior * N_TRAIN
    integral = np.all(np.abs(counts - np.round(counts)) < 1e-6, axis=1)
    # Forced to n, every draw would be integral; here only a coincidence makes one so.
    assert integral.mean() < 0.05


def test_unseen_class_is_noised_and_released_like_the_person_level_model(split, schema):
    """A class absent from y is released with noise like every other (a positive prior and a
    noisy mean), as PersonLevelGaussianNB does; before, it was released exactly (prior 0)."""
    X, y, _, _ = split
    keep = y != 7
    stats = NBStatistics.from_data(X[keep], y[keep], schema.n_classes, model_bounds(schema))
    params = draw_parameters(stats, 1.0, 50, np.random.default_rng(2))
    assert np.all(params.class_prior[:, 7] > 0)
    assert np.unique(params.theta[:, 7, 0]).size > 1, "the absent class's mean is noisy"
    reference = PersonLevelGaussianNB(
        epsilon=1.0,
        bounds=model_bounds(schema),
        var_smoothing=VAR_SMOOTHING,
        random_state=2,
        accountant=BudgetAccountant(),
    ).partial_fit(X[keep], y[keep], classes=np.arange(schema.n_classes))
    assert reference.class_prior_[7] > 0
    assert reference.class_count_[7] >= 1


@pytest.mark.slow
@pytest.mark.parametrize("epsilon", [0.1, 1.0, 10.0])
def test_fast_draws_match_diffprivlib_fits(split, schema, epsilon):
    """Accuracy of fast draws and of real fits of the person-level diffprivlib GaussianNB has one
    distribution (KS, 30 each)."""
    X, y, X_test, y_test = split
    bounds = model_bounds(schema)
    stats = NBStatistics.from_data(X, y, schema.n_classes, bounds)
    fast = _accuracy(
        draw_parameters(stats, epsilon, DRAWS_PER_EPSILON, np.random.default_rng(100)),
        X_test,
        y_test,
    )
    real = []
    for random_state in range(DRAWS_PER_EPSILON):
        accountant = BudgetAccountant()
        model = PersonLevelGaussianNB(
            epsilon=epsilon,
            bounds=bounds,
            var_smoothing=VAR_SMOOTHING,
            random_state=random_state,
            accountant=accountant,
        ).partial_fit(X, y, classes=np.arange(schema.n_classes))
        assert accountant.total()[0] == pytest.approx(epsilon)
        real.append(_accuracy(parameters_from_estimator(model), X_test, y_test)[0])
    assert ks_2samp(fast, real).pvalue > MIN_P_VALUE


def test_accuracy_grows_with_epsilon(split, schema):
    """Mean accuracy over 30 fast draws increases from ε=0.1 to 1 to 10 (seeded, by > 0.02)."""
    X, y, X_test, y_test = split
    stats = NBStatistics.from_data(X, y, schema.n_classes, model_bounds(schema))
    rng = np.random.default_rng(7)
    means = [
        _accuracy(draw_parameters(stats, eps, DRAWS_PER_EPSILON, rng), X_test, y_test).mean()
        for eps in (0.1, 1.0, 10.0)
    ]
    assert means[1] > means[0] + 0.02
    assert means[2] > means[1] + 0.02


def test_huge_epsilon_approaches_scikit_learn(split, schema):
    """At ε = 1e6 the fast parameters equal scikit-learn's GaussianNB theta_ and var_ closely."""
    X, y, X_test, _ = split
    stats = NBStatistics.from_data(X, y, schema.n_classes, model_bounds(schema))
    params = draw_parameters(stats, 1e6, 1, np.random.default_rng(3))
    exact = GaussianNB().fit(X, y)
    np.testing.assert_allclose(params.theta[0], exact.theta_, rtol=0, atol=1e-4)
    # Both sides carry the public variance floor instead of scikit-learn's own smoothing.
    np.testing.assert_allclose(
        params.var[0], exact.var_ - exact.epsilon_ + VAR_SMOOTHING, rtol=1e-2, atol=1e-4
    )
    np.testing.assert_allclose(params.class_prior[0], exact.class_prior_, atol=1e-3)
    exact_params = parameters_from_estimator(exact)
    same = joint_log_likelihood(params, X_test)[0].argmax(axis=1)
    assert np.mean(same == joint_log_likelihood(exact_params, X_test)[0].argmax(axis=1)) > 0.99


def _raw_parameters(estimator) -> NBParameters:
    """A fitted GaussianNB's parameters exactly as it holds them (its own smoothing kept)."""
    return NBParameters(
        theta=estimator.theta_[None],
        var=estimator.var_[None],
        class_prior=estimator.class_prior_[None],
    )


def test_joint_log_likelihood_equals_scikit_learn(split):
    """joint_log_likelihood on a scikit-learn model's own parameters equals its joint log proba."""
    X, y, X_test, _ = split
    exact = GaussianNB().fit(X, y)
    ours = joint_log_likelihood(_raw_parameters(exact), X_test)
    assert ours.shape == (1, len(X_test), exact.theta_.shape[0])
    np.testing.assert_allclose(ours[0], exact.predict_joint_log_proba(X_test), rtol=1e-9)


def test_parameters_from_estimator_uses_the_public_variance_floor(split):
    """Wrapping a fitted model swaps its own smoothing for VAR_SMOOTHING; theta and priors stay."""
    X, y, _, _ = split
    exact = GaussianNB().fit(X, y)
    wrapped = parameters_from_estimator(exact)
    np.testing.assert_array_equal(wrapped.theta[0], exact.theta_)
    np.testing.assert_array_equal(wrapped.class_prior[0], exact.class_prior_)
    np.testing.assert_allclose(wrapped.var[0], exact.var_ - exact.epsilon_ + VAR_SMOOTHING)


def test_unobserved_columns_are_left_out_of_the_likelihood(split):
    """Masking a column for everyone gives the likelihood of the model without that column."""
    X, y, X_test, _ = split
    full = _raw_parameters(GaussianNB().fit(X, y))
    observed = np.ones_like(X_test, dtype=bool)
    observed[:, 5:12] = False
    masked = joint_log_likelihood(full, X_test, observed)
    kept = np.r_[0:5, 12 : X.shape[1]]
    without = NBParameters(
        theta=full.theta[:, :, kept], var=full.var[:, :, kept], class_prior=full.class_prior
    )
    np.testing.assert_allclose(masked, joint_log_likelihood(without, X_test[:, kept]), rtol=1e-9)


def test_one_stream_per_draw_gives_each_draw_as_if_drawn_alone(split, schema):
    """draw_parameters with a list of generators: draw i equals the single draw from rng[i]
    (the engine samples all repeats of one ε together without changing any number)."""
    X, y, _, _ = split
    stats = NBStatistics.from_data(X, y, schema.n_classes, model_bounds(schema))
    seeds = [11, 12, 13]
    together = draw_parameters(stats, 0.3, 3, [np.random.default_rng(s) for s in seeds])
    for index, seed in enumerate(seeds):
        alone = draw_parameters(stats, 0.3, 1, np.random.default_rng(seed))
        np.testing.assert_array_equal(together.theta[index], alone.theta[0])
        np.testing.assert_array_equal(together.var[index], alone.var[0])
        np.testing.assert_array_equal(together.class_prior[index], alone.class_prior[0])
