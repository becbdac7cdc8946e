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

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
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
    if entry["category"] not in CATEGORIES:
        raise ValueError(
            f"Feature {entry['name']!r} has category {entry['category']!r}; "
            f"allowed categories are {CATEGORIES}."
        )
    if entry["type"] == "numeric" and not entry["lower"] < entry["upper"]:
        raise ValueError(f"Feature {entry['name']!r} needs lower < upper in the schema.")
    return Feature(
        name=entry["name"],
        category=entry["category"],
        type=entry["type"],
        label=entry.get("label", entry["name"]),
        unit=entry.get("unit", ""),
        lower=float(entry.get("lower", 0.0)),
        upper=float(entry.get("upper", 1.0)),
        values=tuple(entry.get("values", ())),
        quasi_identifier=bool(entry.get("quasi_identifier", False)),
    )


@cache
def load_schema(path: str | Path = SCHEMA_PATH) -> Schema:
    """Read the public schema from ``data/schema.json``.

    Returns
    -------
    Schema
        Features with bounds and categories, and the public list of classes.
    """
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    return Schema(
        features=tuple(_feature_from_json(entry) for entry in raw["features"]),
        classes=tuple(raw["label"]["values"]),
        class_labels=tuple(raw["label"]["labels"]),
        category_info=raw["categories"],
    )
