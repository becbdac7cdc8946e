"""Evidence to take away: comparison tables, spreadsheet-safe CSV, a self-contained HTML report."""

from __future__ import annotations

import html
import io
import math
from datetime import UTC, datetime

import pandas as pd
import plotly.graph_objects as go

from core import __version__
from core.engine import measures
from core.setting.formatting import guess_text
from core.setting.scenario import FIELDS, MODELS, Scenario

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with a quote (OWASP advice).

    Only text is touched: numbers, including negative ones, stay numbers.
    """
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v
            )
    safe.columns = [
        "'" + c if isinstance(c, str) and c.startswith(FORMULA_PREFIXES) else c
        for c in safe.columns
    ]
    return safe


def to_safe_csv(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    neutralise_formulas(frame).to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


MEASURES = {
    "accuracy": "Right first suggestion",
    "accuracy_std": "Spread between noise draws",
    "hit_at_3": "Right within top 3",
    "nonprivate_accuracy": "No privacy noise (ceiling)",
    "popularity_accuracy": "Exact popular items (floor)",
    "accuracy_majority": "Majority tastes",
    "accuracy_minority": "Minority tastes",
    "epsilon_spent": "ε spent",
    "max_membership_guess": "Attacker's best guess (cap)",
    "reid_mean_risk": "Re-identification risk (mean)",
    "reid_max_risk": "Re-identification risk (max)",
    "data_collected_share": "Personal data collected",
}


# One format per measure (a row of the comparison, a column of the CSV): shares are percents,
# the spread is in percentage points, ε is a plain number.
SHARES = {
    "accuracy",
    "hit_at_3",
    "nonprivate_accuracy",
    "popularity_accuracy",
    "max_membership_guess",
    "reid_mean_risk",
    "reid_max_risk",
    "data_collected_share",
}


def _measure_label(key: str) -> str:
    return MEASURES.get(key, f"Right first suggestion: {key.removeprefix('accuracy_')}")


def _is_share(key: str) -> bool:
    return key in SHARES or (key.startswith("accuracy_") and key != "accuracy_std")


def format_measure(key: str, value) -> str:
    """A measure as shown in tables and reports: one format per measure, '—' when missing."""
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if key == "accuracy_std":
        return f"± {100 * value:.1f} pp"
    if key == "epsilon_spent":
        return f"{value:g}"
    if key == "max_membership_guess":
        return guess_text(value)  # '99.9+%', as on Explore: never a rounded-up certainty
    return f"{value:.1%}" if _is_share(key) else str(value)


def format_setting(name: str, value) -> str:
    """A Scenario field as a person reads it: model names, shares in percent, ε as a number."""
    spec = next(f for f in FIELDS if f.name == name)
    if name == "model":
        return MODELS[value]
    if name == "local_epsilon" and value == 0:
        return "off"
    if spec.kind is float and spec.maximum == 1.0:
        return f"{value:.0%}"
    if spec.kind is int:
        return f"{value:,}"
    return spec.format(value)


def settings_table(scenario: Scenario) -> pd.DataFrame:
    """One scenario's settings as a person reads them (labels, model names, percents)."""
    return pd.DataFrame(
        {"value": {f.label: format_setting(f.name, getattr(scenario, f.name)) for f in FIELDS}}
    )


def comparison_table(named: dict[str, tuple[Scenario, dict]]) -> pd.DataFrame:
    """Every setting and every measure as display text, one column per named scenario."""
    rows = {}
    for spec in FIELDS:
        rows[spec.label] = {
            name: format_setting(spec.name, getattr(s, spec.name)) for name, (s, _) in named.items()
        }
    flat = {name: measures(result) for name, (_, result) in named.items()}
    keys = dict.fromkeys(key for values in flat.values() for key in values)
    for key in keys:
        rows[_measure_label(key)] = {
            name: format_measure(key, values.get(key)) for name, values in flat.items()
        }
    return pd.DataFrame(rows).T


def comparison_numbers(named: dict[str, tuple[Scenario, dict]]) -> pd.DataFrame:
    """The same as numbers for a spreadsheet: one row per setting, human column names with
    their unit, one unit per column (percent, percentage points, or a plain number)."""
    records = []
    for name, (scenario, result) in named.items():
        record = {"Setting": name}
        for spec in FIELDS:
            value = getattr(scenario, spec.name)
            if spec.name == "model":
                record[spec.label] = MODELS[value]
            elif spec.kind is float and spec.maximum == 1.0:
                record[f"{spec.label} (%)"] = round(100 * value, 2)
            else:
                record[spec.label] = value
        for key, value in measures(result).items():
            if key == "accuracy_std":
                record[f"{_measure_label(key)} (pp)"] = _scaled(value)
            elif key == "max_membership_guess":
                # Rounded down: a bound of 99.996% is not "100.00" (a certainty) in a spreadsheet.
                record[f"{_measure_label(key)} (%)"] = math.floor(10_000 * value) / 100
            elif _is_share(key):
                record[f"{_measure_label(key)} (%)"] = _scaled(value)
            else:
                record[_measure_label(key)] = value
        records.append(record)
    return pd.DataFrame(records)


def _scaled(value) -> float | None:
    return None if value is None else round(100 * float(value), 2)


def readable_time(stamp: str) -> str:
    """An ISO timestamp from the store as '2026-12-01 12:34 UTC' (unchanged if not ISO)."""
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return str(stamp)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _cell(value) -> str:
    return html.escape(str(value))


def _table_html(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in ["", *frame.columns])
    body = "".join(
        "<tr><th>"
        + html.escape(str(index))
        + "</th>"
        + "".join(f"<td>{_cell(v)}</td>" for v in row)
        + "</tr>"
        for index, row in zip(frame.index, frame.to_numpy(), strict=True)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _for_report(figure: go.Figure) -> go.Figure:
    """A copy sized for a page: room for the axis labels and the title (the app's tight margins
    clipped the y-axis in a report, leaving a lone '%' over the title)."""
    copy = go.Figure(figure)
    copy.update_layout(margin={"l": 80, "r": 40, "t": 40, "b": 40}, height=560)
    copy.update_layout(title={"automargin": True, "yref": "paper"})
    copy.update_xaxes(automargin=True)
    copy.update_yaxes(automargin=True)
    return copy


def data_note(is_builtin: bool, name: str = "") -> str:
    """The report's line on what its numbers were computed on."""
    if is_builtin:
        return "every number computed on synthetic people"
    return (
        f"computed on the uploaded data set {name}: apart from the private models, its figures "
        "(accuracies, risks, group results) are exact statistics of those people, not "
        "differentially private; share this report as you would the data"
    )


def report_html(
    title: str,
    *,
    sections: list[tuple[str, str]],
    figures: list[go.Figure],
    tables: list[tuple[str, pd.DataFrame]],
    data_note: str = "every number computed on synthetic people",
) -> str:
    """A single HTML file that opens offline: Plotly inlined, no external URL, text escaped.

    ``sections`` are (heading, plain text) pairs; user-written text is escaped, never rendered.
    ``data_note`` says what the numbers were computed on (:func:`data_note`).
    """
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2rem auto;"
        "padding:0 1rem;color:#222}table{border-collapse:collapse;margin:1rem 0}"
        "td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}"
        "th{background:#f4f4f4}.meta{color:#666}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='meta'>Privacy Tradeoff Explorer {html.escape(__version__)} · generated "
        f"{stamp} · {html.escape(data_note)}.</p>",
    ]
    for heading, text in sections:
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
        parts.append(f"<h2>{html.escape(heading)}</h2>{paragraphs}")
    for heading, frame in tables:
        parts.append(f"<h2>{html.escape(heading)}</h2>{_table_html(frame)}")
    for index, figure in enumerate(figures):
        parts.append(
            _for_report(figure).to_html(
                full_html=False,
                include_plotlyjs=index == 0,  # inline plotly.js once, no CDN
                config={"displaylogo": False, "toImageButtonOptions": {"format": "png"}},
            )
        )
    parts.append("</body></html>")
    return "\n".join(parts)
