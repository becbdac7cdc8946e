"""The benchmark's document: the machine line, each section's markdown, and docs/benchmarks.md
rewritten with the sections run while keeping the others and the hand-written extras."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import platform
import re
import subprocess
import textwrap
from pathlib import Path

from scripts.bench.sections import SECTIONS
from scripts.streamlit_server import CHROMIUM

PACKAGES = (
    "numpy",
    "scipy",
    "pandas",
    "scikit-learn",
    "diffprivlib",
    "streamlit",
    "plotly",
    "playwright",
)


def machine_info() -> dict:
    cpu = "unknown"
    memory = ""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        match = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
        cpu = match.group(1).strip() if match else cpu
        meminfo = Path("/proc/meminfo").read_text()
        kb = int(re.search(r"^MemTotal:\s*(\d+)", meminfo, re.MULTILINE).group(1))
        memory = f"{kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, AttributeError):
        pass
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "not installed"
    chromium = ""
    if Path(CHROMIUM).exists():
        try:
            out = subprocess.run(
                [CHROMIUM, "--version"], capture_output=True, text=True, timeout=20
            ).stdout
            match = re.search(r"Chromium\s+([\d.]+)", out)
            chromium = match.group(1) if match else ""
        except (OSError, subprocess.SubprocessError):
            pass
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "versions": versions,
        "chromium": chromium,
    }


def machine_line(machine: dict) -> str:
    versions = ", ".join(f"{name} {v}" for name, v in machine["versions"].items())
    chromium = f", Chromium {machine['chromium']}" if machine["chromium"] else ""
    return (
        f"nproc {machine['nproc']} · {machine['cpu']} · {machine['memory']} · "
        f"Linux {machine['kernel']} · Python {machine['python']} · {versions}{chromium}"
    )


def render_section(name: str, result: dict) -> str:
    meta = result["meta"]
    return (
        f"<!-- section:{name} -->\n## {SECTIONS[name].TITLE}\n\n"
        f"_Measured {meta['date']}, {meta['mode']} run, {meta['seconds']:.0f} s; "
        f"other processes used {meta.get('other_cpu_share', float('nan')):.0%} of the CPUs "
        "meanwhile._\n\n"
        f"{SECTIONS[name].render(result)}\n<!-- /section:{name} -->"
    )


HOW_TO_RUN = """\
`make bench` runs `python -m scripts.bench`: every section, each in its own Python \
subprocess, printing these tables to stdout (about five minutes on a quiet 2-core machine; the \
naive diffprivlib loop and the browser take most of it). `--quick` runs a short version of the \
first three sections, `--only engine,app` picks sections (`engine`, `app`, `browser`, \
`million`, `concurrency`, `models`, `grid`, `logistic`), and `--out docs/benchmarks.md` \
rewrites this file (sections not run keep their previous figures). The script only measures \
(time.perf_counter, several repetitions, median and p95) and never fails on a slow figure; the \
"met" column compares the median with the target. The browser section needs Debian's \
`/usr/bin/chromium` and starts two `streamlit run` servers on free loopback ports, which it \
always stops. Figures move with whatever else runs on the machine (every process the project \
starts uses one BLAS thread, see section 5; NumPy's default of one per core suffers badly when \
a core is taken): each section prints the share of CPU other processes used while it ran; trust \
runs where that share is near 0%."""


def extra_sections(path: Path) -> list[str]:
    """Hand-written sections (``<!-- extra:NAME -->`` … ``<!-- /extra:NAME -->``) that other tools
    own, e.g. the load test's summary: kept as they are when this script rewrites the file."""
    if not path.exists():
        return []
    pattern = re.compile(r"<!-- extra:([\w-]+) -->.*?<!-- /extra:\1 -->", re.DOTALL)
    return [match.group(0) for match in pattern.finditer(path.read_text())]


def render_document(
    machine: dict, sections: dict[str, str], quick: bool, extras: list[str] = ()
) -> str:
    date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    mode = "quick" if quick else "full"
    header = textwrap.dedent(
        f"""\
        # Benchmarks

        <!-- Written by python -m scripts.bench; change the script, not this file. -->

        **Machine:** {machine_line(machine)}

        **Date:** {date} ({mode} run; each section below carries its own date)

        ## How to run

        """
    )
    body = "\n\n".join([*(sections[name] for name in SECTIONS if name in sections), *extras])
    return header + HOW_TO_RUN + "\n\n" + body + "\n"


def merge_previous(path: Path, fresh: dict[str, str]) -> dict[str, str]:
    """Keep the previous figures of sections that were not run this time."""
    merged = dict(fresh)
    if path.exists():
        text = path.read_text()
        for name in SECTIONS:
            if name in merged:
                continue
            match = re.search(
                rf"<!-- section:{name} -->.*?<!-- /section:{name} -->", text, re.DOTALL
            )
            if match:
                merged[name] = match.group(0)
    return merged
