"""Two app replicas on one PostgreSQL: a phone on one, the facilitator on the other.

Replica A is a real `streamlit run app.py` process; its phone speaks Streamlit's WebSocket
protocol as a browser does (the load test's phone, scripts/load/room_phone.py). Replica B is this
test process running the pages with AppTest. Nothing is shared between them but the database
named by PTE_DATABASE_URL: an answer sent through A shows on B's projector, closing the room on B
deletes the answers for both and A's phone is told the room is closed.
"""

import asyncio
import urllib.parse

import pytest

from core.rooms.workshop import RANDOMISED_RESPONSE
from core.store.room_store import RoomStore
from scripts.load.protocol import fetch_page, open_stream
from scripts.load.room_phone import Phone, run
from scripts.streamlit_server import StreamlitServer
from tests.app.test_rooms import open_room, start, texts
from tests.postgres import fresh_schema_url


@pytest.fixture
def shared_database(monkeypatch):
    with fresh_schema_url() as url:
        monkeypatch.setenv("PTE_DATABASE_URL", url)
        yield url


@pytest.fixture
def replica_a(shared_database, tmp_path):
    server = StreamlitServer(tmp_path / "replica_a.log", env={"PTE_DATABASE_URL": shared_database})
    server.start()
    yield server
    server.stop()


async def _phone_answers_then_sees_close(base_url: str, code: str, answered, closed) -> list:
    phone = Phone(urllib.parse.urlencode({"room": code}))
    await asyncio.to_thread(fetch_page, f"{base_url}/?room={code}")
    ws = await open_stream(base_url)
    try:
        await run(ws, phone, base_url)
        [yes] = [b for name, b in phone.buttons.items() if name.startswith("rr_yes_")]
        await run(ws, phone, base_url, trigger=yes)
        after_answer = list(phone.alerts)  # the message boxes of that run
        answered.set()
        while not closed.is_set():
            await asyncio.sleep(0.05)
        await run(ws, phone, base_url)  # the phone's next rerun, after the close elsewhere
        return [after_answer, list(phone.alerts), phone.exceptions]
    finally:
        await ws.close()


def test_an_answer_on_one_replica_reaches_the_projector_on_the_other(
    replica_a, shared_database, no_exceptions
):
    """Phone on A answers; B's projector counts it; B closes; A's phone is told; none left."""
    projector, code, _ = open_room(no_exceptions)  # replica B
    start(projector, RANDOMISED_RESPONSE)
    no_exceptions(projector)
    store = RoomStore(shared_database)
    activity = store.current_activity(code).id

    async def scenario():
        answered, closed = asyncio.Event(), asyncio.Event()
        phone = asyncio.create_task(
            _phone_answers_then_sees_close(replica_a.url, code, answered, closed)
        )
        await asyncio.wait_for(answered.wait(), 60)
        projector.run()
        shown = texts(projector)
        projector.checkbox(key="confirm_close").check().run()
        projector.button(key="close_room").click().run()
        closed.set()
        return shown, await asyncio.wait_for(phone, 60)

    shown, (after_answer, after_close, exceptions) = asyncio.run(scenario())
    assert not exceptions
    assert any("Your answer is in" in text for text in after_answer)
    assert f"Room {code} · 1 answer · answers open" in shown
    no_exceptions(projector)
    assert store.answer_count(activity) == 0
    assert any(f"Room {code} has closed" in text for text in after_close), after_close
    store.dispose()
