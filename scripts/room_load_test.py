"""Load-test a workshop room: N phones join within a ramp, answer the three activities.

    python scripts/load_test.py room --participants 60 --ramp 30 --out docs/load_test.md

(or ``python scripts/room_load_test.py ...``). One server on loopback with a throw-away data
folder. The room is opened and each activity started and revealed through the store (what the
facilitator's buttons do); the projector is a real Chromium page (1280×720) on the facilitator
link, whose live fragment rereads the room every 1.5 s. The participants are N sessions over
Streamlit's own WebSocket protocol (the client of ``scripts/load_test.py``): each opens the
participants' link within ``--ramp`` seconds, answers the current activity after a think time
(seeded RNG) by sending the same widget states and button triggers a browser sends, then waits
like a phone: it follows the page's own auto-rerun (the 4 s waiting fragment) until the next
activity shows up. The activities run in order: randomised response (fair coin), the room's
consent, pick your ε; each is revealed once every participant has answered (or after
``--answer-window`` seconds).

Measured: failed sessions (no landing, an exception element, an answer that was not counted),
answer → projector count (the k-th answer's send time → the first projector poll showing at
least k answers; polls every ``POLL_S``), participant first paint (link opened → the first
script run finished, the page's first content), the server's RSS and CPU (with its children)
and what the rest of the machine used. Targets: 0 failed sessions, 0 exceptions, answer →
projector p95 ≤ 2 s, first paint p95 ≤ 3 s, RSS bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import re
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.room_store import RoomStore  # noqa: E402
from core.rooms import (  # noqa: E402
    COINS,
    PICK_EPSILON,
    RANDOMISED_RESPONSE,
    ROOM_CONSENT,
    SAMPLE_QUESTIONS,
)
from core.storage import DB_NAME  # noqa: E402
from scripts.load_test import (  # noqa: E402
    ARTIFACTS,
    CONTEXT_INFO,
    Sampler,
    Server,
    fetch_page,
    log,
    markdown_table,
    open_stream,
    protocol_warm_up,
    read_until_finished,
    section_markers,
    widget_key,
    write_section,
)
from scripts.streamlit_server import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402

POLL_S = 0.2  # the projector's count is read this often
LANDING_TIMEOUT_S = 120
RUN_TIMEOUT_S = 60
ACTIVITIES = (RANDOMISED_RESPONSE, ROOM_CONSENT, PICK_EPSILON)
COUNT_PATTERN = re.compile(r"Room [A-Z0-9-]+ · (\d+) answers? · answers open")
TARGETS = {"answer_to_projector_p95_s": 2.0, "first_paint_p95_s": 3.0}


class Phone:
    """What a phone's browser keeps of the participant page: widgets, buttons, auto-rerun."""

    def __init__(self, query_string: str):
        self.query_string = query_string
        self.widgets: dict = {}  # widget id → WidgetState the browser sends back
        self.sliders: dict = {}  # user key → Slider proto (its option labels)
        self.buttons: dict = {}  # user key (or form id for a submit button) → Button proto
        self.auto_rerun: tuple[float, str] | None = None
        self.script_hash = ""
        self.exceptions: list[str] = []
        self.begin()

    def begin(self) -> None:
        self.run_id: str | None = None
        self.finished = self.finished_at = None

    def apply(self, msg, now: float) -> None:
        from scripts.load_test import widget_state

        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.run_id = msg.metadata.run.script_run_id or "?"
            self.finished = self.finished_at = None
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "auto_rerun":
            self.auto_rerun = (msg.auto_rerun.interval, msg.auto_rerun.fragment_id)
        elif kind == "script_finished":
            run_id = msg.metadata.run.script_run_id
            if self.run_id is not None and (not run_id or run_id == self.run_id):
                self.finished, self.finished_at = msg.script_finished, now
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            if msg.metadata.active_script_hash:
                self.script_hash = msg.metadata.active_script_hash
            element = msg.delta.new_element
            element_kind = element.WhichOneof("type")
            if element_kind == "exception":
                self.exceptions.append(f"{element.exception.type}: {element.exception.message}")
            elif element_kind == "button":
                button = element.button
                name = button.form_id if button.is_form_submitter else widget_key(button.id)
                self.buttons[name] = button
            elif element_kind == "slider":
                self.sliders[widget_key(element.slider.id)] = element.slider
            state = widget_state(element)
            if state is not None:
                widget = getattr(element, element_kind)
                if state.id not in self.widgets or getattr(widget, "set_value", False):
                    self.widgets[state.id] = state

    def message(self, base_url: str, *, trigger=None, fragment: str | None = None):
        """The rerun BackMsg a browser sends (with a button's trigger, or as an auto-rerun)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = self.query_string
        rerun.widget_states.SetInParent()
        rerun.widget_states.widgets.extend(self.widgets.values())
        if trigger is not None:
            rerun.widget_states.widgets.append(WidgetState(id=trigger.id, trigger_value=True))
        if self.script_hash:
            rerun.page_script_hash = self.script_hash
        else:
            rerun.page_name = "Room"
        if fragment:
            rerun.fragment_id = fragment
            rerun.is_auto_rerun = True
        for name, value in CONTEXT_INFO.items():
            setattr(rerun.context_info, name, value)
        rerun.context_info.url = f"{base_url}/Room?{self.query_string}"
        return msg

    def set_widget(self, key: str, value) -> None:
        state = next(s for i, s in self.widgets.items() if widget_key(i) == key)
        if isinstance(value, bool):
            state.bool_value = value
        else:
            del state.string_array_value.data[:]
            state.string_array_value.data.append(value)

    def pending(self, activity_ids: dict, answered: set) -> tuple[str, int] | None:
        """(kind, id) of an activity whose answer controls are on the page and not answered."""
        for activity_id, kind in activity_ids.items():
            if activity_id in answered:
                continue
            wanted = {
                RANDOMISED_RESPONSE: f"rr_yes_{activity_id}",
                ROOM_CONSENT: f"consent_form_{activity_id}",
                PICK_EPSILON: f"send_epsilon_{activity_id}",
            }[kind]
            if wanted in self.buttons:
                return kind, activity_id
        return None


async def run(ws, phone: Phone, base_url: str, **kwargs) -> float:
    """Send one rerun and read until it is over; return when it was sent."""
    phone.begin()
    if not kwargs.get("fragment"):
        phone.auto_rerun = None  # a full run: the page announces its timed fragments anew
    sent = time.monotonic()
    await ws.send(phone.message(base_url, **kwargs).SerializeToString())
    await read_until_finished(ws, phone, sent + RUN_TIMEOUT_S)
    return sent


async def answer(ws, phone: Phone, base_url: str, kind: str, activity_id: int, rng) -> float:
    """Answer like a person on the page; return the send time of the answering click."""
    if kind == RANDOMISED_RESPONSE:
        true_yes = rng.random() < 0.3
        said_yes = true_yes if rng.random() < 0.5 else rng.random() < 0.5
        button = phone.buttons[f"{'rr_yes' if said_yes else 'rr_no'}_{activity_id}"]
        return await run(ws, phone, base_url, trigger=button)
    if kind == ROOM_CONSENT:
        for category in ("demographics", "location", "browsing", "purchases"):
            phone.set_widget(f"consent_{category}_{activity_id}", rng.random() < 0.5)
        phone.set_widget(f"consent_opt_out_{activity_id}", rng.random() < 0.2)
        return await run(ws, phone, base_url, trigger=phone.buttons[f"consent_form_{activity_id}"])
    slider = phone.sliders[f"pick_epsilon_{activity_id}"]
    phone.set_widget(f"pick_epsilon_{activity_id}", rng.choice(list(slider.options)))
    await run(ws, phone, base_url)  # the slider's own rerun relabels the send button
    return await run(ws, phone, base_url, trigger=phone.buttons[f"send_epsilon_{activity_id}"])


async def participant(index: int, room: dict, options) -> dict:
    """One phone: land, then answer each activity as it appears, until the room is done."""
    rng = random.Random(f"{options.seed}:{index}")
    result = {"index": index, "first_paint_s": None, "answers": [], "failures": [], "polls": 0}
    await asyncio.sleep(max(0.0, room["t0"] + options.ramp * rng.random() - time.monotonic()))
    base_url, code = room["base_url"], room["code"]
    phone = Phone(urllib.parse.urlencode({"room": code}))
    ws = None
    try:
        start = time.monotonic()
        # Every page path serves the same index.html; fetch_page resolves its assets from the
        # root, so ask the root (the bytes are those of /Room?room=…).
        await asyncio.to_thread(fetch_page, f"{base_url}/?room={code}")
        ws = await open_stream(base_url)
        await run(ws, phone, base_url)
        result["first_paint_s"] = round(phone.finished_at - start, 3)
        answered: set = set()
        while not room["done"]:
            pending = phone.pending(room["activities"], answered)
            if pending:
                kind, activity_id = pending
                await asyncio.sleep(rng.uniform(options.think_min, options.think_max))
                sent = await answer(ws, phone, base_url, kind, activity_id, rng)
                answered.add(activity_id)
                result["answers"].append({"activity": activity_id, "sent": sent})
            elif phone.auto_rerun:
                interval, fragment = phone.auto_rerun
                await asyncio.sleep(interval)
                await run(ws, phone, base_url, fragment=fragment)
                result["polls"] += 1
            else:  # nothing to answer and no waiting fragment: ask again (a reload)
                await asyncio.sleep(2)
                await run(ws, phone, base_url)
    except Exception as error:  # noqa: BLE001 - record, never take the room down
        result["failures"].append(repr(error)[:300])
    finally:
        result["exceptions"] = phone.exceptions[:5]
        result["exception_count"] = len(phone.exceptions)
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
    return result


async def watch_projector(page, room: dict, activity_id: int, stop: asyncio.Event) -> None:
    """Poll the projector's count line; record when each count was first seen."""
    seen = room["projector"].setdefault(activity_id, {})
    while not stop.is_set():
        with contextlib.suppress(Exception):
            text = await page.evaluate("() => document.body.innerText")
            match = COUNT_PATTERN.search(text)
            if match:
                now = time.monotonic()
                for k in range(1, int(match.group(1)) + 1):
                    seen.setdefault(k, now)
            if await page.locator('[data-testid="stException"]').count():
                room["projector_exceptions"] += 1
        await asyncio.sleep(POLL_S)


async def drive(server: Server, options) -> dict:
    from playwright.async_api import async_playwright

    store = RoomStore(Path(server.data_dir.name) / DB_NAME)
    code, key = store.open_room()
    room = {
        "code": code,
        "base_url": server.url,
        "activities": {},
        "done": False,
        "projector": {},
        "projector_exceptions": 0,
        "answer_counts": {},
        "reveal_waits": {},
    }

    def start(kind: str) -> int:
        if kind == RANDOMISED_RESPONSE:
            activity = store.start_activity(
                code, key, kind, SAMPLE_QUESTIONS[0], COINS["fair"].truth_probability
            )
        else:
            activity = store.start_activity(code, key, kind)
        room["activities"][activity] = kind
        return activity

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = await browser.new_context(viewport={"width": 1280, "height": 720})
        projector = await context.new_page()
        if options.warm_up:
            # The facilitator shows the explorer first: its frontier (the ε activity's) is cached.
            room["warm_up_s"] = round(await protocol_warm_up(f"{server.url}/?epsilon=1"), 2)
            log(f"warm-up: the explorer landed in {room['warm_up_s']} s")
        activity = start(ACTIVITIES[0])
        facilitator = f"{server.url}/Room_facilitator?room={code}&key={key}"
        await projector.goto(facilitator)
        await projector.get_by_text(f"Room {code} · 0 answers").wait_for(timeout=90_000)
        room["t0"] = time.monotonic()
        tasks = [
            asyncio.create_task(participant(i, room, options)) for i in range(options.participants)
        ]
        for number, kind in enumerate(ACTIVITIES):
            if number:
                activity = start(kind)
                await projector.reload()
            stop = asyncio.Event()
            watcher = asyncio.create_task(watch_projector(projector, room, activity, stop))
            window_end = (
                time.monotonic() + options.answer_window + (options.ramp if not number else 0)
            )
            while time.monotonic() < window_end:
                if store.answer_count(activity) >= options.participants:
                    break
                await asyncio.sleep(0.5)
            room["answer_counts"][activity] = stored = store.answer_count(activity)
            shown_by = time.monotonic() + options.show_timeout  # the projector catches up
            while time.monotonic() < shown_by and stored not in room["projector"].get(activity, {}):
                await asyncio.sleep(POLL_S)
            stop.set()
            await watcher
            store.reveal(code, key, activity)
            waited = time.monotonic()
            await projector.reload()
            await projector.get_by_text(f"Room {code} · ").first.wait_for(timeout=120_000)
            room["reveal_waits"][activity] = round(time.monotonic() - waited, 2)
            await asyncio.sleep(options.reveal_pause)
            log(f"activity {kind}: {room['answer_counts'][activity]} answers; revealed")
        room["done"] = True
        room["sessions"] = await asyncio.gather(*tasks)
        with contextlib.suppress(Exception):
            await projector.screenshot(path=str(ARTIFACTS / "room_load_projector.png"))
        await browser.close()
    room["stored_answers"] = {a: store.answer_count(a) for a in room["activities"]}
    return room


def nearest_rank(values: list[float], q: int) -> float | None:
    """Nearest-rank percentile: a value that occurred ('never shown', inf, stays inf)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * q // 100) - 1)]


def summarise(room: dict, samples: list[dict], options) -> dict:
    sessions = room["sessions"]
    latencies, by_kind = [], {}
    for activity, kind in room["activities"].items():
        sent = sorted(
            a["sent"] for s in sessions for a in s["answers"] if a["activity"] == activity
        )
        seen = room["projector"].get(activity, {})
        for k, when in enumerate(sent, start=1):
            latency = max(0.0, seen[k] - when) if k in seen else float("inf")  # inf: never shown
            latencies.append(latency)
            by_kind.setdefault(kind, []).append(latency)
    paints = [s["first_paint_s"] for s in sessions if s["first_paint_s"] is not None]
    failed = [
        s
        for s in sessions
        if s["failures"]
        or s["first_paint_s"] is None
        or len(s["answers"]) != len(ACTIVITIES)
        or s["exception_count"]
    ]
    during = [x for x in samples if x["phase"] == "room"]
    baseline = [x for x in samples if x["phase"] == "baseline"]

    def peak(rows, field):
        values = [r[field] for r in rows if r[field] == r[field]]
        return max(values) if values else None

    def average(rows, field):
        values = [r[field] for r in rows if r[field] == r[field]]
        return sum(values) / len(values) if values else None

    server_cpu = average(during, "cpu_pct")
    machine_cpu = average(during, "machine_cpu_pct")  # all cores = 100
    clients_cpu = average(during, "client_cpu_pct")
    cores = os.cpu_count() or 1
    others = None
    if None not in (server_cpu, machine_cpu, clients_cpu):
        driver = average(during, "driver_cpu_pct") or 0.0
        others = max(0.0, machine_cpu - (server_cpu + clients_cpu + driver) / cores)
    stored = room["stored_answers"]
    return {
        "participants": options.participants,
        "failed_sessions": len(failed),
        "exceptions": sum(s["exception_count"] for s in sessions) + room["projector_exceptions"],
        "answers_sent": sum(len(s["answers"]) for s in sessions),
        "answers_stored": sum(stored.values()),
        "answer_to_projector_p50_s": nearest_rank(latencies, 50),
        "answer_to_projector_p95_s": nearest_rank(latencies, 95),
        "answers_never_on_projector": sum(x == float("inf") for x in latencies),
        "answer_to_projector_p95_by_activity_s": {
            kind: nearest_rank(values, 95) for kind, values in by_kind.items()
        },
        "answer_to_projector_max_s": max(latencies) if latencies else None,
        "first_paint_p50_s": nearest_rank(paints, 50),
        "first_paint_p95_s": nearest_rank(paints, 95),
        "rss_baseline_mib": peak(baseline, "rss_mib"),
        "rss_peak_mib": peak(during, "rss_mib"),
        "server_cpu_mean_pct_of_one_core": server_cpu,
        "machine_cpu_mean_pct": machine_cpu,
        "other_processes_cpu_mean_pct": others,
        "reveal_render_s": room["reveal_waits"],
        "warm_up_s": room.get("warm_up_s"),
        "participant_polls": sum(s["polls"] for s in sessions),
        "failures": [f for s in sessions for f in s["failures"]][:5],
        "exception_texts": [e for s in sessions for e in s["exceptions"]][:5],
    }


def room_warm_up(summary: dict) -> str:
    value = summary.get("warm_up_s")
    return "—" if value is None else f"{value:g} s"


def fmt(value, unit: str = "", digits: int = 2) -> str:
    if value is None:
        return "—"
    if value == float("inf"):
        return "never"
    return f"{value:.{digits}f}{unit}"


def render(summary: dict, options, command: str, started: dt.datetime, wall: float) -> str:
    ok = {
        "failed sessions = 0": summary["failed_sessions"] == 0,
        "exceptions = 0": summary["exceptions"] == 0,
        "answer → projector p95 ≤ 2 s": (summary["answer_to_projector_p95_s"] or 1e9)
        <= TARGETS["answer_to_projector_p95_s"],
        "first paint p95 ≤ 3 s": (summary["first_paint_p95_s"] or 1e9)
        <= TARGETS["first_paint_p95_s"],
    }
    rows = [
        ["participants", str(summary["participants"])],
        ["failed sessions", str(summary["failed_sessions"])],
        ["exceptions", str(summary["exceptions"])],
        ["answers sent / stored", f"{summary['answers_sent']} / {summary['answers_stored']}"],
        ["answers never shown on the projector", str(summary["answers_never_on_projector"])],
        [
            "answer → projector p95 per activity",
            ", ".join(
                f"{kind}: {fmt(value, ' s')}"
                for kind, value in summary["answer_to_projector_p95_by_activity_s"].items()
            ),
        ],
        [
            "answer → projector count p50 / p95 / max",
            " / ".join(
                fmt(summary[f"answer_to_projector_{q}_s"], " s") for q in ("p50", "p95", "max")
            ),
        ],
        [
            "participant first paint p50 / p95",
            " / ".join(fmt(summary[f"first_paint_{q}_s"], " s") for q in ("p50", "p95")),
        ],
        [
            "server RSS baseline → peak",
            f"{fmt(summary['rss_baseline_mib'], ' MiB', 0)} → "
            f"{fmt(summary['rss_peak_mib'], ' MiB', 0)}",
        ],
        [
            "server CPU (mean, % of one core)",
            fmt(summary["server_cpu_mean_pct_of_one_core"], "%", 0),
        ],
        [
            "machine CPU (mean, all cores = 100%) / other processes",
            f"{fmt(summary['machine_cpu_mean_pct'], '%', 0)} / "
            f"{fmt(summary['other_processes_cpu_mean_pct'], '%', 0)}",
        ],
        ["projector render after each reveal", json.dumps(summary["reveal_render_s"])],
        ["participant waiting polls (4 s fragment)", str(summary["participant_polls"])],
    ]
    verdict = ", ".join(f"{name}: {'met' if met else 'NOT met'}" for name, met in ok.items())
    start, end = section_markers(options.section)
    return "\n".join(
        [
            start,
            f"## Results: {options.section}",
            "",
            "<!-- Written by scripts/room_load_test.py; change the script, not this section. -->",
            "",
            f"### Workshop room: {options.participants} phones through three activities",
            "",
            f"`{command}` · {started:%Y-%m-%d %H:%M} UTC · {wall:.0f} s · "
            f"{os.cpu_count()} cores, load average before {options.load_before:.2f}",
            "",
            markdown_table(["measure", "value"], rows),
            "",
            f"Targets: {verdict}.",
            "",
            "Method: participants are protocol clients (the WebSocket messages a browser "
            "sends), joining at random times within the ramp and answering after a "
            f"{options.think_min:g}–{options.think_max:g} s think time; the projector is one "
            f"headless Chromium at 1280×720 whose count line is read every {POLL_S:g} s "
            "(so the answer → projector figures include up to that much polling delay). "
            "First paint: link opened (page and its assets fetched over HTTP) → the first "
            "script run finished. Activities are started and revealed through the store; "
            "the projector page is reloaded after each, as the facilitator's click would rerun it. "
            + (
                f"Before the room the explorer was opened once ({room_warm_up(summary)}), as a "
                "facilitator would, so the ε activity's frontier was cached."
                if options.warm_up
                else "No warm-up: the ε activity trained the frontier while the room waited."
            ),
            end,
        ]
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=60)
    parser.add_argument("--ramp", type=float, default=30.0, help="join window, seconds")
    parser.add_argument("--think-min", type=float, default=2.0)
    parser.add_argument("--think-max", type=float, default=8.0)
    parser.add_argument("--answer-window", type=float, default=60.0)
    parser.add_argument("--reveal-pause", type=float, default=6.0)
    parser.add_argument(
        "--show-timeout", type=float, default=60.0, help="wait for the projector's last count"
    )
    parser.add_argument("--baseline", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--no-warm-up",
        dest="warm_up",
        action="store_false",
        help="skip the facilitator's first visit of the explorer (the ε activity then trains "
        "the frontier while the room waits)",
    )
    parser.add_argument("--out", type=Path)
    parser.add_argument("--section", default="room")
    options = parser.parse_args(argv)
    if not 1 <= options.participants <= 200:
        parser.error(f"--participants must be in [1, 200]; got {options.participants}")
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: install Debian's chromium", file=sys.stderr)
        return 2
    started = dt.datetime.now(dt.UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    options.load_before = os.getloadavg()[0]
    command = "python scripts/load_test.py room " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    server = Server(free_port(), ARTIFACTS / f"server_room_{stamp}.log")
    begin = time.monotonic()
    server.start()
    sampler = Sampler(server.process.pid, begin, max_seconds=1800)
    sampler.start()
    try:
        sampler.set_phase("baseline")
        time.sleep(options.baseline)
        sampler.set_phase("room")
        log(f"room of {options.participants} on {server.url}")
        room = asyncio.run(drive(server, options))
        sampler.set_phase("after")
        time.sleep(3)
    finally:
        sampler.stop()
        server.stop()
    wall = time.monotonic() - begin
    summary = summarise(room, sampler.snapshot(), options)
    raw = ARTIFACTS / f"room_load_test_{stamp}.json"
    raw.write_text(json.dumps({"summary": summary, "room": room}, indent=1, default=str))
    section = render(summary, options, command.strip(), started, wall)
    print(section)
    log(json.dumps(summary, default=str))
    if options.out:
        write_section(options.out, section, options.section)
        log(f"wrote {options.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
