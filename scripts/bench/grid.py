"""Section 7, grid: ``python -m core grid`` of 64 cells in one process, with two forked workers
and with two loky workers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.bench import ROOT, log
from scripts.bench.measuring import summary
from scripts.bench.tables import fmt_met, fmt_seconds, markdown_table

TITLE = "7. Grid: two worker processes against one, 64 cells"
GRID_AXES = ("--axis", "epsilon=0.05,0.1,0.2,0.5,1,2,5,10", "--axis", "opt_out=0,0.2")
GRID_SEEDS = ("--seeds", "1,2,3,4")
GRID_RUN = re.compile(r"([\d.]+) s in total")


def _grid_run(flags: list[str]) -> tuple[float, float]:
    """One `python -m core grid` of 64 cells: (its own "in total" seconds, wall seconds)."""
    with tempfile.TemporaryDirectory(prefix="bench_grid_") as tmp:
        command = [
            sys.executable, "-m", "core", "grid", *GRID_AXES, *GRID_SEEDS,
            "--out", str(Path(tmp) / "grid.csv"), *flags,
        ]  # fmt: skip
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - start
    return float(GRID_RUN.search(done.stderr).group(1)), wall


def measure(quick: bool) -> dict:
    runs = 2 if quick else 5
    setups = {
        "serial": ["--n-jobs", "1"],
        "fork": ["--n-jobs", "2", "--backend", "fork"],
        "loky": ["--n-jobs", "2", "--backend", "loky"],
    }
    times = {name: [] for name in setups}
    walls = {name: [] for name in setups}
    for run in range(runs):  # interleaved: whatever else runs touches every setup alike
        for name, flags in setups.items():
            total, wall = _grid_run(flags)
            times[name].append(total)
            walls[name].append(wall)
        latest = ", ".join(f"{n} {times[n][-1]:.2f} s" for n in setups)
        log(f"grid: run {run + 1}/{runs}: {latest}")
    return {
        "cells": 64,
        "times": {name: summary(values) for name, values in times.items()},
        "walls": {name: summary(values) for name, values in walls.items()},
        "niceness": os.nice(0),
    }


def render(result: dict) -> str:
    times, walls = result["times"], result["walls"]
    serial = times["serial"]["median"]
    labels = {
        "serial": "one process (`--n-jobs 1`)",
        "fork": "2 workers forked from the command (`--n-jobs 2`, the default on Linux)",
        "loky": "2 joblib loky workers (`--n-jobs 2 --backend loky`)",
    }
    body = []
    for name, label in labels.items():
        ratio = serial / times[name]["median"]
        body.append(
            [
                label,
                fmt_seconds(times[name]["median"]),
                fmt_seconds(times[name]["p95"]),
                fmt_seconds(walls[name]["median"]),
                f"{ratio:.2f}×",
                "—" if name == "serial" else "≥ 1.8×",
                "—" if name == "serial" else fmt_met(ratio >= 1.8),
            ]
        )
    intro = (
        "`python -m core grid --axis epsilon=0.05,0.1,0.2,0.5,1,2,5,10 --axis opt_out=0,0.2 "
        "--seeds 1,2,3,4` (64 cells, default Scenario otherwise: 40,000 profiles, 10 draws, "
        f'GaussianNB), {times["serial"]["n"]} runs of each, interleaved. "In total" is the '
        "command's own timer, from its first cell to the written file, so it includes starting "
        "the workers; wall time adds starting Python and importing the engine in the command."
    )
    table = markdown_table(
        ["workers", "in total, median", "p95", "wall, median", "speed-up", "target", "met"],
        body,
    )
    meaning = (
        f"**What this means:** two workers forked from the command finish the grid "
        f"{serial / times['fork']['median']:.2f}× faster than one process; loky's workers, each "
        f"importing the engine again (~1.6 s of CPU) before their first cell, "
        f"{serial / times['loky']['median']:.2f}×: at ~40 ms a cell, 64 cells cost less than "
        "those imports."
    )
    return "\n\n".join([intro, table, meaning])
