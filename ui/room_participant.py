"""The participants' room page (pages/16_Room.py): which room, sending answers, waiting, results.

The page lays out the answer to each activity; this module finds the room (from the link or the
typed code), sends answers (a refused one becomes a message), waits for the facilitator without
polling while someone answers, and draws the revealed results from :mod:`core.rooms.workshop`.
"""

from __future__ import annotations

import html

import streamlit as st

from core.presentation.explain import epsilon_card
from core.rooms.workshop import (
    PICK_EPSILON,
    RANDOMISED_RESPONSE,
    ROOM_CONSENT,
    RoomError,
    consent_shares,
    consent_totals_shown,
    consent_totals_text,
    consent_withheld_text,
    epsilon_choices,
    estimate_from_answers,
    odds_text,
    posterior_odds,
    randomised_response_result_text,
)
from core.setting.formatting import format_epsilon, percent
from core.store.room_store import Activity, RoomStore, RoomUnavailableError
from ui.cached import current_dataset
from ui.display import plain
from ui.room import HIDE_SIDEBAR_CSS, ended_message, remember_browser, wait_for_database

WAIT_POLL_S = 4  # 60 idle phones: 15 cheap reads a second in all
PHONE_CSS = (
    HIDE_SIDEBAR_CSS + "<style>.block-container{padding:3.5rem 1rem 3rem;max-width:40rem}"
    ".pte-question{font-size:1.5rem;line-height:1.3;font-weight:600;margin:.25rem 0 1rem}"
    ".pte-coin button{font-size:1.1rem;padding:.6rem 1rem;border-radius:.5rem;"
    "border:1px solid #0072B2;background:#fff;color:#0072B2}"
    ".pte-coin-out{font-size:1.2rem;margin:.6rem 0;min-height:1.5em}</style>"
)


# -- which room: the link's, or the one typed ----------------------------------------------------
def _join(store: RoomStore, code_text: str) -> None:
    """Callback of the join form: check the code, remember it, put it in the URL."""
    try:
        room = store.room(code_text)
    except RoomError as error:
        _cannot_enter(store, code_text, error)
        return
    st.session_state["room_code"] = room.code
    st.session_state.pop("_room_error", None)
    st.session_state.pop("_room_ended", None)


def _cannot_enter(store: RoomStore, code_text: str, error: RoomError) -> None:
    """A closed room is the normal end of a workshop: a calm notice; anything else: an error."""
    ended = ended_message(store, code_text) if isinstance(code_text, str) else None
    if ended:
        st.session_state["_room_ended"] = ended
        st.session_state.pop("_room_error", None)
    else:
        st.session_state["_room_error"] = str(error)
        st.session_state.pop("_room_ended", None)


def _join_form(store: RoomStore) -> None:
    st.markdown("### Join a workshop room")
    st.text_input("Room code (on the projector)", key="room_code_typed", placeholder="K7Q-2MF")
    st.button(
        "Join",
        type="primary",
        key="join_room",
        width="stretch",
        on_click=lambda: _join(store, st.session_state.get("room_code_typed", "")),
    )
    if st.session_state.get("_room_ended"):
        st.info(st.session_state["_room_ended"], icon=":material/waving_hand:")  # our own words
    if st.session_state.get("_room_error"):
        st.error(plain(st.session_state["_room_error"]), icon=":material/error:")


def _stop_at_the_join_form(store: RoomStore) -> None:
    _join_form(store)
    remember_browser()
    st.stop()


def room_code(store: RoomStore) -> str:
    """The room this phone is in: the link's on the first run, then the one joined. Without
    one, draw the join form and stop the run."""
    if "room_code" not in st.session_state and "_room_link_read" not in st.session_state:
        linked = st.query_params.get("room")
        if linked:
            try:
                store.room(linked, allow_closed=True)
            except RoomUnavailableError as error:
                # Keep the link: join once the database answers again (a restart, a blip).
                wait_for_database(
                    str(error), lambda: store.room(linked, allow_closed=True), every_s=WAIT_POLL_S
                )
            except RoomError:
                pass  # _join says what is wrong with the code
            _join(store, linked)
        st.session_state["_room_link_read"] = True
    code = st.session_state.get("room_code")
    if code is None:
        _stop_at_the_join_form(store)
    if st.query_params.get("room") != code:
        st.query_params.from_dict({"room": code})  # a reload stays in the room; no token in it
    return code


def unavailable(store: RoomStore, code: str, error: RoomUnavailableError) -> None:
    """Nothing was stored; the phone keeps its room and token and reloads once the database is
    back."""
    wait_for_database(str(error), lambda: store.current_activity(code), every_s=WAIT_POLL_S)


def current_activity(store: RoomStore, code: str) -> Activity | None:
    """The room's current activity. A room that cannot be entered any more (closed, expired)
    sends the phone back to the join form with the reason; this run stops."""
    try:
        return store.current_activity(code)
    except RoomUnavailableError as error:
        unavailable(store, code, error)
    except RoomError as error:
        _cannot_enter(store, code, error)
        st.session_state.pop("room_code", None)
        st.query_params.clear()
        _stop_at_the_join_form(store)


# -- answering and waiting -----------------------------------------------------------------------
def show_message() -> None:
    """Why the last answer was refused (a replay, answers closed), once."""
    message = st.session_state.pop("_answer_message", None)
    if message:
        st.warning(plain(message), icon=":material/block:")


def send(store: RoomStore, token: str, activity: Activity, answer: dict) -> None:
    """Callback: send one answer; a replay or a closed activity gets its message."""
    try:
        store.submit_answer(activity.room_code, activity.id, token, answer)
    except RoomError as error:
        st.session_state["_answer_message"] = str(error)


def wait_for_change(store: RoomStore, code: str, seen: tuple | None) -> None:
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


def question(text: str) -> None:
    """The activity's question, large; user text is escaped, never rendered."""
    st.markdown(f"<div class='pte-question'>{html.escape(text)}</div>", unsafe_allow_html=True)


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


def coin_flipper(activity: Activity) -> None:
    """A button that flips the activity's coin in this browser; the result is never sent."""
    st.html(
        COIN_SCRIPT.format(id=int(activity.id), coin=activity.coin.name),
        unsafe_allow_javascript=True,
    )


def epsilon_pick_text(epsilon: float) -> str:
    """What picking ``epsilon`` means for the person picking it (Markdown)."""
    # Here rather than in core.rooms.workshop: core.presentation.explain's card brings pandas and
    # Plotly, and core.rooms.workshop stays light for the store and the load test.
    card = epsilon_card(epsilon)
    return (
        f"**{card['headline']}** ({card['strength']}): anyone's odds about you can grow at "
        f"most **{odds_text(posterior_odds(epsilon))}** from an even guess.\n\n{card['sentence']}"
    )


def category_info() -> dict:
    """The data categories' labels and descriptions from the current dataset's public schema."""
    return current_dataset().schema.category_info


# -- the revealed results ------------------------------------------------------------------------
def _randomised_response_result(store: RoomStore, activity: Activity) -> None:
    result = estimate_from_answers(store.answers(activity.id), activity.truth_probability)
    question(activity.question)
    if result.answers == 0:
        st.info("Nobody answered.")
        return
    st.metric(
        "The room: truly yes (estimate)",
        percent(result.shown_estimate),
        help="Unbiased estimate from the randomised answers (clipped to 0–100% for display).",
    )
    st.markdown(randomised_response_result_text(result))


def _consent_result(store: RoomStore, activity: Activity) -> None:
    answers = store.answers(activity.id)
    if not consent_totals_shown(len(answers), activity.revealed):
        st.info(consent_withheld_text(len(answers), activity.revealed))
        return
    labels = {category: value["label"] for category, value in category_info().items()}
    st.markdown(consent_totals_text(consent_shares(answers), labels))
    st.caption("What these choices cost in accuracy, and who pays, is on the projector.")


def _pick_epsilon_result(store: RoomStore, activity: Activity) -> None:
    choices = epsilon_choices(store.answers(activity.id))
    if choices.median is None:
        st.info("Nobody answered.")
        return
    st.metric("The room's median ε", format_epsilon(choices.median))
    st.caption(f"{choices.total} picks. The projector shows them on the frontier.")


RESULTS = {
    RANDOMISED_RESPONSE: _randomised_response_result,
    ROOM_CONSENT: _consent_result,
    PICK_EPSILON: _pick_epsilon_result,
}


def result(store: RoomStore, activity: Activity) -> None:
    """The revealed result of ``activity``, as a phone shows it."""
    RESULTS[activity.kind](store, activity)
