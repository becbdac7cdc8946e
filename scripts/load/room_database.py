"""The room's one database behind every replica: a SQLite file, or a fresh PostgreSQL database
created for the run and dropped afterwards."""

from __future__ import annotations

import contextlib
from pathlib import Path

from core.store.storage import DB_NAME


class RunDatabase:
    """The run's shared database: a SQLite file in the run's data folder, or a fresh PostgreSQL
    database on the given server (created here, dropped afterwards)."""

    def __init__(self, options, data_dir: str, stamp: str):
        import sqlalchemy as sa

        self.options = options
        if options.database == "sqlite":
            self.url = f"sqlite:///{Path(data_dir) / DB_NAME}"
            self.admin = None
            return
        self.name = f"pte_load_{stamp.lower()}"
        server = sa.make_url(options.database_url)
        self.url = server.set(database=self.name).render_as_string(hide_password=False)
        self.admin = sa.create_engine(
            server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )

    def create(self) -> None:
        if self.admin is not None:
            with self.admin.connect() as connection:
                connection.exec_driver_sql(f"CREATE DATABASE {self.name}")
                self.data_directory = Path(
                    connection.exec_driver_sql(
                        "SELECT setting FROM pg_settings WHERE name = 'data_directory'"
                    ).scalar_one()
                )

    def drop(self) -> None:
        if self.admin is None:
            return
        with contextlib.suppress(Exception), self.admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        self.admin.dispose()

    def server_pid(self) -> int | None:
        """The PostgreSQL server's pid (its postmaster.pid; it changes on a restart)."""
        if self.admin is None:
            return None
        try:
            return int((self.data_directory / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):  # down (a restart): no sample this second
            return None
