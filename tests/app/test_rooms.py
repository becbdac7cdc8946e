"""Workshop room pages: joining, answering, the projector view, abuse, and ownership rules."""

import html
from datetime import UTC, datetime, timedelta

import pytest

from core.rooms.workshop import (
    MIN_CONSENT_CHOICES,
    PICK_EPSILON,
    RANDOMISED_RESPONSE,
    ROOM_CONSENT,
    new_secret,
    odds_text,
    posterior_odds,
)
from core.setting.scenario import Scenario
from core.store.room_store import RoomStore
from core.store.storage import DB_NAME, ScenarioStore, owner_of_room
from tests.app.conftest import chart_specs, open_page, values
from ui.chrome import PAGES, page_url_path
from ui.room import FACILITATOR_PATH, PARTICIPANT_PAGE, PARTICIPANT_PATH

PARTICIPANT = "pages/16_Room.py"
FACILITATOR = "pages/17_Room_facilitator.py"
SAVED = "pages/12_Saved_and_compare.py"
HOSTILE = "<img src=x onerror=alert(1)> **bold** [link](http://example.com)?"


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PTE_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def rooms(data_dir) -> RoomStore:
    return RoomStore(data_dir / DB_NAME)


def texts(at) -> str:
    """Everything the page wrote as text (markdown, captions, messages), one string."""
    parts = [
        e.value
        for kind in ("markdown", "caption", "error", "warning", "info", "success")
        for e in at.get(kind)
    ]
    return "\n".join(str(p) for p in parts)


def participant(code: str | None = None, token: str | None = None):
    """A participant's phone; ``token`` makes it the same browser as an earlier one."""
    at = open_page(PARTICIPANT, **({"room": code} if code else {}))
    if token:
        at.session_state["_browser_token"] = token
        at.run()
    return at


def button_starting(at, prefix: str):
    return next(b for b in at.button if b.key and b.key.startswith(prefix))


def open_room(no_exceptions):
    """A facilitator session with a fresh room; returns (app, code, key)."""
    at = open_page(FACILITATOR)
    no_exceptions(at)
    at.button(key="open_room").click().run()
    no_exceptions(at)
    code, key = at.session_state["_facilitator"]
    return at, code, key


def start(at, kind: str, question: str | None = None, coin: str = "fair"):
    at.radio(key="next_kind").set_value(kind).run()
    if kind == RANDOMISED_RESPONSE:
        if question is not None:
            at.selectbox(key="question_pick").set_value("Type my own question…").run()
            at.text_area(key="question_own").input(question).run()
        at.radio(key="coin_pick").set_value(coin).run()
    at.button(key="start_activity").click().run()
    return at


def test_room_pages_keep_their_urls():
    """The links and QR codes point at /Room and /Room_facilitator, the paths of the page files."""
    assert PARTICIPANT_PAGE == PARTICIPANT
    assert page_url_path(PARTICIPANT) == PARTICIPANT_PATH == "Room"
    assert page_url_path(FACILITATOR) == FACILITATOR_PATH == "Room_facilitator"


# -- facilitator ---------------------------------------------------------------------------------
def test_opening_a_room_shows_code_link_and_qr(no_exceptions):
    """A new room: its code, the participants' link (room only) and a QR code; no key in the URL."""
    at, code, key = open_room(no_exceptions)
    page = texts(at)
    assert code in page and f"/Room?room={code}" in page
    assert dict(at.query_params) == {"room": [code]} or at.query_params["room"] == code
    assert "key" not in at.query_params
    assert len(at.image) == 1  # the QR code
    participant_links = [line for line in page.splitlines() if "/Room?room=" in line]
    assert participant_links and all(key not in line for line in participant_links)
    assert all("token" not in line for line in participant_links)
    # The facilitator link (with the key) is offered in the sidebar only.
    assert any(key in c.value for c in at.get("code"))


def test_a_whole_randomised_response_round(no_exceptions, rooms):
    """Three phones answer; the projector counts them live and shows ε = ln 3, then the odds."""
    at, code, _ = open_room(no_exceptions)
    start(at, RANDOMISED_RESPONSE)
    no_exceptions(at)
    phones = [participant(code) for _ in range(3)]
    for phone, answer in zip(phones, ("rr_yes", "rr_yes", "rr_no"), strict=True):
        no_exceptions(phone)
        assert "flipped in your browser and never sent" in texts(phone)
        button_starting(phone, answer).click().run()
        no_exceptions(phone)
        assert "Your answer is in" in texts(phone)
    at.run()
    no_exceptions(at)
    page = texts(at)
    assert "<div class='pte-value'>ln 3</div><div class='pte-note'>≈ 1.10" in page
    assert "3 answers" in page and "How sure" not in page
    spec = chart_specs(at)[0]
    assert spec["data"][0]["x"][0] == pytest.approx(2 / 3)
    assert spec["data"][0]["x"][1] == pytest.approx((2 / 3 - 0.25) / 0.5)
    at.button(key="reveal").click().run()
    no_exceptions(at)
    assert "How sure about one person?" in texts(at) and "3 : 1" in texts(at)
    phones[0].run()
    no_exceptions(phones[0])
    assert "3 : 1" in texts(phones[0])
    assert phones[0].metric[0].value == "83%"  # (2/3 − 1/4) / (1/2), shown to the room


def test_a_biased_coin_changes_epsilon(no_exceptions):
    """The candid coin (truth 3 times in 4) shows ε = ln 7 on the projector and the phone."""
    at, code, _ = open_room(no_exceptions)
    start(at, RANDOMISED_RESPONSE, coin="candid")
    assert "<div class='pte-value'>ln 7</div><div class='pte-note'>≈ 1.95" in texts(at)
    phone = participant(code)
    assert "7 : 1" in texts(phone) and "Flip two coins" in texts(phone)


def test_markup_in_a_question_is_shown_as_text(no_exceptions):
    """A question full of HTML and Markdown reaches projector and phone escaped, never rendered."""
    at, code, _ = open_room(no_exceptions)
    start(at, RANDOMISED_RESPONSE, question=HOSTILE)
    no_exceptions(at)
    assert "&lt;img src=x onerror=alert(1)&gt;" in texts(at)
    assert "<img src=x" not in texts(at)
    phone = participant(code)
    no_exceptions(phone)
    assert "&lt;img src=x onerror=alert(1)&gt;" in texts(phone)
    assert "<img src=x" not in texts(phone)


def test_an_empty_own_question_is_refused(no_exceptions):
    """Starting with an empty typed question says so; the projector keeps working."""
    at, _, _ = open_room(no_exceptions)
    start(at, RANDOMISED_RESPONSE, question="   ")
    no_exceptions(at)
    assert any("Type a yes/no question" in e.value for e in at.error)


@pytest.mark.parametrize("key", [None, "guessed-key-guessed-key", "x"])
def test_missing_or_guessed_key_gets_a_message(no_exceptions, rooms, key):
    """A facilitator link without the key, or with a wrong one, cannot run the room."""
    code, _ = rooms.open_room()
    at = open_page(FACILITATOR, room=code, **({"key": key} if key else {}))
    no_exceptions(at)
    assert any("facilitator key" in e.value for e in at.error)
    assert at.button(key="open_room")  # the page still works: a new room can be opened
    assert "_facilitator" not in at.session_state
    assert not [b for b in at.button if b.key in ("start_activity", "close_room")]


def test_facilitator_link_opens_the_room(no_exceptions, rooms):
    """The facilitator link (room and key) restores the controls, and the key leaves the URL."""
    code, key = rooms.open_room()
    at = open_page(FACILITATOR, room=code, key=key)
    no_exceptions(at)
    assert at.session_state["_facilitator"] == (code, key)
    assert "key" not in at.query_params


def test_closing_deletes_answers_and_tells_participants(no_exceptions, rooms):
    """Close: answers deleted, phones told the room is closed, the facilitator can open anew."""
    at, code, _ = open_room(no_exceptions)
    start(at, RANDOMISED_RESPONSE)
    phone = participant(code)
    button_starting(phone, "rr_no").click().run()
    activity = rooms.current_activity(code).id
    assert rooms.answer_count(activity) == 1
    at.checkbox(key="confirm_close").check().run()
    at.button(key="close_room").click().run()
    no_exceptions(at)
    assert rooms.answer_count(activity) == 0
    assert any("1 answer deleted" in s.value for s in at.success)
    assert at.button(key="open_room")
    phone.run()
    no_exceptions(phone)
    # The normal end of a workshop: a calm notice, no red error box.
    assert not phone.error, [e.value for e in phone.error] + [i.value for i in phone.info]
    assert any(f"Room {code} has closed" in i.value for i in phone.info), texts(phone)
    assert phone.text_input(key="room_code_typed")  # and the way into another room


def test_a_link_to_a_closed_room_is_a_calm_notice(no_exceptions, rooms):
    """Opening a closed room's link (a phone that reloads later) says it closed, not an error."""
    code, key = rooms.open_room()
    rooms.close_room(code, key)
    phone = participant(code)
    no_exceptions(phone)
    assert not phone.error
    assert any(f"Room {code} has closed" in i.value for i in phone.info)


def test_facilitator_page_lists_the_app_pages(no_exceptions):
    """Before a room opens and while it runs, the sidebar lists every page of the app, with the
    session's settings in each link: a way back that is not the browser's Back button."""
    at = open_page(FACILITATOR, epsilon=0.5)
    no_exceptions(at)
    labels = [link.proto.label for link in at.sidebar.get("page_link")]
    assert "Explore" in labels and "Save & compare" in labels and len(labels) == len(PAGES)
    at.button(key="open_room").click().run()
    start(at, RANDOMISED_RESPONSE)
    no_exceptions(at)
    links = at.sidebar.get("page_link")
    assert [link.proto.label for link in links] == labels
    assert all("epsilon=0.5" in link.proto.query_string for link in links)


def test_reveal_is_on_the_projector_view(no_exceptions):
    """Start collapses the sidebar for the room, so Reveal is in the main view, not in it."""
    at, _, _ = open_room(no_exceptions)
    assert not [b for b in at.button if b.key == "reveal"]  # nothing to reveal yet
    start(at, RANDOMISED_RESPONSE)
    assert at.button(key="reveal")
    assert "reveal" not in [b.key for b in at.sidebar.button]
    assert any("sidebar" in c.value and "top left" in c.value for c in at.caption)
    at.button(key="reveal").click().run()
    no_exceptions(at)
    assert "How sure about one person?" in texts(at)


def _send_consent(code: str, shared: tuple[str, ...], no_exceptions) -> None:
    phone = participant(code)
    for category in shared:
        next(t for t in phone.toggle if t.key.startswith(f"consent_{category}_")).set_value(True)
    if not shared:
        next(t for t in phone.toggle if t.key.startswith("consent_opt_out_")).set_value(True)
    phone.button[0].click().run()  # the form's submit button
    no_exceptions(phone)
    assert "Your answer is in" in texts(phone)


def test_consent_totals_wait_for_the_reveal_and_enough_people(no_exceptions, rooms):
    """Live, the projector shows only how many chose, never totals (their changes would show each
    choice as it arrives); revealed, totals of fewer than MIN_CONSENT_CHOICES are withheld."""
    at, code, _ = open_room(no_exceptions)
    start(at, ROOM_CONSENT)
    _send_consent(code, ("location",), no_exceptions)
    at.run()
    no_exceptions(at)
    assert "Choices in" in texts(at) and "Would opt out" not in texts(at)
    assert not chart_specs(at)  # no bars of one person's choices
    assert any("when the answers close" in i.value for i in at.info)
    for _ in range(MIN_CONSENT_CHOICES - 2):
        _send_consent(code, ("location",), no_exceptions)
    at.button(key="reveal").click().run()
    no_exceptions(at)
    assert not chart_specs(at) and "The room's choices" not in texts(at)
    assert any(f"fewer than {MIN_CONSENT_CHOICES}" in i.value for i in at.info)
    assert not at.get("link_button") and not [b for b in at.button if b.key == "save_room_scenario"]
    phone = participant(code)
    no_exceptions(phone)
    assert any(f"fewer than {MIN_CONSENT_CHOICES}" in i.value for i in phone.info)
    assert "What the room would share" not in texts(phone)


def test_consent_activity_becomes_a_scenario(no_exceptions, data_dir):
    """The room's choices become a Scenario: cost, who pays, a link to the explorer, a save."""
    at, code, _ = open_room(no_exceptions)
    start(at, ROOM_CONSENT)
    choices = [("location", "purchases"), ("location",), (), ("location",), ()]
    assert len(choices) == MIN_CONSENT_CHOICES
    for shared in choices:
        _send_consent(code, shared, no_exceptions)
    at.run()
    no_exceptions(at)
    assert "Choices in" in texts(at)
    at.button(key="reveal").click().run()
    no_exceptions(at)
    page = html.unescape(texts(at))  # the headline row is HTML-escaped
    assert "The room's choices" in page and "Everyone shares all" in page
    [link] = at.get("link_button")
    assert "consent_location=0.6" in link.proto.url and "opt_out=0.4" in link.proto.url
    assert "consent_demographics=0" in link.proto.url
    at.button(key="save_room_scenario").click().run()
    no_exceptions(at)
    [saved] = ScenarioStore(data_dir / DB_NAME).list()
    assert saved.room_code == code and saved.scenario.consent_purchases == 0.2


def test_pick_epsilon_on_the_frontier(no_exceptions):
    """Picks land on the frontier as bubbles sized by count; the median is the projector's."""
    at, code, _ = open_room(no_exceptions)
    start(at, PICK_EPSILON)
    for epsilon in (0.5, 1.0, 1.0):
        phone = participant(code)
        phone.select_slider(key=next(s.key for s in phone.select_slider)).set_value(epsilon).run()
        assert f"at most **{odds_text(posterior_odds(epsilon))}**" in texts(phone)
        button_starting(phone, "send_epsilon").click().run()
        no_exceptions(phone)
    at.run()
    no_exceptions(at)
    bubbles = next(t for t in chart_specs(at)[0]["data"] if t.get("name") == "The room's picks")
    assert values(bubbles["x"]).tolist() == [0.5, 1.0] and bubbles["text"] == ["1", "2"]
    assert "Median ε" in texts(at)


# -- participants --------------------------------------------------------------------------------
def test_join_by_typing_the_code(no_exceptions, rooms):
    """A typed code (lower case, no dash) joins the room and is put in the URL, nothing else."""
    code, _ = rooms.open_room()
    at = participant()
    no_exceptions(at)
    at.text_input(key="room_code_typed").input(code.lower().replace("-", "")).run()
    at.button(key="join_room").click().run()
    no_exceptions(at)
    assert "Waiting for the facilitator" in texts(at)
    assert dict(at.query_params) in ({"room": code}, {"room": [code]})


@pytest.mark.parametrize("typed", ["ZZZ-ZZZ", "hello", "<b>x</b>"])
def test_wrong_codes_get_a_message(no_exceptions, typed):
    """A wrong or malformed code is named in a message, and the join form stays."""
    at = participant(typed)
    no_exceptions(at)
    assert any("room" in e.value for e in at.error)
    assert at.text_input(key="room_code_typed")


def test_expired_room_link(no_exceptions, data_dir):
    """A link to an expired room says it expired."""
    old = RoomStore(data_dir / DB_NAME, clock=lambda: datetime.now(UTC) - timedelta(hours=25))
    code, _ = old.open_room()
    at = participant(code)
    no_exceptions(at)
    assert any("expired" in e.value for e in at.error)


def test_replayed_vote_from_the_same_browser_counts_once(no_exceptions, rooms):
    """A second tab of the same browser (same token) is refused; the first answer stands."""
    code, key = rooms.open_room()
    activity = rooms.start_activity(code, key, RANDOMISED_RESPONSE, "Ever?", 0.5)
    token = new_secret()
    first, second = participant(code, token), participant(code, token)
    button_starting(first, "rr_yes").click().run()
    button_starting(second, "rr_no").click().run()  # the stale tab still shows the buttons
    no_exceptions(second)
    assert any("already answered" in w.value for w in second.warning)
    assert rooms.answers(activity) == [{"said_yes": True}]


def test_participant_page_has_no_sidebar(no_exceptions, rooms):
    """Phones get no sidebar: nothing is drawn in it and CSS hides its toggle."""
    code, _ = rooms.open_room()
    at = participant(code)
    no_exceptions(at)
    assert not at.sidebar.children or not list(at.sidebar)
    assert any('data-testid="stSidebar"' in markdown.value for markdown in at.markdown)


# -- ownership of saved scenarios ----------------------------------------------------------------
def test_other_browsers_cannot_rename_or_delete(no_exceptions, data_dir):
    """A scenario saved by one browser is read-only for another, which can still load it."""
    ScenarioStore(data_dir / DB_NAME).save("Someone's", Scenario(epsilon=5), owner="browser:x")
    at = open_page(SAVED, profiles=5000, repeats=3)
    no_exceptions(at)
    assert at.dataframe[0].value["Owner"].tolist() == ["someone else"]
    assert at.button(key="rename_saved").disabled and at.button(key="delete_saved").disabled
    assert any("Only its creator" in c.value for c in at.caption)
    at.button(key="load_saved").click().run()
    assert at.select_slider(key="epsilon").value == 5.0


def test_room_scenario_belongs_to_its_facilitator(no_exceptions, data_dir, rooms):
    """Participants cannot delete a room's scenario; the room's facilitator can."""
    code, key = rooms.open_room()
    ScenarioStore(data_dir / DB_NAME).save("Our room", Scenario(), owner=owner_of_room(code))
    visitor = open_page(SAVED, profiles=5000, repeats=3)
    assert visitor.dataframe[0].value["Owner"].tolist() == [f"room {code}"]
    assert visitor.button(key="delete_saved").disabled
    facilitator = open_page(FACILITATOR, room=code, key=key)
    facilitator.switch_page(SAVED).run()
    no_exceptions(facilitator)
    facilitator.checkbox(key="confirm_delete").check().run()
    assert not facilitator.button(key="delete_saved").disabled
    facilitator.button(key="delete_saved").click().run()
    no_exceptions(facilitator)
    assert ScenarioStore(data_dir / DB_NAME).list() == []


@pytest.mark.parametrize("room_page", [FACILITATOR, PARTICIPANT])
def test_settings_survive_a_visit_to_a_room_page(no_exceptions, room_page):
    """Explore → a room page → Explore in one session: the explorer's settings are kept."""
    at = open_page(None, epsilon=0.5, profiles=5000, repeats=3)
    at.switch_page(room_page).run()
    no_exceptions(at)
    at.switch_page("app.py").run()
    no_exceptions(at)
    assert at.select_slider(key="epsilon").value == 0.5


def test_a_database_outage_asks_the_phone_to_send_again(no_exceptions, rooms, monkeypatch):
    """While the database does not answer (a PostgreSQL restart), a phone's answer gets a clear
    'send it again' message, the phone stays in the room with its buttons, nothing is stored;
    sent again once the database is back, it counts once."""
    from core.store.room_store import RoomUnavailableError

    at, code, _ = open_room(no_exceptions)
    start(at, RANDOMISED_RESPONSE)
    phone = participant(code)
    activity = rooms.current_activity(code).id

    def unavailable(*args, **kwargs):
        raise RoomUnavailableError(RoomStore.unavailable_message)

    with monkeypatch.context() as patch:
        patch.setattr(RoomStore, "submit_answer", unavailable)
        button_starting(phone, "rr_yes").click().run()
        no_exceptions(phone)
        assert "did not answer just now" in texts(phone) and "Send it again" in texts(phone)
        assert rooms.answer_count(activity) == 0
        patch.setattr(RoomStore, "current_activity", unavailable)
        phone.run()  # every read fails too: a message, no traceback, still in the room
        no_exceptions(phone)
        assert "did not answer just now" in texts(phone)
        assert phone.query_params.get("room") in (code, [code])
        at.run()  # the projector says so and keeps going
        no_exceptions(at)
        assert "did not answer just now" in texts(at)
    phone.run()
    button_starting(phone, "rr_yes").click().run()
    no_exceptions(phone)
    assert "Your answer is in" in texts(phone)
    assert rooms.answer_count(activity) == 1
