"""Grids: expansion, resumability (no cell recomputed, no partial cell), joblib and Dask alike."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from core.engine.grid import cell_key, expand, parts_dir, run_grid
from core.setting.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
SMALL = Scenario(profiles=2000, repeats=2)


def test_expand_is_the_cartesian_product():
    """Every combination of the axes, applied to the base Scenario."""
    cells = expand(SMALL, {"epsilon": [0.1, 1.0], "opt_out": [0.0, 0.2, 0.4]})
    assert len(cells) == 6
    assert {(c.epsilon, c.opt_out) for c in cells} == {
        (e, o) for e in (0.1, 1.0) for o in (0.0, 0.2, 0.4)
    }
    assert all(c.profiles == 2000 for c in cells)


@pytest.mark.parametrize(
    ("axes", "match"),
    [({"nope": [1]}, "Unknown grid field 'nope'"), ({"epsilon": [0.0]}, "'epsilon' parameter")],
)
def test_expand_rejects_bad_axes(axes, match):
    """Unknown fields and out-of-range values are refused with the field's name."""
    with pytest.raises(ValueError, match=match):
        expand(SMALL, axes)


def test_cell_key_is_stable():
    """The cell name depends only on the Scenario (same across processes)."""
    assert cell_key(SMALL) == cell_key(Scenario(profiles=2000, repeats=2))
    assert cell_key(SMALL) != cell_key(SMALL.replace(seed=1))


def test_rerun_skips_finished_cells(tmp_path):
    """A second run computes only the new cells and the file holds every cell once."""
    out = tmp_path / "grid.csv"
    first = run_grid(expand(SMALL, {"epsilon": [0.1, 1.0]}), out, n_jobs=1)
    assert (first["computed"], first["skipped"]) == (2, 0)
    second = run_grid(expand(SMALL, {"epsilon": [0.1, 1.0, 10.0]}), out, n_jobs=1)
    assert (second["computed"], second["skipped"]) == (1, 2)
    table = pd.read_csv(out)
    assert sorted(table["epsilon"]) == [0.1, 1.0, 10.0]
    assert {"accuracy", "hit_at_3", "epsilon_spent", "seconds"} <= set(table.columns)


def test_kill_mid_grid_then_resume(tmp_path):
    """SIGKILL during a grid leaves only whole cells; the rerun finishes without duplicates."""
    out = tmp_path / "grid.csv"
    # Default population (~40 ms a cell, 24 cells): the grid must still be running when the test
    # sees its first cell (with 2,000 people all 12 cells of an earlier version were done by then).
    command = [
        sys.executable, "-m", "core", "grid",
        "--axis", "epsilon=0.05,0.1,0.5,1,5,10", "--seeds", "1,2,3,4", "--n-jobs", "1",
        "--out", str(out),
    ]  # fmt: skip
    child = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL, start_new_session=True)
    cells = parts_dir(out)
    deadline = time.monotonic() + 120
    while not (cells.exists() and list(cells.glob("*.json"))):
        assert time.monotonic() < deadline, "no cell finished in time"
        time.sleep(0.1)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    finished_before = len(list(cells.glob("*.json")))
    assert 1 <= finished_before < 24
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"{24 - finished_before} computed, {finished_before} already done" in result.stderr
    table = pd.read_csv(out)
    assert len(table) == 24 and not table.duplicated(["epsilon", "seed"]).any()


def test_dask_backend_gives_the_same_rows(tmp_path):
    """The same cells on a Dask LocalCluster give the same numbers as local joblib workers."""
    distributed = pytest.importorskip("dask.distributed")
    cells = expand(SMALL, {"epsilon": [0.1, 1.0], "seed": [1, 2]})
    run_grid(cells, tmp_path / "local.csv", n_jobs=1)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False) as cluster,
        distributed.Client(cluster),
    ):
        summary = run_grid(cells, tmp_path / "dask.parquet", n_jobs=2, backend="dask")
    assert summary["computed"] == 4
    local = pd.read_csv(tmp_path / "local.csv").drop(columns="seconds")
    remote = pd.read_parquet(tmp_path / "dask.parquet").drop(columns="seconds")
    pd.testing.assert_frame_equal(local, remote, check_dtype=False)


def test_cells_sharing_a_workbench_give_the_numbers_of_a_fresh_evaluation(tmp_path):
    """Cells that differ only in ε reuse one Workbench in a worker; their rows equal evaluate()
    on a freshly built one, whatever the order they come in."""
    from core.engine import evaluate

    cells = expand(SMALL, {"epsilon": [1.0, 0.1], "opt_out": [0.0, 0.2]})
    out = tmp_path / "grid.csv"
    run_grid(cells, out, n_jobs=1)
    table = pd.read_csv(out)
    for scenario in cells:
        row = table[(table["epsilon"] == scenario.epsilon) & (table["opt_out"] == scenario.opt_out)]
        assert row["accuracy"].item() == pytest.approx(evaluate(scenario)["accuracy"], rel=1e-12)


def test_every_model_gives_the_app_numbers_on_every_path(tmp_path):
    """One Scenario per model through the app's engine, the CLI, the loky grid and the Dask grid:
    identical accuracy and hit@3 everywhere (a Dask task once gave every logistic-regression class
    the same noise through a nested joblib call, and published a different accuracy)."""
    import json

    from core.engine import evaluate

    distributed = pytest.importorskip("dask.distributed")
    cells = [
        Scenario(model=model, profiles=1_000, repeats=2, epsilon=2.0, opt_out=0.2)
        for model in ("gaussian_nb", "logistic_regression", "random_forest")
    ]
    app = {s.model: evaluate(s) for s in cells}
    cli = {}
    for scenario in cells:
        flags = [f"--{k.replace('_', '-')}={v}" for k, v in scenario.to_params().items()]
        done = subprocess.run(
            [sys.executable, "-m", "core", "evaluate", *flags, "--json"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        cli[scenario.model] = json.loads(done.stdout)
    run_grid(cells, tmp_path / "loky.csv", n_jobs=2, backend="loky")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False) as cluster,
        distributed.Client(cluster),
    ):
        run_grid(cells, tmp_path / "dask.csv", n_jobs=2, backend="dask")
    for path in ("loky.csv", "dask.csv"):
        rows = pd.read_csv(tmp_path / path).set_index("model")
        for model, result in app.items():
            assert rows.loc[model, "accuracy"] == pytest.approx(result["accuracy"], abs=1e-12), path
            assert rows.loc[model, "hit_at_3"] == pytest.approx(result["hit_at_3"], abs=1e-12)
    for model, result in app.items():
        assert cli[model]["accuracy"] == pytest.approx(result["accuracy"], abs=1e-12)
        assert cli[model]["accuracy_draws"] == pytest.approx(result["accuracy_draws"], abs=1e-12)


def test_forked_workers_give_the_rows_of_a_serial_run(tmp_path):
    """The default local backend (processes forked from this one, several cells per task) writes
    the same rows as evaluating every cell here, one by one."""
    from core.engine.grid import DEFAULT_BACKEND

    cells = expand(SMALL, {"epsilon": [0.1, 1.0, 10.0], "opt_out": [0.0, 0.2], "seed": [1, 2]})
    run_grid(cells, tmp_path / "serial.csv", n_jobs=1)
    summary = run_grid(cells, tmp_path / "forked.csv", n_jobs=2, backend="fork")
    assert summary["computed"] == len(cells)
    serial = pd.read_csv(tmp_path / "serial.csv").drop(columns="seconds")
    forked = pd.read_csv(tmp_path / "forked.csv").drop(columns="seconds")
    pd.testing.assert_frame_equal(serial, forked)
    assert ("fork" if sys.platform == "linux" else "loky") == DEFAULT_BACKEND


def test_tasks_keep_a_workbench_together_but_feed_every_worker():
    """Cells sharing a Workbench go in one task, cut so that each worker gets work: a grid over ε
    alone (one Workbench) still runs on both workers."""
    from core.engine import workbench_key
    from core.engine.grid import _tasks

    cells = expand(SMALL, {"epsilon": [0.1, 1.0], "seed": [1, 2, 3, 4]})
    cells.sort(key=lambda s: workbench_key(s).to_json())
    tasks = _tasks(cells, n_jobs=2)
    assert [len(t) for t in tasks] == [2, 2, 2, 2]
    assert all(len({workbench_key(s) for s in task}) == 1 for task in tasks)
    one_workbench = expand(SMALL, {"epsilon": [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10]})
    assert [len(t) for t in _tasks(one_workbench, n_jobs=2)] == [2, 2, 2, 2]


def test_cli_backends_are_the_grids():
    """The CLI's --backend choices and default are core.engine.grid's (kept apart: the CLI loads
    light)."""
    from core.cli import build_parser
    from core.engine.grid import BACKENDS, DEFAULT_BACKEND

    grid = build_parser()._subparsers._group_actions[0].choices["grid"]
    backend = next(a for a in grid._actions if a.dest == "backend")
    assert tuple(backend.choices) == BACKENDS
    assert backend.default == DEFAULT_BACKEND


def test_an_unknown_backend_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="'backend' parameter must be one of fork, loky, dask"):
        run_grid(expand(SMALL, {"epsilon": [1.0]}), tmp_path / "g.csv", backend="threads")


def test_cli_refuses_an_unknown_backend_by_name(tmp_path):
    """`--backend threads` exits 2 naming the flag, the value and the allowed backends."""
    done = subprocess.run(
        [sys.executable, "-m", "core", "grid", "--axis", "epsilon=1", "--backend", "threads",
         "--out", str(tmp_path / "g.csv")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "--backend" in done.stderr and "'threads'" in done.stderr
    assert "'fork', 'loky', 'dask'" in done.stderr
    assert "Traceback" not in done.stderr
