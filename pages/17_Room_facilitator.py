"""Run a room: the facilitator's projector view (1280×720 and up) and its controls.

Open a room, show its code, link and QR code, start the three activities, watch the answers
arrive (a fragment rereads the room every 1.5 s while answers are open, on this page only),
reveal, close the room and delete its answers. The controls and the app's page list live in
the sidebar, which starting an activity collapses; Reveal is on the main area, which is what the
room sees.
"""

import html
from urllib.parse import urlencode

import streamlit as st

import ui
from core.figures import format_epsilon, group_bars
from core.room_figures import (
    consent_shares_figure,
    epsilon_choices_figure,
    randomised_response_figure,
)
from core.room_store import Activity, RoomUnavailableError
from core.rooms import (
    ACTIVITY_KINDS,
    COINS,
    DEFAULT_ROOM_HOURS,
    MAX_QUESTION_LENGTH,
    MAX_ROOM_HOURS,
    PICK_EPSILON,
    RANDOMISED_RESPONSE,
    ROOM_CONSENT,
    SAMPLE_QUESTIONS,
    RoomError,
    consent_shares,
    consent_totals_shown,
    consent_withheld_text,
    epsilon_choices,
    epsilon_text,
    estimate_true_share,
    odds_text,
    posterior_odds,
    room_scenario,
)
from core.scenario import Scenario
from core.storage import StorageError, owner_of_room
from ui import room as ui_room

LIVE_REFRESH_S = 1.5
PROJECTOR_FONT_PX = 20  # root font: Streamlit sizes in rem, so this scales the whole page
CHART_FONT = 18
CHART_HEIGHT = 330  # with the header and the headline row, fits 1280×720 without scrolling
OWN_QUESTION = "Type my own question…"

store = ui_room.get_room_store()


# -- which room, and is this the facilitator? ----------------------------------------------------
def _read_link() -> None:
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
    key = st.query_params.get("key") or ui_room.remembered_room_key(room.code)
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
    ui_room.mark_facilitator(code)


def _open_room() -> None:
    """Callback: open a new room for the chosen number of hours."""
    try:
        code, key = store.open_room(st.session_state.get("room_hours", DEFAULT_ROOM_HOURS))
    except (RoomError, TypeError, ValueError) as error:
        st.session_state["_facilitator_error"] = str(error)
        return
    _become_facilitator(code, key)


_read_link()
facilitator = st.session_state.get("_facilitator")
room = activity = None
if facilitator:
    try:
        room = store.room(facilitator[0], allow_closed=True)
        activity = store.current_activity(room.code, allow_closed=True)
    except RoomUnavailableError as error:
        ui_room.wait_for_database(
            str(error),
            lambda: store.current_activity(facilitator[0], allow_closed=True),
            every_s=LIVE_REFRESH_S,
        )
    except RoomError as error:
        st.session_state["_facilitator_error"] = str(error)
        st.session_state.pop("_facilitator", None)
        facilitator = room = None
live = bool(room and not room.closed and activity and not activity.revealed)
st.set_page_config(
    page_title="Run a room · Privacy Tradeoff Explorer",
    layout="wide",
    # Setting up: the controls are in view. Running: the room sees the projector view.
    initial_sidebar_state="collapsed" if activity else "expanded",
)
ui.keep_settings()  # the explorer's settings survive a visit here
st.markdown(
    f"<style>html {{ font-size: {PROJECTOR_FONT_PX}px; }}"
    ".block-container{padding-top:3rem;padding-bottom:1rem}"
    ".pte-code{font-size:2.2rem;font-weight:700;letter-spacing:.04em;line-height:1.1;"
    "white-space:nowrap}"
    ".pte-join{font-size:.9rem;opacity:.8;word-break:break-all}"
    ".pte-row .pte-cell{flex:1 1 9rem}"  # four headline numbers in one row at 1280 px
    ".pte-projector-question{font-size:1.6rem;font-weight:600;line-height:1.25;margin:0 0 .3rem}"
    "</style>",
    unsafe_allow_html=True,
)
if st.session_state.get("_facilitator_error"):
    st.error(ui.plain(st.session_state["_facilitator_error"]), icon=":material/error:")
if st.session_state.get("_facilitator_message"):
    st.success(ui.plain(st.session_state.pop("_facilitator_message")))
# Keep the key out of the address bar: the page is projected. This browser keeps it in a cookie.
if room and (st.query_params.get("room") != room.code or "key" in st.query_params):
    st.query_params.from_dict({"room": room.code})


def _open_room_panel() -> None:
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
    st.button("Open a new room", type="primary", key="open_room", on_click=_open_room)
    _page_list()
    ui_room.remember_browser()


def _page_list(title: str = "The app's pages") -> None:
    """The way to every other page (the session's settings go with it)."""
    with st.sidebar:
        st.markdown(f"#### {title}")
        ui.page_list()


if room is None:
    _open_room_panel()
    st.stop()
code, key = facilitator
if room.closed:
    st.info(
        f"Room {code} is closed and its answers are deleted. Open a new room to start again.",
        icon=":material/lock:",
    )
    _open_room_panel()
    st.stop()


# -- controls (sidebar) --------------------------------------------------------------------------
def _run(action, *args) -> None:
    """Callback wrapper: a refused action becomes a message, never a traceback."""
    try:
        action(*args)
        st.session_state.pop("_facilitator_error", None)
    except (RoomError, StorageError) as error:
        st.session_state["_facilitator_error"] = str(error)


def _start() -> None:
    kind = st.session_state["next_kind"]
    if kind == RANDOMISED_RESPONSE:
        picked = st.session_state.get("question_pick")
        question = st.session_state.get("question_own", "") if picked == OWN_QUESTION else picked
        coin = COINS[st.session_state.get("coin_pick", "fair")]
        store.start_activity(code, key, kind, question or "", coin.truth_probability)
    else:
        store.start_activity(code, key, kind)


def _close() -> None:
    deleted = store.close_room(code, key)
    answers = "1 answer" if deleted == 1 else f"{deleted} answers"
    st.session_state["_facilitator_message"] = f"Room {code} closed; {answers} deleted."


sidebar = st.sidebar
sidebar.markdown(f"### Room {code}")
sidebar.radio(
    "Next activity", list(ACTIVITY_KINDS), format_func=ACTIVITY_KINDS.get, key="next_kind"
)
if st.session_state["next_kind"] == RANDOMISED_RESPONSE:
    sidebar.selectbox("Question", [*SAMPLE_QUESTIONS, OWN_QUESTION], key="question_pick")
    if st.session_state["question_pick"] == OWN_QUESTION:
        sidebar.text_area("Your yes/no question", max_chars=MAX_QUESTION_LENGTH, key="question_own")
    sidebar.radio(
        "Coin",
        list(COINS),
        format_func=lambda name: f"{COINS[name].label}: ε = {epsilon_text(COINS[name].epsilon)}",
        key="coin_pick",
        help="Everyone in the room uses the same coin, so the estimate can undo it. A coin "
        "that tells the truth less often gives each person more deniability (smaller ε) and "
        "the room a wider interval.",
    )
sidebar.button(
    "Start this activity", type="primary", key="start_activity", on_click=_run, args=(_start,)
)
with sidebar.expander("Your facilitator link (keep it private)"):
    st.markdown(
        "Whoever has it can run and close this room. This browser remembers the key; the "
        "address bar shows only the room code, so projecting this page does not show it."
    )
    st.code(ui_room.facilitator_link(code, key), language=None, wrap_lines=True)
sidebar.markdown("#### End the room")
sure = sidebar.checkbox("Yes, close it and delete every answer", key="confirm_close")
sidebar.button("Close the room", key="close_room", disabled=not sure, on_click=_run, args=(_close,))
_page_list("Other pages (the room keeps running)")


# -- the projector view --------------------------------------------------------------------------
def _join_panel() -> None:
    link = ui_room.participant_link(code)
    st.markdown(
        f"<div class='pte-join'>Join on your phone</div><div class='pte-code'>{code}</div>",
        unsafe_allow_html=True,
    )
    st.image(ui_room.qr_png(link), width=230, caption="Scan to join")
    st.markdown(f"<div class='pte-join'>{html.escape(link)}</div>", unsafe_allow_html=True)


def _facilitator_panel() -> None:
    """Reveal stays on the projector view: starting an activity collapses the sidebar."""
    if activity and not activity.revealed:
        st.button(
            "Reveal the result",
            key="reveal",
            type="primary",
            help="Closes the answers and shows the result here and on every phone.",
            on_click=_run,
            args=(store.reveal, code, key, activity.id),
        )
    st.caption(
        "Facilitator: the next activity, closing the room and the app's other pages are in "
        "the sidebar (› at the top left)."
    )


def _randomised_response_view(activity: Activity, answers: list[dict]) -> None:
    coin = activity.coin
    result = estimate_true_share(
        sum(a["said_yes"] for a in answers), len(answers), activity.truth_probability
    )
    interval = "—" if result.low is None else f"95% interval {result.low:.0%}–{result.high:.0%}"
    items = [
        (
            "Truly yes (estimate)",
            ui.percent(result.shown_estimate),
            interval,
            "Unbiased estimate: (share of yes − (1 − p)/2) / p, with p the chance the coin says "
            "'tell the truth'. Interval: Wilson's 95% interval of the yes share, mapped the same "
            "way and clipped to 0–100%.",
        ),
        (
            "Said yes after the coin",
            ui.percent(result.yes_share),
            f"{result.answers} answers",
            "The raw share of 'yes' the server received. The coin adds yes and no at random.",
        ),
        (
            "ε per answer",
            epsilon_text(result.epsilon).split(" ≈ ")[0],
            f"≈ {result.epsilon:.2f} · {coin.label.split(' (')[0].lower()}",
            "ln(P(yes | truly yes) / P(yes | truly no)) for this coin: local differential "
            "privacy of one answer to this one question.",
        ),
    ]
    if activity.revealed:
        odds = posterior_odds(result.epsilon)
        items.append(
            (
                "How sure about one person?",
                odds_text(odds),
                f"at most {odds / (1 + odds):.0%}, from an even guess",
                "Seeing one person's answer moves even odds (1 : 1) about their true answer at "
                "most to e^ε : 1.",
            )
        )
    ui.headline_numbers(items)
    ui.chart(
        randomised_response_figure(result, font_size=CHART_FONT, height=CHART_HEIGHT - 60),
        key="rr_chart",
        config={"displayModeBar": False},
    )
    st.caption(
        "The server received only the randomised yes/no of each phone, never a coin. "
        f"Coin: {coin.real_coins}"
    )


def _consent_view(activity: Activity, answers: list[dict]) -> None:
    info = ui.current_dataset().schema.category_info
    labels = {category: value["label"] for category, value in info.items()}
    if not consent_totals_shown(len(answers), activity.revealed):
        ui.headline_numbers([("Choices in", str(len(answers)), "from the room", "")])
        st.info(consent_withheld_text(len(answers), activity.revealed), icon=":material/lock:")
        return
    shares = consent_shares(answers)
    scenario = room_scenario(answers)
    everyone = Scenario(epsilon=scenario.epsilon)
    result, full = ui.get_evaluation(scenario), ui.get_evaluation(everyone)
    segments = result["segments"]
    ui.headline_numbers(
        [
            (
                "The room's choices",
                ui.percent(result["accuracy"]),
                f"± {100 * result['accuracy_std']:.1f} pp · "
                f"{result['data_collected_share']:.0%} of the data collected",
                "Right first suggestions for everyone, with the room's consent and opt-out "
                "shares applied to the synthetic shoppers; ± is the spread over noise draws. "
                "Data collected: share of person × category cells the platform holds.",
            ),
            (
                "Everyone shares all",
                ui.percent(full["accuracy"]),
                f"same ε = {format_epsilon(scenario.epsilon)}, nobody opts out",
                "",
            ),
            (
                "Opted out get",
                ui.percent(segments["opted_out"]["accuracy"]),
                f"popular items · {shares['opt_out']:.0%} of the room",
                "People who opt out get the differentially private popular-items list.",
            ),
        ]
    )
    dataset = ui.current_dataset()
    bars = {
        "Opted in": (segments["opted_in"]["accuracy"], segments["opted_in"]["accuracy_std"]),
        "Opted out": (segments["opted_out"]["accuracy"], segments["opted_out"]["accuracy_std"]),
    }
    for name in result["segment_names"]:
        label = dataset.segment_labels.get(name, name)
        bars[label.capitalize()] = (segments[name]["accuracy"], segments[name]["accuracy_std"])
    left, right = st.columns([3, 2])
    who_pays = group_bars(
        bars, title="Who pays: right recommendations per group", font_size=CHART_FONT
    )
    who_pays.update_layout(height=CHART_HEIGHT)
    ui.chart(
        who_pays,
        key="consent_who_pays",
        config={"displayModeBar": False},
        container=left,
    )
    with right:
        ui.chart(
            consent_shares_figure(shares, labels, font_size=14, height=260),
            key="consent_chart",
            config={"displayModeBar": False},
        )
        explorer = f"{ui_room.base_url()}/?{urlencode(scenario.to_params())}"
        st.link_button("Open the room's choices in the explorer", explorer)
        st.button(
            "Save as the room's scenario",
            key="save_room_scenario",
            on_click=_run,
            args=(_save_room_scenario, scenario),
        )
    st.caption(
        "Not differential privacy: an aggregate of the choices each phone declared, shown to "
        "the room. Bars: ±1 standard deviation over noise draws."
    )


def _save_room_scenario(scenario: Scenario) -> None:
    store_ = ui.get_store()
    store_.save(
        f"Room {code}: the room's consent",
        scenario,
        note=f"Consent and opt-out shares of workshop room {code}.",
        overwrite=True,
        owner=owner_of_room(code),
        actor=ui_room.actor(),
    )
    st.session_state["_facilitator_message"] = (
        "Saved on the Save & compare page; participants can load and copy it."
    )


def _epsilon_view(activity: Activity, answers: list[dict]) -> None:
    choices = epsilon_choices(answers)
    base = Scenario()
    table = ui.frontier_for(base)
    refs = ui.references_for(base)
    median = choices.median
    ui.headline_numbers(
        [
            ("Picks", str(choices.total), "from the room", ""),
            (
                "Median ε",
                "—" if median is None else format_epsilon(median),
                ""
                if median is None
                else f"odds about you grow at most {odds_text(posterior_odds(median))}",
                "",
            ),
            (
                "Most private pick",
                "—"
                if not choices.total
                else format_epsilon(min(e for e, n in choices.counts.items() if n)),
                "",
                "",
            ),
        ]
    )
    ui.chart(
        epsilon_choices_figure(
            table,
            choices,
            ceiling=refs["nonprivate_accuracy"],
            floor=refs["popularity_accuracy"],
            font_size=CHART_FONT,
            height=CHART_HEIGHT,
        ),
        key="epsilon_chart",
        config={"displayModeBar": False},
    )


VIEWS = {
    RANDOMISED_RESPONSE: _randomised_response_view,
    ROOM_CONSENT: _consent_view,
    PICK_EPSILON: _epsilon_view,
}


@st.fragment(run_every=LIVE_REFRESH_S if live else None)
def projector() -> None:
    try:
        current = store.current_activity(code)
        answers = store.answers(current.id) if current is not None else []
    except RoomUnavailableError as error:
        # A database restart: say so and keep the timer; the next tick redraws the room.
        st.warning(ui.plain(str(error)), icon=":material/sync_problem:")
        return
    except RoomError as error:
        st.error(ui.plain(str(error)))
        return
    if current is None:
        st.markdown(
            "<div class='pte-projector-question'>Scan the code to join. The first activity "
            "starts soon.</div>",
            unsafe_allow_html=True,
        )
        return
    if current.id != activity.id or current.revealed != activity.revealed:
        st.rerun()  # the activity changed elsewhere: redraw the controls too
    is_question = current.kind == RANDOMISED_RESPONSE
    title = current.question if is_question else ACTIVITY_KINDS[current.kind]
    st.markdown(
        f"<div class='pte-projector-question'>{html.escape(title)}</div>", unsafe_allow_html=True
    )
    VIEWS[current.kind](current, answers)
    state = "revealed" if current.revealed else "answers open · updates every 1.5 s"
    count = "1 answer" if len(answers) == 1 else f"{len(answers)} answers"
    # The load test reads the count from this line (scripts/room_load_test.py).
    st.caption(f"Room {code} · {count} · {state}")


main, join = st.columns([3.2, 1], gap="medium")
with join:
    _join_panel()
    _facilitator_panel()
with main:
    projector()
if st.session_state.pop("_store_key_cookie", False):
    ui_room.write_cookie(ui_room.room_key_cookie(code), key)
ui_room.remember_browser()
