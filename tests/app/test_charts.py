"""Every chart comes with its text alternative: the numbers it draws, one click away."""

import plotly.graph_objects as go
import pytest

import ui
from core.presentation.figure_data import figure_table
from tests.app.conftest import chart_specs, open_page

SMALL = {"profiles": 5000, "repeats": 3}
CHART_PAGES = [
    (None, "frontier_chart"),
    ("pages/1_Accuracy_target.py", "target_chart"),
    ("pages/2_Who_pays.py", "segments_chart"),
]


def _data_expanders(at) -> list:
    return [e for e in at.expander if e.label == "Data behind this chart"]


@pytest.mark.parametrize(("page", "key"), CHART_PAGES)
def test_each_chart_has_its_data_expander(page, key, no_exceptions):
    """One "Data behind this chart" per chart; its table is not built while it is closed."""
    at = open_page(page, **SMALL)
    no_exceptions(at)
    assert len(_data_expanders(at)) == len(chart_specs(at)) >= 1
    assert len(at.table) == 0


def test_opened_table_shows_the_numbers_the_chart_draws(no_exceptions):
    """Opening Explore's expander shows exactly figure_table of the drawn figure, as text."""
    at = open_page(None, **SMALL)
    at.session_state["frontier_chart_data"] = True  # what a click on the expander sets
    at.run()
    no_exceptions(at)
    [spec] = chart_specs(at)
    expected = figure_table(go.Figure(spec))
    shown = at.table[0].value
    assert list(shown.index) == list(expected.iloc[:, 0])
    assert list(shown.columns) == list(expected.columns[1:])
    assert shown.to_numpy().tolist() == expected.iloc[:, 1:].map(ui._cell).to_numpy().tolist()
