"""Rooms on SQLite and PostgreSQL: keys, expiry, closing, one answer per browser, concurrency,
no identifiers, and two stores (two replicas) on one database."""

import threading
from datetime import UTC, datetime, timedelta

import pytest

from core.rooms.workshop import (
    ACTIVITY_KINDS,
    PICK_EPSILON,
    RANDOMISED_RESPONSE,
    ROOM_CONSENT,
    RoomError,
    estimate_true_share,
    new_secret,
)
from core.setting.schema import CATEGORIES
from core.store.room_store import Activity, FacilitatorKeyError, RoomStore
from core.store.storage import ScenarioStore


class FakeClock:
    def __init__(self):
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(database_url, clock):
    store = RoomStore(database_url, clock=clock)
    yield store
    store.dispose()


@pytest.fixture
def room(store):
    code, key = store.open_room()
    activity = store.start_activity(code, key, RANDOMISED_RESPONSE, "Ever lied?", 0.5)
    return code, key, activity


def test_a_randomised_response_round(store, room):
    """Three browsers answer; the facilitator reads the tally and reveals; answers then close."""
    code, key, activity = room
    tokens = [new_secret() for _ in range(3)]
    for token, said_yes in zip(tokens, (True, True, False), strict=True):
        store.submit_answer(code, activity, token, {"said_yes": said_yes})
    answers = store.answers(activity)
    assert [a["said_yes"] for a in answers] == [True, True, False]
    current = store.current_activity(code)
    assert current.id == activity and current.coin.name == "fair" and not current.revealed
    result = estimate_true_share(sum(a["said_yes"] for a in answers), len(answers), 0.5)
    assert result.answers == 3 and result.said_yes == 2
    store.reveal(code, key, activity)
    assert store.current_activity(code).revealed
    with pytest.raises(RoomError, match="revealed the result"):
        store.submit_answer(code, activity, new_secret(), {"said_yes": True})
    assert store.answer_count(activity) == 3


def test_only_hashes_are_stored(store, room):
    """The database holds neither the facilitator key nor any browser token, only hashes."""
    code, key, activity = room
    token = new_secret()
    store.submit_answer(code, activity, token, {"said_yes": True})
    dump = store.dump()
    assert code in dump and "Ever lied?" in dump  # the dump really holds the tables
    assert key not in dump and token not in dump
    assert store.stored_voters() and all(len(v) == 64 for v in store.stored_voters())


def test_replayed_vote_is_refused_and_counted_once(store, room):
    """The same browser answering again is told so; its first answer stands."""
    code, _, activity = room
    token = new_secret()
    store.submit_answer(code, activity, token, {"said_yes": True})
    with pytest.raises(RoomError, match="already answered"):
        store.submit_answer(code, activity, token, {"said_yes": False})
    assert store.answers(activity) == [{"said_yes": True}]
    assert store.has_answered(activity, token) and not store.has_answered(activity, new_secret())


def test_a_flood_from_one_token_counts_once(store, room):
    """200 answers from one browser in 8 threads at once: one row, every other call refused."""
    code, _, activity = room
    token = new_secret()
    accepted, refused, errors = [], [], []

    def flood() -> None:
        for _ in range(25):
            try:
                store.submit_answer(code, activity, token, {"said_yes": True})
                accepted.append(1)
            except RoomError:
                refused.append(1)
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

    threads = [threading.Thread(target=flood) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert (len(accepted), len(refused)) == (1, 199)
    assert store.answer_count(activity) == 1


def test_sixty_browsers_answer_at_once(store, room):
    """60 threads, one browser each, answer concurrently: 60 rows, no lock error, file intact."""
    code, _, activity = room
    errors = []

    def answer(said_yes: bool) -> None:
        try:
            store.submit_answer(code, activity, new_secret(), {"said_yes": said_yes})
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=answer, args=(i % 3 == 0,)) for i in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    answers = store.answers(activity)
    assert len(answers) == 60 and sum(a["said_yes"] for a in answers) == 20
    assert store.integrity_check() == "ok"


def test_rooms_expire_on_read(store, clock, room):
    """After 24 hours the room is refused everywhere, for participants and facilitator alike."""
    code, key, activity = room
    clock.now += timedelta(hours=23, minutes=59)
    store.submit_answer(code, activity, new_secret(), {"said_yes": True})
    clock.now += timedelta(minutes=1)
    for action in (
        lambda: store.room(code),
        lambda: store.current_activity(code),
        lambda: store.submit_answer(code, activity, new_secret(), {"said_yes": True}),
        lambda: store.start_activity(code, key, PICK_EPSILON),
    ):
        with pytest.raises(RoomError, match="expired"):
            action()


def test_expired_rooms_lose_their_answers_when_the_next_room_opens(store, clock, room):
    """Opening a room deletes the answers of every expired room."""
    code, _, activity = room
    store.submit_answer(code, activity, new_secret(), {"said_yes": True})
    clock.now += timedelta(hours=25)
    store.open_room()
    assert store.answer_count(activity) == 0


def test_a_shorter_room(store, clock):
    """A room opened for 2 hours expires after 2 hours."""
    code, _ = store.open_room(hours=2)
    clock.now += timedelta(hours=2)
    with pytest.raises(RoomError, match="expired"):
        store.room(code)


def test_closing_deletes_answers_and_refuses_new_ones(store, room):
    """A closed room tells participants so; its answers are gone; the facilitator still reads it."""
    code, key, activity = room
    for _ in range(4):
        store.submit_answer(code, activity, new_secret(), {"said_yes": False})
    assert store.close_room(code, key) == 4
    assert store.answer_count(activity) == 0
    with pytest.raises(RoomError, match="closed by its facilitator"):
        store.submit_answer(code, activity, new_secret(), {"said_yes": True})
    with pytest.raises(RoomError, match="closed"):
        store.current_activity(code)
    assert store.room(code, allow_closed=True).closed
    with pytest.raises(RoomError, match="closed"):
        store.start_activity(code, key, PICK_EPSILON)


# The ids name the cases: a fresh secret differs in every process, and pytest-xdist needs its
# workers to collect the same test names.
@pytest.mark.parametrize(
    "key",
    [None, "", "guess", new_secret(), "'; DROP TABLE rooms; --"],
    ids=["none", "empty", "guess", "another_fresh_key", "sql"],
)
def test_facilitator_actions_need_the_key(store, room, key):
    """Missing or wrong keys are refused with a message; nothing changes."""
    code, _, activity = room
    for action in (
        lambda: store.start_activity(code, key, PICK_EPSILON),
        lambda: store.reveal(code, key, activity),
        lambda: store.close_room(code, key),
        lambda: store.activities(code, key),
    ):
        with pytest.raises(FacilitatorKeyError, match="facilitator"):
            action()
    assert store.current_activity(code).id == activity and not store.room(code).closed
    assert not store.is_facilitator(code, key)


def test_one_key_does_not_open_another_room(store):
    """Each room has its own key."""
    first, first_key = store.open_room()
    second, _ = store.open_room()
    assert store.is_facilitator(first, first_key) and not store.is_facilitator(second, first_key)


@pytest.mark.parametrize("code", ["ZZZ-ZZZ", "nope", "", "<script>"])
def test_wrong_codes_get_a_message(store, code):
    """An unknown or malformed code says what went wrong."""
    with pytest.raises(RoomError, match="room"):
        store.room(code)


def test_only_the_current_activity_takes_answers(store, room):
    """Moving to the next activity closes the previous one; activity ids of other rooms fail."""
    code, key, first = room
    second = store.start_activity(code, key, ROOM_CONSENT)
    with pytest.raises(RoomError, match="moved on"):
        store.submit_answer(code, first, new_secret(), {"said_yes": True})
    other_code, other_key = store.open_room()
    store.start_activity(other_code, other_key, PICK_EPSILON)
    with pytest.raises(RoomError, match="no activity"):
        store.submit_answer(other_code, second, new_secret(), {"epsilon": 1.0})
    answer = {"share": {c: c == "location" for c in CATEGORIES}, "opt_out": False}
    store.submit_answer(code, second, new_secret(), answer)
    assert store.answers(second) == [answer]
    assert [a.kind for a in store.activities(code, key)] == [RANDOMISED_RESPONSE, ROOM_CONSENT]


def test_malformed_answers_and_tokens_store_nothing(store, room):
    """A bad answer or a bad token is refused before anything is written."""
    code, _, activity = room
    with pytest.raises(RoomError):
        store.submit_answer(code, activity, new_secret(), {"said_yes": "maybe"})
    with pytest.raises(RoomError, match="token"):
        store.submit_answer(code, activity, "short", {"said_yes": True})
    assert store.answer_count(activity) == 0


@pytest.mark.parametrize(
    ("question", "probability", "match"),
    [
        ("", 0.5, "Type a yes/no question"),
        ("Ever?", 0.6, "truth probability"),
        ("Ever?", None, "truth probability"),
    ],
)
def test_bad_activities_are_refused(store, question, probability, match):
    """A randomised-response activity needs a question and one of the offered coins."""
    code, key = store.open_room()
    with pytest.raises(RoomError, match=match):
        store.start_activity(code, key, RANDOMISED_RESPONSE, question, probability)
    with pytest.raises(RoomError, match="Unknown activity"):
        store.start_activity(code, key, "poll")


def test_rooms_and_scenarios_share_one_file(database_url):
    """Opening either store on a database migrates it for both."""
    path = database_url
    ScenarioStore(path)
    code, key = RoomStore(path).open_room()
    assert RoomStore(path).is_facilitator(code, key)
    assert ScenarioStore(path).list() == []


def test_one_browser_is_linkable_within_a_room_only(store):
    """The stored voter is the same for one browser across a room's activities, not across rooms."""
    token = new_secret()
    voters = []
    for _ in range(2):
        code, key = store.open_room()
        for kind, answer in ((PICK_EPSILON, {"epsilon": 1.0}), (PICK_EPSILON, {"epsilon": 2.0})):
            activity = store.start_activity(code, key, kind)
            store.submit_answer(code, activity, token, answer)
            assert store.has_answered(activity, token)
        voters.append(store.stored_voters()[-2:])
    (a1, a2), (b1, b2) = voters
    assert a1 == a2 and b1 == b2 and a1 != b1


# -- two replicas: two stores, one database ----------------------------------------------------
@pytest.fixture
def replicas(database_url, clock):
    """Two stores on one database, as two app processes behind a load balancer have."""
    pair = [RoomStore(database_url, clock=clock) for _ in range(2)]
    yield pair
    for one in pair:
        one.dispose()


def test_an_answer_on_one_replica_is_seen_and_closed_on_the_other(replicas):
    """Answer through A, read through B; close on B deletes for A; A then refuses answers."""
    a, b = replicas
    code, key = a.open_room()
    activity = b.start_activity(code, key, RANDOMISED_RESPONSE, "Ever lied?", 0.5)
    a.submit_answer(code, activity, new_secret(), {"said_yes": True})
    b.submit_answer(code, activity, new_secret(), {"said_yes": False})
    assert a.answers(activity) == b.answers(activity) == [{"said_yes": True}, {"said_yes": False}]
    assert b.close_room(code, key) == 2
    assert a.answer_count(activity) == 0
    with pytest.raises(RoomError, match="closed by its facilitator"):
        a.submit_answer(code, activity, new_secret(), {"said_yes": True})


def test_one_browser_racing_on_two_replicas_counts_once(replicas):
    """The same browser answering through both replicas at once: one row (the UNIQUE constraint)."""
    a, b = replicas
    code, key = a.open_room()
    activity = a.start_activity(code, key, PICK_EPSILON)
    token = new_secret()
    barrier = threading.Barrier(10)
    accepted, refused, errors = [], [], []

    def answer(store: RoomStore) -> None:
        barrier.wait()
        try:
            store.submit_answer(code, activity, token, {"epsilon": 1.0})
            accepted.append(1)
        except RoomError:
            refused.append(1)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=answer, args=(replicas[i % 2],)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert (len(accepted), len(refused)) == (1, 9)
    assert b.answer_count(activity) == 1


def test_close_on_one_replica_while_the_other_takes_answers(replicas):
    """Answers stream in through A while B closes: afterwards none is left and every answer
    after the close was refused; no answer slips in after the delete."""
    a, b = replicas
    code, key = a.open_room()
    activity = a.start_activity(code, key, PICK_EPSILON)
    stop = threading.Event()
    outcomes = {"stored": 0, "refused": 0}
    errors = []

    def stream() -> None:
        while not stop.is_set():
            try:
                a.submit_answer(code, activity, new_secret(), {"epsilon": 2.0})
                outcomes["stored"] += 1
            except RoomError as error:
                assert "closed" in str(error)
                outcomes["refused"] += 1
                return
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
                return

    threads = [threading.Thread(target=stream) for _ in range(4)]
    for thread in threads:
        thread.start()
    while outcomes["stored"] < 20 and not errors:
        threading.Event().wait(0.01)
    b.close_room(code, key)
    for thread in threads:
        thread.join(timeout=30)
    stop.set()
    assert not errors, errors
    assert outcomes["refused"] == 4  # each stream ends on a refusal after the close
    assert a.answer_count(activity) == b.answer_count(activity) == 0


def test_expiry_holds_on_every_replica(database_url, clock):
    """A room past its expiry is refused by a replica that did not open it."""
    a, b = RoomStore(database_url, clock=clock), RoomStore(database_url, clock=clock)
    code, key = a.open_room(hours=1)
    activity = a.start_activity(code, key, PICK_EPSILON)
    clock.now += timedelta(hours=1)
    with pytest.raises(RoomError, match="expired"):
        b.submit_answer(code, activity, new_secret(), {"epsilon": 1.0})
    with pytest.raises(RoomError, match="expired"):
        b.start_activity(code, key, PICK_EPSILON)
    a.dispose()
    b.dispose()


def test_a_store_opened_while_the_database_is_away_reports_it_per_operation(tmp_path):
    """Opening a store on an unreachable database does not raise (a replica starting during a
    restart); each operation says the database did not answer, with nothing stored."""
    from core.store.room_store import RoomUnavailableError
    from core.store.storage import DatabaseUnavailableError, ScenarioStore

    url = "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2"  # port 9: discard
    rooms = RoomStore(url)
    with pytest.raises(RoomUnavailableError, match="did not answer just now"):
        rooms.room("K7Q-2MF")
    with pytest.raises(DatabaseUnavailableError, match="nothing was saved"):
        ScenarioStore(url).list()


@pytest.mark.parametrize(
    ("kind", "question", "title"),
    [
        (RANDOMISED_RESPONSE, "Ever lied?", "Ever lied?"),
        (ROOM_CONSENT, "", ACTIVITY_KINDS[ROOM_CONSENT]),
        (PICK_EPSILON, "", ACTIVITY_KINDS[PICK_EPSILON]),
    ],
)
def test_an_activity_is_titled_by_its_question_or_its_kind(kind, question, title):
    """The projector shows a question's own text, and the other activities' names."""
    activity = Activity(1, "K7Q-2MF", kind, question, None, "2026-12-01T09:00:00+00:00", False)
    assert activity.title == title
