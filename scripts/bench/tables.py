"""How the benchmark's figures read: seconds, the "met" column and its markdown tables."""

from __future__ import annotations

import numpy as np


def fmt_seconds(seconds: float | None) -> str:
    if seconds is None or not np.isfinite(seconds):
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms" if seconds < 0.1 else f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"


def fmt_met(met: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "—"}[met]


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in r) + " |" for r in rows]
    return "\n".join(lines)


def timing_table(rows: list[dict]) -> str:
    body = [
        [
            r["name"],
            fmt_seconds(r["median"]),
            fmt_seconds(r["p95"]) if r["show_p95"] else "—",
            str(r["n"]),
            r["target"] or "—",
            fmt_met(r["met"]),
        ]
        for r in rows
    ]
    return markdown_table(["measurement", "median", "p95", "runs", "target", "met"], body)


def niceness_note(result: dict) -> str:
    """A sentence for a section run under ``nice`` (its figures then come first on the CPUs)."""
    if not result.get("niceness"):
        return ""
    return (
        f" Run at niceness {result['niceness']} (`nice -n {result['niceness']}`), ahead of "
        "the other processes on the machine."
    )
