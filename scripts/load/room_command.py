"""Load-test a workshop room: N phones join within a ramp, answer the three activities.

The room's command (``python -m scripts.load room``): its flags, the run and the report.

    python -m scripts.load room --participants 60 --ramp 30 --out docs/load_test.md
    python -m scripts.load room --participants 200 --replicas 2 --database postgresql
    python -m scripts.load room --participants 60 --replicas 2 --database postgresql \
        --fault postgres-restart      # or --fault kill-replica

``--replicas`` servers on loopback share one
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
Streamlit's own WebSocket protocol (the ε test's client, ``protocol``): each opens the
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
import sys
import tempfile
import time
from pathlib import Path

from core.store.room_store import RoomStore
from scripts.load import ARTIFACTS, log
from scripts.load.markdown import write_section
from scripts.load.resources import RoomSampler
from scripts.load.room_database import RunDatabase
from scripts.load.room_report import render, summarise
from scripts.load.room_scenario import drive
from scripts.load.server import Server
from scripts.streamlit_server import CHROMIUM, free_port


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.load room", description=__doc__.split("\n\n")[0]
    )
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
    command = "python -m scripts.load room " + " ".join(argv if argv is not None else sys.argv[1:])
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
    raw = ARTIFACTS / f"room_{stamp}.json"
    raw.write_text(json.dumps({"summary": summary, "room": room}, indent=1, default=str))
    section = render(summary, options, command.strip(), started, wall)
    print(section)
    log(json.dumps(summary, default=str))
    if options.out:
        write_section(options.out, section, options.section)
        log(f"wrote {options.out}")
    return 0
