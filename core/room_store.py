"""Workshop rooms, their activities and answers, in the project's SQLite file.

What is stored, and nothing more: a room's code, the SHA-256 of its facilitator key, its times;
each activity's kind, question and coin; each answer as the activity's canonical answer (for
randomised response: the randomised yes/no only, never a coin) with the SHA-256 of the room code and
the answering browser's random token. No names, no IP addresses. That hash is there only so one
browser counts once per activity (a UNIQUE constraint); it also links one browser's answers
across the activities of a room, which the participant page says. Salted with the room code, it
does not link the same browser across rooms.

Expiry is enforced on every read; a facilitator can close a room, which deletes its answers.
Every facilitator action takes the key and checks it against the stored hash in constant time.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.rooms import (
    ACTIVITY_KINDS,
    BROWSER_TOKEN_PATTERN,
    COINS,
    DEFAULT_ROOM_HOURS,
    RANDOMISED_RESPONSE,
    RoomError,
    check_answer,
    check_question,
    check_room_hours,
    hash_secret,
    new_room_code,
    new_secret,
    normalise_room_code,
    secret_matches,
)
from core.storage import Database

CODE_ATTEMPTS = 20  # a clash among 8.9e8 codes is rare; twenty in a row means something is wrong


@dataclass(frozen=True)
class Room:
    code: str
    created_at: str
    expires_at: str
    closed: bool
    current_activity: int | None


@dataclass(frozen=True)
class Activity:
    id: int
    room_code: str
    kind: str
    question: str
    truth_probability: float | None
    created_at: str
    revealed: bool

    @property
    def coin(self):
        """The truth coin of a randomised-response activity (None for the others)."""
        for coin in COINS.values():
            if coin.truth_probability == self.truth_probability:
                return coin
        return None


class FacilitatorKeyError(RoomError):
    """A facilitator action without the room's key, or with a wrong one."""


class RoomStore(Database):
    """Rooms, activities and answers. See the module docstring for what is (not) stored."""

    # -- rooms -------------------------------------------------------------------------------
    def open_room(self, hours: float = DEFAULT_ROOM_HOURS) -> tuple[str, str]:
        """Open a room for ``hours``; return (code, facilitator key). The key is stored hashed.

        Opening a room also deletes the answers of rooms that have expired.
        """
        hours = check_room_hours(hours)
        key = new_secret()
        now = self.clock()
        created, expires = self._text(now), self._text(now + timedelta(hours=hours))
        for _ in range(CODE_ATTEMPTS):
            code = new_room_code()
            try:
                with self._write() as connection:
                    self._purge_expired(connection, created)
                    connection.execute(
                        "INSERT INTO rooms (code, key_hash, created_at, expires_at) "
                        "VALUES (?, ?, ?, ?)",
                        (code, hash_secret(key), created, expires),
                    )
                return code, key
            except sqlite3.IntegrityError:
                continue
        raise RoomError("Could not find a free room code; try again.")

    @staticmethod
    def _text(moment: datetime) -> str:
        return moment.astimezone(UTC).isoformat(timespec="seconds")

    @staticmethod
    def _purge_expired(connection, now: str) -> None:
        connection.execute(
            "DELETE FROM answers WHERE activity_id IN (SELECT a.id FROM activities a "
            "JOIN rooms r ON r.code = a.room_code WHERE r.expires_at <= ?)",
            (now,),
        )

    def room(self, code: str, *, allow_closed: bool = False) -> Room:
        """The room with ``code`` (typed leniently); RoomError if unknown, expired or closed."""
        code = normalise_room_code(code)
        with self._connect() as connection:
            row = connection.execute(
                "SELECT code, created_at, expires_at, closed_at, current_activity FROM rooms "
                "WHERE code = ?",
                (code,),
            ).fetchone()
        if row is None:
            raise RoomError(f"There is no room {code}. Check the code on the projector.")
        room = Room(row[0], row[1], row[2], row[3] is not None, row[4])
        if self.now() >= room.expires_at:
            raise RoomError(
                f"Room {code} expired at {room.expires_at[11:16]} UTC on {room.expires_at[:10]}. "
                "Ask the facilitator for a new room."
            )
        if room.closed and not allow_closed:
            raise RoomError(f"Room {code} has been closed by its facilitator.")
        return room

    def is_facilitator(self, code: str, key: object) -> bool:
        """Whether ``key`` is the facilitator key of room ``code`` (constant-time compare)."""
        code = normalise_room_code(code)
        with self._connect() as connection:
            row = connection.execute(
                "SELECT key_hash FROM rooms WHERE code = ?", (code,)
            ).fetchone()
        return row is not None and secret_matches(key, row[0])

    def _require_facilitator(self, code: str, key: object) -> Room:
        room = self.room(code, allow_closed=True)
        if not key:
            raise FacilitatorKeyError(
                f"This link has no facilitator key for room {room.code}: only the facilitator "
                "link (with &key=…) can run the room."
            )
        if not self.is_facilitator(room.code, key):
            raise FacilitatorKeyError(
                f"That is not the facilitator key of room {room.code}. Use the facilitator link "
                "you got when you opened the room."
            )
        return room

    def close_room(self, code: str, key: object) -> int:
        """Close the room and delete all its answers; return how many answers were deleted."""
        room = self._require_facilitator(code, key)
        with self._write() as connection:
            deleted = connection.execute(
                "DELETE FROM answers WHERE activity_id IN "
                "(SELECT id FROM activities WHERE room_code = ?)",
                (room.code,),
            ).rowcount
            connection.execute(
                "UPDATE rooms SET closed_at = COALESCE(closed_at, ?) WHERE code = ?",
                (self.now(), room.code),
            )
        return deleted

    # -- activities ----------------------------------------------------------------------------
    def start_activity(
        self,
        code: str,
        key: object,
        kind: str,
        question: str = "",
        truth_probability: float | None = None,
    ) -> int:
        """Start an activity (it becomes the room's current one); return its id."""
        room = self._require_facilitator(code, key)
        if room.closed:
            raise RoomError(f"Room {room.code} is closed; open a new room to start again.")
        if kind not in ACTIVITY_KINDS:
            raise RoomError(f"Unknown activity {kind!r}; allowed: {', '.join(ACTIVITY_KINDS)}.")
        if kind == RANDOMISED_RESPONSE:
            question = check_question(question)
            allowed = sorted(c.truth_probability for c in COINS.values())
            if truth_probability not in allowed:
                raise RoomError(
                    f"The coin's truth probability must be one of {allowed}. "
                    f"Got {truth_probability!r} instead."
                )
        else:
            question, truth_probability = "", None
        with self._write() as connection:
            identifier = connection.execute(
                "INSERT INTO activities (room_code, kind, question, truth_probability, "
                "created_at) VALUES (?, ?, ?, ?, ?)",
                (room.code, kind, question, truth_probability, self.now()),
            ).lastrowid
            connection.execute(
                "UPDATE rooms SET current_activity = ? WHERE code = ?", (identifier, room.code)
            )
        return int(identifier)

    def reveal(self, code: str, key: object, activity_id: int) -> None:
        """Reveal an activity's result to the participants (answers close)."""
        room = self._require_facilitator(code, key)
        with self._write() as connection:
            changed = connection.execute(
                "UPDATE activities SET revealed_at = COALESCE(revealed_at, ?) "
                "WHERE id = ? AND room_code = ?",
                (self.now(), int(activity_id), room.code),
            ).rowcount
        if not changed:
            raise RoomError(f"Room {room.code} has no activity {activity_id}.")

    def _activity_row(self, connection, activity_id: int):
        return connection.execute(
            "SELECT id, room_code, kind, question, truth_probability, created_at, revealed_at "
            "FROM activities WHERE id = ?",
            (int(activity_id),),
        ).fetchone()

    @staticmethod
    def _activity(row) -> Activity:
        return Activity(row[0], row[1], row[2], row[3], row[4], row[5], row[6] is not None)

    def current_activity(self, code: str, *, allow_closed: bool = False) -> Activity | None:
        """The room's current activity (None before the first); RoomError for a bad room."""
        room = self.room(code, allow_closed=allow_closed)
        if room.current_activity is None:
            return None
        with self._connect() as connection:
            return self._activity(self._activity_row(connection, room.current_activity))

    def activities(self, code: str, key: object) -> list[Activity]:
        """Every activity of the room, oldest first (facilitator only)."""
        room = self._require_facilitator(code, key)
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT id, room_code, kind, question, truth_probability, created_at, "
                "revealed_at FROM activities WHERE room_code = ? ORDER BY id",
                (room.code,),
            ).fetchall()
        return [self._activity(row) for row in rows]

    # -- answers ---------------------------------------------------------------------------------
    @staticmethod
    def _voter(room_code: str, browser_token: object) -> str:
        """The stored voter: a hash of the room and the token, so one browser's answers are
        linkable within a room (the UNIQUE constraint needs that) but not across rooms."""
        if not isinstance(browser_token, str) or not BROWSER_TOKEN_PATTERN.match(browser_token):
            raise RoomError("This browser has no valid token; reload the page and try again.")
        return hash_secret(f"{room_code}:{browser_token}")

    def submit_answer(self, code: str, activity_id: int, browser_token: str, answer: dict) -> None:
        """Record one browser's answer to the room's current activity, once.

        RoomError (nothing stored) when the room is unknown, expired or closed, the activity is
        not the current one or already revealed, the answer is malformed, or this browser has
        already answered: its first answer counts, a replay or a flood adds nothing.
        """
        room = self.room(code)
        voter = self._voter(room.code, browser_token)
        with self._write() as connection:
            row = self._activity_row(connection, activity_id)
            if row is None or row[1] != room.code:
                raise RoomError(f"Room {room.code} has no activity {activity_id}.")
            activity = self._activity(row)
            if activity.id != room.current_activity:
                raise RoomError("That activity is over: the room has moved on to the next one.")
            if activity.revealed:
                raise RoomError("Answers are closed: the facilitator has revealed the result.")
            canonical = check_answer(activity.kind, answer)
            inserted = connection.execute(
                "INSERT INTO answers (activity_id, voter_hash, answer_json, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (activity_id, voter_hash) DO NOTHING",
                (activity.id, voter, json.dumps(canonical, sort_keys=True), self.now()),
            ).rowcount
        if not inserted:
            raise RoomError("You have already answered this one: your first answer counts.")

    def has_answered(self, activity_id: int, browser_token: str) -> bool:
        with self._connect() as connection:
            room = connection.execute(
                "SELECT room_code FROM activities WHERE id = ?", (int(activity_id),)
            ).fetchone()
            if room is None:
                return False
            voter = self._voter(room[0], browser_token)
            row = connection.execute(
                "SELECT 1 FROM answers WHERE activity_id = ? AND voter_hash = ?",
                (int(activity_id), voter),
            ).fetchone()
        return row is not None

    def answers(self, activity_id: int) -> list[dict]:
        """The answers to an activity (canonical dicts, in arrival order; no voter)."""
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT answer_json FROM answers WHERE activity_id = ? ORDER BY id",
                (int(activity_id),),
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def answer_count(self, activity_id: int) -> int:
        with self._connect() as connection:
            return connection.execute(
                "SELECT COUNT(*) FROM answers WHERE activity_id = ?", (int(activity_id),)
            ).fetchone()[0]

    def stored_voters(self) -> list[str]:
        """Every voter value stored (for tests: they must be hashes, never tokens)."""
        with self._connect() as connection:
            return [
                row[0] for row in connection.execute("SELECT voter_hash FROM answers ORDER BY id")
            ]
