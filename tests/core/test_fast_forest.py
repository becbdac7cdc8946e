"""The array-drawn person-level DP forest against diffprivlib's trees and real forest fits.

Power: the structure tests carry the fine comparison (1,500 drawn structures against 300 of
diffprivlib's roots: KS at α = 0.001 rejects threshold CDFs more than 0.12 apart). The
accuracy comparisons run real forest fits, 30 a side, so KS there only rejects CDF gaps above
0.50 (a gap of 0.6 is caught in 95% of simulated runs): they guard against a wrong mechanism or
budget, which moves the whole accuracy distribution, not against a subtle one.
"""

import numpy as np
import pytest
from diffprivlib.accountant import BudgetAccountant
from diffprivlib.models.forest import _FittingTree
from scipy.stats import chi2_contingency, ks_2samp

from core.people.encoding import encode, model_bounds
from core.privacy.fast_forest import Forest, ForestData, draw_forest, random_structure
from core.privacy.private_models import fit_person_level_forest, tree_of_person

N_TRAIN = 4_000
N_TREES, MAX_DEPTH = 10, 6
STRUCTURES = 1_500
DRAWS_PER_EPSILON = 30
MIN_P_VALUE = 0.001


@pytest.fixture(scope="module")
def split(population_5k, schema):
    """(X_train, y_train, keys, X_test, y_test) from the shared 5,000 people: 4,000 / 1,000."""
    X = encode(population_5k.features, schema)
    y = population_5k.label
    keys = np.arange(len(y))
    return X[:N_TRAIN], y[:N_TRAIN], keys[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:]


def _descend(features, thresholds, x) -> int:
    """Leaf of one point in one heap-ordered tree, one node at a time."""
    node = 0
    while node < len(features):
        node = 2 * node + (1 if x[features[node]] <= thresholds[node] else 2)
    return node - len(features)


def test_structure_splits_inside_each_nodes_cell():
    """Every threshold lies inside its node's cell: the public bounds cut by its ancestors."""
    lower, upper = np.array([0.0, -2.0, 5.0]), np.array([1.0, 2.0, 6.0])
    features, thresholds = random_structure(4, 4, lower, upper, np.random.default_rng(0))
    assert features.shape == thresholds.shape == (4, 15)
    for tree in range(4):
        cells = {0: (lower.copy(), upper.copy())}
        for node in range(15):
            low, high = cells[node]
            f, t = features[tree, node], thresholds[tree, node]
            assert low[f] <= t <= high[f]
            left_high, right_low = high.copy(), low.copy()
            left_high[f], right_low[f] = t, t
            cells[2 * node + 1], cells[2 * node + 2] = (low, left_high), (right_low, high)


def test_leaves_equal_a_node_by_node_descent():
    """Forest.leaves (vectorised over people and trees) agrees with walking each tree."""
    rng = np.random.default_rng(1)
    features, thresholds = random_structure(3, 5, np.zeros(4), np.ones(4), rng)
    forest = Forest(features, thresholds, np.zeros((3, 32), dtype=np.int64), 2)
    X = rng.random((200, 4))
    trees = rng.integers(3, size=200)
    expected = [_descend(features[t], thresholds[t], x) for x, t in zip(X, trees, strict=True)]
    np.testing.assert_array_equal(forest.leaves(X, trees), expected)


def _diffprivlib_partition(seed: int, points: np.ndarray, depth: int, n_columns: int) -> int:
    """Number of distinct leaves ``points`` fall in, for one diffprivlib tree structure."""
    tree = _FittingTree(
        depth,
        n_columns,
        np.arange(2),
        1.0,
        (np.zeros(n_columns), np.ones(n_columns)),
        np.random.RandomState(seed),
    ).build()
    return len(np.unique(tree.apply(points)))


def test_structure_has_diffprivlib_s_distribution():
    """Random structures partition fixed points like diffprivlib's ``_FittingTree.build`` does
    (chi-square on how many leaves 12 fixed points occupy, and on the root's feature; KS on the
    root's threshold, over 1,500 structures each)."""
    depth, n_columns = 3, 3
    points = np.random.default_rng(2).random((12, n_columns))
    reference = np.array(
        [_diffprivlib_partition(seed, points, depth, n_columns) for seed in range(STRUCTURES)]
    )
    roots = [
        _FittingTree(
            depth,
            n_columns,
            np.arange(2),
            1.0,
            (np.zeros(n_columns), np.ones(n_columns)),
            np.random.RandomState(seed),
        )
        .build()
        .nodes[0]
        for seed in range(300)
    ]
    features, thresholds = random_structure(
        STRUCTURES, depth, np.zeros(n_columns), np.ones(n_columns), np.random.default_rng(3)
    )
    forest = Forest(features, thresholds, np.zeros((STRUCTURES, 2**depth), np.int64), 2)
    trees = np.repeat(np.arange(STRUCTURES), len(points))
    rows = np.tile(np.arange(len(points)), STRUCTURES)
    leaves = forest.leaves(points, trees, rows).reshape(STRUCTURES, len(points))
    fast = np.array([len(np.unique(row)) for row in leaves])
    support = np.union1d(fast, reference)
    table = np.array([[np.sum(s == v) for v in support] for s in (fast, reference)])
    table = table[:, table.sum(axis=0) >= 10]
    assert chi2_contingency(table).pvalue > MIN_P_VALUE
    root_features = np.array([node.feature for node in roots])
    table = np.array(
        [np.bincount(features[:300, 0], minlength=3), np.bincount(root_features, minlength=3)]
    )
    assert chi2_contingency(table).pvalue > MIN_P_VALUE
    root_thresholds = np.array([node.threshold for node in roots])
    assert ks_2samp(thresholds[:, 0], root_thresholds).pvalue > MIN_P_VALUE


def test_people_train_the_tree_their_key_hashes_to(split, schema):
    """draw_forest sends each person to tree_of_person's tree (from the release's own seed): with
    exact labels, a tree's leaves hold the majority of its own people only."""
    X, y, keys, _, _ = split
    data = ForestData.from_data(X, y, keys, schema.n_classes, model_bounds(schema))
    rng = np.random.default_rng(4)
    forest = draw_forest(data, n_trees=3, max_depth=2, epsilon=np.inf, rng=rng)
    trees = tree_of_person(keys, 3, int(np.random.default_rng(4).integers(2**31 - 1)))
    for tree in range(3):
        mine = trees == tree
        leaves = forest.leaves(data.X[mine], np.full(mine.sum(), tree))
        for leaf in np.unique(leaves):
            counts = np.bincount(y[mine][leaves == leaf], minlength=schema.n_classes)
            assert counts[forest.leaf_labels[tree, leaf]] == counts.max()


def test_predict_proba_is_the_share_of_tree_votes(split, schema):
    """predict_proba gives each class the share of trees whose leaf votes for it."""
    X, y, keys, X_test, _ = split
    data = ForestData.from_data(X, y, keys, schema.n_classes, model_bounds(schema))
    forest = draw_forest(
        data, n_trees=N_TREES, max_depth=MAX_DEPTH, epsilon=1.0, rng=np.random.default_rng(5)
    )
    proba = forest.predict_proba(X_test)
    assert proba.shape == (len(X_test), schema.n_classes)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    person = X_test[:1]
    votes = [forest.leaf_labels[t, forest.leaves(person, np.array([t]))[0]] for t in range(N_TREES)]
    np.testing.assert_allclose(proba[0], np.bincount(votes, minlength=schema.n_classes) / N_TREES)


@pytest.mark.slow
@pytest.mark.parametrize("epsilon", [0.05, 1.0, 20.0])
def test_fast_draws_match_person_level_forest_fits(split, schema, epsilon):
    """Accuracy of array-drawn forests and of real fits of fit_person_level_forest (diffprivlib
    trees) has one distribution (KS, 30 each)."""
    X, y, keys, X_test, y_test = split
    bounds = model_bounds(schema)
    classes = np.arange(schema.n_classes)
    data = ForestData.from_data(X, y, keys, schema.n_classes, bounds)
    rng = np.random.default_rng(100)
    fast = [
        np.mean(
            draw_forest(data, n_trees=N_TREES, max_depth=MAX_DEPTH, epsilon=epsilon, rng=rng)
            .predict_proba(X_test)
            .argmax(axis=1)
            == y_test
        )
        for _ in range(DRAWS_PER_EPSILON)
    ]
    real = []
    for random_state in range(DRAWS_PER_EPSILON):
        accountant = BudgetAccountant()
        forest = fit_person_level_forest(
            X,
            y,
            keys,
            n_trees=N_TREES,
            max_depth=MAX_DEPTH,
            epsilon=epsilon,
            bounds=bounds,
            classes=classes,
            random_state=random_state,
            accountant=accountant,
        )
        assert accountant.total()[0] == pytest.approx(epsilon)
        real.append(np.mean(forest.predict_proba(X_test).argmax(axis=1) == y_test))
    assert ks_2samp(fast, real).pvalue > MIN_P_VALUE
