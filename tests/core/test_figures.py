"""Figure builders: the traces carry the right data (checked on ``fig.data``, not pixels)."""

import numpy as np
import pandas as pd
import pytest

from core.presentation.figures import (
    anonymity_figure,
    attack_figure,
    collected_figure,
    consent_figure,
    frontier_figure,
    frontier_summary,
    local_central_figure,
    opt_out_heatmap,
    overlay_figure,
    segment_figure,
)
from core.privacy.metrics import membership_auc_bound
from core.setting.schema import CATEGORIES

EPSILONS = (0.01, 0.1, 1.0, 10.0, 50.0)
REPEATS = 6


@pytest.fixture(scope="module")
def frontier_table() -> pd.DataFrame:
    """A synthetic frontier: accuracy rising with log ε plus seeded noise, two group columns."""
    rng = np.random.default_rng(5)
    rows = []
    for epsilon in EPSILONS:
        for repeat in range(REPEATS):
            accuracy = 0.2 + 0.06 * np.log10(epsilon * 100) + rng.normal(0, 0.02)
            rows.append(
                {
                    "epsilon": epsilon,
                    "repeat": repeat,
                    "accuracy": accuracy,
                    "accuracy_majority": accuracy + 0.02,
                    # A group nobody belongs to at ε = 0.01 (NaN), as happens with tiny groups.
                    "accuracy_minority": np.nan if epsilon == 0.01 else accuracy - 0.05,
                }
            )
    return pd.DataFrame(rows)


def _y(trace) -> np.ndarray:
    return np.asarray(trace.y, dtype=float)


def _x(trace) -> np.ndarray:
    return np.asarray(trace.x, dtype=float)


# -- frontier -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def frontier_fig(frontier_table):
    return frontier_figure(
        frontier_table,
        current_epsilon=1.0,
        current_mean=0.31,
        current_std=0.015,
        ceiling=0.55,
        floor=0.19,
    )


def test_frontier_figure_has_band_mean_ceiling_floor_and_current(frontier_fig):
    """Five traces in order: band, mean, ceiling, floor, current point."""
    names = [trace.name for trace in frontier_fig.data]
    assert len(names) == 5
    assert names[0] == "Private model: 90% of noise draws"
    assert names[1] == "Private model (average)"
    assert names[2] == "No privacy noise (ceiling): 55%"
    assert names[3] == "Popular items, exact count of everyone's purchases (floor): 19%"
    assert names[4] == "Your setting"
    assert frontier_fig.data[0].fill == "toself"


def test_frontier_figure_shows_the_random_trees_without_noise(frontier_table):
    """A random forest's frontier gets a sixth line: its random trees with exact labels."""
    figure = frontier_figure(
        frontier_table,
        current_epsilon=1.0,
        current_mean=0.23,
        current_std=0.01,
        ceiling=0.57,
        floor=0.19,
        structure=0.24,
    )
    line = next(t for t in figure.data if t.name.startswith("Same random trees, no noise"))
    assert list(line.y) == [0.24, 0.24]
    assert line.line.dash == "dashdot"


def test_frontier_band_is_the_5_95_quantiles(frontier_fig, frontier_table):
    """The band runs along q95 left to right and back along q05; upper >= lower at every ε."""
    summary = frontier_summary(frontier_table)
    band = frontier_fig.data[0]
    n = len(EPSILONS)
    x, y = _x(band), _y(band)
    np.testing.assert_allclose(x, np.r_[EPSILONS, EPSILONS[::-1]])
    upper, lower = y[:n], y[n:][::-1]
    np.testing.assert_allclose(upper, summary["q95"])
    np.testing.assert_allclose(lower, summary["q05"])
    assert np.all(upper >= lower)


def test_frontier_mean_and_reference_lines(frontier_fig, frontier_table):
    """The mean trace is the per-ε mean; ceiling and floor are flat across the ε range."""
    mean = frontier_table.groupby("epsilon")["accuracy"].mean()
    np.testing.assert_allclose(_x(frontier_fig.data[1]), EPSILONS)
    np.testing.assert_allclose(_y(frontier_fig.data[1]), mean.loc[list(EPSILONS)])
    for trace, value in ((frontier_fig.data[2], 0.55), (frontier_fig.data[3], 0.19)):
        np.testing.assert_allclose(_x(trace), [min(EPSILONS), max(EPSILONS)])
        np.testing.assert_allclose(_y(trace), [value, value])


def test_frontier_current_point(frontier_fig):
    """The current point sits at (ε, mean) with ±std as its error bar."""
    current = frontier_fig.data[4]
    np.testing.assert_allclose(_x(current), [1.0])
    np.testing.assert_allclose(_y(current), [0.31])
    np.testing.assert_allclose(np.asarray(current.error_y.array, dtype=float), [0.015])


def test_frontier_figure_reads_another_column(frontier_table):
    """``column`` and ``current_label`` switch the plotted column and the point's name."""
    fig = frontier_figure(
        frontier_table,
        current_epsilon=10.0,
        current_mean=0.4,
        current_std=0.0,
        ceiling=0.6,
        floor=0.2,
        column="accuracy_majority",
        current_label="Target",
    )
    mean = frontier_table.groupby("epsilon")["accuracy_majority"].mean()
    np.testing.assert_allclose(_y(fig.data[1]), mean.loc[list(EPSILONS)])
    assert fig.data[4].name == "Target"


# -- segments -----------------------------------------------------------------------------------


def test_segment_figure_has_one_trace_per_group(frontier_table):
    """One line per group with the per-ε mean (NaN rows dropped) and a line at the current ε."""
    groups = {"accuracy_majority": "Majority", "accuracy_minority": "Minority"}
    fig = segment_figure(frontier_table, groups, current_epsilon=1.0)
    assert [trace.name for trace in fig.data] == ["Majority", "Minority"]
    for trace, column in zip(fig.data, groups, strict=True):
        mean = frontier_table.dropna(subset=[column]).groupby("epsilon")[column].mean()
        np.testing.assert_allclose(_x(trace), mean.index)
        np.testing.assert_allclose(_y(trace), mean.to_numpy())
    assert len(_x(fig.data[1])) == len(EPSILONS) - 1
    assert [shape.x0 for shape in fig.layout.shapes] == [1.0]


# -- opt-out heatmap ----------------------------------------------------------------------------


def test_opt_out_heatmap_z_is_rates_by_epsilons():
    """z has shape (opt-out rates, ε values) and holds the mean accuracy of each cell."""
    rates, epsilons = (0.0, 0.5, 1.0), (0.1, 1.0, 10.0, 50.0)
    rows = [
        {"opt_out": rate, "epsilon": epsilon, "repeat": repeat, "accuracy": accuracy}
        for rate in rates
        for epsilon in epsilons
        for repeat, accuracy in enumerate(
            [0.1 + 0.1 * epsilons.index(epsilon) - 0.2 * rate + d for d in (-0.01, 0.01)]
        )
    ]
    fig = opt_out_heatmap(pd.DataFrame(rows))
    heatmap = fig.data[0]
    z = np.asarray(heatmap.z, dtype=float)
    assert z.shape == (len(rates), len(epsilons))
    expected = [[0.1 + 0.1 * j - 0.2 * rate for j in range(len(epsilons))] for rate in rates]
    np.testing.assert_allclose(z, expected)
    assert list(heatmap.x) == ["0.1", "1", "10", "50"]
    assert list(heatmap.y) == ["0%", "50%", "100%"]


# -- consent ------------------------------------------------------------------------------------


def test_consent_figure_has_one_trace_per_category():
    """One line per data category with the mean accuracy per consent rate."""
    rates = (0.0, 0.5, 1.0)
    rows = [
        {
            "category": category,
            "consent_rate": rate,
            "repeat": repeat,
            "accuracy": 0.2 + 0.1 * rate * (index + 1) + 0.01 * repeat,
        }
        for index, category in enumerate(CATEGORIES)
        for rate in rates
        for repeat in range(3)
    ]
    fig = consent_figure(pd.DataFrame(rows))
    assert sorted(trace.name for trace in fig.data) == sorted(c.capitalize() for c in CATEGORIES)
    for trace in fig.data:
        index = CATEGORIES.index(trace.name.lower())
        np.testing.assert_allclose(_x(trace), rates)
        np.testing.assert_allclose(_y(trace), [0.21 + 0.1 * r * (index + 1) for r in rates])


# -- local vs central ---------------------------------------------------------------------------


def test_local_central_figure_has_one_trace_per_mode():
    """One line for central and one for local DP, and the floor as a horizontal line."""
    rows = [
        {"mode": mode, "epsilon": epsilon, "repeat": repeat, "accuracy": accuracy}
        for mode, accuracy in (("central", 0.4), ("local", 0.2))
        for epsilon in (1.0, 10.0)
        for repeat in range(2)
    ]
    fig = local_central_figure(pd.DataFrame(rows), floor=0.19)
    assert [trace.name.split(":")[0] for trace in fig.data] == ["Central DP", "Local DP"]
    np.testing.assert_allclose(_y(fig.data[0]), [0.4, 0.4])
    np.testing.assert_allclose(_y(fig.data[1]), [0.2, 0.2])
    assert [shape.y0 for shape in fig.layout.shapes] == [0.19]


# -- attack -------------------------------------------------------------------------------------


def _audit_table(with_twin: bool) -> pd.DataFrame:
    epsilons = (10.0, 0.1, 1.0)  # unsorted on purpose: the figure sorts by ε
    rows = [
        {
            "epsilon": epsilon,
            "model": "private",
            "auc": 0.5 + 0.001 * epsilon,
            "auc_low": 0.48,
            "auc_high": 0.53,
            "theoretical_max_auc": membership_auc_bound(epsilon),
        }
        for epsilon in epsilons
    ]
    if with_twin:
        rows.append(
            {
                "epsilon": np.inf,
                "model": "non-private",
                "auc": 0.61,
                "auc_low": 0.59,
                "auc_high": 0.63,
                "theoretical_max_auc": 1.0,
            }
        )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("with_twin", [True, False])
def test_attack_figure_cap_trace_is_the_theoretical_max_auc(with_twin):
    """The cap trace is theoretical_max_auc per ε (sorted); the measured trace has its CI."""
    table = _audit_table(with_twin)
    fig = attack_figure(table)
    private = table[table["model"] == "private"].sort_values("epsilon")
    cap, measured = fig.data
    np.testing.assert_allclose(_x(cap), private["epsilon"])
    np.testing.assert_allclose(_y(cap), private["theoretical_max_auc"])
    np.testing.assert_allclose(_y(measured), private["auc"])
    np.testing.assert_allclose(
        np.asarray(measured.error_y.array, dtype=float), private["auc_high"] - private["auc"]
    )
    np.testing.assert_allclose(
        np.asarray(measured.error_y.arrayminus, dtype=float), private["auc"] - private["auc_low"]
    )
    # A line for the twin's AUC (when there is a twin) and the coin-flip line at 0.5.
    expected_lines = [0.61, 0.5] if with_twin else [0.5]
    assert [shape.y0 for shape in fig.layout.shapes] == expected_lines


# -- colour is never the only difference (WCAG 1.4.1) ------------------------------------------


def _look(trace) -> tuple:
    """What tells a trace apart without colour: its mode, dash, marker symbol and fill."""
    line = trace.line.dash if getattr(trace, "line", None) is not None else None
    marker = trace.marker.symbol if getattr(trace, "marker", None) is not None else None
    return (trace.mode, line or "solid", marker or "circle", trace.fill)


def _series_figures(frontier_table) -> dict:
    consent = pd.DataFrame(
        [
            {
                "category": category,
                "consent_rate": rate,
                "repeat": 0,
                "accuracy": 0.3,
                "data_collected_share": rate / 4,
            }
            for category in CATEGORIES
            for rate in (0.0, 1.0)
        ]
    )
    modes = pd.DataFrame(
        [
            {"mode": mode, "epsilon": epsilon, "repeat": 0, "accuracy": 0.3}
            for mode in ("central", "local")
            for epsilon in (1.0, 10.0)
        ]
    )
    groups = {"accuracy": "All", "accuracy_majority": "Majority", "accuracy_minority": "Minority"}
    return {
        "frontier": frontier_figure(
            frontier_table,
            current_epsilon=1.0,
            current_mean=0.3,
            current_std=0.01,
            ceiling=0.5,
            floor=0.1,
        ),
        "segments": segment_figure(frontier_table, groups, current_epsilon=1.0),
        "consent": consent_figure(consent),
        "collected": collected_figure(consent),
        "local_central": local_central_figure(modes, floor=0.1),
        "attack": attack_figure(_audit_table(True)),
        "anonymity": anonymity_figure(
            pd.DataFrame([{"k": 1, "repeat": 0, "accuracy": 0.3, "nonprivate_accuracy": 0.5}]),
            frontier_table,
        ),
        # Save & compare overlays up to 6 scenarios.
        "overlay": overlay_figure({name: frontier_table for name in "ABCDEF"}),
    }


@pytest.mark.parametrize(
    "name",
    ["frontier", "segments", "consent", "collected", "local_central", "attack", "anonymity"]
    + ["overlay"],
)
def test_series_differ_by_more_than_colour(frontier_table, name):
    """Every legend entry of a chart looks different in greyscale: dash, marker or fill."""
    figure = _series_figures(frontier_table)[name]
    shown = [trace for trace in figure.data if trace.showlegend is not False]
    looks = [_look(trace) for trace in shown]
    assert len(set(looks)) == len(looks), [
        (t.name, look) for t, look in zip(shown, looks, strict=True)
    ]


def test_anonymity_figure_axes_read_the_way_they_run(frontier_table):
    """k ticks are the round values (1 2 5 … 100); the reversed ε axis says less private → more."""
    ks = [1, 2, 5, 10, 20, 50, 100]
    sweep = pd.DataFrame(
        {"k": ks, "accuracy": np.linspace(0.3, 0.25, 7), "nonprivate_accuracy": 0.35}
    )
    fig = anonymity_figure(sweep, frontier_table)
    assert list(fig.layout.xaxis.tickvals) == ks
    assert list(fig.layout.xaxis.ticktext) == [str(k) for k in ks]
    assert fig.layout.xaxis2.autorange == "reversed"
    assert "← less private" in fig.layout.xaxis2.title.text
    assert "more private →" in fig.layout.xaxis2.title.text


def test_placeholder_figure_says_what_is_computed_and_draws_nothing():
    from core.presentation.figures import placeholder_figure

    fig = placeholder_figure("Training the private model at 15 privacy levels…")
    assert len(fig.data) == 0
    assert "Training the private model" in fig.layout.annotations[0].text
    assert fig.layout.height == frontier_figure_height()
    assert placeholder_figure("x", font_size=22).layout.height > fig.layout.height


def frontier_figure_height(font_size: int = 15) -> int:
    table = pd.DataFrame({"epsilon": [1.0], "repeat": [0], "accuracy": [0.5]})
    fig = frontier_figure(
        table,
        current_epsilon=1.0,
        current_mean=0.5,
        current_std=0.0,
        ceiling=0.6,
        floor=0.2,
        font_size=font_size,
    )
    return fig.layout.height


FLOOR_WORDS_GONE = ("nothing personal", "no personal data")


def test_the_floor_is_not_called_free_of_personal_data():
    """The popular-items floor is an exact count of everyone's purchases: no page, core module,
    data file or doc calls it free of personal data, and the legend says what it counts."""
    from pathlib import Path

    from core.presentation.figures import FLOOR_NAME

    root = Path(__file__).resolve().parents[2]
    files = [root / "app.py", root / "README.md"]
    folders = (("pages", "*.py"), ("core", "**/*.py"), ("ui", "**/*.py"), ("data", "*.json"))
    for folder, pattern in folders:
        files += sorted((root / folder).glob(pattern))
    files += sorted((root / "docs").glob("*.md"))
    for path in files:
        text = path.read_text(encoding="utf-8").lower()
        for words in FLOOR_WORDS_GONE:
            assert words not in text, f"{path.name} still says {words!r}"
    assert "everyone's purchases" in FLOOR_NAME
    assert "exact" in FLOOR_NAME


def test_epsilon_axis_and_slider_say_the_same_direction_and_the_y_title_fits_a_phone(
    frontier_table,
):
    """Issue 20 item 11: the ε axis reads like the slider's caption; a short accuracy title."""
    from core.presentation.figures import EPSILON_AXIS_TITLE, EPSILON_SLIDER_CAPTION

    axis_words = EPSILON_AXIS_TITLE.split("(", 1)[1].rstrip(")").split()
    assert axis_words == EPSILON_SLIDER_CAPTION.replace("·", "").split()
    fig = frontier_figure(
        frontier_table,
        current_epsilon=1.0,
        current_mean=0.3,
        current_std=0.01,
        ceiling=0.4,
        floor=0.2,
    )
    assert fig.layout.xaxis.title.text == EPSILON_AXIS_TITLE
    # 390 × 844: the plot area left ~200 px for a vertical title at 15 px (~8 px a character).
    assert len(fig.layout.yaxis.title.text) <= 22
