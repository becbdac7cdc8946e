"""The public schema in data/schema.json: categories, bounds, quasi-identifiers, classes."""

import json

import pytest

from core.setting.schema import CATEGORIES, SCHEMA_PATH, load_schema


def test_schema_loads_with_features_and_classes(schema):
    """The schema loads and has features, classes and one label per class."""
    assert len(schema.features) > 0
    assert len(schema.class_labels) == len(schema.classes)
    assert set(schema.category_info) == set(CATEGORIES)


def test_every_feature_has_a_known_category(schema):
    """Every feature belongs to one of the four public data categories."""
    for feature in schema.features:
        assert feature.category in CATEGORIES, feature.name


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_has_features(schema, category):
    """Each data category controls at least one feature (so its consent slider does something)."""
    assert schema.features_in(category)


def test_numeric_bounds_are_ordered(schema):
    """Every numeric feature has public bounds with lower < upper."""
    numeric = [f for f in schema.features if f.type == "numeric"]
    assert numeric
    for feature in numeric:
        assert feature.lower < feature.upper, feature.name


def test_categorical_features_list_their_values(schema):
    """Every categorical feature has a public list of at least two distinct values."""
    for feature in schema.features:
        assert feature.type in ("numeric", "categorical"), feature.name
        if feature.type == "categorical":
            assert len(set(feature.values)) == len(feature.values) >= 2, feature.name


def test_quasi_identifiers_are_age_gender_region(schema):
    """The quasi-identifiers used by k-anonymity are exactly age, gender and region."""
    assert [f.name for f in schema.quasi_identifiers] == ["age", "gender", "region"]


def test_eight_classes(schema):
    """The public class list (next engagement category) has 8 entries."""
    assert schema.n_classes == 8
    assert len(set(schema.classes)) == 8


def test_columns_follow_features(schema):
    """Model columns are the one-hot expansion of the features, each tagged with its category."""
    expected = sum(len(f.values) if f.type == "categorical" else 1 for f in schema.features)
    assert len(schema.columns) == expected == len(schema.column_categories)
    assert len(set(schema.columns)) == len(schema.columns)


def test_unknown_feature_raises_key_error(schema):
    """Looking up a feature that is not in the schema names it in a KeyError."""
    with pytest.raises(KeyError, match="'shoe_size'"):
        schema.feature("shoe_size")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"category": "health"}, "'age' has category 'health'"),
        ({"lower": 90, "upper": 18}, "'age' needs lower < upper"),
    ],
)
def test_invalid_schema_file_is_rejected(tmp_path, change, match):
    """A schema with an unknown category or inverted bounds fails to load, naming the feature."""
    raw = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    raw["features"][0].update(change)
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ValueError, match=match):
        load_schema(path)
