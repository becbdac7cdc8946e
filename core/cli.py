"""Command line: ``python -m core evaluate|sweep|grid|plan|audit [--<field> VALUE ...]``.

Flags are the Scenario field names with dashes (``--opt-out 0.2``), built from the parameter
table. Any bad value exits with code 2 and one line on stderr naming the field, the allowed range
and the value received; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from core.setting.formatting import guess_text
from core.setting.scenario import FIELDS, FIELDS_BY_NAME, Scenario

EXIT_USAGE = 2
MIN_AUDIT_TRIALS, MAX_AUDIT_TRIALS = 4, 1_000_000


class UsageError(Exception):
    """Bad command-line input; the message is shown as is."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump, exit 2
        if message.startswith("unrecognized arguments"):
            from core.over_time.plan import FIELDS as PLAN_FIELDS

            known = ", ".join(spec.flag for spec in FIELDS)
            plan = ", ".join(spec.flag for spec in PLAN_FIELDS)
            message = (
                f"{message}. Known options: {known}, --json (evaluate, audit), --epsilons, --out "
                f"(sweep), --trials (audit); plan: {plan}, --json."
            )
        raise UsageError(message)


def _add_scenario_flags(parser: argparse.ArgumentParser, fields=FIELDS) -> None:
    """One flag per row of a parameter table (the Scenario's, or the planner's)."""
    for spec in fields:
        parser.add_argument(
            spec.flag,
            dest=spec.name,
            metavar="VALUE",
            help=(
                f"{spec.help} Allowed: {spec.describe_range()}. "
                f"Default: {spec.format(spec.default)}."
            ),
        )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m core", description="Privacy Tradeoff Explorer engine.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    evaluate = commands.add_parser("evaluate", help="Evaluate one Scenario.")
    _add_scenario_flags(evaluate)
    evaluate.add_argument("--json", action="store_true", help="Print one JSON object.")
    sweep = commands.add_parser("sweep", help="Accuracy for several ε, one row per (ε, repeat).")
    _add_scenario_flags(sweep)
    sweep.add_argument(
        "--epsilons",
        required=True,
        help="Comma-separated ε values, each in the ε range of --epsilon.",
    )
    sweep.add_argument("--out", required=True, help="CSV file to write.")
    grid = commands.add_parser(
        "grid", help="Evaluate every combination of several fields; resumable; joblib or Dask."
    )
    _add_scenario_flags(grid)
    grid.add_argument(
        "--axis",
        action="append",
        default=[],
        metavar="FIELD=V1,V2,...",
        help="A field to vary and its values, e.g. --axis epsilon=0.1,1,10 (repeatable).",
    )
    grid.add_argument("--seeds", help="Comma-separated seeds: shorthand for --axis seed=...")
    grid.add_argument("--out", required=True, help="Results file (.csv or .parquet).")
    grid.add_argument("--n-jobs", type=int, default=2, help="Parallel workers (default 2).")
    grid.add_argument(
        "--backend",
        # core.engine.grid.BACKENDS, not imported here: it loads the engine (a test keeps them
        # equal).
        choices=("fork", "loky", "dask"),
        default="fork" if sys.platform == "linux" else "loky",
        help="Local processes forked from this one (the default on Linux), joblib's loky "
        "processes (each imports the engine again), or a Dask cluster (same code).",
    )
    grid.add_argument(
        "--scheduler",
        help="Dask scheduler address (tcp://host:8786); without it a LocalCluster is started.",
    )
    plan = commands.add_parser(
        "plan", help="Total privacy loss of repeated releases (retraining) under each accountant."
    )
    _add_plan_flags(plan)
    plan.add_argument("--json", action="store_true", help="Print one JSON object.")
    audit = commands.add_parser(
        "audit",
        help="Privacy audit of the Scenario's model release: releases with and without a canary.",
    )
    _add_scenario_flags(audit)
    audit.add_argument(
        "--trials",
        help=f"Releases a side, a whole number from {MIN_AUDIT_TRIALS} to {MAX_AUDIT_TRIALS:,} "
        "(default: 4,000 for GaussianNB, 200 for the models refitted with diffprivlib).",
    )
    audit.add_argument("--json", action="store_true", help="Print one JSON object.")
    return parser


def _add_plan_flags(parser: argparse.ArgumentParser) -> None:
    from core.over_time.plan import FIELDS as PLAN_FIELDS

    _add_scenario_flags(parser, PLAN_FIELDS)


def parse_trials(text: str | None) -> int | None:
    """The audit's releases a side, or None for the default."""
    if text is None:
        return None
    try:
        trials = int(text)
    except ValueError:
        trials = None
    if trials is None or not MIN_AUDIT_TRIALS <= trials <= MAX_AUDIT_TRIALS:
        raise UsageError(
            f"The 'trials' option must be a whole number from {MIN_AUDIT_TRIALS} to "
            f"{MAX_AUDIT_TRIALS:,}. Got {text!r} instead."
        )
    return trials


def parse_axes(specs: list[str], seeds: str | None) -> dict[str, list]:
    """``FIELD=V1,V2`` texts to {field: [validated values]}; errors name the field."""
    axes: dict[str, list] = {}
    if seeds:
        specs = [*specs, f"seed={seeds}"]
    if not specs:
        raise UsageError("The grid needs at least one --axis FIELD=V1,V2,... or --seeds.")
    for spec in specs:
        name, _, values = spec.partition("=")
        name = name.strip().replace("-", "_")
        field = FIELDS_BY_NAME.get(name)
        if field is None or not values:
            raise UsageError(
                f"The 'axis' option must look like FIELD=V1,V2 with FIELD one of "
                f"{', '.join(FIELDS_BY_NAME)}. Got {spec!r} instead."
            )
        try:
            axes[name] = [field.parse(v) for v in values.split(",")]
        except (TypeError, ValueError) as error:
            raise UsageError(str(error)) from None
    return axes


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    given = {spec.name: getattr(args, spec.name) for spec in FIELDS}
    try:
        return Scenario.from_params({k: v for k, v in given.items() if v is not None})
    except (TypeError, ValueError) as error:
        raise UsageError(str(error)) from None


def parse_epsilons(text: str) -> list[float]:
    """Comma-separated ε values, each in the Scenario's ε range (one table for every input)."""
    spec = FIELDS_BY_NAME["epsilon"]
    values = []
    for part in text.split(","):
        try:
            values.append(spec.parse(part))
        except (TypeError, ValueError):
            raise UsageError(
                f"The 'epsilons' option must be comma-separated numbers, each "
                f"{spec.describe_range().removeprefix('a number ')}. "
                f"Got {part.strip()!r} in {text!r} instead."
            ) from None
    return values


def _print_summary(result: dict) -> None:
    scenario = result["scenario"]
    print(f"Scenario: {json.dumps(scenario)}")
    print(
        f"Accuracy {result['accuracy']:.3f} ± {result['accuracy_std']:.3f} "
        f"(hit@3 {result['hit_at_3']:.3f}) over {scenario['repeats']} noise draws"
    )
    print(
        f"Non-private ceiling {result['nonprivate_accuracy']:.3f}, "
        f"popularity floor {result['popularity_accuracy']:.3f}"
    )
    group = (
        f" (k-anonymity: one person as a group, k·ε = {result['person_epsilon']:g} at best)"
        if scenario["k"] > 1
        else ""
    )
    print(
        f"ε spent {result['epsilon_spent']:g}{group}: an attacker guesses membership right at "
        f"most {guess_text(result['max_membership_guess'])} of the time (coin flip: 50%)"
    )
    local = result["guarantee"].get("local")
    if local:
        print(
            f"Local ε {local['epsilon']:g} covers {local['covers']}; between two records of one "
            f"person a guess is right at most {local['max_guess_between_two_records']:.0%}"
        )


def _progress_printer(stream):
    if not stream.isatty():
        return None

    def show(fraction: float, message: str) -> None:
        bar = "#" * int(30 * fraction)
        stream.write(f"\r[{bar:<30}] {fraction:4.0%} {message:<20}")
        if fraction >= 1:
            stream.write("\n")
        stream.flush()

    return show


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "plan":
        return _run_plan(args)
    scenario = scenario_from_args(args)
    epsilons = parse_epsilons(args.epsilons) if args.command == "sweep" else None
    axes = parse_axes(args.axis, args.seeds) if args.command == "grid" else None
    trials = parse_trials(args.trials) if args.command == "audit" else None
    if args.command in ("sweep", "grid") and not Path(args.out).parent.exists():
        raise UsageError(f"The 'out' option needs an existing folder. Got {args.out!r} instead.")
    # Imported only now so that `--help` and input errors answer without loading the models.
    from core.engine import evaluate, frontier, workbench_for
    from core.engine.threads import limit_blas_threads

    limit_blas_threads()

    if args.command == "grid":
        return _run_grid(scenario, axes, args)
    if args.command == "audit":
        return _run_audit(scenario, trials, args.json)

    if args.command == "evaluate":
        result = evaluate(scenario)
        if args.json:
            print(json.dumps(_finite(result), allow_nan=False))
        else:
            _print_summary(result)
        return 0
    out = Path(args.out)
    bench = workbench_for(scenario)
    table = frontier(bench, epsilons, scenario.repeats, progress=_progress_printer(sys.stderr))
    table.to_csv(out, index=False)
    print(f"Wrote {len(table)} rows to {out}", file=sys.stderr)
    return 0


def _run_audit(scenario: Scenario, trials: int | None, as_json: bool) -> int:
    from core.engine import budget_split, workbench_for
    from core.privacy.audit import NB_TRIALS_PER_SIDE, SLOW_TRIALS_PER_SIDE, audit_workbench

    model_epsilon, _ = budget_split(scenario, scenario.epsilon)
    result = audit_workbench(
        workbench_for(scenario),
        model_epsilon,
        nb_trials_per_side=trials or NB_TRIALS_PER_SIDE,
        slow_trials_per_side=trials or SLOW_TRIALS_PER_SIDE,
        seed=scenario.seed,
        progress=_progress_printer(sys.stderr),
    )
    if result is None:
        report = {"audit": None, "scenario": scenario.to_dict()}
        print(json.dumps(report) if as_json else "No model is trained: nothing to audit.")
        return 0
    if as_json:
        print(json.dumps({"audit": result.to_dict(), "scenario": scenario.to_dict()}))
        return 0
    print(
        f"The audit shows ε ≥ {result.epsilon_lower_bound:.2f} with {result.confidence:.0%} "
        f"confidence; claimed ε of the model release: {result.claimed_epsilon:g}."
    )
    print(
        f"{result.trials_per_side:,} releases a side ({result.mechanism}); with "
        f"{result.evaluation_trials:,} evaluation runs a side no audit can show more than "
        f"ε ≥ {result.power_limit:.2f}. Canary: {result.canary}."
    )
    return 0


def _run_grid(base: Scenario, axes: dict, args: argparse.Namespace) -> int:
    from core.engine.grid import expand, run_grid

    if args.n_jobs < 1:
        raise UsageError(f"The 'n-jobs' option must be at least 1. Got {args.n_jobs} instead.")
    try:
        scenarios = expand(base, axes)
    except (TypeError, ValueError) as error:
        raise UsageError(str(error)) from None
    show = _progress_printer(sys.stderr)

    def progress(done: int, total: int, message: str) -> None:
        if show is not None:
            show(done / total, message)

    cluster = client = None
    if args.backend == "dask":
        from dask.distributed import Client, LocalCluster

        if args.scheduler:
            client = Client(args.scheduler)
        else:
            cluster = LocalCluster(n_workers=args.n_jobs, threads_per_worker=1)
            client = Client(cluster)
    try:
        summary = run_grid(
            scenarios, args.out, n_jobs=args.n_jobs, backend=args.backend, progress=progress
        )
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    per_cell = summary["seconds"] / summary["computed"] if summary["computed"] else 0.0
    print(
        f"{summary['cells']} cells: {summary['computed']} computed, {summary['skipped']} already "
        f"done; {summary['seconds']:.2f} s in total, {per_cell:.2f} s per computed cell, "
        f"{summary['computed'] / summary['seconds'] if summary['seconds'] else 0:.2f} cells/s. "
        f"Wrote {args.out}",
        file=sys.stderr,
    )
    return 0


def _run_plan(args: argparse.Namespace) -> int:
    from core.over_time.plan import FIELDS as PLAN_FIELDS
    from core.over_time.plan import METHOD_LABELS, Plan, plan_report

    given = {spec.name: getattr(args, spec.name) for spec in PLAN_FIELDS}
    try:
        plan = Plan.from_params({k: v for k, v in given.items() if v is not None})
    except (TypeError, ValueError) as error:
        raise UsageError(str(error)) from None
    report = plan_report(plan)
    if args.json:
        print(json.dumps(_finite(report), allow_nan=False))
        return 0
    print(
        f"{report['releases']} releases at ε = {plan.epsilon:g} each "
        f"({plan.releases_per_year} a year for {plan.years:g} year"
        f"{'' if plan.years == 1 else 's'}), total loss per person:"
    )
    for method, label in METHOD_LABELS.items():
        at = "pure ε" if method == "basic" else f"at δ = {plan.delta:g}"
        print(f"  {label}: ε = {report[method]:.4g} ({at})")
    guesses = report["best_guess"]
    print(
        "Attacker's best guess (coin flip: 50%): "
        f"exact for these releases ≤ {guesses['exact']['optimal']:.1%} "
        f"(Laplace releases {guesses['exact']['pld']:.1%}); "
        f"from the total (ε, δ) alone ≤ {guesses['from_epsilon_delta']['optimal']:.1%}"
    )
    return 0


def _finite(value):
    """JSON has no NaN or infinity: write them as null."""
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def main(argv: list[str] | None = None) -> int:
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
