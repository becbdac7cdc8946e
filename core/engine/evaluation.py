"""Evaluate a Scenario: train the private recommender, measure what personalisation is left.

:func:`evaluate` gives one Result for the Scenario's ε; :func:`frontier` gives one row per
(ε, repeat) for a list of ε. Both reuse everything that does not depend on the noise
(:class:`Workbench`: prepared data, the non-private twin, the floor, GaussianNB's sufficient
statistics, the forest's clipped training people), and draw only the noise per (ε, repeat). The
noise of repeat ``r`` at ``ε`` comes from its own seeded stream, so the current point and the
frontier agree exactly.

Budget: when some people opted out, 10% of ε releases the DP popularity list they receive and 90%
trains the model; otherwise the model gets all of ε. What is released and how ε is split depend on
the public setting only (:func:`releases_model`, :func:`budget_split`), never on how many people
the training split holds: a model is released whenever anyone may opt in, even if, by the coins,
nobody did (it is then noise only). Each repeat is a what-if of one release and gets its own
explicit ``BudgetAccountant``; ``epsilon_spent`` is what one release spent.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from diffprivlib.accountant import BudgetAccountant

from core.people.dataset import Dataset
from core.people.encoding import model_bounds
from core.people.population import Population
from core.privacy.controls import PreparedData, integer_seed, prepare, stream
from core.privacy.fast_forest import ForestData, draw_forest
from core.privacy.fast_lr import LRData, draw_releases
from core.privacy.fast_nb import NBStatistics, draw_parameters, joint_log_likelihood
from core.privacy.guarantee import guarantee, person_epsilon, person_guess_bound
from core.privacy.mechanisms import debias_counts
from core.privacy.metrics import membership_attack, membership_guess_bound, summarise, top_k_hits
from core.privacy.models import (
    RF_MAX_DEPTH,
    RF_TREES,
    Recommender,
    dp_popularity_counts,
    exact_popularity_counts,
    fit_nonprivate,
    fit_private,
    forest_recommender,
    lr_design,
    lr_probabilities,
    lr_recommender,
    nb_recommender,
)
from core.setting.scenario import Scenario
from core.setting.schema import Schema, load_schema

POPULARITY_BUDGET_SHARE = 0.1
ATTACK_SAMPLE = 2_000
_STREAM_NOISE, _STREAM_MODEL_SEED, _STREAM_POPULARITY, _STREAM_ATTACK = 10, 11, 12, 13

Progress = Callable[[float, str], None]


def releases_model(scenario: Scenario) -> bool:
    """Whether a release holds a model: whenever anyone may opt in (opt-out rate below 1).

    A public setting decides it, never the training split's size (which is private): with few or
    no people in training the model is still released, its noise calibrated as always.
    """
    return scenario.opt_out < 1


def budget_split(scenario: Scenario, epsilon: float) -> tuple[float, float]:
    """(ε for the model, ε for the popularity list) of one release, from the public setting only.

    The list is released when anyone may opt out, always as a central DP histogram: under local
    DP it counts the randomised reports, which hide what each person's record says (ε_local) but
    not whether they sent one, so the list needs its central share too (docs/privacy.md,
    "Local DP"). With everyone opted out (opt-out rate 1) no model is released and the list gets
    all of ε.
    """
    if not releases_model(scenario):
        return 0.0, epsilon
    if scenario.opt_out > 0:
        return epsilon * (1 - POPULARITY_BUDGET_SHARE), epsilon * POPULARITY_BUDGET_SHARE
    return epsilon, 0.0


def _epsilon_key(epsilon: float) -> int:
    # Part of a seed: the bits of ε rounded to 12 significant digits, so that 0.1 typed and 0.1
    # computed agree while every distinct ε (however small) gets its own noise stream.
    return int(np.float64(float(f"{epsilon:.12g}")).view(np.int64))


@dataclass
class Workbench:
    """Everything about a Scenario that does not depend on ε or the noise draw."""

    scenario: Scenario
    schema: Schema
    data: PreparedData
    nonprivate_scores: np.ndarray | None  # (n_test, n_classes), None if no one to train on
    nonprivate_model: Recommender | None  # the twin, read-only once fitted
    nonprivate_proba_members: np.ndarray | None
    floor_counts: np.ndarray
    # Local DP only: the plain model trained on the randomised reports, scored on the test people.
    local_plain_scores: np.ndarray | None
    # Random forest only: the same random trees with exact leaf labels (its structure's ceiling).
    structure_scores: np.ndarray | None
    attack_members: np.ndarray  # indices into train
    attack_non_members: np.ndarray  # indices into test (opted-in people only)
    nb_statistics: NBStatistics | None = None
    forest_data: ForestData | None = None
    lr_data: LRData | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def releases_model(self) -> bool:
        """A model is part of every release (public: the opt-out rate is below 1)."""
        return releases_model(self.scenario)


def build_workbench(
    scenario: Scenario,
    population: Population | None = None,
    schema: Schema | None = None,
    local_noise_draw: int = 0,
    dataset: Dataset | None = None,
    *,
    ceiling: Recommender | None = None,
) -> Workbench:
    """Prepare the data and fit what is noise-free (the twin, the floor, NB statistics).

    ``dataset`` (default: the built-in synthetic people) supplies the schema and the people.
    ``ceiling``: the twin when the caller already has it (it depends on the people and the data
    collected, not on local DP's noise: the same Scenario with local DP off has it).
    """
    if dataset is not None:
        schema = dataset.schema
        population = population or dataset.population_for(scenario)
    schema = schema or load_schema()
    data = prepare(scenario, population, schema, local_noise_draw)
    train, test = data.train, data.test
    rng = stream(scenario.seed, _STREAM_ATTACK)
    members = rng.permutation(len(train.y))[:ATTACK_SAMPLE]
    opted_in_test = np.flatnonzero(~test.opted_out)
    non_members = rng.permutation(opted_in_test)[:ATTACK_SAMPLE]
    nonprivate_scores = nonprivate_proba = twin = local_plain_scores = structure_scores = None
    nb_statistics = forest_data = lr_data = None
    model_seed = integer_seed(scenario.seed, _STREAM_MODEL_SEED)
    # What the private release needs is built from any training split, empty or not: whether a
    # model is released never depends on how many people trained it.
    if releases_model(scenario) and scenario.model == "random_forest":
        forest_data = ForestData.from_data(
            train.X, train.y, train.key, schema.n_classes, model_bounds(schema)
        )
    if releases_model(scenario) and scenario.model == "gaussian_nb":
        nb_statistics = NBStatistics.from_data(
            train.X, train.y, schema.n_classes, model_bounds(schema)
        )
    if releases_model(scenario) and scenario.model == "logistic_regression":
        lr_data = LRData.from_data(lr_design(train.X, schema), train.y, schema.n_classes)
    # The references (ceiling, plain model on the reports, the forest's structure) are exact
    # statistics, never released: they need people of two classes at least to be fitted.
    if len(np.unique(train.y)) >= 2:
        # The ceiling: the same people and the same data collected, with no noise at all (neither
        # the central model's nor the people's own local randomisation).
        exact_train, exact_test = data.exact_train, data.exact_test
        if ceiling is not None:
            twin = ceiling
        elif lr_data is not None and exact_train is train:
            twin = lr_recommender(lr_data.warm, schema)  # already solved: its warm start
        else:
            twin = fit_nonprivate(
                scenario.model, exact_train.X, exact_train.y, schema=schema, random_state=model_seed
            )
        nonprivate_scores = twin.score(exact_test.X, exact_test.observed)
        nonprivate_proba = {
            "members": twin.predict_proba(exact_train.X[members], exact_train.observed[members]),
            "non_members": twin.predict_proba(
                exact_test.X[non_members], exact_test.observed[non_members]
            ),
        }
        if scenario.local_epsilon > 0:
            plain = (
                lr_recommender(lr_data.warm, schema)
                if lr_data is not None
                else fit_nonprivate(
                    scenario.model, train.X, train.y, schema=schema, random_state=model_seed
                )
            )
            local_plain_scores = plain.score(test.X, test.observed)
        if forest_data is not None:
            # ε = ∞: random trees with exact majority labels; no noise, nothing released.
            structure = draw_forest(
                forest_data,
                n_trees=RF_TREES,
                max_depth=RF_MAX_DEPTH,
                epsilon=math.inf,
                rng=stream(scenario.seed, _STREAM_MODEL_SEED),
            )
            structure_scores = forest_recommender(structure).score(test.X, test.observed)
    return Workbench(
        scenario=scenario,
        schema=schema,
        data=data,
        nonprivate_scores=nonprivate_scores,
        nonprivate_model=twin,
        nonprivate_proba_members=nonprivate_proba,
        floor_counts=exact_popularity_counts(data.popularity_true_labels, schema.n_classes),
        local_plain_scores=local_plain_scores,
        structure_scores=structure_scores,
        attack_members=members,
        attack_non_members=non_members,
        nb_statistics=nb_statistics,
        forest_data=forest_data,
        lr_data=lr_data,
    )


def _popularity_scores(counts: np.ndarray, n_people: int) -> np.ndarray:
    # Tiny decreasing offsets break ties by class order, the same for everyone.
    ranked = counts - np.arange(len(counts)) * 1e-9
    return np.broadcast_to(ranked, (n_people, len(counts)))


@dataclass(frozen=True)
class Draw:
    """One private release at one ε: who got a right recommendation."""

    epsilon: float
    repeat: int
    top1: np.ndarray  # bool per test person
    top3: np.ndarray
    epsilon_spent: float
    member_confidence: np.ndarray | None = None
    non_member_confidence: np.ndarray | None = None


def fit_release(bench: Workbench, epsilon: float, repeat: int, accountant: BudgetAccountant):
    """Fit the private model of one release (draw ``repeat`` at ``epsilon``), spending on
    ``accountant``. Returns a Recommender, or None when the setting releases no model (everyone
    opts out); never None for lack of training people."""
    scenario = bench.scenario
    if not bench.releases_model:
        return None
    model_epsilon, _ = budget_split(scenario, epsilon)
    key = (_epsilon_key(epsilon), repeat)
    if bench.nb_statistics is not None:
        # Fast path: same distribution as diffprivlib's GaussianNB.fit (see fast_nb).
        accountant.check(model_epsilon, 0)
        params = draw_parameters(
            bench.nb_statistics, model_epsilon, 1, stream(scenario.seed, _STREAM_NOISE, *key)
        )
        accountant.spend(model_epsilon, 0)
        return nb_recommender(params)
    if bench.forest_data is not None:
        # Fast path: same distribution as fit_person_level_forest (see fast_forest).
        accountant.check(model_epsilon, 0)
        forest = draw_forest(
            bench.forest_data,
            n_trees=RF_TREES,
            max_depth=RF_MAX_DEPTH,
            epsilon=model_epsilon,
            rng=stream(scenario.seed, _STREAM_NOISE, *key),
        )
        accountant.spend(model_epsilon, 0)
        return forest_recommender(forest)
    if bench.lr_data is not None:
        # Fast path: the minimisers of PersonLevelLogisticRegression.fit (see fast_lr).
        accountant.check(model_epsilon, 0)
        coef, _ = draw_releases(
            bench.lr_data, model_epsilon, [integer_seed(scenario.seed, _STREAM_NOISE, *key)]
        )
        accountant.spend(model_epsilon, 0)
        return lr_recommender(coef[0], bench.schema)
    return fit_private(
        scenario.model,
        bench.data.train.X,
        bench.data.train.y,
        epsilon=model_epsilon,
        schema=bench.schema,
        random_state=integer_seed(scenario.seed, _STREAM_NOISE, *key),
        accountant=accountant,
        keys=bench.data.train.key,
    )


def release_popularity(
    bench: Workbench, epsilon: float, repeat: int, accountant: BudgetAccountant
) -> np.ndarray | None:
    """The DP popular-items counts of one release, or None when nobody opted out.

    Under local DP the histogram is of the people's randomised reports, then debiased
    (post-processing): ε_local hides what each report says, the central ε whether it was sent.
    """
    scenario = bench.scenario
    if scenario.opt_out == 0:
        return None
    _, popularity_epsilon = budget_split(scenario, epsilon)
    counts = dp_popularity_counts(
        bench.data.popularity_labels,
        epsilon=popularity_epsilon,
        n_classes=bench.schema.n_classes,
        random_state=integer_seed(scenario.seed, _STREAM_POPULARITY, _epsilon_key(epsilon), repeat),
        accountant=accountant,
    )
    if bench.data.popularity_from_reports:
        # A common shift and a positive scale of every count: the ranking served is unchanged.
        return debias_counts(
            counts, n_values=bench.schema.n_classes, epsilon=bench.data.local_epsilon_label
        )
    return counts


def _nb_releases(bench: Workbench, epsilon: float, repeats: Sequence[int]):
    """GaussianNB only: the parameters of every repeat at ``epsilon`` and their test scores,
    sampled together (each from its own stream: the same numbers as :func:`fit_release`)."""
    if bench.nb_statistics is None:
        return None
    model_epsilon, _ = budget_split(bench.scenario, epsilon)
    streams = [
        stream(bench.scenario.seed, _STREAM_NOISE, _epsilon_key(epsilon), repeat)
        for repeat in repeats
    ]
    params = draw_parameters(bench.nb_statistics, model_epsilon, len(streams), streams)
    test = bench.data.test
    return model_epsilon, params, joint_log_likelihood(params, test.X, test.observed)


def _lr_releases(bench: Workbench, epsilon: float, repeats: Sequence[int]):
    """Logistic regression only: every repeat's coefficients at ``epsilon`` solved together
    (each from its own seed: the same releases as :func:`fit_release`) and their test scores."""
    if bench.lr_data is None:
        return None
    model_epsilon, _ = budget_split(bench.scenario, epsilon)
    seeds = [
        integer_seed(bench.scenario.seed, _STREAM_NOISE, _epsilon_key(epsilon), repeat)
        for repeat in repeats
    ]
    coefs, _ = draw_releases(bench.lr_data, model_epsilon, seeds)
    design = bench._cache.get("lr_test_design")
    if design is None:
        design = bench._cache["lr_test_design"] = lr_design(bench.data.test.X, bench.schema)
    with np.errstate(divide="ignore"):
        scores = np.stack([np.log(lr_probabilities(coef, design)) for coef in coefs])
    return model_epsilon, coefs, scores


def private_draws(
    bench: Workbench, epsilon: float, repeats: Sequence[int], with_attack: bool = False
) -> list[Draw]:
    """One :class:`Draw` per repeat: a full release (model + popularity list) at ``epsilon``."""
    data = bench.data
    test = data.test
    released = []
    repeats = list(repeats)
    nb_releases = _nb_releases(bench, epsilon, repeats)
    lr_releases = _lr_releases(bench, epsilon, repeats)
    # Every repeat's scores in one array, ranked together at the end.
    if nb_releases is not None:
        stacked = nb_releases[2]
    elif lr_releases is not None:
        stacked = lr_releases[2]
    else:
        stacked = np.zeros((len(repeats), len(test.y), bench.schema.n_classes))
    for index, repeat in enumerate(repeats):
        accountant = BudgetAccountant()
        if nb_releases is not None:
            model_epsilon, params, all_scores = nb_releases
            accountant.check(model_epsilon, 0)
            accountant.spend(model_epsilon, 0)
            recommender = nb_recommender(params.draw(index))
            model_scores = all_scores[index]
        elif lr_releases is not None:
            model_epsilon, coefs, all_scores = lr_releases
            accountant.check(model_epsilon, 0)
            accountant.spend(model_epsilon, 0)
            recommender = lr_recommender(coefs[index], bench.schema)
            model_scores = all_scores[index]
        else:
            recommender = fit_release(bench, epsilon, repeat, accountant)
            model_scores = None
        counts = release_popularity(bench, epsilon, repeat, accountant)
        scores = stacked[index]
        member_conf = non_member_conf = None
        if recommender is not None:
            if model_scores is None:
                scores[:] = recommender.score(test.X, test.observed)
            members, non_members = bench.attack_members, bench.attack_non_members
            # The attack is an evaluation, not a release: it needs someone on both sides.
            if with_attack and len(members) and len(non_members):
                train = data.train
                proba_members = recommender.predict_proba(train.X[members], train.observed[members])
                proba_non = recommender.predict_proba(
                    test.X[non_members], test.observed[non_members]
                )
                member_conf = proba_members[np.arange(len(members)), train.y[members]]
                non_member_conf = proba_non[np.arange(len(non_members)), test.y[non_members]]
        if counts is not None:
            served = test.opted_out if recommender is not None else np.ones_like(test.opted_out)
            scores[served] = _popularity_scores(counts, int(served.sum()))
        released.append((repeat, accountant.total()[0], member_conf, non_member_conf))
    top1, top3 = top_k_hits(stacked, test.y, 1), top_k_hits(stacked, test.y, 3)
    return [
        Draw(
            epsilon=epsilon,
            repeat=repeat,
            top1=top1[index],
            top3=top3[index],
            epsilon_spent=spent,
            member_confidence=member_conf,
            non_member_confidence=non_member_conf,
        )
        for index, (repeat, spent, member_conf, non_member_conf) in enumerate(released)
    ]


# Kept for callers written against the first version of this module.
_private_draws = private_draws


def _groups(bench: Workbench) -> dict[str, np.ndarray]:
    test = bench.data.test
    groups = {name: test.segment == i for i, name in enumerate(bench.data.segment_names)}
    groups["opted_in"] = ~test.opted_out
    groups["opted_out"] = test.opted_out
    for index, (low, high, _) in enumerate(bench.data.age_bands):
        groups[f"age_{low}_{high}"] = test.age_band == index
    return groups


def _group_accuracy(hits: np.ndarray, mask: np.ndarray) -> float:
    return float(hits[mask].mean()) if mask.any() else math.nan


def frontier(
    bench: Workbench,
    epsilons: Sequence[float],
    repeats: int,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """One row per (ε, repeat): accuracy, hit@3 and per-group accuracy.

    Parameters
    ----------
    epsilons : sequence of float
        Central ε values, each > 0.
    repeats : int
        Noise draws per ε.
    progress : callable(fraction, message), optional
    """
    groups = _groups(bench)
    # Every group's hits in one product: exact, since the sums are of zeros and ones.
    members = np.array(list(groups.values()), dtype=float).reshape(len(groups), -1)
    sizes = members.sum(axis=1)
    rows = []
    for index, epsilon in enumerate(epsilons):
        for draw in private_draws(bench, float(epsilon), range(repeats)):
            row = {
                "epsilon": float(epsilon),
                "repeat": draw.repeat,
                "accuracy": float(draw.top1.mean()),
                "hit_at_3": float(draw.top3.mean()),
                "epsilon_spent": draw.epsilon_spent,
            }
            hits = members @ draw.top1
            for name, count, size in zip(groups, hits, sizes, strict=True):
                row[f"accuracy_{name}"] = float(count / size) if size else math.nan
            rows.append(row)
        if progress is not None:
            progress((index + 1) / len(epsilons), f"ε = {epsilon:g} done")
    return pd.DataFrame(rows)


def references(bench: Workbench) -> dict[str, float]:
    """Reference accuracies on the same test people; exact statistics, never released.

    ``nonprivate_*``: the ceiling, the twin on the same data collected with no noise at all;
    ``popularity_*``: the floor, the exact popular-items list for everyone; ``local_plain_*``
    (local DP only): a plain model on the randomised reports; ``structure_*`` (random forest
    only): the same random trees with exact leaf labels. Opted-out people get the floor's list.
    """
    test = bench.data.test
    floor_scores = _popularity_scores(bench.floor_counts, len(test.y))
    floor = {
        "popularity_accuracy": float(top_k_hits(floor_scores, test.y, 1).mean()),
        "popularity_hit_at_3": float(top_k_hits(floor_scores, test.y, 3).mean()),
    }
    opted_out = test.opted_out

    def personalised(scores: np.ndarray | None, prefix: str) -> dict[str, float]:
        if scores is None:
            return {}
        scores = scores.copy()
        scores[opted_out] = floor_scores[opted_out]
        return {
            f"{prefix}_accuracy": float(top_k_hits(scores, test.y, 1).mean()),
            f"{prefix}_hit_at_3": float(top_k_hits(scores, test.y, 3).mean()),
        }

    if bench.nonprivate_scores is None:
        # No reference model could be fitted (fewer than two classes in training): every
        # reference is the popular-items list.
        nobody = {
            f"{prefix}_{measure}": floor[f"popularity_{measure}"]
            for prefix in ("nonprivate", "local_plain", "structure")
            for measure in ("accuracy", "hit_at_3")
        }
        if bench.scenario.local_epsilon == 0:
            nobody = {k: v for k, v in nobody.items() if not k.startswith("local_plain")}
        if bench.scenario.model != "random_forest":
            nobody = {k: v for k, v in nobody.items() if not k.startswith("structure")}
        return {**floor, **nobody}
    return {
        **floor,
        **personalised(bench.nonprivate_scores, "nonprivate"),
        **personalised(bench.local_plain_scores, "local_plain"),
        **personalised(bench.structure_scores, "structure"),
    }


def evaluate(
    scenario: Scenario,
    bench: Workbench | None = None,
    population: Population | None = None,
    dataset: Dataset | None = None,
) -> dict:
    """Evaluate one Scenario at its ε over ``scenario.repeats`` noise draws.

    Returns
    -------
    dict
        ``accuracy`` (mean over draws), ``accuracy_std``, ``accuracy_quantiles``, ``hit_at_3``,
        ``hit_at_3_std``, ``nonprivate_accuracy``, ``popularity_accuracy``, ``epsilon_spent``,
        ``max_membership_guess``, ``membership_attack``, ``segments``, ``anonymity``,
        ``data_collected_share``, ``scenario`` and more; see the README for every key.
    """
    if bench is None or bench.scenario != _noise_free_part(scenario):
        bench = build_workbench(_noise_free_part(scenario), population, dataset=dataset)
    draws = private_draws(bench, scenario.epsilon, range(scenario.repeats), with_attack=True)
    accuracy = [d.top1.mean() for d in draws]
    hit3 = [d.top3.mean() for d in draws]
    spent = {d.epsilon_spent for d in draws}
    assert len(spent) == 1, "every repeat is the same release and must spend the same ε"
    epsilon_spent = spent.pop()
    groups = _groups(bench)
    segments = {}
    for name, mask in groups.items():
        values = [_group_accuracy(d.top1, mask) for d in draws]
        segments[name] = {
            "accuracy": float(np.mean(values)) if mask.any() else None,
            "accuracy_std": float(np.std(values, ddof=1))
            if mask.any() and len(values) > 1
            else 0.0,
            "people": int(mask.sum()),
        }
    model_epsilon, popularity_epsilon = budget_split(scenario, scenario.epsilon)
    result = {
        "accuracy": float(np.mean(accuracy)),
        "accuracy_std": summarise(accuracy)["std"],
        "accuracy_quantiles": summarise(accuracy),
        "accuracy_draws": [float(a) for a in accuracy],
        "hit_at_3": float(np.mean(hit3)),
        "hit_at_3_std": summarise(hit3)["std"],
        **references(bench),
        "epsilon_spent": float(epsilon_spent),
        "epsilon_model": model_epsilon,
        "epsilon_popularity": popularity_epsilon,
        "guarantee": guarantee(scenario, float(epsilon_spent)),
        # Per person: k·ε under k-anonymity (core.privacy.guarantee.person_epsilon), as on every
        # page.
        "person_epsilon": person_epsilon(scenario.k, epsilon_spent),
        "max_membership_guess": person_guess_bound(scenario.k, epsilon_spent),
        "posterior_odds_factor": math.exp(min(person_epsilon(scenario.k, epsilon_spent), 700)),
        "segments": segments,
        "membership_attack": _attack_report(bench, draws[0]),
        "anonymity": _anonymity_report(bench),
        "data_collected_share": bench.data.data_collected_share,
        "category_collected_share": bench.data.category_collected_share,
        "local_epsilon": scenario.local_epsilon,
        "local_max_membership_guess": (
            membership_guess_bound(scenario.local_epsilon) if scenario.local_epsilon > 0 else None
        ),
        "segment_names": list(bench.data.segment_names),
        "n_train": int(len(bench.data.train.y)),
        "n_test": int(len(bench.data.test.y)),
        "scenario": scenario.to_dict(),
    }
    return result


def measures(result: dict) -> dict:
    """The comparable numbers of one :func:`evaluate` result, flat: a grid or comparison row."""
    anonymity = result["anonymity"]["after"]
    return {
        "accuracy": result["accuracy"],
        "accuracy_std": result["accuracy_std"],
        "hit_at_3": result["hit_at_3"],
        "nonprivate_accuracy": result["nonprivate_accuracy"],
        "popularity_accuracy": result["popularity_accuracy"],
        **{
            f"accuracy_{name}": result["segments"][name]["accuracy"]
            for name in result.get("segment_names", ("majority", "minority"))
        },
        "epsilon_spent": result["epsilon_spent"],
        "max_membership_guess": result["max_membership_guess"],
        "reid_mean_risk": anonymity["mean_risk"],
        "reid_max_risk": anonymity["max_risk"],
        "data_collected_share": result["data_collected_share"],
    }


def _noise_free_part(scenario: Scenario) -> Scenario:
    """The Scenario with ε and repeats at defaults: what a Workbench depends on."""
    return scenario.replace(epsilon=1.0, repeats=1)


def workbench_key(scenario: Scenario) -> Scenario:
    """What a Scenario's Workbench depends on (everything but ε and repeats)."""
    return _noise_free_part(scenario)


def workbench_for(
    scenario: Scenario, population: Population | None = None, dataset: Dataset | None = None
) -> Workbench:
    """The Workbench of a Scenario (ε and repeats do not matter to it)."""
    return build_workbench(_noise_free_part(scenario), population, dataset=dataset)


# A worker process's last Workbench (grid cells, frontier workers): requests for the same people
# one after another reuse it. One entry per process: a worker serves one Scenario's ε in a row.
_last_workbench: dict[str, object] = {}


def last_workbench(scenario: Scenario, dataset: Dataset | None = None) -> Workbench:
    """The Workbench of ``scenario`` on ``dataset``, reused while consecutive calls share it."""
    key = (workbench_key(scenario), None if dataset is None else dataset.fingerprint)
    if _last_workbench.get("key") != key:
        _last_workbench.clear()
        _last_workbench.update(key=key, bench=workbench_for(scenario, dataset=dataset))
    return _last_workbench["bench"]


def forget_last_workbench() -> None:
    """Let the last Workbench go (its memory), e.g. when a grid run in this process is over."""
    _last_workbench.clear()


def _attack_report(bench: Workbench, draw: Draw) -> dict | None:
    if draw.member_confidence is None or bench.nonprivate_proba_members is None:
        return None
    if len(bench.attack_members) == 0 or len(bench.attack_non_members) == 0:
        return None
    train, test = bench.data.train, bench.data.test
    members, non_members = bench.attack_members, bench.attack_non_members
    twin = bench.nonprivate_proba_members
    return {
        "private": membership_attack(draw.member_confidence, draw.non_member_confidence),
        "nonprivate": membership_attack(
            twin["members"][np.arange(len(members)), train.y[members]],
            twin["non_members"][np.arange(len(non_members)), test.y[non_members]],
        ),
        "theoretical_max_guess": person_guess_bound(bench.scenario.k, draw.epsilon_spent),
    }


def _anonymity_report(bench: Workbench) -> dict:
    result = bench.data.anonymisation
    return {
        "k": result.k,
        "generalisation": result.describe_levels(),
        "share_suppressed": result.share_suppressed,
        "before": vars(result.before),
        "after": vars(result.after),
    }
