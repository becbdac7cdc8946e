"""Accuracy measures (core.privacy.metrics)."""

import numpy as np
import pytest

from core.privacy.metrics import top_k_hits


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_top_k_hits_equals_a_stable_sort_with_ties_and_minus_infinity(k):
    """top_k_hits agrees with "true class among the first k of a stable descending sort", ties
    broken by class order, on scores full of ties and -inf (a forest's vote shares, log 0)."""
    rng = np.random.default_rng(k)
    for trial in range(50):
        scores = rng.integers(0, 4, size=(3, 60, 8)) / 4
        if trial % 2:
            with np.errstate(divide="ignore"):
                scores = np.log(scores)
        y = rng.integers(0, 8, size=60)
        top = np.argsort(-scores, axis=-1, kind="stable")[..., :k]
        np.testing.assert_array_equal(top_k_hits(scores, y, k), (top == y[..., None]).any(-1))


def test_top_k_hits_with_nan_scores_ranks_nan_last():
    """A NaN score counts as the lowest, as in a sort."""
    scores = np.array([[np.nan, 0.2, 0.1, 0.3]])
    assert not top_k_hits(scores, np.array([0]), 3)[0]
    assert top_k_hits(scores, np.array([2]), 3)[0]
