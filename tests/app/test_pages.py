"""The other pages: they run, keep the shared settings, and react to their own controls."""

import pytest

from tests.app.conftest import chart_specs, open_page, trace

TARGET = "pages/1_Accuracy_target.py"
WHO_PAYS = "pages/2_Who_pays.py"
PERSONA = "pages/8_Persona.py"
SMALL = {"profiles": 5000, "repeats": 3}


def _param(at, name):
    value = at.query_params.get(name)
    return value[-1] if isinstance(value, list) else value


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
    at.radio(key="who_pays_view").set_value("age_bands").run()
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
    from core.setting.presets import load_presets

    preset = next(p for p in load_presets() if p.name == "Strict regulator")
    at = open_page()
    at.selectbox(key="preset").set_value(preset.name).run()
    at.button(key="apply_preset").click().run()
    no_exceptions(at)
    assert at.select_slider(key="epsilon").value == preset.scenario.epsilon
    assert at.slider(key="k").value == preset.scenario.k
    assert at.slider(key="consent_location").value == pytest.approx(0.5)


# -- a page's own settings round-trip through its URL ---------------------------------------------
def test_accuracy_target_round_trips_through_the_url(no_exceptions):
    """A link with accuracy_target opens at that target, and moving it rewrites the link."""
    at = open_page(TARGET, accuracy_target=0.42, **SMALL)
    no_exceptions(at)
    assert at.slider(key="accuracy_target").value == pytest.approx(0.42)
    assert _param(at, "accuracy_target") == "0.42"
    at.slider(key="accuracy_target").set_value(0.3).run()
    assert _param(at, "accuracy_target") == "0.3"
    again = open_page(TARGET, **{k: _param(at, k) for k in at.query_params})
    assert again.slider(key="accuracy_target").value == pytest.approx(0.3)
    assert [m.value for m in again.metric] == [m.value for m in at.metric]


def test_who_pays_view_round_trips_through_the_url(no_exceptions):
    """who_pays_view=age_bands opens the age bands; the link keeps the view."""
    at = open_page(WHO_PAYS, who_pays_view="age_bands", **SMALL)
    no_exceptions(at)
    assert at.radio(key="who_pays_view").value == "age_bands"
    assert any(t["name"].startswith("Age") for t in chart_specs(at)[0]["data"])
    assert _param(at, "who_pays_view") == "age_bands"
    at.radio(key="who_pays_view").set_value("segments").run()
    assert _param(at, "who_pays_view") == "segments"


def test_persona_and_shares_round_trip_through_the_url(no_exceptions):
    """persona=Tom&persona_shares=location,browsing opens Tom sharing just those two."""
    at = open_page(PERSONA, persona="Tom", persona_shares="location,browsing", **SMALL)
    no_exceptions(at)
    assert at.selectbox(key="persona").value == "Tom"
    assert at.multiselect(key="persona_shares").value == ["location", "browsing"]
    assert _param(at, "persona") == "Tom"
    assert _param(at, "persona_shares") == "location,browsing"
    at.multiselect(key="persona_shares").set_value([]).run()
    assert _param(at, "persona_shares") == "none"
    again = open_page(PERSONA, **{k: _param(at, k) for k in at.query_params})
    assert again.multiselect(key="persona_shares").value == []


@pytest.mark.parametrize(
    ("page", "name", "value", "widget", "default"),
    [
        (TARGET, "accuracy_target", "2", "slider", None),
        (TARGET, "accuracy_target", "lots", "slider", None),
        (WHO_PAYS, "who_pays_view", "<b>x</b>", "radio", "segments"),
        (PERSONA, "persona", "Nobody", "selectbox", "Maria"),
        (PERSONA, "persona_shares", "location,passwords", "multiselect", None),
    ],
)
def test_bad_page_settings_in_a_link_fall_back_with_a_notice(
    page, name, value, widget, default, no_exceptions
):
    """A bad page setting in a link falls back to the page's default with a notice naming it."""
    at = open_page(page, **{name: value}, **SMALL)
    no_exceptions(at)
    notices = [w.value for w in at.warning if name in w.value]
    assert notices and "Using the default" in notices[0]
    shown = getattr(at, widget)(key=name).value
    if default is not None:
        assert shown == default
    assert _param(at, name) != value


def test_page_settings_survive_a_page_switch_and_stay_on_their_page(no_exceptions):
    """The target set on its page is kept after a visit to Explore, whose link does not carry it."""
    at = open_page(TARGET, **SMALL)
    at.slider(key="accuracy_target").set_value(0.33).run()
    at.switch_page("app.py").run()
    no_exceptions(at)
    assert "accuracy_target" not in at.query_params
    at.switch_page(TARGET).run()
    no_exceptions(at)
    assert at.slider(key="accuracy_target").value == pytest.approx(0.33)
    assert _param(at, "accuracy_target") == "0.33"
