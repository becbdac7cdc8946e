"""Plotly figure builders: pure functions from results to ``go.Figure``.

The same figures serve the Streamlit pages, reports and tests (which check figure data, not
pixels). Colours come from the Okabe-Ito palette (safe for the common colour-vision deficiencies)
and mean the same concept on every chart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

# One colour per concept, everywhere.
PALETTE = {
    "private": "#0072B2",  # blue: the differentially private model
    "nonprivate": "#D55E00",  # vermillion: the non-private twin (ceiling)
    "floor": "#555555",  # grey: non-personalised popularity list
    "current": "#E69F00",  # orange: the setting you are looking at
    "majority": "#009E73",  # green
    "minority": "#CC79A7",  # purple
    "target": "#000000",  # black: an accuracy target
}


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def frontier_summary(table: pd.DataFrame, column: str = "accuracy") -> pd.DataFrame:
    """Mean, std and 5-95% band of ``column`` per ε from a frontier table (one row per draw)."""
    grouped = table.groupby("epsilon")[column]
    summary = pd.DataFrame(
        {
            "mean": grouped.mean(),
            "std": grouped.std(ddof=1).fillna(0.0),
            "q05": grouped.quantile(0.05),
            "q95": grouped.quantile(0.95),
            "draws": grouped.size(),
        }
    )
    return summary.reset_index()


EPSILON_TICKS = {"tickvals": [0.01, 0.1, 1, 10, 100], "ticktext": ["0.01", "0.1", "1", "10", "100"]}
EPSILON_AXIS_TITLE = "ε  (← more private          less private →)"


def format_epsilon(epsilon: float) -> str:
    """ε with at most 2 significant digits past the stops (1.71066 → 1.7, 0.05 → 0.05)."""
    return f"{epsilon:.2g}" if epsilon < 100 else f"{epsilon:.0f}"


def _layout(fig: go.Figure, *, title: str, y_title: str, font_size: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        font={"size": font_size},
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend={
            "orientation": "h",
            "yanchor": "top",
            "y": -0.22,
            "x": 0,
            "font": {"size": font_size},
        },
        hovermode="x unified",
        yaxis={"title": y_title, "tickformat": ".0%", "rangemode": "tozero"},
    )
    fig.update_xaxes(type="log", title=EPSILON_AXIS_TITLE, **EPSILON_TICKS)
    return fig


def frontier_figure(
    table: pd.DataFrame,
    *,
    current_epsilon: float,
    current_mean: float,
    current_std: float,
    ceiling: float,
    floor: float,
    font_size: int = 15,
    column: str = "accuracy",
    y_title: str = "Recommendations that were right",
    current_label: str | None = None,
) -> go.Figure:
    """Privacy-accuracy frontier: mean over draws, 5-95% band, reference lines, current point.

    Parameters
    ----------
    table : DataFrame
        One row per (epsilon, repeat), as from :func:`core.engine.frontier`.
    """
    summary = frontier_summary(table, column)
    x = summary["epsilon"].to_numpy()
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=np.r_[x, x[::-1]],
            y=np.r_[summary["q95"], summary["q05"][::-1]],
            fill="toself",
            fillcolor=_rgba(PALETTE["private"], 0.18),
            line={"width": 0},
            hoverinfo="skip",
            name="Private model: 90% of noise draws",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=summary["mean"],
            mode="lines+markers",
            line={"color": PALETTE["private"], "width": 3},
            name="Private model (average)",
            hovertemplate="ε = %{x:g}: %{y:.1%}<extra></extra>",
        )
    )
    for value, name, colour, dash in (
        (ceiling, "Without privacy (ceiling)", PALETTE["nonprivate"], "dash"),
        (floor, "No personalisation (floor)", PALETTE["floor"], "dot"),
    ):
        fig.add_trace(
            go.Scatter(
                x=[x.min(), x.max()],
                y=[value, value],
                mode="lines",
                line={"color": colour, "dash": dash, "width": 2},
                name=f"{name}: {value:.0%}",
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[current_epsilon],
            y=[current_mean],
            mode="markers",
            marker={
                "color": PALETTE["current"],
                "size": 16,
                "line": {"color": "black", "width": 1},
            },
            error_y={"type": "data", "array": [current_std], "color": PALETTE["current"]},
            name=current_label or f"Your setting: ε = {format_epsilon(current_epsilon)}",
            hovertemplate="%{y:.1%}<extra></extra>",
        )
    )
    _layout(
        fig,
        title="What privacy costs: accuracy of recommendations against ε",
        y_title=y_title,
        font_size=font_size,
    )
    return fig


def segment_figure(
    table: pd.DataFrame,
    groups: dict[str, str],
    *,
    current_epsilon: float,
    font_size: int = 15,
) -> go.Figure:
    """Accuracy per group against ε (mean over draws), one line per ``groups`` entry."""
    colours = [PALETTE["majority"], PALETTE["minority"], PALETTE["private"], PALETTE["current"]]
    fig = go.Figure()
    for index, (column, label) in enumerate(groups.items()):
        summary = frontier_summary(table.dropna(subset=[column]), column)
        colour = colours[index % len(colours)]
        fig.add_trace(
            go.Scatter(
                x=summary["epsilon"],
                y=summary["mean"],
                error_y={"type": "data", "array": summary["std"], "thickness": 1},
                mode="lines+markers",
                line={"color": colour, "width": 3},
                name=label,
            )
        )
    fig.add_vline(
        x=current_epsilon,
        line={"color": PALETTE["current"], "dash": "dot", "width": 3},
        annotation_text=f"Your ε = {format_epsilon(current_epsilon)}",
    )
    _layout(
        fig,
        title="Right recommendations per group (bars: ±1 standard deviation over noise draws)",
        y_title="Right recommendations",
        font_size=font_size,
    )
    return fig
