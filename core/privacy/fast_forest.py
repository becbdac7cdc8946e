"""The person-level DP random forest, drawn with arrays instead of fitted tree by tree.

:func:`core.privacy.private_models.fit_person_level_forest` fits ``n_trees`` diffprivlib
``DecisionTreeClassifier``s, each on the people a seeded hash sends to it. What one such release
is made of, and where the data enters:

1. the tree each person trains: ``tree_of_person(keys, n_trees, seed)``, from their own key
   (:mod:`core.people.person_keys`) and the seed alone;
2. each tree's structure: diffprivlib's ``_FittingTree.build`` picks, at every node down to
   ``max_depth``, a feature uniformly and a threshold uniformly inside the node's cell (the
   public bounds, cut by its ancestors). No data: the structure is random and data-independent;
3. the data: how many of the tree's people of each class land in each leaf;
4. the noise: one PermuteAndFlip choice per leaf on those counts (ε, sensitivity 1, monotonic),
   and a uniform label for a leaf nobody reaches.

diffprivlib does (2) in a Python loop with array copies per node (~8 ms a tree) and routes every
training person through the tree in a Python loop (``_FittingTree.apply``). Here (2) is drawn a
level at a time for all trees at once, (3) is a vectorised descent and one ``bincount``, and (4)
uses :func:`core.privacy.mechanisms.permute_and_flip`. The random stream is not diffprivlib's, so
the
trees of one seed differ from a real fit's, but every step has the same distribution:
``tests/core/test_fast_forest.py`` checks the structures, the leaf labels and the accuracy per ε
against real fits of ``fit_person_level_forest``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.privacy.mechanisms import permute_and_flip
from core.privacy.private_models import tree_of_person


@dataclass(frozen=True)
class ForestData:
    """The training people of a forest release: clipped to the public bounds, as diffprivlib
    clips them, with each person's public key (which tree they train is a hash of it)."""

    X: np.ndarray  # (n_people, n_columns), inside [lower, upper]
    y: np.ndarray  # (n_people,) class codes
    keys: np.ndarray  # (n_people,)
    lower: np.ndarray  # (n_columns,) public bounds
    upper: np.ndarray
    n_classes: int

    @classmethod
    def from_data(cls, X, y, keys, n_classes: int, bounds: tuple[np.ndarray, np.ndarray]):
        lower, upper = (np.asarray(b, dtype=float) for b in bounds)
        return cls(
            X=np.clip(np.asarray(X, dtype=float), lower, upper),
            y=np.asarray(y, dtype=np.int64),
            keys=np.asarray(keys),
            lower=lower,
            upper=upper,
            n_classes=n_classes,
        )


@dataclass(frozen=True)
class Forest:
    """Complete binary trees in heap order: node i has children 2i+1 and 2i+2; the internal
    nodes are 0 … 2^depth − 2 and leaf j is node 2^depth − 1 + j."""

    features: np.ndarray  # (n_trees, n_internal) column split on
    thresholds: np.ndarray  # (n_trees, n_internal) go left when x <= threshold
    leaf_labels: np.ndarray  # (n_trees, n_leaves) class code of each leaf
    n_classes: int

    @property
    def depth(self) -> int:
        return int(np.log2(self.leaf_labels.shape[1]))

    def leaves(self, X: np.ndarray, trees: np.ndarray, rows: np.ndarray | None = None):
        """The leaf (0 … 2^depth − 1) that row ``rows[i]`` of X reaches in tree ``trees[i]``
        (``rows`` defaults to every row once)."""
        X = np.ascontiguousarray(X, dtype=float)
        n_internal = self.features.shape[1]
        rows = np.arange(len(X)) if rows is None else rows
        # Flat indices: one gather per level instead of two-dimensional fancy indexing.
        row_start = rows * X.shape[1]
        tree_start = trees * n_internal
        features, thresholds, values = self.features.ravel(), self.thresholds.ravel(), X.ravel()
        node = np.zeros(len(rows), dtype=np.int64)
        for _ in range(self.depth):
            at = tree_start + node
            right = values.take(row_start + features.take(at)) > thresholds.take(at)
            node = 2 * node + 1 + right
        return node - n_internal

    def predict_proba(self, X) -> np.ndarray:
        """Share of the trees voting for each class, as scikit-learn's forest of diffprivlib trees
        gives it (their leaves are one-hot). Like scikit-learn's trees, X is read as float32."""
        X = np.asarray(X, dtype=np.float32).astype(float)
        n_trees, n_people = self.features.shape[0], len(X)
        trees = np.repeat(np.arange(n_trees), n_people)
        rows = np.tile(np.arange(n_people), n_trees)
        labels = self.leaf_labels.take(
            trees * self.leaf_labels.shape[1] + self.leaves(X, trees, rows)
        )
        votes = np.bincount(rows * self.n_classes + labels, minlength=n_people * self.n_classes)
        return votes.reshape(n_people, self.n_classes) / n_trees


def random_structure(
    n_trees: int, max_depth: int, lower: np.ndarray, upper: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Features and thresholds of ``n_trees`` random trees, as diffprivlib's ``_FittingTree.build``
    draws them: at each internal node a uniform feature and a uniform threshold within the node's
    cell. Returns (features, thresholds), each of shape (n_trees, 2^max_depth − 1)."""
    n_columns = len(lower)
    n_internal = 2**max_depth - 1
    features = np.empty((n_trees, n_internal), dtype=np.int64)
    thresholds = np.empty((n_trees, n_internal))
    cell_lower = np.broadcast_to(lower, (n_trees, 1, n_columns)).copy()
    cell_upper = np.broadcast_to(upper, (n_trees, 1, n_columns)).copy()
    for level in range(max_depth):
        first, width = 2**level - 1, 2**level
        feature = rng.integers(n_columns, size=(n_trees, width))
        low = np.take_along_axis(cell_lower, feature[..., None], axis=2)[..., 0]
        high = np.take_along_axis(cell_upper, feature[..., None], axis=2)[..., 0]
        threshold = low + (high - low) * rng.random((n_trees, width))
        features[:, first : first + width] = feature
        thresholds[:, first : first + width] = threshold
        # Children in heap order: left (x <= threshold) then right, for each node of the level.
        left_upper, right_lower = cell_upper.copy(), cell_lower.copy()
        np.put_along_axis(left_upper, feature[..., None], threshold[..., None], axis=2)
        np.put_along_axis(right_lower, feature[..., None], threshold[..., None], axis=2)
        cell_lower = np.stack([cell_lower, right_lower], axis=2).reshape(n_trees, -1, n_columns)
        cell_upper = np.stack([left_upper, cell_upper], axis=2).reshape(n_trees, -1, n_columns)
    return features, thresholds


def tree_assignment(data: ForestData, n_trees: int, rng: np.random.Generator) -> np.ndarray:
    """The tree each training person lands in: a seeded hash of their own key (step 1), the seed
    drawn first from ``rng``. Nobody else's presence moves anyone's tree."""
    return tree_of_person(data.keys, n_trees, int(rng.integers(2**31 - 1)))


def draw_forest(
    data: ForestData,
    *,
    n_trees: int,
    max_depth: int,
    epsilon: float,
    rng: np.random.Generator,
) -> Forest:
    """One release of the person-level DP forest (see the module docstring).

    Parameters
    ----------
    epsilon : float
        Budget of the release, > 0; every tree gets all of it (its people are its own: parallel
        composition). ``inf``: the same random trees with the exact majority label per leaf.
    rng : numpy.random.Generator
        Source of the assignment, the structure and the label noise.
    """
    trees = tree_assignment(data, n_trees, rng)
    features, thresholds = random_structure(n_trees, max_depth, data.lower, data.upper, rng)
    n_leaves = 2**max_depth
    unlabelled = Forest(features, thresholds, np.zeros((n_trees, n_leaves), np.int64), 0)
    leaf = unlabelled.leaves(data.X, trees)
    cell = (trees * n_leaves + leaf) * data.n_classes + data.y
    counts = np.bincount(cell, minlength=n_trees * n_leaves * data.n_classes).reshape(
        n_trees, n_leaves, data.n_classes
    )
    # A leaf nobody reaches has all-zero counts: PermuteAndFlip then picks uniformly, which is
    # diffprivlib's random label for an empty leaf.
    labels = permute_and_flip(counts, epsilon=epsilon, rng=rng)
    return Forest(features, thresholds, labels, data.n_classes)
