"""The ε test's report: the markdown section of its rooms (tables, targets, method, machine)."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path

from scripts.load import ROOT
from scripts.load.browser_sessions import MOVE_POLL_MS
from scripts.load.epsilon_figures import mean
from scripts.load.epsilon_sessions import (
    PRIVATE_SEED_BASE,
    SHARED_SEED,
    START_EPSILON,
    WALK_HIGH,
    WALK_LOW,
)
from scripts.load.markdown import markdown_table, section_markers
from scripts.load.protocol_sessions import MAX_RECONNECTS
from scripts.streamlit_server import CHROMIUM

P95_TARGET_S = 2.0
TARGET_SESSIONS = 30
TARGET_DURATION_S = 300
MEMORY_PLATEAU = 1.05  # "bounded": late steady-phase RSS peak ≤ 1.05 × early steady-phase peak


def fmt_s(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def fmt_mib(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def fmt_pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def memory_bounded(s: dict) -> bool | None:
    early, late = s["rss_steady_early_peak_mib"], s["rss_steady_late_peak_mib"]
    if early is None or late is None:
        return None
    return late <= MEMORY_PLATEAU * early


def targets(rooms: list[dict], options) -> list[str]:
    """The issue's targets, checked on the room of 30 (or the largest room run)."""
    s = max(rooms, key=lambda r: r["n"])["summary"]
    scope = f"room of {s['sessions']}, {options.duration:.0f} s after a {options.ramp:.0f} s ramp"
    if s["sessions"] < TARGET_SESSIONS or options.duration < TARGET_DURATION_S:
        scope += f" (smaller than the target's {TARGET_SESSIONS} sessions × 5 min)"
    bounded = memory_bounded(s)

    def met(ok: bool | None) -> str:
        return "—" if ok is None else ("yes" if ok else "**no**")

    p95 = s["p95_s"]
    seen = "`stException`" if s["client"] == "browser" else "`Exception` deltas"
    return [
        f"Targets ({scope}):",
        "",
        f"- no failed session: {met(s['failed_sessions'] == 0)} "
        f"({s['failed_sessions']} of {s['sessions']} sessions had a failure; "
        f"{s['failures']} failures in all)",
        f"- no exception: {met(s['exceptions'] == 0)} ({s['exceptions']} {seen} seen)",
        f"- p95 ε move → chart ≤ {P95_TARGET_S:g} s: {met(p95 is not None and p95 <= P95_TARGET_S)}"
        f" (p95 {fmt_s(p95)} s; after the ramp {fmt_s(s['p95_after_ramp_s'])} s)",
        f"- memory bounded: {met(bounded)} (steady-phase RSS peak, second half "
        f"{fmt_mib(s['rss_steady_late_peak_mib'])} MiB vs first half "
        f"{fmt_mib(s['rss_steady_early_peak_mib'])} MiB; rule: ≤ {MEMORY_PLATEAU:.2f}×)",
    ]


def git_state() -> str:
    """Commit under test, and whether the app's files differ from it (uncommitted changes)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "app.py", "ui", "pages", "core"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "?"
    return f"{head or '?'}" + (" + uncommitted changes to the app" if dirty else "")


def code_line(rooms: list[dict]) -> str:
    """The commit each room's server ran (the app may change between rooms of a long run)."""
    codes = [room["raw"].get("code", "?") for room in rooms]
    if len(set(codes)) <= 1:
        return f"commit {codes[0] if codes else '?'}"
    return "; ".join(
        f"room of {room['n']}: commit {code}" for room, code in zip(rooms, codes, strict=True)
    )


def machine_info(chromium: str | None) -> dict:
    model = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "?"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 2**20:.0f} GiB"
                break
    versions = {}
    for package in ("streamlit", "plotly", "playwright", "psutil", "websockets"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "memory": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "chromium": chromium or "?",
        **versions,
    }


def extra_columns(s: dict, options) -> list[tuple[str, str]]:
    """The second table's (header, value) pairs for one room; they depend on the client."""
    columns = [
        ("sessions", str(s["sessions"])),
        ("p95 after ramp s", fmt_s(s["p95_after_ramp_s"])),
    ]
    if s["client"] == "browser":
        columns.append(
            (
                "server round trip p50 / p95 / max s",
                f"{fmt_s(s['server_p50_s'])} / {fmt_s(s['server_p95_s'])} / "
                f"{fmt_s(s['server_max_s'])}",
            )
        )
    else:
        columns.append(
            (
                "send → chart delta p50 / p95 s",
                f"{fmt_s(s['chart_p50_s'])} / {fmt_s(s['chart_p95_s'])}",
            )
        )
    columns += [
        ("landing p50 / max s", f"{fmt_s(s['landing_p50_s'])} / {fmt_s(s['landing_max_s'])}"),
        ("RSS fresh server MiB", fmt_mib(s["rss_fresh_mib"])),
        (
            "RSS steady peak, 1st → 2nd half MiB",
            f"{fmt_mib(s['rss_steady_early_peak_mib'])} → {fmt_mib(s['rss_steady_late_peak_mib'])}",
        ),
        (
            f"RSS {options.after_close:.0f} s after close MiB",
            fmt_mib(s["rss_after_close_last_mib"]),
        ),
    ]
    if s["client"] == "browser":
        columns += [
            ("clients CPU % mean", fmt_pct(s["client_cpu_mean_pct"])),
            ("clients RSS peak MiB", fmt_mib(s["client_rss_peak_mib"])),
        ]
    else:
        browsers = None
        if s["client_cpu_mean_pct"] is not None and s["driver_cpu_mean_pct"] is not None:
            browsers = max(0.0, s["client_cpu_mean_pct"] - s["driver_cpu_mean_pct"])
        columns += [
            ("protocol clients CPU % mean", fmt_pct(s["driver_cpu_mean_pct"])),
            ("browser probe CPU % mean", fmt_pct(browsers) if s["probe_sessions"] else "—"),
        ]
    columns.append(("server CPU s per ε move", fmt_s(s["cpu_s_per_move"])))
    columns.append(("machine CPU % mean (all cores = 100)", fmt_pct(s["machine_cpu_mean_pct"])))
    if s["client"] == "browser":
        columns.append(
            ("JS page errors / console errors", f"{s['page_errors']} / {s['console_errors']}")
        )
    else:
        columns.append(("reconnects", str(s["reconnects"])))
    columns.append(("room wall time min", f"{s['wall_s'] / 60:.1f}"))
    return columns


def probe_lines(rooms: list[dict]) -> list[str]:
    """The browser probe's figures (protocol client): what a real browser adds to a move."""
    rows = [
        [
            str(s["sessions"]),
            str(s["probe_moves"]),
            f"{s['probe_failures']} / {s['probe_exceptions']}",
            f"{fmt_s(s['probe_p50_s'])} / {fmt_s(s['probe_p95_s'])}",
            f"{fmt_s(s['probe_server_p50_s'])} / {fmt_s(s['probe_server_p95_s'])}",
            f"{fmt_s(s['probe_browser_p50_s'])} / {fmt_s(s['probe_browser_p95_s'])}",
            fmt_s(s["probe_landing_s"]),
        ]
        for s in (room["summary"] for room in rooms)
        if s["client"] == "protocol" and s["probe_sessions"]
    ]
    if not rows:
        return []
    headers = [
        "protocol sessions",
        "probe ε moves",
        "probe failures / exceptions",
        "probe key press → chart p50 / p95 s",
        "probe server round trip p50 / p95 s",
        "browser's own share p50 / p95 s",
        "probe landing s",
    ]
    return [
        "Browser probe: one real Chromium session on the shared link, moving ε by keyboard "
        "alongside the protocol sessions (not counted in the table above). Its key press → chart "
        "latency is what a participant sees; the browser's own share is that latency less the "
        "server round trip its network stack saw for the same move (input handling, rendering "
        "the new chart and the rest of the page).",
        "",
        markdown_table(headers, rows),
        "",
    ]


def seeds_line(options) -> str:
    every = options.private_every
    if every == 0:
        which = "every session opens"
    elif every == 1:
        which = "no session opens"
    elif every == 2:
        which = "even-numbered sessions (0, 2, 4, …) open"
    else:
        which = f"all but every {every}th session open"
    seeds = (
        f"{which.capitalize()} the shared default seed {SHARED_SEED} (what a room gets from the "
        "facilitator's link, one cache entry for all of them)"
    )
    if every:
        seeds += (
            f"; the others a private seed each ({PRIVATE_SEED_BASE} + session number), a worst "
            "case in which each of them builds its own synthetic people and frontier when it lands"
        )
    return seeds + "."


def common_method(options, source: str, ends: str) -> str:
    """The part of the method shared by both clients: resources and their windows."""
    if options.warm_up:
        baseline = (
            "after one warm-up visit of the shared link (so the app's imports and the shared "
            "seed's cache are in it)"
        )
    else:
        baseline = (
            "with no warm-up visit (`--no-warm-up`: nobody opened the link before the room, so "
            "the first sessions build the shared seed's cache)"
        )
    return (
        f"Server RSS and CPU% (the streamlit process and its children, {source}) are sampled "
        f"every second. Baseline: mean RSS over the {options.baseline:.0f} s before the first "
        f"session, {baseline}. Peak: from the first session to {ends}. After close: mean RSS "
        f"30–60 s after {ends}, the server still running. CPU%: 100 = one core busy, so at most "
        f"{100 * (os.cpu_count() or 1)} here."
    )


def browser_method(options, source: str) -> str:
    return (
        f"One `streamlit run app.py` per room size (fresh server, loopback), one headless Chromium "
        f"(`{CHROMIUM}`) with one browser context per session, opened evenly over "
        f"{options.ramp:.0f} s, each on `/?epsilon={START_EPSILON:g}&seed=S`. Each session then "
        f"repeats until {options.ramp:.0f} + {options.duration:.0f} s: focus the ε slider thumb, "
        f"press ArrowRight or ArrowLeft (a random walk between ε = {WALK_LOW:g} and "
        f'{WALK_HIGH:g}), time key press → the last chart\'s "Your setting" point has moved and '
        '`[data-testid="stApp"]` is `notRunning` with no stale element or spinner (polled in the '
        f"page every {MOVE_POLL_MS} ms, at most {options.move_timeout:.0f} s, a timeout is a "
        f'failure), wait until the page is settled, count `[data-testid="stException"]`, think '
        f"{options.think_min:g}–{options.think_max:g} s (seeded RNG). Server round trip: from the "
        "first WebSocket frame the page sent after the key press to the last frame it received "
        "before the updated chart was seen, timestamped by Chromium's network stack (CDP "
        "`Network.webSocketFrame*`): the server's share of a move without the browser's input "
        "handling and rendering. "
        + common_method(options, source, "the last closed context")
        + " Clients: this script's process tree less the server (Playwright's driver and every "
        "Chromium process), sampled the same way; machine CPU: /proc/stat, all cores = 100, so it "
        "includes anything else running on the machine."
    )


def protocol_method(options, source: str) -> str:
    probe = (
        f" Alongside them, {options.browser_probe} real Chromium session(s) on the shared link "
        "(the browser client's method, one context each, opened during the ramp) measure what "
        "a browser adds; see the probe table."
        if options.browser_probe
        else ""
    )
    return (
        "One `streamlit run app.py` per room size (fresh server, loopback). Each session is a "
        "protocol client in this script's own process (asyncio, the `websockets` package): it "
        "fetches the page like a first visit (`/`, the scripts and styles it names, "
        "`/_stcore/health`, `/_stcore/host-config`), opens `/_stcore/stream` with the browser's "
        "subprotocol (`streamlit`) and Origin, and sends the browser's first `BackMsg`: "
        f"`rerun_script` with the page's query string (`epsilon={START_EPSILON:g}&seed=S`), empty "
        "widget states and the browser's `context_info`. Sessions open evenly over "
        f"{options.ramp:.0f} s; landing: connect → `script_finished` of the first run (which must "
        "have sent the ε slider and the chart). It keeps the widget states the browser keeps "
        "(every new widget's value, and values the script sets) and the query string the server "
        "pushes (`page_info_changed`). Each session then repeats until "
        f"{options.ramp:.0f} + {options.duration:.0f} s: move ε one stop (a random walk between "
        f"ε = {WALK_LOW:g} and {WALK_HIGH:g}) by sending what Chromium sends for an arrow key: "
        "`rerun_script` with every widget state (ε as its option label in "
        "`string_array_value`), the current query string, the ε fragment's `fragment_id` and "
        "the page's `page_script_hash`; time send → `script_finished` "
        "(`FINISHED_FRAGMENT_RUN_SUCCESSFULLY`) of that run, whose Plotly chart delta must show "
        'the new ε as its "Your setting" point (otherwise, or after '
        f"{options.move_timeout:.0f} s, a failure); count `Exception` element deltas; think "
        f"{options.think_min:g}–{options.think_max:g} s (seeded RNG). A lost connection is "
        f"reopened on the same session (at most {MAX_RECONNECTS} times) and counted. "
        "Send → chart delta: the same move up to the ForwardMsg carrying the new chart."
        + probe
        + " "
        + common_method(options, source, "the last closed session")
        + " Protocol clients CPU: this script's own process (every protocol session and the "
        "sampler); browser probe CPU: this script's process tree less the server and less that "
        "process (Playwright's driver and Chromium); machine CPU: /proc/stat, all cores = 100, so "
        "it includes anything else running on the machine."
    )


def render(rooms: list[dict], options, command: str, started: dt.datetime, wall: float) -> str:
    machine = machine_info(rooms[0]["raw"].get("chromium") if rooms else None)
    protocol = options.client == "protocol"
    headers = [
        "client",
        "sessions (shared / private seed)",
        "ε moves measured",
        "failures (sessions)",
        "exceptions",
        "p50 s",
        "p95 s",
        "max s",
        "RSS baseline MiB",
        "RSS peak MiB",
        "RSS after close MiB",
        "server CPU % mean",
        "server CPU % peak",
    ]
    rows, extra = [], []
    for room in rooms:
        s = room["summary"]
        rows.append(
            [
                s["client"],
                f"{s['sessions']} ({s['shared_seed_sessions']} / {s['private_seed_sessions']})",
                str(s["moves_measured"]),
                f"{s['failures']} ({s['failed_sessions']})",
                str(s["exceptions"]),
                fmt_s(s["p50_s"]),
                fmt_s(s["p95_s"]),
                fmt_s(s["max_s"]),
                fmt_mib(s["rss_baseline_mib"]),
                fmt_mib(s["rss_peak_mib"]),
                fmt_mib(s["rss_after_close_mib"]),
                fmt_pct(s["cpu_mean_pct"]),
                fmt_pct(s["cpu_peak_pct"]),
            ]
        )
        extra.append(extra_columns(s, options))
    extra_headers = [header for header, _ in extra[0]] if extra else []
    extra_rows = [[value for _, value in columns] for columns in extra]
    source = rooms[0]["raw"]["metric_source"] if rooms else "?"
    method = protocol_method(options, source) if protocol else browser_method(options, source)
    if protocol:
        latency = (
            "Latency: seconds from sending the ε move's rerun to the end of that run with the "
            "moved chart received, over every measured move (failures excluded, they are "
            "counted): the server's side of a move, without any browser work. Failures: moves "
            "that timed out or ended without the moved chart, lost connections, plus sessions "
            "that could not land; in brackets, sessions with at least one failure."
        )
        pessimistic = (
            f"**Client cost:** the protocol clients run on the same {machine['nproc']} cores as "
            "the server but cost little (*protocol clients CPU* above); the browser probe's "
            "Chromium costs more. In a real room each participant's browser runs on their own "
            "laptop: a participant waits for the server's latency plus their browser's own share "
            "(probe table)."
        )
    else:
        latency = (
            "Latency: seconds from the ε key press to the updated chart with the app idle again, "
            "over every measured move (failures excluded, they are counted). Failures: moves that "
            "timed out plus sessions that could not land; in brackets, sessions with at least one "
            "failure."
        )
        pessimistic = (
            "**Pessimistic:** the Chromium clients (one renderer per session, drawing every "
            f"updated chart) run on the same {machine['nproc']} cores as the server, so the "
            "latencies and the machine CPU include the clients' work; in a real room each "
            "participant's browser runs on their own laptop."
        )
    versions = (
        f"streamlit {machine['streamlit']}, plotly {machine['plotly']}, playwright "
        f"{machine['playwright']}, psutil {machine['psutil']}"
    )
    if protocol:
        versions += f", websockets {machine['websockets']}"
    if not protocol or options.browser_probe:
        versions += f", Chromium {machine['chromium']}"
    start, end = section_markers(options.section)
    title = "## Results" if options.section == "results" else f"## Results: {options.section}"
    warm_ups = [room["summary"]["warm_up_s"] for room in rooms]
    warm_up = (
        "none (`--no-warm-up`)"
        if not options.warm_up
        else " · ".join(f"{fmt_s(value)} s" for value in warm_ups)
    )
    lines = [
        start,
        title,
        "",
        "<!-- Written by python -m scripts.load; change the script, not this section. -->",
        "",
        f"**Date:** {started:%Y-%m-%d %H:%M} UTC · run time {wall / 60:.1f} min · **client:** "
        f"`{options.client}`",
        "",
        f"**Command:** `{command}`",
        "",
        f"**Machine:** nproc {machine['nproc']} · {machine['cpu_model']} · {machine['memory']} RAM"
        f" · Linux {machine['kernel']} · Python {machine['python']} · {versions}",
        "",
        f"**Code:** {code_line(rooms)} · **Load average before the run:** "
        f"{options.load_before:.2f} · **Load average (1 min) during the sessions, mean / max:** "
        f"{load_during(rooms)} · **Warm-up visit of the shared link:** {warm_up}",
        "",
        markdown_table(headers, rows),
        "",
        latency,
        "",
        markdown_table(extra_headers, extra_rows),
        "",
        *probe_lines(rooms),
        *targets(rooms, options),
        "",
        f"**Seeds:** {seeds_line(options)}",
        "",
        f"**Method:** {method}",
        "",
        *(
            [
                f"**Server first:** the server ran at nice {options.server_nice} (every thread; "
                "Chromium sets its own threads between -8 and 5), so it got the CPU before the "
                "browsers: closer to a server on its own cores, while the browsers wait for what "
                "is left.",
                "",
            ]
            if options.server_nice
            else []
        ),
        pessimistic,
        "",
        f"Raw samples (every move, every resource sample, server logs): "
        f"`{options.raw_path.relative_to(ROOT)}` (git-ignored).",
        end,
    ]
    return "\n".join(lines)


def load_during(rooms: list[dict]) -> str:
    """Mean / max of the 1-minute load average sampled while sessions ran, room by room."""
    parts = []
    for room in rooms:
        raw = room["raw"]
        lo, hi = raw["t0_rel"], raw["closed_rel"]
        loads = [s["load1"] for s in raw["samples"] if lo <= s["t"] <= hi]
        parts.append(f"{mean(loads):.1f} / {max(loads):.1f}" if loads else "—")
    return " · ".join(parts)
