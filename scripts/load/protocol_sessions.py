"""The ε test's protocol client: each session speaks Streamlit's WebSocket protocol from this
process, so the server runs the real script for every session while a client costs almost no CPU.

Latency of a move: send → that run's ``script_finished`` with the moved chart received.
``--browser-probe`` real Chromium sessions run alongside to measure what a browser adds.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import urllib.parse

from scripts.load.browser_sessions import run_session
from scripts.load.epsilon_sessions import (
    SHARED_SEED,
    START_EPSILON,
    empty_result,
    next_key,
    parse_epsilon,
    record_session_failure,
    run_sessions,
    session_plans,
    think,
)
from scripts.load.protocol import (
    LANDING_TIMEOUT_S,
    ProtocolPage,
    open_stream,
    protocol_landing,
    protocol_warm_up,
    read_until_finished,
)
from scripts.load.resources import ServerSampler
from scripts.load.server import Server
from scripts.streamlit_server import CHROMIUM, CHROMIUM_ARGS

MAX_RECONNECTS = 3


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
            await think(rng, options, deadline)
    except Exception as error:  # noqa: BLE001 - record, never take the room down
        record_session_failure(result, t0, error)
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


async def drive_protocol(
    server: Server, sampler: ServerSampler, n: int, options, room: dict
) -> None:
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
