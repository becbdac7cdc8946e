"""How the benchmark measures: timings and their summary, peak memory, and the share of the
CPUs that other processes took while a section ran."""

from __future__ import annotations

import os
import resource
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from scripts.bench.tables import fmt_seconds


def summary(samples: list[float]) -> dict:
    """Median, p95 (linear interpolation), min, max and count of timings in seconds."""
    values = np.asarray(samples, dtype=float)
    return {
        "n": int(values.size),
        "median": float(np.median(values)),
        "p95": float(np.percentile(values, 95)),
        "min": float(values.min()),
        "max": float(values.max()),
    }


def repeat(function: Callable[[], object], runs: int) -> list[float]:
    """Wall-clock seconds of ``runs`` calls of ``function`` (time.perf_counter)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def row(
    name: str,
    samples: list[float] | dict,
    *,
    target: float | None = None,
    target_text: str = "",
    show_p95: bool = True,
    key: str = "",
) -> dict:
    stats = samples if isinstance(samples, dict) else summary(samples)
    met = None if target is None else stats["median"] <= target
    return {
        "name": name,
        **stats,
        "show_p95": show_p95,
        "target": target_text or (f"≤ {fmt_seconds(target)}" if target is not None else ""),
        "met": met,
        "key": key,
    }


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


class CpuSampler(threading.Thread):
    """Samples /proc to split the machine's CPU time between this run's process tree and others.

    Chromium's renderers are forked by its zygote and never reaped up our chain, so
    ``RUSAGE_CHILDREN`` misses them; walking /proc every ``interval`` seconds does not.
    """

    def __init__(self, interval: float = 0.5):
        super().__init__(daemon=True)
        self.interval = interval
        self.root = os.getpid()
        self.tick = os.sysconf("SC_CLK_TCK")
        self.boot = time.time() - float(Path("/proc/uptime").read_text().split()[0])
        self.started = time.time()
        self.first: dict[tuple[int, int], float] = {}
        self.last: dict[tuple[int, int], float] = {}
        self.ours: set[tuple[int, int]] = set()
        self.stopped = threading.Event()

    def _sample(self) -> None:
        parents, keys = {}, {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            fields = text[text.rindex(")") + 2 :].split()
            pid = int(entry.name)
            cpu = (int(fields[11]) + int(fields[12])) / self.tick  # utime + stime
            born = self.boot + int(fields[19]) / self.tick
            key = (pid, int(fields[19]))
            parents[pid], keys[pid] = int(fields[1]), key
            # A process born during the run counts from zero; an older one from first sight.
            self.first.setdefault(key, 0.0 if born >= self.started else cpu)
            self.last[key] = cpu
        for pid, key in keys.items():
            ancestor, hops = pid, 0
            while ancestor > 1 and hops < 64:
                if ancestor == self.root:
                    self.ours.add(key)
                    break
                ancestor, hops = parents.get(ancestor, 0), hops + 1

    def run(self) -> None:
        while not self.stopped.is_set():
            self._sample()
            self.stopped.wait(self.interval)

    def stop(self) -> float:
        """Stop sampling; return the share of all CPUs that other processes used meanwhile."""
        self.stopped.set()
        self.join()
        self._sample()
        wall = time.time() - self.started
        other = sum(self.last[key] - self.first[key] for key in self.last if key not in self.ours)
        return max(other, 0.0) / (wall * len(os.sched_getaffinity(0)))
