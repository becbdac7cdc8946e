"""Run a room: the facilitator's projector view (1280×720 and up) and its controls.

Open a room, show its code, link and QR code, start the three activities, watch the answers
arrive (a fragment rereads the room every 1.5 s while answers are open, on this page only),
reveal, close the room and delete its answers. The controls and the app's page list live in
the sidebar, which starting an activity collapses; Reveal is on the main area, which is what the
room sees. What happens behind each control is in :mod:`ui.room_facilitator`.
"""

import streamlit as st

import ui
from core.rooms.workshop import (
    ACTIVITY_KINDS,
    COINS,
    DEFAULT_ROOM_HOURS,
    MAX_QUESTION_LENGTH,
    MAX_ROOM_HOURS,
    RANDOMISED_RESPONSE,
    SAMPLE_QUESTIONS,
    coin_choice_text,
)
from ui import room as ui_room
from ui import room_facilitator as facilitator_ui

store = ui_room.get_room_store()
facilitator_ui.read_link(store)
room, activity = facilitator_ui.current_room(store)
st.set_page_config(
    page_title="Run a room · Privacy Tradeoff Explorer",
    layout="wide",
    # Setting up: the controls are in view. Running: the room sees the projector view.
    initial_sidebar_state="collapsed" if activity else "expanded",
)
ui.keep_settings()  # the explorer's settings survive a visit here
st.markdown(facilitator_ui.PROJECTOR_CSS, unsafe_allow_html=True)
facilitator_ui.show_messages()
facilitator_ui.keep_key_out_of_url(room)


def open_room_panel() -> None:
    st.markdown("## Run a workshop room")
    st.markdown(
        "Open a room and project this page. Participants join on their phones with the code or "
        "the QR code, answer three activities, and the room sees its own results here."
    )
    st.number_input(
        "The room closes itself after (hours)",
        min_value=1.0,
        max_value=MAX_ROOM_HOURS,
        value=DEFAULT_ROOM_HOURS,
        step=1.0,
        key="room_hours",
    )
    st.button(
        "Open a new room",
        type="primary",
        key="open_room",
        on_click=facilitator_ui.open_room,
        args=(store,),
    )
    facilitator_ui.page_list()
    ui_room.remember_browser()


if room is None:
    open_room_panel()
    st.stop()
code, key = facilitator_ui.credentials()
if room.closed:
    st.info(
        f"Room {code} is closed and its answers are deleted. Open a new room to start again.",
        icon=":material/lock:",
    )
    open_room_panel()
    st.stop()

# -- controls (sidebar) --------------------------------------------------------------------------
sidebar = st.sidebar
sidebar.markdown(f"### Room {code}")
sidebar.radio(
    "Next activity", list(ACTIVITY_KINDS), format_func=ACTIVITY_KINDS.get, key="next_kind"
)
if st.session_state["next_kind"] == RANDOMISED_RESPONSE:
    sidebar.selectbox(
        "Question", [*SAMPLE_QUESTIONS, facilitator_ui.OWN_QUESTION], key="question_pick"
    )
    if st.session_state["question_pick"] == facilitator_ui.OWN_QUESTION:
        sidebar.text_area("Your yes/no question", max_chars=MAX_QUESTION_LENGTH, key="question_own")
    sidebar.radio(
        "Coin",
        list(COINS),
        format_func=lambda name: coin_choice_text(COINS[name]),
        key="coin_pick",
        help="Everyone in the room uses the same coin, so the estimate can undo it. A coin "
        "that tells the truth less often gives each person more deniability (smaller ε) and "
        "the room a wider interval.",
    )
sidebar.button(
    "Start this activity",
    type="primary",
    key="start_activity",
    on_click=facilitator_ui.run,
    args=(facilitator_ui.start_activity, store, code, key),
)
with sidebar.expander("Your facilitator link (keep it private)"):
    facilitator_ui.facilitator_link_panel(code, key)
sidebar.markdown("#### End the room")
sure = sidebar.checkbox("Yes, close it and delete every answer", key="confirm_close")
sidebar.button(
    "Close the room",
    key="close_room",
    disabled=not sure,
    on_click=facilitator_ui.run,
    args=(facilitator_ui.close_room, store, code, key),
)
facilitator_ui.page_list("Other pages (the room keeps running)")


# -- the projector view --------------------------------------------------------------------------
@st.fragment(run_every=facilitator_ui.refresh_every(activity))
def projector() -> None:
    facilitator_ui.projector(store, code, activity)


main, join = st.columns([3.2, 1], gap="medium")
with join:
    facilitator_ui.join_panel(code)
    # Reveal stays on the projector view: starting an activity collapses the sidebar.
    if activity and not activity.revealed:
        st.button(
            "Reveal the result",
            key="reveal",
            type="primary",
            help="Closes the answers and shows the result here and on every phone.",
            on_click=facilitator_ui.run,
            args=(store.reveal, code, key, activity.id),
        )
    st.caption(
        "Facilitator: the next activity, closing the room and the app's other pages are in "
        "the sidebar (› at the top left)."
    )
with main:
    projector()
facilitator_ui.remember_key(code, key)
ui_room.remember_browser()
