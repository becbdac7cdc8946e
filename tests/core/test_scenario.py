"""The Scenario and its field table: defaults, round trips, strict and lenient parsing."""

import math
from dataclasses import fields

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.setting.scenario import FIELDS, FIELDS_BY_NAME, MODELS, Field, Scenario, parse_lenient

FIELD_NAMES = [spec.name for spec in FIELDS]


def _field_values(spec: Field, *, digits: int | None = None) -> st.SearchStrategy:
    """Every valid value of one field; floats optionally kept to ``digits`` significant digits."""
    if spec.kind is str:
        return st.sampled_from(spec.choices)
    if spec.kind is int:
        return st.integers(int(spec.minimum), int(spec.maximum))
    values = st.floats(spec.minimum, spec.maximum, allow_nan=False, allow_infinity=False)
    if digits is not None:
        # Rounding a value inside [min, max] stays inside: the bounds have few digits.
        values = values.map(lambda x: float(format(x, f".{digits}g")))
    if spec.zero_means_off:
        values = st.just(0.0) | values
    return values


def _scenarios(*, digits: int | None = None) -> st.SearchStrategy:
    return st.builds(Scenario, **{spec.name: _field_values(spec, digits=digits) for spec in FIELDS})


# Text a URL or a command line might carry: numbers in many spellings, and arbitrary junk.
_NUMBER_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["0", "-0", "1e2", "2.5", " 7 ", "nan", "inf", "1_000", "0x10", "", "[]"]),
)
_ANY_TEXT = st.one_of(_NUMBER_TEXT, st.text(max_size=30), st.sampled_from(list(MODELS)))
_ANY_KEY = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=15))


def _assert_valid(scenario: Scenario) -> None:
    for spec in FIELDS:
        value = getattr(scenario, spec.name)
        assert spec.check(value) == value, spec.name


# -- the table ------------------------------------------------------------------------------------


def test_defaults_equal_field_table():
    """Scenario() holds exactly the default of every row of FIELDS, in the table's order."""
    assert [f.name for f in fields(Scenario)] == FIELD_NAMES
    default = Scenario()
    for spec in FIELDS:
        assert getattr(default, spec.name) == spec.default, spec.name
        assert type(getattr(default, spec.name)) is spec.kind, spec.name


@pytest.mark.parametrize("spec", FIELDS, ids=FIELD_NAMES)
def test_every_default_passes_its_own_check(spec):
    """Each field's default is inside its own range (or among its choices)."""
    assert spec.check(spec.default) == spec.default


@pytest.mark.parametrize("spec", [f for f in FIELDS if f.kind is not str], ids=lambda f: f.name)
def test_numeric_fields_have_ordered_ranges(spec):
    """Every numeric field has a range with minimum < maximum, and a positive step if any."""
    assert spec.minimum < spec.maximum
    assert spec.step is None or spec.step > 0


def test_flags_are_field_names_with_dashes():
    """CLI flags derive from the field names (opt_out -> --opt-out)."""
    assert FIELDS_BY_NAME["opt_out"].flag == "--opt-out"
    assert FIELDS_BY_NAME["k"].flag == "--k"


# -- round trips ----------------------------------------------------------------------------------

EXAMPLES = [
    Scenario(),
    Scenario(model="random_forest", epsilon=0.05, profiles=1_000, seed=0, repeats=1),
    Scenario(opt_out=1.0, consent_browsing=0.0, k=100, local_epsilon=0.01),
    Scenario(epsilon=100.0, profiles=1_000_000, seed=2**31 - 1, repeats=50, local_epsilon=100.0),
]


@pytest.mark.parametrize("scenario", EXAMPLES)
def test_params_round_trip(scenario):
    """from_params(to_params()) gives back the same Scenario, and every value is text."""
    params = scenario.to_params()
    assert list(params) == FIELD_NAMES
    assert all(isinstance(text, str) for text in params.values())
    assert Scenario.from_params(params) == scenario


@pytest.mark.parametrize("scenario", EXAMPLES)
def test_json_round_trip(scenario):
    """from_json(to_json()) gives back the same Scenario."""
    assert Scenario.from_json(scenario.to_json()) == scenario


@settings(max_examples=150, deadline=None)
@given(_scenarios())
def test_json_round_trip_property(scenario):
    """Any valid Scenario survives the JSON round trip exactly."""
    assert Scenario.from_json(scenario.to_json()) == scenario


@settings(max_examples=150, deadline=None)
@given(_scenarios(digits=12))
def test_params_round_trip_property(scenario):
    """Any valid Scenario whose floats have at most 12 significant digits survives to_params."""
    assert Scenario.from_params(scenario.to_params()) == scenario


@settings(max_examples=150, deadline=None)
@given(_scenarios())
def test_params_text_is_stable_property(scenario):
    """Parsing the text form and writing it again gives the same text (one trip is a fixpoint)."""
    params = scenario.to_params()
    assert Scenario.from_params(params).to_params() == params


def test_params_round_trip_keeps_full_float_precision():
    """A float with 13 significant digits survives the URL/CLI text round trip."""
    scenario = Scenario(epsilon=0.1234567890123, opt_out=0.15000000000000002)
    assert Scenario.from_params(scenario.to_params()) == scenario


def test_differs_from_default_lists_only_changes():
    """differs_from_default is empty for the defaults and lists exactly the changed fields."""
    assert Scenario().differs_from_default() == {}
    changed = Scenario(k=5, opt_out=0.25)
    assert changed.differs_from_default() == {"opt_out": "0.25", "k": "5"}
    assert Scenario.from_params(changed.differs_from_default()) == changed


# -- strict parsing -------------------------------------------------------------------------------


STRICT_ERRORS = [
    ({"epsilon": "0"}, r"'epsilon' parameter must be a number in \[0\.01, 100\]\. Got '0' "),
    ({"epsilon": "abc"}, r"'epsilon' .* \[0\.01, 100\]\. Got 'abc' "),
    ({"epsilon": "nan"}, r"'epsilon' .* \[0\.01, 100\]\. Got 'nan' "),
    ({"epsilon": "inf"}, r"'epsilon' .* \[0\.01, 100\]\. Got 'inf' "),
    ({"opt_out": "1.5"}, r"'opt_out' parameter must be a number in \[0, 1\]\. Got '1\.5' "),
    (
        {"model": "svm"},
        r"'model' parameter must be one of gaussian_nb, logistic_regression, random_forest\. "
        r"Got 'svm' ",
    ),
    ({"foo": "1"}, r"Unknown parameter 'foo'\. Known parameters: model, epsilon, "),
    (
        {"profiles": "10"},
        r"'profiles' parameter must be an integer in \[1000, 1000000\]\. Got '10' ",
    ),
    ({"k": "0"}, r"'k' parameter must be an integer in \[1, 100\]\. Got '0' "),
    ({"k": "101"}, r"'k' parameter must be an integer in \[1, 100\]\. Got '101' "),
    ({"k": "2.5"}, r"'k' parameter must be an integer in \[1, 100\]\. Got '2\.5' "),
    (
        {"local_epsilon": "0.001"},
        r"'local_epsilon' parameter must be 0 \(off\) or a number in \[0\.01, 100\]\. "
        r"Got '0\.001' ",
    ),
]


@pytest.mark.parametrize(
    ("params", "match"),
    [pytest.param(p, m, id=",".join(f"{k}={v}" for k, v in p.items())) for p, m in STRICT_ERRORS],
)
def test_strict_parsing_names_field_range_and_value(params, match):
    """from_params raises ValueError naming the field, its allowed range and the value received."""
    with pytest.raises(ValueError, match=match):
        Scenario.from_params(params)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0", 0.0), ("0.01", 0.01), ("100", 100.0), (" 5 ", 5.0)],
)
def test_local_epsilon_zero_means_off(text, expected):
    """local_epsilon accepts 0 (off) and values in [0.01, 100]."""
    assert Scenario.from_params({"local_epsilon": text}).local_epsilon == expected


@pytest.mark.parametrize(("text", "expected"), [("2", 2), ("2.0", 2), ("1e2", 100), (" 7 ", 7)])
def test_integer_fields_accept_integral_text(text, expected):
    """Integer fields accept any text naming an integral number and store a Python int."""
    k = Scenario.from_params({"k": text}).k
    assert k == expected
    assert type(k) is int


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"epsilon": "1"}, r"'epsilon' parameter must be a number"),
        ({"k": True}, r"'k' parameter must be an integer"),
        ({"k": None}, r"'k' parameter must be an integer"),
        ({"model": 3}, r"'model' parameter must be one of"),
    ],
)
def test_wrong_type_raises_type_error(changes, match):
    """Constructing a Scenario with a value of the wrong type raises TypeError naming the field."""
    with pytest.raises(TypeError, match=match):
        Scenario(**changes)


def test_parse_rejects_non_text():
    """Field.parse only takes text; anything else is a TypeError naming the field."""
    with pytest.raises(TypeError, match="'epsilon'"):
        FIELDS_BY_NAME["epsilon"].parse(1.0)


def test_huge_integer_raises_value_error():
    """An integer too large for a float is a wrong value: ValueError naming the field."""
    with pytest.raises(ValueError, match="'epsilon'"):
        Scenario(epsilon=10**400)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("not json", "must be a JSON object"),
        ("[1, 2]", "must be a JSON object. Got list"),
        ('{"epsilon": "abc"}', "'epsilon'"),
        ('{"epsilon": null}', "'epsilon'"),
        ('{"shoe_size": 42}', "Unknown parameter 'shoe_size'"),
    ],
)
def test_from_json_errors_are_value_errors(text, match):
    """Bad saved scenarios raise ValueError with a readable message."""
    with pytest.raises(ValueError, match=match):
        Scenario.from_json(text)


def test_from_json_accepts_numbers_and_strings():
    """Saved values may be JSON numbers or strings; missing fields take defaults."""
    scenario = Scenario.from_json('{"epsilon": 2, "k": "5", "model": "random_forest"}')
    assert scenario == Scenario(epsilon=2.0, k=5, model="random_forest")


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_ANY_KEY, _ANY_TEXT, max_size=6))
def test_from_params_returns_valid_scenario_or_raises_value_or_type_error(params):
    """Arbitrary text either parses to a valid Scenario or raises ValueError/TypeError only."""
    try:
        scenario = Scenario.from_params(params)
    except (ValueError, TypeError):
        return
    _assert_valid(scenario)


# -- lenient parsing ------------------------------------------------------------------------------


def test_parse_lenient_keeps_good_values():
    """Valid values are used and give no notice."""
    scenario, notices = parse_lenient({"epsilon": "0.5", "k": "5", "model": "random_forest"})
    assert scenario == Scenario(epsilon=0.5, k=5, model="random_forest")
    assert notices == []


def test_parse_lenient_falls_back_with_one_notice_per_bad_field():
    """Each bad field falls back to its default with one notice naming it and its range."""
    scenario, notices = parse_lenient(
        {"epsilon": "0", "opt_out": "1.5", "model": "svm", "k": "2.5", "seed": "7"}
    )
    assert scenario == Scenario(seed=7)
    assert len(notices) == 4
    for name, notice in zip(["epsilon", "opt_out", "model", "k"], notices, strict=True):
        assert notice.startswith(f"Ignored {name}=")
        assert FIELDS_BY_NAME[name].describe_range() in notice
        assert f"default {FIELDS_BY_NAME[name].format(FIELDS_BY_NAME[name].default)}" in notice


def test_parse_lenient_ignores_unknown_keys():
    """Query parameters that are not Scenario fields (page flags) are ignored without notice."""
    scenario, notices = parse_lenient({"page": "frontier", "embed": "true", "k": "3"})
    assert scenario == Scenario(k=3)
    assert notices == []


def test_parse_lenient_uses_last_value_of_a_list():
    """A repeated query parameter (list value) is read from its last entry."""
    scenario, notices = parse_lenient({"k": ["200", "3"], "model": ("random_forest",)})
    assert scenario == Scenario(k=3, model="random_forest")
    assert notices == []


@pytest.mark.parametrize("raw", [[], ["3", "200"]])
def test_parse_lenient_reports_bad_list_values(raw):
    """An empty list or a list ending in a bad value gives a notice and the default."""
    scenario, notices = parse_lenient({"k": raw})
    assert scenario == Scenario()
    assert len(notices) == 1
    assert notices[0].startswith("Ignored k=")


def test_parse_lenient_shortens_long_values_in_notices():
    """A very long bad value is cut in the notice so a URL cannot flood the page."""
    _, notices = parse_lenient({"epsilon": "x" * 500})
    assert len(notices) == 1
    assert "x" * 41 not in notices[0]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_ANY_KEY, _ANY_TEXT | st.lists(_ANY_TEXT, max_size=3).map(list), max_size=8))
def test_parse_lenient_never_raises_and_result_is_valid(params):
    """For any text mapping, parse_lenient returns a valid Scenario and <= 1 notice per field."""
    scenario, notices = parse_lenient(params)
    _assert_valid(scenario)
    known = [name for name in params if name in FIELDS_BY_NAME]
    assert len(notices) <= len(known)
    for notice in notices:
        assert any(notice.startswith(f"Ignored {name}=") for name in known)


def test_check_rejects_non_finite_numbers():
    """NaN and infinity are wrong values for every numeric field."""
    for spec in FIELDS:
        if spec.kind is str:
            continue
        for value in (math.nan, math.inf, -math.inf):
            with pytest.raises(ValueError, match=f"'{spec.name}'"):
                spec.check(value)
