"""diffprivlib's models, each changed in one step so its release is ε-DP for one person.

The engine's guarantee (:mod:`core.privacy.guarantee`) protects one person's whole record under
add/remove-one neighbours, with the schema public and the training-set size not. diffprivlib
0.6.6's models do not meet it as they stand; each class here is the diffprivlib model with the step
that breaks it replaced, and everything else (mechanisms, budget split, fitting) left as it is:

- :class:`PersonLevelGaussianNB`: diffprivlib forces the noisy class counts to add up to the
  exact training-set size (so ``prior × n`` is all-integer only for the true n) and releases a
  class with no members exactly (prior 0, no noise). Here every public class is noised and the
  noisy counts are released as they are; the prior is their share of their own total.
- :class:`PersonLevelLogisticRegression`: the one-vs-rest fits cover every public class (not only
  those seen in ``y``), each with its own integer seed and in this process (diffprivlib's joblib
  loop, run inside a Dask task, shipped one pickled ``RandomState`` to every class: the same noise
  vector eight times). The data are scaled into the unit ball with a constant column instead of a
  free intercept: objective perturbation's proof needs every coordinate regularised, and
  diffprivlib's Jacobian term ``log(1 + c·data_norm/α)`` is the proof's ``log(1 + c·R²/α)`` when
  R = 1. diffprivlib calibrates the noise for replace-one neighbours; under add/remove one class's
  problem at ε is diffprivlib's at 2ε, with the ridge raised where diffprivlib's rule leaves
  little ε for the noise (:func:`objective_perturbation_calibration`).
- :func:`fit_person_level_forest`: diffprivlib's forest hands rows to trees by position
  (``arange(n) // (n / T)``), so removing one person moves others between trees. Here each person
  goes to the tree given by a seeded hash of their own public key; each tree is a diffprivlib
  ``DecisionTreeClassifier`` (random, data-independent splits; a PermuteAndFlip label per leaf)
  on its own disjoint people, so the trees compose in parallel to ε.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import diffprivlib.models as dp_models
import numpy as np
from diffprivlib.accountant import BudgetAccountant
from diffprivlib.mechanisms import GeometricTruncated
from diffprivlib.models.logistic_regression import _logistic_regression_path
from diffprivlib.validation import DiffprivlibMixin
from sklearn.utils import check_random_state

# Public upper bound on any class count: more people than any data set the app accepts (1M
# synthetic profiles, a 20 MB upload). Clamping to it, unlike to the true n, reveals nothing.
MAX_CLASS_COUNT = 10_000_000


class PersonLevelGaussianNB(dp_models.GaussianNB):
    """diffprivlib's GaussianNB releasing every public class, with counts not forced to n.

    Fit it with ``partial_fit(X, y, classes=public_classes)`` once; the budget split (ε/3 counts,
    ε/3 means, ε/3 variances, equal per column) and the mechanisms are diffprivlib's.
    """

    def _partial_fit(self, X, y, classes=None, _refit=False, sample_weight=None):
        self.accountant.check(self.epsilon, 0)
        random_state = check_random_state(self.random_state)
        X = np.asarray(X, dtype=float)
        y = np.asarray(y)
        if self.bounds is None or classes is None:
            raise ValueError("PersonLevelGaussianNB needs public bounds and the public classes.")
        self.bounds = self._check_bounds(self.bounds, shape=X.shape[1])
        X = self._clip_to_bounds(X, self.bounds)
        self.epsilon_ = self.var_smoothing
        self.classes_ = np.asarray(classes)
        n_classes, n_features = len(self.classes_), X.shape[1]
        self.n_features_in_ = n_features
        self.theta_ = np.zeros((n_classes, n_features))
        self.var_ = np.zeros((n_classes, n_features))
        self.class_count_ = np.zeros(n_classes)
        noisy_counts = self._noisy_class_counts(y, random_state=random_state)
        for i, label in enumerate(self.classes_):
            theta, var = self._update_mean_variance(
                0,
                self.theta_[i],
                self.var_[i],
                X[y == label],
                random_state,
                n_noisy=noisy_counts[i],
            )
            self.theta_[i], self.var_[i] = theta, var
            self.class_count_[i] = noisy_counts[i]
        self.var_ += self.epsilon_
        self.class_prior_ = self.class_count_ / self.class_count_.sum()
        self.accountant.spend(self.epsilon, 0)
        return self

    def _noisy_class_counts(self, y, random_state):
        # One person is in one class: sensitivity 1 per count, ε/3 for all counts together.
        mechanism = GeometricTruncated(
            epsilon=self.epsilon / 3,
            sensitivity=1,
            lower=1,
            upper=MAX_CLASS_COUNT,
            random_state=random_state,
        )
        return np.array([mechanism.randomise(int((y == c).sum())) for c in self.classes_])


def unit_ball_design(X: np.ndarray, data_norm: float) -> np.ndarray:
    """Rows scaled by a public constant into the unit ball, with a constant column last.

    The constant plays the intercept's role but is regularised like every other coefficient.
    """
    X = np.asarray(X, dtype=float)
    radius = float(np.sqrt(data_norm**2 + 1.0))
    return np.hstack([X, np.ones((len(X), 1))]) / radius


# The logistic loss ℓ(z) = log(1 + e^z) − y·z: |ℓ'| ≤ 1 and 0 < ℓ'' ≤ 1/4.
LOGISTIC_CURVATURE = 0.25


@dataclass(frozen=True)
class PerturbationCalibration:
    """The noise and ridge of one objective-perturbation problem (rows in the unit ball).

    The released w minimises ``Σ_i ℓ(x_iᵀw, y_i) + (regularisation/2)·‖w‖² + bᵀw`` where b has
    density ∝ exp(−‖b‖/noise_scale): a uniform direction and ‖b‖ ~ Gamma(d, noise_scale).
    """

    noise_scale: float
    regularisation: float


def objective_perturbation_calibration(epsilon: float, C: float = 1.0) -> PerturbationCalibration:
    """Objective perturbation (Chaudhuri, Monteleoni & Sarwate 2011, Algorithm 2) calibrated for
    add/remove-one neighbours with rows in the unit ball: ``epsilon``-DP (docs/privacy.md).

    Adding one person adds one loss term, whose gradient has norm ≤ 1 and whose Hessian adds one
    rank-one term of norm ≤ c: the noise density moves by at most e^{1/noise_scale} and the
    Jacobian by at most 1 + c/regularisation, so any ridge α′ ≥ 1/C with
    1/noise_scale = ε − log(1 + c/α′) > 0 is ε-DP. The ridge here is the smallest that leaves the
    noise at least half of ε: α′ = max(1/C, c/(e^{ε/2} − 1)). That is diffprivlib's ``Vector``
    calibration at 2ε with C′ = 1/α′ (replace-one moves both terms twice); diffprivlib's own rule
    keeps α′ = 1/C until the noise's share falls to 0, and then jumps to the larger ridge, so its
    noise grows as ε grows just above log(1 + c·C).

    Parameters
    ----------
    epsilon : float
        ε of this one problem, > 0.
    C : float
        Inverse ridge of the sum-form objective (scikit-learn's and diffprivlib's ``C``), > 0.
    """
    ridge = max(1.0 / C, LOGISTIC_CURVATURE / math.expm1(min(epsilon / 2, 700.0)))
    noise_epsilon = epsilon - math.log1p(LOGISTIC_CURVATURE / ridge)
    return PerturbationCalibration(1.0 / noise_epsilon, ridge)


class PersonLevelLogisticRegression(dp_models.LogisticRegression):
    """diffprivlib's LogisticRegression (objective perturbation, one-vs-rest, ε split over the
    classes), fitted for every public class in this process with one integer seed per class and
    calibrated for add/remove-one neighbours.

    Give it data from :func:`unit_ball_design` with ``data_norm=1`` and ``fit_intercept=False``.
    ``calibration_`` is each class's :class:`PerturbationCalibration`.
    """

    def __init__(self, *, classes, **params):
        super().__init__(**params)
        self.classes = classes

    def fit(self, X, y, sample_weight=None):
        self.accountant.check(self.epsilon, 0)
        if self.fit_intercept or self.data_norm != 1:
            raise ValueError(
                "PersonLevelLogisticRegression needs fit_intercept=False and data_norm = 1 "
                f"(unit_ball_design). Got fit_intercept={self.fit_intercept}, "
                f"data_norm={self.data_norm}."
            )
        X = DiffprivlibMixin._clip_to_norm(np.asarray(X, dtype=float), self.data_norm)
        y = np.asarray(y)
        self.classes_ = np.asarray(self.classes)
        class_epsilon = self.epsilon / len(self.classes_)
        self.calibration_ = objective_perturbation_calibration(class_epsilon, self.C)
        seeds = check_random_state(self.random_state).randint(2**31 - 1, size=len(self.classes_))
        coefficients = []
        for label, seed in zip(self.classes_, seeds, strict=True):
            coefficient, _, _ = _logistic_regression_path(
                X,
                y,
                # diffprivlib's replace-one calibration at 2ε and C′ = 1/α′ is the add/remove
                # one at ε (R = 1); its small-ε branch (a ridge added to J/n) is never reached.
                epsilon=2 * class_epsilon,
                data_norm=self.data_norm,
                pos_class=label,
                Cs=[1.0 / self.calibration_.regularisation],
                fit_intercept=False,
                max_iter=self.max_iter,
                tol=self.tol,
                random_state=np.random.RandomState(int(seed)),
                check_input=False,
            )
            coefficients.append(coefficient[0])
        self.coef_ = np.asarray(coefficients)
        self.intercept_ = np.zeros(len(self.classes_))
        self.n_features_in_ = X.shape[1]
        self.n_iter_ = np.zeros(len(self.classes_), dtype=np.int32)
        self.accountant.spend(self.epsilon, 0)
        return self


def tree_of_person(keys: np.ndarray, n_trees: int, seed: int) -> np.ndarray:
    """The tree each person trains, from a seeded hash of their own key (splitmix64).

    It depends on nobody else's data, so adding or removing one person moves no one else.
    """
    with np.errstate(over="ignore"):
        z = np.asarray(keys, dtype=np.uint64) + np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z % np.uint64(n_trees)).astype(np.int64)


class PersonLevelForest:
    """Trees of a forest fitted on disjoint people; predicts like scikit-learn's forest (mean
    of the trees' class probabilities)."""

    def __init__(self, trees: list, classes: np.ndarray):
        self.trees = trees
        self.classes_ = np.asarray(classes)

    def predict_proba(self, X) -> np.ndarray:
        return np.mean([tree.predict_proba(X) for tree in self.trees], axis=0)


def fit_person_level_forest(
    X: np.ndarray,
    y: np.ndarray,
    keys: np.ndarray,
    *,
    n_trees: int,
    max_depth: int,
    epsilon: float,
    bounds: tuple[np.ndarray, np.ndarray],
    classes: np.ndarray,
    random_state: int,
    accountant: BudgetAccountant,
) -> PersonLevelForest:
    """A random forest of diffprivlib trees, each on the people hashed to it; spends ε once.

    ``epsilon=inf`` gives the same random trees with exact majority labels (no noise; nothing
    is spent): the forest's structure without its privacy noise.
    """
    private = np.isfinite(epsilon)
    if private:
        accountant.check(epsilon, 0)
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    rng = np.random.RandomState(random_state)
    assignment_seed, *tree_seeds = rng.randint(2**31 - 1, size=n_trees + 1)
    tree_index = tree_of_person(keys, n_trees, int(assignment_seed))
    trees = []
    for index, seed in enumerate(tree_seeds):
        tree = dp_models.DecisionTreeClassifier(
            max_depth=max_depth,
            epsilon=epsilon,
            bounds=bounds,
            classes=classes,
            random_state=int(seed),
            # Parallel composition: each tree sees only its own people, so the forest costs ε
            # once, spent below on the caller's accountant; each tree checks against its own.
            accountant=BudgetAccountant(),
        )
        mine = tree_index == index
        # check_input=False also lets a tree with no people be built (its leaves get random
        # labels, as diffprivlib gives every empty leaf).
        tree.n_features_in_ = X.shape[1]
        tree.fit(X[mine], y[mine], check_input=False)
        trees.append(tree)
    if private:
        accountant.spend(epsilon, 0)
    return PersonLevelForest(trees, classes)
