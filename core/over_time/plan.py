"""Privacy over time: many releases about the same people, how their losses add up, and what unit
one ε protects.

A recommender is retrained every day, week or month on the same people, and every release spends
privacy again. This module answers three questions with computed numbers, never a table of
constants:

- **Cadence.** After ``k`` releases at ε each, what has one person given up? Four accountants
  (:data:`METHODS`), each with what it assumes (:data:`ASSUMPTIONS`): basic composition (k·ε,
  pure ε), advanced composition at δ (diffprivlib's ``BudgetAccountant`` with slack), the exact
  optimal composition of *any* ε-DP releases, and Google's ``dp-accounting`` privacy-loss
  distributions for releases that are each a single Laplace mechanism.
- **The budget turned around.** A total of E per person per year: the ε per release each cadence
  can afford under each accountant (basic E/k; the others solved numerically).
- **Unit of protection.** The engine protects one person's whole record (add/remove-one
  neighbours): all of a person's purchases at once. If the same ε protected one purchase instead
  (event-level), a person with m purchases would only be protected at m·ε (group privacy).

The planner's inputs are a small table of :class:`~core.setting.scenario.Field` rows
(:data:`FIELDS`), like the Scenario's, and a frozen :class:`Plan` validated by it. ε per release
*is* the Scenario's ε field (one range, one URL parameter): the planner asks what the release you
are looking at costs when it is repeated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import pandas as pd
from diffprivlib.accountant import BudgetAccountant
from dp_accounting.pld import privacy_loss_distribution as pld_lib
from scipy.optimize import brentq
from scipy.stats import binom

from core.privacy import guarantee
from core.setting.scenario import FIELDS_BY_NAME as SCENARIO_FIELDS
from core.setting.scenario import Field, parse_known, read_leniently
from core.setting.schema import Schema

# Named cadences, in releases per year.
CADENCES: dict[str, int] = {"daily": 365, "weekly": 52, "monthly": 12, "quarterly": 4}
MAX_RELEASES_PER_YEAR = 365
MAX_YEARS = 10.0

METHODS = ("basic", "advanced", "optimal", "pld")
METHOD_LABELS = {
    "basic": "Basic composition (k·ε)",
    "advanced": "Advanced composition (diffprivlib)",
    "optimal": "Optimal composition, any ε-DP release",
    "pld": "Tight, one Laplace mechanism per release (dp-accounting)",
}
ASSUMPTIONS = {
    "basic": (
        "Pure ε (δ = 0): the k losses simply add up. True for any k releases that are each "
        "ε-DP about the same people, even when each release is designed after seeing the earlier "
        "ones (adaptive choices). Loose: it assumes every release hits its worst case at once."
    ),
    "advanced": (
        "(ε, δ): every outcome is at most e^ε times as likely with the person as without, plus "
        "δ. Computed by diffprivlib's "
        "BudgetAccountant.total with slack δ, which takes the smallest of k·ε and the two bounds "
        "of Kairouz, Oh & Viswanath (2015, Theorem 3.5): k·ε·tanh(ε/2) + ε·√(2k·ln(1/δ)) and "
        "k·ε·tanh(ε/2) + ε·√(2k·ln(e + ε√k/δ)). The first is never above the "
        "Dwork–Rothblum–Vadhan (2010) bound k·ε(e^ε − 1) + ε·√(2k·ln(1/δ)), since "
        "tanh(ε/2) ≤ e^ε − 1. True for any ε-DP releases about the same people, adaptive "
        "choices included."
    ),
    "optimal": (
        "(ε, δ): the exact composition of k releases that are each ε-DP, for the worst case an "
        "ε-DP release can be (randomised response: Kairouz, Oh & Viswanath's optimal composition "
        "theorem), computed exactly from its closed form and checked against Google's "
        "dp-accounting. True for "
        "any ε-DP releases about the same people, adaptive choices included, so it covers the "
        "engine's releases, which split ε between several noisy statistics."
    ),
    "pld": (
        "(ε, δ): the same accountant when every release is one Laplace mechanism (noise scale = "
        "sensitivity / ε). Tighter, but only true for releases of that shape; a release that "
        "splits ε between several noisy statistics (as the engine's model does) is covered by "
        "the line above. Rounded up, never down (dp-accounting's pessimistic discretisation)."
    ),
}
NUMERICAL_NOTE = (
    "The numerical accountants are capped at basic composition (k·ε, valid at δ = 0 and so at "
    "any δ): the smaller of two true bounds is a true bound."
)
FRESHNESS_NOTE = (
    "What freshness is worth is not shown: the data here is one fixed snapshot (tastes do not "
    "drift between releases), so a stale model would lose nothing measurable and any figure for "
    "it would be invented."
)


def _delta_field() -> Field:
    return Field(
        "delta",
        float,
        1e-6,
        "δ: the probability that the total privacy loss is allowed to exceed the stated ε. "
        "It must be far below 1 / number of people (1/40,000 = 2.5e-5), or the guarantee allows "
        "leaking one person's whole record outright.",
        "δ (failure probability)",
        1e-12,
        1e-3,
        log_scale=True,
    )


FIELDS: tuple[Field, ...] = (
    # One release's ε is the Scenario's ε: the same range, the same URL parameter and slider.
    SCENARIO_FIELDS["epsilon"],
    Field(
        "releases_per_year",
        int,
        52,
        "How often the model is retrained and released on the same people: daily 365, weekly "
        "52, monthly 12, quarterly 4. Every release spends ε again.",
        "Releases per year",
        1,
        MAX_RELEASES_PER_YEAR,
        1,
    ),
    Field(
        "years",
        float,
        1.0,
        "How long the same people stay in the data. Privacy loss does not reset at the end of a "
        "year: every release over the horizon adds to the total.",
        "Horizon (years)",
        0.25,
        MAX_YEARS,
        0.25,
    ),
    _delta_field(),
    Field(
        "yearly_budget",
        float,
        1.0,
        "The total privacy loss per person you can afford in a year, whatever the cadence. "
        "The planner turns it into an ε per release for each cadence.",
        "Total ε per person per year",
        0.01,
        100.0,
        log_scale=True,
    ),
)
FIELDS_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}


def releases_in(releases_per_year: int, years: float) -> int:
    """Releases over ``years`` at ``releases_per_year``: one at the start of every period.

    A weekly model over one year is released 52 times; over a quarter (13 weeks) 13 times; a
    yearly model over a quarter still has its first release, so at least 1.
    """
    return max(1, math.ceil(releases_per_year * years - 1e-9))


@dataclass(frozen=True)
class Plan:
    """One validated setting of the planner. Hashable, so it can key caches."""

    epsilon: float = SCENARIO_FIELDS["epsilon"].default
    releases_per_year: int = 52
    years: float = 1.0
    delta: float = 1e-6
    yearly_budget: float = 1.0

    def __post_init__(self):
        for name, spec in FIELDS_BY_NAME.items():
            object.__setattr__(self, name, spec.check(getattr(self, name)))

    @property
    def releases(self) -> int:
        return releases_in(self.releases_per_year, self.years)

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> Plan:
        """Strictly parse ``{field: text}``; missing fields take defaults.

        Raises ``ValueError`` (unknown field, bad value) or ``TypeError`` naming the field.
        """
        return cls(**parse_known(params, FIELDS_BY_NAME))

    def to_params(self) -> dict[str, str]:
        return {spec.name: spec.format(getattr(self, spec.name)) for spec in FIELDS}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_lenient(
    params: Mapping[str, Any], names: tuple[str, ...] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Read the planner fields that can be read from a URL; each bad one becomes a notice.

    Parameters
    ----------
    params : mapping
        Query parameters (text, or lists of text: the last one counts).
    names : tuple of str, optional
        Only these fields (default: all). The page leaves out ``epsilon``, which the Scenario
        already reads and reports.

    Returns
    -------
    (values, notices)
        Valid values by field name (absent or bad fields are left out), and one sentence per bad
        value naming the field, what is allowed and the default used instead.
    """
    values: dict[str, Any] = {}
    notices: list[str] = []
    for name in names or tuple(FIELDS_BY_NAME):
        spec = FIELDS_BY_NAME[name]
        if name not in params:
            continue
        read_leniently(spec, params[name], values, notices)
    return values, notices


# -- the accountants -----------------------------------------------------------------------------
def _check_composition(epsilon: float, releases: int, delta: float) -> None:
    if isinstance(releases, bool) or not isinstance(releases, int | np.integer) or releases < 1:
        raise ValueError(f"The 'releases' parameter must be an integer ≥ 1. Got {releases!r}.")
    if not (isinstance(epsilon, int | float) and math.isfinite(epsilon) and epsilon > 0):
        raise ValueError(f"The 'epsilon' parameter must be a number > 0. Got {epsilon!r}.")
    if not (isinstance(delta, int | float) and 0 < delta < 1):
        raise ValueError(f"The 'delta' parameter must be a number in (0, 1). Got {delta!r}.")


def basic_composition(epsilon: float, releases: int) -> float:
    """Total pure ε of ``releases`` ε-DP releases: k·ε (δ = 0)."""
    return releases * epsilon


def advanced_composition(epsilon: float, releases: int, delta: float) -> float:
    """Total ε at ``delta`` from diffprivlib's ``BudgetAccountant`` with slack ``delta``.

    A fresh accountant holds ``releases`` spends of (ε, 0); its ``total()`` is the smallest of
    k·ε and Kairouz et al.'s two bounds (see :data:`ASSUMPTIONS`).
    """
    _check_composition(epsilon, releases, delta)
    accountant = BudgetAccountant(epsilon=math.inf, delta=delta)
    # The spends are passed to total() rather than to the constructor, which re-totals the list
    # after every spend (quadratic: 12 s for 3,650 releases).
    total, _ = accountant.total(spent_budget=[(epsilon, 0.0)] * int(releases), slack=delta)
    return float(total)


def drv_bound(epsilon: float, releases: int, delta: float) -> float:
    """The Dwork–Rothblum–Vadhan (2010) advanced composition bound, for comparison.

    ε' = √(2k·ln(1/δ))·ε + k·ε·(e^ε − 1), at total δ' = δ (pure-ε releases).
    """
    return math.sqrt(2 * releases * math.log(1 / delta)) * epsilon + releases * epsilon * (
        math.expm1(epsilon)
    )


def _discretisation(epsilon: float, releases: int) -> float:
    # dp-accounting's grid of privacy-loss values: fine for small totals, coarser for huge ones,
    # and at least ε/1000 (one release's loss spans [−ε, ε] in at most 2,000 steps), so that a
    # curve of 3,650 releases at ε = 100 stays near a second. Its pessimistic "connect the dots"
    # rounding keeps the answer an upper bound whatever the grid.
    total = releases * epsilon
    by_total = 1e-4 if total <= 10 else 1e-3 if total <= 100 else 1e-2
    return max(by_total, epsilon / 1000)


def _pld_epsilon(single, releases: int, delta: float) -> float:
    composed = single if releases == 1 else single.self_compose(int(releases))
    return float(composed.get_epsilon_for_delta(delta))


def optimal_delta(total: float, epsilon: float, releases: int) -> float:
    """δ at which ``releases`` arbitrary ε-DP releases are (``total``, δ)-DP, exactly.

    The worst ε-DP release is randomised response (Kairouz, Oh & Viswanath 2015): each release
    has privacy loss +ε with probability e^ε / (1 + e^ε) and −ε otherwise, so after k releases
    the loss is ε(k − 2j) with j ~ Binomial(k, 1 / (1 + e^ε)), and
    δ(total) = E[(1 − e^(total − loss))₊] (their Theorem 3.3, as a sum over j).
    """
    flips = np.arange(releases + 1)
    loss = epsilon * (releases - 2 * flips)
    above = loss > total
    log_pmf = binom.logpmf(flips[above], releases, 1.0 / (1.0 + math.exp(epsilon)))
    return float(np.sum(np.exp(log_pmf) * -np.expm1(total - loss[above])))


def optimal_composition(epsilon: float, releases: int, delta: float) -> float:
    """Tight total ε at ``delta`` for ``releases`` arbitrary ε-DP releases (never above k·ε).

    The smallest total whose :func:`optimal_delta` is at most ``delta`` (Brent's method,
    then rounded up past its tolerance). ``tests/core/test_plan.py`` checks it against
    dp-accounting's privacy-loss distribution of the same worst case
    (``from_privacy_parameters``), which can only round up; the closed form is exact and fast
    enough for curves and solvers.
    """
    _check_composition(epsilon, releases, delta)
    basic = basic_composition(epsilon, releases)
    if optimal_delta(0.0, epsilon, releases) <= delta:
        return 0.0
    if optimal_delta(basic, epsilon, releases) > delta:  # cannot happen: δ(kε) = 0
        return basic
    root = brentq(
        lambda total: optimal_delta(total, epsilon, releases) - delta,
        0.0,
        basic,
        xtol=1e-12,
        rtol=1e-12,
    )
    # Brent stops within 1e-12 + 1e-12·root of the root: step past it, never below.
    return min(float(root) * (1 + 1e-9) + 1e-11, basic)


def laplace_composition(
    epsilon: float, releases: int, delta: float, sensitivity: float = 1.0
) -> float:
    """Tight total ε at ``delta`` for ``releases`` Laplace mechanisms at ε each (never above k·ε·s).

    Each release adds Laplace noise of scale 1/ε to a query of sensitivity 1 (so it is ε-DP);
    ``sensitivity`` > 1 asks about a neighbour that differs by that much (group privacy of a
    single count). Privacy-loss distributions from dp-accounting, rounded up.
    """
    _check_composition(epsilon, releases, delta)
    single = pld_lib.from_laplace_mechanism(
        parameter=1.0 / epsilon,
        sensitivity=sensitivity,
        value_discretization_interval=_discretisation(epsilon * sensitivity, releases),
    )
    cap = basic_composition(epsilon * sensitivity, releases)
    return min(_pld_epsilon(single, releases, delta), cap)


def total_loss(method: str, epsilon: float, releases: int, delta: float) -> float:
    """Total privacy loss of ``releases`` releases at ``epsilon`` each under ``method``.

    ``basic`` is pure ε (δ = 0); the others are ε at ``delta``.
    """
    if method == "basic":
        _check_composition(epsilon, releases, delta)
        return basic_composition(epsilon, releases)
    if method == "advanced":
        return advanced_composition(epsilon, releases, delta)
    if method == "optimal":
        return optimal_composition(epsilon, releases, delta)
    if method == "pld":
        return laplace_composition(epsilon, releases, delta)
    raise ValueError(f"The 'method' parameter must be one of {', '.join(METHODS)}. Got {method!r}.")


def total_losses(epsilon: float, releases: int, delta: float) -> dict[str, float]:
    """``{method: total ε}`` for every method in :data:`METHODS`."""
    return {method: total_loss(method, epsilon, releases, delta) for method in METHODS}


def curve_points(releases: int, points: int = 64) -> np.ndarray:
    """Release counts 1..``releases`` to draw a curve through: all of them when there are few,
    else about ``points`` spread on a log scale (always including 1 and ``releases``)."""
    if releases <= points:
        return np.arange(1, releases + 1)
    spread = np.unique(np.round(np.geomspace(1, releases, points)).astype(int))
    return np.unique(np.r_[spread, releases])


def loss_curve(epsilon: float, releases: int, delta: float, points: int = 64) -> pd.DataFrame:
    """Total loss against the number of releases: one row per count, one column per method."""
    rows = [
        {"releases": int(k), **total_losses(epsilon, int(k), delta)}
        for k in curve_points(releases, points)
    ]
    return pd.DataFrame(rows, columns=["releases", *METHODS])


def guess_bound(epsilon: float, delta: float = 0.0) -> float:
    """Best accuracy of "is this person in the data?" with a 50/50 prior under (ε, δ)-DP.

    (ε, δ)-DP confines every test to TPR ≤ e^ε·FPR + δ (and the same with the roles swapped),
    so the best balanced accuracy is (e^ε + δ) / (e^ε + 1); at δ = 0 this is
    :func:`core.privacy.metrics.membership_guess_bound`.
    """
    if epsilon > 700:
        return 1.0
    growth = math.exp(epsilon)
    return min(1.0, (growth + delta) / (growth + 1.0))


def optimal_total_variation(epsilon: float, releases: int) -> float:
    """Total variation distance between ``releases`` ε-DP releases with and without one person,
    for the worst such releases (randomised response): :func:`optimal_delta` at total 0.

    (0, TV)-DP is what composition gives at ε' = 0, so no test tells the two apart with
    TPR − FPR above TV, for *any* ``releases`` ε-DP releases (Kairouz, Oh & Viswanath's optimal
    composition, adaptive choices included); randomised response reaches it.
    """
    _check_composition(epsilon, releases, 0.5)
    return min(1.0, max(0.0, optimal_delta(0.0, epsilon, releases)))


def laplace_total_variation(epsilon: float, releases: int) -> float:
    """Total variation distance between ``releases`` Laplace mechanisms (scale 1/ε, sensitivity 1)
    with and without one person: dp-accounting's composed privacy-loss distribution's δ at
    ε = 0, rounded up (pessimistic discretisation)."""
    _check_composition(epsilon, releases, 0.5)
    single = pld_lib.from_laplace_mechanism(
        parameter=1.0 / epsilon,
        sensitivity=1.0,
        value_discretization_interval=_discretisation(epsilon, releases),
    )
    composed = single if releases == 1 else single.self_compose(int(releases))
    return min(1.0, max(0.0, float(composed.get_delta_for_epsilon(0.0))))


def exact_guess(total_variation: float) -> float:
    """Best accuracy of "is this person in the data?" with a 50/50 prior, for releases whose
    distributions with and without the person are ``total_variation`` apart: (1 + TV) / 2."""
    return (1.0 + total_variation) / 2.0


# The two readings of "how often can a guess be right", one line each, for the page, CLI and docs.
GUESS_WORDS = {
    "from_epsilon_delta": (
        "(e^ε + δ) / (e^ε + 1) of the composed total (ε, δ): the cap for any release that is "
        "(ε, δ)-DP with that total, whatever produced it. It knows the releases only through "
        "that one pair, so for many small releases it is loose."
    ),
    "exact": (
        "(1 + TV) / 2, where TV is the composed privacy-loss distribution's δ at ε = 0 (the "
        "total variation distance between everything released with and without the person): "
        "the best any test can do. 'optimal': exact for k releases that are each ε-DP in the "
        "worst way (randomised response), so a cap for any k ε-DP releases, the engine's "
        "included; 'pld': exact for k Laplace mechanisms (dp-accounting, rounded up)."
    ),
}


def best_guesses(epsilon: float, releases: int, delta: float, totals: Mapping[str, float]):
    """Both readings of the attacker's best guess after ``releases`` releases at ``epsilon``.

    Returns ``{"from_epsilon_delta": {method: guess}, "exact": {"optimal", "pld"},
    "total_variation": {"optimal", "pld"}}``; see :data:`GUESS_WORDS`.
    """
    variation = {
        "optimal": optimal_total_variation(epsilon, releases),
        "pld": laplace_total_variation(epsilon, releases),
    }
    return {
        "from_epsilon_delta": {
            method: guess_bound(total, 0.0 if method == "basic" else delta)
            for method, total in totals.items()
        },
        "exact": {method: exact_guess(tv) for method, tv in variation.items()},
        "total_variation": variation,
    }


def plan_report(plan: Plan) -> dict[str, Any]:
    """Everything the planner computes for ``plan`` that needs no training, as plain data.

    The CLI prints it as JSON; the page shows the same numbers.
    """
    totals = total_losses(plan.epsilon, plan.releases, plan.delta)
    budget = budget_table(plan.yearly_budget, plan.delta)
    guesses = best_guesses(plan.epsilon, plan.releases, plan.delta, totals)
    return {
        "releases": plan.releases,
        "epsilon_per_release": plan.epsilon,
        "delta": plan.delta,
        "releases_per_year": plan.releases_per_year,
        "years": plan.years,
        **totals,
        "drv_bound": drv_bound(plan.epsilon, plan.releases, plan.delta),
        # Kept for callers of the first version: the loose reading, per accountant.
        "max_membership_guess": guesses["from_epsilon_delta"],
        "best_guess": {**guesses, "meaning": GUESS_WORDS},
        "assumptions": {
            **ASSUMPTIONS,
            "numerical_cap": NUMERICAL_NOTE,
            "same_people": "Every release is computed on the same people (the worst case for "
            "them); people who join later have fewer releases behind them.",
            "unit": f"Each release protects {guarantee.UNIT}, against {guarantee.NEIGHBOURING}, "
            "so these totals are per person (with k-anonymity first, only per stored record).",
        },
        "yearly_budget": {
            "total_per_year": plan.yearly_budget,
            "delta": plan.delta,
            "epsilon_per_release": {
                cadence: {
                    row.method: row.epsilon_per_release
                    for row in budget[budget["cadence"] == cadence].itertuples()
                }
                for cadence in CADENCES
            },
        },
        "plan": plan.to_dict(),
    }


# -- the budget turned around --------------------------------------------------------------------
def epsilon_per_release_for(total: float, releases: int, delta: float, method: str) -> float:
    """The largest ε per release whose ``releases``-fold total under ``method`` is ``total``.

    Basic composition gives total / k; the others are solved numerically (bisection to a
    relative 1e-7, from below): every accountant's total grows with ε and lies between ε (one
    release) and k·ε, so the answer lies in [total / k, total].
    """
    if not (isinstance(total, int | float) and math.isfinite(total) and total > 0):
        raise ValueError(f"The 'total' parameter must be a number > 0. Got {total!r}.")
    _check_composition(total, releases, delta)
    low = total / releases
    if method == "basic" or releases == 1:
        return low

    # Bisection on log ε that keeps total(low) ≤ total < total(high): the answer never spends
    # more than the budget, even where a numerical accountant's total moves in small steps.
    high = float(total)
    if total_loss(method, high, releases, delta) <= total:
        return high
    while high / low - 1 > 1e-7:
        middle = math.sqrt(low * high)
        if total_loss(method, middle, releases, delta) <= total:
            low = middle
        else:
            high = middle
    return float(low)


def _round_down(value: float, digits: int = 4) -> float:
    scale = 10.0 ** (digits - 1 - math.floor(math.log10(value)))
    return math.floor(value * scale * (1 + 1e-12)) / scale


def budget_table(yearly_budget: float, delta: float, cadences: Mapping[str, int] = CADENCES):
    """ε per release that fits ``yearly_budget`` per person per year, per cadence and method.

    Returns
    -------
    DataFrame
        ``cadence``, ``releases_per_year``, ``method``, ``epsilon_per_release`` and
        ``total`` (the method's total at that ε: at most the budget, within 0.1% of it, as ε
        is rounded down to 4 significant digits).
    """
    rows = []
    for cadence, releases in cadences.items():
        for method in METHODS:
            # Rounded down to 4 significant digits: readable, still within the budget, and
            # accountants that agree (quarterly) share one ε, so one set of training runs.
            epsilon = _round_down(epsilon_per_release_for(yearly_budget, releases, delta, method))
            rows.append(
                {
                    "cadence": cadence,
                    "releases_per_year": releases,
                    "method": method,
                    "epsilon_per_release": epsilon,
                    "total": total_loss(method, epsilon, releases, delta),
                }
            )
    return pd.DataFrame(rows)


def accuracy_by_epsilon(frontier_rows: pd.DataFrame) -> pd.DataFrame:
    """Accuracy per ε over noise draws: ``accuracy`` (mean), ``accuracy_q05``, ``accuracy_q95``
    (the 5–95% band) and ``draws``, indexed by ε. ``frontier_rows`` is one row per draw, as from
    :func:`core.engine.frontier`."""
    grouped = frontier_rows.groupby("epsilon")["accuracy"]
    return pd.DataFrame(
        {
            "accuracy": grouped.mean(),
            "accuracy_q05": grouped.quantile(0.05),
            "accuracy_q95": grouped.quantile(0.95),
            "draws": grouped.size(),
        }
    )


def budget_accuracy(budget: pd.DataFrame, frontier_rows: pd.DataFrame) -> pd.DataFrame:
    """Join each ε per release of ``budget`` with the accuracy the engine measured at that ε.

    ``frontier_rows`` is :func:`core.engine.frontier` evaluated at exactly the budget's ε values
    (one row per noise draw); the columns of :func:`accuracy_by_epsilon` are added.
    """
    joined = budget.join(accuracy_by_epsilon(frontier_rows), on="epsilon_per_release")
    missing = joined["accuracy"].isna()
    if missing.any():
        raise ValueError(
            "The 'frontier_rows' parameter must hold draws at every ε of the budget. Missing: "
            f"{sorted(joined.loc[missing, 'epsilon_per_release'].unique())}."
        )
    return joined


# -- unit of protection --------------------------------------------------------------------------
def event_columns(schema: Schema) -> tuple[str, ...]:
    """Numeric columns declared in the ``purchases`` data category: counts of purchases."""
    return tuple(
        f.name for f in schema.features if f.category == "purchases" and f.type == "numeric"
    )


def events_per_person(features: pd.DataFrame, schema: Schema) -> np.ndarray | None:
    """Purchases per person: the sum of the purchase-count columns, or None when there are none.

    Values are the stored ones (clipped to the public bounds; built in: at most 20 orders per
    category a year); an empty cell counts as no purchase.
    """
    columns = event_columns(schema)
    if not columns:
        return None
    counts = np.nan_to_num(features[list(columns)].to_numpy(dtype=float), nan=0.0)
    return np.rint(np.clip(counts, 0, None).sum(axis=1)).astype(np.int64)


def event_histogram(events: np.ndarray) -> pd.DataFrame:
    """How many people have exactly m events, for every m from 0 to the largest."""
    events = np.asarray(events, dtype=np.int64)
    people = np.bincount(events, minlength=1)
    return pd.DataFrame({"events": np.arange(len(people)), "people": people})


def event_level_losses(
    epsilon: float, largest: int, delta: float, points: int = 40
) -> pd.DataFrame:
    """What an event-level ε would mean for a person with m events, for m in 0..``largest``.

    Columns: ``events`` (m); ``person_level`` (ε: the engine's unit, one person's whole record,
    whatever m); ``group`` (m·ε: group privacy, pure ε; a Laplace count that all m events
    change reaches it, so it cannot be improved in general); ``separate_counts`` (ε at ``delta``
    when each of the m events changes a different, separately noised Laplace count: m-fold
    composition by dp-accounting, the tighter accountant where that is how events enter).
    """
    grid = np.unique(np.r_[0, curve_points(max(int(largest), 1), points)])
    rows = [
        {
            "events": int(m),
            "person_level": epsilon,
            "group": int(m) * epsilon,
            "separate_counts": laplace_composition(epsilon, int(m), delta) if m > 0 else 0.0,
        }
        for m in grid
    ]
    return pd.DataFrame(rows)


def event_summary(events: np.ndarray, epsilon: float, delta: float) -> dict[str, Any]:
    """Who is least protected by an event-level ε: quantiles of m and what they mean.

    Returns the median, 90th and 99th percentile and maximum of purchases per person, each with
    its group-privacy loss m·ε, the share of people with more than one purchase (for whom an
    event-level ε is weaker than the engine's person-level ε) and the number of people.
    """
    events = np.asarray(events, dtype=np.int64)
    quantiles = {
        "median": float(np.quantile(events, 0.5)),
        "p90": float(np.quantile(events, 0.9)),
        "p99": float(np.quantile(events, 0.99)),
        "max": float(events.max()),
    }
    heaviest = events >= quantiles["p99"]
    return {
        "people": int(events.size),
        "mean": float(events.mean()),
        "quantiles": quantiles,
        "group_loss": {name: value * epsilon for name, value in quantiles.items()},
        "share_more_than_one": float((events > 1).mean()),
        "share_none": float((events == 0).mean()),
        "heaviest_share": float(heaviest.mean()),
        "heaviest_min_events": int(quantiles["p99"]),
        "heaviest_separate_counts": laplace_composition(
            epsilon, max(int(quantiles["p99"]), 1), delta
        ),
    }


assert [f.name for f in fields(Plan)] == [f.name for f in FIELDS], "table and type disagree"
assert all(getattr(Plan(), f.name) == f.default for f in FIELDS), "defaults disagree"
