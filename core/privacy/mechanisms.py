"""Vectorised samplers for three diffprivlib mechanisms, equal in distribution to the originals.

diffprivlib mechanisms are scalar: one Python call per value (~11 µs). A frontier of 15 ε x 10
draws of a GaussianNB on 29 columns x 8 classes needs ~14,000 mechanism calls, and the
``LaplaceBoundedDomain`` scale is a root-finding per call. Here each mechanism draws a whole
array at once from the same distribution:

- :func:`laplace_truncated` ~ ``diffprivlib.mechanisms.LaplaceTruncated``
- :func:`laplace_bounded_domain` ~ ``diffprivlib.mechanisms.LaplaceBoundedDomain``
  (diffprivlib rejects draws outside the domain; we sample the same conditional distribution by
  inverting its CDF, and solve the scale with diffprivlib's own fixed-point bisection, run on
  arrays)
- :func:`geometric_truncated` ~ ``diffprivlib.mechanisms.GeometricTruncated``
- :func:`randomised_response` ~ ``diffprivlib.mechanisms.Exponential`` with a 0/1 utility
  (the true value scores 1), sensitivity 1 and ``monotonic=True``: k-ary randomised response
- :func:`permute_and_flip` ~ ``diffprivlib.mechanisms.PermuteAndFlip`` with sensitivity 1 and
  ``monotonic=True`` (the label of a random-forest leaf), for many utility vectors at once

``tests/core/test_mechanisms.py`` checks each against diffprivlib with two-sample tests.
All functions take a ``numpy.random.Generator``; they are pure otherwise. The Laplace and geometric
samplers also take a sequence of Generators, one per index of the values' first axis: row i is
then drawn from the i-th generator exactly as a call on that row alone would draw it (the engine
keeps one stream per noise draw and samples the draws of one ε together).
"""

from __future__ import annotations

import numpy as np

Rng = np.random.Generator | list[np.random.Generator] | tuple[np.random.Generator, ...]


def _uniforms(rng: Rng, shape: tuple, lead: int = 0) -> np.ndarray:
    """``rng.random((*lead dims, *shape))``; with one generator per row of ``shape``'s first axis,
    each draws its row's block as it would alone (``lead`` leading axes come first in each)."""
    if isinstance(rng, np.random.Generator):
        return rng.random(shape)
    if len(rng) != shape[lead]:
        raise ValueError(
            f"The 'rng' parameter needs one generator per row ({shape[lead]}). Got {len(rng)}."
        )
    block = shape[:lead] + shape[lead + 1 :]
    return np.stack([r.random(block) for r in rng], axis=lead)


def _standard_laplace(rng: Rng, shape) -> np.ndarray:
    # The same four-uniform construction diffprivlib uses ([HB21]), vectorised.
    u1, u2, u3, u4 = _uniforms(rng, (4, *shape), lead=1)
    return np.log(1 - u1) * np.cos(np.pi * u2) + np.log(1 - u3) * np.cos(np.pi * u4)


def laplace_truncated(values, *, epsilon, sensitivity, lower, upper, rng: Rng) -> np.ndarray:
    """Laplace noise of scale ``sensitivity / epsilon``, then clamped to ``[lower, upper]``.

    All arguments broadcast together; ``epsilon`` > 0.
    """
    values, epsilon, sensitivity, lower, upper = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (values, epsilon, sensitivity, lower, upper))
    )
    scale = sensitivity / epsilon
    noisy = values - scale * _standard_laplace(rng, values.shape)
    return np.clip(noisy, lower, upper)


def bounded_domain_scale(epsilon, sensitivity, lower, upper) -> np.ndarray:
    """Scale of ``LaplaceBoundedDomain`` (diffprivlib's ``_find_scale``), for arrays at once.

    The same fixed-point bisection as diffprivlib, element by element: each element halves its
    interval until it stops shrinking (diffprivlib's stopping rule), so an element's scale does
    not depend on which other elements it is computed with.
    """
    epsilon, delta_q, lower, upper = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (epsilon, sensitivity, lower, upper))
    )
    diam = upper - lower

    def fixed_point(shape):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            delta_c = (2 - np.exp(-delta_q / shape) - np.exp(-(diam - delta_q) / shape)) / (
                1 - np.exp(-diam / shape)
            )
            return delta_q / (epsilon - np.log(delta_c))

    left = delta_q / epsilon
    right = fixed_point(left)
    width = (right - left) * 2
    for _ in range(2_000):  # float64 stops a bisection after ~1,100 halvings at most
        active = width > right - left
        if not active.any():
            break
        width = np.where(active, right - left, width)
        middle = (left + right) / 2
        f_middle = fixed_point(middle)
        left = np.where(active & (f_middle >= middle), middle, left)
        right = np.where(active & (f_middle <= middle), middle, right)
    return (left + right) / 2


def laplace_bounded_domain(values, *, epsilon, sensitivity, lower, upper, rng: Rng) -> np.ndarray:
    """Laplace noise conditioned on landing in ``[lower, upper]`` (no mass piles on the bounds).

    ``values`` are first clamped to the domain, as diffprivlib does.
    """
    values, epsilon, sensitivity, lower, upper = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (values, epsilon, sensitivity, lower, upper))
    )
    centre = np.clip(values, lower, upper)
    # No noise at all (sensitivity 0 or ε = ∞): diffprivlib returns the clamped value.
    exact = (sensitivity == 0) | np.isinf(epsilon)
    if exact.all():
        return centre
    scale = np.where(
        exact,
        1.0,
        bounded_domain_scale(np.where(exact, 1.0, epsilon), sensitivity + exact, lower, upper),
    )
    # Inverse-CDF sampling of a Laplace(centre, scale) restricted to [lower, upper]. The centre is
    # inside the domain, so the lower bound is on the left branch and the upper on the right one.
    cdf_lower = 0.5 * np.exp((lower - centre) / scale)
    cdf_upper = 1 - 0.5 * np.exp(-(upper - centre) / scale)
    u = cdf_lower + _uniforms(rng, values.shape) * (cdf_upper - cdf_lower)
    with np.errstate(divide="ignore", invalid="ignore"):
        left_branch = centre + scale * np.log(2 * u)
        right_branch = centre - scale * np.log(2 * (1 - u))
    noisy = np.clip(np.where(u < 0.5, left_branch, right_branch), lower, upper)
    return np.where(exact, centre, noisy)


def geometric_truncated(values, *, epsilon, sensitivity, lower, upper, rng: Rng) -> np.ndarray:
    """Two-sided geometric noise with ratio ``exp(-epsilon / sensitivity)``, clamped, integers."""
    values = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore"):  # sensitivity 0: scale -inf, no noise, as diffprivlib
        scale = -np.asarray(epsilon, dtype=float) / np.asarray(sensitivity, dtype=float)
    # diffprivlib's formula: shift the uniform so the two signed halves do not both count zero.
    unif = (_uniforms(rng, values.shape) - 0.5) * (1 + np.exp(scale))
    sign = np.where(unif < 0, -1.0, 1.0)
    with np.errstate(divide="ignore"):
        noisy = values + sign * np.floor(np.log(sign * unif) / scale)
    return np.round(np.clip(noisy, lower, upper)).astype(np.int64)


def randomised_response(values, *, n_values: int, epsilon: float, rng: np.random.Generator):
    """k-ary randomised response: keep the true value with probability e^ε / (e^ε + k − 1),
    else report one of the other k − 1 values uniformly. ε-DP for one value (any two inputs).

    ``values`` are integer codes in [0, n_values).
    """
    values = np.asarray(values, dtype=np.int64)
    keep = rng.random(values.shape) < keep_probability(epsilon, n_values)
    # A uniform draw among the k − 1 other values: shift past the true one.
    other = rng.integers(0, n_values - 1, size=values.shape)
    other = other + (other >= values)
    return np.where(keep, values, other)


def permute_and_flip(utility, *, epsilon: float, rng: np.random.Generator) -> np.ndarray:
    """One PermuteAndFlip choice per row of ``utility`` (sensitivity 1, monotonic utility).

    diffprivlib visits the candidates in a random order and flips a coin for each, heads with
    probability exp(ε·(u − max u)), returning the first heads. The coins do not depend on the
    order, so this is the same as flipping every coin at once and returning a uniformly chosen
    heads: that is what is drawn here (the best candidate's coin is always heads). ``epsilon``
    may be ``inf``: a uniform choice among the best candidates.

    Parameters
    ----------
    utility : array of shape (..., n_candidates)
        Utilities (e.g. class counts in a leaf), one choice per leading index.
    epsilon : float
        Privacy budget of one choice, > 0 or inf.

    Returns
    -------
    int array of shape (...,): the chosen candidate's index.
    """
    utility = np.asarray(utility, dtype=float)
    gap = utility - utility.max(axis=-1, keepdims=True)  # <= 0, 0 for the best
    with np.errstate(invalid="ignore"):  # inf × 0 for the best candidate at ε = inf
        chance = np.where(gap == 0, 1.0, np.exp(epsilon * gap))
    heads = rng.random(utility.shape) < chance
    order = np.where(heads, rng.random(utility.shape), np.inf)
    return order.argmin(axis=-1)


def keep_probability(epsilon: float, n_values: int) -> float:
    """P(report the true value) under k-ary randomised response."""
    if np.isinf(epsilon):
        return 1.0
    return float(np.exp(epsilon) / (np.exp(epsilon) + n_values - 1))


def debiased_counts(reported, *, n_values: int, epsilon: float) -> np.ndarray:
    """Unbiased estimate of the true count of each value from randomised-response reports.

    E[reported_j] = p·n_j + q·(n − n_j), with p the keep probability and q = (1 − p)/(k − 1).
    Post-processing of the reports: it costs no further privacy.
    """
    counts = np.bincount(np.asarray(reported, dtype=np.int64), minlength=n_values).astype(float)
    return debias_counts(counts, n_values=n_values, epsilon=epsilon)


def debias_counts(counts, *, n_values: int, epsilon: float) -> np.ndarray:
    """:func:`debiased_counts` from the count of each reported value (noisy counts included).

    A common shift and a positive scale of every count: the order of the counts is unchanged.
    """
    counts = np.asarray(counts, dtype=float)
    p = keep_probability(epsilon, n_values)
    q = (1 - p) / (n_values - 1)
    return (counts - q * counts.sum()) / (p - q)
