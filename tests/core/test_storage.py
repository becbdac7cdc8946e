"""SQLite saved scenarios: round trips, clear errors, concurrency, crash safety, old files."""

import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from core.scenario import Scenario
from core.storage import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Actor,
    ScenarioStore,
    StorageError,
    owner_of_browser,
    owner_of_room,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(tmp_path) -> ScenarioStore:
    return ScenarioStore(tmp_path / "scenarios.sqlite3")


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
    monkeypatch.setenv("PTE_DATA_DIR", str(tmp_path / "nested" / "dir"))
    store = ScenarioStore()
    store.save("x", Scenario())
    assert (tmp_path / "nested" / "dir" / "scenarios.sqlite3").exists()


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
    with sqlite3.connect(store.path) as connection:
        connection.execute(
            "INSERT INTO scenarios (name, note, scenario_json, created_at, updated_at) "
            "VALUES ('bad', '', '{\"epsilon\": -1}', 'x', 'x')"
        )
        bad = connection.execute("SELECT id FROM scenarios WHERE name = 'bad'").fetchone()[0]
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


def test_kill_during_saves_leaves_whole_rows(tmp_path):
    """SIGKILL in the middle of a stream of saves: integrity ok, every row whole or absent."""
    path = tmp_path / "scenarios.sqlite3"
    ScenarioStore(path)
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from core.scenario import Scenario
        from core.storage import ScenarioStore
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
    """A database written by schema version 1 opens and gains the new column."""
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
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path):
    """A file from a newer release is not silently misread."""
    path = tmp_path / "new.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StorageError, match="newer version"):
        ScenarioStore(path)


def test_saved_scenarios_survive_a_restart(tmp_path):
    """A new store on the same file (a restarted server) sees every saved scenario."""
    path = tmp_path / "scenarios.sqlite3"
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
        for statement in MIGRATIONS[:2]:
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
