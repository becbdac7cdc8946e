"""Join a room: the participants' page, phone first (works at 360 px), no sidebar.

Join by link (``?room=K7Q-2MF``) or by typing the code; answer the current activity; see the
room's result once the facilitator reveals it. While waiting, a slow fragment checks the room
every few seconds; while someone is answering, nothing polls. Finding the room, sending,
waiting and the results are in :mod:`ui.room_participant`.
"""

import streamlit as st

import ui
from core.rooms.workshop import (
    PICK_EPSILON,
    RANDOMISED_RESPONSE,
    ROOM_CONSENT,
    SERVER_SEES,
    coin_instructions_text,
    consent_not_private_text,
    randomised_response_odds_text,
)
from core.setting.formatting import format_epsilon
from core.setting.scenario import EPSILON_STOPS
from core.setting.schema import CATEGORIES
from core.store.room_store import Activity, RoomUnavailableError
from ui import room as ui_room
from ui import room_participant as participant_ui

st.set_page_config(
    page_title="Room · Privacy Tradeoff Explorer",
    layout="centered",
    initial_sidebar_state="collapsed",
)
ui.keep_settings()  # the explorer's settings survive a visit here
st.markdown(participant_ui.PHONE_CSS, unsafe_allow_html=True)
store = ui_room.get_room_store()
token = ui_room.browser_token()
code = participant_ui.room_code(store)
activity = participant_ui.current_activity(store, code)
st.caption(f"Room **{code}** · Privacy Tradeoff Explorer")


# -- activity 1: randomised response -------------------------------------------------------------
def _randomised_response(activity: Activity) -> None:
    coin = activity.coin
    participant_ui.question(activity.question)
    st.markdown(coin_instructions_text(coin))
    participant_ui.coin_flipper(activity)
    yes, no = st.columns(2)
    yes.button(
        "Yes",
        key=f"rr_yes_{activity.id}",
        type="primary",
        width="stretch",
        on_click=participant_ui.send,
        args=(store, token, activity, {"said_yes": True}),
    )
    no.button(
        "No",
        key=f"rr_no_{activity.id}",
        type="primary",
        width="stretch",
        on_click=participant_ui.send,
        args=(store, token, activity, {"said_yes": False}),
    )
    st.caption(randomised_response_odds_text(coin) + " " + SERVER_SEES)


# -- activity 2: the room's consent --------------------------------------------------------------
def _consent(activity: Activity) -> None:
    participant_ui.question(
        "Which of your data would you let a shop use to personalise your recommendations?"
    )
    info = participant_ui.category_info()
    with st.form(f"consent_form_{activity.id}", border=False):
        share = {
            category: st.toggle(
                f"{info[category]['label']}: {info[category]['plain']}",
                key=f"consent_{category}_{activity.id}",
            )
            for category in CATEGORIES
        }
        opt_out = st.toggle(
            "Opt out of personalisation entirely (get the popular-items list)",
            key=f"consent_opt_out_{activity.id}",
        )
        if st.form_submit_button("Send my choices", type="primary", width="stretch"):
            participant_ui.send(store, token, activity, {"share": share, "opt_out": opt_out})
            st.rerun()
    st.caption(consent_not_private_text())


# -- activity 3: pick your ε ---------------------------------------------------------------------
def _pick_epsilon(activity: Activity) -> None:
    participant_ui.question("Which ε would you accept for a model trained on your data?")
    epsilon = st.select_slider(
        "Your ε (← more private · more accurate →)",
        options=list(EPSILON_STOPS),
        value=1.0,
        key=f"pick_epsilon_{activity.id}",
        format_func=lambda v: f"{v:g}",
    )
    st.markdown(participant_ui.epsilon_pick_text(epsilon))
    st.button(
        f"Send ε = {format_epsilon(epsilon)}",
        key=f"send_epsilon_{activity.id}",
        type="primary",
        width="stretch",
        on_click=participant_ui.send,
        args=(store, token, activity, {"epsilon": epsilon}),
    )
    st.caption(SERVER_SEES)


ANSWER = {
    RANDOMISED_RESPONSE: _randomised_response,
    ROOM_CONSENT: _consent,
    PICK_EPSILON: _pick_epsilon,
}

participant_ui.show_message()
try:
    if activity is None:
        st.info("You are in. Waiting for the facilitator to start the first activity…")
        participant_ui.wait_for_change(store, code, None)
    elif activity.revealed:
        participant_ui.result(store, activity)
        st.caption("Waiting for the next activity…")
        participant_ui.wait_for_change(store, code, (activity.id, True))
    elif store.has_answered(activity.id, token):
        st.success("Your answer is in. Waiting for the facilitator to reveal the result…")
        participant_ui.wait_for_change(store, code, (activity.id, False))
    else:
        ANSWER[activity.kind](activity)
except RoomUnavailableError as error:
    participant_ui.unavailable(store, code, error)
ui_room.remember_browser()
