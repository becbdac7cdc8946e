"""Load-test a workshop room: N real sessions moving ε against one `streamlit run app.py`.

The ε test's command (``python -m scripts.load``): its flags, one room per size, the report.
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

    python -m scripts.load --sessions-list 2,5 --duration 40 --ramp 5     # a quick look
    python -m scripts.load room --participants 60 --ramp 30   # a workshop room's activities
    python -m scripts.load --sessions 30 --private-every 0 --duration 300 \\
        --out docs/load_test.md --section protocol-shared-30             # a room of 30
    python -m scripts.load --client browser --sessions-list 1,10,20,30 --duration 300 \\
        --out docs/load_test.md                                           # with browsers

Results: a markdown table on stdout; with ``--out`` the file's section (``--section``) is replaced
(or appended); raw samples (every ε move, every resource sample) go to ``artifacts/load_test/``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import signal
import sys
import time
from pathlib import Path

from scripts.load import ARTIFACTS, ROOT, log
from scripts.load.browser_sessions import drive_browser
from scripts.load.epsilon_figures import summarise
from scripts.load.epsilon_report import git_state, render
from scripts.load.markdown import write_section
from scripts.load.protocol import LANDING_TIMEOUT_S
from scripts.load.protocol_sessions import drive_protocol
from scripts.load.resources import ServerSampler
from scripts.load.server import Server
from scripts.streamlit_server import CHROMIUM, free_port


async def drive_room(server: Server, sampler: ServerSampler, n: int, options) -> dict:
    room: dict = {"n": n, "stamp": options.stamp, "evidence_left": 5, "client": options.client}
    if options.client == "browser":
        await drive_browser(server, sampler, n, options, room)
    else:
        await drive_protocol(server, sampler, n, options, room)
    room["closed"] = time.monotonic()
    room["closed_rel"] = room["closed"] - sampler.t0
    room["session_end_rel"] = room["deadline"] - sampler.t0
    return room


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
    sampler = ServerSampler(server.process.pid, start, max_seconds)
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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.load",
        description=__doc__.split("\n\n")[0],
        epilog="A workshop room's three activities instead: python -m scripts.load room --help",
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    command = "python -m scripts.load " + " ".join(argv)
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
