"""Plotly figures of the privacy-over-time planner: pure functions from core.over_time.plan tables.

Each accountant keeps one colour (Okabe-Ito) and one dash pattern on every chart, so the lines
stay apart in grey print and for colour-blind readers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.over_time.plan import CADENCES, METHOD_LABELS, METHODS
from core.presentation.figures import CEILING_NAME, FLOOR_NAME, PALETTE, _rgba
from core.setting.formatting import format_epsilon

METHOD_STYLE = {
    "basic": {"color": "#7F7F7F", "dash": "dot"},  # grey: readable on light and dark
    "advanced": {"color": "#56B4E9", "dash": "dash"},
    "optimal": {"color": "#0072B2", "dash": "solid"},
    "pld": {"color": "#CC79A7", "dash": "dashdot"},
}
# Least to most frequent: the x axis reads "retrain more often →".
CADENCE_ORDER = tuple(sorted(CADENCES, key=CADENCES.get))
UNIT_STYLE = {
    "person_level": ("Person-level ε (the engine: a whole record)", PALETTE["private"], "solid"),
    "group": ("Event-level ε, group privacy: m·ε", PALETTE["nonprivate"], "dot"),
    "separate_counts": (
        "Event-level ε, each event in its own noisy count (tighter)",
        "#009E73",
        "dash",
    ),
}


def _legend_below(font_size: int) -> dict:
    return {"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0, "font": {"size": font_size}}


def loss_curve_figure(
    curve: pd.DataFrame, *, epsilon: float, delta: float, font_size: int = 15
) -> go.Figure:
    """Total privacy loss per person against the number of releases, one line per accountant.

    ``curve`` is :func:`core.over_time.plan.loss_curve` (columns ``releases`` and one per method).
    """
    traces = []
    for method in METHODS:
        style = METHOD_STYLE[method]
        at = "" if method == "basic" else f" at δ = {delta:g}"
        traces.append(
            go.Scatter(
                x=curve["releases"],
                y=curve[method],
                mode="lines",
                line={"color": style["color"], "dash": style["dash"], "width": 3},
                name=METHOD_LABELS[method],
                hovertemplate=f"%{{x}} releases: total ε = %{{y:.3g}}{at}<extra></extra>",
            )
        )
    layout = {
        "title": {
            "text": f"Total privacy loss per person after k releases at ε = "
            f"{format_epsilon(epsilon)} each",
            "x": 0,
            "xanchor": "left",
        },
        "font": {"size": font_size},
        "margin": {"l": 10, "r": 10, "t": 60, "b": 10},
        "legend": _legend_below(font_size),
        "hovermode": "closest",
        "xaxis": {"title": {"text": "Releases k (retrainings on the same people)"}},
        "yaxis": {"title": {"text": "Total ε per person"}, "rangemode": "tozero"},
    }
    return go.Figure(data=traces, layout=layout)


def budget_figure(
    table: pd.DataFrame,
    *,
    yearly_budget: float,
    ceiling: float | None = None,
    floor: float | None = None,
    font_size: int = 15,
) -> go.Figure:
    """Left: ε per release that fits the yearly budget, per cadence. Right: accuracy per release.

    ``table`` is :func:`core.over_time.plan.budget_accuracy` (``cadence``, ``method``,
    ``epsilon_per_release``, ``accuracy``, ``accuracy_q05``, ``accuracy_q95``).
    """
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.12,
        subplot_titles=(
            "ε per release that fits the budget",
            "Right first suggestions per release (bars: 5–95% of draws)",
        ),
    )
    order = {cadence: index for index, cadence in enumerate(CADENCE_ORDER)}
    labels = [f"{cadence} ({CADENCES[cadence]}/yr)" for cadence in CADENCE_ORDER]
    for method in METHODS:
        rows = table[table["method"] == method].copy()
        rows = rows.assign(order=rows["cadence"].map(order)).sort_values("order")
        x = [labels[i] for i in rows["order"]]
        style = METHOD_STYLE[method]
        line = {"color": style["color"], "dash": style["dash"], "width": 2}
        fig.add_trace(
            go.Scatter(
                x=x,
                y=rows["epsilon_per_release"],
                mode="lines+markers",
                line=line,
                marker={"size": 9},
                name=METHOD_LABELS[method],
                legendgroup=method,
                hovertemplate="%{x}: ε = %{y:.3g} per release<extra></extra>",
            ),
            row=1,
            col=1,
        )
        if "accuracy" in rows:
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=rows["accuracy"],
                    mode="lines+markers",
                    line=line,
                    marker={"size": 9},
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": rows["accuracy_q95"] - rows["accuracy"],
                        "arrayminus": rows["accuracy"] - rows["accuracy_q05"],
                        "thickness": 1.5,
                    },
                    name=METHOD_LABELS[method],
                    legendgroup=method,
                    showlegend=False,
                    hovertemplate="%{x}: %{y:.1%} right<extra></extra>",
                ),
                row=1,
                col=2,
            )
    for value, name, colour, dash in (
        (ceiling, CEILING_NAME, PALETTE["nonprivate"], "dash"),
        (floor, FLOOR_NAME, PALETTE["floor"], "dot"),
    ):
        if value is None:
            continue
        fig.add_trace(
            go.Scatter(
                x=[labels[0], labels[-1]],
                y=[value, value],
                mode="lines",
                line={"color": colour, "dash": dash, "width": 2},
                name=f"{name}: {value:.0%}",
                hoverinfo="skip",
            ),
            row=1,
            col=2,
        )
    # Decade ticks only: plotly's default log labels (2, 5, 0.1, 2, 5) read as nonsense here.
    low, high = (
        np.log10(table["epsilon_per_release"].min()),
        np.log10(table["epsilon_per_release"].max()),
    )
    decades = [10.0**d for d in range(int(np.floor(low)), int(np.ceil(high)) + 1)]
    fig.update_yaxes(
        type="log",
        title_text="ε per release",
        tickvals=decades,
        ticktext=[f"{d:g}" for d in decades],
        row=1,
        col=1,
    )
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", title_text="Right", row=1, col=2)
    fig.update_xaxes(title_text="Retrain more often →")
    fig.update_layout(
        title={
            "text": f"A budget of ε = {format_epsilon(yearly_budget)} per person per year, "
            "spread over more or fewer releases",
            "x": 0,
            "xanchor": "left",
        },
        font={"size": font_size},
        margin={"l": 10, "r": 10, "t": 90, "b": 10},
        legend=_legend_below(font_size),
        hovermode="closest",
    )
    return fig


def unit_figure(
    losses: pd.DataFrame,
    histogram: pd.DataFrame,
    *,
    epsilon: float,
    delta: float,
    font_size: int = 15,
) -> go.Figure:
    """Top: privacy loss of a person with m purchases under each unit. Bottom: people per m.

    ``losses`` is :func:`core.over_time.plan.event_level_losses`; ``histogram`` is
    :func:`core.over_time.plan.event_histogram`.
    """
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        row_heights=[0.62, 0.38],
    )
    for column, (name, colour, dash) in UNIT_STYLE.items():
        at = f" at δ = {delta:g}" if column == "separate_counts" else ""
        fig.add_trace(
            go.Scatter(
                x=losses["events"],
                y=losses[column],
                mode="lines",
                line={"color": colour, "dash": dash, "width": 3},
                name=name,
                hovertemplate=f"%{{x}} purchases: ε = %{{y:.3g}}{at}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    fig.add_trace(
        go.Bar(
            x=histogram["events"],
            y=histogram["people"],
            marker={"color": _rgba(PALETTE["floor"], 0.7)},
            name="People with m purchases",
            hovertemplate="%{x} purchases: %{y:,} people<extra></extra>",
        ),
        row=2,
        col=1,
    )
    top = float(np.max(losses["group"])) if len(losses) else epsilon
    fig.update_yaxes(title_text="Privacy loss ε", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="People", row=2, col=1)
    fig.update_xaxes(title_text="Purchases m in the person's record", row=2, col=1)
    fig.update_layout(
        title={
            "text": f"What ε = {format_epsilon(epsilon)} protects: one person, or one purchase "
            f"(up to {format_epsilon(top)} for the heaviest shopper)",
            "x": 0,
            "xanchor": "left",
        },
        font={"size": font_size},
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend=_legend_below(font_size),
        hovermode="closest",
        bargap=0.05,
    )
    return fig
