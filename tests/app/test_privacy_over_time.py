"""Privacy over time: the page reads the URL, draws the core's numbers, runs on an upload."""

import html

import numpy as np
import pytest

from core.over_time import plan as planner
from core.over_time.plan_figures import UNIT_STYLE
from tests.app.conftest import chart_specs, open_page, trace, values
from tests.app.test_edge_settings import EXTREMES
from tests.app.test_your_data import _use_sample

PAGE = "pages/15_Privacy_over_time.py"
WEEKLY = {"epsilon": 0.1, "releases_per_year": 52, "years": 1, "delta": "1e-6"}


@pytest.fixture(scope="module")
def weekly():
    """The page answering the issue's question: a year of weekly releases at ε = 0.1."""
    return open_page(PAGE, **WEEKLY, repeats=3)


def _takeaway(at) -> str:
    return html.unescape(" ".join(m.value for m in at.markdown))


def test_deep_link_sets_every_planner_widget(no_exceptions):
    """Each planner field is read from the URL into its widget (key = field name)."""
    at = open_page(
        PAGE, epsilon=0.2, releases_per_year=12, years=2, delta="1e-8", yearly_budget=2, repeats=2
    )
    no_exceptions(at)
    assert at.select_slider(key="epsilon").value == pytest.approx(0.2)
    assert at.select_slider(key="releases_per_year").value == 12
    assert at.select_slider(key="years").value == pytest.approx(2.0)
    assert at.select_slider(key="delta").value == pytest.approx(1e-8)
    assert at.select_slider(key="yearly_budget").value == pytest.approx(2.0)
    assert at.query_params["releases_per_year"] == "12"
    assert at.query_params["delta"] == "1e-08"


@pytest.mark.parametrize(
    ("field", "bad", "default"),
    [("releases_per_year", "400", 52), ("delta", "oops", 1e-6), ("years", "-1", 1.0)],
)
def test_bad_url_value_gives_a_notice_and_the_default(field, bad, default, no_exceptions):
    """A bad planner value in the URL falls back to its default with a notice naming it."""
    at = open_page(PAGE, **{field: bad}, repeats=2)
    no_exceptions(at)
    assert any(field in w.value and "must be" in w.value for w in at.warning)
    assert at.select_slider(key=field).value == pytest.approx(default)


def test_headline_answers_with_the_core_numbers(weekly, no_exceptions):
    """The takeaway states the composed total and the guess bound the core computes."""
    no_exceptions(weekly)
    totals = planner.total_losses(0.1, 52, 1e-6)
    text = _takeaway(weekly)
    assert f"ε = {totals['optimal']:.3g}" in text
    assert "52 releases" in text
    assert f"{planner.guess_bound(totals['optimal'], 1e-6):.0%}" in text


def test_best_guess_tile_is_exact_with_the_epsilon_delta_cap_beside_it(weekly):
    """The tile shows the exact best guess for these releases (≤ 64%), the (ε, δ) reading (≤ 96%)
    beside it, and the takeaway says which is which."""
    page = html.unescape(" ".join(m.value for m in weekly.markdown))
    assert "≤ 64% right" in page
    assert "from (ε, δ) alone: ≤ 96%" in page
    assert "right at most 64% of the time" in page


def test_loss_chart_is_the_core_curve(weekly):
    """Every accountant's line is planner.loss_curve of the page's plan."""
    spec = chart_specs(weekly)[0]
    curve = planner.loss_curve(0.1, 52, 1e-6)
    for method, label in planner.METHOD_LABELS.items():
        line = trace(spec, label)
        assert np.array_equal(values(line["x"]), curve["releases"].to_numpy())
        assert np.allclose(values(line["y"]), curve[method].to_numpy(), rtol=1e-12)
    # Lines differ by dash as well as colour.
    dashes = {trace(spec, label)["line"]["dash"] for label in planner.METHOD_LABELS.values()}
    assert len(dashes) == len(planner.METHODS)


def test_budget_chart_is_the_core_table(weekly):
    """ε per release per cadence is planner.budget_table; accuracies come with their band."""
    spec = chart_specs(weekly)[1]
    table = planner.budget_table(1.0, 1e-6)
    optimal = [t for t in spec["data"] if t["name"] == planner.METHOD_LABELS["optimal"]]
    epsilons, accuracy = optimal
    expected = table[table["method"] == "optimal"].set_index("cadence")["epsilon_per_release"]
    order = ["quarterly", "monthly", "weekly", "daily"]
    assert np.allclose(values(epsilons["y"]), expected[order].to_numpy(), rtol=1e-9)
    assert accuracy["error_y"]["symmetric"] is False
    assert all(0 <= a <= 1 for a in values(accuracy["y"]))


def test_unit_chart_follows_the_people(weekly):
    """The unit-of-protection chart is m·ε for every m, and counts every person once."""
    spec = chart_specs(weekly)[2]
    group = trace(spec, UNIT_STYLE["group"][0])
    assert np.allclose(values(group["y"]), values(group["x"]) * 0.1)
    bars = next(t for t in spec["data"] if t["type"] == "bar")
    assert values(bars["y"]).sum() == 40_000


def test_moving_the_cadence_redraws_and_updates_the_url(no_exceptions):
    """Daily releases: the curve runs to 365 and the link says so."""
    at = open_page(PAGE, **WEEKLY, repeats=2)
    at.select_slider(key="releases_per_year").set_value(365).run()
    no_exceptions(at)
    spec = chart_specs(at)[0]
    basic = trace(spec, planner.METHOD_LABELS["basic"])
    assert values(basic["x"])[-1] == 365
    assert values(basic["y"])[-1] == pytest.approx(36.5)
    assert at.query_params["releases_per_year"] == "365"


def test_planner_values_survive_a_page_switch(no_exceptions):
    """A planner value set here is still set after visiting another page."""
    at = open_page(PAGE, **WEEKLY, repeats=2)
    at.select_slider(key="years").set_value(2.0).run()
    at.switch_page("pages/11_How_it_works.py").run()
    at.switch_page(PAGE).run()
    no_exceptions(at)
    assert at.select_slider(key="years").value == pytest.approx(2.0)
    assert "104 releases" in _takeaway(at)


def test_works_on_an_upload(no_exceptions):
    """On an uploaded file the page runs, trains on it and reads its purchase columns."""
    at = _use_sample(open_page("pages/14_Your_data.py", repeats=2))
    at.switch_page(PAGE).run()
    no_exceptions(at)
    specs = chart_specs(at)
    assert len(specs) == 3
    bars = next(t for t in specs[2]["data"] if t["type"] == "bar")
    # The sample's people (its rows with a declared label), each counted once.
    assert values(bars["y"]).sum() == 1_500
    assert any("1,500 people" in c.value for c in at.sidebar.caption)


@pytest.mark.parametrize(
    "query",
    [
        {"epsilon": 100, "releases_per_year": 365, "years": 10, "delta": "1e-12"},
        {"epsilon": 0.01, "releases_per_year": 1, "years": 0.25, "yearly_budget": 0.01},
    ],
    ids=["largest", "smallest"],
)
def test_edges_of_every_range_run(query, no_exceptions):
    """The ends of every planner range give numbers, not an exception."""
    at = open_page(PAGE, **query, repeats=2)
    no_exceptions(at)
    assert len(chart_specs(at)) == 3
    assert not at.warning


@pytest.mark.parametrize("settings", list(EXTREMES.values()), ids=list(EXTREMES))
def test_page_runs_at_extreme_settings(settings, no_exceptions):
    """Nobody to train on, nothing shared, the strongest of everything: no traceback."""
    at = open_page(PAGE, **settings)
    no_exceptions(at)
    assert len(chart_specs(at)) == 3


def test_k_anonymity_turns_the_person_into_a_stored_record(no_exceptions):
    """With k-anonymity first, the total is said of a stored record and the caveat is shown."""
    at = open_page(PAGE, **WEEKLY, k=5, profiles=2000, repeats=2)
    no_exceptions(at)
    text = _takeaway(at)
    assert "one stored record (not one person" in text
    assert "one person has given up" not in text
    assert any("group privacy" in w.value or "as a group" in w.value for w in at.warning)
