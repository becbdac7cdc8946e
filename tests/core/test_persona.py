"""Personas: the JSON loads, the model row hides what is not shared, the report is consistent."""

import dataclasses
import json

import numpy as np
import pytest
from diffprivlib.accountant import BudgetAccountant

from core.engine import budget_split, fit_release, workbench_for
from core.engine.persona import (
    PERSONAS_PATH,
    collected_table,
    load_personas,
    persona_matrix,
    persona_report,
    stored_matrix,
)
from core.people.encoding import not_collected_values
from core.setting.scenario import Scenario
from core.setting.schema import CATEGORIES

# Some people opted out, so each release includes the DP popular-items list.
SCENARIO = Scenario(profiles=4_000, repeats=3, seed=42, opt_out=0.1)
REPEATS = 3
PERSONA_NAMES = tuple(json.loads(PERSONAS_PATH.read_text(encoding="utf-8")))
SHARE_CHOICES = [(), ("browsing",), ("demographics", "location"), CATEGORIES]


def _persona(name: str):
    return next(p for p in load_personas() if p.name == name)


@pytest.fixture(scope="module")
def bench():
    return workbench_for(SCENARIO)


@pytest.fixture(scope="module")
def reports(bench):
    """persona_report at ε = 1 with 3 draws for every persona in the JSON file."""
    return {p.name: persona_report(bench, p, 1.0, REPEATS) for p in load_personas()}


def test_every_persona_in_the_file_loads():
    """load_personas returns one Persona per JSON entry, in file order."""
    assert tuple(p.name for p in load_personas()) == PERSONA_NAMES
    assert len(PERSONA_NAMES) >= 2


@pytest.mark.parametrize("name", PERSONA_NAMES)
def test_persona_features_fit_the_schema(schema, name):
    """Each persona has exactly the schema's features, with allowed values inside the bounds."""
    persona = _persona(name)
    assert set(persona.features) == {f.name for f in schema.features}
    assert set(persona.shares) <= set(CATEGORIES)
    for feature in schema.features:
        value = persona.features[feature.name]
        if feature.type == "categorical":
            assert value in feature.values, feature.name
        else:
            assert feature.lower <= value <= feature.upper, feature.name


@pytest.mark.parametrize("name", PERSONA_NAMES)
@pytest.mark.parametrize("shares", SHARE_CHOICES, ids=lambda s: "+".join(s) or "nothing")
def test_persona_matrix_observes_exactly_the_shared_categories(schema, name, shares):
    """Shared categories' columns are observed and hold the encoded values; the others hold the
    public not-collected placeholder."""
    persona = _persona(name)
    X, observed = persona_matrix(persona, schema, shares)
    full, _ = persona_matrix(persona, schema, CATEGORIES)
    n_columns = len(schema.columns)
    assert X.shape == observed.shape == (1, n_columns)
    expected = np.isin(schema.column_categories, shares)
    np.testing.assert_array_equal(observed[0], expected)
    np.testing.assert_array_equal(X[0, ~expected], not_collected_values(schema)[~expected])
    np.testing.assert_array_equal(X[0, expected], full[0, expected])


@pytest.mark.parametrize("name", PERSONA_NAMES)
def test_persona_matrix_defaults_to_the_persona_shares(schema, name):
    """Without ``shares`` the persona's own choices decide what is observed."""
    persona = _persona(name)
    _, observed = persona_matrix(persona, schema)
    np.testing.assert_array_equal(observed[0], np.isin(schema.column_categories, persona.shares))


def test_persona_matrix_encodes_with_public_bounds(schema):
    """Tom's full row: age scaled by the schema's bounds, his gender and region one-hot."""
    tom = _persona("Tom")
    X, _ = persona_matrix(tom, schema, CATEGORIES)
    column = {name: i for i, name in enumerate(schema.columns)}
    age = schema.feature("age")
    assert X[0, column["age"]] == pytest.approx((58 - age.lower) / (age.upper - age.lower))
    assert X[0, column["gender=male"]] == 1.0
    assert X[0, column["gender=female"]] == 0.0
    assert X[0, [column[c] for c in schema.feature("region").columns]].sum() == 1.0
    assert X[0, column["region=South-West"]] == 1.0


def test_opted_out_persona_gets_the_popular_list(reports):
    """Aisha opted out: no private draws, and her private top 3 is the popular-items top 3."""
    aisha = _persona("Aisha")
    assert aisha.opted_out
    report = reports["Aisha"]
    assert report["draws"] == 0
    assert report["shares"] == ()
    assert report["private_probabilities"] is None
    assert report["private_top3"] == report["opt_out_top3"]
    assert report["private_top3_frequency"].sum() == 0


@pytest.mark.parametrize("name", [n for n in PERSONA_NAMES if not _persona(n).opted_out])
def test_sharing_persona_gets_three_distinct_classes_per_list(schema, reports, name):
    """A sharing persona gets REPEATS draws; every top-3 list names 3 distinct classes; the top-3
    frequencies sum to 3 per draw and the mean probabilities to 1."""
    report = reports[name]
    assert report["draws"] == REPEATS
    for key in ("private_top3", "full_top3", "opt_out_top3"):
        top3 = report[key]
        assert len(top3) == len(set(top3)) == 3, key
        assert all(0 <= c < schema.n_classes for c in top3), key
    frequency = report["private_top3_frequency"]
    assert frequency.sum() == pytest.approx(3.0)
    assert ((frequency >= 0) & (frequency <= 1)).all()
    assert report["private_probabilities"].sum() == pytest.approx(1.0)
    low, released, high = (
        report[k] for k in ("private_low", "private_probabilities", "private_high")
    )
    assert ((low >= 0) & (low <= released) & (released <= high) & (high <= 1)).all()


@pytest.mark.parametrize("opt_out", [0.0, 0.1])
def test_the_model_shown_is_the_one_release_draw_0(opt_out):
    """Probabilities and top 3 are draw 0's, on one accountant that spent exactly ε; with nobody
    opted out no popular-items list is released (None), and nothing else is spent."""
    bench = workbench_for(SCENARIO.replace(opt_out=opt_out))
    tom = _persona("Tom")
    report = persona_report(bench, tom, 1.0, REPEATS)
    X, observed = stored_matrix(tom, bench.schema, tom.shares, bench.data.anonymisation)
    draw_0 = fit_release(bench, 1.0, 0, BudgetAccountant()).predict_proba(X, observed)[0]
    np.testing.assert_allclose(report["private_probabilities"], draw_0)
    assert report["private_top3"] == [int(i) for i in np.argsort(-draw_0, kind="stable")[:3]]
    assert report["epsilon_spent"] == pytest.approx(1.0)
    assert (report["opt_out_top3"] is None) == (opt_out == 0)
    # The model's own share, as the Attack audit states it (issue 20: "spent ε = 0.5" vs 0.45).
    assert report["epsilon_model"] == pytest.approx(budget_split(bench.scenario, 1.0)[0])
    assert (report["epsilon_model"] < 1.0) == (opt_out > 0)


def test_popular_list_is_the_same_for_every_persona(reports):
    """The opt-out list is one DP release: it does not depend on who is looking."""
    lists = {tuple(report["opt_out_top3"]) for report in reports.values()}
    assert len(lists) == 1


def test_sharing_changes_the_private_probabilities(bench):
    """Tom sharing nothing and Tom sharing everything get different private probabilities."""
    tom = _persona("Tom")
    everything = persona_report(bench, dataclasses.replace(tom, shares=CATEGORIES), 1.0, REPEATS)
    nothing = persona_report(bench, dataclasses.replace(tom, shares=()), 1.0, REPEATS)
    assert nothing["shares"] == ()
    assert not np.allclose(
        everything["private_probabilities"], nothing["private_probabilities"], atol=1e-3
    )


def test_persona_report_is_reproducible(bench):
    """The same persona, Scenario and ε give an identical report."""
    maria = _persona("Maria")
    first = persona_report(bench, maria, 0.5, 2)
    second = persona_report(bench, maria, 0.5, 2)
    np.testing.assert_array_equal(first["private_probabilities"], second["private_probabilities"])
    assert first["private_top3"] == second["private_top3"]
    assert first["opt_out_top3"] == second["opt_out_top3"]


def test_persona_report_with_local_dp_runs():
    """With local DP on, a sharing persona still gets 3 distinct classes from REPEATS draws."""
    bench = workbench_for(SCENARIO.replace(profiles=2_000, local_epsilon=5.0))
    report = persona_report(bench, _persona("Tom"), 1.0, REPEATS)
    assert report["draws"] == REPEATS
    assert len(set(report["private_top3"])) == 3


def test_persona_report_when_nobody_can_be_personalised():
    """With everyone opted out there is no model: no draws, no full top 3, the popular list."""
    bench = workbench_for(Scenario(profiles=1_000, opt_out=1.0, repeats=1))
    report = persona_report(bench, _persona("Tom"), 1.0, REPEATS)
    assert report["draws"] == 0
    assert report["full_top3"] is None
    assert report["private_top3"] == report["opt_out_top3"]


def test_unknown_category_is_rejected_naming_the_persona(tmp_path):
    """A persona sharing a category the schema does not know raises ValueError with its name."""
    tom = json.loads(PERSONAS_PATH.read_text(encoding="utf-8"))["Tom"]
    path = tmp_path / "personas.json"
    path.write_text(
        json.dumps({"Zed": {**tom, "shares": ["browsing", "genome"]}}), encoding="utf-8"
    )
    with pytest.raises(ValueError, match=r"Persona 'Zed'.*genome"):
        load_personas(path)


def test_persona_is_stored_as_k_anonymity_generalises_it(schema):
    """Under k > 1 the persona's quasi-identifiers are held as the Scenario's generalisation:
    the model row and the 'stored as' column both show the band, not the exact age."""
    bench = workbench_for(Scenario(profiles=4_000, seed=3, k=50))
    anonymisation = bench.data.anonymisation
    level = anonymisation.level_of("age")
    assert level.kind != "exact", "k=50 on 4,000 people should coarsen age"
    persona = next(p for p in load_personas() if set(p.shares) == set(CATEGORIES))
    exact, _ = persona_matrix(persona, schema, CATEGORIES)
    stored, observed = stored_matrix(persona, schema, CATEGORIES, anonymisation)
    age = list(schema.columns).index("age")
    non_qi = [
        i
        for i, name in enumerate(schema.columns)
        if name.split("=")[0] not in {f.name for f in schema.quasi_identifiers}
    ]
    np.testing.assert_array_equal(stored[0, non_qi], exact[0, non_qi])
    table = collected_table(persona, schema, CATEGORIES, anonymisation).set_index("Feature")
    if level.kind == "band":
        assert stored[0, age] != exact[0, age]
        assert "–" in table.loc["Age (years)", "Stored as"]
    else:
        assert not observed[0, age]
        assert table.loc["Age (years)", "Stored as"] == "hidden by k-anonymity"
    assert table.loc["Income (thousand € a year)", "Stored as"] == str(persona.features["income"])
