"""Frontiers on worker processes: the same numbers as in this process, for built-in and uploads."""

import pandas as pd
import pytest

from core.engine import frontier, workbench_for
from core.frontier_workers import frontier_at, submit_frontier_at
from core.scenario import Scenario

SMALL_LR = Scenario(model="logistic_regression", profiles=2_000, repeats=3, seed=11)


def test_a_worker_gives_the_rows_of_this_process():
    """Each draw has its own seeded stream: where it runs does not change a number."""
    here = frontier(workbench_for(SMALL_LR), [0.5, 5.0], 3)
    futures = [submit_frontier_at(SMALL_LR, None, epsilon, 3) for epsilon in (0.5, 5.0)]
    there = pd.concat([f.result(timeout=300) for f in futures], ignore_index=True)
    pd.testing.assert_frame_equal(here, there)


def test_an_uploaded_dataset_travels_with_the_request(tmp_path):
    """A worker cannot regenerate an upload: the Dataset goes along, and its rows come back."""
    from core.dataset import Dataset
    from core.population import generate_profiles
    from core.schema import load_schema

    schema = load_schema()
    people = generate_profiles(1_500, 3, schema)
    upload = Dataset(name="upload", schema=schema, population=people, fingerprint="test-upload")
    here = frontier(workbench_for(SMALL_LR, dataset=upload), [1.0], 2)
    there = submit_frontier_at(SMALL_LR, upload, 1.0, 2).result(timeout=300)
    pd.testing.assert_frame_equal(here, there)
    assert not there.equals(frontier(workbench_for(SMALL_LR), [1.0], 2))


def test_a_worker_reuses_its_workbench_only_for_the_same_people():
    """The last Workbench is keyed by the noise-free Scenario and the data: a new ε reuses it, a
    new seed or other data rebuild it (engine.last_workbench, called here in this process)."""
    from core.dataset import Dataset
    from core.engine import last_workbench
    from core.population import generate_profiles
    from core.schema import load_schema

    first = last_workbench(SMALL_LR)
    assert last_workbench(SMALL_LR.replace(epsilon=3.0, repeats=7)) is first
    assert last_workbench(SMALL_LR.replace(seed=12)) is not first
    schema = load_schema()
    upload = Dataset(
        name="upload",
        schema=schema,
        population=generate_profiles(1_500, 3, schema),
        fingerprint="another-upload",
    )
    on_upload = last_workbench(SMALL_LR, upload)
    assert on_upload is not last_workbench(SMALL_LR)


@pytest.mark.parametrize("repeats", [1, 2])
def test_rows_have_one_line_per_draw(repeats):
    rows = frontier_at(SMALL_LR, None, 2.0, repeats)
    assert list(rows["repeat"]) == list(range(repeats))
    assert set(rows["epsilon"]) == {2.0}


def test_the_pool_lives_beside_joblibs_loky_backend():
    """joblib's loky backend (the grid's --backend loky) reshapes loky's global executor; this
    module's pool is its own, so either can run before or after the other."""
    from joblib import Parallel, delayed

    def joblib_round() -> list[int]:
        return Parallel(n_jobs=2, backend="loky")(delayed(abs)(-i) for i in range(4))

    assert joblib_round() == [0, 1, 2, 3]
    first = submit_frontier_at(SMALL_LR, None, 1.0, 1).result(timeout=300)
    assert joblib_round() == [0, 1, 2, 3]
    again = submit_frontier_at(SMALL_LR, None, 1.0, 1).result(timeout=300)
    pd.testing.assert_frame_equal(first, again)


def test_a_shut_down_pool_is_replaced():
    from core import frontier_workers

    frontier_workers._executor().shutdown(wait=True)
    rows = submit_frontier_at(SMALL_LR, None, 2.0, 1).result(timeout=300)
    assert len(rows) == 1
