"""Cached core calls: the session's data and every st.cache_data/st.cache_resource wrapper.

Caching lives here, bounded, keyed by the (hashable) Scenario and the dataset's fingerprint; core
stays cache-free. The cached functions are private (``_frontier``); the ones pages call
(``get_frontier``, ``frontier_for``, …) pass the session's dataset, normalise ε where the result
does not depend on it, and show progress. Also here: the words pages use about the current data,
and the warm-up of the default Scenario's caches (serve.py).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from core.engine import (
    Workbench,
    budget_split,
    evaluate,
    frontier,
    lenses,
    references,
    workbench_for,
)
from core.engine.persona import Persona, load_personas, persona_report, personas_from
from core.people.dataset import Dataset, builtin
from core.people.population import Population
from core.presentation.export import data_note
from core.privacy.audit import audit_workbench
from core.setting.scenario import EPSILON_STOPS, Scenario
from core.setting.schema import CATEGORIES
from core.store.storage import ScenarioStore, StorageError, database_url
from ui.display import chart_placeholder, plain


# -- the data: built-in synthetic people, or an upload held in this session only -----------------
def current_dataset() -> Dataset:
    """The session's uploaded Dataset, else the built-in synthetic people."""
    return st.session_state.get("dataset") or _builtin_dataset()


@st.cache_resource
def _builtin_dataset() -> Dataset:
    return builtin()


def use_dataset(dataset: Dataset) -> None:
    """Run every page of this session on ``dataset`` (kept in the session only)."""
    st.session_state["dataset"] = dataset


def use_builtin_data() -> None:
    """Callback: back to the built-in synthetic people."""
    st.session_state.pop("dataset", None)


# Caches key a Dataset by its fingerprint (hash of the parsed table and mapping), not its content.
# The entries live in this process's memory only; without the exact file nobody can reach them.
_BY_FINGERPRINT = {Dataset: lambda dataset: dataset.fingerprint}


# -- cached core calls (bounded; keyed by the hashable Scenario and the dataset) -----------------
# A 1M-profile workbench holds ~260 MB: 4 entries bound the process to about 1 GB of them.
@st.cache_resource(
    max_entries=4,
    ttl=1200,
    show_spinner="Preparing the people and training…",
    hash_funcs=_BY_FINGERPRINT,
)
def _workbench(scenario: Scenario, dataset: Dataset) -> Workbench:
    # Read-only after construction (arrays and a fitted twin's scores), safe to share between
    # sessions; the private models are refitted per draw and never cached here.
    return workbench_for(scenario, dataset=dataset)


def get_workbench(scenario: Scenario) -> Workbench:
    return _workbench(scenario, current_dataset())


def noise_free(scenario: Scenario) -> Scenario:
    return scenario.replace(epsilon=1.0)


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False, hash_funcs=_BY_FINGERPRINT)
def _frontier(scenario: Scenario, dataset: Dataset) -> pd.DataFrame:
    return frontier(_workbench(scenario, dataset), EPSILON_STOPS, scenario.repeats)


def get_frontier(scenario: Scenario) -> pd.DataFrame:
    """Frontier over the ε stops for everything in ``scenario`` except ε (callers normalise)."""
    return _frontier(scenario, current_dataset())


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False, hash_funcs=_BY_FINGERPRINT)
def _references(scenario: Scenario, dataset: Dataset) -> dict:
    return references(_workbench(scenario, dataset))


def references_for(scenario: Scenario) -> dict:
    """Ceiling and floor of ``scenario`` (they do not depend on ε)."""
    return _references(noise_free(scenario), current_dataset())


@st.cache_data(
    max_entries=64,
    ttl=3600,
    show_spinner="Evaluating this setting…",
    hash_funcs=_BY_FINGERPRINT,
)
def _evaluation(scenario: Scenario, dataset: Dataset) -> dict:
    return evaluate(scenario, _workbench(scenario, dataset))


def get_evaluation(scenario: Scenario) -> dict:
    return _evaluation(scenario, current_dataset())


def open_store(opener):
    """``opener(database_url())``, or the store's message and a stop of this page run."""
    try:
        return opener(database_url())
    except StorageError as error:
        st.error(str(error), icon=":material/database:")
        st.stop()


@st.cache_resource(max_entries=4)
def _store_at(url: str) -> ScenarioStore:
    # One per database for the process: SQLite opens a connection per operation, PostgreSQL
    # keeps a small pool.
    return ScenarioStore(url)


def get_store() -> ScenarioStore:
    """The saved-scenario store: $PTE_DATABASE_URL, else SQLite in $PTE_DATA_DIR or var/.

    A store that cannot be opened (a bad URL, a database that does not answer) stops this page
    with the reason; the other pages keep working."""
    return open_store(_store_at)


# -- the lenses, cached one setting at a time so a progress bar can follow them --------------------
# Lens pages compute this many settings at a time, on threads of the page's script run: NumPy
# releases the GIL in its products and array operations, so two settings use both cores.
LENS_THREADS = 2


@st.cache_resource(max_entries=2, ttl=1200, hash_funcs=_BY_FINGERPRINT)
def _people(profiles: int, seed: int, dataset: Dataset) -> Population:
    # Read-only once generated: every lens setting of one Scenario shares its people.
    return dataset.population_for(Scenario(profiles=profiles, seed=seed))


def _people_of(scenario: Scenario, dataset: Dataset) -> Population:
    return _people(scenario.profiles, scenario.seed, dataset)


@st.cache_data(max_entries=128, ttl=3600, show_spinner=False, hash_funcs=_BY_FINGERPRINT)
def _consent_setting(varied: Scenario, dataset: Dataset) -> pd.DataFrame:
    # Keyed by the setting reached, not by which category was moved to reach it: at 100% every
    # category's point is the same setting (the default), computed once.
    category = CATEGORIES[0]
    population = _people_of(varied, dataset)
    return lenses.consent_point(
        varied, category, varied.consent(category), dataset, population=population
    )


def consent_point(scenario: Scenario, category: str, rate: float) -> pd.DataFrame:
    varied = scenario.replace(**{f"consent_{category}": float(rate)})
    rows = _consent_setting(varied, current_dataset())
    return rows.assign(category=category, consent_rate=rate)


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False, hash_funcs=_BY_FINGERPRINT)
def _opt_out_row(scenario: Scenario, rate: float, dataset: Dataset) -> pd.DataFrame:
    population = _people_of(scenario, dataset)
    return lenses.opt_out_row(scenario, rate, dataset=dataset, population=population)


def opt_out_row(scenario: Scenario, rate: float) -> pd.DataFrame:
    return _opt_out_row(noise_free(scenario), rate, current_dataset())


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False, hash_funcs=_BY_FINGERPRINT)
def _k_point(scenario: Scenario, k: int, dataset: Dataset) -> pd.DataFrame:
    return lenses.k_point(scenario, k, dataset, population=_people_of(scenario, dataset))


def k_point(scenario: Scenario, k: int) -> pd.DataFrame:
    return _k_point(scenario, k, current_dataset())


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False, hash_funcs=_BY_FINGERPRINT)
def _local_central_point(
    scenario: Scenario, epsilon: float, dataset: Dataset, repeats: int
) -> pd.DataFrame:
    population = _people_of(scenario, dataset)
    # Every ε's central side is the same Scenario with local DP off: its Workbench is shared.
    central = _workbench(scenario.replace(local_epsilon=0.0), dataset)
    return lenses.local_central_point(
        scenario, epsilon, repeats, dataset=dataset, population=population, central=central
    )


def local_central_point(
    scenario: Scenario, epsilon: float, repeats: int = lenses.LENS_REPEATS
) -> pd.DataFrame:
    """Central and local rows at ``epsilon``: ``repeats`` draws (the curves: fewer than
    Explore's, as each local draw re-randomises everyone; the user's own ε: Explore's)."""
    return _local_central_point(noise_free(scenario), epsilon, current_dataset(), repeats)


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False, hash_funcs=_BY_FINGERPRINT)
def _attack_point(scenario: Scenario, epsilon: float | None, dataset: Dataset) -> pd.DataFrame:
    bench = _workbench(scenario, dataset)
    if epsilon is None:
        return lenses.nonprivate_attack_row(bench)
    return lenses.attack_rows(bench, [epsilon])


def attack_point(scenario: Scenario, epsilon: float | None) -> pd.DataFrame:
    """Attack on the private model at ``epsilon``, or on the twin when ``epsilon`` is None."""
    return _attack_point(noise_free(scenario), epsilon, current_dataset())


@st.cache_data(max_entries=16, ttl=3600, show_spinner=False, hash_funcs=_BY_FINGERPRINT)
def _privacy_audit(scenario: Scenario, epsilon: float, dataset: Dataset) -> dict | None:
    # The bar is made in here: a cached function may only update elements it created itself.
    bar = st.progress(0.0, text="Auditing: releasing the model with and without a canary")

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(fraction, 1.0), text=f"Auditing: {message}")

    bench = _workbench(scenario, dataset)
    model_epsilon, _ = budget_split(scenario, epsilon)
    result = audit_workbench(bench, model_epsilon, seed=scenario.seed, progress=progress)
    bar.empty()
    return None if result is None else result.to_dict()


def privacy_audit(scenario: Scenario) -> dict | None:
    """The DP audit of the current setting's model release (core.privacy.audit), with a progress
    bar."""
    return _privacy_audit(noise_free(scenario), scenario.epsilon, current_dataset())


@st.cache_data(max_entries=16, ttl=3600, show_spinner=False, hash_funcs=_BY_FINGERPRINT)
def _homogeneity_example(scenario: Scenario, dataset: Dataset) -> dict | None:
    return lenses.homogeneity_example(_workbench(scenario, dataset))


def homogeneity_example(scenario: Scenario) -> dict | None:
    return _homogeneity_example(noise_free(scenario), current_dataset())


def data_words() -> str:
    """'synthetic shoppers' or 'the people in your upload': for sentences about the data."""
    dataset = current_dataset()
    return "synthetic shoppers" if dataset.is_builtin else f"the people in {plain(dataset.name)}"


def report_data_note() -> str:
    """What a downloaded report's numbers were computed on (an upload: exact statistics)."""
    dataset = current_dataset()
    return data_note(dataset.is_builtin, dataset.name)


def quasi_identifier_words() -> str:
    """'age, gender and postcode region': the current data's quasi-identifiers in words."""
    names = [f.label.lower() for f in current_dataset().schema.quasi_identifiers]
    if not names:
        return "their quasi-identifiers (none are declared for this data)"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def personas() -> dict[str, Persona]:
    """The people the persona views can show: built-in personas, or rows of an upload."""
    dataset = current_dataset()
    if dataset.is_builtin:
        return {p.name: p for p in load_personas()}
    return {p.name: p for p in personas_from(dataset)}


@st.cache_data(
    max_entries=64,
    ttl=3600,
    show_spinner="Asking the model about this person…",
    hash_funcs=_BY_FINGERPRINT,
)
def _persona_view(
    scenario: Scenario, persona: Persona, shares: tuple[str, ...], dataset: Dataset
) -> dict:
    return persona_report(
        _workbench(scenario, dataset),
        replace(persona, shares=shares),
        scenario.epsilon,
        scenario.repeats,
    )


def persona_view(scenario: Scenario, name: str, shares: tuple[str, ...]) -> dict:
    return _persona_view(scenario, personas()[name], shares, current_dataset())


def progressive(label: str, items: list, compute, at_once: int = LENS_THREADS) -> pd.DataFrame:
    """Compute ``compute(item)`` for each item (each cached) under a progress bar.

    ``at_once`` > 1 runs that many ``compute`` calls at a time on threads of this session's
    script run (NumPy releases the GIL in its heavy work); the parts keep the items' order.
    """
    bar = st.progress(0.0, text=label)
    if at_once <= 1:
        parts = []
        for index, item in enumerate(items):
            parts.append(compute(item))
            bar.progress((index + 1) / len(items), text=f"{label} ({index + 1}/{len(items)})")
    else:
        context = get_script_run_ctx()

        def run(item):
            add_script_run_ctx(threading.current_thread(), context)
            return compute(item)

        threads = ThreadPoolExecutor(max_workers=at_once)
        try:
            futures = {threads.submit(run, item): index for index, item in enumerate(items)}
            parts = [None] * len(items)
            for done, future in enumerate(as_completed(futures), start=1):
                parts[futures[future]] = future.result()
                bar.progress(done / len(items), text=f"{label} ({done}/{len(items)})")
        finally:
            # A rerun (the person moved on) stops this script run here: the items not started
            # are dropped, those under way finish into the cache without holding the rerun up.
            threads.shutdown(wait=False, cancel_futures=True)
    bar.empty()
    return pd.concat(parts, ignore_index=True)


@st.cache_data(max_entries=256, ttl=3600, show_spinner=False, hash_funcs=_BY_FINGERPRINT)
def _frontier_point(scenario: Scenario, epsilon: float, dataset: Dataset) -> pd.DataFrame:
    return frontier(_workbench(scenario, dataset), [epsilon], scenario.repeats)


def frontier_point(scenario: Scenario, epsilon: float) -> pd.DataFrame:
    """The frontier rows of one ε that is not one of the stops (the planner's)."""
    return _frontier_point(scenario, epsilon, current_dataset())


# Frontiers this process has already computed (keys of the caches above): their page needs no
# placeholder. Bounded: once full it starts again (a forgotten key only costs a brief placeholder).
_FRONTIERS_DONE: set[tuple[Scenario, str]] = set()
_FRONTIERS_DONE_MAX = 1024


def frontier_for(scenario: Scenario) -> pd.DataFrame:
    """Cached frontier of ``scenario`` (its ε does not matter). Every model's draws are drawn in
    batches (core.privacy.fast_nb, core.privacy.fast_forest, core.privacy.fast_lr): a frontier
    takes a second or two."""
    key = noise_free(scenario)
    done_key = (key, current_dataset().fingerprint)
    training = f"Training the private model at {len(EPSILON_STOPS)} privacy levels…"
    if done_key in _FRONTIERS_DONE:
        with st.spinner(training):  # shows only if the cache has let it go
            return get_frontier(key)
    with chart_placeholder(training):
        table = get_frontier(key)
    if len(_FRONTIERS_DONE) >= _FRONTIERS_DONE_MAX:
        _FRONTIERS_DONE.clear()
    _FRONTIERS_DONE.add(done_key)
    return table


def warm_default_caches() -> None:
    """Fill the caches the first visit of the landing page reads (default Scenario, built-in
    people). Called once per server process from a background thread (serve.py): Streamlit's
    caches work without a script run; only their "missing ScriptRunContext" warning, which is
    about display elements (none here), is kept out of the log."""
    thread = threading.current_thread()
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: threading.current_thread() is not thread
    )
    key = noise_free(Scenario())
    _frontier(key, _builtin_dataset())
    _references(key, _builtin_dataset())
    _FRONTIERS_DONE.add((key, _builtin_dataset().fingerprint))


def setting_point(scenario: Scenario) -> dict:
    """Explore's numbers for the Scenario's own ε, by Explore's own path (the same draws).

    Other pages quote the user's setting through this, so they show what Explore shows.
    """
    at_stop = any(abs(stop - scenario.epsilon) < 1e-12 for stop in EPSILON_STOPS)
    if at_stop:
        table = frontier_point(noise_free(scenario), scenario.epsilon)
    else:
        table = pd.DataFrame({"epsilon": pd.Series([], dtype=float)})
    return current_point(scenario, table)


def current_point(scenario: Scenario, table: pd.DataFrame) -> dict:
    """Accuracy and hit@3 at the Scenario's ε: read from the frontier when ε is a stop."""
    rows = table[(table["epsilon"] - scenario.epsilon).abs() < 1e-12]
    if rows.empty or len(rows) < scenario.repeats:
        result = get_evaluation(scenario)
        return {
            "accuracy": result["accuracy"],
            "accuracy_std": result["accuracy_std"],
            "hit_at_3": result["hit_at_3"],
            "hit_at_3_std": result["hit_at_3_std"],
            "draws": scenario.repeats,
        }
    return {
        "accuracy": float(rows["accuracy"].mean()),
        "accuracy_std": float(rows["accuracy"].std(ddof=1)) if len(rows) > 1 else 0.0,
        "hit_at_3": float(rows["hit_at_3"].mean()),
        "hit_at_3_std": float(rows["hit_at_3"].std(ddof=1)) if len(rows) > 1 else 0.0,
        "draws": len(rows),
    }
