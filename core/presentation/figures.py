"""Plotly figure builders: pure functions from results to ``go.Figure``.

The same figures serve the Streamlit pages, reports and tests (which check figure data, not
pixels). Colours come from the Okabe-Ito palette (safe for the common colour-vision deficiencies)
and mean the same concept on every chart.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.setting.formatting import format_epsilon, plotly_text

# One colour per concept, everywhere.
PALETTE = {
    "private": "#0072B2",  # blue: the differentially private model
    "nonprivate": "#D55E00",  # vermillion: the non-private twin (ceiling)
    "floor": "#7F7F7F",  # grey: non-personalised popularity list
    "current": "#E69F00",  # orange: the setting you are looking at
    "majority": "#009E73",  # green
    "minority": "#CC79A7",  # purple
    "target": "#7F7F7F",  # grey, dash-dot: an accuracy target
}
# Greys and lines that must show on the light and the dark theme (≥ 3:1 on white and on
# Streamlit's dark #171614) use #7F7F7F: black vanished on dark, #555555 was 2.4:1 there.

# Series told apart by colour are also told apart by dash and marker (WCAG 1.4.1: never by
# colour alone), in this order on every chart.
LINE_STYLES = (
    ("solid", "circle"),
    ("dash", "square"),
    ("dot", "diamond"),
    ("dashdot", "triangle-up"),
    ("longdash", "x"),
    ("longdashdot", "star"),
)


def _style(index: int) -> tuple[str, str]:
    """(dash, marker symbol) of the ``index``-th series."""
    return LINE_STYLES[index % len(LINE_STYLES)]


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
# The ε slider's caption and the ε axis say the same words for the same direction.
EPSILON_DIRECTION = ("more private", "more accurate")
EPSILON_SLIDER_CAPTION = f"← {EPSILON_DIRECTION[0]}  ·  {EPSILON_DIRECTION[1]} →"
EPSILON_AXIS_TITLE = f"ε  (← {EPSILON_DIRECTION[0]}          {EPSILON_DIRECTION[1]} →)"
# Short enough for a phone's plot height (plotly never wraps an axis title: "Recommendations that
# were right" was cut to "…were righ" at 390 × 844), and the same words as the other charts.
ACCURACY_AXIS_TITLE = "Right recommendations"


def wrapped(text: str, font_size: int = 15) -> str:
    """A chart title broken into lines that fit a phone or a half-width projector column.

    Plotly never wraps a title: a long one was cut off at the chart's right edge.
    """
    width = 30 if font_size >= 20 else 44
    return "<br>".join(textwrap.wrap(text, width)) or text


def title_spec(text: str, font_size: int = 15) -> dict:
    """A left-aligned, wrapped title that pushes the plot down instead of overlapping it."""
    return {
        "text": wrapped(text, font_size),
        "x": 0,
        "xanchor": "left",
        "yref": "paper",
        "automargin": True,
        "pad": {"b": font_size},  # clear of the top tick label
    }


# Legend in the bottom of the figure itself (not below the plot area by a share of its height):
# plotly then reserves its room, so the axis title above it can no longer run into it.
def legend_spec(font_size: int = 15) -> dict:
    return {
        "orientation": "h",
        "yref": "container",
        "yanchor": "bottom",
        "y": 0,
        "x": 0,
        "font": {"size": font_size},
    }


def _layout_spec(*, title: str, y_title: str, font_size: int) -> dict:
    """The layout shared by the ε charts, as a plain dict (log ε axis, legend below)."""
    return {
        "title": title_spec(title, font_size),
        "font": {"size": font_size},
        "margin": {"l": 10, "r": 10, "t": 20, "b": 10},
        # Large text needs a taller chart, or the axis titles outgrow the plot area.
        "height": 450 if font_size < 20 else 600,
        "legend": legend_spec(font_size),
        "hovermode": "closest",  # "x unified" costs ~50 ms more per redraw in Chromium
        "yaxis": {
            "title": {"text": y_title},
            "tickformat": ".0%",
            "rangemode": "tozero",
            "automargin": True,
        },
        "xaxis": {
            "type": "log",
            "title": {"text": EPSILON_AXIS_TITLE},
            "automargin": True,
            **EPSILON_TICKS,
        },
    }


def _layout(fig: go.Figure, *, title: str, y_title: str, font_size: int) -> go.Figure:
    fig.update_layout(_layout_spec(title=title, y_title=y_title, font_size=font_size))
    return fig


def placeholder_figure(message: str, *, font_size: int = 15) -> go.Figure:
    """An empty ε chart saying what is being computed: it holds the chart's place meanwhile."""
    fig = go.Figure()
    spec = _layout_spec(title="", y_title="", font_size=font_size)
    fig.update_layout(
        height=spec["height"],
        font=spec["font"],
        margin=spec["margin"],
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[
            {
                "text": wrapped(message, font_size),
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "font": {"size": font_size},
            }
        ],
    )
    return fig


CEILING_NAME = "No privacy noise (ceiling)"
# The floor counts everyone's purchases exactly: a statistic of personal data, not free of it.
FLOOR_NAME = "Popular items, exact count of everyone's purchases (floor)"
STRUCTURE_NAME = "Same random trees, no noise"


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
    y_title: str = ACCURACY_AXIS_TITLE,
    current_label: str | None = None,
    structure: float | None = None,
) -> go.Figure:
    """Privacy-accuracy frontier: mean over draws, 5-95% band, reference lines, current point.

    Parameters
    ----------
    table : DataFrame
        One row per (epsilon, repeat), as from :func:`core.engine.frontier`.
    ceiling, floor : float
        The same model with no noise at all, and the exact popular-items list for everyone.
    structure : float, optional
        Random forest: the same random trees with exact labels (what its structure allows).
    """
    summary = frontier_summary(table, column)
    x = summary["epsilon"].to_numpy()
    # One go.Figure(data, layout) call: add_trace, update_layout and update_xaxes walk plotly's
    # property paths one at a time and made this twice as slow, on every ε move.
    traces = [
        go.Scatter(
            x=np.r_[x, x[::-1]],
            y=np.r_[summary["q95"], summary["q05"][::-1]],
            fill="toself",
            fillcolor=_rgba(PALETTE["private"], 0.18),
            line={"width": 0},
            hoverinfo="skip",
            name="Private model: 90% of noise draws",
        ),
        go.Scatter(
            x=x,
            y=summary["mean"],
            mode="lines+markers",
            line={"color": PALETTE["private"], "width": 3},
            name="Private model (average)",
            hovertemplate="ε = %{x:g}: %{y:.1%}<extra></extra>",
        ),
    ]
    references = [
        (ceiling, CEILING_NAME, PALETTE["nonprivate"], "dash"),
        (floor, FLOOR_NAME, PALETTE["floor"], "dot"),
    ]
    if structure is not None:
        references.append((structure, STRUCTURE_NAME, PALETTE["private"], "dashdot"))
    for value, name, colour, dash in references:
        traces.append(
            go.Scatter(
                x=[x.min(), x.max()],
                y=[value, value],
                mode="lines",
                line={"color": colour, "dash": dash, "width": 2},
                name=f"{name}: {value:.0%}",
                hoverinfo="skip",
            )
        )
    traces.append(
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
            # A name that does not change with ε keeps the legend's layout from being redone on
            # every ε move; the value is in the hover and the headline numbers.
            name=plotly_text(current_label) if current_label else "Your setting",
            hovertemplate=f"ε = {format_epsilon(current_epsilon)}: %{{y:.1%}}<extra></extra>",
        )
    )
    layout = _layout_spec(
        title="What privacy costs: accuracy against ε",
        y_title=y_title,
        font_size=font_size,
    )
    return go.Figure(data=traces, layout=layout)


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
        dash, symbol = _style(index)
        fig.add_trace(
            go.Scatter(
                x=summary["epsilon"],
                y=summary["mean"],
                error_y={"type": "data", "array": summary["std"], "thickness": 1},
                mode="lines+markers",
                line={"color": colour, "width": 3, "dash": dash},
                marker={"symbol": symbol, "size": 9},
                name=plotly_text(label),
            )
        )
    fig.add_vline(x=current_epsilon, line={"color": PALETTE["current"], "dash": "dot", "width": 3})
    # A label of its own: plotly places an annotation on a log axis at log10(x), so add_vline's
    # annotation_text sat a decade away from the line.
    fig.add_annotation(
        x=float(np.log10(current_epsilon)),
        y=1,
        yref="paper",
        yanchor="bottom",
        text=f"Your ε = {format_epsilon(current_epsilon)}",
        showarrow=False,
        font={"color": PALETTE["current"]},
    )
    _layout(
        fig,
        title="Right recommendations per group (bars: ±1 standard deviation over noise draws)",
        y_title="Right recommendations",
        font_size=font_size,
    )
    return fig


def _summary_by(table: pd.DataFrame, by: list[str], column: str = "accuracy") -> pd.DataFrame:
    grouped = table.groupby(by)[column]
    return pd.DataFrame(
        {"mean": grouped.mean(), "std": grouped.std(ddof=1).fillna(0.0)}
    ).reset_index()


CATEGORY_COLOURS = {
    "demographics": "#009E73",
    "location": "#CC79A7",
    "browsing": "#0072B2",
    "purchases": "#E69F00",
}
# The same dash and marker for a category on every chart, as its colour.
CATEGORY_STYLES = {name: _style(index) for index, name in enumerate(CATEGORY_COLOURS)}


def _share_axis(fig: go.Figure, title: str) -> go.Figure:
    """Replace the default ε axis by a linear 0–100% axis."""
    size = fig.layout.font.size or 15
    fig.update_xaxes(
        type="linear", title=wrapped(title, size), tickformat=".0%", tickvals=None, ticktext=None
    )
    return fig


def consent_figure(table: pd.DataFrame, *, font_size: int = 15) -> go.Figure:
    """Accuracy against the consent rate of each data category (others held fixed)."""
    summary = _summary_by(table, ["category", "consent_rate"])
    fig = go.Figure()
    for category, rows in summary.groupby("category"):
        fig.add_trace(
            go.Scatter(
                x=rows["consent_rate"],
                y=rows["mean"],
                error_y={"type": "data", "array": rows["std"], "thickness": 1},
                mode="lines+markers",
                line={
                    "color": CATEGORY_COLOURS[category],
                    "width": 3,
                    "dash": CATEGORY_STYLES[category][0],
                },
                marker={"symbol": CATEGORY_STYLES[category][1], "size": 9},
                name=category.capitalize(),
            )
        )
    _layout(
        fig,
        title="Which data is worth asking for?",
        y_title="Right recommendations",
        font_size=font_size,
    )
    return _share_axis(fig, "Share of people who consent")


def collected_figure(table: pd.DataFrame, *, font_size: int = 15) -> go.Figure:
    """Accuracy against the share of personal data collected: data as a privacy-loss axis."""
    summary = (
        table.groupby(["category", "consent_rate"])
        .agg(mean=("accuracy", "mean"), collected=("data_collected_share", "mean"))
        .reset_index()
    )
    fig = go.Figure()
    for category, rows in summary.groupby("category"):
        fig.add_trace(
            go.Scatter(
                x=rows["collected"],
                y=rows["mean"],
                mode="markers+lines",
                marker={
                    "size": 10,
                    "color": CATEGORY_COLOURS[category],
                    "symbol": CATEGORY_STYLES[category][1],
                },
                line={"color": CATEGORY_COLOURS[category], "dash": CATEGORY_STYLES[category][0]},
                name=category.capitalize(),
            )
        )
    _layout(
        fig,
        title="Accuracy per share of personal data collected",
        y_title="Right recommendations",
        font_size=font_size,
    )
    return _share_axis(fig, "Personal data collected (person × category cells)")


def opt_out_heatmap(table: pd.DataFrame, *, font_size: int = 15) -> go.Figure:
    """Mean accuracy over ε (columns) and opt-out rate (rows)."""
    grid = table.groupby(["opt_out", "epsilon"])["accuracy"].mean().unstack("epsilon")
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[f"{e:g}" for e in grid.columns],
            y=[f"{r:.0%}" for r in grid.index],
            colorscale="Cividis",
            colorbar={"title": "Right", "tickformat": ".0%"},
            text=[[f"{v:.0%}" for v in row] for row in grid.to_numpy()],
            texttemplate="%{text}",
            hovertemplate="ε %{x}, opt-out %{y}: %{z:.1%}<extra></extra>",
        )
    )
    fig.update_layout(
        title=title_spec("Accuracy for everyone, by ε and opt-out rate", font_size),
        font={"size": font_size},
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        xaxis={"title": EPSILON_AXIS_TITLE, "type": "category"},
        yaxis={"title": "People who opted out", "type": "category"},
    )
    return fig


def group_bars(values: dict[str, tuple[float, float]], *, title: str, font_size: int = 15):
    """Bars with ±1 sd error bars, one per named group: {label: (mean, std)}.

    Groups without a value (nobody in them) are left out.
    """
    values = {label: v for label, v in values.items() if v[0] is not None}
    labels = list(values)
    colours = [PALETTE["private"], PALETTE["floor"], PALETTE["nonprivate"], PALETTE["current"]]
    fig = go.Figure(
        go.Bar(
            x=[plotly_text(label) for label in labels],
            y=[values[k][0] for k in labels],
            error_y={"type": "data", "array": [values[k][1] for k in labels]},
            marker_color=colours[: len(labels)],
            text=[f"{values[k][0]:.0%}" for k in labels],
            textposition="inside",
            insidetextanchor="middle",
        )
    )
    fig.update_layout(
        title=title_spec(plotly_text(title), font_size),
        font={"size": font_size},
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        yaxis={"title": "Right recommendations", "tickformat": ".0%", "rangemode": "tozero"},
        showlegend=False,
    )
    return fig


K_TICKS = (1, 2, 5, 10, 20, 50, 100)  # a log axis's own ticks read "1 2 5 10 2 5 100"


def anonymity_figure(table: pd.DataFrame, dp_table: pd.DataFrame, *, font_size: int = 15):
    """k-anonymity and DP side by side: accuracy against k and against ε."""
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        subplot_titles=(
            "k-anonymity: accuracy as k grows",
            "Differential privacy: accuracy as ε shrinks",
        ),
    )
    k_summary = _summary_by(table, ["k"])
    fig.add_trace(
        go.Scatter(
            x=k_summary["k"],
            y=k_summary["mean"],
            mode="lines+markers",
            error_y={"type": "data", "array": k_summary["std"]},
            line={"color": PALETTE["majority"], "width": 3},
            marker={"symbol": "square", "size": 9},  # the k = 1 panel's line has circles
            name="Private model with k-anonymity",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=table.groupby("k")["nonprivate_accuracy"].mean().index,
            y=table.groupby("k")["nonprivate_accuracy"].mean().to_numpy(),
            mode="lines",
            line={"color": PALETTE["nonprivate"], "dash": "dash"},
            name="Model without DP, with k-anonymity",
        ),
        row=1,
        col=1,
    )
    dp_summary = frontier_summary(dp_table)
    fig.add_trace(
        go.Scatter(
            x=dp_summary["epsilon"],
            y=dp_summary["mean"],
            mode="lines+markers",
            error_y={"type": "data", "array": dp_summary["std"]},
            line={"color": PALETTE["private"], "width": 3},
            name="Private model, k = 1",
        ),
        row=1,
        col=2,
    )
    k_ticks = [k for k in K_TICKS if k_summary["k"].min() <= k <= k_summary["k"].max()]
    fig.update_xaxes(
        type="log",
        title="k (← less anonymous     more anonymous →)",
        tickvals=k_ticks,
        ticktext=[str(k) for k in k_ticks],
        row=1,
        col=1,
    )
    # Reversed so that both panels gain protection to the right: the words follow the axis.
    fig.update_xaxes(
        type="log",
        title="ε (← less private     more private →)",
        autorange="reversed",
        row=1,
        col=2,
        **EPSILON_TICKS,
    )
    fig.update_yaxes(
        tickformat=".0%", rangemode="tozero", title="Right recommendations", row=1, col=1
    )
    fig.update_layout(
        font={"size": font_size},
        margin={"l": 10, "r": 10, "t": 90 if font_size >= 20 else 60, "b": 10},
        legend=legend_spec(font_size),
    )
    for annotation in fig.layout.annotations:  # the two panel titles
        if annotation.text.startswith(("k-anonymity", "Differential")):
            annotation.text = wrapped(annotation.text, font_size)
    return fig


def local_central_figure(table: pd.DataFrame, *, floor: float, font_size: int = 15) -> go.Figure:
    """The same ε spent centrally or locally: two curves on one chart."""
    fig = go.Figure()
    names = {
        "central": ("Central DP: the platform adds noise to the model", PALETTE["private"]),
        "local": ("Local DP: each person adds noise to their own data", PALETTE["minority"]),
    }
    for mode, rows in _summary_by(table, ["mode", "epsilon"]).groupby("mode"):
        label, colour = names[mode]
        dash, symbol = _style(list(names).index(mode))
        fig.add_trace(
            go.Scatter(
                x=rows["epsilon"],
                y=rows["mean"],
                error_y={"type": "data", "array": rows["std"], "thickness": 1},
                mode="lines+markers",
                line={"color": colour, "width": 3, "dash": dash},
                marker={"symbol": symbol, "size": 9},
                name=label,
            )
        )
    fig.add_hline(
        y=floor,
        line={"color": PALETTE["floor"], "dash": "dot"},
        annotation_text=f"Exact popular items (floor): {floor:.0%}",
    )
    _layout(
        fig,
        title="The same ε, central or local (bars: ±1 sd)",
        y_title="Right recommendations",
        font_size=font_size,
    )
    return fig


def attack_figure(table: pd.DataFrame, *, font_size: int = 15) -> go.Figure:
    """Measured membership-attack success against the theoretical cap, across ε."""
    private = table[table["model"] == "private"].sort_values("epsilon")
    twin = table[table["model"] == "non-private"]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=private["epsilon"],
            y=private["theoretical_max_auc"],
            mode="lines",
            line={"color": PALETTE["floor"], "dash": "dash", "width": 2},
            name="Highest AUC any attack can reach under ε-DP",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=private["epsilon"],
            y=private["auc"],
            mode="lines+markers",
            error_y={
                "type": "data",
                "symmetric": False,
                "array": private["auc_high"] - private["auc"],
                "arrayminus": private["auc"] - private["auc_low"],
            },
            line={"color": PALETTE["private"], "width": 3},
            name="Measured attack on the private model (AUC, 95% CI)",
        )
    )
    if not twin.empty:
        twin_auc = float(twin["auc"].iloc[0])
        fig.add_hline(
            y=twin_auc,
            line={"color": PALETTE["nonprivate"], "width": 2},
            annotation_text=f"Attack on the model without privacy: AUC {twin_auc:.3f}",
        )
    fig.add_hline(
        y=0.5,
        line={"color": PALETTE["floor"], "dash": "dot", "width": 1},
        annotation_text="Coin flip",
        annotation_position="bottom right",
    )
    _layout(
        fig,
        title="Can an attacker tell who was in the training data?",
        y_title="Attacker success (AUC / guess accuracy)",
        font_size=font_size,
    )
    fig.update_yaxes(range=[0.4, 1.02], rangemode=None)
    return fig


OVERLAY_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


def overlay_figure(
    tables: dict[str, pd.DataFrame],
    *,
    font_size: int = 15,
    points: dict[str, tuple[float, float]] | None = None,
) -> go.Figure:
    """Frontiers of several scenarios on one chart: mean over draws with a 5–95% band each.

    ``points`` maps a name to its own (ε, accuracy): a labelled marker on its frontier, so
    settings that differ only in ε (whose frontiers coincide) can still be told apart.
    """
    fig = go.Figure()
    for index, (label, table) in enumerate(tables.items()):
        name = plotly_text(label)  # a saved scenario's name, typed by anyone
        colour = OVERLAY_COLOURS[index % len(OVERLAY_COLOURS)]
        dash, symbol = _style(index)
        summary = frontier_summary(table)
        x = summary["epsilon"].to_numpy()
        fig.add_trace(
            go.Scatter(
                x=np.r_[x, x[::-1]],
                y=np.r_[summary["q95"], summary["q05"][::-1]],
                fill="toself",
                fillcolor=_rgba(colour, 0.12),
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                name=f"{name}: 90% of noise draws",  # read by the chart's data table
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=summary["mean"],
                mode="lines+markers",
                line={"color": colour, "width": 3, "dash": dash},
                marker={"symbol": symbol, "size": 9},
                name=name,
                legendgroup=name,
            )
        )
        if points and label in points:
            epsilon, accuracy = points[label]
            fig.add_trace(
                go.Scatter(
                    x=[epsilon],
                    y=[accuracy],
                    mode="markers+text",
                    marker={"color": colour, "size": 16, "symbol": "diamond", "line": {"width": 2}},
                    text=[f"ε = {format_epsilon(epsilon)}"],
                    textposition="top center",
                    textfont={"color": colour},
                    name=f"{name}: its ε",
                    legendgroup=name,
                    showlegend=False,
                )
            )
    _layout(
        fig,
        title="Frontiers side by side (bands: 90% of noise draws; ◆ each setting's own ε)",
        y_title=ACCURACY_AXIS_TITLE,
        font_size=font_size,
    )
    return fig
