"""The cross-page walk at AppTest level: the fast suite's share of the browser walk.

From every page of ``ui.PAGES``, set every shared control to a value that is not its default,
then visit every page with ``switch_page`` (session state carried, as a sidebar link does) and
check that every Scenario widget on it still shows what was set, and that the URL agrees. The
values are the same from every start page, so after the first cycle the pages come from cache.

AppTest reruns the whole script where the browser reruns only Explore's ε fragment, so the
fragment case itself (issue 10's crash) is covered by tests/browser/test_walk.py.
"""

import pytest

import ui
from core.scenario import FIELDS, Scenario
from tests.app.conftest import open_page

START = {"profiles": 2000, "repeats": 3}
# A value that is not the default for every shared control (sliders, select, number input).
MOVED = {
    "epsilon": 2.0,
    "opt_out": 0.1,
    "consent_demographics": 0.5,
    "consent_location": 0.75,
    "consent_browsing": 0.9,
    "consent_purchases": 0.95,
    "k": 5,
    "model": "gaussian_nb",  # the fast model: the others refit per draw (browser walk moves it)
    "profiles": 1000,
    "seed": 43,
    "repeats": 2,
    "local_epsilon": 0.0,  # local DP on every page is the browser walk's; keep this one fast
}
SCRIPTS = [script for script, _, _ in ui.PAGES]
# The facilitator's room page draws its own sidebar, not the shared controls: a stop of every
# walk (the settings must survive a visit), not a place to set them.
WITHOUT_SHARED_CONTROLS = {"pages/16_Room_facilitator.py"}
STARTS = [script for script in SCRIPTS if script not in WITHOUT_SHARED_CONTROLS]


def _widget(at, name):
    for kind in ("select_slider", "slider", "selectbox", "number_input"):
        found = [w for w in getattr(at, kind) if w.key == name]
        if found:
            return found[0]
    return None


def _last(value):
    return value[-1] if isinstance(value, list) else value


def _check_every_field(at, expected: Scenario, where: str) -> None:
    assert not at.exception, (where, [e.value for e in at.exception])
    for spec in FIELDS:
        widget = _widget(at, spec.name)
        if widget is not None:
            assert widget.value == getattr(expected, spec.name), (where, spec.name)
        elif spec.name in at.session_state:  # a page without the control keeps its value
            assert at.session_state[spec.name] == getattr(expected, spec.name), (where, spec.name)
    url = {k: _last(at.query_params[k]) for k in expected.to_params()}
    assert url == expected.to_params(), where
    assert at.session_state["projector"] is True, where


@pytest.mark.parametrize("start", STARTS, ids=[ui.page_url_path(s) or "Explore" for s in STARTS])
def test_every_shared_control_survives_every_page(start):
    """Set every shared control on one page; every other page, and the start, keep them all."""
    at = open_page(start if start != SCRIPTS[0] else None, **START)
    assert not at.exception, [e.value for e in at.exception]
    for name, value in MOVED.items():
        widget = _widget(at, name)
        assert widget is not None, f"no widget for {name} on {start}"
        widget.set_value(value).run()
    at.toggle(key="projector").set_value(True).run()
    expected = Scenario(**MOVED)
    _check_every_field(at, expected, start)
    index = SCRIPTS.index(start)
    for script in SCRIPTS[index + 1 :] + SCRIPTS[:index] + [start]:
        at.switch_page(script).run()
        _check_every_field(at, expected, script)


def _link_notices(at) -> list[str]:
    return [w.value for w in at.warning if "Ignored" in w.value]


def test_a_bad_link_notice_stays_on_its_page_until_the_first_change():
    """The notice shows on the page the link opened, not on the next page or after a change."""
    at = open_page("pages/2_Who_pays.py", epsilon="oops", **START)
    assert _link_notices(at)
    at.run()  # a rerun without a change (e.g. a chart interaction) keeps it
    assert _link_notices(at)
    at.switch_page("pages/1_Accuracy_target.py").run()
    assert not _link_notices(at)
    at.switch_page("pages/2_Who_pays.py").run()
    assert not _link_notices(at)

    at = open_page("pages/2_Who_pays.py", epsilon="oops", **START)
    at.slider(key="opt_out").set_value(0.1).run()
    assert not _link_notices(at)


def test_reset_clears_the_preset_box():
    """After Reset every control is at its default and the preset box shows no preset."""
    at = open_page("pages/2_Who_pays.py", **START)
    at.selectbox(key="preset").select_index(0).run()
    at.button(key="apply_preset").click().run()
    assert at.selectbox(key="preset").value is not None
    at.button(key="reset").click().run()
    assert not at.exception
    assert at.selectbox(key="preset").value is None
    assert at.select_slider(key="epsilon").value == Scenario().epsilon
