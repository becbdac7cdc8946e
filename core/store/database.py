"""The shared store's database: SQLite by default, PostgreSQL when ``PTE_DATABASE_URL`` says so.

Saved scenarios (core/store/storage.py) and workshop rooms (core/store/room_store.py) go through
SQLAlchemy Core with one set of tables (:data:`METADATA`) whose schema is under Alembic migrations
(``core/store/migrations``), upgraded to the newest revision whenever a store opens.

- Without ``PTE_DATABASE_URL`` the store is today's embedded SQLite file in the data directory
  (``$PTE_DATA_DIR`` or ``var/``): nothing to start. One connection per operation, WAL journal,
  a busy timeout and ``BEGIN IMMEDIATE`` for every write, so concurrent writers queue instead of
  failing and a crash mid-write leaves the row whole or absent.
- With ``PTE_DATABASE_URL=postgresql+psycopg://user@host/db`` several app replicas share one
  PostgreSQL. Rules that must hold across replicas are the database's: unique constraints (one
  answer per browser per activity, one room per code, one scenario per name) and transactions
  that lock the row they check (a room while an answer goes in, a scenario while it changes).
  Migrations take an advisory lock, so replicas starting together upgrade once.

A database that cannot be reached raises :class:`DatabaseUnavailableError` (a StorageError) with
a message saying nothing was changed and to try again, never a driver traceback.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

DATABASE_URL_ENV = "PTE_DATABASE_URL"
DATA_DIR_ENV = "PTE_DATA_DIR"
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "var"
DB_NAME = "scenarios.sqlite3"
BUSY_TIMEOUT_MS = 15_000
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# pg_advisory_xact_lock key for schema upgrades (any constant; "PTE" in ASCII).
MIGRATION_LOCK_KEY = 0x505445

# The SQLite schema before Alembic: step i took ``PRAGMA user_version`` i to i + 1. A file from
# those releases is brought to LEGACY_VERSION by these steps, then stamped with the baseline
# revision (which creates the same tables on a new database) and upgraded by Alembic from there.
LEGACY_MIGRATIONS = (
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
LEGACY_VERSION = len(LEGACY_MIGRATIONS)
ALEMBIC_USER_VERSION = LEGACY_VERSION + 1
BASELINE_REVISION = "0001"

# The tables as the newest migration leaves them (the migrations are the source of truth;
# tests/core/test_storage.py::test_schema_is_the_tables_core_declares checks that the two agree).
# Times are ISO 8601 UTC text to the second, so text order is time order on both back ends.
METADATA = sa.MetaData()
SCENARIOS = sa.Table(
    "scenarios",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("scenario_json", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Text),
    sa.Column("owner", sa.Text),
    sa.Column("owner_key_hash", sa.Text),
)
ROOMS = sa.Table(
    "rooms",
    METADATA,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("key_hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("expires_at", sa.Text, nullable=False),
    sa.Column("closed_at", sa.Text),
    sa.Column("current_activity", sa.Integer),
)
ACTIVITIES = sa.Table(
    "activities",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "room_code", sa.Text, sa.ForeignKey("rooms.code", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("question", sa.Text, nullable=False, server_default=""),
    sa.Column("truth_probability", sa.Float),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("revealed_at", sa.Text),
    sa.Index("activities_by_room", "room_code"),
)
ANSWERS = sa.Table(
    "answers",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "activity_id",
        sa.Integer,
        sa.ForeignKey("activities.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("voter_hash", sa.Text, nullable=False),
    sa.Column("answer_json", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.UniqueConstraint("activity_id", "voter_hash"),
)


class StorageError(ValueError):
    """A save, rename or load that cannot be done; the message says why."""


class DatabaseUnavailableError(StorageError):
    """The database could not be reached or answered with an error; nothing was changed."""


UNAVAILABLE_MESSAGE = (
    "The database did not answer just now, so nothing was saved. Try again in a few seconds."
)


def data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)


def database_url() -> str:
    """``$PTE_DATABASE_URL`` if set, else the SQLite file in the data directory."""
    configured = os.environ.get(DATABASE_URL_ENV, "").strip()
    if configured:
        return configured
    return f"sqlite:///{data_dir() / DB_NAME}"


def _as_url(target: str | Path | None) -> str:
    if target is None:
        return database_url()
    text = str(target)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text)}"


def _sqlite_engine(url: sa.URL) -> Engine:
    Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    # NullPool: one connection per operation, as before; opening a SQLite file costs microseconds.
    engine = sa.create_engine(url, poolclass=NullPool)

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        # pysqlite's own transaction handling off: SQLAlchemy's "begin" event below decides.
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        dbapi_connection.execute("PRAGMA journal_mode = WAL")
        dbapi_connection.execute("PRAGMA synchronous = NORMAL")
        dbapi_connection.execute("PRAGMA foreign_keys = ON")  # rooms -> activities -> answers

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # A write takes the lock up front (no upgrade deadlocks between two writers).
        write = connection.get_execution_options().get("pte_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


SUPPORTED_BACKENDS = ("sqlite", "postgresql")
URL_EXAMPLES = "sqlite:///path/to/file.sqlite3 or postgresql+psycopg://user@host:5432/database"


def parse_database_url(url: str) -> sa.URL:
    """``url`` as a SQLAlchemy URL of a supported back end, else a StorageError naming the
    setting, what is allowed and what was received (the password never shown)."""
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        scheme = url.split("://", 1)[0] if "://" in url else "no scheme"
        raise StorageError(
            f"The database URL ({DATABASE_URL_ENV}) must look like {URL_EXAMPLES}. "
            f"Got a value that is not a URL ({scheme}) instead."
        ) from None
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise StorageError(
            f"The database URL ({DATABASE_URL_ENV}) must name one of "
            f"{', '.join(SUPPORTED_BACKENDS)} ({URL_EXAMPLES}). "
            f"Got {parsed.render_as_string(hide_password=True)} instead."
        )
    return parsed


def create_engine(url: str) -> Engine:
    """An engine for ``url`` set up for this store (SQLite pragmas, PostgreSQL pool)."""
    parsed = parse_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database:
            raise StorageError("A SQLite database URL needs a file path (sqlite:///path).")
        return _sqlite_engine(parsed)
    # pre_ping: after a database restart, stale pooled connections are replaced, not used.
    return sa.create_engine(parsed, pool_size=5, max_overflow=15, pool_pre_ping=True)


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


_SCRIPTS: list[ScriptDirectory] = []  # parsed once per process: the files do not change


def _scripts() -> ScriptDirectory:
    if not _SCRIPTS:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        _SCRIPTS.append(ScriptDirectory.from_config(config))
    return _SCRIPTS[0]


def head_revision() -> str:
    return _scripts().get_current_head()


class Database:
    """The store's database: connections, transactions and schema migrations.

    ``target`` is a SQLAlchemy URL, a SQLite file path, or None for :func:`database_url`.
    ``clock`` returns the current UTC time (tests pass a fake one to check expiry).
    """

    unavailable_error: type[Exception] = DatabaseUnavailableError
    unavailable_message: str = UNAVAILABLE_MESSAGE

    def __init__(
        self,
        target: str | Path | None = None,
        clock: Callable[[], datetime] | None = None,
    ):
        self.url = _as_url(target)
        self.engine = create_engine(self.url)
        self.backend = self.engine.dialect.name  # "sqlite" or "postgresql"
        self.path = Path(self.engine.url.database) if self.backend == "sqlite" else None
        self.clock = clock or (lambda: datetime.now(UTC))
        self._schema_ready = self._migrating = False
        # The server away (a restart): the store still opens, and the first operation upgrades
        # the schema or reports the outage as every operation does.
        with suppress(DatabaseUnavailableError):
            self._migrate()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.engine.url.render_as_string(hide_password=True)!r})"

    def dispose(self) -> None:
        """Close pooled connections (a PostgreSQL store holds a few open)."""
        self.engine.dispose()

    def now(self) -> str:
        """The clock's time as stored (ISO 8601 UTC to the second: text order is time order)."""
        return self.clock().astimezone(UTC).isoformat(timespec="seconds")

    # -- transactions ---------------------------------------------------------------------------
    @contextmanager
    def _translate_errors(self) -> Iterator[None]:
        try:
            yield
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
            raise self.unavailable_error(self.unavailable_message) from error
        except sa.exc.DBAPIError as error:
            if error.connection_invalidated:
                raise self.unavailable_error(self.unavailable_message) from error
            raise

    def _ensure_schema(self) -> None:
        if self._schema_ready or self._migrating:
            return
        try:
            self._migrate()
        except DatabaseUnavailableError as error:
            raise self.unavailable_error(self.unavailable_message) from error

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A connection for reads (one consistent statement at a time; nothing written)."""
        self._ensure_schema()
        with self._translate_errors(), self.engine.connect() as connection:
            yield connection

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction: committed whole at the end, rolled back whole on any error.

        SQLite takes the write lock up front (``BEGIN IMMEDIATE``); PostgreSQL runs at READ
        COMMITTED and the methods lock the rows they check (``SELECT … FOR UPDATE``).
        """
        self._ensure_schema()
        with (
            self._translate_errors(),
            self.engine.connect().execution_options(pte_write=True) as connection,
            connection.begin(),
        ):
            yield connection

    # -- schema ---------------------------------------------------------------------------------
    def _migrate(self) -> None:
        self._migrating = True
        try:
            self._upgrade()
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
            raise DatabaseUnavailableError(UNAVAILABLE_MESSAGE) from error
        except (DatabaseUnavailableError, self.unavailable_error) as error:
            raise DatabaseUnavailableError(UNAVAILABLE_MESSAGE) from error
        finally:
            self._migrating = False
        self._schema_ready = True

    def _upgrade(self) -> None:
        scripts = _scripts()
        head = scripts.get_current_head()
        with self._write() as connection:
            if self.backend == "postgresql":
                # Replicas starting together: one upgrades, the others wait and find it done.
                # A migration stuck behind someone else's lock fails after a minute, not never.
                connection.exec_driver_sql("SET LOCAL lock_timeout = '60s'")
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            if self.backend == "sqlite":
                self._upgrade_legacy_sqlite(connection)
            current = MigrationContext.configure(connection).get_current_revision()
            known = {script.revision for script in scripts.walk_revisions()}
            if current is not None and current not in known:
                raise StorageError(
                    f"{self} was written by a newer version (schema revision {current}); "
                    f"this one reads up to {head}."
                )
            if current != head:
                command.upgrade(_alembic_config(connection), "head")

    def _upgrade_legacy_sqlite(self, connection: Connection) -> None:
        """Bring a pre-Alembic file (PRAGMA user_version 1..3) to the baseline revision.

        Files under Alembic carry ``user_version`` ALEMBIC_USER_VERSION, so a release from before
        Alembic refuses them as newer instead of misreading them.
        """
        raw = connection.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        version = raw.execute("PRAGMA user_version").fetchone()[0]
        if not sa.inspect(connection).has_table("alembic_version"):
            if version > LEGACY_VERSION:
                raise StorageError(
                    f"{self.path} was written by a newer version (schema {version}); "
                    f"this one reads up to {LEGACY_VERSION}."
                )
            if version > 0:
                for step in LEGACY_MIGRATIONS[version:]:
                    for statement in filter(str.strip, step.split(";")):
                        connection.exec_driver_sql(statement)
                MigrationContext.configure(connection).stamp(_scripts(), BASELINE_REVISION)
        if version != ALEMBIC_USER_VERSION:
            connection.exec_driver_sql(f"PRAGMA user_version = {ALEMBIC_USER_VERSION}")

    def integrity_check(self) -> str:
        """ "ok" when the database finds no damage (SQLite's integrity check; PostgreSQL: the
        foreign keys hold, i.e. no answer without its activity and no activity without its room).
        """
        with self._read() as connection:
            if self.backend == "sqlite":
                return connection.exec_driver_sql("PRAGMA integrity_check").scalar_one()
            orphans = connection.execute(
                sa.select(sa.func.count())
                .select_from(
                    ANSWERS.outerjoin(ACTIVITIES, ACTIVITIES.c.id == ANSWERS.c.activity_id)
                )
                .where(ACTIVITIES.c.id.is_(None))
            ).scalar_one()
            return "ok" if orphans == 0 else f"{orphans} answers without an activity"

    def dump(self) -> str:
        """Every stored value as text, table by table (for tests: what is really in there)."""
        lines = []
        with self._read() as connection:
            for table in METADATA.sorted_tables:
                for row in connection.execute(sa.select(table)):
                    lines.append(f"{table.name}: {tuple(row)!r}")
        return "\n".join(lines)
