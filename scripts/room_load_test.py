"""Load-test a workshop room: N phones join within a ramp, answer the three activities.

    python scripts/load_test.py room --participants 60 --ramp 30 --out docs/load_test.md
    python scripts/load_test.py room --participants 200 --replicas 2 --database postgresql
    python scripts/load_test.py room --participants 60 --replicas 2 --database postgresql \
        --fault postgres-restart      # or --fault kill-replica

(or ``python scripts/room_load_test.py ...``). ``--replicas`` servers on loopback share one
database: the SQLite file of a throw-away data folder (``--database sqlite``), or a fresh
database created for the run on the PostgreSQL server of ``--database-url`` (default
``$PTE_TEST_POSTGRES_URL``, e.g. the one ``make postgres`` starts) and dropped afterwards.
Phone i joins replica i mod N (a sticky load balancer's spread); the projector is on replica 0.
Faults: ``postgres-restart`` stops the PostgreSQL server (``scripts/postgres.sh stop``) once 40%
of the first activity's answers are in and starts it ``--outage`` seconds later (phones that send
meanwhile get the "send it again" message and send again); ``kill-replica`` SIGKILLs the last
replica once 40% of the second activity's answers are in (its phones open the same link on
replica 0, with the same browser cookie). Each phone carries its browser token as the cookie a
browser would, so the script knows which stored answer is whose: it checks every acknowledged
answer is stored exactly once and nothing unacknowledged was stored.

The room is opened and each activity started and revealed through the store (what the
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
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.rooms.workshop import (  # noqa: E402
    COINS,
    PICK_EPSILON,
    RANDOMISED_RESPONSE,
    ROOM_CONSENT,
    SAMPLE_QUESTIONS,
    hash_secret,
    new_secret,
)
from core.store.database import ANSWERS  # noqa: E402
from core.store.room_store import RoomStore, RoomUnavailableError  # noqa: E402
from core.store.storage import DB_NAME  # noqa: E402
from scripts.load_test import (  # noqa: E402
    ARTIFACTS,
    CONTEXT_INFO,
    ProcStat,
    Server,
    fetch_page,
    log,
    machine_cpu_reader,
    markdown_table,
    open_stream,
    own_cpu_reader,
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
RETRY_TEXT = "did not answer just now"  # the phone's message while the database is away
ACK_TEXTS = ("Your answer is in", "already answered")
FAULT_SHARE = 0.4  # a fault fires once this share of an activity's answers is stored
TOKEN_COOKIE = "pte_browser"  # ui/room.py's browser-token cookie


class Phone:
    """What a phone's browser keeps of the participant page: widgets, buttons, auto-rerun."""

    def __init__(self, query_string: str, token: str | None = None):
        self.query_string = query_string
        self.token = token  # the browser's cookie token (None: the page makes one per session)
        self.alerts: list[str] = []
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
        self.alerts = []  # message boxes of the run that begins

    @property
    def cookie(self) -> str | None:
        return f"{TOKEN_COOKIE}={self.token}" if self.token else None

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
            elif element_kind == "alert":
                self.alerts.append(element.alert.body)
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


async def land(phone: Phone, base_url: str, code: str):
    """Open the participants' link on ``base_url`` as a browser does; return the WebSocket."""
    # Every page path serves the same index.html; fetch_page resolves its assets from the root,
    # so ask the root (the bytes are those of /Room?room=…).
    await asyncio.to_thread(fetch_page, f"{base_url}/?room={code}")
    ws = await open_stream(base_url, cookie=phone.cookie)
    await run(ws, phone, base_url)
    return ws


def acknowledged(phone: Phone) -> bool | None:
    """After an answer's run: True (the page says it is in, or already was), False (the page
    says the database did not answer: send again), None (neither shown)."""
    text = "\n".join(phone.alerts)
    if RETRY_TEXT in text:
        return False
    if any(ack in text for ack in ACK_TEXTS):
        return True
    return None


async def participant(index: int, room: dict, options) -> dict:
    """One phone: land, then answer each activity as it appears, until the room is done.

    A message that the database did not answer: the phone sends again (after 1–3 s, as a person
    would tap again) once the answer buttons are back. A dropped connection (its replica died):
    the phone opens the same link on a live replica, with the same cookie, and carries on.
    """
    rng = random.Random(f"{options.seed}:{index}")
    result = {
        "index": index,
        "replica": index % len(room["base_urls"]),
        "first_paint_s": None,
        "answers": [],
        "failures": [],
        "polls": 0,
        "retry_messages": 0,
        "rejoins": [],
        "token": new_secret(),
    }
    await asyncio.sleep(max(0.0, room["t0"] + options.ramp * rng.random() - time.monotonic()))
    code = room["code"]
    base_url = room["base_urls"][result["replica"]]
    phone = Phone(urllib.parse.urlencode({"room": code}), token=result["token"])
    ws = None
    try:
        start = time.monotonic()
        ws = await land(phone, base_url, code)
        result["first_paint_s"] = round(phone.finished_at - start, 3)
        answered: set = set()
        in_flight = None  # (activity, send time) of an answer whose reply has not come back
        think = (options.think_min, options.think_max)
        while not room["done"]:
            try:
                pending = phone.pending(room["activities"], answered)
                if pending:
                    kind, activity_id = pending
                    await asyncio.sleep(rng.uniform(*think))
                    think = (options.think_min, options.think_max)
                    in_flight = (activity_id, time.monotonic())
                    sent = await answer(ws, phone, base_url, kind, activity_id, rng)
                    in_flight = None
                    ack = acknowledged(phone)
                    if ack is False:
                        result["retry_messages"] += 1
                        think = (1.0, 3.0)  # a quick second tap once the buttons are back
                        continue
                    answered.add(activity_id)
                    result["answers"].append({"activity": activity_id, "sent": sent, "ack": ack})
                elif phone.auto_rerun:
                    interval, fragment = phone.auto_rerun
                    await asyncio.sleep(interval)
                    await run(ws, phone, base_url, fragment=fragment)
                    result["polls"] += 1
                else:  # nothing to answer and no waiting fragment: ask again (a reload)
                    await asyncio.sleep(2)
                    await run(ws, phone, base_url)
            except Exception as error:
                if not _connection_lost(error) or room["done"]:
                    raise
                # Its replica is gone: the same link through the load balancer lands elsewhere.
                lost = time.monotonic()
                alive = [u for u in room["base_urls"] if u not in room["dead"]]
                base_url = alive[index % len(alive)]
                with contextlib.suppress(Exception):
                    await ws.close()
                phone = Phone(urllib.parse.urlencode({"room": code}), token=result["token"])
                ws = await land(phone, base_url, code)
                result["rejoins"].append(round(time.monotonic() - lost, 3))
                if in_flight is not None and acknowledged(phone):
                    # The answer landed before the replica died; the new page says it is in.
                    answered.add(in_flight[0])
                    result["answers"].append(
                        {"activity": in_flight[0], "sent": in_flight[1], "ack": "after rejoin"}
                    )
                in_flight = None
    except Exception as error:  # noqa: BLE001 - record, never take the room down
        result["failures"].append(repr(error)[:300])
    finally:
        result["exceptions"] = phone.exceptions[:5]
        result["exception_count"] = len(phone.exceptions)
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
    return result


def _connection_lost(error: BaseException) -> bool:
    from websockets.exceptions import ConnectionClosed

    return isinstance(error, ConnectionClosed | ConnectionError | OSError | EOFError)


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


async def patiently(call, *args, timeout_s: float = 120.0):
    """A store call from the facilitator's side that waits out a database outage."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return await asyncio.to_thread(call, *args)
        except RoomUnavailableError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def inject_fault(room: dict, servers: list, options) -> None:
    """Stop PostgreSQL for ``--outage`` seconds, or SIGKILL the last replica."""
    began = time.monotonic()
    room["fault"] = {"kind": options.fault, "t": round(began - room["t0"], 2)}
    if options.fault == "postgres-restart":
        script = str(ROOT / "scripts" / "postgres.sh")
        await asyncio.to_thread(subprocess.run, [script, "stop"], check=True, capture_output=True)
        room["fault"]["stopped_after_s"] = round(time.monotonic() - began, 2)
        await asyncio.sleep(options.outage)
        await asyncio.to_thread(subprocess.run, [script, "start"], check=True, capture_output=True)
        room["fault"]["down_s"] = round(time.monotonic() - began, 2)
    elif options.fault == "kill-replica":
        victim = servers[-1]
        room["dead"].add(victim.url)
        os.killpg(victim.process.pid, signal.SIGKILL)
        room["fault"]["killed"] = victim.url
    log(f"fault: {room['fault']}")


async def drive(servers: list, store: RoomStore, options) -> dict:
    from playwright.async_api import async_playwright

    code, key = store.open_room()
    room = {
        "code": code,
        "base_urls": [server.url for server in servers],
        "dead": set(),
        "activities": {},
        "done": False,
        "projector": {},
        "projector_exceptions": 0,
        "answer_counts": {},
        "reveal_waits": {},
        "fault": None,
    }
    fault_activity = {"postgres-restart": 0, "kill-replica": 1}.get(options.fault)

    async def start(kind: str) -> int:
        if kind == RANDOMISED_RESPONSE:
            args = (code, key, kind, SAMPLE_QUESTIONS[0], COINS["fair"].truth_probability)
        else:
            args = (code, key, kind)
        activity = await patiently(store.start_activity, *args)
        room["activities"][activity] = kind
        return activity

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = await browser.new_context(viewport={"width": 1280, "height": 720})
        projector = await context.new_page()
        projector_url = servers[0].url
        if options.warm_up:
            # The facilitator shows the explorer first: its frontier (the ε activity's) is cached
            # (on every replica: each has its own caches).
            for server in servers:
                room.setdefault("warm_up_s", []).append(
                    round(await protocol_warm_up(f"{server.url}/?epsilon=1"), 2)
                )
            log(f"warm-up: the explorer landed in {room['warm_up_s']} s")
        activity = await start(ACTIVITIES[0])
        facilitator = f"{projector_url}/Room_facilitator?room={code}&key={key}"
        await projector.goto(facilitator)
        await projector.get_by_text(f"Room {code} · 0 answers").wait_for(timeout=90_000)
        room["t0"] = time.monotonic()
        tasks = [
            asyncio.create_task(participant(i, room, options)) for i in range(options.participants)
        ]
        fault_task = None
        for number, kind in enumerate(ACTIVITIES):
            if number:
                activity = await start(kind)
                await projector.reload()
            stop = asyncio.Event()
            watcher = asyncio.create_task(watch_projector(projector, room, activity, stop))
            window_end = (
                time.monotonic() + options.answer_window + (options.ramp if not number else 0)
            )
            if fault_activity == number:
                window_end += options.outage + 30  # the phones' second tries need the time
            stored = 0
            while time.monotonic() < window_end:
                with contextlib.suppress(RoomUnavailableError):
                    stored = await asyncio.to_thread(store.answer_count, activity)
                if stored >= options.participants:
                    break
                if (
                    fault_activity == number
                    and fault_task is None
                    and stored >= FAULT_SHARE * options.participants
                ):
                    fault_task = asyncio.create_task(inject_fault(room, servers, options))
                await asyncio.sleep(0.5)
            if fault_task is not None:
                await fault_task
            room["answer_counts"][activity] = stored = await patiently(store.answer_count, activity)
            shown_by = time.monotonic() + options.show_timeout  # the projector catches up
            while time.monotonic() < shown_by and stored not in room["projector"].get(activity, {}):
                await asyncio.sleep(POLL_S)
            stop.set()
            await watcher
            await patiently(store.reveal, code, key, activity)
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
    room["stored_voters"] = stored_voters(store, list(room["activities"]))
    room["dead"] = sorted(room["dead"])
    return room


def stored_voters(store: RoomStore, activities: list[int]) -> dict[int, list[str]]:
    """Each activity's stored voter hashes (one per row: a repeat would show twice)."""
    import sqlalchemy as sa

    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.select(ANSWERS.c.activity_id, ANSWERS.c.voter_hash).where(
                ANSWERS.c.activity_id.in_(activities)
            )
        ).all()
    voters: dict[int, list[str]] = {a: [] for a in activities}
    for activity, voter in rows:
        voters[activity].append(voter)
    return voters


def check_once(room: dict) -> dict:
    """Every acknowledged answer stored once; nothing stored that no phone saw acknowledged."""
    code = room["code"]
    stored = room["stored_voters"]
    duplicates = sum(len(v) - len(set(v)) for v in stored.values())
    lost = unacknowledged = 0
    for activity, voters in stored.items():
        voters = set(voters)
        acked = {
            hash_secret(f"{code}:{s['token']}")
            for s in room["sessions"]
            for a in s["answers"]
            if a["activity"] == activity
        }
        lost += len(acked - voters)
        unacknowledged += len(voters - acked)
    return {
        "stored_twice": duplicates,
        "acknowledged_not_stored": lost,
        "stored_not_acknowledged": unacknowledged,
    }


class RoomSampler(threading.Thread):
    """Every second: each replica's tree (RSS, CPU), the database server's tree, this script's
    clients (its own tree less the replicas: Chromium for the projector and the protocol phones),
    and the whole machine's CPU."""

    def __init__(self, servers: list, database_pid, interval: float = 1.0):
        super().__init__(daemon=True)
        self.servers = [ProcStat(server.process.pid) for server in servers]
        self.server_pids = [server.process.pid for server in servers]
        self.database_pid = database_pid  # a callable: the server's pid changes on a restart
        self.database: ProcStat | None = None
        self.clients = ProcStat(os.getpid())
        self.machine_cpu = machine_cpu_reader()
        self.own_cpu = own_cpu_reader()
        self.interval = interval
        self.samples: list[dict] = []
        self.phase = "startup"
        self._stop_event = threading.Event()
        self._lock = threading.Lock()

    def _database_sample(self) -> tuple[float, float]:
        pid = self.database_pid()
        if pid is None:
            return float("nan"), float("nan")
        if self.database is None or self.database.pid != pid:
            self.database = ProcStat(pid)
            self.database.sample()
        rss, cpu, _ = self.database.sample()
        return rss, cpu

    def run(self) -> None:
        for stat in (*self.servers, self.clients):
            stat.sample()
        self._database_sample()
        self.machine_cpu()
        self.own_cpu()
        while not self._stop_event.wait(self.interval):
            replicas = [stat.sample()[:2] for stat in self.servers]
            tree_rss, tree_cpu, _ = self.clients.sample()
            database_rss, database_cpu = self._database_sample()
            known = [cpu for _, cpu in replicas if cpu == cpu]
            sample = {
                "phase": self.phase,
                "replica_rss_mib": [round(rss, 1) for rss, _ in replicas],
                "replica_cpu_pct": [round(cpu, 1) for _, cpu in replicas],
                "database_rss_mib": round(database_rss, 1),
                "database_cpu_pct": round(database_cpu, 1),
                "client_cpu_pct": round(max(0.0, tree_cpu - sum(known)), 1),
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

    def values(rows, pick):
        found = [pick(r) for r in rows]
        return [v for v in found if v is not None and v == v]

    def peak(rows, pick):
        found = values(rows, pick)
        return max(found) if found else None

    def average(rows, pick):
        found = values(rows, pick)
        return sum(found) / len(found) if found else None

    replicas = len(room["base_urls"])
    replica_cpu = [average(during, lambda r, i=i: r["replica_cpu_pct"][i]) for i in range(replicas)]
    replica_rss_peak = [
        peak(during, lambda r, i=i: r["replica_rss_mib"][i]) for i in range(replicas)
    ]
    replica_rss_base = [
        peak(baseline, lambda r, i=i: r["replica_rss_mib"][i]) for i in range(replicas)
    ]
    database_cpu = average(during, lambda r: r["database_cpu_pct"])
    machine_cpu = average(during, lambda r: r["machine_cpu_pct"])  # all cores = 100
    clients_cpu = average(during, lambda r: r["client_cpu_pct"])
    driver_cpu = average(during, lambda r: r["driver_cpu_pct"]) or 0.0
    cores = os.cpu_count() or 1
    others = None
    if machine_cpu is not None and clients_cpu is not None and None not in replica_cpu:
        ours = sum(replica_cpu) + (database_cpu or 0.0) + clients_cpu + driver_cpu
        others = max(0.0, machine_cpu - ours / cores)
    stored = room["stored_answers"]
    once = check_once(room)
    return {
        "participants": options.participants,
        "replicas": replicas,
        "database": options.database,
        "fault": room.get("fault"),
        "failed_sessions": len(failed),
        "exceptions": sum(s["exception_count"] for s in sessions) + room["projector_exceptions"],
        "answers_sent": sum(len(s["answers"]) for s in sessions),
        "answers_stored": sum(stored.values()),
        **once,
        "retry_messages": sum(s["retry_messages"] for s in sessions),
        "phones_with_a_retry_message": sum(1 for s in sessions if s["retry_messages"]),
        "rejoins": sum(len(s["rejoins"]) for s in sessions),
        "rejoin_p95_s": nearest_rank([t for s in sessions for t in s["rejoins"]], 95),
        "answer_to_projector_p50_s": nearest_rank(latencies, 50),
        "answer_to_projector_p95_s": nearest_rank(latencies, 95),
        "answers_never_on_projector": sum(x == float("inf") for x in latencies),
        "answer_to_projector_p95_by_activity_s": {
            kind: nearest_rank(values, 95) for kind, values in by_kind.items()
        },
        "answer_to_projector_max_s": max(latencies) if latencies else None,
        "first_paint_p50_s": nearest_rank(paints, 50),
        "first_paint_p95_s": nearest_rank(paints, 95),
        "replica_rss_baseline_mib": replica_rss_base,
        "replica_rss_peak_mib": replica_rss_peak,
        "replica_cpu_mean_pct_of_one_core": replica_cpu,
        "database_cpu_mean_pct_of_one_core": database_cpu,
        "database_rss_peak_mib": peak(during, lambda r: r["database_rss_mib"]),
        "clients_cpu_mean_pct_of_one_core": clients_cpu,
        "machine_cpu_mean_pct": machine_cpu,
        "other_processes_cpu_mean_pct": others,
        "load1_mean": average(during, lambda r: r["load1"]),
        "reveal_render_s": room["reveal_waits"],
        "warm_up_s": room.get("warm_up_s"),
        "participant_polls": sum(s["polls"] for s in sessions),
        "failures": [f for s in sessions for f in s["failures"]][:5],
        "exception_texts": [e for s in sessions for e in s["exceptions"]][:5],
    }


def room_warm_up(summary: dict) -> str:
    value = summary.get("warm_up_s")
    if not value:
        return "—"
    return " / ".join(f"{v:g} s" for v in value) + (" (per replica)" if len(value) > 1 else "")


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
        ["replicas · database", f"{summary['replicas']} · {summary['database']}"],
        ["fault", json.dumps(summary["fault"]) if summary["fault"] else "none"],
        ["answers sent / stored", f"{summary['answers_sent']} / {summary['answers_stored']}"],
        [
            "stored twice / acknowledged but not stored / stored but not acknowledged",
            f"{summary['stored_twice']} / {summary['acknowledged_not_stored']} / "
            f"{summary['stored_not_acknowledged']}",
        ],
        [
            "'send it again' messages (phones) · rejoins on another replica (p95 s)",
            f"{summary['retry_messages']} ({summary['phones_with_a_retry_message']}) · "
            f"{summary['rejoins']} ({fmt(summary['rejoin_p95_s'])})",
        ],
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
            "replica RSS baseline → peak",
            ", ".join(
                f"{fmt(b, ' MiB', 0)} → {fmt(p, ' MiB', 0)}"
                for b, p in zip(
                    summary["replica_rss_baseline_mib"],
                    summary["replica_rss_peak_mib"],
                    strict=True,
                )
            ),
        ],
        [
            "replica CPU (mean, % of one core)",
            ", ".join(fmt(c, "%", 0) for c in summary["replica_cpu_mean_pct_of_one_core"]),
        ],
        [
            "database CPU (mean, % of one core) · RSS peak",
            f"{fmt(summary['database_cpu_mean_pct_of_one_core'], '%', 0)} · "
            f"{fmt(summary['database_rss_peak_mib'], ' MiB', 0)}",
        ],
        [
            "test clients CPU (mean, % of one core: projector Chromium + protocol phones)",
            fmt(summary["clients_cpu_mean_pct_of_one_core"], "%", 0),
        ],
        [
            "machine CPU (mean, all cores = 100%) / other processes · load average",
            f"{fmt(summary['machine_cpu_mean_pct'], '%', 0)} / "
            f"{fmt(summary['other_processes_cpu_mean_pct'], '%', 0)} · "
            f"{fmt(summary['load1_mean'])}",
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
            f"### Workshop room: {options.participants} phones through three activities, "
            f"{summary['replicas']} replica{'s' if summary['replicas'] > 1 else ''}, "
            f"{summary['database']}",
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


class RunDatabase:
    """The run's shared database: a SQLite file in the run's data folder, or a fresh PostgreSQL
    database on the given server (created here, dropped afterwards)."""

    def __init__(self, options, data_dir: str, stamp: str):
        import sqlalchemy as sa

        self.options = options
        if options.database == "sqlite":
            self.url = f"sqlite:///{Path(data_dir) / DB_NAME}"
            self.admin = None
            return
        self.name = f"pte_load_{stamp.lower()}"
        server = sa.make_url(options.database_url)
        self.url = server.set(database=self.name).render_as_string(hide_password=False)
        self.admin = sa.create_engine(
            server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )

    def create(self) -> None:
        if self.admin is not None:
            with self.admin.connect() as connection:
                connection.exec_driver_sql(f"CREATE DATABASE {self.name}")
                self.data_directory = Path(
                    connection.exec_driver_sql(
                        "SELECT setting FROM pg_settings WHERE name = 'data_directory'"
                    ).scalar_one()
                )

    def drop(self) -> None:
        if self.admin is None:
            return
        with contextlib.suppress(Exception), self.admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        self.admin.dispose()

    def server_pid(self) -> int | None:
        """The PostgreSQL server's pid (its postmaster.pid; it changes on a restart)."""
        if self.admin is None:
            return None
        try:
            return int((self.data_directory / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):  # down (a restart): no sample this second
            return None


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
    parser.add_argument("--replicas", type=int, default=1, help="app processes (1 to 4)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("PTE_TEST_POSTGRES_URL"),
        help="a PostgreSQL server to create the run's database on (default "
        "$PTE_TEST_POSTGRES_URL, printed by `make postgres`)",
    )
    parser.add_argument(
        "--fault", choices=("none", "postgres-restart", "kill-replica"), default="none"
    )
    parser.add_argument("--outage", type=float, default=6.0, help="seconds PostgreSQL is down")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--section", default="room")
    options = parser.parse_args(argv)
    if not 1 <= options.replicas <= 4:
        parser.error(f"--replicas must be in [1, 4]; got {options.replicas}")
    if options.database == "postgresql" and not options.database_url:
        parser.error("--database postgresql needs --database-url or $PTE_TEST_POSTGRES_URL")
    if options.fault == "postgres-restart" and options.database != "postgresql":
        parser.error("--fault postgres-restart needs --database postgresql")
    if options.fault == "kill-replica" and options.replicas < 2:
        parser.error("--fault kill-replica needs --replicas 2 or more")
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
    begin = time.monotonic()
    data_dir = tempfile.TemporaryDirectory(prefix="pte_room_data_")
    database = RunDatabase(options, data_dir.name, stamp)
    servers = [
        Server(free_port(), ARTIFACTS / f"server_room_{stamp}_{i}.log")
        for i in range(options.replicas)
    ]
    try:
        database.create()
        for server in servers:
            server.env["PTE_DATABASE_URL"] = database.url
            server.start()
        store = RoomStore(database.url)
        sampler = RoomSampler(servers, database.server_pid)
        sampler.start()
        sampler.set_phase("baseline")
        time.sleep(options.baseline)
        sampler.set_phase("room")
        log(f"room of {options.participants} on {[s.url for s in servers]}, {database.url}")
        room = asyncio.run(drive(servers, store, options))
        sampler.set_phase("after")
        time.sleep(3)
        sampler.stop()
        store.dispose()
    finally:
        for server in servers:
            with contextlib.suppress(Exception):
                server.stop()
        database.drop()
        data_dir.cleanup()
    wall = time.monotonic() - begin
    summary = summarise(room, sampler.snapshot(), options)
    for session in room["sessions"]:
        session.pop("token")  # the browser tokens stay out of the raw file
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
