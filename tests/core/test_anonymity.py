"""k-anonymity by global recoding, checked against brute-force class counts with pandas."""

import numpy as np
import pandas as pd
import pytest

from core.anonymity import (
    AGE_BAND_WIDTHS,
    GENDER_LEVELS,
    HIDDEN,
    MAX_SUPPRESSION,
    REGION_LEVELS,
    anonymise,
    generalised_age_midpoint,
)
from core.population import generate_profiles

KS = (2, 5, 20, 100)


@pytest.fixture(scope="module")
def quasi_identifiers(schema):
    """Age, gender and region of 20,000 people; 10% did not share demographics, 5% no location."""
    population = generate_profiles(20_000, 21, schema)
    rng = np.random.default_rng(22)
    n = population.n_profiles
    no_demographics = rng.random(n) < 0.10
    no_location = rng.random(n) < 0.05
    age = np.where(no_demographics, np.nan, population.features["age"].to_numpy(dtype=float))
    gender = np.where(no_demographics, HIDDEN, population.features["gender"].to_numpy())
    region = np.where(no_location, HIDDEN, population.features["region"].to_numpy())
    return age, gender, region


def _class_sizes(*codes: np.ndarray) -> np.ndarray:
    """Brute force: size of each record's group of identical code tuples, via pandas groupby."""
    frame = pd.DataFrame({f"q{i}": code for i, code in enumerate(codes)})
    return frame.groupby(list(frame.columns), dropna=False)["q0"].transform("size").to_numpy()


def _generalisation_total(result) -> float:
    """Share of each hierarchy climbed, summed over the quasi-identifiers."""
    return (
        result.age_level / (len(AGE_BAND_WIDTHS) - 1)
        + result.region_level / (REGION_LEVELS - 1)
        + result.gender_level / (GENDER_LEVELS - 1)
    )


@pytest.mark.parametrize("k", KS)
def test_every_kept_record_is_in_a_class_of_at_least_k(quasi_identifiers, schema, k):
    """After anonymise, every non-suppressed record shares its codes with >= k-1 other kept ones."""
    result = anonymise(*quasi_identifiers, k=k, schema=schema)
    kept = ~result.suppressed
    codes = (result.age_codes, result.gender_codes, result.region_codes)
    sizes_kept = _class_sizes(*(code[kept] for code in codes))
    assert sizes_kept.min() >= k
    # Suppression is exactly the records in classes smaller than k.
    np.testing.assert_array_equal(result.suppressed, _class_sizes(*codes) < k)
    assert result.after.records == kept.sum()
    assert result.after.share_below_k == 0.0
    assert result.after.max_risk <= 1 / k


@pytest.mark.parametrize("k", KS)
def test_suppression_stays_within_the_limit(quasi_identifiers, schema, k):
    """At most MAX_SUPPRESSION of the records are suppressed."""
    result = anonymise(*quasi_identifiers, k=k, schema=schema)
    assert result.share_suppressed <= MAX_SUPPRESSION


def test_k_equal_one_keeps_exact_levels(quasi_identifiers, schema):
    """k = 1 generalises nothing and suppresses nobody."""
    age, gender, region = quasi_identifiers
    result = anonymise(age, gender, region, k=1, schema=schema)
    assert (result.age_level, result.region_level, result.gender_level) == (0, 0, 0)
    assert not result.suppressed.any()
    lower = schema.feature("age").lower
    expected_age = np.where(np.isnan(age), HIDDEN, np.nan_to_num(age) - lower).astype(np.int64)
    np.testing.assert_array_equal(result.age_codes, expected_age)
    np.testing.assert_array_equal(result.gender_codes, gender)
    np.testing.assert_array_equal(result.region_codes, region)
    assert result.describe_levels() == "exact age, exact region, gender kept"


@pytest.mark.parametrize("k", (1, *KS))
def test_risk_before_matches_brute_force(quasi_identifiers, schema, k):
    """The 'before' risk summary equals brute-force counts on the exact quasi-identifiers."""
    age, gender, region = quasi_identifiers
    sizes = _class_sizes(np.nan_to_num(age, nan=-1.0), gender, region)
    before = anonymise(age, gender, region, k=k, schema=schema).before
    assert before.records == len(age)
    assert before.share_unique == pytest.approx(np.mean(sizes == 1), abs=1e-12)
    assert before.share_below_k == pytest.approx(np.mean(sizes < k), abs=1e-12)
    assert before.mean_risk == pytest.approx(np.mean(1.0 / sizes), rel=1e-12)
    assert before.max_risk == pytest.approx(1.0 / sizes.min())
    groups = pd.DataFrame({"a": np.nan_to_num(age, nan=-1.0), "g": gender, "r": region})
    assert before.n_classes == len(groups.drop_duplicates())


def test_larger_k_never_lowers_generalisation(quasi_identifiers, schema):
    """The generalisation total is non-decreasing in k."""
    totals = [
        _generalisation_total(anonymise(*quasi_identifiers, k=k, schema=schema))
        for k in (1, 2, 3, 5, 10, 20, 50, 100)
    ]
    assert totals == sorted(totals)
    assert totals[-1] > totals[0]


@pytest.mark.parametrize("k", KS)
def test_chosen_node_is_the_least_generalised_feasible_one(quasi_identifiers, schema, k):
    """No node with a smaller generalisation total reaches k within the suppression limit."""
    age, gender, region = quasi_identifiers
    chosen = anonymise(age, gender, region, k=k, schema=schema)
    lower = schema.feature("age").lower
    for age_level, width in enumerate(AGE_BAND_WIDTHS):
        if width is None:
            age_codes = np.full(len(age), HIDDEN)
        else:
            age_codes = np.where(np.isnan(age), HIDDEN, (np.nan_to_num(age) - lower) // width)
        for region_level in range(REGION_LEVELS):
            region_codes = (
                region
                if region_level == 0
                else np.where(region == HIDDEN, HIDDEN, region // 2)
                if region_level == 1
                else np.full(len(region), HIDDEN)
            )
            for gender_level in range(GENDER_LEVELS):
                gender_codes = gender if gender_level == 0 else np.full(len(gender), HIDDEN)
                total = (
                    age_level / (len(AGE_BAND_WIDTHS) - 1)
                    + region_level / (REGION_LEVELS - 1)
                    + gender_level
                )
                if total < _generalisation_total(chosen) - 1e-12:
                    sizes = _class_sizes(age_codes, gender_codes, region_codes)
                    assert np.mean(sizes < k) > MAX_SUPPRESSION, (age_level, region_level)


def test_age_midpoint_lies_inside_the_band(quasi_identifiers, schema):
    """The stored age is the middle of the person's band, within the public age bounds."""
    age, gender, region = quasi_identifiers
    result = anonymise(age, gender, region, k=20, schema=schema)
    width = AGE_BAND_WIDTHS[result.age_level]
    assert width is not None and width > 1, "k=20 on 20,000 people should band age, not hide it"
    midpoint = generalised_age_midpoint(result, schema)
    known = ~np.isnan(age)
    np.testing.assert_array_equal(np.isnan(midpoint), ~known)
    assert np.all(np.abs(midpoint[known] - age[known]) <= width / 2)
    feature = schema.feature("age")
    assert feature.lower <= np.nanmin(midpoint)
    assert np.nanmax(midpoint) <= feature.upper


def test_all_hidden_input_is_one_class(schema):
    """People who shared no quasi-identifier form one class and nobody is suppressed."""
    n = 500
    result = anonymise(
        np.full(n, np.nan), np.full(n, HIDDEN), np.full(n, HIDDEN), k=100, schema=schema
    )
    assert not result.suppressed.any()
    assert result.before.n_classes == 1
    assert result.before.mean_risk == pytest.approx(1 / n)
