"""Off the default path, every page quotes the user's own setting as Explore does (issue 20).

The fast suite's share of tests/browser/test_own_setting.py: k = 5, local ε = 1, ε = 2 (not a
lens grid point) and logistic regression set by URL, on small data; Explore's headline accuracy
and attacker's guess are read, then every page that quotes the user's setting is opened and its
figures compared.
"""

import html
import re

import pytest

from tests.app.conftest import open_page

SETTING = {
    "epsilon": 2.0,
    "k": 5,
    "local_epsilon": 1.0,
    "profiles": 2000,
    "repeats": 3,
    "model": "logistic_regression",
}


def _text(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for kind in ("info", "success", "warning", "error"):
        parts += [e.value for e in getattr(at, kind)]
    return html.unescape(" ".join(parts))


def _explore(at) -> dict:
    row = next(m.value for m in at.markdown if "pte-row" in m.value)
    values = re.findall(r"<div class='pte-value'>(.*?)</div>", row)
    return {"accuracy": html.unescape(values[0]), "guess": html.unescape(values[3])}


@pytest.fixture(scope="module")
def explore():
    at = open_page(**SETTING)
    assert not at.exception, [e.value for e in at.exception]
    return _explore(at), _text(at)


def test_explore_names_the_local_epsilon_as_the_limit(explore):
    """Explore's takeaway with local ε = 1 on: the local ε is the limit, not the central noise."""
    _, text = explore
    assert "ε_local = 1" in text and "that is the limit here" in text
    assert "drowns what the data says" not in text


def test_local_vs_central_quotes_explores_number(explore):
    """Local vs central: the user's ε (2, not a grid point) and Explore's accuracy."""
    numbers, _ = explore
    at = open_page("pages/6_Local_vs_central.py", **SETTING)
    assert not at.exception, [e.value for e in at.exception]
    headline = at.info[0].value
    assert "central ε = 2 on records" in headline and "ε_local = 1" in headline
    assert f"gets {numbers['accuracy']} right, as on Explore" in headline
    assert "averages of 3 noise draws" in headline


def test_save_and_compare_and_label_quote_explores_numbers(explore):
    """Save & compare's table (accuracy, best guess) and the label's measured accuracy."""
    numbers, _ = explore
    at = open_page("pages/12_Saved_and_compare.py", **SETTING)
    assert not at.exception, [e.value for e in at.exception]
    table = next(d.value for d in at.dataframe if "Current settings" in d.value.columns)
    current = table["Current settings"]
    assert round(float(current["Right first suggestion"].rstrip("%"))) == int(
        numbers["accuracy"].rstrip("%")
    )
    guess = current["Attacker's best guess (cap)"]
    assert f"≤ {guess} right" == numbers["guess"]
    label = open_page("pages/10_Privacy_label.py", **SETTING)
    assert not label.exception
    assert f"were right {numbers['accuracy']} of the time" in _text(label)


def test_consent_page_quotes_explores_accuracy(explore):
    """Consent & control with nobody opted out: 'right for everyone' is Explore's figure."""
    numbers, _ = explore
    at = open_page("pages/4_Consent_and_control.py", **SETTING)
    assert not at.exception, [e.value for e in at.exception]
    metric = next(m for m in at.metric if m.label.startswith("Right for everyone"))
    assert metric.value == numbers["accuracy"]


def test_attack_audit_states_the_group_bound_explore_shows(explore):
    """Attack audit at k = 5: the audit's scope names k·ε and Explore's guess bound."""
    numbers, _ = explore
    at = open_page("pages/7_Attack_audit.py", **SETTING)
    assert not at.exception, [e.value for e in at.exception]
    text = _text(at)
    assert "k·ε = 10" in text
    assert f"best guess {numbers['guess']}" in text
    table = next(d.value for d in at.dataframe if "DP cap on the guess" in d.value.columns)
    caps = set(table["DP cap on the guess"])
    assert "100.0%" not in caps and "99.9+%" in caps and "none" in caps
