"""diffprivlib's GaussianNB, split into what depends on the data and what is noise.

diffprivlib's ``GaussianNB.fit`` (here :class:`core.privacy.private_models.PersonLevelGaussianNB`,
which releases every public class and does not force the counts to add up to n) computes, per class
and column, a sum, a sum of squared
deviations and a class count, then adds noise. The sums do not depend on ε or on the draw, so
they are computed once per dataset (:class:`NBStatistics`); each (ε, draw) then only needs the
noise, drawn for all classes and columns at once with the samplers of
:mod:`core.privacy.mechanisms`. The privacy budget split is diffprivlib's: ε/3 for the class counts,
ε/3 for the means and ε/3 for the variances, each divided equally over the columns.

``tests/core/test_fast_nb.py`` shows that accuracies from these parameters and from real fits of
that diffprivlib model have the same distribution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.privacy.mechanisms import geometric_truncated, laplace_bounded_domain, laplace_truncated
from core.privacy.private_models import MAX_CLASS_COUNT

# Variance floor added to every class variance, by the private model (diffprivlib's
# ``var_smoothing``) and the twin alike. Columns live in [0, 1]; with the libraries' 1e-9 a class
# that never shows a rare one-hot value (e.g. after k-anonymity suppression) gets a near-zero
# variance and wins every prediction through its normalising constant. 1e-3 (sd 0.03 of a
# column's range) removes that without costing accuracy (0.555 vs 0.552 at the defaults).
VAR_SMOOTHING = 1e-3


@dataclass(frozen=True)
class NBStatistics:
    """Per-class sufficient statistics of clipped training data (no noise, never released)."""

    counts: np.ndarray  # (n_classes,)
    sums: np.ndarray  # (n_classes, n_columns)
    sums_of_squares: np.ndarray  # (n_classes, n_columns)
    lower: np.ndarray  # (n_columns,) public bounds
    upper: np.ndarray
    n_total: int  # never used by a release: the training-set size is not public

    @classmethod
    def from_data(cls, X, y, n_classes: int, bounds: tuple[np.ndarray, np.ndarray]):
        lower, upper = (np.asarray(b, dtype=float) for b in bounds)
        X = np.clip(np.asarray(X, dtype=float), lower, upper)
        y = np.asarray(y)
        one_hot = np.zeros((len(y), n_classes))
        one_hot[np.arange(len(y)), y] = 1.0
        return cls(
            counts=one_hot.sum(axis=0),
            sums=one_hot.T @ X,
            sums_of_squares=one_hot.T @ (X * X),
            lower=lower,
            upper=upper,
            n_total=len(y),
        )


@dataclass(frozen=True)
class NBParameters:
    """Gaussian NB parameters for ``n_draws`` independent noise draws."""

    theta: np.ndarray  # (n_draws, n_classes, n_columns)
    var: np.ndarray  # (n_draws, n_classes, n_columns)
    class_prior: np.ndarray  # (n_draws, n_classes)
    # The released noisy class counts (the prior is their share of their total); None when the
    # parameters were not drawn here. Exact-loss tests read the release's densities from them.
    class_count: np.ndarray | None = None  # (n_draws, n_classes)

    @property
    def n_draws(self) -> int:
        return self.theta.shape[0]

    def draw(self, index: int) -> NBParameters:
        return NBParameters(
            self.theta[index : index + 1],
            self.var[index : index + 1],
            self.class_prior[index : index + 1],
            None if self.class_count is None else self.class_count[index : index + 1],
        )


def draw_parameters(
    stats: NBStatistics,
    epsilon: float,
    n_draws: int,
    rng: np.random.Generator | Sequence[np.random.Generator],
) -> NBParameters:
    """Draw DP Gaussian NB parameters as :class:`~core.privacy.private_models.PersonLevelGaussianNB`
    would (diffprivlib's GaussianNB, every class released, counts not forced to n), ``n_draws``
    times.

    Parameters
    ----------
    epsilon : float
        Privacy budget of one fit, > 0.
    n_draws : int
        Independent fits to simulate.
    rng : Generator, or a sequence of ``n_draws`` Generators
        With one generator per draw, draw i is exactly the one ``n_draws=1`` with ``rng[i]``
        gives: the engine samples the draws of one ε together, each from its own stream.
    """
    # Every public class is noised and released, with or without members (see private_models).
    n_classes, n_columns = stats.sums.shape
    counts = np.broadcast_to(stats.counts, (n_draws, n_classes))
    noisy = geometric_truncated(
        counts, epsilon=epsilon / 3, sensitivity=1, lower=1, upper=MAX_CLASS_COUNT, rng=rng
    ).astype(float)

    column_epsilon = epsilon / 3 / n_columns
    n_noisy = noisy[:, :, None]  # (draws, classes, 1)
    sums = np.broadcast_to(stats.sums, (n_draws, n_classes, n_columns))
    lower, upper = stats.lower, stats.upper
    mu = (
        laplace_truncated(
            sums,
            epsilon=column_epsilon,
            sensitivity=upper - lower,
            lower=lower * n_noisy,
            upper=upper * n_noisy,
            rng=rng,
        )
        / n_noisy
    )
    # Sum of squared deviations from the *noisy* mean, from the sufficient statistics.
    true_counts = stats.counts[None, :, None]
    squared_deviations = np.maximum(
        stats.sums_of_squares - 2 * mu * stats.sums + true_counts * mu**2, 0.0
    )
    sq_sensitivity = np.maximum(mu - lower, upper - mu) ** 2
    var = (
        laplace_bounded_domain(
            squared_deviations,
            epsilon=column_epsilon,
            sensitivity=sq_sensitivity,
            lower=0.0,
            upper=sq_sensitivity * n_noisy,
            rng=rng,
        )
        / n_noisy
    )
    return NBParameters(
        theta=mu,
        var=var + VAR_SMOOTHING,
        # The prior is the counts' share of their own (noisy) total: no exact n is used.
        class_prior=noisy / noisy.sum(axis=1, keepdims=True),
        class_count=noisy,
    )


def parameters_from_estimator(estimator) -> NBParameters:
    """Wrap a fitted (diffprivlib or scikit-learn) GaussianNB as a single draw.

    The estimator's own smoothing (``epsilon_``) is swapped for :data:`VAR_SMOOTHING`, a no-op
    for a diffprivlib model fitted with ``var_smoothing=VAR_SMOOTHING``.
    """
    return NBParameters(
        theta=estimator.theta_[None].astype(float),
        var=(estimator.var_ - estimator.epsilon_ + VAR_SMOOTHING)[None].astype(float),
        class_prior=estimator.class_prior_[None].astype(float),
    )


def joint_log_likelihood(params: NBParameters, X, observed=None) -> np.ndarray:
    """Log p(class) + log p(x | class) for every draw, person and class.

    Columns a person did not share (``observed`` False) are left out of the likelihood, which is
    how naive Bayes honestly handles data that was never collected.

    Returns
    -------
    ndarray of shape (n_draws, n_people, n_classes)
    """
    X = np.asarray(X, dtype=float)
    mask = np.ones_like(X) if observed is None else np.asarray(observed, dtype=float)
    masked_x = mask * X
    # One product per draw: [mask, mask·x², mask·x] @ [log-normaliser; 1/var; −2·theta/var].
    design = np.hstack([mask, masked_x * X, masked_x])
    out = np.empty((params.n_draws, X.shape[0], params.theta.shape[1]))
    with np.errstate(divide="ignore"):
        log_prior = np.log(params.class_prior)
    for d in range(params.n_draws):
        inv_var = 1.0 / params.var[d]
        theta = params.theta[d]
        log_norm = np.log(2.0 * np.pi * params.var[d]) + theta**2 * inv_var
        weights = np.hstack([log_norm, inv_var, -2.0 * theta * inv_var]).T
        out[d] = log_prior[d] - 0.5 * (design @ weights)
    return out
