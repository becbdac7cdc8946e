"""Measure how fast the Privacy Tradeoff Explorer is, and write the figures as markdown tables.

Sections (``--only NAME[,NAME]``; default: all of them, ``--quick``: the first three, shorter):

``engine``
    Workbench build, one private draw, one evaluation, a 15 ε × 10 repeats frontier against the
    naive diffprivlib loop it replaces (time and a statistical check that both give the same
    accuracies), and single evaluations of the two slower models.
``app``
    Server-side rerun latency of the Explore page with ``streamlit.testing.v1.AppTest``.
``browser``
    Real headless Chromium against ``streamlit run app.py`` and a trivial comparison app served
    side by side: cold start of a deep link and ε key press → updated chart.
``million``
    Generation, Workbench, evaluation and frontier at 10k, 100k and 1M profiles, with peak RSS.
``models``
    For each model, the 15 ε × 10 draws frontier through the engine against a loop of real
    person-level diffprivlib fits, alternated in one process (logistic regression has no fast
    path: its per-draw time is measured).
``logistic``
    Logistic regression's batched draws (core.privacy.fast_lr) against one plain scikit-learn fit of
    the same data and against diffprivlib's per-draw fit; the frontier before and after the
    add/remove calibration; the first visit of every lens page (AppTest) on logistic regression and
    on the random forest.
``concurrency``
    The same frontier (15 ε × 10 draws, default Scenario) in one process alone and in two
    processes at once, with NumPy's default BLAS threads and with one BLAS thread per process.

Every section runs in its own Python subprocess so imports, caches and peak memory are its own.
Nothing here asserts on seconds: the script measures, prints and (with ``--out``) writes.

    python scripts/benchmark.py                         # everything, print the tables
    python scripts/benchmark.py --quick                 # a short run (no 1M section)
    python scripts/benchmark.py --only engine,app       # some sections
    python scripts/benchmark.py --out docs/benchmarks.md  # rewrite the results file
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import gc
import importlib.metadata
import json
import os
import platform
import re
import resource
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python scripts/benchmark.py` from the Makefile: find `core`
    sys.path.insert(0, str(ROOT))

from scripts.streamlit_server import CHROMIUM, CHROMIUM_ARGS, StreamlitServer  # noqa: E402

SECTIONS = ("engine", "app", "browser", "million", "concurrency", "models", "grid", "logistic")
QUICK_SECTIONS = ("engine", "app", "browser")
TITLES = {
    "engine": "1. Engine (default Scenario: 40,000 profiles)",
    "app": "2. App: server-side rerun (AppTest)",
    "browser": "3. Browser: real Chromium against `streamlit run`",
    "million": "4. Scale: 10k, 100k and 1M profiles",
    "concurrency": "5. Two at once: one frontier alone and beside a second process",
    "models": "6. Every model's frontier: fast path against real fits, side by side",
    "grid": "7. Grid: two worker processes against one, 64 cells",
    "logistic": "9. Logistic regression: a private draw against a plain fit, and every lens page",
}
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
POLL_S = 0.005  # browser polling interval
MILLION_SIZES = (10_000, 100_000, 1_000_000)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- measuring ----------------------------------------------------------------------------------
def summary(samples: list[float]) -> dict:
    """Median, p95 (linear interpolation), min, max and count of timings in seconds."""
    values = np.asarray(samples, dtype=float)
    return {
        "n": int(values.size),
        "median": float(np.median(values)),
        "p95": float(np.percentile(values, 95)),
        "min": float(values.min()),
        "max": float(values.max()),
    }


def repeat(function: Callable[[], object], runs: int) -> list[float]:
    """Wall-clock seconds of ``runs`` calls of ``function`` (time.perf_counter)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def row(
    name: str,
    samples: list[float] | dict,
    *,
    target: float | None = None,
    target_text: str = "",
    show_p95: bool = True,
    key: str = "",
) -> dict:
    stats = samples if isinstance(samples, dict) else summary(samples)
    met = None if target is None else stats["median"] <= target
    return {
        "name": name,
        **stats,
        "show_p95": show_p95,
        "target": target_text or (f"≤ {fmt_seconds(target)}" if target is not None else ""),
        "met": met,
        "key": key,
    }


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


# -- formatting ---------------------------------------------------------------------------------
def fmt_seconds(seconds: float | None) -> str:
    if seconds is None or not np.isfinite(seconds):
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms" if seconds < 0.1 else f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"


def fmt_met(met: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "—"}[met]


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in r) + " |" for r in rows]
    return "\n".join(lines)


def timing_table(rows: list[dict]) -> str:
    body = [
        [
            r["name"],
            fmt_seconds(r["median"]),
            fmt_seconds(r["p95"]) if r["show_p95"] else "—",
            str(r["n"]),
            r["target"] or "—",
            fmt_met(r["met"]),
        ]
        for r in rows
    ]
    return markdown_table(["measurement", "median", "p95", "runs", "target", "met"], body)


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


# == section: engine ============================================================================
def section_engine(quick: bool) -> dict:
    start = time.perf_counter()
    from diffprivlib.accountant import BudgetAccountant
    from scipy.stats import ks_2samp
    from threadpoolctl import threadpool_limits

    from core import engine
    from core.engine.threads import limit_blas_threads
    from core.people.encoding import model_bounds
    from core.privacy.fast_nb import joint_log_likelihood, parameters_from_estimator
    from core.privacy.metrics import top_k_hits
    from core.privacy.private_models import PersonLevelGaussianNB
    from core.setting.scenario import Scenario

    import_seconds = time.perf_counter() - start
    limit_blas_threads()  # as the server, the CLI and the grid workers run (section 5)
    # The diagnostics below undo it: NumPy's default, one BLAS thread per core.
    default_threads = len(os.sched_getaffinity(0))

    scenario = Scenario()
    rows = [row("import core.engine (+ numpy, pandas, sklearn, diffprivlib)", [import_seconds])]

    log("engine: Workbench build")
    build = repeat(lambda: engine.workbench_for(scenario), 3 if quick else 5)
    bench = engine.workbench_for(scenario)
    rows.append(row("(a) build the Workbench (`workbench_for`)", build))

    log("engine: one draw, one evaluation")
    engine._private_draws(bench, 1.0, [0])  # warm-up
    rows.append(
        row(
            "(b) one draw at ε = 1 (`_private_draws(bench, 1.0, [0])`)",
            repeat(lambda: engine._private_draws(bench, 1.0, [0]), 20),
            target=0.150,
            key="draw",
        )
    )
    rows.append(
        row(
            "(b) `evaluate(Scenario(repeats=1), bench)`",
            repeat(lambda: engine.evaluate(Scenario(repeats=1), bench), 20),
            key="evaluate",
        )
    )
    with threadpool_limits(limits=default_threads, user_api="blas"):
        draw_blas1 = repeat(lambda: engine._private_draws(bench, 1.0, [0]), 20)

    # (c) frontier: fast path vs the naive diffprivlib loop it replaces.
    epsilons = np.logspace(-2, 2, 15)
    frontier_repeats = 10
    log("engine: fast frontier 15 ε × 10")
    fast = repeat(lambda: engine.frontier(bench, epsilons, frontier_repeats), 3 if quick else 5)
    naive_repeats = 4 if quick else frontier_repeats
    naive_runs = 1 if quick else 3
    bounds = model_bounds(bench.schema)
    classes = np.arange(bench.schema.n_classes)
    train, test = bench.data.train, bench.data.test
    naive_accuracy: dict[float, list[float]] = {float(e): [] for e in epsilons}

    def naive_loop(run: int) -> None:
        for i, epsilon in enumerate(epsilons):
            for r in range(naive_repeats):
                # The mechanism the app releases: diffprivlib's GaussianNB, person-level.
                model = PersonLevelGaussianNB(
                    epsilon=float(epsilon),
                    bounds=bounds,
                    random_state=1_000_000 * (run + 1) + 1_000 * i + r,
                    accountant=BudgetAccountant(),
                )
                model.partial_fit(train.X, train.y, classes=classes)
                scores = joint_log_likelihood(
                    parameters_from_estimator(model), test.X, test.observed
                )[0]
                naive_accuracy[float(epsilon)].append(float(top_k_hits(scores, test.y, 1).mean()))

    naive = []
    for run in range(naive_runs):
        log(f"engine: naive diffprivlib loop 15 ε × {naive_repeats}, run {run + 1}/{naive_runs}")
        naive += repeat(lambda run=run: naive_loop(run), 1)
    draws_fast = len(epsilons) * frontier_repeats
    draws_naive = len(epsilons) * naive_repeats
    fast_stats, naive_stats = summary(fast), summary(naive)
    # Same grid (15 × 10) in a full run; a quick run extrapolates the naive loop per draw.
    naive_equivalent = {
        k: (v * draws_fast / draws_naive if k != "n" else v) for k, v in naive_stats.items()
    }
    speedup = naive_equivalent["median"] / fast_stats["median"]
    with threadpool_limits(limits=default_threads, user_api="blas"):
        fast_blas1 = repeat(lambda: engine.frontier(bench, epsilons, frontier_repeats), 3)
    rows.append(row("(c) fast frontier 15 ε × 10 (`frontier`)", fast, key="frontier"))
    rows.append(
        row(
            "(c) naive diffprivlib GaussianNB loop 15 ε × 10"
            + (f" (extrapolated from 15 × {naive_repeats})" if quick else ""),
            naive_equivalent,
        )
    )

    rows.append(
        row("diagnostic: (b) one draw, NumPy's default BLAS threads (one per core)", draw_blas1)
    )
    rows.append(row("diagnostic: (c) fast frontier, NumPy's default BLAS threads", fast_blas1))

    # Statistical comparison: naive accuracies vs many fast draws per ε.
    fast_samples = 20 if quick else 50
    log(f"engine: fast frontier with {fast_samples} draws per ε for the comparison")
    table = engine.frontier(bench, epsilons, fast_samples)
    comparison = []
    for epsilon in epsilons:
        a = np.asarray(naive_accuracy[float(epsilon)])
        b = table.loc[np.isclose(table["epsilon"], epsilon), "accuracy"].to_numpy()
        comparison.append(
            {
                "epsilon": float(epsilon),
                "naive_mean": float(a.mean()),
                "naive_std": float(a.std(ddof=1)),
                "fast_mean": float(b.mean()),
                "fast_std": float(b.std(ddof=1)),
                "abs_mean_diff": float(abs(a.mean() - b.mean())),
                "ks_p": float(ks_2samp(a, b).pvalue),
                "n_naive": int(a.size),
                "n_fast": int(b.size),
            }
        )

    # Slower models: one evaluation each (their own Workbench first: it fits the twin).
    models = {}
    for model in ("logistic_regression", "random_forest"):
        log(f"engine: {model}")
        model_scenario = Scenario(model=model, repeats=1)
        start = time.perf_counter()
        model_bench = engine.workbench_for(model_scenario)
        build_model = [time.perf_counter() - start]
        runs = 1 if quick else 3
        evaluation = repeat(lambda s=model_scenario, b=model_bench: engine.evaluate(s, b), runs)
        with threadpool_limits(limits=default_threads, user_api="blas"):
            single = repeat(lambda s=model_scenario, b=model_bench: engine.evaluate(s, b), runs)
            build_single = repeat(lambda s=model_scenario: engine.workbench_for(s), 1)
        models[model] = {
            "build": summary(build_model),
            "evaluate": summary(evaluation),
            "evaluate_blas1": summary(single),
            "build_blas1": summary(build_single),
        }
    label = {"logistic_regression": "LogisticRegression", "random_forest": "RandomForest"}
    for model, result in models.items():
        rows.append(
            row(
                f"{label[model]}: build its Workbench (fits the non-private twin)",
                result["build"],
                show_p95=False,
            )
        )
        rows.append(
            row(
                f"{label[model]}: `evaluate(Scenario(model=…, repeats=1), bench)`",
                result["evaluate"],
                show_p95=False,
            )
        )
        rows.append(
            row(
                f"diagnostic: {label[model]} evaluate, NumPy's default BLAS threads",
                result["evaluate_blas1"],
                show_p95=False,
            )
        )
        rows.append(
            row(
                f"diagnostic: {label[model]} Workbench, NumPy's default BLAS threads",
                result["build_blas1"],
                show_p95=False,
            )
        )
    return {
        "rows": rows,
        "speedup": speedup,
        "speedup_target": 20.0,
        "fast_per_draw": fast_stats["median"] / draws_fast,
        "naive_per_draw": naive_stats["median"] / draws_naive,
        "comparison": comparison,
        "naive_repeats": naive_repeats * naive_runs,
        "fast_samples": fast_samples,
        "n_train": int(len(train.y)),
        "n_test": int(len(test.y)),
        "models": models,
    }


def render_engine(result: dict) -> str:
    rows = result["rows"]
    speedup, target = result["speedup"], result["speedup_target"]
    parts = [timing_table(rows), ""]
    parts.append(
        markdown_table(
            ["measurement", "value", "target", "met"],
            [
                [
                    "(c) frontier speed-up, naive loop / fast path (same 15 × 10 grid)",
                    f"{speedup:.0f}×",
                    f"≥ {target:.0f}×",
                    fmt_met(speedup >= target),
                ],
                [
                    "time per (ε, repeat) draw: fast / naive",
                    f"{fmt_seconds(result['fast_per_draw'])} / "
                    f"{fmt_seconds(result['naive_per_draw'])}",
                    "—",
                    "—",
                ],
            ],
        )
    )
    comparison = result["comparison"]
    parts += [
        "",
        f"Same accuracies? Per ε, {result['naive_repeats']} naive diffprivlib fits against "
        f"{result['fast_samples']} fast draws (two-sample Kolmogorov–Smirnov test, scipy; "
        f"train {result['n_train']:,}, test {result['n_test']:,} people):",
        "",
        markdown_table(
            ["ε", "naive mean ± sd", "fast mean ± sd", "abs. diff. of means", "KS p-value"],
            [
                [
                    f"{c['epsilon']:.3g}",
                    f"{c['naive_mean']:.4f} ± {c['naive_std']:.4f}",
                    f"{c['fast_mean']:.4f} ± {c['fast_std']:.4f}",
                    f"{c['abs_mean_diff']:.4f}",
                    f"{c['ks_p']:.3f}",
                ]
                for c in comparison
            ],
        ),
    ]
    p_values = [c["ks_p"] for c in comparison]
    max_diff = max(c["abs_mean_diff"] for c in comparison)
    below = sum(p < 0.05 for p in p_values)
    by_key = {r["key"]: r for r in rows if r["key"]}
    lr = result["models"]["logistic_regression"]
    # "blas1" keys hold the runs with NumPy's default threads (the key names are historical).
    blas_ratio = lr["evaluate_blas1"]["median"] / lr["evaluate"]["median"]
    blas_note = (
        f"; LogisticRegression is {blas_ratio:.0f}× slower with NumPy's default BLAS threads "
        f"({fmt_seconds(lr['evaluate_blas1']['median'])} against "
        f"{fmt_seconds(lr['evaluate']['median'])} with one: on 2 cores, L-BFGS's many small "
        "BLAS calls pay for waking a second thread every time)"
        if blas_ratio >= 2
        else ""
    )
    draw, evaluation = by_key["draw"], by_key["evaluate"]
    parts += [
        "",
        f"Max |difference of means| over the 15 ε: {max_diff:.4f}; smallest KS p-value "
        f"{min(p_values):.3f} ({below} of 15 below 0.05, about 0.75 expected by chance; "
        f"Bonferroni threshold 0.05/15 = 0.0033).",
        "",
        f"**What this means:** moving ε costs {fmt_seconds(draw['median'])} of engine time for "
        f"one draw ({fmt_seconds(evaluation['median'])} for a full `evaluate`), and a whole "
        f"15-point frontier with 10 draws each takes {fmt_seconds(by_key['frontier']['median'])}, "
        f"{speedup:.0f}× faster than refitting diffprivlib's GaussianNB per draw, with accuracies "
        + (
            "statistically indistinguishable from the real diffprivlib fits."
            if min(p_values) > 0.05 / 15
            else "that differ from the diffprivlib fits at some ε: investigate."
        )
        + " Everything here runs one BLAS thread, as the app does (section 5). The random forest"
        " and logistic regression have their own fast paths (sections 6 and 9); the"
        " LogisticRegression evaluation here is the batched one" + blas_note + ".",
    ]
    return "\n".join(parts)


# == section: app ===============================================================================
def section_app(quick: bool) -> dict:
    from streamlit.testing.v1 import AppTest

    from core.setting.scenario import EPSILON_STOPS

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    log("app: cold run")
    start = time.perf_counter()
    at.run()
    cold = time.perf_counter() - start
    errors = [str(e.value) for e in at.exception]
    cycle = [v for v in (0.5, 1.0, 2.0, 5.0) if v in EPSILON_STOPS]
    times = []
    log("app: 20 ε reruns")
    for i in range(20):
        at.select_slider(key="epsilon").set_value(cycle[(i + 1) % len(cycle)])
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        errors += [str(e.value) for e in at.exception]
    # A control that is not ε: the cached Workbench and frontier miss (informative, no target).
    miss = []
    for i in range(1 if quick else 3):
        log(f"app: seed change (cache miss) {i + 1}")
        at.number_input(key="seed").set_value(1_000 + i)
        start = time.perf_counter()
        at.run()
        miss.append(time.perf_counter() - start)
        errors += [str(e.value) for e in at.exception]
    rows = [
        row("cold: first run of `app.py` (imports, Workbench, frontier)", [cold], show_p95=False),
        row(
            "rerun after an ε change (select_slider `epsilon`: 0.5 → 1 → 2 → 5 → …)",
            times,
            target=0.150,
            key="rerun",
        ),
        row(
            "rerun after a seed change (cache miss: new people, Workbench and frontier)",
            miss,
            show_p95=False,
            key="miss",
        ),
    ]
    return {"rows": rows, "errors": sorted(set(errors))}


def render_app(result: dict) -> str:
    rows = result["rows"]
    parts = [timing_table(rows), ""]
    if result["errors"]:
        parts += ["Exceptions raised by the app during the run: " + "; ".join(result["errors"])]
        parts.append("")
    rerun = next(r for r in rows if r["key"] == "rerun")
    miss = next(r for r in rows if r["key"] == "miss")
    parts.append(
        f"**What this means:** once the frontier is cached, the Python side of an ε move "
        f"(running the whole Explore script and building its chart) takes "
        f"{fmt_seconds(rerun['median'])} (p95 {fmt_seconds(rerun['p95'])}), "
        + ("within" if rerun["met"] else "over")
        + " the 150 ms budget; changing any other control recomputes the Workbench and the "
        f"frontier ({fmt_seconds(miss['median'])}). AppTest adds its own overhead; the "
        "browser section shows what a person actually waits."
    )
    return "\n".join(parts)


# == section: browser ===========================================================================
TRIVIAL_APP = '''\
"""Comparison app for scripts/benchmark.py: one ε slider and one small chart, nothing else."""

import plotly.graph_objects as go
import streamlit as st

STOPS = {stops!r}

st.set_page_config(page_title="Trivial comparison app", layout="wide")
epsilon = st.select_slider(
    "Privacy budget ε", options=STOPS, value=1.0, key="epsilon", format_func=lambda v: f"{{v:g}}"
)
x = list(range(len(STOPS)))
figure = go.Figure(go.Scatter(x=x, y=[1 - 0.5 ** (epsilon * (i + 1)) for i in x]))
st.plotly_chart(figure)
'''

STATE_JS = """() => {
  const plots = document.querySelectorAll('.js-plotly-plot');
  const plot = plots.length ? plots[plots.length - 1] : null;
  const app = document.querySelector('[data-testid="stApp"]');
  return {
    data: plot && plot.data ? JSON.stringify(plot.data) : null,
    state: app ? app.getAttribute('data-test-script-state') : null,
  };
}"""


class Server(StreamlitServer):
    """One named `streamlit run` (the app or the trivial page), stopped at exit whatever happens."""

    def __init__(self, name: str, script: Path, log_dir: Path):
        super().__init__(log_path=log_dir / f"{name}.log", script=script)
        self.name = name

    def start(self, timeout_s: float = 90.0) -> None:
        atexit.register(self.stop)
        super().start(timeout_s)

    @property
    def startup_seconds(self) -> float:
        return self.startup_s


def _wait_for(page, done: Callable[[dict], bool], timeout: float = 120.0) -> dict:
    """Poll the page (page.evaluate) until ``done(snapshot)``; return the last snapshot."""
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.perf_counter() + timeout
    while True:
        try:
            snapshot = page.evaluate(STATE_JS)
        except PlaywrightError:  # navigation in progress
            snapshot = {"data": None, "state": None}
        if done(snapshot):
            return snapshot
        if time.perf_counter() > deadline:
            shot = Path(tempfile.gettempdir()) / f"bench_timeout_{time.time_ns()}.png"
            page.screenshot(path=str(shot), full_page=True)
            text = page.inner_text("body")[:2000]
            raise TimeoutError(
                f"{page.url} not ready after {timeout} s (script state {snapshot['state']}, "
                f"chart data {'present' if snapshot['data'] else 'absent'}); screenshot {shot}; "
                f"page text:\n{text}"
            )
        time.sleep(POLL_S)


def _ready(snapshot: dict) -> bool:
    return snapshot["data"] is not None and snapshot["state"] == "notRunning"


def _cold_visit(browser, url: str) -> float:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url)
        _wait_for(page, _ready)
        return time.perf_counter() - start
    finally:
        context.close()


ADVANCED_SUMMARY = "Advanced: model, people, noise"


def _seed_change(page, seed: int) -> float:
    """Type a seed nobody has opened into the sidebar and press Enter: time to the new chart."""
    expander = page.locator('[data-testid="stSidebar"] details').filter(has_text=ADVANCED_SUMMARY)
    if expander.get_attribute("open") is None:
        expander.locator("summary").click()
    field = page.locator(".st-key-seed input")
    field.wait_for(state="visible")
    before = _wait_for(page, _ready)["data"]
    field.fill(str(seed))
    start = time.perf_counter()
    field.press("Enter")
    _wait_for(page, lambda s: _ready(s) and s["data"] != before)
    return time.perf_counter() - start


def _key_press(page, key: str) -> float:
    slider = page.locator(".st-key-epsilon").get_by_role("slider")
    slider.focus()
    before = _wait_for(page, _ready)["data"]
    start = time.perf_counter()
    page.keyboard.press(key)
    _wait_for(page, lambda s: _ready(s) and s["data"] != before)
    return time.perf_counter() - start


# Diagnostics only (not timed): count WebSocket messages the page receives.
COUNT_MESSAGES_JS = """(() => {
  window.__benchMessages = 0;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { window.__benchMessages += 1; });
    }
  };
})();"""
TRACE_CATEGORIES = ["toplevel", "devtools.timeline", "v8"]


def _union_ms(intervals: list[tuple[float, float]]) -> float:
    """Total length of a union of (start, end) intervals in µs, returned in ms."""
    total, end = 0.0, -np.inf
    for a, b in sorted(intervals):
        if b > end:
            total += b - max(a, end)
            end = b
    return total / 1000


def _renderer_busy(trace: bytes) -> tuple[float, float]:
    """(busy ms, JavaScript ms) of the renderer main thread(s) in a Chrome trace."""
    data = json.loads(trace)
    events = data["traceEvents"] if isinstance(data, dict) else data
    main = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("ph") == "M"
        and e.get("name") == "thread_name"
        and e.get("args", {}).get("name") == "CrRendererMain"
    }
    tasks, scripts = [], []
    for e in events:
        if e.get("ph") != "X" or (e.get("pid"), e.get("tid")) not in main:
            continue
        interval = (e["ts"], e["ts"] + e.get("dur", 0))
        if e["name"] in ("RunTask", "ThreadControllerImpl::RunTask"):
            tasks.append(interval)
        elif e["name"] in ("v8.callFunction", "FunctionCall", "EvaluateScript", "v8.run"):
            scripts.append(interval)
    return _union_ms(tasks), _union_ms(scripts)


def _diagnose_presses(browser, url: str, presses: int) -> dict:
    """Where a key press goes in the browser: messages received and renderer main-thread time."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(COUNT_MESSAGES_JS)
    try:
        page = context.new_page()
        page.goto(url)
        _wait_for(page, _ready)
        for i in range(2):  # warm-up
            _key_press(page, "ArrowRight" if i % 2 == 0 else "ArrowLeft")
        page.evaluate("window.__benchMessages = 0")
        browser.start_tracing(page=page, categories=TRACE_CATEGORIES)
        for i in range(presses):
            _key_press(page, "ArrowRight" if i % 2 == 0 else "ArrowLeft")
        trace = browser.stop_tracing()
        messages = page.evaluate("window.__benchMessages")
    finally:
        context.close()
    busy, script = _renderer_busy(trace)
    return {
        "messages": messages / presses,
        "busy_ms": busy / presses,
        "script_ms": script / presses,
    }


def section_browser(quick: bool) -> dict:
    from playwright.sync_api import sync_playwright

    from core.setting.scenario import EPSILON_STOPS

    if not Path(CHROMIUM).exists():
        return {"skipped": f"{CHROMIUM} not found"}
    handler = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run `finally` on kill
    cold_runs = 4 if quick else 8
    presses = 15
    miss_runs = 2 if quick else 5
    with tempfile.TemporaryDirectory(prefix="bench_browser_") as tmp:
        tmp_dir = Path(tmp)
        trivial_script = tmp_dir / "trivial_app.py"
        trivial_script.write_text(TRIVIAL_APP.format(stops=tuple(EPSILON_STOPS)))
        servers = {
            # What `make run` starts: app.py served by serve.py, which warms the default caches.
            "ours": Server("ours", ROOT / "serve.py", tmp_dir),
            "trivial": Server("trivial", trivial_script, tmp_dir),
        }
        try:
            for server in servers.values():
                log(f"browser: starting {server.name} on port {server.port}")
                server.start()
            cold = {name: [] for name in servers}
            keys = {name: [] for name in servers}
            miss, miss_tab, miss_session = [], [], []
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                try:
                    # Cold starts, interleaved (the order alternates): a fresh context each time.
                    for i in range(cold_runs):
                        order = list(servers) if i % 2 == 0 else list(servers)[::-1]
                        for name in order:
                            url = f"{servers[name].url}/?epsilon=1"
                            cold[name].append(_cold_visit(browser, url))
                        log(
                            f"browser: cold visit {i + 1}/{cold_runs}: "
                            + ", ".join(f"{n} {fmt_seconds(cold[n][-1])}" for n in servers)
                        )
                    # ε key presses, interleaved: one page per app, open side by side.
                    pages = {}
                    for name, server in servers.items():
                        context = browser.new_context(viewport={"width": 1400, "height": 1000})
                        pages[name] = context.new_page()
                        pages[name].goto(f"{server.url}/?epsilon=1")
                        _wait_for(pages[name], _ready)
                    for i in range(presses):
                        key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
                        for name in servers:
                            keys[name].append(_key_press(pages[name], key))
                    log(
                        "browser: key presses: "
                        + ", ".join(f"{n} {fmt_seconds(np.median(keys[n]))}" for n in servers)
                    )
                    # A new seed, three ways: the server computes a Scenario nobody opened.
                    # 1. A deep link in a fresh context (a first-ever visit: no HTTP cache).
                    for i in range(miss_runs):
                        url = f"{servers['ours'].url}/?epsilon=1&seed={2_000 + i}"
                        miss.append(_cold_visit(browser, url))
                    # 2. The same link in a browser that has opened the app before (a new tab;
                    # the static files are cached, "immutable"), and 3. typed into the sidebar.
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                    try:
                        page = context.new_page()
                        page.goto(f"{servers['ours'].url}/?epsilon=1")
                        _wait_for(page, _ready)
                        for i in range(miss_runs):
                            seed = 3_000 + i
                            miss_session.append(_seed_change(page, seed))
                            tab = context.new_page()
                            start = time.perf_counter()
                            tab.goto(f"{servers['ours'].url}/?epsilon=1&seed={seed + 500}")
                            _wait_for(tab, _ready)
                            miss_tab.append(time.perf_counter() - start)
                            tab.close()
                    finally:
                        context.close()
                    for page in pages.values():
                        page.context.close()
                    # Diagnostics, after the timed runs and one app at a time.
                    log("browser: diagnostics (messages, Chrome trace)")
                    diagnostics = {
                        name: _diagnose_presses(browser, f"{server.url}/?epsilon=1", 6)
                        for name, server in servers.items()
                    }
                finally:
                    browser.close()
        finally:
            for server in servers.values():
                server.stop()
            signal.signal(signal.SIGTERM, handler)
    result = {
        "servers": {},
        "miss": summary(miss),
        "miss_tab": summary(miss_tab),
        "miss_session": summary(miss_session),
        "presses": presses,
    }
    for name, server in servers.items():
        result["servers"][name] = {
            "startup": server.startup_seconds,
            "first_visit": cold[name][0],
            "cold": summary(cold[name][1:]),
            "keys": summary(keys[name]),
            "diagnostics": diagnostics[name],
        }
    ours, trivial = result["servers"]["ours"], result["servers"]["trivial"]
    result["key_ratio"] = ours["keys"]["median"] / trivial["keys"]["median"]
    result["cold_ratio"] = ours["cold"]["median"] / trivial["cold"]["median"]
    result["first_ratio"] = ours["first_visit"] / trivial["first_visit"]
    return result


def _new_seed_rows(result: dict, trivial: dict) -> list[list[str]]:
    """The three ways to a seed nobody opened; the target (≤ 2 s) is the server's part of it."""
    rows = []
    for key, label in (
        ("miss_session", "new seed typed into the sidebar (Enter → its chart)"),
        ("miss_tab", "deep link to a new seed, in a new tab of a browser that opened the app"),
    ):
        if key in result:
            median = result[key]["median"]
            rows.append(
                [
                    f"{label}, median of {result[key]['n']}",
                    fmt_seconds(median),
                    "—",
                    "—",
                    "≤ 2 s",
                    fmt_met(median <= 2),
                ]
            )
    miss = result["miss"]["median"]
    rows.append(
        [
            f"deep link to a new seed in a fresh context (first-ever visit), median of "
            f"{result['miss']['n']}",
            fmt_seconds(miss),
            fmt_seconds(trivial["cold"]["median"]) + " (its cold start)",
            f"{miss / trivial['cold']['median']:.2f}×",
            "—",
            "—",
        ]
    )
    return rows


def render_browser(result: dict) -> str:
    if "skipped" in result:
        return f"Skipped: {result['skipped']}."
    ours, trivial = result["servers"]["ours"], result["servers"]["trivial"]

    def pair(key: str, stat: str) -> list[str]:
        return [fmt_seconds(ours[key][stat]), fmt_seconds(trivial[key][stat])]

    key_ratio, cold_ratio = result["key_ratio"], result["cold_ratio"]
    body = [
        [
            f"ε key press → updated chart, median ({result['presses']} presses)",
            *pair("keys", "median"),
            f"{key_ratio:.2f}×",
            "≤ 1.3×",
            fmt_met(key_ratio <= 1.3),
        ],
        [
            "ε key press → updated chart, p95",
            *pair("keys", "p95"),
            f"{ours['keys']['p95'] / trivial['keys']['p95']:.2f}×",
            "—",
            "—",
        ],
        [
            f"cold start, fresh browser context, median ({ours['cold']['n']} visits)",
            *pair("cold", "median"),
            f"{cold_ratio:.2f}×",
            "≤ 2×",
            fmt_met(cold_ratio <= 2),
        ],
        [
            "cold start, fresh browser context, p95",
            *pair("cold", "p95"),
            f"{ours['cold']['p95'] / trivial['cold']['p95']:.2f}×",
            "—",
            "—",
        ],
        [
            "first visit right after the health check (serve.py still warming the caches)",
            fmt_seconds(ours["first_visit"]),
            fmt_seconds(trivial["first_visit"]),
            f"{result['first_ratio']:.2f}×",
            "—",
            "—",
        ],
        [
            "`streamlit run` until /_stcore/health answers",
            fmt_seconds(ours["startup"]),
            fmt_seconds(trivial["startup"]),
            f"{ours['startup'] / trivial['startup']:.2f}×",
            "—",
            "—",
        ],
        *_new_seed_rows(result, trivial),
    ]
    diag_o, diag_t = ours["diagnostics"], trivial["diagnostics"]
    for label, key, unit in (
        ("diagnostic: WebSocket messages received per key press", "messages", ""),
        ("diagnostic: renderer main thread busy per key press (Chrome trace)", "busy_ms", "ms"),
        ("diagnostic: … of which JavaScript", "script_ms", "ms"),
    ):
        o, t = diag_o[key], diag_t[key]
        cell = (lambda v: f"{v:.0f} ms") if unit else (lambda v: f"{v:.0f}")
        body.append([label, cell(o), cell(t), f"{o / t:.2f}×" if t else "—", "—", "—"])
    table = markdown_table(
        ["measurement", "ours", "trivial app", "ours / trivial", "target", "met"], body
    )
    meaning = (
        f"**What this means:** in a real browser an ε step on the Explore page shows its new "
        f"chart in {fmt_seconds(ours['keys']['median'])}, against "
        f"{fmt_seconds(trivial['keys']['median'])} for an app that does nothing but draw one "
        f"chart ({key_ratio:.2f}×, target ≤ 1.3×); opening a shared link takes "
        f"{fmt_seconds(ours['cold']['median'])} against {fmt_seconds(trivial['cold']['median'])} "
        f"({cold_ratio:.2f}×, target ≤ 2×). The trivial app's figures are the floor that "
        "Streamlit, Plotly and Chromium on this machine set; the ratio is what the app adds."
    )
    if result.get("miss_session"):
        meaning += (
            f" A seed nobody has opened (new people, their Workbench and frontier, computed by "
            f"the server) shows its chart {fmt_seconds(result['miss_session']['median'])} after "
            "Enter in the sidebar and "
            f"{fmt_seconds(result['miss_tab']['median'])} after a link opens in a new tab "
            "(target ≤ 2 s); a first-ever visit by link takes "
            f"{fmt_seconds(result['miss']['median'])}, where the trivial app's own "
            "first visit takes "
            f"{fmt_seconds(trivial['cold']['median'])} (fetching and starting Streamlit and "
            "plotly.js in an empty browser)."
        )
    extra_ms = (ours["keys"]["median"] - trivial["keys"]["median"]) * 1000
    if extra_ms > 0 and diag_o["busy_ms"] - diag_t["busy_ms"] >= 0.5 * extra_ms:
        meaning += (
            f" Most of the extra {extra_ms:.0f} ms of a key press is spent in the browser: "
            f"{diag_o['messages']:.0f} WebSocket messages (element updates) per press instead of "
            f"{diag_t['messages']:.0f}, and Chromium's main thread busy "
            f"{diag_o['busy_ms']:.0f} ms instead of {diag_t['busy_ms']:.0f} ms, mostly "
            "JavaScript (Streamlit's React re-render and Plotly redrawing the chart)."
        )
    intro = (
        "Ours is `streamlit run serve.py`, what `make run` starts (app.py, with the default "
        "Scenario's caches warmed in a background thread as the server starts). "
        "Both servers run side by side and are measured interleaved, same browser, same flags. "
        "Cold start: `page.goto` of `/?epsilon=1` in a fresh context until the last "
        '`.js-plotly-plot` has data and `[data-testid="stApp"]` has '
        '`data-test-script-state="notRunning"`. Key press: focus the ε slider '
        "(`.st-key-epsilon`, role slider), press ArrowRight/ArrowLeft alternately, time until the "
        "chart's data JSON changed and the script is not running (polled with `page.evaluate` "
        f"every {POLL_S * 1000:.0f} ms)."
    )
    return "\n\n".join([intro, table, meaning])


# == section: million ===========================================================================
def section_million_size(n_profiles: int, quick: bool) -> dict:
    start = time.perf_counter()
    from core import engine
    from core.people.population import generate_profiles
    from core.setting.scenario import EPSILON_STOPS, Scenario

    import_seconds = time.perf_counter() - start
    baseline_rss = peak_rss_mb()
    scenario = Scenario(profiles=n_profiles)
    runs = 1 if quick else 3
    generate, build, evaluation, frontier3, frontier10 = [], [], [], [], []
    for run in range(runs):
        log(f"million: {n_profiles:,} profiles, run {run + 1}/{runs}")
        gc.collect()
        start = time.perf_counter()
        population = generate_profiles(n_profiles, scenario.seed)
        generate.append(time.perf_counter() - start)
        start = time.perf_counter()
        bench = engine.workbench_for(scenario, population)
        build.append(time.perf_counter() - start)
        one = scenario.replace(repeats=1)
        start = time.perf_counter()
        engine.evaluate(one, bench)
        evaluation.append(time.perf_counter() - start)
        start = time.perf_counter()
        engine.frontier(bench, EPSILON_STOPS, 3)
        frontier3.append(time.perf_counter() - start)
        if run == 0:  # once: what the app computes at its default 10 repeats
            start = time.perf_counter()
            engine.frontier(bench, EPSILON_STOPS, scenario.repeats)
            frontier10.append(time.perf_counter() - start)
        n_train, n_test = len(bench.data.train.y), len(bench.data.test.y)
        del population, bench
    return {
        "profiles": n_profiles,
        "import": import_seconds,
        "generate": summary(generate),
        "build": summary(build),
        "evaluate": summary(evaluation),
        "frontier3": summary(frontier3),
        "frontier10": summary(frontier10),
        "baseline_rss_mb": baseline_rss,
        "peak_rss_mb": peak_rss_mb(),
        "n_train": n_train,
        "n_test": n_test,
    }


def render_million(result: dict) -> str:
    sizes = result["sizes"]
    headers = ["measurement", *(f"{s['profiles']:,}" for s in sizes), "target"]
    runs = sizes[0]["generate"]["n"]

    def line(label: str, key: str) -> list[str]:
        return [label, *(fmt_seconds(s[key]["median"]) for s in sizes), "—"]

    body = [
        ["train / test people", *(f"{s['n_train']:,} / {s['n_test']:,}" for s in sizes), "—"],
        line("generate profiles (`generate_profiles`)", "generate"),
        line("build the Workbench (`workbench_for`)", "build"),
        line("one evaluation at ε = 1, 1 repeat (`evaluate`)", "evaluate"),
        line("frontier: 13 ε stops × 3 repeats (`frontier`)", "frontier3"),
        line("frontier: 13 ε stops × 10 repeats (the app's default; 1 run)", "frontier10"),
        [
            "first view of a new Scenario ≈ generate + Workbench + frontier × 10",
            *(
                fmt_seconds(
                    s["generate"]["median"] + s["build"]["median"] + s["frontier10"]["median"]
                )
                for s in sizes
            ),
            "—",
        ],
        [
            "peak RSS of the subprocess (`ru_maxrss`)",
            *(f"{s['peak_rss_mb']:,.0f} MB" for s in sizes),
            "—",
        ],
        [
            "RSS after imports, before any data",
            *(f"{s['baseline_rss_mb']:,.0f} MB" for s in sizes),
            "—",
        ],
    ]
    big = sizes[-1]
    meaning = (
        f"**What this means:** at {big['profiles']:,} profiles the one-off cost of a new Scenario "
        f"is generation ({fmt_seconds(big['generate']['median'])}) plus the Workbench "
        f"({fmt_seconds(big['build']['median'])}); after that an evaluation takes "
        f"{fmt_seconds(big['evaluate']['median'])} because the test split is capped at 20,000 "
        f"people, and the peak memory is {big['peak_rss_mb']:,.0f} MB per process. No targets "
        "were set for this section."
    )
    intro = (
        "Each size runs in its own subprocess (so the peak RSS is its own); "
        + (f"medians of {runs} runs" if runs > 1 else "a single run")
        + ", default Scenario otherwise (GaussianNB, seed 42)."
    )
    return "\n\n".join([intro, markdown_table(headers, body), meaning])


# == section: models ============================================================================
def section_models(quick: bool) -> dict:
    from diffprivlib.accountant import BudgetAccountant

    from core import engine
    from core.engine.threads import blas_threads, limit_blas_threads
    from core.privacy.controls import integer_seed
    from core.privacy.metrics import top_k_hits
    from core.privacy.models import fit_private
    from core.setting.scenario import Scenario

    limit_blas_threads()  # as the server, the CLI and the grid workers run
    epsilons = np.logspace(-2, 2, 15)
    repeats = 10
    rounds = 1 if quick else 2
    result = {"threads": blas_threads(), "models": {}, "niceness": os.nice(0)}
    for model in ("gaussian_nb", "random_forest", "logistic_regression"):
        bench = engine.workbench_for(Scenario(model=model))
        train, test = bench.data.train, bench.data.test

        def naive(count: int, bench=bench, train=train, test=test, model=model) -> None:
            """``count`` real person-level diffprivlib fits per ε, scored like the engine."""
            for epsilon in epsilons:
                for repeat in range(count):
                    recommender = fit_private(
                        model,
                        train.X,
                        train.y,
                        epsilon=float(epsilon),
                        schema=bench.schema,
                        random_state=integer_seed(7, repeat, int(epsilon * 1e6)),
                        accountant=BudgetAccountant(),
                        keys=train.key,
                    )
                    scores = recommender.score(test.X, test.observed)
                    top_k_hits(scores, test.y, 1), top_k_hits(scores, test.y, 3)

        engine.frontier(bench, epsilons[:2], 2)  # warm-up
        fast, slow = [], []
        naive_count = 2 if quick else repeats
        for round_ in range(rounds):
            log(f"models: {model}, round {round_ + 1}/{rounds}")
            fast += repeat(lambda b=bench: engine.frontier(b, epsilons, repeats), 3)
            slow += repeat(lambda n=naive_count: naive(n), 1)
        scale = repeats / naive_count  # a quick run extrapolates the loop per draw
        result["models"][model] = {
            "fast": summary(fast),
            "naive": summary([t * scale for t in slow]),
            "extrapolated": naive_count != repeats,
        }
    return result


def render_models(result: dict) -> str:
    labels = {
        "gaussian_nb": ("GaussianNB", 20.0),
        "random_forest": ("Random forest", 10.0),
        # Its target is against a plain scikit-learn fit (section 9), not against this loop.
        "logistic_regression": ("Logistic regression", None),
    }
    body = []
    for model, (label, target) in labels.items():
        r = result["models"].get(model)
        if r is None or "fast" not in r:
            continue
        ratio = r["naive"]["median"] / r["fast"]["median"]
        body.append(
            [
                label,
                f"{fmt_seconds(r['fast']['median'])} (p95 {fmt_seconds(r['fast']['p95'])}, "
                f"{r['fast']['n']} runs)",
                f"{fmt_seconds(r['naive']['median'])} ({r['naive']['n']} runs"
                + (", extrapolated" if r["extrapolated"] else "")
                + ")",
                f"{fmt_seconds(r['fast']['median'] / 150)} / "
                f"{fmt_seconds(r['naive']['median'] / 150)}",
                f"{ratio:.0f}×",
                "section 9" if target is None else f"≥ {target:.0f}×",
                "—" if target is None else fmt_met(ratio >= target),
            ]
        )
    threads = ", ".join(f"{n} thr." for n in sorted(set(result["threads"].values())))
    intro = (
        "Default Scenario (40,000 profiles) with each model; one BLAS thread per process "
        f"({threads}), as the app runs. Fast: `engine.frontier(bench, 15 ε, 10)`, the path "
        "the app takes (every draw's accuracy, hit@3 and group accuracies). Naive: a loop of "
        "real person-level fits (`core.privacy.models.fit_private`: diffprivlib's trees, "
        "GaussianNB or LogisticRegression) scored on the same test people; the two alternate in "
        "one process."
        + (
            f" Run at niceness {result['niceness']} (`nice -n {result['niceness']}`), ahead of "
            "the other processes on the machine."
            if result.get("niceness")
            else ""
        )
    )
    table = markdown_table(
        [
            "model",
            "fast frontier 15 ε × 10",
            "naive loop 15 ε × 10",
            "per draw: fast / naive",
            "speed-up",
            "target",
            "met",
        ],
        body,
    )
    return "\n\n".join([intro, table])


# == section: logistic ==========================================================================
LENS_PAGES = {
    "Explore (the frontier)": None,
    "Who pays": "pages/2_Who_pays.py",
    "Save & compare": "pages/12_Saved_and_compare.py",
    "Consent & control": "pages/4_Consent_and_control.py",
    "Anonymisation": "pages/5_Anonymisation.py",
    "Local vs central": "pages/6_Local_vs_central.py",
    "Attack audit": "pages/7_Attack_audit.py",
}


def _replace_one_calibration(epsilon: float, C: float = 1.0):
    """The calibration the app used before (diffprivlib's Vector at ε: replace-one, its own ridge
    rule), in core.privacy.private_models' terms: what an add/remove release at ε/2 would need."""
    import math

    from core.privacy.private_models import LOGISTIC_CURVATURE, PerturbationCalibration

    alpha = 1.0 / C
    noise_epsilon = epsilon - 2 * math.log1p(LOGISTIC_CURVATURE / alpha)
    if noise_epsilon > 0:
        return PerturbationCalibration(2.0 / noise_epsilon, alpha)
    return PerturbationCalibration(4.0 / epsilon, LOGISTIC_CURVATURE / math.expm1(epsilon / 4))


def _page_visits(model: str) -> dict:
    """First visit of each lens page on ``model`` (default Scenario otherwise), one after another
    in one process as a person would click through them; the default page first (imports)."""
    from streamlit.testing.v1 import AppTest

    def visit(page: str | None, **query) -> tuple[float, list[str]]:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=3600)
        for name, value in query.items():
            at.query_params[name] = str(value)
        if page is not None:
            at.switch_page(page)
        start = time.perf_counter()
        at.run()
        return time.perf_counter() - start, [str(e.value)[:120] for e in at.exception]

    visit(None)
    times, errors = {}, []
    for name, page in LENS_PAGES.items():
        seconds, raised = visit(page, model=model)
        times[name] = seconds
        errors += raised
        log(f"logistic: {model}, {name}: {seconds:.2f} s")
    return {"times": times, "errors": errors}


def section_logistic(quick: bool) -> dict:
    from diffprivlib.accountant import BudgetAccountant
    from sklearn.linear_model import LogisticRegression

    from core import engine
    from core.engine.threads import limit_blas_threads
    from core.privacy import fast_lr
    from core.privacy.controls import integer_seed
    from core.privacy.models import fit_private
    from core.setting.scenario import EPSILON_STOPS, Scenario

    limit_blas_threads()  # as the server, the CLI and the grid workers run
    os.environ.setdefault("PTE_DATA_DIR", tempfile.mkdtemp())
    scenario = Scenario(model="logistic_regression")
    bench = engine.workbench_for(scenario)
    train = bench.data.train
    rounds = 2 if quick else 3
    dp_draws = 4 if quick else 10
    plain, batched, diffprivlib = [], [], []
    engine.frontier(bench, EPSILON_STOPS[:2], 2)  # warm-up
    for round_ in range(rounds):
        log(f"logistic: round {round_ + 1}/{rounds}")
        # The reference: one plain scikit-learn fit of the same people (the old twin).
        plain += repeat(lambda: LogisticRegression(max_iter=500).fit(train.X, train.y), 1)
        batched += repeat(lambda: engine.frontier(bench, EPSILON_STOPS, scenario.repeats), 1)

        def per_draw_fits(round_=round_) -> None:
            for index in range(dp_draws):
                fit_private(
                    "logistic_regression",
                    train.X,
                    train.y,
                    epsilon=float(EPSILON_STOPS[index % len(EPSILON_STOPS)]),
                    schema=bench.schema,
                    random_state=integer_seed(round_, index),
                    accountant=BudgetAccountant(),
                )

        diffprivlib += [t / dp_draws for t in repeat(per_draw_fits, 1)]
    draws = len(EPSILON_STOPS) * scenario.repeats
    # Accuracy at each ε stop, this calibration against the one before (batched solver both).
    after = engine.frontier(bench, EPSILON_STOPS, scenario.repeats)
    calibrate = fast_lr.objective_perturbation_calibration
    fast_lr.objective_perturbation_calibration = _replace_one_calibration
    try:
        before = engine.frontier(bench, EPSILON_STOPS, scenario.repeats)
    finally:
        fast_lr.objective_perturbation_calibration = calibrate
    accuracy = [
        {
            "epsilon": float(epsilon),
            "before": float(before.loc[before["epsilon"] == epsilon, "accuracy"].mean()),
            "after": float(after.loc[after["epsilon"] == epsilon, "accuracy"].mean()),
            "after_std": float(after.loc[after["epsilon"] == epsilon, "accuracy"].std(ddof=1)),
        }
        for epsilon in EPSILON_STOPS
    ]
    pages = {model: _page_visits(model) for model in ("logistic_regression", "random_forest")}
    return {
        "plain": summary(plain),
        "frontier": summary(batched),
        "draw": batched and summary([t / draws for t in batched]),
        "diffprivlib_draw": summary(diffprivlib),
        "draws": draws,
        "ceiling": engine.references(bench)["nonprivate_accuracy"],
        "accuracy": accuracy,
        "pages": pages,
    }


def render_logistic(result: dict) -> str:
    plain, draw = result["plain"]["median"], result["draw"]["median"]
    dp = result["diffprivlib_draw"]["median"]
    ratio = plain / draw
    table = markdown_table(
        ["what", "time (median)", "against one plain fit", "target", "met"],
        [
            [
                "one plain scikit-learn fit (`LogisticRegression(max_iter=500)`, the reference)",
                fmt_seconds(plain),
                "1",
                "—",
                "—",
            ],
            [
                f"one private draw, batched (the frontier's {result['draws']} draws / "
                f"{result['draws']})",
                fmt_seconds(draw),
                f"1/{ratio:.0f}",
                "≤ 1/20",
                fmt_met(ratio >= 20),
            ],
            [
                "one private draw, diffprivlib's L-BFGS per draw (`fit_private`, the path before)",
                fmt_seconds(dp),
                f"1/{plain / dp:.1f}",
                "—",
                "—",
            ],
            [
                f"the frontier, {result['draws']} draws (13 stops × 10)",
                fmt_seconds(result["frontier"]["median"]),
                "—",
                "≲ 4 s",
                fmt_met(result["frontier"]["median"] <= 4.0),
            ],
        ],
    )
    accuracy = markdown_table(
        ["ε", "before: replace-one calibration", "after: add/remove", "after: std over draws"],
        [
            [
                f"{a['epsilon']:g}",
                f"{a['before']:.1%}",
                f"{a['after']:.1%}",
                f"{a['after_std']:.1%}",
            ]
            for a in result["accuracy"]
        ],
    )
    pages = result["pages"]
    names = list(LENS_PAGES)
    lens = markdown_table(
        ["page (first visit)", "logistic regression", "random forest", "target (LR)", "met"],
        [
            [
                name,
                fmt_seconds(pages["logistic_regression"]["times"][name]),
                fmt_seconds(pages["random_forest"]["times"][name]),
                "≤ 5 s",
                fmt_met(pages["logistic_regression"]["times"][name] <= 5.0),
            ]
            for name in names
        ],
    )
    errors = sorted(set(pages["logistic_regression"]["errors"] + pages["random_forest"]["errors"]))
    return "\n\n".join(
        [
            "Default Scenario (40,000 profiles, 32,000 trained on), one BLAS thread. The "
            "reference and the draws alternate in one process; a batched draw is the frontier's "
            "time over its draws (13 ε stops × 10 draws × 8 one-vs-rest problems, each solved "
            "to ‖∇J‖∞ ≤ 1e-7·n; `tests/core/test_fast_lr.py` checks they are diffprivlib's "
            "minimisers for diffprivlib's noise).",
            table,
            "Accuracy at each ε, the same batched solver with the calibration before (each "
            "class's problem at ε/K calibrated by diffprivlib for replace-one: ε/2-DP under "
            "add/remove, with its own ridge rule) and after (add/remove, ridge "
            "max(1/C, c/(e^{ε/2}−1)), docs/privacy.md); 10 draws each. The ceiling (the model "
            f"without noise) is {result['ceiling']:.1%}.",
            accuracy,
            "Lens pages: the first visit of each page with the model set in the URL, in one "
            "process one after another as a person clicks through them (Explore first, so its "
            "frontier is cached for Who pays and Save & compare), after a run of the default "
            "page (imports). AppTest's server-side run: the browser adds its drawing.",
            lens,
        ]
        + (["Exceptions: " + "; ".join(errors)] if errors else [])
    )


# == section: concurrency =======================================================================
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
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            "frontier-child",
            "--blas",
            blas,
            "--start-at",
            repr(start_at),
            "--result",
            str(out),
        ]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        children.append((subprocess.Popen(command, cwd=ROOT, env=env), out))
    results = []
    for process, out in children:
        if process.wait() != 0:
            raise RuntimeError(f"frontier child ({blas}) failed with {process.returncode}")
        results.append(json.loads(out.read_text()))
        out.unlink(missing_ok=True)
    return results


def section_concurrency(quick: bool) -> dict:
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


def render_concurrency(result: dict) -> str:
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
        "as the server, the CLI and the grid workers now call at start."
        + (
            f" Run at niceness {result['niceness']} (`nice -n {result['niceness']}`), ahead of "
            "the other processes on the machine."
            if result.get("niceness")
            else ""
        )
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


# == section: grid ==============================================================================
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


def section_grid(quick: bool) -> dict:
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


def render_grid(result: dict) -> str:
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


# == orchestration ==============================================================================
RENDER = {
    "logistic": render_logistic,
    "engine": render_engine,
    "app": render_app,
    "browser": render_browser,
    "million": render_million,
    "concurrency": render_concurrency,
    "models": render_models,
    "grid": render_grid,
}


def run_worker(args: list[str]) -> dict:
    """Run ``benchmark.py --worker …`` in a subprocess and return its JSON result."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    try:
        command = [sys.executable, str(Path(__file__).resolve()), *args, "--result", str(out)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        completed = subprocess.run(command, cwd=ROOT, env=env, check=False)
        if completed.returncode != 0:
            raise RuntimeError(f"worker {' '.join(args)} failed with {completed.returncode}")
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


class CpuSampler(threading.Thread):
    """Samples /proc to split the machine's CPU time between this run's process tree and others.

    Chromium's renderers are forked by its zygote and never reaped up our chain, so
    ``RUSAGE_CHILDREN`` misses them; walking /proc every ``interval`` seconds does not.
    """

    def __init__(self, interval: float = 0.5):
        super().__init__(daemon=True)
        self.interval = interval
        self.root = os.getpid()
        self.tick = os.sysconf("SC_CLK_TCK")
        self.boot = time.time() - float(Path("/proc/uptime").read_text().split()[0])
        self.started = time.time()
        self.first: dict[tuple[int, int], float] = {}
        self.last: dict[tuple[int, int], float] = {}
        self.ours: set[tuple[int, int]] = set()
        self.stopped = threading.Event()

    def _sample(self) -> None:
        parents, keys = {}, {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            fields = text[text.rindex(")") + 2 :].split()
            pid = int(entry.name)
            cpu = (int(fields[11]) + int(fields[12])) / self.tick  # utime + stime
            born = self.boot + int(fields[19]) / self.tick
            key = (pid, int(fields[19]))
            parents[pid], keys[pid] = int(fields[1]), key
            # A process born during the run counts from zero; an older one from first sight.
            self.first.setdefault(key, 0.0 if born >= self.started else cpu)
            self.last[key] = cpu
        for pid, key in keys.items():
            ancestor, hops = pid, 0
            while ancestor > 1 and hops < 64:
                if ancestor == self.root:
                    self.ours.add(key)
                    break
                ancestor, hops = parents.get(ancestor, 0), hops + 1

    def run(self) -> None:
        while not self.stopped.is_set():
            self._sample()
            self.stopped.wait(self.interval)

    def stop(self) -> float:
        """Stop sampling; return the share of all CPUs that other processes used meanwhile."""
        self.stopped.set()
        self.join()
        self._sample()
        wall = time.time() - self.started
        other = sum(self.last[key] - self.first[key] for key in self.last if key not in self.ours)
        return max(other, 0.0) / (wall * len(os.sched_getaffinity(0)))


def run_section(name: str, quick: bool) -> dict:
    sampler = CpuSampler()
    sampler.start()
    started = dt.datetime.now(dt.UTC)
    start = time.perf_counter()
    flags = ["--quick"] if quick else []
    if name == "million":
        sizes = MILLION_SIZES[:-1] if quick else MILLION_SIZES
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


def render_section(name: str, result: dict) -> str:
    meta = result["meta"]
    return (
        f"<!-- section:{name} -->\n## {TITLES[name]}\n\n"
        f"_Measured {meta['date']}, {meta['mode']} run, {meta['seconds']:.0f} s; "
        f"other processes used {meta.get('other_cpu_share', float('nan')):.0%} of the CPUs "
        "meanwhile._\n\n"
        f"{RENDER[name](result)}\n<!-- /section:{name} -->"
    )


HOW_TO_RUN = """\
`make bench` runs `python scripts/benchmark.py`: every section, each in its own Python \
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

        <!-- Written by scripts/benchmark.py; change the script, not this file. -->

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


def worker(args: argparse.Namespace) -> None:
    if args.worker == "engine":
        result = section_engine(args.quick)
    elif args.worker == "app":
        result = section_app(args.quick)
    elif args.worker == "browser":
        result = section_browser(args.quick)
    elif args.worker == "million":
        result = section_million_size(args.rows, args.quick)
    elif args.worker == "models":
        result = section_models(args.quick)
    elif args.worker == "concurrency":
        result = section_concurrency(args.quick)
    elif args.worker == "grid":
        result = section_grid(args.quick)
    elif args.worker == "logistic":
        result = section_logistic(args.quick)
    elif args.worker == "frontier-child":
        result = frontier_child(args.blas, args.start_at)
    else:
        raise SystemExit(f"unknown worker {args.worker!r}")
    Path(args.result).write_text(json.dumps(result))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
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
