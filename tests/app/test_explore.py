"""Explore page (app.py): widgets by key, ε moves the chart, URL in and out."""

import pytest

from core.setting.scenario import FIELDS, Scenario
from tests.app.conftest import chart_specs, open_page, trace, values


def test_runs_and_has_every_shared_control(no_exceptions):
    """The landing page runs and every Scenario field has a widget keyed by its name."""
    at = open_page()
    no_exceptions(at)
    for spec in FIELDS:
        assert spec.name in at.session_state, spec.name
    assert at.select_slider(key="epsilon").value == Scenario().epsilon
    assert at.slider(key="opt_out").value == 0.0
    assert at.selectbox(key="model").value == "gaussian_nb"


def _headline(at) -> str:
    """The headline-numbers row (one Markdown element with class pte-row)."""
    return next(m.value for m in at.markdown if "pte-row" in m.value)


def test_moving_epsilon_changes_the_chart(no_exceptions):
    """Moving ε moves the current point on the frontier and the headline accuracy."""
    at = open_page()
    before = trace(chart_specs(at)[0], "Your setting")
    headline_before = _headline(at)
    at.select_slider(key="epsilon").set_value(10.0).run()
    no_exceptions(at)
    after = trace(chart_specs(at)[0], "Your setting")
    assert before["x"] != after["x"]
    assert after["y"][0] > before["y"][0]
    assert _headline(at) != headline_before


def test_query_params_set_the_widgets(no_exceptions):
    """A shared link's parameters become the widget values."""
    at = open_page(epsilon=0.5, opt_out=0.2, consent_location=0.5, k=5, seed=7)
    no_exceptions(at)
    assert at.select_slider(key="epsilon").value == 0.5
    assert at.slider(key="opt_out").value == pytest.approx(0.2)
    assert at.slider(key="consent_location").value == pytest.approx(0.5)
    assert at.slider(key="k").value == 5
    assert at.number_input(key="seed").value == 7
    assert not at.warning


def test_an_off_stop_epsilon_from_the_url_is_kept(no_exceptions):
    """An ε between the slider's stops (e.g. 0.7) is honoured, not rounded away."""
    at = open_page(epsilon=0.7)
    no_exceptions(at)
    assert at.select_slider(key="epsilon").value == 0.7
    assert trace(chart_specs(at)[0], "Your setting")["x"] == [0.7]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("epsilon", "abc"),
        ("epsilon", "0"),
        ("epsilon", "nan"),
        ("opt_out", "1.5"),
        ("k", "500"),
        ("model", "svm"),
        ("profiles", "10"),
        ("local_epsilon", "-1"),
    ],
)
def test_bad_query_params_give_a_notice_and_defaults(name, value, no_exceptions):
    """A bad URL value is replaced by the default, with a visible notice naming the field."""
    at = open_page(**{name: value})
    no_exceptions(at)
    notices = [w.value for w in at.warning]
    assert any(name in notice for notice in notices), notices
    widget_value = at.session_state[name]
    assert widget_value == getattr(Scenario(), name)
    assert chart_specs(at), "the chart still renders"


def test_url_follows_the_controls(no_exceptions):
    """After a change, the URL holds every Scenario field so a copied link reproduces it."""
    at = open_page()
    at.slider(key="opt_out").set_value(0.3).run()
    no_exceptions(at)
    params = {k: v for k, v in at.query_params.items()}
    restored = Scenario.from_params(
        {k: v[0] if isinstance(v, list) else v for k, v in params.items() if k != "projector"}
    )
    assert restored.opt_out == pytest.approx(0.3)


def test_reset_restores_defaults(no_exceptions):
    """The reset button puts every control back to its default."""
    at = open_page(epsilon=5, opt_out=0.4)
    at.button(key="reset").click().run()
    no_exceptions(at)
    assert at.select_slider(key="epsilon").value == Scenario().epsilon
    assert at.slider(key="opt_out").value == 0.0


def test_takeaway_sentence_follows_the_data():
    """The one-sentence takeaway names the current ε and changes when it moves."""
    at = open_page(epsilon=0.1)
    first = _headline(at)
    at.select_slider(key="epsilon").set_value(50.0).run()
    second = _headline(at)
    assert "ε = 0.1" in first and "ε = 50" in second


def test_random_forest_frontier_is_built_and_moving_epsilon_reuses_it(no_exceptions):
    """Random forest: the frontier (every stop) is built and moving ε reuses it."""
    at = open_page(model="random_forest", profiles=5000)
    no_exceptions(at)
    spec = chart_specs(at)[0]
    assert len(values(trace(spec, "Private model (average)")["x"])) == 13
    at.select_slider(key="epsilon").set_value(5.0).run()
    no_exceptions(at)
    assert trace(chart_specs(at)[0], "Your setting")["x"] == [5.0]


def test_one_noise_draw_says_no_spread_was_measured():
    """Repeats = 1: no '± 0.0 pp', the headline and the caption say one draw measures no spread."""
    at = open_page(profiles=2000, repeats=1)
    assert not at.exception
    page_text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "± 0.0 pp" not in page_text
    assert "one draw: no spread measured" in page_text
    assert "One noise draw per ε: no band" in page_text


def test_k_anonymity_turns_the_guess_into_group_privacy(no_exceptions):
    """With k > 1 the attacker's-guess headline reads k·ε and says it is group privacy at best."""
    at = open_page(k=5, epsilon=1, profiles=5000, repeats=2)
    no_exceptions(at)
    headline = _headline(at)
    assert "as a group of k = 5" in headline
    assert "≤ 99% right" in headline  # e^5 / (1 + e^5)
    assert any("group privacy" in m.value for m in at.markdown)


def test_a_new_scenario_leaves_no_placeholder_chart_behind(no_exceptions, monkeypatch):
    """A Scenario nobody opened shows a placeholder chart while the frontier trains; once the run
    is over only the real charts are left, and a rerun of the same Scenario shows none."""
    from ui import cached

    placeholders = []
    real_placeholder = cached.chart_placeholder

    def counting(message):
        placeholders.append(message)
        return real_placeholder(message)

    # Patched where frontier_for looks it up.
    monkeypatch.setattr(cached, "chart_placeholder", counting)
    default = open_page()
    placeholders.clear()  # the default may or may not have been computed by an earlier test
    fresh = open_page(seed=90_001)
    no_exceptions(fresh)
    assert len(placeholders) == 1 and "privacy levels" in placeholders[0]
    specs = chart_specs(fresh)
    assert len(specs) == len(chart_specs(default))
    assert trace(specs[0], "Your setting")  # the frontier, not an empty placeholder
    assert all(spec["data"] for spec in specs)
    open_page(seed=90_001)
    assert len(placeholders) == 1


def test_logistic_regression_frontier_has_every_draw(no_exceptions):
    """Logistic regression's frontier has all the Scenario's draws (not a cut-down number), and
    its numbers are the engine's."""
    from core.engine import frontier, workbench_for

    scenario = Scenario(model="logistic_regression", profiles=2_000, repeats=10, seed=5)
    at = open_page(**scenario.to_params())
    no_exceptions(at)
    assert any("90% of 10 independent noise draws" in c.value for c in at.caption)
    here = frontier(workbench_for(scenario), [scenario.epsilon], scenario.repeats)
    shown = trace(chart_specs(at)[0], "Your setting")["y"][0]
    assert shown == pytest.approx(here["accuracy"].mean(), abs=1e-12)


def test_local_mode_states_the_local_guarantee(no_exceptions):
    """Local DP with everyone opted out: the headline and 'what ε means' state what ε_local
    protects (the list is learnt from the reports), and the guarantee line is never ε = 0."""
    import html

    at = open_page(local_epsilon=1, opt_out=1, profiles=2000, repeats=2)
    no_exceptions(at)
    headline = html.unescape(_headline(at))
    assert "what your record says: ≤ 73% right (local ε)" in headline
    text = " ".join(m.value for m in at.markdown)
    assert "computed from those randomised reports" in text
    captions = " ".join(c.value for c in at.caption)
    assert "The guarantee: ε = 1 differential privacy" in captions
    assert "also ε_local = 1 locally private" in captions
    assert "ε = 0 " not in captions
    # The floor is named for what it is (issue 19, item 5).
    assert "counted exactly from everyone's purchases" in headline
