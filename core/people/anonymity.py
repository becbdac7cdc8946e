"""k-anonymity on the schema's quasi-identifiers by global recoding, with suppression.

Each quasi-identifier has a public generalisation hierarchy read from the schema: a numeric one
goes from exact values through its band widths to hidden (built-in age: exact, 5-, 10-, 20-year
bands, hidden); a categorical one from exact values through its value groups, if any, to hidden
(region: exact, 3 macro-regions, hidden; gender: exact, hidden). We search the whole lattice of
levels for the least generalised node that reaches k after suppressing at most
:data:`MAX_SUPPRESSION` of the records, as ARX's optimal search does. With at most
:data:`MAX_QUASI_IDENTIFIERS` quasi-identifiers the lattice stays small (30 nodes built in), so
exhaustive search is cheap and exact.

Library choice: ``pycanon`` measures k-anonymity but does not transform data; ``anonypy``
(Mondrian) has no suppression limit and is unmaintained since 2024; ARX is Java. The search
here is a few lines over numpy/pandas and is tested against brute-force class counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
import pandas as pd

from core.setting.schema import Feature, Schema

MAX_SUPPRESSION = 0.05
MAX_QUASI_IDENTIFIERS = 4
HIDDEN = -1  # code of a generalised-away or not-collected value


@dataclass(frozen=True)
class Level:
    """One step of a quasi-identifier's hierarchy."""

    kind: str  # "exact", "band", "group" or "hidden"
    width: float = 0.0  # band width (kind "band")


def hierarchy(feature: Feature) -> tuple[Level, ...]:
    """The public generalisation levels of one quasi-identifier, least general first."""
    if feature.type == "numeric":
        middle = tuple(Level("band", width) for width in feature.bands)
    else:
        middle = (Level("group"),) if feature.groups else ()
    return (Level("exact"), *middle, Level("hidden"))


@dataclass(frozen=True)
class RiskSummary:
    """Re-identification risk of a set of equivalence classes (prosecutor model)."""

    records: int
    share_unique: float  # records alone in their class
    share_below_k: float  # records in classes smaller than k
    max_risk: float  # 1 / smallest class size
    mean_risk: float  # average over records of 1 / own class size
    n_classes: int


@dataclass(frozen=True)
class AnonymisationResult:
    k: int
    features: tuple[Feature, ...]  # the quasi-identifiers, in schema order
    levels: tuple[int, ...]  # chosen level per quasi-identifier (index into its hierarchy)
    codes: tuple[np.ndarray, ...]  # generalised code per person and quasi-identifier, or HIDDEN
    suppressed: np.ndarray  # bool per person
    before: RiskSummary
    after: RiskSummary

    @property
    def share_suppressed(self) -> float:
        return float(self.suppressed.mean()) if len(self.suppressed) else 0.0

    def level_of(self, name: str) -> Level:
        index = [f.name for f in self.features].index(name)
        return hierarchy(self.features[index])[self.levels[index]]

    def codes_of(self, name: str) -> np.ndarray:
        return self.codes[[f.name for f in self.features].index(name)]

    def describe_levels(self) -> str:
        parts = []
        for feature, level_index in zip(self.features, self.levels, strict=True):
            level = hierarchy(feature)[level_index]
            name = feature.label.lower()
            if level.kind == "exact":
                parts.append(f"exact {name}")
            elif level.kind == "band":
                unit = f" {feature.unit}" if feature.unit else ""
                parts.append(f"{name} in bands of {level.width:g}{unit}")
            elif level.kind == "group":
                parts.append(f"{name} as {feature.group_label}")
            else:
                parts.append(f"{name} hidden")
        return ", ".join(parts) if parts else "no quasi-identifiers"

    def describe_class(self, class_codes: tuple[int, ...]) -> str:
        """Plain words for one equivalence class (one code per quasi-identifier)."""
        parts = []
        for feature, level_index, code in zip(self.features, self.levels, class_codes, strict=True):
            if code == HIDDEN:
                continue
            level = hierarchy(feature)[level_index]
            if feature.type == "numeric":
                if level.kind == "exact":
                    parts.append(f"{feature.label.lower()} {feature.lower + code:g}")
                else:
                    start = feature.lower + code * level.width
                    parts.append(f"{feature.label.lower()} {start:g}–{start + level.width:g}")
            elif level.kind == "exact":
                parts.append(f"{feature.label.lower()} {feature.values[int(code)]}")
            else:
                parts.append(f"{feature.label.lower()} " + " or ".join(feature.groups[int(code)]))
        return "people with " + ", ".join(parts) if parts else "everyone"


def generalise(values: np.ndarray, feature: Feature, level: Level) -> np.ndarray:
    """Codes of one quasi-identifier at one level; ``values`` are raw (NaN / HIDDEN if unknown).

    Numeric codes count from the public lower bound (exact: the offset itself, a band: its
    index), so they are >= 0 for values within bounds and never collide with HIDDEN.
    """
    values = np.asarray(values, dtype=float)
    unknown = np.isnan(values) if feature.type == "numeric" else values == HIDDEN
    if level.kind == "hidden":
        return np.full(values.shape, HIDDEN, dtype=float)
    if level.kind == "exact":
        codes = values - feature.lower if feature.type == "numeric" else values
    elif level.kind == "band":
        codes = np.floor((np.nan_to_num(values, nan=feature.lower) - feature.lower) / level.width)
    else:
        group_of = np.zeros(len(feature.values))
        for index, group in enumerate(feature.groups):
            group_of[[feature.values.index(v) for v in group]] = index
        codes = group_of[np.maximum(values, 0).astype(np.int64)]
    return np.where(unknown, HIDDEN, codes)


def _class_sizes(*codes: np.ndarray) -> np.ndarray:
    """Size of each record's equivalence class (records sharing every code)."""
    if not codes:
        return np.array([], dtype=np.int64)
    # Factorise column by column, re-compacting the key so it never overflows (hash-based: O(n)).
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for code in codes:
        column, uniques = pd.factorize(np.asarray(code), use_na_sentinel=False)
        key, _ = pd.factorize(key * len(uniques) + column)
    counts = np.bincount(key)
    return counts[key]


def risk_summary(sizes: np.ndarray, k: int) -> RiskSummary:
    if len(sizes) == 0:
        return RiskSummary(0, 0.0, 0.0, 0.0, 0.0, 0)
    return RiskSummary(
        records=int(len(sizes)),
        share_unique=float(np.mean(sizes == 1)),
        share_below_k=float(np.mean(sizes < k)),
        max_risk=float(1.0 / sizes.min()),
        mean_risk=float(np.mean(1.0 / sizes)),
        n_classes=int(np.sum(1.0 / sizes).round()),
    )


def _lattice(features: tuple[Feature, ...]) -> list[tuple[int, ...]]:
    """Every node (one level per quasi-identifier), least information loss first."""
    sizes = [len(hierarchy(f)) for f in features]
    # On equal loss, generalise the quasi-identifier with the finer hierarchy first.
    order = sorted(range(len(features)), key=lambda i: -sizes[i])

    def loss(node: tuple[int, ...]) -> tuple:
        climbed = sum(level / (size - 1) for level, size in zip(node, sizes, strict=True))
        return (climbed, tuple(node[i] for i in order))

    return sorted(product(*(range(size) for size in sizes)), key=loss)


def anonymise(
    raw: dict[str, np.ndarray],
    k: int,
    schema: Schema,
    max_suppression: float = MAX_SUPPRESSION,
) -> AnonymisationResult:
    """Make the schema's quasi-identifiers k-anonymous.

    Parameters
    ----------
    raw : dict of arrays of shape (n,)
        Raw value per quasi-identifier name: numeric values (NaN if not collected) or categorical
        codes (HIDDEN if not collected).
    k : int
        In [1, 100]. k = 1 returns the data unchanged.
    """
    features = schema.quasi_identifiers
    columns = [np.asarray(raw[f.name], dtype=float) for f in features]
    n = len(columns[0]) if columns else 0
    exact = [generalise(c, f, Level("exact")) for c, f in zip(columns, features, strict=True)]
    before = risk_summary(_class_sizes(*exact), k) if features else risk_summary(np.ones(n), k)

    chosen = None
    for node in _lattice(features):
        codes = tuple(
            generalise(column, feature, hierarchy(feature)[level])
            for column, feature, level in zip(columns, features, node, strict=True)
        )
        sizes = _class_sizes(*codes) if features else np.full(n, n)
        suppressed = sizes < k
        # Suppressed records all read '*' (like records whose quasi-identifiers were never
        # collected), so together they form one more class: it must reach k as well, or the
        # node is not k-anonymous ("each record looks like at least k−1 others" would be false).
        released_sizes = (
            _class_sizes(*(np.where(suppressed, HIDDEN, c) for c in codes)) if features else sizes
        )
        if k == 1 or n == 0 or (suppressed.mean() <= max_suppression and released_sizes.min() >= k):
            chosen = (node, codes, released_sizes, suppressed)
            break
    if chosen is None:  # the top of the lattice (everything hidden) always satisfies k <= n
        raise ValueError(f"Cannot reach k={k} with {n} records.")
    node, codes, released_sizes, suppressed = chosen
    return AnonymisationResult(
        k=k,
        features=features,
        levels=tuple(node),
        codes=codes,
        suppressed=suppressed,
        before=before,
        # Every released record, the suppressed ones included (as the class they form).
        after=risk_summary(released_sizes, k),
    )


def generalised_numeric(result: AnonymisationResult, feature: Feature) -> np.ndarray | None:
    """Value to store for a numeric quasi-identifier: the middle of each person's band.

    NaN where hidden; None when the feature is kept exact (nothing to rewrite).
    """
    level = result.level_of(feature.name)
    codes = result.codes_of(feature.name)
    if level.kind == "exact":
        return None
    if level.kind == "hidden":
        return np.full(codes.shape, np.nan)
    middle = feature.lower + (codes + 0.5) * level.width
    return np.where(codes == HIDDEN, np.nan, np.minimum(middle, feature.upper))
