"""Section 2, app: server-side rerun latency of the Explore page with
``streamlit.testing.v1.AppTest``."""

from __future__ import annotations

import time

from scripts.bench import ROOT, log
from scripts.bench.measuring import row
from scripts.bench.tables import fmt_seconds, timing_table

TITLE = "2. App: server-side rerun (AppTest)"


def measure(quick: bool) -> dict:
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


def render(result: dict) -> str:
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
