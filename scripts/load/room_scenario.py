"""A workshop room driven through its three activities: the phones, the projector and the
facilitator's side (the store), with a fault injected when asked."""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
import urllib.parse

from core.rooms.workshop import (
    COINS,
    PICK_EPSILON,
    RANDOMISED_RESPONSE,
    ROOM_CONSENT,
    SAMPLE_QUESTIONS,
    hash_secret,
    new_secret,
)
from core.store.database import ANSWERS
from core.store.room_store import RoomStore, RoomUnavailableError
from scripts.load import ARTIFACTS, log
from scripts.load.faults import FAULT_ACTIVITY, FAULT_SHARE, inject_fault
from scripts.load.protocol import protocol_warm_up
from scripts.load.room_phone import Phone, acknowledged, answer, land, run
from scripts.streamlit_server import CHROMIUM, CHROMIUM_ARGS

POLL_S = 0.2  # the projector's count is read this often
ACTIVITIES = (RANDOMISED_RESPONSE, ROOM_CONSENT, PICK_EPSILON)
COUNT_PATTERN = re.compile(r"Room [A-Z0-9-]+ · (\d+) answers? · answers open")


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
    fault_activity = FAULT_ACTIVITY.get(options.fault)

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
