"""What every session of the ε test shares, whatever its client (protocol or Chromium).

Its plan (which seed, when it opens), the random walk of ε it follows, its result before any
move, and running a room's sessions side by side with a bound on a stuck one.
"""

from __future__ import annotations

import asyncio
import random
import time

from core.setting.scenario import EPSILON_STOPS
from scripts.load.protocol import LANDING_TIMEOUT_S
from scripts.load.resources import ServerSampler

SHARED_SEED = 42
PRIVATE_SEED_BASE = 1_000
START_EPSILON = 1.0

# The random walk of ε stays between these stops (both are frontier stops, so every move is
# served from the cached frontier; the landing of a new seed is what computes).
WALK_LOW, WALK_HIGH = 0.1, 20.0


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


async def think(rng: random.Random, options, deadline: float) -> None:
    """A participant's pause between two moves (seeded), cut short at the room's deadline."""
    pause = rng.uniform(options.think_min, options.think_max)
    await asyncio.sleep(max(0.0, min(pause, deadline - time.monotonic())))


def record_session_failure(result: dict, t0: float, error: BaseException) -> None:
    """A session ended by an error: recorded in its result, never raised (the room goes on)."""
    result["failures"].append(
        {"t": time.monotonic() - t0, "what": "session", "error": repr(error)[:500]}
    )


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


async def run_sessions(
    sampler: ServerSampler, room: dict, options, plans: list[dict], coroutines: list
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
