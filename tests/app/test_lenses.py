"""The privacy-lens pages: each runs, finds its widgets by key, and reacts to its controls."""

import pytest

from tests.app.conftest import chart_specs, open_page, values

SMALL = {"profiles": 5000, "repeats": 3}


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_consent_page_reacts_to_consent_and_opt_out(no_exceptions):
    """Consent curves depend on the other categories; opting out adds the group comparison."""
    at = open_page("pages/4_Consent_and_control.py", **SMALL)
    no_exceptions(at)
    before = chart_specs(at)[0]["data"]
    collected = at.metric[0].value
    at.slider(key="consent_demographics").set_value(0.0).run()
    no_exceptions(at)
    assert chart_specs(at)[0]["data"] != before
    assert at.metric[0].value != collected
    charts_without_opt_out = len(at.get("plotly_chart"))
    at.slider(key="opt_out").set_value(0.3).run()
    no_exceptions(at)
    assert len(at.get("plotly_chart")) == charts_without_opt_out + 1
    heatmap = chart_specs(at)[-1]["data"][0]
    assert heatmap["type"] == "heatmap" and values(heatmap["z"]).shape[0] == 6


def test_anonymisation_page_reacts_to_k(no_exceptions):
    """Raising k lowers the worst-case risk shown; moving ε moves the accuracy curves."""
    at = open_page("pages/5_Anonymisation.py", **SMALL)
    no_exceptions(at)
    risk_k1 = at.metric[2].value
    assert not at.metric[3].proto.delta  # k = 1 changes nothing: no red "↑ 0.0 pp"
    at.slider(key="k").set_value(20).run()
    no_exceptions(at)
    assert at.metric[2].value != risk_k1
    assert at.metric[3].proto.delta.endswith(" pp")
    assert "k-anonymity does not protect" in _markdown(at)
    curve = chart_specs(at)[0]["data"][0]["y"]
    at.select_slider(key="epsilon").set_value(10.0).run()
    assert chart_specs(at)[0]["data"][0]["y"] != curve


def test_local_vs_central_page(no_exceptions):
    """Two curves (central, local); the one-person view changes with ε."""
    at = open_page("pages/6_Local_vs_central.py", **SMALL)
    no_exceptions(at)
    names = [t["name"] for t in chart_specs(at)[0]["data"]]
    assert any(n.startswith("Central") for n in names) and any(n.startswith("Local") for n in names)
    sent = at.table[0].value["Local (what is sent)"].tolist()
    assert "Income (thousand € a year)" in at.table[0].value.index
    at.select_slider(key="epsilon").set_value(50.0).run()
    no_exceptions(at)
    assert at.table[0].value["Local (what is sent)"].tolist() != sent


def test_attack_audit_page(no_exceptions):
    """The attack chart has the DP cap and the measured AUC; a new seed gives new measurements."""
    at = open_page("pages/7_Attack_audit.py", **SMALL)
    no_exceptions(at)
    spec = chart_specs(at)[0]
    measured = next(t for t in spec["data"] if t["name"].startswith("Measured"))
    cap = next(t for t in spec["data"] if t["name"].startswith("Highest AUC"))
    assert ((values(measured["y"]) >= 0) & (values(measured["y"]) <= 1)).all()
    assert values(cap["y"])[-1] > 0.99
    at.number_input(key="seed").set_value(7).run()
    no_exceptions(at)
    after = next(t for t in chart_specs(at)[0]["data"] if t["name"].startswith("Measured"))
    assert after["y"] != measured["y"]


def test_persona_page(no_exceptions):
    """Choosing what a persona shares changes what the model infers for them."""
    at = open_page("pages/8_Persona.py", **SMALL)
    no_exceptions(at)
    assert at.selectbox(key="persona").value == "Maria"
    probabilities = chart_specs(at)[0]["data"][0]["y"]
    at.multiselect(key="persona_shares").set_value(["demographics"]).run()
    no_exceptions(at)
    assert chart_specs(at)[0]["data"][0]["y"] != probabilities
    at.selectbox(key="persona").set_value("Aisha").run()
    no_exceptions(at)
    assert any("opted out" in i.value for i in at.info)


def test_threat_matrix_page(no_exceptions):
    """The threat × control matrix is shown with every threat and control."""
    at = open_page("pages/9_Threats_and_controls.py")
    no_exceptions(at)
    table = at.dataframe[0].value
    assert table.shape == (5, 6)
    assert table.loc[
        "Inference from the model (membership, attributes)", "Encryption in transit / at rest"
    ].startswith("✗")


@pytest.mark.parametrize(
    ("query", "expected"),
    [({"k": 10}, "k-anonymity, k = 10"), ({"local_epsilon": 5}, "Local differential privacy")],
)
def test_privacy_label_follows_the_settings(query, expected, no_exceptions):
    """The generated label describes the protections actually switched on."""
    at = open_page("pages/10_Privacy_label.py", **SMALL, **query)
    no_exceptions(at)
    assert expected in _markdown(at)
    at.select_slider(key="epsilon").set_value(0.1).run()
    assert "ε = 0.1" in _markdown(at)


def test_local_vs_central_says_quasi_identifiers_are_sent_true_with_k(no_exceptions):
    """With k > 1 the Local vs central page warns that the quasi-identifiers are sent true for
    the generalisation (local DP does not cover them); with k = 1 it does not (issue 19, item 4)."""
    at = open_page("pages/6_Local_vs_central.py", **SMALL, k=5)
    no_exceptions(at)
    warning = " ".join(w.value for w in at.warning)
    assert "each person sends their age, gender, postcode region true" in warning
    assert "not the quasi-identifiers themselves" in warning
    plain = open_page("pages/6_Local_vs_central.py", **SMALL)
    assert not any("sent true" in w.value or "sends their" in w.value for w in plain.warning)
