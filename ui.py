"""The app's small UI helper: shared controls, URL state, cached core calls, page chrome.

Pages stay thin: ``scenario = ui.page_setup("Title")`` draws the shared sidebar (built once from
the Scenario table, widget keys = field names), keeps the URL in sync with the Scenario and returns
it. Caching lives here, bounded, keyed by the (hashable) Scenario; core stays cache-free.
"""

from __future__ import annotations

import gc
import html
import logging
import re
import threading
from contextlib import contextmanager
from dataclasses import replace
from pathlib import PurePosixPath
from urllib.parse import unquote, urlparse

import pandas as pd
import streamlit as st

from core import lenses
from core.audit import audit_workbench
from core.dataset import Dataset, builtin
from core.engine import Workbench, budget_split, evaluate, frontier, references, workbench_for
from core.export import data_note
from core.figure_data import figure_table
from core.figures import placeholder_figure
from core.persona import Persona, load_personas, persona_report, personas_from
from core.presets import load_presets
from core.scenario import (
    EPSILON_STOPS,
    FIELDS,
    FIELDS_BY_NAME,
    MODELS,
    Field,
    Scenario,
    parse_lenient,
)
from core.storage import DB_NAME, ScenarioStore, data_dir
from core.threads import limit_blas_threads

# Streamlit runs gc.collect(2) after every script run, fragment runs included (the hidden
# runner.postScriptGC option). With numpy, pandas, scikit-learn, diffprivlib and plotly imported
# that walks ~180k objects, holding the GIL for about 100 ms before the run's last messages reach
# the browser: most of an ε move's wait. Freezing what exists once the imports are done (modules,
# classes, functions: nothing that becomes garbage) leaves collections only the objects made since.
gc.freeze()

# One BLAS thread for the whole server: sessions run in threads of this one process, and two of
# them in NumPy's default two-thread BLAS at once make each several times slower
# (docs/benchmarks.md, "two at once"). Results do not depend on it. Process-wide and once: this
# module is imported once per server process.
limit_blas_threads()

PAGES = (
    ("app.py", "Explore", ":material/insights:"),
    ("pages/1_Accuracy_target.py", "Accuracy target", ":material/target:"),
    ("pages/2_Who_pays.py", "Who pays", ":material/groups:"),
    ("pages/4_Consent_and_control.py", "Consent & control", ":material/toggle_on:"),
    ("pages/5_Anonymisation.py", "Anonymisation", ":material/masks:"),
    ("pages/6_Local_vs_central.py", "Local vs central DP", ":material/devices:"),
    ("pages/7_Attack_audit.py", "Attack audit", ":material/policy:"),
    ("pages/8_Persona.py", "A persona", ":material/person:"),
    ("pages/9_Threats_and_controls.py", "What protects what", ":material/shield:"),
    ("pages/10_Privacy_label.py", "Privacy label", ":material/label:"),
    ("pages/15_Privacy_over_time.py", "Privacy over time", ":material/history:"),
    ("pages/12_Saved_and_compare.py", "Save & compare", ":material/compare:"),
    ("pages/14_Your_data.py", "Your own data", ":material/upload_file:"),
    ("pages/13_Guided_tour.py", "Guided tour", ":material/school:"),
    # The participants' page (pages/15_Room.py) is reached by link or QR code, not from here.
    ("pages/16_Room_facilitator.py", "Run a room", ":material/co_present:"),
    ("pages/11_How_it_works.py", "How it works", ":material/menu_book:"),
)
PROFILE_STOPS = (1_000, 2_000, 5_000, 10_000, 20_000, 40_000, 100_000, 200_000, 500_000, 1_000_000)
LOCAL_EPSILON_STOPS = (0.0, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)
# Models whose draws are array-drawn (core.fast_nb, core.fast_forest): a frontier takes ~1 s.
FAST_MODELS = {"gaussian_nb", "random_forest"}
# Logistic regression solves one L-BFGS problem per class and draw (~0.2 s a draw; no exact
# shortcut, docs/benchmarks.md): 3 draws keep its 13-stop frontier under ~10 s.
SLOW_MODEL_FRONTIER_REPEATS = 3
UI_FLAGS = ("projector", "simple", "preset")
TRUE_WORDS = ("1", "true", "yes", "on")
_LAST_SCENARIO = "_last_scenario"  # not a widget key: survives every page switch


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


def frontier_repeats(scenario: Scenario) -> int:
    if scenario.model in FAST_MODELS:
        return scenario.repeats
    return min(scenario.repeats, SLOW_MODEL_FRONTIER_REPEATS)


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False, hash_funcs=_BY_FINGERPRINT)
def _frontier(scenario: Scenario, dataset: Dataset) -> pd.DataFrame:
    return frontier(_workbench(scenario, dataset), EPSILON_STOPS, frontier_repeats(scenario))


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


@st.cache_resource(max_entries=4)
def _store_at(path: str) -> ScenarioStore:
    # Holds only the file path; every operation opens its own connection.
    return ScenarioStore(path)


def get_store() -> ScenarioStore:
    """The saved-scenario store in the data directory ($PTE_DATA_DIR or var/)."""
    return _store_at(str(data_dir() / DB_NAME))


# -- the lenses, cached one setting at a time so a progress bar can follow them --------------------
@st.cache_data(max_entries=128, ttl=3600, show_spinner=False, hash_funcs=_BY_FINGERPRINT)
def _consent_point(scenario: Scenario, category: str, rate: float, dataset: Dataset):
    return lenses.consent_point(scenario, category, rate, dataset)


def consent_point(scenario: Scenario, category: str, rate: float) -> pd.DataFrame:
    return _consent_point(scenario, category, rate, current_dataset())


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False, hash_funcs=_BY_FINGERPRINT)
def _opt_out_row(scenario: Scenario, rate: float, dataset: Dataset) -> pd.DataFrame:
    return lenses.opt_out_row(scenario, rate, dataset=dataset)


def opt_out_row(scenario: Scenario, rate: float) -> pd.DataFrame:
    return _opt_out_row(noise_free(scenario), rate, current_dataset())


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False, hash_funcs=_BY_FINGERPRINT)
def _k_point(scenario: Scenario, k: int, dataset: Dataset) -> pd.DataFrame:
    return lenses.k_point(scenario, k, dataset)


def k_point(scenario: Scenario, k: int) -> pd.DataFrame:
    return _k_point(scenario, k, current_dataset())


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False, hash_funcs=_BY_FINGERPRINT)
def _local_central_point(scenario: Scenario, epsilon: float, dataset: Dataset) -> pd.DataFrame:
    return lenses.local_central_point(scenario, epsilon, dataset=dataset)


def local_central_point(scenario: Scenario, epsilon: float) -> pd.DataFrame:
    return _local_central_point(noise_free(scenario), epsilon, current_dataset())


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
    """The DP audit of the current setting's model release (core.audit), with a progress bar."""
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
        frontier_repeats(scenario),
    )


def persona_view(scenario: Scenario, name: str, shares: tuple[str, ...]) -> dict:
    return _persona_view(scenario, personas()[name], shares, current_dataset())


def progressive(label: str, items: list, compute) -> pd.DataFrame:
    """Compute ``compute(item)`` for each item (each cached) under a progress bar."""
    bar = st.progress(0.0, text=label)
    parts = []
    for index, item in enumerate(items):
        parts.append(compute(item))
        bar.progress((index + 1) / len(items), text=f"{label} ({index + 1}/{len(items)})")
    bar.empty()
    return pd.concat(parts, ignore_index=True)


@st.cache_data(max_entries=256, ttl=3600, show_spinner=False, hash_funcs=_BY_FINGERPRINT)
def _frontier_point(scenario: Scenario, epsilon: float, dataset: Dataset) -> pd.DataFrame:
    return frontier(_workbench(scenario, dataset), [epsilon], frontier_repeats(scenario))


def frontier_point(scenario: Scenario, epsilon: float) -> pd.DataFrame:
    """The frontier rows of one ε (slow models are refitted per draw: one ε at a time)."""
    return _frontier_point(scenario, epsilon, current_dataset())


# Frontiers this process has already computed (keys of the caches above): their page needs no
# placeholder. Bounded: once full it starts again (a forgotten key only costs a brief placeholder).
_FRONTIERS_DONE: set[tuple[Scenario, str]] = set()
_FRONTIERS_DONE_MAX = 1024


@contextmanager
def chart_placeholder(message: str):
    """While the server computes a chart: an empty chart in its place, saying what is happening.

    It also makes a fresh browser fetch and start plotly.js (4.7 MB, ~0.6 s of the main thread on
    a 2-core machine) while the server computes rather than after: a deep link to a new Scenario
    shows its chart that much sooner (docs/benchmarks.md, section 3).
    """
    slot = st.empty()
    slot.plotly_chart(
        placeholder_figure(message, font_size=font_size()),
        width="stretch",
        theme="streamlit",
        config={"staticPlot": True, "displayModeBar": False},
    )
    try:
        yield
    finally:
        slot.empty()


def frontier_for(scenario: Scenario) -> pd.DataFrame:
    """Cached frontier of ``scenario`` (its ε does not matter), with visible progress."""
    key = noise_free(scenario)
    done_key = (key, current_dataset().fingerprint)
    training = f"Training the private model at {len(EPSILON_STOPS)} privacy levels…"
    if done_key in _FRONTIERS_DONE:
        if key.model in FAST_MODELS:
            with st.spinner(training):  # shows only if the cache has let it go
                return get_frontier(key)
        return _progressive_frontier(key)
    with chart_placeholder(training):
        table = get_frontier(key) if key.model in FAST_MODELS else _progressive_frontier(key)
    if len(_FRONTIERS_DONE) >= _FRONTIERS_DONE_MAX:
        _FRONTIERS_DONE.clear()
    _FRONTIERS_DONE.add(done_key)
    return table


def _progressive_frontier(key: Scenario) -> pd.DataFrame:
    return progressive(
        f"Training {MODELS[key.model].lower()} at every privacy level "
        f"({frontier_repeats(key)} noise draws each)",
        list(EPSILON_STOPS),
        lambda epsilon: frontier_point(key, epsilon),
    )


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


def current_point(scenario: Scenario, table: pd.DataFrame) -> dict:
    """Accuracy and hit@3 at the Scenario's ε: read from the frontier when ε is a stop."""
    rows = table[(table["epsilon"] - scenario.epsilon).abs() < 1e-12]
    if rows.empty or len(rows) < scenario.repeats and scenario.model in FAST_MODELS:
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


# -- state: URL <-> session <-> widgets ----------------------------------------------------------
def _init_state() -> None:
    """First run of a session: the URL decides; later runs: keep values across pages."""
    if "_scenario_ready" not in st.session_state:
        params = st.query_params.to_dict()
        scenario, notices = parse_lenient(params)
        for spec in FIELDS:
            st.session_state[spec.name] = getattr(scenario, spec.name)
        st.session_state["projector"] = params.get("projector", "0").lower() in TRUE_WORDS
        # Facilitator flag: the link given to a room hides advanced controls and presets.
        st.session_state["simple"] = params.get("simple", "0").lower() in TRUE_WORDS
        st.session_state["_notices"] = notices
        st.session_state["_notices_scenario"] = scenario
        st.session_state["_scenario_ready"] = True
    else:
        # Streamlit forgets a widget's value when a page without it runs, and after a fragment
        # run (ε on Explore) a page switch can drop the fragment's widget key altogether.
        # Re-assigning keeps a value that is still there; the last Scenario built in this session
        # (kept under a non-widget key, which Streamlit never cleans up) restores one that is not.
        remembered = st.session_state.get(_LAST_SCENARIO)
        for name in (*FIELDS_BY_NAME, *UI_FLAGS):
            if name in st.session_state:
                st.session_state[name] = st.session_state[name]
            elif remembered is not None and name in FIELDS_BY_NAME:
                st.session_state[name] = getattr(remembered, name)


def _scenario_from_state() -> Scenario:
    """The Scenario the widgets hold now, remembered for the next page of this session."""
    scenario = Scenario(**{spec.name: st.session_state[spec.name] for spec in FIELDS})
    st.session_state[_LAST_SCENARIO] = scenario
    return scenario


def keep_settings() -> None:
    """For pages without the shared controls (the room pages): keep the session's settings.

    Streamlit drops a widget's value when a page run does not draw it; this re-assigns them.
    The page also gets the app's focus ring and readable slider values (see :func:`_style`).
    """
    _init_state()
    st.markdown(f"<style>{_FOCUS_CSS}{_SLIDER_VALUE_CSS}</style>", unsafe_allow_html=True)


def reset_to(scenario: Scenario | None) -> None:
    """Callback: set every control to ``scenario`` (presets, reset)."""
    if scenario is None:
        return
    for spec in FIELDS:
        st.session_state[spec.name] = getattr(scenario, spec.name)


def reset_all() -> None:
    """Callback of Reset: every control back to its default, and no preset chosen."""
    reset_to(Scenario())
    st.session_state["preset"] = None


def _options_with(stops: tuple, value) -> list:
    return sorted({*stops, value})


def _control(spec: Field, container) -> None:
    """One widget for one Scenario field, its range and help taken from the table."""
    key = spec.name
    if spec.name == "model":
        container.selectbox(
            spec.label, list(MODELS), key=key, help=spec.help, format_func=MODELS.__getitem__
        )
    elif spec.name == "epsilon":
        container.select_slider(
            spec.label,
            options=_options_with(EPSILON_STOPS, st.session_state[key]),
            key=key,
            help=spec.help,
            format_func=lambda v: f"{v:g}",
        )
        container.caption("← more private  ·  more accurate →")
    elif spec.name == "local_epsilon":
        container.select_slider(
            spec.label,
            options=_options_with(LOCAL_EPSILON_STOPS, st.session_state[key]),
            key=key,
            help=spec.help,
            format_func=lambda v: "off" if v == 0 else f"{v:g}",
        )
    elif spec.name == "profiles" and not current_dataset().is_builtin:
        # An upload has the people it has; the slider would change nothing.
        container.caption(
            f"{spec.label}: {current_dataset().population.n_profiles:,} (from your data)"
        )
    elif spec.name == "profiles":
        container.select_slider(
            spec.label,
            options=_options_with(PROFILE_STOPS, st.session_state[key]),
            key=key,
            help=spec.help,
            format_func=lambda v: f"{v:,}",
        )
    elif spec.name == "seed":
        container.number_input(
            spec.label,
            min_value=int(spec.minimum),
            max_value=int(spec.maximum),
            step=1,
            key=key,
            help=spec.help,
        )
    elif spec.kind is float:
        container.slider(
            spec.label,
            min_value=float(spec.minimum),
            max_value=float(spec.maximum),
            step=float(spec.step),
            key=key,
            help=spec.help,
            format="percent",
        )
    else:
        container.slider(
            spec.label,
            min_value=int(spec.minimum),
            max_value=int(spec.maximum),
            step=int(spec.step),
            key=key,
            help=spec.help,
        )


def sidebar_controls(in_page: tuple[str, ...] = ()) -> Scenario:
    """Draw the shared controls once, from the Scenario table; return the validated Scenario.

    Fields named in ``in_page`` are drawn by the page itself (see :func:`control`).
    """
    sidebar = st.sidebar
    sidebar.markdown("### Privacy settings")
    for spec in FIELDS:
        if not spec.advanced and spec.name not in in_page:
            _control(spec, sidebar)
    if st.session_state.get("simple"):
        return _scenario_from_state()
    with sidebar.expander("Advanced: model, people, noise", expanded=False):
        for spec in FIELDS:
            if spec.advanced:
                _control(spec, st)
    presets = {preset.name: preset for preset in load_presets()}
    chosen = sidebar.selectbox(
        "Start from a preset",
        list(presets),
        index=None,
        placeholder="Choose a preset…",
        key="preset",
        help="Named settings for a workshop or a meeting. Applying one replaces every control.",
    )
    if chosen is not None:
        sidebar.caption(presets[chosen].description)
    apply, reset = sidebar.columns(2)
    apply.button(
        "Apply preset",
        on_click=reset_to,
        args=(presets[chosen].scenario if chosen else None,),
        key="apply_preset",
        disabled=chosen is None,
    )
    reset.button("Reset", on_click=reset_all, key="reset")
    sidebar.toggle(
        "Projector mode (large text)",
        key="projector",
        help="Bigger fonts and charts for a room.",
    )
    return _scenario_from_state()


def url_params(scenario: Scenario) -> dict[str, str]:
    """Every Scenario field plus the display flags that are on: a link that reopens this view."""
    params = scenario.to_params()
    for flag in ("projector", "simple"):
        if st.session_state.get(flag):
            params[flag] = "1"
    return params


def _sync_url(scenario: Scenario) -> None:
    params = url_params(scenario)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


def _page_links(scenario: Scenario) -> None:
    params = url_params(scenario)
    for path, label, icon in PAGES:
        st.page_link(path, label=label, icon=icon, query_params=params)


def _data_line(dataset: Dataset) -> None:
    if dataset.is_builtin:
        st.sidebar.caption("Data: built-in synthetic shoppers")
    else:
        st.sidebar.caption(
            f"Data: **{plain(dataset.name)}** ({dataset.population.n_profiles:,} people, "
            "this session only)"
        )


# A keyboard user must see where the focus is (WCAG 2.4.7) in both themes. Streamlit 1.67 draws
# no focus ring on the sidebar's page links, toggles, multiselects, tables and their toolbars,
# and only recolours a border on selects and text inputs; a slider focuses a hidden input and
# marks its thumb data-focus-visible. One orange outline (Okabe-Ito #E69F00) with a dark inner
# ring for all of them stands out on light, dark and blue backgrounds.
_FOCUS_CSS = (
    ":focus-visible,[data-focus-visible=true]{outline:3px solid #E69F00 !important;"
    "outline-offset:2px;box-shadow:0 0 0 2px #111 !important}"
)
# Streamlit writes a slider's value in the primary colour: 5:1 on white but 3.1:1 on the dark
# theme. The theme's own text colour reads in both.
_SLIDER_VALUE_CSS = '[data-testid="stSliderThumbValue"]{color:inherit !important}'


def _style(projector: bool) -> None:
    # Streamlit sizes everything in rem, so scaling the root font scales headings, metrics and
    # widgets together for a projector.
    projector_css = _PROJECTOR_CSS if projector else ""
    st.markdown(
        f"<style>{_FOCUS_CSS}{_SLIDER_VALUE_CSS}{projector_css}</style>", unsafe_allow_html=True
    )


# A room's screen: large type, but the current chart and its headline numbers must fit a
# 1280×720 projector without scrolling, so short screens get a smaller root size and the page's
# top padding (room for Streamlit's toolbar) shrinks.
_PROJECTOR_CSS = (
    "html { font-size: 22px; }"
    "@media (max-height: 820px) { html { font-size: 16px; } }"
    '[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; padding-bottom: 1rem; }'
    "h1 { font-size: 2rem !important; padding-top: 0 !important; }"
)
PROJECTOR_CHART_HEIGHT = 340  # px: fits under the headline row at 1280×720


def is_projector() -> bool:
    """Projector mode: from the session, or on a session's first run from the URL."""
    if "projector" in st.session_state:
        return bool(st.session_state["projector"])
    return st.query_params.get("projector", "0").lower() in TRUE_WORDS


def font_size() -> int:
    # 18, not 22: a chart's legend at 22 px leaves the plot too little room on a 1280×720 screen.
    return 18 if st.session_state.get("projector") else 15


def control(name: str, container=st) -> Scenario:
    """Draw one shared control inside the page (e.g. in a fragment); return the Scenario now."""
    _control(FIELDS_BY_NAME[name], container)
    scenario = _scenario_from_state()
    _sync_url(scenario)
    return scenario


def page_setup(title: str, subtitle: str, in_page: tuple[str, ...] = ()) -> Scenario:
    """Top of every page: config, shared controls, URL sync, notices; returns the Scenario.

    ``in_page`` names shared controls the page draws itself with :func:`control`.
    """
    projector = is_projector()
    if "_scenario_ready" not in st.session_state:
        st.session_state["_opened_as_projector"] = projector
    st.set_page_config(
        page_title=f"{title} · Privacy Tradeoff Explorer",
        layout="wide",
        # A link opened with projector=1: the room sees the chart, not the controls (the
        # facilitator can open the sidebar). Switching projector mode on from the sidebar keeps
        # the sidebar, which a changed setting here would collapse under the pointer.
        initial_sidebar_state=(
            "collapsed" if st.session_state.get("_opened_as_projector") else "auto"
        ),
    )
    _init_state()
    links = st.sidebar.container()
    _data_line(current_dataset())
    scenario = sidebar_controls(in_page)
    with links:
        _page_links(scenario)
    _sync_url(scenario)
    _style(bool(st.session_state.get("projector")))
    st.title(title)
    if not projector:
        st.caption(subtitle)
    _link_notices(title, scenario)
    unknown = unknown_page_requested()
    if unknown:
        st.warning(
            f"There is no page {unknown!r} in this app: this is Explore, the first page. "
            "Every page is listed in the sidebar.",
            icon=":material/link_off:",
        )
    return scenario


def page_url_path(script: str) -> str:
    """Streamlit's URL path of a page script: 'pages/1_Accuracy_target.py' -> 'Accuracy_target'."""
    if script == PAGES[0][0]:
        return ""
    return re.sub(r"^\d+_", "", PurePosixPath(script).stem)


def unknown_page_requested() -> str | None:
    """The path asked for when it names no page (Streamlit then runs the main page), else None."""
    url = st.context.url
    if not url:
        return None
    path = unquote(urlparse(url).path).strip("/")
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base) :].strip("/")
    known = {page_url_path(script) for script, _, _ in PAGES}
    return path if path not in known else None


def _link_notices(title: str, scenario: Scenario) -> None:
    """What the opening link got wrong: on the page it opened, until the first change."""
    notices = st.session_state.get("_notices", [])
    if not notices:
        return
    opened_on = st.session_state.setdefault("_notices_page", title)
    if opened_on != title or scenario != st.session_state.get("_notices_scenario"):
        st.session_state["_notices"] = []  # read once: not on every page for the session
        return
    for notice in notices:
        st.warning(notice, icon=":material/link_off:")


_MARKDOWN_SPECIALS = "\\`*_{}[]()<>#+-.!|~$"


def plain(text: str) -> str:
    """User text made inert inside Markdown: every markup character is escaped."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in str(text))


def headline_numbers(items: list[tuple[str, str, str, str]], takeaway: str = "") -> None:
    """A row of headline numbers and a takeaway as ONE element: (label, value, note, tooltip).

    One element instead of four metrics and four captions: on the Explore page every ε move
    re-sends this row, and each element costs the browser a re-render. All text here is computed
    by the app (never user input); it is escaped anyway.
    """
    # The explanation is a <details> under each number, not a title attribute: a title shows
    # only on hover, which a phone or a keyboard never does.
    cells = "".join(
        "<div class='pte-cell'>"
        f"<div class='pte-label'>{html.escape(label)}</div>"
        f"<div class='pte-value'>{html.escape(value)}</div>"
        f"<div class='pte-note'>{html.escape(note)}</div>"
        + (
            "<details class='pte-what'><summary>What is this?</summary>"
            f"{html.escape(tip)}</details>"
            if tip
            else ""
        )
        + "</div>"
        for label, value, note, tip in items
    )
    box = f"<div class='pte-takeaway'>{html.escape(takeaway)}</div>" if takeaway else ""
    # Muted text is the theme's text colour at 80% opacity, not a fixed grey: it follows the
    # light and the dark theme, and stays above 4.5:1 in both (docs/accessibility.md).
    st.markdown(
        "<style>.pte-row{display:flex;gap:1rem;flex-wrap:wrap;margin:.25rem 0 1rem}"
        ".pte-cell{flex:1 1 12rem}.pte-label{font-size:.875rem;opacity:.8}"
        ".pte-value{font-size:2.25rem;line-height:1.2}.pte-note{font-size:.8rem;opacity:.8}"
        ".pte-what{font-size:.8rem;margin-top:.15rem}.pte-what summary{cursor:pointer}"
        ".pte-takeaway{background:rgba(0,114,178,.12);border-radius:.5rem;padding:.75rem 1rem}"
        f"</style><div class='pte-row'>{cells}</div>{box}",
        unsafe_allow_html=True,
    )


def _cell(value) -> str:
    """A table cell as text: numbers without trailing zeros, nothing for a missing value."""
    if value is None or isinstance(value, float) and value != value:
        return ""
    if isinstance(value, float | int):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    return str(value)


def chart(figure, *, key: str, caption: str = "", container=st, config: dict | None = None) -> None:
    """A Plotly chart with its text alternative: a takeaway caption and the numbers it draws.

    The numbers sit one click away in an expander, as a real HTML table (screen readers read
    it cell by cell), read off ``figure`` itself (:func:`core.figure_data.figure_table`) so the
    table and the chart cannot disagree. The table is built only while the expander is open
    (an ε move on Explore costs nothing for it). Plotly follows the light or dark theme;
    ``config`` is Plotly's (e.g. no mode bar on the projector view).
    """
    container.plotly_chart(figure, key=key, width="stretch", theme="streamlit", config=config)
    if caption:
        container.caption(caption)
    numbers = container.expander("Data behind this chart", key=f"{key}_data", on_change="rerun")
    if numbers.open:
        table = figure_table(figure)
        numbers.table(table.map(_cell).set_index(table.columns[0]))


def percent(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:.{digits}%}"
