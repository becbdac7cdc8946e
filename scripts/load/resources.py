"""What a load test samples once a second: memory and CPU of process trees and of the machine.

``ProcStat`` reads one process tree (psutil, or /proc without it); ``ResourceSampler`` is the
thread that samples until stopped, tagging each sample with the run's phase and ending it with
this process's CPU, the machine's CPU and the load average (who used the cores). Two samplers
say what else to read: ``ServerSampler`` (the ε test: one server and the clients beside it) and
``RoomSampler`` (the room: every replica and the database server).
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time


class ProcStat:
    """RSS (MiB) and CPU% of a process tree (less the subtree of ``skip``): psutil or /proc."""

    def __init__(self, pid: int, skip: int | None = None):
        self.pid, self.skip = pid, skip
        try:
            import psutil
        except ImportError:
            psutil = None
        self.psutil = psutil
        self.source = "psutil" if psutil else "/proc"
        self._procs: dict = {}
        self._last_ticks: dict[int, tuple[float, float]] = {}
        self._ticks = os.sysconf("SC_CLK_TCK")

    def sample(self) -> tuple[float, float, int]:
        """(RSS MiB, CPU % of one core since the previous call, number of processes)."""
        return self._sample_psutil() if self.psutil else self._sample_proc()

    def _sample_psutil(self) -> tuple[float, float, int]:
        psutil = self.psutil
        try:
            root = self._procs.get(self.pid) or psutil.Process(self.pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            return float("nan"), float("nan"), 0
        if self.skip is not None:
            skipped = {self.skip}
            with contextlib.suppress(psutil.Error):
                skipped |= {c.pid for c in psutil.Process(self.skip).children(recursive=True)}
            tree = [proc for proc in tree if proc.pid not in skipped]
        rss = cpu = 0.0
        alive = {}
        for proc in tree:
            proc = self._procs.get(proc.pid, proc)  # keep the object: cpu_percent needs history
            try:
                with proc.oneshot():
                    rss += proc.memory_info().rss
                    cpu += proc.cpu_percent(interval=None)
                alive[proc.pid] = proc
            except psutil.Error:
                continue
        self._procs = alive
        return rss / 2**20, cpu, len(alive)

    def _tree_pids(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
        pids, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            if pid == self.skip:
                continue
            pids.append(pid)
            todo.extend(children.get(pid, []))
        return pids

    def _sample_proc(self) -> tuple[float, float, int]:
        rss_kib = 0
        cpu = 0.0
        now = time.monotonic()
        seen = {}
        for pid in self._tree_pids():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                ticks = float(fields[11]) + float(fields[12])  # utime + stime
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            rss_kib += int(line.split()[1])
                            break
            except (OSError, IndexError, ValueError):
                continue
            if pid in self._last_ticks:
                last_ticks, last_time = self._last_ticks[pid]
                if now > last_time:
                    cpu += 100 * (ticks - last_ticks) / self._ticks / (now - last_time)
            seen[pid] = (ticks, now)
        self._last_ticks = seen
        return (rss_kib / 1024 if seen else float("nan")), cpu, len(seen)


def machine_cpu_reader():
    """A callable returning the machine's busy % (all cores = 100) since its previous call."""
    last = [None]

    def read() -> float:
        with open("/proc/stat") as f:
            values = [float(v) for v in f.readline().split()[1:]]
        idle, total = values[3] + values[4], sum(values)
        previous, last[0] = last[0], (idle, total)
        if previous is None or total <= previous[1]:
            return float("nan")
        return 100 * (1 - (idle - previous[0]) / (total - previous[1]))

    return read


def own_cpu_reader():
    """A callable returning this process's CPU % of one core since its previous call.

    This process alone (every thread): the protocol clients and the sampler, without Playwright's
    driver or Chromium.
    """
    last = [None]

    def read() -> float:
        now = (time.monotonic(), time.process_time())
        previous, last[0] = last[0], now
        if previous is None or now[0] <= previous[0]:
            return float("nan")
        return 100 * (now[1] - previous[1]) / (now[0] - previous[0])

    return read


class ResourceSampler(threading.Thread):
    """Takes a sample every ``interval`` s until stop() (or ``max_seconds``).

    Each sample is what ``measure`` reads (tagged with the run's phase), then this process's CPU
    (the protocol clients and the sampler), the whole machine's CPU and the load average, to show
    who used the cores.
    """

    def __init__(self, interval: float = 1.0, max_seconds: float = math.inf):
        super().__init__(daemon=True)
        self.machine_cpu = machine_cpu_reader()
        self.own_cpu = own_cpu_reader()
        self.interval, self.max_seconds = interval, max_seconds
        self.samples: list[dict] = []
        self.phase = "startup"
        self._stop_event = threading.Event()
        self._lock = threading.Lock()

    def prime(self) -> None:
        """Read every process tree once: a CPU% needs a previous reading."""
        raise NotImplementedError

    def measure(self) -> dict:
        """This interval's readings of the process trees, starting with the phase."""
        raise NotImplementedError

    def run(self) -> None:
        self.prime()
        self.machine_cpu()
        self.own_cpu()
        end = time.monotonic() + self.max_seconds
        while not self._stop_event.wait(self.interval) and time.monotonic() < end:
            sample = self.measure()
            sample["driver_cpu_pct"] = round(self.own_cpu(), 1)
            sample["machine_cpu_pct"] = round(self.machine_cpu(), 1)
            sample["load1"] = os.getloadavg()[0]
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


class ServerSampler(ResourceSampler):
    """The ε test's server tree, and the clients: this script's own tree less the server
    (Playwright's driver and Chromium)."""

    def __init__(self, pid: int, t0: float, max_seconds: float, interval: float = 1.0):
        super().__init__(interval, max_seconds)
        self.stat = ProcStat(pid)
        self.clients = ProcStat(os.getpid(), skip=pid)
        self.t0 = t0

    def prime(self) -> None:
        self.stat.sample()
        self.clients.sample()

    def measure(self) -> dict:
        rss, cpu, procs = self.stat.sample()
        client_rss, client_cpu, _ = self.clients.sample()
        return {
            "t": round(time.monotonic() - self.t0, 3),
            "phase": self.phase,
            "rss_mib": round(rss, 2),
            "cpu_pct": round(cpu, 1),
            "procs": procs,
            "client_rss_mib": round(client_rss, 1),
            "client_cpu_pct": round(client_cpu, 1),
        }


class RoomSampler(ResourceSampler):
    """Each replica's tree (RSS, CPU), the database server's tree, and this script's clients (its
    own tree less the replicas: Chromium for the projector and the protocol phones)."""

    def __init__(self, servers: list, database_pid, interval: float = 1.0):
        super().__init__(interval)
        self.servers = [ProcStat(server.process.pid) for server in servers]
        self.server_pids = [server.process.pid for server in servers]
        self.database_pid = database_pid  # a callable: the server's pid changes on a restart
        self.database: ProcStat | None = None
        self.clients = ProcStat(os.getpid())

    def _database_sample(self) -> tuple[float, float]:
        pid = self.database_pid()
        if pid is None:
            return float("nan"), float("nan")
        if self.database is None or self.database.pid != pid:
            self.database = ProcStat(pid)
            self.database.sample()
        rss, cpu, _ = self.database.sample()
        return rss, cpu

    def prime(self) -> None:
        for stat in (*self.servers, self.clients):
            stat.sample()
        self._database_sample()

    def measure(self) -> dict:
        replicas = [stat.sample()[:2] for stat in self.servers]
        tree_rss, tree_cpu, _ = self.clients.sample()
        database_rss, database_cpu = self._database_sample()
        known = [cpu for _, cpu in replicas if cpu == cpu]
        return {
            "phase": self.phase,
            "replica_rss_mib": [round(rss, 1) for rss, _ in replicas],
            "replica_cpu_pct": [round(cpu, 1) for _, cpu in replicas],
            "database_rss_mib": round(database_rss, 1),
            "database_cpu_pct": round(database_cpu, 1),
            "client_cpu_pct": round(max(0.0, tree_cpu - sum(known)), 1),
        }
