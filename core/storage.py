"""Saved scenarios (and, through core/room_store.py, workshop rooms) in one SQLite file.

Safe for a workshop server with many sessions writing at once.

One connection per operation, WAL journal, a busy timeout and ``BEGIN IMMEDIATE`` for every write,
so concurrent saves queue instead of failing with "database is locked", and a crash mid-save
leaves the row either whole or absent. The schema carries a version (``PRAGMA user_version``)
and is migrated forward on open, so a file from an older release still opens.

The file lives in the data directory: ``$PTE_DATA_DIR`` if set, else ``var/`` in the project.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.scenario import Scenario

DATA_DIR_ENV = "PTE_DATA_DIR"
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "var"
DB_NAME = "scenarios.sqlite3"
BUSY_TIMEOUT_MS = 15_000
MAX_NAME_LENGTH = 80
MAX_NOTE_LENGTH = 2_000

# Each entry upgrades the schema by one version; index i takes version i to i + 1.
MIGRATIONS = (
    """
    CREATE TABLE scenarios (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        note TEXT NOT NULL DEFAULT '',
        scenario_json TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    """,
    """
    ALTER TABLE scenarios ADD COLUMN updated_at TEXT;
    UPDATE scenarios SET updated_at = created_at;
    """,
    # Owners of saved scenarios, and workshop rooms (core/room_store.py). Nothing here identifies
    # a participant: a browser is known only by the SHA-256 of a random token it holds.
    """
    ALTER TABLE scenarios ADD COLUMN owner TEXT;
    CREATE TABLE rooms (
        code TEXT PRIMARY KEY,
        key_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        closed_at TEXT,
        current_activity INTEGER
    );
    CREATE TABLE activities (
        id INTEGER PRIMARY KEY,
        room_code TEXT NOT NULL REFERENCES rooms (code) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        question TEXT NOT NULL DEFAULT '',
        truth_probability REAL,
        created_at TEXT NOT NULL,
        revealed_at TEXT
    );
    CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
        voter_hash TEXT NOT NULL,
        answer_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (activity_id, voter_hash)
    );
    CREATE INDEX activities_by_room ON activities (room_code);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class StorageError(ValueError):
    """A save, rename or load that cannot be done; the message says why."""


@dataclass(frozen=True)
class SavedScenario:
    id: int
    name: str
    note: str
    scenario: Scenario
    created_at: str
    updated_at: str
    owner: str | None = None  # see owner_of_browser / owner_of_room; None: saved before owners

    @property
    def room_code(self) -> str | None:
        """The room this scenario belongs to, if a room saved it."""
        if self.owner and self.owner.startswith(ROOM_OWNER_PREFIX):
            return self.owner[len(ROOM_OWNER_PREFIX) :]
        return None


# -- owners and who may change what --------------------------------------------------------------
BROWSER_OWNER_PREFIX = "browser:"
ROOM_OWNER_PREFIX = "room:"


def owner_of_browser(browser_token: str) -> str:
    """The owner recorded for a browser: a hash of its random token, never the token itself."""
    return BROWSER_OWNER_PREFIX + hashlib.sha256(browser_token.encode("utf-8")).hexdigest()[:32]


def owner_of_room(room_code: str) -> str:
    return ROOM_OWNER_PREFIX + room_code


@dataclass(frozen=True)
class Actor:
    """Who asks to change a saved scenario: a browser, and the rooms it has facilitator keys for.

    Participants can read and copy every saved scenario; renaming, overwriting or deleting one
    takes its creator's browser, or the facilitator of the room that owns it. Scenarios saved
    before owners were recorded (owner None) stay editable by anyone, as they always were.
    """

    browser_token: str | None = None
    facilitated_rooms: frozenset[str] = frozenset()

    def can_edit(self, saved: SavedScenario) -> bool:
        if saved.owner is None:
            return True
        if self.browser_token and saved.owner == owner_of_browser(self.browser_token):
            return True
        return saved.room_code is not None and saved.room_code in self.facilitated_rooms

    def owner(self) -> str | None:
        """The owner recorded for what this actor saves."""
        return owner_of_browser(self.browser_token) if self.browser_token else None


def data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _clean_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise StorageError("A saved scenario needs a name (1 to 80 characters).")
    name = " ".join(name.split())
    if len(name) > MAX_NAME_LENGTH:
        raise StorageError(
            f"The name is {len(name)} characters long; at most {MAX_NAME_LENGTH} are allowed."
        )
    return name


def _clean_note(note: str) -> str:
    note = note or ""
    if len(note) > MAX_NOTE_LENGTH:
        raise StorageError(
            f"The note is {len(note)} characters long; at most {MAX_NOTE_LENGTH} are allowed."
        )
    return note


class Database:
    """The project's SQLite file: connections, write transactions and schema migrations.

    ``clock`` returns the current UTC time (tests pass a fake one to check expiry).
    """

    def __init__(self, path: str | Path | None = None, clock: Callable[[], datetime] | None = None):
        self.path = Path(path) if path is not None else data_dir() / DB_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.clock = clock or (lambda: datetime.now(UTC))
        self._migrate()

    def now(self) -> str:
        """The clock's time as stored (ISO 8601 UTC to the second: text order is time order)."""
        return self.clock().astimezone(UTC).isoformat(timespec="seconds")

    @contextmanager
    def _connect(self):
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA foreign_keys = ON")  # rooms -> activities -> answers
            yield connection
        finally:
            connection.close()

    @contextmanager
    def _write(self):
        """A write transaction that takes the lock up front (no upgrade deadlocks)."""
        with self._connect() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def _migrate(self) -> None:
        with self._write() as connection:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StorageError(
                    f"{self.path} was written by a newer version (schema {version}); "
                    f"this one reads up to {SCHEMA_VERSION}."
                )
            for step in MIGRATIONS[version:]:
                for statement in filter(str.strip, step.split(";")):
                    connection.execute(statement)
            # PRAGMA cannot take parameters; SCHEMA_VERSION is our own integer.
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def integrity_check(self) -> str:
        with self._connect() as connection:
            return connection.execute("PRAGMA integrity_check").fetchone()[0]


class ScenarioStore(Database):
    """Named scenarios with a note and an owner, in one SQLite file.

    Methods that change a row take an optional ``actor``: with one, they refuse (StorageError)
    what :meth:`Actor.can_edit` does not allow; without one (the command line, tests) they act.
    """

    def save(
        self,
        name: str,
        scenario: Scenario,
        note: str = "",
        overwrite: bool = False,
        owner: str | None = None,
        actor: Actor | None = None,
    ) -> int:
        """Save ``scenario`` under ``name``; returns its id. Same name: error unless overwrite.

        ``owner`` defaults to the actor's browser (None without an actor).
        """
        name, note = _clean_name(name), _clean_note(note)
        if owner is None and actor is not None:
            owner = actor.owner()
        now = _now()
        with self._write() as connection:
            existing = connection.execute(
                f"SELECT {self._COLUMNS} FROM scenarios WHERE name = ?", (name,)
            ).fetchone()
            if existing and not overwrite:
                raise StorageError(f"A scenario named {name!r} already exists.")
            if existing:
                self._check_can_edit(actor, existing, "overwrite")
                connection.execute(
                    "UPDATE scenarios SET note = ?, scenario_json = ?, updated_at = ? WHERE id = ?",
                    (note, scenario.to_json(), now, existing[0]),
                )
                return int(existing[0])
            cursor = connection.execute(
                "INSERT INTO scenarios (name, note, scenario_json, created_at, updated_at, owner) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (name, note, scenario.to_json(), now, now, owner),
            )
            return int(cursor.lastrowid)

    def _row(self, row) -> SavedScenario:
        identifier, name, note, text, created, updated, owner = row
        try:
            scenario = Scenario.from_json(text)
        except (TypeError, ValueError) as error:
            raise StorageError(f"Saved scenario {name!r} cannot be read: {error}") from None
        return SavedScenario(identifier, name, note, scenario, created, updated or created, owner)

    _COLUMNS = "id, name, note, scenario_json, created_at, updated_at, owner"

    @staticmethod
    def _check_can_edit(actor: Actor | None, row, verb: str) -> None:
        """Refuse a change ``actor`` may not make to the row (read with _COLUMNS)."""
        if actor is None:
            return
        identifier, name, owner = row[0], row[1], row[6]
        # Only the owner matters here: build the smallest SavedScenario that carries it.
        probe = SavedScenario(identifier, name, "", Scenario(), "", "", owner)
        if not actor.can_edit(probe):
            whose = (
                f"the facilitator of room {probe.room_code}"
                if probe.room_code
                else "the browser that saved it"
            )
            raise StorageError(
                f"Only {whose} can {verb} {name!r}. You can load it and save a copy under "
                "another name."
            )

    def _row_for_change(self, connection, identifier: int):
        row = connection.execute(
            f"SELECT {self._COLUMNS} FROM scenarios WHERE id = ?", (int(identifier),)
        ).fetchone()
        if row is None:
            raise StorageError(f"No saved scenario with id {identifier}.")
        return row

    def list(self) -> list[SavedScenario]:
        """Every readable saved scenario, newest first (unreadable rows are skipped)."""
        with self._connect() as connection, closing(connection.cursor()) as cursor:
            rows = cursor.execute(
                f"SELECT {self._COLUMNS} FROM scenarios ORDER BY updated_at DESC, id DESC"
            ).fetchall()
        saved = []
        for row in rows:
            try:
                saved.append(self._row(row))
            except StorageError:
                continue
        return saved

    def load(self, identifier: int) -> SavedScenario:
        with self._connect() as connection:
            row = connection.execute(
                f"SELECT {self._COLUMNS} FROM scenarios WHERE id = ?", (int(identifier),)
            ).fetchone()
        if row is None:
            raise StorageError(f"No saved scenario with id {identifier}.")
        return self._row(row)

    def rename(self, identifier: int, new_name: str, actor: Actor | None = None) -> None:
        new_name = _clean_name(new_name)
        with self._write() as connection:
            self._check_can_edit(actor, self._row_for_change(connection, identifier), "rename")
            clash = connection.execute(
                "SELECT id FROM scenarios WHERE name = ? AND id != ?", (new_name, int(identifier))
            ).fetchone()
            if clash:
                raise StorageError(f"A scenario named {new_name!r} already exists.")
            updated = connection.execute(
                "UPDATE scenarios SET name = ?, updated_at = ? WHERE id = ?",
                (new_name, _now(), int(identifier)),
            ).rowcount
            if not updated:
                raise StorageError(f"No saved scenario with id {identifier}.")

    def delete(self, identifier: int, actor: Actor | None = None) -> None:
        with self._write() as connection:
            self._check_can_edit(actor, self._row_for_change(connection, identifier), "delete")
            deleted = connection.execute(
                "DELETE FROM scenarios WHERE id = ?", (int(identifier),)
            ).rowcount
            if not deleted:
                raise StorageError(f"No saved scenario with id {identifier}.")
