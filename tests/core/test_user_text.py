"""User-supplied strings reach every figure and report as text, never markup (issue 20, item 1).

Plotly renders a subset of HTML in trace names, titles, annotations and ticks; the HTML report
is HTML. Markup typed as a saved scenario's name, an uploaded column or category name, or a
room's question must arrive escaped in each of them.
"""

import html
import io
import json

import numpy as np
import pandas as pd
import pytest

from core.engine import build_workbench, frontier
from core.people.upload import build_dataset, read_table, sample_csv, sample_mapping
from core.presentation.export import report_html
from core.presentation.figure_data import figure_table
from core.presentation.figures import frontier_figure, group_bars, overlay_figure, segment_figure
from core.rooms.room_figures import consent_shares_figure
from core.setting.formatting import plotly_text
from core.setting.scenario import Scenario
from core.setting.schema import CATEGORIES

HOSTILE = (
    '<a href="https://example.com">click me</a>',
    "<b>bold name</b>",
    "two<br>lines",
    "$\\alpha$ price",
    "&lt;entity",
)


def _strings(value) -> list[str]:
    """Every string anywhere in a figure's JSON (names, titles, ticks, annotations, text)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list | tuple | np.ndarray):
        return [s for item in value for s in _strings(item)]
    return []


def _assert_escaped(figure, typed: str) -> None:
    strings = _strings(figure.to_plotly_json())
    assert not any(typed in s for s in strings), f"{typed!r} reached the figure as markup"
    assert any(plotly_text(typed) in s for s in strings), f"{typed!r} is missing"


def _table() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        [
            {"epsilon": e, "repeat": r, "accuracy": 0.3 + rng.normal(0, 0.01), "accuracy_g": 0.3}
            for e in (0.1, 1.0, 10.0)
            for r in range(3)
        ]
    )


@pytest.mark.parametrize("typed", HOSTILE)
def test_saved_names_in_the_comparison_chart_and_its_table(typed):
    """A saved scenario's name is a legend entry as typed, and the chart's data table shows it."""
    figure = overlay_figure(
        {typed: _table(), "Current settings": _table()}, points={typed: (1.0, 0.3)}
    )
    _assert_escaped(figure, typed)
    assert typed in set(figure_table(figure)["Series"])


@pytest.mark.parametrize("typed", HOSTILE)
def test_labels_and_titles_of_every_builder_taking_user_text(typed):
    """Group names, bar labels, a chart title, category labels and a point's label."""
    table = _table()
    _assert_escaped(segment_figure(table, {"accuracy_g": typed}, current_epsilon=1.0), typed)
    _assert_escaped(group_bars({typed: (0.4, 0.01), "Other": (0.3, 0.01)}, title=typed), typed)
    shares = {**{f"consent_{c}": 0.5 for c in CATEGORIES}, "opt_out": 0.1}
    _assert_escaped(consent_shares_figure(shares, dict.fromkeys(CATEGORIES, typed)), typed)
    point = frontier_figure(
        table,
        current_epsilon=1.0,
        current_mean=0.3,
        current_std=0.01,
        ceiling=0.4,
        floor=0.2,
        current_label=typed,
    )
    _assert_escaped(point, typed)


@pytest.fixture(scope="module")
def hostile_upload():
    """The sample upload with its group column and group values renamed to markup."""
    column, values = HOSTILE[0], (HOSTILE[1], HOSTILE[2])
    frame = pd.read_csv(io.BytesIO(sample_csv(rows=1_500)))
    frame["segment"] = frame["segment"].map({"majority": values[0], "minority": values[1]})
    frame = frame.rename(columns={"segment": column})
    mapping = sample_mapping()
    columns = tuple(
        type(c)(column, c.role, c.category, c.type, c.lower, c.upper, values)
        if c.column == "segment"
        else c
        for c in mapping.columns
    )
    table = read_table(frame.to_csv(index=False).encode())
    return build_dataset(table, type(mapping)(columns), name=HOSTILE[3])


def test_uploaded_column_and_category_names_reach_who_pays_as_text(hostile_upload):
    """An upload's group column and values, through the engine, into the Who pays chart."""
    scenario = Scenario(repeats=2)
    bench = build_workbench(scenario, dataset=hostile_upload)
    table = frontier(bench, [1.0], 2)
    groups = {
        f"accuracy_{name}": hostile_upload.segment_labels[name] for name in bench.data.segment_names
    }
    figure = segment_figure(table, groups, current_epsilon=1.0)
    strings = _strings(figure.to_plotly_json())
    for typed in HOSTILE[:3]:
        assert not any(typed in s for s in strings), typed
        assert any(plotly_text(typed) in s for s in strings), typed


def test_report_carries_every_user_string_as_text():
    """Title, headings, sections, tables, the data note and the chart of the HTML report."""
    named = {typed: _table() for typed in HOSTILE}
    figure = overlay_figure(named)
    frame = pd.DataFrame({typed: [typed] for typed in HOSTILE}, index=list(HOSTILE[:1]))
    page = report_html(
        HOSTILE[0],
        sections=[(typed, f"Note: {typed}") for typed in HOSTILE],
        figures=[figure],
        tables=[(HOSTILE[1], frame)],
        data_note=HOSTILE[2],
    )
    for typed in HOSTILE[:3]:
        assert typed not in page, typed
        assert html.escape(typed, quote=False) in page or html.escape(typed) in page
        # The chart's JSON spells "<" as "\\u003c": Plotly would still draw that as markup.
        as_json = json.dumps(typed).strip('"').replace("<", "\\u003c").replace(">", "\\u003e")
        assert as_json not in page, typed
