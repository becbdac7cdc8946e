"""The room load test's phone: it finds what to answer, clicks as a browser does, waits politely."""

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from core.rooms.workshop import PICK_EPSILON, RANDOMISED_RESPONSE, ROOM_CONSENT
from scripts.load.room_phone import Phone
from scripts.load.room_report import nearest_rank


def button(key: str, form_id: str = "") -> ForwardMsg:
    msg = ForwardMsg()
    msg.metadata.active_script_hash = "room-page"
    element = msg.delta.new_element.button
    element.id = f"$$ID-0123abcd-{key}"
    if form_id:
        element.form_id, element.is_form_submitter = form_id, True
    return msg


def test_phone_finds_the_activity_to_answer():
    """Buttons of an unanswered activity make it pending; answered ones do not."""
    phone = Phone("room=K7Q-2MF")
    activities = {1: RANDOMISED_RESPONSE, 2: ROOM_CONSENT, 3: PICK_EPSILON}
    assert phone.pending(activities, set()) is None
    phone.apply(button("rr_yes_1"), 0.0)
    assert phone.pending(activities, set()) == (RANDOMISED_RESPONSE, 1)
    assert phone.pending(activities, {1}) is None
    phone.apply(button("None", form_id="consent_form_2"), 0.0)
    assert phone.pending(activities, {1}) == (ROOM_CONSENT, 2)
    assert phone.script_hash == "room-page"


def test_click_and_auto_rerun_messages():
    """A click sends the button's trigger; an auto-rerun names its fragment; no token is sent."""
    phone = Phone("room=K7Q-2MF")
    phone.apply(button("rr_no_1"), 0.0)
    auto = ForwardMsg()
    auto.auto_rerun.interval, auto.auto_rerun.fragment_id = 4.0, "waiting"
    phone.apply(auto, 0.0)
    assert phone.auto_rerun == (4.0, "waiting")
    click = phone.message("http://127.0.0.1:1", trigger=phone.buttons["rr_no_1"]).rerun_script
    [trigger] = [w for w in click.widget_states.widgets if w.trigger_value]
    assert trigger.id.endswith("rr_no_1") and click.page_script_hash == "room-page"
    assert click.query_string == "room=K7Q-2MF" and not click.fragment_id
    poll = phone.message("http://127.0.0.1:1", fragment="waiting").rerun_script
    assert poll.fragment_id == "waiting" and poll.is_auto_rerun


def test_nearest_rank_keeps_never():
    """A count never shown (inf) stays inf at the percentile that reaches it."""
    assert nearest_rank([1.0, 2.0, 3.0, 4.0], 50) == 2.0
    assert nearest_rank([*[1.0] * 19, float("inf")], 95) == 1.0
    assert nearest_rank([*[1.0] * 18, float("inf"), float("inf")], 95) == float("inf")
    assert nearest_rank([], 95) is None
