"""Workshop rooms, their activities and answers, in the shared store (core/store/database.py).

What is stored, and nothing more: a room's code, the SHA-256 of its facilitator key, its times;
each activity's kind, question and coin; each answer as the activity's canonical answer (for
randomised response: the randomised yes/no only, never a coin) with the SHA-256 of the room code and
the answering browser's random token. No names, no IP addresses. That hash is there only so one
browser counts once per activity (a UNIQUE constraint); it also links one browser's answers
across the activities of a room, which the participant page says. Salted with the room code, it
does not link the same browser across rooms.

Expiry is enforced on every read; a facilitator can close a room, which deletes its answers.
Every facilitator action takes the key and checks it against the stored hash in constant time.

With several app replicas on one PostgreSQL, these rules hold in the database, not in one
process: one answer per browser is the UNIQUE constraint (``INSERT … ON CONFLICT DO NOTHING``);
an answer goes in inside a transaction that holds the room's row with a shared lock after checking
it is open, unexpired and on that activity, while closing, revealing and starting an activity take
the same row exclusively. So an answer is either in before a close (and deleted by it) or refused
after it, on every replica.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from core.rooms.workshop import (
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
from core.store.database import ACTIVITIES, ANSWERS, ROOMS, Database

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

    @property
    def title(self) -> str:
        """What the projector shows above the activity: its question, or the activity's name."""
        return self.question if self.kind == RANDOMISED_RESPONSE else ACTIVITY_KINDS[self.kind]


class FacilitatorKeyError(RoomError):
    """A facilitator action without the room's key, or with a wrong one."""


class RoomUnavailableError(RoomError):
    """The database could not be reached; nothing was stored. The phone shows the message."""


_ROOM_COLUMNS = (
    ROOMS.c.code,
    ROOMS.c.created_at,
    ROOMS.c.expires_at,
    ROOMS.c.closed_at,
    ROOMS.c.current_activity,
    ROOMS.c.key_hash,
)
_ACTIVITY_COLUMNS = (
    ACTIVITIES.c.id,
    ACTIVITIES.c.room_code,
    ACTIVITIES.c.kind,
    ACTIVITIES.c.question,
    ACTIVITIES.c.truth_probability,
    ACTIVITIES.c.created_at,
    ACTIVITIES.c.revealed_at,
)


class RoomStore(Database):
    """Rooms, activities and answers. See the module docstring for what is (not) stored."""

    unavailable_error = RoomUnavailableError
    unavailable_message = (
        "The room's database did not answer just now, so this was not saved. "
        "Send it again in a few seconds."
    )

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
                        ROOMS.insert().values(
                            code=code,
                            key_hash=hash_secret(key),
                            created_at=created,
                            expires_at=expires,
                        )
                    )
                return code, key
            except sa.exc.IntegrityError:
                continue
        raise RoomError("Could not find a free room code; try again.")

    @staticmethod
    def _text(moment: datetime) -> str:
        return moment.astimezone(UTC).isoformat(timespec="seconds")

    @staticmethod
    def _purge_expired(connection, now: str) -> None:
        expired_activities = (
            sa.select(ACTIVITIES.c.id)
            .join(ROOMS, ROOMS.c.code == ACTIVITIES.c.room_code)
            .where(ROOMS.c.expires_at <= now)
        )
        connection.execute(ANSWERS.delete().where(ANSWERS.c.activity_id.in_(expired_activities)))

    def _room_row(self, connection, code: str, *, lock: str | None = None):
        """The room's row; ``lock`` "share" or "update" holds it until the transaction ends."""
        query = sa.select(*_ROOM_COLUMNS).where(ROOMS.c.code == code)
        if lock is not None:
            query = query.with_for_update(read=lock == "share")
        return connection.execute(query).one_or_none()

    def _check_room(self, row, code: str, *, allow_closed: bool) -> Room:
        if row is None:
            raise RoomError(f"There is no room {code}. Check the code on the projector.")
        room = Room(
            row.code,
            row.created_at,
            row.expires_at,
            row.closed_at is not None,
            row.current_activity,
        )
        if self.now() >= room.expires_at:
            raise RoomError(
                f"Room {code} expired at {room.expires_at[11:16]} UTC on {room.expires_at[:10]}. "
                "Ask the facilitator for a new room."
            )
        if room.closed and not allow_closed:
            raise RoomError(f"Room {code} has been closed by its facilitator.")
        return room

    def room(self, code: str, *, allow_closed: bool = False) -> Room:
        """The room with ``code`` (typed leniently); RoomError if unknown, expired or closed."""
        code = normalise_room_code(code)
        with self._read() as connection:
            row = self._room_row(connection, code)
        return self._check_room(row, code, allow_closed=allow_closed)

    def is_facilitator(self, code: str, key: object) -> bool:
        """Whether ``key`` is the facilitator key of room ``code`` (constant-time compare)."""
        code = normalise_room_code(code)
        with self._read() as connection:
            row = self._room_row(connection, code)
        return row is not None and secret_matches(key, row.key_hash)

    def _require_facilitator(self, connection, code: str, key: object, *, lock=None) -> Room:
        """The room, after checking ``key`` against its stored hash (in ``connection``'s
        transaction, the row locked as ``lock`` says)."""
        code = normalise_room_code(code)
        row = self._room_row(connection, code, lock=lock)
        room = self._check_room(row, code, allow_closed=True)
        if not key:
            raise FacilitatorKeyError(
                f"This link has no facilitator key for room {room.code}: only the facilitator "
                "link (with &key=…) can run the room."
            )
        if not secret_matches(key, row.key_hash):
            raise FacilitatorKeyError(
                f"That is not the facilitator key of room {room.code}. Use the facilitator link "
                "you got when you opened the room."
            )
        return room

    def close_room(self, code: str, key: object) -> int:
        """Close the room and delete all its answers; return how many answers were deleted."""
        with self._write() as connection:
            room = self._require_facilitator(connection, code, key, lock="update")
            deleted = connection.execute(
                ANSWERS.delete().where(
                    ANSWERS.c.activity_id.in_(
                        sa.select(ACTIVITIES.c.id).where(ACTIVITIES.c.room_code == room.code)
                    )
                )
            ).rowcount
            connection.execute(
                ROOMS.update()
                .where(ROOMS.c.code == room.code)
                .values(closed_at=sa.func.coalesce(ROOMS.c.closed_at, self.now()))
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
        if kind == RANDOMISED_RESPONSE:
            question = check_question(question)
        with self._write() as connection:
            room = self._require_facilitator(connection, code, key, lock="update")
            if room.closed:
                raise RoomError(f"Room {room.code} is closed; open a new room to start again.")
            if kind not in ACTIVITY_KINDS:
                raise RoomError(f"Unknown activity {kind!r}; allowed: {', '.join(ACTIVITY_KINDS)}.")
            if kind == RANDOMISED_RESPONSE:
                allowed = sorted(c.truth_probability for c in COINS.values())
                if truth_probability not in allowed:
                    raise RoomError(
                        f"The coin's truth probability must be one of {allowed}. "
                        f"Got {truth_probability!r} instead."
                    )
            else:
                question, truth_probability = "", None
            identifier = connection.execute(
                ACTIVITIES.insert()
                .values(
                    room_code=room.code,
                    kind=kind,
                    question=question,
                    truth_probability=truth_probability,
                    created_at=self.now(),
                )
                .returning(ACTIVITIES.c.id)
            ).scalar_one()
            connection.execute(
                ROOMS.update().where(ROOMS.c.code == room.code).values(current_activity=identifier)
            )
        return int(identifier)

    def reveal(self, code: str, key: object, activity_id: int) -> None:
        """Reveal an activity's result to the participants (answers close)."""
        with self._write() as connection:
            room = self._require_facilitator(connection, code, key, lock="update")
            changed = connection.execute(
                ACTIVITIES.update()
                .where(ACTIVITIES.c.id == int(activity_id), ACTIVITIES.c.room_code == room.code)
                .values(revealed_at=sa.func.coalesce(ACTIVITIES.c.revealed_at, self.now()))
            ).rowcount
        if not changed:
            raise RoomError(f"Room {room.code} has no activity {activity_id}.")

    @staticmethod
    def _activity_row(connection, activity_id: int):
        return connection.execute(
            sa.select(*_ACTIVITY_COLUMNS).where(ACTIVITIES.c.id == int(activity_id))
        ).one_or_none()

    @staticmethod
    def _activity(row) -> Activity:
        return Activity(row[0], row[1], row[2], row[3], row[4], row[5], row[6] is not None)

    def current_activity(self, code: str, *, allow_closed: bool = False) -> Activity | None:
        """The room's current activity (None before the first); RoomError for a bad room."""
        code = normalise_room_code(code)
        with self._read() as connection:
            room = self._check_room(
                self._room_row(connection, code), code, allow_closed=allow_closed
            )
            if room.current_activity is None:
                return None
            return self._activity(self._activity_row(connection, room.current_activity))

    def activities(self, code: str, key: object) -> list[Activity]:
        """Every activity of the room, oldest first (facilitator only)."""
        with self._read() as connection:
            room = self._require_facilitator(connection, code, key)
            rows = connection.execute(
                sa.select(*_ACTIVITY_COLUMNS)
                .where(ACTIVITIES.c.room_code == room.code)
                .order_by(ACTIVITIES.c.id)
            ).all()
        return [self._activity(row) for row in rows]

    # -- answers ---------------------------------------------------------------------------------
    @staticmethod
    def _voter(room_code: str, browser_token: object) -> str:
        """The stored voter: a hash of the room and the token, so one browser's answers are
        linkable within a room (the UNIQUE constraint needs that) but not across rooms."""
        if not isinstance(browser_token, str) or not BROWSER_TOKEN_PATTERN.match(browser_token):
            raise RoomError("This browser has no valid token; reload the page and try again.")
        return hash_secret(f"{room_code}:{browser_token}")

    def _insert_answer_once(self, values: dict):
        """INSERT … ON CONFLICT (activity_id, voter_hash) DO NOTHING, in the back end's dialect."""
        dialect = postgresql if self.backend == "postgresql" else sqlite
        return (
            dialect.insert(ANSWERS)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["activity_id", "voter_hash"])
        )

    def submit_answer(self, code: str, activity_id: int, browser_token: str, answer: dict) -> None:
        """Record one browser's answer to the room's current activity, once.

        RoomError (nothing stored) when the room is unknown, expired or closed, the activity is
        not the current one or already revealed, the answer is malformed, or this browser has
        already answered: its first answer counts, a replay or a flood adds nothing. When the
        database cannot be reached: RoomUnavailableError, nothing stored, and sending again is
        safe (an answer whose commit did land is then refused as already given, never doubled).
        """
        code = normalise_room_code(code)
        voter = self._voter(code, browser_token)
        with self._write() as connection:
            # The room's row held (shared) until commit: a close, reveal or next activity on any
            # replica waits for this answer, or this answer sees what it did.
            room = self._check_room(
                self._room_row(connection, code, lock="share"), code, allow_closed=False
            )
            row = self._activity_row(connection, activity_id)
            if row is None or row.room_code != room.code:
                raise RoomError(f"Room {room.code} has no activity {activity_id}.")
            activity = self._activity(row)
            if activity.id != room.current_activity:
                raise RoomError("That activity is over: the room has moved on to the next one.")
            if activity.revealed:
                raise RoomError("Answers are closed: the facilitator has revealed the result.")
            canonical = check_answer(activity.kind, answer)
            # RETURNING, not rowcount: the driver reports -1 rows for a compiled ON CONFLICT.
            inserted = connection.execute(
                self._insert_answer_once(
                    {
                        "activity_id": activity.id,
                        "voter_hash": voter,
                        "answer_json": json.dumps(canonical, sort_keys=True),
                        "created_at": self.now(),
                    }
                ).returning(ANSWERS.c.id)
            ).first()
        if inserted is None:
            raise RoomError("You have already answered this one: your first answer counts.")

    def has_answered(self, activity_id: int, browser_token: str) -> bool:
        with self._read() as connection:
            room_code = connection.execute(
                sa.select(ACTIVITIES.c.room_code).where(ACTIVITIES.c.id == int(activity_id))
            ).scalar_one_or_none()
            if room_code is None:
                return False
            voter = self._voter(room_code, browser_token)
            row = connection.execute(
                sa.select(sa.literal(1)).where(
                    ANSWERS.c.activity_id == int(activity_id), ANSWERS.c.voter_hash == voter
                )
            ).first()
        return row is not None

    def answers(self, activity_id: int) -> list[dict]:
        """The answers to an activity (canonical dicts, in arrival order; no voter)."""
        with self._read() as connection:
            texts = connection.execute(
                sa.select(ANSWERS.c.answer_json)
                .where(ANSWERS.c.activity_id == int(activity_id))
                .order_by(ANSWERS.c.id)
            ).scalars()
            return [json.loads(text) for text in texts]

    def answer_count(self, activity_id: int) -> int:
        with self._read() as connection:
            return connection.execute(
                sa.select(sa.func.count()).where(ANSWERS.c.activity_id == int(activity_id))
            ).scalar_one()

    def stored_voters(self) -> list[str]:
        """Every voter value stored (for tests: they must be hashes, never tokens)."""
        with self._read() as connection:
            return list(
                connection.execute(sa.select(ANSWERS.c.voter_hash).order_by(ANSWERS.c.id)).scalars()
            )
