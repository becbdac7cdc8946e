"""Saved scenarios in SQLite: safe for a workshop server with many sessions writing at once.

One connection per operation, WAL journal, a busy timeout and ``BEGIN IMMEDIATE`` for every write,
so concurrent saves queue instead of failing with "database is locked", and a crash mid-save
leaves the row either whole or absent. The schema carries a version (``PRAGMA user_version``)
and is migrated forward on open, so a file from an older release still opens.

The file lives in the data directory: ``$PTE_DATA_DIR`` if set, else ``var/`` in the project.
"""

from __future__ import annotations

import os
import sqlite3
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


class ScenarioStore:
    """Named scenarios with a note, in one SQLite file."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else data_dir() / DB_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._migrate()

    @contextmanager
    def _connect(self):
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
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

    def save(self, name: str, scenario: Scenario, note: str = "", overwrite: bool = False) -> int:
        """Save ``scenario`` under ``name``; returns its id. Same name: error unless overwrite."""
        name, note = _clean_name(name), _clean_note(note)
        now = _now()
        with self._write() as connection:
            existing = connection.execute(
                "SELECT id FROM scenarios WHERE name = ?", (name,)
            ).fetchone()
            if existing and not overwrite:
                raise StorageError(f"A scenario named {name!r} already exists.")
            if existing:
                connection.execute(
                    "UPDATE scenarios SET note = ?, scenario_json = ?, updated_at = ? WHERE id = ?",
                    (note, scenario.to_json(), now, existing[0]),
                )
                return int(existing[0])
            cursor = connection.execute(
                "INSERT INTO scenarios (name, note, scenario_json, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (name, note, scenario.to_json(), now, now),
            )
            return int(cursor.lastrowid)

    def _row(self, row) -> SavedScenario:
        identifier, name, note, text, created, updated = row
        try:
            scenario = Scenario.from_json(text)
        except (TypeError, ValueError) as error:
            raise StorageError(f"Saved scenario {name!r} cannot be read: {error}") from None
        return SavedScenario(identifier, name, note, scenario, created, updated or created)

    _COLUMNS = "id, name, note, scenario_json, created_at, updated_at"

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

    def rename(self, identifier: int, new_name: str) -> None:
        new_name = _clean_name(new_name)
        with self._write() as connection:
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

    def delete(self, identifier: int) -> None:
        with self._write() as connection:
            deleted = connection.execute(
                "DELETE FROM scenarios WHERE id = ?", (int(identifier),)
            ).rowcount
            if not deleted:
                raise StorageError(f"No saved scenario with id {identifier}.")

    def integrity_check(self) -> str:
        with self._connect() as connection:
            return connection.execute("PRAGMA integrity_check").fetchone()[0]
