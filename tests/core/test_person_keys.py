"""Every person's own key: removing one person moves nobody else's coins, split or tree.

Before, a person's "key" was their row in the table: deleting one row re-keyed every later row,
so the forest tree each of them trained (and their consent, opt-out and split draws, drawn by
position) could change with someone else's removal. Built-in people now get a distinct key when
they are generated; uploaded people get one from their own row (:mod:`core.people.person_keys`).
"""

import numpy as np
import pandas as pd
import pytest

from core.engine import workbench_for
from core.engine.evaluation import _STREAM_NOISE, _epsilon_key
from core.people.person_keys import content_keys, generated_keys, keyed_uniform
from core.people.upload import build_dataset, read_table, sample_csv, sample_mapping
from core.privacy.controls import stream
from core.privacy.fast_forest import tree_assignment
from core.privacy.models import RF_TREES
from core.privacy.private_models import tree_of_person
from core.setting.scenario import Scenario

SCENARIO = Scenario(model="random_forest", opt_out=0.3, consent_location=0.5, seed=17)


def _trees(bench, repeat: int = 0) -> dict[int, int]:
    """Each training person's tree in draw ``repeat`` at ε = 1, by their key."""
    rng = stream(bench.scenario.seed, _STREAM_NOISE, _epsilon_key(1.0), repeat)
    trees = tree_assignment(bench.forest_data, RF_TREES, rng)
    return dict(zip(bench.forest_data.keys.tolist(), trees.tolist(), strict=True))


def _people(bench, split: str) -> dict[int, tuple]:
    """Each person of a split by key: their data as the platform holds it."""
    part = getattr(bench.data, split)
    return {
        int(key): (part.X[i].tobytes(), part.observed[i].tobytes(), int(part.y[i]))
        for i, key in enumerate(part.key)
    }


def _assert_only_one_person_left(before, after, removed_key: int) -> None:
    for split in ("train", "test"):
        old, new = _people(before, split), _people(after, split)
        old.pop(removed_key, None)
        assert new == old, split
    for repeat in range(3):
        old_trees = _trees(before, repeat)
        assert removed_key in old_trees
        del old_trees[removed_key]
        assert _trees(after, repeat) == old_trees


def test_deleting_a_built_in_person_moves_nobody_else(population_5k):
    """Built-in people: without one trainee, everyone else is in the same split with the same
    data, consent and opt-out, and trains the same tree in every draw."""
    people = population_5k.subset(np.arange(3_000))
    before = workbench_for(SCENARIO, people)
    removed = int(np.flatnonzero(np.isin(people.key, before.data.train.key))[10])
    after = workbench_for(SCENARIO, people.subset(np.delete(np.arange(3_000), removed)))
    _assert_only_one_person_left(before, after, int(people.key[removed]))


def test_deleting_an_uploaded_row_moves_nobody_else():
    """Uploads: the same file without one row (a trainee early in the file) keeps everyone
    else's keys, split, data and tree."""
    text = sample_csv(rows=1_500).decode()
    lines = text.splitlines(keepends=True)
    full = build_dataset(read_table(text.encode()), sample_mapping())
    before = workbench_for(SCENARIO, dataset=full)
    trainee = int(np.flatnonzero(np.isin(full.population.key, before.data.train.key))[3])
    shorter = "".join(lines[: trainee + 1] + lines[trainee + 2 :])  # line 0 is the header
    dataset = build_dataset(read_table(shorter.encode()), sample_mapping())
    after = workbench_for(SCENARIO, dataset=dataset)
    np.testing.assert_array_equal(dataset.population.key, np.delete(full.population.key, trainee))
    _assert_only_one_person_left(before, after, int(full.population.key[trainee]))


def test_row_index_keys_would_move_other_people():
    """The checks above catch row-index keys: deleting row 3 moves every later person one row up,
    and about 9 in 10 of them to another tree."""
    rows = np.arange(1_000, dtype=np.uint64)
    before = tree_of_person(rows, RF_TREES, 5)[4:]  # the people after row 3, keyed by their row
    after = tree_of_person(rows[:999], RF_TREES, 5)[3:]  # the same people, one row up
    assert np.mean(before != after) > 0.8


def test_generated_keys_are_distinct_and_depend_on_the_seed():
    """One distinct key per generated person; another seed gives other keys."""
    keys = generated_keys(200_000, 42)
    assert len(np.unique(keys)) == len(keys)
    assert not np.isin(generated_keys(1_000, 43), keys).any()


def test_content_keys_follow_the_row_not_its_position():
    """A row's key is its content's: the same rows in another order get the same keys, a copy of
    a row gets a key of its own, and dropping one copy leaves the set of keys of the rest."""
    frame = pd.DataFrame({"a": ["1", "2", "1", "3"], "b": ["x", "y", "x", "z"]})
    keys = content_keys(frame)
    assert len(set(keys.tolist())) == 4
    shuffled = content_keys(frame.iloc[[3, 1, 0, 2]])
    assert set(shuffled.tolist()) == set(keys.tolist())
    assert set(content_keys(frame.drop(index=0)).tolist()) <= set(keys.tolist())
    # Ignored columns are part of the row: an id column makes identical records distinct.
    table = read_table(b"id,a,label\n1,5,p\n2,5,p\n")
    assert len(set(content_keys(table.frame).tolist())) == 2


@pytest.mark.parametrize("purpose", [(0,), (1, 2), (7,)])
def test_keyed_uniforms_are_uniform_and_independent_between_purposes(purpose):
    """Keyed uniforms of 100,000 people: mean 1/2 and variance 1/12 (±4 sd), and uncorrelated
    with another purpose's (|r| < 0.02)."""
    keys = generated_keys(100_000, 9)
    values = keyed_uniform(keys, 9, *purpose)
    assert abs(values.mean() - 0.5) < 4 * (1 / 12 / len(values)) ** 0.5
    assert values.var() == pytest.approx(1 / 12, rel=0.02)
    other = keyed_uniform(keys, 9, 99)
    assert abs(np.corrcoef(values, other)[0, 1]) < 0.02
    assert ((values >= 0) & (values < 1)).all()
