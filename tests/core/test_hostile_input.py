"""Hostile input: any URL dict, CLI argv, JSON text or saved row gives a valid Scenario or a
clear error, never a crash or an out-of-range value."""

import json
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.cli import UsageError, build_parser, scenario_from_args
from core.setting.scenario import FIELDS, FIELDS_BY_NAME, Scenario, parse_lenient
from core.store.storage import ScenarioStore, StorageError

NAMES = st.sampled_from([*FIELDS_BY_NAME, "projector", "simple", "foo", ""])
TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["nan", "inf", "-inf", "1e400", "-0", "0x10", "1_0", "١", " 1 ", "1e-400"]),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)


def _assert_valid(scenario: Scenario) -> None:
    for spec in FIELDS:
        assert spec.check(getattr(scenario, spec.name)) == getattr(scenario, spec.name)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(NAMES, st.one_of(TEXT, st.lists(TEXT, max_size=3)), max_size=8))
def test_url_parameters(params):
    """Lenient URL parsing always yields a valid Scenario plus notices."""
    scenario, notices = parse_lenient(params)
    _assert_valid(scenario)
    assert all(isinstance(n, str) and n for n in notices)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), st.dictionaries(NAMES, TEXT).map(json.dumps)))
def test_json_text(text):
    """Saved/imported JSON: a valid Scenario or a ValueError naming the problem."""
    try:
        _assert_valid(Scenario.from_json(text))
    except ValueError as error:
        assert str(error)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([f.flag for f in FIELDS]), TEXT), max_size=5))
def test_cli_flags(pairs):
    """CLI flags: a valid Scenario or a one-line usage error (no model is run here)."""
    argv = ["evaluate", *[item for pair in pairs for item in pair]]
    try:
        args = build_parser().parse_args(argv)
        _assert_valid(scenario_from_args(args))
    except UsageError as error:
        assert "\n" not in str(error)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=st.one_of(st.text(max_size=100), st.dictionaries(NAMES, TEXT).map(json.dumps)))
def test_saved_rows(tmp_path_factory, payload):
    """A tampered database row never yields an invalid Scenario: it is skipped or reported."""
    store = ScenarioStore(tmp_path_factory.mktemp("db") / "s.sqlite3")
    with sqlite3.connect(store.path) as connection:
        connection.execute(
            "INSERT INTO scenarios (name, note, scenario_json, created_at, updated_at) "
            "VALUES ('x', '', ?, 'now', 'now')",
            (payload,),
        )
    for saved in store.list():
        _assert_valid(saved.scenario)
    try:
        _assert_valid(store.load(1).scenario)
    except StorageError as error:
        assert "cannot be read" in str(error)


@pytest.mark.parametrize("value", ["1e400", "-1e400", "1" * 500])
def test_huge_numbers_are_refused_quickly(value):
    """Enormous numbers are refused with the field's name, not an OverflowError."""
    with pytest.raises(ValueError, match="'epsilon'"):
        Scenario.from_params({"epsilon": value})
