"""The benchmark's one entry: ``python -m scripts.bench [--quick] [--only NAME[,NAME]] [--out
FILE]``; with ``--worker`` (internal) it measures one section in this process instead."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scripts.bench import concurrency, log, million
from scripts.bench.document import (
    extra_sections,
    machine_info,
    machine_line,
    merge_previous,
    render_document,
    render_section,
)
from scripts.bench.runner import run_section
from scripts.bench.sections import QUICK_SECTIONS, SECTIONS


def worker(args: argparse.Namespace) -> None:
    """Measure what ``--worker`` names in this process (a subprocess of the benchmark)."""
    if args.worker == "million":
        result = million.measure_size(args.rows, args.quick)
    elif args.worker == "frontier-child":
        result = concurrency.frontier_child(args.blas, args.start_at)
    elif args.worker in SECTIONS:
        result = SECTIONS[args.worker].measure(args.quick)
    else:
        raise SystemExit(f"unknown worker {args.worker!r}")
    Path(args.result).write_text(json.dumps(result))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench",
        description="Measure the engine, the app and the browser experience; print markdown.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="short run: fewer repetitions, no 1M section"
    )
    parser.add_argument(
        "--only",
        metavar="NAME[,NAME]",
        help=f"comma-separated sections to run, from: {', '.join(SECTIONS)}",
    )
    parser.add_argument(
        "--out", type=Path, help="rewrite this markdown file (e.g. docs/benchmarks.md)"
    )
    # Internal: one section in a subprocess.
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--blas", choices=("default", "one"), help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.only:
        chosen = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = sorted(set(chosen) - set(SECTIONS))
        if unknown:
            parser.error(f"unknown section {unknown[0]!r}; choose from {', '.join(SECTIONS)}")
        args.sections = [name for name in SECTIONS if name in chosen]
    else:
        args.sections = list(QUICK_SECTIONS if args.quick else SECTIONS)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        worker(args)
        return 0
    machine = machine_info()
    log(f"machine: {machine_line(machine)}")
    rendered = {}
    for name in args.sections:
        log(f"section {name}: start")
        result = run_section(name, args.quick)
        rendered[name] = render_section(name, result)
        print(rendered[name] + "\n", flush=True)
    if args.out:
        out = args.out if args.out.is_absolute() else Path.cwd() / args.out
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            render_document(machine, merge_previous(out, rendered), args.quick, extra_sections(out))
        )
        log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
