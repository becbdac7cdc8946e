"""The other pages: they run, keep the shared settings, and react to their own controls."""

import pytest

from tests.app.conftest import chart_specs, open_page, trace

PAGES = [
    "pages/1_Accuracy_target.py",
    "pages/2_Who_pays.py",
    "pages/11_How_it_works.py",
]


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_with_query_params(page, no_exceptions):
    """Each page runs from a deep link and shows the linked settings."""
    at = open_page(page, epsilon=2, opt_out=0.1)
    no_exceptions(at)
    assert at.select_slider(key="epsilon").value == 2.0
    assert at.slider(key="opt_out").value == pytest.approx(0.1)


@pytest.mark.parametrize("page", PAGES)
def test_bad_query_params_on_every_page(page, no_exceptions):
    """Bad URL values on any page give a notice naming the field, never a traceback."""
    at = open_page(page, epsilon="oops")
    no_exceptions(at)
    assert any("epsilon" in w.value for w in at.warning)


def test_settings_survive_a_page_switch(no_exceptions):
    """A value set on one page is still set after moving to another page."""
    at = open_page()
    at.slider(key="consent_browsing").set_value(0.4).run()
    at.switch_page("pages/2_Who_pays.py").run()
    no_exceptions(at)
    assert at.slider(key="consent_browsing").value == pytest.approx(0.4)


def test_accuracy_target_moves_the_answer(no_exceptions):
    """A higher accuracy target needs a larger ε."""
    at = open_page("pages/1_Accuracy_target.py")
    at.slider(key="accuracy_target").set_value(0.3).run()
    low = float(at.metric[0].value)
    at.slider(key="accuracy_target").set_value(0.5).run()
    no_exceptions(at)
    high = float(at.metric[0].value)
    assert high > low
    spec = chart_specs(at)[0]
    assert any(shape.get("y0") == 0.5 for shape in spec["layout"].get("shapes", []))


def test_accuracy_target_out_of_reach_says_so(no_exceptions):
    """A target above the non-private ceiling is reported as not reachable."""
    at = open_page("pages/1_Accuracy_target.py")
    at.slider(key="accuracy_target").set_value(0.95).run()
    no_exceptions(at)
    assert any(
        "Not reachable: even the model without privacy gets only" in e.value for e in at.error
    )


def test_accuracy_target_below_the_popular_items_needs_no_personalised_model(no_exceptions):
    """A target the popular-items list already reaches needs no model: it says so, not 'ε 0.05',
    and does not call the list free of personal data (it counts everyone's purchases)."""
    at = open_page("pages/1_Accuracy_target.py", profiles=5000, repeats=3)
    at.slider(key="accuracy_target").set_value(0.05).run()
    no_exceptions(at)
    assert any("No personalised model needed" in s.value for s in at.success)
    assert any("counted from everyone's purchases" in s.value for s in at.success)
    assert not any("No personal data" in s.value for s in at.success)
    assert not at.metric
    assert any("A planning step" in c.value for c in at.caption)


def test_who_pays_switches_groups(no_exceptions):
    """Switching from taste segments to age bands redraws the chart with age groups."""
    at = open_page("pages/2_Who_pays.py")
    names = [t["name"] for t in chart_specs(at)[0]["data"]]
    assert "Minority tastes" in names
    at.radio(key="who_pays_view").set_value("Age bands").run()
    no_exceptions(at)
    names = [t["name"] for t in chart_specs(at)[0]["data"]]
    assert any(name.startswith("Age") for name in names)


def test_who_pays_chart_follows_epsilon(no_exceptions):
    """Moving ε moves the marker line on the Who-pays chart."""
    at = open_page("pages/2_Who_pays.py", epsilon=1)
    first = chart_specs(at)[0]["layout"]["shapes"][0]["x0"]
    at.select_slider(key="epsilon").set_value(5.0).run()
    assert chart_specs(at)[0]["layout"]["shapes"][0]["x0"] != first


def test_consent_changes_the_frontier(no_exceptions):
    """Withdrawing browsing consent lowers the ceiling and the private curve."""
    at = open_page()
    ceiling_before = trace(chart_specs(at)[0], "No privacy noise")["y"][0]
    at.slider(key="consent_browsing").set_value(0.0).run()
    no_exceptions(at)
    assert trace(chart_specs(at)[0], "No privacy noise")["y"][0] < ceiling_before


def test_presets_apply_every_field(no_exceptions):
    """Applying a preset sets the controls to the preset's Scenario."""
    from core.presets import load_presets

    preset = next(p for p in load_presets() if p.name == "Strict regulator")
    at = open_page()
    at.selectbox(key="preset").set_value(preset.name).run()
    at.button(key="apply_preset").click().run()
    no_exceptions(at)
    assert at.select_slider(key="epsilon").value == preset.scenario.epsilon
    assert at.slider(key="k").value == preset.scenario.k
    assert at.slider(key="consent_location").value == pytest.approx(0.5)
