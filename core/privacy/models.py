"""The recommenders: person-level diffprivlib models, their non-private twins, popularity.

Every model is given what DP needs from the public schema only: column bounds (0, 1), the L2
``data_norm`` and the class list. Fitted models are wrapped as :class:`Recommender`, which turns a
model matrix into one score per public class, so metrics never care which model it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from diffprivlib.accountant import BudgetAccountant
from diffprivlib.tools import histogram as dp_histogram
from scipy.special import expit
from sklearn.ensemble import RandomForestClassifier
from sklearn.naive_bayes import GaussianNB

from core.people.encoding import data_norm, model_bounds
from core.privacy.fast_lr import LRData
from core.privacy.fast_nb import (
    VAR_SMOOTHING,
    NBParameters,
    joint_log_likelihood,
    parameters_from_estimator,
)
from core.privacy.private_models import (
    PersonLevelGaussianNB,
    PersonLevelLogisticRegression,
    fit_person_level_forest,
    unit_ball_design,
)
from core.setting.schema import Schema

RF_TREES = 10
RF_MAX_DEPTH = 6
LR_MAX_ITER = 100


@dataclass(frozen=True)
class Recommender:
    """Scores every public class for each person; higher means more likely."""

    score: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (X, observed) -> (n, n_classes)
    predict_proba: Callable[[np.ndarray, np.ndarray], np.ndarray]


def _softmax(scores: np.ndarray) -> np.ndarray:
    finite = np.where(np.isfinite(scores), scores, -np.inf)
    shifted = finite - finite.max(axis=1, keepdims=True)
    weights = np.exp(shifted)
    return weights / weights.sum(axis=1, keepdims=True)


def nb_recommender(params: NBParameters) -> Recommender:
    def score(X, observed):
        return joint_log_likelihood(params, X, observed)[0]

    return Recommender(score=score, predict_proba=lambda X, o: _softmax(score(X, o)))


def _sklearn_recommender(estimator, n_classes: int, design=None) -> Recommender:
    """Map an estimator's ``classes_`` onto the public class list; ``design`` maps the model
    matrix to the estimator's input (e.g. :func:`unit_ball_design`)."""

    def predict_proba(X, observed):
        proba = np.zeros((len(X), n_classes))
        inputs = X if design is None else design(X)
        proba[:, estimator.classes_.astype(int)] = estimator.predict_proba(inputs)
        return proba

    def score(X, observed):
        with np.errstate(divide="ignore"):
            return np.log(predict_proba(X, observed))

    return Recommender(score=score, predict_proba=predict_proba)


def lr_design(X: np.ndarray, schema: Schema) -> np.ndarray:
    """The person-level logistic regression's input: rows in the unit ball with a constant."""
    return unit_ball_design(X, data_norm(schema))


def lr_probabilities(coef: np.ndarray, design: np.ndarray) -> np.ndarray:
    """Class probabilities of one-vs-rest coefficients ``coef`` (n_classes, d) at ``design``
    (n, d), as diffprivlib's (scikit-learn's one-vs-rest) LogisticRegression predicts them:
    each class's sigmoid, normalised to sum to 1."""
    proba = expit(design @ coef.T)
    proba /= proba.sum(axis=1, keepdims=True)
    return proba


def lr_recommender(coef: np.ndarray, schema: Schema) -> Recommender:
    """The person-level logistic regression with one-vs-rest coefficients ``coef``."""

    def predict_proba(X, observed):
        return lr_probabilities(coef, lr_design(X, schema))

    def score(X, observed):
        with np.errstate(divide="ignore"):
            return np.log(predict_proba(X, observed))

    return Recommender(score=score, predict_proba=predict_proba)


def fit_private(
    model: str,
    X: np.ndarray,
    y: np.ndarray,
    *,
    epsilon: float,
    schema: Schema,
    random_state: int,
    accountant: BudgetAccountant,
    keys: np.ndarray | None = None,
) -> Recommender:
    """Fit the person-level diffprivlib version of ``model`` with ``epsilon``; spends on
    ``accountant``. ``keys`` (one public key per person, e.g. their id) place people in the
    random forest's trees; row numbers are used when not given."""
    classes = np.arange(schema.n_classes)
    bounds = model_bounds(schema)
    if model == "gaussian_nb":
        estimator = PersonLevelGaussianNB(
            epsilon=epsilon,
            bounds=bounds,
            var_smoothing=VAR_SMOOTHING,
            random_state=random_state,
            accountant=accountant,
        )
        estimator.partial_fit(X, y, classes=classes)
        return nb_recommender(parameters_from_estimator(estimator))
    if model == "logistic_regression":
        estimator = PersonLevelLogisticRegression(
            classes=classes,
            epsilon=epsilon,
            data_norm=1.0,
            fit_intercept=False,
            max_iter=LR_MAX_ITER,
            random_state=random_state,
            accountant=accountant,
        )
        design = lr_design(X, schema)
        if len(y) == 0:
            # Nobody in training: the model is still released (what is released never depends
            # on how many people trained it). diffprivlib divides its objective by n, so it needs
            # one row; an all-zero row adds a constant to the loss and nothing to its gradient,
            # so the fit is the sum-form objective of nobody: regulariser plus noise.
            design, y = np.zeros((1, design.shape[1])), np.zeros(1, dtype=np.int64)
        # L-BFGS makes many small BLAS calls: run it with one BLAS thread (core.engine.threads, set
        # once per process by the server, the CLI and the grid workers; docs/benchmarks.md).
        estimator.fit(design, y)
        return lr_recommender(estimator.coef_, schema)
    if model == "random_forest":
        return random_forest(
            X,
            y,
            keys,
            epsilon=epsilon,
            schema=schema,
            random_state=random_state,
            accountant=accountant,
        )
    raise ValueError(f"Unknown model {model!r}.")


def random_forest(
    X: np.ndarray,
    y: np.ndarray,
    keys: np.ndarray | None,
    *,
    epsilon: float,
    schema: Schema,
    random_state: int,
    accountant: BudgetAccountant,
) -> Recommender:
    """The person-level DP forest; ``epsilon=inf`` gives its random trees without label noise."""
    keys = np.arange(len(y)) if keys is None else keys
    forest = fit_person_level_forest(
        X,
        y,
        keys,
        n_trees=RF_TREES,
        max_depth=RF_MAX_DEPTH,
        epsilon=epsilon,
        bounds=model_bounds(schema),
        classes=np.arange(schema.n_classes),
        random_state=random_state,
        accountant=accountant,
    )
    return _sklearn_recommender(forest, schema.n_classes)


def forest_recommender(forest) -> Recommender:
    """A :class:`core.privacy.fast_forest.Forest` (or anything with a full-width
    ``predict_proba``)."""

    def predict_proba(X, observed):
        return forest.predict_proba(X)

    def score(X, observed):
        with np.errstate(divide="ignore"):
            return np.log(predict_proba(X, observed))

    return Recommender(score=score, predict_proba=predict_proba)


def nonprivate_lr_coefficients(X: np.ndarray, y: np.ndarray, schema: Schema) -> np.ndarray:
    """The person-level logistic regression without its noise: one-vs-rest for every public
    class on :func:`lr_design` rows, ridge 1/C, no perturbation (n_classes, d)."""
    return LRData.from_data(lr_design(X, schema), y, schema.n_classes).warm


def fit_nonprivate(
    model: str, X: np.ndarray, y: np.ndarray, *, schema: Schema, random_state: int
) -> Recommender:
    """Fit the non-private twin of ``model`` (no noise): the accuracy ceiling.

    GaussianNB and random forest: scikit-learn's. Logistic regression: the person-level model's
    own one-vs-rest form without the perturbation (:func:`nonprivate_lr_coefficients`), which
    its releases tend to as ε grows.
    """
    classes = np.arange(schema.n_classes)
    if model == "gaussian_nb":
        estimator = GaussianNB().partial_fit(X, y, classes=classes)
        return nb_recommender(parameters_from_estimator(estimator))
    if model == "logistic_regression":
        return lr_recommender(nonprivate_lr_coefficients(X, y, schema), schema)
    if model == "random_forest":
        estimator = RandomForestClassifier(
            n_estimators=RF_TREES, max_depth=RF_MAX_DEPTH, random_state=random_state, n_jobs=1
        )
    else:
        raise ValueError(f"Unknown model {model!r}.")
    estimator.fit(X, y)
    return _sklearn_recommender(estimator, schema.n_classes)


def dp_popularity_counts(
    labels: np.ndarray,
    *,
    epsilon: float,
    n_classes: int,
    random_state: int,
    accountant: BudgetAccountant,
) -> np.ndarray:
    """Engagement count per category, released with diffprivlib's DP histogram."""
    counts, _ = dp_histogram(
        labels,
        epsilon=epsilon,
        bins=n_classes,
        range=(-0.5, n_classes - 0.5),
        random_state=random_state,
        accountant=accountant,
    )
    return counts.astype(float)


def exact_popularity_counts(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Engagement count per category without noise (the reference floor, never shown per person)."""
    return np.bincount(labels, minlength=n_classes).astype(float)
