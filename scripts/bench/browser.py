"""Section 3, browser: real headless Chromium against ``streamlit run serve.py`` and a trivial
comparison app served side by side: cold start of a deep link, ε key press → updated chart, a
new seed three ways, and where a key press goes in the browser (messages, renderer time)."""

from __future__ import annotations

import atexit
import json
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from scripts.bench import ROOT, log
from scripts.bench.measuring import summary
from scripts.bench.tables import fmt_met, fmt_seconds, markdown_table
from scripts.streamlit_server import CHROMIUM, CHROMIUM_ARGS, StreamlitServer

TITLE = "3. Browser: real Chromium against `streamlit run`"
POLL_S = 0.005  # browser polling interval

TRIVIAL_APP = '''\
"""Comparison app for scripts/bench/browser.py: one ε slider and one small chart, nothing else."""

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


def measure(quick: bool) -> dict:
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


def render(result: dict) -> str:
    if "skipped" in result:
        return f"Skipped: {result['skipped']}."
    ours, trivial = result["servers"]["ours"], result["servers"]["trivial"]

    def compared(label: str, ours_s: float, trivial_s: float, target: float | None = None):
        """A row: ours, the trivial app, ours / trivial, and that ratio's target if it has one."""
        ratio = ours_s / trivial_s
        met = ["—", "—"] if target is None else [f"≤ {target:g}×", fmt_met(ratio <= target)]
        return [label, fmt_seconds(ours_s), fmt_seconds(trivial_s), f"{ratio:.2f}×", *met]

    key_ratio, cold_ratio = result["key_ratio"], result["cold_ratio"]
    body = [
        compared(
            f"ε key press → updated chart, median ({result['presses']} presses)",
            ours["keys"]["median"],
            trivial["keys"]["median"],
            target=1.3,
        ),
        compared("ε key press → updated chart, p95", ours["keys"]["p95"], trivial["keys"]["p95"]),
        compared(
            f"cold start, fresh browser context, median ({ours['cold']['n']} visits)",
            ours["cold"]["median"],
            trivial["cold"]["median"],
            target=2,
        ),
        compared(
            "cold start, fresh browser context, p95", ours["cold"]["p95"], trivial["cold"]["p95"]
        ),
        compared(
            "first visit right after the health check (serve.py still warming the caches)",
            ours["first_visit"],
            trivial["first_visit"],
        ),
        compared(
            "`streamlit run` until /_stcore/health answers", ours["startup"], trivial["startup"]
        ),
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
