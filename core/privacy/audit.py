"""A privacy audit: many independent releases on neighbouring data sets, and the ε they prove.

Differential privacy promises that for any two data sets that differ in one person (``without``
and ``with_``, the second holding one more record, the *canary*), every event about the release
has probabilities within a factor e^ε of each other. An audit tests that promise from outside:

1. release the model many times on each data set, with fresh secret noise each time;
2. reduce every release to one number, the *score* (for naive Bayes, sums of per-component
   privacy-loss terms computed from the released parameters only: :func:`nb_scores`);
3. on one half of the runs, choose the score and the threshold ``t`` for the guess "the canary
   was in" (score >= t) that prove the most;
4. on the other half, bound the true- and false-positive rates with exact Clopper–Pearson
   intervals (each one-sided at (1 - confidence) / 2, so both hold together with ``confidence``
   by Bonferroni) and turn them into ε >= ln(TPR_low / FPR_high) and
   ε >= ln((1 - FPR_high) / (1 - TPR_low)), floored at 0.

If the mechanism is ε-DP, the reported bound exceeds ε with probability at most 1 - confidence,
whatever the score and however it and the threshold were chosen (the evaluation half never saw
the choice). A bound above the claim is evidence of a bug; a bound below it proves nothing about the
claim being tight: it is what this attack, on these data sets, with this many runs, can show.

The worst case is constructible on tiny data (:func:`worst_case_pair`): a canary at one corner
of the public bounds in a class whose other members sit at the opposite corner moves its class
count, sums and squared deviations by their full sensitivity. :data:`BROKEN_RELEASES` are
deliberately wrong variants the audit must catch (tests/core/test_audit.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

import numpy as np
from diffprivlib.accountant import BudgetAccountant
from scipy.stats import beta

from core.privacy.fast_nb import VAR_SMOOTHING, NBParameters, NBStatistics, draw_parameters
from core.privacy.mechanisms import bounded_domain_scale
from core.privacy.models import fit_private
from core.setting.schema import Feature, Schema

AUDIT_CONFIDENCE = 0.95
NB_TRIALS_PER_SIDE = 4_000  # fast path: thousands of releases take seconds
SLOW_TRIALS_PER_SIDE = 200  # diffprivlib fits of LR / RF on tiny data: ~a minute in all
_BATCH = 500

Progress = Callable[[float, str], None] | None
Release = Callable[[NBStatistics, int, np.random.Generator], NBParameters]


# -- statistics ------------------------------------------------------------------------------------
def one_sided_bounds(successes, trials: int, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper–Pearson) one-sided bounds of binomial proportions, each at level ``alpha``.

    ``successes`` may be an array. Returns (low, high) with P[p < low] <= alpha and
    P[p > high] <= alpha.
    """
    if trials <= 0:
        raise ValueError(f"The 'trials' parameter must be >= 1. Got {trials!r} instead.")
    k = np.asarray(successes, dtype=float)
    with np.errstate(invalid="ignore"):
        low = np.where(k == 0, 0.0, beta.ppf(alpha, np.maximum(k, 1), trials - k + 1))
        high = np.where(k == trials, 1.0, beta.ppf(1 - alpha, k + 1, np.maximum(trials - k, 1)))
    return low, high


def epsilon_from_rates(
    true_positives, false_positives, trials: int, confidence: float = AUDIT_CONFIDENCE
):
    """Lower bound on ε, at ``confidence``, from one threshold's counts on ``trials`` runs a side.

    ε-DP implies TPR <= e^ε·FPR and 1 - FPR <= e^ε·(1 - TPR). Both inequalities hold for the
    true rates; with TPR >= TPR_low and FPR <= FPR_high (each failing with probability at most
    (1 - confidence) / 2, Bonferroni), both bounds below are valid at once, so their maximum is
    too. Floored at 0. Arrays of counts give an array of bounds.
    """
    alpha = (1 - confidence) / 2
    tpr_low, _ = one_sided_bounds(true_positives, trials, alpha)
    _, fpr_high = one_sided_bounds(false_positives, trials, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.log(tpr_low / fpr_high)
        second = np.log((1 - fpr_high) / (1 - tpr_low))
    bound = np.maximum(0.0, np.fmax(np.nan_to_num(first, nan=0.0), np.nan_to_num(second, nan=0.0)))
    return float(bound) if bound.ndim == 0 else bound


def power_limit(trials: int, confidence: float = AUDIT_CONFIDENCE) -> float:
    """The largest ε bound ``trials`` evaluation runs a side can ever show.

    Reached by a perfect attack (every canary release caught, no false alarm): then
    FPR_high = 1 - ((1 - confidence) / 2)^(1/N) ≈ 3.7 / N at 95%.
    """
    return float(epsilon_from_rates(trials, 0, trials, confidence))


def chance_some_audit_exceeds(n_audits: int, confidence: float = AUDIT_CONFIDENCE) -> float:
    """The most likely that at least one of ``n_audits`` independent audits of an ε-DP mechanism
    shows a bound above ε: 1 − confidence^n (each alone exceeds it with at most 1 − confidence)."""
    return 1.0 - confidence**n_audits


def one_audit_words(confidence: float = AUDIT_CONFIDENCE) -> str:
    """What one audit's bound is, said beside it: one run of the audit, not the best of several."""
    return (
        f"This is one audit, with one seed: its bound holds with {confidence:.0%} confidence on "
        "its own. Another seed gives another bound. Running several audits and quoting the "
        "largest is not a statement at that confidence: each extra audit is one more chance to "
        "land above the truth."
    )


def seed_range_words(bounds, seeds, confidence: float = AUDIT_CONFIDENCE) -> str:
    """What a range of audit bounds over seeds is, in words.

    Parameters
    ----------
    bounds : sequence of float
        ε lower bound of each separate audit (one per seed).
    seeds : sequence of int
        The seeds, in the same order.

    The range is the lowest and the highest of separate audits. It is not a confidence interval,
    and it is not a joint statement: each bound alone holds with ``confidence``, while the
    highest of n can exceed the true ε with probability up to 1 − confidence^n.
    """
    bounds = [float(b) for b in bounds]
    n = len(bounds)
    chance = chance_some_audit_exceeds(n, confidence)
    return (
        f"{min(bounds):.2f}–{max(bounds):.2f} is the lowest and the highest ε bound of {n} "
        f"separate audits (seeds {seeds[0]}–{seeds[-1]}), each a {confidence:.0%} lower bound "
        f"on its own. It is not a confidence interval for ε, nor a joint {confidence:.0%} "
        f"statement: for a mechanism that is exactly ε-DP, the highest of {n} can exceed ε with "
        f"probability up to 1 − {confidence:g}^{n} = {chance:.0%}."
    )


@dataclass(frozen=True)
class AuditResult:
    """What an audit shows: ε >= ``epsilon_lower_bound`` with ``confidence``."""

    mechanism: str
    claimed_epsilon: float
    epsilon_lower_bound: float
    confidence: float
    trials_per_side: int  # releases on each data set (selection + evaluation)
    evaluation_trials: int  # per side, used for the bound
    power_limit: float  # the most these evaluation trials could show
    score: str  # the candidate score the selection half chose
    threshold: float
    true_positive_rate: float  # on the evaluation half
    false_positive_rate: float
    canary: str  # the record added, in words

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def exceeds_claim(self) -> bool:
        return self.epsilon_lower_bound > self.claimed_epsilon


def audit_scores(
    scores_without: Mapping[str, np.ndarray] | np.ndarray,
    scores_with: Mapping[str, np.ndarray] | np.ndarray,
    *,
    claimed_epsilon: float,
    mechanism: str,
    canary: str,
    confidence: float = AUDIT_CONFIDENCE,
) -> AuditResult:
    """Turn scores of independent releases (higher = "canary in") into an :class:`AuditResult`.

    ``scores_*`` are one array of scores per run, or several named candidate scores of the same
    runs. The first half of the runs of each side chooses the score and the threshold; only the
    second half, which played no part in the choice, gives the bound.
    """
    if not isinstance(scores_without, Mapping):
        scores_without, scores_with = {"score": scores_without}, {"score": scores_with}
    if set(scores_without) != set(scores_with) or not scores_with:
        raise ValueError("The audit needs the same named scores on both sides.")
    out = {name: np.asarray(v, dtype=float) for name, v in scores_without.items()}
    inn = {name: np.asarray(v, dtype=float) for name, v in scores_with.items()}
    n_runs = {len(v) for v in (*out.values(), *inn.values())}
    if len(n_runs) != 1 or min(n_runs) < 4:
        raise ValueError(
            "The audit needs as many runs without as with the canary, at least 4 a side. "
            f"Got {sorted(n_runs)} runs instead."
        )
    half = n_runs.pop() // 2

    def bound(out_scores, in_scores, thresholds):
        in_sorted, out_sorted = np.sort(in_scores), np.sort(out_scores)
        tp = len(in_sorted) - np.searchsorted(in_sorted, thresholds, side="left")
        fp = len(out_sorted) - np.searchsorted(out_sorted, thresholds, side="left")
        return epsilon_from_rates(tp, fp, len(in_scores), confidence)

    best = (-1.0, "", 0.0)
    for name in sorted(out):
        choose_out, choose_in = out[name][:half], inn[name][:half]
        # Every distinct score of the selection half is a candidate threshold ("in" if >= it).
        candidates = np.unique(np.r_[choose_out, choose_in])
        found = np.atleast_1d(bound(choose_out, choose_in, candidates))
        if found.max() > best[0]:
            best = (float(found.max()), name, float(candidates[np.argmax(found)]))
    _, name, threshold = best
    test_out, test_in = out[name][half:], inn[name][half:]
    n_eval = len(test_in)
    return AuditResult(
        mechanism=mechanism,
        claimed_epsilon=float(claimed_epsilon),
        epsilon_lower_bound=float(bound(test_out, test_in, np.array([threshold]))[0]),
        confidence=confidence,
        trials_per_side=half + n_eval,
        evaluation_trials=n_eval,
        power_limit=power_limit(n_eval, confidence),
        score=name,
        threshold=threshold,
        true_positive_rate=float(np.mean(test_in >= threshold)),
        false_positive_rate=float(np.mean(test_out >= threshold)),
        canary=canary,
    )


# -- Gaussian naive Bayes: the score ------------------------------------------------------------
def estimate_counts(
    class_prior: np.ndarray, totals: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Class counts most consistent with released priors, given the two candidate data sizes.

    The prior is integer counts / their sum, so ``prior x T`` is all-integer exactly for the
    totals T the counts could have had (the true one and its multiples of the reduced
    denominator). The total chosen is the one nearest to either data set's size, searched
    outwards from them. Returns (counts (n_draws, n_classes), totals (n_draws,)).
    """
    prior = np.asarray(class_prior, dtype=float)
    counts = np.zeros_like(prior)
    chosen = np.zeros(len(prior))
    unresolved = np.ones(len(prior), dtype=bool)
    low, high = min(totals), max(totals)
    for offset in range(0, 100 * high + 1_000):
        for candidate in dict.fromkeys((low - offset, high + offset)):
            if candidate < 1 or not unresolved.any():
                continue
            scaled = prior[unresolved] * candidate
            # prior x T carries a float error of a few T·1e-16, while a count that is not whole
            # is at least 1/T from an integer: 1e-9 separates the two for totals up to ~1e6.
            whole = np.all(np.abs(scaled - np.rint(scaled)) < 1e-9, axis=1)
            rows = np.flatnonzero(unresolved)[whole]
            counts[rows] = np.rint(scaled[whole])
            chosen[rows] = candidate
            unresolved[rows] = False
        if not unresolved.any():
            break
    return counts, chosen


def _evidence(released, value_without, value_with, sensitivity) -> np.ndarray:
    """Laplace privacy-loss shape: -1 (looks like ``without``) ... +1 (looks like ``with_``).

    (|y - a| - |y - b|) / sensitivity, clipped to [-1, 1]; 0 where the two data sets agree.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (np.abs(released - value_without) - np.abs(released - value_with)) / sensitivity
    return np.clip(np.nan_to_num(ratio, nan=0.0), -1.0, 1.0)


def _bounded_domain_evidence(released, value_without, value_with, *, sensitivity, upper, epsilon):
    """Privacy loss of a bounded-domain Laplace output on [0, ``upper``], in [-1, 1] units of ε.

    Near the domain's edges the normalising constants of the two densities differ, so the loss is
    not the plain Laplace shape: log f_with(y) - log f_without(y), with diffprivlib's scale.
    """
    scale = bounded_domain_scale(epsilon, sensitivity, 0.0, upper)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):

        def log_density(centre):
            centre = np.clip(centre, 0.0, upper)
            mass = scale * (2 - np.exp(-centre / scale) - np.exp(-(upper - centre) / scale))
            return -np.abs(released - centre) / scale - np.log(mass)

        loss = (log_density(value_with) - log_density(value_without)) / epsilon
    return np.clip(np.nan_to_num(loss, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)


def nb_evidence_terms(
    params: NBParameters, without: NBStatistics, with_: NBStatistics, epsilon: float
) -> dict[str, np.ndarray]:
    """Evidence that a naive Bayes release came from ``with_``, per component, one value a draw.

    Each term is that component's privacy loss (log-likelihood ratio ``with_`` : ``without``)
    under the mechanism at its share of the claimed ``epsilon``, so it lies within ± that share:
    the class counts (ε/3, two-sided geometric), every class-and-column sum (ε/3 over the
    columns, Laplace clamped to the bounds) and squared deviation (the same share,
    bounded-domain Laplace). ``"total count"`` (± ε/3) is the evidence of the counts' sum, which
    an honest release blurs and a release with the exact n gives away. Counts are read off the
    released prior (:func:`estimate_counts`); sums and squared deviations are the released mean
    and variance times those counts. Only the release and the two candidate data sets are used,
    never the noise.
    """
    n_columns = without.sums.shape[1]
    totals = (int(without.n_total), int(with_.n_total))
    counts, total = estimate_counts(params.class_prior, totals)
    count_share, column_share = epsilon / 3, epsilon / 3 / n_columns
    theta = params.theta
    lower, upper = without.lower, without.upper
    counts_3d = counts[:, :, None]

    def squared_deviations(stats):  # around the *released* mean, as the mechanism does
        return np.maximum(
            stats.sums_of_squares - 2 * theta * stats.sums + stats.counts[:, None] * theta**2, 0.0
        )

    sensitivity = np.maximum(theta - lower, upper - theta) ** 2
    variance_evidence = _bounded_domain_evidence(
        np.maximum(params.var - VAR_SMOOTHING, 0.0) * counts_3d,
        squared_deviations(without),
        squared_deviations(with_),
        sensitivity=sensitivity,
        upper=sensitivity * np.maximum(counts_3d, 1.0),
        epsilon=column_share,
    )
    sum_evidence = _evidence(theta * counts_3d, without.sums, with_.sums, upper - lower)
    return {
        "total count": count_share * _evidence(total, totals[0], totals[1], 1.0),
        "class counts": count_share
        * _evidence(counts, without.counts, with_.counts, 1.0).sum(axis=1),
        "sums": column_share * sum_evidence.sum(axis=(1, 2)),
        "squared deviations": column_share * variance_evidence.sum(axis=(1, 2)),
    }


def nb_scores(
    params: NBParameters, without: NBStatistics, with_: NBStatistics, epsilon: float
) -> dict[str, np.ndarray]:
    """The attack's candidate scores (higher = "the canary was in"); the audit keeps the best.

    ``"privacy loss"``: the sum of the per-release terms of :func:`nb_evidence_terms` (when the
    counts are read right, the release's log-likelihood ratio: the most powerful test against a
    correct release);
    ``"data size"``: the total-count term alone; ``"all evidence"``: both.
    """
    terms = nb_evidence_terms(params, without, with_, epsilon)
    loss = terms["class counts"] + terms["sums"] + terms["squared deviations"]
    return {
        "privacy loss": loss,
        "data size": terms["total count"],
        "all evidence": loss + terms["total count"],
    }


# -- Gaussian naive Bayes: data sets and releases ------------------------------------------------
def add_record(stats: NBStatistics, record: np.ndarray, label: int) -> NBStatistics:
    """``stats`` with one more person (``record`` clipped to the public bounds, class ``label``)."""
    x = np.clip(np.asarray(record, dtype=float), stats.lower, stats.upper)
    counts, sums, squares = stats.counts.copy(), stats.sums.copy(), stats.sums_of_squares.copy()
    counts[label] += 1
    sums[label] += x
    squares[label] += x * x
    return NBStatistics(
        counts=counts,
        sums=sums,
        sums_of_squares=squares,
        lower=stats.lower,
        upper=stats.upper,
        n_total=stats.n_total + 1,
    )


@dataclass(frozen=True)
class TinyData:
    """A tiny data set and its canary, with the worst case built in."""

    X: np.ndarray  # (n, n_columns) in [0, 1]
    y: np.ndarray
    canary: np.ndarray  # (n_columns,)
    canary_label: int
    n_classes: int
    description: str

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        n_columns = self.X.shape[1]
        return np.zeros(n_columns), np.ones(n_columns)

    def nb_pair(self) -> tuple[NBStatistics, NBStatistics]:
        without = NBStatistics.from_data(self.X, self.y, self.n_classes, self.bounds)
        return without, add_record(without, self.canary, self.canary_label)


def worst_case_pair(
    members_per_class: int = 3, n_columns: int = 1, canary_class_members: int | None = None
) -> TinyData:
    """Two classes on ``n_columns`` columns in [0, 1]; the canary at the upper corner of class 0.

    Class 0's other members (``canary_class_members``, default ``members_per_class``; 0 makes
    class 0 absent without the canary) sit at the lower corner, class 1's at the upper corner.
    Adding the canary moves class 0's count by 1, its sums by 1 per column (the sensitivity
    upper - lower) and its squared deviations by (1 - mean)^2, the full sensitivity while the
    released mean is below 1/2.
    """
    in_class_0 = members_per_class if canary_class_members is None else canary_class_members
    X = np.r_[np.zeros((in_class_0, n_columns)), np.ones((members_per_class, n_columns))]
    y = np.r_[np.zeros(in_class_0, dtype=int), np.ones(members_per_class, dtype=int)]
    return TinyData(
        X=X,
        y=y,
        canary=np.ones(n_columns),
        canary_label=0,
        n_classes=2,
        description=(
            f"{in_class_0} + {members_per_class} people on {n_columns} column(s) in [0, 1]; "
            "the canary at the upper corner in the class whose other members sit at the lower one"
        ),
    )


def nb_release(epsilon: float) -> Release:
    """The app's naive Bayes release at ``epsilon`` (the fast path, :func:`draw_parameters`)."""
    return lambda stats, n_draws, rng: draw_parameters(stats, epsilon, n_draws, rng)


def fix_count_total(noisy_counts: np.ndarray, n_total: int) -> np.ndarray:
    """BROKEN reference: diffprivlib's ``_noisy_class_counts`` post-processing.

    Moves noisy counts one at a time (kept in [1, n_total]) until they add up to the exact
    ``n_total``: the released prior is then counts / n_total, and prior x m is all-integer only
    for m = n_total, which reveals the exact size of the training set.
    """
    if n_total < len(noisy_counts):
        raise ValueError(
            f"The 'n_total' parameter must be >= the number of classes ({len(noisy_counts)}). "
            f"Got {n_total!r} instead."
        )
    noisy_counts = np.clip(np.asarray(noisy_counts, dtype=float), 1, n_total)
    order = np.argsort(noisy_counts)
    i = 0 if noisy_counts.sum() > n_total else len(noisy_counts) - 1
    while noisy_counts.sum() != n_total:
        position = order[i]
        step = np.sign(n_total - noisy_counts.sum())
        noisy_counts[position] = np.clip(noisy_counts[position] + step, 1, n_total)
        i = int((i - step) % len(noisy_counts))
    return noisy_counts


def exact_n_release(epsilon: float) -> Release:
    """BROKEN: the release at ``epsilon`` with its prior rescaled to the exact training-set size.

    Counts read off the released prior at the true n, then :func:`fix_count_total`: the prior
    becomes integer counts / n, as in diffprivlib 0.6.6 and this app before issue 11.
    """

    def release(stats, n_draws, rng):
        params = draw_parameters(stats, epsilon, n_draws, rng)
        n = int(stats.n_total)
        counts = np.stack([fix_count_total(np.rint(p * n), n) for p in params.class_prior])
        return NBParameters(params.theta, params.var, counts / n)

    return release


def absent_class_release(epsilon: float) -> Release:
    """BROKEN: a class with no training member released exactly (prior 0, no noise).

    As diffprivlib's GaussianNB (``np.unique(y)``) and this app before issue 11 did.
    """

    def release(stats, n_draws, rng):
        params = draw_parameters(stats, epsilon, n_draws, rng)
        absent = stats.counts == 0
        theta, var, prior = params.theta.copy(), params.var.copy(), params.class_prior.copy()
        theta[:, absent], var[:, absent], prior[:, absent] = 0.0, VAR_SMOOTHING, 0.0
        return NBParameters(theta, var, prior / prior.sum(axis=1, keepdims=True))

    return release


def double_epsilon_release(epsilon: float, factor: float = 2.0) -> Release:
    """BROKEN: claims ``epsilon`` but draws the noise for ``factor`` x ``epsilon``."""
    return nb_release(factor * epsilon)


BROKEN_RELEASES: dict[str, Callable[[float], Release]] = {
    "exact n": exact_n_release,
    "noise at 2ε": double_epsilon_release,
    "absent class exact": absent_class_release,
}


def audit_nb(
    without: NBStatistics,
    with_: NBStatistics,
    epsilon: float,
    *,
    release: Release | None = None,
    trials_per_side: int = NB_TRIALS_PER_SIDE,
    seed: int = 0,
    mechanism: str = "GaussianNB (fast path)",
    canary: str = "",
    confidence: float = AUDIT_CONFIDENCE,
    progress: Progress = None,
) -> AuditResult:
    """Audit a naive Bayes release that claims ``epsilon``-DP on the pair (``without``, ``with_``).

    ``release`` (default: the app's, :func:`nb_release`) is called in batches with fresh noise;
    every draw is one independent release. ``seed`` makes the audit reproducible: the audit's
    noise is the auditor's, never the Scenario's noise streams.
    """
    if not epsilon > 0:
        raise ValueError(f"The 'epsilon' parameter must be > 0. Got {epsilon!r} instead.")
    if trials_per_side < 4:
        raise ValueError(f"The 'trials_per_side' parameter must be >= 4. Got {trials_per_side!r}.")
    release = release or nb_release(epsilon)
    rng = np.random.default_rng(seed)
    batches = {"without": [], "with": []}
    done, total = 0, 2 * trials_per_side
    for start in range(0, trials_per_side, _BATCH):
        size = min(_BATCH, trials_per_side - start)
        for side, stats in (("without", without), ("with", with_)):
            params = release(stats, size, rng)
            batches[side].append(nb_scores(params, without, with_, epsilon))
            done += size
            if progress is not None:
                progress(done / total, f"{done:,} of {total:,} releases")

    def joined(side):
        return {name: np.concatenate([b[name] for b in batches[side]]) for name in batches[side][0]}

    return audit_scores(
        joined("without"),
        joined("with"),
        claimed_epsilon=epsilon,
        mechanism=mechanism,
        canary=canary,
        confidence=confidence,
    )


# -- slow models: real diffprivlib fits ----------------------------------------------------------
def tiny_schema(n_columns: int, n_classes: int) -> Schema:
    """A public schema for tiny audit data: numeric columns in [0, 1], classes "0", "1", …"""
    features = tuple(
        Feature(name=f"x{i}", category="demographics", type="numeric", label=f"x{i}")
        for i in range(n_columns)
    )
    classes = tuple(str(c) for c in range(n_classes))
    return Schema(features=features, classes=classes, class_labels=classes, category_info={})


def audit_fitted_model(
    model: str,
    epsilon: float,
    *,
    data: TinyData | None = None,
    trials_per_side: int = SLOW_TRIALS_PER_SIDE,
    seed: int = 0,
    confidence: float = AUDIT_CONFIDENCE,
    progress: Progress = None,
) -> AuditResult:
    """Audit a diffprivlib model as the app fits it (:func:`core.privacy.models.fit_private`) on
    tiny data.

    Each run is a real fit with its own integer ``random_state``. The score is the released
    model's log-odds of the canary's class at the canary's record (what a membership attacker
    reads off a model); higher means "the canary was in".
    """
    if not epsilon > 0:
        raise ValueError(f"The 'epsilon' parameter must be > 0. Got {epsilon!r} instead.")
    data = data or worst_case_pair(members_per_class=3, n_columns=2)
    schema = tiny_schema(data.X.shape[1], data.n_classes)
    # The canary goes first: a model that placed people by row position (diffprivlib's forest
    # slices rows into trees) would see every later row move, the worst place to add someone.
    X_with = np.r_[data.canary[None], data.X]
    y_with = np.r_[data.canary_label, data.y]
    # Everyone keeps their own public key (the forest places people in trees by it).
    keys_without = np.arange(len(data.y))
    keys_with = np.r_[len(data.y), keys_without]
    probe = data.canary[None]
    observed = np.ones_like(probe, dtype=bool)
    seeds = np.random.default_rng(seed).integers(0, 2**31 - 1, size=(2, trials_per_side))
    scores = np.empty((2, trials_per_side))
    total = 2 * trials_per_side
    for i in range(trials_per_side):
        sides = ((data.X, data.y, keys_without), (X_with, y_with, keys_with))
        for side, (X, y, keys) in enumerate(sides):
            recommender = fit_private(
                model,
                X,
                y,
                epsilon=epsilon,
                schema=schema,
                random_state=int(seeds[side, i]),
                accountant=BudgetAccountant(),
                keys=keys,
            )
            p = float(
                np.clip(
                    recommender.predict_proba(probe, observed)[0, data.canary_label],
                    1e-12,
                    1 - 1e-12,
                )
            )
            scores[side, i] = math.log(p / (1 - p))
        if progress is not None:
            progress(2 * (i + 1) / total, f"{2 * (i + 1):,} of {total:,} fits")
    return audit_scores(
        scores[0],
        scores[1],
        claimed_epsilon=epsilon,
        mechanism=f"{model} (diffprivlib, tiny data)",
        canary=data.description,
        confidence=confidence,
    )


# -- the current Scenario ------------------------------------------------------------------------
def scenario_canary(stats: NBStatistics) -> tuple[np.ndarray, int]:
    """The canary added to a Scenario's training data: the upper corner of the public bounds,
    in the class with the fewest members (an absent class if there is one).

    Not a person the schema would generate (every one-hot column at 1), but a record inside the
    public bounds, which is all the guarantee assumes; it moves every sum and most squared
    deviations of its class by their full sensitivity.
    """
    return stats.upper.copy(), int(np.argmin(stats.counts))


def audit_workbench(
    bench,
    model_epsilon: float,
    *,
    nb_trials_per_side: int = NB_TRIALS_PER_SIDE,
    slow_trials_per_side: int = SLOW_TRIALS_PER_SIDE,
    seed: int = 0,
    progress: Progress = None,
    release: Callable[[float], Release] = nb_release,
) -> AuditResult | None:
    """Audit the model release of a :class:`core.engine.Workbench` at ``model_epsilon``.

    GaussianNB: the Workbench's own training statistics, with and without one added canary
    (:func:`scenario_canary`), released ``nb_trials_per_side`` times each by the fast path. This
    audits the released NB parameters for this data set, assuming an attacker who knows every
    other training record and the canary, and noise the attacker cannot regenerate (the audit
    draws its own, not the Scenario's seeded streams). Logistic regression and random forest
    refit diffprivlib per run, too slow on the Scenario's data: they are audited on the tiny
    worst-case data instead (:func:`audit_fitted_model`). Returns None when the setting releases
    no model (everyone opts out).
    ``release`` makes the naive Bayes release at an ε (the app's by default; the tests pass the
    broken references to show the audit catches them on the app's own data too).
    """
    if not bench.releases_model:
        return None
    if bench.nb_statistics is None:
        return audit_fitted_model(
            bench.scenario.model,
            model_epsilon,
            trials_per_side=slow_trials_per_side,
            seed=seed,
            progress=progress,
        )
    without = bench.nb_statistics
    record, label = scenario_canary(without)
    return audit_nb(
        without,
        add_record(without, record, label),
        model_epsilon,
        release=release(model_epsilon),
        trials_per_side=nb_trials_per_side,
        seed=seed,
        mechanism="GaussianNB on this Scenario's training data",
        canary=(
            f"one added person of class {bench.schema.class_label(label)!r} (the class with the "
            "fewest members) with every column at its public upper bound"
        ),
        progress=progress,
    )
