"""The page-field table: each field's URL form round-trips, bad values are named and refused."""

import pytest

from core.setting.page_fields import (
    PAGE_FIELDS,
    PAGE_FIELDS_BY_NAME,
    page_fields,
    parse_page_params,
)

SAMPLES = {
    "accuracy_target": [0.05, 0.42, 0.95],
    "who_pays_view": ["segments", "age_bands"],
    "persona": ["Maria"],
    "persona_shares": [(), ("location",), ("browsing", "demographics")],
}
PERSONAS = {"persona": ("Maria", "Tom")}


@pytest.mark.parametrize("spec", PAGE_FIELDS, ids=lambda spec: spec.name)
def test_every_value_round_trips_through_its_url_form(spec):
    """format then parse gives the value back, for every field of the table."""
    choices = PERSONAS.get(spec.name)
    for value in SAMPLES[spec.name]:
        assert spec.parse(spec.format(value), choices) == value


@pytest.mark.parametrize(
    ("name", "text", "allowed"),
    [
        ("accuracy_target", "0.96", "[0.05, 0.95]"),
        ("accuracy_target", "nan", "[0.05, 0.95]"),
        ("accuracy_target", "１", "[0.05, 0.95]"),
        ("who_pays_view", "Age bands", "segments, age_bands"),
        ("persona", "Nobody", "Maria, Tom"),
        ("persona", "x" * 500, "Maria, Tom"),
        ("persona_shares", "location,location", "demographics, location"),
        ("persona_shares", "passwords", "demographics, location"),
    ],
)
def test_bad_values_give_a_notice_naming_field_range_and_value(name, text, allowed):
    """Lenient reading: no value, one notice with the field, what is allowed and the default."""
    values, notices = parse_page_params({name: text, "epsilon": "oops"}, PERSONAS)
    assert values == {}
    [notice] = notices
    assert notice.startswith(f"Ignored {name}=") and allowed in notice
    assert PAGE_FIELDS_BY_NAME[name].default_words in notice


def test_strict_parse_raises_with_the_parameter_name():
    """Strict parsing raises ValueError in the house shape."""
    with pytest.raises(ValueError, match=r"The 'accuracy_target' parameter must be a number in"):
        PAGE_FIELDS_BY_NAME["accuracy_target"].parse("2")


def test_fields_belong_to_their_pages():
    """Each page knows its own fields; pages without any have none."""
    assert [f.name for f in page_fields("pages/8_Persona.py")] == ["persona", "persona_shares"]
    assert page_fields("app.py") == ()
