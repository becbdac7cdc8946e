"""The table behind a chart holds exactly the numbers the figure draws (its text alternative)."""

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from core.presentation.figure_data import HIGH, LOW, SERIES, figure_table
from core.presentation.figures import (
    CEILING_NAME,
    FLOOR_NAME,
    anonymity_figure,
    attack_figure,
    consent_figure,
    frontier_figure,
    frontier_summary,
    group_bars,
    opt_out_heatmap,
    overlay_figure,
    segment_figure,
)
from core.privacy.metrics import membership_auc_bound

EPSILONS = (0.01, 0.1, 1.0, 10.0)
Y_PERCENT = "Right recommendations (%)"
EPSILON_COLUMN = "ε"


@pytest.fixture(scope="module")
def frontier_table() -> pd.DataFrame:
    """Accuracy rising with log ε plus seeded noise, 5 draws per ε."""
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        [
            {
                "epsilon": epsilon,
                "repeat": repeat,
                "accuracy": 0.2 + 0.05 * np.log10(epsilon * 100) + rng.normal(0, 0.02),
            }
            for epsilon in EPSILONS
            for repeat in range(5)
        ]
    )


@pytest.fixture(scope="module")
def frontier_rows(frontier_table) -> pd.DataFrame:
    fig = frontier_figure(
        frontier_table,
        current_epsilon=1.0,
        current_mean=0.31,
        current_std=0.02,
        ceiling=0.55,
        floor=0.12,
    )
    return figure_table(fig)


def _series(table: pd.DataFrame, prefix: str) -> pd.DataFrame:
    return table[table[SERIES].str.startswith(prefix)]


def test_frontier_table_has_the_mean_band_references_and_current_point(
    frontier_rows, frontier_table
):
    """Mean per ε, the 5–95% band as From/To, both reference lines and the current point ± sd."""
    summary = frontier_summary(frontier_table)
    assert list(frontier_rows.columns) == [SERIES, EPSILON_COLUMN, Y_PERCENT, LOW, HIGH]
    mean = _series(frontier_rows, "Private model (average)")
    np.testing.assert_allclose(mean[EPSILON_COLUMN], EPSILONS)
    np.testing.assert_allclose(mean[Y_PERCENT], np.round(100 * summary["mean"], 1))
    band = _series(frontier_rows, "Private model: 90%")
    np.testing.assert_allclose(band[EPSILON_COLUMN], EPSILONS)
    np.testing.assert_allclose(band[LOW], np.round(100 * summary["q05"], 1))
    np.testing.assert_allclose(band[HIGH], np.round(100 * summary["q95"], 1))
    assert band[Y_PERCENT].isna().all()
    assert set(_series(frontier_rows, CEILING_NAME)[Y_PERCENT]) == {55.0}
    assert set(_series(frontier_rows, FLOOR_NAME)[Y_PERCENT]) == {12.0}
    current = _series(frontier_rows, "Your setting").iloc[0]
    assert (current[EPSILON_COLUMN], current[Y_PERCENT]) == (1.0, 31.0)
    assert (current[LOW], current[HIGH]) == (29.0, 33.0)


def test_every_drawn_point_has_a_row(frontier_table):
    """Row count: every point of every trace, a band counted once per x, one row per line."""
    groups = {"accuracy": "Everyone"}
    fig = segment_figure(frontier_table, groups, current_epsilon=0.1)
    table = figure_table(fig)
    assert len(table) == len(EPSILONS) + 1  # the line, and the 'Your ε' vertical marker
    marker = table[table[SERIES].str.startswith("Your ε")]
    assert marker[EPSILON_COLUMN].tolist() == [0.1]
    assert marker.drop(columns=[SERIES, EPSILON_COLUMN]).isna().all(axis=None)


def test_asymmetric_error_bars_and_labelled_horizontal_lines():
    """The attack chart's 95% CI (asymmetric) and its labelled hlines read back exactly."""
    epsilons = (0.1, 1.0)
    rows = [
        {
            "epsilon": epsilon,
            "model": "private",
            "auc": 0.51,
            "auc_low": 0.47,
            "auc_high": 0.56,
            "theoretical_max_auc": membership_auc_bound(epsilon),
        }
        for epsilon in epsilons
    ]
    rows.append(
        {
            "epsilon": np.inf,
            "model": "non-private",
            "auc": 0.62,
            "auc_low": 0.6,
            "auc_high": 0.64,
            "theoretical_max_auc": 1.0,
        }
    )
    table = figure_table(attack_figure(pd.DataFrame(rows)))
    y = [c for c in table.columns if c.startswith("Attacker success")][0]
    measured = _series(table, "Measured attack")
    assert measured[[LOW, HIGH]].to_numpy().tolist() == [[47.0, 56.0], [47.0, 56.0]]
    cap = _series(table, "Highest AUC")
    np.testing.assert_allclose(
        cap[y], np.round([100 * membership_auc_bound(e) for e in epsilons], 1)
    )
    lines = table[table[EPSILON_COLUMN].isna()]
    assert lines[SERIES].tolist() == ["Attack on the model without privacy: AUC 0.620", "Coin flip"]
    assert lines[y].tolist() == [62.0, 50.0]


def test_heatmap_gives_one_row_per_cell_with_its_labels():
    """Every cell of the opt-out heatmap, under its ε and opt-out labels, in percent."""
    rows = [
        {"opt_out": rate, "epsilon": epsilon, "repeat": 0, "accuracy": 0.3 - rate / 4 + epsilon}
        for rate in (0.0, 0.5)
        for epsilon in (0.1, 0.2, 0.3)
    ]
    fig = opt_out_heatmap(pd.DataFrame(rows))
    table = figure_table(fig)
    assert len(table) == 6
    z_column = [c for c in table.columns if c.endswith("(%)")][0]
    np.testing.assert_allclose(
        table[z_column], np.round(100 * np.asarray(fig.data[0].z, dtype=float).ravel(), 1)
    )
    assert table.iloc[:, 1].tolist() == ["0%"] * 3 + ["50%"] * 3
    assert table.iloc[:, 0].tolist() == ["0.1", "0.2", "0.3"] * 2


def test_bars_without_series_names_drop_the_series_column():
    """One unnamed bar trace: a row per bar, its label, value and ±1 sd range."""
    fig = group_bars({"Opted in": (0.4, 0.02), "Opted out": (0.2, 0.01)}, title="Who")
    table = figure_table(fig)
    assert SERIES not in table
    assert table.to_numpy().tolist() == [
        ["Opted in", 40.0, 38.0, 42.0],
        ["Opted out", 20.0, 19.0, 21.0],
    ]


def test_shared_subplot_axis_and_percent_x_axis():
    """A subplot sharing y gets the shared axis' title; a percent x axis is given in percent."""
    k_table = pd.DataFrame(
        [{"k": k, "repeat": 0, "accuracy": 0.3, "nonprivate_accuracy": 0.5} for k in (1, 5)]
    )
    dp_table = pd.DataFrame([{"epsilon": e, "repeat": 0, "accuracy": 0.25} for e in (1.0, 10.0)])
    table = figure_table(anonymity_figure(k_table, dp_table))
    right = _series(table, "Private model, k = 1")
    assert right["Right recommendations (%)"].tolist() == [25.0, 25.0]

    consent = pd.DataFrame(
        [
            {"category": "location", "consent_rate": rate, "repeat": 0, "accuracy": 0.2}
            for rate in (0.0, 0.5)
        ]
    )
    table = figure_table(consent_figure(consent))
    assert table["Share of people who consent (%)"].tolist() == [0.0, 50.0]


def test_overlay_bands_are_named_after_their_scenario(frontier_table):
    """Each compared scenario's band is labelled with the scenario's name, not left blank."""
    table = figure_table(overlay_figure({"A": frontier_table, "B": frontier_table}))
    assert table[SERIES].notna().all()
    assert {name.split(":")[0] for name in table[SERIES]} == {"A", "B"}


def test_a_figure_without_data_gives_an_empty_table():
    """An empty figure (nothing drawn) gives an empty table, not an error."""
    assert figure_table(go.Figure()).empty


def test_a_figure_read_back_from_json_gives_the_same_table(frontier_table):
    """Plotly stores numpy arrays as base64 typed arrays in JSON: the table reads them too."""
    fig = segment_figure(frontier_table, {"accuracy": "Everyone"}, current_epsilon=1.0)
    again = go.Figure(json.loads(fig.to_json()))
    pd.testing.assert_frame_equal(figure_table(again), figure_table(fig))
    heatmap = opt_out_heatmap(
        pd.DataFrame([{"opt_out": 0.0, "epsilon": e, "accuracy": 0.2} for e in (0.1, 1.0)])
    )
    pd.testing.assert_frame_equal(
        figure_table(go.Figure(json.loads(heatmap.to_json()))), figure_table(heatmap)
    )
