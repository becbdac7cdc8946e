"""The room's figures and report: answer → projector latency, first paint, stored-once checks,
resources, and the markdown section that shows them against the targets."""

from __future__ import annotations

import datetime as dt
import json
import os

from scripts.load.markdown import markdown_table, section_markers
from scripts.load.room_scenario import ACTIVITIES, POLL_S, check_once

TARGETS = {"answer_to_projector_p95_s": 2.0, "first_paint_p95_s": 3.0}


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
            "<!-- Written by python -m scripts.load room; change the script, not this section. -->",
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
