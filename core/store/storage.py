"""Saved scenarios (and, through core/store/room_store.py, workshop rooms) in the shared store.

The database is SQLite in the data directory by default, or PostgreSQL when ``PTE_DATABASE_URL``
says so; connections, transactions and the schema's migrations are core/store/database.py's. Safe
for many sessions (and, on PostgreSQL, many app replicas) writing at once: one name is one row
(a unique constraint), and a rename, overwrite or delete locks the row it checks the owner of.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from core.rooms.workshop import hash_secret, new_secret, secret_matches
from core.setting.scenario import Scenario
from core.store.database import (
    DATA_DIR_ENV,
    DB_NAME,
    DEFAULT_DATA_DIR,
    LEGACY_MIGRATIONS,
    LEGACY_VERSION,
    SCENARIOS,
    Database,
    DatabaseUnavailableError,
    StorageError,
    data_dir,
    database_url,
)

__all__ = [
    "DATA_DIR_ENV",
    "DB_NAME",
    "DEFAULT_DATA_DIR",
    "LEGACY_MIGRATIONS",
    "LEGACY_VERSION",
    "Actor",
    "Database",
    "DatabaseUnavailableError",
    "SavedScenario",
    "ScenarioStore",
    "StorageError",
    "data_dir",
    "database_url",
    "new_owner_key",
    "owner_of_browser",
    "owner_of_room",
]

MAX_NAME_LENGTH = 80
MAX_NOTE_LENGTH = 2_000


@dataclass(frozen=True)
class SavedScenario:
    id: int
    name: str
    note: str
    scenario: Scenario
    created_at: str
    updated_at: str
    owner: str | None = None  # see owner_of_browser / owner_of_room; None: saved before owners
    owner_key_hash: str | None = None  # SHA-256 of the owner key shown once at save, if any

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


def new_owner_key() -> str:
    """A random owner key for a scenario being saved: shown once, stored only as its SHA-256."""
    return new_secret()


@dataclass(frozen=True)
class Actor:
    """Who asks to change a saved scenario: a browser, the rooms it has facilitator keys for, and
    the owner keys it holds.

    Participants can read and copy every saved scenario; renaming, overwriting or deleting one
    takes its creator's browser, its owner key (shown once when it was saved: it works from any
    browser, after the cookie is gone), or the facilitator of the room that owns it. Scenarios
    saved before owners were recorded (owner None) stay editable by anyone, as they always were.
    """

    browser_token: str | None = None
    facilitated_rooms: frozenset[str] = frozenset()
    owner_keys: frozenset[str] = frozenset()

    def can_edit(self, saved: SavedScenario) -> bool:
        if saved.owner is None:
            return True
        if self.browser_token and saved.owner == owner_of_browser(self.browser_token):
            return True
        if saved.owner_key_hash and any(
            secret_matches(key, saved.owner_key_hash) for key in self.owner_keys
        ):
            return True
        return saved.room_code is not None and saved.room_code in self.facilitated_rooms

    def owner(self) -> str | None:
        """The owner recorded for what this actor saves."""
        return owner_of_browser(self.browser_token) if self.browser_token else None


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


_COLUMNS = (
    SCENARIOS.c.id,
    SCENARIOS.c.name,
    SCENARIOS.c.note,
    SCENARIOS.c.scenario_json,
    SCENARIOS.c.created_at,
    SCENARIOS.c.updated_at,
    SCENARIOS.c.owner,
    SCENARIOS.c.owner_key_hash,
)


class ScenarioStore(Database):
    """Named scenarios with a note, an owner and an owner key's hash.

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
        owner_key: str | None = None,
    ) -> int:
        """Save ``scenario`` under ``name``; returns its id. Same name: error unless overwrite.

        ``owner`` defaults to the actor's browser (None without an actor). ``owner_key`` (from
        :func:`new_owner_key`, shown once to the person saving) is stored as its SHA-256 on a new
        row; an overwrite keeps the row's key.
        """
        name, note = _clean_name(name), _clean_note(note)
        if owner is None and actor is not None:
            owner = actor.owner()
        now = _now()
        with self._write() as connection:
            existing = self._locked_row(connection, SCENARIOS.c.name == name)
            if existing and not overwrite:
                raise StorageError(f"A scenario named {name!r} already exists.")
            if existing:
                self._check_can_edit(actor, existing, "overwrite")
                connection.execute(
                    SCENARIOS.update()
                    .where(SCENARIOS.c.id == existing.id)
                    .values(note=note, scenario_json=scenario.to_json(), updated_at=now)
                )
                return int(existing.id)
            try:
                with connection.begin_nested():
                    identifier = connection.execute(
                        SCENARIOS.insert()
                        .values(
                            name=name,
                            note=note,
                            scenario_json=scenario.to_json(),
                            created_at=now,
                            updated_at=now,
                            owner=owner,
                            owner_key_hash=hash_secret(owner_key) if owner_key else None,
                        )
                        .returning(SCENARIOS.c.id)
                    ).scalar_one()
            except sa.exc.IntegrityError:
                # Another session (or replica) saved the same name since the check above.
                raise StorageError(f"A scenario named {name!r} already exists.") from None
            return int(identifier)

    @staticmethod
    def _row(row) -> SavedScenario:
        identifier, name, note, text, created, updated, owner, key_hash = row
        try:
            scenario = Scenario.from_json(text)
        except (TypeError, ValueError) as error:
            raise StorageError(f"Saved scenario {name!r} cannot be read: {error}") from None
        return SavedScenario(
            identifier, name, note, scenario, created, updated or created, owner, key_hash
        )

    @staticmethod
    def _locked_row(connection, condition):
        """The row matching ``condition``, locked until the transaction ends (PostgreSQL; SQLite
        holds the whole file's write lock already)."""
        return connection.execute(
            sa.select(*_COLUMNS).where(condition).with_for_update()
        ).one_or_none()

    @staticmethod
    def _check_can_edit(actor: Actor | None, row, verb: str) -> None:
        """Refuse a change ``actor`` may not make to the row (read with _COLUMNS)."""
        if actor is None:
            return
        # Only the owner matters here: build the smallest SavedScenario that carries it.
        probe = SavedScenario(
            row.id, row.name, "", Scenario(), "", "", row.owner, row.owner_key_hash
        )
        if not actor.can_edit(probe):
            whose = (
                f"the facilitator of room {probe.room_code}"
                if probe.room_code
                else "the browser that saved it"
            )
            key = " or whoever has its owner key" if probe.owner_key_hash else ""
            raise StorageError(
                f"Only {whose}{key} can {verb} {row.name!r}. You can load it and save a copy "
                "under another name."
            )

    def _row_for_change(self, connection, identifier: int):
        row = self._locked_row(connection, SCENARIOS.c.id == int(identifier))
        if row is None:
            raise StorageError(f"No saved scenario with id {identifier}.")
        return row

    def list(self) -> list[SavedScenario]:
        """Every readable saved scenario, newest first (unreadable rows are skipped)."""
        with self._read() as connection:
            rows = connection.execute(
                sa.select(*_COLUMNS).order_by(SCENARIOS.c.updated_at.desc(), SCENARIOS.c.id.desc())
            ).all()
        saved = []
        for row in rows:
            try:
                saved.append(self._row(row))
            except StorageError:
                continue
        return saved

    def load(self, identifier: int) -> SavedScenario:
        with self._read() as connection:
            row = connection.execute(
                sa.select(*_COLUMNS).where(SCENARIOS.c.id == int(identifier))
            ).one_or_none()
        if row is None:
            raise StorageError(f"No saved scenario with id {identifier}.")
        return self._row(row)

    def rename(self, identifier: int, new_name: str, actor: Actor | None = None) -> None:
        new_name = _clean_name(new_name)
        with self._write() as connection:
            self._check_can_edit(actor, self._row_for_change(connection, identifier), "rename")
            try:
                with connection.begin_nested():
                    connection.execute(
                        SCENARIOS.update()
                        .where(SCENARIOS.c.id == int(identifier))
                        .values(name=new_name, updated_at=_now())
                    )
            except sa.exc.IntegrityError:
                raise StorageError(f"A scenario named {new_name!r} already exists.") from None

    def delete(self, identifier: int, actor: Actor | None = None) -> None:
        with self._write() as connection:
            self._check_can_edit(actor, self._row_for_change(connection, identifier), "delete")
            connection.execute(SCENARIOS.delete().where(SCENARIOS.c.id == int(identifier)))

    def owner_key_matches(self, identifier: int, owner_key: object) -> bool:
        """Whether ``owner_key`` is the owner key of saved scenario ``identifier``."""
        saved = self.load(identifier)
        return bool(saved.owner_key_hash) and secret_matches(owner_key, saved.owner_key_hash)
