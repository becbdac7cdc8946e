"""Section 4, million: generation, Workbench, evaluation and frontier at 10k, 100k and 1M
profiles, with peak RSS; each size is measured in its own subprocess (``measure_size``)."""

from __future__ import annotations

import gc
import time

from scripts.bench import log
from scripts.bench.measuring import peak_rss_mb, summary
from scripts.bench.tables import fmt_seconds, markdown_table

TITLE = "4. Scale: 10k, 100k and 1M profiles"
SIZES = (10_000, 100_000, 1_000_000)


def measure_size(n_profiles: int, quick: bool) -> dict:
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


def render(result: dict) -> str:
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
