"""How the benchmark runs a section: in a fresh ``python -m scripts.bench --worker …``
subprocess (imports, caches and peak memory its own), with the CPU share of other processes."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.bench import ROOT, million
from scripts.bench.measuring import CpuSampler

# The entry the workers run: the benchmark itself, as a module, from the repository root.
ENTRY = ("-m", "scripts.bench")


def worker_command(args: list[str], result: Path) -> list[str]:
    """The command line of a worker that writes its JSON result to ``result``."""
    return [sys.executable, *ENTRY, *args, "--result", str(result)]


def worker_env() -> dict[str, str]:
    """This environment, with the repository on the path (``core`` and ``scripts`` import)."""
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def run_worker(args: list[str]) -> dict:
    """Run ``python -m scripts.bench --worker …`` in a subprocess and return its JSON result."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    try:
        command = worker_command(args, out)
        completed = subprocess.run(command, cwd=ROOT, env=worker_env(), check=False)
        if completed.returncode != 0:
            raise RuntimeError(f"worker {' '.join(args)} failed with {completed.returncode}")
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


def run_section(name: str, quick: bool) -> dict:
    sampler = CpuSampler()
    sampler.start()
    started = dt.datetime.now(dt.UTC)
    start = time.perf_counter()
    flags = ["--quick"] if quick else []
    if name == "million":
        sizes = million.SIZES[:-1] if quick else million.SIZES
        result = {
            "sizes": [run_worker(["--worker", name, "--rows", str(n), *flags]) for n in sizes]
        }
    else:
        result = run_worker(["--worker", name, *flags])
    result["meta"] = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "quick" if quick else "full",
        "seconds": time.perf_counter() - start,
    }
    result["meta"]["other_cpu_share"] = sampler.stop()
    return result
