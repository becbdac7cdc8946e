"""The facilitator's room page (pages/17_Room_facilitator.py): which room, its actions, its views.

The page lays out the controls and the projector; this module reads the link and the store,
runs the facilitator's actions (a refused one becomes a message, never a traceback) and draws
the projector's view of each activity from numbers and sentences computed in
:mod:`core.rooms.workshop`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from urllib.parse import urlencode

import streamlit as st

from core.rooms.room_figures import (
    consent_shares_figure,
    consent_who_pays_figure,
    epsilon_choices_figure,
    randomised_response_figure,
)
from core.rooms.workshop import (
    COINS,
    CONSENT_PROJECTOR_NOTE,
    DEFAULT_ROOM_HOURS,
    PICK_EPSILON,
    RANDOMISED_RESPONSE,
    ROOM_CONSENT,
    RoomError,
    closed_room_text,
    consent_headlines,
    consent_shares,
    consent_totals_shown,
    consent_withheld_text,
    epsilon_choices,
    epsilon_headlines,
    estimate_from_answers,
    projector_status_text,
    randomised_response_headlines,
    randomised_response_server_text,
    room_scenario,
)
from core.setting.scenario import Scenario
from core.store.room_store import Activity, Room, RoomStore, RoomUnavailableError
from core.store.storage import StorageError, owner_of_room
from ui.cached import current_dataset, frontier_for, get_evaluation, get_store, references_for
from ui.chrome import page_list as app_page_list
from ui.display import chart, headline_numbers, plain
from ui.room import (
    actor,
    base_url,
    facilitator_link,
    mark_facilitator,
    participant_link,
    qr_png,
    remembered_room_key,
    room_key_cookie,
    wait_for_database,
    write_cookie,
)

LIVE_REFRESH_S = 1.5
PROJECTOR_FONT_PX = 20  # root font: Streamlit sizes in rem, so this scales the whole page
CHART_FONT = 18
CHART_HEIGHT = 330  # with the header and the headline row, fits 1280×720 without scrolling
OWN_QUESTION = "Type my own question…"
NO_MODE_BAR = {"displayModeBar": False}
PROJECTOR_CSS = (
    f"<style>html {{ font-size: {PROJECTOR_FONT_PX}px; }}"
    ".block-container{padding-top:3rem;padding-bottom:1rem}"
    ".pte-code{font-size:2.2rem;font-weight:700;letter-spacing:.04em;line-height:1.1;"
    "white-space:nowrap}"
    ".pte-join{font-size:.9rem;opacity:.8;word-break:break-all}"
    ".pte-row .pte-cell{flex:1 1 9rem}"  # four headline numbers in one row at 1280 px
    ".pte-projector-question{font-size:1.6rem;font-weight:600;line-height:1.25;margin:0 0 .3rem}"
    "</style>"
)


# -- which room, and is this the facilitator? ----------------------------------------------------
def read_link(store: RoomStore) -> None:
    """First run: take room and key from the link (or the key from this browser's cookie)."""
    if "_facilitator_link_read" in st.session_state:
        return
    st.session_state["_facilitator_link_read"] = True
    code = st.query_params.get("room")
    if not code:
        return
    try:
        room = store.room(code, allow_closed=True)
    except RoomError as error:
        st.session_state["_facilitator_error"] = str(error)
        return
    key = st.query_params.get("key") or remembered_room_key(room.code)
    if not key:
        st.session_state["_facilitator_error"] = (
            f"This link has no facilitator key for room {room.code}. Participants join on the "
            "Room page; to run the room use the facilitator link you got when you opened it."
        )
        return
    if not store.is_facilitator(room.code, key):
        st.session_state["_facilitator_error"] = (
            f"That is not the facilitator key of room {room.code}. Use the facilitator link "
            "you got when you opened the room, or open a new room."
        )
        return
    _become_facilitator(room.code, key)


def _become_facilitator(code: str, key: str) -> None:
    st.session_state["_facilitator"] = (code, key)
    st.session_state["_store_key_cookie"] = True
    st.session_state.pop("_facilitator_error", None)
    mark_facilitator(code)


def credentials() -> tuple[str, str] | None:
    """(room code, facilitator key) of the room this session runs, if any."""
    return st.session_state.get("_facilitator")


def current_room(store: RoomStore) -> tuple[Room | None, Activity | None]:
    """The room this session runs and its current activity (None, None without one).

    A room that cannot be run any more becomes a message; a database that does not answer
    stops the run until it answers again (see :func:`ui.room.wait_for_database`).
    """
    facilitator = credentials()
    if not facilitator:
        return None, None
    try:
        room = store.room(facilitator[0], allow_closed=True)
        return room, store.current_activity(room.code, allow_closed=True)
    except RoomUnavailableError as error:
        wait_for_database(
            str(error),
            lambda: store.current_activity(facilitator[0], allow_closed=True),
            every_s=LIVE_REFRESH_S,
        )
    except RoomError as error:
        st.session_state["_facilitator_error"] = str(error)
        st.session_state.pop("_facilitator", None)
    return None, None


def refresh_every(activity: Activity | None) -> float | None:
    """How often the projector rereads the room: while answers are open, else never."""
    return LIVE_REFRESH_S if activity and not activity.revealed else None


def show_messages() -> None:
    """The last refused action's reason, and the last action's confirmation (shown once)."""
    if st.session_state.get("_facilitator_error"):
        st.error(plain(st.session_state["_facilitator_error"]), icon=":material/error:")
    if st.session_state.get("_facilitator_message"):
        st.success(plain(st.session_state.pop("_facilitator_message")))


def keep_key_out_of_url(room: Room | None) -> None:
    """The address bar shows the room code only: the page is projected. This browser keeps the
    key in a cookie (:func:`remember_key`)."""
    if room and (st.query_params.get("room") != room.code or "key" in st.query_params):
        st.query_params.from_dict({"room": room.code})


def remember_key(code: str, key: str) -> None:
    """Once per new room or link: this browser keeps the key, so a reload keeps the room."""
    if st.session_state.pop("_store_key_cookie", False):
        write_cookie(room_key_cookie(code), key)


# -- actions (button callbacks) ------------------------------------------------------------------
def open_room(store: RoomStore) -> None:
    """Callback: open a new room for the chosen number of hours."""
    try:
        code, key = store.open_room(st.session_state.get("room_hours", DEFAULT_ROOM_HOURS))
    except (RoomError, TypeError, ValueError) as error:
        st.session_state["_facilitator_error"] = str(error)
        return
    _become_facilitator(code, key)


def run(action: Callable, *args) -> None:
    """Callback wrapper: a refused action becomes a message, never a traceback."""
    try:
        action(*args)
        st.session_state.pop("_facilitator_error", None)
    except (RoomError, StorageError) as error:
        st.session_state["_facilitator_error"] = str(error)


def start_activity(store: RoomStore, code: str, key: str) -> None:
    """Start the activity chosen in the sidebar (for a question: its text and coin)."""
    kind = st.session_state["next_kind"]
    if kind == RANDOMISED_RESPONSE:
        picked = st.session_state.get("question_pick")
        question = st.session_state.get("question_own", "") if picked == OWN_QUESTION else picked
        coin = COINS[st.session_state.get("coin_pick", "fair")]
        store.start_activity(code, key, kind, question or "", coin.truth_probability)
    else:
        store.start_activity(code, key, kind)


def close_room(store: RoomStore, code: str, key: str) -> None:
    """Close the room and delete its answers; the next run says how many were deleted."""
    deleted = store.close_room(code, key)
    st.session_state["_facilitator_message"] = closed_room_text(code, deleted)


def save_room_scenario(code: str, scenario: Scenario) -> None:
    """Save the room's consent as a scenario owned by the room (its facilitator may change it)."""
    get_store().save(
        f"Room {code}: the room's consent",
        scenario,
        note=f"Consent and opt-out shares of workshop room {code}.",
        overwrite=True,
        owner=owner_of_room(code),
        actor=actor(),
    )
    st.session_state["_facilitator_message"] = (
        "Saved on the Save & compare page; participants can load and copy it."
    )


# -- the page's panels ---------------------------------------------------------------------------
def page_list(title: str = "The app's pages") -> None:
    """The way to every other page (the session's settings go with it)."""
    with st.sidebar:
        st.markdown(f"#### {title}")
        app_page_list()


def join_panel(code: str) -> None:
    """The room code, a QR code and the participants' link, large enough for the back row."""
    link = participant_link(code)
    st.markdown(
        "<div class='pte-join'>Join on your phone</div>"
        f"<div class='pte-code'>{html.escape(code)}</div>",
        unsafe_allow_html=True,
    )
    st.image(qr_png(link), width=230, caption="Scan to join")
    st.markdown(f"<div class='pte-join'>{html.escape(link)}</div>", unsafe_allow_html=True)


def facilitator_link_panel(code: str, key: str) -> None:
    """The facilitator's own link (room code and key), to reopen the room from another device."""
    st.markdown(
        "Whoever has it can run and close this room. This browser remembers the key; the "
        "address bar shows only the room code, so projecting this page does not show it."
    )
    st.code(facilitator_link(code, key), language=None, wrap_lines=True)


# -- the projector's view of each activity -------------------------------------------------------
def _randomised_response_view(activity: Activity, answers: list[dict]) -> None:
    coin = activity.coin
    result = estimate_from_answers(answers, activity.truth_probability)
    headline_numbers(randomised_response_headlines(result, coin, activity.revealed))
    chart(
        randomised_response_figure(result, font_size=CHART_FONT, height=CHART_HEIGHT - 60),
        key="rr_chart",
        config=NO_MODE_BAR,
    )
    st.caption(randomised_response_server_text(coin))


def _consent_view(activity: Activity, answers: list[dict]) -> None:
    dataset = current_dataset()
    labels = {category: value["label"] for category, value in dataset.schema.category_info.items()}
    if not consent_totals_shown(len(answers), activity.revealed):
        headline_numbers([("Choices in", str(len(answers)), "from the room", "")])
        st.info(consent_withheld_text(len(answers), activity.revealed), icon=":material/lock:")
        return
    shares = consent_shares(answers)
    scenario = room_scenario(answers)
    everyone = Scenario(epsilon=scenario.epsilon)
    result, full = get_evaluation(scenario), get_evaluation(everyone)
    headline_numbers(consent_headlines(result, full, shares, scenario.epsilon))
    left, right = st.columns([3, 2])
    chart(
        consent_who_pays_figure(
            result, dataset.segment_labels, font_size=CHART_FONT, height=CHART_HEIGHT
        ),
        key="consent_who_pays",
        config=NO_MODE_BAR,
        container=left,
    )
    with right:
        chart(
            consent_shares_figure(shares, labels, font_size=14, height=260),
            key="consent_chart",
            config=NO_MODE_BAR,
        )
        explorer = f"{base_url()}/?{urlencode(scenario.to_params())}"
        st.link_button("Open the room's choices in the explorer", explorer)
        st.button(
            "Save as the room's scenario",
            key="save_room_scenario",
            on_click=run,
            args=(save_room_scenario, activity.room_code, scenario),
        )
    st.caption(CONSENT_PROJECTOR_NOTE)


def _epsilon_view(activity: Activity, answers: list[dict]) -> None:
    choices = epsilon_choices(answers)
    base = Scenario()
    table = frontier_for(base)
    refs = references_for(base)
    headline_numbers(epsilon_headlines(choices))
    chart(
        epsilon_choices_figure(
            table,
            choices,
            ceiling=refs["nonprivate_accuracy"],
            floor=refs["popularity_accuracy"],
            font_size=CHART_FONT,
            height=CHART_HEIGHT,
        ),
        key="epsilon_chart",
        config=NO_MODE_BAR,
    )


VIEWS = {
    RANDOMISED_RESPONSE: _randomised_response_view,
    ROOM_CONSENT: _consent_view,
    PICK_EPSILON: _epsilon_view,
}


def projector(store: RoomStore, code: str, shown: Activity | None) -> None:
    """The room's current activity and its answers, as the room sees them (the page runs this
    in a fragment). ``shown`` is the activity the rest of the page was drawn for: when another
    tab started or revealed one since, the whole page reruns."""
    try:
        current = store.current_activity(code)
        answers = store.answers(current.id) if current is not None else []
    except RoomUnavailableError as error:
        # A database restart: say so and keep the timer; the next tick redraws the room.
        st.warning(plain(str(error)), icon=":material/sync_problem:")
        return
    except RoomError as error:
        st.error(plain(str(error)))
        return
    if current is None:
        st.markdown(
            "<div class='pte-projector-question'>Scan the code to join. The first activity "
            "starts soon.</div>",
            unsafe_allow_html=True,
        )
        return
    if shown is None or current.id != shown.id or current.revealed != shown.revealed:
        st.rerun()  # the activity started or changed elsewhere: redraw the controls too
    st.markdown(
        f"<div class='pte-projector-question'>{html.escape(current.title)}</div>",
        unsafe_allow_html=True,
    )
    VIEWS[current.kind](current, answers)
    st.caption(projector_status_text(code, len(answers), current.revealed, LIVE_REFRESH_S))
