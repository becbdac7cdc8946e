"""Exports: spreadsheet-safe CSV, comparison table, a self-contained offline HTML report."""

import json
import re
from html.parser import HTMLParser

import pandas as pd
import plotly.io as pio
import pytest

from core.engine import evaluate
from core.presentation.export import (
    comparison_numbers,
    comparison_table,
    neutralise_formulas,
    readable_time,
    report_html,
    to_safe_csv,
)
from core.presentation.figures import overlay_figure
from core.setting.scenario import Scenario


@pytest.mark.parametrize("text", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(text):
    """Text starting with = + - @ tab or CR is prefixed with a quote; numbers are untouched."""
    frame = pd.DataFrame({"name": [text], "value": [-1.5]})
    safe = neutralise_formulas(frame)
    assert safe.loc[0, "name"] == "'" + text
    assert safe.loc[0, "value"] == -1.5
    assert b"'" + text.encode()[:1] in to_safe_csv(frame)


def test_plain_text_is_unchanged():
    """Ordinary names pass through as they are."""
    frame = pd.DataFrame({"name": ["Strict regulator", "a=b"]})
    assert neutralise_formulas(frame)["name"].tolist() == ["Strict regulator", "a=b"]


@pytest.fixture(scope="module")
def two_results():
    small = Scenario(profiles=3000, repeats=2)
    return {
        "A": (small, evaluate(small)),
        "<script>alert(1)</script>": (small.replace(epsilon=5), evaluate(small.replace(epsilon=5))),
    }


def test_comparison_table_has_every_setting_and_measure(two_results):
    """One column per scenario; rows for every Scenario field and every measure."""
    table = comparison_table(two_results)
    assert list(table.columns) == list(two_results)
    assert "Privacy budget ε" in table.index and "Right first suggestion" in table.index
    assert "Re-identification risk (max)" in table.index


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.external = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        for name, value in attrs:
            if name in ("src", "href") and value and re.match(r"(https?:)?//", value):
                self.external.append(value)


def test_report_is_self_contained_and_escapes_text(two_results):
    """The report parses, embeds the figure data and plotly.js, loads nothing from outside,
    and shows user text as inert text."""
    figure = overlay_figure(
        {
            "A": pd.DataFrame(
                {
                    "epsilon": [0.1, 1.0, 0.1, 1.0],
                    "repeat": [0, 0, 1, 1],
                    "accuracy": [0.2, 0.4, 0.22, 0.41],
                }
            )
        }
    )
    html = report_html(
        "Report <title>",
        sections=[("Note", "<script>alert(1)</script>")],
        figures=[figure],
        tables=[("Table", comparison_table(two_results))],
    )
    parser = _Collector()
    parser.feed(html)
    assert parser.external == []
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Plotly.newPlot" in html and len(html) > 1_000_000  # plotly.js is inlined
    mean_trace = json.loads(pio.to_json(figure))["data"][1]["y"]
    encoded = mean_trace["bdata"] if isinstance(mean_trace, dict) else json.dumps(mean_trace)
    # Plotly escapes "/" inside the embedded JSON.
    assert encoded.replace("/", "\\u002f") in html  # the figure's data is embedded


def test_comparison_table_one_format_per_row_and_human_labels(two_results):
    """ε spent is a number, risks and accuracies percents, the model its name; no identifiers."""
    table = comparison_table(two_results)
    assert table.loc["ε spent"].tolist() == ["1", "5"]
    assert all(v.endswith("%") for v in table.loc["Re-identification risk (max)"])
    assert all(v.endswith("%") for v in table.loc["Re-identification risk (mean)"])
    assert all(v.endswith(" pp") for v in table.loc["Spread between noise draws"])
    assert table.loc["Model"].tolist() == ["Naive Bayes (GaussianNB)"] * 2
    assert table.loc["Opt-out rate"].tolist() == ["0%", "0%"]
    assert "gaussian_nb" not in table.to_string()


def test_comparison_numbers_are_numbers_with_units_in_the_names(two_results):
    """The CSV table: one row per setting, labelled columns, numbers in one unit per column."""
    numbers = comparison_numbers(two_results)
    assert numbers["Setting"].tolist() == list(two_results)
    assert numbers["ε spent"].tolist() == [1.0, 5.0]
    assert numbers["Opt-out rate (%)"].tolist() == [0.0, 0.0]
    assert numbers["Re-identification risk (max) (%)"].between(0, 100).all()
    assert not {"opt_out", "model", "epsilon", "local_epsilon"} & set(numbers.columns)


def test_readable_time():
    """Stored ISO stamps read as 'YYYY-MM-DD HH:MM UTC'; anything else passes through."""
    assert readable_time("2026-12-01T12:34:56+00:00") == "2026-12-01 12:34 UTC"
    assert readable_time("yesterday") == "yesterday"


def test_report_figures_get_room_for_their_axes():
    """The report redraws each chart with margins for the axis labels and the title."""
    figure = overlay_figure(
        {"A": pd.DataFrame({"epsilon": [0.1, 1.0], "repeat": [0, 0], "accuracy": [0.2, 0.4]})}
    )
    html = report_html("R", sections=[], figures=[figure], tables=[])
    assert re.search(r'"margin":\{[^}]*"l":80', html.replace(" ", ""))
    assert figure.layout.margin.l == 10  # the app's own figure is left as it was
