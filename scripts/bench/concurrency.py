"""Section 5, concurrency: the same frontier in one process alone and in two processes at once,
with NumPy's default BLAS threads and with one BLAS thread per process."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from scripts.bench import ROOT, log
from scripts.bench.measuring import repeat, summary
from scripts.bench.runner import worker_command, worker_env
from scripts.bench.tables import fmt_met, fmt_seconds, markdown_table, niceness_note

TITLE = "5. Two at once: one frontier alone and beside a second process"
CONCURRENCY_ROUNDS = 2  # alone / two at once, per BLAS setting, interleaved
CHILD_FRONTIERS = 3  # frontiers each child times


def frontier_child(blas: str, start_at: float) -> dict:
    """One process of the "two at once" section: time the default frontier ``CHILD_FRONTIERS``
    times, starting at the wall-clock time ``start_at`` so that two children overlap."""
    from core import engine
    from core.engine.threads import blas_threads, limit_blas_threads
    from core.setting.scenario import Scenario

    if blas == "one":
        limit_blas_threads()
    scenario = Scenario()
    bench = engine.workbench_for(scenario)
    epsilons = np.logspace(-2, 2, 15)
    engine.frontier(bench, epsilons[:2], 2)  # warm-up
    late = time.time() - start_at
    if late < 0:
        time.sleep(-late)
    times = repeat(lambda: engine.frontier(bench, epsilons, 10), CHILD_FRONTIERS)
    return {"times": times, "late": max(late, 0.0), "threads": blas_threads()}


def _run_children(blas: str, count: int, lead_s: float = 12.0) -> list[dict]:
    """Start ``count`` frontier children together; return their results."""
    start_at = time.time() + lead_s
    children = []
    for _ in range(count):
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            out = Path(handle.name)
        command = worker_command(
            ["--worker", "frontier-child", "--blas", blas, "--start-at", repr(start_at)], out
        )
        children.append((subprocess.Popen(command, cwd=ROOT, env=worker_env()), out))
    results = []
    for process, out in children:
        if process.wait() != 0:
            raise RuntimeError(f"frontier child ({blas}) failed with {process.returncode}")
        results.append(json.loads(out.read_text()))
        out.unlink(missing_ok=True)
    return results


def measure(quick: bool) -> dict:
    rounds = 1 if quick else CONCURRENCY_ROUNDS
    samples = {(blas, n): [] for blas in ("default", "one") for n in (1, 2)}
    threads, late = {}, 0.0
    for round_ in range(rounds):
        for blas in ("default", "one") if round_ % 2 == 0 else ("one", "default"):
            for count in (1, 2):
                log(f"concurrency: round {round_ + 1}/{rounds}, BLAS {blas}, {count} process(es)")
                for child in _run_children(blas, count):
                    samples[(blas, count)] += child["times"]
                    threads[blas] = child["threads"]
                    late = max(late, child["late"])
    return {
        "stats": {f"{blas}/{n}": summary(v) for (blas, n), v in samples.items()},
        "threads": threads,
        "late": late,
        "rounds": rounds,
        "niceness": os.nice(0),
    }


def render(result: dict) -> str:
    stats = result["stats"]
    body = []
    labels = {"default": "NumPy's default BLAS threads", "one": "one BLAS thread per process"}
    ratios = {}
    for blas in ("default", "one"):
        alone, both = stats[f"{blas}/1"], stats[f"{blas}/2"]
        ratios[blas] = both["median"] / alone["median"]
        threads = ", ".join(f"{n} thr." for n in sorted(set(result["threads"][blas].values())))
        body.append(
            [
                f"{labels[blas]} ({threads})",
                fmt_seconds(alone["median"]),
                fmt_seconds(alone["p95"]),
                fmt_seconds(both["median"]),
                fmt_seconds(both["p95"]),
                f"{ratios[blas]:.2f}×",
                "≤ 1.3×",
                fmt_met(ratios[blas] <= 1.3),
            ]
        )
    one_vs_default = stats["one/1"]["median"] / stats["default/1"]["median"]
    intro = (
        "The same frontier as section 1 (15 ε × 10 draws, default Scenario, GaussianNB) timed "
        f"{CHILD_FRONTIERS} times in each fresh process, either alone or in two processes "
        "started together (they wait for a common start time after their imports, so the timed "
        f"parts overlap; the latest started {result['late']:.1f} s after it). "
        f"{result['rounds']} interleaved round(s) per setting; medians and p95 over all the "
        "frontiers timed. One thread: `core.engine.threads.limit_blas_threads()` (threadpoolctl), "
        "as the server, the CLI and the grid workers now call at start." + niceness_note(result)
    )
    table = markdown_table(
        [
            "BLAS setting",
            "alone median",
            "alone p95",
            "two at once median",
            "two at once p95",
            "two / alone",
            "target",
            "met",
        ],
        body,
    )
    one_alone, one_both = stats["one/1"]["median"], stats["one/2"]["median"]
    default_alone = stats["default/1"]["median"]
    meaning = (
        f"**What this means:** alone, a frontier with one BLAS thread takes "
        f"{fmt_seconds(one_alone)} against {fmt_seconds(default_alone)} with NumPy's default "
        f"({1 / one_vs_default:.1f}× faster), and two of them at once take "
        f"{fmt_seconds(one_both)} each, "
        + ("less" if one_both < default_alone else "more")
        + " than one default frontier alone; so the limit is set in every process the project "
        f"starts. Two at once / alone: {ratios['default']:.2f}× with the default threads, "
        f"{ratios['one']:.2f}× with one. While other processes use part of both cores (the CPU "
        "share above), two processes cannot both get a whole core: the ≤ 1.3× target needs a "
        "quiet machine to be checked."
    )
    return "\n\n".join([intro, table, meaning])
