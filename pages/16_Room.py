"""Join a room: the participants' page, phone first (works at 360 px), no sidebar.

Join by link (``?room=K7Q-2MF``) or by typing the code; answer the current activity; see the
room's result once the facilitator reveals it. While waiting, a slow fragment checks the room
every few seconds; while someone is answering, nothing polls.
"""

import html

import streamlit as st

import ui
from core.explain import epsilon_card
from core.figures import format_epsilon
from core.room_store import Activity, RoomUnavailableError
from core.rooms import (
    MIN_CONSENT_CHOICES,
    PICK_EPSILON,
    RANDOMISED_RESPONSE,
    ROOM_CONSENT,
    RoomError,
    consent_shares,
    consent_totals_shown,
    consent_withheld_text,
    epsilon_choices,
    epsilon_text,
    estimate_true_share,
    odds_text,
    posterior_odds,
)
from core.scenario import EPSILON_STOPS
from core.schema import CATEGORIES
from ui import room as ui_room

WAIT_POLL_S = 4  # 60 idle phones: 15 cheap reads a second in all

st.set_page_config(
    page_title="Room · Privacy Tradeoff Explorer",
    layout="centered",
    initial_sidebar_state="collapsed",
)
ui.keep_settings()  # the explorer's settings survive a visit here
st.markdown(
    ui_room.HIDE_SIDEBAR_CSS + "<style>.block-container{padding:3.5rem 1rem 3rem;max-width:40rem}"
    ".pte-question{font-size:1.5rem;line-height:1.3;font-weight:600;margin:.25rem 0 1rem}"
    ".pte-coin button{font-size:1.1rem;padding:.6rem 1rem;border-radius:.5rem;"
    "border:1px solid #0072B2;background:#fff;color:#0072B2}"
    ".pte-coin-out{font-size:1.2rem;margin:.6rem 0;min-height:1.5em}</style>",
    unsafe_allow_html=True,
)
store = ui_room.get_room_store()
token = ui_room.browser_token()


def _join(code_text: str) -> None:
    """Callback of the join form: check the code, remember it, put it in the URL."""
    try:
        room = store.room(code_text)
    except RoomError as error:
        _cannot_enter(code_text, error)
        return
    st.session_state["room_code"] = room.code
    st.session_state.pop("_room_error", None)
    st.session_state.pop("_room_ended", None)


def _cannot_enter(code_text: str, error: RoomError) -> None:
    """A closed room is the normal end of a workshop: a calm notice; anything else: an error."""
    ended = ui_room.ended_message(store, code_text) if isinstance(code_text, str) else None
    if ended:
        st.session_state["_room_ended"] = ended
        st.session_state.pop("_room_error", None)
    else:
        st.session_state["_room_error"] = str(error)
        st.session_state.pop("_room_ended", None)


def _join_form() -> None:
    st.markdown("### Join a workshop room")
    st.text_input("Room code (on the projector)", key="room_code_typed", placeholder="K7Q-2MF")
    st.button(
        "Join",
        type="primary",
        key="join_room",
        width="stretch",
        on_click=lambda: _join(st.session_state.get("room_code_typed", "")),
    )
    if st.session_state.get("_room_ended"):
        st.info(st.session_state["_room_ended"], icon=":material/waving_hand:")  # our own words
    if st.session_state.get("_room_error"):
        st.error(ui.plain(st.session_state["_room_error"]), icon=":material/error:")


# -- which room: the link's, or the one typed ----------------------------------------------------
if "room_code" not in st.session_state and "_room_link_read" not in st.session_state:
    linked = st.query_params.get("room")
    if linked:
        try:
            store.room(linked, allow_closed=True)
        except RoomUnavailableError as error:
            # Keep the link: join once the database answers again (a restart, a blip).
            ui_room.wait_for_database(
                str(error), lambda: store.room(linked, allow_closed=True), every_s=WAIT_POLL_S
            )
        except RoomError:
            pass  # _join says what is wrong with the code
        _join(linked)
    st.session_state["_room_link_read"] = True
code = st.session_state.get("room_code")
if code is None:
    _join_form()
    ui_room.remember_browser()
    st.stop()
if st.query_params.get("room") != code:
    st.query_params.from_dict({"room": code})  # a reload stays in the room; no token in it


def _unavailable(error: RoomUnavailableError) -> None:
    """Nothing was stored; the phone keeps its room and token and reloads once the database is
    back."""
    ui_room.wait_for_database(str(error), lambda: store.current_activity(code), every_s=WAIT_POLL_S)


try:
    activity = store.current_activity(code)
except RoomUnavailableError as error:
    _unavailable(error)
except RoomError as error:
    _cannot_enter(code, error)
    st.session_state.pop("room_code", None)
    st.query_params.clear()
    _join_form()
    ui_room.remember_browser()
    st.stop()

st.caption(f"Room **{code}** · Privacy Tradeoff Explorer")
SERVER_SEES = (
    "**What the server sees:** only the answer you send, and a random token kept by this "
    "browser. The token stops double votes; it also links your answers to the activities of "
    "this room (not to other rooms), so the server could tell that the same unnamed browser "
    "gave them. The app stores no name and no IP address. Closing the room deletes the answers."
)


def _waiting(seen: tuple) -> None:
    """Check the room every few seconds and rerun the page when it changes."""

    @st.fragment(run_every=WAIT_POLL_S)
    def watch() -> None:
        try:
            current = store.current_activity(code)
            now = (current.id, current.revealed) if current else None
        except RoomUnavailableError:
            return  # the database is away for a moment: keep waiting, ask again next time
        except RoomError:
            now = "gone"
        if now != seen:
            st.rerun()

    watch()


def _message() -> None:
    message = st.session_state.pop("_answer_message", None)
    if message:
        st.warning(ui.plain(message), icon=":material/block:")


def _send(activity: Activity, answer: dict) -> None:
    """Callback: send one answer; a replay or a closed activity gets its message."""
    try:
        store.submit_answer(code, activity.id, token, answer)
    except RoomError as error:
        st.session_state["_answer_message"] = str(error)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


# -- activity 1: randomised response -------------------------------------------------------------
COIN_SCRIPT = """
<div class="pte-coin">
  <button id="pte-flip-{id}" type="button">Flip this page's coin</button>
  <div id="pte-coin-out-{id}" class="pte-coin-out" aria-live="polite"></div>
</div>
<script>
(function () {{
  const button = document.getElementById("pte-flip-{id}");
  const out = document.getElementById("pte-coin-out-{id}");
  if (!button || button.dataset.ready) return;
  button.dataset.ready = "1";
  // Drawn here, in this browser, with the Web Crypto generator: the result is never sent.
  const heads = () => (crypto.getRandomValues(new Uint8Array(1))[0] & 1) === 1;
  const word = (h) => (h ? "heads" : "tails");
  button.addEventListener("click", function () {{
    const a = heads(), b = heads();
    const rule = "{coin}";
    const truthful = rule === "fair" ? a : rule === "cautious" ? a && b : a || b;
    const shown = rule === "fair" ? [a] : [a, b];
    let text = "Coin: " + shown.map(word).join(", ");
    if (truthful) {{
      text += " → answer truthfully.";
    }} else {{
      const c = heads();
      text += ". Then " + word(c) + " → tap " + (c ? "YES" : "NO") + ", whatever the truth.";
    }}
    out.textContent = text;
    button.disabled = true;
  }});
}})();
</script>
"""


def _randomised_response(activity: Activity) -> None:
    coin = activity.coin
    st.markdown(
        f"<div class='pte-question'>{html.escape(activity.question)}</div>", unsafe_allow_html=True
    )
    st.markdown(
        f"**Before you answer:** {coin.real_coins} Use a real coin, or this "
        "page's coin, which is flipped in your browser and never sent."
    )
    st.html(
        COIN_SCRIPT.format(id=int(activity.id), coin=coin.name),
        unsafe_allow_javascript=True,
    )
    yes, no = st.columns(2)
    yes.button(
        "Yes",
        key=f"rr_yes_{activity.id}",
        type="primary",
        width="stretch",
        on_click=_send,
        args=(activity, {"said_yes": True}),
    )
    no.button(
        "No",
        key=f"rr_no_{activity.id}",
        type="primary",
        width="stretch",
        on_click=_send,
        args=(activity, {"said_yes": False}),
    )
    odds = posterior_odds(coin.epsilon)
    st.caption(
        f"Nobody can know your true answer: a 'yes' from you is {odds:.3g} times as likely if "
        f"your true answer is yes as if it is no, so from an even guess anyone can be at most "
        f"{odds_text(odds)} sure of your true answer "
        f"(ε = {epsilon_text(coin.epsilon)} for this one question). The server never sees a "
        "coin. " + SERVER_SEES
    )


def _randomised_response_result(activity: Activity) -> None:
    answers = store.answers(activity.id)
    result = estimate_true_share(
        sum(a["said_yes"] for a in answers), len(answers), activity.truth_probability
    )
    st.markdown(
        f"<div class='pte-question'>{html.escape(activity.question)}</div>", unsafe_allow_html=True
    )
    if result.answers == 0:
        st.info("Nobody answered.")
        return
    odds = posterior_odds(result.epsilon)
    st.metric(
        "The room: truly yes (estimate)",
        ui.percent(result.shown_estimate),
        help="Unbiased estimate from the randomised answers (clipped to 0–100% for display).",
    )
    st.markdown(
        f"95% interval: **{result.low:.0%} to {result.high:.0%}**, from "
        f"{_count(result.answers, 'answer')}, of which {result.yes_share:.0%} said yes "
        "after the coin.\n\n"
        f"How sure could anyone be about one person's answer? At most **{odds_text(odds)}** "
        f"({odds / (1 + odds):.0%}), starting from an even guess: "
        f"ε = {epsilon_text(result.epsilon)}."
    )


# -- activity 2: the room's consent --------------------------------------------------------------
def _category_info() -> dict:
    return ui.current_dataset().schema.category_info


def _consent(activity: Activity) -> None:
    st.markdown(
        "<div class='pte-question'>Which of your data would you let a shop use to personalise "
        "your recommendations?</div>",
        unsafe_allow_html=True,
    )
    info = _category_info()
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
            _send(activity, {"share": share, "opt_out": opt_out})
            st.rerun()
    st.caption(
        "This activity is not randomised and not differentially private: your choices are "
        "stored as you send them. The projector shows only the room's totals, once, when the "
        f"answers close, and only if at least {MIN_CONSENT_CHOICES} people sent choices (a "
        "total of a few people can still give someone away). " + SERVER_SEES
    )


def _consent_result(activity: Activity) -> None:
    answers = store.answers(activity.id)
    if not consent_totals_shown(len(answers), activity.revealed):
        st.info(consent_withheld_text(len(answers), activity.revealed))
        return
    shares = consent_shares(answers)
    info = _category_info()
    lines = [f"- {info[c]['label']}: **{shares[f'consent_{c}']:.0%}**" for c in CATEGORIES]
    lines.append(f"- Opt out entirely: **{shares['opt_out']:.0%}**")
    st.markdown("#### What the room would share\n" + "\n".join(lines))
    st.caption("What these choices cost in accuracy, and who pays, is on the projector.")


# -- activity 3: pick your ε ---------------------------------------------------------------------
def _pick_epsilon(activity: Activity) -> None:
    st.markdown(
        "<div class='pte-question'>Which ε would you accept for a model trained on your "
        "data?</div>",
        unsafe_allow_html=True,
    )
    epsilon = st.select_slider(
        "Your ε (← more private · more accurate →)",
        options=list(EPSILON_STOPS),
        value=1.0,
        key=f"pick_epsilon_{activity.id}",
        format_func=lambda v: f"{v:g}",
    )
    card = epsilon_card(epsilon)
    st.markdown(
        f"**{card['headline']}** ({card['strength']}): anyone's odds about you can grow at "
        f"most **{odds_text(posterior_odds(epsilon))}** from an even guess.\n\n{card['sentence']}"
    )
    st.button(
        f"Send ε = {format_epsilon(epsilon)}",
        key=f"send_epsilon_{activity.id}",
        type="primary",
        width="stretch",
        on_click=_send,
        args=(activity, {"epsilon": epsilon}),
    )
    st.caption(SERVER_SEES)


def _pick_epsilon_result(activity: Activity) -> None:
    choices = epsilon_choices(store.answers(activity.id))
    if choices.median is None:
        st.info("Nobody answered.")
        return
    st.metric("The room's median ε", format_epsilon(choices.median))
    st.caption(f"{choices.total} picks. The projector shows them on the frontier.")


ANSWER = {
    RANDOMISED_RESPONSE: _randomised_response,
    ROOM_CONSENT: _consent,
    PICK_EPSILON: _pick_epsilon,
}
RESULT = {
    RANDOMISED_RESPONSE: _randomised_response_result,
    ROOM_CONSENT: _consent_result,
    PICK_EPSILON: _pick_epsilon_result,
}

_message()
try:
    if activity is None:
        st.info("You are in. Waiting for the facilitator to start the first activity…")
        _waiting(None)
    elif activity.revealed:
        RESULT[activity.kind](activity)
        st.caption("Waiting for the next activity…")
        _waiting((activity.id, True))
    elif store.has_answered(activity.id, token):
        st.success("Your answer is in. Waiting for the facilitator to reveal the result…")
        _waiting((activity.id, False))
    else:
        ANSWER[activity.kind](activity)
except RoomUnavailableError as error:
    _unavailable(error)
ui_room.remember_browser()
