"""Accuracy measures, summaries over noise draws, and the membership-inference audit."""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve


def top_k_hits(scores: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """Whether each person's true class is among their ``k`` highest-scored classes.

    ``scores`` has shape (..., n_people, n_classes); ties are broken by class order.
    """
    if k == 1:
        return scores.argmax(axis=-1) == y
    if np.isnan(scores).any():  # NaN sorts last: leave that ordering to argsort
        top = np.argsort(-scores, axis=-1, kind="stable")[..., :k]
        return (top == y[..., None]).any(axis=-1)
    # The true class's rank without sorting: the classes scored above it, and those tied with it
    # that come first in class order (what a stable sort puts ahead of it).
    true_score = np.take_along_axis(
        scores, np.broadcast_to(y[..., None], (*scores.shape[:-1], 1)), -1
    )
    ahead = (scores > true_score) | (
        (scores == true_score) & (np.arange(scores.shape[-1]) < y[..., None])
    )
    return ahead.sum(axis=-1) < k


def summarise(values) -> dict[str, float]:
    """Mean, standard deviation and 5/50/95% quantiles over repeated noise draws."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return {
            "mean": math.nan,
            "std": math.nan,
            "q05": math.nan,
            "q50": math.nan,
            "q95": math.nan,
        }
    q05, q50, q95 = np.quantile(values, [0.05, 0.5, 0.95])
    return {
        "mean": float(values.mean()),
        "std": float(values.std(ddof=1)) if values.size > 1 else 0.0,
        "q05": float(q05),
        "q50": float(q50),
        "q95": float(q95),
    }


def membership_guess_bound(epsilon: float) -> float:
    """Highest accuracy of any guess "is this person in the training data?" under ε-DP.

    With a 50/50 prior, ε-DP caps the posterior odds at e^ε, so the guess is right at most
    e^ε / (1 + e^ε) of the time (0.5 is a coin flip).
    """
    if epsilon > 700:
        return 1.0
    return math.exp(epsilon) / (1.0 + math.exp(epsilon))


def membership_attack(member_confidence, non_member_confidence) -> dict[str, float] | None:
    """Loss-threshold membership inference (Yeom et al. 2018), measured on a trained model.

    The attacker guesses "member" when the model's confidence in a person's true class is above a
    threshold. Reports the ROC AUC with a 95% interval (Hanley & McNeil), the best advantage
    max(TPR - FPR) over thresholds, and the accuracy of that best guess on balanced classes.
    Returns None when either side is empty (nobody to attack).
    """
    members = np.asarray(member_confidence, dtype=float)
    non_members = np.asarray(non_member_confidence, dtype=float)
    if len(members) == 0 or len(non_members) == 0:
        return None
    truth = np.r_[np.ones(len(members)), np.zeros(len(non_members))]
    scores = np.r_[members, non_members]
    auc = float(roc_auc_score(truth, scores))
    fpr, tpr, _ = roc_curve(truth, scores)
    advantage = float(np.max(tpr - fpr))
    n1, n0 = len(members), len(non_members)
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    se = math.sqrt(
        max(auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n0 - 1) * (q2 - auc**2), 0.0) / (n1 * n0)
    )
    return {
        "auc": auc,
        "auc_low": max(0.0, auc - 1.96 * se),
        "auc_high": min(1.0, auc + 1.96 * se),
        "advantage": advantage,
        "guess_accuracy": 0.5 + advantage / 2,
        "n_members": n1,
        "n_non_members": n0,
    }


def membership_auc_bound(epsilon: float) -> float:
    """Highest ROC AUC any membership attack can reach against an ε-DP model.

    ε-DP confines every attack's ROC curve under TPR <= min(e^ε FPR, 1 - e^-ε (1 - FPR));
    this is the area under that boundary (0.5 at ε = 0, tending to 1 as ε grows).
    """
    if epsilon > 700:
        return 1.0
    growth, shrink = math.exp(epsilon), math.exp(-epsilon)
    knee = 1.0 / (growth + 1.0)
    return growth * knee**2 / 2 + (1 - shrink) * (1 - knee) + shrink * (1 - knee**2) / 2
