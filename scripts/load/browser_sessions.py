"""The ε test's Chromium client: one browser context per session, pressing arrow keys.

Latency of a move: key press → the chart's "Your setting" point has moved and the app is idle,
polled in the page. Also the browser probe that runs beside the protocol sessions.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from pathlib import Path

from scripts.load import ARTIFACTS, ROOT
from scripts.load.epsilon_sessions import (
    SHARED_SEED,
    START_EPSILON,
    empty_result,
    expected_after,
    next_key,
    parse_epsilon,
    record_session_failure,
    run_sessions,
    session_plans,
    think,
)
from scripts.load.protocol import LANDING_TIMEOUT_S
from scripts.load.resources import ServerSampler
from scripts.load.server import Server
from scripts.streamlit_server import CHROMIUM, CHROMIUM_ARGS, RENDER_STATE_JS

VIEWPORT = {"width": 1400, "height": 1000}
SETTLE_POLL_S = 0.15
SETTLE_STABLE_POLLS = 3
MOVE_POLL_MS = 50

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
            await think(rng, options, deadline)
    except Exception as error:  # noqa: BLE001 - record, never take the room down
        record_session_failure(result, t0, error)
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


async def drive_browser(
    server: Server, sampler: ServerSampler, n: int, options, room: dict
) -> None:
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
