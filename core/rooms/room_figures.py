"""Figures of the workshop room's projector view: pure functions to ``go.Figure``.

Kept apart from :mod:`core.presentation.figures` (the explorer's charts) because they are drawn for
a room reading a projector: few bars, big labels, numbers printed on the bars.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.presentation.figures import EPSILON_AXIS_TITLE, EPSILON_TICKS, PALETTE, group_bars
from core.rooms.workshop import EpsilonChoices, RandomisedResponseEstimate
from core.setting.formatting import format_epsilon, plotly_text
from core.setting.schema import CATEGORIES


def _projector_layout(title: str, font_size: int, height: int) -> dict:
    return {
        "title": {"text": title, "x": 0, "xanchor": "left"},
        "font": {"size": font_size},
        "height": height,
        "margin": {"l": 10, "r": 30, "t": 50, "b": 10},
        "showlegend": False,
    }


def randomised_response_figure(
    result: RandomisedResponseEstimate, *, font_size: int = 18, height: int = 300
) -> go.Figure:
    """Two bars: the raw share of randomised "yes", and the estimated true share with its 95% CI.

    With no answers yet both bars are empty and the axis still shows 0–100%.
    """
    raw, estimate = result.yes_share, result.shown_estimate
    labels = [
        "Said yes after the coin" + ("" if raw is None else f": {raw:.0%}"),
        "Truly yes (estimate)" + ("" if estimate is None else f": {estimate:.0%}"),
    ]
    values = [raw or 0.0, estimate or 0.0]
    error_plus = [0.0, (result.high - estimate) if estimate is not None else 0.0]
    error_minus = [0.0, (estimate - result.low) if estimate is not None else 0.0]
    # Values go in the axis labels: a number printed at the bar's end would sit on the whisker.
    figure = go.Figure(
        go.Bar(
            y=labels,
            x=values,
            orientation="h",
            marker_color=[PALETTE["floor"], PALETTE["private"]],
            error_x={
                "type": "data",
                "symmetric": False,
                "array": error_plus,
                "arrayminus": error_minus,
                "thickness": 3,
                "width": 12,
            },
            hoverinfo="skip",
        )
    )
    figure.update_layout(
        _projector_layout(
            "Whisker: where the true share lies, with 95% confidence", font_size, height
        ),
        xaxis={"range": [0, 1.0], "tickformat": ".0%", "title": None},
        yaxis={"autorange": "reversed"},
    )
    return figure


def consent_shares_figure(
    shares: dict[str, float], category_labels: dict[str, str], *, font_size: int = 18, height=300
) -> go.Figure:
    """The room's share sharing each data category, and its share opting out."""
    labels = [plotly_text(category_labels.get(c, c)) for c in CATEGORIES] + ["Opt out entirely"]
    values = [shares[f"consent_{c}"] for c in CATEGORIES] + [shares["opt_out"]]
    figure = go.Figure(
        go.Bar(
            y=labels,
            x=values,
            orientation="h",
            marker_color=[PALETTE["private"]] * len(CATEGORIES) + [PALETTE["nonprivate"]],
            text=[f"{v:.0%}" for v in values],
            textposition="outside",
            cliponaxis=False,
            hoverinfo="skip",
        )
    )
    figure.update_layout(
        _projector_layout("What the room would share", font_size, height),
        xaxis={"range": [0, 1.0], "tickformat": ".0%"},
        yaxis={"autorange": "reversed"},
    )
    return figure


def consent_who_pays_figure(
    result: Mapping, segment_labels: Mapping[str, str], *, font_size: int = 18, height: int = 330
) -> go.Figure:
    """Who pays for the room's consent choices: right recommendations per group, ±1 sd bars.

    ``result`` is an evaluation of the room's Scenario (accuracy and its spread over noise
    draws, per segment): the opted-in and opted-out bars first, then each population segment
    under its label from ``segment_labels`` (its name when it has none).
    """
    segments = result["segments"]
    bars = {
        "Opted in": (segments["opted_in"]["accuracy"], segments["opted_in"]["accuracy_std"]),
        "Opted out": (segments["opted_out"]["accuracy"], segments["opted_out"]["accuracy_std"]),
    }
    for name in result["segment_names"]:
        label = segment_labels.get(name, name)
        bars[label.capitalize()] = (segments[name]["accuracy"], segments[name]["accuracy_std"])
    figure = group_bars(
        bars, title="Who pays: right recommendations per group", font_size=font_size
    )
    figure.update_layout(height=height)
    return figure


def epsilon_choices_figure(
    table: pd.DataFrame,
    choices: EpsilonChoices,
    *,
    ceiling: float,
    floor: float,
    font_size: int = 18,
    height: int = 380,
) -> go.Figure:
    """The frontier (mean accuracy per ε) with one bubble per ε the room picked, sized by count.

    ``table`` is a frontier (one row per ε and draw, as from :func:`core.engine.frontier`).
    """
    mean = table.groupby("epsilon")["accuracy"].mean()
    x = mean.index.to_numpy()
    traces = [
        go.Scatter(
            x=x,
            y=mean.to_numpy(),
            mode="lines",
            line={"color": PALETTE["private"], "width": 3},
            name="Private model (average)",
            hoverinfo="skip",
        ),
    ]
    # The projector view has no legend: each reference line carries its name at its left end.
    for value, name, colour, dash in (
        (ceiling, "Without privacy", PALETTE["nonprivate"], "dash"),
        (floor, "No personalisation", PALETTE["floor"], "dot"),
    ):
        traces.append(
            go.Scatter(
                x=[x.min(), x.max()],
                y=[value, value],
                mode="lines+text",
                line={"color": colour, "dash": dash, "width": 2},
                text=[f"{name}: {value:.0%}", ""],
                textposition="top right",
                textfont={"color": colour, "size": round(font_size * 0.8)},
                name=name,
                hoverinfo="skip",
            )
        )
    picked = {eps: n for eps, n in choices.counts.items() if n}
    if picked:
        eps = np.array(list(picked))
        counts = np.array(list(picked.values()))
        # Bubble area grows with the count; the biggest is 70 px across on the projector.
        sizes = 70 * np.sqrt(counts / counts.max())
        traces.append(
            go.Scatter(
                x=eps,
                y=np.interp(np.log(eps), np.log(x), mean.to_numpy()),
                mode="markers+text",
                marker={
                    "size": np.maximum(sizes, 14),
                    "color": PALETTE["current"],
                    "line": {"color": "#000", "width": 1},
                },
                text=[str(n) for n in counts],
                textposition="middle center",
                textfont={"size": font_size, "color": "#000"},
                name="The room's picks",
                hovertemplate="ε = %{x:g}: %{text} people<extra></extra>",
            )
        )
    title = (
        f"{choices.total} pick{'' if choices.total == 1 else 's'} · "
        f"median ε = {format_epsilon(choices.median)}"
        if choices.median is not None
        else "No picks yet"
    )
    figure = go.Figure(traces)
    figure.update_layout(
        _projector_layout(title, font_size, height),
        xaxis={"type": "log", "title": {"text": EPSILON_AXIS_TITLE}, **EPSILON_TICKS},
        yaxis={"title": {"text": "Right recommendations"}, "tickformat": ".0%", "range": [0, 1]},
    )
    return figure
