"""k-anonymity on the quasi-identifiers (age, gender, postcode region) by global recoding.

We search the full generalisation lattice (age: exact, 5-, 10-, 20-year bands, hidden; region:
exact, 3 macro-regions, hidden; gender: exact, hidden) for the least generalised node that
reaches k after suppressing at most :data:`MAX_SUPPRESSION` of the records, as ARX's optimal
search does. The lattice has 30 nodes, so exhaustive search is cheap and exact.

Library choice: ``pycanon`` measures k-anonymity but does not transform data; ``anonypy``
(Mondrian) has no suppression limit and is unmaintained since 2024; ARX is Java. The search
here is ~60 lines over numpy and is tested against brute-force class counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from core.schema import Schema

MAX_SUPPRESSION = 0.05
# Age band width per level; None hides age entirely.
AGE_BAND_WIDTHS = (1, 5, 10, 20, None)
# Region level 1 groups the 6 postcode regions into 3 macro-regions.
MACRO_REGION = np.array([0, 0, 1, 1, 2, 2])
REGION_LEVELS = 3
GENDER_LEVELS = 2
HIDDEN = -1  # code of a generalised-away or not-collected value


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
    age_level: int
    region_level: int
    gender_level: int
    age_codes: np.ndarray  # generalised band index per person or HIDDEN
    region_codes: np.ndarray
    gender_codes: np.ndarray
    suppressed: np.ndarray  # bool per person
    before: RiskSummary
    after: RiskSummary

    @property
    def share_suppressed(self) -> float:
        return float(self.suppressed.mean())

    def describe_levels(self) -> str:
        age_width = AGE_BAND_WIDTHS[self.age_level]
        parts = [
            "exact age"
            if age_width == 1
            else "age hidden"
            if age_width is None
            else f"{age_width}-year age bands",
            ["exact region", "macro-region", "region hidden"][self.region_level],
            ["gender kept", "gender hidden"][self.gender_level],
        ]
        return ", ".join(parts)


def _age_codes(age: np.ndarray, level: int, lower: float) -> np.ndarray:
    width = AGE_BAND_WIDTHS[level]
    if width is None:
        return np.full(age.shape, HIDDEN, dtype=np.int64)
    codes = ((np.nan_to_num(age, nan=lower) - lower) // width).astype(np.int64)
    return np.where(np.isnan(age), HIDDEN, codes)


def _region_codes(region: np.ndarray, level: int) -> np.ndarray:
    if level == 0:
        return region
    if level == 1:
        return np.where(region == HIDDEN, HIDDEN, MACRO_REGION[np.maximum(region, 0)])
    return np.full(region.shape, HIDDEN, dtype=np.int64)


def _class_sizes(*codes: np.ndarray) -> np.ndarray:
    """Size of each record's equivalence class (records sharing every code)."""
    # One int64 key per record (codes are small: >= HIDDEN and < 1000), then a single unique.
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for code in codes:
        key = key * 1001 + (np.asarray(code, dtype=np.int64) + 1)
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    return counts[inverse]


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


def anonymise(
    age: np.ndarray,
    gender: np.ndarray,
    region: np.ndarray,
    k: int,
    schema: Schema,
    max_suppression: float = MAX_SUPPRESSION,
) -> AnonymisationResult:
    """Make the quasi-identifiers k-anonymous; hidden (not collected) values use :data:`HIDDEN`.

    Parameters
    ----------
    age, gender, region : arrays of shape (n,)
        Age in years (NaN if not collected); gender and region codes (HIDDEN if not collected).
    k : int
        In [1, 100]. k = 1 returns the data unchanged.
    """
    age_lower = schema.feature("age").lower
    age_exact = _age_codes(age, 0, age_lower)
    before_sizes = _class_sizes(age_exact, gender, region)
    before = risk_summary(before_sizes, k)

    best = None
    for age_level, region_level, gender_level in sorted(
        product(range(len(AGE_BAND_WIDTHS)), range(REGION_LEVELS), range(GENDER_LEVELS)),
        # Least information loss first: share of the hierarchy climbed, summed over QIs.
        key=lambda node: (
            node[0] / (len(AGE_BAND_WIDTHS) - 1) + node[1] / (REGION_LEVELS - 1) + node[2],
            node,
        ),
    ):
        age_codes = _age_codes(age, age_level, age_lower)
        region_codes = _region_codes(region, region_level)
        gender_codes = gender if gender_level == 0 else np.full(gender.shape, HIDDEN)
        sizes = _class_sizes(age_codes, gender_codes, region_codes)
        suppressed = sizes < k
        if suppressed.mean() <= max_suppression or k == 1:
            best = (age_level, region_level, gender_level, age_codes, region_codes, gender_codes)
            break
    if best is None:  # the top of the lattice (everything hidden) always satisfies k <= n
        raise ValueError(f"Cannot reach k={k} with {len(age)} records.")
    age_level, region_level, gender_level, age_codes, region_codes, gender_codes = best
    sizes = _class_sizes(age_codes, gender_codes, region_codes)
    suppressed = sizes < k
    return AnonymisationResult(
        k=k,
        age_level=age_level,
        region_level=region_level,
        gender_level=gender_level,
        age_codes=age_codes,
        region_codes=region_codes,
        gender_codes=gender_codes,
        suppressed=suppressed,
        before=before,
        after=risk_summary(sizes[~suppressed], k),
    )


def generalised_age_midpoint(result: AnonymisationResult, schema: Schema) -> np.ndarray:
    """Age to store for each person: the middle of their band (NaN where hidden)."""
    feature = schema.feature("age")
    width = AGE_BAND_WIDTHS[result.age_level]
    if width is None:
        return np.full(result.age_codes.shape, np.nan)
    middle = feature.lower + result.age_codes * width + (width - 1) / 2
    return np.where(result.age_codes == HIDDEN, np.nan, np.minimum(middle, feature.upper))
