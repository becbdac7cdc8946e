"""The command line, run as a user would: ``python -m core`` in a subprocess."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 180

EVALUATE_JSON = ("evaluate", "--json", "--repeats", "2", "--profiles", "5000")
PLAN_JSON = ("plan", "--epsilon", "0.1", "--releases-per-year", "52", "--years", "1")
PLAN_JSON += ("--delta", "1e-6", "--json")

# (arguments, text the one error line must contain)
BAD_INPUTS = [
    (("evaluate", "--epsilon", "0"), "'epsilon'"),
    (("evaluate", "--epsilon", "abc"), "'epsilon'"),
    (("evaluate", "--epsilon", "nan"), "'epsilon'"),
    (("evaluate", "--opt-out", "1.5"), "'opt_out'"),
    (("evaluate", "--model", "svm"), "'model'"),
    (("evaluate", "--foo", "1"), "--foo"),
    (("evaluate", "--profiles", "10"), "'profiles'"),
    (("evaluate", "--k", "0"), "'k'"),
    (
        ("sweep", "--epsilons", "0.1,x", "--repeats", "2", "--out", "no/such/dir/x.csv"),
        "'epsilons'",
    ),
    (("plan", "--delta", "0.5", "--json"), "'delta'"),
]
# Cheaper to check in-process: main() is what `python -m core` calls.
MORE_BAD_INPUTS = [
    (["evaluate", "--epsilon"], "--epsilon"),
    (["evaluate", "--k", "1e300"], "'k'"),
    (["sweep", "--epsilons", "0.1", "--out", "no/such/folder/out.csv"], "'out'"),
    (["sweep", "--epsilons", "0,1", "--out", "no/such/folder/out.csv"], "'epsilons'"),
    (["sweep", "--epsilons", "1,1e6", "--out", "no/such/folder/out.csv"], "in [0.01, 100]"),
    (["sweep", "--out", "no/such/folder/out.csv"], "--epsilons"),
    ([], "command"),
    (["plan", "--releases-per-year", "400"], "'releases_per_year'"),
    (["plan", "--releases-per-year", "2.5"], "'releases_per_year'"),
    (["plan", "--years", "0"], "'years'"),
    (["plan", "--epsilon", "abc"], "'epsilon'"),
    (["plan", "--yearly-budget", "-1"], "'yearly_budget'"),
    (["plan", "--opt-out", "0.2"], "--opt-out"),
]


def _start(args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "core", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every command of this module, started together (each pays the interpreter start-up).

    Returns {arguments: (exit code, stdout, stderr)} and the sweep's output path.
    """
    sweep_csv = tmp_path_factory.mktemp("cli") / "frontier.csv"
    sweep = ("sweep", "--epsilons", "0.1,1", "--repeats", "2", "--profiles", "5000")
    sweep += ("--out", str(sweep_csv))
    commands = [EVALUATE_JSON, PLAN_JSON, sweep, *(args for args, _ in BAD_INPUTS)]
    processes = {args: _start(args) for args in commands}
    results = {}
    for args, process in processes.items():
        stdout, stderr = process.communicate(timeout=TIMEOUT)
        results[args] = (process.returncode, stdout, stderr)
    return results, sweep, sweep_csv


def test_evaluate_json_prints_one_object(runs):
    """evaluate --json exits 0 and prints exactly one JSON object with the documented keys."""
    results, _, _ = runs
    code, stdout, stderr = results[EVALUATE_JSON]
    assert code == 0, stderr
    assert stdout.count("\n") == 1
    result = json.loads(stdout)
    assert isinstance(result, dict)
    expected = {
        "accuracy",
        "accuracy_std",
        "hit_at_3",
        "nonprivate_accuracy",
        "popularity_accuracy",
        "epsilon_spent",
        "max_membership_guess",
        "segments",
        "scenario",
    }
    assert expected <= set(result)
    assert result["scenario"]["profiles"] == 5_000
    assert result["scenario"]["repeats"] == 2
    assert 0.0 <= result["accuracy"] <= 1.0
    assert result["epsilon_spent"] == 1.0


def test_plan_json_prints_one_object(runs):
    """plan --json exits 0 and prints one JSON object whose totals are the planner's."""
    from core.over_time.plan import total_losses

    results, _, _ = runs
    code, stdout, stderr = results[PLAN_JSON]
    assert code == 0, stderr
    assert stdout.count("\n") == 1
    result = json.loads(stdout)
    expected = {"releases", "epsilon_per_release", "delta", "basic", "advanced", "pld"}
    assert expected <= set(result)
    assert {"basic", "advanced", "optimal", "pld"} <= set(result["assumptions"])
    assert (result["releases"], result["epsilon_per_release"], result["delta"]) == (52, 0.1, 1e-6)
    assert result["basic"] == pytest.approx(5.2)
    assert result["pld"] == pytest.approx(3.19, abs=0.01)
    for method, value in total_losses(0.1, 52, 1e-6).items():
        assert result[method] == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(
    ("args", "names"),
    BAD_INPUTS,
    ids=[" ".join(args) for args, _ in BAD_INPUTS],
)
def test_bad_input_exits_2_with_one_line(runs, args, names):
    """A bad input exits with code 2 and one stderr line naming the field, without a traceback."""
    results, _, _ = runs
    code, stdout, stderr = results[args]
    assert code == 2
    assert stdout == ""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    assert names in lines[0]
    assert "Traceback" not in stderr


def test_sweep_writes_one_row_per_epsilon_and_repeat(runs):
    """sweep --epsilons 0.1,1 --repeats 2 writes 4 rows led by epsilon,repeat,accuracy,hit_at_3."""
    results, sweep, sweep_csv = runs
    code, _, stderr = results[sweep]
    assert code == 0, stderr
    with sweep_csv.open(newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert reader.fieldnames[:4] == ["epsilon", "repeat", "accuracy", "hit_at_3"]
    assert len(rows) == 4
    assert [(float(r["epsilon"]), int(r["repeat"])) for r in rows] == [
        (0.1, 0),
        (0.1, 1),
        (1.0, 0),
        (1.0, 1),
    ]
    assert all(0.0 <= float(r["accuracy"]) <= float(r["hit_at_3"]) <= 1.0 for r in rows)


@pytest.mark.parametrize(
    ("argv", "names"),
    MORE_BAD_INPUTS,
    ids=[" ".join(argv) or "no-command" for argv, _ in MORE_BAD_INPUTS],
)
def test_more_bad_input_exits_2_with_one_line(capsys, argv, names):
    """Missing values, bad ε lists, a missing folder or command: exit 2 and one line naming it."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert names in lines[0]


def test_audit_json_is_cores_audit_of_the_scenario(capsys):
    """`audit --json` prints core.privacy.audit's result for the Scenario's model ε and seed."""
    from core.engine import budget_split, workbench_for
    from core.privacy.audit import audit_workbench
    from core.setting.scenario import Scenario

    argv = ["audit", "--json", "--trials", "400", "--profiles", "2000", "--opt-out", "0.2"]
    assert main(argv) == 0
    shown = json.loads(capsys.readouterr().out)["audit"]
    scenario = Scenario(profiles=2000, opt_out=0.2)
    model_epsilon, _ = budget_split(scenario, scenario.epsilon)
    expected = audit_workbench(
        workbench_for(scenario), model_epsilon, nb_trials_per_side=400, seed=scenario.seed
    )
    assert shown == expected.to_dict()
    assert shown["claimed_epsilon"] == pytest.approx(0.9)


@pytest.mark.parametrize("trials", ["abc", "3", "2000000", "1.5"])
def test_audit_rejects_bad_trials(capsys, trials):
    assert main(["audit", "--trials", trials]) == 2
    assert "'trials' option must be a whole number from 4 to 1,000,000" in capsys.readouterr().err


def test_plan_json_gives_both_readings_of_the_best_guess(runs):
    """plan --json carries the exact best guess (1 + TV)/2 beside the (ε, δ) cap, with words
    saying which is the guarantee for any release and which is exact for these releases."""
    results, _, _ = runs
    code, stdout, stderr = results[PLAN_JSON]
    assert code == 0, stderr
    guesses = json.loads(stdout)["best_guess"]
    assert guesses["exact"]["optimal"] == pytest.approx(0.640, abs=0.001)
    assert guesses["exact"]["pld"] == pytest.approx(0.639, abs=0.002)
    assert guesses["from_epsilon_delta"]["optimal"] == pytest.approx(0.962, abs=0.001)
    tv = guesses["total_variation"]["optimal"]
    assert guesses["exact"]["optimal"] == pytest.approx((1 + tv) / 2)
    assert "any release that is (ε, δ)-DP" in guesses["meaning"]["from_epsilon_delta"]
    assert "exact for k Laplace mechanisms" in guesses["meaning"]["exact"]
