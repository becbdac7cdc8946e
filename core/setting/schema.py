"""The public schema of the synthetic profiles: features, data categories, bounds, classes.

Differential privacy is only honest when the bounds of every feature and the list of classes are
known before the data is seen. They live in ``data/schema.json`` and nowhere else: models,
k-anonymity and the generator all read them from here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
SCHEMA_PATH = DATA_DIR / "schema.json"

CATEGORIES = ("demographics", "location", "browsing", "purchases")


@dataclass(frozen=True)
class Feature:
    """One public feature of a profile."""

    name: str
    category: str
    type: str  # "numeric" or "categorical"
    label: str
    unit: str = ""
    lower: float = 0.0
    upper: float = 1.0
    values: tuple[str, ...] = ()
    quasi_identifier: bool = False
    # k-anonymity hierarchy (public, like the bounds): band widths a numeric quasi-identifier can
    # be coarsened to, and groups of values a categorical one can be merged into.
    bands: tuple[float, ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()
    group_label: str = "group"

    @property
    def columns(self) -> tuple[str, ...]:
        """Model columns this feature becomes (one-hot for categorical features)."""
        if self.type == "categorical":
            return tuple(f"{self.name}={value}" for value in self.values)
        return (self.name,)


@dataclass(frozen=True)
class Schema:
    """Features, data categories and classes, all public."""

    features: tuple[Feature, ...]
    classes: tuple[str, ...]
    class_labels: tuple[str, ...]
    category_info: dict

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(column for feature in self.features for column in feature.columns)

    @property
    def column_categories(self) -> np.ndarray:
        """The data category of every model column, shape (n_columns,)."""
        return np.array([f.category for f in self.features for _ in f.columns])

    @property
    def quasi_identifiers(self) -> tuple[Feature, ...]:
        return tuple(f for f in self.features if f.quasi_identifier)

    def feature(self, name: str) -> Feature:
        for feature in self.features:
            if feature.name == name:
                return feature
        raise KeyError(
            f"Unknown feature {name!r}; the schema has {[f.name for f in self.features]}."
        )

    def features_in(self, category: str) -> tuple[Feature, ...]:
        return tuple(f for f in self.features if f.category == category)

    def class_label(self, class_index: int) -> str:
        return self.class_labels[class_index]


def _feature_from_json(entry: dict) -> Feature:
    name = entry["name"]
    if entry["category"] not in CATEGORIES:
        raise ValueError(
            f"Feature {name!r} has category {entry['category']!r}; "
            f"allowed categories are {CATEGORIES}."
        )
    if entry["type"] not in ("numeric", "categorical"):
        raise ValueError(f"Feature {name!r} has type {entry['type']!r}; use numeric/categorical.")
    if entry["type"] == "numeric" and not float(entry["lower"]) < float(entry["upper"]):
        raise ValueError(f"Feature {name!r} needs lower < upper in the schema.")
    values = tuple(str(v) for v in entry.get("values", ()))
    if entry["type"] == "categorical" and (not values or len(set(values)) != len(values)):
        raise ValueError(f"Feature {name!r} needs a list of distinct values.")
    bands = tuple(float(b) for b in entry.get("bands", ()))
    if any(not b > 0 for b in bands):
        raise ValueError(f"Feature {name!r}: band widths must be positive.")
    groups = tuple(tuple(str(v) for v in group) for group in entry.get("groups", ()))
    if groups and sorted(v for g in groups for v in g) != sorted(values):
        raise ValueError(f"Feature {name!r}: groups must use every value exactly once.")
    return Feature(
        name=name,
        category=entry["category"],
        type=entry["type"],
        label=entry.get("label", name),
        unit=entry.get("unit", ""),
        lower=float(entry.get("lower", 0.0)),
        upper=float(entry.get("upper", 1.0)),
        values=values,
        quasi_identifier=bool(entry.get("quasi_identifier", False)),
        bands=tuple(sorted(bands)),
        groups=groups,
        group_label=entry.get("group_label", "group"),
    )


def schema_from_dict(raw: dict) -> Schema:
    """A Schema from its JSON form (the file's layout); raises ValueError naming what is wrong."""
    features = tuple(_feature_from_json(entry) for entry in raw["features"])
    names = [f.name for f in features]
    if len(set(names)) != len(names):
        raise ValueError("Feature names in a schema must be distinct.")
    classes = tuple(str(c) for c in raw["label"]["values"])
    if len(classes) < 2 or len(set(classes)) != len(classes):
        raise ValueError("The label needs at least 2 distinct classes.")
    labels = tuple(str(c) for c in raw["label"].get("labels", classes))
    if len(labels) != len(classes):
        raise ValueError("The label needs one display name per class.")
    return Schema(
        features=features,
        classes=classes,
        class_labels=labels,
        category_info=raw["categories"],
    )


@cache
def load_schema(path: str | Path = SCHEMA_PATH) -> Schema:
    """Read the public schema from ``data/schema.json``.

    Returns
    -------
    Schema
        Features with bounds and categories, and the public list of classes.
    """
    return schema_from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
