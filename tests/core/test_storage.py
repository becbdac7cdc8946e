"""Saved scenarios on SQLite and PostgreSQL: round trips, clear errors, concurrency, crash
safety, old files, owners and owner keys."""

import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.setting.scenario import Scenario
from core.store.database import ALEMBIC_USER_VERSION, SCENARIOS, head_revision
from core.store.storage import (
    LEGACY_MIGRATIONS,
    LEGACY_VERSION,
    Actor,
    ScenarioStore,
    StorageError,
    new_owner_key,
    owner_of_browser,
    owner_of_room,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(database_url):
    store = ScenarioStore(database_url)
    yield store
    store.dispose()


def test_save_list_load_rename_delete(store):
    """A saved scenario comes back identical; rename and delete act on it."""
    scenario = Scenario(epsilon=0.5, opt_out=0.2, k=5)
    identifier = store.save("Strict", scenario, note="for the board")
    [saved] = store.list()
    assert saved.id == identifier and saved.scenario == scenario and saved.note == "for the board"
    store.rename(identifier, "Stricter")
    assert store.load(identifier).name == "Stricter"
    store.delete(identifier)
    assert store.list() == []


def test_data_dir_from_environment(tmp_path, monkeypatch):
    """PTE_DATA_DIR moves the database; it is created on first use."""
    monkeypatch.delenv("PTE_DATABASE_URL", raising=False)
    monkeypatch.setenv("PTE_DATA_DIR", str(tmp_path / "nested" / "dir"))
    store = ScenarioStore()
    store.save("x", Scenario())
    assert store.backend == "sqlite"
    assert (tmp_path / "nested" / "dir" / "scenarios.sqlite3").exists()


def test_database_url_from_environment(database_url, tmp_path, monkeypatch):
    """PTE_DATABASE_URL selects the database (SQLite or PostgreSQL) over the data directory."""
    monkeypatch.setenv("PTE_DATA_DIR", str(tmp_path / "unused"))
    monkeypatch.setenv("PTE_DATABASE_URL", database_url)
    store = ScenarioStore()
    store.save("x", Scenario(epsilon=4))
    assert store.backend == database_url.split(":")[0].split("+")[0]
    assert [s.scenario.epsilon for s in ScenarioStore(database_url).list()] == [4]
    assert not (tmp_path / "unused" / "scenarios.sqlite3").exists()
    store.dispose()


@pytest.mark.parametrize(
    ("name", "match"),
    [("", "needs a name"), ("   ", "needs a name"), ("x" * 81, "at most 80")],
)
def test_bad_names_are_refused(store, name, match):
    """Empty or over-long names get a message saying what is allowed."""
    with pytest.raises(StorageError, match=match):
        store.save(name, Scenario())


def test_duplicate_names_and_missing_ids(store):
    """Saving over a name needs overwrite=True; unknown ids are reported."""
    first = store.save("A", Scenario())
    with pytest.raises(StorageError, match="already exists"):
        store.save("A", Scenario(epsilon=2))
    assert store.save("A", Scenario(epsilon=2), overwrite=True) == first
    assert store.load(first).scenario.epsilon == 2
    store.save("B", Scenario())
    with pytest.raises(StorageError, match="already exists"):
        store.rename(first, "B")
    for action in (store.load, store.delete, lambda i: store.rename(i, "C")):
        with pytest.raises(StorageError, match="No saved scenario"):
            action(999)


def test_hostile_text_is_stored_verbatim(store):
    """Names and notes with markup or formulas are stored as plain text, unchanged."""
    note = '<script>alert(1)</script> =HYPERLINK("x")'
    identifier = store.save("<b>bold</b>", Scenario(), note=note)
    saved = store.load(identifier)
    assert saved.name == "<b>bold</b>" and saved.note == note


def test_corrupt_row_is_skipped_with_a_clear_error(store):
    """A row whose JSON is out of range does not break the list; loading it names it."""
    good = store.save("good", Scenario())
    with store.engine.begin() as connection:
        bad = connection.execute(
            SCENARIOS.insert()
            .values(name="bad", scenario_json='{"epsilon": -1}', created_at="x", updated_at="x")
            .returning(SCENARIOS.c.id)
        ).scalar_one()
    assert [s.id for s in store.list()] == [good]
    with pytest.raises(StorageError, match="'bad' cannot be read.*epsilon"):
        store.load(bad)


def test_twenty_threads_save_and_load_at_once(store):
    """20 threads saving and loading concurrently: no lock errors, every row present and intact."""
    errors: list[BaseException] = []
    per_thread = 10

    def work(thread: int) -> None:
        try:
            for i in range(per_thread):
                scenario = Scenario(seed=thread * 100 + i, epsilon=0.01 * (i + 1))
                identifier = store.save(f"t{thread}-{i}", scenario, note=f"note {thread} {i}")
                assert store.load(identifier).scenario == scenario
                store.list()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    saved = {s.name: s for s in store.list()}
    assert len(saved) == 20 * per_thread
    for thread in range(20):
        for i in range(per_thread):
            row = saved[f"t{thread}-{i}"]
            assert row.scenario.seed == thread * 100 + i and row.note == f"note {thread} {i}"
    assert store.integrity_check() == "ok"


def test_kill_during_saves_leaves_whole_rows(database_url):
    """SIGKILL in the middle of a stream of saves: integrity ok, every row whole or absent."""
    path = database_url
    ScenarioStore(path).dispose()
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from core.setting.scenario import Scenario
        from core.store.storage import ScenarioStore
        store = ScenarioStore({str(path)!r})
        print("ready", flush=True)
        i = 0
        while True:
            store.save(f"s{{i}}", Scenario(seed=i), note="x" * 1500)
            i += 1
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert child.stdout.readline().strip() == b"ready"
    time.sleep(1.0)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    store = ScenarioStore(path)
    assert store.integrity_check() == "ok"
    rows = store.list()
    assert rows, "some saves finished before the kill"
    for row in rows:
        assert row.scenario == Scenario(seed=int(row.name[1:]))
        assert row.note == "x" * 1500


def test_old_schema_file_is_upgraded(tmp_path):
    """A SQLite file written by schema version 1 (before Alembic) opens and gains every column."""
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE scenarios (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
            "note TEXT NOT NULL DEFAULT '', scenario_json TEXT NOT NULL, created_at TEXT NOT NULL)"
        )
        connection.execute(
            "INSERT INTO scenarios (name, note, scenario_json, created_at) VALUES (?, ?, ?, ?)",
            ("old", "", Scenario(epsilon=3).to_json(), "2026-01-01T00:00:00+00:00"),
        )
        connection.execute("PRAGMA user_version = 1")
    store = ScenarioStore(path)
    [saved] = store.list()
    assert saved.scenario.epsilon == 3 and saved.updated_at == saved.created_at
    assert saved.owner is None and saved.owner_key_hash is None
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == ALEMBIC_USER_VERSION
        [(revision,)] = connection.execute("SELECT version_num FROM alembic_version")
    assert revision == head_revision()


def test_newer_legacy_schema_is_refused(tmp_path):
    """A SQLite file with a newer user_version and no Alembic table is not silently misread."""
    path = tmp_path / "new.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {ALEMBIC_USER_VERSION + 1}")
    with pytest.raises(StorageError, match="newer version"):
        ScenarioStore(path)


def test_newer_revision_is_refused(database_url):
    """A database migrated by a newer release (an unknown Alembic revision) is refused."""
    store = ScenarioStore(database_url)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    store.dispose()
    with pytest.raises(StorageError, match="newer version.*9999"):
        ScenarioStore(database_url)


def test_schema_is_the_tables_core_declares(database_url):
    """The migrations build exactly the tables and columns core/store/database.py queries."""
    from core.store.database import METADATA

    store = ScenarioStore(database_url)
    inspector = sa.inspect(store.engine)
    for table in METADATA.sorted_tables:
        columns = {column["name"] for column in inspector.get_columns(table.name)}
        assert columns == set(table.columns.keys()), table.name
    store.dispose()


def test_saved_scenarios_survive_a_restart(database_url):
    """A new store on the same database (a restarted server) sees every saved scenario."""
    path = database_url
    ScenarioStore(path).save("kept", Scenario(epsilon=0.2), note="before restart")
    [saved] = ScenarioStore(path).list()
    assert (saved.name, saved.scenario.epsilon, saved.note) == ("kept", 0.2, "before restart")


# -- owners: who may rename, overwrite or delete ---------------------------------------------------
ALICE, BOB = Actor("alice-token-" + "a" * 20), Actor("bob-token-" + "b" * 22)


def test_creator_alone_can_change_what_they_saved(store):
    """Another browser can read a saved scenario but not rename, overwrite or delete it."""
    identifier = store.save("Alice's", Scenario(epsilon=0.5), actor=ALICE)
    saved = store.load(identifier)
    assert saved.owner == owner_of_browser(ALICE.browser_token)
    assert ALICE.browser_token not in saved.owner  # the token itself is never stored
    assert ALICE.can_edit(saved) and not BOB.can_edit(saved)
    with pytest.raises(StorageError, match="Only the browser that saved it can rename"):
        store.rename(identifier, "Bob's now", actor=BOB)
    with pytest.raises(StorageError, match="Only the browser that saved it can overwrite"):
        store.save("Alice's", Scenario(epsilon=9), overwrite=True, actor=BOB)
    with pytest.raises(StorageError, match="Only the browser that saved it can delete"):
        store.delete(identifier, actor=BOB)
    assert store.load(identifier).scenario.epsilon == 0.5 and store.load(identifier).name == (
        "Alice's"
    )
    # Bob copies it: his copy is his.
    copy = store.save("Bob's copy", store.load(identifier).scenario, actor=BOB)
    store.rename(copy, "Bob's", actor=BOB)
    store.rename(identifier, "Alice's renamed", actor=ALICE)
    store.delete(identifier, actor=ALICE)
    assert [s.name for s in store.list()] == ["Bob's"]


def test_room_scenarios_belong_to_the_room_facilitator(store):
    """A room's scenario: participants read it; only its room's facilitator changes it."""
    identifier = store.save("Room K7Q-2MF", Scenario(opt_out=0.25), owner=owner_of_room("K7Q-2MF"))
    saved = store.load(identifier)
    assert saved.room_code == "K7Q-2MF"
    facilitator = Actor("facilitator-token-" + "f" * 10, frozenset({"K7Q-2MF"}))
    other_room = Actor("facilitator-token-" + "g" * 10, frozenset({"ABC-DEF"}))
    for actor in (ALICE, other_room):
        with pytest.raises(StorageError, match="Only the facilitator of room K7Q-2MF"):
            store.delete(identifier, actor=actor)
    store.rename(identifier, "Our room", actor=facilitator)
    store.delete(identifier, actor=facilitator)
    assert store.list() == []


def test_scenarios_saved_before_owners_stay_editable(tmp_path):
    """Rows from schema 2 (no owner) open with owner None and anyone may still change them."""
    path = tmp_path / "v2.sqlite3"
    with sqlite3.connect(path) as connection:
        for statement in LEGACY_MIGRATIONS[:2]:
            connection.executescript(statement)
        connection.execute(
            "INSERT INTO scenarios (name, note, scenario_json, created_at, updated_at) "
            "VALUES ('old', '', ?, 'x', 'x')",
            (Scenario(epsilon=3).to_json(),),
        )
        connection.execute("PRAGMA user_version = 2")
    store = ScenarioStore(path)
    [saved] = store.list()
    assert saved.owner is None and BOB.can_edit(saved)
    store.rename(saved.id, "renamed", actor=BOB)


def test_rows_without_an_owner_stay_editable(store):
    """On either back end, a row with no owner (saved before owners) is anyone's to change."""
    identifier = store.save("old", Scenario(epsilon=3))
    assert store.load(identifier).owner is None
    store.rename(identifier, "renamed", actor=BOB)
    store.delete(identifier, actor=BOB)


def test_legacy_version_is_the_baseline_revision():
    """The pre-Alembic SQLite steps end where the baseline revision starts (schema 3)."""
    assert LEGACY_VERSION == 3


# -- owner keys: the owner's way back after the cookie is gone (issue 20, item 10) ----------------
def test_owner_key_lets_the_creator_change_it_from_a_new_browser(store):
    """Saved with an owner key: after the cookie is lost (a new browser token), the key alone
    renames, overwrites and deletes it; a wrong key or no key does not."""
    key = new_owner_key()
    identifier = store.save("Mine", Scenario(epsilon=0.5), actor=ALICE, owner_key=key)
    saved = store.load(identifier)
    assert saved.owner_key_hash and key not in saved.owner_key_hash  # only a hash is stored
    assert key not in store.dump()
    new_browser = Actor("alice-new-browser-" + "n" * 20)  # the old cookie is gone
    assert not new_browser.can_edit(saved)
    with pytest.raises(StorageError, match="or whoever has its owner key can delete"):
        store.delete(identifier, actor=new_browser)
    wrong = Actor(new_browser.browser_token, owner_keys=frozenset({new_owner_key()}))
    with pytest.raises(StorageError, match="can rename"):
        store.rename(identifier, "Taken", actor=wrong)
    holder = Actor(new_browser.browser_token, owner_keys=frozenset({key}))
    assert holder.can_edit(saved)
    store.rename(identifier, "Mine, renamed", actor=holder)
    store.save("Mine, renamed", Scenario(epsilon=2), overwrite=True, actor=holder)
    assert store.load(identifier).scenario.epsilon == 2
    assert store.load(identifier).owner_key_hash == saved.owner_key_hash  # overwrite keeps it
    store.delete(identifier, actor=holder)
    assert store.list() == []


def test_a_key_opens_only_its_own_scenario(store):
    """One scenario's owner key gives no rights over another's."""
    first_key, second_key = new_owner_key(), new_owner_key()
    first = store.save("First", Scenario(), actor=ALICE, owner_key=first_key)
    second = store.save("Second", Scenario(), actor=BOB, owner_key=second_key)
    holder = Actor("someone-else-" + "s" * 20, owner_keys=frozenset({first_key}))
    assert holder.can_edit(store.load(first)) and not holder.can_edit(store.load(second))
    with pytest.raises(StorageError, match="Only the browser that saved it"):
        store.delete(second, actor=holder)


def test_room_scenario_with_an_owner_key_outlives_the_facilitator_session(store):
    """A room's scenario saved with a key: the facilitator's rights come with the room's key in
    the session; the owner key gives them back from anywhere once that session is gone."""
    key = new_owner_key()
    identifier = store.save(
        "Room K7Q-2MF", Scenario(), owner=owner_of_room("K7Q-2MF"), owner_key=key
    )
    later = Actor("facilitator-next-day-" + "d" * 10)  # no facilitated rooms any more
    with pytest.raises(StorageError, match="Only the facilitator of room K7Q-2MF"):
        store.delete(identifier, actor=later)
    store.delete(identifier, actor=Actor(later.browser_token, owner_keys=frozenset({key})))
    assert store.list() == []


def test_two_stores_saving_one_name_at_once_keep_one_row(database_url):
    """Two stores (two replicas) racing to save the same name: one row, the other gets a clear
    message (the unique constraint decides, not a check in Python)."""
    stores = [ScenarioStore(database_url) for _ in range(2)]
    outcomes: list[object] = []
    barrier = threading.Barrier(8)

    def save(index: int) -> None:
        barrier.wait()
        try:
            outcomes.append(stores[index % 2].save("Same", Scenario(seed=index)))
        except StorageError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [o for o in outcomes if isinstance(o, int)]
    errors = [o for o in outcomes if isinstance(o, StorageError)]
    assert len(ids) == 1 and len(errors) == 7
    assert all("already exists" in str(e) for e in errors)
    assert [s.name for s in stores[0].list()] == ["Same"]
    for one in stores:
        one.dispose()


def test_replicas_starting_together_migrate_once(database_url):
    """Six stores opening one new database at once (replicas starting together): the schema is
    built once (an advisory lock on PostgreSQL, the write lock on SQLite), no store fails."""
    from core.store.room_store import RoomStore

    opened, errors = [], []
    barrier = threading.Barrier(6)

    def open_store(index: int) -> None:
        barrier.wait()
        try:
            opened.append((RoomStore if index % 2 else ScenarioStore)(database_url))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=open_store, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    with opened[0].engine.connect() as connection:
        versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    assert versions == [(head_revision(),)]
    for store in opened:
        store.dispose()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nonsense", "Got a value that is not a URL (no scheme)"),
        ("mysql://someone:secret@db.example/pte", "Got mysql://someone:***@db.example/pte instead"),
        ("sqlite://", "needs a file path"),
    ],
)
def test_a_bad_database_url_names_the_setting_and_what_is_allowed(url, message):
    """A bad PTE_DATABASE_URL is refused with the setting's name, the supported back ends and
    what was received, never the password."""
    from core.store.database import create_engine

    with pytest.raises(StorageError, match=re.escape(message)) as raised:
        create_engine(url)
    assert "secret" not in str(raised.value)
    if "not a URL" in message or "mysql" in message:
        assert "PTE_DATABASE_URL" in str(raised.value)
        assert "postgresql+psycopg://" in str(raised.value)
