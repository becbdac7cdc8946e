"""The cross-page walk at AppTest level: the fast suite's share of the browser walk.

One pass in two laps. Lap one: on every page of ``ui.PAGES`` in turn, set every shared control
to a value it does not have yet (two non-default sets, alternating, so each page changes every
value), then switch to the next page with ``switch_page`` (session state carried, as a sidebar
link does) and check that every Scenario widget on it still shows what was set, and that the URL
agrees. Lap two: visit every page once more without a change; each must show the last values.
So every page sets every control, every page shows values set on another page, and the
settings survive the page without shared controls (the room facilitator's) on both laps.

All the values of a set are given in one rerun (the way a page receives several widget changes
at once); a rerun per control made the walk recompute the page (an attack audit, on that page)
for every intermediate setting, which the walk's claim does not need. The old walk repeated the
whole cycle from every start page; its page transitions were the same neighbours in the same
order, so the two laps keep every transition and every page's part in them.

AppTest reruns the whole script where the browser reruns only Explore's ε fragment, so the
fragment case itself (issue 10's crash) is covered by tests/browser/test_walk.py.
"""

import ui
from core.setting.scenario import FIELDS, Scenario
from tests.app.conftest import open_page

START = {"profiles": 2000, "repeats": 3}
# Two sets of values, each different from the defaults and from each other in every shared
# control the walk moves (sliders, number inputs); the first also differs from START. The model
# stays the fast one (the others refit per draw: the browser walk moves it) and so does local DP
# (on every page it is the browser walk's).
MOVED = (
    {
        "epsilon": 2.0,
        "opt_out": 0.1,
        "consent_demographics": 0.5,
        "consent_location": 0.75,
        "consent_browsing": 0.9,
        "consent_purchases": 0.95,
        "k": 5,
        "model": "gaussian_nb",
        "profiles": 1000,
        "seed": 43,
        "repeats": 2,
        "local_epsilon": 0.0,
    },
    {
        "epsilon": 0.5,
        "opt_out": 0.2,
        "consent_demographics": 0.6,
        "consent_location": 0.7,
        "consent_browsing": 0.85,
        "consent_purchases": 0.8,
        "k": 3,
        "model": "gaussian_nb",
        "profiles": 2000,
        "seed": 44,
        "repeats": 3,
        "local_epsilon": 0.0,
    },
)
SCRIPTS = [script for script, _, _ in ui.PAGES]
# The facilitator's room page draws its own sidebar, not the shared controls: a stop of the
# walk (the settings must survive a visit), not a place to set them.
WITHOUT_SHARED_CONTROLS = {"pages/17_Room_facilitator.py"}


def _widget(at, name):
    for kind in ("select_slider", "slider", "selectbox", "number_input"):
        found = [w for w in getattr(at, kind) if w.key == name]
        if found:
            return found[0]
    return None


def _last(value):
    return value[-1] if isinstance(value, list) else value


def _check_every_field(at, expected: Scenario, projector: bool, where: str) -> None:
    assert not at.exception, (where, [e.value for e in at.exception])
    for spec in FIELDS:
        widget = _widget(at, spec.name)
        if widget is not None:
            assert widget.value == getattr(expected, spec.name), (where, spec.name)
        elif spec.name in at.session_state:  # a page without the control keeps its value
            assert at.session_state[spec.name] == getattr(expected, spec.name), (where, spec.name)
    url = {k: _last(at.query_params[k]) for k in expected.to_params()}
    assert url == expected.to_params(), where
    assert at.session_state["projector"] is projector, where


def _set_every_control(at, values: dict, projector: bool, where: str) -> None:
    """Give every shared control its value in ``values`` and projector mode; one rerun."""
    for name, value in values.items():
        widget = _widget(at, name)
        assert widget is not None, f"no widget for {name} on {where}"
        widget.set_value(value)
    at.toggle(key="projector").set_value(projector)
    at.run()


def test_every_shared_control_survives_every_page():
    """Set every shared control on each page; the next page, and every page a lap later, keep
    them all (and the URL agrees)."""
    at = open_page(**START)
    assert not at.exception, [e.value for e in at.exception]
    where, sets, projector = SCRIPTS[0], 0, False
    # Lap one: change everything on each page, go on to the next; the last leads back to Explore.
    for script in SCRIPTS[1:] + SCRIPTS[:1]:
        if where not in WITHOUT_SHARED_CONTROLS:
            values, projector = MOVED[sets % 2], not projector
            _set_every_control(at, values, projector, where)
            expected = Scenario(**values)
            _check_every_field(at, expected, projector, where)
            sets += 1
        at.switch_page(script).run()
        where = script
        _check_every_field(at, expected, projector, where)
    assert sets == len(SCRIPTS) - len(WITHOUT_SHARED_CONTROLS)
    # Lap two: every page again, nothing changed; the values set last hold everywhere.
    for script in SCRIPTS[1:] + SCRIPTS[:1]:
        at.switch_page(script).run()
        _check_every_field(at, expected, projector, script)


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
