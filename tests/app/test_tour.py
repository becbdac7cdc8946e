"""Guided tour: every step applies its settings and reveals a computed answer; flags work."""

from core.presentation.tour import load_steps
from tests.app.conftest import open_page

PAGE = "pages/13_Guided_tour.py"


def test_every_step_runs_and_reveals_an_answer(no_exceptions):
    """Walking through all steps: settings applied, answer revealed, no exception."""
    steps = load_steps()
    assert 6 <= len(steps) <= 8
    at = open_page(PAGE, epsilon=20)
    at.button(key="tour_apply").click().run()  # shown while the app differs from the step
    for index, step in enumerate(steps):
        no_exceptions(at)
        assert at.session_state["tour_step"] == index
        assert at.select_slider(key="epsilon").value == step.scenario.epsilon
        at.toggle(key="tour_reveal").set_value(True).run()
        no_exceptions(at)
        assert at.success and any(ch.isdigit() for ch in at.success[0].value), step.key
        if index < len(steps) - 1:
            at.button(key="tour_next").click().run()


def test_simple_flag_hides_advanced_controls(no_exceptions):
    """simple=1 in the link hides the advanced controls and presets but keeps the scenario."""
    at = open_page("pages/13_Guided_tour.py", simple=1, seed=7)
    no_exceptions(at)
    keys = {w.key for w in at.sidebar.select_slider} | {w.key for w in at.sidebar.selectbox}
    assert "epsilon" in keys and "model" not in keys and "preset" not in keys
    assert at.session_state["seed"] == 7
    assert at.query_params["simple"] in (["1"], "1")


def test_projector_flag_from_the_url(no_exceptions):
    """projector=1 turns on large text."""
    at = open_page(projector=1)
    no_exceptions(at)
    assert at.toggle(key="projector").value is True


def test_tour_steps_keep_the_users_settings_to_restore(no_exceptions):
    """Next sets the step's settings and says so on every page; Restore brings the user's back."""
    at = open_page(PAGE, epsilon=20, opt_out=0.3, profiles=5000, repeats=3)
    at.button(key="tour_next").click().run()
    no_exceptions(at)
    step = load_steps()[1].scenario
    assert at.select_slider(key="epsilon").value == step.epsilon
    assert any("The Guided tour set these settings" in m.value for m in at.sidebar.markdown)
    at.switch_page("app.py").run()  # leaving the tour: still said, still restorable
    no_exceptions(at)
    assert any("(yours: 20)" in m.value for m in at.sidebar.markdown)
    at.button(key="restore_before_tour").click().run()
    no_exceptions(at)
    assert at.select_slider(key="epsilon").value == 20
    assert at.slider(key="opt_out").value == 0.3
    assert at.session_state["profiles"] == 5000
    assert not [b for b in at.button if b.key == "restore_before_tour"]


def test_keeping_the_tours_settings_forgets_the_users(no_exceptions):
    """Keep these: the tour's settings become the user's, and the notice goes."""
    at = open_page(PAGE, epsilon=20, profiles=5000, repeats=3)
    at.button(key="tour_next").click().run()
    at.button(key="keep_tour_settings").click().run()
    no_exceptions(at)
    assert at.select_slider(key="epsilon").value == load_steps()[1].scenario.epsilon
    assert not [b for b in at.button if b.key == "restore_before_tour"]
