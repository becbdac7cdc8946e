"""The ε test's figures: one room's raw moves and resource samples summarised."""

from __future__ import annotations

import statistics


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolation percentile (numpy's default), None for an empty list."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: list[float]) -> float | None:
    values = [v for v in values if v == v]  # drop NaN
    return statistics.fmean(values) if values else None


def summarise(n: int, room: dict, options) -> dict:
    sessions = room["sessions"]
    moves = [m for s in sessions for m in s["moves"]]
    latencies = [m["latency_s"] for m in moves if m["latency_s"] is not None]
    steady = [m["latency_s"] for m in moves if m["latency_s"] is not None and not m["during_ramp"]]
    server = [m["server_s"] for m in moves if m.get("server_s") is not None]
    chart = [m["chart_s"] for m in moves if m.get("chart_s") is not None]
    probe_moves = [m for s in room.get("probe", []) for m in s["moves"]]
    probe = [m["latency_s"] for m in probe_moves if m["latency_s"] is not None]
    probe_server = [m["server_s"] for m in probe_moves if m.get("server_s") is not None]
    # The browser's own share of a move: its latency less the server round trip it saw.
    probe_browser = [
        m["latency_s"] - m["server_s"]
        for m in probe_moves
        if m["latency_s"] is not None and m.get("server_s") is not None
    ]
    samples = room["samples"]
    t0, ramp_end = room["t0_rel"], room["t0_rel"] + options.ramp
    session_end, closed = room["session_end_rel"], room["closed_rel"]

    def window(lo: float, hi: float, key: str) -> list[float]:
        return [s[key] for s in samples if lo <= s["t"] <= hi and s[key] == s[key]]

    baseline = window(t0 - options.baseline, t0, "rss_mib")
    during_rss = window(t0, closed, "rss_mib")
    during_cpu = window(t0, closed, "cpu_pct")
    machine = window(t0, closed, "machine_cpu_pct")
    client_cpu = window(t0, closed, "client_cpu_pct")
    client_rss = window(t0, closed, "client_rss_mib")
    driver_cpu = window(t0, closed, "driver_cpu_pct")
    after = window(closed + 30, closed + 60, "rss_mib")
    after_all = window(closed, closed + options.after_close + 5, "rss_mib")
    steady_mid = ramp_end + (session_end - ramp_end) / 2
    early, late = (
        window(ramp_end, steady_mid, "rss_mib"),
        window(steady_mid, session_end, "rss_mib"),
    )
    failures = [f for s in sessions for f in s["failures"]]
    landing = [s["landing_s"] for s in sessions if s["landing_s"] is not None]
    return {
        "sessions": n,
        "shared_seed_sessions": sum(1 for s in sessions if s["shared_seed"]),
        "private_seed_sessions": sum(1 for s in sessions if not s["shared_seed"]),
        "moves_measured": len(latencies),
        "moves_attempted": len(moves),
        "failures": len(failures),
        "failed_sessions": sum(1 for s in sessions if s["failures"]),
        "failure_kinds": sorted({f["what"] for f in failures}),
        "exceptions": sum(s["exceptions"] for s in sessions),
        "page_errors": sum(len(s["page_errors"]) for s in sessions),
        "console_errors": sum(s["console_errors"] for s in sessions),
        "p50_s": percentile(latencies, 50),
        "p95_s": percentile(latencies, 95),
        "max_s": max(latencies) if latencies else None,
        "p95_after_ramp_s": percentile(steady, 95),
        "server_p50_s": percentile(server, 50),
        "server_p95_s": percentile(server, 95),
        "server_max_s": max(server) if server else None,
        "landing_p50_s": percentile(landing, 50),
        "landing_max_s": max(landing) if landing else None,
        "rss_fresh_mib": room["fresh_rss_mib"],
        "rss_baseline_mib": mean(baseline),
        "rss_peak_mib": max(during_rss) if during_rss else None,
        "rss_after_close_mib": mean(after),
        "rss_after_close_last_mib": after_all[-1] if after_all else None,
        "rss_steady_early_peak_mib": max(early) if early else None,
        "rss_steady_late_peak_mib": max(late) if late else None,
        "cpu_mean_pct": mean(during_cpu),
        "cpu_peak_pct": max(during_cpu) if during_cpu else None,
        # The server's CPU time over the room per ε move it served (landings included): its
        # cost of a move whatever the competition for the cores.
        "cpu_s_per_move": (
            sum(during_cpu) / 100 / len(latencies) if during_cpu and latencies else None
        ),
        "machine_cpu_mean_pct": mean(machine),
        "client_cpu_mean_pct": mean(client_cpu),
        "client_rss_peak_mib": max(client_rss) if client_rss else None,
        "driver_cpu_mean_pct": mean(driver_cpu),
        "client": room.get("client", "browser"),
        "reconnects": sum(s.get("reconnects", 0) for s in sessions),
        "chart_p50_s": percentile(chart, 50),
        "chart_p95_s": percentile(chart, 95),
        "probe_sessions": len(room.get("probe", [])),
        "probe_moves": len(probe),
        "probe_failures": sum(len(s["failures"]) for s in room.get("probe", [])),
        "probe_exceptions": sum(s["exceptions"] for s in room.get("probe", [])),
        "probe_p50_s": percentile(probe, 50),
        "probe_p95_s": percentile(probe, 95),
        "probe_server_p50_s": percentile(probe_server, 50),
        "probe_server_p95_s": percentile(probe_server, 95),
        "probe_browser_p50_s": percentile(probe_browser, 50),
        "probe_browser_p95_s": percentile(probe_browser, 95),
        "probe_landing_s": next(
            (s["landing_s"] for s in room.get("probe", []) if s["landing_s"] is not None), None
        ),
        "warm_up_s": room.get("warm_up_s"),
        "server_alive_at_end": room.get("server_alive_at_end"),
        "wall_s": room["wall_s"],
    }
