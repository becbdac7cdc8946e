"""The vectorised samplers against the diffprivlib mechanisms they replace.

Each comparison draws 4,000 values from each side with fixed seeds and asserts a two-sample test
p-value above 0.001. The seeds are fixed, so the outcome never changes between runs; the
threshold leaves room for the chosen seeds not being lucky ones.

Power: with 4,000 draws a side at α = 0.001 the two-sample KS test rejects when the empirical
CDFs differ by more than 0.044 anywhere; a true CDF gap of 0.06 is caught in 99% of runs (400
simulated runs of shifted normals). ``test_two_sample_checks_detect_a_wrong_scale`` shows it: the
Laplace at twice the scale is rejected at p < 1e-6.
"""

import math

import numpy as np
import pytest
from diffprivlib.mechanisms import (
    Exponential,
    GeometricTruncated,
    LaplaceBoundedDomain,
    LaplaceTruncated,
    PermuteAndFlip,
)
from scipy.stats import chi2_contingency, ks_2samp

from core.privacy.mechanisms import (
    bounded_domain_scale,
    debiased_counts,
    geometric_truncated,
    keep_probability,
    laplace_bounded_domain,
    laplace_truncated,
    permute_and_flip,
    randomised_response,
)

N_DRAWS = 4_000
MIN_P_VALUE = 0.001


def _reference_draws(mechanism, value: float) -> np.ndarray:
    return np.array([mechanism.randomise(value) for _ in range(N_DRAWS)])


def _contingency_p_value(first: np.ndarray, second: np.ndarray, min_cell: int = 20) -> float:
    """Chi-square test of equal frequencies over the joint support, merging sparse tail values."""
    support = np.union1d(first, second)
    counts = np.array([[np.sum(sample == v) for v in support] for sample in (first, second)])
    merged, current = [], np.zeros(2, dtype=int)
    for column in counts.T:
        current = current + column
        if current.sum() >= min_cell:
            merged.append(current)
            current = np.zeros(2, dtype=int)
    if current.sum():
        if merged:
            merged[-1] = merged[-1] + current
        else:
            merged.append(current)
    table = np.array(merged).T
    if table.shape[1] < 2:
        return 1.0  # both samples are one and the same constant
    return chi2_contingency(table).pvalue


# (value, epsilon, sensitivity, lower, upper)
TRUNCATED_SETTINGS = [
    (0.5, 1.0, 1.0, 0.0, 1.0),  # noise much wider than the range: mass piles on both bounds
    (3.0, 0.5, 1.0, -5.0, 10.0),
    (120.0, 0.05, 1.0, 0.0, 500.0),  # a noisy class sum, as in GaussianNB
    (9.5, 2.0, 1.0, 0.0, 10.0),  # near the upper bound
]


@pytest.mark.parametrize(("value", "epsilon", "sensitivity", "lower", "upper"), TRUNCATED_SETTINGS)
def test_laplace_truncated_matches_diffprivlib(value, epsilon, sensitivity, lower, upper):
    """laplace_truncated has the distribution of LaplaceTruncated (KS, and mass on each bound)."""
    reference = _reference_draws(
        LaplaceTruncated(
            epsilon=epsilon, sensitivity=sensitivity, lower=lower, upper=upper, random_state=1
        ),
        value,
    )
    fast = laplace_truncated(
        np.full(N_DRAWS, value),
        epsilon=epsilon,
        sensitivity=sensitivity,
        lower=lower,
        upper=upper,
        rng=np.random.default_rng(2),
    )
    assert fast.min() >= lower
    assert fast.max() <= upper
    assert ks_2samp(fast, reference).pvalue > MIN_P_VALUE
    # KS is weak on atoms: compare the shares at the lower bound, inside, and at the upper bound.
    where = [np.select([s == lower, s == upper], [0, 2], 1) for s in (fast, reference)]
    assert _contingency_p_value(*where, min_cell=1) > MIN_P_VALUE


BOUNDED_DOMAIN_SETTINGS = [
    (0.5, 1.0, 1.0, 0.0, 1.0),  # narrow domain: scale is wider than the whole domain
    (0.2, 0.1, 1.0, 0.0, 2.0),  # very narrow relative to scale (~10x the domain)
    (2.0, 0.5, 1.0, 0.0, 10.0),
    (15.0, 1.0, 1.0, 0.0, 10.0),  # value above the domain: clamped first
    (-3.0, 2.0, 0.5, 0.0, 5.0),  # value below the domain
    (40.0, 0.05, 0.25, 0.0, 250.0),  # a noisy sum of squares, as in GaussianNB
]


@pytest.mark.parametrize(
    ("value", "epsilon", "sensitivity", "lower", "upper"), BOUNDED_DOMAIN_SETTINGS
)
def test_laplace_bounded_domain_matches_diffprivlib(value, epsilon, sensitivity, lower, upper):
    """laplace_bounded_domain has the distribution of LaplaceBoundedDomain (two-sample KS)."""
    reference = _reference_draws(
        LaplaceBoundedDomain(
            epsilon=epsilon, sensitivity=sensitivity, lower=lower, upper=upper, random_state=3
        ),
        value,
    )
    fast = laplace_bounded_domain(
        np.full(N_DRAWS, value),
        epsilon=epsilon,
        sensitivity=sensitivity,
        lower=lower,
        upper=upper,
        rng=np.random.default_rng(4),
    )
    assert fast.min() >= lower
    assert fast.max() <= upper
    assert ks_2samp(fast, reference).pvalue > MIN_P_VALUE


GEOMETRIC_SETTINGS = [
    (5, 0.5, 1, 1, 20),
    (1, 0.1, 1, 1, 10),  # at the lower bound with wide noise: heavy mass on 1
    (50, 1.0, 1, 1, 100),
    (3, 2.0, 2, 0, 6),
    (400, 0.01, 1, 1, 500),  # a class count at tiny ε, as in GaussianNB
]


@pytest.mark.parametrize(("value", "epsilon", "sensitivity", "lower", "upper"), GEOMETRIC_SETTINGS)
def test_geometric_truncated_matches_diffprivlib(value, epsilon, sensitivity, lower, upper):
    """geometric_truncated gives the same frequencies as GeometricTruncated (chi-square)."""
    reference = _reference_draws(
        GeometricTruncated(
            epsilon=epsilon, sensitivity=sensitivity, lower=lower, upper=upper, random_state=5
        ),
        value,
    )
    fast = geometric_truncated(
        np.full(N_DRAWS, value),
        epsilon=epsilon,
        sensitivity=sensitivity,
        lower=lower,
        upper=upper,
        rng=np.random.default_rng(6),
    )
    assert fast.dtype == np.int64
    assert fast.min() >= lower
    assert fast.max() <= upper
    assert _contingency_p_value(fast, reference) > MIN_P_VALUE


def test_two_sample_checks_detect_a_wrong_scale():
    """The comparison has power: Laplace noise at twice the scale is rejected (p < 1e-6)."""
    reference = _reference_draws(
        LaplaceTruncated(epsilon=1.0, sensitivity=1.0, lower=-50, upper=50, random_state=1), 0.0
    )
    wrong = laplace_truncated(
        np.zeros(N_DRAWS),
        epsilon=0.5,
        sensitivity=1.0,
        lower=-50,
        upper=50,
        rng=np.random.default_rng(2),
    )
    assert ks_2samp(wrong, reference).pvalue < 1e-6


@pytest.mark.parametrize("epsilon", [0.001, 0.01, 0.1, 1.0, 10.0, 100.0])
@pytest.mark.parametrize("sensitivity", [0.01, 0.25, 1.0, 3.0])
@pytest.mark.parametrize("upper_in_sensitivities", [1.0, 1.5, 4.0, 100.0, 1e5])
def test_bounded_domain_scale_equals_diffprivlib(epsilon, sensitivity, upper_in_sensitivities):
    """bounded_domain_scale equals LaplaceBoundedDomain._find_scale to 1e-9 (domain >= Δ)."""
    upper = sensitivity * upper_in_sensitivities
    expected = LaplaceBoundedDomain(
        epsilon=epsilon, sensitivity=sensitivity, lower=0.0, upper=upper
    )._find_scale()
    assert float(bounded_domain_scale(epsilon, sensitivity, 0.0, upper)) == pytest.approx(
        expected, rel=1e-9
    )


def test_bounded_domain_scale_is_elementwise():
    """On arrays, bounded_domain_scale gives each element its own scalar answer."""
    epsilon = np.array([[0.1], [1.0], [10.0]])
    upper = np.array([1.0, 5.0, 50.0, 5000.0])
    together = bounded_domain_scale(epsilon, 1.0, 0.0, upper)
    assert together.shape == (3, 4)
    for i, j in np.ndindex(together.shape):
        alone = bounded_domain_scale(epsilon[i, 0], 1.0, 0.0, upper[j])
        assert together[i, j] == pytest.approx(float(alone), rel=1e-12)


def test_bounded_domain_scale_is_at_least_the_laplace_scale():
    """Restricting to a domain never needs less noise than plain Laplace (sensitivity / ε)."""
    epsilon = np.geomspace(0.01, 100, 9)
    scale = bounded_domain_scale(epsilon, 1.0, 0.0, 3.0)
    assert np.all(scale >= 1.0 / epsilon)


@pytest.mark.parametrize(
    "sampler", [laplace_truncated, laplace_bounded_domain, geometric_truncated]
)
def test_samplers_are_reproducible_and_shape_preserving(sampler):
    """Same generator seed -> same draws; the output has the shape of the values."""
    values = np.arange(12, dtype=float).reshape(3, 4)

    def draw(seed: int) -> np.ndarray:
        return sampler(
            values,
            epsilon=0.5,
            sensitivity=1.0,
            lower=0.0,
            upper=20.0,
            rng=np.random.default_rng(seed),
        )

    np.testing.assert_array_equal(draw(9), draw(9))
    assert draw(9).shape == values.shape
    assert not np.array_equal(draw(9), draw(10))


def test_laplace_truncated_broadcasts_bounds_per_element():
    """Per-element bounds are respected when they broadcast against the values."""
    lower = np.array([0.0, 10.0, -5.0])
    upper = np.array([1.0, 20.0, 5.0])
    noisy = laplace_truncated(
        np.zeros((500, 3)),
        epsilon=0.01,
        sensitivity=1.0,
        lower=lower,
        upper=upper,
        rng=np.random.default_rng(0),
    )
    assert np.all(noisy >= lower)
    assert np.all(noisy <= upper)


# (class counts of a leaf, epsilon): a clear winner, ties, an empty leaf, a tight race
PERMUTE_AND_FLIP_SETTINGS = [
    ([5, 3, 3, 0], 0.5),
    ([5, 3, 3, 0], 2.0),
    ([0, 0, 0, 0, 0, 0, 0, 0], 1.0),
    ([40, 38, 2, 39, 0, 1, 0, 12], 0.1),
    ([7, 7, 1], 10.0),
]


@pytest.mark.parametrize(("utility", "epsilon"), PERMUTE_AND_FLIP_SETTINGS)
def test_permute_and_flip_matches_diffprivlib(utility, epsilon):
    """permute_and_flip chooses like diffprivlib's PermuteAndFlip (sensitivity 1, monotonic), as
    a random-forest leaf does (chi-square over the candidates)."""
    mechanism = PermuteAndFlip(
        epsilon=epsilon, sensitivity=1, monotonic=True, utility=list(utility), random_state=11
    )
    reference = np.array([mechanism.randomise() for _ in range(N_DRAWS)])
    rows = np.broadcast_to(np.asarray(utility), (N_DRAWS, len(utility)))
    fast = permute_and_flip(rows, epsilon=epsilon, rng=np.random.default_rng(12))
    assert fast.shape == (N_DRAWS,)
    assert _contingency_p_value(fast, reference, min_cell=5) > MIN_P_VALUE


def test_permute_and_flip_at_infinite_epsilon_picks_among_the_best():
    """ε = inf: always a best candidate, each of tied best ones about equally often."""
    rows = np.broadcast_to(np.array([3, 9, 1, 9]), (N_DRAWS, 4))
    chosen = permute_and_flip(rows, epsilon=np.inf, rng=np.random.default_rng(13))
    assert set(np.unique(chosen)) == {1, 3}
    assert abs(np.mean(chosen == 1) - 0.5) < 0.05


def test_permute_and_flip_check_detects_a_wrong_epsilon():
    """The chi-square check above can fail: twice the ε is told apart from diffprivlib."""
    mechanism = PermuteAndFlip(
        epsilon=0.5, sensitivity=1, monotonic=True, utility=[5, 3, 3, 0], random_state=14
    )
    reference = np.array([mechanism.randomise() for _ in range(N_DRAWS)])
    rows = np.broadcast_to(np.array([5, 3, 3, 0]), (N_DRAWS, 4))
    wrong = permute_and_flip(rows, epsilon=1.0, rng=np.random.default_rng(15))
    assert _contingency_p_value(wrong, reference, min_cell=5) < 1e-6


@pytest.mark.parametrize(("epsilon", "sensitivity"), [(1.0, 0.0), (math.inf, 1.0), (math.inf, 0.0)])
def test_no_noise_edges_match_diffprivlib(epsilon, sensitivity):
    """Sensitivity 0 or ε = ∞: every sampler returns the clamped value, as diffprivlib does
    (the bounded-domain sampler used to return NaN there)."""
    rng = np.random.default_rng(0)
    kwargs = {"epsilon": epsilon, "sensitivity": sensitivity, "lower": 0.0, "upper": 2.0}
    reference = LaplaceBoundedDomain(delta=0, random_state=0, **kwargs).randomise(1.5)
    np.testing.assert_array_equal(laplace_bounded_domain([1.5, 3.0], rng=rng, **kwargs), [1.5, 2])
    assert reference == 1.5
    np.testing.assert_array_equal(laplace_truncated([1.5, 3.0], rng=rng, **kwargs), [1.5, 2])
    geometric = {**kwargs, "lower": 0, "upper": 2}
    np.testing.assert_array_equal(geometric_truncated([1, 3], rng=rng, **geometric), [1, 2])


@pytest.mark.parametrize(("epsilon", "n_values"), [(0.1, 8), (1.0, 8), (3.0, 4)])
def test_randomised_response_matches_diffprivlib_exponential(epsilon, n_values):
    """k-ary randomised response has the output distribution of diffprivlib's Exponential
    mechanism with a 0/1 utility, sensitivity 1 and monotonic=True (chi-square, 20,000 each)."""
    rng = np.random.default_rng(int(epsilon * 100) + n_values)
    true_value = 2
    ours = randomised_response(
        np.full(20_000, true_value), n_values=n_values, epsilon=epsilon, rng=rng
    )
    utility = [1.0 if v == true_value else 0.0 for v in range(n_values)]
    mechanism = Exponential(
        epsilon=epsilon, sensitivity=1, utility=utility, monotonic=True, random_state=1
    )
    theirs = np.array([mechanism.randomise() for _ in range(20_000)])
    table = np.vstack(
        [np.bincount(ours, minlength=n_values), np.bincount(theirs, minlength=n_values)]
    )
    assert chi2_contingency(table).pvalue > MIN_P_VALUE
    assert np.mean(ours == true_value) == pytest.approx(
        keep_probability(epsilon, n_values), abs=0.015
    )


def test_debiased_counts_are_unbiased():
    """Debiased counts of randomised-response reports average to the true counts."""
    rng = np.random.default_rng(5)
    truth = np.repeat(np.arange(4), [500, 300, 150, 50])
    estimates = np.mean(
        [
            debiased_counts(
                randomised_response(truth, n_values=4, epsilon=1.0, rng=rng),
                n_values=4,
                epsilon=1.0,
            )
            for _ in range(400)
        ],
        axis=0,
    )
    # sd of one estimate ≈ 40 people; over 400 draws ≈ 2: 5 sd tolerance.
    np.testing.assert_allclose(estimates, [500, 300, 150, 50], atol=10)
