"""The numbers behind a chart, read from the Plotly figure itself: a chart's text alternative.

A screen reader cannot read a plotted line. Every chart in the app therefore offers a table of
the numbers it draws, and the table is read off the finished ``go.Figure`` rather than computed a
second time, so it shows the same numbers as the chart by construction (a figure builder that
changes changes its table with it).

One row per drawn point: the series (legend name), its x and y under the axes' own titles, and
the range drawn around it (an error bar, or a shaded band) as ``From`` and ``To``. A heatmap
gives one row per cell. Reference lines (``add_hline`` / ``add_vline``) give one row each, named
by their label. Values on a percent axis are given in percent, as the chart shows them.
"""

from __future__ import annotations

import base64
import html
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

SERIES = "Series"
LOW, HIGH = "From", "To"
PERCENT_DIGITS, OTHER_DIGITS = 1, 4  # the charts' hovers show percentages to 0.1
_DIRECTION_HINT = re.compile(r"\s*\([^()]*[←→][^()]*\)")


def _layout_parts(fig: go.Figure, traces: list[dict]) -> dict:
    """The layout parts a table needs (axes in use, shapes, annotations) as plain dicts.

    Not ``fig.layout.to_plotly_json()``: that deep-copies the whole template, ~3 ms a figure.
    """
    shapes = [shape.to_plotly_json() for shape in fig.layout.shapes]
    parts = {
        "shapes": shapes,
        "annotations": [note.to_plotly_json() for note in fig.layout.annotations],
    }
    wanted = {"x", "y"} | {t.get(a) for t in traces for a in ("xaxis", "yaxis") if t.get(a)}
    wanted |= {str(s.get(ref, "")).split()[0] for s in shapes for ref in ("xref", "yref")}
    while wanted:
        name = wanted.pop()
        key = name[0] + "axis" + name[1:]
        if key in parts or name[0] not in "xy" or key not in fig.layout:
            continue
        parts[key] = fig.layout[key].to_plotly_json()
        wanted.add(parts[key].get("matches") or name)
    return parts


def _axis(layout: dict, name: str) -> dict:
    """Layout of axis ``name`` ('x', 'x2', 'y', …); a shared subplot axis reads its master's."""
    axis = layout.get(name[0] + "axis" + name[1:], {})
    master = axis.get("matches")
    if master and master != name:
        # make_subplots(shared_yaxes=True) puts the title and tick format on the matched axis.
        return {**_axis(layout, master), **{k: v for k, v in axis.items() if k == "title"}}
    return axis


def _title(axis: dict, fallback: str) -> str:
    """An axis title as a column header: one line, without the '(← … →)' direction hint."""
    title = axis.get("title") or {}
    text = title.get("text") if isinstance(title, dict) else title
    text = _DIRECTION_HINT.sub("", str(text or ""))
    return " ".join(text.split()) or fallback


def _column(axis: dict, fallback: str) -> tuple[str, bool]:
    """(header, is a percent axis) of an axis or colour bar."""
    title, percent = _title(axis, fallback), "%" in str(axis.get("tickformat") or "")
    return (f"{title} (%)" if percent else title), percent


def _rounded(numbers: np.ndarray, percent: bool) -> np.ndarray:
    """Numbers as a table shows them: in percent (to 0.1) on a percent axis."""
    return np.round(numbers * 100, PERCENT_DIGITS) if percent else np.round(numbers, OTHER_DIGITS)


def _array(values):
    """Plotly's typed-array form ({'dtype', 'bdata'}: a figure read back from JSON) as numpy."""
    if not (isinstance(values, dict) and "bdata" in values):
        return values
    array = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
    shape = values.get("shape")
    return array.reshape([int(n) for n in str(shape).split(",")]) if shape else array


def _values(values, percent: bool) -> list:
    """A column as drawn: numbers (in percent on a percent axis) or category labels as shown."""
    values = [] if values is None else list(_array(values))
    if any(isinstance(value, str) for value in values):
        return values
    return list(_rounded(np.asarray(values, dtype=float), percent))


def _error_range(trace: dict, percent: bool) -> tuple[list, list] | None:
    """(low, high) of a trace's vertical error bars, or None when it has none."""
    error = trace.get("error_y") or {}
    if error.get("array") is None or error.get("visible") is False:
        return None
    y = np.asarray(_array(trace["y"]), dtype=float)
    above = below = np.asarray(_array(error["array"]), dtype=float)
    if error.get("symmetric") is False and error.get("arrayminus") is not None:
        below = np.asarray(_array(error["arrayminus"]), dtype=float)
    return list(_rounded(y - below, percent)), list(_rounded(y + above, percent))


def _is_band(trace: dict, x: list) -> bool:
    """A filled polygon drawn along x and back (fill='toself'): a band between two lines."""
    half = len(x) // 2
    return (
        trace.get("fill") == "toself"
        and half > 0
        and len(x) % 2 == 0
        and x[:half] == x[half:][::-1]
    )


def _heatmap_rows(trace: dict, layout: dict) -> list[dict]:
    x_name, x_percent = _column(_axis(layout, trace.get("xaxis") or "x"), "x")
    y_name, y_percent = _column(_axis(layout, trace.get("yaxis") or "y"), "y")
    z_name, z_percent = _column(trace.get("colorbar") or {}, "value")
    z = np.asarray(_array(trace["z"]), dtype=float)
    xs = _values(trace.get("x"), x_percent) or list(range(z.shape[1]))
    ys = _values(trace.get("y"), y_percent) or list(range(z.shape[0]))
    cells = _rounded(z, z_percent)
    return [
        {x_name: x, y_name: y, z_name: cells[row, column]}
        for row, y in enumerate(ys)
        for column, x in enumerate(xs)
    ]


def _trace_rows(trace: dict, layout: dict) -> list[dict]:
    """One row per point of a scatter or bar trace (one per x for a band)."""
    if trace.get("type") == "heatmap":
        return _heatmap_rows(trace, layout)
    x_name, x_percent = _column(_axis(layout, trace.get("xaxis") or "x"), "x")
    y_name, y_percent = _column(_axis(layout, trace.get("yaxis") or "y"), "y")
    name = trace.get("name") or None  # a lone unnamed series (bars) needs no series column
    x, y = _values(trace.get("x"), x_percent), _values(trace.get("y"), y_percent)
    if _is_band(trace, x):
        half = len(x) // 2
        upper, lower = np.asarray(y[:half]), np.asarray(y[half:][::-1])
        return [
            {SERIES: name, x_name: x_value, LOW: low, HIGH: high}
            for x_value, low, high in zip(
                x[:half], np.minimum(upper, lower), np.maximum(upper, lower), strict=True
            )
        ]
    rows = [{SERIES: name, x_name: a, y_name: b} for a, b in zip(x, y, strict=True)]
    error = _error_range(trace, y_percent)
    if error is not None:
        for row, low, high in zip(rows, *error, strict=True):
            row.update({LOW: low, HIGH: high})
    return rows


def _line_label(layout: dict, shape: dict, horizontal: bool) -> str:
    """The text given to add_hline / add_vline: the annotation placed at the line's value."""
    ref, at = ("yref", "y") if horizontal else ("xref", "x")
    value = float(shape[f"{at}0"])
    # On a log axis plotly places an annotation at log10(x), so a label may sit there instead.
    places = {value, float(np.log10(value))} if value > 0 else {value}
    for note in layout.get("annotations", ()):
        position = note.get(at)
        same_axis = (note.get(ref) or at) == (shape.get(ref) or at)
        if (
            same_axis
            and position is not None
            and any(np.isclose(float(position), place) for place in places)
        ):
            return str(note.get("text", ""))
    return "Reference line"


def _reference_rows(layout: dict) -> list[dict]:
    """One row per horizontal or vertical reference line across the plot."""
    rows = []
    for shape in layout.get("shapes", ()):
        horizontal = str(shape.get("xref", "")).endswith("domain")
        vertical = str(shape.get("yref", "")).endswith("domain")
        if shape.get("type") != "line" or horizontal == vertical:
            continue  # not a line spanning the plot: no single reference value
        axis = shape["yref"] if horizontal else shape["xref"]
        column, percent = _column(_axis(layout, axis), axis[0])
        value = _rounded(np.asarray([shape["y0" if horizontal else "x0"]], dtype=float), percent)
        rows.append({SERIES: _line_label(layout, shape, horizontal), column: value[0]})
    return rows


def figure_table(fig: go.Figure) -> pd.DataFrame:
    """The numbers a figure draws, one row per point, band position, heatmap cell or line.

    Parameters
    ----------
    fig : go.Figure
        A figure from :mod:`core.presentation.figures` (lines, markers, bars, error bars, bands,
        heatmaps, ``add_hline`` / ``add_vline`` reference lines).

    Returns
    -------
    DataFrame
        Columns: ``Series`` (the legend name; left out when no trace is named), the axis titles
        (with ``(%)`` on percent axes, values in percent to 0.1, other numbers to 4 decimals),
        then ``From`` / ``To`` for error bars and bands. Rows follow the figure's trace order,
        reference lines last.
    """
    # Plain dicts, read only: walking plotly's property objects costs several times more, and
    # this runs on every ε move on Explore.
    traces = [trace.to_plotly_json() for trace in fig.data]
    layout = _layout_parts(fig, traces)
    rows = [row for trace in traces for row in _trace_rows(trace, layout)]
    table = pd.DataFrame(rows + _reference_rows(layout))
    # Figures carry user text as entities (core.setting.formatting.plotly_text); a table shows it as
    # typed.
    table = table.map(lambda value: html.unescape(value) if isinstance(value, str) else value)
    if SERIES in table and table[SERIES].isna().all():
        table = table.drop(columns=SERIES)
    ranges = [column for column in (LOW, HIGH) if column in table]
    return table[[c for c in table.columns if c not in ranges] + ranges]
