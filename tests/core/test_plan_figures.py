"""Planner figures carry the planner's numbers, one dash pattern per accountant."""

import numpy as np
import pandas as pd
import pytest

from core.over_time import plan as planner
from core.over_time.plan_figures import (
    CADENCE_ORDER,
    METHOD_STYLE,
    UNIT_STYLE,
    budget_figure,
    loss_curve_figure,
    unit_figure,
)
from core.presentation.figures import CEILING_NAME


def _by_name(fig, name):
    return [t for t in fig.data if t.name == name]


def test_loss_curve_figure_draws_every_method():
    """One line per accountant, y = the curve's column, distinct dashes and colours."""
    curve = planner.loss_curve(0.1, 52, 1e-6)
    fig = loss_curve_figure(curve, epsilon=0.1, delta=1e-6)
    assert len(fig.data) == len(planner.METHODS)
    for method in planner.METHODS:
        (line,) = _by_name(fig, planner.METHOD_LABELS[method])
        assert np.allclose(line.y, curve[method])
        assert line.line.dash == METHOD_STYLE[method]["dash"]
    assert len({s["dash"] for s in METHOD_STYLE.values()}) == len(planner.METHODS)
    assert len({s["color"] for s in METHOD_STYLE.values()}) == len(planner.METHODS)


def _budget_with_accuracy() -> pd.DataFrame:
    budget = planner.budget_table(1.0, 1e-6)
    accuracy = 0.2 + budget["epsilon_per_release"]
    return budget.assign(
        accuracy=accuracy, accuracy_q05=accuracy - 0.01, accuracy_q95=accuracy + 0.02, draws=3
    )


def test_budget_figure_orders_cadences_and_shows_bands():
    """ε per release and accuracy per cadence, least to most frequent, with 5–95% bars."""
    table = _budget_with_accuracy()
    fig = budget_figure(table, yearly_budget=1.0, ceiling=0.5, floor=0.19)
    epsilons, accuracy = _by_name(fig, planner.METHOD_LABELS["pld"])
    rows = table[table["method"] == "pld"].set_index("cadence").loc[list(CADENCE_ORDER)]
    assert np.allclose(epsilons.y, rows["epsilon_per_release"])
    assert np.allclose(accuracy.y, rows["accuracy"])
    assert np.allclose(accuracy.error_y.array, 0.02)
    assert np.allclose(accuracy.error_y.arrayminus, 0.01)
    assert CADENCE_ORDER == ("quarterly", "monthly", "weekly", "daily")
    assert any(t.name == f"{CEILING_NAME}: 50%" for t in fig.data)


def test_unit_figure_lines_and_histogram():
    """Loss per unit of protection against m, and people per m as bars."""
    events = np.r_[np.zeros(5, int), np.full(3, 4), 12]
    losses = planner.event_level_losses(0.5, int(events.max()), 1e-6)
    histogram = planner.event_histogram(events)
    fig = unit_figure(losses, histogram, epsilon=0.5, delta=1e-6)
    for column, (name, _, dash) in UNIT_STYLE.items():
        (line,) = _by_name(fig, name)
        assert np.allclose(line.y, losses[column])
        assert line.line.dash == dash
    (bars,) = [t for t in fig.data if t.type == "bar"]
    assert list(bars.y) == pytest.approx(histogram["people"].tolist())
    assert sum(bars.y) == len(events)
    assert "6" in fig.layout.title.text  # the heaviest shopper: 12 · 0.5
