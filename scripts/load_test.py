"""Load-test a workshop room: N real sessions moving ε against one `streamlit run app.py`.

For each room size the script starts its own server (loopback, free port, saved scenarios in a
temporary folder), opens the shared link once (the facilitator's warm-up, ``--no-warm-up`` to
skip it) and, over ``--ramp`` seconds, N sessions on a deep link. Even sessions use the shared
default seed 42 (what a room gets from the facilitator's link), odd ones a private seed each (a
worst case: every private seed builds its own people and frontier; ``--private-every 0`` puts
everyone on the shared link). Until the deadline every session moves the ε slider one stop, times
the move (at most ``--move-timeout`` s, a timeout is a failure), counts exceptions, then thinks
2–6 s (seeded RNG). Two clients:

* ``--client protocol`` (default): each session speaks Streamlit's own WebSocket protocol from
  this process (``websockets`` and ``streamlit.proto``), sending the same BackMsgs a browser sends
  (the ε move is a fragment rerun with every widget state), so the server runs the real script for
  every session while the clients cost almost no CPU. Latency: send → the run's
  ``script_finished`` with the moved chart received. ``--browser-probe`` real Chromium sessions
  run alongside to measure what a browser adds.
* ``--client browser``: one headless Chromium (Debian's ``/usr/bin/chromium``) with one browser
  context per session, pressing arrow keys; latency: key press → the chart's "Your setting" point
  has moved and the app is idle. On a small machine the browsers take most of the CPU.

Meanwhile the server's RSS and CPU% (its process and its children) are sampled once a second,
before the sessions (baseline), during them (peak) and for ``--after-close`` seconds after every
session is closed while the server keeps running.

    python scripts/load_test.py --sessions-list 2,5 --duration 40 --ramp 5     # a quick look
    python scripts/load_test.py room --participants 60 --ramp 30   # a workshop room's activities
    python scripts/load_test.py --sessions 30 --private-every 0 --duration 300 \\
        --out docs/load_test.md --section protocol-shared-30                  # a room of 30
    python scripts/load_test.py --client browser --sessions-list 1,10,20,30 --duration 300 \\
        --out docs/load_test.md                                                # with browsers

Results: a markdown table on stdout; with ``--out`` the file's section (``--section``) is replaced
(or appended); raw samples (every ε move, every resource sample) go to ``artifacts/load_test/``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import datetime as dt
import importlib.metadata
import json
import os
import platform
import random
import re
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python scripts/load_test.py`: find `core`
    sys.path.insert(0, str(ROOT))

from core.setting.scenario import EPSILON_STOPS  # noqa: E402
from scripts.streamlit_server import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    RENDER_STATE_JS,
    StreamlitServer,
    free_port,
    is_healthy,
)

VIEWPORT = {"width": 1400, "height": 1000}
ARTIFACTS = ROOT / "artifacts" / "load_test"
SHARED_SEED = 42
PRIVATE_SEED_BASE = 1_000
START_EPSILON = 1.0
# The random walk of ε stays between these stops (both are frontier stops, so every move is
# served from the cached frontier; the landing of a new seed is what computes).
WALK_LOW, WALK_HIGH = 0.1, 20.0
SERVER_START_TIMEOUT_S = 90
LANDING_TIMEOUT_S = 180
SETTLE_POLL_S = 0.15
SETTLE_STABLE_POLLS = 3
MOVE_POLL_MS = 50
P95_TARGET_S = 2.0
TARGET_SESSIONS = 30
TARGET_DURATION_S = 300
MEMORY_PLATEAU = 1.05  # "bounded": late steady-phase RSS peak ≤ 1.05 × early steady-phase peak


EXCEPTION = '[data-testid="stException"]'
# The ε select-slider's thumb, a visually hidden <input type="range"> (role slider) inside the
# widget keyed `epsilon` (in the sidebar, or in the page when the page draws ε itself).
EPSILON_THUMB = '.st-key-epsilon input[type="range"]'


SETTLED_JS = f"""() => {{
    const s = ({RENDER_STATE_JS})();
    return s.state === 'notRunning' && s.stale === 0 && s.spinners === 0 && s.charts > 0;
}}"""

# "Your setting" marker (x, y) of the last (newest) plotly chart and the ε thumb's text.
POINT_JS = """() => {
    const plots = document.querySelectorAll('.js-plotly-plot');
    const plot = plots[plots.length - 1];
    const traces = plot && (plot._fullData || plot.data);
    const thumb = document.querySelector('__THUMB__');
    const out = {x: null, y: null, epsilon: thumb ? thumb.getAttribute('aria-valuetext') : null};
    if (!traces) return out;
    const trace = traces.find((t) => (t.name || '').startsWith('Your setting'));
    if (trace && trace.x && trace.x.length && trace.y && trace.y.length) {
        out.x = Number(trace.x[0]);
        out.y = Number(trace.y[0]);
    }
    return out;
}""".replace("__THUMB__", EPSILON_THUMB)

# True once the point has moved away from `before` and the rerun is over.
MOVED_AND_IDLE_JS = f"""(before) => {{
    const point = ({POINT_JS})();
    if (point.y === null || (point.x === before.x && point.y === before.y)) return false;
    const s = ({RENDER_STATE_JS})();
    return s.state === 'notRunning' && s.stale === 0 && s.spinners === 0 && s.charts > 0;
}}"""


def log(message: str) -> None:
    stamp = dt.datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


# == server ======================================================================================
class Server(StreamlitServer):
    """The app under test; its saved scenarios go to a throw-away folder."""

    def __init__(self, port: int, log_path: Path, nice: int = 0):
        super().__init__(log_path=log_path, nice=nice, port=port)
        self.data_dir: tempfile.TemporaryDirectory | None = None

    def start(self, timeout_s: float = SERVER_START_TIMEOUT_S) -> None:
        self.data_dir = tempfile.TemporaryDirectory(prefix="pte_load_data_")
        self.env["PTE_DATA_DIR"] = self.data_dir.name
        super().start(timeout_s)

    def healthy(self) -> bool:
        return is_healthy(self.url)

    def stop(self) -> None:
        super().stop()
        if self.data_dir is not None:
            self.data_dir.cleanup()
            self.data_dir = None


# == resource sampling ===========================================================================
class ProcStat:
    """RSS (MiB) and CPU% of a process tree (less the subtree of ``skip``): psutil or /proc."""

    def __init__(self, pid: int, skip: int | None = None):
        self.pid, self.skip = pid, skip
        try:
            import psutil
        except ImportError:
            psutil = None
        self.psutil = psutil
        self.source = "psutil" if psutil else "/proc"
        self._procs: dict = {}
        self._last_ticks: dict[int, tuple[float, float]] = {}
        self._ticks = os.sysconf("SC_CLK_TCK")

    def sample(self) -> tuple[float, float, int]:
        """(RSS MiB, CPU % of one core since the previous call, number of processes)."""
        return self._sample_psutil() if self.psutil else self._sample_proc()

    def _sample_psutil(self) -> tuple[float, float, int]:
        psutil = self.psutil
        try:
            root = self._procs.get(self.pid) or psutil.Process(self.pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            return float("nan"), float("nan"), 0
        if self.skip is not None:
            skipped = {self.skip}
            with contextlib.suppress(psutil.Error):
                skipped |= {c.pid for c in psutil.Process(self.skip).children(recursive=True)}
            tree = [proc for proc in tree if proc.pid not in skipped]
        rss = cpu = 0.0
        alive = {}
        for proc in tree:
            proc = self._procs.get(proc.pid, proc)  # keep the object: cpu_percent needs history
            try:
                with proc.oneshot():
                    rss += proc.memory_info().rss
                    cpu += proc.cpu_percent(interval=None)
                alive[proc.pid] = proc
            except psutil.Error:
                continue
        self._procs = alive
        return rss / 2**20, cpu, len(alive)

    def _tree_pids(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
        pids, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            if pid == self.skip:
                continue
            pids.append(pid)
            todo.extend(children.get(pid, []))
        return pids

    def _sample_proc(self) -> tuple[float, float, int]:
        rss_kib = 0
        cpu = 0.0
        now = time.monotonic()
        seen = {}
        for pid in self._tree_pids():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                ticks = float(fields[11]) + float(fields[12])  # utime + stime
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            rss_kib += int(line.split()[1])
                            break
            except (OSError, IndexError, ValueError):
                continue
            if pid in self._last_ticks:
                last_ticks, last_time = self._last_ticks[pid]
                if now > last_time:
                    cpu += 100 * (ticks - last_ticks) / self._ticks / (now - last_time)
            seen[pid] = (ticks, now)
        self._last_ticks = seen
        return (rss_kib / 1024 if seen else float("nan")), cpu, len(seen)


def machine_cpu_reader():
    """A callable returning the machine's busy % (all cores = 100) since its previous call."""
    last = [None]

    def read() -> float:
        with open("/proc/stat") as f:
            values = [float(v) for v in f.readline().split()[1:]]
        idle, total = values[3] + values[4], sum(values)
        previous, last[0] = last[0], (idle, total)
        if previous is None or total <= previous[1]:
            return float("nan")
        return 100 * (1 - (idle - previous[0]) / (total - previous[1]))

    return read


def own_cpu_reader():
    """A callable returning this process's CPU % of one core since its previous call.

    This process alone (every thread): the protocol clients and the sampler, without Playwright's
    driver or Chromium.
    """
    last = [None]

    def read() -> float:
        now = (time.monotonic(), time.process_time())
        previous, last[0] = last[0], now
        if previous is None or now[0] <= previous[0]:
            return float("nan")
        return 100 * (now[1] - previous[1]) / (now[0] - previous[0])

    return read


class Sampler(threading.Thread):
    """Samples the server tree every ``interval`` s until stop() (or ``max_seconds``).

    Also samples the clients: this script's own tree less the server (Playwright's driver and
    Chromium), this script's own process (the protocol clients), and the whole machine's CPU, to
    show who used the cores.
    """

    def __init__(self, pid: int, t0: float, max_seconds: float, interval: float = 1.0):
        super().__init__(daemon=True)
        self.stat = ProcStat(pid)
        self.clients = ProcStat(os.getpid(), skip=pid)
        self.machine_cpu = machine_cpu_reader()
        self.own_cpu = own_cpu_reader()
        self.t0, self.max_seconds, self.interval = t0, max_seconds, interval
        self.samples: list[dict] = []
        self.phase = "startup"
        self._stop_event = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        self.stat.sample()  # prime the CPU counters
        self.clients.sample()
        self.machine_cpu()
        self.own_cpu()
        end = time.monotonic() + self.max_seconds
        while not self._stop_event.wait(self.interval) and time.monotonic() < end:
            rss, cpu, procs = self.stat.sample()
            client_rss, client_cpu, _ = self.clients.sample()
            sample = {
                "t": round(time.monotonic() - self.t0, 3),
                "phase": self.phase,
                "rss_mib": round(rss, 2),
                "cpu_pct": round(cpu, 1),
                "procs": procs,
                "client_rss_mib": round(client_rss, 1),
                "client_cpu_pct": round(client_cpu, 1),
                "driver_cpu_pct": round(self.own_cpu(), 1),
                "machine_cpu_pct": round(self.machine_cpu(), 1),
                "load1": os.getloadavg()[0],
            }
            with self._lock:
                self.samples.append(sample)

    def set_phase(self, phase: str) -> None:
        self.phase = phase

    def snapshot(self) -> list[dict]:
        with self._lock:
            return list(self.samples)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)


# == browser sessions ============================================================================
async def wait_settled(page, timeout_s: float) -> float:
    """Wait until the page is idle with a chart, stable for a few polls; return when it began."""
    deadline = time.monotonic() + timeout_s
    # Wait in the page first (no round trips while a long landing computes), then confirm.
    with contextlib.suppress(Exception):  # a timeout or a navigation: the loop below decides
        await page.wait_for_function(SETTLED_JS, polling=250, timeout=timeout_s * 1000)
    previous, stable, since = None, 0, None
    while stable < SETTLE_STABLE_POLLS:
        if time.monotonic() > deadline:
            if previous is None:
                with contextlib.suppress(Exception):
                    previous = await page.evaluate(RENDER_STATE_JS)
            raise TimeoutError(f"page did not settle in {timeout_s:.0f} s: {previous}")
        try:
            snapshot = await page.evaluate(RENDER_STATE_JS)
        except Exception:  # navigation in progress: the context was destroyed mid-evaluate
            snapshot = None
        now = time.monotonic()
        settled = bool(
            snapshot
            and snapshot["state"] == "notRunning"
            and snapshot["stale"] == 0
            and snapshot["spinners"] == 0
            and snapshot["charts"] > 0
        )
        if settled and snapshot == previous:
            stable += 1
        else:
            stable, since = (1, now) if settled else (0, None)
        previous = snapshot
        await asyncio.sleep(SETTLE_POLL_S)
    return since


def next_key(epsilon: float | None, rng: random.Random) -> str:
    """Random walk between WALK_LOW and WALK_HIGH (turn around at the ends)."""
    if epsilon is None:
        return rng.choice(["ArrowRight", "ArrowLeft"])
    if epsilon <= WALK_LOW:
        return "ArrowRight"
    if epsilon >= WALK_HIGH:
        return "ArrowLeft"
    return rng.choice(["ArrowRight", "ArrowLeft"])


def expected_after(epsilon: float | None, key: str) -> float | None:
    if epsilon is None or epsilon not in EPSILON_STOPS:
        return None
    index = EPSILON_STOPS.index(epsilon) + (1 if key == "ArrowRight" else -1)
    return EPSILON_STOPS[max(0, min(index, len(EPSILON_STOPS) - 1))]


def parse_epsilon(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def empty_result(plan: dict, failure: str | None = None) -> dict:
    return {
        **plan,
        "landing_s": None,
        "moves": [],
        "failures": [{"t": None, "what": "session", "error": failure}] if failure else [],
        "exceptions": 0,
        "exception_texts": [],
        "page_errors": [],
        "console_errors": 0,
    }


async def run_session(browser, plan: dict, room: dict, options) -> dict:
    """One participant: land on the deep link, then ε moves until the deadline; never raises."""
    rng = random.Random(f"{options.rng_seed}:{plan['index']}")
    t0, deadline = room["t0"], room["deadline"]
    result = empty_result(plan)
    await asyncio.sleep(max(0.0, t0 + plan["start_offset"] - time.monotonic()))
    context = page = None
    try:
        context = await browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(options.move_timeout * 1000)
        page = await context.new_page()
        page.on("pageerror", lambda error: result["page_errors"].append(str(error)[:300]))

        def on_console(message) -> None:
            if message.type == "error":
                result["console_errors"] += 1

        page.on("console", on_console)
        frames = await watch_websocket(context, page)
        start = time.monotonic()
        try:
            await page.goto(plan["url"], timeout=LANDING_TIMEOUT_S * 1000)
            settled_at = await wait_settled(page, LANDING_TIMEOUT_S)
            result["landing_s"] = round(settled_at - start, 3)
        except Exception as error:  # noqa: BLE001 - any landing problem is a failed session
            result["failures"].append({"t": start - t0, "what": "landing", "error": str(error)})
            await evidence(page, result, room, "landing")
            return result
        await count_exceptions(page, result, "landing")
        thumb = page.locator(".st-key-epsilon").get_by_role("slider", name="Privacy budget ε")
        while time.monotonic() < deadline:
            await one_move(page, thumb, rng, result, room, options, frames)
            think = rng.uniform(options.think_min, options.think_max)
            await asyncio.sleep(max(0.0, min(think, deadline - time.monotonic())))
    except Exception as error:  # noqa: BLE001 - record, never take the room down
        result["failures"].append(
            {"t": time.monotonic() - t0, "what": "session", "error": repr(error)[:500]}
        )
        await evidence(page, result, room, "session")
    finally:
        if context is not None:
            with contextlib.suppress(Exception):
                await context.close()
        result["closed_at"] = time.monotonic() - t0
    return result


async def evidence(page, result: dict, room: dict, what: str) -> None:
    """Screenshot and page text of the first few failures, for the report (never raises)."""
    if page is None or room["evidence_left"] <= 0:
        return
    room["evidence_left"] -= 1
    stem = ARTIFACTS / f"{room['stamp']}_{room['n']}_session{result['index']}_{what}"
    with contextlib.suppress(Exception):
        await page.screenshot(path=f"{stem}.png", full_page=True, timeout=10_000)
    with contextlib.suppress(Exception):
        state = await page.evaluate(RENDER_STATE_JS)
        point = await page.evaluate(POINT_JS)
        text = await page.inner_text("body", timeout=10_000)
        Path(f"{stem}.txt").write_text(
            f"url: {page.url}\nstate: {state}\npoint: {point}\n\n{text[:5000]}\n"
        )
    result.setdefault("evidence", []).append(str(stem.relative_to(ROOT)))


async def count_exceptions(page, result: dict, where: str) -> int:
    errors = page.locator(EXCEPTION)
    count = await errors.count()
    if count:
        result["exceptions"] += count
        if len(result["exception_texts"]) < 5:
            text = (await errors.first.inner_text())[:500]
            result["exception_texts"].append({"where": where, "text": text})
    return count


async def watch_websocket(context, page) -> list[tuple[str, float]] | None:
    """Timestamps of the page's WebSocket data frames, from Chromium's network stack (CDP).

    CDP's MonotonicTime is the same clock as time.monotonic() on Linux, so a frame's timestamp
    can be compared with the key press. None when CDP is unavailable.
    """
    frames: list[tuple[str, float]] = []

    def handler(direction: str):
        def on_frame(event: dict) -> None:
            if event.get("response", {}).get("opcode") in (1, 2):  # text or binary data
                frames.append((direction, event["timestamp"]))

        return on_frame

    try:
        cdp = await context.new_cdp_session(page)
        cdp.on("Network.webSocketFrameSent", handler("sent"))
        cdp.on("Network.webSocketFrameReceived", handler("received"))
        await cdp.send("Network.enable")
    except Exception:  # noqa: BLE001 - the split is a diagnostic, the move timing stands alone
        return None
    return frames


def server_round_trip(frames: list, pressed: float, seen: float) -> float | None:
    """First frame sent after the key press → last frame received before the chart was seen."""
    sent = [ts for direction, ts in frames if direction == "sent" and ts >= pressed - 0.005]
    if not sent:
        return None
    received = [ts for d, ts in frames if d == "received" and sent[0] <= ts <= seen]
    return received[-1] - sent[0] if received else None


async def one_move(
    page, thumb, rng: random.Random, result: dict, room: dict, options, frames: list | None
) -> None:
    """Press one arrow key on the ε thumb; time key press → point moved and app idle."""
    t0 = room["t0"]
    before = await page.evaluate(POINT_JS)
    epsilon = parse_epsilon(before["epsilon"])
    key = next_key(epsilon, rng)
    await thumb.focus()
    if frames is not None:
        frames.clear()  # keeps the list bounded: only this move's frames
    pressed = time.monotonic()
    move = {
        "t": round(pressed - t0, 3),
        "from": epsilon,
        "to": expected_after(epsilon, key),
        "key": key,
        "during_ramp": pressed < room["ramp_end"],
    }
    await page.keyboard.press(key)
    try:
        await page.wait_for_function(
            MOVED_AND_IDLE_JS,
            arg=before,
            polling=MOVE_POLL_MS,
            timeout=options.move_timeout * 1000,
        )
        seen = time.monotonic()
        move["latency_s"] = round(seen - pressed, 4)
        if frames is not None:
            server = server_round_trip(frames, pressed, seen)
            move["server_s"] = None if server is None else round(server, 4)
    except Exception as error:  # noqa: BLE001 - a timeout (or a crash) is a failed move
        move["latency_s"] = None
        result["failures"].append({"t": move["t"], "what": "move", "error": str(error)[:300]})
        await evidence(page, result, room, "move")
    # Not timed: let the rerun finish completely before the think time starts.
    try:
        await wait_settled(page, options.move_timeout)
    except Exception as error:  # noqa: BLE001
        move["unsettled"] = True
        if move["latency_s"] is not None:
            result["failures"].append({"t": move["t"], "what": "settle", "error": str(error)})
    after = await page.evaluate(POINT_JS)
    move["landed_on"] = parse_epsilon(after["epsilon"])
    move["exceptions"] = await count_exceptions(page, result, f"move at {move['t']:.0f} s")
    result["moves"].append(move)


async def warm_up(browser, url: str) -> float:
    """One visit of the shared default link, so the baseline includes the app's imports."""
    context = await browser.new_context(viewport=VIEWPORT)
    try:
        page = await context.new_page()
        start = time.monotonic()
        await page.goto(url, timeout=LANDING_TIMEOUT_S * 1000)
        return await wait_settled(page, LANDING_TIMEOUT_S) - start
    finally:
        await context.close()


def is_private(index: int, every: int) -> bool:
    """Session ``index`` gets a private seed: every ``every``-th session (0 = none)."""
    return every > 0 and index % every == every - 1


def session_plans(n: int, ramp: float, base_url: str, private_every: int) -> list[dict]:
    plans = []
    for index in range(n):
        shared = not is_private(index, private_every)
        seed = SHARED_SEED if shared else PRIVATE_SEED_BASE + index
        plans.append(
            {
                "index": index,
                "seed": seed,
                "shared_seed": shared,
                "start_offset": ramp * index / n,
                "url": f"{base_url}/?epsilon={START_EPSILON:g}&seed={seed}",
            }
        )
    return plans


async def drive_room(server: Server, sampler: Sampler, n: int, options) -> dict:
    room: dict = {"n": n, "stamp": options.stamp, "evidence_left": 5, "client": options.client}
    if options.client == "browser":
        await drive_browser(server, sampler, n, options, room)
    else:
        await drive_protocol(server, sampler, n, options, room)
    room["closed"] = time.monotonic()
    room["closed_rel"] = room["closed"] - sampler.t0
    room["session_end_rel"] = room["deadline"] - sampler.t0
    return room


async def run_sessions(
    sampler: Sampler, room: dict, options, plans: list[dict], coroutines: list
) -> list[dict]:
    """Run the sessions (each waits for its own start offset); a stuck one is cancelled."""
    t0 = time.monotonic()
    room.update(t0=t0, ramp_end=t0 + options.ramp, deadline=t0 + options.ramp + options.duration)
    room["t0_rel"] = t0 - sampler.t0
    sampler.set_phase("sessions")
    budget = options.ramp + options.duration + LANDING_TIMEOUT_S + 2 * options.move_timeout
    tasks = [asyncio.create_task(coroutine) for coroutine in coroutines]
    done, pending = await asyncio.wait(tasks, timeout=budget + 60)
    for task in pending:  # bounded: a stuck session is cancelled (its connection closes)
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    results = []
    for plan, task in zip(plans, tasks, strict=True):
        if task in done and task.exception() is None:
            results.append(task.result())
        else:
            results.append(empty_result(plan, "cancelled"))
    return results


async def drive_browser(server: Server, sampler: Sampler, n: int, options, room: dict) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            room["chromium"] = browser.version
            if options.warm_up:
                sampler.set_phase("warm-up")
                room["warm_up_s"] = await warm_up(
                    browser, f"{server.url}/?epsilon={START_EPSILON:g}&seed={SHARED_SEED}"
                )
            sampler.set_phase("baseline")
            await asyncio.sleep(options.baseline)
            plans = session_plans(n, options.ramp, server.url, options.private_every)
            coroutines = [run_session(browser, plan, room, options) for plan in plans]
            room["sessions"] = await run_sessions(sampler, room, options, plans, coroutines)
        finally:
            await browser.close()


# == protocol sessions ===========================================================================
# The browser's side of a session without the browser: the same WebSocket, the same protobuf
# messages and the same widget states that Chromium sends (captured from Chromium 156 against
# streamlit 1.67 with Playwright's WebSocket frame events), so the server runs the real script for
# every session while a client costs a few milliseconds of CPU per move.
STREAM_PATH = "/_stcore/stream"
EPSILON_KEY = "epsilon"
YOUR_SETTING = "Your setting"
# The browser's context: sent with every rerun (st.context reads it).
CONTEXT_INFO = {
    "timezone": "UTC",
    "timezone_offset": 0,
    "locale": "en-US",
    "is_embedded": False,
    "color_scheme": "light",
}
MAX_RECONNECTS = 3
ASSET_PATTERN = re.compile(r'(?:src|href)="\./(static/[^"]+)"')


def widget_key(widget_id: str) -> str | None:
    """The user key of a widget id ``$$ID-<hash>-<key>`` (None for an id of another shape)."""
    parts = widget_id.split("-", 2)
    return parts[2] if len(parts) == 3 and parts[0] == "$$ID" else None


def widget_state(element):
    """The WidgetState the browser keeps for a new element, or None when it keeps none.

    Only the widget kinds this app draws on the Explore page are modelled; buttons send a trigger
    only when clicked and page links never, so the browser sends neither on a rerun.
    """
    from streamlit.proto.NumberInput_pb2 import NumberInput
    from streamlit.proto.Slider_pb2 import Slider
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    kind = element.WhichOneof("type")
    if kind not in ("slider", "selectbox", "number_input", "checkbox"):
        return None
    widget = getattr(element, kind)
    state = WidgetState(id=widget.id)
    if kind == "slider":
        values = widget.value if widget.set_value else widget.default
        if widget.type == Slider.SELECT_SLIDER:  # sent as the formatted option labels
            labels = list(widget.raw_value) or [widget.options[int(i)] for i in values]
            state.string_array_value.data.extend(labels)
        else:
            state.double_array_value.data.extend(values)
    elif kind == "selectbox":
        if widget.HasField("raw_value"):
            state.string_value = widget.raw_value
        elif widget.HasField("default"):
            state.string_value = widget.options[widget.default]
        # else no option chosen (index=None): the browser sends the id alone
    elif kind == "number_input":
        has_value = widget.HasField("value")
        if has_value or widget.HasField("default"):
            value = widget.value if has_value else widget.default
            if widget.data_type == NumberInput.INT:
                state.int_value = int(value)
            else:
                state.double_value = value
    else:  # checkbox, toggle
        state.bool_value = widget.value if widget.set_value else widget.default
    return state


def your_setting_x(spec: str) -> float | None:
    """x of the "Your setting" marker in a Plotly figure's JSON (plain list or typed array)."""
    try:
        figure = json.loads(spec)
    except ValueError:
        return None
    for trace in figure.get("data", []):
        if not str(trace.get("name", "")).startswith(YOUR_SETTING):
            continue
        x = trace.get("x")
        if isinstance(x, dict) and x.get("dtype") == "f8" and "bdata" in x:
            raw = base64.b64decode(x["bdata"])
            x = list(struct.unpack(f"<{len(raw) // 8}d", raw))
        if isinstance(x, list) and x:
            try:
                return float(x[0])
            except (TypeError, ValueError):
                return None
    return None


class ProtocolPage:
    """What the browser keeps of a session's page: widget states, URL and the run in flight.

    ``apply`` reads one ForwardMsg the way the frontend does for what a rerun needs: new widgets
    (and values the script set) update the widget states, ``page_info_changed`` updates the query
    string, and the ε slider's delta gives its id, option labels, fragment and page script hash.
    ``begin`` starts watching a new run: it is the first ``new_session`` that arrives after it,
    and it is over at the ``script_finished`` carrying that run's id.
    """

    def __init__(self, query_string: str):
        self.query_string = query_string
        self.widgets: dict = {}  # widget id → WidgetState, in the order first seen
        self.session_id: str | None = None
        self.epsilon: dict | None = None  # id, options, fragment_id, page_script_hash
        self.exceptions: list[str] = []
        self.begin()

    def begin(self) -> None:
        self.run_id: str | None = None
        self.finished: int | None = None  # ScriptFinishedStatus of the run
        self.finished_at: float | None = None
        self.chart_x: float | None = None
        self.chart_at: float | None = None

    def apply(self, msg, now: float) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.run_id = msg.metadata.run.script_run_id or "?"
            self.finished = self.finished_at = self.chart_x = self.chart_at = None
            if msg.new_session.initialize.session_id:
                self.session_id = msg.new_session.initialize.session_id
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "script_finished":
            run_id = msg.metadata.run.script_run_id
            if self.run_id is not None and (not run_id or run_id == self.run_id):
                self.finished, self.finished_at = msg.script_finished, now
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(msg, now)

    def _element(self, msg, now: float) -> None:
        element = msg.delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            self.exceptions.append(f"{element.exception.type}: {element.exception.message}"[:500])
        elif kind == "plotly_chart":
            self.chart_x, self.chart_at = your_setting_x(element.plotly_chart.spec), now
        state = widget_state(element)
        if state is None:
            return
        widget = getattr(element, kind)
        if state.id not in self.widgets or widget.set_value:
            self.widgets[state.id] = state
        if kind == "slider" and widget_key(widget.id) == EPSILON_KEY:
            self.epsilon = {
                "id": widget.id,
                "options": list(widget.options),
                "fragment_id": msg.delta.fragment_id,
                "page_script_hash": msg.metadata.active_script_hash,
            }

    def epsilon_label(self) -> str | None:
        """The ε slider's current option label, as the browser would send it."""
        state = self.widgets.get(self.epsilon["id"]) if self.epsilon else None
        data = state.string_array_value.data if state is not None else []
        return data[0] if data else None

    def set_epsilon(self, label: str) -> None:
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        state = WidgetState(id=self.epsilon["id"])
        state.string_array_value.data.append(label)
        self.widgets[state.id] = state

    def rerun(self, url: str, fragment: bool = False):
        """The rerun BackMsg the browser sends: every widget state, the URL's query string and,
        for a widget inside a fragment, that fragment's id and the page's script hash."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = self.query_string
        rerun.widget_states.SetInParent()  # present even when empty, as the browser sends it
        rerun.widget_states.widgets.extend(self.widgets.values())
        if fragment:
            rerun.fragment_id = self.epsilon["fragment_id"]
            rerun.page_script_hash = self.epsilon["page_script_hash"]
        for name, value in CONTEXT_INFO.items():
            setattr(rerun.context_info, name, value)
        rerun.context_info.url = url
        return msg


async def open_stream(base_url: str, session_id: str | None = None, cookie: str | None = None):
    """The page's WebSocket, as the browser opens it (``session_id``: a reconnect; ``cookie``:
    the Cookie header the browser would send, which the app reads as ``st.context.cookies``)."""
    from websockets.asyncio.client import connect

    # The subprotocol header carries ("streamlit", XSRF token, session to resume); the token
    # only matters for st.login cookies, which this app does not use.
    subprotocols = ["streamlit", "no-xsrf-token", session_id] if session_id else ["streamlit"]
    return await connect(
        "ws" + base_url.removeprefix("http") + STREAM_PATH,
        origin=base_url,
        subprotocols=subprotocols,
        proxy=None,
        ping_interval=None,  # browsers never ping; the server's pings are answered
        max_size=2**24,
        open_timeout=LANDING_TIMEOUT_S,
        additional_headers={"Cookie": cookie} if cookie else None,
    )


async def read_until_finished(ws, page: ProtocolPage, deadline: float) -> None:
    """Apply ForwardMsgs until the watched run is over (not "finished early for a rerun")."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    while page.finished is None or page.finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
        if page.finished is not None:  # interrupted: wait for the run that replaced it
            page.begin()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the run did not finish in time")
        data = await asyncio.wait_for(ws.recv(decode=False), remaining)
        msg = ForwardMsg()
        msg.ParseFromString(data)
        page.apply(msg, time.monotonic())


def fetch_page(url: str) -> int:
    """What a browser's first visit asks over HTTP: the page, its scripts and styles, health and
    host config (not the chunks the page loads later, e.g. Plotly's). Returns bytes received."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    base = url.split("?", 1)[0].rstrip("/")

    def get(target: str) -> bytes:
        request = urllib.request.Request(target, headers={"Accept-Encoding": "gzip"})
        with opener.open(request, timeout=LANDING_TIMEOUT_S) as response:
            return response.read()

    page = get(url)
    received = len(page)
    text = page.decode("utf-8", "replace")
    for path in dict.fromkeys(ASSET_PATTERN.findall(text)):
        received += len(get(f"{base}/{path}"))
    for path in ("_stcore/health", "_stcore/host-config"):
        received += len(get(f"{base}/{path}"))
    return received


async def protocol_landing(url: str, page: ProtocolPage, deadline: float):
    """Open the page like a first visit; return the WebSocket once the first run is over."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    base_url = url.split("/?", 1)[0]
    await asyncio.to_thread(fetch_page, url)
    ws = await open_stream(base_url)
    try:
        page.begin()
        await ws.send(page.rerun(base_url + "/").SerializeToString())
        await read_until_finished(ws, page, deadline)
        if page.finished != ForwardMsg.FINISHED_SUCCESSFULLY:
            raise RuntimeError(f"first run ended with status {page.finished}")
        if page.epsilon is None or page.chart_x is None:
            raise RuntimeError("first run sent no ε slider or no chart")
    except BaseException:
        await ws.close()
        raise
    return ws


async def run_protocol_session(plan: dict, room: dict, options) -> dict:
    """One participant over the protocol: land, then ε moves until the deadline; never raises."""
    rng = random.Random(f"{options.rng_seed}:{plan['index']}")
    t0, deadline = room["t0"], room["deadline"]
    result = {**empty_result(plan), "reconnects": 0}
    await asyncio.sleep(max(0.0, t0 + plan["start_offset"] - time.monotonic()))
    page = ProtocolPage(urllib.parse.urlsplit(plan["url"]).query)
    ws = None
    try:
        start = time.monotonic()
        try:
            ws = await protocol_landing(plan["url"], page, start + LANDING_TIMEOUT_S)
            result["landing_s"] = round(page.finished_at - start, 3)
        except Exception as error:  # noqa: BLE001 - any landing problem is a failed session
            result["failures"].append({"t": start - t0, "what": "landing", "error": repr(error)})
            return result
        record_exceptions(page, result, "landing")
        while time.monotonic() < deadline:
            ws = await protocol_move(ws, page, rng, result, room, options)
            think = rng.uniform(options.think_min, options.think_max)
            await asyncio.sleep(max(0.0, min(think, deadline - time.monotonic())))
    except Exception as error:  # noqa: BLE001 - record, never take the room down
        result["failures"].append(
            {"t": time.monotonic() - t0, "what": "session", "error": repr(error)[:500]}
        )
    finally:
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
        result["closed_at"] = time.monotonic() - t0
    return result


def record_exceptions(page: ProtocolPage, result: dict, where: str) -> int:
    """Move the Exception elements seen since the last call into ``result``."""
    count = len(page.exceptions)
    result["exceptions"] += count
    for text in page.exceptions[: max(0, 5 - len(result["exception_texts"]))]:
        result["exception_texts"].append({"where": where, "text": text})
    page.exceptions.clear()
    return count


async def protocol_move(ws, page: ProtocolPage, rng: random.Random, result: dict, room, options):
    """Send one ε move as the browser does (a fragment rerun); time send → run over with the
    moved chart. Returns the WebSocket (a new one after a reconnect)."""
    from websockets.exceptions import ConnectionClosed

    options_ = page.epsilon["options"]
    current = page.epsilon_label()
    epsilon = parse_epsilon(current)
    key = next_key(epsilon, rng)
    index = options_.index(current) + (1 if key == "ArrowRight" else -1)
    label = options_[max(0, min(index, len(options_) - 1))]
    page.set_epsilon(label)
    base_url = room["base_url"]
    message = page.rerun(base_url + "/", fragment=True).SerializeToString()
    page.begin()
    sent = time.monotonic()
    move = {
        "t": round(sent - room["t0"], 3),
        "from": epsilon,
        "to": parse_epsilon(label),
        "key": key,
        "during_ramp": sent < room["ramp_end"],
    }
    try:
        await ws.send(message)
        await read_until_finished(ws, page, sent + options.move_timeout)
        move["latency_s"] = round(page.finished_at - sent, 4)
        move["chart_s"] = None if page.chart_at is None else round(page.chart_at - sent, 4)
        if page.chart_x is None or abs(page.chart_x - move["to"]) > 1e-9:
            move["latency_s"] = None
            error = f"run over without the moved chart (chart x {page.chart_x}, ε {label})"
            result["failures"].append({"t": move["t"], "what": "chart", "error": error})
    except TimeoutError as error:
        move["latency_s"] = None
        result["failures"].append({"t": move["t"], "what": "move", "error": str(error)})
        try:  # not timed: let the run finish before the think time starts
            await read_until_finished(ws, page, time.monotonic() + options.move_timeout)
        except TimeoutError:
            move["unsettled"] = True
    except ConnectionClosed as error:
        move["latency_s"] = None
        result["failures"].append({"t": move["t"], "what": "connection", "error": repr(error)})
        ws = await reconnect(page, result, base_url, options)
    move["landed_on"] = parse_epsilon(page.epsilon_label())
    move["exceptions"] = record_exceptions(page, result, f"move at {move['t']:.0f} s")
    result["moves"].append(move)
    return ws


async def reconnect(page: ProtocolPage, result: dict, base_url: str, options):
    """Reopen the WebSocket on the same session, as the browser does, and rerun the page."""
    if result["reconnects"] >= MAX_RECONNECTS:
        raise RuntimeError(f"connection lost more than {MAX_RECONNECTS} times")
    result["reconnects"] += 1
    ws = await open_stream(base_url, page.session_id)
    page.begin()
    await ws.send(page.rerun(base_url + "/").SerializeToString())
    await read_until_finished(ws, page, time.monotonic() + options.move_timeout)
    return ws


async def protocol_warm_up(url: str) -> float:
    """The facilitator's visit of the shared link, over the protocol: seconds to the chart."""
    page = ProtocolPage(urllib.parse.urlsplit(url).query)
    start = time.monotonic()
    ws = await protocol_landing(url, page, start + LANDING_TIMEOUT_S)
    await ws.close()
    return page.finished_at - start


async def drive_protocol(server: Server, sampler: Sampler, n: int, options, room: dict) -> None:
    """N protocol sessions, plus ``--browser-probe`` real browser sessions alongside them."""
    room["base_url"] = server.url
    shared_url = f"{server.url}/?epsilon={START_EPSILON:g}&seed={SHARED_SEED}"
    async with contextlib.AsyncExitStack() as stack:
        browser = None
        if options.browser_probe:
            from playwright.async_api import async_playwright

            playwright = await stack.enter_async_context(async_playwright())
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            stack.push_async_callback(browser.close)
            room["chromium"] = browser.version
        if options.warm_up:
            sampler.set_phase("warm-up")
            room["warm_up_s"] = await protocol_warm_up(shared_url)
        sampler.set_phase("baseline")
        await asyncio.sleep(options.baseline)
        plans = session_plans(n, options.ramp, server.url, options.private_every)
        probes = [
            {
                "index": n + k,
                "seed": SHARED_SEED,
                "shared_seed": True,
                "start_offset": options.ramp * (k + 0.5) / options.browser_probe,
                "url": shared_url,
            }
            for k in range(options.browser_probe)
        ]
        coroutines = [run_protocol_session(plan, room, options) for plan in plans]
        coroutines += [run_session(browser, plan, room, options) for plan in probes]
        results = await run_sessions(sampler, room, options, [*plans, *probes], coroutines)
        room["sessions"], room["probe"] = results[:n], results[n:]


# == one room ====================================================================================
def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolation percentile (numpy's default), None for an empty list."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: list[float]) -> float | None:
    values = [v for v in values if v == v]  # drop NaN
    return statistics.fmean(values) if values else None


def run_room(n: int, options, port: int, stamp: str) -> dict:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    server = Server(port, ARTIFACTS / f"server_{stamp}_{n}.log", options.server_nice)
    code = git_state()  # the app is read when the server starts: record what it runs
    log(f"room of {n}: starting streamlit on {server.url}")
    start = time.monotonic()
    server.start()
    max_seconds = (
        options.ramp + options.duration + options.after_close + LANDING_TIMEOUT_S * 2 + 600
    )
    sampler = Sampler(server.process.pid, start, max_seconds)
    sampler.start()
    try:
        time.sleep(2)
        fresh = [s["rss_mib"] for s in sampler.snapshot()]
        log(f"room of {n}: healthy after {server.startup_s:.1f} s; warm-up visit, then sessions")
        room = asyncio.run(drive_room(server, sampler, n, options))
        sampler.set_phase("after-close")
        log(f"room of {n}: all contexts closed; sampling {options.after_close:.0f} s more")
        end = time.monotonic() + options.after_close
        while time.monotonic() < end and server.alive():
            time.sleep(1)
        room["server_alive_at_end"] = server.alive()
        sampler.stop()
    finally:
        sampler.stop()
        server.stop()
    room["samples"] = sampler.snapshot()
    room["fresh_rss_mib"] = fresh[-1] if fresh else None
    room["server_startup_s"] = server.startup_s
    room["code"] = code
    room["server_log"] = str(server.log_path.relative_to(ROOT))
    room["metric_source"] = sampler.stat.source
    room["wall_s"] = time.monotonic() - start
    for key in ("t0", "ramp_end", "deadline", "closed"):
        room.pop(key, None)
    summary = summarise(n, room, options)
    log(f"room of {n}: {json.dumps(summary)}")
    return {"n": n, "summary": summary, "raw": room}


def summarise(n: int, room: dict, options) -> dict:
    sessions = room["sessions"]
    moves = [m for s in sessions for m in s["moves"]]
    latencies = [m["latency_s"] for m in moves if m["latency_s"] is not None]
    steady = [m["latency_s"] for m in moves if m["latency_s"] is not None and not m["during_ramp"]]
    server = [m["server_s"] for m in moves if m.get("server_s") is not None]
    chart = [m["chart_s"] for m in moves if m.get("chart_s") is not None]
    probe_moves = [m for s in room.get("probe", []) for m in s["moves"]]
    probe = [m["latency_s"] for m in probe_moves if m["latency_s"] is not None]
    probe_server = [m["server_s"] for m in probe_moves if m.get("server_s") is not None]
    # The browser's own share of a move: its latency less the server round trip it saw.
    probe_browser = [
        m["latency_s"] - m["server_s"]
        for m in probe_moves
        if m["latency_s"] is not None and m.get("server_s") is not None
    ]
    samples = room["samples"]
    t0, ramp_end = room["t0_rel"], room["t0_rel"] + options.ramp
    session_end, closed = room["session_end_rel"], room["closed_rel"]

    def window(lo: float, hi: float, key: str) -> list[float]:
        return [s[key] for s in samples if lo <= s["t"] <= hi and s[key] == s[key]]

    baseline = window(t0 - options.baseline, t0, "rss_mib")
    during_rss = window(t0, closed, "rss_mib")
    during_cpu = window(t0, closed, "cpu_pct")
    machine = window(t0, closed, "machine_cpu_pct")
    client_cpu = window(t0, closed, "client_cpu_pct")
    client_rss = window(t0, closed, "client_rss_mib")
    driver_cpu = window(t0, closed, "driver_cpu_pct")
    after = window(closed + 30, closed + 60, "rss_mib")
    after_all = window(closed, closed + options.after_close + 5, "rss_mib")
    steady_mid = ramp_end + (session_end - ramp_end) / 2
    early, late = (
        window(ramp_end, steady_mid, "rss_mib"),
        window(steady_mid, session_end, "rss_mib"),
    )
    failures = [f for s in sessions for f in s["failures"]]
    landing = [s["landing_s"] for s in sessions if s["landing_s"] is not None]
    return {
        "sessions": n,
        "shared_seed_sessions": sum(1 for s in sessions if s["shared_seed"]),
        "private_seed_sessions": sum(1 for s in sessions if not s["shared_seed"]),
        "moves_measured": len(latencies),
        "moves_attempted": len(moves),
        "failures": len(failures),
        "failed_sessions": sum(1 for s in sessions if s["failures"]),
        "failure_kinds": sorted({f["what"] for f in failures}),
        "exceptions": sum(s["exceptions"] for s in sessions),
        "page_errors": sum(len(s["page_errors"]) for s in sessions),
        "console_errors": sum(s["console_errors"] for s in sessions),
        "p50_s": percentile(latencies, 50),
        "p95_s": percentile(latencies, 95),
        "max_s": max(latencies) if latencies else None,
        "p95_after_ramp_s": percentile(steady, 95),
        "server_p50_s": percentile(server, 50),
        "server_p95_s": percentile(server, 95),
        "server_max_s": max(server) if server else None,
        "landing_p50_s": percentile(landing, 50),
        "landing_max_s": max(landing) if landing else None,
        "rss_fresh_mib": room["fresh_rss_mib"],
        "rss_baseline_mib": mean(baseline),
        "rss_peak_mib": max(during_rss) if during_rss else None,
        "rss_after_close_mib": mean(after),
        "rss_after_close_last_mib": after_all[-1] if after_all else None,
        "rss_steady_early_peak_mib": max(early) if early else None,
        "rss_steady_late_peak_mib": max(late) if late else None,
        "cpu_mean_pct": mean(during_cpu),
        "cpu_peak_pct": max(during_cpu) if during_cpu else None,
        # The server's CPU time over the room per ε move it served (landings included): its
        # cost of a move whatever the competition for the cores.
        "cpu_s_per_move": (
            sum(during_cpu) / 100 / len(latencies) if during_cpu and latencies else None
        ),
        "machine_cpu_mean_pct": mean(machine),
        "client_cpu_mean_pct": mean(client_cpu),
        "client_rss_peak_mib": max(client_rss) if client_rss else None,
        "driver_cpu_mean_pct": mean(driver_cpu),
        "client": room.get("client", "browser"),
        "reconnects": sum(s.get("reconnects", 0) for s in sessions),
        "chart_p50_s": percentile(chart, 50),
        "chart_p95_s": percentile(chart, 95),
        "probe_sessions": len(room.get("probe", [])),
        "probe_moves": len(probe),
        "probe_failures": sum(len(s["failures"]) for s in room.get("probe", [])),
        "probe_exceptions": sum(s["exceptions"] for s in room.get("probe", [])),
        "probe_p50_s": percentile(probe, 50),
        "probe_p95_s": percentile(probe, 95),
        "probe_server_p50_s": percentile(probe_server, 50),
        "probe_server_p95_s": percentile(probe_server, 95),
        "probe_browser_p50_s": percentile(probe_browser, 50),
        "probe_browser_p95_s": percentile(probe_browser, 95),
        "probe_landing_s": next(
            (s["landing_s"] for s in room.get("probe", []) if s["landing_s"] is not None), None
        ),
        "warm_up_s": room.get("warm_up_s"),
        "server_alive_at_end": room.get("server_alive_at_end"),
        "wall_s": room["wall_s"],
    }


# == report =====================================================================================
def fmt_s(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def fmt_mib(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def fmt_pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


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
        "<!-- Written by scripts/load_test.py; change the script, not this section. -->",
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


def section_markers(name: str) -> tuple[str, str]:
    return f"<!-- load_test:{name} -->", f"<!-- /load_test:{name} -->"


def write_section(path: Path, section: str, name: str = "results") -> None:
    """Replace the section called ``name`` in ``path`` (append it, or create the file)."""
    start, end = section_markers(name)
    if path.exists():
        text = path.read_text(encoding="utf-8")
        pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
        if pattern.search(text):
            text = pattern.sub(lambda _: section, text)
        else:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
    else:
        text = (
            "# Load test: a workshop room\n\n"
            "How the app holds up when a room of people moves ε at the same time. "
            "`python scripts/load_test.py --help` for the options.\n\n" + section + "\n"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# == main ========================================================================================
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--client",
        choices=("protocol", "browser"),
        default="protocol",
        help="protocol (default): each session speaks Streamlit's WebSocket protocol from this "
        "process, so the server is what is measured; browser: one headless Chromium context per "
        "session, the end-to-end view but the browsers share the server's cores",
    )
    parser.add_argument(
        "--browser-probe",
        type=int,
        default=1,
        help="with --client protocol: real Chromium sessions run alongside, to measure what a "
        "browser adds to a move (1; 0: none)",
    )
    parser.add_argument(
        "--warm-up",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="open the shared link once before the room, as a facilitator would (default); "
        "--no-warm-up: the room's first sessions build the shared seed's cache",
    )
    parser.add_argument("--sessions", type=int, default=30, help="room size (default 30)")
    parser.add_argument(
        "--sessions-list",
        help="several room sizes, run one after another, e.g. 1,10,20,30 (overrides --sessions)",
    )
    parser.add_argument(
        "--duration", type=float, default=300, help="seconds of ε moves after the ramp (300)"
    )
    parser.add_argument(
        "--ramp", type=float, default=30, help="seconds over which sessions are opened (30)"
    )
    parser.add_argument("--port", type=int, help="server port (default: a free loopback port)")
    parser.add_argument("--out", type=Path, help="markdown file whose results section is written")
    parser.add_argument(
        "--after-close",
        type=float,
        default=60,
        help="seconds the server is sampled after every context closed (60, at least 60)",
    )
    parser.add_argument(
        "--baseline", type=float, default=10, help="seconds of baseline sampling (10)"
    )
    parser.add_argument(
        "--move-timeout", type=float, default=30, help="seconds before a move fails (30)"
    )
    parser.add_argument("--think-min", type=float, default=2.0, help="think time min s (2)")
    parser.add_argument("--think-max", type=float, default=6.0, help="think time max s (6)")
    parser.add_argument("--rng-seed", type=int, default=0, help="seed of the think-time RNG (0)")
    parser.add_argument(
        "--private-every",
        type=int,
        default=2,
        help="every K-th session opens a private seed, the others the shared seed 42 "
        "(2: half of them; 0: none; 1: all)",
    )
    parser.add_argument(
        "--server-nice",
        type=int,
        default=0,
        help="niceness of the server (0; e.g. -15, as root, gives it the CPU before every "
        "Chromium thread: roughly a server on its own cores)",
    )
    parser.add_argument(
        "--section",
        default="results",
        help="name of the section of --out to replace (results); lets extra runs sit beside it",
    )
    options = parser.parse_args(argv)
    if options.sessions_list:
        options.sizes = [int(v) for v in options.sessions_list.split(",") if v.strip()]
    else:
        options.sizes = [options.sessions]
    if not options.sizes or min(options.sizes) < 1:
        parser.error("room sizes must be positive integers")
    if options.after_close < 60:
        parser.error("--after-close must be at least 60 (the after-close RSS is 30–60 s)")
    if not 0 < options.think_min <= options.think_max:
        parser.error("need 0 < --think-min <= --think-max")
    if not -20 <= options.server_nice <= 19:
        parser.error("--server-nice must be between -20 and 19")
    if options.private_every < 0 or not re.fullmatch(r"[\w-]+", options.section):
        parser.error("--private-every must be ≥ 0 and --section a word (letters, digits, -, _)")
    if options.browser_probe < 0:
        parser.error("--browser-probe must not be negative")
    if options.client == "browser":
        options.browser_probe = 0  # every session is a browser already
    if options.duration <= 0 or options.ramp < 0:
        parser.error("--duration must be positive and --ramp not negative")
    return options


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["room"]:  # the workshop-room scenario lives in its own module
        from scripts.room_load_test import main as room_main

        return room_main(argv[1:])
    options = parse_args(argv)
    if (options.client == "browser" or options.browser_probe) and not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: install Debian's chromium", file=sys.stderr)
        return 2
    # SIGTERM runs the `finally` blocks (server process group killed) like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in background
    started = dt.datetime.now(dt.UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    options.raw_path = ARTIFACTS / f"load_test_{stamp}.json"
    options.stamp = stamp
    options.load_before = os.getloadavg()[0]
    command = "python scripts/load_test.py " + " ".join(argv)
    log(
        f"{options.client} client, room sizes {options.sizes}, ramp {options.ramp:g} s, "
        f"duration {options.duration:g} s, "
        f"load average {options.load_before:.2f}; raw samples → {options.raw_path}"
    )
    begin = time.monotonic()
    rooms = []
    try:
        for n in options.sizes:
            port = options.port or free_port()
            rooms.append(run_room(n, options, port, stamp))
            options.raw_path.write_text(json.dumps(rooms, indent=1, default=str))
    except KeyboardInterrupt:
        log("interrupted: servers stopped; reporting the rooms that finished")
        if not rooms:
            return 130
    wall = time.monotonic() - begin
    section = render(rooms, options, command.strip(), started, wall)
    print(section)
    options.raw_path.write_text(json.dumps(rooms, indent=1, default=str))
    if options.out:
        out = options.out if options.out.is_absolute() else Path.cwd() / options.out
        write_section(out, section, options.section)
        log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
