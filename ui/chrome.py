"""Page chrome: the top of every page, the page list and links, the app's CSS.

Pages stay thin: ``scenario = ui.page_setup("Title", "subtitle")`` sets the page up, draws the
shared sidebar (:mod:`ui.state`), keeps the URL in sync and returns the Scenario.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import unquote, urlparse

import streamlit as st

from core.people.dataset import Dataset
from core.setting.scenario import Scenario
from ui.cached import current_dataset
from ui.display import plain
from ui.state import (
    _init_state,
    _link_notices,
    _scenario_from_state,
    _sync_url,
    is_projector,
    set_page_fields,
    sidebar_controls,
    tour_notice,
    url_params,
)

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
    # The participants' page (pages/16_Room.py) is reached by link or QR code, not from here.
    ("pages/17_Room_facilitator.py", "Run a room", ":material/co_present:"),
    ("pages/11_How_it_works.py", "How it works", ":material/menu_book:"),
)


def keep_settings() -> None:
    """For pages without the shared controls (the room pages): keep the session's settings.

    Streamlit drops a widget's value when a page run does not draw it; this re-assigns them.
    The page also gets the app's focus ring and readable slider values (see :func:`_style`).
    """
    _init_state()
    st.markdown(f"<style>{_FOCUS_CSS}{_SLIDER_VALUE_CSS}</style>", unsafe_allow_html=True)


def _page_links(scenario: Scenario) -> None:
    params = url_params(scenario)
    for path, label, icon in PAGES:
        st.page_link(path, label=label, icon=icon, query_params=params)


def page_list() -> None:
    """The app's page list, carrying the session's settings, for pages that draw their own
    sidebar (Run a room): a way to every other page without the browser's Back button."""
    _page_links(_scenario_from_state())


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


def page_setup(
    title: str,
    subtitle: str,
    in_page: tuple[str, ...] = (),
    page_fields: tuple[str, ...] = (),
) -> Scenario:
    """Top of every page: config, shared controls, URL sync, notices; returns the Scenario.

    ``in_page`` names shared controls the page draws itself with :func:`control`;
    ``page_fields`` the page's own settings (:mod:`core.setting.page_fields`), drawn with
    :func:`ui.state.page_control` and kept in this page's URL.
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
    set_page_fields(page_fields)
    links = st.sidebar.container()
    _data_line(current_dataset())
    tour = st.sidebar.container()
    scenario = sidebar_controls(in_page)
    with links:
        _page_links(scenario)
    tour_notice(scenario, tour)
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
