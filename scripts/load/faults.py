"""The faults a room can meet mid-activity: PostgreSQL restarted, or one replica killed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time

from scripts.load import ROOT, log

FAULT_SHARE = 0.4  # a fault fires once this share of an activity's answers is stored
# The activity (its place in the room's order) in which each fault fires.
FAULT_ACTIVITY = {"postgres-restart": 0, "kill-replica": 1}


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
