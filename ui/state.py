"""The shared state: Scenario <-> session_state <-> URL <-> widgets.

The shared sidebar is built once from the Scenario table (widget keys = field names). A session's
first run takes its values from the URL, read leniently (a bad value falls back to its default
with a notice); later runs keep them across pages; every run writes the URL back. A page's own
settings (:mod:`core.setting.page_fields`: the accuracy target, the persona, the Who pays view) do
the same, drawn by :func:`page_control` and written into the URL of their page only.
"""

from __future__ import annotations

import streamlit as st

from core.presentation.figures import EPSILON_SLIDER_CAPTION
from core.setting.page_fields import PAGE_FIELDS_BY_NAME, parse_page_params
from core.setting.presets import load_presets
from core.setting.scenario import (
    EPSILON_STOPS,
    FIELDS,
    FIELDS_BY_NAME,
    MODELS,
    Field,
    Scenario,
    parse_lenient,
)
from ui.cached import current_dataset, personas

PROFILE_STOPS = (1_000, 2_000, 5_000, 10_000, 20_000, 40_000, 100_000, 200_000, 500_000, 1_000_000)
LOCAL_EPSILON_STOPS = (0.0, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)
UI_FLAGS = ("projector", "simple", "preset")
TRUE_WORDS = ("1", "true", "yes", "on")
_LAST_SCENARIO = "_last_scenario"  # not a widget key: survives every page switch
_PAGE_FIELDS = "_page_fields"  # the page fields of the page running now (page_setup sets it)
_BEFORE_TOUR = "_settings_before_tour"  # the user's own Scenario while the tour's is applied


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
        # A session starts on the built-in people, so their personas are the names a link can use.
        page_values, page_notices = parse_page_params(
            params, choices={"persona": tuple(personas())}
        )
        for name, value in page_values.items():  # a multiselect holds a list
            st.session_state[name] = list(value) if isinstance(value, tuple) else value
        st.session_state["_notices"] = notices + page_notices
        st.session_state["_notices_scenario"] = scenario
        st.session_state["_scenario_ready"] = True
    else:
        # Streamlit forgets a widget's value when a page without it runs, and after a fragment
        # run (ε on Explore) a page switch can drop the fragment's widget key altogether.
        # Re-assigning keeps a value that is still there; the last Scenario built in this session
        # (kept under a non-widget key, which Streamlit never cleans up) restores one that is not.
        remembered = st.session_state.get(_LAST_SCENARIO)
        for name in (*FIELDS_BY_NAME, *UI_FLAGS, *PAGE_FIELDS_BY_NAME):
            if name in st.session_state:
                st.session_state[name] = st.session_state[name]
            elif remembered is not None and name in FIELDS_BY_NAME:
                st.session_state[name] = getattr(remembered, name)


def _scenario_from_state() -> Scenario:
    """The Scenario the widgets hold now, remembered for the next page of this session."""
    scenario = Scenario(**{spec.name: st.session_state[spec.name] for spec in FIELDS})
    st.session_state[_LAST_SCENARIO] = scenario
    return scenario


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
        container.caption(EPSILON_SLIDER_CAPTION)
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


def _page_params() -> dict[str, str]:
    """The running page's own fields that have a value (the page's link only, not the others)."""
    return {
        name: PAGE_FIELDS_BY_NAME[name].format(st.session_state[name])
        for name in st.session_state.get(_PAGE_FIELDS, ())
        if st.session_state.get(name) is not None
    }


def _sync_url(scenario: Scenario) -> None:
    params = url_params(scenario) | _page_params()
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


def set_page_fields(names: tuple[str, ...]) -> None:
    """Declare the running page's own fields (before the URL is written; see page_setup)."""
    unknown = set(names) - set(PAGE_FIELDS_BY_NAME)
    if unknown:
        raise ValueError(
            f"Unknown page fields {sorted(unknown)}; known: {list(PAGE_FIELDS_BY_NAME)}"
        )
    st.session_state[_PAGE_FIELDS] = tuple(names)


def page_control(
    name: str,
    container=st,
    *,
    default=None,
    options=None,
    label: str | None = None,
    help: str | None = None,
    format_func=str,
    on_change=None,
):
    """Draw one page field's widget from the page-field table; return its value.

    ``default`` is used when neither the link nor this session has a value; ``options`` are the
    choices on this page (a subset of the table's, or the data's personas). The page's URL is
    written again with the value.
    """
    spec = PAGE_FIELDS_BY_NAME[name]
    options = list(spec.choices if options is None else options)
    value = st.session_state.get(name)
    if spec.widget in ("radio", "selectbox") and value not in options:
        st.session_state.pop(name, None)  # e.g. age bands on data without ages: the first view
    if name not in st.session_state and default is not None:
        st.session_state[name] = list(default) if spec.kind is tuple else default
    common = {"key": name, "help": help or spec.help, "on_change": on_change}
    label = label or spec.label
    if spec.widget == "slider":
        container.slider(
            label,
            min_value=float(spec.minimum),
            max_value=float(spec.maximum),
            step=float(spec.step),
            format="percent",
            **common,
        )
    elif spec.widget == "radio":
        container.radio(label, options, horizontal=True, format_func=format_func, **common)
    elif spec.widget == "selectbox":
        container.selectbox(label, options, format_func=format_func, **common)
    else:
        container.multiselect(label, options, format_func=format_func, **common)
    _sync_url(_scenario_from_state())
    value = st.session_state[name]
    return tuple(value) if spec.kind is tuple else value


# -- the guided tour sets the app to its steps; the user's own settings are kept to restore ----
def apply_tour_step(scenario: Scenario) -> None:
    """Callback: set every control to a tour step's Scenario, keeping the user's own first."""
    if _BEFORE_TOUR not in st.session_state:
        st.session_state[_BEFORE_TOUR] = Scenario(
            **{spec.name: st.session_state[spec.name] for spec in FIELDS}
        )
    reset_to(scenario)


def restore_before_tour() -> None:
    """Callback: every control back to what the user had set before the tour changed it."""
    reset_to(st.session_state.pop(_BEFORE_TOUR, None))


def keep_tour_settings() -> None:
    """Callback: keep the tour's settings as the user's own (forget the ones before it)."""
    st.session_state.pop(_BEFORE_TOUR, None)


def tour_notice(scenario: Scenario, container) -> None:
    """While the tour's settings replace the user's: say so, and offer to restore them."""
    before = st.session_state.get(_BEFORE_TOUR)
    if before is None:
        return
    if before == scenario:  # back to the user's own by hand: nothing left to restore
        st.session_state.pop(_BEFORE_TOUR, None)
        return
    changed = [
        f"{spec.label} {spec.format(getattr(scenario, spec.name))} "
        f"(yours: {spec.format(getattr(before, spec.name))})"
        for spec in FIELDS
        if getattr(scenario, spec.name) != getattr(before, spec.name)
    ]
    box = container.container(border=True)
    box.markdown(
        "**The Guided tour set these settings.** "
        + "; ".join(changed[:4])
        + ("; …" if len(changed) > 4 else "")
        + "."
    )
    restore, keep = box.columns(2)
    restore.button("Restore mine", key="restore_before_tour", on_click=restore_before_tour)
    keep.button("Keep these", key="keep_tour_settings", on_click=keep_tour_settings)


def is_projector() -> bool:
    """Projector mode: from the session, or on a session's first run from the URL."""
    if "projector" in st.session_state:
        return bool(st.session_state["projector"])
    return st.query_params.get("projector", "0").lower() in TRUE_WORDS


def control(name: str, container=st) -> Scenario:
    """Draw one shared control inside the page (e.g. in a fragment); return the Scenario now."""
    _control(FIELDS_BY_NAME[name], container)
    scenario = _scenario_from_state()
    _sync_url(scenario)
    return scenario


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
