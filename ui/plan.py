"""The planner's UI: its controls (from core.over_time.plan's table), URL state and cached calls.

Kept apart from the modules every page shares so the planner grows without touching them. ε per
release is the Scenario's ε and is drawn by ``ui.control("epsilon")``; the other planner fields
have widget keys equal to their names and URL parameters of the same names, read leniently
like the Scenario's (a bad value falls back to its default with a notice naming the field).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core.over_time import plan as planner
from core.over_time.plan_explain import CADENCE_WORDS
from core.people.dataset import Dataset
from core.setting.scenario import EPSILON_STOPS, Scenario
from ui.cached import _BY_FINGERPRINT, current_dataset, frontier_point, noise_free, progressive

# The planner's own fields (ε is the Scenario's and lives in the shared state).
OWN_FIELDS = tuple(name for name in planner.FIELDS_BY_NAME if name != "epsilon")
# Readable stops per field; the table's range filters them and a linked value is added.
STOPS = {
    "releases_per_year": (1, 2, 4, 12, 26, 52, 365),
    "years": (0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0),
    "delta": (1e-12, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3),
    "yearly_budget": EPSILON_STOPS,
}
_SHADOW = "_plan_values"  # survives pages that do not draw the planner's widgets


def _format(name: str, value) -> str:
    if name == "releases_per_year":
        cadence = CADENCE_WORDS.get(value)
        return f"{cadence} ({value})" if cadence else f"{value} a year"
    if name == "years":
        return f"{value:g} year" + ("" if value == 1 else "s")
    return f"{value:g}"


def init_state() -> None:
    """First visit of the planner in a session: the URL decides; later: keep the last values.

    Call before ``ui.page_setup``, which rewrites the URL with the Scenario's fields only.
    """
    if "_plan_ready" not in st.session_state:
        values, notices = planner.parse_lenient(st.query_params.to_dict(), OWN_FIELDS)
        for name in OWN_FIELDS:
            st.session_state[name] = values.get(name, planner.FIELDS_BY_NAME[name].default)
        st.session_state["_plan_notices"] = notices
        st.session_state["_plan_ready"] = True
    else:
        shadow = st.session_state.get(_SHADOW, {})
        for name in OWN_FIELDS:
            # Streamlit drops a widget's value after a page without it; the shadow brings it back.
            default = shadow.get(name, planner.FIELDS_BY_NAME[name].default)
            st.session_state[name] = st.session_state.get(name, default)


def notices() -> list[str]:
    return st.session_state.get("_plan_notices", [])


def control(name: str, container=st) -> None:
    """One widget for one planner field: stops inside the table's range, its help and label."""
    spec = planner.FIELDS_BY_NAME[name]
    options = sorted(
        {s for s in STOPS[name] if spec.minimum <= s <= spec.maximum} | {st.session_state[name]}
    )
    container.select_slider(
        spec.label,
        options=options,
        key=name,
        help=spec.help,
        format_func=lambda value: _format(name, value),
    )


def current_plan(scenario: Scenario) -> planner.Plan:
    """The Plan of the widgets now (ε from the Scenario); keeps the URL and the shadow in step."""
    values = {name: st.session_state[name] for name in OWN_FIELDS}
    st.session_state[_SHADOW] = values
    plan = planner.Plan(epsilon=scenario.epsilon, **values)
    wanted = {name: text for name, text in plan.to_params().items() if name in OWN_FIELDS}
    current = st.query_params.to_dict()
    if any(current.get(name) != text for name, text in wanted.items()):
        st.query_params.update(wanted)
    return plan


# -- cached core calls (bounded) ----------------------------------------------------------------
@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def loss_curve(epsilon: float, releases: int, delta: float) -> pd.DataFrame:
    return planner.loss_curve(epsilon, releases, delta)


@st.cache_data(max_entries=64, ttl=3600, show_spinner="Solving ε per release for each cadence…")
def budget_table(yearly_budget: float, delta: float) -> pd.DataFrame:
    return planner.budget_table(yearly_budget, delta)


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def event_level_losses(epsilon: float, largest: int, delta: float) -> pd.DataFrame:
    return planner.event_level_losses(epsilon, largest, delta)


@st.cache_data(max_entries=16, ttl=3600, show_spinner=False, hash_funcs=_BY_FINGERPRINT)
def _events(scenario: Scenario, dataset: Dataset) -> np.ndarray | None:
    population = dataset.population_for(scenario)
    return planner.events_per_person(population.features, dataset.schema)


def events(scenario: Scenario) -> np.ndarray | None:
    """Purchases per person of the current data (None when it declares no purchase counts)."""
    return _events(noise_free(scenario), current_dataset())


def accuracy_at(scenario: Scenario, epsilons) -> pd.DataFrame:
    """Frontier draws at exactly these ε values (each cached), under a progress bar."""
    key = noise_free(scenario)
    return progressive(
        "Training the private model at each ε per release",
        sorted(set(epsilons)),
        lambda epsilon: frontier_point(key, float(epsilon)),
    )
